//! The simulated JumpCloud organisation as the admin console and JumpCloud's
//! own SCIM API see it: one engine `Session` (directory, provisioning state,
//! client, recorder), the application's Identity Management settings, the
//! action history (for export), the pass/fail counters and the state file.
//!
//! [`Org`] holds the state and has a method per admin action and setting;
//! [`SharedOrg`] is the handle the HTTP front ends share (one async lock, the
//! embedded SP, the run record and the org's admin API key). Neither front end
//! reaches into the session: they call these methods.

mod export;
mod journal;

use export::history_step;

use super::{EngineError, PlannedRequest, Run, RunEnd, RunHeader, Session, StepLog, StepSummary};
use crate::client::{Client, Credentials};
use crate::directory::{Directory, ScimDefaultState};
use crate::lock::Recover;
use crate::provision::{Behaviour, Provisioner};
use crate::record::{Recorder, Redactor, Verdict};
use crate::rules::CheckId;
use crate::scenario::{Action, AppSpec, Scenario, Step};
use crate::sp::{SpConfig, SpState};
use journal::{Snapshot, Store};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;

/// Errors of the org's state: its file, the engine, a render.
#[derive(Debug, Error)]
pub enum OrgError {
    #[error("state file {path}: {message}")]
    State { path: String, message: String },
    #[error("{0}")]
    Engine(#[from] EngineError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("cannot build {what}: {message}")]
    Failed { what: &'static str, message: String },
}

/// How the org is set up (by `jcsim serve` or `jcsim jumpcloud-api`).
#[derive(Debug, Clone, Default)]
pub struct OrgConfig {
    /// Where directory, settings and id map persist (absent: memory only).
    pub state_file: Option<PathBuf>,
    /// Parent of run directories; the org's session is one of them.
    pub runs_dir: PathBuf,
    /// The embedded SP's SCIM root, the Base URL of a fresh app.
    pub sp_url: String,
    /// JumpCloud's own SCIM root (recorded in `inbound` exchanges).
    pub inbound_url: String,
    /// Token of the embedded SP; generated when absent.
    pub sp_token: Option<String>,
    /// Initial Identity Management Token Key (`JCSIM_SCIM_TOKEN`).
    pub scim_token: Option<String>,
    /// Seed of a fresh state (ids and fake data).
    pub seed: u64,
    /// The org's admin API key for the inbound SCIM API; generated when
    /// absent. Never written to the state file.
    pub api_key: Option<String>,
    /// Other secrets never to be recorded (the console's admin token).
    pub secrets: Vec<String>,
    /// Quirks of the embedded SP.
    pub(crate) sp_quirks: Vec<crate::sp::Quirk>,
}

/// "Bearer Token" or "SCIM API Key" (with a header name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthType {
    #[default]
    Bearer,
    ApiKey,
}

/// What a reset clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResetScope {
    /// Users and groups (and the embedded SP's data).
    Org,
    /// The application and its Identity Management settings and links.
    App,
    All,
}

/// The app's settings kept beside the directory's `App`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImSettings {
    /// A custom SAML application exists.
    pub app_created: bool,
    pub base_url: String,
    pub auth_type: AuthType,
    /// Header of an "SCIM API Key".
    pub header_name: String,
    /// SSO tab (placeholders; nothing is sent).
    pub idp_entity_id: String,
    pub sp_entity_id: String,
    pub acs_url: String,
    /// The Test User Email of the last activation attempt.
    pub last_activation_email: Option<String>,
    /// Settings changed after the first action (export notes it).
    pub changed_after_actions: bool,
}

impl ImSettings {
    /// A fresh app pointing at `sp_url` (the embedded SP).
    pub(crate) fn new(sp_url: &str) -> Self {
        ImSettings {
            app_created: false,
            base_url: sp_url.to_string(),
            auth_type: AuthType::Bearer,
            header_name: "X-API-Key".into(),
            idp_entity_id: "JumpCloud".into(),
            sp_entity_id: "https://sp.example.com/saml/metadata".into(),
            acs_url: "https://sp.example.com/saml/acs".into(),
            last_activation_email: None,
            changed_after_actions: false,
        }
    }
}

