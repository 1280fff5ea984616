//! HTTP servers: the embedded SCIM service provider (`sp`), the fake
//! JumpCloud admin console (`console`) and JumpCloud's own SCIM API (`inbound`).

pub mod console;
pub mod inbound;
pub mod sp;

/// Resolves on SIGINT or SIGTERM (Ctrl-C elsewhere). Shared by the servers'
/// graceful shutdown and `jcsim run`'s clean stop.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            _ => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
