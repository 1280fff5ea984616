//! HTTP plumbing: the middleware (auth, quirks, response normalisation) and the
//! request-body extractor that turns every rejection into SCIM Error JSON.

use super::{Quirk, SpState};
use crate::scim::SCIM_MEDIA_TYPE;
use crate::scim::ScimError;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, OriginalUri, Request};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rand::RngExt;
use serde_json::{Map, Value};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tower::{Layer, Service};

/// The SCIM root as the client sees it (`http://host/scim/v2`), for `location` and `$ref`.
/// Computed from the request when a handler asks for it.
#[derive(Debug, Clone)]
pub(crate) struct Base(pub String);

impl axum::extract::FromRequestParts<SpState> for Base {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, st: &SpState) -> Result<Self, ScimError> {
        Ok(Base(base_of(&parts.extensions, &parts.uri, &parts.headers, st.mount)))
    }
}

/// Query parameters as decoded pairs, in order: what `Query<Vec<(String, String)>>`
/// gives (form-urlencoded: `+` is a space, `%XX` decoded, invalid UTF-8 replaced,
/// empty `&&` segments skipped, a missing `=` means an empty value), without
/// going through serde.
pub(crate) struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for QueryPairs {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Infallible> {
        Ok(QueryPairs(parse_query(parts.uri.query().unwrap_or_default())))
    }
}

pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    crate::scim::url::query_pairs(query)
}

/// The conditional-request headers (`If-Match`, `If-None-Match`), the only
/// request headers the handlers read; cheaper than extracting the whole `HeaderMap`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Conditions {
    pub(crate) if_match: Option<HeaderValue>,
    pub(crate) if_none_match: Option<HeaderValue>,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Conditions {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Conditions {
            if_match: parts.headers.get(header::IF_MATCH).cloned(),
            if_none_match: parts.headers.get(header::IF_NONE_MATCH).cloned(),
        })
    }
}

/// `http://host` (when the Host header is usable), then the prefix stripped by
/// any nesting (from [`OriginalUri`] and the current URI), then `mount`, the
/// prefix the routes themselves were registered under.
fn base_of(extensions: &Extensions, uri: &Uri, headers: &HeaderMap, mount: &str) -> String {
    let full = extensions.get::<OriginalUri>().map(|u| u.path());
    let nested = full.and_then(|f| f.strip_suffix(uri.path())).unwrap_or_default();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| {
        !h.is_empty() && h.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b':' | b'[' | b']'))
    });
    let (scheme, host) = match host {
        Some(h) => ("http://", h),
        None => ("", ""),
    };
    let mut base = String::with_capacity(scheme.len() + host.len() + nested.len() + mount.len());
    for part in [scheme, host, nested, mount] {
        base.push_str(part);
    }
    base
}

fn is_json(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"))
}

/// The SP's one middleware, from the outside in:
/// 1. afterwards, replace non-SCIM error bodies with SCIM Error JSON and set
///    the response Content-Type;
/// 2. rate limit, flakiness and delay, in that order (a rejected request changes nothing);
/// 3. the bearer-token check when a token is configured;
/// 4. the default body limit for extractors.
///
/// One hand-written service instead of stacked `from_fn` layers: no boxed
/// future or boxed `Next` per step, and no state clones on the hot path.
#[derive(Clone)]
pub(crate) struct ScimLayer {
    pub(crate) state: SpState,
}

impl<S> Layer<S> for ScimLayer {
    type Service = ScimService<<DefaultBodyLimit as Layer<S>>::Service>;

    fn layer(&self, inner: S) -> Self::Service {
        let limit = self.state.config().body_limit;
        ScimService { inner: DefaultBodyLimit::max(limit).layer(inner), state: self.state.clone() }
    }
}

#[derive(Clone)]
pub(crate) struct ScimService<S> {
    inner: S,
    state: SpState,
}

impl<S> Service<Request> for ScimService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ScimFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let st = &self.state;
        let config = st.config();
        let stage = match admit(st).and_then(|()| check_auth(st, &req)) {
            Err(res) => Stage::Ready(*res),
            Ok(()) => Stage::Inner(self.inner.call(req)),
        };
        ScimFuture {
            stage,
            slow: config.quirk(|q| if let Quirk::Slow(ms) = q { Some(*ms) } else { None }),
            application_json: config.has(&Quirk::ApplicationJson),
            body_limit: config.body_limit,
        }
    }
}

/// Response future of [`ScimService`].
pub(crate) struct ScimFuture<F> {
    stage: Stage<F>,
    slow: Option<u64>,
    application_json: bool,
    body_limit: usize,
}

enum Stage<F> {
    Inner(F),
    Ready(Response),
    Sleeping(Pin<Box<tokio::time::Sleep>>, Response),
    Done,
}

