//! The engine's [`Transport`]: sends operations with the client and records
//! every attempt as an `exchange` event.

use crate::check::Finding;
use crate::check::{InspectOptions, inspect};
use crate::client::{Attempt, AuthMode, Client, OutRequest, Recorded};
use crate::lock::Recover;
use crate::provision::{Fault, Reply, ScimOp, Transport};
use crate::record::{Event, Exchange, PURPOSE_HEADER, Recorder, Timing};
use crate::scim::url::encode_query;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;
use std::time::Instant;

/// The [`PURPOSE_HEADER`] value of a request in another knob form than the
/// run's (`compat-risk`): JumpCloud sends one form, jcsim tries the others.
pub const FORM_PROBE: &str = "form-probe";

/// Per-step recording context.
pub(crate) struct Recording<'a> {
    pub(crate) client: &'a Client,
    /// The embedded SP, when the run targets it.
    pub(crate) embedded_sp: Option<&'a crate::sp::SpState>,
    pub(crate) recorder: &'a Recorder,
    pub(crate) run_start: Instant,
    pub(crate) step: usize,
    /// The step's line in the scenario file.
    pub(crate) line: usize,
    /// Options of the per-exchange response rules.
    pub(crate) inspect: InspectOptions,
    /// The run's request pace (`pace` knob).
    pub(crate) pacer: &'a Pacer,
    /// Set on SIGINT/SIGTERM: no new request is sent.
    pub(crate) cancel: &'a Cancel,
    /// What happened in this step, for expectations and the summary.
    pub(crate) log: Mutex<StepLog>,
    /// SCIM root of JumpCloud's own API, as recorded for `inbound` exchanges.
    pub(crate) inbound_base: &'a str,
    /// Note the users and groups each write reaches (`--verify-each` reads them back).
    pub(crate) track_touched: bool,
    /// What the run created at the SP and has not deleted (cleanup removes it).
    /// Absent when nothing will be cleaned up (the embedded SP, `--keep`).
    pub(crate) ledger: Option<&'a Mutex<Ledger>>,
    /// The refusal status the step expects (`expect: { status: 409 }`): an
    /// answer with it is marked as expected, not styled as a failure.
    pub(crate) expected_refusal: Option<u16>,
    /// Tagged names this session created at the SP (`userName`, `displayName`),
    /// to tell a conflict with an earlier run's leftover from one with its own
    /// resource. Absent when the run is not namespaced.
    pub(crate) created_names: Option<&'a Mutex<HashSet<String>>>,
    /// Retry a refused unconfirmed form in the knob's other forms (see
    /// [`Transport::probes_forms`]).
    pub(crate) probe_forms: bool,
}

/// The users and groups a run created at the SP (a 2xx answer to a POST with
/// an id) and has not deleted since (a 2xx or 404 answer to their DELETE).
/// Cleanup deletes exactly these, in creation order, never anything the run
/// did not create. Noting is constant time: a bulk run creates 100,000 users.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Ledger {
    /// Id → creation sequence number, per collection.
    users: HashMap<String, u64>,
    groups: HashMap<String, u64>,
    next: u64,
}

impl Ledger {
    pub(crate) fn is_empty(&self) -> bool {
        self.users.is_empty() && self.groups.is_empty()
    }

    /// Created users' SP ids, in creation order.
    pub(crate) fn users(&self) -> Vec<&str> {
        in_order(&self.users)
    }

    /// Created groups' SP ids, in creation order.
    pub(crate) fn groups(&self) -> Vec<&str> {
        in_order(&self.groups)
    }

    fn collection(&mut self, name: &str) -> Option<&mut HashMap<String, u64>> {
        match name {
            "Users" => Some(&mut self.users),
            "Groups" => Some(&mut self.groups),
            _ => None,
        }
    }

    /// Note what an exchange created or deleted.
    fn note(&mut self, x: &Exchange) {
        let Some(status) = x.response.as_ref().map(|r| r.status) else { return };
        let (prev, last) = path_tail(x);
        match x.request.method.as_str() {
            // Only a 201 says the run created it: an SP that upserts answers
            // 200 with a resource that may have existed before the run.
            "POST" if status == 201 => {
                let (Some(id), next) = (created_id(x), self.next) else { return };
                if let Some(list) = self.collection(last) {
                    list.entry(id).or_insert(next);
                    self.next += 1;
                }
            }
            "DELETE" if (200..300).contains(&status) || status == 404 => {
                if let Some(list) = self.collection(prev) {
                    list.remove(&crate::scim::url::decode_segment(last));
                }
            }
            _ => {}
        }
    }
}

