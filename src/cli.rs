//! Command line: the clap types only. `cmd` runs what they describe.

use crate::knobs::Setting;
use crate::output::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// jcsim: a mock JumpCloud identity provider. Replays JumpCloud's SCIM 2.0
/// provisioning traffic against any SCIM server, records it and checks it.
#[derive(Debug, Parser)]
#[command(name = "jcsim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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
    /// Print a JSON Schema: of the scenario format (the default, for editors
    /// and CI) or of `readiness.json` (`jcsim schema readiness`).
    Schema {
        /// Which schema.
        #[arg(value_enum, default_value_t = SchemaKind::Scenario)]
        kind: SchemaKind,
    },
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
    /// Try every plausible form of each request whose JumpCloud form is not
    /// confirmed (member removal, user update, group rename and create, user
    /// lookup, deprovision and delete, Test Connection, userName source,
    /// content type) on fresh resources, read each back, and print which
    /// forms the SP accepts, ignores or rejects.
    /// Exit 0 when every knob is robust, 1 otherwise.
    Compat(CompatArgs),
    /// Is the SP JumpCloud-ready? Runs the preflight, the built-in suite with
    /// --keep-going, an attribute round trip and `compat`, then writes
    /// readiness.html, readiness.json and badge.svg with one verdict per
    /// JumpCloud capability. Exit 0 when no capability is not ready (at risk
    /// allowed unless --strict), 1 otherwise or on a --baseline regression,
    /// 2 usage, 3 preflight failed.
    Readiness(ReadinessArgs),
    /// Remove every user and group at an SP whose name carries a jcsim
    /// namespace tag (leftovers of runs with --keep or cut short). Untagged
    /// resources are never touched.
    Cleanup(CleanupArgs),
    /// A recording reverse proxy: put it between a real JumpCloud tenant and
    /// the SP (JumpCloud's Base URL points at the proxy). Every request is
    /// forwarded unchanged and recorded like a run; Ctrl-C writes the report.
    Proxy(ProxyArgs),
    /// Compare two recordings request by request (a capture and a
    /// simulation, or two runs). Exit 0 when equivalent, 1 when not.
    Compare(CompareArgs),
    /// Read a recording's behaviour knobs: the form each request was sent in,
    /// and a `behaviour:` block that makes the simulator send the same.
    Infer(InferArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum ScenariosCommand {
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
pub(crate) struct CleanupArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Only resources carrying this tag (e.g. `jcs-4f1a2b`); default: every jcsim tag.
    #[arg(long, value_name = "TAG")]
    pub(crate) namespace: Option<String>,
    /// Delete without asking.
    #[arg(long, short)]
    pub(crate) yes: bool,
}

/// The SP under test and how to reach it.
#[derive(Debug, Clone, Args)]
pub(crate) struct TargetArgs {
    /// SCIM base URL of the SP under test (no trailing `/`).
    #[arg(long, value_name = "URL")]
    pub(crate) target: Option<String>,
    /// Read the token from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "token")]
    pub(crate) token_env: Option<String>,
    /// The token (prefer --token-env: command lines are visible to other users).
    #[arg(long, env = "JCSIM_TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// Send the token in this header ("SCIM API Key") instead of `Authorization: Bearer`.
    #[arg(long, value_name = "NAME")]
    pub(crate) auth_header: Option<String>,
    /// Also trust the CA certificates in this PEM file (a private CA).
    #[arg(long, value_name = "FILE")]
    pub(crate) cacert: Option<PathBuf>,
    /// Do not verify the SP's TLS certificate (recorded in summary.json and the report).
    #[arg(long)]
    pub(crate) insecure: bool,
}

#[derive(Debug, Args)]
pub(crate) struct JumpcloudApiArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub(crate) listen: std::net::SocketAddr,
    /// Read the admin API key (the `x-api-key` header) from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub(crate) api_key_env: String,
    /// State file (JSON) shared with `jcsim serve --state`: directory, app
    /// settings and id map. The API key is never written to it.
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,
    /// Directory of run records; the API's session is recorded there.
    #[arg(long, default_value = "runs", value_name = "DIR")]
    pub(crate) runs: PathBuf,
    /// Seed of a fresh state (ids).
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// A run directory, or a directory of run directories.
    pub(crate) path: PathBuf,
    /// Also write one combined JUnit file.
    #[arg(long, value_name = "FILE")]
    pub(crate) junit: Option<PathBuf>,
    /// Also write one combined HAR file.
    #[arg(long, value_name = "FILE")]
    pub(crate) har: Option<PathBuf>,
    /// Also write an HTML copy (the report, or an index for several runs).
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on. A non-loopback address needs --admin-token-env.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) listen: std::net::SocketAddr,
    /// State file (JSON): directory, app settings and id map survive restarts.
    /// The token is never written to it.
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,
    /// Directory of run records; the console session is recorded there too.
    #[arg(long, default_value = "runs", value_name = "DIR")]
    pub(crate) runs: PathBuf,
    /// Require a login with the admin token read from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub(crate) admin_token_env: Option<String>,
    /// Seed of a fresh state (ids and fake data).
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Read the admin API key of JumpCloud's SCIM API (/scim/v2) from this
    /// environment variable; otherwise one is generated (API Settings copies it).
    #[arg(long, value_name = "VAR")]
    pub(crate) api_key_env: Option<String>,
    /// A quirk of the embedded SP (repeatable), e.g. `drop_group_members`:
    /// demo what a broken SP looks like in the console.
    #[arg(long = "quirk", value_name = "NAME")]
    pub(crate) quirks: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Scenario files or directories (searched recursively for *.yaml, *.yml).
    /// None: the built-in suite (`jcsim scenarios list`).
    pub(crate) paths: Vec<PathBuf>,
    /// The SP under test (`--target` overrides every scenario's target).
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    #[command(flatten)]
    pub(crate) external: ExternalArgs,
    /// Override a behaviour knob in every scenario (repeatable), e.g.
    /// `--behaviour member_removal=filter_path`.
    #[arg(long = "behaviour", value_name = "KNOB=VALUE", value_parser = parse_setting)]
    pub(crate) behaviour: Vec<Setting>,
    /// Apply a vendor's JumpCloud app settings to every scenario (the app
    /// name and the group management toggle): dialpad, keepnet, testmu, workos.
    #[arg(long, value_name = "VENDOR")]
    pub(crate) profile: Option<String>,
    /// Sync this many users in parallel (shorthand for `--behaviour concurrency=N`).
    #[arg(long, value_name = "N")]
    pub(crate) concurrency: Option<usize>,
    /// Directory for run records [default: runs]. Given, a run that
    /// preflight stops still writes `summary.json` here.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Also write one JUnit file covering every scenario (CI test reports).
    #[arg(long, value_name = "FILE")]
    pub(crate) junit: Option<PathBuf>,
    /// Also write one HAR 1.2 file with every exchange (browser devtools).
    #[arg(long, value_name = "FILE")]
    pub(crate) har: Option<PathBuf>,
    /// Also write an HTML copy: the report for one scenario, an index for several.
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
    /// Seed for generated data (overrides the scenario's `seed`).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Stop at the first failed step (and skip the remaining scenarios).
    #[arg(long)]
    pub(crate) fail_fast: bool,
    /// Warnings fail the run too (default: only errors do).
    #[arg(long)]
    pub(crate) strict: bool,
    /// After a failed Test Connection or activation, run the remaining steps
    /// as if it had succeeded, so every other SP bug shows in one run.
    #[arg(long)]
    pub(crate) keep_going: bool,
    /// After every step, read back the users and groups it touched and report drift.
    #[arg(long)]
    pub(crate) verify_each: bool,
    /// Print only failures and one line per scenario (and no progress bar).
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// `human`: the readable summary; `json`: one JSON document on stdout
    /// (every run's summary.json and the exit code).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

