//! Serving HTTP with limits, for every jcsim server (`jcsim sp`, `jcsim
//! serve`, `jcsim jumpcloud-api`, `jcsim proxy`, the embedded SP of a run):
//! hyper's HTTP/1 connection with its own header-read timeout (a client that
//! never finishes its request head, or idles between requests, is closed), a
//! body that stalls or takes too long in total is cut off (the handler
//! reading it gets an error), a cap on open connections that sheds idle
//! connections first, and a graceful drain on shutdown.
//!
//! The cap is fair: when it is reached, the next client is not left in the
//! listen backlog behind clients that hold a slot doing nothing. The
//! connection idle longest (kept alive between requests, or still sending
//! its request head) is closed to make room; failing that, the one that has
//! been sending a request body longest. A connection whose request a handler
//! is working on, or whose answer is being sent, is never shed: only when
//! every slot is such a one does the next client wait.

use crate::lock::Recover;
use axum::Router;
use hyper::body::{Body as _, Frame, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

/// What one server allows its clients.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send a request's head, and the longest a kept-alive connection
    /// may idle before its next request (the idle keep-alive timeout).
    pub header_read: Duration,
    /// Longest wait for the next piece of a request body.
    pub body_idle: Duration,
    /// Longest a whole request body may take, from the end of its head: a
    /// body trickled a byte at a time is cut off here, however steady.
    pub body_total: Duration,
    /// Open connections at once; at the cap, idle ones are shed first.
    pub max_connections: usize,
    /// How long shutdown waits for requests in flight.
    pub drain: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: Duration::from_secs(10),
            body_idle: Duration::from_secs(10),
            body_total: Duration::from_secs(30),
            max_connections: 512,
            drain: Duration::from_secs(10),
        }
    }
}

/// What a connection is doing, for choosing which one to shed.
const IDLE: u8 = 0;
const RECEIVING: u8 = 1;
const BUSY: u8 = 2;

/// One open connection.
struct Slot {
    state: AtomicU8,
    /// When `state` last changed, in ms since the server started.
    since: AtomicU64,
    /// Told to close the connection.
    shed: Notify,
}

impl Slot {
    fn set(&self, state: u8, clock: &Clock) {
        self.state.store(state, Ordering::Relaxed);
        self.since.store(clock.now(), Ordering::Relaxed);
    }
}

#[derive(Clone, Copy)]
struct Clock(Instant);

impl Clock {
    fn now(&self) -> u64 {
        self.0.elapsed().as_millis() as u64
    }
}

/// The open connections of one server.
struct Slots {
    open: Mutex<HashMap<u64, Arc<Slot>>>,
    /// A connection closed.
    freed: Notify,
    clock: Clock,
}

impl Slots {
    /// Make room for one more connection below `max`: true when there is
    /// room now, having told the idlest connection to close if need be.
    fn make_room(&self, max: usize) -> bool {
        let mut open = self.open.lock().recover();
        if open.len() < max {
            return true;
        }
        let victim = open
            .iter()
            .map(|(id, s)| (s.state.load(Ordering::Relaxed), s.since.load(Ordering::Relaxed), *id))
            .filter(|(state, _, _)| *state != BUSY)
            .min();
        match victim.and_then(|(_, _, id)| open.remove(&id)) {
            Some(slot) => {
                slot.shed.notify_one();
                true
            }
            None => false,
        }
    }

    fn add(&self, id: u64) -> Arc<Slot> {
        let slot =
            Arc::new(Slot { state: AtomicU8::new(IDLE), since: AtomicU64::new(self.clock.now()), shed: Notify::new() });
        self.open.lock().recover().insert(id, slot.clone());
        slot
    }

    fn remove(&self, id: u64) {
        self.open.lock().recover().remove(&id);
        self.freed.notify_one();
    }
}

/// Serve `app` on `listener` until `shutdown` resolves, then drain.
/// Long on purpose: the accept loop's limits (cap, idle shedding, header and
/// body deadlines, drain) act on the same connection table.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let clock = Clock(Instant::now());
    let slots = Arc::new(Slots { open: Mutex::default(), freed: Notify::new(), clock });
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    let mut next_id = 0u64;
    'serve: loop {
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
        // Room for it: the idlest connection is shed, or, when every slot
        // is serving a request, the new one waits for a slot to free.
        loop {
            let freed = slots.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if slots.make_room(limits.max_connections) {
                break;
            }
            tokio::select! {
                () = freed => {}
                () = &mut shutdown => break 'serve,
            }
        }
        next_id += 1;
        let id = next_id;
        let slot = slots.add(id);
        // Handlers that need the client's address (login throttling) read it
        // as axum's `ConnectInfo`.
        let app = {
            let (on_request, on_answer) = (slot.clone(), slot.clone());
            app.clone()
                .map_request(move |req: axum::extract::Request<hyper::body::Incoming>| {
                    let (mut parts, body) = req.into_parts();
                    parts.extensions.insert(axum::extract::ConnectInfo(peer));
                    on_request.set(if body.is_end_stream() { BUSY } else { RECEIVING }, &clock);
                    let body = limited(axum::body::Body::new(body), limits, on_request.clone(), clock);
                    axum::extract::Request::from_parts(parts, body)
                })
                .map_response(move |res: axum::response::Response| {
                    on_answer.set(BUSY, &clock);
                    let (parts, body) = res.into_parts();
                    let body = Answer { inner: body, slot: on_answer.clone(), clock };
                    axum::response::Response::from_parts(parts, axum::body::Body::new(body))
                })
        };
        let service = TowerToHyperService::new(app);
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        let slots = slots.clone();
        tokio::spawn(async move {
            tokio::select! {
                closed = conn => if let Err(e) = closed {
                    tracing::debug!(error = %e, "connection closed with an error");
                },
                () = slot.shed.notified() => tracing::debug!("idle connection closed to make room for a new one"),
            }
            slots.remove(id);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain, graceful.shutdown()).await.is_err() {
        tracing::warn!("shutdown: requests still in flight after the drain time; closing them");
    }
    Ok(())
}

