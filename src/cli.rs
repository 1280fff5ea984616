//! Command line: argument parsing and dispatch. Thin by design; the library
//! does the work.

use crate::client::Credentials;
use crate::engine::{self, RunOptions, TargetOverride, exit};
use crate::output::{Format, RunOutput};
use crate::scenario::{self, Scenario};
use crate::term::Term;
use anyhow::Context;
use clap::{Args, CommandFactory, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// jcsim: a mock JumpCloud identity provider. Replays JumpCloud's SCIM 2.0
/// provisioning traffic against any SCIM server, records it and checks it.
#[derive(Debug, Parser)]
#[command(name = "jcsim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios (files or directories). Without a target, each runs
    /// against the embedded SP started in-process.
    Run(RunArgs),
    /// Parse and check scenarios without sending anything.
    Validate {
        /// Scenario files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Run the embedded SCIM 2.0 service provider alone.
    Sp(SpArgs),
    /// Print the JSON Schema of the scenario format (for editors and CI).
    Schema,
    /// Print a shell completion script, e.g. `jcsim completions bash`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// GET a health endpoint; exit 0 on a 2xx answer, 1 otherwise (for
    /// container HEALTHCHECKs, without curl).
    Healthcheck {
        /// A plain-HTTP URL.
        #[arg(
            env = "JCSIM_HEALTHCHECK_URL",
            default_value = "http://127.0.0.1:8080/healthz"
        )]
        url: String,
        /// Give up after this long (connect, send and read).
        #[arg(long, default_value = "3s", value_parser = humantime::parse_duration)]
        timeout: Duration,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files or directories (searched recursively for *.yaml, *.yml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// SCIM base URL of the SP under test; overrides every scenario's target.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Read the token from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "token")]
    pub token_env: Option<String>,
    /// The token (prefer --token-env: command lines are visible to other users).
    #[arg(long, env = "JCSIM_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Send the token in this header ("SCIM API Key") instead of `Authorization: Bearer`.
    #[arg(long, value_name = "NAME")]
    pub auth_header: Option<String>,
    /// Override a behaviour knob in every scenario (repeatable), e.g.
    /// `--behaviour member_removal=filter_path`.
    #[arg(long = "behaviour", value_name = "KNOB=VALUE")]
    pub behaviour: Vec<String>,
    /// Directory for run records.
    #[arg(long, default_value = "runs", value_name = "DIR")]
    pub out: PathBuf,
    /// Seed for generated data (overrides the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Stop at the first failed step (and skip the remaining scenarios).
    #[arg(long)]
    pub fail_fast: bool,
    /// Print only failures and one line per scenario (and no progress bar).
    #[arg(long, short)]
    pub quiet: bool,
    /// `human`: the readable summary; `json`: one JSON document on stdout
    /// (every run's summary.json and the exit code).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct SpArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9000")]
    pub listen: std::net::SocketAddr,
    /// Require this bearer token.
    #[arg(long, env = "JCSIM_SP_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Enable a quirk (repeatable), e.g. `numeric_ids` or `slow=200`.
    #[arg(long = "quirk", value_name = "NAME")]
    pub quirks: Vec<String>,
    /// Seed for generated ids.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Run the parsed command; returns the process exit code.
pub fn main(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Validate { paths } => Ok(validate(&paths)),
        Command::Run(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(run(args))
        }
        Command::Sp(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(sp(args))
        }
        Command::Schema => {
            print_stdout(crate::schema::scenario_schema_json().as_bytes())?;
            Ok(exit::PASS)
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "jcsim", &mut script);
            print_stdout(&script)?;
            Ok(exit::PASS)
        }
        Command::Healthcheck { url, timeout } => {
            Ok(match crate::healthcheck::check(&url, timeout) {
                Ok(status) => {
                    print_stdout(format!("healthy: {url} answered {status}\n").as_bytes())?;
                    exit::PASS
                }
                Err(e) => {
                    eprintln!("unhealthy: {e}");
                    exit::FAIL
                }
            })
        }
    }
}

/// Write `bytes` to stdout. A reader that stops early (`jcsim schema | head`)
/// is not an error.
fn print_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// A load error: the file it belongs to, if any, and the rendered message.
type LoadError = (Option<String>, String);

/// Load every scenario. Every error if any failed.
fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>, Vec<LoadError>> {
    let files = scenario::collect_files(paths).map_err(|e| vec![(None, e.to_string())])?;
    if files.is_empty() {
        return Err(vec![(
            None,
            format!(
                "error: no scenario files (*.yaml, *.yml) found in {}",
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )]);
    }
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match scenario::load_file(&f) {
            Ok(s) => ok.push(s),
            Err(e) => errors.push((Some(f.display().to_string()), format!("{e}\n"))),
        }
    }
    if errors.is_empty() {
        Ok(ok)
    } else {
        Err(errors)
    }
}

