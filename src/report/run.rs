//! Reads `events.jsonl` back into one run: header, steps with their checks and
//! exchange statistics, footer. Tolerates torn or foreign lines and runs cut
//! short.
//!
//! Exchanges are not kept: a [`Run`] holds per-step counters, and the outputs
//! that need every exchange stream them from the file again with
//! [`Run::for_each_exchange`], so memory does not grow with the run's length.

use super::ReportError;
use crate::record::{
    Check, Event, Exchange, Phase, Redactor, RunFinished, RunStarted, StepFinished, StepStarted, Verdict,
};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// A recorded run, assembled from its events.
#[derive(Debug, Clone, Default)]
pub(crate) struct Run {
    pub(crate) dir: PathBuf,
    pub(crate) header: Option<RunStarted>,
    /// Scenario steps that started (or left any trace), in index order. The
    /// cleanup phase is not among them: it is [`Run::cleanup`].
    pub(crate) steps: Vec<StepRun>,
    /// The cleanup phase (`phase: cleanup`): shown after the steps, never
    /// judged, and never counted as a step.
    pub(crate) cleanup: Option<StepRun>,
    pub(crate) finished: Option<RunFinished>,
    /// `jcsim compat`'s matrix, when this run is one.
    pub(crate) compat: Option<crate::record::CompatMatrix>,
    /// The first unreadable lines of events.jsonl: (1-based line, error).
    pub(crate) bad_lines: Vec<(usize, String)>,
    /// How many lines could not be read in all.
    pub(crate) bad_count: usize,
    /// Number of lines in the file, to tell a torn last line from a foreign one.
    pub(crate) lines: usize,
    /// Hash of every line read: the report's script nonce derives from it.
    pub(crate) digest: u64,
    /// A console session still going on (see [`Run::make_live`]).
    pub(crate) live: bool,
    /// The SP each stretch of a live session talked to: base URL, first and
    /// last step (1-based).
    pub(crate) segments: Vec<(String, usize, usize)>,
    /// The events.jsonl the exchanges are read again from.
    source: PathBuf,
    /// Exchanges appear in the file in ascending step order, so one pass
    /// yields them grouped by step.
    grouped: bool,
    /// Each exchange's request kind (`POST /Users`, `PUT /Users/{id}`), as
    /// an index into `kind_names`: with a rule, what makes a root cause.
    kinds: std::collections::HashMap<u64, usize>,
    kind_names: Vec<String>,
}

/// What kind of request an exchange is: method and the path below the SCIM
/// base with the resource id generalised (`PATCH /Groups/{id}`).
pub(crate) fn request_kind(method: &str, url: &str, base: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let below = path.strip_prefix(base.trim_end_matches('/')).unwrap_or(path);
    let mut parts = below.trim_start_matches('/').splitn(3, '/');
    let collection = parts.next().unwrap_or("");
    match parts.next() {
        Some(id) if !id.is_empty() && !id.starts_with('.') => format!("{method} /{collection}/{{id}}"),
        Some(rest) if !rest.is_empty() => format!("{method} /{collection}/{rest}"),
        _ => format!("{method} /{collection}"),
    }
}

/// One step and everything recorded under it.
#[derive(Debug, Clone, Default)]
pub(crate) struct StepRun {
    pub(crate) index: usize,
    pub(crate) started: Option<StepStarted>,
    pub(crate) x: XStats,
    pub(crate) checks: Vec<Check>,
    pub(crate) finished: Option<StepFinished>,
}

/// What the outputs need to know about a step's exchanges without reading them.
#[derive(Debug, Clone, Default)]
pub(crate) struct XStats {
    pub(crate) count: u64,
    /// Attempts after the first.
    pub(crate) retries: u64,
    /// Attempts that got no HTTP response.
    pub(crate) no_response: u64,
    /// Start of the first exchange, in ms since run start.
    pub(crate) first_start: Option<f64>,
    /// End of the latest exchange, in ms since run start.
    pub(crate) last_end: f64,
    /// The first [`MAX_FAILED`] exchanges that failed (see [`exchange_failed`]).
    pub(crate) failed: Vec<FailedExchange>,
}

