//! The SCIM HTTP client (the only user of reqwest): JumpCloud's headers and
//! auth, per-request timeout, bounded retries with exponential backoff on
//! 5xx, 429 and connection errors, honouring `Retry-After`. Every attempt is
//! handed to the caller for recording.

use crate::record::{FaultKind, RecordedRequest, RecordedResponse, TransportFault};
use serde_json::Value;
use std::time::{Duration, Instant, SystemTime};
use thiserror::Error;

mod forward;
mod skim;
pub(crate) use forward::{Forwarder, Tee, Upstream, is_hop_by_hop};
pub use skim::Skim;

/// Bodies larger than this are not read further; the reply is classified as too large.
pub(crate) const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// The answer to a write (POST, PUT, PATCH, DELETE) larger than
/// [`MAX_RECORDED_JSON`] is read up to this size without being held: only its
/// top-level attributes are kept ([`Skim`]), for the model.
pub(crate) const MAX_SKIM_BYTES: usize = 256 * 1024 * 1024;
/// Non-JSON bodies are recorded up to this many bytes.
pub(crate) const MAX_RECORDED_TEXT: usize = 64 * 1024;
/// JSON bodies larger than this are recorded as capped text with a marker.
pub(crate) const MAX_RECORDED_JSON: usize = 1024 * 1024;

/// How JumpCloud authenticates to the SP [C].
#[derive(Debug, Clone, PartialEq)]
pub enum Credentials {
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// An API key in a header the admin names.
    Header { name: String, value: String },
}

impl Credentials {
    /// The secret value, for redaction.
    pub(crate) fn secret(&self) -> &str {
        match self {
            Credentials::Bearer(t) => t,
            Credentials::Header { value, .. } => value,
        }
    }

    /// The header the secret travels in.
    pub(crate) fn header_name(&self) -> &str {
        match self {
            Credentials::Bearer(_) => "Authorization",
            Credentials::Header { name, .. } => name,
        }
    }
}

/// Client settings.
#[derive(Debug, Clone)]
pub(crate) struct ClientConfig {
    /// SCIM root without a trailing `/`.
    pub(crate) base_url: String,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) content_type: String,
    pub(crate) user_agent: String,
    pub(crate) timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) backoff: Duration,
    pub(crate) max_retry_after: Duration,
    /// How the SP's certificate is checked.
    pub(crate) tls: Tls,
}

/// TLS trust beyond the platform's roots: `--cacert` and `--insecure`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tls {
    /// Extra trusted roots (PEM, one or more certificates), e.g. a private CA.
    pub(crate) ca_pem: Option<Vec<u8>>,
    /// Accept any certificate (recorded in the run and shown in the report).
    pub(crate) insecure: bool,
}

/// A request relative to the base URL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OutRequest {
    pub(crate) method: String,
    /// Path starting with `/`, with any query already encoded.
    pub(crate) path_and_query: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Body>,
    pub(crate) auth: AuthMode,
    /// A JSON answer over [`MAX_RECORDED_JSON`] is handed back as text
    /// ([`Answer::raw`]), not parsed into a value.
    pub(crate) raw_when_large: bool,
}

impl OutRequest {
    /// A bodiless request with the configured credentials.
    pub(crate) fn new(method: &str, path_and_query: &str) -> OutRequest {
        OutRequest {
            method: method.to_string(),
            path_and_query: path_and_query.to_string(),
            headers: Vec::new(),
            body: None,
            auth: AuthMode::Configured,
            raw_when_large: false,
        }
    }
}

/// A request body: a JSON value, or JSON text built without one (a large
/// group's member list would be 100,000 maps as values).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    Json(Value),
    Text(Vec<u8>),
}

impl Body {
    /// The body as a value, whichever form it was given in.
    pub(crate) fn to_value(&self) -> Option<Value> {
        match self {
            Body::Json(v) => Some(v.clone()),
            Body::Text(t) => serde_json::from_slice(t).ok(),
        }
    }
}

