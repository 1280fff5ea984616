//! The fake JumpCloud admin console (`jcsim serve`): JumpCloud's pages over the
//! same engine as `jcsim run`, a live Directory Insights timeline, the run
//! viewer and the embedded SP, behind loopback-only binding, login and CSRF.

mod actions;
mod api_settings;
mod auth;
mod export;
mod insights;
mod journal;
mod pages;
mod runs;
mod state;
mod views;

#[cfg(test)]
mod tests;

pub use state::{ConsoleConfig, ConsoleState};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::path::PathBuf;
use thiserror::Error;

/// Where the embedded SP is mounted; its SCIM root.
pub const SP_PREFIX: &str = "/sp/scim/v2";
/// Largest console request body (forms are small).
pub const BODY_LIMIT: usize = 64 * 1024;

/// Errors that stop the console from starting or an action from completing.
#[derive(Debug, Error)]
pub enum ConsoleError {
    #[error(
        "refusing to listen on {0}: it is not a loopback address. Anyone who can reach it could drive the console. Set an admin token with --admin-token-env VAR to require a login, or listen on 127.0.0.1"
    )]
    PublicBind(SocketAddr),
    #[error("--admin-token-env: environment variable `{0}` is not set or empty")]
    AdminTokenMissing(String),
    #[error("state file {path}: {message}")]
    State { path: String, message: String },
    #[error("cannot bind {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("{0}")]
    Engine(#[from] crate::engine::EngineError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("cannot render {what}: {message}")]
    Render { what: &'static str, message: String },
}

/// A request that failed on jcsim's side (not the admin's input, which gets
/// a banner): logged, and answered 500 with the reason as plain text.
impl axum::response::IntoResponse for ConsoleError {
    fn into_response(self) -> axum::response::Response {
        tracing::error!(error = %self, "console request failed");
        let text = crate::term::one_line(&format!("jcsim console: {self}")).into_owned();
        (axum::http::StatusCode::INTERNAL_SERVER_ERROR, text).into_response()
    }
}

/// `jcsim serve` options.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub state_file: Option<PathBuf>,
    pub runs_dir: PathBuf,
    /// The admin token (read from `--admin-token-env`), required for a non-loopback listen.
    pub admin_token: Option<String>,
    /// Initial Token Key of Identity Management (`JCSIM_SCIM_TOKEN`).
    pub scim_token: Option<String>,
    /// Token of the embedded SP (`JCSIM_SP_TOKEN`); generated when absent.
    pub sp_token: Option<String>,
    pub seed: u64,
    /// The admin API key of the inbound SCIM API (`--api-key-env`); generated when absent.
    pub api_key: Option<String>,
}

/// Refuse a non-loopback listen address unless an admin token is configured.
pub fn check_listen(addr: &SocketAddr, admin_token: Option<&str>) -> Result<(), ConsoleError> {
    if addr.ip().is_loopback() || admin_token.is_some_and(|t| !t.is_empty()) {
        Ok(())
    } else {
        Err(ConsoleError::PublicBind(*addr))
    }
}

/// Every route: the console (behind login, CSRF and body limit), the embedded
/// SP under [`SP_PREFIX`] (its own bearer auth) and `GET /healthz`.
pub fn router(state: ConsoleState) -> Router {
    let console = Router::new()
        .route("/", get(pages::home))
        .route("/users", get(pages::users).post(actions::create_user))
        .route("/users/new", get(pages::new_user))
        .route("/users/generate", post(actions::generate_user))
        .route("/demo", post(actions::demo_org))
        .route("/reset", post(actions::reset))
        .route("/load", post(actions::load))
        .route("/users/{id}", get(pages::user).post(actions::update_user))
        .route("/users/{id}/state", post(actions::user_state))
        .route("/users/{id}/delete", post(actions::delete_user))
        .route("/groups", get(pages::groups).post(actions::create_group))
        .route("/groups/{id}", get(pages::group))
        .route("/groups/{id}/rename", post(actions::rename_group))
        .route("/groups/{id}/members/add", post(actions::add_member))
        .route("/groups/{id}/members/remove", post(actions::remove_member))
        .route("/groups/{id}/delete", post(actions::delete_group))
        .route("/apps", get(pages::apps).post(actions::create_app))
        .route("/apps/app", get(pages::app))
        .route("/apps/app/sso", post(actions::save_sso))
        .route("/apps/app/im/save", post(actions::im_save))
        .route("/apps/app/im/test", post(actions::im_test))
        .route("/apps/app/im/activate", post(actions::im_activate))
        .route("/apps/app/im/deactivate", post(actions::im_deactivate))
        .route("/apps/app/groups/bind", post(actions::bind_group))
        .route("/apps/app/groups/unbind", post(actions::unbind_group))
        .route("/apps/app/users/bind", post(actions::bind_user))
        .route("/apps/app/users/unbind", post(actions::unbind_user))
        .route("/insights", get(pages::insights))
        .route("/settings/api", get(api_settings::page))
        .route("/settings/api/rotate", post(api_settings::rotate))
        .route("/settings/api/copy", post(api_settings::copy))
        .route("/settings/api/state", post(api_settings::default_state))
        .route("/api/events", get(insights::events))
        .route("/export", get(pages::export))
        .route("/export.yaml", get(export::download))
        .route("/runs", get(runs::list))
        .route("/runs/{id}/{file}", get(runs::file))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/static/console.css", get(views::css))
        .route("/static/console.js", get(views::js))
        .route("/favicon.ico", get(|| async { axum::http::StatusCode::NO_CONTENT }))
        .fallback(pages::not_found)
        .layer(from_fn_with_state(state.clone(), auth::guard))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state.clone());
    console
        .nest(SP_PREFIX, crate::sp::router(state.sp().clone()))
        .nest(crate::inbound::PREFIX, crate::server::inbound::router(state.clone()))
        .route("/healthz", get(|| async { "ok" }))
        .layer(from_fn(auth::security_headers))
}

/// Bind, build the state and serve until ctrl-c or SIGTERM; then record the
/// end of the console's run.
pub async fn serve(opts: ServeOptions) -> Result<(), ConsoleError> {
    check_listen(&opts.listen, opts.admin_token.as_deref())?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|source| ConsoleError::Bind { addr: opts.listen, source })?;
    let addr = listener.local_addr()?;
    let host = if addr.ip().is_unspecified() || !addr.ip().is_loopback() {
        // The console's own client reaches the embedded SP over loopback.
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    };
    let config = ConsoleConfig {
        state_file: opts.state_file.clone(),
        runs_dir: opts.runs_dir.clone(),
        admin_token: opts.admin_token.clone(),
        self_url: format!("http://{host}"),
        sp_token: opts.sp_token.clone(),
        scim_token: opts.scim_token.clone(),
        seed: opts.seed,
        loopback_hosts_only: addr.ip().is_loopback() && opts.admin_token.is_none(),
        api_key: opts.api_key.clone(),
    };
    let state = ConsoleState::new(config).await?;
    eprintln!(
        "jcsim serve: console at http://{addr}/ (embedded SP at http://{host}{SP_PREFIX}; JumpCloud SCIM API at http://{host}{}; runs in {}; {})",
        crate::inbound::PREFIX,
        opts.runs_dir.display(),
        if opts.admin_token.is_some() { "admin login required" } else { "loopback only, no login" }
    );
    let app = router(state.clone());
    crate::listen::serve(listener, app, crate::listen::Limits::default(), crate::signal::shutdown()).await?;
    state.finish().await?;
    Ok(())
}