/// One line about a failed exchange, for JUnit.
#[derive(Debug, Clone)]
pub(crate) struct FailedExchange {
    pub(crate) id: u64,
    pub(crate) method: String,
    pub(crate) url: String,
    /// `409`, or `no response (timeout: …)`.
    pub(crate) status: String,
    pub(crate) event: String,
}

/// Failed exchanges listed per step.
pub(crate) const MAX_FAILED: usize = 20;
/// Unreadable lines described one by one.
const MAX_BAD_LINES: usize = 5;

impl XStats {
    fn add(&mut self, x: &Exchange) {
        self.count += 1;
        self.retries += u64::from(x.attempt > 1);
        self.no_response += u64::from(x.response.is_none());
        self.first_start.get_or_insert(x.timing.start_ms as f64);
        self.last_end = self.last_end.max(exchange_end(x));
        if exchange_failed(x) && self.failed.len() < MAX_FAILED {
            let status = match (&x.response, &x.error) {
                (Some(r), _) => r.status.to_string(),
                (None, Some(e)) => format!("no response ({}: {})", e.kind, e.message),
                (None, None) => "no response".to_string(),
            };
            self.failed.push(FailedExchange {
                id: x.id,
                method: x.request.method.clone(),
                url: x.request.url.clone(),
                status,
                event: x.event.clone(),
            });
        }
    }
}

/// Where a step ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepState {
    Pass,
    Fail,
    Warn,
    /// Not run: an earlier failure made it meaningless.
    Skip,
    /// Shown, never judged (the cleanup phase).
    Info,
    /// Started, never finished: the run was cut short inside it.
    Incomplete,
}

impl StepState {
    /// The verdict's name (see [`Verdict::as_str`]), or `incomplete`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            StepState::Pass => Verdict::Pass,
            StepState::Fail => Verdict::Fail,
            StepState::Warn => Verdict::Warn,
            StepState::Skip => Verdict::Skip,
            StepState::Info => Verdict::Info,
            StepState::Incomplete => return "incomplete",
        }
        .as_str()
    }
}

/// The overall outcome of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunStatus {
    Pass,
    Fail,
    Unreachable,
    /// No `run_finished`: jcsim stopped (crash, kill) before the end.
    Incomplete,
    /// A console session still going on: no `run_finished` yet, on purpose.
    Live,
}

impl RunStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RunStatus::Pass => "pass",
            RunStatus::Fail => "fail",
            RunStatus::Unreachable => "unreachable",
            RunStatus::Incomplete => "incomplete",
            RunStatus::Live => "live",
        }
    }
}

impl StepRun {
    pub(crate) fn title(&self) -> String {
        match &self.started {
            Some(s) => s.title.clone(),
            None => format!("step {}", self.index + 1),
        }
    }

    /// The cleanup phase rather than a scenario step.
    pub(crate) fn is_cleanup(&self) -> bool {
        self.started.as_ref().is_some_and(|s| s.phase == Some(Phase::Cleanup))
    }

    pub(crate) fn line(&self) -> usize {
        self.started.as_ref().map_or(0, |s| s.line)
    }

    pub(crate) fn state(&self) -> StepState {
        match self.finished.as_ref().map(|f| f.verdict) {
            Some(Verdict::Pass) => StepState::Pass,
            Some(Verdict::Fail) => StepState::Fail,
            Some(Verdict::Warn) => StepState::Warn,
            Some(Verdict::Skip) => StepState::Skip,
            Some(Verdict::Info) => StepState::Info,
            None => StepState::Incomplete,
        }
    }

    /// Milliseconds since run start when the step began.
    pub(crate) fn start_ms(&self) -> f64 {
        match &self.started {
            Some(s) => s.at_ms as f64,
            None => self.x.first_start.unwrap_or(0.0),
        }
    }

    /// Duration in ms: recorded, or (cut short) up to the end of its last exchange.
    pub(crate) fn duration_ms(&self) -> f64 {
        if let Some(f) = &self.finished {
            return clean(f.duration_ms);
        }
        (self.x.last_end - self.start_ms()).max(0.0)
    }

