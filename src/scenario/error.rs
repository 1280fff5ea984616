//! Scenario errors a person can act on: `file:line:col`, the source line with a
//! caret under the problem, and a did-you-mean for misspelled names.

use super::spans::{Pos, SpanIndex};
use std::fmt;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    pub(crate) file: String,
    /// Absent for problems with the file as a whole (unreadable, missing).
    pub pos: Option<Pos>,
    pub message: String,
    /// The offending source line.
    pub source_line: Option<String>,
}

/// Every problem found in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl ScenarioErrors {
    pub(crate) fn one(e: ScenarioError) -> Self {
        ScenarioErrors(vec![e])
    }
}

impl std::error::Error for ScenarioErrors {}

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl ScenarioError {
    /// A problem without a position.
    pub(crate) fn plain(file: &str, message: String) -> Self {
        ScenarioError { file: file.to_string(), pos: None, message, source_line: None }
    }

    /// A problem at `pos` in `text`. Substituted environment values are masked
    /// in the message, because they are often tokens.
    pub(crate) fn at(file: &str, text: &str, pos: Pos, message: String, used: &[(String, String)]) -> Self {
        // YAML breaks lines at \r\n, \r and \n; positions count all three.
        let source_line = text
            .replace("\r\n", "\n")
            .split(['\r', '\n'])
            .nth(pos.line.saturating_sub(1))
            .map(|line| mask(&without_userinfo(line), used));
        ScenarioError { file: file.to_string(), pos: Some(pos), message: mask(&message, used), source_line }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        let Some(pos) = self.pos else {
            return write!(f, "  --> {}", self.file);
        };
        writeln!(f, "  --> {}:{}:{}", self.file, pos.line, pos.col)?;
        if let Some(line) = &self.source_line {
            let gutter = pos.line.to_string().len();
            let pad = " ".repeat(gutter);
            let (line, col) = window(line, pos.col);
            let caret_pad: String =
                line.chars().take(col.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
            writeln!(f, "{pad} |")?;
            writeln!(f, "{} | {}", pos.line, line)?;
            write!(f, "{pad} | {caret_pad}^")?;
        }
        Ok(())
    }
}

/// At most [`WINDOW`] characters either side of column `col` of a long line,
/// with `…` where it was cut, and the column within what is shown.
fn window(line: &str, col: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= 2 * WINDOW {
        return (line.to_string(), col);
    }
    let at = col.saturating_sub(1).min(chars.len());
    let start = at.saturating_sub(WINDOW);
    let end = (at + WINDOW).min(chars.len());
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    (shown, at - start + 1 + usize::from(start > 0))
}

/// Characters of a long source line shown either side of the error.
const WINDOW: usize = 60;

/// `line` with the `user:password@` of every URL in it masked: an error
/// about a `base_url` with credentials quotes its line, not the password.
fn without_userinfo(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find("://") {
        out.push_str(&rest[..i + 3]);
        rest = &rest[i + 3..];
        let end = rest.find(|c: char| "/?#\"' ,]}".contains(c) || c.is_whitespace()).unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@') {
            out.push_str("[REDACTED]");
            rest = &rest[at..];
        }
    }
    out.push_str(rest);
    out
}

fn mask(message: &str, used: &[(String, String)]) -> String {
    let mut out = message.to_string();
    for (name, value) in used {
        if value.len() >= 4 {
            out = out.replace(value.as_str(), &format!("${{{name}}}"));
        }
    }
    out
}

/// Turn a serde_yaml error into a positioned error with a suggestion.
pub(super) fn from_yaml(
    e: &serde_yaml::Error,
    text: &str,
    file: &str,
    spans: &SpanIndex,
    used: &[(String, String)],
) -> ScenarioError {
    let mut message = cut_location(&e.to_string());
    let mut pos =
        e.location().map(|l| Pos { line: l.line(), col: l.column().max(1) }).unwrap_or(Pos { line: 1, col: 1 });
    // Parser words for a structure mistake become plain words about the indentation.
    if let Some((hint, at)) = structure_hint(&message, text, pos) {
        message = hint;
        pos = at;
    }
    if let Some(var) = message.split("environment variable `").nth(1).and_then(|r| r.split('`').next())
        && let Some(p) = spans.scalar_containing(&format!("${{{var}"))
    {
        pos = p;
    }
    if let Some((word, _)) = unknown_name(&message)
        && let Some(key_pos) = spans.key_on_line(&word, pos.line)
    {
        pos = key_pos;
    }
    ScenarioError::at(file, text, pos, with_suggestion(message), used)
}

