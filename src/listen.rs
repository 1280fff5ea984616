//! Serving HTTP with limits, for every jcsim server (`jcsim sp`, `jcsim
//! serve`, `jcsim jumpcloud-api`, the embedded SP of a run): hyper's HTTP/1
//! connection with its own header-read timeout (a client that never finishes
//! its request head, or idles between requests, is closed), a body that
//! stalls is cut off (the handler reading it gets an error), a cap on open
//! connections (the next one waits in the listen backlog), and a graceful
//! drain on shutdown.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// What one server allows its clients.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send a request's head, and to start the next one on a kept-alive connection.
    pub header_read: Duration,
    /// Longest wait for the next piece of a request body.
    pub body_idle: Duration,
    /// Open connections at once.
    pub max_connections: usize,
    /// How long shutdown waits for requests in flight.
    pub drain: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: Duration::from_secs(10),
            body_idle: Duration::from_secs(10),
            max_connections: 512,
            drain: Duration::from_secs(10),
        }
    }
}

/// Serve `app` on `listener` until `shutdown` resolves, then drain.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait, do not spin.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Handlers that need the client's address (login throttling) read it
        // as axum's `ConnectInfo`.
        let body_idle = limits.body_idle;
        let app = app.clone().map_request(move |req: axum::extract::Request<hyper::body::Incoming>| {
            let (mut parts, body) = req.into_parts();
            parts.extensions.insert(axum::extract::ConnectInfo(peer));
            axum::extract::Request::from_parts(parts, idle_limited(axum::body::Body::new(body), body_idle))
        });
        let service = TowerToHyperService::new(app);
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain, graceful.shutdown()).await.is_err() {
        tracing::warn!("shutdown: requests still in flight after the drain time; closing them");
    }
    Ok(())
}

/// `body`, cut off with an error when its next piece takes longer than
/// `idle` (a client that sends headers, then trickles or stalls the body).
fn idle_limited(body: axum::body::Body, idle: Duration) -> axum::body::Body {
    use futures_util::StreamExt;
    let chunks = futures_util::stream::unfold(Some(body.into_data_stream()), move |state| async move {
        let mut chunks = state?;
        match tokio::time::timeout(idle, chunks.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(chunks))),
            Ok(None) => None,
            Err(_) => {
                let stalled = std::io::Error::new(std::io::ErrorKind::TimedOut, "the request body stalled");
                Some((Err(axum::Error::new(stalled)), None))
            }
        }
    });
    axum::body::Body::from_stream(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn start(limits: Limits) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/healthz", axum::routing::get(|| async { "ok" }))
            .route("/echo", axum::routing::post(|body: axum::body::Bytes| async move { body.len().to_string() }));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, app, limits, async {
            let _ = rx.await;
        }));
        (addr, tx)
    }

    async fn get(addr: std::net::SocketAddr) -> String {
        send(addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.expect("answered")
    }

    /// Send `raw` and read until the server closes; `None` if it has not within 5 s.
    async fn send(addr: std::net::SocketAddr, raw: &[u8]) -> Option<String> {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(raw).await.unwrap();
        let mut buf = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await.ok()?.ok()?;
        Some(String::from_utf8_lossy(&buf).into_owned())
    }

    #[tokio::test]
    async fn a_half_sent_request_is_closed_after_the_header_timeout() {
        let limits = Limits { header_read: Duration::from_millis(300), ..Limits::default() };
        let (addr, _stop) = start(limits).await;
        // The server closes it (EOF, perhaps after a 408); never later than a few seconds.
        let closed = send(addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await;
        assert!(closed.is_some(), "the half-sent request was still open after 5 s");
        assert!(get(addr).await.starts_with("HTTP/1.1 200"), "the server still answers");
    }

    #[tokio::test]
    async fn a_stalled_body_is_cut_off_and_a_whole_one_is_read() {
        let limits = Limits { body_idle: Duration::from_millis(300), ..Limits::default() };
        let (addr, _stop) = start(limits).await;
        let stalled = send(addr, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc").await;
        let text = stalled.expect("the stalled body was still being waited for after 5 s");
        assert!(text.starts_with("HTTP/1.1 400"), "{text}");
        let whole = b"POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc";
        let out = send(addr, whole).await.expect("answered");
        assert!(out.starts_with("HTTP/1.1 200") && out.ends_with("3"), "{out}");
    }

    #[tokio::test]
    async fn connections_beyond_the_cap_wait_and_do_not_starve_the_server() {
        let limits = Limits { header_read: Duration::from_millis(400), max_connections: 4, ..Limits::default() };
        let (addr, _stop) = start(limits).await;
        let mut held = Vec::new();
        for _ in 0..16 {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
            held.push(s);
        }
        // The held connections time out in turn; a real request gets through.
        let answer = tokio::time::timeout(Duration::from_secs(10), get(addr)).await;
        assert!(answer.is_ok_and(|a| a.starts_with("HTTP/1.1 200")), "healthz starved behind half-sent requests");
    }

    #[tokio::test]
    async fn shutdown_stops_accepting() {
        let (addr, stop) = start(Limits::default()).await;
        assert!(get(addr).await.starts_with("HTTP/1.1 200"));
        stop.send(()).unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "still accepting after shutdown");
    }
}
