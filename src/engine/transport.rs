//! The engine's [`Transport`]: sends operations with the client and records
//! every attempt as an `exchange` event.

use crate::client::{Attempt, Client, OutRequest, encode_query};
use crate::provision::{Fault, Reply, ScimOp, Transport};
use crate::record::{Event, Exchange, Recorder, Timing};
use std::sync::Mutex;
use std::time::Instant;

/// Per-step recording context.
pub struct Recording<'a> {
    pub client: &'a Client,
    pub recorder: &'a Recorder,
    pub run_start: Instant,
    pub step: usize,
    /// What happened in this step, for expectations and the summary.
    pub log: Mutex<StepLog>,
}

/// Facts about the exchanges of one step.
#[derive(Debug, Default, Clone)]
pub struct StepLog {
    pub exchanges: u64,
    pub last_status: Option<u16>,
    /// At least one HTTP response arrived.
    pub any_response: bool,
    /// At least one attempt failed to connect.
    pub connect_failed: bool,
    /// Recording to disk failed (the run must stop).
    pub record_error: Option<String>,
}

impl Recording<'_> {
    /// Send a raw request, recording each attempt under `event`.
    pub async fn request(
        &self,
        req: &OutRequest,
        event: &str,
        label: &str,
    ) -> Result<crate::client::Answer, crate::client::NoAnswer> {
        self.client
            .send(req, |a| self.record(a, event, label))
            .await
    }

    fn record(&self, a: Attempt, event: &str, label: &str) -> u64 {
        let id = self.recorder.next_exchange_id();
        let start_ms = a
            .started
            .saturating_duration_since(self.run_start)
            .as_millis() as u64;
        {
            let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
            log.exchanges += 1;
            if let Some(r) = &a.response {
                log.last_status = Some(r.status);
                log.any_response = true;
            } else {
                log.last_status = None;
            }
            if a.error.as_ref().is_some_and(|e| e.kind == "connect") {
                log.connect_failed = true;
            }
        }
        let ex = Exchange {
            id,
            step: self.step,
            event: event.to_string(),
            label: label.to_string(),
            attempt: a.attempt,
            request: a.request,
            response: a.response,
            error: a.error,
            timing: Timing {
                start_ms,
                duration_ms: a.duration.as_secs_f64() * 1000.0,
            },
        };
        if let Err(e) = self.recorder.record(Event::Exchange(ex)) {
            let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
            log.record_error.get_or_insert(e.to_string());
        }
        id
    }

    pub fn log(&self) -> StepLog {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Transport for Recording<'_> {
    async fn send(&self, op: ScimOp) -> Result<Reply, Fault> {
        let path_and_query = if op.query.is_empty() {
            op.path.clone()
        } else {
            format!("{}?{}", op.path, encode_query(&op.query))
        };
        let req = OutRequest {
            method: op.method.as_str().to_string(),
            path_and_query,
            headers: Vec::new(),
            body: op.body,
            no_auth: false,
        };
        match self.request(&req, op.insight.name(), &op.label).await {
            Ok(a) => Ok(Reply {
                status: a.status,
                body: a.body,
                exchange: a.exchange,
            }),
            Err(n) => Err(Fault {
                kind: n.fault.kind,
                message: n.fault.message,
                exchange: n.exchange,
            }),
        }
    }
}
