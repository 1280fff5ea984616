//! The run viewer: run directories under `--runs` with their status, and their
//! output files served read-only: a fixed list of names, safe content types,
//! no path traversal, and `report.html` sandboxed into its own origin.

use super::ConsoleError;
use super::auth::Visitor;
use super::state::ConsoleState;
use super::views::page;
use crate::record::{Event, Verdict};
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::io::{BufRead, BufReader};
use tera::Context;

/// The files a run directory may expose, with their content types.
const FILES: &[(&str, &str)] = &[
    ("report.html", "text/html; charset=utf-8"),
    ("summary.json", "application/json"),
    ("junit.xml", "application/xml"),
    ("run.har", "application/json"),
    ("events.jsonl", "text/plain; charset=utf-8"),
];

/// Largest file served (reports of big runs fit easily).
const MAX_FILE: u64 = 64 * 1024 * 1024;

/// report.html has inline CSS and JS; the sandbox gives it a unique origin so
/// it can neither read the console's cookies nor call the console.
const REPORT_CSP: &str = "sandbox allow-scripts allow-popups; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

#[derive(Serialize)]
struct RunRow {
    id: String,
    scenario: String,
    started_at: String,
    status: &'static str,
    live: bool,
    files: Vec<&'static str>,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('.')
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// First and last event of a run, read without loading the whole file.
fn status(dir: &std::path::Path) -> (String, String, &'static str) {
    let Ok(f) = std::fs::File::open(dir.join("events.jsonl")) else {
        return (String::new(), String::new(), "no events");
    };
    let mut first = None;
    let mut last = None;
    for line in BufReader::new(f).lines().map_while(Result::ok) {
        if first.is_none() {
            first = serde_json::from_str::<Event>(&line).ok();
        }
        if line.contains("\"run_finished\"") {
            last = serde_json::from_str::<Event>(&line).ok();
        }
    }
    let (scenario, started) = match first {
        Some(Event::RunStarted(r)) => (r.scenario, r.started_at),
        _ => (String::new(), String::new()),
    };
    let st = match last {
        Some(Event::RunFinished(r)) if r.verdict == Verdict::Fail => "failed",
        Some(Event::RunFinished(_)) => "passed",
        _ => "incomplete",
    };
    (scenario, started, st)
}

pub async fn list(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
) -> Result<Response, ConsoleError> {
    let root = state.config().runs_dir.clone();
    let live = state.run_id().to_string();
    let rows = tokio::task::spawn_blocking(move || {
        let mut rows = Vec::new();
        let Ok(entries) = std::fs::read_dir(&root) else {
            return rows;
        };
        for e in entries.flatten() {
            let id = e.file_name().to_string_lossy().to_string();
            if !valid_id(&id) || !e.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let dir = e.path();
            let (scenario, started_at, st) = status(&dir);
            let files = FILES.iter().map(|(f, _)| *f).filter(|f| dir.join(f).is_file()).collect();
            rows.push(RunRow {
                live: id == live,
                status: if id == live { "live" } else { st },
                id,
                scenario,
                started_at,
                files,
            });
        }
        rows.sort_by(|a, b| b.id.cmp(&a.id));
        rows.truncate(500);
        rows
    })
    .await
    .map_err(|e| ConsoleError::Render { what: "the runs list", message: e.to_string() })?;
    let mut ctx = Context::new();
    ctx.insert("runs", &rows);
    ctx.insert("runs_dir", &state.config().runs_dir.display().to_string());
    page(&state, &v, "runs.html", "runs", "Runs", ctx)
}

/// `GET /runs/{id}/{file}`: one of [`FILES`], read-only.
pub async fn file(State(state): State<ConsoleState>, Path((id, name)): Path<(String, String)>) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "not found").into_response();
    let Some((name, ctype)) = FILES.iter().find(|(f, _)| *f == name) else {
        return not_found();
    };
    if !valid_id(&id) {
        return not_found();
    }
    let root = state.config().runs_dir.clone();
    let path = root.join(&id).join(name);
    let read = tokio::task::spawn_blocking(move || -> std::io::Result<Option<Vec<u8>>> {
        // Refuse symlinks that leave the runs directory.
        let real = path.canonicalize()?;
        let root = root.canonicalize()?;
        if !real.starts_with(&root) || std::fs::metadata(&real)?.len() > MAX_FILE {
            return Ok(None);
        }
        std::fs::read(&real).map(Some)
    })
    .await;
    let Ok(Ok(Some(bytes))) = read else {
        return not_found();
    };
    let mut resp = ([(header::CONTENT_TYPE, *ctype)], bytes).into_response();
    if *name == "report.html" {
        resp.headers_mut().insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static(REPORT_CSP));
    }
    resp
}