/// Where the current token came from (shown, never the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    None,
    EmbeddedSp,
    Environment,
    Entered,
}

impl TokenSource {
    pub fn describe(self) -> &'static str {
        match self {
            TokenSource::None => "not set",
            TokenSource::EmbeddedSp => "set: the embedded SP's token",
            TokenSource::Environment => "set: from JCSIM_SCIM_TOKEN",
            TokenSource::Entered => "set: entered in this session",
        }
    }
}

/// A change of the Identity Management connection (the form, validated).
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    pub base_url: String,
    pub auth_type: AuthType,
    pub header_name: String,
    /// Empty: keep the current token.
    pub token: String,
    pub test_user_email: String,
    pub group_management: bool,
    pub behaviour: Behaviour,
    /// User attributes the app does not send (`app.exclude_attributes`).
    pub exclude_attributes: Vec<String>,
}

/// What applying a [`Connection`] changed.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    pub connection_changed: bool,
    pub email: String,
    /// The SP changed: the id map was dropped (`forgot` links).
    pub target_changed: bool,
    pub forgot: usize,
}

/// What [`Org::load`] did.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub users: usize,
    pub groups: usize,
    /// The first setup action that failed, and its outcome (the steps are
    /// then not run).
    pub setup_failure: Option<(Action, StepSummary)>,
    /// The scenario's steps, run as `jcsim run` runs them (`None`: not run).
    pub steps: Option<Vec<StepSummary>>,
}

/// The org: everything an admin action touches.
pub(crate) struct Org {
    session: Session,
    settings: ImSettings,
    token: Option<String>,
    token_source: TokenSource,
    /// The actions as steps (failed ones with `expect: {outcome: fail}`), for export.
    history: Vec<Step>,
    seed: u64,
    passed: usize,
    failed: usize,
    /// The embedded SP (a reset of the organisation clears it).
    sp: SpState,
    sp_url: String,
    /// The state file, when there is one.
    store: Option<Store>,
}

impl Org {
    pub(crate) fn dir(&self) -> &Directory {
        self.session.dir()
    }

    /// JumpCloud's links to the SP's users and groups.
    pub(crate) fn links(&self) -> &Provisioner {
        self.session.prov()
    }

    pub(crate) fn behaviour(&self) -> &Behaviour {
        &self.session.prov().behaviour
    }

    pub(crate) fn settings(&self) -> &ImSettings {
        &self.settings
    }

    pub(crate) fn has_token(&self) -> bool {
        self.token.is_some()
    }

    pub(crate) fn token_source(&self) -> TokenSource {
        self.token_source
    }

