//! `summary.json`: the machine-readable result of one run, rebuilt from its
//! events, so a run cut short has one too (`incomplete`).
//!
//! Steps are numbered from 1 here, as the terminal, `junit.xml` and
//! `report.html` number them: `steps[].step`, `steps[].checks[].step` and
//! `fixes[].steps` all hold step numbers, not the zero-based indexes of
//! `events.jsonl`.

use super::run::{Run, RunStatus, StepRun, StepState};
use crate::record::{Check, Exit, Verdict};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One step's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StepResult {
    /// The step's number, from 1 (step 1 is the scenario's first step), as
    /// the terminal, `junit.xml` and `report.html#s-N` number it.
    pub(crate) step: usize,
    pub title: String,
    /// The step's kind (`activate`, `bind_group`, `verify`…).
    #[serde(default)]
    pub(crate) action: String,
    /// Line of the step in the scenario file (0 when unknown).
    pub(crate) line: usize,
    /// `pass`, `fail`, `warn` or `skip` (not run: an earlier failure made it
    /// meaningless, see `reason`). A step the run never finished counts as `fail`.
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The step's checks; their `step` is this step's number (from 1).
    pub checks: Vec<Check>,
    pub(crate) exchanges: u64,
    pub(crate) duration_ms: f64,
}

/// The cleanup phase: what the run did to remove what it created at the SP.
/// Shown, never judged: it counts in no step total and sets no verdict.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CleanupResult {
    pub(crate) title: String,
    /// DELETE requests sent (attempts included).
    pub(crate) exchanges: u64,
    pub(crate) duration_ms: f64,
    /// What was removed, or what is left to remove by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
}

/// The content of `summary.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub(crate) scenario: String,
    pub(crate) file: String,
    pub(crate) run_id: String,
    pub run_dir: PathBuf,
    pub(crate) target: String,
    pub(crate) target_kind: String,
    /// The run-unique tag carried by every name the run created at the SP
    /// (absent when names were sent as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    /// TLS certificates were not verified (`--insecure`).
    #[serde(default)]
    pub(crate) insecure: bool,
    pub steps: Vec<StepResult>,
    /// Exchanges in the run, the cleanup phase's included.
    pub(crate) exchanges: u64,
    pub(crate) duration_ms: f64,
    pub(crate) unreachable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) stop_reason: Option<String>,
    /// Steps in the scenario (the cleanup phase is not one).
    pub(crate) total_steps: usize,
    /// `pass` when `exit_code` is 0, else `fail`.
    pub(crate) verdict: Verdict,
    /// 0 pass, 1 a step failed, 3 unreachable target or a run cut short.
    pub exit_code: Exit,
    pub(crate) passed: usize,
    pub failed: usize,
    /// Steps not run: recorded as `skip`, or never started (the run was cut short).
    #[serde(default)]
    pub(crate) skipped: usize,
    /// The record ends without `run_finished` (jcsim was stopped mid-run).
    pub(crate) incomplete: bool,
    /// Findings grouped by root cause, most important first; `steps` holds
    /// step numbers from 1.
    #[serde(default)]
    pub(crate) fixes: Vec<crate::check::Fix>,
    /// The same causes in the run-wide form (`jcsim run --format json`'s
    /// `root_causes`): rule, severity, scenarios, steps, example, fix.
    #[serde(default)]
    pub(crate) root_causes: Vec<RootCause>,
    /// The request kind of each exchange a non-passing check names (see
    /// `Run::request_of`): the terminal keys root causes by it.
    #[serde(skip)]
    pub(crate) requests: std::collections::HashMap<u64, String>,
    /// Info findings by rule and count: notes, never fix entries.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub(crate) notes: std::collections::BTreeMap<String, usize>,
    /// The cleanup phase, when the run removed what it created at the SP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cleanup: Option<CleanupResult>,
}

impl Summary {
    pub(crate) fn from_run(run: &Run) -> Summary {
        let steps: Vec<StepResult> = run.steps.iter().map(step_result).collect();
        let exit_code = run.exit_code();
        let header = run.header.as_ref();
        let mut fixes = run.fixes();
        for f in &mut fixes {
            f.steps.iter_mut().for_each(|s| *s += 1);
        }
        Summary {
            scenario: run.scenario(),
            file: run.file(),
            run_id: run.run_id(),
            run_dir: run.dir.clone(),
            target: run.target(),
            target_kind: header.map_or_else(String::new, |h| h.target_kind.clone()),
            namespace: header.and_then(|h| h.namespace.clone()),
            insecure: header.is_some_and(|h| h.insecure),
            passed: run.count(StepState::Pass),
            failed: run.count(StepState::Fail) + run.count(StepState::Incomplete),
            skipped: run.skipped(),
            steps,
            exchanges: run.finished.as_ref().map_or_else(|| run.exchange_count(), |f| f.exchanges),
            duration_ms: round3(run.duration_ms()),
            unreachable: run.status() == RunStatus::Unreachable,
            stop_reason: run.stop_reason(),
            total_steps: run.total_steps(),
            verdict: if exit_code == Exit::Pass { Verdict::Pass } else { Verdict::Fail },
            exit_code,
            incomplete: run.incomplete(),
            root_causes: {
                let mut causes = RootCauses::default();
                // Relative to summary.json's own directory.
                causes.add(&run.scenario(), std::path::Path::new(""), &fixes);
                causes.sorted()
            },
            notes: run.info_notes(),
            requests: run
                .steps
                .iter()
                .flat_map(|st| st.checks.iter())
                .filter(|c| c.verdict != Verdict::Pass)
                .filter_map(|c| Some((c.exchange?, run.request_of(c))))
                .collect(),
            fixes,
            cleanup: run.cleanup.as_ref().map(|c| CleanupResult {
                title: c.title(),
                exchanges: c.x.count,
                duration_ms: round3(c.duration_ms()),
                note: {
                    let notes: Vec<&str> = c.checks.iter().map(|k| k.message.as_str()).collect();
                    (!notes.is_empty()).then(|| notes.join("; ")).or_else(|| c.reason())
                },
            }),
        }
    }
}

