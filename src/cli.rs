//! Command line: argument parsing and dispatch. Thin by design; the library
//! does the work.

use crate::engine::{self, exit};
use crate::output::Format;
use crate::scenario::{self, Scenario};
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
        #[arg(env = "JCSIM_HEALTHCHECK_URL", default_value = "http://127.0.0.1:8080/healthz")]
        url: String,
        /// Give up after this long (connect, send and read).
        #[arg(long, default_value = "3s", value_parser = humantime::parse_duration)]
        timeout: Duration,
    },
    /// List the rule catalogue: every finding jcsim reports about an SP.
    Rules,
    /// Re-render report.html, junit.xml, run.har and summary.json from the
    /// events.jsonl of a run directory (or of every run below a directory),
    /// including runs cut short by a crash.
    Report(ReportArgs),
    /// The fake JumpCloud admin console, the run viewer, the embedded SP and
    /// JumpCloud's own SCIM API (inbound, at /scim/v2).
    Serve(ServeArgs),
    /// JumpCloud's own SCIM API alone (at /scim/v2): identity sources push
    /// users into the simulated JumpCloud with the admin API key.
    #[command(name = "jumpcloud-api")]
    JumpcloudApi(JumpcloudApiArgs),
    /// The built-in suite (the bundled scenarios compiled into this binary).
    Scenarios {
        #[command(subcommand)]
        command: ScenariosCommand,
    },
    /// Remove every user and group at an SP whose name carries a jcsim
    /// namespace tag (leftovers of runs with --keep or cut short). Untagged
    /// resources are never touched.
    Cleanup(CleanupArgs),
}

#[derive(Debug, Subcommand)]
pub enum ScenariosCommand {
    /// Print the built-in scenarios, in suite order.
    List,
    /// Write the built-in scenarios as editable files below DIR.
    Export {
        /// Destination directory (created if missing).
        dir: PathBuf,
        /// Overwrite files that already exist.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct CleanupArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Only resources carrying this tag (e.g. `jcs-4f1a2b`); default: every jcsim tag.
    #[arg(long, value_name = "TAG")]
    pub namespace: Option<String>,
    /// Delete without asking.
    #[arg(long, short)]
    pub yes: bool,
}

/// The SP under test and how to reach it.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// SCIM base URL of the SP under test (no trailing `/`).
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
    /// Also trust the CA certificates in this PEM file (a private CA).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Do not verify the SP's TLS certificate (recorded in summary.json and the report).
    #[arg(long)]
    pub insecure: bool,
}

#[derive(Debug, Args)]
pub struct JumpcloudApiArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub listen: std::net::SocketAddr,
    /// Read the admin API key (the `x-api-key` header) from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub api_key_env: String,
    /// State file (JSON) shared with `jcsim serve --state`: directory, app
    /// settings and id map. The API key is never written to it.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Directory of run records; the API's session is recorded there.
    #[arg(long, default_value = "runs", value_name = "DIR")]
    pub runs: PathBuf,
    /// Seed of a fresh state (ids).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A run directory, or a directory of run directories.
    pub path: PathBuf,
    /// Also write one combined JUnit file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write one combined HAR file.
    #[arg(long, value_name = "FILE")]
    pub har: Option<PathBuf>,
    /// Also write an HTML copy (the report, or an index for several runs).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. A non-loopback address needs --admin-token-env.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// State file (JSON): directory, app settings and id map survive restarts.
    /// The token is never written to it.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Directory of run records; the console session is recorded there too.
    #[arg(long, default_value = "runs", value_name = "DIR")]
    pub runs: PathBuf,
    /// Require a login with the admin token read from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub admin_token_env: Option<String>,
    /// Seed of a fresh state (ids and fake data).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Read the admin API key of JumpCloud's SCIM API (/scim/v2) from this
    /// environment variable; otherwise one is generated (API Settings copies it).
    #[arg(long, value_name = "VAR")]
    pub api_key_env: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files or directories (searched recursively for *.yaml, *.yml).
    /// None: the built-in suite (`jcsim scenarios list`).
    pub paths: Vec<PathBuf>,
    /// The SP under test (`--target` overrides every scenario's target).
    #[command(flatten)]
    pub target: TargetArgs,
    /// Tag every name a run creates at an external SP: `auto` (a fresh tag
    /// per scenario run, the default), `none`, or a fixed TAG.
    #[arg(long, value_name = "auto|none|TAG", default_value = "auto")]
    pub namespace: String,
    /// Keep what a run created at an external SP (no cleanup phase).
    #[arg(long)]
    pub keep: bool,
    /// Skip the preflight check of an external target.
    #[arg(long)]
    pub no_preflight: bool,
    /// Override a behaviour knob in every scenario (repeatable), e.g.
    /// `--behaviour member_removal=filter_path`.
    #[arg(long = "behaviour", value_name = "KNOB=VALUE")]
    pub behaviour: Vec<String>,
    /// Sync this many users in parallel (shorthand for `--behaviour concurrency=N`).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Directory for run records.
    #[arg(long, default_value = "runs", value_name = "DIR")]
    pub out: PathBuf,
    /// Also write one JUnit file covering every scenario (CI test reports).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write one HAR 1.2 file with every exchange (browser devtools).
    #[arg(long, value_name = "FILE")]
    pub har: Option<PathBuf>,
    /// Also write an HTML copy: the report for one scenario, an index for several.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Seed for generated data (overrides the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Stop at the first failed step (and skip the remaining scenarios).
    #[arg(long)]
    pub fail_fast: bool,
    /// Warnings fail the run too (default: only errors do).
    #[arg(long)]
    pub strict: bool,
    /// After every step, read back the users and groups it touched and report drift.
    #[arg(long)]
    pub verify_each: bool,
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
    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, default_value_t = 1024 * 1024, value_name = "BYTES")]
    pub body_limit: usize,
}

