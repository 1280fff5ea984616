//! Router tests (tower `oneshot`) for every page and action, the security
//! properties, state persistence and the export round trip.

use super::sessions::CSRF_HEADER;
use super::*;
use crate::engine::{RunOptions, run_scenario};
use crate::record::{Event, read_events};
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;

const SP_TOKEN: &str = "sp-token-5f1e9a7c-distinctive";
const API_KEY: &str = "api-key-3c9d2e71-distinctive";
const XSS: &str = "</script><script>document.title=\"pwned\"</script>";

struct Live {
    state: ConsoleState,
    app: Router,
    dir: tempfile::TempDir,
}

/// A console bound on a loopback port (its client talks to its own embedded SP).
async fn live_with(dir: tempfile::TempDir, admin: Option<&str>) -> Live {
    let admin = admin.map(str::to_string);
    live_configured(dir, move |c| {
        c.loopback_hosts_only = admin.is_none();
        c.admin_token = admin;
    })
    .await
}

/// [`live_with`] without login, after `tune` has changed the config.
async fn live_configured(dir: tempfile::TempDir, tune: impl FnOnce(&mut ConsoleConfig)) -> Live {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = ConsoleConfig {
        state_file: Some(dir.path().join("state.json")),
        runs_dir: dir.path().join("runs"),
        admin_token: None,
        self_url: format!("http://{addr}"),
        sp_token: Some(SP_TOKEN.into()),
        scim_token: None,
        seed: 7,
        loopback_hosts_only: true,
        api_key: Some(API_KEY.into()),
        sp_quirks: Vec::new(),
        readiness: None,
    };
    tune(&mut config);
    let state = ConsoleState::new(config).await.unwrap();
    let served = crate::server::app(state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, served).await;
    });
    Live { app: crate::server::app(state.clone()), state, dir }
}

