//! `jcsim infer`: the value each behaviour knob shows in a recording, and a
//! `behaviour:` block that makes the simulator send the same.

use super::evidence::Evidence;
use crate::knobs::{KNOBS, KnobId};
use crate::record::Exchange;
use serde::Serialize;
use std::collections::HashMap;

/// Knobs read from the wire besides those `jcsim compat` tries.
const ALSO_READ: &[KnobId] = &[KnobId::UserAgent];

/// What a recording shows for one knob.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnobSeen {
    pub knob: &'static str,
    /// Evidence behind jcsim's default (`confirmed`, `inferred`, `unknown`).
    pub status: crate::knobs::Evidence,
    /// Each value seen with its count, most seen first.
    pub seen: Vec<(String, usize)>,
}

impl KnobSeen {
    /// The value to simulate: the most seen one.
    pub fn value(&self) -> Option<&str> {
        self.seen.first().map(|(v, _)| v.as_str())
    }
}

/// Every wire knob, in `KNOBS` order, with what the recording shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inference {
    pub knobs: Vec<KnobSeen>,
    /// JumpCloud requests read (jcsim's own and retries left out).
    pub requests: usize,
}

/// Read a recording's knobs (the commands stream through [`Infer`]).
#[cfg(test)]
pub fn infer(entries: &[super::Entry]) -> Inference {
    let mut i = Infer::default();
    entries.iter().for_each(|e| i.push(&e.exchange));
    i.finish()
}

/// [`infer`] one exchange at a time, as a recording is read: it keeps the
/// values seen and their counts, never the exchanges.
#[derive(Default)]
pub struct Infer {
    evidence: Evidence,
    /// Per knob, each value with its count and the order it first appeared in.
    seen: HashMap<KnobId, HashMap<String, (usize, usize)>>,
    requests: usize,
}

impl Infer {
    pub fn push(&mut self, x: &Exchange) {
        if !super::is_first_attempt(x) || super::is_jcsim_own(x) {
            return;
        }
        self.requests += 1;
        for s in self.evidence.see(x) {
            let values = self.seen.entry(s.knob()).or_default();
            let first = values.len();
            values.entry(s.value()).or_insert((first, 0)).1 += 1;
        }
    }

    pub fn finish(mut self) -> Inference {
        let knobs = KNOBS
            .iter()
            .filter(|k| !k.forms.is_empty() || ALSO_READ.contains(&k.id))
            .map(|k| {
                let mut seen: Vec<(String, (usize, usize))> =
                    self.seen.remove(&k.id).unwrap_or_default().into_iter().collect();
                // Most seen first; ties keep the order of first appearance.
                seen.sort_by_key(|(_, (first, n))| (std::cmp::Reverse(*n), *first));
                let seen = seen.into_iter().map(|(v, (_, n))| (v, n)).collect();
                KnobSeen { knob: k.name, status: k.status, seen }
            })
            .collect();
        Inference { knobs, requests: self.requests }
    }
}

impl Inference {
    /// One line per knob (`member_removal: filter_path (seen 3×)`), then the
    /// `behaviour:` block.
    pub fn render(&self) -> String {
        let mut out = format!("{} JumpCloud request(s) read\n\n", self.requests);
        for k in &self.knobs {
            let seen = |(v, n): &(String, usize)| format!("{} (seen {n}×)", crate::term::one_line(v));
            let line = match k.seen.as_slice() {
                [] => "not exercised".to_string(),
                [one] => seen(one),
                many => format!("mixed: {}", many.iter().map(seen).collect::<Vec<_>>().join(", ")),
            };
            out.push_str(&format!("{}: {line}\n", k.knob));
        }
        out.push('\n');
        out.push_str(&self.behaviour_yaml());
        out
    }

