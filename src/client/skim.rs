//! A streaming skim of a JSON object too large to hold: it keeps the
//! top-level members whose values are scalars (`id`, `displayName`, ...) and
//! passes over arrays and objects (`members`, `meta`) without storing them.

use serde_json::{Map, Value};

/// A member longer than this is passed over too.
const MAX_MEMBER: usize = 64 * 1024;

/// Where the skim is in the top-level object.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
enum At {
    /// Before the opening `{`.
    #[default]
    Start,
    /// Inside the top-level object, between members.
    Between,
    /// Inside a top-level member (its key, `:` or value).
    Member,
    /// After the closing `}`.
    Done,
}

/// Feed it the body chunk by chunk, then [`Skim::finish`].
#[derive(Debug, Default)]
pub struct Skim {
    at: At,
    /// The body turned out not to be one JSON object: later bytes are ignored.
    failed: bool,
    /// Nesting depth below the top-level object.
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// The current member's text while it may still be a scalar.
    member: Vec<u8>,
    /// The current member's value is an array or object (or too long).
    skipping: bool,
    kept: Map<String, Value>,
}

impl Skim {
    /// Take the next bytes; false once the body cannot be a JSON object (and
    /// from then on: it stays refused).
    pub fn feed(&mut self, bytes: &[u8]) -> bool {
        if !self.failed && !bytes.iter().all(|&b| self.byte(b)) {
            self.failed = true;
            self.kept = Map::new();
        }
        !self.failed
    }

    /// The top-level scalar members, if the whole object was seen.
    pub fn finish(self) -> Option<Value> {
        (!self.failed && self.at == At::Done).then_some(Value::Object(self.kept))
    }

    fn byte(&mut self, b: u8) -> bool {
        match self.at {
            At::Start => return b.is_ascii_whitespace() || (b == b'{' && self.set(At::Between)),
            At::Done => return b.is_ascii_whitespace(),
            At::Between => match b {
                b'"' => {
                    self.at = At::Member;
                    self.member.clear();
                    self.skipping = false;
                    self.in_string = true;
                    self.member.push(b);
                    return true;
                }
                b'}' => return self.set(At::Done),
                b',' => return true,
                _ => return b.is_ascii_whitespace(),
            },
            At::Member => {}
        }
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            self.keep(b);
            return true;
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => {
                self.depth += 1;
                self.skipping = true;
            }
            b'}' | b']' if self.depth > 0 => self.depth -= 1,
            b',' | b'}' if self.depth == 0 => {
                self.end_member();
                self.at = if b == b'}' { At::Done } else { At::Between };
                return true;
            }
            b'}' | b']' => return false,
            _ => {}
        }
        self.keep(b);
        true
    }

    fn set(&mut self, at: At) -> bool {
        self.at = at;
        true
    }

    fn keep(&mut self, b: u8) {
        if self.skipping {
            return;
        }
        if self.member.len() >= MAX_MEMBER {
            self.skipping = true;
            self.member = Vec::new();
            return;
        }
        self.member.push(b);
    }

    /// A complete `"key": scalar` member: parse it and keep it.
    fn end_member(&mut self) {
        if self.skipping {
            return;
        }
        let mut text = Vec::with_capacity(self.member.len() + 2);
        text.push(b'{');
        text.extend_from_slice(&self.member);
        text.push(b'}');
        if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&text) {
            self.kept.extend(m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn skim_in_chunks(text: &str, size: usize) -> Option<Value> {
        let mut s = Skim::default();
        for chunk in text.as_bytes().chunks(size) {
            if !s.feed(chunk) {
                return None;
            }
        }
        s.finish()
    }

    #[test]
    fn keeps_top_level_scalars_and_passes_over_containers() {
        let text = r#" { "schemas": ["urn:x"], "id" : "g-1", "displayName": "All \"staff\" }{",
            "members": [{"value": "u1"}, {"value": "u2", "x": [1, {"y": "]"}]}], "n": -1.5e3,
            "meta": {"version": "W/\"1\""}, "active": true, "z": null } "#;
        let want = json!({"id": "g-1", "displayName": "All \"staff\" }{", "n": -1.5e3, "active": true, "z": null});
        for size in [1, 2, 3, 7, 64, 4096] {
            assert_eq!(skim_in_chunks(text, size), Some(want.clone()), "chunk size {size}");
        }
    }

    #[test]
    fn rejects_what_is_not_one_object() {
        assert_eq!(skim_in_chunks("   ", 1), None, "never started");
        assert_eq!(skim_in_chunks("[1, 2]", 1), None);
        assert_eq!(skim_in_chunks("{\"a\": 1", 4), None, "never closed");
        assert_eq!(skim_in_chunks("{\"a\": 1]", 4), None);
        assert_eq!(skim_in_chunks("{} x", 4), None, "trailing bytes");
    }

    #[test]
    fn a_refusal_is_final() {
        let mut s = Skim::default();
        assert!(!s.feed(b"x"));
        assert!(!s.feed(b"{\"id\": 1}"), "a valid object after a refusal is still refused");
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn long_members_are_passed_over() {
        let long = "x".repeat(MAX_MEMBER + 10);
        let text = format!("{{\"big\": \"{long}\", \"id\": 7}}");
        assert_eq!(skim_in_chunks(&text, 1000), Some(json!({"id": 7})));
    }
}