/// serde_yaml's message without the location it appends (" at line L
/// column C", and the parser's ", while parsing … at line L column C"):
/// the position is shown separately.
pub(super) fn cut_location(raw: &str) -> String {
    match raw.match_indices(" at line ").map(|(i, _)| i).find(|&i| is_location(&raw[i..])) {
        Some(i) => raw[..i].to_string(),
        None => raw.to_string(),
    }
}

/// The message with a did-you-mean for an unknown field or variant.
pub(super) fn with_suggestion(mut message: String) -> String {
    if let Some((word, candidates)) = unknown_name(&message)
        && let Some(s) = super::suggest(&word, candidates.iter().map(String::as_str))
        && !message.contains("did you mean")
    {
        message.push_str(&format!(", did you mean `{s}`?"));
    }
    message
}

/// The unknown field or variant a message names.
pub(super) fn unknown_word(message: &str) -> Option<String> {
    unknown_name(message).map(|(w, _)| w)
}

/// ` at line L column C`, then the end or the parser's `, while parsing …`.
fn is_location(s: &str) -> bool {
    let Some(rest) = s.strip_prefix(" at line ") else { return false };
    let digits = |t: &str| t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let n = digits(rest);
    let Some(rest) = rest[n..].strip_prefix(" column ").filter(|_| n > 0) else { return false };
    let m = digits(rest);
    m > 0 && (rest[m..].is_empty() || rest[m..].starts_with(", while parsing"))
}

/// The lines of `text` as YAML counts them (`\r\n`, `\r` and `\n` end a line).
fn lines(text: &str) -> Vec<&str> {
    text.split("\r\n").flat_map(|l| l.split(['\r', '\n'])).collect()
}

/// A line's indentation, and its key (after any `- `) with the key's column.
fn key_of(line: &str) -> Option<(usize, String, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let mut rest = &line[indent..];
    let mut col = indent + 1;
    while let Some(r) = rest.strip_prefix("- ") {
        let trimmed = r.trim_start_matches(' ');
        col += 2 + r.len() - trimmed.len();
        rest = trimmed;
    }
    let key = rest.split(':').next()?.trim();
    if key.is_empty() || key.starts_with('#') || key.starts_with('{') || key.starts_with('[') {
        return None;
    }
    Some((indent, key.to_string(), col))
}

