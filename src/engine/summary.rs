//! Results while a run goes on: each step's, and the tally the run loop
//! decides on (skips, stop, exit code). The run's summary for people and
//! machines is `report::Summary`, rebuilt from the record.

use crate::record::{Check, Exit, Verdict};

/// One step's result.
#[derive(Debug, Clone)]
pub(crate) struct StepSummary {
    pub(crate) index: usize,
    pub(crate) title: String,
    pub(crate) verdict: Verdict,
    pub(crate) reason: Option<String>,
    pub(crate) checks: Vec<Check>,
    pub(crate) exchanges: u64,
    /// The action itself failed (an error finding), whether or not the step
    /// expected it: after a failed Test Connection or Activate, JumpCloud
    /// sends nothing more.
    pub(crate) action_failed: bool,
}

/// What the run loop has seen so far.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub(crate) steps: Vec<StepSummary>,
    pub(crate) total_steps: usize,
    pub(crate) unreachable: bool,
    /// Stopped by SIGINT/SIGTERM.
    pub(crate) interrupted: bool,
}

impl Tally {
    pub(crate) fn count(&self, v: Verdict) -> usize {
        self.steps.iter().filter(|s| s.verdict == v).count()
    }

    /// Steps not run (an earlier failure made them meaningless), and steps
    /// never reached.
    pub(crate) fn skipped(&self) -> usize {
        self.count(Verdict::Skip) + self.total_steps.saturating_sub(self.steps.len())
    }

    pub(crate) fn exit_code(&self) -> Exit {
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
