//! The terminal summary of one run, printed from `report::Summary` (what
//! `summary.json` holds), so the terminal and the files never disagree.

use crate::record::{Check, Exit, Verdict};
use crate::report::Summary;
use crate::rules::CheckId;
use std::collections::HashMap;
use std::io::Write;

/// Findings alike for the terminal: rule, verdict, admin symptom and fix.
type AlikeKey<'a> = (&'a str, u8, &'a Option<String>, &'a Option<String>);

/// What the terminal has explained so far in this `jcsim run`: a root cause
/// (rule and step kind) is explained once, with what the admin sees and the
/// fix; a repeat is one line that points to the first.
#[derive(Debug, Default)]
pub(crate) struct Explained {
    /// Several scenarios run: the root causes come once at the end, not
    /// in a fix summary per scenario.
    pub(crate) multi: bool,
    first: HashMap<(CheckId, String), String>,
}

impl Explained {
    pub(crate) fn new(multi: bool) -> Self {
        Explained { multi, first: HashMap::new() }
    }
}

/// Print a readable summary: every step in full, or (quiet) only failures.
#[cfg(test)]
pub fn print_summary(s: &Summary, quiet: bool, out: &mut dyn Write) -> std::io::Result<()> {
    print_summary_in(s, quiet, &mut Explained::default(), out)
}