/// The nearest line above `line` (1-based) with content, not a comment.
fn content_above<'a>(all: &[&'a str], line: usize) -> Option<(usize, &'a str)> {
    (1..line).rev().map(|n| (n, all[n - 1])).find(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}

/// Plain words for the parser's structure errors: an over-indented step, a
/// key at the wrong level, a step's map written beside its action instead
/// of nested under it. The position moves to the line to fix.
/// Long on purpose: one table of parser messages and the plain words for each.
fn structure_hint(message: &str, text: &str, pos: Pos) -> Option<(String, Pos)> {
    let all = lines(text);
    let here = *all.get(pos.line.checked_sub(1)?)?;
    // `- activate` then `   - bind_group: G`: one plain scalar `activate - bind_group`.
    if let Some(name) = message.split("unknown step `").nth(1).and_then(|r| r.split('`').next())
        && let Some((first, second)) = name.split_once(" - ")
    {
        let second_key = second.split(':').next().unwrap_or(second).trim();
        let at = (pos.line + 1..=all.len())
            .find(|&n| all[n - 1].trim_start().starts_with(&format!("- {second_key}")))
            .map_or(pos, |n| Pos { line: n, col: all[n - 1].len() - all[n - 1].trim_start().len() + 1 });
        let path = message.split(':').next().unwrap_or("steps");
        return Some((
            format!(
                "{path}: the step `- {second_key}` is indented deeper than the step `{first}` above it, so YAML reads both as one step named `{name}`; start every step's `-` in the same column"
            ),
            at,
        ));
    }
    if message.starts_with("did not find expected key") {
        let (indent, key, _) = key_of(here)?;
        let trimmed = here.trim_start();
        let (above_n, above) = content_above(&all, pos.line)?;
        let (above_indent, above_key, above_col) = key_of(above)?;
        if trimmed.starts_with("- ") {
            // A step (or list item) indented under the one above.
            let dash = (1..pos.line)
                .rev()
                .map(|n| (n, all[n - 1]))
                .find(|(_, l)| l.trim_start().starts_with("- ") && l.len() - l.trim_start().len() < indent);
            let (dash_n, dash_line) = dash.unwrap_or((above_n, above));
            let dash_col = dash_line.len() - dash_line.trim_start().len() + 1;
            return Some((
                format!(
                    "`- {key}` is indented deeper than the list item above it (line {dash_n}, `-` in column {dash_col}), so YAML reads it inside that item; start it in column {dash_col}, like the `-` above, to make it the next item"
                ),
                Pos { line: pos.line, col: indent + 1 },
            ));
        }
        if above_indent > indent {
            let parent =
                (1..above_n).rev().map(|n| all[n - 1]).filter_map(key_of).find(|(i, _, c)| *i < indent || *c <= indent);
            let beside = match parent {
                Some((_, p, pc)) => format!(", or in column {pc} to make it a key beside `{p}`"),
                None => String::new(),
            };
            return Some((
                format!(
                    "`{key}` (column {}) is indented less than `{above_key}` above it (line {above_n}, column {above_col}): the keys of one mapping start in the same column; put `{key}` in column {above_col} to keep it beside `{above_key}`{beside}",
                    indent + 1
                ),
                Pos { line: pos.line, col: indent + 1 },
            ));
        }
        return None;
    }
    if message.starts_with("mapping values are not allowed") {
        let (indent, key, key_col) = key_of(here)?;
        let (above_n, above) = content_above(&all, pos.line)?;
        let (_, above_key, above_col) = key_of(above)?;
        if indent + 1 > above_col || key_col > above_col {
            return Some((
                format!(
                    "`{key}` is indented deeper than `{above_key}` on line {above_n}, which already has a value on its line, so YAML reads `{key}:` as part of that value; put `{key}` in column {above_col}, the column of `{above_key}`, to make it a key beside it",
                ),
                Pos { line: pos.line, col: key_col },
            ));
        }
        return None;
    }
    // `- add_to_group:` with `user:` below it in the same column: the map
    // belongs to the step, not to the action's value.
    if (message.contains(": missing field `") || message.contains("invalid type: unit value"))
        && here.trim_end().ends_with(':')
        && let Some((_, action, action_col)) = key_of(here)
    {
        let below: Vec<String> = all
            .iter()
            .skip(pos.line)
            .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() + 1 >= action_col)
            .filter_map(|l| key_of(l).filter(|(i, _, _)| i + 1 == action_col).map(|(_, k, _)| k))
            .filter(|k| k != "expect")
            .collect();
        if let Some(first) = below.first() {
            let path = message.split(": ").next().unwrap_or(&action);
            let keys = below.iter().map(|k| format!("`{k}:`")).collect::<Vec<_>>().join(" and ");
            let inline = below.iter().map(|k| format!("{k}: …")).collect::<Vec<_>>().join(", ");
            return Some((
                format!(
                    "{path}: `{action}:` has no value: {keys} below it start in the same column as `{action}`, so they are read as keys of the step, not as `{action}`'s value; indent {keys} two more spaces to nest them under `{action}:`, or write `- {action}: {{ {inline} }}`"
                ),
                Pos {
                    line: pos.line
                        + 1
                        + all
                            .iter()
                            .skip(pos.line)
                            .position(|l| key_of(l).is_some_and(|(_, k, _)| k == *first))
                            .unwrap_or(0),
                    col: action_col,
                },
            ));
        }
    }
    None
}

