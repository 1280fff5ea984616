//! Scenario files: the YAML model (`deny_unknown_fields`), parsing with
//! positions, environment expansion and the checks of the file's own shape.
//! What a scenario's steps mean for the org (does this user exist at this
//! point?) is checked one layer up, by `crate::lint` against the real
//! directory. The only user of serde_yaml for reading.

pub(crate) mod builtin;
pub mod env;
mod error;
mod model;
pub mod namespace;
pub(crate) mod profile;
mod recover;
mod spans;
mod step;
mod validate;

pub use error::{ScenarioError, ScenarioErrors};
pub use model::*;
pub(crate) use spans::{Pos, SpanIndex};
/// Every step kind (the readiness capability table is checked against it).
#[cfg(test)]
pub(crate) use step::STEPS;
pub(crate) use step::{
    Action, Expect, InboundRequest, Membership, Outcome, RawRequest, Rename, RotateToken, Step, UpdateUser, id_refs,
};

use std::path::{Path, PathBuf};

pub(crate) use crate::suggest::suggest;

/// The largest scenario file read (a directory of 100,000 users is one line:
/// `generate: 100000`). Parsing and checking cost about 250 times the input
/// in memory: 8 MiB took 20 s and 2 GB; 1 MiB (some 7,000 users written
/// out) stays within a few seconds.
pub const MAX_BYTES: usize = 1024 * 1024;

/// The most users a scenario generates in all, across its `generate` blocks.
pub const MAX_GENERATED: usize = 1_000_000;

/// A scenario parsed from YAML, with the problems of its own shape found so
/// far. Loading finishes above this layer: `crate::lint` dry-runs the
/// scenario's steps against the real directory and adds what that finds,
/// then [`Parsed::finish`] reports every problem at once, in file order.
pub(crate) struct Parsed<'a> {
    pub(crate) scenario: Scenario,
    pub(crate) spans: SpanIndex,
    text: &'a str,
    file: &'a str,
    /// Environment values substituted into the text (masked in messages).
    used: Vec<(String, String)>,
    problems: Vec<(Pos, String)>,
}

impl Parsed<'_> {
    /// The scenario, or every problem found (`more` adds the lint's).
    pub(crate) fn finish(self, more: Vec<(Pos, String)>) -> Result<Scenario, ScenarioErrors> {
        let mut problems = self.problems;
        problems.extend(more);
        if problems.is_empty() {
            return Ok(self.scenario);
        }
        problems.sort_by_key(|(p, _)| (p.line, p.col));
        let errors = problems
            .into_iter()
            .map(|(pos, msg)| ScenarioError::at(self.file, self.text, pos, msg, &self.used))
            .collect();
        Err(ScenarioErrors(errors))
    }
}

/// Read a scenario file for [`parse_str`].
/// A file larger than [`MAX_BYTES`] is refused without being read whole.
pub(crate) fn read_file(path: &Path) -> Result<String, ScenarioErrors> {
    use std::io::Read;
    let fail = |message: String| ScenarioErrors::one(ScenarioError::plain(&path.display().to_string(), message));
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read scenario: {e}")))?;
    let mut bytes = Vec::new();
    // One byte past the limit is enough to know it is too large.
    file.take(MAX_BYTES as u64 + 4).read_to_end(&mut bytes).map_err(|e| fail(format!("cannot read scenario: {e}")))?;
    if bytes.len() > MAX_BYTES + 3 {
        return Err(fail(too_large(MAX_BYTES, true)));
    }
    String::from_utf8(bytes).map_err(|e| fail(format!("cannot read scenario: not UTF-8 ({e})")))
}

fn too_large(len: usize, more: bool) -> String {
    let more = if more { "more than " } else { "" };
    format!(
        "the scenario is {more}{len} bytes; at most {MAX_BYTES} are read (generate large directories with `generate: N`)"
    )
}

/// Parse scenario text and check its shape; `file` names it in errors.
/// YAML errors end here; other problems wait in [`Parsed`].
pub(crate) fn parse_str<'a>(text: &'a str, file: &'a str) -> Result<Parsed<'a>, ScenarioErrors> {
    // A UTF-8 byte order mark (some Windows editors write one) is not content.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() > MAX_BYTES {
        return Err(ScenarioErrors::one(ScenarioError::plain(file, too_large(text.len(), false))));
    }
    let spans = SpanIndex::build(text);
    if let Some(pos) = spans.too_deep {
        let message = format!("mappings and sequences nest deeper than {} levels here", spans::MAX_DEPTH);
        return Err(ScenarioErrors::one(ScenarioError::at(file, text, pos, message, &[])));
    }
    let _ = env::take_used();
    let parsed: Result<Scenario, _> = serde_yaml::from_str(text);
    let used = env::take_used();
    let mut scenario = match parsed {
        Ok(s) => s,
        Err(e) => {
            // Every shape error of the file, not only the first serde met.
            let first = error::from_yaml(&e, text, file, &spans, &used);
            let mut errors = vec![first];
            errors.extend(recover::more_errors(text, file, &error::cut_location(&e.to_string()), &spans, &used));
            errors.sort_by_key(|e| e.pos.map(|p| (p.line, p.col)));
            errors.dedup_by(|a, b| a.pos == b.pos && a.message == b.message);
            let _ = env::take_used();
            return Err(ScenarioErrors(errors));
        }
    };
    scenario.source = SourceInfo { file: file.to_string() };
    for (i, step) in scenario.steps.iter_mut().enumerate() {
        let pos = spans.best(&format!("steps[{i}]"));
        step.line = pos.line;
        step.col = pos.col;
    }
    let problems = validate::validate(&scenario, &spans);
    Ok(Parsed { scenario, spans, text, file, used, problems })
}

/// Expand files and directories into a sorted list of scenario files
/// (`*.yaml`, `*.yml`, recursively).
pub fn collect_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, ScenarioErrors> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            walk(input, &mut out).map_err(|e| {
                ScenarioErrors::one(ScenarioError::plain(
                    &input.display().to_string(),
                    format!("cannot read directory: {e}"),
                ))
            })?;
        } else if input.exists() {
            out.push(input.clone());
        } else {
            return Err(ScenarioErrors::one(ScenarioError::plain(
                &input.display().to_string(),
                "no such file or directory".to_string(),
            )));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(path);
        }
    }
    Ok(())
}
