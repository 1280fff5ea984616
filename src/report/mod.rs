//! Reports rendered from a recorded run's `events.jsonl`: the self-contained
//! HTML timeline, JUnit XML, HAR 1.2 and `summary.json`, plus an index page
//! and combined CI copies for several runs.
//!
//! `events.jsonl` is the only input, so every output can be re-rendered later
//! (`jcsim report RUN_DIR`), including for a run that was cut short.

mod diff;
mod har;
mod html;
mod index;
mod junit;
mod run;
mod summary;
/// Synthetic runs for tests and `examples/render_report.rs` (scripts/browser.sh).
#[doc(hidden)]
pub mod synth;
mod view;

#[cfg(test)]
mod tests;

pub(crate) use junit::SkippedScenario;
pub(crate) use summary::RootCauses;
pub use summary::{CleanupResult, RootCause, StepResult, Summary};

use run::Run;
use std::path::{Path, PathBuf};

/// The files written into a run directory by [`write_outputs`], and the
/// run's result as `summary.json` holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    pub html: PathBuf,
    pub(crate) junit: PathBuf,
    pub(crate) har: PathBuf,
    pub(crate) summary: PathBuf,
    /// The run's one summary: the terminal, `--format json` and
    /// `summary.json` all show this.
    pub result: Summary,
}

/// Why a report could not be written.
#[derive(thiserror::Error, Debug)]
pub enum ReportError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot render {what}: {message}")]
    Render { what: &'static str, message: String },
    #[error("no run directories given")]
    NoRuns,
}

/// Render `report.html`, `junit.xml`, `run.har` and `summary.json` into
/// `run_dir` from its `events.jsonl`. A run cut short (no `run_finished`) is
/// marked incomplete; a torn or unreadable line is skipped and noted.
pub fn write_outputs(run_dir: &Path) -> Result<Outputs, ReportError> {
    let run = Run::load(run_dir)?;
    let outputs = Outputs {
        html: run_dir.join("report.html"),
        junit: run_dir.join("junit.xml"),
        har: run_dir.join("run.har"),
        summary: run_dir.join("summary.json"),
        result: Summary::from_run(&run),
    };
    write_with(&outputs.html, |w| html::write_report(&run, w))?;
    write_file(&outputs.junit, junit::document(std::slice::from_ref(&run), &[]).as_bytes())?;
    write_har(&outputs.har, std::slice::from_ref(&run))?;
    let json = serde_json::to_vec_pretty(&outputs.result)
        .map_err(|e| ReportError::Render { what: "summary.json", message: e.to_string() })?;
    write_file(&outputs.summary, &json)?;
    Ok(outputs)
}

/// `report.html` of a run directory, rendered from its `events.jsonl` into
/// memory and nothing written (the console's live session, on demand).
pub(crate) fn render_report(run_dir: &Path) -> Result<Vec<u8>, ReportError> {
    let run = Run::load(run_dir)?;
    let mut out = Vec::new();
    html::write_report(&run, &mut out)
        .map_err(|e| ReportError::Render { what: "report.html", message: e.to_string() })?;
    Ok(out)
}

/// `report.html` of a console session that is still going on, rendered in
/// memory (see `Run::make_live`).
pub(crate) fn render_live_report(run_dir: &Path) -> Result<Vec<u8>, ReportError> {
    let mut run = Run::load(run_dir)?;
    run.make_live().map_err(|source| ReportError::Read { path: run_dir.join("events.jsonl"), source })?;
    let mut out = Vec::new();
    html::write_report(&run, &mut out)
        .map_err(|e| ReportError::Render { what: "report.html", message: e.to_string() })?;
    Ok(out)
}

/// Write `index.html` into `out_dir`, linking every run's `report.html` with a
/// relative link, with its scenario, status, counts, duration and failures.
pub fn write_index(out_dir: &Path, run_dirs: &[PathBuf]) -> Result<PathBuf, ReportError> {
    let runs = load_all(run_dirs)?;
    let path = out_dir.join("index.html");
    write_file(&path, html::index(&runs, out_dir)?.as_bytes())?;
    Ok(path)
}

