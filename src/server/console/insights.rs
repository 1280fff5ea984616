//! Directory Insights: the console session's events as JSON, read back from
//! its (already redacted) `events.jsonl`, for the live timeline to poll; or,
//! with `run=ID`, another run's in the runs directory, such as a `jcsim
//! proxy` capture of a real tenant recording there.

use super::state::ConsoleState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct After {
    #[serde(default)]
    after: usize,
    /// Follow this run of the runs directory instead of the session.
    #[serde(default)]
    run: Option<String>,
}

/// `GET /api/events?after=N`: the session's events from line N on (at most
/// 500), and the line to ask for next. Each poll reads only what is new
/// (see `record::EventIndex`), so its cost does not grow with the session.
pub async fn events(State(state): State<ConsoleState>, Query(q): Query<After>) -> Response {
    let reader = state.clone();
    let run = q.run.clone().filter(|id| id != state.run_id());
    if run.as_deref().is_some_and(|id| !super::runs::valid_id(id)) {
        return (axum::http::StatusCode::NOT_FOUND, "no such run").into_response();
    }
    let which = run.clone();
    let read = tokio::task::spawn_blocking(move || match &which {
        Some(id) => reader.run_events(id, q.after, 500),
        None => reader.session_events(q.after, 500),
    })
    .await;
    let (events, next) = match read {
        Ok(Ok(r)) => r,
        _ => return Json(json!({"events": [], "next": q.after})).into_response(),
    };
    Json(json!({
        "run_id": run.as_deref().unwrap_or(state.run_id()),
        "events": events,
        "next": next,
    }))
    .into_response()
}
