//! `jcsim compare`: two recordings (a capture and a simulation, or two
//! simulations) request by request. JumpCloud's requests on each side
//! (jcsim's own and retries left out) are aligned by Directory Insights event
//! and resource (a Myers alignment, so an extra or missing request shifts
//! nothing), and each aligned pair is compared by shape ([`super::shape`]).
//! A difference a behaviour knob explains names the knob and each side's
//! value.

use super::evidence::{ON_EVERY_REQUEST, Seen, evidence};
use super::shape::{Detail, RequestShape};
use super::{Entry, is_first_attempt, is_jcsim_own};
use crate::knobs::KnobId;
use crate::record::Exchange;
use serde::Serialize;
use similar::{Algorithm, DiffTag, capture_diff_slices};

/// How to compare.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// A holds only part of the traffic (public captures of a few bodies):
    /// B's requests without a counterpart in A are listed, not differences.
    pub subset: bool,
}

/// The result of a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub a: Side,
    pub b: Side,
    /// Requests aligned with one on the other side.
    pub aligned: usize,
    pub differences: Vec<Difference>,
    /// With `subset`: B's requests A has no counterpart for (not differences).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_in_a: Vec<At>,
    /// Knobs whose values the two sides show differently, over the whole recording.
    pub knobs: Vec<KnobNote>,
    pub equivalent: bool,
}

/// One side's counts.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub name: String,
    /// JumpCloud's requests compared.
    pub requests: usize,
    /// jcsim's own requests (read-backs, probes, cleanup, preflight) and retries, left out.
    pub left_out: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Aligned, but the requests differ.
    Differs,
    OnlyInA,
    OnlyInB,
}

/// A request on one side.
#[derive(Debug, Clone, Serialize)]
pub struct At {
    /// The exchange's number in its recording.
    pub exchange: u64,
    /// The admin action (step title) it belongs to.
    pub action: String,
    /// `PATCH /Groups/{id}`.
    pub request: String,
}

/// A knob and the value each side shows (absent when a side shows none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnobNote {
    pub knob: &'static str,
    pub a: Vec<String>,
    pub b: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub kind: Kind,
    /// The Directory Insights event (`group_update_provision`).
    pub event: &'static str,
    pub a: Option<At>,
    pub b: Option<At>,
    pub details: Vec<Detail>,
    /// Knobs whose values explain it.
    pub knobs: Vec<KnobNote>,
}

struct Prepared<'a> {
    entries: Vec<&'a Entry>,
    shapes: Vec<RequestShape>,
    evidence: Vec<Vec<Seen>>,
    left_out: usize,
}

fn prepare(entries: &[Entry]) -> Prepared<'_> {
    let kept: Vec<&Entry> =
        entries.iter().filter(|e| is_first_attempt(&e.exchange) && !is_jcsim_own(&e.exchange)).collect();
    let xs: Vec<&Exchange> = kept.iter().map(|e| &e.exchange).collect();
    Prepared {
        shapes: xs.iter().map(|x| RequestShape::of(x)).collect(),
        evidence: evidence(&xs),
        left_out: entries.len() - kept.len(),
        entries: kept,
    }
}

/// The alignment key: the event and the endpoint.
fn key(s: &RequestShape) -> (&'static str, &str) {
    let endpoint = s.path.trim_start_matches('/').split('/').next().unwrap_or("");
    (s.event.name(), endpoint)
}

fn at(p: &Prepared, i: usize) -> At {
    let e = p.entries[i];
    At {
        exchange: e.exchange.id,
        action: e.action.clone(),
        request: format!("{} {}", p.shapes[i].method, p.shapes[i].path),
    }
}