fn in_order(ids: &HashMap<String, u64>) -> Vec<&str> {
    let mut v: Vec<(&str, u64)> = ids.iter().map(|(id, n)| (id.as_str(), *n)).collect();
    v.sort_unstable_by_key(|&(_, n)| n);
    v.into_iter().map(|(id, _)| id).collect()
}

/// The last two segments of an exchange's path: `("Users", "42")` for
/// `…/Users/42?x`, `("v2", "Users")` for `…/v2/Users`.
fn path_tail(x: &Exchange) -> (&str, &str) {
    let path = x.request.url.split('?').next().unwrap_or("");
    let mut parts = path.rsplit('/');
    let last = parts.next().unwrap_or("");
    (parts.next().unwrap_or(""), last)
}

/// The `id` in an answer's body (a create's), as text.
fn created_id(x: &Exchange) -> Option<String> {
    let id = x.response.as_ref()?.body.as_ref()?.get("id")?;
    Some(id.as_str().map_or_else(|| id.to_string(), str::to_string))
}

/// Facts about the exchanges of one step.
#[derive(Debug, Default, Clone)]
pub(crate) struct StepLog {
    pub(crate) exchanges: u64,
    pub(crate) last_status: Option<u16>,
    /// At least one HTTP response arrived.
    pub(crate) any_response: bool,
    /// At least one attempt failed to connect.
    pub(crate) connect_failed: bool,
    /// Recording to disk failed (the run must stop).
    pub(crate) record_error: Option<String>,
    /// What the response rules found, per exchange.
    pub(crate) findings: Vec<Finding>,
    /// SP ids of users and groups this step wrote to (for `--verify-each`).
    pub(crate) touched_users: BTreeSet<String>,
    pub(crate) touched_groups: BTreeSet<String>,
    /// JumpCloud's answer to an `inbound` step's request.
    pub(crate) inbound: Option<crate::inbound::ApiResponse>,
    /// Creates answered 409 for a tagged name this session did not create:
    /// (exchange id, name), a leftover of an earlier run.
    pub(crate) leftovers: Vec<(u64, String)>,
    /// Rules already reported per request (method, URL), so a retried
    /// request's later attempts add no second finding of the same rule.
    pub(crate) attempt_rules: HashMap<(String, String), Vec<crate::rules::CheckId>>,
}

