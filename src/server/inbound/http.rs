//! HTTP for the inbound API: the `x-api-key` check, body parsing, and one
//! engine step per request (`Org::run_step` with `Action::Inbound`), so the
//! request is recorded and JumpCloud's outbound sync follows it.

use crate::engine::EngineError;
use crate::engine::org::{OrgConfig, OrgError, SharedOrg};
use crate::inbound::{API_KEY_HEADER, ApiResponse, BODY_LIMIT, PREFIX};
use crate::scenario::{Action, InboundRequest, Step};
use crate::scim::SCIM_MEDIA_TYPE;
use crate::scim::ScimError;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

/// The API under [`PREFIX`]; every path goes through one handler, which
/// answers SCIM Error JSON for anything it does not serve.
pub fn router(state: SharedOrg) -> Router {
    Router::new().fallback(handle).layer(DefaultBodyLimit::max(BODY_LIMIT)).with_state(state)
}

fn unauthorized(detail: &str) -> Response {
    let mut res = ScimError::new(StatusCode::UNAUTHORIZED, detail).into_response();
    res.headers_mut().remove(header::WWW_AUTHENTICATE);
    res
}

fn scim_response(r: &ApiResponse) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = match &r.body {
        Some(b) => (status, b.to_string()).into_response(),
        None => status.into_response(),
    };
    if r.body.is_some() {
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_MEDIA_TYPE));
    }
    if let Some(l) = r.location.as_deref().and_then(|l| HeaderValue::from_str(l).ok()) {
        res.headers_mut().insert(header::LOCATION, l);
    }
    res
}

fn parse_body(headers: &HeaderMap, bytes: &Bytes) -> Result<Option<Value>, ScimError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let essence = ct.split(';').next().unwrap_or_default().trim();
    if !essence.is_empty() && essence != SCIM_MEDIA_TYPE && essence != "application/json" {
        return Err(ScimError::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    serde_json::from_slice::<Value>(bytes)
        .map(Some)
        .map_err(|e| ScimError::bad_request("invalidSyntax", format!("malformed JSON: {e}")))
}

/// The SCIM root as the caller reached it, for `meta.location`.
fn base_of(headers: &HeaderMap, state: &SharedOrg) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)));
    match host {
        Some(h) => format!("http://{h}{PREFIX}"),
        None => state.config().inbound_url.clone(),
    }
}

async fn handle(
    State(state): State<SharedOrg>,
    OriginalUri(uri): OriginalUri,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let presented = headers.get(API_KEY_HEADER).and_then(|v| v.to_str().ok()).map(str::trim);
    let Some(presented) = presented.filter(|k| !k.is_empty()) else {
        return unauthorized("missing x-api-key header: send the organization's admin API key");
    };
    if !crate::secret::same_secret(presented, &state.api_key()) {
        tracing::warn!("inbound SCIM API: request with a wrong API key refused");
        return unauthorized("invalid API key");
    }
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return ScimError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("request body exceeds {BODY_LIMIT} bytes"))
                .into_response();
        }
    };
    let body = match parse_body(&headers, &bytes) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let path = uri.path().strip_prefix(PREFIX).unwrap_or(uri.path());
    let path = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    let req = InboundRequest { method: method.as_str().to_string(), path, body, expect: None };
    let base = base_of(&headers, &state);
    match step(&state, req, base).await {
        Ok(r) => scim_response(&r),
        Err(e) => {
            tracing::error!(error = %e, "inbound SCIM API: the step could not be recorded");
            ScimError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// One engine step for one request; write requests are remembered for export.
async fn step(state: &SharedOrg, req: InboundRequest, base: String) -> Result<ApiResponse, OrgError> {
    let mut core = state.lock().await;
    core.set_inbound_base(base);
    let writes = req.method != "GET" && !req.path.starts_with("/Users/.search");
    let step = Step { action: Action::Inbound(req), expect: None, line: 0, col: 0 };
    let ok = |log: &crate::engine::StepLog| log.inbound.as_ref().is_some_and(|r| (200..300).contains(&r.status));
    let (_, log, remembered) = core.run_step(step, |_, log| writes && ok(log)).await?;
    let response =
        log.inbound.ok_or_else(|| EngineError::Setup("the inbound step produced no response".to_string()))?;
    if remembered {
        core.save()?;
    }
    Ok(response)
}

/// `jcsim jumpcloud-api`: the inbound API alone (plus `/healthz`), over the
/// same org state as the console, so `--state` and `--runs` work as with
/// `jcsim serve`.
pub async fn serve_standalone(listener: tokio::net::TcpListener, config: OrgConfig) -> Result<(), OrgError> {
    let state = SharedOrg::open(config).await?;
    let app = Router::new()
        .nest(PREFIX, router(state.clone()))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(|| async { ScimError::for_status(StatusCode::NOT_FOUND) });
    crate::listen::serve(listener, app, crate::listen::Limits::default(), crate::signal::shutdown()).await?;
    state.finish().await
}