/// From "unknown field `x`, expected one of `a`, `b`" (or "unknown variant"),
/// the misspelled word and the valid names.
fn unknown_name(message: &str) -> Option<(String, Vec<String>)> {
    let start = message
        .find("unknown field `")
        .map(|i| i + "unknown field `".len())
        .or_else(|| message.find("unknown variant `").map(|i| i + "unknown variant `".len()))?;
    let rest = &message[start..];
    let end = rest.find('`')?;
    let word = rest[..end].to_string();
    let after = &rest[end + 1..];
    let candidates = after.split('`').skip(1).step_by(2).map(|s| s.to_string()).collect();
    Some((word, candidates))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_position_line_and_caret() {
        let text = "name: x\nsteps:\n  - bind_gruop: Eng\n";
        let e = ScenarioError::at("s.yaml", text, Pos { line: 3, col: 5 }, "unknown step".into(), &[]);
        assert_eq!(e.to_string(), "error: unknown step\n  --> s.yaml:3:5\n  |\n3 |   - bind_gruop: Eng\n  |     ^");
    }

    #[test]
    fn a_long_line_is_quoted_as_a_window_around_the_caret() {
        let line = format!("steps: [{}x{}]", "a, ".repeat(300), ", b".repeat(300));
        let col = line.find('x').unwrap() + 1;
        let e = ScenarioError::at("f.yaml", &line, Pos { line: 1, col }, "bad".into(), &[]);
        let shown = e.to_string();
        assert!(shown.len() < 400, "{} bytes:\n{shown}", shown.len());
        let lines: Vec<&str> = shown.lines().collect();
        let (text, caret) = (lines[3], lines[4]);
        assert!(text.contains('…') && text.ends_with('…'), "{shown}");
        let caret_at = caret.chars().count() - 1;
        assert_eq!(text.chars().nth(caret_at), Some('x'), "the caret points at the error:\n{shown}");
    }

    #[test]
    fn source_line_counts_bare_carriage_returns_as_yaml_does() {
        // Found by the scenario_loader fuzz target: a CR-only file lost its source line.
        let e = ScenarioError::at("s", "a: 1\rb: 2\r\nc: x\n", Pos { line: 3, col: 1 }, "bad".into(), &[]);
        assert_eq!(e.source_line.as_deref(), Some("c: x"));
    }

    #[test]
    fn masks_substituted_values() {
        let e = ScenarioError::at(
            "s",
            "x",
            Pos { line: 1, col: 1 },
            "bad value abcd-secret".into(),
            &[("TOK".into(), "abcd-secret".into())],
        );
        assert_eq!(e.message, "bad value ${TOK}");
    }

    #[test]
    fn the_location_suffix_is_cut_and_user_text_kept() {
        assert!(is_location(" at line 7 column 5"));
        assert!(is_location(" at line 7 column 5, while parsing a block mapping at line 6 column 5"));
        assert!(!is_location(" at line x, said the user"));
    }

    #[test]
    fn structure_mistakes_get_plain_words_and_never_panic() {
        let over = "steps:\n  - activate\n   - verify: x\n";
        let (m, at) =
            structure_hint("steps[0]: unknown step `activate - verify`", over, Pos { line: 2, col: 5 }).unwrap();
        assert!(m.contains("indented deeper than the step `activate`"), "{m}");
        assert_eq!(at, Pos { line: 3, col: 4 });
        for text in ["", "\n", "- :", "a:\n - b\n  c: d", "  x:\n y:"] {
            for line in 0..4 {
                for m in [
                    "did not find expected key",
                    "mapping values are not allowed in this context",
                    "x: missing field `y`",
                ] {
                    let _ = structure_hint(m, text, Pos { line, col: 1 });
                }
            }
        }
    }

    #[test]
    fn extracts_unknown_field_and_candidates() {
        let (w, c) = unknown_name("app: unknown field `nmae`, expected one of `name`, `test_user_email`").unwrap();
        assert_eq!(w, "nmae");
        assert_eq!(c, vec!["name", "test_user_email"]);
    }
}
