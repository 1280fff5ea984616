//! What `jcsim run` prints on stdout: the human summary (coloured on a
//! terminal, with a progress bar on stderr), or one JSON document
//! (`--format json`) holding every scenario's `summary.json`.

use crate::report::Summary;

mod summary;
use crate::scenario::Scenario;
use crate::term::{Progress, Term, render};
use serde::Serialize;
use serde_json::Value;
use std::io::Write;

/// The output format of `jcsim run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Steps, failed checks and one line per scenario.
    #[default]
    Human,
    /// One JSON document: `{ exit_code, scenarios: [summary.json…], skipped, errors }`.
    Json,
}

/// The `--format json` document.
#[derive(Debug, Default, Serialize)]
pub struct JsonReport {
    pub jcsim_version: &'static str,
    /// The process exit code: 0 pass, 1 a check failed, 2 invalid, 3 unreachable.
    pub exit_code: crate::record::Exit,
    /// Each run's `summary.json`, in run order.
    pub scenarios: Vec<Value>,
    /// Scenarios not run, and why.
    pub skipped: Vec<Skipped>,
    /// Scenarios that could not be loaded or run.
    pub errors: Vec<ErrorEntry>,
    /// Scenario counts of the whole run.
    pub totals: Totals,
    /// The run's root causes: rule, severity, scenarios, steps, example, fix.
    pub root_causes: Vec<crate::report::RootCause>,
}

/// The closing line's numbers.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Totals {
    pub scenarios: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub exchanges: u64,
    pub duration_ms: u64,
}

/// A scenario that was not run.
#[derive(Debug, Serialize)]
pub struct Skipped {
    pub scenario: String,
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct ErrorEntry {
    /// The scenario file, when the error belongs to one.
    pub file: Option<String>,
    /// The message as printed on stderr.
    pub message: String,
}

/// Collects and prints the results of one `jcsim run`.
pub struct RunOutput<W: Write> {
    format: Format,
    quiet: bool,
    term: Term,
    progress: Progress,
    report: JsonReport,
    out: W,
    /// Root causes explained so far (one explanation each per run).
    explained: summary::Explained,
    causes: crate::report::RootCauses,
    notes: std::collections::BTreeMap<String, usize>,
    /// Scenarios whose steps stopped at a failed Test Connection or activation.
    stopped_at_setup: usize,
    /// Skipped scenarios whose reason was printed already: reason → names.
    skips: Vec<(String, Vec<String>)>,
}

impl<W: Write> RunOutput<W> {
    /// `total` is the number of scenarios (the progress bar's length).
    pub fn new(format: Format, quiet: bool, term: Term, total: usize, out: W) -> Self {
        RunOutput {
            format,
            quiet,
            progress: Progress::new(total, term.progress),
            term,
            report: JsonReport { jcsim_version: env!("CARGO_PKG_VERSION"), ..JsonReport::default() },
            out,
            explained: summary::Explained::new(total > 1),
            causes: crate::report::RootCauses::default(),
            notes: std::collections::BTreeMap::new(),
            stopped_at_setup: 0,
            skips: Vec::new(),
        }
    }

    /// A scenario starts running.
    pub fn started(&self, s: &Scenario) {
        tracing::info!(file = %s.source.file, scenario = %s.name, "running scenario");
        self.progress.start(&s.name);
    }

    /// A scenario is skipped.
    pub fn skipped(&mut self, s: &Scenario, reason: String) -> std::io::Result<()> {
        self.progress.done();
        if self.format == Format::Human {
            // The first scenario skipped for a reason says why; the others
            // are named on one line at the end.
            // Alike: the same words before any parenthesis (the quirk names differ).
            let kind = reason.split(" (").next().unwrap_or(&reason).to_string();
            match self.skips.iter_mut().find(|(r, _)| *r == kind) {
                Some((_, names)) => names.push(s.source.file.clone()),
                None => {
                    let l = crate::term::one_line;
                    let line = format!(
                        "SKIP {} ({}): {}\n",
                        l(&s.name),
                        l(&s.source.file),
                        crate::term::one_line_whole(&reason)
                    );
                    self.skips.push((kind, Vec::new()));
                    self.print(&line)?;
                }
            }
        }
        self.report.skipped.push(Skipped { scenario: s.name.clone(), file: s.source.file.clone(), reason });
        self.report.totals.skipped += 1;
        Ok(())
    }

    /// A note on stderr that is not tied to a scenario (preflight warnings).
    pub fn note(&mut self, message: &str) {
        self.progress.suspend(|| eprintln!("{message}"));
    }

