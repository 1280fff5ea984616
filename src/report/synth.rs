//! Synthetic, deterministic runs for tests, the browser check and benchmarks:
//! realistic JumpCloud traffic of any size, optionally laced with hostile
//! strings (XSS payloads) in every field an SP or a scenario controls. A
//! hostile run also has a skipped step, refusal probes and a cleanup phase,
//! so every way the report shows a run's text meets a payload.

use crate::record::{
    Check, Event, Exchange, Phase, RecordedRequest, RecordedResponse, RunFinished, RunStarted, StepFinished,
    StepStarted, Timing, TransportFault, Verdict,
};
use serde_json::{Value, json};
use std::path::Path;

/// Payloads that must stay inert in every output.
pub(crate) const XSS: &[&str] = &[
    "</script><script>document.title=\"pwned\"</script>",
    "<img src=x onerror=\"document.title='pwned'\">",
    "\u{2028}\u{2029}<!--<svg onload=alert(1)>",
];

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// Approximate number of exchanges (at least the fixed activation ones).
    pub exchanges: usize,
    /// Put [`XSS`] payloads in names, labels, bodies, headers and messages.
    pub hostile: bool,
    /// Write `run_finished` (false: a run cut short).
    pub finish: bool,
}

struct Gen {
    events: Vec<Event>,
    next_id: u64,
    clock: u64,
    rng: u64,
    base: String,
}

impl Gen {
    fn rand(&mut self, n: u64) -> u64 {
        // xorshift64: deterministic, no dependency.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng % n.max(1)
    }

