//! The read-back diff shown under a check: expected against actual, compared
//! as JSON values (object members by key, array elements by value), laid out
//! as pretty-printed JSON lines marked ` ` (same), `-` (expected only) or `+`
//! (actual only). Formatting never makes a difference: an unchanged element
//! stays unchanged when an element is added after it.

use serde_json::Value;
use std::collections::HashSet;

/// One line of the diff: its mark and its text.
pub(crate) type DiffLine = (&'static str, String);

/// Arrays longer than this on both sides (product of lengths) are compared
/// as sets of values instead of by longest common subsequence.
const LCS_CAP: usize = 250_000;

/// The diff of `expected` against `actual`; a missing side shows the other
/// side whole.
pub(crate) fn diff_values(expected: Option<&Value>, actual: Option<&Value>) -> Vec<DiffLine> {
    let mut out = Vec::new();
    let at = Place { indent: 0, key: None, comma: false };
    match (expected, actual) {
        (Some(e), Some(a)) => diff(e, a, &at, &at, &mut out),
        (Some(e), None) => whole("-", e, &at, &mut out),
        (None, Some(a)) => whole("+", a, &at, &mut out),
        (None, None) => {}
    }
    out
}

/// Where a value is printed: its depth, its member name and whether a comma
/// follows it on its own side.
struct Place<'a> {
    indent: usize,
    key: Option<&'a str>,
    comma: bool,
}

impl Place<'_> {
    /// `    "key": ` before the first line of a value.
    fn head(&self) -> String {
        let mut s = "  ".repeat(self.indent);
        if let Some(k) = self.key {
            s.push_str(&serde_json::to_string(k).unwrap_or_default());
            s.push_str(": ");
        }
        s
    }

    fn tail(&self) -> &'static str {
        if self.comma { "," } else { "" }
    }
}

/// `e` (at `pe`, the expected side) against `a` (at `pa`, the actual side).
/// Shared lines take the actual side's punctuation.
fn diff(e: &Value, a: &Value, pe: &Place, pa: &Place, out: &mut Vec<DiffLine>) {
    if e == a {
        return whole(" ", a, pa, out);
    }
    match (e, a) {
        (Value::Object(eo), Value::Object(ao)) => {
            out.push((" ", format!("{}{{", pa.head())));
            let inner = pa.indent + 1;
            let e_last = eo.keys().next_back();
            let a_last = ao.keys().next_back();
            for (k, ev) in eo {
                let pe = Place { indent: inner, key: Some(k), comma: Some(k) != e_last };
                match ao.get(k) {
                    Some(av) => {
                        let pa = Place { indent: inner, key: Some(k), comma: Some(k) != a_last };
                        diff(ev, av, &pe, &pa, out);
                    }
                    None => whole("-", ev, &pe, out),
                }
            }
            for (k, av) in ao.iter().filter(|(k, _)| !eo.contains_key(*k)) {
                whole("+", av, &Place { indent: inner, key: Some(k), comma: Some(k) != a_last }, out);
            }
            out.push((" ", format!("{}}}{}", "  ".repeat(pa.indent), pa.tail())));
        }
        (Value::Array(ea), Value::Array(aa)) => {
            out.push((" ", format!("{}[", pa.head())));
            let inner = pa.indent + 1;
            let at = |items: &[Value], i: usize| Place { indent: inner, key: None, comma: i + 1 < items.len() };
            for op in align(ea, aa) {
                match op {
                    Op::Same(j) => whole(" ", &aa[j], &at(aa, j), out),
                    Op::Gone(i) => whole("-", &ea[i], &at(ea, i), out),
                    Op::New(j) => whole("+", &aa[j], &at(aa, j), out),
                }
            }
            out.push((" ", format!("{}]{}", "  ".repeat(pa.indent), pa.tail())));
        }
        _ => {
            whole("-", e, pe, out);
            whole("+", a, pa, out);
        }
    }
}

/// `v` printed whole at `p`, every line marked `mark`.
fn whole(mark: &'static str, v: &Value, p: &Place, out: &mut Vec<DiffLine>) {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    let pad = "  ".repeat(p.indent);
    let mut lines = text.lines().peekable();
    let mut first = true;
    while let Some(line) = lines.next() {
        let mut s = if first { p.head() } else { pad.clone() };
        first = false;
        s.push_str(line);
        if lines.peek().is_none() {
            s.push_str(p.tail());
        }
        out.push((mark, s));
    }
}

/// How two arrays' elements line up.
enum Op {
    /// Element `j` of actual equals the next unmatched element of expected.
    Same(usize),
    /// Element `i` of expected has no equal in actual.
    Gone(usize),
    /// Element `j` of actual has no equal in expected.
    New(usize),
}