    /// After several scenarios: `N scenarios: P passed, F failed, S skipped · X exchanges · T s`,
    /// then `· index: PATH` when an index of the runs was written.
    pub fn closing(&mut self, elapsed: std::time::Duration, index: Option<&std::path::Path>) -> std::io::Result<()> {
        let t = &mut self.report.totals;
        t.scenarios = t.passed + t.failed + t.skipped;
        t.duration_ms = elapsed.as_millis() as u64;
        self.report.root_causes = self.causes.sorted();
        if self.format != Format::Human || t.scenarios < 2 {
            return Ok(());
        }
        let l = crate::term::one_line;
        let mut text = String::new();
        for (reason, names) in self.skips.iter().filter(|(_, n)| !n.is_empty()) {
            let names: Vec<String> = names.iter().map(|n| l(n).into_owned()).collect();
            text.push_str(&format!(
                "SKIP {} more for the same reason ({}): {}\n",
                names.len(),
                l(reason),
                names.join(", ")
            ));
        }
        if !self.causes.is_empty() {
            let causes = &self.report.root_causes;
            text.push_str(&format!("\nRoot causes ({}):\n", causes.len()));
            for (n, c) in causes.iter().enumerate() {
                text.push_str(&format!(
                    " {}. [{}] {} on {} — {} ({}, {})\n",
                    n + 1,
                    c.severity,
                    c.rule,
                    if c.request.is_empty() { "the run" } else { &c.request },
                    c.title,
                    crate::term::plural(c.scenarios as u64, "scenario"),
                    crate::term::plural(c.steps as u64, "step"),
                ));
                text.push_str(&format!("    e.g. {} ({}: {})\n", l(&c.example), l(&c.example_at), c.report));
                if !c.jumpcloud.is_empty() {
                    text.push_str(&format!(
                        "    JumpCloud admin sees: {}\n",
                        crate::term::one_line_whole(&c.jumpcloud)
                    ));
                }
                if !c.fix.is_empty() {
                    text.push_str(&format!("    fix: {}\n", crate::term::one_line_whole(&c.fix)));
                }
            }
        }
        if !self.notes.is_empty() {
            text.push_str(&format!("{}\n", summary::notes_line(&self.notes)));
        }
        let t = &self.report.totals;
        text.push_str(&format!(
            "\n{} scenarios: {} passed, {} failed, {} skipped · {} · {:.1} s\n",
            t.scenarios,
            t.passed,
            t.failed,
            t.skipped,
            crate::term::plural(t.exchanges, "exchange"),
            elapsed.as_secs_f64()
        ));
        if let Some(index) = index {
            text.insert_str(text.len() - 1, &format!(" · index: {}", index.display()));
        }
        if self.stopped_at_setup > 0 {
            text.push_str(&format!(
                "{} stopped at a failed Test Connection or activation; --keep-going runs the rest\n",
                crate::term::plural(self.stopped_at_setup as u64, "scenario"),
            ));
        }
        self.print(&text)
    }

    /// A scenario ran to completion.
    pub fn finished(&mut self, summary: &Summary) -> std::io::Result<()> {
        self.progress.done();
        if summary.exit_code == crate::record::Exit::Pass {
            self.report.totals.passed += 1;
        } else {
            self.report.totals.failed += 1;
        }
        self.report.totals.exchanges += summary.exchanges;
        self.causes.add(&summary.scenario, &summary.run_dir, &summary.fixes);
        for (rule, n) in &summary.notes {
            *self.notes.entry(rule.clone()).or_insert(0) += n;
        }
        let inactive = |r: &Option<String>| r.as_deref().is_some_and(|r| r.ends_with(crate::record::INACTIVE_SKIP));
        // A scenario that expected its activation to fail (and passed) lost nothing.
        let stopped = summary.steps.iter().any(|st| st.verdict == crate::record::Verdict::Skip && inactive(&st.reason));
        if stopped && summary.exit_code != crate::record::Exit::Pass {
            self.stopped_at_setup += 1;
        }
        match self.format {
            Format::Human => {
                let mut text = Vec::new();
                summary::print_summary_in(summary, self.quiet, &mut self.explained, &mut text)?;
                self.print(&String::from_utf8_lossy(&text))
            }
            Format::Json => {
                self.report.scenarios.push(serde_json::to_value(summary).map_err(std::io::Error::other)?);
                Ok(())
            }
        }
    }

    /// A scenario (or the whole run) failed before producing results. The
    /// message goes to stderr as is in every format, and into the JSON document.
    pub fn error(&mut self, file: Option<&str>, message: &str) {
        self.progress.done();
        if file.is_some() {
            self.report.totals.failed += 1;
        }
        self.progress.suspend(|| eprintln!("{message}"));
        self.report.errors.push(ErrorEntry { file: file.map(str::to_string), message: message.to_string() });
    }

    /// Clear the progress bar and, for JSON, print the document.
    pub fn finish(mut self, exit_code: crate::record::Exit) -> std::io::Result<()> {
        self.progress.finish();
        if self.format == Format::Json {
            self.report.exit_code = exit_code;
            serde_json::to_writer_pretty(&mut self.out, &self.report)?;
            writeln!(self.out)?;
        }
        self.out.flush()
    }

    fn print(&mut self, text: &str) -> std::io::Result<()> {
        let text = render(text, self.term.color);
        let out = &mut self.out;
        self.progress.suspend(|| {
            out.write_all(text.as_bytes())?;
            out.flush()
        })
    }
}