/// Which credentials a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum AuthMode {
    /// The configured credentials.
    #[default]
    Configured,
    /// None (negative tests).
    None,
    /// A wrong token in the configured place (the `auth-401` probe).
    Wrong,
    /// The credentials in use before the last [`Client::rotate`].
    Previous,
}

/// The token sent by [`AuthMode::Wrong`].
pub(crate) const WRONG_TOKEN: &str = "jcsim-probe-wrong-token";

/// One attempt, for the recorder.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub(crate) attempt: u32,
    pub(crate) request: RecordedRequest,
    pub(crate) response: Option<RecordedResponse>,
    pub(crate) error: Option<TransportFault>,
    pub(crate) started: Instant,
    pub(crate) duration: Duration,
}

/// The final answer after retries.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    /// The body's text, under [`OutRequest::raw_when_large`].
    pub(crate) raw: Option<Vec<u8>>,
    /// Exchange id of the final attempt.
    pub(crate) exchange: u64,
}

/// What the recorder hands back after recording an attempt: its id, and the
/// bodies it was given, so they are moved rather than copied.
#[derive(Debug, Default)]
pub(crate) struct Recorded {
    pub(crate) id: u64,
    pub(crate) request_body: Option<Value>,
    pub(crate) response_body: Option<Value>,
}

/// One HTTP answer as read.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    /// The body as JSON, whole or (a large answer to a write) skimmed.
    body: Option<Value>,
    /// What the record keeps instead of `body`: the capped text of a body
    /// that is not JSON or is over [`MAX_RECORDED_JSON`].
    text: Option<String>,
    /// The whole body, unparsed (`raw_when_large`).
    raw: Option<Vec<u8>>,
}

/// No HTTP response after the last attempt.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NoAnswer {
    pub(crate) fault: TransportFault,
    pub(crate) exchange: u64,
}

#[derive(Debug, Error)]
pub(crate) enum ClientError {
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

/// The SCIM client of one run.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    http: reqwest::Client,
    cfg: ClientConfig,
    /// Credentials entered since the run began (a token rotation), shared by clones.
    rotated: std::sync::Arc<std::sync::RwLock<Rotated>>,
}

/// The credentials a rotation put in place, and those before them.
#[derive(Debug, Default)]
struct Rotated {
    current: Option<Credentials>,
    previous: Option<Credentials>,
}