/// Compare recording `a` (named `a_name`) with `b`.
pub fn compare(a_name: &str, a: &[Entry], b_name: &str, b: &[Entry], opts: Options) -> Comparison {
    let pa = prepare(a);
    let pb = prepare(b);
    let ka: Vec<_> = pa.shapes.iter().map(key).collect();
    let kb: Vec<_> = pb.shapes.iter().map(key).collect();
    let mut differences = Vec::new();
    let mut not_in_a = Vec::new();
    let mut aligned = 0;
    let only = |p: &Prepared, i: usize, kind: Kind| {
        let mut knobs = notes(&p.evidence[i], &[]);
        knobs.retain(|n| !ON_EVERY_REQUEST.iter().any(|k| k.name() == n.knob));
        let x = Some(at(p, i));
        let (a, b, knobs) = match kind {
            Kind::OnlyInA => (x, None, knobs),
            _ => (None, x, knobs.into_iter().map(|n| KnobNote { a: n.b, b: n.a, ..n }).collect()),
        };
        Difference { kind, event: p.shapes[i].event.name(), a, b, details: Vec::new(), knobs }
    };
    for op in capture_diff_slices(Algorithm::Myers, &ka, &kb) {
        let (tag, ra, rb) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => {
                for (i, j) in ra.zip(rb) {
                    aligned += 1;
                    let details = super::shape::differences(&pa.shapes[i], &pb.shapes[j]);
                    if details.is_empty() {
                        continue;
                    }
                    differences.push(Difference {
                        kind: Kind::Differs,
                        event: pa.shapes[i].event.name(),
                        a: Some(at(&pa, i)),
                        b: Some(at(&pb, j)),
                        details,
                        knobs: notes(&pa.evidence[i], &pb.evidence[j]),
                    });
                }
            }
            _ => {
                differences.extend(ra.map(|i| only(&pa, i, Kind::OnlyInA)));
                for j in rb {
                    if opts.subset {
                        not_in_a.push(at(&pb, j));
                    } else {
                        differences.push(only(&pb, j, Kind::OnlyInB));
                    }
                }
            }
        }
    }
    let knobs = overall(&pa.evidence, &pb.evidence);
    Comparison {
        a: Side { name: a_name.to_string(), requests: pa.entries.len(), left_out: pa.left_out },
        b: Side { name: b_name.to_string(), requests: pb.entries.len(), left_out: pb.left_out },
        aligned,
        equivalent: differences.is_empty(),
        differences,
        not_in_a,
        knobs,
    }
}

/// Knobs whose values differ between two requests' evidence.
fn notes(a: &[Seen], b: &[Seen]) -> Vec<KnobNote> {
    let mut knobs: Vec<KnobId> = Vec::new();
    for s in a.iter().chain(b) {
        if !knobs.contains(&s.knob()) {
            knobs.push(s.knob());
        }
    }
    let values =
        |s: &[Seen], knob: KnobId| -> Vec<String> { s.iter().filter(|s| s.knob() == knob).map(Seen::value).collect() };
    knobs
        .into_iter()
        .map(|knob| KnobNote { knob: knob.name(), a: values(a, knob), b: values(b, knob) })
        .filter(|n| n.a != n.b)
        .collect()
}

/// Knobs both recordings exercise with different values.
fn overall(a: &[Vec<Seen>], b: &[Vec<Seen>]) -> Vec<KnobNote> {
    crate::knobs::KNOBS
        .iter()
        .filter_map(|k| {
            let values = |all: &[Vec<Seen>]| {
                let mut v: Vec<String> = all.iter().flatten().filter(|s| s.knob() == k.id).map(Seen::value).collect();
                v.sort();
                v.dedup();
                v
            };
            let (va, vb) = (values(a), values(b));
            (!va.is_empty() && !vb.is_empty() && va != vb).then_some(KnobNote { knob: k.name, a: va, b: vb })
        })
        .collect()
}

