//! Positions of scenario nodes. serde_yaml reports where a parse error is but
//! not where a value came from, so a second pass over the YAML events maps
//! each node path (`steps[3].add_to_group.user`) to its line and column.

use saphyr_parser::{Event, Parser};
use std::collections::HashMap;

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// Node and key positions by path.
#[derive(Debug, Default)]
pub(crate) struct SpanIndex {
    nodes: HashMap<String, Pos>,
    keys: HashMap<String, Pos>,
    /// Scalars that reference the environment, for pointing at an unset variable.
    env_refs: Vec<(Pos, String)>,
    /// Where nesting first went deeper than [`MAX_DEPTH`]; indexing stopped there.
    pub(crate) too_deep: Option<Pos>,
}

/// The deepest nesting of mappings and sequences a scenario may have. Real
/// scenarios stay under 10; the bound keeps parsing linear in the input.
pub(crate) const MAX_DEPTH: usize = 64;

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, index: usize },
}

impl SpanIndex {
    /// Index `text`. A YAML syntax error stops indexing; serde_yaml reports it.
    pub(crate) fn build(text: &str) -> SpanIndex {
        let mut idx = SpanIndex::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut parser = Parser::new_from_str(text);
        while let Some(next) = parser.next_event() {
            let (event, span) = match next {
                Ok(e) => e,
                // The parser's own depth limit (it scans ahead): as deep as ours.
                Err(e) if e.info().contains("recursion limit") => {
                    idx.too_deep = Some(Pos { line: e.marker().line(), col: e.marker().col() + 1 });
                    break;
                }
                Err(_) => break,
            };
            let pos = Pos { line: span.start.line(), col: span.start.col() + 1 };
            match event {
                Event::Scalar(value, ..) => {
                    if value.contains("${") {
                        idx.env_refs.push((pos, value.to_string()));
                    }
                    if let Some(Frame::Map { path, key }) = stack.last_mut()
                        && key.is_none()
                    {
                        let child = join(path, &value);
                        idx.keys.insert(child, pos);
                        *key = Some(value.into_owned());
                        continue;
                    }
                    let path = next_path(&mut stack);
                    idx.nodes.entry(path).or_insert(pos);
                }
                Event::MappingStart(..) | Event::SequenceStart(..) if stack.len() >= MAX_DEPTH => {
                    idx.too_deep = Some(pos);
                    break;
                }
                Event::MappingStart(..) => {
                    let path = next_path(&mut stack);
                    idx.nodes.entry(path.clone()).or_insert(pos);
                    stack.push(Frame::Map { path, key: None });
                }
                Event::SequenceStart(..) => {
                    let path = next_path(&mut stack);
                    idx.nodes.entry(path.clone()).or_insert(pos);
                    stack.push(Frame::Seq { path, index: 0 });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                Event::Alias(_) => {
                    next_path(&mut stack);
                }
                _ => {}
            }
        }
        idx
    }

    /// Where the node at `path` starts.
    pub(crate) fn node(&self, path: &str) -> Option<Pos> {
        self.nodes.get(path).copied()
    }

    /// Where the key introducing `path` is.
    pub(crate) fn key(&self, path: &str) -> Option<Pos> {
        self.keys.get(path).copied()
    }

    /// The key or node at `path`, else the nearest ancestor that is known.
    pub(crate) fn best(&self, path: &str) -> Pos {
        let mut p = path.to_string();
        loop {
            if let Some(pos) = self.node(&p).or_else(|| self.key(&p)) {
                return pos;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p.truncate(i),
                None => return self.node("").unwrap_or(Pos { line: 1, col: 1 }),
            }
        }
    }

    /// The first scalar whose text contains `needle`.
    pub(crate) fn scalar_containing(&self, needle: &str) -> Option<Pos> {
        self.env_refs.iter().find(|(_, v)| v.contains(needle)).map(|(p, _)| *p)
    }

    /// Keys named `name` on `line`, for pointing at an unknown field.
    pub(crate) fn key_on_line(&self, name: &str, line: usize) -> Option<Pos> {
        self.keys
            .iter()
            .filter(|(path, pos)| pos.line == line && last_segment(path) == name)
            .map(|(_, pos)| *pos)
            .min_by_key(|p| p.col)
    }
}

fn last_segment(path: &str) -> &str {
    path.rsplit(['.', '[']).next().unwrap_or(path)
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_string() } else { format!("{parent}.{key}") }
}

/// The path of the node that starts now, advancing the parent frame.
fn next_path(stack: &mut [Frame]) -> String {
    match stack.last_mut() {
        None => String::new(),
        Some(Frame::Map { path, key }) => match key.take() {
            Some(k) => join(path, &k),
            None => path.clone(), // a complex key; positions of its parts are not needed
        },
        Some(Frame::Seq { path, index }) => {
            let p = format!("{path}[{index}]");
            *index += 1;
            p
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_nested_nodes_and_keys() {
        let text = "name: x\nsteps:\n  - activate\n  - add_to_group: { user: bob, group: Eng }\n";
        let idx = SpanIndex::build(text);
        assert_eq!(idx.node("steps[0]"), Some(Pos { line: 3, col: 5 }));
        assert_eq!(idx.node("steps[1]"), Some(Pos { line: 4, col: 5 }));
        assert_eq!(idx.node("steps[1].add_to_group.user"), Some(Pos { line: 4, col: 27 }));
        assert_eq!(idx.key("steps"), Some(Pos { line: 2, col: 1 }));
        assert_eq!(idx.best("steps[1].add_to_group.nope"), Pos { line: 4, col: 19 });
    }
}