/// Longest common subsequence of equal values; past [`LCS_CAP`], a set
/// comparison (expected-only elements first, then actual in order).
fn align(e: &[Value], a: &[Value]) -> Vec<Op> {
    if e.len().saturating_mul(a.len()) > LCS_CAP {
        let e_keys: Vec<String> = e.iter().map(Value::to_string).collect();
        let a_keys: Vec<String> = a.iter().map(Value::to_string).collect();
        let in_a: HashSet<&String> = a_keys.iter().collect();
        let in_e: HashSet<&String> = e_keys.iter().collect();
        let mut ops: Vec<Op> = (0..e.len()).filter(|&i| !in_a.contains(&e_keys[i])).map(Op::Gone).collect();
        ops.extend((0..a.len()).map(|j| if in_e.contains(&a_keys[j]) { Op::Same(j) } else { Op::New(j) }));
        return ops;
    }
    // lcs[i][j] = LCS length of e[i..] and a[j..]
    let mut lcs = vec![vec![0u32; a.len() + 1]; e.len() + 1];
    for i in (0..e.len()).rev() {
        for j in (0..a.len()).rev() {
            lcs[i][j] = if e[i] == a[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut ops) = (0, 0, Vec::new());
    while i < e.len() || j < a.len() {
        if i < e.len() && j < a.len() && e[i] == a[j] {
            ops.push(Op::Same(j));
            i += 1;
            j += 1;
        } else if i < e.len() && (j == a.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(Op::Gone(i));
            i += 1;
        } else {
            ops.push(Op::New(j));
            j += 1;
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn changed(e: Value, a: Value) -> Vec<DiffLine> {
        diff_values(Some(&e), Some(&a)).into_iter().filter(|(m, _)| *m != " ").collect()
    }

    fn text(lines: &[DiffLine]) -> String {
        lines.iter().map(|(m, l)| format!("{m}{l}\n")).collect()
    }

    #[test]
    fn an_added_member_is_the_only_change_not_the_comma_before_it() {
        let e = json!({"members": ["a", "b"]});
        let a = json!({"members": ["a", "b", "c"]});

        let all = diff_values(Some(&e), Some(&a));

        assert_eq!(changed(e, a), [("+", "    \"c\"".to_string())]);
        assert_eq!(text(&all), " {\n   \"members\": [\n     \"a\",\n     \"b\",\n+    \"c\"\n   ]\n }\n");
    }

    #[test]
    fn a_removed_member_in_the_middle_is_one_line() {
        let lines = changed(json!({"members": ["a", "b", "c"]}), json!({"members": ["a", "c"]}));
        assert_eq!(lines, [("-", "    \"b\",".to_string())]);
    }

    #[test]
    fn member_objects_compare_by_value_whatever_their_key_order() {
        let e = json!({"members": [{"value": "u1", "display": "Alice"}, {"value": "u2", "display": "Bob"}]});
        let a = json!({"members": [
            {"display": "Alice", "value": "u1"},
            {"value": "u2", "display": "Bob"},
            {"value": "u3", "display": "Carol"}
        ]});

        let lines = changed(e, a);

        assert!(lines.iter().all(|(m, _)| *m == "+"), "{lines:?}");
        let added = text(&lines);
        assert!(added.contains("\"u3\"") && !added.contains("u1") && !added.contains("u2"), "{added}");
    }

    #[test]
    fn differing_scalars_show_both_sides_with_their_own_punctuation() {
        let e = json!({"active": true, "name": "Alice"});
        let a = json!({"active": false, "name": "Alice"});

        let all = diff_values(Some(&e), Some(&a));

        assert_eq!(
            all,
            [
                (" ", "{".to_string()),
                ("-", "  \"active\": true,".to_string()),
                ("+", "  \"active\": false,".to_string()),
                (" ", "  \"name\": \"Alice\"".to_string()),
                (" ", "}".to_string()),
            ]
        );
    }

    #[test]
    fn missing_and_unexpected_members_and_a_missing_side() {
        let lines = changed(json!({"a": 1, "b": [1, 2]}), json!({"a": 1, "c": {"d": null}}));
        assert_eq!(text(&lines), "-  \"b\": [\n-    1,\n-    2\n-  ]\n+  \"c\": {\n+    \"d\": null\n+  }\n");
        assert_eq!(diff_values(None, Some(&json!(1))), [("+", "1".to_string())]);
        assert!(diff_values(None, None).is_empty());
    }

    #[test]
    fn huge_arrays_fall_back_to_a_set_comparison() {
        let e: Vec<Value> = (0..1000).map(|i| json!(format!("id{i}"))).collect();
        let mut a = e.clone();
        a.remove(10);
        a.push(json!("new"));

        let lines = changed(Value::Array(e), Value::Array(a));

        assert_eq!(lines, [("-", "  \"id10\",".to_string()), ("+", "  \"new\"".to_string())]);
    }
}
