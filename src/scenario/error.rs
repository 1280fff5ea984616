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
    let raw = e.to_string();
    // serde_yaml appends " at line L column C"; the position is shown separately.
    let mut message = match raw.rfind(" at line ") {
        Some(i) => raw[..i].to_string(),
        None => raw.clone(),
    };
    let mut pos =
        e.location().map(|l| Pos { line: l.line(), col: l.column().max(1) }).unwrap_or(Pos { line: 1, col: 1 });
    if let Some(var) = message.split("environment variable `").nth(1).and_then(|r| r.split('`').next())
        && let Some(p) = spans.scalar_containing(&format!("${{{var}"))
    {
        pos = p;
    }
    if let Some((word, candidates)) = unknown_name(&message) {
        if let Some(key_pos) = spans.key_on_line(&word, pos.line) {
            pos = key_pos;
        }
        if let Some(s) = super::suggest(&word, candidates.iter().map(String::as_str))
            && !message.contains("did you mean")
        {
            message.push_str(&format!(", did you mean `{s}`?"));
        }
    }
    ScenarioError::at(file, text, pos, message, used)
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
    fn extracts_unknown_field_and_candidates() {
        let (w, c) = unknown_name("app: unknown field `nmae`, expected one of `name`, `test_user_email`").unwrap();
        assert_eq!(w, "nmae");
        assert_eq!(c, vec!["name", "test_user_email"]);
    }
}