impl<F> Future for ScimFuture<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match std::mem::replace(&mut this.stage, Stage::Done) {
                Stage::Inner(mut f) => match Pin::new(&mut f).poll(cx) {
                    Poll::Pending => {
                        this.stage = Stage::Inner(f);
                        return Poll::Pending;
                    }
                    Poll::Ready(Ok(res)) => this.stage = Stage::Ready(res),
                    Poll::Ready(Err(e)) => match e {},
                },
                Stage::Ready(res) => match this.slow.take() {
                    Some(ms) => {
                        this.stage = Stage::Sleeping(Box::pin(tokio::time::sleep(Duration::from_millis(ms))), res);
                    }
                    None => return Poll::Ready(Ok(finish(res, this.application_json, this.body_limit))),
                },
                Stage::Sleeping(mut sleep, res) => {
                    if sleep.as_mut().poll(cx).is_pending() {
                        this.stage = Stage::Sleeping(sleep, res);
                        return Poll::Pending;
                    }
                    return Poll::Ready(Ok(finish(res, this.application_json, this.body_limit)));
                }
                Stage::Done => panic!("ScimFuture polled after completion"),
            }
        }
    }
}

/// Replaces non-SCIM error bodies with SCIM Error JSON and sets the response Content-Type.
fn finish(mut res: Response, application_json: bool, body_limit: usize) -> Response {
    let status = res.status();
    if (status.is_client_error() || status.is_server_error()) && !is_json(res.headers()) {
        let mut err = ScimError::for_status(status);
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            err.detail = format!("request body exceeds {body_limit} bytes");
        }
        let mut replaced = err.into_response();
        for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
            if let Some(v) = res.headers().get(&name) {
                replaced.headers_mut().insert(name, v.clone());
            }
        }
        res = replaced;
    }
    if status != StatusCode::NO_CONTENT && status != StatusCode::NOT_MODIFIED {
        let ct = if application_json { "application/json" } else { SCIM_MEDIA_TYPE };
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    res
}

fn admit(st: &SpState) -> Result<(), Box<Response>> {
    let config = st.config();
    if let Some(rps) = config.quirk(|q| if let Quirk::RateLimit(r) = q { Some(*r) } else { None }) {
        let mut window = st.window();
        let now = Instant::now();
        if now.duration_since(window.0) >= Duration::from_secs(1) {
            *window = (now, 0);
        }
        if window.1 >= rps {
            let mut res = ScimError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("rate limit of {rps} requests per second exceeded"),
            )
            .into_response();
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return Err(Box::new(res));
        }
        window.1 += 1;
    }
    if let Some(rate) = config.quirk(|q| if let Quirk::Flaky(r) = q { Some(*r) } else { None })
        && st.flaky_rng().random_bool(rate)
    {
        let err = ScimError::new(StatusCode::SERVICE_UNAVAILABLE, "service temporarily unavailable");
        return Err(Box::new(err.into_response()));
    }
    Ok(())
}

/// Bearer-token check when a token is configured.
fn check_auth(st: &SpState, req: &Request) -> Result<(), Box<Response>> {
    if st.config().has(&super::Quirk::AcceptAnyToken) {
        return Ok(());
    }
    if let Some(token) = &st.token() {
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        if !presented.is_some_and(|t| crate::secret::same_secret(t, token)) {
            let err = ScimError::new(StatusCode::UNAUTHORIZED, "missing or invalid bearer token");
            return Err(Box::new(err.into_response()));
        }
    }
    Ok(())
}

/// Fallback for unknown paths.
pub(crate) async fn not_found() -> ScimError {
    ScimError::for_status(StatusCode::NOT_FOUND)
}

/// Fallback for a known path with the wrong method.
pub(crate) async fn method_not_allowed() -> ScimError {
    ScimError::for_status(StatusCode::METHOD_NOT_ALLOWED)
}

/// A JSON object request body. Rejections: 415 for a non-JSON, empty or
/// missing Content-Type,
/// 413 over the body limit, 400 invalidSyntax for anything unparsable.
pub(crate) struct ScimBody(pub Map<String, Value>);

impl FromRequest<SpState> for ScimBody {
    type Rejection = ScimError;

    async fn from_request(req: Request, state: &SpState) -> Result<Self, ScimError> {
        // No Content-Type, or an empty one, is not JSON either (docs/knobs.md).
        let ct = req.headers().get(header::CONTENT_TYPE).map_or("", |ct| ct.to_str().unwrap_or("?"));
        let essence = ct.split(';').next().unwrap_or_default().trim();
        // Both accepted types are lowercase ASCII.
        if !essence.eq_ignore_ascii_case(SCIM_MEDIA_TYPE) && !essence.eq_ignore_ascii_case("application/json") {
            return Err(ScimError::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ScimError::new(e.status(), format!("request body exceeds {} bytes", state.config().body_limit))
            } else {
                ScimError::bad_request("invalidSyntax", "could not read the request body")
            }
        })?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(ScimBody(map)),
            Ok(_) => Err(ScimError::bad_request("invalidSyntax", "request body must be a JSON object")),
            Err(e) => Err(ScimError::bad_request("invalidSyntax", format!("malformed JSON: {e}"))),
        }
    }
}
