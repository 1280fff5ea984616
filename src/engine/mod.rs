//! Runs a scenario: builds the directory, resolves the target, executes each
//! step through the provisioning model, records everything and evaluates
//! expectations. Shared by `jcsim run` and (one action at a time) the console.

mod inbound;
pub(crate) mod org;
mod plan;
pub(crate) mod preflight;
mod run;
mod session;
mod steps;
mod summary;
pub(crate) mod sweep;
mod target;
mod transport;

pub(crate) use org::Org;
pub(crate) use plan::{PlannedRequest, preview};
pub(crate) use run::{Run, RunEnd, RunHeader, run_id_for};
pub(crate) use session::Session;
pub(crate) use steps::Policy;
pub(crate) use summary::StepSummary;
use summary::Tally;
pub use target::TargetOverride;
pub(crate) use target::{
    ResolvedTarget, credentials as scenario_credentials, embedded_token, resolve as resolve_target,
};
pub(crate) use transport::Cancel;
pub(crate) use transport::StepLog;

use crate::client::{Client, ClientConfig};
use crate::directory::Directory;
use crate::provision::{Behaviour, Provisioner};
use crate::record::{Event, Redactor, Verdict};
use crate::rules::CheckId;
use crate::scenario::{Action, Scenario, Step};
use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;

/// Options of one run, from the command line.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Parent directory of run directories.
    pub out_dir: PathBuf,
    pub target: Option<TargetOverride>,
    pub seed: Option<u64>,
    pub fail_fast: bool,
    /// Warnings fail the run.
    pub strict: bool,
    /// Read back what every step touched.
    pub verify_each: bool,
    /// Set by a signal handler to stop the run cleanly.
    pub cancel: Cancel,
    /// How names are tagged at an external SP (the embedded SP starts empty
    /// for every run and never needs it).
    pub namespace: Namespace,
    /// Delete what the run created at an external SP when it ends.
    pub cleanup: bool,
    /// After a failed Test Connection or activation, go on as if it had
    /// succeeded; each step beyond it carries a `beyond-failed-setup` note.
    pub keep_going: bool,
}

/// `--namespace`: the tag carried by every name a run creates at an external SP.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Namespace {
    /// Names as written (the library default; golden tests rely on it).
    #[default]
    None,
    /// A fresh random tag per scenario run (`jcsim run`'s default for external targets).
    Auto,
    /// This tag for every scenario.
    Fixed(crate::scenario::namespace::Tag),
}

impl Namespace {
    /// `auto`, `none` or a tag.
    pub(crate) fn parse(s: &str) -> Result<Namespace, String> {
        match s {
            "auto" => Ok(Namespace::Auto),
            "none" => Ok(Namespace::None),
            tag => crate::scenario::namespace::Tag::parse(tag).map(Namespace::Fixed),
        }
    }

    pub(crate) fn tag(&self) -> Option<crate::scenario::namespace::Tag> {
        match self {
            Namespace::None => None,
            Namespace::Auto => Some(crate::scenario::namespace::Tag::random()),
            Namespace::Fixed(t) => Some(t.clone()),
        }
    }
}

/// Errors that prevent a run from producing results.
#[derive(Debug, Error)]
pub enum EngineError {
    #[error("cannot write the run record in {dir}: {source}")]
    Record { dir: String, source: std::io::Error },
    #[error("cannot start the embedded SP: {0}")]
    EmbeddedSp(String),
    #[error("{0}")]
    Setup(String),
    #[error("cannot write the run's reports: {0}")]
    Report(String),
}