impl Client {
    pub(crate) fn new(cfg: ClientConfig) -> Result<Client, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            // jcsim retries itself, recording each attempt; reqwest's own
            // protocol-level retry would hide attempts (and copies every request).
            .retry(reqwest::retry::never().max_retries_per_request(0));
        let mut http = http.danger_accept_invalid_certs(cfg.tls.insecure);
        if let Some(pem) = &cfg.tls.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError::Build(format!("--cacert: not a PEM certificate: {e}")))?;
            if certs.is_empty() {
                return Err(ClientError::Build("--cacert: the file holds no PEM certificate".into()));
            }
            for c in certs {
                http = http.add_root_certificate(c);
            }
        }
        let http = http.build().map_err(|e| ClientError::Build(e.to_string()))?;
        Ok(Client { http, cfg, rotated: Default::default() })
    }

    /// The credentials requests carry now.
    pub(crate) fn credentials(&self) -> Option<Credentials> {
        use crate::lock::Recover;
        self.rotated.read().recover().current.clone().or_else(|| self.cfg.credentials.clone())
    }

    /// Put `new` credentials in place (the admin entered a new token); the
    /// ones before stay reachable through [`AuthMode::Previous`].
    pub(crate) fn rotate(&self, new: Credentials) {
        use crate::lock::Recover;
        let previous = self.credentials();
        let mut r = self.rotated.write().recover();
        r.previous = previous;
        r.current = Some(new);
    }

    pub(crate) fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// Send `req`, retrying as configured. `record` is called once per attempt
    /// and returns the exchange id it recorded, handing the bodies back.
    /// Long on purpose: the retry loop (attempt, classify, back off,
    /// honour Retry-After, record) keeps its state across attempts.
    pub(crate) async fn send(
        &self,
        req: OutRequest,
        mut record: impl FnMut(Attempt) -> Recorded,
    ) -> Result<Answer, NoAnswer> {
        let url = format!("{}{}", self.cfg.base_url, req.path_and_query);
        let headers = self.headers(&req);
        let (body_bytes, value) = match req.body {
            None => (None, None),
            Some(Body::Json(v)) => (Some(serde_json::to_vec(&v).unwrap_or_default()), Some(v)),
            Some(Body::Text(t)) => (Some(t), None),
        };
        let mut recorded_body = body_bytes.as_deref().map(|b| recorded_request_body(b, value));
        // Shared, not copied, by every attempt (a group push can be megabytes).
        let body_bytes = body_bytes.map(bytes::Bytes::from);
        let mut attempt = 1;
        loop {
            let recorded_req = RecordedRequest {
                method: req.method.clone(),
                url: url.clone(),
                headers: headers.clone(),
                body: recorded_body.take(),
            };
            let started = Instant::now();
            let outcome = self.once(&req.method, &url, &headers, body_bytes.clone(), req.raw_when_large).await;
            let duration = started.elapsed();
            let retries_left = attempt <= self.cfg.max_retries;
            match outcome {
                Ok(reply) => {
                    let status = reply.status;
                    let retry =
                        (retries_left && retryable(&req.method, status)).then(|| self.delay(attempt, &reply.headers));
                    // The model sees the whole body; the record keeps the capped text of a large one.
                    let (recorded, model_body) =
                        if reply.text.is_some() { (None, reply.body) } else { (reply.body, None) };
                    let back = record(Attempt {
                        attempt,
                        request: recorded_req,
                        response: Some(RecordedResponse {
                            status,
                            headers: reply.headers,
                            body: recorded,
                            body_text: reply.text,
                        }),
                        error: None,
                        started,
                        duration,
                    });
                    recorded_body = back.request_body;
                    if let Some(delay) = retry {
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                        continue;
                    }
                    return Ok(Answer {
                        status,
                        body: model_body.or(back.response_body),
                        raw: reply.raw,
                        exchange: back.id,
                    });
                }
                Err(fault) => {
                    let back = record(Attempt {
                        attempt,
                        request: recorded_req,
                        response: None,
                        error: Some(fault.clone()),
                        started,
                        duration,
                    });
                    recorded_body = back.request_body;
                    // A body over the cap would be over it again: no retry.
                    if retries_left && !matches!(fault.kind, FaultKind::Other | FaultKind::TooLarge) {
                        tokio::time::sleep(self.delay(attempt, &[])).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(NoAnswer { fault, exchange: back.id });
                }
            }
        }
    }

    fn headers(&self, req: &OutRequest) -> Vec<(String, String)> {
        let mut h = vec![("Accept".to_string(), self.cfg.content_type.clone())];
        if req.body.is_some() {
            h.push(("Content-Type".to_string(), self.cfg.content_type.clone()));
        }
        h.push(("User-Agent".to_string(), self.cfg.user_agent.clone()));
        let credentials = match req.auth {
            AuthMode::Previous => {
                use crate::lock::Recover;
                self.rotated.read().recover().previous.clone()
            }
            _ => self.credentials(),
        };
        let auth = if req.auth == AuthMode::Previous { AuthMode::Configured } else { req.auth };
        match (auth, &credentials) {
            (AuthMode::None, _) | (AuthMode::Configured | AuthMode::Previous, None) => {}
            (AuthMode::Configured | AuthMode::Previous, Some(Credentials::Bearer(t))) => {
                h.push(("Authorization".to_string(), format!("Bearer {t}")))
            }
            (AuthMode::Configured | AuthMode::Previous, Some(Credentials::Header { name, value })) => {
                h.push((name.clone(), value.clone()))
            }
            (AuthMode::Wrong, Some(Credentials::Header { name, .. })) => {
                h.push((name.clone(), WRONG_TOKEN.to_string()))
            }
            (AuthMode::Wrong, _) => h.push(("Authorization".to_string(), format!("Bearer {WRONG_TOKEN}"))),
        }
        for (k, v) in &req.headers {
            h.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
            h.push((k.clone(), v.clone()));
        }
        h
    }

    async fn once(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<bytes::Bytes>,
        raw_when_large: bool,
    ) -> Result<Reply, TransportFault> {
        let method =
            reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| fault(FaultKind::Other, e.to_string()))?;
        // The answer to a write is only needed for its top-level attributes
        // (the new resource's `id`): a large one is skimmed, not held.
        let skimmable = method != reqwest::Method::GET && method != reqwest::Method::HEAD;
        let mut rb = self.http.request(method, url);
        for (k, v) in headers {
            rb = rb.header(k, v);
        }
        if let Some(b) = body {
            rb = rb.body(b);
        }
        let mut resp = rb.send().await.map_err(classify)?;
        let status = resp.status().as_u16();
        let resp_headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let held_cap = if skimmable { MAX_RECORDED_JSON } else { MAX_BODY_BYTES };
        let mut raw = Vec::new();
        // Once skimming: the skim and the body's first bytes (for the record).
        let mut skim: Option<(Skim, Vec<u8>)> = None;
        let mut len = 0usize;
        while let Some(chunk) = resp.chunk().await.map_err(classify)? {
            len += chunk.len();
            if let Some((s, _)) = skim.as_mut() {
                if len > MAX_SKIM_BYTES {
                    return Err(too_large(MAX_SKIM_BYTES));
                }
                // A body that is not one object is only counted from then on.
                s.feed(&chunk);
                continue;
            }
            if len <= held_cap {
                raw.extend_from_slice(&chunk);
                continue;
            }
            if !skimmable {
                return Err(too_large(MAX_BODY_BYTES));
            }
            let mut s = Skim::default();
            s.feed(&raw);
            s.feed(&chunk);
            raw.extend_from_slice(&chunk[..chunk.len().min(MAX_RECORDED_TEXT.saturating_sub(raw.len()))]);
            raw.truncate(MAX_RECORDED_TEXT);
            skim = Some((s, std::mem::take(&mut raw)));
        }
        if raw_when_large && skim.is_none() && len > MAX_RECORDED_JSON {
            return Ok(Reply {
                status,
                headers: resp_headers,
                body: None,
                text: Some(capped_text(&raw)),
                raw: Some(raw),
            });
        }
        let (body, text) = match skim {
            Some((s, head)) => (s.finish(), Some(capped(&head, len))),
            None => match parse_body(&raw) {
                (Some(v), _) if len > MAX_RECORDED_JSON => (Some(v), Some(capped_text(&raw))),
                parsed => parsed,
            },
        };
        Ok(Reply { status, headers: resp_headers, body, text, raw: None })
    }

    /// Retry delay: `Retry-After` when given (capped), else exponential backoff.
    fn delay(&self, attempt: u32, headers: &[(String, String)]) -> Duration {
        let retry_after = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
            .and_then(|(_, v)| parse_retry_after(v, SystemTime::now()));
        match retry_after {
            Some(d) => d.min(self.cfg.max_retry_after),
            None => self.cfg.backoff.saturating_mul(1 << (attempt - 1).min(10)),
        }
    }
}

