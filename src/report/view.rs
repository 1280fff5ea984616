//! View models for report.html: a small header model for the template and the
//! compact JSON the page's script renders lazily (rows, then details on demand).
//! The JSON is streamed: one exchange at a time from `events.jsonl` into the page.

use super::diff::{DiffLine, diff_values};
use super::run::{Run, StepRun, StepState, clean, exchange_failed};
use super::summary::round3;
use crate::record::{Check, Exchange, Verdict};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;

/// Everything the report template needs. Text fields are escaped by tera;
/// the timeline JSON is streamed into the page by [`write_data`] and
/// [`write_details`].
#[derive(Debug, Serialize)]
pub(crate) struct ReportPage {
    pub(crate) scenario: String,
    pub(crate) file: String,
    pub(crate) run_id: String,
    pub(crate) target: String,
    pub(crate) target_kind: String,
    pub(crate) seed: String,
    pub(crate) started_at: String,
    pub(crate) duration: String,
    pub(crate) version: String,
    /// `pass`, `fail`, `unreachable` or `incomplete` (a CSS class too).
    pub(crate) status: &'static str,
    pub(crate) exit_code: crate::record::Exit,
    pub(crate) stop_reason: Option<String>,
    pub(crate) notes: Vec<String>,
    pub(crate) fixes: Vec<crate::check::Fix>,
    pub(crate) counts: Counts,
    /// Knob, value and evidence tag (`C`, `I`, `U`, `jcsim`; empty for a knob this jcsim does not know).
    pub(crate) knobs: Vec<(String, String, &'static str)>,
    /// The run-unique tag carried by every name the run created at the SP.
    pub(crate) namespace: Option<String>,
    /// TLS certificates were not verified (`--insecure`).
    pub(crate) insecure: bool,
    pub(crate) steps: Vec<StepChip>,
    /// Placeholder chips for steps that never started (capped).
    pub(crate) not_run_chips: usize,
    /// The cleanup phase's title, when the run has one.
    pub(crate) cleanup: Option<String>,
    /// `jcsim compat`'s matrix, shown above everything else.
    pub(crate) compat: Option<crate::record::CompatMatrix>,
}

#[derive(Debug, Serialize, Default, PartialEq)]
pub(crate) struct Counts {
    pub(crate) total_steps: usize,
    pub(crate) passed: usize,
    pub(crate) failed: usize,
    pub(crate) warned: usize,
    pub(crate) incomplete: usize,
    /// Steps recorded as skipped plus steps that never started.
    pub(crate) skipped: usize,
    /// Exchanges, the cleanup phase's included.
    pub(crate) exchanges: u64,
    pub(crate) retries: u64,
    pub(crate) no_response: u64,
    pub(crate) checks_failed: usize,
    pub(crate) checks_warned: usize,
}

/// One square of the step strip in the header.
#[derive(Debug, Serialize)]
pub(crate) struct StepChip {
    pub(crate) n: usize,
    pub(crate) title: String,
    pub(crate) state: &'static str,
}

/// The timeline, embedded once as JSON: `{"x": [XRow...], ...Data}`, the rows
/// (one per exchange, in step then record order) streamed first.
#[derive(Debug, Serialize)]
pub(crate) struct Data {
    pub(crate) file: String,
    /// Common URL prefix stripped from `x[].path`.
    pub(crate) base: String,
    /// Run duration in ms.
    pub(crate) dur: f64,
    /// Interned Directory Insights event names (`XRow.2` indexes it).
    pub(crate) events: Vec<String>,
    pub(crate) steps: Vec<StepData>,
    /// The cleanup phase, shown after the steps and never judged; its rows
    /// follow the last step's in `x`.
    pub(crate) cleanup: Option<StepData>,
    /// Steps of the scenario that never started (the record was cut short).
    pub(crate) not_run: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct StepData {
    pub(crate) i: usize,
    pub(crate) t: String,
    pub(crate) a: String,
    pub(crate) ln: usize,
    pub(crate) at: f64,
    pub(crate) d: f64,
    pub(crate) v: &'static str,
    pub(crate) r: Option<String>,
    /// Range of this step's rows in `x`.
    pub(crate) x0: usize,
    pub(crate) x1: usize,
    pub(crate) c: Vec<CheckData>,
}

#[derive(Debug, Serialize, PartialEq)]
pub(crate) struct CheckData {
    pub(crate) id: String,
    pub(crate) v: &'static str,
    pub(crate) m: String,
    pub(crate) admin: Option<String>,
    pub(crate) fix: Option<String>,
    pub(crate) x: Option<u64>,
    /// Expected (`-`) against actual (`+`), compared by value (see [`diff_values`]).
    pub(crate) diff: Option<Vec<DiffLine>>,
}

/// `[id, step, event, label, attempt, method, path, status (0 = none), start_ms, duration_ms, error kind, flags]`
/// where flags are the `FLAG_*` bits.
#[derive(Debug, Serialize)]
pub(crate) struct XRow(
    pub u64,
    pub usize,
    pub usize,
    pub String,
    pub u32,
    pub String,
    pub String,
    pub u16,
    pub u64,
    pub f64,
    pub Option<String>,
    pub u8,
);

/// Details of one exchange, parsed by the page only when one is opened:
/// `[url, request headers, request body, response headers, response body, response text, error]`.
#[derive(Debug, Serialize)]
pub(crate) struct Detail<'a>(
    &'a str,
    &'a [(String, String)],
    &'a Option<Value>,
    Option<&'a [(String, String)]>,
    Option<&'a Value>,
    Option<&'a str>,
    Option<String>,
);

/// A failing check points at the exchange.
pub(crate) const FLAG_FAILING_CHECK: u8 = 1;
/// A warning points at the exchange.
pub(crate) const FLAG_WARNING: u8 = 2;
/// The request was meant to be refused: a 4xx is its success.
pub(crate) const FLAG_EXPECTS_REFUSAL: u8 = 4;
/// The exchange belongs to the cleanup phase: shown, never judged (it never
/// carries [`FLAG_FAILING_CHECK`] or [`FLAG_FAILED`]).
pub(crate) const FLAG_UNJUDGED: u8 = 8;
/// The exchange of a scenario step failed on its own terms (see `run::exchange_failed`).
pub(crate) const FLAG_FAILED: u8 = 16;

pub(crate) fn page(run: &Run) -> ReportPage {
    let header = run.header.as_ref();
    let duration_ms = run.duration_ms();
    ReportPage {
        scenario: run.scenario(),
        file: run.file(),
        run_id: run.run_id(),
        target: run.target(),
        target_kind: header.map_or_else(String::new, |h| h.target_kind.clone()),
        seed: header.map_or_else(|| "?".into(), |h| h.seed.to_string()),
        started_at: header.map_or_else(|| "unknown".into(), |h| h.started_at.clone()),
        duration: human_ms(duration_ms),
        version: header.map_or_else(String::new, |h| h.jcsim_version.clone()),
        status: run.status().as_str(),
        exit_code: run.exit_code(),
        stop_reason: run.stop_reason(),
        notes: run.notes(),
        fixes: run.fixes(),
        counts: counts(run),
        knobs: header.map_or_else(Vec::new, |h| {
            h.behaviour
                .iter()
                .map(|(k, v)| (k.clone(), v.clone(), crate::knobs::knob_info(k).map_or("", |i| i.status.tag())))
                .collect()
        }),
        namespace: header.and_then(|h| h.namespace.clone()),
        insecure: header.is_some_and(|h| h.insecure),
        steps: run
            .steps
            .iter()
            .map(|s| StepChip { n: s.index + 1, title: s.title(), state: s.state().as_str() })
            .collect(),
        not_run_chips: run.not_run().min(100),
        cleanup: run.cleanup.as_ref().map(StepRun::title),
        compat: run.compat.clone(),
    }
}

pub(crate) fn counts(run: &Run) -> Counts {
    let checks = || run.steps.iter().flat_map(|s| s.checks.iter());
    Counts {
        total_steps: run.total_steps(),
        passed: run.count(StepState::Pass),
        failed: run.count(StepState::Fail),
        warned: run.count(StepState::Warn),
        incomplete: run.count(StepState::Incomplete),
        skipped: run.skipped(),
        exchanges: run.exchange_count(),
        retries: run.phases().map(|s| s.x.retries).sum(),
        no_response: run.phases().map(|s| s.x.no_response).sum(),
        checks_failed: checks().filter(|c| c.verdict == Verdict::Fail).count(),
        checks_warned: checks().filter(|c| c.verdict == Verdict::Warn).count(),
    }
}

/// Stream the timeline JSON (see [`Data`]) into `w`, script-safe.
pub(crate) fn write_data(run: &Run, w: &mut dyn Write) -> std::io::Result<()> {
    let w = &mut ScriptSafe::new(w);
    let base = run.target();
    let mut events: Vec<String> = Vec::new();
    let mut event_ix: HashMap<String, usize> = HashMap::new();
    // Only exchanges that a failing or warning check points at: sparse.
    let mut flags: HashMap<u64, u8> = HashMap::new();
    for c in run.steps.iter().flat_map(|s| s.checks.iter()) {
        if let Some(x) = c.exchange {
            let bit = match c.verdict {
                Verdict::Fail => FLAG_FAILING_CHECK,
                Verdict::Warn => FLAG_WARNING,
                Verdict::Pass | Verdict::Skip | Verdict::Info => continue,
            };
            *flags.entry(x).or_default() |= bit;
        }
    }
    w.write_all(b"{\"x\":[")?;
    let mut first = true;
    run.for_each_exchange(|step, e| {
        let ev = match event_ix.get(e.event.as_str()) {
            Some(ev) => *ev,
            None => {
                events.push(e.event.clone());
                event_ix.insert(e.event.clone(), events.len() - 1);
                events.len() - 1
            }
        };
        w.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        let mut f = flags.get(&e.id).copied().unwrap_or(0);
        f |= if e.expects_refusal { FLAG_EXPECTS_REFUSAL } else { 0 };
        if step.is_cleanup() {
            // Shown, never judged: nothing marks a cleanup row as failed.
            f = (f & !FLAG_FAILING_CHECK) | FLAG_UNJUDGED;
        } else if exchange_failed(e) {
            f |= FLAG_FAILED;
        }
        serde_json::to_writer(&mut *w, &row(e, ev, &base, f))?;
        Ok(())
    })?;
    w.write_all(b"],")?;
    let rest = serde_json::to_string(&data(run, base, events))?;
    // `rest` is an object: splice its members after the rows.
    w.write_all(rest.strip_prefix('{').unwrap_or(&rest).as_bytes())?;
    w.flush()
}

/// Stream the details array (one [`Detail`] per row, same order) into `w`, script-safe.
pub(crate) fn write_details(run: &Run, w: &mut dyn Write) -> std::io::Result<()> {
    let w = &mut ScriptSafe::new(w);
    w.write_all(b"[")?;
    let mut first = true;
    run.for_each_exchange(|_, e| {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        serde_json::to_writer(&mut *w, &detail(e))?;
        Ok(())
    })?;
    w.write_all(b"]")?;
    w.flush()
}

/// Everything in the timeline JSON but the rows. Step row ranges follow from
/// the per-step counts, as rows are written grouped by step.
pub(crate) fn data(run: &Run, base: String, events: Vec<String>) -> Data {
    let mut x0 = 0;
    let mut part = |s: &StepRun| {
        let x1 = x0 + s.x.count as usize;
        let d = StepData {
            i: s.index,
            t: s.title(),
            a: s.started.as_ref().map_or_else(String::new, |st| st.action.clone()),
            ln: s.line(),
            at: round3(s.start_ms()),
            d: round3(s.duration_ms()),
            v: s.state().as_str(),
            r: if s.state() == StepState::Pass { None } else { s.reason() },
            x0,
            x1,
            c: s.checks.iter().map(check).collect(),
        };
        x0 = x1;
        d
    };
    let steps = run.steps.iter().map(&mut part).collect();
    let cleanup = run.cleanup.as_ref().map(part);
    Data { file: run.file(), base, dur: round3(run.duration_ms()), events, steps, cleanup, not_run: run.not_run() }
}

fn row(e: &Exchange, ev: usize, base: &str, flags: u8) -> XRow {
    let url = super::run::strip_userinfo(&e.request.url);
    let path = match url.strip_prefix(base) {
        Some(p) if !base.is_empty() && (p.is_empty() || p.starts_with(['/', '?'])) => p.to_string(),
        _ => url,
    };
    XRow(
        e.id,
        e.step,
        ev,
        e.label.clone(),
        e.attempt,
        e.request.method.clone(),
        path,
        e.response.as_ref().map_or(0, |r| r.status),
        e.timing.start_ms,
        round3(clean(e.timing.duration_ms)),
        e.error.as_ref().map(|f| f.kind.as_str().to_string()),
        flags,
    )
}

fn detail(e: &Exchange) -> Detail<'_> {
    Detail(
        &e.request.url,
        &e.request.headers,
        &e.request.body,
        e.response.as_ref().map(|r| r.headers.as_slice()),
        e.response.as_ref().and_then(|r| r.body.as_ref()),
        e.response.as_ref().and_then(|r| r.body_text.as_deref()),
        e.error.as_ref().map(|f| format!("{}: {}", f.kind, f.message)),
    )
}