/// `body`, cut off with an error when its next piece takes longer than
/// `body_idle` (a client that sends headers, then stalls the body) or the
/// whole of it longer than `body_total` (one that trickles it). Its end
/// marks the connection busy: the handler has the whole request.
fn limited(body: axum::body::Body, limits: Limits, slot: Arc<Slot>, clock: Clock) -> axum::body::Body {
    use futures_util::StreamExt;
    let deadline = tokio::time::Instant::now() + limits.body_total;
    let chunks = futures_util::stream::unfold(Some(body.into_data_stream()), move |state| {
        let slot = slot.clone();
        async move {
            let mut chunks = state?;
            let wait = (tokio::time::Instant::now() + limits.body_idle).min(deadline);
            match tokio::time::timeout_at(wait, chunks.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(chunks))),
                Ok(None) => {
                    slot.set(BUSY, &clock);
                    None
                }
                Err(_) => {
                    slot.set(BUSY, &clock);
                    let message = if tokio::time::Instant::now() >= deadline {
                        format!("the request body took longer than {} ms in all", limits.body_total.as_millis())
                    } else {
                        "the request body stalled".to_string()
                    };
                    let cut = std::io::Error::new(std::io::ErrorKind::TimedOut, message);
                    Some((Err(axum::Error::new(cut)), None))
                }
            }
        }
    });
    axum::body::Body::from_stream(chunks)
}

/// An answer on its way to the client: its connection is busy until the
/// last byte is handed to the socket, then idle again.
struct Answer {
    inner: axum::body::Body,
    slot: Arc<Slot>,
    clock: Clock,
}

impl hyper::body::Body for Answer {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        self.slot.set(IDLE, &self.clock);
    }
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
            .route("/echo", axum::routing::post(|body: axum::body::Bytes| async move { body.len().to_string() }))
            .route(
                "/slow",
                axum::routing::get(|| async {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    "slow"
                }),
            );
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

    /// A connection that has made one request and keeps its slot, idle.
    async fn kept_alive(addr: std::net::SocketAddr) -> tokio::net::TcpStream {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = Vec::new();
        while !buf.ends_with(b"ok") {
            let mut piece = [0u8; 512];
            let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut piece)).await.unwrap().unwrap();
            assert!(n > 0, "closed before answering");
            buf.extend_from_slice(&piece[..n]);
        }
        s
    }

    #[tokio::test]
    async fn idle_kept_alive_connections_at_the_cap_are_shed_for_a_new_client() {
        // The idle timeout is far away: only shedding can make room.
        let limits = Limits { header_read: Duration::from_secs(60), max_connections: 4, ..Limits::default() };
        let (addr, _stop) = start(limits).await;
        let mut held = Vec::new();
        for _ in 0..6 {
            held.push(kept_alive(addr).await);
        }
        let answer = tokio::time::timeout(Duration::from_secs(3), get(addr)).await;
        assert!(answer.is_ok_and(|a| a.starts_with("HTTP/1.1 200")), "healthz locked out by idle keep-alive clients");
    }

    #[tokio::test]
    async fn a_trickled_body_is_cut_off_at_the_total_deadline() {
        let limits = Limits { body_total: Duration::from_millis(600), ..Limits::default() };
        let (addr, _stop) = start(limits).await;
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n").await.unwrap();
        let started = std::time::Instant::now();
        let mut buf = [0u8; 256];
        // One byte every 100 ms never stalls for the idle timeout (10 s).
        let n = loop {
            assert!(started.elapsed() < Duration::from_secs(5), "the trickled body was still read after 5 s");
            let _ = s.write_all(b"x").await;
            if let Ok(read) = tokio::time::timeout(Duration::from_millis(100), s.read(&mut buf)).await {
                break read.unwrap();
            }
        };
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    }

    #[tokio::test]
    async fn a_connection_serving_a_request_is_never_shed() {
        let limits = Limits { max_connections: 1, ..Limits::default() };
        let (addr, _stop) = start(limits).await;
        let slow = tokio::spawn(send(addr, b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        tokio::time::sleep(Duration::from_millis(100)).await;
        // It waits for the slow one, which finishes whole.
        assert!(get(addr).await.starts_with("HTTP/1.1 200"));
        let slow = slow.await.unwrap().expect("answered");
        assert!(slow.starts_with("HTTP/1.1 200") && slow.ends_with("slow"), "{slow}");
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
