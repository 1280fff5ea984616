//! A run's record from its header to its footer: the one place that mints run
//! ids, creates a run directory with its recorder, and writes `run_started`
//! and `run_finished`. `jcsim run`, `jcsim compat`, `jcsim proxy` and the
//! console's session all open their record here.

use super::EngineError;
use crate::record::{Event, Exit, Recorder, Redactor, RunFinished, RunStarted, Verdict};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// What a run's header says beyond what [`Run`] fills in (its id, start time
/// and jcsim's version).
pub(crate) struct RunHeader {
    /// The scenario's name (`JumpCloud admin console`, `proxy capture`).
    pub scenario: String,
    /// The scenario file as given (`console`, `compat`; empty for a capture).
    pub file: String,
    /// The SP's base URL, never with credentials.
    pub target: String,
    /// `embedded`, `external` or `capture`.
    pub target_kind: String,
    pub seed: u64,
    /// The effective behaviour knobs, `name=value`.
    pub behaviour: Vec<(String, String)>,
    /// Steps planned (0 when they arrive one at a time).
    pub steps: usize,
    pub namespace: Option<String>,
    pub insecure: bool,
}

/// How a run ended, as counted by the front end that drove it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunEnd {
    pub passed: usize,
    pub failed: usize,
    /// Steps not run, or never reached.
    pub skipped: usize,
    /// Why it stopped before its last step (fail-fast, an unreachable
    /// target, an interrupt).
    pub stop_reason: Option<String>,
    pub interrupted: bool,
    pub exit: Exit,
}

/// One run: its id, its directory and when it started.
#[derive(Debug)]
pub(crate) struct Run {
    id: String,
    dir: PathBuf,
    started: Instant,
}

impl Run {
    /// A new run below `out_dir`, named from `stem` ([`run_id_for`]), with
    /// its recorder.
    pub(crate) fn open(out_dir: &Path, stem: &str, redactor: Redactor) -> Result<(Run, Recorder), EngineError> {
        let id = run_id_for(stem);
        Run::open_at(out_dir.join(&id), id, redactor)
    }

    /// A run whose id and directory were chosen already (`jcsim proxy`
    /// prints them before it listens).
    pub(crate) fn open_at(dir: PathBuf, id: String, redactor: Redactor) -> Result<(Run, Recorder), EngineError> {
        let recorder = Recorder::create(&dir, redactor).map_err(|e| record_error(&dir, e))?;
        Ok((Run { id, dir, started: Instant::now() }, recorder))
    }

    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Write `run_started`.
    pub(crate) fn start(&self, recorder: &Recorder, h: RunHeader) -> Result<(), EngineError> {
        let header = Event::RunStarted(RunStarted {
            run_id: self.id.clone(),
            scenario: h.scenario,
            file: h.file,
            target: h.target,
            target_kind: h.target_kind,
            seed: h.seed,
            started_at: humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
            jcsim_version: env!("CARGO_PKG_VERSION").to_string(),
            behaviour: h.behaviour,
            steps: h.steps,
            namespace: h.namespace,
            insecure: h.insecure,
        });
        recorder.record(header).map_err(|e| record_error(&self.dir, e))
    }

    /// Write `run_finished`: the verdict follows the exit code; the exchange
    /// count and duration are the recorder's and this run's.
    pub(crate) fn finish(&self, recorder: &Recorder, end: RunEnd) -> Result<(), EngineError> {
        let footer = Event::RunFinished(RunFinished {
            verdict: if end.exit == Exit::Pass { Verdict::Pass } else { Verdict::Fail },
            steps_passed: end.passed,
            steps_failed: end.failed,
            steps_skipped: end.skipped,
            exchanges: recorder.exchanges(),
            duration_ms: super::ms(self.started.elapsed()),
            stopped_early: end.stop_reason.is_some(),
            stop_reason: end.stop_reason,
            exit_code: end.exit,
            interrupted: end.interrupted,
        });
        recorder.record(footer).map_err(|e| record_error(&self.dir, e))
    }
}

fn record_error(dir: &Path, source: std::io::Error) -> EngineError {
    EngineError::Record { dir: dir.display().to_string(), source }
}

/// A run id (and run directory name): `<UTC timestamp>-<slug of stem>-<4
/// hex>`, sortable, readable, and with a few random bits so two runs in the
/// same second do not collide.
pub(crate) fn run_id_for(stem: &str) -> String {
    use rand::RngExt;
    let now = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let stamp: String = now.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let slug: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let unique: u16 = rand::rng().random();
    format!("{stamp}-{slug}-{unique:04x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::read_events;

    #[test]
    fn a_run_opens_starts_and_finishes_its_record() {
        let out = tempfile::tempdir().unwrap();
        let (run, rec) = Run::open(out.path(), "My Scenario", Redactor::new()).unwrap();
        assert!(run.id().contains("-my-scenario-"), "{}", run.id());
        assert_eq!(run.dir(), out.path().join(run.id()));
        let header = RunHeader {
            scenario: "s".into(),
            file: "f.yaml".into(),
            target: "http://sp".into(),
            target_kind: "external".into(),
            seed: 3,
            behaviour: Vec::new(),
            steps: 2,
            namespace: None,
            insecure: false,
        };
        run.start(&rec, header).unwrap();
        let end =
            RunEnd { passed: 1, failed: 1, stop_reason: Some("why".into()), exit: Exit::Fail, ..RunEnd::default() };
        run.finish(&rec, end).unwrap();
        let events = read_events(&run.dir().join("events.jsonl")).unwrap().events;
        match (&events[0], &events[1]) {
            (Event::RunStarted(s), Event::RunFinished(f)) => {
                assert_eq!((s.run_id.as_str(), s.seed, s.steps), (run.id(), 3, 2));
                assert_eq!((f.verdict, f.steps_failed, f.stopped_early), (Verdict::Fail, 1, true));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn two_ids_in_the_same_second_differ() {
        let ids: std::collections::HashSet<String> = (0..50).map(|_| run_id_for("x")).collect();
        assert!(ids.len() > 45, "{ids:?}");
    }
}
