//! `jcsim compat`: preflight an external target, run every form probe,
//! render the record and print the matrix.

use crate::cli::CompatArgs;
use crate::compat::{self, CompatOptions};
use crate::engine::Namespace;
use crate::output::Format;
use crate::record::Exit;

pub(crate) async fn main(args: CompatArgs) -> anyhow::Result<Exit> {
    let opts = match options(&args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(Exit::Invalid);
        }
    };
    if let (Some(t), false) = (&opts.target, args.external.no_preflight) {
        let (warnings, problem) =
            super::run::preflight_target(&t.client_config(&opts.behaviour), &format!("--target {}", t.base_url)).await;
        for w in warnings {
            eprintln!("{w}");
        }
        if let Some(p) = problem {
            eprintln!("{p}");
            return Ok(Exit::Unreachable);
        }
    }
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
    print_matrix(args.format, &ran, &html)?;
    Ok(ran.exit)
}

/// The arguments, checked.
fn options(args: &CompatArgs) -> Result<CompatOptions, String> {
    let target = args.target.resolve()?;
    super::announce_target(target.as_ref());
    let namespace = Namespace::parse(&args.external.namespace).map_err(|m| format!("--namespace {m}"))?;
    for q in &args.quirks {
        q.parse::<crate::sp::Quirk>().map_err(|e| format!("--quirk {e}"))?;
    }
    let mut behaviour = crate::knobs::Behaviour::default();
    for s in &args.behaviour {
        behaviour.set(s.clone());
    }
    Ok(CompatOptions {
        out_dir: args.out.clone(),
        target,
        quirks: args.quirks.clone(),
        behaviour,
        seed: args.seed,
        namespace,
        cleanup: !args.external.keep,
        cancel: crate::engine::Cancel::default(),
    })
}

/// The matrix on stdout, as text or JSON.
fn print_matrix(format: Format, ran: &compat::CompatRun, html: &std::path::Path) -> anyhow::Result<()> {
    match format {
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
    Ok(())
}
