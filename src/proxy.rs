//! `jcsim proxy`: a recording reverse proxy between a real JumpCloud tenant
//! and an SP. Every request is forwarded unchanged to the upstream SCIM base
//! and its answer streamed back unchanged; each exchange is recorded like a
//! run's (`events.jsonl`, so the report, HAR and summary render from it),
//! labelled with the Directory Insights event its shape matches, checked by
//! the per-exchange response rules, and redacted: credential headers are
//! masked and the token each one carries is scrubbed from every field, so it
//! never reaches disk.
//!
//! Requests are grouped into steps by pauses (`gap`): one admin action in
//! JumpCloud sends a burst of requests. When the upstream cannot be reached
//! the client gets a SCIM error (502, or 504 after the timeout) and the
//! fault is recorded.

use crate::check::{InspectOptions, Severity, inspect};
use crate::client::{Forwarder, Tee, Tls, Upstream, is_hop_by_hop};
use crate::lock::Recover;
use crate::record::{
    Check, Event, Exchange, Exit, FaultKind, RecordedRequest, RecordedResponse, Recorder, Redactor, StepFinished,
    StepStarted, Timing, TransportFault, Verdict,
};
use crate::scim::ScimError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// How the proxy runs.
#[derive(Debug, Clone)]
pub struct ProxyOptions {
    /// The SP's SCIM base, without a trailing `/`.
    pub upstream: String,
    /// Longest wait for the upstream's answer, and then for each piece of it.
    pub timeout: Duration,
    pub tls: Tls,
    /// Headers to mask besides `Authorization` and the usual credential headers.
    pub redact_headers: Vec<String>,
    /// Largest request body accepted; a larger one gets 413 and is not forwarded.
    pub body_limit: usize,
    /// A pause at least this long starts a new step.
    pub gap: Duration,
    /// Forward `Accept-Encoding` too. Off by default: the SP then answers
    /// uncompressed, so its answers are recorded readable (the request is
    /// still recorded with the header as the client sent it).
    pub keep_accept_encoding: bool,
    /// Where `events.jsonl` is written.
    pub run_dir: PathBuf,
    pub run_id: String,
}

/// What a finished capture recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    pub run_dir: PathBuf,
    pub exchanges: u64,
    pub exit: Exit,
}

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("--upstream: {0}")]
    Upstream(String),
    #[error("recording to {0}: {1}")]
    Record(String, std::io::Error),
    #[error("{0}")]
    Run(#[from] crate::engine::EngineError),
    #[error("serving: {0}")]
    Serve(std::io::Error),
}

/// The steps (bursts) of a capture.
#[derive(Debug, Default)]
struct Steps {
    /// The open step and when its last request arrived.
    open: Option<(usize, Instant, Instant)>,
    next: usize,
    /// Steps with a failed check, with the first reason.
    failed: HashMap<usize, String>,
    passed: usize,
    failed_count: usize,
}

struct Capture {
    forwarder: Forwarder,
    recorder: Recorder,
    /// The capture's run record.
    run: crate::engine::Run,
    started: Instant,
    opts: ProxyOptions,
    steps: Mutex<Steps>,
    /// Recording failed (disk full): the proxy still forwards.
    record_error: Mutex<Option<String>>,
    /// Distinct credentials learned so far (at most [`MAX_LEARNED`]).
    learned: Mutex<usize>,
}

/// The most distinct credentials one capture learns. Each one is scrubbed
/// from every recorded field, so each costs every later exchange a scan; a
/// real tenant sends one or two. A request carrying a new credential past
/// the cap is refused (503), not forwarded, so no answer to it can echo a
/// credential that would not be scrubbed.
pub const MAX_LEARNED: usize = 256;

