//! The fake JumpCloud admin console (`jcsim serve`): JumpCloud's pages over the
//! same engine as `jcsim run`, a live Directory Insights timeline, the run
//! viewer and the embedded SP, behind loopback-only binding, login and CSRF.

mod actions;
mod api_settings;
mod auth;
mod insights;
mod pages;
mod runs;
mod sessions;
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
    #[error("{0}")]
    Org(#[from] crate::engine::org::OrgError),
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
    /// Quirks of the embedded SP (`--quirk`).
    pub(crate) sp_quirks: Vec<crate::sp::Quirk>,
}

/// Refuse a non-loopback listen address unless an admin token is configured.
pub fn check_listen(addr: &SocketAddr, admin_token: Option<&str>) -> Result<(), ConsoleError> {
    if addr.ip().is_loopback() || admin_token.is_some_and(|t| !t.is_empty()) {
        Ok(())
    } else {
        Err(ConsoleError::PublicBind(*addr))
    }
}

/// The console's routes (behind login, CSRF and body limit) and the embedded
/// SP under [`SP_PREFIX`] (its own bearer auth). `server::app` mounts the
/// inbound API and `/healthz` beside them.
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
        .route("/apps/app/im/builtin", post(actions::im_builtin))
        .route("/apps/app/im/remove-created", post(actions::remove_created))
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
        .route("/export.yaml", get(runs::download_export))
        .route("/runs", get(runs::list))
        .route("/runs/{id}/{file}", get(runs::file))
        .route("/runs/{id}/{sub}/{file}", get(runs::nested_file))
        .route("/readiness", get(pages::readiness).post(actions::run_readiness))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/static/console.css", get(views::css))
        .route("/static/console.js", get(views::js))
        .route("/favicon.ico", get(|| async { axum::http::StatusCode::NO_CONTENT }))
        .fallback(pages::not_found)
        .layer(from_fn_with_state(state.clone(), auth::guard))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state.clone());
    console.nest(SP_PREFIX, crate::sp::router(state.sp().clone()))
}

/// The console's security headers (CSP, frame and referrer policy) on every
/// response of `router`, including what is mounted beside it.
pub fn with_security_headers(router: Router) -> Router {
    router.layer(from_fn(auth::security_headers))
}
