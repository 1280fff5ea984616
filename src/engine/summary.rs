//! Results while a run goes on: each step's, and the tally the run loop
//! decides on (skips, stop, exit code). The run's summary for people and
//! machines is `report::Summary`, rebuilt from the record.

use crate::record::{Check, Exit, Verdict};
use std::time::Duration;

/// One step's result.
#[derive(Debug, Clone)]
pub struct StepSummary {
    pub index: usize,
    pub title: String,
    pub line: usize,
    pub verdict: Verdict,
    pub reason: Option<String>,
    pub checks: Vec<Check>,
    pub exchanges: u64,
    pub duration: Duration,
    /// The action itself failed (an error finding), whether or not the step
    /// expected it: after a failed Test Connection or Activate, JumpCloud
    /// sends nothing more.
    pub action_failed: bool,
}

/// What the run loop has seen so far.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub steps: Vec<StepSummary>,
    pub total_steps: usize,
    pub unreachable: bool,
    /// Stopped by SIGINT/SIGTERM.
    pub interrupted: bool,
}

impl Tally {
    pub fn count(&self, v: Verdict) -> usize {
        self.steps.iter().filter(|s| s.verdict == v).count()
    }

    /// Steps not run (an earlier failure made them meaningless), and steps
    /// never reached.
    pub fn skipped(&self) -> usize {
        self.count(Verdict::Skip) + self.total_steps.saturating_sub(self.steps.len())
    }

    pub fn exit_code(&self) -> Exit {
        if self.interrupted {
            Exit::Interrupted
        } else if self.unreachable {
            Exit::Unreachable
        } else if self.count(Verdict::Fail) > 0 {
            Exit::Fail
        } else {
            Exit::Pass
        }
    }
}
