//! `summary.json`: the machine-readable result of one run, rebuilt from its
//! events. Same fields as the engine's original writer, plus `incomplete`.

use super::run::{Run, RunStatus, StepState};
use crate::record::Check;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One step's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StepResult {
    pub index: usize,
    pub title: String,
    /// Line of the step in the scenario file (0 when unknown).
    pub line: usize,
    /// `pass`, `fail` or `warn`. A step the run never finished counts as `fail`.
    pub verdict: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub checks: Vec<Check>,
    pub exchanges: u64,
    /// Milliseconds.
    pub duration: f64,
}

/// The content of `summary.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub scenario: String,
    pub file: String,
    pub run_id: String,
    pub run_dir: PathBuf,
    pub target: String,
    pub target_kind: String,
    pub steps: Vec<StepResult>,
    pub exchanges: u64,
    /// Milliseconds.
    pub duration: f64,
    pub unreachable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    pub total_steps: usize,
    /// `pass` when `exit_code` is 0, else `fail`.
    pub verdict: String,
    /// 0 pass, 1 a step failed, 3 unreachable target or a run cut short.
    pub exit_code: i32,
    pub passed: usize,
    pub failed: usize,
    /// The record ends without `run_finished` (jcsim was stopped mid-run).
    pub incomplete: bool,
    /// Findings grouped by root cause, most important first.
    #[serde(default)]
    pub fixes: Vec<crate::check::Fix>,
}

impl Summary {
    pub(crate) fn from_run(run: &Run) -> Summary {
        let steps: Vec<StepResult> = run
            .steps
            .iter()
            .map(|s| {
                let verdict = match s.state() {
                    StepState::Pass => "pass",
                    StepState::Warn => "warn",
                    StepState::Skip => "skip",
                    StepState::Info => "info",
                    StepState::Fail | StepState::Incomplete => "fail",
                };
                StepResult {
                    index: s.index,
                    title: s.title(),
                    line: s.line(),
                    verdict: verdict.to_string(),
                    reason: s.reason(),
                    checks: s.checks.clone(),
                    exchanges: s.x.count,
                    duration: round3(s.duration_ms()),
                }
            })
            .collect();
        let exit_code = run.exit_code();
        Summary {
            scenario: run.scenario(),
            file: run.file(),
            run_id: run.run_id(),
            run_dir: run.dir.clone(),
            target: run.target(),
            target_kind: run.header.as_ref().map_or_else(String::new, |h| h.target_kind.clone()),
            passed: steps.iter().filter(|s| s.verdict == "pass").count(),
            failed: steps.iter().filter(|s| s.verdict == "fail").count(),
            steps,
            exchanges: run.finished.as_ref().map_or_else(|| run.exchange_count(), |f| f.exchanges),
            duration: round3(run.duration_ms()),
            unreachable: run.status() == RunStatus::Unreachable,
            stop_reason: run.stop_reason(),
            total_steps: run.total_steps(),
            verdict: if exit_code == 0 { "pass" } else { "fail" }.to_string(),
            exit_code,
            incomplete: run.incomplete(),
            fixes: run.fixes(),
        }
    }
}

pub(crate) fn round3(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}