pub(crate) fn check(c: &Check) -> CheckData {
    let diff =
        (c.expected.is_some() || c.actual.is_some()).then(|| diff_values(c.expected.as_ref(), c.actual.as_ref()));
    CheckData {
        id: c.id.as_str().to_string(),
        v: c.verdict.as_str(),
        m: c.message.clone(),
        admin: c.admin_sees.clone(),
        fix: c.fix.clone(),
        x: c.exchange,
        diff,
    }
}

/// JSON safe to place inside `<script type="application/json">`: `<`, `>`, `&`
/// and the JS line separators are written as `\uXXXX` escapes (they can only
/// occur inside JSON strings, where the escape means the same character).
#[cfg(test)]
pub(crate) fn script_json<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::new();
    serde_json::to_writer(ScriptSafe::new(&mut out), value)?;
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

/// A writer that makes JSON safe inside `<script type="application/json">`
/// (see [`script_json`]). U+2028 and U+2029 are recognised even when their
/// three bytes arrive in separate writes.
pub(crate) struct ScriptSafe<W: Write> {
    inner: W,
    /// Bytes of a possible E2 80 A8/A9 sequence held back from the last write.
    held: Vec<u8>,
}

impl<W: Write> ScriptSafe<W> {
    pub(crate) fn new(inner: W) -> Self {
        ScriptSafe { inner, held: Vec::with_capacity(2) }
    }
}