async fn live() -> Live {
    live_with(tempfile::tempdir().unwrap(), None).await
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

/// A browser: a session cookie and its CSRF token.
struct Browser {
    app: Router,
    cookie: String,
    csrf: String,
}

impl Browser {
    async fn new(app: &Router) -> Browser {
        let mut b = Browser { app: app.clone(), cookie: String::new(), csrf: String::new() };
        let r = b.get("/").await;
        b.adopt(&r);
        if b.csrf.is_empty() {
            let r = b.get("/login").await;
            b.adopt(&r);
        }
        b
    }

    fn adopt(&mut self, r: &Resp) {
        if let Some(c) = r.headers.get(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            self.cookie = c.split(';').next().unwrap().to_string();
        }
        if let Some(i) = r.body.find("name=\"csrf-token\" content=\"") {
            let rest = &r.body[i + 27..];
            self.csrf = rest[..rest.find('"').unwrap()].to_string();
        } else if let Some(i) = r.body.find("name=\"_csrf\" value=\"") {
            let rest = &r.body[i + 20..];
            self.csrf = rest[..rest.find('"').unwrap()].to_string();
        }
    }

    async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        Resp { status, headers, body: String::from_utf8_lossy(&bytes).to_string() }
    }

    async fn get(&self, path: &str) -> Resp {
        let req = Request::get(path)
            .header(header::HOST, "127.0.0.1")
            .header(header::COOKIE, &self.cookie)
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    fn form(&self, fields: &[(&str, &str)], csrf: bool) -> String {
        let mut parts: Vec<String> = fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
        if csrf {
            parts.push(format!("_csrf={}", self.csrf));
        }
        parts.join("&")
    }

    async fn post_raw(&self, path: &str, body: String, extra: &[(&str, &str)]) -> Resp {
        let mut req = Request::post(path)
            .header(header::HOST, "127.0.0.1")
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// POST a form with the CSRF token; follow the redirect; return the page.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let r = self.post_raw(path, self.form(fields, true), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}: {}", r.body);
        let to = r.headers[header::LOCATION].to_str().unwrap().to_string();
        self.get(&to).await
    }
}

fn banner(page: &Resp) -> String {
    let i = page.body.find("class=\"banner-title\">").expect("a banner");
    let rest = &page.body[i + 21..];
    rest[..rest.find('<').unwrap()].to_string()
}

fn ids(page: &str, prefix: &str) -> Vec<String> {
    page.match_indices(prefix)
        .map(|(i, _)| page[i + prefix.len()..].chars().take_while(|c| c.is_ascii_hexdigit()).collect::<String>())
        .filter(|s| s.len() == 24)
        .collect()
}

/// The sales demo, through the router: 3 users, a group with 2 members, the
/// app, Test Connection, Activate, bind, rename, suspend, remove, delete, deactivate.
async fn demo(b: &Browser, token: &str) -> Vec<Resp> {
    let mut pages = Vec::new();
    for _ in 0..3 {
        let p = b.post("/users/generate", &[]).await;
        assert_eq!(banner(&p), "User created");
        pages.push(p);
    }
    let users = ids(&b.get("/users").await.body, "href=\"/users/");
    assert_eq!(users.len(), 3);
    let p = b.post("/groups", &[("name", "Engineering")]).await;
    assert_eq!(banner(&p), "User group created");
    let group = ids(&p.body, "href=\"/groups/")[0].clone();
    for u in &users[..2] {
        let p = b.post(&format!("/groups/{group}/members/add"), &[("user", u)]).await;
        assert_eq!(banner(&p), "Member added");
    }
    let p = b.post("/apps", &[("name", "Acme")]).await;
    assert_eq!(banner(&p), "Application saved");
    let base_url = format!("{}{SP_PREFIX}", b_self(b).await);
    let im = [
        ("base_url", base_url.as_str()),
        ("auth_type", "bearer"),
        ("header_name", "X-API-Key"),
        ("token_key", token),
        ("test_user_email", "jc-test@jumpcloud.com"),
        ("group_management", "on"),
        ("member_removal", "value_array"),
    ];
    let p = b.post("/apps/app/im/test", &im).await;
    assert_eq!(banner(&p), "Connection successful", "{}", p.body);
    pages.push(p);
    let p = b.post("/apps/app/im/activate", &im).await;
    assert_eq!(banner(&p), "Identity Management activated", "{}", p.body);
    pages.push(p);
    let p = b.post("/apps/app/groups/bind", &[("group", &group)]).await;
    assert_eq!(banner(&p), "User group bound to the application");
    let p = b.post(&format!("/groups/{group}/rename"), &[("name", "Platform")]).await;
    assert_eq!(banner(&p), "User group renamed");
    let p = b.post(&format!("/users/{}/state", users[0]), &[("state", "SUSPENDED")]).await;
    assert_eq!(banner(&p), "User suspended");
    let p = b.post(&format!("/groups/{group}/members/remove"), &[("user", &users[1])]).await;
    assert_eq!(banner(&p), "Member removed");
    let p = b
        .post(
            &format!("/users/{}", users[2]),
            &[("email", "x.y@example.com"), ("firstname", "Xavier"), ("job_title", "CTO")],
        )
        .await;
    assert_eq!(banner(&p), "User saved");
    let p = b.post(&format!("/users/{}/delete", users[1]), &[]).await;
    assert_eq!(banner(&p), "User deleted");
    let p = b.post("/apps/app/im/deactivate", &[]).await;
    assert_eq!(banner(&p), "Identity Management deactivated");
    pages.push(p);
    pages
}

/// The console's own URL (from the pre-filled embedded URL hint).
async fn b_self(b: &Browser) -> String {
    let p = b.get("/apps/app?tab=identity").await;
    let i = p.body.find("Embedded SP: <code>").unwrap();
    let rest = &p.body[i + 19..];
    let url = &rest[..rest.find('<').unwrap()];
    url.replace("&#x2F;", "/").trim_end_matches(SP_PREFIX).to_string()
}

#[tokio::test]
async fn every_page_renders_after_the_demo_flow() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    demo(&b, SP_TOKEN).await;
    let users = ids(&b.get("/users").await.body, "href=\"/users/");
    let groups = ids(&b.get("/groups").await.body, "href=\"/groups/");
    let mut paths: Vec<String> = [
        "/",
        "/users",
        "/users/new",
        "/users/new?fake=1",
        "/groups",
        "/apps",
        "/apps/app",
        "/apps/app?tab=sso",
        "/apps/app?tab=identity",
        "/apps/app?tab=groups",
        "/apps/app?tab=users",
        "/insights",
        "/export",
        "/runs",
        "/export.yaml",
        "/api/events",
        "/healthz",
        "/static/console.css",
        "/static/console.js",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    paths.push(format!("/users/{}", users[0]));
    paths.push(format!("/groups/{}", groups[0]));
    paths.push(format!("/runs/{}/events.jsonl", l.state.run_id()));
    for p in &paths {
        let r = b.get(p).await;
        assert_eq!(r.status, StatusCode::OK, "{p}");
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{p}");
        let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-eval"), "{p}");
    }
    assert_eq!(b.get("/nope").await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/users/ffffffffffffffffffffffff").await.status, StatusCode::NOT_FOUND);
    // The SP holds what the demo provisioned.
    let sp_groups = l.state.sp().groups();
    assert_eq!(sp_groups.len(), 1);
    assert_eq!(sp_groups[0]["displayName"], "Platform");
    let events = b.get("/api/events").await;
    let v: Value = serde_json::from_str(&events.body).unwrap();
    let names: Vec<&str> = v["events"].as_array().unwrap().iter().filter_map(|e| e["event"].as_str()).collect();
    for want in [
        "user_create_provision",
        "group_create_provision",
        "group_update_provision",
        "user_deprovision",
        "user_delete_provision",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
}

#[tokio::test]
async fn preview_answers_the_plan_and_sends_nothing() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    b.post("/apps", &[("name", "Acme")]).await;
    let body = b.form(
        &[("base_url", "http://127.0.0.1:9/scim"), ("test_user_email", "t@jumpcloud.com"), ("group_management", "on")],
        true,
    );
    let r = b.post_raw("/apps/app/im/activate?preview=1", body, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let plan: Vec<String> = v["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{} {}", p["method"].as_str().unwrap(), p["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        plan,
        [
            "POST /Users",
            "PUT /Users/{new-1}",
            "DELETE /Users/{new-1}",
            "POST /Groups",
            "PATCH /Groups/{new-4}",
            "DELETE /Groups/{new-4}"
        ]
    );
    assert!(l.state.sp().users().is_empty());
    let core = l.state.core().await;
    assert!(!core.dir().app.active);
    assert_eq!(core.dir().app.test_user_email, "jc-test@jumpcloud.com", "preview must not save settings");
}

#[tokio::test]
async fn csrf_and_cross_origin_are_refused() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    let no_token = b.post_raw("/groups", b.form(&[("name", "G")], false), &[]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let wrong = b.post_raw("/groups", "name=G&_csrf=deadbeef".into(), &[]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let other = Browser::new(&l.app).await;
    let foreign = b.post_raw("/groups", format!("name=G&_csrf={}", other.csrf), &[]).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "another session's token");
    let cross = b.post_raw("/groups", b.form(&[("name", "G")], true), &[("origin", "http://evil.example")]).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let site = b.post_raw("/groups", b.form(&[("name", "G")], true), &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(site.status, StatusCode::FORBIDDEN);
    let header_ok =
        b.post_raw("/groups", "name=G".into(), &[(CSRF_HEADER, &b.csrf), ("origin", "http://127.0.0.1")]).await;
    assert_eq!(header_ok.status, StatusCode::SEE_OTHER);
    assert_eq!(l.state.core().await.dir().groups.len(), 1);
    let big = b.post_raw("/groups", format!("name={}&{}", "a".repeat(BODY_LIMIT), b.form(&[], true)), &[]).await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    let rebinding = Request::get("/").header(header::HOST, "evil.example:8080").body(Body::empty()).unwrap();
    assert_eq!(b.send(rebinding).await.status, StatusCode::MISDIRECTED_REQUEST);
}

#[test]
fn public_bind_needs_an_admin_token() {
    let public: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap();
    let lan: std::net::SocketAddr = "192.168.1.5:8080".parse().unwrap();
    let local: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap();
    assert!(matches!(check_listen(&public, None), Err(ConsoleError::PublicBind(_))));
    assert!(check_listen(&lan, Some("")).is_err());
    assert!(check_listen(&public, Some("admin-secret")).is_ok());
    assert!(check_listen(&local, None).is_ok());
}

#[tokio::test]
async fn serve_refuses_a_public_listen_without_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let err = crate::server::serve(ServeOptions {
        listen: "0.0.0.0:0".parse().unwrap(),
        state_file: None,
        runs_dir: dir.path().into(),
        admin_token: None,
        scim_token: None,
        sp_token: None,
        seed: 1,
        api_key: None,
        sp_quirks: Vec::new(),
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("--admin-token-env"), "{err}");
}

#[tokio::test]
async fn admin_token_requires_a_login() {
    let l = live_with(tempfile::tempdir().unwrap(), Some("admin-s3cret-value")).await;
    let mut b = Browser::new(&l.app).await;
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.headers[header::LOCATION], "/login");
    assert_eq!(b.get("/api/events").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(b.get("/runs").await.status, StatusCode::SEE_OTHER);
    let post = b.post_raw("/groups", b.form(&[("name", "G")], true), &[]).await;
    assert_eq!(post.status, StatusCode::UNAUTHORIZED);
    // Health and the SP (its own bearer auth) stay reachable.
    assert_eq!(b.get("/healthz").await.status, StatusCode::OK);
    let sp = Request::get(format!("{SP_PREFIX}/Users"))
        .header(header::AUTHORIZATION, format!("Bearer {SP_TOKEN}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(b.send(sp).await.status, StatusCode::OK);
    let wrong = b.post_raw("/login", b.form(&[("token", "nope")], true), &[]).await;
    assert_eq!(wrong.headers[header::LOCATION], "/login?failed=1");
    let ok = b.post_raw("/login", b.form(&[("token", "admin-s3cret-value")], true), &[]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let cookie = ok.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let old = b.cookie.clone();
    b.adopt(&ok);
    assert_ne!(b.cookie, old, "the session id changes at login");
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    b.adopt(&home);
    assert!(!home.body.contains("admin-s3cret-value"));
    assert_eq!(b.post("/groups", &[("name", "G")]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_flood_of_anonymous_requests_does_not_log_the_admin_out() {
    let l = live_with(tempfile::tempdir().unwrap(), Some("admin-s3cret-value")).await;
    let mut b = Browser::new(&l.app).await;
    b.get("/login").await;
    let ok = b.post_raw("/login", b.form(&[("token", "admin-s3cret-value")], true), &[]).await;
    b.adopt(&ok);
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    // More cookie-less visitors than the session table holds.
    for _ in 0..1_001 {
        let anonymous = Request::get("/login").body(Body::empty()).unwrap();
        assert_eq!(l.app.clone().oneshot(anonymous).await.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(b.get("/").await.status, StatusCode::OK, "the admin was logged out by anonymous requests");
}

/// The admin opens the login page, a flood of cookie-less requests arrives,
/// then the admin logs in: their CSRF token still holds (it used to be
/// evicted with their pre-login session, and the login got 403).
#[tokio::test]
async fn a_flood_of_anonymous_requests_does_not_break_a_pending_login() {
    let l = live_with(tempfile::tempdir().unwrap(), Some("admin-s3cret-value")).await;
    let mut b = Browser::new(&l.app).await;
    for _ in 0..1_001 {
        let anonymous = Request::get("/login").body(Body::empty()).unwrap();
        assert_eq!(l.app.clone().oneshot(anonymous).await.unwrap().status(), StatusCode::OK);
    }
    let ok = b.post_raw("/login", b.form(&[("token", "admin-s3cret-value")], true), &[]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.headers[header::LOCATION], "/");
    b.adopt(&ok);
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    // A token made up by a client is still refused.
    let forged = b.post_raw("/groups", b.form(&[("name", "G")], false) + "&_csrf=" + &"0".repeat(64), &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn login_guessing_is_slowed_per_client() {
    let l = live_with(tempfile::tempdir().unwrap(), Some("admin-s3cret-value")).await;
    let b = Browser::new(&l.app).await;
    let attempt = |token: &str, from: [u8; 4]| {
        let mut req = Request::post("/login")
            .header(header::HOST, "127.0.0.1")
            .header(header::COOKIE, &b.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(b.form(&[("token", token)], true)))
            .unwrap();
        let addr = std::net::SocketAddr::from((from, 40000));
        req.extensions_mut().insert(axum::extract::ConnectInfo(addr));
        let app = l.app.clone();
        async move {
            let r = app.oneshot(req).await.unwrap();
            r.headers()[header::LOCATION].to_str().unwrap().to_string()
        }
    };
    let guesser = [203, 0, 113, 7];
    for _ in 0..3 {
        assert_eq!(attempt("guess", guesser).await, "/login?failed=1", "the first failures are free");
    }
    assert_eq!(attempt("guess", guesser).await, "/login?failed=1");
    // Now this client waits: even the right token is not checked.
    let waiting = attempt("admin-s3cret-value", guesser).await;
    assert!(waiting.starts_with("/login?wait="), "{waiting}");
    // Another client is not held up by the guesser.
    assert_eq!(attempt("admin-s3cret-value", [198, 51, 100, 1]).await, "/");
    let page = b.get("/login?wait=2").await;
    assert!(page.body.contains("Too many failed logins"), "{}", page.body);
}

#[tokio::test]
async fn the_token_never_reaches_a_page_a_json_answer_the_record_or_disk() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    let entered = "entered-token-9d2b4c6e";
    // The embedded SP accepts only its own token: enter it, then a bad one.
    let mut bodies: Vec<String> = demo(&b, SP_TOKEN).await.into_iter().map(|r| r.body).collect();
    let base_url = format!("{}{SP_PREFIX}", b_self(&b).await);
    let p = b
        .post(
            "/apps/app/im/test",
            &[("base_url", &base_url), ("token_key", entered), ("test_user_email", "jc-test@jumpcloud.com")],
        )
        .await;
    assert_eq!(banner(&p), "Connection failed");
    bodies.push(p.body);
    for path in [
        "/",
        "/users",
        "/groups",
        "/apps/app?tab=identity",
        "/apps/app?tab=sso",
        "/insights",
        "/export",
        "/export.yaml",
        "/api/events",
        "/runs",
    ] {
        bodies.push(b.get(path).await.body);
    }
    for body in &bodies {
        assert!(!body.contains(SP_TOKEN) && !body.contains(entered), "token leaked");
    }
    let events = b.get("/api/events").await.body;
    assert!(events.contains("[REDACTED]"), "Authorization is recorded redacted");
    for entry in walk(l.dir.path()) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        assert!(!text.contains(SP_TOKEN) && !text.contains(entered), "token on disk in {}", entry.display());
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[tokio::test]
async fn an_xss_payload_stays_inert_everywhere() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    let p = b.post("/groups", &[("name", XSS)]).await;
    assert_eq!(banner(&p), "User group created");
    let p = b
        .post(
            "/users",
            &[("username", "mallory"), ("email", "m@example.com"), ("displayname", XSS), ("firstname", XSS)],
        )
        .await;
    assert_eq!(banner(&p), "User created", "{}", p.body);
    b.post("/apps", &[("name", XSS)]).await;
    let group = ids(&b.get("/groups").await.body, "href=\"/groups/")[0].clone();
    let user = ids(&b.get("/users").await.body, "href=\"/users/")[0].clone();
    for path in [
        "/",
        "/users",
        "/groups",
        "/apps",
        "/apps/app?tab=groups",
        "/apps/app?tab=users",
        "/apps/app?tab=identity",
        "/insights",
        "/export",
        &format!("/groups/{group}"),
        &format!("/users/{user}"),
    ] {
        let r = b.get(path).await;
        assert!(!r.body.contains("<script>document"), "{path} renders the payload as markup");
        assert!(!r.body.contains("</script><script>"), "{path}");
    }
    assert!(b.get("/groups").await.body.contains("&lt;&#x2F;script&gt;&lt;script&gt;"));
    // JSON answers carry it as a string; the JS renders with textContent.
    let events: Value = serde_json::from_str(&b.get("/api/events").await.body).unwrap();
    assert!(events.to_string().contains("document.title"));
    let js = b.get("/static/console.js").await.body;
    assert!(!js.contains("innerHTML") && !js.contains("eval("));
}

#[tokio::test]
async fn run_files_are_served_read_only_without_traversal() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    let runs = l.dir.path().join("runs");
    std::fs::create_dir_all(runs.join("r1")).unwrap();
    std::fs::write(runs.join("r1/report.html"), "<p>report</p>").unwrap();
    std::fs::write(runs.join("r1/secret.txt"), "no").unwrap();
    std::fs::write(l.dir.path().join("outside.json"), "{}").unwrap();
    let r = b.get("/runs/r1/report.html").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().starts_with("sandbox"));
    assert_eq!(b.get("/runs/r1/secret.txt").await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/runs/../outside.json").await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/runs/%2e%2e/summary.json").await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/runs/..%2Foutside.json/report.html").await.status, StatusCode::NOT_FOUND);
    #[cfg(unix)]
    {
        std::fs::create_dir_all(runs.join("r2")).unwrap();
        std::os::unix::fs::symlink(l.dir.path().join("outside.json"), runs.join("r2/summary.json")).unwrap();
        assert_eq!(b.get("/runs/r2/summary.json").await.status, StatusCode::NOT_FOUND);
    }
    // A record too large to render on demand is refused with what to do.
    std::fs::create_dir_all(runs.join("big")).unwrap();
    std::fs::File::create(runs.join("big/events.jsonl")).unwrap().set_len(65 * 1024 * 1024).unwrap();
    let big = b.get("/runs/big/report.html").await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", big.body);
    assert!(big.body.contains("jcsim report"), "{}", big.body);
    let list = b.get("/runs").await.body;
    assert!(list.contains("/runs/r1/report.html") && list.contains("live"));
}

#[tokio::test]
async fn insights_follow_a_capture_recording_into_the_runs_directory() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    let dir = l.dir.path().join("runs").join("20261130T000000Z-proxy-abcd");
    std::fs::create_dir_all(&dir).unwrap();
    let line = |event: &str, step: usize| {
        format!(
            "{{\"type\":\"exchange\",\"id\":{step},\"step\":0,\"line\":0,\"event\":\"{event}\",\"label\":\"captured /Users\",\"attempt\":1,\"request\":{{\"method\":\"POST\",\"url\":\"http://sp/Users\",\"headers\":[],\"body\":null}},\"response\":null,\"error\":null,\"timing\":{{\"start_ms\":0,\"duration_ms\":1.0}}}}\n"
        )
    };
    let head = "{\"type\":\"step_started\",\"step\":0,\"action\":\"capture\",\"title\":\"requests from now\",\"line\":0,\"col\":0,\"at_ms\":0}\n";
    std::fs::write(dir.join("events.jsonl"), format!("{head}{}", line("user_create_provision", 1))).unwrap();
    let poll = |after: usize| {
        let b = &b;
        async move {
            let r = b.get(&format!("/api/events?after={after}&run=20261130T000000Z-proxy-abcd")).await;
            assert_eq!(r.status, StatusCode::OK);
            serde_json::from_str::<Value>(&r.body).unwrap()
        }
    };
    let first = poll(0).await;
    assert_eq!(first["run_id"], "20261130T000000Z-proxy-abcd");
    assert_eq!(first["events"].as_array().unwrap().len(), 2);
    assert_eq!(first["events"][1]["event"], "user_create_provision");
    // The capture grows: the next poll brings only the new line.
    let mut f = std::fs::OpenOptions::new().append(true).open(dir.join("events.jsonl")).unwrap();
    std::io::Write::write_all(&mut f, line("user_delete_provision", 2).as_bytes()).unwrap();
    let next = poll(first["next"].as_u64().unwrap() as usize).await;
    let events = next["events"].as_array().unwrap();
    assert_eq!((events.len(), &events[0]["event"]), (1, &Value::from("user_delete_provision")));
    // The session's own feed is untouched, and names outside the runs directory are refused.
    let session: Value = serde_json::from_str(&b.get("/api/events").await.body).unwrap();
    assert_ne!(session["run_id"], "20261130T000000Z-proxy-abcd");
    assert_eq!(b.get("/api/events?run=..%2Fstate.json").await.status, StatusCode::NOT_FOUND);
    let list = b.get("/runs").await.body;
    assert!(list.contains("/insights?run=20261130T000000Z-proxy-abcd"), "{list}");
}

#[tokio::test]
async fn state_survives_a_restart_without_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let l = live_with(dir, None).await;
    let b = Browser::new(&l.app).await;
    demo(&b, SP_TOKEN).await;
    let before = l.state.core().await.links().users.clone();
    assert!(!before.is_empty());
    let text = std::fs::read_to_string(l.dir.path().join("state.json")).unwrap();
    assert!(!text.contains(SP_TOKEN));
    let Live { dir, .. } = l;
    let again = live_with(dir, None).await;
    let core = again.state.core().await;
    assert_eq!(core.dir().users.len(), 2);
    assert_eq!(core.dir().groups[0].name, "Platform");
    assert_eq!(core.links().users, before);
    assert!(core.settings().app_created);
    assert_ne!(core.history().len(), 0);
}

/// Method, path (after the SCIM root) and body of every exchange, with
/// SP-assigned ids replaced by their order of appearance.
fn wire(events: &[Event]) -> Vec<String> {
    let mut sp_ids: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for e in events {
        let Event::Exchange(x) = e else { continue };
        if let Some(id) =
            x.response.as_ref().and_then(|r| r.body.as_ref()).and_then(|b| b.get("id")).and_then(Value::as_str)
            && !sp_ids.iter().any(|s| s == id)
        {
            sp_ids.push(id.to_string());
        }
        let path = x.request.url.split("/scim/v2").nth(1).unwrap_or("").to_string();
        let body = x.request.body.as_ref().map(Value::to_string).unwrap_or_default();
        out.push(format!("{} {path} {body}", x.request.method));
    }
    out.into_iter()
        .map(|mut line| {
            for (i, id) in sp_ids.iter().enumerate() {
                line = line.replace(id.as_str(), &format!("{{sp-{i}}}"));
            }
            line
        })
        .collect()
}

#[tokio::test]
async fn exported_scenario_replays_to_the_same_request_sequence() {
    // Arrange: the demo in the console against a fresh embedded SP.
    let l = live().await;
    let b = Browser::new(&l.app).await;
    demo(&b, SP_TOKEN).await;
    let console = read_events(&l.state.run_dir().join("events.jsonl")).unwrap().events;
    let yaml = b.get("/export.yaml").await.body;
    // Act: replay the export with `jcsim run`'s engine against another fresh embedded SP.
    let scenario = crate::lint::load_str(&yaml, "console-session.yaml").unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let out = tempfile::tempdir().unwrap();
    let dir =
        run_scenario(&scenario, &RunOptions { out_dir: out.path().into(), ..RunOptions::default() }).await.unwrap();
    let summary = crate::report::write_outputs(&dir).unwrap().result;
    assert_eq!(summary.exit_code, crate::record::Exit::Pass, "{yaml}");
    let replay = read_events(&summary.run_dir.join("events.jsonl")).unwrap().events;
    // Assert
    let (a, b) = (wire(&console), wire(&replay));
    assert!(a.len() >= 15, "{a:#?}");
    assert!(yaml.trim_end().ends_with("- verify"), "the export ends with a read-back:\n{yaml}");
    assert_eq!(a[..], b[..a.len().min(b.len())], "{yaml}");
    assert!(
        b.len() > a.len() && b[a.len()..].iter().all(|r| r.starts_with("GET ")),
        "then only reads: {:?}",
        &b[a.len()..]
    );
    let keys: Vec<&str> = yaml
        .lines()
        .filter(|l| !l.starts_with(['#', ' ', '-']) && l.contains(':'))
        .map(|l| &l[..l.find(':').unwrap()])
        .collect();
    let natural = ["name", "description", "target", "seed", "behaviour", "directory", "app", "steps"];
    let at: Vec<usize> = keys.iter().map(|k| natural.iter().position(|n| n == k).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]) && keys.len() >= 4, "the natural key order: {keys:?}\n{yaml}");
}

#[tokio::test]
async fn a_failure_on_jcsims_side_is_a_logged_500_on_one_line() {
    use axum::response::IntoResponse;
    let e = ConsoleError::Render { what: "the runs list", message: "task panicked\nFORGED line".into() };
    let resp = e.into_response();
    assert_eq!(resp.status(), axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    let body = axum::body::to_bytes(resp.into_body(), 1 << 16).await.unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.starts_with("jcsim console: cannot render the runs list: task panicked"), "{text}");
    assert!(!text.contains('\n'), "{text}");
}

/// "First on the built-in SP, then on yours": saving another Base URL and
/// token on an active app drops the id map, re-activates, and provisions
/// every bound user and group to the new SP from scratch; no id of the old
/// SP is ever sent to the new one.
#[tokio::test]
async fn a_new_target_on_an_active_app_provisions_everything_there_from_scratch() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    for _ in 0..2 {
        assert_eq!(banner(&b.post("/users/generate", &[]).await), "User created");
    }
    let users = ids(&b.get("/users").await.body, "href=\"/users/");
    let p = b.post("/groups", &[("name", "Engineering")]).await;
    let group = ids(&p.body, "href=\"/groups/")[0].clone();
    for u in &users {
        b.post(&format!("/groups/{group}/members/add"), &[("user", u)]).await;
    }
    b.post("/apps", &[("name", "Acme")]).await;
    let first = format!("{}{SP_PREFIX}", b_self(&b).await);
    let im = |base: &str, token: &str, email: &str| {
        vec![
            ("base_url".to_string(), base.to_string()),
            ("auth_type".to_string(), "bearer".to_string()),
            ("token_key".to_string(), token.to_string()),
            ("test_user_email".to_string(), email.to_string()),
            ("group_management".to_string(), "on".to_string()),
        ]
    };
    fn form(v: &[(String, String)]) -> Vec<(&str, &str)> {
        v.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect()
    }
    let one = im(&first, SP_TOKEN, "jc-test@jumpcloud.com");
    assert_eq!(banner(&b.post("/apps/app/im/activate", &form(&one)).await), "Identity Management activated");
    assert_eq!(
        banner(&b.post("/apps/app/groups/bind", &[("group", &group)]).await),
        "User group bound to the application"
    );
    let old_ids: Vec<String> = {
        let core = l.state.core().await;
        core.links()
            .users
            .values()
            .map(|u| u.sp_id.clone())
            .chain(core.links().groups.values().map(|g| g.sp_id.clone()))
            .collect()
    };
    assert_eq!(old_ids.len(), 3, "two users and the group at the first SP");

    let second_token = "second-sp-token-7d2c4e9a1b";
    let second =
        crate::sp::spawn(crate::sp::SpConfig { token: Some(second_token.into()), seed: 99, ..Default::default() })
            .await
            .unwrap();
    let two = im(&second.base_url, second_token, "jc-test-2@jumpcloud.com");
    let preview = b.post_raw("/apps/app/im/save?preview=1", b.form(&form(&two), true), &[]).await;
    let plan: Value = serde_json::from_str(&preview.body).unwrap();
    let plan: Vec<String> = plan["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{} {}", p["method"].as_str().unwrap(), p["path"].as_str().unwrap()))
        .collect();
    let plan = plan.join(", ");
    assert!(plan.contains("POST /Groups"), "the plan creates the group anew: {plan}");
    for old in &old_ids {
        assert!(!plan.contains(old.as_str()), "the plan names an id of the first SP: {plan}");
    }
    let p = b.post("/apps/app/im/save", &form(&two)).await;
    assert_eq!(banner(&p), "Identity Management activated", "{}", p.body);
    assert!(p.body.contains("The SP changed: JumpCloud dropped its 3 link(s)"), "{}", p.body);
    assert_eq!(second.state.users().len(), 2, "every bound user reached the new SP");
    let groups = second.state.groups();
    assert_eq!(groups.len(), 1, "and the bound group");
    assert_eq!(groups[0]["members"].as_array().map(Vec::len), Some(2));

    // A later change goes to the new SP's ids only.
    assert_eq!(
        banner(&b.post(&format!("/groups/{group}/rename"), &[("name", "Platform")]).await),
        "User group renamed"
    );
    assert_eq!(second.state.groups()[0]["displayName"], "Platform");
    let events =
        std::fs::read_to_string(walk(l.dir.path()).into_iter().find(|p| p.ends_with("events.jsonl")).unwrap()).unwrap();
    for line in events.lines().filter(|l| l.contains(&second.base_url)) {
        for old in &old_ids {
            assert!(!line.contains(old.as_str()), "an id of the first SP reached the second: {line}");
        }
    }
}

/// The users page says "not provisioned" instead of an empty SP id, counts
/// in singular and plural, and generated people look like HR data.
#[tokio::test]
async fn the_users_page_reads_like_an_admin_console() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    b.post("/users/generate", &[]).await;
    let page = b.get("/users").await.body;
    assert!(page.contains(">1 user<"), "singular");
    assert!(page.contains("not provisioned"), "no empty SP-id pill");
    assert!(!page.contains("<code></code>"));
    b.post("/users/generate", &[]).await;
    assert!(b.get("/users").await.body.contains(">2 users<"), "plural");
    let core = l.state.core().await;
    for u in core.dir().users.iter() {
        assert!(u.job_title.chars().next().is_some_and(char::is_uppercase), "{}", u.job_title);
        let zip = &u.address.as_ref().unwrap().postal_code;
        assert!(zip.len() == 5 && zip.chars().all(|c| c.is_ascii_digit()), "{zip}");
    }
}

/// The console session's report is rendered on demand (it has only
/// events.jsonl), linked from every banner, and the Runs table shows each
/// run's verdict, steps, exchanges and first failure.
#[tokio::test]
async fn the_session_report_renders_on_demand_and_runs_show_counts() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    demo(&b, SP_TOKEN).await;
    let id = l.state.run_id().to_string();
    assert!(!l.state.run_dir().join("report.html").exists(), "nothing is written ahead");
    let p = b.post("/users/generate", &[]).await;
    assert!(p.body.contains(&format!("href=\"/runs/{id}/report.html\"")), "the banner links the report");
    // One on-demand render at a time: while one runs, another is told to retry.
    let held = l.state.render_permit().expect("no render runs yet");
    let busy = b.get(&format!("/runs/{id}/report.html")).await;
    assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE, "{}", busy.body);
    drop(held);
    let r = b.get(&format!("/runs/{id}/report.html")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Identity Management") || r.body.contains("activate"), "a report of the session");
    assert!(!r.body.contains(SP_TOKEN), "redacted like any report");
    let runs = b.get("/runs").await.body;
    assert!(runs.contains("<th>Exchanges</th>") && runs.contains("<th>First failure</th>"), "{runs}");
    // A finished run with a failure: verdict, counts and the first failure.
    let dir = l.dir.path().join("runs");
    let scenario = crate::lint::load_str(
        "name: failing\nsteps:\n  - request: { method: GET, path: /Nope, expect: { status: 200 } }\n",
        "f.yaml",
    )
    .unwrap();
    let ran = run_scenario(&scenario, &RunOptions { out_dir: dir, ..RunOptions::default() }).await.unwrap();
    crate::report::write_outputs(&ran).unwrap();
    let runs = b.get("/runs").await.body;
    assert!(runs.contains(">failed<"), "{runs}");
    assert!(runs.contains("(1 failed)"), "{runs}");
    assert!(runs.contains("expected HTTP 200"), "the first failure is shown: {runs}");
}

/// The demo kit: one click loads a realistic company (every change a step,
/// so export replays it); Reset wants a typed confirmation, then starts
/// the organisation, the app or both over, the embedded SP's data included.
#[tokio::test]
async fn demo_org_in_one_click_and_reset_with_confirmation() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    let p = b.post("/demo", &[]).await;
    assert_eq!(banner(&p), "Demo organisation created", "{}", p.body);
    {
        let core = l.state.core().await;
        let dir = core.dir();
        assert_eq!(dir.users.iter().count(), crate::server::console::actions::DEMO_PEOPLE);
        assert!(dir.groups.len() >= 3, "department groups");
        for g in &dir.groups {
            assert!(!g.members.is_empty(), "{} has members", g.name);
        }
        for u in dir.users.iter() {
            assert!(u.job_title.chars().next().is_some_and(char::is_uppercase), "{}", u.job_title);
        }
    }
    let users = ids(&b.get("/users").await.body, "href=\"/users/");
    let group = ids(&b.get("/groups").await.body, "href=\"/groups/")[0].clone();
    b.post("/apps", &[("name", "Acme")]).await;
    let base_url = format!("{}{SP_PREFIX}", b_self(&b).await);
    let im = [
        ("base_url", base_url.as_str()),
        ("auth_type", "bearer"),
        ("token_key", SP_TOKEN),
        ("test_user_email", "jc-test@jumpcloud.com"),
        ("group_management", "on"),
    ];
    assert_eq!(banner(&b.post("/apps/app/im/activate", &im).await), "Identity Management activated");
    b.post("/apps/app/groups/bind", &[("group", &group)]).await;
    assert!(!l.state.sp().users().is_empty(), "provisioned to the embedded SP");

    let p = b.post("/reset", &[("what", "org"), ("confirm", "please")]).await;
    assert_eq!(banner(&p), "Nothing reset");
    assert_eq!(ids(&b.get("/users").await.body, "href=\"/users/").len(), users.len(), "nothing changed");
    let p = b.post("/reset", &[("what", "org"), ("confirm", "RESET")]).await;
    assert_eq!(banner(&p), "Organisation reset");
    assert!(ids(&b.get("/users").await.body, "href=\"/users/").is_empty());
    assert!(l.state.sp().users().is_empty() && l.state.sp().groups().is_empty(), "the embedded SP starts over too");
    {
        let core = l.state.core().await;
        assert!(core.settings().app_created && core.dir().app.active, "the app stays");
        assert!(core.links().users.is_empty() && core.history().is_empty(), "no stale links, a new history");
    }
    let p = b.post("/reset", &[("what", "all"), ("confirm", "RESET")]).await;
    assert_eq!(banner(&p), "Organisation and application reset");
    let core = l.state.core().await;
    assert!(!core.settings().app_created && !core.dir().app.active);
}

/// A pasted scenario cannot read the server's environment: `${PATH}` (set in
/// every test process) and an unset variable are refused alike, at their
/// line and column, and the value never reaches a page or the directory.
#[tokio::test]
async fn a_pasted_scenario_cannot_read_the_servers_environment() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    let path = std::env::var("PATH").expect("PATH is set");
    let before = l.state.core().await.dir().users.iter().count();
    let paste = |var: &str| {
        format!(
            "name: probe\ndirectory:\n  users:\n    - username: ann\n      email: ann@acme.com\n      firstname: \"${{{var}}}\"\nsteps: [verify]\n"
        )
    };
    let mut refusals = Vec::new();
    for var in ["PATH", "JCSIM_SURELY_UNSET_VARIABLE"] {
        let p = b.post("/load", &[("yaml", paste(var).as_str())]).await;
        assert_eq!(banner(&p), "The scenario was not loaded", "{}", p.body);
        assert!(p.body.contains("pasted.yaml:6:"), "the line of the reference: {}", p.body);
        assert!(p.body.contains("cannot read the server"), "{}", p.body);
        assert!(!p.body.contains(&path), "the value of PATH reached the page");
        let start = p.body.find("environment variable").expect("the error is shown");
        let message = p.body[start..].split('\n').next().unwrap_or_default();
        refusals.push(message.replace(var, "VAR"));
    }
    assert_eq!(refusals[0], refusals[1], "a set and an unset variable must be refused in the same words");
    let users = b.get("/users").await.body;
    assert!(!users.contains(&path));
    assert_eq!(l.state.core().await.dir().users.iter().count(), before, "nothing was loaded");
}

/// Load a scenario: a built-in one with its steps run (Insights follows), or
/// pasted YAML; a bad one is refused with its file:line:col error and the
/// state is left as it was.
#[tokio::test]
async fn a_scenario_loads_into_the_console_and_its_steps_run() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    let home = b.get("/").await.body;
    assert!(home.contains("05-bind-group.yaml</option>"), "built-in scenarios are offered");
    let p = b.post("/load", &[("builtin", "lifecycle/05-bind-group.yaml"), ("run", "on")]).await;
    assert!(banner(&p).starts_with("Scenario loaded: "), "{}", p.body);
    assert!(p.body.contains("0 failed"), "{}", p.body);
    assert!(!l.state.sp().groups().is_empty(), "its steps ran against the embedded SP");
    let bad = "name: bad\nsteps:\n  - bind_user: nobody\n";
    let p = b.post("/load", &[("yaml", bad)]).await;
    assert_eq!(banner(&p), "The scenario was not loaded");
    assert!(p.body.contains("pasted.yaml:3:"), "the position of the error: {}", p.body);
    assert!(!l.state.sp().groups().is_empty(), "a refused load changes nothing");
    let ok = "name: pasted\ndirectory:\n  users:\n    - { username: ann, email: ann@acme.com }\nsteps: [verify]\n";
    let p = b.post("/load", &[("yaml", ok)]).await;
    assert_eq!(banner(&p), "Scenario loaded: pasted", "{}", p.body);
    let core = l.state.core().await;
    assert_eq!(core.dir().users.iter().count(), 1);
    assert!(!core.history().is_empty(), "each change is a step: export replays it");
}

/// A console whose embedded SP has quirks (`jcsim serve --quirk`).
async fn live_with_quirks(quirks: &[&str]) -> Live {
    let quirks: Vec<crate::sp::Quirk> = quirks.iter().map(|q| q.parse().unwrap()).collect();
    live_configured(tempfile::tempdir().unwrap(), move |c| c.sp_quirks = quirks).await
}

fn banner_kind(page: &Resp) -> String {
    let i = page.body.find("<div class=\"banner ").expect("a banner");
    let rest = &page.body[i + 19..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// Loading and running a scenario follows `jcsim run`'s skip cascade: after
/// a failed activation, what JumpCloud would not send is skipped (not shown
/// as passed), and the banner takes the colour of the worst verdict.
#[tokio::test]
async fn a_loaded_scenario_skips_what_a_failed_activation_stops() {
    let l = live_with_quirks(&["domain_allowlist=acme.com"]).await;
    let b = Browser::new(&l.app).await;
    let yaml = "name: cascade\napp: { test_user_email: jc-test@jumpcloud.com, group_management: true }\n\
directory:\n  users: [{ username: ann, email: ann@acme.com }]\n  groups: [{ name: Eng, members: [ann] }]\n\
steps:\n  - test_connection\n  - activate\n  - bind_group: Eng\n  - verify\n";
    let p = b.post("/load", &[("yaml", yaml), ("run", "on")]).await;
    assert_eq!(banner(&p), "Scenario loaded: cascade", "{}", p.body);
    assert_eq!(banner_kind(&p), "error", "a failed step makes the banner red: {}", p.body);
    assert!(p.body.contains("1 failed") && p.body.contains("2 skipped"), "{}", p.body);
    assert!(p.body.contains("First failure: step 2"), "{}", p.body);
    assert!(l.state.sp().groups().is_empty(), "nothing was sent beyond the failed activation");
    let events = read_events(&l.state.run_dir().join("events.jsonl")).unwrap();
    let skipped = events
        .events
        .iter()
        .filter(|e| matches!(e, Event::StepFinished(f) if f.verdict == crate::record::Verdict::Skip))
        .count();
    assert_eq!(skipped, 2, "bind_group and verify are recorded as skipped");
}

/// A Base URL and its token change together: Reset and Load point the app
/// back at the embedded SP with the embedded SP's token, and "Use the
/// built-in SP" does the same in one click, so Test Connection passes after
/// each although another SP's token was typed before.
#[tokio::test]
async fn reset_load_and_use_builtin_keep_base_url_and_token_together() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    b.post("/apps", &[("name", "Acme")]).await;
    let embedded = format!("{}{SP_PREFIX}", b_self(&b).await);
    let other = |email: &str| {
        vec![
            ("base_url".to_string(), "http://127.0.0.1:9/scim/v2".to_string()),
            ("auth_type".to_string(), "bearer".to_string()),
            ("token_key".to_string(), "another-sps-token-0a1b2c".to_string()),
            ("test_user_email".to_string(), email.to_string()),
        ]
    };
    fn form(v: &[(String, String)]) -> Vec<(&str, &str)> {
        v.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect()
    }
    let test_embedded =
        [("base_url", embedded.as_str()), ("auth_type", "bearer"), ("test_user_email", "jc@jumpcloud.com")];

    // Reset the app: the embedded SP's URL and token.
    assert_eq!(banner(&b.post("/apps/app/im/save", &form(&other("jc@jumpcloud.com"))).await), "Application saved");
    let p = b.post("/reset", &[("what", "app"), ("confirm", "RESET")]).await;
    assert_eq!(banner(&p), "Application reset");
    b.post("/apps", &[("name", "Acme")]).await;
    let p = b.post("/apps/app/im/test", &test_embedded).await;
    assert_eq!(banner(&p), "Connection successful", "{}", p.body);
    assert!(b.get("/apps/app?tab=identity").await.body.contains("the embedded SP&#x27;s token"));

    // Load a scenario: the same.
    assert_eq!(banner(&b.post("/apps/app/im/save", &form(&other("jc@jumpcloud.com"))).await), "Application saved");
    let p = b.post("/load", &[("builtin", "lifecycle/01-test-connection.yaml"), ("run", "on")]).await;
    assert!(p.body.contains("0 failed"), "{}", p.body);

    // One click back to the built-in SP.
    assert_eq!(banner(&b.post("/apps/app/im/save", &form(&other("jc@jumpcloud.com"))).await), "Application saved");
    let p = b.post("/apps/app/im/builtin", &form(&other("jc@jumpcloud.com"))).await;
    assert_eq!(banner(&p), "Application saved", "{}", p.body);
    let p = b.post("/apps/app/im/test", &test_embedded).await;
    assert_eq!(banner(&p), "Connection successful", "{}", p.body);
    assert!(b.get("/apps/app?tab=identity").await.body.contains("id=\"use-builtin\""));
}

/// Switching an active app to another SP with the Test User Email of the
/// last activation re-activates with a fresh one (offered on the page
/// beforehand), instead of refusing and leaving the app inactive.
#[tokio::test]
async fn switching_sp_with_the_last_test_email_reactivates_with_a_fresh_one() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    b.post("/apps", &[("name", "Acme")]).await;
    let embedded = format!("{}{SP_PREFIX}", b_self(&b).await);
    let one = [
        ("base_url", embedded.as_str()),
        ("auth_type", "bearer"),
        ("test_user_email", "jc-test@jumpcloud.com"),
        ("group_management", "on"),
    ];
    assert_eq!(banner(&b.post("/apps/app/im/activate", &one).await), "Identity Management activated");
    let page = b.get("/apps/app?tab=identity").await.body;
    assert!(page.contains("value=\"jc-test+2@jumpcloud.com\""), "a fresh email is offered: {page}");
    let second_token = "second-sp-token-4e1f";
    let second =
        crate::sp::spawn(crate::sp::SpConfig { token: Some(second_token.into()), seed: 5, ..Default::default() })
            .await
            .unwrap();
    let two = [
        ("base_url", second.base_url.as_str()),
        ("auth_type", "bearer"),
        ("token_key", second_token),
        ("test_user_email", "jc-test@jumpcloud.com"),
        ("group_management", "on"),
    ];
    let p = b.post("/apps/app/im/save", &two).await;
    assert_eq!(banner(&p), "Identity Management activated", "{}", p.body);
    assert!(p.body.contains("jcsim used jc-test+2@jumpcloud.com"), "{}", p.body);
    assert!(l.state.core().await.dir().app.active, "the app stays active");
}

/// The live session's report says "live", not incomplete (no exit 3, no
/// "stopped before the end"), folds the org setup that sent nothing into
/// one line, and names the SP of each stretch after a switch.
#[tokio::test]
async fn the_live_session_report_says_live_folds_setup_and_names_each_target() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    for _ in 0..4 {
        b.post("/users/generate", &[]).await;
    }
    b.post("/apps", &[("name", "Acme")]).await;
    let embedded = format!("{}{SP_PREFIX}", b_self(&b).await);
    let test = [("base_url", embedded.as_str()), ("auth_type", "bearer"), ("test_user_email", "jc@jumpcloud.com")];
    assert_eq!(banner(&b.post("/apps/app/im/test", &test).await), "Connection successful");
    let second_token = "second-sp-token-9c3d";
    let second =
        crate::sp::spawn(crate::sp::SpConfig { token: Some(second_token.into()), seed: 3, ..Default::default() })
            .await
            .unwrap();
    let other = [
        ("base_url", second.base_url.as_str()),
        ("auth_type", "bearer"),
        ("token_key", second_token),
        ("test_user_email", "jc@jumpcloud.com"),
    ];
    assert_eq!(banner(&b.post("/apps/app/im/test", &other).await), "Connection successful");
    let report = b.get(&format!("/runs/{}/report.html", l.state.run_id())).await;
    assert_eq!(report.status, StatusCode::OK);
    let html = &report.body;
    assert!(html.contains("<title>LIVE ·"), "{}", &html[..400.min(html.len())]);
    assert!(!html.contains("INCOMPLETE") && !html.contains("stopped before the end"), "not incomplete");
    assert!(html.contains("Org setup: 4 steps (4 create_user); no requests sent"), "setup folded");
    assert!(html.contains("The app&#x27;s SP changed during the session"), "segments named");
    assert!(html.contains(&format!("{} (steps", second.base_url.replace('/', "&#x2F;"))), "the second SP's stretch");
}

