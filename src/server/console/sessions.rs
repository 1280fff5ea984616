//! Browser sessions (memory only): logged-in sessions, the next page's
//! banner (`Flash`), and failed logins per client address. Below the
//! console's state and views; `auth.rs` drives it from requests.

use crate::engine::org::random_token;
use crate::lock::Recover;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::IpAddr;
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
    pub(super) fn login_wait(&self, client: IpAddr) -> Option<Duration> {
        let failures = self.failures.lock().recover();
        let f = failures.get(&client)?;
        f.until.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
    }

    pub(super) fn login_failed(&self, client: IpAddr) {
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

    pub(super) fn login_succeeded(&self, client: IpAddr) {
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
    pub(super) fn get_or_create(&self, sid: Option<&str>) -> (Visitor, bool) {
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
    pub(super) fn anonymous(sid: String) -> Visitor {
        Visitor { csrf: sid.clone(), sid, authed: false }
    }

    /// Replace `old` by a fresh, logged-in session (no session fixation).
    pub(super) fn login(&self, old: &str) -> Visitor {
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

    pub(super) fn remove(&self, sid: &str) {
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
pub(super) fn well_formed(sid: &str) -> bool {
    sid.len() == 64 && sid.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A banner shown on the next page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Flash {
    /// `success` or `error`.
    pub kind: String,
    pub title: String,
    pub detail: Option<String>,
    /// What the JumpCloud admin would see and how to fix the SP.
    pub notes: Vec<String>,
    /// Show the detail preformatted (monospace, lines kept).
    #[serde(default)]
    pub pre: bool,
}

impl Flash {
    pub fn ok(title: impl Into<String>, detail: Option<String>) -> Flash {
        Flash { kind: "success".into(), title: title.into(), detail, notes: Vec::new(), pre: false }
    }

    pub fn warn(title: impl Into<String>, detail: Option<String>) -> Flash {
        Flash { kind: "warning".into(), title: title.into(), detail, notes: Vec::new(), pre: false }
    }

    pub fn err(title: impl Into<String>, detail: Option<String>) -> Flash {
        Flash { kind: "error".into(), title: title.into(), detail, notes: Vec::new(), pre: false }
    }

    /// An error whose detail keeps its lines and columns (a scenario error
    /// with its source line and caret).
    pub fn err_pre(title: impl Into<String>, detail: String) -> Flash {
        Flash { pre: true, ..Flash::err(title, Some(detail)) }
    }
}
