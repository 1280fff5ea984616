//! The result of a run: `summary.json` and the terminal summary.

use super::target::ResolvedTarget;
use crate::record::Exit;
use crate::record::{Check, Verdict};
use crate::scenario::Scenario;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One step's result.
#[derive(Debug, Clone, Serialize)]
pub struct StepSummary {
    pub index: usize,
    pub title: String,
    pub line: usize,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub checks: Vec<Check>,
    pub exchanges: u64,
    #[serde(serialize_with = "as_ms")]
    pub duration: Duration,
    /// The action itself failed (an error finding), whether or not the step
    /// expected it: after a failed Test Connection or Activate, JumpCloud
    /// sends nothing more.
    #[serde(skip)]
    pub action_failed: bool,
}

/// One scenario's result.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub scenario: String,
    pub file: String,
    pub run_id: String,
    pub run_dir: PathBuf,
    pub target: String,
    pub target_kind: String,
    pub steps: Vec<StepSummary>,
    pub exchanges: u64,
    #[serde(serialize_with = "as_ms")]
    pub duration: Duration,
    pub unreachable: bool,
    /// Stopped by SIGINT/SIGTERM.
    pub interrupted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    pub total_steps: usize,
    /// Findings grouped by root cause, most important first.
    pub fixes: Vec<crate::check::Fix>,
    /// The cleanup phase, when the run removed what it created at the SP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<StepSummary>,
}

fn as_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(super::ms(*d))
}

impl RunSummary {
    pub(super) fn new(s: &Scenario, run_id: &str, run_dir: &Path, target: &ResolvedTarget) -> Self {
        RunSummary {
            scenario: s.name.clone(),
            file: s.source.file.clone(),
            run_id: run_id.to_string(),
            run_dir: run_dir.to_path_buf(),
            target: target.base_url.clone(),
            target_kind: target.kind.to_string(),
            steps: Vec::new(),
            exchanges: 0,
            duration: Duration::ZERO,
            unreachable: false,
            interrupted: false,
            stop_reason: None,
            total_steps: s.steps.len(),
            fixes: Vec::new(),
            cleanup: None,
        }
    }

    pub fn passed(&self) -> usize {
        self.steps.iter().filter(|s| s.verdict == Verdict::Pass).count()
    }

    pub fn failed(&self) -> usize {
        self.steps.iter().filter(|s| s.verdict == Verdict::Fail).count()
    }

    /// Steps not run (an earlier failure made them meaningless), and steps
    /// never reached.
    pub fn skipped(&self) -> usize {
        self.steps.iter().filter(|s| s.verdict == Verdict::Skip).count()
            + self.total_steps.saturating_sub(self.steps.len())
    }

    /// 0 all passed, 1 a step failed, 3 the target was unreachable.
    pub fn exit_code(&self) -> crate::record::Exit {
        if self.interrupted {
            Exit::Interrupted
        } else if self.unreachable {
            Exit::Unreachable
        } else if self.failed() > 0 {
            Exit::Fail
        } else {
            Exit::Pass
        }
    }
}

/// Findings alike for the terminal: rule, verdict, admin symptom and fix.
type AlikeKey<'a> = (&'a str, u8, &'a Option<String>, &'a Option<String>);