/// Banner words: what happened, what the admin would see, then the fix;
/// backticks render as code; a refused token is explained in the
/// console's terms (the Token Key), not with a `jcsim run` flag.
#[tokio::test]
async fn banners_say_what_happened_then_what_the_admin_sees_then_the_fix() {
    assert_eq!(super::views::code_spans("use `a<b>` now"), "use <code>a&lt;b&gt;</code> now");
    assert_eq!(super::views::code_spans("odd ` tick"), "odd ` tick");
    let l = live().await;
    let b = Browser::new(&l.app).await;
    b.post("/apps", &[("name", "Acme")]).await;
    let embedded = format!("{}{SP_PREFIX}", b_self(&b).await);
    let wrong = [
        ("base_url", embedded.as_str()),
        ("auth_type", "bearer"),
        ("token_key", "not-the-sp-token-71c2"),
        ("test_user_email", "jc@jumpcloud.com"),
    ];
    let p = b.post("/apps/app/im/test", &wrong).await;
    assert_eq!(banner(&p), "Connection failed", "{}", p.body);
    let start = p.body.find("id=\"banner\"").unwrap();
    let html =
        &p.body[start..start + p.body[start..].find("</div>\n  </div>").unwrap_or(3000).min(p.body.len() - start)];
    assert!(!html.contains("--token-env") && !html.contains("JumpCloud shows"), "{html}");
    let sees = html.find("What the admin would see:").expect("what the admin sees");
    let fix = html.find("Fix: Check the Token Key").expect("the fix in console words");
    assert!(sees < fix, "the fix follows what the admin sees: {html}");
    assert!(html.contains("<code>Authorization: Bearer TOKEN</code>"), "backticks render as code: {html}");
}

