//! The HTTP front ends above the engine: the fake JumpCloud admin console
//! (`console`) and JumpCloud's own SCIM API (`inbound`), composed here into
//! `jcsim serve`'s one server. The embedded SCIM service provider is
//! `crate::sp`, below the engine that starts it.

pub mod console;
pub mod inbound;

use axum::Router;
use axum::routing::get;
use console::{ConsoleConfig, ConsoleError, ConsoleState, SP_PREFIX, ServeOptions, check_listen};
use std::net::SocketAddr;

/// Every route of `jcsim serve`: the console with the embedded SP, the
/// inbound API under its prefix and `GET /healthz`, all with the console's
/// security headers.
pub fn app(state: ConsoleState) -> Router {
    let all = console::router(state.clone())
        .nest(crate::inbound::PREFIX, inbound::router(state.org().clone()))
        .route("/healthz", get(|| async { "ok" }));
    console::with_security_headers(all)
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
        sp_quirks: opts.sp_quirks.clone(),
        readiness: Some(crate::readiness::Runner::new(crate::compat::ReadinessForms)),
    };
    let state = ConsoleState::new(config).await?;
    eprintln!(
        "jcsim serve: console at http://{addr}/ (embedded SP at http://{host}{SP_PREFIX}; JumpCloud SCIM API at http://{host}{}; runs in {}; {})",
        crate::inbound::PREFIX,
        opts.runs_dir.display(),
        if opts.admin_token.is_some() { "admin login required" } else { "loopback only, no login" }
    );
    let app = app(state.clone());
    crate::listen::serve(listener, app, crate::listen::Limits::default(), crate::signal::shutdown()).await?;
    state.finish().await?;
    Ok(())
}
