//! `junit.xml`: one `<testsuite>` per run, one `<testcase>` per step. Written
//! by hand with strict escaping (XML 1.0 forbids most control characters even
//! as references, so they are spelled out as `\u{..}`).

use super::run::{Run, StepRun, StepState};
use crate::record::Verdict;
use std::fmt::Write;

/// A scenario the run did not run (a quirk demonstration against
/// `--target`, `--fail-fast`, a profile): one skipped test case.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SkippedScenario {
    pub(crate) scenario: String,
    pub(crate) file: String,
    pub(crate) reason: String,
}

/// A complete JUnit document holding one suite per run, then one suite per
/// skipped scenario (a single skipped test case).
pub(crate) fn document(runs: &[Run], not_run: &[SkippedScenario]) -> String {
    let tests: usize = runs.iter().map(|r| r.total_steps()).sum::<usize>() + not_run.len();
    let failures: usize = runs.iter().map(|r| r.count(StepState::Fail)).sum();
    let errors: usize = runs.iter().map(|r| r.count(StepState::Incomplete)).sum();
    let skipped: usize = runs.iter().map(|r| r.skipped()).sum::<usize>() + not_run.len();
    let time: f64 = runs.iter().map(|r| r.duration_ms()).sum::<f64>() / 1000.0;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"jcsim\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.3}\">"
    );
    for (i, run) in runs.iter().enumerate() {
        suite(&mut out, i, run);
    }
    for (i, s) in not_run.iter().enumerate() {
        let _ = writeln!(
            out,
            "  <testsuite id=\"{}\" name=\"{}\" package=\"{}\" hostname=\"jcsim\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\" time=\"0.000\">\n    <testcase name=\"scenario (not run)\" classname=\"{}\" file=\"{}\" time=\"0.000\">\n      <skipped message=\"{}\"/>\n    </testcase>\n  </testsuite>",
            runs.len() + i,
            esc(&s.scenario),
            esc(&s.file),
            esc(&s.file),
            esc(&s.file),
            esc(&s.reason),
        );
    }
    out.push_str("</testsuites>\n");
    out
}

/// A JUnit document for a run that preflight stopped: one failed test
/// case, `preflight`, with the reason, so CI's "publish JUnit" step finds
/// the cause.
pub(crate) fn preflight_document(target: &str, reason: &str) -> String {
    let message = reason.lines().next().unwrap_or(reason);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"jcsim\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0.000\">\n  <testsuite id=\"0\" name=\"preflight\" package=\"jcsim\" hostname=\"jcsim\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0.000\">\n    <properties>\n      <property name=\"target\" value=\"{}\"/>\n    </properties>\n    <testcase name=\"preflight\" classname=\"jcsim\" time=\"0.000\">\n      <failure message=\"{}\" type=\"jcsim.preflight\">{}</failure>\n    </testcase>\n  </testsuite>\n</testsuites>\n",
        esc(target),
        esc(message),
        esc(reason),
    )
}

/// Test case names that stay the same from run to run: the run's namespace
/// tag (`jcs-4f1a2b`, in `<properties>`) is taken out, and a name that
/// several steps share gets its step number (`verify (step 4)`).
fn case_names(run: &Run) -> Vec<String> {
    let tag = run.header.as_ref().and_then(|h| h.namespace.clone());
    let names: Vec<String> = run
        .steps
        .iter()
        .map(|s| {
            let title = s.title();
            match &tag {
                Some(t) => untag(&title, t),
                None => title,
            }
        })
        .collect();
    names
        .iter()
        .zip(&run.steps)
        .map(|(n, s)| {
            if names.iter().filter(|m| *m == n).count() > 1 { format!("{n} (step {})", s.index + 1) } else { n.clone() }
        })
        .collect()
}

/// `text` without the tag in any of the places a name carries it:
/// `Sales jcs-4f1a2b`, `alice.jcs-4f1a2b`, `alice+jcs-4f1a2b@example.com`.
fn untag(text: &str, tag: &str) -> String {
    let mut out = text.to_string();
    for sep in [" ", ".", "+"] {
        out = out.replace(&format!("{sep}{tag}"), "");
    }
    out.replace(tag, "")
}