/// Whether an answer is worth resending. 429 and 503 say the request was
/// not handled (RFC 6585 §4, RFC 9110 §15.6.4): always. Another 5xx may be
/// transient, but after a POST the SP may have stored the resource before
/// failing, so the caller looks it up instead. 501 and 505 say the SP
/// cannot do it at all, and no other 4xx changes on a second try.
fn retryable(method: &str, status: u16) -> bool {
    match status {
        429 | 503 => true,
        501 | 505 => false,
        500..=599 => method != "POST",
        _ => false,
    }
}

/// `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

fn parse_body(raw: &[u8]) -> (Option<Value>, Option<String>) {
    if raw.is_empty() {
        return (None, None);
    }
    match serde_json::from_slice::<Value>(raw) {
        Ok(v) => (Some(v), None),
        Err(_) => (None, Some(capped_text(raw))),
    }
}

/// A request body as recorded: the value, or (given as text) the text parsed;
/// over [`MAX_RECORDED_JSON`], capped text (a JSON string) with a marker. The
/// model's copy of a large body is dropped here, once serialized.
fn recorded_request_body(bytes: &[u8], value: Option<Value>) -> Value {
    match value {
        _ if bytes.len() > MAX_RECORDED_JSON => Value::String(capped_text(bytes)),
        Some(v) => v,
        None => serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(capped_text(bytes))),
    }
}