/// Combined copies for CI. `junit`: one file with one `<testsuite>` per run.
/// `har`: one HAR with the pages and entries of every run. `html`: the run's
/// own report when there is one run; for several, an index page (as
/// [`write_index`], links relative to the file's directory) that also lists
/// each run's failures, so it is useful even when copied alone.
pub(crate) fn write_combined(
    run_dirs: &[PathBuf],
    junit: Option<&Path>,
    har: Option<&Path>,
    html: Option<&Path>,
) -> Result<(), ReportError> {
    if run_dirs.is_empty() {
        return Err(ReportError::NoRuns);
    }
    let runs = load_all(run_dirs)?;
    if let Some(p) = junit {
        write_file(p, junit::document(&runs, &[]).as_bytes())?;
    }
    if let Some(p) = har {
        write_har(p, &runs)?;
    }
    if let Some(p) = html {
        match runs.as_slice() {
            [one] => write_with(p, |w| html::write_report(one, w))?,
            many => write_file(p, html::index(many, p.parent().unwrap_or(Path::new("")))?.as_bytes())?,
        }
    }
    Ok(())
}

/// The combined JUnit file of `jcsim run --junit`: one suite per run, and
/// one skipped test case per scenario that was not run.
pub(crate) fn write_junit(path: &Path, run_dirs: &[PathBuf], not_run: &[SkippedScenario]) -> Result<(), ReportError> {
    let runs = load_all(run_dirs)?;
    write_file(path, junit::document(&runs, not_run).as_bytes())
}

/// What a run that preflight stopped leaves for CI: `junit` gets one
/// failed test case, `preflight`, with the reason; `out_dir` gets a
/// `summary.json` of the same shape as a run's, with one failed step.
pub(crate) fn write_preflight_failure(
    junit: Option<&Path>,
    out_dir: Option<&Path>,
    target: &str,
    reason: &str,
) -> Result<(), ReportError> {
    if let Some(p) = junit {
        write_file(p, junit::preflight_document(target, reason).as_bytes())?;
    }
    if let Some(dir) = out_dir {
        let summary = Summary::preflight(dir, target, reason);
        let json = serde_json::to_vec_pretty(&summary)
            .map_err(|e| ReportError::Render { what: "summary.json", message: e.to_string() })?;
        write_file(&dir.join("summary.json"), &json)?;
    }
    Ok(())
}

/// Run directories at `path`: `path` itself when it holds `events.jsonl`,
/// else its direct subdirectories that do, sorted by name (run ids sort by time).
pub(crate) fn find_run_dirs(path: &Path) -> Result<Vec<PathBuf>, ReportError> {
    if path.join("events.jsonl").is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let read = |source| ReportError::Read { path: path.to_path_buf(), source };
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(path).map_err(read)? {
        let p = entry.map_err(read)?.path();
        if p.join("events.jsonl").is_file() {
            dirs.push(p);
        }
    }
    dirs.sort();
    Ok(dirs)
}

fn load_all(run_dirs: &[PathBuf]) -> Result<Vec<Run>, ReportError> {
    run_dirs.iter().map(|d| Run::load(d)).collect()
}

fn write_har(path: &Path, runs: &[Run]) -> Result<(), ReportError> {
    write_with(path, |w| har::write(runs, w))
}

/// Stream through a temporary file and rename, so a reader never sees half a file.
fn write_with(
    path: &Path,
    body: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), ReportError> {
    let err = |source| ReportError::Write { path: path.to_path_buf(), source };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let file = std::fs::File::create(&tmp).map_err(err)?;
    let mut w = std::io::BufWriter::new(file);
    body(&mut w).and_then(|()| std::io::Write::flush(&mut w)).map_err(err)?;
    drop(w);
    std::fs::rename(&tmp, path).map_err(err)
}

/// Write `bytes` through a temporary file and rename (see [`write_with`]).
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    write_with(path, |w| w.write_all(bytes))
}