    /// The actions so far, in scenario form.
    pub(crate) fn history(&self) -> &[Step] {
        &self.history
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    pub(crate) fn recorder(&self) -> &Recorder {
        self.session.recorder()
    }

    /// The requests `action` would send now.
    pub(crate) async fn preview(&self, action: &Action) -> Vec<PlannedRequest> {
        super::preview(&self.session, action).await
    }

    /// The plan of `action` with other app settings (the form not yet
    /// saved); with `other_sp`, from scratch, as for a new SP. Nothing changes.
    pub(crate) async fn preview_with(
        &mut self,
        group_management: bool,
        behaviour: Behaviour,
        other_sp: bool,
        action: &Action,
    ) -> Vec<PlannedRequest> {
        let saved_gm = std::mem::replace(&mut self.session.dir.app.group_management, group_management);
        let saved_b = std::mem::replace(&mut self.session.prov.behaviour, behaviour);
        let links = other_sp.then(|| {
            let p = &mut self.session.prov;
            (std::mem::take(&mut p.users), std::mem::take(&mut p.groups))
        });
        let plan = super::preview(&self.session, action).await;
        if let Some((users, groups)) = links {
            self.session.prov.users = users;
            self.session.prov.groups = groups;
        }
        self.session.dir.app.group_management = saved_gm;
        self.session.prov.behaviour = saved_b;
        plan
    }

    /// Run an admin action; remembered for export unless the directory
    /// refused it (then nothing was sent, and replaying it adds nothing).
    pub(crate) async fn step(&mut self, action: Action) -> Result<StepSummary, OrgError> {
        let step = Step { action, expect: None, line: 0, col: 0 };
        let (summary, _log, _) =
            self.run_step(step, |summary, _| !summary.checks.iter().any(|c| c.id == CheckId::Directory)).await?;
        self.save()?;
        Ok(summary)
    }

    /// One engine step for the console or the inbound API: counted, and
    /// remembered for export when `remember` says so. Returns whether it was.
    pub(crate) async fn run_step(
        &mut self,
        step: Step,
        remember: impl FnOnce(&StepSummary, &StepLog) -> bool,
    ) -> Result<(StepSummary, StepLog, bool), OrgError> {
        let (summary, log) = self.session.step(&step).await?;
        let failed = summary.verdict == Verdict::Fail;
        if failed {
            self.failed += 1;
        } else {
            self.passed += 1;
        }
        let remembered =
            remember(&summary, &log) && history_step(&step.action, failed).map(|s| self.history.push(s)).is_some();
        Ok((summary, log, remembered))
    }

    /// An inbound API request reached JumpCloud at `base` (for `meta.location`).
    pub(crate) fn set_inbound_base(&mut self, base: String) {
        self.session.set_inbound_base(base);
    }

    /// Create the one SSO application; `false` when it exists already.
    pub(crate) fn create_app(&mut self, name: String) -> bool {
        if self.settings.app_created {
            return false;
        }
        self.settings.app_created = true;
        self.session.dir.app.name = name;
        true
    }

    /// The SSO tab's placeholders.
    pub(crate) fn set_sso(&mut self, idp_entity_id: String, sp_entity_id: String, acs_url: String) {
        self.settings.idp_entity_id = idp_entity_id;
        self.settings.sp_entity_id = sp_entity_id;
        self.settings.acs_url = acs_url;
    }

    /// The state of users created through the inbound SCIM API.
    pub(crate) fn set_scim_default_state(&mut self, state: ScimDefaultState) {
        self.session.dir.settings.scim_default_state = state;
    }

    /// Apply validated Identity Management settings. The token is registered
    /// for redaction before the client can use it. Another SP (a new Base URL,
    /// or a new token: another tenant of it) drops JumpCloud's links: they
    /// mean nothing there.
    pub(crate) fn apply_connection(&mut self, c: Connection) -> Result<Applied, OrgError> {
        let s = &self.settings;
        let target_changed = s.app_created
            && !s.base_url.is_empty()
            && (c.base_url != s.base_url || (!c.token.is_empty() && self.token.as_deref() != Some(c.token.as_str())));
        let app = &self.session.dir().app;
        let connection_changed = c.base_url != s.base_url
            || c.auth_type != s.auth_type
            || (c.auth_type == AuthType::ApiKey && c.header_name != s.header_name)
            || !c.token.is_empty()
            || c.group_management != app.group_management;
        let anything = connection_changed
            || c.behaviour != *self.behaviour()
            || c.test_user_email != app.test_user_email
            || c.exclude_attributes != app.exclude_attributes;
        if anything && !self.history.is_empty() {
            self.settings.changed_after_actions = true;
        }
        self.settings.base_url = c.base_url;
        self.settings.auth_type = c.auth_type;
        if c.auth_type == AuthType::ApiKey {
            self.settings.header_name = c.header_name;
        }
        if !c.token.is_empty() {
            self.set_token(c.token, TokenSource::Entered);
        } else if let Some(t) = self.token.clone() {
            // Same token, maybe a new header: redact it there too.
            let source = self.token_source;
            self.set_token(t, source);
        }
        self.session.dir.app.group_management = c.group_management;
        self.session.dir.app.test_user_email = c.test_user_email.clone();
        self.session.dir.app.exclude_attributes = c.exclude_attributes;
        self.session.prov.behaviour = c.behaviour;
        self.rebuild_client()?;
        let forgot = if target_changed { self.forget_links() } else { 0 };
        Ok(Applied { connection_changed, email: c.test_user_email, forgot, target_changed })
    }

    /// Drop JumpCloud's links to the SP's users and groups: the next
    /// activation provisions every bound user and group from scratch, and no
    /// old SP id is ever sent to the new SP. Returns how many were dropped.
    fn forget_links(&mut self) -> usize {
        self.session.forget_created();
        let prov = &mut self.session.prov;
        let n = prov.users.len() + prov.groups.len();
        prov.users.clear();
        prov.groups.clear();
        prov.deleted_users.clear();
        prov.deleted_groups.clear();
        n
    }

    /// The app's SP as a target (Base URL and Token Key), for a readiness
    /// check of it; `None` without a token.
    pub(crate) fn target(&self) -> Option<super::TargetOverride> {
        let token = self.token.clone()?;
        let credentials = match self.settings.auth_type {
            AuthType::Bearer => Credentials::Bearer(token),
            AuthType::ApiKey => Credentials::Header { name: self.settings.header_name.clone(), value: token },
        };
        Some(super::TargetOverride {
            base_url: self.settings.base_url.clone(),
            credentials: Some(credentials),
            tls: Default::default(),
        })
    }

    /// The embedded SP's SCIM root.
    pub(crate) fn embedded_url(&self) -> &str {
        &self.sp_url
    }

    /// The embedded SP's current token, for a switch back to it (never shown).
    pub(crate) fn embedded_token(&self) -> Option<String> {
        self.sp.token()
    }

    fn use_embedded_token(&mut self) {
        match self.sp.token() {
            Some(t) => self.set_token(t, TokenSource::EmbeddedSp),
            None => {
                self.token = None;
                self.token_source = TokenSource::None;
            }
        }
    }

    /// A Test User Email for the next activation: `email` unless the last
    /// activation used it (JumpCloud wants a new one each time), else
    /// `local+N@domain` (the `+tag` form of a token rotation's re-activation)
    /// with the first N that no user and no earlier activation has. Nothing
    /// changes: a page can offer it.
    pub(crate) fn fresh_test_email(&self, email: &str) -> String {
        if self.settings.last_activation_email.as_deref() != Some(email) {
            return email.to_string();
        }
        let (local, domain) = email.rsplit_once('@').unwrap_or((email, "jumpcloud.com"));
        let local = local.split_once('+').map_or(local, |(l, _)| l);
        let taken = |e: &str| {
            self.settings.last_activation_email.as_deref() == Some(e)
                || self.dir().users.iter().any(|u| u.email.eq_ignore_ascii_case(e))
        };
        (2..10_000).map(|n| format!("{local}+{n}@{domain}")).find(|e| !taken(e)).unwrap_or_else(|| email.to_string())
    }

    /// The Test User Email the app sends next.
    pub(crate) fn set_test_user_email(&mut self, email: String) {
        self.session.dir.app.test_user_email = email;
    }

    /// Users and groups this session created at the current SP.
    pub(crate) fn created_counts(&self) -> (usize, usize) {
        self.session.created_counts()
    }

    /// "Remove what this session created at the SP": delete, groups first,
    /// every user and group the session created at the current SP (by the
    /// SP ids its creates answered; a user a lookup linked is never
    /// deleted), recorded as a cleanup phase. JumpCloud's links to the SP
    /// are dropped: the next sync provisions from scratch. `None` when the
    /// session created nothing.
    pub(crate) async fn remove_created(&mut self) -> Result<Option<StepSummary>, OrgError> {
        let done = self.session.cleanup().await?;
        if done.is_some() {
            self.forget_links();
            self.save()?;
        }
        Ok(done)
    }

    /// The integration is off until an activation passes (the SP changed).
    pub(crate) fn mark_inactive(&mut self) {
        self.session.dir.app.active = false;
    }

    /// The Test User Email of an activation about to be sent.
    pub(crate) fn note_activation_email(&mut self, email: String) {
        self.settings.last_activation_email = Some(email);
    }

    /// A loaded scenario's app and knobs (after a reset).
    pub(crate) fn adopt_app(&mut self, scenario: &Scenario) {
        self.session.prov.behaviour = scenario.behaviour.clone();
        self.settings.app_created = true;
        let app = &mut self.session.dir.app;
        app.name = scenario.app.name.clone();
        app.test_user_email = scenario.app.test_user_email.clone();
        app.group_management = scenario.app.group_management;
        app.exclude_attributes = scenario.app.exclude_attributes.clone();
    }

    /// Start over from a scenario: reset everything, take its app settings
    /// and knobs, then build its users, groups, memberships and bindings as
    /// ordinary steps (export replays them). With `run`, its steps follow
    /// with `jcsim run`'s skip cascade: after a failed Test Connection or
    /// activation, what JumpCloud would not send is recorded as skipped.
    /// The org keeps its own SP settings (the scenario's `target` is not used).
    pub(crate) async fn load(&mut self, scenario: &Scenario, run: bool) -> Result<Loaded, OrgError> {
        self.reset(ResetScope::All)?;
        self.adopt_app(scenario);
        // The org as a run builds it (generated blocks included), replayed as steps.
        let seed = scenario.seed.unwrap_or(self.seed);
        let org = Directory::from_scenario(scenario, seed)
            .map_err(|e| OrgError::Failed { what: "the scenario's directory", message: e.to_string() })?;
        let mut setup: Vec<Action> = org
            .groups
            .iter()
            .map(|g| Action::CreateGroup(crate::scenario::GroupSpec { name: g.name.clone(), members: Vec::new() }))
            .collect();
        setup.extend(org.users.iter().map(|u| Action::CreateUser(Box::new(crate::directory::attrs::spec_of(&u)))));
        for g in &org.groups {
            setup.extend(g.members.iter().filter_map(|id| org.user_by_id(id)).map(|u| {
                Action::AddToGroup(crate::scenario::Membership { user: u.username.to_string(), group: g.name.clone() })
            }));
        }
        setup.extend(scenario.app.users.iter().map(|u| Action::BindUser(u.clone())));
        setup.extend(scenario.app.groups.iter().map(|g| Action::BindGroup(g.clone())));
        let mut loaded = Loaded { users: org.users.iter().count(), groups: org.groups.len(), ..Loaded::default() };
        for action in setup {
            let summary = self.step(action.clone()).await?;
            if summary.verdict == Verdict::Fail && loaded.setup_failure.is_none() {
                loaded.setup_failure = Some((action, summary));
            }
        }
        if run && loaded.setup_failure.is_none() {
            loaded.steps = Some(self.run_steps(scenario).await?);
        }
        self.save()?;
        Ok(loaded)
    }

    /// A scenario's steps through the engine's step loop (the skip cascade
    /// of `jcsim run`), counted and remembered for export.
    async fn run_steps(&mut self, scenario: &Scenario) -> Result<Vec<StepSummary>, OrgError> {
        let base_url = self.settings.base_url.clone();
        let external = !base_url.starts_with(&self.sp_url);
        let mut tally = super::Tally { total_steps: scenario.steps.len(), ..super::Tally::default() };
        let opts = super::RunOptions::default();
        super::run_steps(scenario, &mut self.session, &opts, &base_url, external, &mut tally).await?;
        for (step, summary) in scenario.steps.iter().zip(&tally.steps) {
            match summary.verdict {
                Verdict::Skip => continue,
                Verdict::Fail => self.failed += 1,
                _ => self.passed += 1,
            }
            if let Some(s) = history_step(&step.action, summary.verdict == Verdict::Fail) {
                self.history.push(s);
            }
        }
        Ok(tally.steps)
    }

    /// Set the Token Key; it is registered for redaction before any use.
    pub(crate) fn set_token(&mut self, token: String, source: TokenSource) {
        let header = match self.settings.auth_type {
            AuthType::Bearer => "Authorization".to_string(),
            AuthType::ApiKey => self.settings.header_name.clone(),
        };
        self.session.recorder().add_secret(&header, &token);
        self.token = Some(token);
        self.token_source = source;
    }

    /// Rebuild the client from the settings (after Base URL, token or knob changes).
    fn rebuild_client(&mut self) -> Result<(), OrgError> {
        let client = build_client(self.behaviour(), &self.settings, self.token.as_deref())?;
        self.session.set_client(client);
        Ok(())
    }

    /// The session's actions as a YAML scenario.
    pub(crate) fn export_yaml(&self, run_id: &str) -> Result<String, OrgError> {
        export::export_yaml(self, run_id)
    }

    /// Persist what changed since the last save: one journal line, or the
    /// whole state when the journal has outgrown the snapshot (see `journal.rs`).
    pub(crate) fn save(&mut self) -> Result<(), OrgError> {
        let Some(store) = &mut self.store else {
            return Ok(());
        };
        let users = self.session.dir.users.take_changes();
        store.commit(users, &snapshot(self.seed, &self.session, &self.settings, &self.history))
    }

    /// Reset: the organisation (users and groups), the app (settings, Identity
    /// Management and JumpCloud's links) or both, and the history. Only
    /// jcsim's state changes, with the embedded SP's data when the
    /// organisation goes; nothing is sent to any SP. The state file gets a
    /// whole new snapshot.
    pub(crate) fn reset(&mut self, scope: ResetScope) -> Result<(), OrgError> {
        let (org, app) = match scope {
            ResetScope::Org => (true, false),
            ResetScope::App => (false, true),
            ResetScope::All => (true, true),
        };
        let fresh = Directory::from_scenario(&empty_scenario(self.seed), self.seed)
            .map_err(|e| OrgError::Failed { what: "the reset", message: e.to_string() })?;
        let kept_app = self.session.dir.app.clone();
        if org {
            self.session.dir = fresh.clone();
            self.session.dir.app =
                crate::directory::App { bound_users: Default::default(), bound_groups: Default::default(), ..kept_app };
            self.sp.clear();
        }
        if app {
            self.session.dir.app = fresh.app;
            self.settings = ImSettings::new(&self.sp_url);
            // Back to the embedded SP: what was created elsewhere cannot be removed from here.
            self.session.forget_created();
            // The Base URL and its token go together: back to the embedded SP's.
            self.use_embedded_token();
            self.session.prov = Provisioner::new(Behaviour::default(), self.seed);
        } else {
            // The links name users and groups that no longer exist here.
            let behaviour = self.behaviour().clone();
            self.session.prov = Provisioner::new(behaviour, self.seed);
        }
        self.rebuild_client()?;
        self.history.clear();
        if self.store.is_some() {
            self.session.dir.users.track_changes();
        }
        self.close_state()
    }

    /// Write the whole state as the snapshot, without a journal.
    fn close_state(&mut self) -> Result<(), OrgError> {
        let Some(store) = &mut self.store else {
            return Ok(());
        };
        self.session.dir.users.take_changes();
        store.close(&snapshot(self.seed, &self.session, &self.settings, &self.history))
    }

    /// A test's shortcut into the directory (tests set up states no admin
    /// action reaches in one step).
    #[cfg(test)]
    pub(crate) fn dir_mut(&mut self) -> &mut Directory {
        &mut self.session.dir
    }
}

struct Shared {
    // Held across the engine's `.await`s on purpose: an action must see and
    // leave a consistent org. Readers wait for a running action, as
    // JumpCloud sends one action at a time per application.
    org: tokio::sync::Mutex<Org>,
    config: OrgConfig,
    sp: SpState,
    /// The org session's run record.
    run: Run,
    /// The admin API key (rotatable) and where it came from.
    api_key: std::sync::RwLock<(String, &'static str)>,
}

/// The org shared by the console and the inbound API. Cheap to clone.
#[derive(Clone)]
pub struct SharedOrg {
    inner: Arc<Shared>,
}

impl SharedOrg {
    /// Load (or create) the state, start the embedded SP's state and the
    /// org's run record (`run_started`).
    /// Long on purpose: the state, the tokens, the redactor and the run
    /// header are built in one order that a secret can never overtake.
    pub async fn open(config: OrgConfig) -> Result<SharedOrg, OrgError> {
        let sp_token = config.sp_token.clone().unwrap_or_else(random_token);
        let loaded = match &config.state_file {
            Some(p) if p.exists() => Some(journal::load(p)?),
            _ => None,
        };
        let (seed, mut dir, prov, settings, history, seq) = match loaded {
            Some(p) => (p.seed, p.directory, p.provisioner, p.im, p.history, p.seq),
            None => {
                let dir = Directory::from_scenario(&empty_scenario(config.seed), config.seed)
                    .map_err(|e| state_err(&config, e.to_string()))?;
                let prov = Provisioner::new(Behaviour::default(), config.seed);
                (config.seed, dir, prov, ImSettings::new(&config.sp_url), Vec::new(), 0)
            }
        };
        if config.state_file.is_some() {
            dir.users.track_changes();
        }
        let sp = SpState::new(SpConfig {
            token: Some(sp_token.clone()),
            seed,
            quirks: config.sp_quirks.clone(),
            ..SpConfig::default()
        });
        let embedded = settings.base_url.starts_with(&config.sp_url);
        let (token, token_source) = match (&config.scim_token, embedded) {
            (Some(t), _) if !t.is_empty() => (Some(t.clone()), TokenSource::Environment),
            (_, true) => (Some(sp_token.clone()), TokenSource::EmbeddedSp),
            _ => (None, TokenSource::None),
        };
        let mut redactor = Redactor::new().secret(&sp_token);
        for s in config.scim_token.iter().chain(&config.secrets) {
            redactor = redactor.secret(s);
        }
        if settings.auth_type == AuthType::ApiKey {
            redactor = redactor.header(&settings.header_name);
        }
        let (run, recorder) = Run::open(&config.runs_dir, "console", redactor)?;
        let (api_key, api_key_source) = match config.api_key.clone().filter(|k| !k.is_empty()) {
            Some(k) => (k, "set from --api-key-env"),
            None => (random_token(), "generated at start"),
        };
        recorder.add_secret(crate::inbound::API_KEY_HEADER, &api_key);
        let client = build_client(&prov.behaviour, &settings, token.as_deref())?;
        let mut session = Session::new(dir, prov, client, recorder);
        session.set_inbound_base(config.inbound_url.clone());
        // A ledger of what the session creates at the SP, for "Remove what
        // this session created" (by SP id; never what a lookup linked).
        session.set_track_created(true);
        let header = RunHeader {
            scenario: "JumpCloud admin console".into(),
            file: "console".into(),
            target: settings.base_url.clone(),
            target_kind: if embedded { "embedded" } else { "external" }.into(),
            seed,
            behaviour: session.prov().behaviour.describe(),
            steps: 0,
            namespace: None,
            insecure: false,
        };
        run.start(session.recorder(), header)?;
        let mut org = Org {
            session,
            settings,
            token,
            token_source,
            history,
            seed,
            passed: 0,
            failed: 0,
            sp: sp.clone(),
            sp_url: config.sp_url.clone(),
            store: config.state_file.clone().map(|p| Store::new(p, seq)),
        };
        // A fresh snapshot: the journal replayed at load is folded in.
        org.save()?;
        Ok(SharedOrg {
            inner: Arc::new(Shared {
                org: tokio::sync::Mutex::new(org),
                config,
                sp,
                run,
                api_key: std::sync::RwLock::new((api_key, api_key_source)),
            }),
        })
    }