/// The first [`MAX_RECORDED_TEXT`] bytes as text, with a marker saying how much was cut.
fn capped_text(raw: &[u8]) -> String {
    capped(raw, raw.len())
}

/// The first [`MAX_RECORDED_TEXT`] bytes of `head` as the text of a body of
/// `len` bytes, with a marker saying how much was cut.
fn capped(head: &[u8], len: usize) -> String {
    let kept = head.len().min(MAX_RECORDED_TEXT).min(len);
    let text = String::from_utf8_lossy(&head[..kept]).into_owned();
    if len > kept { format!("{text}[jcsim: {} bytes cut]", len - kept) } else { text }
}

fn too_large(cap: usize) -> TransportFault {
    fault(FaultKind::TooLarge, format!("response body exceeds {} MiB; jcsim stopped reading", cap / (1024 * 1024)))
}

fn fault(kind: FaultKind, message: String) -> TransportFault {
    TransportFault { kind, message }
}

/// What a TLS failure in a transport fault's message is (rustls' wording,
/// as [`classify`] records it). Preflight explains it; the model files it
/// under `target-tls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TlsFailure {
    /// `https://` to a server that answered in plain HTTP.
    PlainHttpServer,
    /// The server's certificate is not trusted.
    Untrusted,
    /// Another handshake failure.
    Handshake,
}

/// The TLS failure a fault message describes, if any.
pub(crate) fn tls_failure(message: &str) -> Option<TlsFailure> {
    let has = |keys: &[&str]| keys.iter().any(|k| message.contains(k));
    if has(&["InvalidContentType", "corrupt message", "wrong version number"]) {
        Some(TlsFailure::PlainHttpServer)
    } else if has(&["invalid peer certificate", "UnknownIssuer", "CaUsedAsEndEntity", "NotValidForName", "certificate"])
    {
        Some(TlsFailure::Untrusted)
    } else if has(&["tls", "TLS", "handshake"]) {
        Some(TlsFailure::Handshake)
    } else {
        None
    }
}

