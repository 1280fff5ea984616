//! Browser sessions, login, CSRF and the security headers. Every console
//! request gets a session cookie (HttpOnly, SameSite=Strict); every
//! state-changing request must carry that session's CSRF token and come from
//! the console's own origin.

use super::ConsoleError;
use super::state::{ConsoleState, random_token};
use super::views::{self, Flash};
use crate::lock::Recover;
use crate::secret::same_secret;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie.
pub const COOKIE: &str = "jcsim_sid";
/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";
/// The header that carries the CSRF token (fetch requests).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// At most this many logged-in sessions are kept; the least recently seen
/// goes first.
const MAX_SESSIONS: usize = 1000;
/// At most this many pending flash messages of visitors who are not logged in.
const MAX_FLASHES: usize = 1000;

/// A logged-in session. A visitor who is not logged in has no state on the
/// server at all: its CSRF token is its session cookie's value, checked
/// against the cookie it sends (a double-submit), so no number of
/// anonymous requests can push an admin's pre-login session out of a table
/// and make their login fail its CSRF check.
struct BrowserSession {
    csrf: String,
    flash: Option<Flash>,
    last_seen: Instant,
}

/// The browser sessions of this process (memory only).
#[derive(Default)]
pub struct Sessions {
    /// Logged-in sessions by id.
    map: Mutex<HashMap<String, BrowserSession>>,
    /// The next page's message for visitors not logged in (a lost one is harmless).
    flashes: Mutex<HashMap<String, Flash>>,
    /// Failed logins per client address.
    failures: Mutex<HashMap<IpAddr, Failures>>,
}

/// A client's failed logins in a row, and until when it must wait.
#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    until: Instant,
}

/// Failed logins a client may make before it has to wait; each further
/// failure doubles the wait, up to [`MAX_WAIT`].
const FREE_FAILURES: u32 = 3;
const FIRST_WAIT: Duration = Duration::from_secs(1);
const MAX_WAIT: Duration = Duration::from_secs(60);
/// Client addresses remembered (the oldest wait is forgotten first).
const MAX_CLIENTS: usize = 10_000;

impl Sessions {
    /// How long `client` must wait before its next login attempt.
    fn login_wait(&self, client: IpAddr) -> Option<Duration> {
        let failures = self.failures.lock().recover();
        let f = failures.get(&client)?;
        f.until.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
    }

    fn login_failed(&self, client: IpAddr) {
        let mut failures = self.failures.lock().recover();
        if failures.len() >= MAX_CLIENTS
            && !failures.contains_key(&client)
            && let Some(oldest) = failures.iter().min_by_key(|(_, f)| f.until).map(|(k, _)| *k)
        {
            failures.remove(&oldest);
        }
        let now = Instant::now();
        let f = failures.entry(client).or_insert(Failures { count: 0, until: now });
        f.count += 1;
        let doublings = f.count.saturating_sub(FREE_FAILURES + 1).min(6);
        let wait =
            if f.count > FREE_FAILURES { (FIRST_WAIT * 2u32.pow(doublings)).min(MAX_WAIT) } else { Duration::ZERO };
        f.until = now + wait;
    }

    fn login_succeeded(&self, client: IpAddr) {
        self.failures.lock().recover().remove(&client);
    }
}

/// The request's browser session, for handlers.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub sid: String,
    pub csrf: String,
    pub authed: bool,
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, BrowserSession>> {
        self.map.lock().recover()
    }

    /// The session of `sid`, or a new anonymous one (`true` when new).
    fn get_or_create(&self, sid: Option<&str>) -> (Visitor, bool) {
        if let Some(sid) = sid {
            if let Some(s) = self.lock().get_mut(sid) {
                s.last_seen = Instant::now();
                return (Visitor { sid: sid.to_string(), csrf: s.csrf.clone(), authed: true }, false);
            }
            if well_formed(sid) {
                return (Self::anonymous(sid.to_string()), false);
            }
        }
        (Self::anonymous(random_token()), true)
    }

    /// A visitor who is not logged in: nothing stored.
    fn anonymous(sid: String) -> Visitor {
        Visitor { csrf: sid.clone(), sid, authed: false }
    }

    /// Replace `old` by a fresh, logged-in session (no session fixation).
    fn login(&self, old: &str) -> Visitor {
        self.flashes.lock().recover().remove(old);
        let mut map = self.lock();
        map.remove(old);
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map.iter().min_by_key(|(_, s)| s.last_seen).map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        let (sid, csrf) = (random_token(), random_token());
        map.insert(sid.clone(), BrowserSession { csrf: csrf.clone(), flash: None, last_seen: Instant::now() });
        Visitor { sid, csrf, authed: true }
    }

    fn remove(&self, sid: &str) {
        self.lock().remove(sid);
    }

    /// Show `flash` on the session's next page.
    pub fn set_flash(&self, sid: &str, flash: Flash) {
        if let Some(s) = self.lock().get_mut(sid) {
            s.flash = Some(flash);
            return;
        }
        let mut flashes = self.flashes.lock().recover();
        if flashes.len() >= MAX_FLASHES
            && !flashes.contains_key(sid)
            && let Some(any) = flashes.keys().next().cloned()
        {
            flashes.remove(&any);
        }
        flashes.insert(sid.to_string(), flash);
    }

    pub fn take_flash(&self, sid: &str) -> Option<Flash> {
        if let Some(s) = self.lock().get_mut(sid) {
            return s.flash.take();
        }
        self.flashes.lock().recover().remove(sid)
    }
}

/// A session id as [`random_token`] makes them (64 lowercase hex digits).
fn well_formed(sid: &str) -> bool {
    sid.len() == 64 && sid.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

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