impl Comparison {
    /// The comparison for a terminal.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let verdict = if self.equivalent {
            "equivalent".to_string()
        } else {
            format!("not equivalent, {} difference(s)", self.differences.len())
        };
        out.push_str(&format!(
            "A: {} ({} JumpCloud request(s), {} left out)\n",
            t(&self.a.name),
            self.a.requests,
            self.a.left_out
        ));
        out.push_str(&format!(
            "B: {} ({} JumpCloud request(s), {} left out)\n",
            t(&self.b.name),
            self.b.requests,
            self.b.left_out
        ));
        out.push_str(&format!("{} request(s) aligned: {verdict}\n", self.aligned));
        for (n, d) in self.differences.iter().enumerate() {
            let side = |s: &Option<At>| {
                s.as_ref().map_or_else(
                    || "-".to_string(),
                    |at| {
                        let action =
                            if at.action.is_empty() { String::new() } else { format!(" in {}", t(&at.action)) };
                        format!("#{} {}{action}", at.exchange, t(&at.request))
                    },
                )
            };
            let what = match d.kind {
                Kind::Differs => "differs",
                Kind::OnlyInA => "only in A",
                Kind::OnlyInB => "only in B",
            };
            out.push_str(&format!("\n{}. {} {what}\n   A: {}\n   B: {}\n", n + 1, d.event, side(&d.a), side(&d.b)));
            for det in &d.details {
                out.push_str(&format!("   {}: A {} | B {}\n", t(&det.at), t(&det.a), t(&det.b)));
            }
            for k in &d.knobs {
                out.push_str(&format!("   explained by knob {}: {}\n", k.knob, knob_sides(k)));
            }
        }
        if !self.not_in_a.is_empty() {
            out.push_str(&format!(
                "\n{} request(s) of B have no counterpart in A (A is partial; not differences)\n",
                self.not_in_a.len()
            ));
        }
        if !self.knobs.is_empty() {
            out.push_str("\nknobs that differ:\n");
            for k in &self.knobs {
                out.push_str(&format!("  {}: {}\n", k.knob, knob_sides(k)));
            }
        }
        out
    }
}

/// Text from a recording (JSON keys, paths, header values, titles), kept on
/// one line and unable to drive the terminal.
fn t(s: &str) -> std::borrow::Cow<'_, str> {
    crate::term::one_line(s)
}