/// Run the parsed command; returns the process exit code.
pub fn main(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Validate { paths } => Ok(validate(&paths)),
        Command::Run(args) => {
            // One thread: the engine, its HTTP connections and the embedded SP
            // hand each request over without waking another thread. Measured
            // with scripts/bench/bulk.sh against the multi-threaded runtime.
            current_thread()?.block_on(crate::cmd::run::main(args))
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
        Command::Report(args) => Ok(report(&args)),
        Command::Rules => {
            let mut text = Vec::new();
            print_rules(&mut text)?;
            print_stdout(&text)?;
            Ok(exit::PASS)
        }
        Command::Serve(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(serve(args))
        }
        Command::Healthcheck { url, timeout } => Ok(match crate::healthcheck::check(&url, timeout) {
            Ok(status) => {
                print_stdout(format!("healthy: {url} answered {status}\n").as_bytes())?;
                exit::PASS
            }
            Err(e) => {
                eprintln!("unhealthy: {e}");
                exit::FAIL
            }
        }),
        Command::JumpcloudApi(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(jumpcloud_api(args))
        }
        Command::Scenarios { command } => crate::cmd::scenarios::main(command),
        Command::Cleanup(args) => current_thread()?.block_on(crate::cmd::cleanup::main(args)),
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
        match scenario::load_file(&f) {
            Ok(s) => ok.push(s),
            Err(e) => errors.push((Some(f.display().to_string()), format!("{e}\n"))),
        }
    }
    if errors.is_empty() { Ok(ok) } else { Err(errors) }
}