fn suite(out: &mut String, id: usize, run: &Run) {
    let timestamp = run.header.as_ref().map(|h| junit_timestamp(&h.started_at)).unwrap_or_default();
    let _ = writeln!(
        out,
        "  <testsuite id=\"{id}\" name=\"{}\" package=\"{}\" hostname=\"jcsim\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\" timestamp=\"{}\">",
        esc(&run.scenario()),
        esc(&run.file()),
        run.total_steps(),
        run.count(StepState::Fail),
        run.count(StepState::Incomplete),
        run.skipped(),
        run.duration_ms() / 1000.0,
        esc(&timestamp),
    );
    out.push_str("    <properties>\n");
    let mut props = vec![("run_id".to_string(), run.run_id()), ("target".to_string(), run.target())];
    if let Some(h) = &run.header {
        props.push(("target_kind".into(), h.target_kind.clone()));
        props.push(("seed".into(), h.seed.to_string()));
        props.push(("jcsim_version".into(), h.jcsim_version.clone()));
        if let Some(ns) = &h.namespace {
            props.push(("namespace".into(), ns.clone()));
        }
        if h.insecure {
            props.push(("insecure".into(), "true".into()));
        }
        for (k, v) in &h.behaviour {
            props.push((format!("behaviour.{k}"), v.clone()));
        }
    }
    props.push(("incomplete".into(), run.incomplete().to_string()));
    if let Some(r) = run.stop_reason() {
        props.push(("stop_reason".into(), r));
    }
    for (k, v) in props {
        let _ = writeln!(out, "      <property name=\"{}\" value=\"{}\"/>", esc(&k), esc(&v));
    }
    out.push_str("    </properties>\n");
    for (step, name) in run.steps.iter().zip(case_names(run)) {
        case(out, run, step, &name);
    }
    let skip_reason = run.stop_reason().unwrap_or_else(|| "the run ended before this step".to_string());
    for index in run.steps.last().map_or(0, |s| s.index + 1)..run.total_steps() {
        let _ = writeln!(
            out,
            "    <testcase name=\"step {} (not run)\" classname=\"{}\" file=\"{}\" time=\"0.000\">\n      <skipped message=\"{}\"/>\n    </testcase>",
            index + 1,
            esc(&run.file()),
            esc(&run.file()),
            esc(&format!("not run: {skip_reason}")),
        );
    }
    let fixes = run.fixes();
    if !fixes.is_empty() {
        let mut text = String::from("Fix summary (most important first):\n");
        for (n, f) in fixes.iter().enumerate() {
            let steps: Vec<String> = f.steps.iter().map(|s| (s + 1).to_string()).collect();
            let _ = writeln!(
                text,
                "{}. [{}] {}: {} ({}x, steps {})\n   e.g. {}\n   JumpCloud: {}\n   fix: {}",
                n + 1,
                f.severity,
                f.rule,
                f.title,
                f.occurrences,
                steps.join(", "),
                f.example,
                f.jumpcloud,
                f.fix
            );
        }
        let _ = writeln!(out, "    <system-out>{}</system-out>", esc(&text));
    }
    out.push_str("  </testsuite>\n");
}

fn case(out: &mut String, run: &Run, step: &StepRun, name: &str) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{:.3}\">",
        esc(name),
        esc(&run.file()),
        esc(&run.file()),
        step.line(),
        step.duration_ms() / 1000.0,
    );
    match step.state() {
        StepState::Pass | StepState::Info => {}
        StepState::Skip => {
            let reason = step.reason().unwrap_or_else(|| "not run".to_string());
            let _ = write!(out, "\n      <skipped message=\"{}\"/>\n    ", esc(&reason));
        }
        StepState::Warn => {
            let _ = write!(out, "\n      <system-out>{}</system-out>\n    ", esc(&detail(run, step)));
        }
        StepState::Fail => {
            let _ = write!(
                out,
                "\n      <failure message=\"{}\" type=\"jcsim.step\">{}</failure>\n    ",
                esc(&failure_message(step)),
                esc(&detail(run, step))
            );
        }
        StepState::Incomplete => {
            let _ = write!(
                out,
                "\n      <error message=\"{}\" type=\"jcsim.incomplete\">{}</error>\n    ",
                esc("the run ended before this step finished"),
                esc(&detail(run, step))
            );
        }
    }
    out.push_str("</testcase>\n");
}

/// `reason — fix: hint` on one line.
fn failure_message(step: &StepRun) -> String {
    let reason = step.reason().unwrap_or_else(|| "step failed".to_string());
    let fix = step.checks.iter().filter(|c| c.verdict == Verdict::Fail).find_map(|c| c.fix.clone());
    match fix {
        Some(f) => format!("{reason} — fix: {f}"),
        None => reason,
    }
}

/// The check list and the failed exchanges, as plain text.
fn detail(run: &Run, step: &StepRun) -> String {
    let mut s = format!("{}:{} {}\n", run.file(), step.line(), step.title());
    if let Some(r) = step.reason() {
        let _ = writeln!(s, "reason: {r}");
    }
    for c in &step.checks {
        let mark = c.verdict.as_str().to_ascii_uppercase();
        let _ = writeln!(s, "\n[{mark}] {}: {}", c.id, c.message);
        if let Some(a) = &c.admin_sees {
            let _ = writeln!(s, "  JumpCloud admin sees: {a}");
        }
        if let Some(f) = &c.fix {
            let _ = writeln!(s, "  fix: {f}");
        }
        if let Some(x) = c.exchange {
            let _ = writeln!(s, "  exchange: #{x} (report.html#x-{x})");
        }
        if let Some(e) = &c.expected {
            let _ = writeln!(s, "  expected: {e}");
        }
        if let Some(a) = &c.actual {
            let _ = writeln!(s, "  actual:   {a}");
        }
    }
    if !step.x.failed.is_empty() {
        s.push_str("\nfailed exchanges:\n");
        for x in &step.x.failed {
            let _ = writeln!(s, "  #{} {} {} → {} [{}]", x.id, x.method, x.url, x.status, x.event);
        }
    }
    s
}

/// JUnit timestamps carry no zone (ant schema); ours are UTC.
fn junit_timestamp(rfc3339: &str) -> String {
    let t = rfc3339.trim_end_matches('Z');
    match t.split_once('.') {
        Some((whole, _)) => whole.to_string(),
        None => t.to_string(),
    }
}

/// Escape text for XML 1.0 content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untag_takes_the_tag_out_of_every_name_form() {
        let t = "jcs-4f1a2b";
        assert_eq!(untag("bind_group: Sales jcs-4f1a2b", t), "bind_group: Sales");
        assert_eq!(untag("add_to_group: alice.jcs-4f1a2b → Sales jcs-4f1a2b", t), "add_to_group: alice → Sales");
        assert_eq!(untag("update_user: alice+jcs-4f1a2b@example.com", t), "update_user: alice@example.com");
    }
}