fn knob_sides(k: &KnobNote) -> String {
    let side = |v: &[String]| if v.is_empty() { "not shown".to_string() } else { t(&v.join(", ")).into_owned() };
    format!("A {}, B {}", side(&k.a), side(&k.b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fidelity::evidence::tests::x;
    use serde_json::json;

    fn entries(xs: Vec<Exchange>) -> Vec<Entry> {
        xs.into_iter()
            .enumerate()
            .map(|(i, mut x)| {
                x.id = i as u64 + 1;
                Entry { exchange: x, action: "step".into() }
            })
            .collect()
    }

    fn removal(path: &str, value: Option<serde_json::Value>) -> Exchange {
        let mut op = json!({ "op": "remove", "path": path });
        if let Some(v) = value {
            op["value"] = v;
        }
        x(
            "PATCH",
            "http://h/scim/v2/Groups/g1",
            Some(json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [op] })),
            None,
        )
    }

    fn create(name: &str, id: &str) -> Exchange {
        x(
            "POST",
            "http://h/Users",
            Some(json!({ "userName": name, "emails": [{ "value": name, "primary": true }] })),
            Some(json!({ "id": id })),
        )
    }

    #[test]
    fn ids_names_and_bases_do_not_matter() {
        let a = entries(vec![create("a@x", "1"), x("DELETE", "http://h/Users/1", None, None)]);
        let mut b = entries(vec![create("b@y", "zz"), x("DELETE", "https://other/scim/Users/zz", None, None)]);
        let mut own = x("GET", "https://other/scim/Users/zz", None, None);
        own.request.headers.push(("Jcsim-Purpose".into(), "verify".into()));
        b.push(Entry { exchange: own, action: String::new() });
        let c = compare("a", &a, "b", &b, Options::default());
        assert!(c.equivalent, "{}", c.render());
        assert_eq!((c.aligned, c.b.left_out), (2, 1));
    }

    #[test]
    fn a_member_removal_form_is_a_difference_the_knob_explains() {
        let a = entries(vec![create("a@x", "1"), removal("members[value eq \"1\"]", None)]);
        let b = entries(vec![create("a@x", "1"), removal("members", Some(json!([{ "value": "1" }])))]);
        let c = compare("capture", &a, "sim", &b, Options::default());
        assert!(!c.equivalent);
        let text = c.render();
        assert!(text.contains("1. group_update_provision differs"), "{text}");
        assert!(text.contains("body.Operations[].path: A \"members[value eq \\\"…\\\"]\" | B \"members\""), "{text}");
        assert!(text.contains("explained by knob member_removal: A filter_path, B value_array"), "{text}");
        assert!(text.contains("knobs that differ:\n  member_removal: A filter_path, B value_array"), "{text}");
    }

    #[test]
    fn extra_and_missing_requests_are_aligned_around() {
        let a = entries(vec![create("a@x", "1"), x("DELETE", "/Users/1", None, None)]);
        let b = entries(vec![
            x("GET", "/Users?startIndex=1&count=1", None, None),
            create("a@x", "1"),
            x("PUT", "/Users/1", Some(json!({ "active": true })), None),
            x("DELETE", "/Users/1", None, None),
        ]);
        let c = compare("a", &a, "b", &b, Options::default());
        let kinds: Vec<(Kind, &str)> = c.differences.iter().map(|d| (d.kind, d.event)).collect();
        assert_eq!(kinds, [(Kind::OnlyInB, "test_connection"), (Kind::OnlyInB, "user_update_provision")]);
        assert_eq!(c.differences[1].knobs, [KnobNote { knob: "update_method", a: vec![], b: vec!["put".into()] }]);
        let partial = compare("a", &a, "b", &b, Options { subset: true });
        assert!(partial.equivalent, "{}", partial.render());
        assert_eq!(partial.not_in_a.len(), 2);
        let reversed = compare("b", &b, "a", &a, Options { subset: true });
        assert!(!reversed.equivalent, "A's own requests must all be found in B");
    }

    #[test]
    fn text_from_a_recording_cannot_drive_the_terminal() {
        let mut a = create("a@x", "1");
        a.request.body.as_mut().unwrap()["evil\u{1b}[2J\nPASS"] = json!(1);
        a.request.body.as_mut().unwrap()["bidi\u{202E}\u{9b}31m\u{2028}PASS"] = json!("PASS ".repeat(100));
        let c = compare("a", &entries(vec![a]), "b", &entries(vec![create("a@x", "1")]), Options::default());
        let text = c.render();
        assert!(!text.chars().any(|c| crate::term::unsafe_for_terminal(c) && c != '\n'), "{text:?}");
        assert!(!text.lines().any(|l| l.trim_start().starts_with("PASS")), "{text}");
        assert!(text.contains("body.evil\u{FFFD}⏎PASS: A number | B absent"), "{text}");
        assert!(text.contains("body.bidi\u{FFFD}\u{FFFD}⏎PASS"), "{text}");
    }

    #[test]
    fn headers_are_compared_only_when_both_sides_recorded_them() {
        let mut a = create("a@x", "1");
        a.request.headers = vec![("Content-Type".into(), "application/json".into())];
        let b = create("a@x", "1");
        let c = compare("a", &entries(vec![a.clone()]), "b", &entries(vec![b]), Options::default());
        assert!(
            c.render().contains("header.content-type: A application/json | B application/scim+json"),
            "{}",
            c.render()
        );
        a.request.headers.clear();
        let bare = compare("a", &entries(vec![a]), "b", &entries(vec![create("a@x", "1")]), Options::default());
        assert!(bare.equivalent, "{}", bare.render());
    }
}
