//! Reads `events.jsonl` back into one run: header, steps with their exchanges
//! and checks, footer. Tolerates torn or foreign lines and runs cut short.

use super::ReportError;
use crate::record::{Check, Event, Exchange, Redactor, RunFinished, RunStarted, StepFinished, StepStarted, Verdict};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A recorded run, assembled from its events.
#[derive(Debug, Clone, Default)]
pub(crate) struct Run {
    pub dir: PathBuf,
    pub header: Option<RunStarted>,
    /// Steps that started (or left any trace), in index order.
    pub steps: Vec<StepRun>,
    pub finished: Option<RunFinished>,
    /// Lines of events.jsonl that could not be read: (1-based line, error).
    pub bad_lines: Vec<(usize, String)>,
    /// Number of lines in the file, to tell a torn last line from a foreign one.
    pub lines: usize,
}

/// One step and everything recorded under it.
#[derive(Debug, Clone, Default)]
pub(crate) struct StepRun {
    pub index: usize,
    pub started: Option<StepStarted>,
    pub exchanges: Vec<Exchange>,
    pub checks: Vec<Check>,
    pub finished: Option<StepFinished>,
}

/// Where a step ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepState {
    Pass,
    Fail,
    Warn,
    /// Started, never finished: the run was cut short inside it.
    Incomplete,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Pass => "pass",
            StepState::Fail => "fail",
            StepState::Warn => "warn",
            StepState::Incomplete => "incomplete",
        }
    }
}

/// The overall outcome of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunStatus {
    Pass,
    Fail,
    Unreachable,
    /// No `run_finished`: jcsim stopped (crash, kill) before the end.
    Incomplete,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Pass => "pass",
            RunStatus::Fail => "fail",
            RunStatus::Unreachable => "unreachable",
            RunStatus::Incomplete => "incomplete",
        }
    }
}

impl StepRun {
    pub fn title(&self) -> String {
        match &self.started {
            Some(s) => s.title.clone(),
            None => format!("step {}", self.index + 1),
        }
    }

    pub fn line(&self) -> usize {
        self.started.as_ref().map_or(0, |s| s.line)
    }

    pub fn state(&self) -> StepState {
        match self.finished.as_ref().map(|f| f.verdict) {
            Some(Verdict::Pass) => StepState::Pass,
            Some(Verdict::Fail) => StepState::Fail,
            Some(Verdict::Warn) => StepState::Warn,
            None => StepState::Incomplete,
        }
    }

    /// Milliseconds since run start when the step began.
    pub fn start_ms(&self) -> f64 {
        match &self.started {
            Some(s) => s.at_ms as f64,
            None => self.exchanges.first().map_or(0.0, |x| x.timing.start_ms as f64),
        }
    }

    /// Duration in ms: recorded, or (cut short) up to the end of its last exchange.
    pub fn duration_ms(&self) -> f64 {
        if let Some(f) = &self.finished {
            return clean(f.duration_ms);
        }
        let end = self.exchanges.iter().map(exchange_end).fold(0.0, f64::max);
        (end - self.start_ms()).max(0.0)
    }

    /// Why the step failed, in one line.
    pub fn reason(&self) -> Option<String> {
        match &self.finished {
            Some(f) => f.reason.clone(),
            None => Some("the run ended before this step finished".to_string()),
        }
    }
}

pub(crate) fn exchange_end(x: &Exchange) -> f64 {
    x.timing.start_ms as f64 + clean(x.timing.duration_ms)
}

/// A finite, non-negative number of milliseconds.
pub(crate) fn clean(ms: f64) -> f64 {
    if ms.is_finite() && ms > 0.0 { ms } else { 0.0 }
}

impl Run {
    /// Findings grouped by root cause (see `check::fix_summary`).
    pub fn fixes(&self) -> Vec<crate::check::Fix> {
        let checks: Vec<Check> = self.steps.iter().flat_map(|s| s.checks.iter().cloned()).collect();
        crate::check::fix_summary(&checks)
    }

    /// Read and assemble `run_dir/events.jsonl`.
    pub fn load(run_dir: &Path) -> Result<Run, ReportError> {
        let path = run_dir.join("events.jsonl");
        let bytes = std::fs::read(&path).map_err(|source| ReportError::Read { path: path.clone(), source })?;
        Ok(Run::from_bytes(run_dir, &bytes))
    }