    /// Record one exchange and return its id; `expects_refusal` marks a
    /// request meant to be refused.
    #[allow(clippy::too_many_arguments)]
    fn exchange(
        &mut self,
        step: usize,
        event: &str,
        label: &str,
        attempt: u32,
        method: &str,
        path: &str,
        body: Option<Value>,
        status: Option<u16>,
        resp: Option<Value>,
        expects_refusal: bool,
    ) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let slow = self.rand(100) == 0;
        let duration = if slow { 400.0 + self.rand(900) as f64 } else { 2.0 + self.rand(4000) as f64 / 100.0 };
        let mut headers = vec![
            ("Accept".to_string(), "application/scim+json".to_string()),
            ("User-Agent".to_string(), "jcsim/0.1.0".to_string()),
            ("Authorization".to_string(), "Bearer [REDACTED]".to_string()),
        ];
        if body.is_some() {
            headers.insert(1, ("Content-Type".into(), "application/scim+json".into()));
        }
        let response = status.map(|s| RecordedResponse {
            status: s,
            headers: vec![
                ("content-type".into(), "application/scim+json".into()),
                ("x-request-id".into(), format!("req-{id}")),
            ],
            body: resp,
            body_text: None,
        });
        let error = status.is_none().then(|| TransportFault {
            kind: crate::record::FaultKind::Timeout,
            message: "no response within 10000 ms".into(),
        });
        self.events.push(Event::Exchange(Exchange {
            id,
            step,
            line: 0,
            event: event.into(),
            label: label.into(),
            attempt,
            request: RecordedRequest { method: method.into(), url: format!("{}{path}", self.base), headers, body },
            response,
            error,
            timing: Timing { start_ms: self.clock, duration_ms: duration },
            expects_refusal,
        }));
        self.clock += duration as u64 + 1;
        id
    }

    fn step(&mut self, step: usize, action: &str, title: &str) {
        self.events.push(Event::StepStarted(StepStarted {
            step,
            action: action.into(),
            title: title.into(),
            line: 10 + step,
            col: 5,
            at_ms: self.clock,
            phase: None,
        }));
    }

    fn finish_step(&mut self, step: usize, started: u64, reason: Option<String>) -> bool {
        let failed = reason.is_some();
        self.events.push(Event::StepFinished(StepFinished {
            step,
            verdict: if failed { Verdict::Fail } else { Verdict::Pass },
            duration_ms: (self.clock - started) as f64 + 0.25,
            reason,
        }));
        failed
    }

    /// Verify's two requests that must be refused, refused: a 401 to a wrong
    /// token and a 404 for a deleted user.
    fn refusal_probes(&mut self, step: usize, evil: &str) {
        let error = |status: &str| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": status, "detail": format!("refused{evil}")});
        self.exchange(
            step,
            "jcsim_verify",
            "a wrong token is refused",
            1,
            "GET",
            "/Users?count=1",
            None,
            Some(401),
            Some(error("401")),
            true,
        );
        self.exchange(
            step,
            "jcsim_verify",
            "check user t1 is gone",
            1,
            "GET",
            "/Users/t1",
            None,
            Some(404),
            Some(error("404")),
            true,
        );
    }

    /// A step skipped for an earlier failure, then the cleanup phase.
    fn skipped_and_cleanup(&mut self, step: usize, evil: &str) {
        self.step(step, "bind_group", &format!("bind_group: Late{evil}"));
        self.events.push(Event::StepFinished(StepFinished {
            step,
            verdict: Verdict::Skip,
            duration_ms: 0.0,
            reason: Some(format!("step 2 `activate{evil}` failed, so the integration is not active")),
        }));
        let cleanup = step + 1;
        self.events.push(Event::StepStarted(StepStarted {
            step: cleanup,
            action: "cleanup".into(),
            title: format!("cleanup: 1 user(s), 1 group(s) this run created{evil}"),
            line: 0,
            col: 0,
            at_ms: self.clock,
            phase: Some(Phase::Cleanup),
        }));
        let t = self.clock;
        self.exchange(
            cleanup,
            "jcsim_cleanup",
            "cleanup: delete group g0",
            1,
            "DELETE",
            "/Groups/g0",
            None,
            Some(204),
            None,
            false,
        );
        let gone = json!({"detail": format!("no such user{evil}")});
        self.exchange(
            cleanup,
            "jcsim_cleanup",
            "cleanup: delete user u0",
            1,
            "DELETE",
            "/Users/u0",
            None,
            Some(404),
            Some(gone),
            false,
        );
        self.events.push(Event::Check(Check {
            step: cleanup,
            id: crate::rules::CheckId::Cleanup,
            verdict: Verdict::Info,
            message: format!("removed 1 user(s) and 1 group(s) this run created{evil}"),
            admin_sees: None,
            fix: None,
            exchange: None,
            expected: None,
            actual: None,
        }));
        self.events.push(Event::StepFinished(StepFinished {
            step: cleanup,
            verdict: Verdict::Info,
            duration_ms: (self.clock - t) as f64,
            reason: None,
        }));
    }
}

fn user_body(name: &str, display: &str, id: Option<&str>) -> Value {
    let mut b = json!({"active": true, "displayName": display, "emails": [{"primary": true, "type": "work", "value": name}], "externalId": "5f1b2c3d4e5f60718293a4b5", "name": {"familyName": "Liddell", "givenName": "Alice"}, "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"], "userName": name});
    if let Some(id) = id {
        b["id"] = json!(id);
        b["meta"] = json!({"resourceType": "User", "location": format!("/Users/{id}")});
    }
    b
}