/// Presenter mode: the plan matches what is sent. Save on an inactive app
/// sends nothing, so its plan is empty (it used to show an activation).
#[tokio::test]
async fn presenter_mode_plans_nothing_for_a_save_that_sends_nothing() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    b.post("/apps", &[("name", "Acme")]).await;
    let embedded = format!("{}{SP_PREFIX}", b_self(&b).await);
    let fields = [("base_url", embedded.as_str()), ("auth_type", "bearer"), ("test_user_email", "jc@jumpcloud.com")];
    let p = b.post_raw("/apps/app/im/save?preview=1", b.form(&fields, true), &[]).await;
    let plan: Value = serde_json::from_str(&p.body).unwrap();
    assert_eq!(plan["plan"].as_array().map(Vec::len), Some(0), "{plan}");
    assert!(plan["title"].as_str().unwrap().contains("no SCIM requests"), "{plan}");
    let before = l.state.sp().users().len();
    assert_eq!(banner(&b.post("/apps/app/im/save", &fields).await), "Application saved");
    assert_eq!(l.state.sp().users().len(), before, "and nothing was sent");
}

/// Small things: a group not at the SP says "not provisioned" (no empty
/// pill) on the Groups page and the app's User Groups tab; a refused load
/// keeps its caret line under the source line.
#[tokio::test]
async fn groups_say_not_provisioned_and_load_errors_keep_their_caret() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    b.post("/groups", &[("name", "Engineering")]).await;
    b.post("/apps", &[("name", "Acme")]).await;
    for page in ["/groups", "/apps/app?tab=groups"] {
        let body = b.get(page).await.body;
        assert!(body.contains("not provisioned") && !body.contains("<code></code>"), "{page}");
    }
    let p = b.post("/load", &[("yaml", "name: bad\nsteps:\n  - bind_user: nobody\n")]).await;
    let start = p.body.find("<pre class=\"banner-detail pre\">").expect("a preformatted error");
    let detail = &p.body[start..start + p.body[start..].find("</pre>").unwrap()];
    let lines: Vec<&str> = detail.lines().collect();
    let caret = lines.iter().position(|l| l.trim_end().ends_with('^') && l.contains('|')).expect("a caret line");
    assert!(caret > 0 && lines[caret - 1].contains("bind_user"), "{detail}");
}