    /// Assemble a run from the raw bytes of an events.jsonl.
    pub fn from_bytes(run_dir: &Path, bytes: &[u8]) -> Run {
        // Defence in depth: events are redacted when recorded; re-mask the
        // credential headers anyway in case a file was written by other means.
        let redactor = Redactor::new();
        let mut run = Run { dir: run_dir.to_path_buf(), ..Run::default() };
        let mut steps: BTreeMap<usize, StepRun> = BTreeMap::new();
        for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            run.lines = i + 1;
            let mut event = match serde_json::from_slice::<Event>(line) {
                Ok(e) => e,
                Err(e) => {
                    run.bad_lines.push((i + 1, e.to_string()));
                    continue;
                }
            };
            if let Some(step) = step_of(&event).filter(|s| *s > MAX_STEPS) {
                run.bad_lines.push((i + 1, format!("step index {step} is out of range")));
                continue;
            }
            redactor.event(&mut event);
            match event {
                Event::RunStarted(h) => run.header = Some(h),
                Event::StepStarted(s) => {
                    let index = s.step;
                    entry(&mut steps, index).started = Some(s);
                }
                Event::Exchange(x) => entry(&mut steps, x.step).exchanges.push(x),
                Event::Check(c) => entry(&mut steps, c.step).checks.push(c),
                Event::StepFinished(f) => {
                    let index = f.step;
                    entry(&mut steps, index).finished = Some(f);
                }
                Event::RunFinished(f) => run.finished = Some(f),
            }
        }
        run.steps = steps.into_values().collect();
        run
    }

    pub fn scenario(&self) -> String {
        self.header.as_ref().map_or_else(|| "(unknown scenario)".to_string(), |h| h.scenario.clone())
    }

    pub fn file(&self) -> String {
        self.header.as_ref().map_or_else(String::new, |h| h.file.clone())
    }

    pub fn run_id(&self) -> String {
        match &self.header {
            Some(h) => h.run_id.clone(),
            None => self.dir.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        }
    }

    /// The target base URL, without any `user:password@`.
    pub fn target(&self) -> String {
        self.header.as_ref().map_or_else(String::new, |h| strip_userinfo(&h.target))
    }

    pub fn incomplete(&self) -> bool {
        self.finished.is_none()
    }

    /// Steps in the scenario (from the header), at least the ones seen.
    pub fn total_steps(&self) -> usize {
        let declared = self.header.as_ref().map_or(0, |h| h.steps.min(MAX_STEPS));
        declared.max(self.steps.len())
    }

    /// Steps that never started (the run stopped early or was cut short).
    pub fn skipped(&self) -> usize {
        self.total_steps().saturating_sub(self.steps.len())
    }

    pub fn count(&self, state: StepState) -> usize {
        self.steps.iter().filter(|s| s.state() == state).count()
    }

    pub fn exchange_count(&self) -> u64 {
        self.steps.iter().map(|s| s.exchanges.len() as u64).sum()
    }

    pub fn exchanges(&self) -> impl Iterator<Item = &Exchange> {
        self.steps.iter().flat_map(|s| s.exchanges.iter())
    }

    /// Run duration in ms: recorded, or (cut short) up to the last thing seen.
    pub fn duration_ms(&self) -> f64 {
        if let Some(f) = &self.finished {
            return clean(f.duration_ms);
        }
        self.steps.iter().map(|s| s.start_ms() + s.duration_ms()).fold(0.0, f64::max)
    }

    pub fn status(&self) -> RunStatus {
        match &self.finished {
            None => RunStatus::Incomplete,
            Some(f) if f.exit_code == crate::engine::exit::UNREACHABLE => RunStatus::Unreachable,
            Some(f) if f.exit_code == crate::engine::exit::PASS => RunStatus::Pass,
            Some(_) => RunStatus::Fail,
        }
    }

    /// The process exit code of this run: recorded, or 3 (internal error) when
    /// the run never finished.
    pub fn exit_code(&self) -> i32 {
        match &self.finished {
            Some(f) => f.exit_code,
            None => crate::engine::exit::UNREACHABLE,
        }
    }

    pub fn stop_reason(&self) -> Option<String> {
        self.finished.as_ref().and_then(|f| f.stop_reason.clone())
    }

    /// Human notes about the record itself (cut short, unreadable lines).
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.header.is_none() {
            notes.push("events.jsonl has no run_started event: scenario details are unknown.".to_string());
        }
        if self.incomplete() {
            notes.push(
                "Incomplete: events.jsonl ends without run_finished (jcsim stopped before the end of the run)."
                    .to_string(),
            );
        }
        for (line, err) in self.bad_lines.iter().take(5) {
            let what = if *line == self.lines { "torn last line skipped" } else { "unreadable line skipped" };
            notes.push(format!("events.jsonl line {line}: {what} ({err})."));
        }
        if self.bad_lines.len() > 5 {
            notes.push(format!("{} more unreadable lines skipped.", self.bad_lines.len() - 5));
        }
        notes
    }
}

/// More steps than any scenario has: beyond this an index is corrupt.
const MAX_STEPS: usize = 100_000;

fn step_of(e: &Event) -> Option<usize> {
    match e {
        Event::StepStarted(s) => Some(s.step),
        Event::Exchange(x) => Some(x.step),
        Event::Check(c) => Some(c.step),
        Event::StepFinished(f) => Some(f.step),
        Event::RunStarted(_) | Event::RunFinished(_) => None,
    }
}

fn entry(steps: &mut BTreeMap<usize, StepRun>, index: usize) -> &mut StepRun {
    steps.entry(index).or_insert_with(|| StepRun { index, ..StepRun::default() })
}

/// `https://user:pw@host/x` → `https://host/x`.
pub(crate) fn strip_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..auth_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}
