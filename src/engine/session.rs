//! A provisioning session: one directory, one provisioning state, one client
//! and one recorder. `jcsim run` drives it step by step from a scenario; the
//! console drives it one admin action at a time.

use super::EngineError;
use super::steps::{Policy, run_step};
use super::summary::StepSummary;
use super::transport::{Cancel, Ledger, Pacer, Recording, StepLog};
use crate::check::InspectOptions;
use crate::client::Client;
use crate::directory::Directory;
use crate::lock::Recover;
use crate::provision::Provisioner;
use crate::record::{Event, Recorder, StepFinished, StepStarted, Verdict};
use crate::scenario::Step;
use std::time::Instant;

pub(crate) struct Session {
    pub(super) dir: Directory,
    pub(super) prov: Provisioner,
    client: Client,
    recorder: Recorder,
    started: Instant,
    next_step: usize,
    /// Some exchange of this session got an HTTP response.
    pub(super) any_response: bool,
    /// Strictness, waivers and read-back after each step.
    pub(super) policy: Policy,
    pacer: Pacer,
    /// Shared with the signal handler.
    pub(super) cancel: Cancel,
    /// SCIM root of JumpCloud's own API as identity sources see it (recorded
    /// in `inbound` exchanges); `jcsim serve` sets its own URL.
    pub(super) inbound_base: String,
    /// What this session created at the SP and has not deleted.
    ledger: std::sync::Mutex<Ledger>,
    /// Keep the ledger: a cleanup phase will run (an external target without `--keep`).
    pub(super) track_created: bool,
    /// The run tag on every name this session creates (external targets).
    pub(super) namespace: Option<crate::names::Tag>,
    /// Tagged names this session created (see [`Recording::created_names`]).
    created_names: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Retry a refused unconfirmed request form in the knob's other forms
    /// (`compat-risk`); `jcsim compat` turns it off.
    pub(super) probe_forms: bool,
    /// The embedded SP this session runs against, if it does (`rotate_token` issues a token there).
    pub(super) embedded_sp: Option<crate::sp::SpState>,
}

impl Session {
    pub(crate) fn new(dir: Directory, prov: Provisioner, client: Client, recorder: Recorder) -> Session {
        Session {
            dir,
            prov,
            client,
            recorder,
            started: Instant::now(),
            next_step: 0,
            any_response: false,
            policy: Policy::default(),
            pacer: Pacer::new(0.0),
            cancel: Cancel::default(),
            inbound_base: crate::inbound::IN_PROCESS_BASE.to_string(),
            ledger: Default::default(),
            track_created: false,
            namespace: None,
            created_names: Default::default(),
            probe_forms: true,
            embedded_sp: None,
        }
    }

    /// The simulated directory.
    pub(crate) fn dir(&self) -> &Directory {
        &self.dir
    }

    /// JumpCloud's links to the SP's users and groups, and the knobs.
    pub(crate) fn prov(&self) -> &Provisioner {
        &self.prov
    }

    /// A cleanup phase will run (see [`Session::cleanup`]).
    pub(crate) fn tracks_created(&self) -> bool {
        self.track_created
    }

    /// Users and groups this session created at the SP and has not deleted
    /// (counted while a ledger is kept).
    pub(crate) fn created_counts(&self) -> (usize, usize) {
        let ledger = self.ledger.lock().recover();
        (ledger.users().len(), ledger.groups().len())
    }

    /// Forget what was created (the SP changed: those ids mean nothing at the new one).
    pub(crate) fn forget_created(&mut self) {
        *self.ledger.lock().recover() = Ledger::default();
    }

    /// Set by a signal handler to stop the session between requests.
    pub(crate) fn set_cancel(&mut self, cancel: Cancel) {
        self.cancel = cancel;
    }

    /// Keep a ledger of what is created, for a cleanup phase.
    pub(crate) fn set_track_created(&mut self, track: bool) {
        self.track_created = track;
    }

    /// Tag every name this session creates.
    pub(crate) fn set_namespace(&mut self, tag: Option<crate::names::Tag>) {
        self.namespace = tag;
    }

    /// Retry a refused unconfirmed request form in the knob's other forms.
    pub(crate) fn set_probe_forms(&mut self, on: bool) {
        self.probe_forms = on;
    }

    /// JumpCloud's inbound SCIM root as the caller reached it.
    pub(crate) fn set_inbound_base(&mut self, base: String) {
        self.inbound_base = base;
    }

    /// Start over with another directory and provisioning state (a new
    /// probe of `jcsim compat`, a console reset or load).
    pub(crate) fn replace_org(&mut self, dir: Directory, prov: Provisioner) {
        self.dir = dir;
        self.prov = prov;
    }

    /// Forget JumpCloud's links to the SP (and take these knobs).
    pub(crate) fn set_provisioner(&mut self, prov: Provisioner) {
        self.prov = prov;
    }