impl RunArgs {
    /// Where run records go: `--out`, or `runs`.
    pub(crate) fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| PathBuf::from("runs"))
    }
}

/// How `run` and `compat` treat an external SP: isolation, cleanup, preflight.
#[derive(Debug, Args)]
pub(crate) struct ExternalArgs {
    /// Tag every name created at an external SP: `auto` (a fresh tag per
    /// scenario run, the default), `none`, or a fixed TAG.
    #[arg(long, value_name = "auto|none|TAG", default_value = "auto")]
    pub(crate) namespace: String,
    /// Keep what was created at an external SP (no cleanup phase).
    #[arg(long)]
    pub(crate) keep: bool,
    /// Skip the preflight check of an external target.
    #[arg(long)]
    pub(crate) no_preflight: bool,
}

/// What `jcsim schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SchemaKind {
    /// A scenario file (schema/scenario.schema.json).
    Scenario,
    /// `readiness.json` (schema/readiness.schema.json).
    Readiness,
}

#[derive(Debug, Args)]
pub(crate) struct ReadinessArgs {
    /// The SP under test; without --target, the embedded SP (with --quirk).
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// A quirk of the embedded SP (repeatable), e.g. `ignore_rename`.
    #[arg(long = "quirk", value_name = "NAME", conflicts_with = "target")]
    pub(crate) quirks: Vec<String>,
    /// A vendor's app settings for every scenario (dialpad, keepnet, testmu, workos).
    #[arg(long, value_name = "VENDOR")]
    pub(crate) profile: Option<String>,
    #[command(flatten)]
    pub(crate) external: ExternalArgs,
    /// Parent directory of the readiness directory (which holds every run).
    #[arg(long, default_value = "runs", value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// An earlier readiness.json: exit 1 when a capability got worse.
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,
    /// At risk fails too (exit 1).
    #[arg(long)]
    pub(crate) strict: bool,
    /// `human`: the summary; `json`: readiness.json on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct CompatArgs {
    /// The SP under test; without --target, the embedded SP (with --quirk).
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// A quirk of the embedded SP (repeatable), e.g. `only_member_removal=filter_path`.
    #[arg(long = "quirk", value_name = "NAME", conflicts_with = "target")]
    pub(crate) quirks: Vec<String>,
    /// Set a knob that is not tried (timeouts, retries, …), e.g. `--behaviour timeout_ms=3000`.
    #[arg(long = "behaviour", value_name = "KNOB=VALUE", value_parser = parse_setting)]
    pub(crate) behaviour: Vec<Setting>,
    #[command(flatten)]
    pub(crate) external: ExternalArgs,
    /// Directory for the run record (events.jsonl, report.html with the matrix at the top).
    #[arg(long, default_value = "runs", value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Seed for ids.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// `human`: the table; `json`: `{"knobs": {KNOB: {FORM: outcome, "status", "verdict", …}}, …}`.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct ProxyArgs {
    /// Address to listen on (loopback unless you give another).
    #[arg(long, default_value = "127.0.0.1:8180")]
    pub listen: std::net::SocketAddr,
    /// The SP's SCIM base URL: requests to the proxy's `/X` go to `URL/X`.
    #[arg(long, value_name = "URL")]
    pub upstream: String,
    /// Directory for the capture's run directory.
    #[arg(long, default_value = "runs", value_name = "DIR")]
    pub out: PathBuf,
    /// Longest wait for the upstream's answer, and then for each piece of it.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,
    /// A pause at least this long starts a new step (one admin action sends a burst).
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    pub gap: std::time::Duration,
    /// Also mask this header in the record (repeatable), e.g. an API-key header.
    #[arg(long = "redact-header", value_name = "NAME")]
    pub redact_headers: Vec<String>,
    /// Largest request body forwarded, in bytes; a larger one gets 413.
    #[arg(long, default_value_t = crate::client::MAX_BODY_BYTES, value_name = "BYTES")]
    pub body_limit: usize,
    /// Forward Accept-Encoding too (by default it is dropped, so the SP's
    /// answers are recorded readable, not compressed).
    #[arg(long)]
    pub keep_accept_encoding: bool,
    /// Trust this CA (PEM) for an https upstream.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Do not verify the upstream's certificate.
    #[arg(long)]
    pub insecure: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// A run directory (or a directory of runs, read in start order), e.g. a capture.
    pub a: PathBuf,
    /// The run (or runs) to compare it with, e.g. a simulation.
    pub b: PathBuf,
    /// A holds only part of the traffic: B's requests without a counterpart
    /// in A are listed, not differences.
    #[arg(long)]
    pub subset: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct InferArgs {
    /// A run directory (or a directory of runs), e.g. a capture.
    pub run: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct SpArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9000")]
    pub(crate) listen: std::net::SocketAddr,
    /// Require this bearer token.
    #[arg(long, env = "JCSIM_SP_TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// Enable a quirk (repeatable), e.g. `numeric_ids` or `slow=200`.
    #[arg(long = "quirk", value_name = "NAME")]
    pub(crate) quirks: Vec<String>,
    /// Seed for generated ids.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, default_value_t = 1024 * 1024, value_name = "BYTES")]
    pub(crate) body_limit: usize,
    /// Users and groups held at most; a create beyond gets 507.
    #[arg(long, default_value_t = crate::sp::MAX_RESOURCES, value_name = "N")]
    pub(crate) max_resources: usize,
}
impl TargetArgs {
    /// `--target` and its credentials and TLS settings, checked: the token
    /// read from its variable, the CA file read, flags that need `--target`
    /// refused without it.
    pub(crate) fn resolve(&self) -> Result<Option<crate::engine::TargetOverride>, String> {
        let args = self;
        let token = match (&args.token_env, &args.token) {
            (Some(var), _) => Some(
                std::env::var(var)
                    .ok()
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| format!("--token-env: environment variable `{var}` is not set or empty"))?,
            ),
            (None, Some(t)) => Some(t.clone()),
            (None, None) => None,
        };
        let credentials = token.map(|t| match &args.auth_header {
            Some(name) => crate::client::Credentials::Header { name: name.clone(), value: t },
            None => crate::client::Credentials::Bearer(t),
        });
        let ca_pem = match &args.cacert {
            Some(path) => Some(std::fs::read(path).map_err(|e| format!("--cacert {}: {e}", path.display()))?),
            None => None,
        };
        let tls = crate::client::Tls { ca_pem, insecure: args.insecure };
        match &args.target {
            None if credentials.is_some() => {
                Err("--token/--token-env need --target (the embedded SP sets its own token)".into())
            }
            None if tls != crate::client::Tls::default() => Err("--cacert/--insecure need --target".into()),
            None => Ok(None),
            Some(url) => {
                crate::scim::base_url::check("--target", url).map_err(|e| e.to_string())?;
                Ok(Some(crate::engine::TargetOverride { base_url: url.clone(), credentials, tls }))
            }
        }
    }
}

/// `--behaviour KNOB=VALUE`, parsed into its knob's type once.
fn parse_setting(spec: &str) -> Result<Setting, String> {
    spec.parse()
}