impl<W: Write> ScriptSafe<W> {
    fn write_plain(&mut self, buf: &[u8]) -> std::io::Result<()> {
        let (mut start, mut i) = (0, 0);
        while i < buf.len() {
            let (esc, len): (&[u8], usize) = match buf[i] {
                b'<' => (b"\\u003c", 1),
                b'>' => (b"\\u003e", 1),
                b'&' => (b"\\u0026", 1),
                0xE2 => match buf[i + 1..] {
                    [0x80, 0xA8, ..] => (b"\\u2028", 3),
                    [0x80, 0xA9, ..] => (b"\\u2029", 3),
                    [] | [0x80] => {
                        // A separator may continue in the next write.
                        self.inner.write_all(&buf[start..i])?;
                        self.held.extend_from_slice(&buf[i..]);
                        return Ok(());
                    }
                    _ => {
                        i += 1;
                        continue;
                    }
                },
                _ => {
                    i += 1;
                    continue;
                }
            };
            self.inner.write_all(&buf[start..i])?;
            self.inner.write_all(esc)?;
            i += len;
            start = i;
        }
        self.inner.write_all(&buf[start..])
    }
}

impl<W: Write> Write for ScriptSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        if !self.held.is_empty() {
            let take = (3 - self.held.len()).min(buf.len());
            let mut seq = self.held.clone();
            seq.extend_from_slice(&buf[..take]);
            match seq.as_slice() {
                [0xE2] | [0xE2, 0x80] => {
                    self.held = seq;
                    return Ok(buf.len());
                }
                [0xE2, 0x80, 0xA8] => self.inner.write_all(b"\\u2028")?,
                [0xE2, 0x80, 0xA9] => self.inner.write_all(b"\\u2029")?,
                // Not a separator: the held bytes were plain text.
                _ => {
                    self.inner.write_all(&self.held)?;
                    self.held.clear();
                    self.write_plain(buf)?;
                    return Ok(buf.len());
                }
            }
            self.held.clear();
            rest = &buf[take..];
        }
        self.write_plain(rest)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.held.is_empty() {
            self.inner.write_all(&self.held)?;
            self.held.clear();
        }
        self.inner.flush()
    }
}

/// `840 ms`, `3.42 s`, `2 min 5 s`.
pub(crate) fn human_ms(ms: f64) -> String {
    let ms = clean(ms);
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 60_000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        let s = (ms / 1000.0).round() as u64;
        format!("{} min {} s", s / 60, s % 60)
    }
}
