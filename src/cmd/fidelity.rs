//! `jcsim compare` and `jcsim infer`: load recordings, print the result.

use crate::cli::{CompareArgs, InferArgs};
use crate::fidelity::{self, Entry, compare::Options};
use crate::output::Format;
use crate::record::{Event, Exit};
use std::path::Path;

/// The exchanges of a run directory, or of every run below a directory in
/// the order they started.
fn load(path: &Path) -> Result<Vec<Entry>, String> {
    let dirs = crate::report::find_run_dirs(path).map_err(|e| e.to_string())?;
    if dirs.is_empty() {
        return Err(format!("{}: no run directory (events.jsonl) found", path.display()));
    }
    let mut runs = Vec::new();
    for d in dirs {
        let file = d.join("events.jsonl");
        let log = crate::record::read_events(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        if let Some((line, e)) = log.bad_lines.first() {
            eprintln!("warning: {}:{line}: skipped an unreadable line ({e})", file.display());
        }
        let started = log.events.iter().find_map(|e| match e {
            Event::RunStarted(r) => Some(r.started_at.clone()),
            _ => None,
        });
        runs.push((started.unwrap_or_default(), log.events));
    }
    // RFC 3339 times of one clock sort as text.
    runs.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(fidelity::entries(runs.into_iter().flat_map(|(_, events)| events)))
}

pub fn compare(args: &CompareArgs) -> Exit {
    let (a, b) = match (load(&args.a), load(&args.b)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return Exit::Invalid;
        }
    };
    let name = |p: &Path| p.display().to_string();
    let c = fidelity::compare::compare(&name(&args.a), &a, &name(&args.b), &b, Options { subset: args.subset });
    let text = match args.format {
        Format::Human => c.render(),
        Format::Json => serde_json::to_string_pretty(&c).unwrap_or_default() + "\n",
    };
    if let Err(e) = super::print_stdout(text.as_bytes()) {
        eprintln!("error: {e}");
        return Exit::Invalid;
    }
    if c.equivalent { Exit::Pass } else { Exit::Fail }
}

pub fn infer(args: &InferArgs) -> Exit {
    let entries = match load(&args.run) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Invalid;
        }
    };
    let inf = fidelity::infer::infer(&entries);
    let text = match args.format {
        Format::Human => inf.render(),
        Format::Json => {
            let v = serde_json::json!({ "requests": inf.requests, "knobs": inf.knobs, "behaviour_yaml": inf.behaviour_yaml() });
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
    };
    match super::print_stdout(text.as_bytes()) {
        Ok(()) => Exit::Pass,
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Invalid
        }
    }
}