    /// Send with other knobs from now on (links kept).
    pub(crate) fn set_behaviour(&mut self, behaviour: crate::provision::Behaviour) {
        self.prov.behaviour = behaviour;
    }

    /// Send at most `pace` requests per second from now on (0: unpaced).
    pub(crate) fn set_pace(&mut self, pace: f64) {
        self.pacer = Pacer::new(pace);
    }

    /// Use another client from now on (the console's target changed).
    pub(crate) fn set_client(&mut self, client: Client) {
        self.client = client;
    }

    pub(crate) fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// Record a step that is not run, and why: started and finished at once,
    /// verdict `skip`, no exchanges.
    pub(crate) fn skip(&mut self, step: &Step, reason: &str) -> Result<StepSummary, EngineError> {
        let index = self.next_step;
        self.next_step += 1;
        let title = super::steps::step_title(step, &self.recorder.redactor());
        let reason = self.recorder.redactor().text(reason);
        self.record(Event::StepStarted(StepStarted {
            step: index,
            action: step.action.name().to_string(),
            title: title.clone(),
            line: step.line,
            col: step.col,
            at_ms: self.started.elapsed().as_millis() as u64,
            phase: None,
        }))?;
        self.record(Event::StepFinished(StepFinished {
            step: index,
            verdict: Verdict::Skip,
            duration_ms: 0.0,
            reason: Some(reason.clone()),
        }))?;
        Ok(StepSummary {
            index,
            title,
            verdict: Verdict::Skip,
            reason: Some(reason),
            checks: Vec::new(),
            exchanges: 0,
            action_failed: false,
        })
    }

    /// The cleanup phase: delete, groups first, every user and group this
    /// session created at the SP. Recorded like a step (phase `cleanup`) and
    /// never judged: a failed delete is a note. Runs even after Ctrl-C (the
    /// cancel flag is not consulted); a second Ctrl-C exits at once.
    /// `None` when the session created nothing.
    pub(crate) async fn cleanup(&mut self) -> Result<Option<StepSummary>, EngineError> {
        let ledger = std::mem::take(&mut *self.ledger.lock().recover());
        if ledger.is_empty() {
            return Ok(None);
        }
        let index = self.next_step;
        self.next_step += 1;
        let not_cancelled = Cancel::default();
        let unpaced = Pacer::new(0.0);
        let ctx = Recording {
            client: &self.client,
            embedded_sp: self.embedded_sp.as_ref(),
            recorder: &self.recorder,
            run_start: self.started,
            step: index,
            line: 0,
            inspect: InspectOptions { slow_ms: self.prov.behaviour.slow_response_ms as f64 },
            pacer: &unpaced,
            cancel: &not_cancelled,
            log: Default::default(),
            inbound_base: &self.inbound_base,
            track_touched: false,
            ledger: None,
            expected_refusal: None,
            created_names: None,
            probe_forms: false,
        };
        super::steps::cleanup_step(index, &ledger, &ctx, self.started).await.map(Some)
    }

    /// Record an event that is not part of a step.
    pub(crate) fn record(&self, event: Event) -> Result<Event, EngineError> {
        self.recorder.record_redacted(event).map_err(|e| EngineError::Record { dir: self.dir_name(), source: e })
    }

    fn dir_name(&self) -> String {
        self.recorder.path().map(|p| p.display().to_string()).unwrap_or_default()
    }

    /// Run one step: apply it, send what JumpCloud sends, judge and record it.
    pub(crate) async fn step(&mut self, step: &Step) -> Result<(StepSummary, StepLog), EngineError> {
        let index = self.next_step;
        self.next_step += 1;
        let ctx = Recording {
            client: &self.client,
            embedded_sp: self.embedded_sp.as_ref(),
            recorder: &self.recorder,
            run_start: self.started,
            step: index,
            line: step.line,
            inspect: InspectOptions { slow_ms: self.prov.behaviour.slow_response_ms as f64 },
            pacer: &self.pacer,
            cancel: &self.cancel,
            log: Default::default(),
            inbound_base: &self.inbound_base,
            track_touched: self.policy.verify_each,
            ledger: self.track_created.then_some(&self.ledger),
            expected_refusal: step.expect.as_ref().and_then(|e| e.status).filter(|s| *s >= 400),
            created_names: self.namespace.is_some().then_some(&self.created_names),
            probe_forms: self.probe_forms,
        };
        let summary = run_step(index, step, &mut self.dir, &mut self.prov, &ctx, self.started, &self.policy).await?;
        let log = ctx.log();
        self.any_response |= log.any_response;
        if let Some(e) = &log.record_error {
            return Err(EngineError::Record { dir: self.dir_name(), source: std::io::Error::other(e.clone()) });
        }
        Ok((summary, log))
    }
}