/// "Remove what this session created at the SP": after a confirmation,
/// the users and the group the session created at a prospect's SP are
/// deleted by their SP ids; a user the SP already had (linked by a lookup)
/// stays.
#[tokio::test]
async fn remove_created_deletes_only_what_the_session_created() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    let token = "prospect-sp-token-55aa";
    let prospect = crate::sp::spawn(crate::sp::SpConfig { token: Some(token.into()), seed: 11, ..Default::default() })
        .await
        .unwrap();
    // The prospect's SP already has Ann.
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{}/Users", prospect.base_url))
        .bearer_auth(token)
        .json(
            &serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ann@acme.com"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    for (u, e) in [("ann", "ann@acme.com"), ("bob", "bob@acme.com"), ("cy", "cy@acme.com")] {
        b.post("/users", &[("username", u), ("email", e), ("firstname", u), ("lastname", "Test")]).await;
    }
    let users = ids(&b.get("/users").await.body, "href=\"/users/");
    let p = b.post("/groups", &[("name", "Sales")]).await;
    let group = ids(&p.body, "href=\"/groups/")[0].clone();
    for u in &users {
        b.post(&format!("/groups/{group}/members/add"), &[("user", u)]).await;
    }
    b.post("/apps", &[("name", "Acme")]).await;
    let im = [
        ("base_url", prospect.base_url.as_str()),
        ("auth_type", "bearer"),
        ("token_key", token),
        ("test_user_email", "jc@jumpcloud.com"),
        ("group_management", "on"),
    ];
    assert_eq!(banner(&b.post("/apps/app/im/activate", &im).await), "Identity Management activated");
    b.post("/apps/app/groups/bind", &[("group", &group)]).await;
    assert_eq!(prospect.state.users().len(), 3);
    let page = b.get("/apps/app?tab=identity").await.body;
    assert!(page.contains("Delete 2 user(s) and 1 group(s) at this SP"), "the count, before anything is deleted");
    let p = b.post("/apps/app/im/remove-created", &[]).await;
    assert_eq!(banner(&p), "Nothing removed", "no confirmation, nothing removed");
    assert_eq!(prospect.state.users().len(), 3);
    let p = b.post("/apps/app/im/remove-created", &[("confirm", "yes")]).await;
    assert_eq!(banner(&p), "Removed what this session created at the SP", "{}", p.body);
    let left: Vec<String> =
        prospect.state.users().iter().map(|u| u["userName"].as_str().unwrap_or_default().to_string()).collect();
    assert_eq!(left, ["ann@acme.com"], "only the user the SP already had stays");
    assert!(prospect.state.groups().is_empty(), "the group the session created is gone");
    assert!(!b.get("/apps/app?tab=identity").await.body.contains("remove-created-form"), "nothing left to remove");
}

