//! `run.har` (HAR 1.2): one page per step, one entry per exchange attempt,
//! with jcsim's own fields under `_jcsim`. Imports in Chrome DevTools.

use super::run::{Run, StepRun, clean};
use crate::record::Exchange;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

/// Write a HAR document for the given runs (pages and entries of all of them).
/// Entries are serialized one at a time, so memory stays proportional to one
/// exchange, not to the whole run.
pub(crate) fn write(runs: &[Run], w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let many = runs.len() > 1;
    let mut pages = Vec::new();
    for (r, run) in runs.iter().enumerate() {
        let start = run_start(run);
        let prefix = if many { format!("run{}.", r + 1) } else { String::new() };
        for step in run.phases() {
            let title = if step.is_cleanup() { step.title() } else { format!("{}. {}", step.index + 1, step.title()) };
            let title = if many { format!("{} › {title}", run.scenario()) } else { title };
            pages.push(json!({
                "startedDateTime": iso(start, step.start_ms()),
                "id": page_id(&prefix, step),
                "title": title,
                "pageTimings": {"onContentLoad": -1, "onLoad": -1},
            }));
        }
    }
    let creator = json!({"name": "jcsim", "version": env!("CARGO_PKG_VERSION")});
    write!(
        w,
        "{{\"log\":{{\"version\":\"1.2\",\"creator\":{creator},\"comment\":\"Recorded by jcsim. Credentials are redacted.\",\"pages\":"
    )?;
    serde_json::to_writer(&mut *w, &pages)?;
    w.write_all(b",\"entries\":[")?;
    let mut first = true;
    for (r, run) in runs.iter().enumerate() {
        let start = run_start(run);
        let prefix = if many { format!("run{}.", r + 1) } else { String::new() };
        run.for_each_exchange(|step, x| {
            w.write_all(if first { b"\n" } else { b",\n" })?;
            first = false;
            serde_json::to_writer(&mut *w, &entry(x, start, &page_id(&prefix, step), run))?;
            Ok(())
        })?;
    }
    w.write_all(b"\n]}}\n")
}

/// `step3`, or `cleanup` for the cleanup phase (after the run's prefix).
fn page_id(prefix: &str, step: &StepRun) -> String {
    if step.is_cleanup() { format!("{prefix}cleanup") } else { format!("{prefix}step{}", step.index + 1) }
}

fn run_start(run: &Run) -> SystemTime {
    run.header
        .as_ref()
        .and_then(|h| humantime::parse_rfc3339_weak(&h.started_at).ok())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// ISO 8601 of `start + offset_ms`; out-of-range times fall back to `start`.
fn iso(start: SystemTime, offset_ms: f64) -> String {
    use std::fmt::Write;
    let at = start.checked_add(Duration::from_micros((clean(offset_ms) * 1000.0) as u64)).unwrap_or(start);
    let mut out = String::new();
    if write!(out, "{}", humantime::format_rfc3339_millis(at)).is_err() {
        out.clear();
        let _ = write!(out, "{}", humantime::format_rfc3339_millis(start));
    }
    if out.is_empty() {
        out.push_str("1970-01-01T00:00:00.000Z");
    }
    out
}

/// One HAR entry. Long on purpose: HAR's fixed fields, written in its order.
fn entry(x: &Exchange, start: SystemTime, page: &str, run: &Run) -> Value {
    let time = clean(x.timing.duration_ms);
    let req_mime = header(&x.request.headers, "content-type").unwrap_or("application/scim+json").to_string();
    let mut request = json!({
        "method": x.request.method,
        "url": x.request.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers(&x.request.headers),
        "queryString": query_string(&x.request.url),
        "headersSize": -1,
        "bodySize": 0,
    });
    if let Some(body) = &x.request.body {
        let text = body.to_string();
        request["bodySize"] = json!(text.len());
        request["postData"] = json!({"mimeType": req_mime, "text": text});
    }
    let response = match &x.response {
        Some(r) => {
            let text = match (&r.body, &r.body_text) {
                (Some(b), _) => b.to_string(),
                (None, Some(t)) => t.clone(),
                (None, None) => String::new(),
            };
            let mime = header(&r.headers, "content-type").unwrap_or(if text.is_empty() {
                "x-unknown"
            } else {
                "application/octet-stream"
            });
            json!({
                "status": r.status,
                "statusText": status_text(r.status),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": headers(&r.headers),
                "content": {"size": text.len(), "mimeType": mime, "text": text},
                "redirectURL": header(&r.headers, "location").unwrap_or(""),
                "headersSize": -1,
                "bodySize": text.len(),
            })
        }
        None => json!({
            "status": 0,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_error": x.error.as_ref().map_or_else(|| "no response".to_string(), |e| format!("{}: {}", e.kind, e.message)),
        }),
    };
    let mut e = json!({
        "pageref": page,
        "startedDateTime": iso(start, x.timing.start_ms as f64),
        "time": time,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": time, "receive": 0},
        "_jcsim": {
            "id": x.id,
            "event": x.event,
            "label": x.label,
            "attempt": x.attempt,
            "step": x.step,
            "scenario": run.scenario(),
            "run_id": run.run_id(),
        },
    });
    if x.expects_refusal {
        e["_jcsim"]["expects_refusal"] = json!(true);
    }
    if let Some(err) = &x.error {
        e["_error"] = json!(format!("{}: {}", err.kind, err.message));
    }
    e
}

fn headers(h: &[(String, String)]) -> Value {
    Value::Array(h.iter().map(|(n, v)| json!({"name": n, "value": v})).collect())
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn query_string(url: &str) -> Value {
    let query = url.split_once('?').map(|(_, q)| q.split('#').next().unwrap_or("")).unwrap_or("");
    Value::Array(
        query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (n, v) = p.split_once('=').unwrap_or((p, ""));
                json!({"name": crate::scim::url::decode(n), "value": crate::scim::url::decode(v)})
            })
            .collect(),
    )
}

fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}
