//! Directory Insights: the console session's events as JSON, read back from
//! its (already redacted) `events.jsonl`, for the live timeline to poll.

use super::state::ConsoleState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct After {
    #[serde(default)]
    after: usize,
}

/// `GET /api/events?after=N`: the session's events from line N on (at most
/// 500), and the line to ask for next. Each poll reads only what is new
/// (see `record::EventIndex`), so its cost does not grow with the session.
pub async fn events(State(state): State<ConsoleState>, Query(q): Query<After>) -> Response {
    let reader = state.clone();
    let read = tokio::task::spawn_blocking(move || reader.session_events(q.after, 500)).await;
    let (events, next) = match read {
        Ok(Ok(r)) => r,
        _ => return Json(json!({"events": [], "next": q.after})).into_response(),
    };
    Json(json!({
        "run_id": state.run_id(),
        "events": events,
        "next": next,
    }))
    .into_response()
}
