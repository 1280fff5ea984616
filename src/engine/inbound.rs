//! `inbound:` steps: an identity source calls JumpCloud's SCIM API. The
//! request is applied in-process by the same handler `jcsim serve` mounts at
//! `/scim/v2`, recorded as an `inbound_*` exchange, then JumpCloud syncs the
//! application exactly as after an admin's change.

use super::transport::Recording;
use crate::check::Finding;
use crate::directory::Directory;
use crate::inbound::{ApiRequest, Handled, IN_PROCESS_BASE, api_request, handle};
use crate::lock::Recover;
use crate::provision::{Provisioner, Transport};
use crate::record::{Event, Exchange, RecordedRequest, RecordedResponse, Timing};
use crate::scenario::InboundRequest;
use std::time::Instant;

/// Apply, record, then sync. `status_expected`: the step's `expect` names a
/// status, so a non-2xx answer is judged there rather than failing here.
pub(super) async fn run(
    r: &InboundRequest,
    status_expected: bool,
    dir: &mut Directory,
    prov: &mut Provisioner,
    ctx: &Recording<'_>,
) -> Vec<Finding> {
    let req = api_request(r, dir);
    let started = Instant::now();
    let handled = handle(dir, &req, ctx.inbound_base);
    ctx.record_inbound(&req, &handled, started);
    let mut findings = Vec::new();
    let status = handled.response.status;
    if !(200..300).contains(&status) && !status_expected {
        let detail = handled.response.body.as_ref().and_then(|b| b.get("detail")).and_then(|d| d.as_str());
        findings.push(Finding::error(
            crate::rules::CheckId::InboundStatus,
            format!("{}: JumpCloud's SCIM API answered HTTP {status}: {}", handled.label, detail.unwrap_or("")),
        ));
    }
    if handled.changed {
        findings.extend(prov.sync(dir, ctx).await);
    }
    findings
}

/// Apply and sync without recording (previews).
pub(super) async fn apply<T: Transport>(
    r: &InboundRequest,
    dir: &mut Directory,
    prov: &mut Provisioner,
    t: &T,
) -> Vec<Finding> {
    let req = api_request(r, dir);
    if handle(dir, &req, IN_PROCESS_BASE).changed { prov.sync(dir, t).await } else { Vec::new() }
}

impl Recording<'_> {
    /// Record an inbound request and JumpCloud's answer as an exchange. The
    /// SP's response rules do not apply: this is JumpCloud answering.
    pub(crate) fn record_inbound(&self, req: &ApiRequest, h: &Handled, started: Instant) {
        let id = self.recorder.next_exchange_id();
        let mut req_headers = vec![("x-api-key".to_string(), crate::record::REDACTED.to_string())];
        if req.body.is_some() {
            req_headers.push(("content-type".into(), crate::scim::SCIM_MEDIA_TYPE.into()));
        }
        let mut resp_headers = Vec::new();
        if h.response.body.is_some() {
            resp_headers.push(("content-type".to_string(), crate::scim::SCIM_MEDIA_TYPE.to_string()));
        }
        if let Some(l) = &h.response.location {
            resp_headers.push(("location".into(), l.clone()));
        }
        let ex = Exchange {
            id,
            step: self.step,
            line: self.line,
            event: h.event.name().to_string(),
            label: h.label.clone(),
            attempt: 1,
            request: RecordedRequest {
                method: req.method.clone(),
                url: format!("{}{}", self.inbound_base, req.path),
                headers: req_headers,
                body: req.body.clone(),
            },
            response: Some(RecordedResponse {
                status: h.response.status,
                headers: resp_headers,
                body: h.response.body.clone(),
                body_text: None,
            }),
            error: None,
            timing: Timing {
                start_ms: started.saturating_duration_since(self.run_start).as_millis() as u64,
                duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            },
            expects_refusal: false,
        };
        let mut log = self.log.lock().recover();
        log.exchanges += 1;
        log.inbound = Some(h.response.clone());
        drop(log);
        if let Err(e) = self.recorder.record(Event::Exchange(ex)) {
            let mut log = self.log.lock().recover();
            log.record_error.get_or_insert(e.to_string());
        }
    }
}
