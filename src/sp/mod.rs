//! The embedded SCIM 2.0 service provider: an in-memory SP with switchable quirks.
//! `router` is the SCIM root; `app` nests it under `/scim/v2` with `/healthz`.

mod discovery;
mod error;
mod handlers;
mod http;
pub(crate) mod list;
mod quirks;
mod render;
mod schema;
mod store;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_quirks;
#[cfg(test)]
mod tests_render;

pub(crate) use quirks::Quirk;

use crate::lock::Recover;
use axum::Router;
use axum::routing::{get, post};
use rand::{SeedableRng, rngs::StdRng};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;
use store::{Kind, Store};

/// The base path used by [`app`] and by [`SpState::users`] snapshots.
pub(crate) const SCIM_ROOT: &str = "/scim/v2";

/// Configuration of the embedded SP.
#[derive(Debug, Clone, PartialEq)]
pub struct SpConfig {
    /// Bearer token required on every SCIM request; `None` disables auth.
    pub(crate) token: Option<String>,
    /// Misbehaviours to switch on.
    pub(crate) quirks: Vec<Quirk>,
    /// Seed for ids and for the `flaky` quirk.
    pub(crate) seed: u64,
    /// Maximum request body size in bytes (413 above).
    pub(crate) body_limit: usize,
    /// Users and groups held at most; a create beyond answers 507 (about
    /// 4 KB a user: the default bounds memory near 4 GB).
    pub(crate) max_resources: usize,
}

/// The default of [`SpConfig::max_resources`].
pub(crate) const MAX_RESOURCES: usize = 1_000_000;

impl Default for SpConfig {
    fn default() -> Self {
        SpConfig { token: None, quirks: Vec::new(), seed: 0, body_limit: 1024 * 1024, max_resources: MAX_RESOURCES }
    }
}

impl SpConfig {
    /// The first quirk for which `f` returns something.
    pub(crate) fn quirk<T>(&self, f: impl Fn(&Quirk) -> Option<T>) -> Option<T> {
        self.quirks.iter().find_map(f)
    }

    /// True when `quirk` (a value-less quirk) is on.
    pub(crate) fn has(&self, quirk: &Quirk) -> bool {
        self.quirks.contains(quirk)
    }
}

struct Inner {
    config: SpConfig,
    store: RwLock<Store>,
    flaky_rng: Mutex<StdRng>,
    /// Start of the current rate-limit window and requests seen in it.
    window: Mutex<(Instant, u32)>,
    /// POSTs seen (the `post_500_then_commit` quirk lets the first N through).
    posts: std::sync::atomic::AtomicU64,
    /// A token issued after start ([`SpState::rotate_token`]): it replaces
    /// the configured one, which then no longer works.
    rotated_token: RwLock<Option<String>>,
}

/// Shared SP state: configuration, store and quirk runtime. Cheap to clone.
#[derive(Clone)]
pub struct SpState {
    inner: Arc<Inner>,
    /// The path the routes were registered under, when [`app`] registers them
    /// with their full path instead of nesting (see [`http::Base`]).
    mount: &'static str,
}

impl SpState {
    /// A fresh, empty SP.
    pub fn new(config: SpConfig) -> Self {
        let numeric = config.has(&Quirk::NumericIds);
        let inner = Inner {
            store: RwLock::new(Store::new(config.seed, numeric, config.max_resources)),
            flaky_rng: Mutex::new(StdRng::seed_from_u64(config.seed ^ 0x9E37_79B9_7F4A_7C15)),
            window: Mutex::new((Instant::now(), 0)),
            posts: std::sync::atomic::AtomicU64::new(0),
            rotated_token: RwLock::new(None),
            config,
        };
        SpState { inner: Arc::new(inner), mount: "" }
    }

    /// The configuration.
    pub(crate) fn config(&self) -> &SpConfig {
        &self.inner.config
    }

    /// Issue a new token in place of the current one (an admin regenerating
    /// the SP's SCIM token): the old token is refused from now on. Without
    /// a configured token (no auth) nothing changes.
    pub(crate) fn rotate_token(&self, token: &str) {
        if self.inner.config.token.is_some() {
            *self.inner.rotated_token.write().recover() = Some(token.to_string());
        }
    }

    /// The token requests must carry, if any.
    pub(crate) fn token(&self) -> Option<String> {
        self.inner.rotated_token.read().recover().clone().or_else(|| self.inner.config.token.clone())
    }

    /// Every user as GET would return it (locations relative to [`SCIM_ROOT`]).
    pub fn users(&self) -> Vec<serde_json::Value> {
        self.snapshot(Kind::User)
    }

    /// Every group as GET would return it (locations relative to [`SCIM_ROOT`]).
    #[cfg(test)]
    pub(crate) fn groups(&self) -> Vec<serde_json::Value> {
        self.snapshot(Kind::Group)
    }

    /// Delete every group and user (the console's Reset).
    pub(crate) fn clear(&self) {
        let mut store = self.write();
        for kind in [Kind::Group, Kind::User] {
            let ids: Vec<String> = store.iter(kind).map(|r| r.id.clone()).collect();
            for id in ids {
                store.delete(kind, &id);
            }
        }
    }