    /// Why the step failed, in one line.
    pub(crate) fn reason(&self) -> Option<String> {
        match &self.finished {
            Some(f) => f.reason.clone(),
            None => Some("the run ended before this step finished".to_string()),
        }
    }
}

/// An exchange that went wrong on its own terms: no response, or an error
/// status, except that a request meant to be refused (`expects_refusal`)
/// succeeds with a 4xx and fails with anything else.
pub(crate) fn exchange_failed(x: &Exchange) -> bool {
    match (&x.response, x.expects_refusal) {
        (None, _) => true,
        (Some(r), false) => r.status >= 400,
        (Some(r), true) => !(400..500).contains(&r.status),
    }
}

pub(crate) fn exchange_end(x: &Exchange) -> f64 {
    x.timing.start_ms as f64 + clean(x.timing.duration_ms)
}

/// A finite, non-negative number of milliseconds.
pub(crate) fn clean(ms: f64) -> f64 {
    if ms.is_finite() && ms > 0.0 { ms } else { 0.0 }
}

impl Run {
    /// Findings grouped by root cause (see `check::fix_summary`).
    pub(crate) fn fixes(&self) -> Vec<crate::check::Fix> {
        let checks: Vec<Check> = self.steps.iter().flat_map(|s| s.checks.iter().cloned()).collect();
        crate::check::fix_summary(&checks, |c| self.request_of(c))
    }

    /// The kind of request a check is about (`PUT /Users/{id}`); without an
    /// exchange, the kind of step (`verify`).
    pub(crate) fn request_of(&self, c: &Check) -> String {
        c.exchange
            .and_then(|x| self.kinds.get(&x))
            .map(|&i| self.kind_names[i].clone())
            .unwrap_or_else(|| self.action(c.step).to_string())
    }

    /// Info findings by rule (see `check::notes`).
    pub(crate) fn info_notes(&self) -> BTreeMap<String, usize> {
        let checks: Vec<Check> = self.steps.iter().flat_map(|s| s.checks.iter().cloned()).collect();
        crate::check::notes(&checks)
    }

    /// The action name of step `index` (`activate`, `verify`…), or "".
    pub(crate) fn action(&self, index: usize) -> &str {
        self.steps.iter().find(|s| s.index == index).and_then(|s| s.started.as_ref()).map_or("", |s| s.action.as_str())
    }

    /// Read and assemble `run_dir/events.jsonl`, one line at a time.
    pub(crate) fn load(run_dir: &Path) -> Result<Run, ReportError> {
        let path = run_dir.join("events.jsonl");
        let mut run = Run { dir: run_dir.to_path_buf(), source: path.clone(), ..Run::default() };
        run.assemble().map_err(|source| ReportError::Read { path, source })?;
        Ok(run)
    }

    fn assemble(&mut self) -> std::io::Result<()> {
        use std::hash::{DefaultHasher, Hasher};
        let mut steps: BTreeMap<usize, StepRun> = BTreeMap::new();
        let mut digest = DefaultHasher::new();
        let (mut lines, mut last_step, mut grouped) = (0, 0, true);
        let (mut header, mut finished, mut compat) = (None, None, None);
        let mut bad: Vec<(usize, String)> = Vec::new();
        let mut bad_count = 0;
        let (mut kinds, mut kind_names) = (std::collections::HashMap::new(), Vec::<String>::new());
        self.scan(usize::MAX, |n, line, event| {
            lines = n;
            digest.write(line);
            let event = match event {
                Ok(e) => e,
                Err(e) => {
                    bad_count += 1;
                    if bad.len() < MAX_BAD_LINES {
                        bad.push((n, e));
                    } else if let Some(last) = bad.last_mut() {
                        // Keep the latest too: it tells a torn last line.
                        *last = (n, e);
                    }
                    return;
                }
            };
            match event {
                Event::RunStarted(h) => header = Some(h),
                Event::StepStarted(s) => {
                    let index = s.step;
                    entry(&mut steps, index).started = Some(s);
                }
                Event::Exchange(x) => {
                    grouped &= x.step >= last_step;
                    last_step = x.step;
                    entry(&mut steps, x.step).x.add(&x);
                    let base = header.as_ref().map_or("", |h: &RunStarted| h.target.as_str());
                    let kind = request_kind(&x.request.method, &x.request.url, base);
                    let at = match kind_names.iter().position(|k| *k == kind) {
                        Some(i) => i,
                        None => {
                            kind_names.push(kind);
                            kind_names.len() - 1
                        }
                    };
                    kinds.insert(x.id, at);
                }
                Event::Check(c) => entry(&mut steps, c.step).checks.push(c),
                Event::StepFinished(f) => {
                    let index = f.step;
                    entry(&mut steps, index).finished = Some(f);
                }
                Event::RunFinished(f) => finished = Some(f),
                Event::Compat(m) => compat = Some(m),
            }
        })?;
        self.compat = compat;
        self.kinds = kinds;
        self.kind_names = kind_names;
        self.header = header;
        self.finished = finished;
        let cleanup_index = steps.values().rev().find(|s| s.is_cleanup()).map(|s| s.index);
        self.cleanup = cleanup_index.and_then(|i| steps.remove(&i));
        self.steps = steps.into_values().collect();
        self.bad_lines = bad;
        self.bad_count = bad_count;
        self.lines = lines;
        self.digest = digest.finish();
        self.grouped = grouped;
        Ok(())
    }