/// Print a readable summary: every step in full, or (quiet) only failures.
pub fn print_summary(s: &RunSummary, quiet: bool, out: &mut dyn Write) -> std::io::Result<()> {
    // Every text below may come from the SP or a scenario: one line each.
    use crate::term::one_line as l;
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
    let mut last_skip_reason: Option<&str> = None;
    for step in s.steps.iter().chain(s.cleanup.as_ref()) {
        if quiet && step.verdict != Verdict::Fail {
            continue;
        }
        if quiet {
            writeln!(out, "✗ {} › step {} `{}` (line {})", l(&s.scenario), step.index + 1, l(&step.title), step.line)?;
        } else if step.verdict == Verdict::Skip {
            writeln!(out, "  {} {:>2}. {:<48} skipped", mark(step.verdict), step.index + 1, l(&step.title))?;
            // The reason once for a run of steps skipped for the same reason.
            if step.reason.as_deref() != last_skip_reason {
                if let Some(r) = &step.reason {
                    writeln!(out, "         {}", l(r))?;
                }
                last_skip_reason = step.reason.as_deref();
            }
            continue;
        } else {
            let n = step.exchanges;
            let label =
                if step.verdict == Verdict::Info { "  ·".to_string() } else { format!("{:>2}.", step.index + 1) };
            writeln!(
                out,
                "  {} {} {:<48} {:>3} exchange{} {:>8.1} ms",
                mark(step.verdict),
                label,
                l(&step.title),
                n,
                if n == 1 { " " } else { "s" },
                super::ms(step.duration)
            )?;
        }
        last_skip_reason = None;
        // Findings of one rule with the same advice are printed once, with a count
        // (a flaky SP's fourteen retried 503s are one problem).
        // Linear: a bulk step can carry tens of thousands of checks.
        let mut groups: Vec<(&Check, usize)> = Vec::new();
        let mut seen: HashMap<AlikeKey<'_>, usize> = HashMap::new();
        for c in step.checks.iter().filter(|c| !matches!(c.verdict, Verdict::Pass | Verdict::Info)) {
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
            writeln!(out, "       {} {}: {}", mark(c.verdict), l(&c.id), l(&c.message))?;
            if alike > 1 {
                writeln!(out, "         (and {} more like it in this step)", alike - 1)?;
            }
            if let Some(a) = &c.admin_sees {
                writeln!(out, "         JumpCloud admin sees: {}", l(a))?;
            }
            if let Some(f) = &c.fix {
                writeln!(out, "         fix: {}", l(f))?;
            }
        }
    }
    let status = match s.exit_code() {
        Exit::Pass => "PASS",
        Exit::Unreachable => "UNREACHABLE",
        _ => "FAIL",
    };
    let mut line = format!("{status} {}: {} passed, {} failed", l(&s.scenario), s.passed(), s.failed());
    if s.skipped() > 0 {
        line.push_str(&format!(", {} skipped", s.skipped()));
    }
    line.push_str(&format!(
        " · {} exchanges · {:.2}s · {}",
        s.exchanges,
        s.duration.as_secs_f64(),
        s.run_dir.join("report.html").display()
    ));
    if let Some(r) = &s.stop_reason {
        line.push_str(&format!("\n  stopped: {}", l(r)));
    }
    writeln!(out, "{}{line}", if quiet { "" } else { "  " })?;
    // Quiet runs show the fix summary only when the scenario failed.
    if !s.fixes.is_empty() && (!quiet || s.exit_code() != Exit::Pass) {
        writeln!(out, "  Fix summary ({} root cause{}):", s.fixes.len(), if s.fixes.len() == 1 { "" } else { "s" })?;
        for (n, f) in s.fixes.iter().enumerate() {
            let steps: Vec<String> = f.steps.iter().map(|i| (i + 1).to_string()).collect();
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
            writeln!(out, "      JumpCloud: {}", l(&f.jumpcloud))?;
            writeln!(out, "      fix: {}", l(&f.fix))?;
        }
    }
    if !quiet {
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn summary(steps: Vec<StepSummary>) -> RunSummary {
        RunSummary {
            scenario: "s".into(),
            file: "s.yaml".into(),
            run_id: "r".into(),
            run_dir: PathBuf::from("runs/r"),
            target: "http://t".into(),
            target_kind: "external".into(),
            total_steps: steps.len(),
            steps,
            exchanges: 0,
            duration: Duration::ZERO,
            unreachable: false,
            interrupted: false,
            stop_reason: None,
            fixes: Vec::new(),
            cleanup: None,
        }
    }

    fn step(index: usize, verdict: Verdict, checks: Vec<Check>, reason: Option<&str>) -> StepSummary {
        StepSummary {
            index,
            title: format!("step{index}"),
            line: index + 1,
            verdict,
            reason: reason.map(str::to_string),
            checks,
            exchanges: 0,
            duration: Duration::ZERO,
            action_failed: verdict == Verdict::Fail,
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
        assert_eq!(text.matches(" skipped\n").count(), 2, "{text}");
        assert_eq!(text.matches(why).count(), 1, "{text}");
        assert!(text.contains("0 passed, 1 failed, 2 skipped"), "{text}");
        assert_eq!(s.exit_code(), Exit::Fail);
    }
}
