//! Every shape error of a file, not only the first: serde stops at the
//! first problem, so the file is read again as plain YAML, the node at
//! fault is taken out (an unknown key removed, a bad step replaced by
//! `verify`, a bad user or group by a placeholder, a bad value dropped to
//! its default), and it is deserialized again, until it passes, stops
//! making progress, or [`MAX_ERRORS`] are found. Positions come from the
//! original text's [`SpanIndex`], by path. What is left is checked by the
//! shape checks (`validate.rs`) too. A YAML syntax error stops the parser
//! itself, so it stays the only error.

use super::error::{ScenarioError, cut_location, with_suggestion};
use super::model::Scenario;
use super::spans::SpanIndex;
use serde_yaml::{Mapping, Value};

/// At most this many errors per file.
const MAX_ERRORS: usize = 50;

/// Larger files get their first error only: each error found costs a parse.
const MAX_RECOVER_BYTES: usize = 1024 * 1024;

/// The errors after the first (`first`, serde_yaml's message without its
/// location), each positioned in `text`.
pub(super) fn more_errors(
    text: &str,
    file: &str,
    first: &str,
    spans: &SpanIndex,
    used: &[(String, String)],
) -> Vec<ScenarioError> {
    if text.len() > MAX_RECOVER_BYTES {
        return Vec::new();
    }
    let Ok(mut value) = serde_yaml::from_str::<Value>(text) else { return Vec::new() };
    let mut out = Vec::new();
    let mut last = first.to_string();
    let mut seen = vec![first.to_string()];
    // Mappings a key was taken out of: a "missing field" there is ours.
    let mut emptied: Vec<String> = Vec::new();
    while out.len() < MAX_ERRORS {
        match take_out(&mut value, &last) {
            Some(Some(at)) => emptied.push(at),
            Some(None) => {}
            None => break,
        }
        let Ok(again) = serde_yaml::to_string(&value) else { break };
        let e = match serde_yaml::from_str::<Scenario>(&again) {
            // What is left parses: the shape checks see it too.
            Ok(s) => {
                // A mapping a key was taken out of may now lack it: not a problem of the file.
                let ours: Vec<_> = emptied.iter().map(|p| spans.best(p)).collect();
                for (pos, message) in
                    super::validate::validate(&s, spans).into_iter().filter(|(p, _)| !ours.contains(p))
                {
                    out.push(ScenarioError::at(file, text, pos, message, used));
                }
                break;
            }
            Err(e) => e,
        };
        let message = cut_location(&e.to_string());
        let (path, rest) = split_path(&message);
        if seen.contains(&message) || (rest.starts_with("missing field") && emptied.iter().any(|p| p == path)) {
            break;
        }
        seen.push(message.clone());
        let pos = match super::error::unknown_word(rest) {
            Some(word) => spans.key(&join(path, &word)).unwrap_or_else(|| spans.best(path)),
            None => spans.best(path),
        };
        out.push(ScenarioError::at(file, text, pos, with_suggestion(message.clone()), used));
        last = message;
    }
    out
}

/// serde_yaml's `path: message` (no path at the root).
fn split_path(message: &str) -> (&str, &str) {
    match message.split_once(": ") {
        Some((p, rest)) if !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || "_-.[]".contains(c)) => (p, rest),
        _ => ("", message),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// One path step: a key, then any `[i]` indexes.
fn segments(path: &str) -> Vec<(String, Vec<usize>)> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .map(|seg| {
            let mut parts = seg.split('[');
            let key = parts.next().unwrap_or_default().to_string();
            let idx = parts.filter_map(|p| p.trim_end_matches(']').parse().ok()).collect();
            (key, idx)
        })
        .collect()
}

fn node_mut<'a>(v: &'a mut Value, segs: &[(String, Vec<usize>)]) -> Option<&'a mut Value> {
    let mut cur = v;
    for (key, idx) in segs {
        if !key.is_empty() {
            cur = cur.as_mapping_mut()?.get_mut(key.as_str())?;
        }
        for i in idx {
            cur = cur.as_sequence_mut()?.get_mut(*i)?;
        }
    }
    Some(cur)
}

/// Take the node at fault out of `v`: `None` when nothing could be taken
/// out, `Some(Some(path))` when a key was removed from the mapping at `path`.
fn take_out(v: &mut Value, message: &str) -> Option<Option<String>> {
    match replace(v, message)? {
        Removed::Key(at) => Some(Some(at)),
        Removed::Node => Some(None),
    }
}

enum Removed {
    /// A key was removed from the mapping at this path ("" at the root).
    Key(String),
    /// A node was replaced or removed from a sequence.
    Node,
}

fn replace(v: &mut Value, message: &str) -> Option<Removed> {
    let ok = |b: bool, r: Removed| b.then_some(r);
    let (path, rest) = split_path(message);
    let segs = segments(path);
    // A bad step becomes `verify`, so later steps keep their numbers.
    if let Some((key, idx)) = segs.first()
        && key == "steps"
        && let Some(&i) = idx.first()
    {
        let step = node_mut(v, &segs[..1].iter().map(|(k, _)| (k.clone(), vec![i])).collect::<Vec<_>>())?;
        if step.as_str() == Some("verify") {
            return None;
        }
        *step = Value::String("verify".into());
        return Some(Removed::Node);
    }
    if let Some(word) = super::error::unknown_word(rest) {
        let m = node_mut(v, &segs).and_then(Value::as_mapping_mut)?;
        return ok(m.remove(word.as_str()).is_some(), Removed::Key(path.to_string()));
    }
    // A bad user or group becomes a placeholder, so later ones keep their numbers.
    if let [(dir, none), (list, idx)] = &segs[..segs.len().min(2)]
        && dir == "directory"
        && none.is_empty()
        && let Some(&i) = idx.first()
        && (list == "users" || list == "groups")
    {
        let item = node_mut(v, &[(dir.clone(), vec![]), (list.clone(), vec![i])])?;
        let mut m = Mapping::new();
        if list == "users" {
            m.insert("username".into(), format!("jcsim-placeholder-{i}").into());
            m.insert("email".into(), format!("jcsim-placeholder-{i}@example.com").into());
        } else {
            m.insert("name".into(), format!("jcsim placeholder {i}").into());
        }
        if *item == Value::Mapping(m.clone()) {
            return None;
        }
        *item = Value::Mapping(m);
        return Some(Removed::Node);
    }
    // Anything else: drop the value, so its default applies.
    let ((key, idx), parent) = segs.split_last()?;
    if !idx.is_empty() {
        let mut to_list = parent.to_vec();
        to_list.push((key.clone(), idx[..idx.len() - 1].to_vec()));
        let s = node_mut(v, &to_list).and_then(Value::as_sequence_mut)?;
        let last = idx[idx.len() - 1];
        if last >= s.len() {
            return None;
        }
        s.remove(last);
        return Some(Removed::Node);
    }
    let m = node_mut(v, parent).and_then(Value::as_mapping_mut)?;
    let at = path.rsplit_once('.').map_or(String::new(), |(p, _)| p.to_string());
    ok(m.remove(key.as_str()).is_some(), Removed::Key(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_keys_and_indexes() {
        assert_eq!(
            split_path("steps[1].add_to_group: missing field `user`"),
            ("steps[1].add_to_group", "missing field `user`")
        );
        assert_eq!(split_path("invalid type: string"), ("", "invalid type: string"));
        assert_eq!(segments("directory.users[0]"), vec![("directory".into(), vec![]), ("users".into(), vec![0])]);
    }
}