/// Serve the proxy on `listener` until `shutdown`, then finish the record.
pub async fn serve(
    listener: tokio::net::TcpListener,
    opts: ProxyOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<Captured, ProxyError> {
    let forwarder =
        Forwarder::new(&opts.upstream, opts.timeout, &opts.tls).map_err(|e| ProxyError::Upstream(e.to_string()))?;
    let mut redactor = Redactor::new();
    for h in &opts.redact_headers {
        redactor = redactor.header(h);
    }
    let (run, recorder) = crate::engine::Run::open_at(opts.run_dir.clone(), opts.run_id.clone(), redactor)?;
    let header = crate::engine::RunHeader {
        scenario: "proxy capture".to_string(),
        file: String::new(),
        target: opts.upstream.clone(),
        target_kind: "capture".to_string(),
        seed: 0,
        behaviour: Vec::new(),
        steps: 0,
        namespace: None,
        insecure: opts.tls.insecure,
    };
    run.start(&recorder, header)?;
    let capture = Arc::new(Capture {
        forwarder,
        recorder,
        run,
        started: Instant::now(),
        opts,
        steps: Mutex::new(Steps::default()),
        record_error: Mutex::new(None),
        learned: Mutex::new(0),
    });
    let app = axum::Router::new().fallback(forward).with_state(capture.clone());
    crate::listen::serve(listener, app, crate::listen::Limits::default(), shutdown).await.map_err(ProxyError::Serve)?;
    Ok(capture.finish())
}

impl Capture {
    fn record(&self, event: Event) {
        if let Err(e) = self.recorder.record(event) {
            let mut err = self.record_error.lock().recover();
            if err.is_none() {
                tracing::error!(error = %e, "recording failed; requests are still forwarded");
                *err = Some(e.to_string());
            }
        }
    }

    fn at_ms(&self, t: Instant) -> u64 {
        t.saturating_duration_since(self.started).as_millis() as u64
    }

    /// The step a request arriving now belongs to: the open one, or a new
    /// one after a pause of at least `gap`.
    fn step_for(&self, now: Instant) -> usize {
        let mut steps = self.steps.lock().recover();
        if let Some((index, _, last)) = steps.open.as_mut()
            && now.saturating_duration_since(*last) < self.opts.gap
        {
            *last = now;
            return *index;
        }
        self.close(&mut steps);
        let index = steps.next;
        steps.next += 1;
        steps.open = Some((index, now, now));
        let clock = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        self.record(Event::StepStarted(StepStarted {
            step: index,
            action: "capture".to_string(),
            title: format!("requests from {clock}"),
            line: 0,
            col: 0,
            at_ms: self.at_ms(now),
            phase: None,
        }));
        index
    }

    fn close(&self, steps: &mut Steps) {
        let Some((index, first, last)) = steps.open.take() else { return };
        let reason = steps.failed.get(&index).cloned();
        if reason.is_some() {
            steps.failed_count += 1;
        } else {
            steps.passed += 1;
        }
        self.record(Event::StepFinished(StepFinished {
            step: index,
            verdict: if reason.is_some() { Verdict::Fail } else { Verdict::Pass },
            duration_ms: last.saturating_duration_since(first).as_secs_f64() * 1000.0,
            reason,
        }));
    }

    /// Record an exchange and the checks of its answer.
    fn finish_exchange(&self, x: Exchange) {
        // jcsim's own requests (a run through the proxy) expect refusals of
        // their own; JumpCloud's traffic is what the rules judge.
        let mut findings = if crate::fidelity::is_jcsim_own(&x) {
            Vec::new()
        } else {
            // jcsim's default `slow-response` threshold, as in runs.
            let slow_ms = crate::knobs::Behaviour::default().slow_response_ms as f64;
            inspect(&x, InspectOptions { slow_ms })
        };
        if let Some(fault) = &x.error {
            let f = crate::provision::Fault { kind: fault.kind, message: fault.message.clone(), exchange: x.id };
            findings.push(crate::provision::fault_finding(&f, &format!("{} {}", x.request.method, x.label)));
        }
        let step = x.step;
        self.record(Event::Exchange(x));
        for f in findings {
            let verdict = match f.severity {
                Severity::Error => Verdict::Fail,
                Severity::Warning => Verdict::Warn,
                Severity::Info => Verdict::Info,
            };
            if verdict == Verdict::Fail {
                let mut steps = self.steps.lock().recover();
                steps.failed.entry(step).or_insert_with(|| f.message.clone());
            }
            self.record(Event::Check(Check {
                step,
                id: f.id,
                verdict,
                message: f.message.clone(),
                admin_sees: f.admin_sees.clone(),
                fix: f.fix.clone(),
                exchange: f.exchange,
                expected: f.expected.clone(),
                actual: f.actual.clone(),
            }));
        }
    }

    fn finish(&self) -> Captured {
        let mut steps = self.steps.lock().recover();
        self.close(&mut steps);
        let exit = if steps.failed_count > 0 { Exit::Fail } else { Exit::Pass };
        let end = crate::engine::RunEnd {
            passed: steps.passed,
            failed: steps.failed_count,
            exit,
            ..crate::engine::RunEnd::default()
        };
        drop(steps);
        if let Err(e) = self.run.finish(&self.recorder, end) {
            tracing::error!(error = %e, "recording the end of the capture failed");
            self.record_error.lock().recover().get_or_insert(e.to_string());
        }
        Captured { run_dir: self.opts.run_dir.clone(), exchanges: self.recorder.exchanges(), exit }
    }

    /// Learn the credentials a request carries, so they are scrubbed from
    /// every recorded field, not only from their header. Each is learned
    /// exactly: a shorter credential learned first (`Bearer tok-`) does not
    /// stop the whole one being learned, and the longest is masked first.
    /// Err past [`MAX_LEARNED`].
    fn learn_secrets(&self, headers: &[(String, String)]) -> Result<(), String> {
        let redactor = self.recorder.redactor();
        for (name, value) in headers.iter().filter(|(n, _)| redactor.is_secret_header(n)) {
            let secret = value.split_once(' ').map_or(value.as_str(), |(_, token)| token).trim();
            if !Redactor::maskable(secret) || redactor.knows(secret) {
                continue;
            }
            let mut learned = self.learned.lock().recover();
            if *learned >= MAX_LEARNED {
                return Err(format!(
                    "jcsim proxy: this capture has seen {MAX_LEARNED} distinct credentials, its limit; a request with a new one is not forwarded (restart the proxy for a new capture)"
                ));
            }
            *learned += 1;
            self.recorder.add_secret(name, secret);
        }
        Ok(())
    }
}

/// An exchange being recorded.
struct Pending {
    capture: Arc<Capture>,
    exchange: Option<Exchange>,
    started: Instant,
    tee: Tee,
    /// The answer's `Content-Length`: once that much is through, the HTTP
    /// stack stops reading the stream without asking for its end.
    length: Option<usize>,
}

impl Pending {
    fn done(&mut self, error: Option<TransportFault>) {
        let Some(mut x) = self.exchange.take() else { return };
        if let Some(r) = x.response.as_mut() {
            let (body, text) = self.tee.recorded();
            r.body = body;
            r.body_text = text;
        }
        x.error = error;
        x.timing.duration_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        self.capture.finish_exchange(x);
    }
}

impl Drop for Pending {
    /// The client went away before the answer ended.
    fn drop(&mut self) {
        if self.exchange.is_some() && self.length == Some(self.tee.len()) {
            self.done(None);
        } else if self.exchange.is_some() {
            let sent = self.tee.len();
            self.done(Some(TransportFault {
                kind: FaultKind::Reset,
                message: format!("the client closed the connection after {sent} byte(s) of the answer"),
            }));
        }
    }
}

/// Forward one request upstream and record the exchange. Long on purpose:
/// the request is read, checked, recorded and forwarded, and the answer
/// streamed back and recorded, with a fault possible at each stage.
async fn forward(State(capture): State<Arc<Capture>>, req: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let path_and_query = capture.forwarder.below_base(path_and_query).to_string();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let refused = capture.learn_secrets(&headers).err().map(|m| (axum::http::StatusCode::SERVICE_UNAVAILABLE, m));
    let refused = refused.or_else(|| {
        capture
            .forwarder
            .escapes_base(&path_and_query)
            .map(|why| (axum::http::StatusCode::BAD_REQUEST, format!("jcsim proxy: {why}; not forwarded")))
    });
    let step = capture.step_for(started);
    let id = capture.recorder.next_exchange_id();
    let url = capture.forwarder.url(&path_and_query);
    let read = read_body(body, capture.opts.body_limit).await;
    let (bytes, body_fault) = match read {
        Ok(b) => (b, None),
        Err(f) => (bytes::Bytes::new(), Some(f)),
    };
    let recorded_body = (!bytes.is_empty()).then(|| {
        let mut tee = Tee::default();
        tee.feed(&bytes);
        match tee.recorded() {
            (Some(v), _) => v,
            (None, text) => serde_json::Value::String(text.unwrap_or_default()),
        }
    });
    let event = crate::fidelity::classify::classify(&method, &url, &headers, recorded_body.as_ref());
    let label = format!("captured {}", crate::fidelity::classify::path_of(&path_and_query));
    let exchange = Exchange {
        id,
        step,
        line: 0,
        event: event.name().to_string(),
        label,
        attempt: 1,
        request: RecordedRequest { method: method.clone(), url, headers: headers.clone(), body: recorded_body },
        response: None,
        error: None,
        timing: Timing { start_ms: capture.at_ms(started), duration_ms: 0.0 },
        expects_refusal: false,
    };
    let mut pending =
        Pending { capture: capture.clone(), exchange: Some(exchange), started, tee: Tee::default(), length: None };
    if let Some((status, detail)) = refused {
        pending.done(Some(TransportFault { kind: FaultKind::Other, message: detail.clone() }));
        return scim_error(status, detail);
    }
    if let Some((status, fault)) = body_fault {
        let detail = fault.message.clone();
        pending.done(Some(fault));
        return scim_error(status, detail);
    }
    // The client's header bytes, unchanged (the record shows them as text).
    let forwarded: Vec<(String, Vec<u8>)> = parts
        .headers
        .iter()
        .filter(|(k, _)| capture.opts.keep_accept_encoding || *k != axum::http::header::ACCEPT_ENCODING)
        .map(|(k, v)| (k.as_str().to_string(), v.as_bytes().to_vec()))
        .collect();
    let upstream = capture.forwarder.send(&method, &path_and_query, &forwarded, bytes).await;
    match upstream {
        Ok(up) if method == "HEAD" => {
            // A HEAD answer has no body, whatever its Content-Length says.
            pending.length = Some(0);
            stream_back(up, pending)
        }
        Ok(up) => stream_back(up, pending),
        Err(fault) => {
            let status = if fault.kind == FaultKind::Timeout {
                axum::http::StatusCode::GATEWAY_TIMEOUT
            } else {
                axum::http::StatusCode::BAD_GATEWAY
            };
            let detail = format!("jcsim proxy: the upstream did not answer ({}: {})", fault.kind, fault.message);
            pending.done(Some(fault));
            scim_error(status, detail)
        }
    }
}

/// Read a request body up to `limit` bytes.
async fn read_body(body: Body, limit: usize) -> Result<bytes::Bytes, (axum::http::StatusCode, TransportFault)> {
    let mut stream = body.into_data_stream();
    let mut out = bytes::BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            let message = format!("the request body did not arrive whole ({e}); not forwarded");
            (axum::http::StatusCode::BAD_REQUEST, TransportFault { kind: FaultKind::Body, message })
        })?;
        if out.len() + chunk.len() > limit {
            let message = format!("the request body exceeds {limit} bytes (--body-limit); not forwarded");
            return Err((
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                TransportFault { kind: FaultKind::TooLarge, message },
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}

/// The upstream's answer, streamed back as it arrives and recorded when it ends.
fn stream_back(up: Upstream, mut pending: Pending) -> Response {
    let mut builder = Response::builder().status(up.status);
    let connection = up.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("connection")).map(|(_, v)| v.clone());
    for (k, v) in &up.raw_headers {
        let keep = k.eq_ignore_ascii_case("content-length") || !is_hop_by_hop(k, connection.as_deref());
        if keep {
            builder = builder.header(k.as_str(), v.as_slice());
        }
    }
    pending.length = pending.length.or_else(|| {
        up.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
    });
    if let Some(x) = pending.exchange.as_mut() {
        x.response =
            Some(RecordedResponse { status: up.status, headers: up.headers.clone(), body: None, body_text: None });
    }
    let stream = futures_util::stream::unfold(Some((up, pending)), |state| async move {
        let (mut up, mut pending) = state?;
        match up.chunk().await {
            Ok(Some(chunk)) => {
                pending.tee.feed(&chunk);
                Some((Ok::<_, std::io::Error>(chunk), Some((up, pending))))
            }
            Ok(None) => {
                pending.done(None);
                None
            }
            Err(fault) => {
                let message = fault.message.clone();
                pending.done(Some(fault));
                // Cut the client's connection: the answer is incomplete.
                Some((Err(std::io::Error::other(message)), None))
            }
        }
    });
    builder
        .body(Body::from_stream(stream))
        .unwrap_or_else(|e| scim_error(axum::http::StatusCode::BAD_GATEWAY, format!("jcsim proxy: {e}")))
}

fn scim_error(status: axum::http::StatusCode, detail: String) -> Response {
    let err = ScimError::new(status, detail);
    let body = serde_json::to_vec(&err.body()).unwrap_or_default();
    (status, [(axum::http::header::CONTENT_TYPE, crate::scim::SCIM_MEDIA_TYPE)], body).into_response()
}
