//! The console's state: one engine `Session` (directory, provisioning state,
//! client, recorder) plus Identity Management settings and the action history.
//! Directory, app settings, id map and history persist in the state file
//! (a snapshot and a journal, `journal.rs`); the token never does.

use super::ConsoleError;
use super::journal::{self, Snapshot, Store};
use crate::client::{Client, Credentials};
use crate::directory::Directory;
use crate::engine::{self, EngineError, Session, StepSummary};
use crate::lock::Recover;
use crate::provision::{Behaviour, Provisioner};
use crate::record::{Event, Redactor, Verdict};
use crate::scenario::{AppSpec, Scenario, Step};
use crate::sp::{SpConfig, SpState};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How the console is set up.
#[derive(Debug, Clone, Default)]
pub struct ConsoleConfig {
    /// Where directory, settings and id map persist (absent: memory only).
    pub state_file: Option<PathBuf>,
    /// Parent of run directories; the console session is one of them.
    pub runs_dir: PathBuf,
    /// Required login token; `None` means no login (loopback only).
    pub admin_token: Option<String>,
    /// The console's own URL as its client reaches it, e.g. `http://127.0.0.1:8080`.
    pub self_url: String,
    /// Token of the embedded SP; generated when absent.
    pub sp_token: Option<String>,
    /// Initial Identity Management Token Key (`JCSIM_SCIM_TOKEN`).
    pub scim_token: Option<String>,
    /// Seed of a fresh state (ids and fake data).
    pub seed: u64,
    /// Accept only `Host: 127.0.0.1 / localhost / [::1]` (DNS rebinding defence).
    pub loopback_hosts_only: bool,
    /// The org's admin API key for the inbound SCIM API (`--api-key-env`);
    /// generated when absent. Never written to the state file.
    pub api_key: Option<String>,
}

/// "Bearer Token" or "SCIM API Key" (with a header name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthType {
    #[default]
    Bearer,
    ApiKey,
}

/// What the console's Reset clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResetScope {
    /// Users and groups (and the embedded SP's data).
    Org,
    /// The application and its Identity Management settings and links.
    App,
    All,
}