    fn snapshot(&self, kind: Kind) -> Vec<serde_json::Value> {
        let store = self.read();
        let numeric = self.numeric_ids();
        store.iter(kind).map(|r| store.render(kind, r, SCIM_ROOT, numeric)).collect()
    }

    /// Count a POST; true when `post_500_then_commit` answers it 500.
    fn post_fails_after_commit(&self) -> bool {
        let Some(free) = self.config().quirk(|q| if let Quirk::Post500ThenCommit(n) = q { Some(*n) } else { None })
        else {
            return false;
        };
        self.inner.posts.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= free
    }

    /// The list quirks in effect.
    fn list_quirks(&self) -> list::ListQuirks {
        list::ListQuirks {
            case_sensitive: self.config().has(&Quirk::CaseSensitiveFilter),
            ignore_start_index: self.config().has(&Quirk::IgnoreStartIndex),
        }
    }

    fn numeric_ids(&self) -> bool {
        self.config().has(&Quirk::NumericIds)
    }

    // Poisoning only means another request panicked mid-update; the store is
    // still structurally valid, so keep serving rather than panic.
    fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.inner.store.read().recover()
    }

    fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.inner.store.write().recover()
    }

    fn flaky_rng(&self) -> MutexGuard<'_, StdRng> {
        self.inner.flaky_rng.lock().recover()
    }

    fn window(&self) -> MutexGuard<'_, (Instant, u32)> {
        self.inner.window.lock().recover()
    }
}

/// The SCIM routes under `prefix` (`""` or [`SCIM_ROOT`]), with SCIM 405s.
fn scim_routes(prefix: &str) -> Router<SpState> {
    let at = |path: &str| format!("{prefix}{path}");
    Router::new()
        .route(&at("/Users"), get(handlers::list_users).post(handlers::create_user))
        .route(&at("/Users/.search"), post(handlers::search_users))
        .route(
            &at("/Users/{id}"),
            get(handlers::get_user).put(handlers::put_user).patch(handlers::patch_user).delete(handlers::delete_user),
        )
        .route(&at("/Groups"), get(handlers::list_groups).post(handlers::create_group))
        .route(&at("/Groups/.search"), post(handlers::search_groups))
        .route(
            &at("/Groups/{id}"),
            get(handlers::get_group)
                .put(handlers::put_group)
                .patch(handlers::patch_group)
                .delete(handlers::delete_group),
        )
        .route(&at("/.search"), post(handlers::search_all))
        .route(&at("/ServiceProviderConfig"), get(discovery::service_provider_config))
        .route(&at("/ResourceTypes"), get(discovery::resource_types))
        .route(&at("/ResourceTypes/{name}"), get(discovery::resource_type))
        .route(&at("/Schemas"), get(discovery::schemas))
        .route(&at("/Schemas/{urn}"), get(discovery::schema))
        .method_not_allowed_fallback(http::method_not_allowed)
}

/// The SCIM root (no prefix), with auth, quirks, body limit and SCIM error mapping.
pub fn router(state: SpState) -> Router {
    scim_routes("").fallback(http::not_found).layer(http::ScimLayer { state: state.clone() }).with_state(state)
}

/// [`router`] under `/scim/v2`, plus `GET /healthz` (no auth).
///
/// Same routes and responses as `Router::new().route("/healthz", …).nest(SCIM_ROOT, router(state))`,
/// but the SCIM routes are registered with their full path: nesting would add
/// a prefix-stripping layer (a URI re-parse and a boxed service) to every
/// request. Only the fallback (unknown paths under `/scim/v2`) is still nested,
/// exactly as `nest` would have registered it.
pub fn app(state: SpState) -> Router {
    let mounted = SpState { mount: SCIM_ROOT, ..state.clone() };
    let routes = scim_routes(SCIM_ROOT).layer(http::ScimLayer { state: mounted.clone() }).with_state(mounted);
    let fallback =
        Router::new().fallback(http::not_found).layer(http::ScimLayer { state: state.clone() }).with_state(state);
    Router::new().route("/healthz", get(|| async { "ok" })).merge(routes).nest(SCIM_ROOT, fallback)
}

/// A running SP on a loopback port. Dropping it (or [`RunningSp::shutdown`]) stops it.
pub struct RunningSp {
    /// The bound address.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT/scim/v2`.
    pub(crate) base_url: String,
    /// The SP's state, for inspection.
    pub state: SpState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningSp {
    /// Stops the server gracefully and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `127.0.0.1:0` and serves [`app`] in a background task.
pub async fn spawn(config: SpConfig) -> std::io::Result<RunningSp> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let state = SpState::new(config);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = app(state.clone());
    let task = tokio::spawn(async move {
        let server = crate::listen::serve(listener, app, crate::listen::Limits::default(), async {
            let _ = rx.await;
        });
        if let Err(e) = server.await {
            tracing::error!(error = %e, "embedded SP stopped");
        }
    });
    Ok(RunningSp { addr, base_url: format!("http://{addr}{SCIM_ROOT}"), state, shutdown: Some(tx), task: Some(task) })
}

/// Serves [`app`] on `listener` until ctrl-c or SIGTERM, then drains gracefully.
pub(crate) async fn serve(listener: tokio::net::TcpListener, config: SpConfig) -> std::io::Result<()> {
    let app = app(SpState::new(config));
    crate::listen::serve(listener, app, crate::listen::Limits::default(), crate::signal::shutdown()).await
}
