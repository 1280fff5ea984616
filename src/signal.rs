//! Stop signals, shared by the servers' graceful shutdown and `jcsim run`'s
//! clean stop.

/// Resolves on SIGINT or SIGTERM (Ctrl-C elsewhere). Shared by the servers'
/// graceful shutdown and `jcsim run`'s clean stop.
pub async fn shutdown() {
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