/// The Readiness page runs `jcsim readiness` against the app's SP (here
/// the embedded one, as an external target) and lists the result; its
/// report and the per-scenario reports it links are served.
#[tokio::test]
async fn the_readiness_page_checks_the_apps_sp() {
    let l = live_configured(tempfile::tempdir().unwrap(), |c| {
        c.readiness = Some(crate::readiness::Runner::new(crate::compat::ReadinessForms));
    })
    .await;
    let app = &l.app;
    let b = Browser::new(app).await;
    assert!(b.get("/readiness").await.body.contains("Create the app"), "no app yet");
    b.post("/apps", &[("name", "Acme")]).await;
    let p = b.post("/readiness", &[]).await;
    assert!(banner(&p).starts_with("Readiness: 6 of 6 capabilities ready"), "{}", banner(&p));
    let at = p.body.find("/readiness.html\"").expect("the run is listed");
    let start = p.body[..at].rfind("/runs/").unwrap() + "/runs/".len();
    let id = p.body[start..at].to_string();
    assert!(id.contains("-readiness-"), "{id}");
    let report = b.get(&format!("/runs/{id}/readiness.html")).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("sandbox"));
    assert!(report.body.contains("Test Connection") && !report.body.contains(SP_TOKEN));
    let sub = std::fs::read_dir(l.dir.path().join("runs").join(&id))
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.path().join("report.html").is_file())
        .expect("a scenario run inside")
        .file_name()
        .into_string()
        .unwrap();
    assert_eq!(b.get(&format!("/runs/{id}/{sub}/report.html")).await.status, StatusCode::OK);
    assert_eq!(b.get(&format!("/runs/{id}/..%2F{sub}/report.html")).await.status, StatusCode::NOT_FOUND);
}