    /// The `behaviour:` block of a scenario that sends what was seen.
    pub fn behaviour_yaml(&self) -> String {
        let seen: Vec<&KnobSeen> = self.knobs.iter().filter(|k| k.value().is_some()).collect();
        if seen.is_empty() {
            return "# no knob was exercised: nothing to set\n".to_string();
        }
        let mut out = String::from("behaviour:\n");
        for k in seen {
            let value = k.value().unwrap_or_default();
            // A JSON string is a valid YAML scalar, whatever it holds.
            let scalar = if is_plain(value) { value.to_string() } else { quoted(value) };
            let note = if k.seen.len() > 1 { "  # mixed: the most seen" } else { "" };
            out.push_str(&format!("  {}: {scalar}{note}\n", k.knob));
        }
        out
    }
}

/// `v` as a YAML double-quoted scalar that reads back as `v` and is inert on
/// a terminal: JSON's escapes, and `\uXXXX` for every character a terminal
/// would act on (C1 controls, DEL, bidi overrides, U+2028) that JSON leaves raw.
fn quoted(v: &str) -> String {
    let json = serde_json::Value::from(v).to_string();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if crate::term::unsafe_for_terminal(c) {
            out.push_str(&format!("\\u{:04X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A value YAML reads back as the same string without quotes.
fn is_plain(v: &str) -> bool {
    !v.is_empty() && v.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fidelity::Entry;
    use crate::fidelity::evidence::tests::x;
    use serde_json::json;

    fn entry(x: crate::record::Exchange) -> Entry {
        Entry { exchange: x, action: String::new() }
    }

    #[test]
    fn the_most_seen_value_is_inferred_and_mixtures_are_named() {
        let remove = |path: &str| json!({ "Operations": [{ "op": "remove", "path": path }] });
        let mut retry = x("PATCH", "/Groups/g", Some(remove("members")), None);
        retry.attempt = 2;
        let entries = vec![
            entry(x("PATCH", "/Groups/g", Some(remove("members[value eq \"1\"]")), None)),
            entry(x("PATCH", "/Groups/g", Some(remove("members[value eq \"2\"]")), None)),
            entry(x("PATCH", "/Groups/g", Some(remove("members")), None)),
            entry(retry),
        ];
        let inf = infer(&entries);
        assert_eq!(inf.requests, 3, "the retry is left out");
        let text = inf.render();
        assert!(text.contains("member_removal: mixed: filter_path (seen 2×), value_array (seen 1×)\n"), "{text}");
        assert!(text.contains("update_method: not exercised\n"), "{text}");
        let block = "behaviour:\n  member_removal: filter_path  # mixed: the most seen\n  content_type: \"application/scim+json\"\n";
        assert!(text.ends_with(block), "{text}");
        let yaml = inf.behaviour_yaml();
        let parsed: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(parsed["behaviour"]["member_removal"], "filter_path");
    }

    /// A recording's header value with C1 controls, DEL, bidi overrides and
    /// separators prints inert, and the block still reads back as the value.
    #[test]
    fn the_behaviour_block_shows_hostile_values_inert_and_still_reads_back() {
        let hostile = "application/scim+json\u{9b}2J\u{202E}nosj\u{2066}\u{2028}PASS\u{7f}\u{85}x";
        let mut one = x("POST", "/Users", Some(json!({ "userName": "a" })), None);
        one.request.headers = vec![("Content-Type".into(), hostile.into())];
        let text = infer(&[entry(one)]).render();
        assert!(!text.chars().any(|c| crate::term::unsafe_for_terminal(c) && c != '\n'), "{text:?}");
        assert!(!text.lines().any(|l| l.trim_start().starts_with("PASS")), "{text}");
        let block = &text[text.find("behaviour:").unwrap()..];
        let parsed: serde_yaml::Value = serde_yaml::from_str(block).unwrap();
        assert_eq!(parsed["behaviour"]["content_type"], hostile, "the block reads back as the value seen");
    }

    #[test]
    fn nothing_exercised_gives_no_block() {
        let inf = infer(&[]);
        assert!(inf.knobs.iter().all(|k| k.seen.is_empty()));
        assert!(inf.render().contains("test_connection: not exercised"));
        assert!(inf.behaviour_yaml().starts_with('#'));
    }
}