    /// The org, once the action running now (if any) is done.
    pub(crate) async fn lock(&self) -> tokio::sync::MutexGuard<'_, Org> {
        self.inner.org.lock().await
    }

    pub fn config(&self) -> &OrgConfig {
        &self.inner.config
    }

    /// The embedded SP.
    pub fn sp(&self) -> &SpState {
        &self.inner.sp
    }

    /// The org session's run id and directory.
    pub fn run_id(&self) -> &str {
        self.inner.run.id()
    }

    pub fn run_dir(&self) -> &Path {
        self.inner.run.dir()
    }

    /// The admin API key of the inbound SCIM API.
    pub fn api_key(&self) -> String {
        self.inner.api_key.read().recover().0.clone()
    }

    /// Where the current API key came from (shown on API Settings).
    pub fn api_key_source(&self) -> &'static str {
        self.inner.api_key.read().recover().1
    }

    /// "Generate New API Key": the old key stops working at once. The new one
    /// is registered for redaction before it can be used.
    pub async fn rotate_api_key(&self) {
        let key = random_token();
        self.lock().await.recorder().add_secret(crate::inbound::API_KEY_HEADER, &key);
        *self.inner.api_key.write().recover() = (key, "generated in the console");
    }

    /// The session's actions as a YAML scenario.
    pub async fn export(&self) -> Result<String, OrgError> {
        self.lock().await.export_yaml(self.run_id())
    }