/// The app's settings the console keeps beside the directory's `App`.
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
    pub(super) fn new(self_url: &str) -> Self {
        ImSettings {
            app_created: false,
            base_url: format!("{self_url}{}", super::SP_PREFIX),
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

/// Everything an action touches; behind one async mutex so actions run one at
/// a time, in order, as JumpCloud sends them one at a time per application.
pub(crate) struct Core {
    pub session: Session,
    pub im: ImSettings,
    pub token: Option<String>,
    pub token_source: TokenSource,
    pub history: Vec<Value>,
    pub seed: u64,
    pub passed: usize,
    pub failed: usize,
    /// The state file, when there is one.
    store: Option<Store>,
}

struct Inner {
    // Held across the engine's `.await`s on purpose: an action must see and
    // leave a consistent session. Page renders wait for a running action.
    core: tokio::sync::Mutex<Core>,
    config: ConsoleConfig,
    sp: SpState,
    /// The console session's run record.
    run: engine::Run,
    pub(super) sessions: super::auth::Sessions,
    /// The admin API key (rotatable) and where it came from.
    api_key: std::sync::RwLock<(String, &'static str)>,
    /// Where Directory Insights' polls resume in the session's events.jsonl.
    events_index: std::sync::Mutex<crate::record::EventIndex>,
    /// Indexes of other runs followed in Directory Insights (a `jcsim proxy`
    /// capture recording into the runs directory), by run id; a few at most.
    run_indexes: std::sync::Mutex<std::collections::HashMap<String, crate::record::EventIndex>>,
    /// On-demand report renders in progress: one at a time (each reads a
    /// whole events.jsonl and builds the page in memory).
    renders: Arc<tokio::sync::Semaphore>,
}

/// Shared console state. Cheap to clone.
#[derive(Clone)]
pub struct ConsoleState {
    inner: Arc<Inner>,
}

impl ConsoleState {
    /// Load (or create) the state, start the embedded SP state and the
    /// console's run record (`run_started`).
    pub async fn new(config: ConsoleConfig) -> Result<ConsoleState, ConsoleError> {
        let sp_token = config.sp_token.clone().unwrap_or_else(random_token);
        let loaded = match &config.state_file {
            Some(p) if p.exists() => Some(journal::load(p)?),
            _ => None,
        };
        let (seed, mut dir, prov, im, history, seq) = match loaded {
            Some(p) => (p.seed, p.directory, p.provisioner, p.im, p.history, p.seq),
            None => {
                let dir = Directory::from_scenario(&empty_scenario(config.seed), config.seed)
                    .map_err(|e| state_err(&config, e.to_string()))?;
                let prov = Provisioner::new(Behaviour::default(), config.seed);
                (config.seed, dir, prov, ImSettings::new(&config.self_url), Vec::new(), 0)
            }
        };
        if config.state_file.is_some() {
            dir.users.track_changes();
        }
        let sp = SpState::new(SpConfig { token: Some(sp_token.clone()), seed, ..SpConfig::default() });
        let embedded = im.base_url.starts_with(&config.self_url);
        let (token, token_source) = match (&config.scim_token, embedded) {
            (Some(t), _) if !t.is_empty() => (Some(t.clone()), TokenSource::Environment),
            (_, true) => (Some(sp_token.clone()), TokenSource::EmbeddedSp),
            _ => (None, TokenSource::None),
        };
        let mut redactor = Redactor::new().secret(&sp_token);
        for s in [&config.scim_token, &config.admin_token].into_iter().flatten() {
            redactor = redactor.secret(s);
        }
        if im.auth_type == AuthType::ApiKey {
            redactor = redactor.header(&im.header_name);
        }
        let (run, recorder) = engine::Run::open(&config.runs_dir, "console", redactor)?;
        let (api_key, api_key_source) = match config.api_key.clone().filter(|k| !k.is_empty()) {
            Some(k) => (k, "set from --api-key-env"),
            None => (random_token(), "generated at start"),
        };
        recorder.add_secret(crate::inbound::API_KEY_HEADER, &api_key);
        let client = build_client(&prov.behaviour, &im, token.as_deref())?;
        let mut session = Session::new(dir, prov, client, recorder);
        session.inbound_base = format!("{}{}", config.self_url, crate::inbound::PREFIX);
        let header = engine::RunHeader {
            scenario: "JumpCloud admin console".into(),
            file: "console".into(),
            target: im.base_url.clone(),
            target_kind: if embedded { "embedded" } else { "external" }.into(),
            seed,
            behaviour: session.prov.behaviour.describe(),
            steps: 0,
            namespace: None,
            insecure: false,
        };
        run.start(session.recorder(), header)?;
        let mut core = Core {
            session,
            im,
            token,
            token_source,
            history,
            seed,
            passed: 0,
            failed: 0,
            store: config.state_file.clone().map(|p| Store::new(p, seq)),
        };
        // A fresh snapshot: the journal replayed at load is folded in.
        core.save()?;
        Ok(ConsoleState {
            inner: Arc::new(Inner {
                events_index: Default::default(),
                run_indexes: Default::default(),
                renders: Arc::new(tokio::sync::Semaphore::new(1)),
                core: tokio::sync::Mutex::new(core),
                sessions: super::auth::Sessions::default(),
                config,
                sp,
                run,
                api_key: std::sync::RwLock::new((api_key, api_key_source)),
            }),
        })
    }

    /// A permit to render a report on demand, or `None` while another render runs.
    pub(crate) fn render_permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.inner.renders.clone().try_acquire_owned().ok()
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
        self.core().await.session.recorder().add_secret(crate::inbound::API_KEY_HEADER, &key);
        *self.inner.api_key.write().recover() = (key, "generated in the console");
    }

    /// The embedded SP mounted at [`super::SP_PREFIX`].
    pub fn sp(&self) -> &SpState {
        &self.inner.sp
    }

    pub fn config(&self) -> &ConsoleConfig {
        &self.inner.config
    }

    /// The console session's run id and directory.
    pub fn run_id(&self) -> &str {
        self.inner.run.id()
    }

    pub fn run_dir(&self) -> &Path {
        self.inner.run.dir()
    }

    /// Up to `limit` events of the session from line `after` on, and the next
    /// line index; reads only from the nearest checkpoint (blocking I/O).
    pub fn session_events(&self, after: usize, limit: usize) -> std::io::Result<(Vec<Event>, usize)> {
        let path = self.run_dir().join("events.jsonl");
        self.inner.events_index.lock().recover().read(&path, after, limit)
    }

    /// The events of another run in the runs directory from line `after` on
    /// (`id` already checked to be a plain directory name).
    pub fn run_events(&self, id: &str, after: usize, limit: usize) -> std::io::Result<(Vec<Event>, usize)> {
        let path = self.config().runs_dir.join(id).join("events.jsonl");
        let mut indexes = self.inner.run_indexes.lock().recover();
        if indexes.len() >= 16 && !indexes.contains_key(id) {
            indexes.clear();
        }
        indexes.entry(id.to_string()).or_default().read(&path, after, limit)
    }

    pub(super) fn sessions(&self) -> &super::auth::Sessions {
        &self.inner.sessions
    }

    pub(crate) async fn core(&self) -> tokio::sync::MutexGuard<'_, Core> {
        self.inner.core.lock().await
    }

    /// The session's actions as a YAML scenario.
    pub async fn export(&self) -> Result<String, ConsoleError> {
        let core = self.core().await;
        super::export::export_yaml(&core, self.inner.run.id())
    }

    /// Record `run_finished` (on shutdown) and fold the state journal into
    /// the snapshot, so a server stopped cleanly leaves a single state file.
    pub async fn finish(&self) -> Result<(), ConsoleError> {
        let mut core = self.core().await;
        core.close_state()?;
        let exit = if core.failed == 0 { crate::record::Exit::Pass } else { crate::record::Exit::Fail };
        let end = engine::RunEnd { passed: core.passed, failed: core.failed, exit, ..engine::RunEnd::default() };
        self.inner.run.finish(core.session.recorder(), end)?;
        Ok(())
    }
}

impl Core {
    /// Run an admin action on the org session; remembered for export unless
    /// the directory refused it (then nothing was sent, and replaying it
    /// adds nothing).
    pub async fn step(&mut self, action: crate::scenario::Action) -> Result<StepSummary, ConsoleError> {
        let step = Step { action, expect: None, line: 0, col: 0 };
        let (summary, _log, _) = self
            .run_step(step, |summary, _| !summary.checks.iter().any(|c| c.id == crate::rules::CheckId::Directory))
            .await?;
        self.save()?;
        Ok(summary)
    }

    /// One engine step for the console or the inbound API: counted, and
    /// remembered for export when `remember` says so. Returns whether it was.
    pub async fn run_step(
        &mut self,
        step: Step,
        remember: impl FnOnce(&StepSummary, &crate::engine::StepLog) -> bool,
    ) -> Result<(StepSummary, crate::engine::StepLog, bool), ConsoleError> {
        let (summary, log) = self.session.step(&step).await?;
        let failed = summary.verdict == Verdict::Fail;
        if failed {
            self.failed += 1;
        } else {
            self.passed += 1;
        }
        let remembered = remember(&summary, &log)
            && super::export::step_value(&step.action, failed).map(|v| self.history.push(v)).is_some();
        Ok((summary, log, remembered))
    }

    /// Rebuild the client from the settings (after Base URL, token or knob changes).
    pub fn rebuild_client(&mut self) -> Result<(), ConsoleError> {
        let client = build_client(&self.session.prov.behaviour, &self.im, self.token.as_deref())?;
        self.session.set_client(client);
        Ok(())
    }

    /// Set the Token Key; it is registered for redaction before any use.
    pub fn set_token(&mut self, token: String, source: TokenSource) {
        let header = match self.im.auth_type {
            AuthType::Bearer => "Authorization".to_string(),
            AuthType::ApiKey => self.im.header_name.clone(),
        };
        self.session.recorder().add_secret(&header, &token);
        self.token = Some(token);
        self.token_source = source;
    }

    /// Persist what changed since the last save: one journal line, or the
    /// whole state when the journal has outgrown the snapshot (see `journal.rs`).
    pub fn save(&mut self) -> Result<(), ConsoleError> {
        let Some(store) = &mut self.store else {
            return Ok(());
        };
        let users = self.session.dir.users.take_changes();
        let snapshot = Snapshot {
            seed: self.seed,
            directory: &self.session.dir,
            provisioner: &self.session.prov,
            im: &self.im,
            history: &self.history,
        };
        store.commit(users, &snapshot)
    }

    /// Reset: the organisation (users and groups), the app (settings, Identity
    /// Management and JumpCloud's links) or both, and the session's history.
    /// Only jcsim's state changes, with the embedded SP's data when the
    /// organisation goes; nothing is sent to any SP. The state file gets a
    /// whole new snapshot.
    pub fn reset(&mut self, scope: ResetScope, sp: &SpState, self_url: &str) -> Result<(), ConsoleError> {
        let (org, app) = match scope {
            ResetScope::Org => (true, false),
            ResetScope::App => (false, true),
            ResetScope::All => (true, true),
        };
        let fresh = Directory::from_scenario(&empty_scenario(self.seed), self.seed)
            .map_err(|e| ConsoleError::Render { what: "the reset", message: e.to_string() })?;
        let kept_app = self.session.dir.app.clone();
        if org {
            self.session.dir = fresh.clone();
            self.session.dir.app =
                crate::directory::App { bound_users: Default::default(), bound_groups: Default::default(), ..kept_app };
            sp.clear();
        }
        if app {
            self.session.dir.app = fresh.app;
            self.im = ImSettings::new(self_url);
            self.session.prov = Provisioner::new(Behaviour::default(), self.seed);
        } else {
            // The links name users and groups that no longer exist here.
            let behaviour = self.session.prov.behaviour.clone();
            self.session.prov = Provisioner::new(behaviour, self.seed);
        }
        self.rebuild_client().map_err(|e| ConsoleError::Render { what: "the reset", message: e.to_string() })?;
        self.history.clear();
        if self.store.is_some() {
            self.session.dir.users.track_changes();
        }
        self.close_state()
    }

    /// Write the whole state as the snapshot, without a journal.
    fn close_state(&mut self) -> Result<(), ConsoleError> {
        let Some(store) = &mut self.store else {
            return Ok(());
        };
        self.session.dir.users.take_changes();
        let snapshot = Snapshot {
            seed: self.seed,
            directory: &self.session.dir,
            provisioner: &self.session.prov,
            im: &self.im,
            history: &self.history,
        };
        store.close(&snapshot)
    }
}

fn state_err(config: &ConsoleConfig, message: String) -> ConsoleError {
    ConsoleError::State {
        path: config.state_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
        message,
    }
}

/// The client for the current settings.
pub(crate) fn build_client(b: &Behaviour, im: &ImSettings, token: Option<&str>) -> Result<Client, ConsoleError> {
    let credentials = token.map(|t| match im.auth_type {
        AuthType::Bearer => Credentials::Bearer(t.to_string()),
        AuthType::ApiKey => Credentials::Header { name: im.header_name.clone(), value: t.to_string() },
    });
    Client::new(engine::client_config_for(b, &im.base_url, credentials))
        .map_err(|e| ConsoleError::Engine(EngineError::Setup(e.to_string())))
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

/// A random token (embedded SP, browser sessions, CSRF).
pub(crate) fn random_token() -> String {
    use rand::RngExt;
    let mut rng = rand::rng();
    format!("{:032x}{:032x}", rng.random::<u128>(), rng.random::<u128>())
}