    /// Read the events of the first `max_lines` lines, calling `f` with the
    /// 1-based line number, the raw line and the event (redacted) or why the
    /// line could not be read. Blank lines are skipped.
    fn scan(&self, max_lines: usize, mut f: impl FnMut(usize, &[u8], Result<Event, String>)) -> std::io::Result<()> {
        // Defence in depth: events are redacted when recorded; re-mask the
        // credential headers anyway in case a file was written by other means.
        let redactor = Redactor::new();
        let mut each = |n: usize, line: &[u8]| {
            if line.iter().all(u8::is_ascii_whitespace) {
                return;
            }
            let event = crate::record::parse_event(line).map_err(|e| e.to_string()).and_then(|mut e| {
                match step_of(&e).filter(|s| *s > MAX_STEPS) {
                    Some(step) => Err(format!("step index {step} is out of range")),
                    None => {
                        redactor.event(&mut e);
                        Ok(e)
                    }
                }
            });
            f(n, line, event);
        };
        let file = std::fs::File::open(&self.source)?;
        let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
        let mut line = Vec::new();
        let mut n = 0;
        while n < max_lines {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            n += 1;
            each(n, line.strip_suffix(b"\n").unwrap_or(&line));
        }
        Ok(())
    }

    /// Call `f` with every exchange, grouped by step in step order and in
    /// record order within a step (the order of the report's rows), the
    /// cleanup phase's last, reading the file again. Only the lines seen when
    /// the run was loaded are read, so a file that grew since gives the same
    /// exchanges as the counters.
    pub(crate) fn for_each_exchange(
        &self,
        mut f: impl FnMut(&StepRun, &Exchange) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut result = Ok(());
        let mut pass = |only: Option<usize>, result: &mut std::io::Result<()>| {
            self.scan(self.lines, |_, _, event| {
                if let (Ok(Event::Exchange(x)), true) = (event, result.is_ok()) {
                    if only.is_some_and(|s| s != x.step) {
                        return;
                    }
                    if let Some(step) = self.step_run(x.step) {
                        *result = f(step, &x);
                    }
                }
            })
        };
        let cleanup_last = self.cleanup.as_ref().is_none_or(|c| self.steps.last().is_none_or(|s| s.index < c.index));
        if self.grouped && cleanup_last {
            pass(None, &mut result)?;
        } else {
            // Exchanges of different steps interleave in the file (hand-edited
            // or concatenated records): one pass per step keeps rows grouped.
            for s in self.phases().filter(|s| s.x.count > 0) {
                pass(Some(s.index), &mut result)?;
                if result.is_err() {
                    break;
                }
            }
        }
        result
    }