    /// Record `run_finished` (on shutdown) and fold the state journal into
    /// the snapshot, so a server stopped cleanly leaves a single state file.
    pub async fn finish(&self) -> Result<(), OrgError> {
        let mut org = self.lock().await;
        org.close_state()?;
        let exit = if org.failed == 0 { crate::record::Exit::Pass } else { crate::record::Exit::Fail };
        let end = RunEnd { passed: org.passed, failed: org.failed, exit, ..RunEnd::default() };
        self.inner.run.finish(org.recorder(), end)?;
        Ok(())
    }
}

/// The whole state as the state file holds it.
fn snapshot<'a>(seed: u64, session: &'a Session, settings: &'a ImSettings, history: &'a [Step]) -> Snapshot<'a> {
    Snapshot { seed, directory: &session.dir, provisioner: &session.prov, im: settings, history }
}

fn state_err(config: &OrgConfig, message: String) -> OrgError {
    OrgError::State { path: config.state_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default(), message }
}

/// The client for the current settings.
fn build_client(b: &Behaviour, im: &ImSettings, token: Option<&str>) -> Result<Client, OrgError> {
    let credentials = token.map(|t| match im.auth_type {
        AuthType::Bearer => Credentials::Bearer(t.to_string()),
        AuthType::ApiKey => Credentials::Header { name: im.header_name.clone(), value: t.to_string() },
    });
    Client::new(super::client_config_for(b, &im.base_url, credentials))
        .map_err(|e| OrgError::Engine(EngineError::Setup(e.to_string())))
}

fn empty_scenario(seed: u64) -> Scenario {
    Scenario {
        name: "console".into(),
        description: None,
        target: None,
        behaviour: Behaviour::default(),
        seed: Some(seed),
        directory: Default::default(),
        app: AppSpec::default(),
        steps: Vec::new(),
        waive: Vec::new(),
        source: Default::default(),
        namespace: None,
    }
}

/// A random token (embedded SP, API keys, browser sessions, CSRF).
pub(crate) fn random_token() -> String {
    use rand::RngExt;
    let mut rng = rand::rng();
    format!("{:032x}{:032x}", rng.random::<u128>(), rng.random::<u128>())
}
