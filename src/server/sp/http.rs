//! HTTP plumbing: middleware (auth, quirks, response normalisation) and the
//! request-body extractor that turns every rejection into SCIM Error JSON.

use super::error::ScimError;
use super::{Quirk, SpState};
use crate::scim::SCIM_MEDIA_TYPE;
use axum::body::Bytes;
use axum::extract::{FromRequest, OriginalUri, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngExt;
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

/// The SCIM root as the client sees it (`http://host/scim/v2`), for `location` and `$ref`.
#[derive(Debug, Clone)]
pub struct Base(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Base {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, ScimError> {
        Ok(parts.extensions.get::<Base>().cloned().unwrap_or(Base(String::new())))
    }
}

fn base_of(req: &Request) -> String {
    let full = req.extensions().get::<OriginalUri>().map(|u| u.path().to_string());
    let prefix = full.as_deref().and_then(|f| f.strip_suffix(req.uri().path())).unwrap_or_default().to_string();
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)));
    match host {
        Some(h) => format!("http://{h}{prefix}"),
        None => prefix,
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"))
}

/// Outermost layer: records the base URL, replaces non-SCIM error bodies with
/// SCIM Error JSON, and sets the response Content-Type.
pub async fn finish(State(st): State<SpState>, mut req: Request, next: Next) -> Response {
    let base = base_of(&req);
    req.extensions_mut().insert(Base(base));
    let mut res = next.run(req).await;
    let status = res.status();
    if (status.is_client_error() || status.is_server_error()) && !is_json(res.headers()) {
        let mut err = ScimError::for_status(status);
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            err.detail = format!("request body exceeds {} bytes", st.config().body_limit);
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
        let ct = if st.config().has(&Quirk::ApplicationJson) { "application/json" } else { SCIM_MEDIA_TYPE };
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    res
}

/// Rate limit, flakiness and delay, in that order; a rejected request changes nothing.
pub async fn quirks(State(st): State<SpState>, req: Request, next: Next) -> Response {
    let res = match admit(&st) {
        Err(e) => *e,
        Ok(()) => next.run(req).await,
    };
    if let Some(ms) = st.config().quirk(|q| if let Quirk::Slow(ms) = q { Some(*ms) } else { None }) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
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
    if let Some(rate) = config.quirk(|q| if let Quirk::Flaky(r) = q { Some(*r) } else { None }) {
        if st.flaky_rng().random_bool(rate) {
            let err = ScimError::new(StatusCode::SERVICE_UNAVAILABLE, "service temporarily unavailable");
            return Err(Box::new(err.into_response()));
        }
    }
    Ok(())
}

/// Bearer-token check when a token is configured.
pub async fn auth(State(st): State<SpState>, req: Request, next: Next) -> Response {
    if let Some(token) = &st.config().token {
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        if !presented.is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes())) {
            return ScimError::new(StatusCode::UNAUTHORIZED, "missing or invalid bearer token").into_response();
        }
    }
    next.run(req).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Fallback for unknown paths.
pub async fn not_found() -> ScimError {
    ScimError::for_status(StatusCode::NOT_FOUND)
}

/// Fallback for a known path with the wrong method.
pub async fn method_not_allowed() -> ScimError {
    ScimError::for_status(StatusCode::METHOD_NOT_ALLOWED)
}

/// A JSON object request body. Rejections: 415 for a non-JSON Content-Type,
/// 413 over the body limit, 400 invalidSyntax for anything unparsable.
pub struct ScimBody(pub Map<String, Value>);

impl FromRequest<SpState> for ScimBody {
    type Rejection = ScimError;

    async fn from_request(req: Request, state: &SpState) -> Result<Self, ScimError> {
        let ct = req.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap_or("?").to_ascii_lowercase());
        if let Some(ct) = ct {
            let essence = ct.split(';').next().unwrap_or_default().trim().to_string();
            if essence != SCIM_MEDIA_TYPE && essence != "application/json" {
                return Err(ScimError::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
            }
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