    /// Treat the record as a console session still going on: status `live`
    /// (not incomplete), the SP of each stretch of steps (the console can
    /// switch SP), and each stretch of three or more org-setup steps that sent
    /// nothing (creating users and groups before the app is active) folded
    /// into one line.
    pub(crate) fn make_live(&mut self) -> std::io::Result<()> {
        self.live = true;
        let mut segments: Vec<(String, usize, usize)> = Vec::new();
        self.scan(self.lines, |_, _, event| {
            if let Ok(Event::Exchange(x)) = event
                && !x.event.starts_with("inbound_")
            {
                let base = scim_base(&strip_userinfo(&x.request.url));
                match segments.last_mut() {
                    Some((b, _, last)) if *b == base => *last = x.step + 1,
                    _ => segments.push((base, x.step + 1, x.step + 1)),
                }
            }
        })?;
        self.segments = segments;
        self.fold_setup();
        Ok(())
    }

    /// See [`Run::make_live`].
    fn fold_setup(&mut self) {
        const SETUP: &[&str] = &["create_user", "create_group", "add_to_group", "update_user"];
        let quiet = |s: &StepRun| {
            s.x.count == 0
                && s.state() == StepState::Pass
                && s.started.as_ref().is_some_and(|st| SETUP.contains(&st.action.as_str()))
        };
        let mut out: Vec<StepRun> = Vec::with_capacity(self.steps.len());
        let mut i = 0;
        while i < self.steps.len() {
            let run = self.steps[i..].iter().take_while(|s| quiet(s)).count();
            if run < 3 {
                out.push(self.steps[i].clone());
                i += 1;
                continue;
            }
            let mut per: BTreeMap<&str, usize> = BTreeMap::new();
            for s in &self.steps[i..i + run] {
                *per.entry(s.started.as_ref().map_or("", |st| st.action.as_str())).or_default() += 1;
            }
            let what: Vec<String> = per.iter().map(|(a, n)| format!("{n} {a}")).collect();
            let mut folded = self.steps[i].clone();
            if let Some(st) = folded.started.as_mut() {
                st.title = format!("Org setup: {run} steps ({}); no requests sent", what.join(", "));
            }
            out.push(folded);
            i += run;
        }
        self.steps = out;
    }

    /// The scenario steps, then the cleanup phase when the run has one.
    pub(crate) fn phases(&self) -> impl Iterator<Item = &StepRun> {
        self.steps.iter().chain(self.cleanup.as_ref())
    }

    /// The step or cleanup phase recorded under `index`.
    fn step_run(&self, index: usize) -> Option<&StepRun> {
        match self.steps.binary_search_by_key(&index, |s| s.index) {
            Ok(i) => Some(&self.steps[i]),
            Err(_) => self.cleanup.as_ref().filter(|c| c.index == index),
        }
    }

    pub(crate) fn scenario(&self) -> String {
        self.header.as_ref().map_or_else(|| "(unknown scenario)".to_string(), |h| h.scenario.clone())
    }

    pub(crate) fn file(&self) -> String {
        self.header.as_ref().map_or_else(String::new, |h| h.file.clone())
    }

    pub(crate) fn run_id(&self) -> String {
        match &self.header {
            Some(h) => h.run_id.clone(),
            None => self.dir.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        }
    }

    /// The target base URL, without any `user:password@`.
    pub(crate) fn target(&self) -> String {
        if let Some((base, _, _)) = self.segments.last() {
            return base.clone();
        }
        self.header.as_ref().map_or_else(String::new, |h| strip_userinfo(&h.target))
    }

    pub(crate) fn incomplete(&self) -> bool {
        self.finished.is_none()
    }

    /// Steps in the scenario (from the header), at least the ones seen.
    pub(crate) fn total_steps(&self) -> usize {
        let declared = self.header.as_ref().map_or(0, |h| h.steps.min(MAX_STEPS));
        declared.max(self.steps.len())
    }

    /// Steps that never started (the run was cut short before them).
    pub(crate) fn not_run(&self) -> usize {
        self.total_steps().saturating_sub(self.steps.len())
    }

    /// Steps skipped: recorded as `skip` (an earlier failure made them
    /// meaningless) or never started.
    pub(crate) fn skipped(&self) -> usize {
        self.count(StepState::Skip) + self.not_run()
    }