/// Classify a reqwest error without its URL (the URL is recorded separately).
fn classify(e: reqwest::Error) -> TransportFault {
    let kind = if e.is_timeout() {
        FaultKind::Timeout
    } else if e.is_connect() {
        FaultKind::Connect
    } else if e.is_body() || e.is_decode() {
        FaultKind::Body
    } else if e.is_request() {
        FaultKind::Reset
    } else {
        FaultKind::Other
    };
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    // hyper's words for a header block over its limit: the SP answered, and
    // would answer the same again; not a broken connection to retry.
    if msg.contains("message head is too large") {
        let what = "the answer's header block is larger than jcsim reads (hyper's limit, about 400 KiB)";
        return fault(FaultKind::TooLarge, format!("{what}: {msg}"));
    }
    fault(kind, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_answers_are_resent() {
        assert!(retryable("GET", 503) && retryable("PATCH", 500) && retryable("POST", 429) && retryable("POST", 503));
        assert!(!retryable("PATCH", 501) && !retryable("GET", 505));
        assert!(!retryable("POST", 500) && !retryable("POST", 502), "a POST may have been stored");
        assert!(!retryable("GET", 400) && !retryable("PUT", 409) && !retryable("GET", 404));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[tokio::test]
    async fn raw_when_large_hands_back_the_text_of_a_large_answer_only() {
        use wiremock::matchers::path;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        let big = serde_json::json!({"displayName": "All", "pad": "x".repeat(MAX_RECORDED_JSON)});
        let json = |v: &Value| {
            ResponseTemplate::new(200).set_body_raw(serde_json::to_vec(v).unwrap(), "application/scim+json")
        };
        Mock::given(path("/big")).respond_with(json(&big)).mount(&server).await;
        Mock::given(path("/small")).respond_with(json(&serde_json::json!({"id": "1"}))).mount(&server).await;
        let client = Client::new(ClientConfig {
            base_url: server.uri(),
            credentials: None,
            content_type: "application/scim+json".into(),
            user_agent: "test".into(),
            timeout: Duration::from_secs(5),
            max_retries: 0,
            backoff: Duration::ZERO,
            max_retry_after: Duration::ZERO,
            tls: Default::default(),
        })
        .unwrap();
        let get = |p: &str, raw_when_large: bool| OutRequest {
            method: "GET".into(),
            path_and_query: p.into(),
            headers: Vec::new(),
            body: None,
            auth: AuthMode::Configured,
            raw_when_large,
        };
        let record = |a: Attempt| {
            let text = a.response.as_ref().and_then(|r| r.body_text.clone());
            assert_eq!(text.is_some(), a.request.url.ends_with("/big"), "a large answer is recorded capped");
            Recorded { id: 1, request_body: None, response_body: a.response.and_then(|r| r.body) }
        };
        let a = client.send(get("/big", true), record).await.unwrap();
        assert!(a.body.is_none());
        assert_eq!(serde_json::from_slice::<Value>(&a.raw.unwrap()).unwrap(), big);
        let a = client.send(get("/small", true), record).await.unwrap();
        assert_eq!((a.body, a.raw), (Some(serde_json::json!({"id": "1"})), None));
        let a = client.send(get("/big", false), record).await.unwrap();
        assert_eq!((a.body, a.raw), (Some(big), None));
    }

    /// A header block over hyper's limit is the SP's answer, too large: not
    /// a reset connection, and not retried.
    #[tokio::test]
    async fn an_oversized_header_block_is_too_large_and_not_retried() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf).await;
                    let mut head = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n".to_vec();
                    for i in 0..2000 {
                        head.extend_from_slice(format!("X-Pad-{i}: {}\r\n", "x".repeat(400)).as_bytes());
                    }
                    head.extend_from_slice(b"\r\n");
                    let _ = s.write_all(&head).await;
                });
            }
        });
        let client = Client::new(ClientConfig {
            base_url: format!("http://{addr}"),
            credentials: None,
            content_type: "application/scim+json".into(),
            user_agent: "test".into(),
            timeout: Duration::from_secs(5),
            max_retries: 3,
            backoff: Duration::ZERO,
            max_retry_after: Duration::ZERO,
            tls: Default::default(),
        })
        .unwrap();
        let req = OutRequest {
            method: "GET".into(),
            path_and_query: "/Users".into(),
            headers: Vec::new(),
            body: None,
            auth: AuthMode::Configured,
            raw_when_large: false,
        };
        let attempts = std::sync::atomic::AtomicUsize::new(0);
        let record = |_: Attempt| {
            attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Recorded { id: 1, request_body: None, response_body: None }
        };
        let err = client.send(req, record).await.unwrap_err();
        assert_eq!(err.fault.kind, FaultKind::TooLarge, "{}", err.fault.message);
        assert!(err.fault.message.contains("header block"), "{}", err.fault.message);
        assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 1, "retried");
    }

    #[test]
    fn non_json_bodies_are_kept_as_capped_text() {
        let (json, text) = parse_body(b"<html>oops</html>");
        assert!(json.is_none());
        assert_eq!(text.as_deref(), Some("<html>oops</html>"));
        let big = vec![b'x'; MAX_RECORDED_TEXT + 10];
        let (_, text) = parse_body(&big);
        assert!(text.unwrap().ends_with("[jcsim: 10 bytes cut]"));
    }
}