impl Recording<'_> {
    /// Send a raw request, recording each attempt under `event`.
    pub(crate) async fn request(
        &self,
        mut req: OutRequest,
        event: &str,
        label: &str,
    ) -> Result<crate::client::Answer, crate::client::NoAnswer> {
        if let Some(p) = crate::record::Insight::from_name(event).and_then(crate::record::Insight::purpose) {
            // First, so a header the step names itself wins.
            req.headers.insert(0, (PURPOSE_HEADER.to_string(), p.to_string()));
        }
        self.client.send(req, |a| self.record(a, event, label, false, false)).await
    }

    /// `probe`: another request form tried by `compat-risk`; the response
    /// rules judge JumpCloud's own traffic only.
    fn record(&self, a: Attempt, event: &str, label: &str, expects_refusal: bool, probe: bool) -> Recorded {
        let id = self.recorder.next_exchange_id();
        let start_ms = a.started.saturating_duration_since(self.run_start).as_millis() as u64;
        {
            let mut log = self.log.lock().recover();
            log.exchanges += 1;
            if let Some(r) = &a.response {
                log.last_status = Some(r.status);
                log.any_response = true;
            } else {
                log.last_status = None;
            }
            if a.error.as_ref().is_some_and(|e| e.kind == crate::record::FaultKind::Connect) {
                log.connect_failed = true;
            }
        }
        let status = a.response.as_ref().map(|r| r.status);
        let expects_refusal = expects_refusal || (status.is_some() && status == self.expected_refusal);
        let ex = Exchange {
            id,
            step: self.step,
            line: self.line,
            event: event.to_string(),
            label: label.to_string(),
            attempt: a.attempt,
            request: a.request,
            response: a.response,
            error: a.error,
            timing: Timing { start_ms, duration_ms: a.duration.as_secs_f64() * 1000.0 },
            expects_refusal,
        };
        if let Some(ledger) = self.ledger
            && matches!(ex.request.method.as_str(), "POST" | "DELETE")
        {
            ledger.lock().recover().note(&ex);
        }
        let leftover = self.created_names.and_then(|names| note_name(names, &ex));
        let mut findings = if probe { Vec::new() } else { inspect(&ex, self.inspect) };
        {
            let mut log = self.log.lock().recover();
            // One finding per rule per request, however many attempts it took.
            let key = (ex.request.method.clone(), ex.request.url.clone());
            if ex.attempt <= 1 {
                log.attempt_rules.remove(&key);
            } else if let Some(seen) = log.attempt_rules.get(&key) {
                findings.retain(|f| !seen.contains(&f.id));
            }
            if !findings.is_empty() {
                log.attempt_rules.entry(key).or_default().extend(findings.iter().map(|f| f.id));
            }
            log.findings.extend(findings);
            log.leftovers.extend(leftover);
            if self.track_touched {
                touch(&mut log, &ex);
            }
        }
        // Redaction is for what is written: the model and every later check
        // read the bytes the SP sent. A copy is kept only when a secret occurs
        // in a body (a weak token such as `user` occurs everywhere).
        let kept = self
            .recorder
            .redacts_bodies(&ex)
            .then(|| (ex.request.body.clone(), ex.response.as_ref().and_then(|r| r.body.clone())));
        let mut event = Event::Exchange(ex);
        if let Err(e) = self.recorder.record_mut(&mut event) {
            let mut log = self.log.lock().recover();
            log.record_error.get_or_insert(e.to_string());
        }
        // The bodies go back to the client and the model: moved, not copied.
        match (event, kept) {
            (_, Some((request_body, response_body))) => Recorded { id, request_body, response_body },
            (Event::Exchange(ex), None) => {
                Recorded { id, request_body: ex.request.body, response_body: ex.response.and_then(|r| r.body) }
            }
            _ => Recorded { id, ..Recorded::default() },
        }
    }

    pub(crate) fn log(&self) -> StepLog {
        self.log.lock().recover().clone()
    }
}

/// Note a tagged name a create made; for a create refused with 409, the name
/// and exchange when this session never created that name.
fn note_name(names: &Mutex<HashSet<String>>, x: &Exchange) -> Option<(u64, String)> {
    if x.request.method != "POST" {
        return None;
    }
    let body = x.request.body.as_ref()?;
    let name = body.get("userName").or_else(|| body.get("displayName"))?.as_str()?;
    crate::names::tag_of(name)?;
    let mut names = names.lock().recover();
    match x.response.as_ref()?.status {
        200..=299 => {
            names.insert(name.to_string());
            None
        }
        409 if !names.contains(name) => Some((x.id, name.to_string())),
        _ => None,
    }
}

/// Note the users and groups a write reached: `/Users/{id}`, `/Groups/{id}`,
/// and ids returned by a create.
fn touch(log: &mut StepLog, x: &Exchange) {
    if x.request.method == "GET" || x.event == crate::record::Insight::Verify.name() {
        return;
    }
    let (prev, last) = path_tail(x);
    let created = created_id(x).filter(|_| x.response.as_ref().is_some_and(|r| r.status == 201));
    match (prev, last, created) {
        ("Users", id, _) if !id.is_empty() => {
            log.touched_users.insert(id.to_string());
        }
        ("Groups", id, _) if !id.is_empty() => {
            log.touched_groups.insert(id.to_string());
        }
        (_, "Users", Some(id)) => {
            log.touched_users.insert(id);
        }
        (_, "Groups", Some(id)) => {
            log.touched_groups.insert(id);
        }
        _ => {}
    }
}