/// Run one scenario to completion and write its record (`events.jsonl`);
/// returns the run directory. `report::write_outputs` renders it.
pub async fn run_scenario(scenario: &Scenario, opts: &RunOptions) -> Result<PathBuf, EngineError> {
    let seed = opts.seed.or(scenario.seed).unwrap_or(1);
    let target = target::resolve(scenario, opts.target.as_ref(), seed).await?;
    let external = target.kind == "external";
    // Isolation: tag every created name, so runs never meet each other's leftovers.
    let tagged;
    let scenario = match opts.namespace.tag().filter(|_| external) {
        Some(tag) => {
            tagged = crate::scenario::namespace::apply(scenario, &tag);
            &tagged
        }
        None => scenario,
    };
    let mut redactor = Redactor::new().target_query(&target.base_url);
    if let Some(c) = &target.credentials {
        redactor = redactor.header(c.header_name()).secret(c.secret());
    }
    let (run, recorder) = Run::open(&opts.out_dir, &run_stem(scenario), redactor)?;
    let behaviour = scenario.behaviour.clone();
    let client = Client::new(client_config(&behaviour, &target)).map_err(|e| EngineError::Setup(e.to_string()))?;
    let dir = Directory::from_scenario(scenario, seed).map_err(|e| EngineError::Setup(e.to_string()))?;
    let prov = Provisioner::new(behaviour.clone(), seed);
    let mut session = Session::new(dir, prov, client, recorder);
    session.embedded_sp = target.embedded_state();
    session.set_pace(behaviour.pace);
    session.cancel = opts.cancel.clone();
    session.track_created = external && opts.cleanup;
    session.namespace = scenario.namespace.clone();
    session.policy = Policy {
        strict: opts.strict,
        // Validated against the catalogue when the scenario was loaded.
        waivers: scenario.waive.iter().filter_map(|w| Some((CheckId::parse(&w.rule)?, w.reason.clone()))).collect(),
        verify_each: opts.verify_each,
    };

    run.start(
        session.recorder(),
        RunHeader {
            scenario: scenario.name.clone(),
            file: scenario.source.file.clone(),
            target: target.base_url.clone(),
            target_kind: target.kind.to_string(),
            seed,
            behaviour: behaviour.describe(),
            steps: scenario.steps.len(),
            namespace: scenario.namespace.as_ref().map(|t| t.as_str().to_string()),
            insecure: target.tls.insecure,
        },
    )?;

    let mut tally = Tally { total_steps: scenario.steps.len(), ..Tally::default() };
    let stop_reason = run_steps(scenario, &mut session, opts, &target.base_url, external, &mut tally).await?;
    if session.track_created {
        session.cleanup().await?;
    }
    let end = RunEnd {
        passed: tally.count(Verdict::Pass),
        failed: tally.count(Verdict::Fail),
        skipped: tally.skipped(),
        stop_reason,
        interrupted: tally.interrupted,
        exit: tally.exit_code(),
    };
    run.finish(session.recorder(), end)?;
    drop(session);
    target.shutdown().await;
    Ok(run.dir().to_path_buf())
}