fn validate(paths: &[PathBuf]) -> i32 {
    match load_all(paths) {
        Ok(all) => {
            for s in &all {
                println!(
                    "ok: {} ({}, {} steps)",
                    s.source.file,
                    s.name,
                    s.steps.len()
                );
            }
            exit::PASS
        }
        Err(errors) => {
            for (_, message) in errors {
                eprintln!("{message}");
            }
            exit::INVALID
        }
    }
}

async fn run(args: RunArgs) -> anyhow::Result<i32> {
    let term = Term::detect(args.quiet);
    let output = |total| RunOutput::new(args.format, args.quiet, term, total, std::io::stdout());
    let target = target_override(&args);
    if let Ok(Some(TargetOverride {
        credentials: Some(c),
        ..
    })) = &target
    {
        crate::logging::register_secret(c.secret());
    }
    let scenarios = match load_all(&args.paths) {
        Ok(s) => s,
        Err(errors) => {
            let mut out = output(0);
            for (file, message) in errors {
                out.error(file.as_deref(), &message);
            }
            out.finish(exit::INVALID)?;
            return Ok(exit::INVALID);
        }
    };
    for s in &scenarios {
        register_scenario_secrets(s);
    }
    let target = match target {
        Ok(t) => t,
        Err(msg) => {
            let mut out = output(0);
            out.error(None, &format!("error: {msg}"));
            out.finish(exit::INVALID)?;
            return Ok(exit::INVALID);
        }
    };
    if let Some(t) = &target {
        tracing::debug!(target_url = %t.base_url, "--target overrides every scenario's target");
    }
    let opts = RunOptions {
        out_dir: args.out.clone(),
        target,
        seed: args.seed,
        fail_fast: args.fail_fast,
    };
    let mut worst = exit::PASS;
    let mut out = output(scenarios.len());
    for s in &scenarios {
        if let Some(why) = skip_reason(s, &opts) {
            out.skipped(s, why)?;
            continue;
        }
        out.started(s);
        let code = match engine::run_scenario(s, &opts).await {
            Ok(summary) => {
                out.finished(&summary)?;
                summary.exit_code()
            }
            Err(e) => {
                out.error(
                    Some(&s.source.file),
                    &format!("error: {}: {e}", s.source.file),
                );
                exit::UNREACHABLE
            }
        };
        worst = worse(worst, code);
        if args.fail_fast && code != exit::PASS {
            break;
        }
    }
    out.finish(worst)?;
    Ok(worst)
}

/// Keep a scenario's credentials out of every log line.
fn register_scenario_secrets(s: &Scenario) {
    let auth = s.target.as_ref().and_then(|t| t.auth.as_ref());
    for secret in auth
        .into_iter()
        .flat_map(|a| [&a.bearer, &a.value])
        .flatten()
    {
        crate::logging::register_secret(secret);
    }
}

/// Scenarios that demonstrate embedded-SP quirks mean nothing against another
/// SP, so `--target` skips them.
fn skip_reason(s: &Scenario, opts: &RunOptions) -> Option<String> {
    let quirks = &s.target.as_ref()?.embedded.as_ref()?.quirks;
    (opts.target.is_some() && !quirks.is_empty())
        .then(|| format!("needs the embedded SP with quirks {quirks:?}; not run against --target"))
}

/// 3 beats 1 beats 0.
fn worse(a: i32, b: i32) -> i32 {
    let rank = |c: i32| match c {
        exit::PASS => 0,
        exit::FAIL => 1,
        _ => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn target_override(args: &RunArgs) -> Result<Option<TargetOverride>, String> {
    let token = match (&args.token_env, &args.token) {
        (Some(var), _) => Some(
            std::env::var(var)
                .map_err(|_| format!("--token-env: environment variable `{var}` is not set"))?,
        ),
        (None, Some(t)) => Some(t.clone()),
        (None, None) => None,
    };
    let credentials = token.map(|t| match &args.auth_header {
        Some(name) => Credentials::Header {
            name: name.clone(),
            value: t,
        },
        None => Credentials::Bearer(t),
    });
    match &args.target {
        None if credentials.is_some() => Err("--token/--token-env need --target (the embedded SP sets its own token)".into()),
        None => Ok(None),
        Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => Err(format!("--target `{url}` must start with http:// or https://")),
        Some(url) if url.ends_with('/') => Err("remove the trailing `/` from --target: JumpCloud appends `/Users` and `/Groups` itself".into()),
        Some(url) => Ok(Some(TargetOverride { base_url: url.clone(), credentials })),
    }
}

async fn sp(args: SpArgs) -> anyhow::Result<i32> {
    let _ = args;
    anyhow::bail!("the embedded SP is not built yet")
}
