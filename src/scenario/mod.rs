//! Scenario files: the YAML model (`deny_unknown_fields`), loading with
//! positions, environment expansion and validation. The only user of serde_yaml.

pub mod builtin;
pub mod env;
mod error;
mod model;
pub mod namespace;
mod spans;
mod step;
mod validate;

pub use error::{ScenarioError, ScenarioErrors};
pub use model::*;
pub use spans::{Pos, SpanIndex};
pub use step::{
    Action, Arg, Expect, InboundRequest, Membership, Outcome, RawRequest, Rename, STEPS, Step, StepDef, UpdateUser,
    step_def, step_names,
};

use std::path::{Path, PathBuf};

pub use crate::suggest::suggest;

/// The largest scenario file read (a directory of 100,000 users is one line:
/// `generate: 100000`).
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// Read and parse the scenario at `path`.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioErrors> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioErrors::one(ScenarioError::plain(&file, format!("cannot read scenario: {e}"))))?;
    load_str(&text, &file)
}

/// Parse and validate scenario text; `file` names it in errors.
pub fn load_str(text: &str, file: &str) -> Result<Scenario, ScenarioErrors> {
    if text.len() > MAX_BYTES {
        return Err(ScenarioErrors::one(ScenarioError::plain(
            file,
            format!(
                "the scenario is {} bytes; at most {MAX_BYTES} are read (generate large directories with `generate: N`)",
                text.len()
            ),
        )));
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
            return Err(ScenarioErrors::one(error::from_yaml(&e, text, file, &spans, &used)));
        }
    };
    scenario.source = SourceInfo { file: file.to_string() };
    for (i, step) in scenario.steps.iter_mut().enumerate() {
        let pos = spans.best(&format!("steps[{i}]"));
        step.line = pos.line;
        step.col = pos.col;
    }
    let problems = validate::validate(&scenario, &spans);
    if problems.is_empty() {
        Ok(scenario)
    } else {
        let errors = problems.into_iter().map(|(pos, msg)| ScenarioError::at(file, text, pos, msg, &used)).collect();
        Err(ScenarioErrors(errors))
    }
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