/// [`print_summary`] within a run of several scenarios.
/// Long on purpose: a scenario's terminal summary in the order it is read
/// (header, each step with its grouped checks, cleanup, root causes), all
/// sharing what was already explained.
pub(crate) fn print_summary_in(
    s: &Summary,
    quiet: bool,
    explained: &mut Explained,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    // Every text below may come from the SP or a scenario: one line each;
    // jcsim's own advice (what the admin sees, the fix) is never cut.
    use crate::term::{one_line as l, one_line_whole as w};
    let mark = |v: Verdict| match v {
        Verdict::Pass => "✓",
        Verdict::Fail => "✗",
        Verdict::Warn => "!",
        Verdict::Skip => "-",
        Verdict::Info => "i",
    };
    if !quiet {
        writeln!(out, "▶ {} ({}) → {} [{}]", l(&s.scenario), l(&s.file), l(&s.target), s.target_kind)?;
    }
    let mut last_beyond: Option<&str> = None;
    let mut i = 0;
    while i < s.steps.len() {
        let step = &s.steps[i];
        i += 1;
        if quiet && step.verdict != Verdict::Fail {
            continue;
        }
        if quiet {
            writeln!(out, "✗ {} › step {} `{}` (line {})", l(&s.scenario), step.step, l(&step.title), step.line)?;
        } else if step.verdict == Verdict::Skip {
            // A run of steps skipped for one reason is one line.
            let same =
                s.steps[i..].iter().take_while(|n| n.verdict == Verdict::Skip && n.reason == step.reason).count();
            let why = step.reason.as_deref().map(|r| format!(": {}", l(r))).unwrap_or_default();
            if same == 0 {
                writeln!(out, "  {} {:>2}. {} skipped{why}", mark(step.verdict), step.step, l(&step.title))?;
            } else {
                let last = s.steps[i + same - 1].step;
                let range = format!("{}–{}.", step.step, last);
                writeln!(out, "  {} {range:>6} {} steps skipped{why}", mark(step.verdict), same + 1)?;
            }
            i += same;
            continue;
        } else {
            exchanges_line(
                out,
                mark(step.verdict),
                &format!("{:>2}.", step.step),
                &step.title,
                step.exchanges,
                step.duration_ms,
            )?;
        }
        // A quirk demonstration's step that caught what it expected says so.
        let mut caught: Vec<&str> = step
            .checks
            .iter()
            .filter(|c| c.verdict == Verdict::Pass && c.message.starts_with(crate::record::EXPECTED_FINDING))
            .map(|c| c.id.as_str())
            .collect();
        caught.dedup();
        if !caught.is_empty() && !quiet {
            writeln!(out, "       ✓ caught as expected: {}", caught.join(", "))?;
        }
        // Findings of one rule with the same advice are printed once, with a count
        // (a flaky SP's fourteen retried 503s are one problem).
        // Linear: a bulk step can carry tens of thousands of checks.
        let mut groups: Vec<(&Check, usize)> = Vec::new();
        let mut seen: HashMap<AlikeKey<'_>, usize> = HashMap::new();
        let shown = |c: &&Check| match c.verdict {
            Verdict::Pass => false,
            // Notes come once per run, except those that say what was not
            // checked or why a step ran at all.
            Verdict::Info => matches!(c.id, CheckId::ExpectationSkipped | CheckId::BeyondFailedSetup),
            _ => true,
        };
        for c in step.checks.iter().filter(shown) {
            let key = (c.id.as_str(), c.verdict as u8, &c.admin_sees, &c.fix);
            match seen.get(&key) {
                Some(&i) => groups[i].1 += 1,
                None => {
                    seen.insert(key, groups.len());
                    groups.push((c, 1));
                }
            }
        }
        for (c, alike) in groups {
            if c.id == CheckId::BeyondFailedSetup {
                // Once for a run of such steps.
                if last_beyond != Some(c.message.as_str()) {
                    writeln!(out, "       {} {}", mark(c.verdict), l(&c.message))?;
                }
                last_beyond = Some(c.message.as_str());
                continue;
            }
            let more = if alike > 1 { format!(" (and {} more like it)", alike - 1) } else { String::new() };
            let request = c.exchange.and_then(|x| s.requests.get(&x)).unwrap_or(&step.action);
            let key = (c.id, request.clone());
            let explainable = c.admin_sees.is_some() || c.fix.is_some();
            if let (true, Some(first)) = (explainable, explained.first.get(&key)) {
                writeln!(
                    out,
                    "       {} {}: {}{more} · same cause as {}",
                    mark(c.verdict),
                    l(c.id.as_str()),
                    l(&c.message),
                    l(first)
                )?;
                continue;
            }
            writeln!(out, "       {} {}: {}", mark(c.verdict), l(c.id.as_str()), l(&c.message))?;
            if alike > 1 {
                writeln!(out, "         (and {} more like it in this step)", alike - 1)?;
            }
            if let Some(a) = &c.admin_sees {
                writeln!(out, "         JumpCloud admin sees: {}", w(a))?;
            }
            if let Some(f) = &c.fix {
                writeln!(out, "         fix: {}", w(f))?;
            }
            if explainable {
                explained.first.insert(key, format!("{}, step {}", s.scenario, step.step));
            }
        }
    }
    // Several scenarios: the cleanup phase shows only when it left something.
    let left_something =
        |c: &crate::report::CleanupResult| c.note.as_deref().is_some_and(|n| n.starts_with("could not"));
    if let (Some(c), false) = (&s.cleanup, quiet)
        && (!explained.multi || left_something(c))
    {
        exchanges_line(out, mark(Verdict::Info), "  ·", &c.title, c.exchanges, c.duration_ms)?;
        if left_something(c) {
            writeln!(out, "         {}", l(c.note.as_deref().unwrap_or_default()))?;
        }
    }
    let status = match s.exit_code {
        Exit::Pass => "PASS",
        Exit::Unreachable => "UNREACHABLE",
        _ => "FAIL",
    };
    let mut line = format!("{status} {}: {} passed, {} failed", l(&s.scenario), s.passed, s.failed);
    if s.skipped > 0 {
        line.push_str(&format!(", {} skipped", s.skipped));
    }
    line.push_str(&format!(
        " · {} · {:.2}s · {}",
        crate::term::plural(s.exchanges, "exchange"),
        s.duration_ms / 1000.0,
        s.run_dir.join("report.html").display()
    ));
    if let Some(r) = &s.stop_reason {
        line.push_str(&format!("\n  stopped: {}", l(r)));
    }
    writeln!(out, "{}{line}", if quiet { "" } else { "  " })?;
    // Several scenarios: the root causes come once, at the end of the run.
    // Quiet runs show the fix summary only when the scenario failed.
    if !explained.multi && !s.fixes.is_empty() && (!quiet || s.exit_code != Exit::Pass) {
        writeln!(out, "  Fix summary ({}):", crate::term::plural(s.fixes.len() as u64, "root cause"))?;
        for (n, f) in s.fixes.iter().enumerate() {
            let steps: Vec<String> = f.steps.iter().map(ToString::to_string).collect();
            writeln!(
                out,
                "   {}. [{}] {} — {} ({}×, step {})",
                n + 1,
                f.severity,
                f.rule,
                f.title,
                f.occurrences,
                steps.join(", ")
            )?;
            writeln!(out, "      e.g. {}", l(&f.example))?;
            if !f.jumpcloud.is_empty() {
                writeln!(out, "      JumpCloud: {}", w(&f.jumpcloud))?;
            }
            if !f.fix.is_empty() {
                writeln!(out, "      fix: {}", w(&f.fix))?;
            }
        }
    }
    if !explained.multi && !s.notes.is_empty() && !quiet {
        writeln!(out, "  {}", notes_line(&s.notes))?;
    }
    if !quiet && !explained.multi {
        writeln!(out)?;
    }
    Ok(())
}

/// `notes: patch-no-content ×17, … (jcsim rules ID explains each)`: infos,
/// never a fix entry.
pub(crate) fn notes_line(notes: &std::collections::BTreeMap<String, usize>) -> String {
    let items: Vec<String> = notes.iter().map(|(rule, n)| format!("{rule} ×{n}")).collect();
    format!("notes: {} (`jcsim rules ID` explains each; never a failure)", items.join(", "))
}

