//! The run viewer: run directories under `--runs` with their status, and their
//! output files served read-only: a fixed list of names, safe content types,
//! no path traversal, and `report.html` sandboxed into its own origin.

use super::ConsoleError;
use super::sessions::Visitor;
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
    ("readiness.html", "text/html; charset=utf-8"),
    ("readiness.json", "application/json"),
    ("badge.svg", "image/svg+xml"),
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
    steps: usize,
    steps_failed: usize,
    exchanges: usize,
    /// The first failed check's message.
    first_failure: Option<String>,
}

/// What the Runs table shows of one run, read from its events in one pass.
#[derive(Default)]
struct RunInfo {
    scenario: String,
    started_at: String,
    status: &'static str,
    steps: usize,
    steps_failed: usize,
    exchanges: usize,
    first_failure: Option<String>,
}

pub(super) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('.')
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The header, verdict, step and exchange counts and the first failure of a
/// run, in one pass over its events (only the lines that matter are parsed).
fn status(dir: &std::path::Path) -> RunInfo {
    let mut info = RunInfo { status: "incomplete", ..RunInfo::default() };
    let Ok(f) = std::fs::File::open(dir.join("events.jsonl")) else {
        return RunInfo { status: "no events", ..info };
    };
    for (n, line) in BufReader::new(f).lines().map_while(Result::ok).enumerate() {
        if line.contains("\"type\":\"exchange\"") {
            info.exchanges += 1;
            continue;
        }
        let interesting = n == 0
            || line.contains("\"type\":\"step_finished\"")
            || line.contains("\"type\":\"run_finished\"")
            || (info.first_failure.is_none()
                && line.contains("\"type\":\"check\"")
                && line.contains("\"verdict\":\"fail\""));
        if !interesting {
            continue;
        }
        match serde_json::from_str::<Event>(&line) {
            Ok(Event::RunStarted(r)) => (info.scenario, info.started_at) = (r.scenario, r.started_at),
            Ok(Event::StepFinished(f)) => {
                info.steps += 1;
                info.steps_failed += usize::from(f.verdict == Verdict::Fail);
            }
            Ok(Event::Check(c)) if c.verdict == Verdict::Fail => info.first_failure = Some(c.message),
            Ok(Event::RunFinished(r)) => info.status = if r.verdict == Verdict::Fail { "failed" } else { "passed" },
            _ => {}
        }
    }
    info
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
            let info = status(&dir);
            // report.html is rendered on demand when a run has events but no report (the console session).
            let has_events = dir.join("events.jsonl").is_file();
            let files = FILES
                .iter()
                .map(|(f, _)| *f)
                .filter(|f| dir.join(f).is_file() || (*f == "report.html" && has_events))
                .collect();
            rows.push(RunRow {
                live: id == live,
                status: if id == live { "live" } else { info.status },
                id,
                scenario: info.scenario,
                started_at: info.started_at,
                files,
                steps: info.steps,
                steps_failed: info.steps_failed,
                exchanges: info.exchanges,
                first_failure: info.first_failure,
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

/// The largest events.jsonl the console renders a report of on demand;
/// larger records are rendered with `jcsim report DIR`.
const MAX_RENDERED_EVENTS: u64 = 64 * 1024 * 1024;

/// `GET /runs/{id}/{sub}/{file}`: a file of a run inside a run directory
/// (`jcsim readiness` keeps each scenario's run below its own directory,
/// and `readiness.html` links their reports relatively).
pub async fn nested_file(
    State(state): State<ConsoleState>,
    Path((id, sub, name)): Path<(String, String, String)>,
) -> Response {
    if !valid_id(&id) || !valid_id(&sub) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    serve_file(state, format!("{id}/{sub}"), name).await
}

/// `GET /runs/{id}/{file}`: one of [`FILES`], read-only.
pub async fn file(State(state): State<ConsoleState>, Path((id, name)): Path<(String, String)>) -> Response {
    if !valid_id(&id) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    serve_file(state, id, name).await
}

/// `name` (one of [`FILES`]) of the run directory `id` (checked plain
/// names, `a` or `a/b`) under the runs directory.
async fn serve_file(state: ConsoleState, id: String, name: String) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "not found").into_response();
    let Some((name, ctype)) = FILES.iter().find(|(f, _)| *f == name) else {
        return not_found();
    };
    let root = state.config().runs_dir.clone();
    let path = root.join(&id).join(name);
    // The live session's report (and any run's without one) is rendered from its events on demand.
    let live = id == state.run_id();
    let on_demand = *name == "report.html" && (live || !path.is_file());
    // One render at a time, of a bounded record: eight parallel renders of a
    // large session took 22.6 s and 1.2 GB.
    let permit = match on_demand.then(|| state.render_permit()) {
        Some(None) => {
            let mut busy =
                (StatusCode::SERVICE_UNAVAILABLE, "another report is being rendered; try again").into_response();
            busy.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("2"));
            return busy;
        }
        Some(Some(p)) => Some(p),
        None => None,
    };
    let read = tokio::task::spawn_blocking(move || -> std::io::Result<Option<Vec<u8>>> {
        let _permit = permit;
        let dir = root.join(&id);
        // Refuse symlinks that leave the runs directory.
        let root = root.canonicalize()?;
        if on_demand {
            let events = dir.join("events.jsonl").canonicalize()?;
            if !events.starts_with(&root) {
                return Ok(None);
            }
            if std::fs::metadata(&events)?.len() > MAX_RENDERED_EVENTS {
                return Err(std::io::Error::new(std::io::ErrorKind::FileTooLarge, "record too large"));
            }
            let render = if live { crate::report::render_live_report } else { crate::report::render_report };
            return Ok(render(&dir).ok());
        }
        let real = path.canonicalize()?;
        if !real.starts_with(&root) || std::fs::metadata(&real)?.len() > MAX_FILE {
            return Ok(None);
        }
        std::fs::read(&real).map(Some)
    })
    .await;
    let bytes = match read {
        Ok(Ok(Some(bytes))) => bytes,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::FileTooLarge => {
            let why = "this run's record is over 64 MiB: render its report with `jcsim report RUN_DIR`";
            return (StatusCode::PAYLOAD_TOO_LARGE, why).into_response();
        }
        _ => return not_found(),
    };
    let mut resp = ([(header::CONTENT_TYPE, *ctype)], bytes).into_response();
    if ctype.starts_with("text/html") || ctype.starts_with("image/svg") {
        resp.headers_mut().insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static(REPORT_CSP));
    }
    resp
}

/// `GET /export.yaml`: the session's actions as a scenario, downloaded.
pub async fn download_export(State(state): State<ConsoleState>) -> Result<Response, ConsoleError> {
    let yaml = state.export().await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/yaml; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"console-session.yaml\""),
        ],
        yaml,
    )
        .into_response())
}
