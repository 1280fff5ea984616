//! `jcsim compare` and `jcsim infer`: load recordings, print the result.

use crate::cli::{CompareArgs, InferArgs};
use crate::fidelity::{self, Entry, compare::Options};
use crate::output::Format;
use crate::record::{Event, Exit};
use std::path::Path;

/// Hand `each` every event of a run directory, or of every run below a
/// directory in the order they started, one at a time: no recording is in
/// memory whole.
fn each_event(path: &Path, mut each: impl FnMut(Event)) -> Result<(), String> {
    let dirs = crate::report::find_run_dirs(path).map_err(|e| e.to_string())?;
    if dirs.is_empty() {
        return Err(format!("{}: no run directory (events.jsonl) found", path.display()));
    }
    let mut runs = Vec::new();
    for d in dirs {
        let file = d.join("events.jsonl");
        let started = match crate::record::first_event(&file).map_err(|e| format!("{}: {e}", file.display()))? {
            Some(Event::RunStarted(r)) => r.started_at,
            _ => String::new(),
        };
        runs.push((started, file));
    }
    // RFC 3339 times of one clock sort as text.
    runs.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, file) in runs {
        let bad = crate::record::each_event(&file, &mut each).map_err(|e| format!("{}: {e}", file.display()))?;
        if let Some((line, e)) = bad.first() {
            eprintln!("warning: {}:{line}: skipped an unreadable line ({e})", file.display());
        }
    }
    Ok(())
}

/// The exchanges to compare, slimmed as they are read ([`fidelity::Entries`]).
fn load(path: &Path) -> Result<Vec<Entry>, String> {
    let mut entries = fidelity::Entries::default();
    each_event(path, |ev| entries.push(ev))?;
    Ok(entries.finish())
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
    let mut inf = fidelity::infer::Infer::default();
    let read = each_event(&args.run, |ev| {
        if let Event::Exchange(x) = ev {
            inf.push(&x);
        }
    });
    if let Err(e) = read {
        eprintln!("error: {e}");
        return Exit::Invalid;
    }
    let inf = inf.finish();
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