    pub(crate) fn count(&self, state: StepState) -> usize {
        self.steps.iter().filter(|s| s.state() == state).count()
    }

    /// Exchanges recorded, the cleanup phase's included (as `run_finished` counts them).
    pub(crate) fn exchange_count(&self) -> u64 {
        self.phases().map(|s| s.x.count).sum()
    }

    /// Run duration in ms: recorded, or (cut short) up to the last thing seen.
    pub(crate) fn duration_ms(&self) -> f64 {
        if let Some(f) = &self.finished {
            return clean(f.duration_ms);
        }
        self.phases().map(|s| s.start_ms() + s.duration_ms()).fold(0.0, f64::max)
    }

    pub(crate) fn status(&self) -> RunStatus {
        match &self.finished {
            None if self.live => RunStatus::Live,
            None => RunStatus::Incomplete,
            Some(f) if f.exit_code == crate::record::Exit::Unreachable => RunStatus::Unreachable,
            Some(f) if f.exit_code == crate::record::Exit::Pass => RunStatus::Pass,
            Some(_) => RunStatus::Fail,
        }
    }

    /// The process exit code of this run: recorded, or 3 (internal error) when
    /// the run never finished.
    pub(crate) fn exit_code(&self) -> crate::record::Exit {
        match &self.finished {
            Some(f) => f.exit_code,
            None if self.live => crate::record::Exit::Pass,
            None => crate::record::Exit::Unreachable,
        }
    }

    pub(crate) fn stop_reason(&self) -> Option<String> {
        self.finished.as_ref().and_then(|f| f.stop_reason.clone())
    }

    /// Human notes about the record itself (cut short, unreadable lines).
    pub(crate) fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.header.is_none() {
            notes.push("events.jsonl has no run_started event: scenario details are unknown.".to_string());
        }
        if self.live {
            notes.push("Live console session: this report shows the session so far.".to_string());
            if self.segments.len() > 1 {
                let parts: Vec<String> =
                    self.segments.iter().map(|(base, a, b)| format!("{base} (steps {a}–{b})")).collect();
                notes.push(format!("The app's SP changed during the session: {}.", parts.join(", then ")));
            }
        } else if self.incomplete() {
            notes.push(
                "Incomplete: events.jsonl ends without run_finished (jcsim stopped before the end of the run)."
                    .to_string(),
            );
        }
        for (line, err) in &self.bad_lines {
            let what = if *line == self.lines { "torn last line skipped" } else { "unreadable line skipped" };
            notes.push(format!("events.jsonl line {line}: {what} ({err})."));
        }
        if self.bad_count > self.bad_lines.len() {
            notes.push(format!("{} more unreadable lines skipped.", self.bad_count - self.bad_lines.len()));
        }
        notes
    }
}

/// More steps than any scenario has: beyond this an index is corrupt.
const MAX_STEPS: usize = 100_000;

fn step_of(e: &Event) -> Option<usize> {
    match e {
        Event::StepStarted(s) => Some(s.step),
        Event::Exchange(x) => Some(x.step),
        Event::Check(c) => Some(c.step),
        Event::StepFinished(f) => Some(f.step),
        Event::RunStarted(_) | Event::RunFinished(_) | Event::Compat(_) => None,
    }
}

fn entry(steps: &mut BTreeMap<usize, StepRun>, index: usize) -> &mut StepRun {
    steps.entry(index).or_insert_with(|| StepRun { index, ..StepRun::default() })
}

/// `https://user:pw@host/x` → `https://host/x`.
pub(crate) fn strip_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..auth_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// The SCIM root of a request URL: everything before its resource type
/// (`/Users`, `/Groups`, discovery), or the URL itself.
fn scim_base(url: &str) -> String {
    let path_start = url.find("://").map_or(0, |i| url[i + 3..].find('/').map_or(url.len(), |j| i + 3 + j));
    let path = &url[path_start..];
    for marker in ["/Users", "/Groups", "/ServiceProviderConfig", "/Schemas", "/ResourceTypes", "/Bulk", "/Me"] {
        if let Some(at) = path.find(marker) {
            return url[..path_start + at].to_string();
        }
    }
    url.split('?').next().unwrap_or(url).to_string()
}
