//! The console's state: the engine's org (shared with the inbound API) plus
//! what only the browser needs: login sessions, Directory Insights' read
//! positions and the render limiter.

use super::ConsoleError;
use crate::engine::org::{OrgConfig, SharedOrg};
use crate::lock::Recover;
use crate::record::Event;
use crate::sp::SpState;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) use crate::engine::org::{AuthType, Connection, ResetScope};

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
    /// Quirks of the embedded SP (`jcsim serve --quirk`).
    pub(crate) sp_quirks: Vec<crate::sp::Quirk>,
    /// Runs `jcsim readiness` for the Readiness page (given by `jcsim serve`).
    pub(crate) readiness: Option<crate::readiness::Runner>,
}

impl ConsoleConfig {
    /// The org's part of the settings: the embedded SP and the inbound API
    /// are mounted under this server's URL.
    pub fn org_config(&self) -> OrgConfig {
        OrgConfig {
            state_file: self.state_file.clone(),
            runs_dir: self.runs_dir.clone(),
            sp_url: format!("{}{}", self.self_url, super::SP_PREFIX),
            inbound_url: format!("{}{}", self.self_url, crate::inbound::PREFIX),
            sp_token: self.sp_token.clone(),
            scim_token: self.scim_token.clone(),
            seed: self.seed,
            api_key: self.api_key.clone(),
            secrets: self.admin_token.iter().cloned().collect(),
            sp_quirks: self.sp_quirks.clone(),
        }
    }
}

struct Inner {
    org: SharedOrg,
    config: ConsoleConfig,
    pub(super) sessions: super::sessions::Sessions,
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
    /// Open the org (load or create its state, start the embedded SP's state
    /// and the session's run record) and the console around it.
    pub async fn new(config: ConsoleConfig) -> Result<ConsoleState, ConsoleError> {
        let org = SharedOrg::open(config.org_config()).await?;
        Ok(ConsoleState::with_org(org, config))
    }

    /// The console over an org opened already (shared with the inbound API).
    pub fn with_org(org: SharedOrg, config: ConsoleConfig) -> ConsoleState {
        ConsoleState {
            inner: Arc::new(Inner {
                org,
                config,
                sessions: super::sessions::Sessions::default(),
                events_index: Default::default(),
                run_indexes: Default::default(),
                renders: Arc::new(tokio::sync::Semaphore::new(1)),
            }),
        }
    }

    /// The org this console administers.
    pub fn org(&self) -> &SharedOrg {
        &self.inner.org
    }

    /// A permit to render a report on demand, or `None` while another render runs.
    pub(crate) fn render_permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.inner.renders.clone().try_acquire_owned().ok()
    }

    /// The admin API key of the inbound SCIM API.
    pub fn api_key(&self) -> String {
        self.org().api_key()
    }

    /// Where the current API key came from (shown on API Settings).
    pub fn api_key_source(&self) -> &'static str {
        self.org().api_key_source()
    }

    /// "Generate New API Key" (see [`SharedOrg::rotate_api_key`]).
    pub async fn rotate_api_key(&self) {
        self.org().rotate_api_key().await
    }

    /// The embedded SP mounted at [`super::SP_PREFIX`].
    pub fn sp(&self) -> &SpState {
        self.org().sp()
    }

    pub fn config(&self) -> &ConsoleConfig {
        &self.inner.config
    }

    /// The console session's run id and directory.
    pub fn run_id(&self) -> &str {
        self.org().run_id()
    }

    pub fn run_dir(&self) -> &Path {
        self.org().run_dir()
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

    pub(super) fn sessions(&self) -> &super::sessions::Sessions {
        &self.inner.sessions
    }

    /// The org, once the action running now (if any) is done.
    pub(crate) async fn core(&self) -> tokio::sync::MutexGuard<'_, crate::engine::Org> {
        self.org().lock().await
    }

    /// The session's actions as a YAML scenario.
    pub async fn export(&self) -> Result<String, ConsoleError> {
        Ok(self.org().export().await?)
    }

    /// Record `run_finished` (on shutdown) and fold the state journal into
    /// the snapshot (see [`SharedOrg::finish`]).
    pub async fn finish(&self) -> Result<(), ConsoleError> {
        Ok(self.org().finish().await?)
    }
}
