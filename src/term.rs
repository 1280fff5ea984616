//! Terminal conventions: when to colour (no-color.org, `CLICOLOR_FORCE`), when
//! to draw a progress bar (a terminal, not `--quiet`, not CI), and rendering
//! the human summary safely.

use crate::lock::Recover;
use indicatif::{ProgressBar, ProgressStyle};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

/// The bar on screen, if any, so that log lines can be printed around it.
static ACTIVE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Run `f` (which writes to the terminal) with the active progress bar, if
/// any, hidden, so the two do not interleave.
pub fn suspend_progress<R>(f: impl FnOnce() -> R) -> R {
    let bar = ACTIVE.lock().recover().clone();
    match bar {
        Some(b) => b.suspend(f),
        None => f(),
    }
}

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const BOLD_GREEN: &str = "\x1b[1;32m";
const BOLD_RED: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

/// True when `name` is set to a non-empty value other than `0` or `false`.
fn flag(env: &dyn Fn(&str) -> Option<OsString>, name: &str) -> bool {
    env(name).is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Whether to colour stdout: never with `NO_COLOR` set to anything non-empty
/// (no-color.org) or `TERM=dumb`; always with `CLICOLOR_FORCE`; otherwise
/// only when stdout is a terminal.
pub fn color_enabled(stdout_is_terminal: bool, env: &dyn Fn(&str) -> Option<OsString>) -> bool {
    if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if flag(env, "CLICOLOR_FORCE") {
        return true;
    }
    stdout_is_terminal && env("TERM").is_none_or(|t| t != "dumb")
}

/// Whether to draw a progress bar on stderr: only on a terminal, never with
/// `--quiet`, and never under CI (`CI` set, as every CI service does).
pub fn progress_enabled(stderr_is_terminal: bool, quiet: bool, env: &dyn Fn(&str) -> Option<OsString>) -> bool {
    stderr_is_terminal && !quiet && !flag(env, "CI") && env("TERM").is_none_or(|t| t != "dumb")
}

/// The process environment, for the functions above.
pub fn process_env(name: &str) -> Option<OsString> {
    std::env::var_os(name)
}

/// Output settings for this process, detected once.
#[derive(Debug, Clone, Copy)]
pub struct Term {
    pub color: bool,
    pub progress: bool,
}

impl Term {
    /// Detect from the real terminal and environment.
    pub fn detect(quiet: bool) -> Term {
        Term {
            color: color_enabled(std::io::stdout().is_terminal(), &process_env),
            progress: progress_enabled(std::io::stderr().is_terminal(), quiet, &process_env),
        }
    }
}

/// The most characters of foreign text [`one_line`] shows; the rest is cut
/// at `…`. A few hundred characters of padding would soft-wrap onto a line
/// of the terminal's own, looking like jcsim wrote it.
pub const MAX_FOREIGN_CHARS: usize = 240;

/// Text from an SP or a scenario made to stay on one terminal line, the one
/// sanitiser of foreign text for the terminal: line and paragraph separators
/// (LF, CR, VT, FF, NEL, U+2028, U+2029) show as `⏎`; an escape sequence
/// (CSI, OSC, DCS and the like, 7-bit or C1) as one `�`, its parameters
/// included; other C0 and C1 controls and the bidirectional overrides,
/// embeddings, isolates and marks (which reorder what follows them) as `�`;
/// and text longer than [`MAX_FOREIGN_CHARS`] is cut with `…`. Without it,
/// an SP's `detail` of `"nope\n  PASS Activate"` would print a line jcsim
/// never wrote.
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    sanitise(text, MAX_FOREIGN_CHARS)
}

/// [`one_line`] without the cut: for jcsim's own advice whose foreign part
/// is short and bounded (a TLS library's error), so the fix is never lost.
pub fn one_line_whole(text: &str) -> std::borrow::Cow<'_, str> {
    sanitise(text, usize::MAX)
}

