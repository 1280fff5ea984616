//! Directory Insights: the console session's events as JSON, read back from
//! its (already redacted) `events.jsonl`, for the live timeline to poll.

use super::state::ConsoleState;
use crate::record::read_events;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct After {
    #[serde(default)]
    after: usize,
}

/// `GET /api/events?after=N`: events from index N on, and the next index.
pub async fn events(State(state): State<ConsoleState>, Query(q): Query<After>) -> Response {
    let path = state.run_dir().join("events.jsonl");
    let log = match tokio::task::spawn_blocking(move || read_events(&path)).await {
        Ok(Ok(log)) => log,
        _ => return Json(json!({"events": [], "next": q.after})).into_response(),
    };
    let total = log.events.len();
    let events: Vec<_> = log.events.into_iter().skip(q.after).take(500).collect();
    let next = (q.after + events.len()).min(total.max(q.after));
    Json(json!({
        "run_id": state.run_id(),
        "events": events,
        "next": next,
    }))
    .into_response()
}
