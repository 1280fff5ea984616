//! `jcsim compat`: preflight an external target, run every form probe,
//! render the record and print the matrix.

use crate::cli::CompatArgs;
use crate::compat::{self, CompatOptions};
use crate::engine::Namespace;
use crate::output::Format;
use crate::record::Exit;

/// Long on purpose: flag checks, the embedded SP's quirks, the probe run and
/// the matrix output, in order; each exit is a different usage error.
pub(crate) async fn main(args: CompatArgs) -> anyhow::Result<Exit> {
    let fail = |message: String| {
        eprintln!("error: {message}");
        Ok(Exit::Invalid)
    };
    let target = match super::run::target_override(&args.target) {
        Ok(t) => t,
        Err(msg) => return fail(msg),
    };
    if let Some(c) = target.as_ref().and_then(|t| t.credentials.as_ref()) {
        crate::logging::register_secret(c.secret());
        if let Some(w) = crate::secret::weak_warning(c.secret(), "--token/--token-env") {
            eprintln!("{w}");
        }
    }
    let namespace = match Namespace::parse(&args.external.namespace) {
        Ok(n) => n,
        Err(msg) => return fail(format!("--namespace {msg}")),
    };
    for q in &args.quirks {
        if let Err(e) = q.parse::<crate::sp::Quirk>() {
            return fail(format!("--quirk {e}"));
        }
    }
    let mut behaviour = crate::knobs::Behaviour::default();
    for spec in &args.behaviour {
        match behaviour.with_override(spec) {
            Ok(b) => behaviour = b,
            Err(msg) => return fail(format!("--behaviour {msg}")),
        }
    }
    if let (Some(t), false) = (&target, args.external.no_preflight) {
        let (warnings, problem) =
            super::run::preflight_target(&t.client_config(&behaviour), &format!("--target {}", t.base_url)).await;
        for w in warnings {
            eprintln!("{w}");
        }
        if let Some(p) = problem {
            eprintln!("{p}");
            return Ok(Exit::Unreachable);
        }
    }
    let opts = CompatOptions {
        out_dir: args.out.clone(),
        target,
        quirks: args.quirks.clone(),
        behaviour,
        seed: args.seed,
        namespace,
        cleanup: !args.external.keep,
        cancel: crate::engine::Cancel::default(),
    };
    tokio::spawn(super::cancel_on_signal(opts.cancel.clone()));
    let ran = match compat::run(&opts).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Unreachable);
        }
    };
    let (html, summary) = match crate::report::write_outputs(&ran.dir) {
        Ok(o) => (o.html, o.result),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Unreachable);
        }
    };
    // What the probes created and the cleanup could not remove is said, not
    // left for the admin to find.
    if let Some(note) = summary.cleanup.as_ref().and_then(|c| c.note.as_deref()).filter(|n| n.starts_with("could not"))
    {
        eprintln!("cleanup: {}", crate::term::one_line_whole(note));
    }
    match args.format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&compat::matrix_json(&ran.matrix, ran.exit, &ran.dir))?;
            text.push('\n');
            super::print_stdout(text.as_bytes())?;
        }
        Format::Human => {
            let mut text = compat::matrix_text(&ran.matrix);
            let robust = ran.matrix.knobs.iter().all(|k| k.verdict == crate::record::CompatVerdict::Robust);
            let mut verdict = if robust { "every knob is robust" } else { "not every knob is robust" }.to_string();
            if !ran.matrix.defects.is_empty() {
                let n = ran.matrix.defects.len() as u64;
                verdict.push_str(&format!("; {} met outside them (above)", crate::term::plural(n, "SP defect")));
            }
            text.push_str(&format!("\n{verdict} · {}\n", html.display()));
            super::print_stdout(text.as_bytes())?;
        }
    }
    Ok(ran.exit)
}