fn validate(paths: &[PathBuf]) -> i32 {
    match load_all(paths) {
        Ok(all) => {
            for s in &all {
                println!("ok: {} ({}, {} steps)", s.source.file, s.name, s.steps.len());
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

fn report(args: &ReportArgs) -> i32 {
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
        Ok(()) => exit::PASS,
        Err(e) => {
            eprintln!("error: {e}");
            exit::UNREACHABLE
        }
    }
}

/// On SIGINT or SIGTERM: stop sending, let in-flight requests finish, record
/// `run_finished` and render the outputs. A second signal exits at once.
pub(crate) async fn cancel_on_signal(cancel: engine::Cancel) {
    crate::server::shutdown_signal().await;
    eprintln!("jcsim: interrupted; finishing in-flight requests and writing the records (again to quit at once)");
    cancel.cancel();
    crate::server::shutdown_signal().await;
    std::process::exit(exit::INTERRUPTED);
}

fn print_rules(out: &mut dyn Write) -> std::io::Result<()> {
    for r in crate::check::RULES {
        let severity = match r.severity {
            crate::provision::Severity::Error => "error",
            crate::provision::Severity::Warning => "warning",
            crate::provision::Severity::Info => "info",
        };
        writeln!(out, "{} [{severity}] {} ({})", r.id, r.title, r.rfc)?;
        writeln!(out, "    JumpCloud: {}", r.jumpcloud)?;
        writeln!(out, "    fix: {}", r.fix)?;
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<i32> {
    use crate::server::console::{self, ConsoleError, ServeOptions};
    let env = |var: &str| std::env::var(var).ok().filter(|v| !v.is_empty());
    let admin_token = match &args.admin_token_env {
        Some(var) => match env(var) {
            Some(t) => Some(t),
            None => {
                eprintln!("error: {}", ConsoleError::AdminTokenMissing(var.clone()));
                return Ok(exit::INVALID);
            }
        },
        None => None,
    };
    let api_key = match &args.api_key_env {
        Some(var) => match env(var) {
            Some(k) => Some(k),
            None => {
                eprintln!("error: --api-key-env: environment variable `{var}` is not set or empty");
                return Ok(exit::INVALID);
            }
        },
        None => None,
    };
    let opts = ServeOptions {
        listen: args.listen,
        state_file: args.state,
        runs_dir: args.runs,
        admin_token,
        scim_token: env("JCSIM_SCIM_TOKEN"),
        sp_token: env("JCSIM_SP_TOKEN"),
        seed: args.seed,
        api_key,
    };
    match console::serve(opts).await {
        Ok(()) => Ok(exit::PASS),
        Err(e @ ConsoleError::PublicBind(_)) => {
            eprintln!("error: {e}");
            Ok(exit::INVALID)
        }
        Err(e) => Err(e.into()),
    }
}

/// `jcsim jumpcloud-api`: the inbound SCIM API alone. Outbound provisioning
/// uses the Identity Management settings of `--state` (token from `JCSIM_SCIM_TOKEN`).
async fn jumpcloud_api(args: JumpcloudApiArgs) -> anyhow::Result<i32> {
    use crate::server::console::ConsoleConfig;
    use crate::server::inbound::{PREFIX, serve_standalone};
    let Some(api_key) = std::env::var(&args.api_key_env).ok().filter(|k| !k.is_empty()) else {
        eprintln!("error: --api-key-env: environment variable `{}` is not set or empty", args.api_key_env);
        return Ok(exit::INVALID);
    };
    if !args.listen.ip().is_loopback() {
        eprintln!(
            "jcsim jumpcloud-api: listening on {} (not loopback): anyone with the API key can change the directory",
            args.listen
        );
    }
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    let config = ConsoleConfig {
        state_file: args.state,
        runs_dir: args.runs.clone(),
        admin_token: None,
        self_url: format!("http://{addr}"),
        sp_token: None,
        scim_token: std::env::var("JCSIM_SCIM_TOKEN").ok().filter(|t| !t.is_empty()),
        seed: args.seed,
        loopback_hosts_only: false,
        api_key: Some(api_key),
    };
    eprintln!(
        "jcsim jumpcloud-api: JumpCloud SCIM API at http://{addr}{PREFIX} (x-api-key from ${}; runs in {})",
        args.api_key_env,
        args.runs.display()
    );
    serve_standalone(listener, config).await.context("serving the JumpCloud SCIM API")?;
    Ok(exit::PASS)
}

async fn sp(args: SpArgs) -> anyhow::Result<i32> {
    use crate::server::sp::{self, Quirk, SpConfig};
    let mut quirks = Vec::new();
    for q in &args.quirks {
        match q.parse::<Quirk>() {
            Ok(q) => quirks.push(q),
            Err(e) => {
                eprintln!("error: --quirk {e}");
                return Ok(exit::INVALID);
            }
        }
    }
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    let auth = if args.token.is_some() { "bearer token required" } else { "no authentication" };
    let names: Vec<String> = quirks.iter().map(|q| q.to_string()).collect();
    eprintln!(
        "jcsim sp: SCIM 2.0 at http://{addr}{} ({auth}; quirks: {})",
        sp::SCIM_ROOT,
        if names.is_empty() { "none".to_string() } else { names.join(", ") }
    );
    let config = SpConfig { token: args.token, quirks, seed: args.seed, body_limit: args.body_limit };
    sp::serve(listener, config).await.context("serving the SP")?;
    Ok(exit::PASS)
}