/// The current console's words: the tab is "Provisioning" (old name as its
/// tooltip), Deactivate sits in an Actions menu, and a failed activation
/// shows JumpCloud's banner with jcsim's cause under it.
#[tokio::test]
async fn the_console_uses_jumpclouds_current_words() {
    let l = live_with_quirks(&["domain_allowlist=acme.com"]).await;
    let b = Browser::new(&l.app).await;
    b.post("/apps", &[("name", "Acme")]).await;
    let page = b.get("/apps/app?tab=identity").await.body;
    assert!(page.contains("title=\"Provisioning (formerly Identity Management)\">Provisioning</a>"));
    let embedded = format!("{}{SP_PREFIX}", b_self(&b).await);
    let im = |email: &'static str| {
        [("base_url", embedded.clone()), ("auth_type", "bearer".into()), ("test_user_email", email.into())]
    };
    let fields = im("jc@jumpcloud.com");
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = b.post("/apps/app/im/activate", &form).await;
    assert_eq!(banner(&p), "There was a problem activating identity management", "{}", p.body);
    assert!(p.body.contains("not allowed") && p.body.contains("The integration stays inactive"), "the cause under it");
    let fields = im("jc@acme.com");
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(banner(&b.post("/apps/app/im/activate", &form).await), "Identity Management activated");
    let page = b.get("/apps/app?tab=identity").await.body;
    let menu = page.find("id=\"actions-menu\"").expect("an Actions menu");
    assert!(page[menu..].contains("id=\"deactivate\""), "Deactivate is in it");
}