fn sanitise(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.chars().count() <= max && !text.chars().any(|c| breaks(c) || unsafe_char(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(4 * MAX_FOREIGN_CHARS));
    let mut shown = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if shown == max {
            out.push('…');
            break;
        }
        shown += 1;
        if breaks(c) {
            out.push('⏎');
        } else if c == '\u{1b}' || ('\u{80}'..='\u{9f}').contains(&c) {
            skip_sequence(c, &mut chars);
            out.push('\u{FFFD}');
        } else if unsafe_char(c) {
            out.push('\u{FFFD}');
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// True for a character foreign text must not put on a terminal as is:
/// separators, controls and bidirectional formatting characters. For text
/// that keeps another syntax (a YAML block) and escapes them itself.
pub fn unsafe_for_terminal(c: char) -> bool {
    breaks(c) || unsafe_char(c)
}

/// Line and paragraph separators.
fn breaks(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Control characters (tab excepted) and the bidirectional formatting
/// characters: what can drive a terminal or reorder what it shows.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// After an ESC or a C1 control `first`, consume the rest of its sequence:
/// a CSI's parameters up to its final byte, an OSC, DCS, SOS, PM or APC
/// string up to BEL or ST, or the one character of a two-character escape.
fn skip_sequence(first: char, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    let kind = if first == '\u{1b}' {
        match chars.peek() {
            Some(&c @ ('[' | ']' | 'P' | 'X' | '^' | '_')) => {
                chars.next();
                c
            }
            Some(c) if (' '..='~').contains(c) => {
                chars.next();
                return;
            }
            _ => return,
        }
    } else {
        match first {
            '\u{9b}' => '[',
            '\u{9d}' => ']',
            '\u{90}' => 'P',
            '\u{98}' => 'X',
            '\u{9e}' => '^',
            '\u{9f}' => '_',
            _ => return,
        }
    };
    if kind == '[' {
        // Parameters and intermediates (0x20-0x3F), then one final byte.
        while let Some(&c) = chars.peek() {
            chars.next();
            if !(' '..='?').contains(&c) {
                break;
            }
        }
        return;
    }
    // A string, ended by BEL, ST (ESC \ or U+009C), or the end of the text.
    while let Some(c) = chars.next() {
        match c {
            '\u{07}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

/// Make text from the SP safe for a terminal and, with `color`, colour the
/// verdict marks: `✓`/`PASS` green, `✗`/`FAIL`/`UNREACHABLE` red, `!`/`SKIP`
/// yellow. Control characters (an SP could send escape sequences in a
/// `detail` or `displayName`) are shown as `�` so they cannot drive the
/// terminal.
pub fn render(text: &str, color: bool) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let body: String = body.chars().map(|c| if unsafe_char(c) { '\u{FFFD}' } else { c }).collect();
        out.push_str(&paint_line(&body, color));
        out.push_str(newline);
    }
    out
}

/// Colour the first word of a summary line if it is a verdict mark.
fn paint_line(line: &str, color: bool) -> String {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    let word = trimmed.split(' ').next().unwrap_or("");
    let style = match word {
        "✓" => GREEN,
        "✗" => RED,
        "!" => YELLOW,
        "PASS" => BOLD_GREEN,
        "FAIL" | "UNREACHABLE" => BOLD_RED,
        "SKIP" => YELLOW,
        _ => "",
    };
    if !color || style.is_empty() {
        return line.to_string();
    }
    format!("{indent}{style}{word}{RESET}{}", &trimmed[word.len()..])
}

/// A progress bar over the scenarios of a run, drawn on stderr, or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar of `total` scenarios when `enabled`, else a no-op.
    pub fn new(total: usize, enabled: bool) -> Progress {
        let bar = enabled.then(|| {
            let bar = ProgressBar::new(total as u64);
            let style = ProgressStyle::with_template("{spinner} [{pos}/{len}] {elapsed:>4} {wide_msg}")
                .expect("the template is valid")
                .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(100));
            *ACTIVE.lock().recover() = Some(bar.clone());
            bar
        });
        Progress { bar }
    }

    /// Show which scenario runs now.
    pub fn start(&self, scenario: &str) {
        if let Some(b) = &self.bar {
            b.set_message(scenario.to_string());
        }
    }

    /// Count a finished scenario.
    pub fn done(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    /// Run `f` (which prints) with the bar hidden, so lines do not interleave.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(b) => b.suspend(f),
            None => f(),
        }
    }

    /// Remove the bar from the terminal.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
            ACTIVE.lock().recover().take();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `1 exchange`, `2 exchanges`: a count and its noun, plural with `s`.
pub fn plural(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 { format!("{n} {noun}") } else { format!("{n} {noun}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_says_one_exchange_and_two_exchanges() {
        assert_eq!(plural(1u64, "exchange"), "1 exchange");
        assert_eq!(plural(2u64, "exchange"), "2 exchanges");
        assert_eq!(plural(0u64, "step"), "0 steps");
    }

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| OsString::from(v))
    }

    #[test]
    fn colour_follows_the_terminal_no_color_and_clicolor_force() {
        assert!(color_enabled(true, &env(&[])));
        assert!(!color_enabled(false, &env(&[])));
        assert!(!color_enabled(true, &env(&[("NO_COLOR", "1")])));
        // no-color.org: an empty NO_COLOR does not disable colour.
        assert!(color_enabled(true, &env(&[("NO_COLOR", "")])));
        assert!(color_enabled(false, &env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!color_enabled(false, &env(&[("CLICOLOR_FORCE", "0")])));
        assert!(!color_enabled(false, &env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])));
        assert!(!color_enabled(true, &env(&[("TERM", "dumb")])));
    }

    #[test]
    fn progress_only_on_a_terminal_outside_ci_and_not_quiet() {
        assert!(progress_enabled(true, false, &env(&[])));
        assert!(!progress_enabled(false, false, &env(&[])));
        assert!(!progress_enabled(true, true, &env(&[])));
        assert!(!progress_enabled(true, false, &env(&[("CI", "true")])));
        assert!(progress_enabled(true, false, &env(&[("CI", "false")])));
        assert!(!progress_enabled(true, false, &env(&[("TERM", "dumb")])));
    }

    #[test]
    fn render_colours_marks_only_when_asked() {
        let text =
            "  ✓  1. activate\n       ✗ scim.status: 500\n  PASS x: 1 passed\nFAIL y\nSKIP z\n  fix: PASS it on\n";
        assert_eq!(render(text, false), text);
        let coloured = render(text, true);
        assert!(coloured.contains("  \x1b[32m✓\x1b[0m  1. activate\n"), "{coloured:?}");
        assert!(coloured.contains("       \x1b[31m✗\x1b[0m scim.status"), "{coloured:?}");
        assert!(coloured.contains("  \x1b[1;32mPASS\x1b[0m x:"), "{coloured:?}");
        assert!(coloured.contains("\x1b[1;31mFAIL\x1b[0m y"), "{coloured:?}");
        assert!(coloured.contains("\x1b[33mSKIP\x1b[0m z"), "{coloured:?}");
        assert!(coloured.contains("  fix: PASS it on\n"), "{coloured:?}");
    }

    #[test]
    fn one_line_keeps_foreign_text_on_its_line() {
        assert_eq!(one_line("plain text\twith a tab"), "plain text\twith a tab");
        let forged = "nope\n  PASS Activate\r\u{2028}x\u{2029}y\u{85}z\u{0B}\u{0C}\x1b[2J";
        assert_eq!(one_line(forged), "nope⏎  PASS Activate⏎⏎x⏎y⏎z⏎⏎\u{FFFD}");
    }

    #[test]
    fn one_line_removes_escape_sequences_bidi_and_c1_and_cuts_long_text() {
        let hostile = "a\x1b[31;1mred\x1b[0m b\x1b]0;pwned\x07c\x1b]8;;http://x\x1b\\d\u{9b}2Je\u{9d}t\u{9c}f\x1bMg\u{85}\
                       \u{202E}evil\u{202C}\u{2066}i\u{2069}\u{200F}\u{061C}\u{0}\u{7f}\u{90}x\u{9c}";
        let out = one_line(hostile);
        assert_eq!(
            out,
            "a\u{FFFD}red\u{FFFD} b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f\u{FFFD}g⏎\u{FFFD}evil\u{FFFD}\u{FFFD}i\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"
        );
        assert!(!out.chars().any(|c| c.is_control()), "{out:?}");
        let long = "PASS ".repeat(200);
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), MAX_FOREIGN_CHARS + 1);
        assert!(cut.ends_with('…'));
        let exact = "x".repeat(MAX_FOREIGN_CHARS);
        assert_eq!(one_line(&exact), exact, "text at the limit is not cut");
    }

    #[test]
    fn render_neutralises_escape_sequences_from_the_sp() {
        let text = "       ✗ scim.detail: \x1b]0;pwned\x07\x1b[2J gone\n";
        let out = render(text, false);
        assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
        assert!(out.contains("\u{FFFD}]0;pwned\u{FFFD}\u{FFFD}[2J gone\n"), "{out:?}");
    }

    #[test]
    fn a_disabled_progress_bar_draws_nothing_and_still_runs_closures() {
        let p = Progress::new(3, false);
        p.start("x");
        p.done();
        assert!(p.bar.is_none(), "no bar is drawn");
        assert_eq!(p.suspend(|| 7), 7);
    }
}