/// Run every step. A step whose premise an earlier failure removed is
/// recorded as skipped, with the reason, never as passed:
/// - after a failed `test_connection`, until the next `test_connection`; after
///   a failed `activate`, until the next `test_connection` or `activate`: the
///   integration is not active and JumpCloud sends nothing;
/// - after the target proved unreachable, after `--fail-fast` stopped the
///   run, or after an interrupt, every remaining step (returns why it stopped).
///
/// Long on purpose: the skip cascade above is one state machine over the
/// steps; split, its state would travel through every part.
async fn run_steps(
    scenario: &Scenario,
    session: &mut Session,
    opts: &RunOptions,
    base_url: &str,
    external: bool,
    summary: &mut Tally,
) -> Result<Option<String>, EngineError> {
    const INTERRUPTED: &str = "interrupted (SIGINT/SIGTERM): in-flight requests finished, nothing more was sent";
    let mut stop_reason: Option<String> = None;
    // Set after a failed setup step: whether it was Activate, and the skip reason.
    let mut inactive: Option<(bool, String)> = None;
    for step in &scenario.steps {
        if stop_reason.is_none() && opts.cancel.is_cancelled() {
            stop_reason = Some(INTERRUPTED.to_string());
            summary.interrupted = true;
        }
        if let Some(reason) = &stop_reason {
            summary.steps.push(session.skip(step, &format!("not run: {reason}"))?);
            continue;
        }
        // The admin retries with Test Connection (after either failure) or
        // Activate (after a failed activation).
        let retries_setup = match step.action {
            Action::TestConnection => true,
            Action::Activate { .. } => inactive.as_ref().is_none_or(|(after_activate, _)| *after_activate),
            _ => false,
        };
        let beyond = match (&inactive, retries_setup) {
            (Some((after_activate, _)), false) if opts.keep_going => Some(format!(
                "beyond a failed {}: JumpCloud would not send this (--keep-going)",
                if *after_activate { "activation" } else { "Test Connection" }
            )),
            (Some((_, reason)), false) => {
                summary.steps.push(session.skip(step, reason)?);
                continue;
            }
            _ => None,
        };
        // Against another SP, an expectation that relies on an embedded-SP
        // quirk is skipped (named in an info check); the step still runs.
        let emulated = external.then(|| step.expect.as_ref().and_then(|e| e.needs_quirk.clone())).flatten();
        let stripped;
        let step = match &emulated {
            Some(_) => {
                stripped = Step { expect: None, ..step.clone() };
                &stripped
            }
            None => step,
        };
        let (mut result, log) = session.step(step).await?;
        let note = |id: CheckId, message: String| crate::record::Check {
            verdict: Verdict::Info,
            ..steps::simple(result.index, id, true, message)
        };
        let mut notes = Vec::new();
        if let Some(quirk) = emulated {
            notes.push(note(
                CheckId::ExpectationSkipped,
                format!(
                    "expectation not checked: it needs the embedded SP's `{quirk}` quirk{}, and this run targets another SP",
                    scenario.emulates().map(|v| format!(" (emulating {v})")).unwrap_or_default()
                ),
            ));
        }
        if let Some(why) = beyond {
            notes.push(note(CheckId::BeyondFailedSetup, why));
        }
        for check in notes {
            if let Event::Check(c) = session.record(Event::Check(check))? {
                result.checks.push(c);
            }
        }
        let (failed, number, title) = (result.verdict == Verdict::Fail, result.index + 1, result.title.clone());
        let action_failed = result.action_failed;
        summary.steps.push(result);
        if opts.cancel.is_cancelled() {
            stop_reason = Some(INTERRUPTED.to_string());
            summary.interrupted = true;
        } else if failed && log.connect_failed && !session.any_response {
            stop_reason = Some(format!("the target {base_url} could not be reached"));
            summary.unreachable = true;
        } else if failed && opts.fail_fast {
            stop_reason = Some("--fail-fast: stopped after the first failed step".to_string());
        } else if retries_setup {
            let after_activate = matches!(step.action, Action::Activate { .. });
            // An activation whose test cycle passed leaves the integration
            // active even when syncing a bound user failed after it.
            let action_failed = action_failed && !(after_activate && session.dir.app.active);
            inactive = action_failed.then(|| {
                let reason = format!("step {number} `{title}` failed, so {}", crate::record::INACTIVE_SKIP);
                (after_activate, reason)
            });
            if action_failed && opts.keep_going && after_activate {
                // As if the activation had succeeded: later steps sync.
                session.dir.app.active = true;
            }
        }
    }
    Ok(stop_reason)
}

/// Client settings for a target under a behaviour.
pub(crate) fn client_config(b: &Behaviour, target: &ResolvedTarget) -> ClientConfig {
    ClientConfig { tls: target.tls.clone(), ..client_config_for(b, &target.base_url, target.credentials.clone()) }
}

/// Client settings for a base URL and credentials under a behaviour (the
/// console builds its client from Identity Management settings).
pub(crate) fn client_config_for(
    b: &Behaviour,
    base_url: &str,
    credentials: Option<crate::client::Credentials>,
) -> ClientConfig {
    ClientConfig {
        base_url: base_url.to_string(),
        credentials,
        content_type: b.content_type.clone(),
        user_agent: b.user_agent.clone(),
        timeout: Duration::from_millis(b.timeout_ms),
        max_retries: b.max_retries,
        backoff: Duration::from_millis(b.retry_backoff_ms),
        max_retry_after: Duration::from_secs(b.max_retry_after_s),
        tls: crate::client::Tls::default(),
    }
}

/// The stem a scenario's run ids are named from: its file's, else its name.
pub(crate) fn run_stem(s: &Scenario) -> String {
    std::path::Path::new(&s.source.file).file_stem().and_then(|s| s.to_str()).unwrap_or(&s.name).to_string()
}

pub(crate) fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}