/// Generate the events of one run.
/// Long on purpose: one linear script of a synthetic run, each block one step, in
/// the order the events are written.
pub fn events(opts: &SynthOptions) -> Vec<Event> {
    let evil = |i: usize| if opts.hostile { XSS[i % XSS.len()] } else { "" };
    let mut g = Gen {
        events: Vec::new(),
        next_id: 1,
        clock: 0,
        rng: 0x9e37_79b9_7f4a_7c15,
        base: "https://sp.example.com/scim/v2".into(),
    };
    let users = opts.exchanges.saturating_sub(8) / 2;
    let per_step = 1000usize;
    let groups = users.div_ceil(per_step).max(1);
    // A hostile run ends with a skipped step (then its cleanup phase).
    let total_steps = 3 + groups + usize::from(opts.hostile);
    g.events.push(Event::RunStarted(RunStarted {
        run_id: "20260101T000000Z-synthetic-0001".into(),
        scenario: format!("Synthetic load{}", evil(0)),
        file: "scenarios/synthetic.yaml".into(),
        target: g.base.clone(),
        target_kind: "external".into(),
        seed: 7,
        started_at: "2026-01-01T00:00:00.000Z".into(),
        jcsim_version: "0.1.0".into(),
        behaviour: vec![("member_removal".into(), "value_array".into()), ("update_method".into(), "put".into())],
        steps: total_steps,
        namespace: opts.hostile.then(|| format!("jcs-4f1a2b{}", evil(1))),
        insecure: opts.hostile,
    }));
    let (mut passed, mut failed) = (0, 0);
    // 0: test connection.
    g.step(0, "test_connection", "test_connection");
    g.exchange(0, "test_connection", "Test Connection: list one user", 1, "GET", "/Users?startIndex=1&count=1", None, Some(200), Some(json!({"Resources": [], "totalResults": 0, "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]})), false);
    if g.finish_step(0, 0, None) {
        failed += 1
    } else {
        passed += 1
    }
    // 1: activate.
    let t = g.clock;
    g.step(1, "activate", "activate");
    let test = "jc-test@jumpcloud.com";
    g.exchange(
        1,
        "user_create_provision",
        "Activate: create the test user",
        1,
        "POST",
        "/Users",
        Some(user_body(test, "displayname", None)),
        Some(201),
        Some(user_body(test, "displayname", Some("t1"))),
        false,
    );
    g.exchange(
        1,
        "user_update_provision",
        "Activate: update the test user",
        1,
        "PUT",
        "/Users/t1",
        Some(user_body(test, "displayname", Some("t1"))),
        Some(200),
        Some(user_body(test, "displayname", Some("t1"))),
        false,
    );
    g.exchange(
        1,
        "user_delete_provision",
        "Activate: delete the test user",
        1,
        "DELETE",
        "/Users/t1",
        None,
        Some(204),
        None,
        false,
    );
    if g.finish_step(1, t, None) {
        failed += 1
    } else {
        passed += 1
    }
    // 2..: one bind_group step per 1000 users: lookup then create, with retries and failures.
    let mut u = 0;
    for k in 0..groups {
        let step = 2 + k;
        let t = g.clock;
        let name = format!("Team {k}{}", evil(k + 1));
        g.step(step, "bind_group", &format!("bind_group: {name}"));
        let mut checks = Vec::new();
        let n = per_step.min(users - u.min(users)).max(if users == 0 { 0 } else { 1 });
        for _ in 0..n {
            let email = format!("user{u}@example.com");
            let display = format!("User {u}{}", evil(u));
            g.exchange(
                step,
                "user_lookup_provision",
                &format!("look up {email}"),
                1,
                "GET",
                &format!("/Users?filter=userName%20eq%20%22{email}%22"),
                None,
                Some(200),
                Some(json!({"Resources": [], "totalResults": 0})),
                false,
            );
            let body = user_body(&email, &display, None);
            if u % 50 == 7 {
                g.exchange(
                    step,
                    "user_create_provision",
                    &format!("create {email}"),
                    1,
                    "POST",
                    "/Users",
                    Some(body.clone()),
                    Some(503),
                    Some(json!({"detail": format!("busy{}", evil(u))})),
                    false,
                );
            }
            if u % 211 == 3 {
                let id = g.exchange(step, "user_create_provision", &format!("create {email}"), 1, "POST", "/Users", Some(body), Some(409), Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409", "detail": format!("{display} already exists")})), false);
                checks.push(Check {
                    step,
                    id: crate::rules::RuleId::SpRejectedRequest.into(),
                    verdict: Verdict::Fail,
                    message: format!("creating {email} failed: HTTP 409 {}", evil(u)),
                    admin_sees: Some(format!("user_create_provision failed for {display}")),
                    fix: Some(
                        "Answer 409 only when userName is taken, and answer the lookup with the existing user.".into(),
                    ),
                    exchange: Some(id),
                    expected: None,
                    actual: None,
                });
            } else if u % 997 == 500 {
                g.exchange(
                    step,
                    "user_create_provision",
                    &format!("create {email}"),
                    1,
                    "POST",
                    "/Users",
                    Some(body),
                    None,
                    None,
                    false,
                );
            } else {
                let attempt = if u % 50 == 7 { 2 } else { 1 };
                g.exchange(
                    step,
                    "user_create_provision",
                    &format!("create {email}"),
                    attempt,
                    "POST",
                    "/Users",
                    Some(body),
                    Some(201),
                    Some(user_body(&email, &display, Some(&format!("u{u}")))),
                    false,
                );
            }
            u += 1;
        }
        let reason = (!checks.is_empty()).then(|| format!("{} of {n} users were not provisioned", checks.len()));
        g.events.extend(checks.into_iter().map(Event::Check));
        if g.finish_step(step, t, reason) { failed += 1 } else { passed += 1 }
    }
    // last: verify, with a read-back difference.
    let step = 2 + groups;
    let t = g.clock;
    g.step(step, "verify", "verify");
    let id = g.exchange(step, "verify", "read back user0@example.com", 1, "GET", "/Users/u0", None, Some(200), Some(json!({"id": "u0", "userName": "user0@example.com", "active": false, "displayName": format!("Someone else{}", evil(2))})), false);
    g.events.push(Event::Check(Check {
        step,
        id: crate::rules::RuleId::ReadbackActive.into(),
        verdict: Verdict::Fail,
        message: "user user0@example.com: active is false at the SP, JumpCloud sent true".into(),
        admin_sees: Some("The user shows as provisioned but cannot sign in to the application.".into()),
        fix: Some("Apply `active` from every PUT/PATCH and echo the stored value back.".into()),
        exchange: Some(id),
        expected: Some(json!({"active": true, "displayName": format!("User 0{}", evil(0))})),
        actual: Some(json!({"active": false, "displayName": format!("Someone else{}", evil(2))})),
    }));
    g.events.push(Event::Check(Check {
        step,
        id: crate::rules::RuleId::LocationMeta.into(),
        verdict: Verdict::Warn,
        message: "user user0@example.com has no meta.location".into(),
        admin_sees: None,
        fix: Some("Return meta.location (RFC 7643 §3.1).".into()),
        exchange: Some(id),
        expected: None,
        actual: None,
    }));
    if opts.hostile {
        g.refusal_probes(step, evil(2));
    }
    if g.finish_step(step, t, Some("1 read-back difference".into())) {
        failed += 1
    } else {
        passed += 1
    }
    let skipped = usize::from(opts.hostile);
    if opts.hostile {
        g.skipped_and_cleanup(step + 1, evil(0));
    }
    if opts.finish {
        let exchanges = g.next_id - 1;
        g.events.push(Event::RunFinished(RunFinished {
            verdict: Verdict::Fail,
            steps_passed: passed,
            steps_failed: failed,
            steps_skipped: skipped,
            exchanges,
            duration_ms: g.clock as f64 + 0.5,
            stopped_early: false,
            stop_reason: None,
            exit_code: crate::record::Exit::Fail,
            interrupted: false,
        }));
    }
    g.events
}

/// Write `events` as `dir/events.jsonl`.
pub fn write(dir: &Path, events: &[Event]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut text = String::new();
    for e in events {
        text.push_str(&serde_json::to_string(e).map_err(std::io::Error::other)?);
        text.push('\n');
    }
    std::fs::write(dir.join("events.jsonl"), text)
}