/// Excluded attributes in the app's settings: not sent, kept in the
/// export, shown checked.
#[tokio::test]
async fn excluded_attributes_are_set_in_the_app_and_exported() {
    let l = live().await;
    let b = Browser::new(&l.app).await;
    b.post(
        "/users",
        &[
            ("username", "ann"),
            ("email", "ann@acme.com"),
            ("firstname", "Ann"),
            ("lastname", "Lee"),
            ("job_title", "CTO"),
        ],
    )
    .await;
    let user = ids(&b.get("/users").await.body, "href=\"/users/")[0].clone();
    b.post("/apps", &[("name", "Acme")]).await;
    let embedded = format!("{}{SP_PREFIX}", b_self(&b).await);
    let im = [
        ("base_url", embedded.as_str()),
        ("auth_type", "bearer"),
        ("test_user_email", "jc@jumpcloud.com"),
        ("exclude.title", "on"),
    ];
    assert_eq!(banner(&b.post("/apps/app/im/activate", &im).await), "Identity Management activated");
    assert_eq!(l.state.core().await.dir().app.exclude_attributes, ["title"]);
    assert!(b.get("/apps/app?tab=identity").await.body.contains("name=\"exclude.title\" checked"));
    b.post("/apps/app/users/bind", &[("user", &user)]).await;
    let at_sp = l.state.sp().users();
    let ann = at_sp.iter().find(|u| u["userName"] == "ann@acme.com").expect("ann provisioned");
    assert_eq!(l.state.core().await.dir().user("ann").unwrap().job_title.as_str(), "CTO", "the user has a title");
    assert!(ann.get("title").is_none(), "an excluded attribute is not sent: {ann}");
    let yaml = l.state.export().await.unwrap();
    assert!(yaml.contains("exclude_attributes:\n  - title"), "{yaml}");
    crate::lint::load_str(&yaml, "export.yaml").expect("the export loads");
}
