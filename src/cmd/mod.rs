//! The commands behind `jcsim`'s subcommands: `cli` parses, these run.

pub(crate) mod cleanup;
pub(crate) mod compat;
pub(crate) mod fidelity;
pub(crate) mod proxy;
pub(crate) mod readiness;
pub(crate) mod run;
pub(crate) mod scenarios;
mod serve;

use crate::cli::{Cli, Command, ReportArgs};
use crate::engine;
use crate::lint;
use crate::record::Exit;
use crate::scenario::{self, Scenario};
use anyhow::Context;
use clap::CommandFactory;
use std::io::Write;
use std::path::PathBuf;

/// Run the parsed command; returns the process exit code.
pub fn main(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Validate { paths } => Ok(validate(&paths)),
        Command::Run(args) => {
            // One thread: the engine, its HTTP connections and the embedded SP
            // hand each request over without waking another thread. Measured
            // with scripts/bench/bulk.sh against the multi-threaded runtime.
            current_thread()?.block_on(run::main(args))
        }
        Command::Sp(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(serve::sp(args))
        }
        Command::Schema { kind } => {
            let text = match kind {
                crate::cli::SchemaKind::Scenario => crate::schema::scenario_schema_json(),
                crate::cli::SchemaKind::Readiness => crate::readiness::schema_json(),
            };
            print_stdout(text.as_bytes())?;
            Ok(Exit::Pass)
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "jcsim", &mut script);
            print_stdout(&script)?;
            Ok(Exit::Pass)
        }
        Command::Report(args) => Ok(report(&args)),
        Command::Rules => {
            let mut text = Vec::new();
            print_rules(&mut text)?;
            print_stdout(&text)?;
            Ok(Exit::Pass)
        }
        Command::Serve(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(serve::serve(args))
        }
        Command::Healthcheck { url, timeout } => Ok(match crate::healthcheck::check(&url, timeout) {
            Ok(status) => {
                print_stdout(format!("healthy: {url} answered {status}\n").as_bytes())?;
                Exit::Pass
            }
            Err(e) => {
                eprintln!("unhealthy: {e}");
                Exit::Fail
            }
        }),
        Command::JumpcloudApi(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(serve::jumpcloud_api(args))
        }
        Command::Scenarios { command } => scenarios::main(command),
        Command::Cleanup(args) => current_thread()?.block_on(cleanup::main(args)),
        Command::Compat(args) => current_thread()?.block_on(compat::main(args)),
        Command::Readiness(args) => current_thread()?.block_on(readiness::main(args)),
        Command::Proxy(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(proxy::main(args))
        }
        Command::Compare(args) => Ok(fidelity::compare(&args)),
        Command::Infer(args) => Ok(fidelity::infer(&args)),
    }
}

/// A single-threaded runtime: the client work of `run` and `cleanup` hands
/// each request over without waking another thread.
fn current_thread() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")
}

/// Write `bytes` to stdout. A reader that stops early (`jcsim schema | head`)
/// is not an error.
pub(crate) fn print_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// A load error: the file it belongs to, if any, and the rendered message.
pub(crate) type LoadError = (Option<String>, String);

/// Load every scenario. Every error if any failed.
pub(crate) fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>, Vec<LoadError>> {
    // `builtin:PATH` names scenarios of the built-in suite (as the output prints them).
    let is_builtin = |p: &PathBuf| p.to_str().is_some_and(|s| s.starts_with(scenario::builtin::PREFIX));
    if paths.iter().any(is_builtin) {
        let mut ok = Vec::new();
        let mut errors = Vec::new();
        for p in paths {
            let loaded = match p.to_str() {
                Some(name) if is_builtin(p) => lint::builtin_named(name).map_err(|e| vec![(None, format!("{e}\n"))]),
                _ => load_all(std::slice::from_ref(p)),
            };
            match loaded {
                Ok(s) => ok.extend(s),
                Err(e) => errors.extend(e),
            }
        }
        return if errors.is_empty() { Ok(ok) } else { Err(errors) };
    }
    let files = scenario::collect_files(paths).map_err(|e| vec![(None, e.to_string())])?;
    if files.is_empty() {
        return Err(vec![(
            None,
            format!(
                "error: no scenario files (*.yaml, *.yml) found in {}",
                paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            ),
        )]);
    }
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match lint::load_file(&f) {
            Ok(s) => ok.push(s),
            Err(e) => errors.push((Some(f.display().to_string()), format!("{e}\n"))),
        }
    }
    if errors.is_empty() { Ok(ok) } else { Err(errors) }
}

fn validate(paths: &[PathBuf]) -> Exit {
    match load_all(paths) {
        Ok(all) => {
            for s in &all {
                println!("ok: {} ({}, {})", s.source.file, s.name, crate::term::plural(s.steps.len() as u64, "step"));
            }
            Exit::Pass
        }
        Err(errors) => {
            for (_, message) in errors {
                eprintln!("{message}");
            }
            Exit::Invalid
        }
    }
}

fn report(args: &ReportArgs) -> Exit {
    let result = (|| -> anyhow::Result<()> {
        let dirs = crate::report::find_run_dirs(&args.path)?;
        for d in &dirs {
            let o = crate::report::write_outputs(d)?;
            println!("{}", o.html.display());
        }
        if dirs.len() > 1 {
            println!("{}", crate::report::write_index(&args.path, &dirs)?.display());
        }
        if args.junit.is_some() || args.har.is_some() || args.html.is_some() {
            crate::report::write_combined(&dirs, args.junit.as_deref(), args.har.as_deref(), args.html.as_deref())?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => Exit::Pass,
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Unreachable
        }
    }
}

/// On SIGINT or SIGTERM: stop sending, let in-flight requests finish, record
/// `run_finished` and render the outputs. A second signal exits at once.
pub(crate) async fn cancel_on_signal(cancel: engine::Cancel) {
    crate::signal::shutdown().await;
    eprintln!("jcsim: interrupted; finishing in-flight requests and writing the records (again to quit at once)");
    cancel.cancel();
    crate::signal::shutdown().await;
    std::process::exit(Exit::Interrupted.code());
}

fn print_rules(out: &mut dyn Write) -> std::io::Result<()> {
    for r in crate::check::RULES {
        let severity = match r.severity {
            crate::check::Severity::Error => "error",
            crate::check::Severity::Warning => "warning",
            crate::check::Severity::Info => "info",
        };
        writeln!(out, "{} [{severity}] {} ({})", r.id, r.title, r.rfc)?;
        writeln!(out, "    JumpCloud: {}", r.jumpcloud)?;
        writeln!(out, "    fix: {}", r.fix)?;
    }
    Ok(())
}

/// Keep `--target`'s token out of every log line, and warn when it is weak.
pub(crate) fn announce_target(target: Option<&engine::TargetOverride>) {
    if let Some(c) = target.and_then(|t| t.credentials.as_ref()) {
        crate::logging::register_secret(c.secret());
        if let Some(w) = crate::secret::weak_warning(c.secret(), "--token/--token-env") {
            eprintln!("{w}");
        }
    }
}
