//! The index page: one row per run with a relative link to its report.

use super::run::{Run, StepState};
use super::view::{counts, human_ms};
use crate::record::Verdict;
use serde::Serialize;
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Serialize)]
pub(crate) struct IndexPage {
    pub(crate) title: String,
    pub(crate) runs: Vec<IndexRow>,
    pub(crate) passed: usize,
    pub(crate) failed: usize,
    pub(crate) status: &'static str,
    /// Root causes across the runs, each once, errors first.
    pub(crate) causes: Vec<IndexCause>,
}

/// A root cause as the index shows it, with a relative link to its example.
#[derive(Debug, Serialize)]
pub(crate) struct IndexCause {
    pub(crate) n: usize,
    #[serde(flatten)]
    pub(crate) cause: super::RootCause,
    pub(crate) href: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct IndexRow {
    pub(crate) href: String,
    pub(crate) scenario: String,
    pub(crate) file: String,
    pub(crate) run_id: String,
    pub(crate) status: &'static str,
    pub(crate) started_at: String,
    pub(crate) duration: String,
    pub(crate) counts: super::view::Counts,
    pub(crate) stop_reason: Option<String>,
    pub(crate) failures: Vec<Failure>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Failure {
    pub(crate) n: usize,
    pub(crate) title: String,
    pub(crate) line: usize,
    pub(crate) reason: String,
    /// The failing rule: the root-cause table above explains it once.
    pub(crate) rule: Option<String>,
}

impl IndexPage {
    pub(crate) fn new(runs: &[Run], dir: &Path) -> IndexPage {
        let rows: Vec<IndexRow> = runs.iter().map(|r| row(r, dir)).collect();
        let passed = rows.iter().filter(|r| r.status == "pass").count();
        let mut causes = super::RootCauses::default();
        for r in runs {
            let mut fixes = r.fixes();
            fixes.iter_mut().for_each(|f| f.steps.iter_mut().for_each(|s| *s += 1));
            causes.add(&r.scenario(), &r.dir, &fixes);
        }
        let causes = causes
            .sorted()
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let (file, anchor) = c.report.split_once('#').unwrap_or((c.report.as_str(), ""));
                let href = format!("{}#{anchor}", relative_href(dir, Path::new(file)));
                IndexCause { n: i + 1, cause: c.clone(), href }
            })
            .collect();
        IndexPage {
            title: format!("jcsim · {} run{}", rows.len(), if rows.len() == 1 { "" } else { "s" }),
            failed: rows.len() - passed,
            passed,
            status: if passed == rows.len() { "pass" } else { "fail" },
            runs: rows,
            causes,
        }
    }
}

fn row(run: &Run, dir: &Path) -> IndexRow {
    let failures = run
        .steps
        .iter()
        .filter(|s| matches!(s.state(), StepState::Fail | StepState::Incomplete))
        .take(10)
        .map(|s| Failure {
            n: s.index + 1,
            title: s.title(),
            line: s.line(),
            reason: s.reason().unwrap_or_else(|| "failed".into()),
            rule: s.checks.iter().find(|c| c.verdict == Verdict::Fail).map(|c| c.id.as_str().to_string()),
        })
        .collect();
    IndexRow {
        href: relative_href(dir, &run.dir.join("report.html")),
        scenario: run.scenario(),
        file: run.file(),
        run_id: run.run_id(),
        status: run.status().as_str(),
        started_at: run.header.as_ref().map_or_else(String::new, |h| h.started_at.clone()),
        duration: human_ms(run.duration_ms()),
        counts: counts(run),
        stop_reason: run.stop_reason(),
        failures,
    }
}

/// A percent-encoded relative URL from directory `from` to file `to`.
pub(crate) fn relative_href(from: &Path, to: &Path) -> String {
    let (from, to) = (normalize(from), normalize(to));
    let common = from.components().zip(to.components()).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = from.components().skip(common).map(|_| "..".to_string()).collect();
    parts.extend(to.components().skip(common).map(|c| crate::scim::url::encode(&c.as_os_str().to_string_lossy())));
    parts.join("/")
}

/// Absolute and lexically normalized (`a/./b/../c` → `a/c`).
fn normalize(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links_climb_and_encode() {
        assert_eq!(relative_href(Path::new("/o/runs"), Path::new("/o/runs/r 1/report.html")), "r%201/report.html");
        assert_eq!(
            relative_href(Path::new("/o/ci"), Path::new("/o/runs/x#1/report.html")),
            "../runs/x%231/report.html"
        );
        assert_eq!(relative_href(Path::new("/o/./a/.."), Path::new("/o/r/report.html")), "r/report.html");
    }
}