/// A step's line: mark, number, title, exchanges and milliseconds.
fn exchanges_line(out: &mut dyn Write, mark: &str, label: &str, title: &str, n: u64, ms: f64) -> std::io::Result<()> {
    writeln!(
        out,
        "  {mark} {label} {:<48} {n:>3} exchange{} {ms:>8.1} ms",
        crate::term::one_line(title),
        if n == 1 { " " } else { "s" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::StepResult;
    use std::path::PathBuf;

    fn check(id: &str, verdict: Verdict, message: &str) -> Check {
        Check {
            step: 0,
            id: id.into(),
            verdict,
            message: message.into(),
            admin_sees: Some("admin".into()),
            fix: Some("fix".into()),
            exchange: None,
            expected: None,
            actual: None,
        }
    }

    fn summary(steps: Vec<StepResult>) -> Summary {
        let count = |v: Verdict| steps.iter().filter(|s| s.verdict == v).count();
        let failed = count(Verdict::Fail);
        Summary {
            scenario: "s".into(),
            file: "s.yaml".into(),
            run_id: "r".into(),
            run_dir: PathBuf::from("runs/r"),
            target: "http://t".into(),
            target_kind: "external".into(),
            namespace: None,
            insecure: false,
            total_steps: steps.len(),
            passed: count(Verdict::Pass),
            failed,
            skipped: count(Verdict::Skip),
            steps,
            exchanges: 0,
            duration_ms: 0.0,
            unreachable: false,
            stop_reason: None,
            verdict: if failed > 0 { Verdict::Fail } else { Verdict::Pass },
            exit_code: if failed > 0 { Exit::Fail } else { Exit::Pass },
            incomplete: false,
            fixes: Vec::new(),
            root_causes: Vec::new(),
            notes: Default::default(),
            requests: Default::default(),
            cleanup: None,
        }
    }

    fn step(index: usize, verdict: Verdict, checks: Vec<Check>, reason: Option<&str>) -> StepResult {
        StepResult {
            step: index + 1,
            title: format!("step{index}"),
            action: "verify".into(),
            line: index + 1,
            verdict,
            reason: reason.map(str::to_string),
            checks,
            exchanges: 0,
            duration_ms: 0.0,
        }
    }

    #[test]
    fn alike_findings_print_once_with_a_count_and_info_stays_quiet() {
        let checks = vec![
            check("server-error", Verdict::Warn, "503 on attempt 1"),
            check("server-error", Verdict::Warn, "503 on attempt 2"),
            check("server-error", Verdict::Warn, "503 on attempt 3"),
            check("patch-no-content", Verdict::Info, "204"),
        ];
        let mut out = Vec::new();
        print_summary(&summary(vec![step(0, Verdict::Pass, checks, None)]), false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("server-error").count(), 1, "{text}");
        assert!(text.contains("(and 2 more like it in this step)"), "{text}");
        assert_eq!(text.matches("fix: fix").count(), 1, "{text}");
        assert!(!text.contains("patch-no-content"), "info is not a per-step line: {text}");
    }

    #[test]
    fn sp_text_cannot_forge_a_line() {
        let forged = "nope\n  PASS Activate: 3 passed\u{2028}PASS x\u{2029}FAIL y";
        let s = summary(vec![step(
            0,
            Verdict::Fail,
            vec![check("sp-rejected-request", Verdict::Fail, forged)],
            Some(forged),
        )]);
        for quiet in [false, true] {
            let mut out = Vec::new();
            print_summary(&s, quiet, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(!text.lines().any(|line| line.trim_start().starts_with("PASS Activate")), "{text}");
            assert!(!text.contains('\u{2028}') && !text.contains('\u{2029}'), "{text}");
            assert!(text.contains("nope⏎  PASS Activate: 3 passed⏎PASS x⏎FAIL y"), "{text}");
        }
    }

    #[test]
    fn skipped_steps_say_so_with_the_reason_once() {
        let why = "step 1 `activate` failed";
        let s = summary(vec![
            step(0, Verdict::Fail, vec![check("activation-failed", Verdict::Fail, "boom")], Some("boom")),
            step(1, Verdict::Skip, vec![], Some(why)),
            step(2, Verdict::Skip, vec![], Some(why)),
        ]);
        let mut out = Vec::new();
        print_summary(&s, false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(&format!("  -   2–3. 2 steps skipped: {why}\n")), "a run of skips is one line: {text}");
        assert_eq!(text.matches(why).count(), 1, "{text}");
        assert!(text.contains("0 passed, 1 failed, 2 skipped"), "{text}");
        assert_eq!(s.exit_code, Exit::Fail);
    }
}
