//! Browser sessions, login, CSRF and the security headers. Every console
//! request gets a session cookie (HttpOnly, SameSite=Strict); every
//! state-changing request must carry that session's CSRF token and come from
//! the console's own origin.

use super::ConsoleError;
use super::sessions::{COOKIE, CSRF_FIELD, CSRF_HEADER, Visitor};
use super::state::ConsoleState;
use super::views;
use crate::secret::same_secret;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

fn set_cookie(resp: &mut Response, sid: &str) {
    let v = format!("{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Strict");
    if let Ok(v) = HeaderValue::from_str(&v) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn host_is_loopback(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        // HTTP/1.1 requires Host; tests built with `oneshot` may omit it.
        return true;
    };
    let name = match host.rsplit_once(':') {
        Some((n, port)) if port.chars().all(|c| c.is_ascii_digit()) => n,
        _ => host,
    };
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

/// A state-changing request must come from our own origin.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match headers.get(header::ORIGIN).map(|v| v.to_str().unwrap_or("")) {
        None => true,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
            !host.is_empty() && (origin == format!("http://{host}") || origin == format!("https://{host}"))
        }
    }
}

/// The `_csrf` value of a urlencoded body (the token is hex: no decoding needed).
fn form_csrf(body: &[u8]) -> Option<String> {
    std::str::from_utf8(body)
        .ok()?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == CSRF_FIELD)
        .map(|(_, v)| v.to_string())
}

fn refuse(status: StatusCode, msg: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], msg).into_response()
}

/// Host check, session cookie, CSRF and login, in that order.
pub async fn guard(State(state): State<ConsoleState>, req: Request, next: Next) -> Response {
    if state.config().loopback_hosts_only && !host_is_loopback(req.headers()) {
        return refuse(StatusCode::MISDIRECTED_REQUEST, "This console answers on 127.0.0.1 or localhost only.");
    }
    let path = req.uri().path().to_string();
    let cookie = cookie_value(req.headers());
    let (visitor, is_new) = state.sessions().get_or_create(cookie.as_deref());
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut req = req;
    if unsafe_method {
        if !same_origin(req.headers()) {
            return refuse(StatusCode::FORBIDDEN, "Cross-origin request refused.");
        }
        let header_token = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (parts, body) = req.into_parts();
        let bytes = match to_bytes(body, super::BODY_LIMIT).await {
            Ok(b) => b,
            Err(_) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large."),
        };
        let token = header_token.or_else(|| form_csrf(&bytes));
        if !token.is_some_and(|t| same_secret(&t, &visitor.csrf)) {
            return refuse(StatusCode::FORBIDDEN, "CSRF check failed: reload the page and try again.");
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    let needs_login =
        state.config().admin_token.is_some() && !visitor.authed && path != "/login" && !path.starts_with("/static/");
    let mut resp = if needs_login {
        if req.method() == Method::GET && !path.starts_with("/api/") {
            Redirect::to("/login").into_response()
        } else {
            refuse(StatusCode::UNAUTHORIZED, "Log in first.")
        }
    } else {
        req.extensions_mut().insert(visitor.clone());
        next.run(req).await
    };
    if is_new {
        set_cookie(&mut resp, &visitor.sid);
    }
    resp
}

/// Security headers on every response that has not set its own.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let defaults = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in defaults {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    resp
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    failed: Option<u8>,
    /// Seconds to wait after too many failed logins.
    #[serde(default)]
    wait: Option<u64>,
}

pub async fn login_page(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<LoginQuery>,
) -> Result<Response, ConsoleError> {
    if state.config().admin_token.is_none() || v.authed {
        return Ok(Redirect::to("/").into_response());
    }
    let mut ctx = tera::Context::new();
    ctx.insert("csrf", &v.csrf);
    ctx.insert("failed", &q.failed.is_some());
    ctx.insert("wait", &q.wait);
    views::render("login.html", &ctx)
}

pub async fn login(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(form): Form<LoginForm>,
) -> Response {
    let Some(expected) = state.config().admin_token.as_deref() else {
        return Redirect::to("/").into_response();
    };
    // Guessing is slowed per client: after a few failures, attempts wait
    // (not checked at all) for a time that doubles with each failure.
    let client = client.map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.0.ip());
    if let Some(wait) = state.sessions().login_wait(client) {
        return Redirect::to(&format!("/login?wait={}", wait.as_secs() + 1)).into_response();
    }
    if !same_secret(form.token.trim(), expected) {
        state.sessions().login_failed(client);
        return Redirect::to("/login?failed=1").into_response();
    }
    state.sessions().login_succeeded(client);
    let fresh = state.sessions().login(&v.sid);
    let mut resp = Redirect::to("/").into_response();
    set_cookie(&mut resp, &fresh.sid);
    resp
}

pub async fn logout(State(state): State<ConsoleState>, Extension(v): Extension<Visitor>) -> Response {
    state.sessions().remove(&v.sid);
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}