/// Stops a run between requests (Ctrl-C). Requests already sent complete
/// and are recorded; nothing new is sent.
#[derive(Debug, Clone, Default)]
pub struct Cancel(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Cancel {
    pub(crate) fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Spaces requests out to at most `pace` per second across the whole run.
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Option<std::time::Duration>,
    next: Mutex<Instant>,
}

impl Pacer {
    pub(crate) fn new(pace: f64) -> Pacer {
        let interval = (pace > 0.0 && pace.is_finite()).then(|| std::time::Duration::from_secs_f64(1.0 / pace));
        Pacer { interval, next: Mutex::new(Instant::now()) }
    }

    /// Wait for this request's slot.
    pub(crate) async fn wait(&self) {
        let Some(interval) = self.interval else { return };
        let slot = {
            let mut next = self.next.lock().recover();
            let slot = (*next).max(Instant::now());
            *next = slot + interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }
}

impl Transport for Recording<'_> {
    fn probes_forms(&self) -> bool {
        self.probe_forms
    }

    fn note(&self, finding: Finding) {
        self.log.lock().recover().findings.push(finding);
    }

    async fn send(&self, op: ScimOp) -> Result<Reply, Fault> {
        self.pacer.wait().await;
        if self.cancel.is_cancelled() {
            return Err(Fault {
                kind: crate::record::FaultKind::Interrupted,
                message: format!("{} not sent: the run was interrupted", op.label),
                exchange: 0,
            });
        }
        let path_and_query =
            if op.query.is_empty() { op.path.clone() } else { format!("{}?{}", op.path, encode_query(&op.query)) };
        // jcsim's own requests say so; JumpCloud's traffic carries no such header.
        let purpose = if op.probe { Some(FORM_PROBE) } else { op.insight.purpose() };
        let req = OutRequest {
            method: op.method.as_str().to_string(),
            path_and_query,
            headers: purpose.map(|p| (PURPOSE_HEADER.to_string(), p.to_string())).into_iter().collect(),
            body: op.body,
            auth: match (op.wrong_credentials, op.previous_credentials) {
                (true, _) => AuthMode::Wrong,
                (false, true) => AuthMode::Previous,
                (false, false) => AuthMode::Configured,
            },
            raw_when_large: op.raw_when_large,
        };
        let (event, label, refusal, probe) = (op.insight.name(), op.label.as_str(), op.expects_refusal, op.probe);
        let mut location = None;
        let sent = self.client.send(req, |a| {
            location = a
                .response
                .as_ref()
                .filter(|r| (300..400).contains(&r.status))
                .and_then(|r| r.header("location").map(str::to_string));
            self.record(a, event, label, refusal, probe)
        });
        match sent.await {
            Ok(a) => Ok(Reply { status: a.status, body: a.body, raw: a.raw, exchange: a.exchange, location }),
            Err(n) => Err(Fault { kind: n.fault.kind, message: n.fault.message, exchange: n.exchange }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{RecordedRequest, RecordedResponse};

    fn x(method: &str, url: &str, status: u16, body: Option<serde_json::Value>) -> Exchange {
        Exchange {
            id: 1,
            step: 0,
            line: 0,
            event: "e".into(),
            label: "l".into(),
            attempt: 1,
            request: RecordedRequest { method: method.into(), url: url.into(), headers: vec![], body: None },
            response: Some(RecordedResponse { status, headers: vec![], body, body_text: None }),
            error: None,
            timing: Timing { start_ms: 0, duration_ms: 0.0 },
            expects_refusal: false,
        }
    }

    #[test]
    fn the_ledger_keeps_what_was_created_and_not_deleted_in_creation_order() {
        let mut l = Ledger::default();
        for id in ["u3", "u1", "u2"] {
            l.note(&x("POST", "http://h/scim/v2/Users", 201, Some(serde_json::json!({ "id": id }))));
        }
        l.note(&x("POST", "http://h/scim/v2/Groups", 201, Some(serde_json::json!({ "id": 7 }))));
        l.note(&x("POST", "http://h/scim/v2/Users", 200, Some(serde_json::json!({ "id": "upserted" }))));
        l.note(&x("POST", "http://h/scim/v2/Users", 409, Some(serde_json::json!({ "id": "taken" }))));
        l.note(&x("POST", "http://h/scim/v2/Users/.search", 200, Some(serde_json::json!({ "id": "s" }))));
        l.note(&x("DELETE", "http://h/scim/v2/Users/u1", 204, None));
        l.note(&x("DELETE", "http://h/scim/v2/Users/u2", 500, None));
        assert_eq!(l.users(), vec!["u3", "u2"], "a 200 to a POST may be an existing user: not created");
        assert_eq!(l.groups(), vec!["7"]);
        l.note(&x("POST", "http://h/scim/v2/Users", 201, Some(serde_json::json!({ "id": "a/b" }))));
        l.note(&x("DELETE", "http://h/scim/v2/Users/a%2Fb", 204, None));
        assert_eq!(l.users(), vec!["u3", "u2"], "the delete's path segment is decoded");
        l.note(&x("DELETE", "http://h/scim/v2/Groups/7?x=1", 404, None));
        assert!(l.groups().is_empty(), "a 404 means it is gone");
        assert!(!l.is_empty());
    }
}