impl Summary {
    /// The summary of a run that preflight stopped before any scenario:
    /// one failed step, `preflight`, with the reason (exit code 3).
    pub(crate) fn preflight(out_dir: &std::path::Path, target: &str, reason: &str) -> Summary {
        Summary {
            scenario: "preflight".into(),
            file: String::new(),
            run_id: String::new(),
            run_dir: out_dir.to_path_buf(),
            target: target.into(),
            target_kind: "external".into(),
            namespace: None,
            insecure: false,
            steps: vec![StepResult {
                step: 1,
                title: "preflight".into(),
                action: "preflight".into(),
                line: 0,
                verdict: Verdict::Fail,
                reason: Some(reason.into()),
                checks: Vec::new(),
                exchanges: 0,
                duration_ms: 0.0,
            }],
            exchanges: 0,
            duration_ms: 0.0,
            unreachable: true,
            stop_reason: Some(reason.into()),
            total_steps: 1,
            verdict: Verdict::Fail,
            exit_code: Exit::Unreachable,
            passed: 0,
            failed: 1,
            skipped: 0,
            incomplete: false,
            fixes: Vec::new(),
            root_causes: Vec::new(),
            notes: Default::default(),
            requests: Default::default(),
            cleanup: None,
        }
    }
}

fn step_result(s: &StepRun) -> StepResult {
    // A step the run never finished counts as failed.
    let verdict = match s.state() {
        StepState::Pass => Verdict::Pass,
        StepState::Fail | StepState::Incomplete => Verdict::Fail,
        StepState::Warn => Verdict::Warn,
        StepState::Skip => Verdict::Skip,
        StepState::Info => Verdict::Info,
    };
    StepResult {
        step: s.index + 1,
        title: s.title(),
        action: s.started.as_ref().map_or_else(String::new, |st| st.action.clone()),
        line: s.line(),
        verdict,
        reason: s.reason(),
        checks: s.checks.iter().map(|c| Check { step: s.index + 1, ..c.clone() }).collect(),
        exchanges: s.x.count,
        duration_ms: round3(s.duration_ms()),
    }
}

pub(crate) fn round3(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// One root cause across the scenarios of a run: a rule met in one kind of
/// step (`put-null` in `activate`), however many scenarios and steps show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RootCause {
    pub(crate) rule: crate::rules::CheckId,
    pub(crate) severity: crate::check::FixSeverity,
    pub(crate) title: String,
    /// The kind of request that shows it (`PUT /Users/{id}`), or of step.
    pub(crate) request: String,
    /// Scenarios, and steps in all, that show it.
    pub(crate) scenarios: usize,
    pub(crate) steps: usize,
    /// The first example's message, and where it is: scenario and step.
    pub(crate) example: String,
    pub(crate) example_at: String,
    /// The first example's report, `RUN_DIR/report.html#s-N`.
    pub(crate) report: String,
    /// What the JumpCloud admin sees.
    pub(crate) jumpcloud: String,
    pub(crate) fix: String,
    pub(crate) rfc: String,
}

/// Root causes gathered scenario by scenario, in the order first met.
#[derive(Debug, Default)]
pub(crate) struct RootCauses {
    list: Vec<RootCause>,
    index: std::collections::HashMap<(crate::rules::CheckId, String), usize>,
}

impl RootCauses {
    /// Add one scenario's fix summary (`Summary::fixes`, steps from 1).
    pub(crate) fn add(&mut self, scenario: &str, run_dir: &std::path::Path, fixes: &[crate::check::Fix]) {
        for f in fixes {
            let key = (f.rule, f.request.clone());
            if let Some(&i) = self.index.get(&key) {
                let c = &mut self.list[i];
                c.scenarios += 1;
                c.steps += f.steps.len();
                c.severity = c.severity.min(f.severity);
                continue;
            }
            let step = f.steps.first().copied().unwrap_or(1);
            self.index.insert(key, self.list.len());
            self.list.push(RootCause {
                rule: f.rule,
                severity: f.severity,
                title: f.title.clone(),
                request: f.request.clone(),
                scenarios: 1,
                steps: f.steps.len(),
                example: f.example.clone(),
                example_at: format!("{scenario}, step {step}"),
                report: format!("{}#s-{step}", run_dir.join("report.html").display()),
                jumpcloud: f.jumpcloud.clone(),
                fix: f.fix.clone(),
                rfc: f.rfc.clone(),
            });
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Errors first, then by how many scenarios show it, then in the order met.
    pub(crate) fn sorted(&self) -> Vec<RootCause> {
        let mut v = self.list.clone();
        v.sort_by_key(|c| (c.severity, std::cmp::Reverse(c.scenarios)));
        v
    }
}
