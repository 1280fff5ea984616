//! `jcsim run`: load the scenarios (or the built-in suite), preflight an
//! external target once, run each scenario, then print the closing line and
//! write the combined outputs.

use super::load_all;
use crate::cli::RunArgs;
use crate::engine::{self, Namespace, RunOptions, preflight};
use crate::output::RunOutput;
use crate::record::Exit;
use crate::report::SkippedScenario;
use crate::scenario::Scenario;
use crate::term::Term;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long preflight waits for each answer.
const PREFLIGHT_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) async fn main(args: RunArgs) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let term = Term::detect(args.quiet);
    let output = |total| RunOutput::new(args.format, args.quiet, term, total, std::io::stdout());
    let mut plan = match Plan::new(&args) {
        Ok(plan) => plan,
        Err(errors) => {
            let mut out = output(0);
            for (file, message) in errors {
                out.error(file.as_deref(), &message);
            }
            out.finish(Exit::Invalid)?;
            return Ok(Exit::Invalid);
        }
    };
    let mut out = output(plan.scenarios.len());
    if let Some(p) = plan.profile {
        let management = if p.group_management { "on" } else { "off" };
        out.note(&format!("profile {}: app \"{}\", group management {management}: {}", p.name, p.app_name, p.note));
    }
    if !args.external.no_preflight
        && let Some(exit) = preflight_all(&args, &plan, &mut out).await
    {
        out.finish(exit)?;
        return Ok(exit);
    }
    tokio::spawn(super::cancel_on_signal(plan.opts.cancel.clone()));
    let ran = run_all(&args, &mut plan, &mut out).await?;
    let mut worst = ran.worst;
    let index = match write_run_outputs(&args, &ran.run_dirs, &ran.not_run) {
        Ok(index) => index,
        Err(e) => {
            out.error(None, &format!("error: {e}"));
            worst = worse(worst, Exit::Unreachable);
            None
        }
    };
    out.closing(started.elapsed(), index.as_deref())?;
    out.finish(worst)?;
    Ok(worst)
}

/// Usage errors, each with the file it is about (when there is one).
type Errors = Vec<super::LoadError>;

/// What the arguments ask for, checked: the scenarios with the profile and
/// `--behaviour` applied, and the engine's options.
struct Plan {
    scenarios: Vec<Scenario>,
    opts: RunOptions,
    profile: Option<&'static crate::scenario::profile::Profile>,
    /// Scenarios the profile cannot apply to, with why (not run).
    profile_skips: std::collections::HashMap<String, String>,
}

impl Plan {
    fn new(args: &RunArgs) -> Result<Plan, Errors> {
        let usage = |message: String| vec![(None, format!("error: {message}"))];
        let target = args.target.resolve().map_err(usage)?;
        super::announce_target(target.as_ref());
        let namespace = Namespace::parse(&args.external.namespace).map_err(|m| usage(format!("--namespace {m}")))?;
        let mut scenarios = if args.paths.is_empty() {
            crate::lint::builtin().map_err(|e| vec![(None, format!("{e}\n"))])?
        } else {
            load_all(&args.paths)?
        };
        if target.is_none() {
            warn_weak_scenario_tokens(&scenarios);
        }
        let profile = args.profile.as_deref().map(crate::scenario::profile::find).transpose();
        let profile = profile.map_err(|m| usage(format!("--profile {m}")))?;
        let profile_skips = apply_overrides(args, &mut scenarios, profile);
        if let Some(t) = &target {
            tracing::debug!(target_url = %t.base_url, "--target overrides every scenario's target");
        }
        let opts = RunOptions {
            out_dir: args.out_dir(),
            target,
            seed: args.seed,
            fail_fast: args.fail_fast,
            strict: args.strict,
            verify_each: args.verify_each,
            cancel: engine::Cancel::default(),
            namespace,
            cleanup: !args.external.keep,
            keep_going: args.keep_going,
        };
        Ok(Plan { scenarios, opts, profile, profile_skips })
    }
}

/// A weak token in a scenario's `auth:`, warned about once per token.
fn warn_weak_scenario_tokens(scenarios: &[Scenario]) {
    let mut warned = std::collections::BTreeSet::new();
    for s in scenarios {
        let auth = s.target.as_ref().and_then(|t| t.auth.as_ref());
        if let Some(c) = auth.and_then(engine::scenario_credentials)
            && let Some(w) = crate::secret::weak_warning(c.secret(), &s.source.file)
            && warned.insert(c.secret().to_string())
        {
            eprintln!("{w}");
        }
    }
}

/// Register each scenario's secrets, apply the profile and every
/// `--behaviour` (and `--concurrency`); returns the scenarios the profile
/// does not fit, with why.
fn apply_overrides(
    args: &RunArgs,
    scenarios: &mut [Scenario],
    profile: Option<&crate::scenario::profile::Profile>,
) -> std::collections::HashMap<String, String> {
    let mut skips = std::collections::HashMap::new();
    let mut overrides = args.behaviour.clone();
    if let Some(n) = args.concurrency {
        overrides.push(crate::knobs::Setting::Concurrency(n));
    }
    for s in scenarios {
        register_scenario_secrets(s);
        if let Some(p) = profile
            && let Err(why) = crate::scenario::profile::apply(s, p)
        {
            skips.insert(s.source.file.clone(), why);
        }
        for setting in &overrides {
            s.behaviour.set(setting.clone());
        }
    }
    skips
}

/// Preflight each external target once; on a problem, print it, write the
/// CI outputs that say why nothing ran, and return the exit code.
async fn preflight_all(args: &RunArgs, plan: &Plan, out: &mut RunOutput<std::io::Stdout>) -> Option<Exit> {
    for (cfg, origin) in external_targets(&plan.scenarios, &plan.opts) {
        let (warnings, problem) = preflight_target(&cfg, &origin).await;
        for w in &warnings {
            out.note(w);
        }
        if let Some(p) = problem {
            out.error(None, &p);
            // CI publishes JUnit and reads summary.json: both say why nothing ran.
            let written =
                crate::report::write_preflight_failure(args.junit.as_deref(), args.out.as_deref(), &cfg.base_url, &p);
            if let Err(e) = written {
                out.error(None, &format!("error: {e}"));
            }
            return Some(Exit::Unreachable);
        }
    }
    None
}

/// What running the scenarios left: the worst exit, the run directories
/// and the scenarios not run, with why.
struct Ran {
    worst: Exit,
    run_dirs: Vec<PathBuf>,
    not_run: Vec<SkippedScenario>,
}

/// Run each scenario in turn, or say why it is not run.
async fn run_all(args: &RunArgs, plan: &mut Plan, out: &mut RunOutput<std::io::Stdout>) -> anyhow::Result<Ran> {
    let opts = &plan.opts;
    let mut ran = Ran { worst: Exit::Pass, run_dirs: Vec::new(), not_run: Vec::new() };
    for s in &plan.scenarios {
        let why = if opts.cancel.is_cancelled() {
            Some("interrupted".to_string())
        } else if let Some(why) = plan.profile_skips.remove(&s.source.file).or_else(|| skip_reason(s, opts)) {
            Some(why)
        } else if args.fail_fast && ran.worst != Exit::Pass {
            Some("--fail-fast: an earlier scenario failed".to_string())
        } else {
            None
        };
        let skip = |reason: String, ran: &mut Ran, out: &mut RunOutput<std::io::Stdout>| {
            ran.not_run.push(SkippedScenario {
                scenario: s.name.clone(),
                file: s.source.file.clone(),
                reason: reason.clone(),
            });
            out.skipped(s, reason)
        };
        if let Some(reason) = why {
            skip(reason, &mut ran, out)?;
            continue;
        }
        out.started(s);
        // The engine writes the record; report.html, junit.xml, run.har and
        // summary.json are rendered from it, and the terminal shows the same summary.
        let written = engine::run_scenario(s, opts).await.map_err(|e| e.to_string());
        let code = match written.and_then(|dir| crate::report::write_outputs(&dir).map_err(|e| e.to_string())) {
            Ok(written) if written.result.exit_code == Exit::Pass && unchecked_reason(s, opts).is_some() => {
                // It passed only because what it tests was not checked: not a pass.
                let why = unchecked_reason(s, opts).unwrap_or_default();
                skip(format!("{why}; its steps ran and passed ({})", written.html.display()), &mut ran, out)?;
                Exit::Pass
            }
            Ok(written) => {
                out.finished(&written.result)?;
                ran.run_dirs.push(written.result.run_dir.clone());
                written.result.exit_code
            }
            Err(e) => {
                out.error(Some(&s.source.file), &format!("error: {}: {e}", s.source.file));
                Exit::Unreachable
            }
        };
        ran.worst = worse(ran.worst, code);
    }
    Ok(ran)
}

/// Preflight one external target: its warnings, and the problem that stops
/// the command, as printed (a token in the target's query string is masked,
/// as in the records).
pub(crate) async fn preflight_target(cfg: &crate::client::ClientConfig, origin: &str) -> (Vec<String>, Option<String>) {
    let found = preflight::check(cfg, PREFLIGHT_TIMEOUT).await;
    let redactor = cfg.credentials.as_ref().map(|c| crate::record::Redactor::new().secret(c.secret()));
    let shown = |text: String| redactor.as_ref().map_or_else(|| text.clone(), |r| r.text(&text));
    let warnings = found.warnings.iter().map(|w| shown(format!("warning: {origin}: {w}"))).collect();
    let problem = found
        .problem
        .map(|p| shown(format!("preflight: {origin}: {p}\n  (nothing was run; --no-preflight skips this check)")));
    (warnings, problem)
}

/// Each external target the scenarios will talk to, once, with where it
/// comes from (`--target`, or the first scenario naming it).
fn external_targets(scenarios: &[Scenario], opts: &RunOptions) -> Vec<(crate::client::ClientConfig, String)> {
    let mut out: Vec<(crate::client::ClientConfig, String)> = Vec::new();
    if let Some(t) = &opts.target {
        out.push((t.client_config(&Default::default()), format!("--target {}", t.base_url)));
        return out;
    }
    for s in scenarios {
        let Some(t) = &s.target else { continue };
        let Some(url) = &t.base_url else { continue };
        if out.iter().any(|(c, _)| c.base_url == *url) {
            continue;
        }
        let creds = t.auth.as_ref().and_then(engine::scenario_credentials);
        out.push((engine::client_config_for(&s.behaviour, url, creds), s.source.file.clone()));
    }
    out
}

/// The index of several runs (its path, when written) and the combined CI
/// copies; the JUnit copy also names each scenario not run, as skipped.
fn write_run_outputs(
    args: &RunArgs,
    run_dirs: &[PathBuf],
    not_run: &[SkippedScenario],
) -> anyhow::Result<Option<PathBuf>> {
    let mut index = None;
    if run_dirs.len() > 1 {
        let path = crate::report::write_index(&args.out_dir(), run_dirs)?;
        tracing::info!(index = %path.display(), "wrote the index of runs");
        index = Some(path);
    }
    if !run_dirs.is_empty() && (args.har.is_some() || args.html.is_some()) {
        crate::report::write_combined(run_dirs, None, args.har.as_deref(), args.html.as_deref())?;
    }
    if let Some(p) = &args.junit
        && (!run_dirs.is_empty() || !not_run.is_empty())
    {
        crate::report::write_junit(p, run_dirs, not_run)?;
    }
    Ok(index)
}

/// Keep a scenario's credentials out of every log line.
fn register_scenario_secrets(s: &Scenario) {
    let auth = s.target.as_ref().and_then(|t| t.auth.as_ref());
    for secret in auth.into_iter().flat_map(|a| [&a.bearer, &a.value]).flatten() {
        crate::logging::register_secret(secret);
    }
}

/// Scenarios that demonstrate embedded-SP quirks mean nothing against another
/// SP, so `--target` skips them. A scenario whose quirks emulate a vendor
/// (`emulates:`) still runs: its app settings apply to any SP, and the engine
/// skips only the expectations marked `needs_quirk`.
fn skip_reason(s: &Scenario, opts: &RunOptions) -> Option<String> {
    let quirks = s.quirks();
    (opts.target.is_some() && !quirks.is_empty() && s.emulates().is_none())
        .then(|| format!("needs the embedded SP with quirks ({}); not run against --target", quirks.join(", ")))
}

/// Against another SP, a scenario checks nothing of its own when every
/// expectation it has needs an embedded-SP quirk (and is skipped) and its
/// other steps are only the setup (Test Connection, Activate): a run that
/// passes then counts as skipped, with this reason, not as passed.
fn unchecked_reason(s: &Scenario, opts: &RunOptions) -> Option<String> {
    use crate::scenario::Action;
    opts.target.as_ref()?;
    let mut quirks: Vec<&str> = Vec::new();
    for step in &s.steps {
        match step.expect.as_ref().map(|e| e.needs_quirk.as_deref()) {
            Some(Some(q)) => {
                if !quirks.contains(&q) {
                    quirks.push(q);
                }
            }
            Some(None) => return None,
            None if matches!(step.action, Action::TestConnection | Action::Activate { .. }) => {}
            None => return None,
        }
    }
    let named: Vec<String> = quirks.iter().map(|q| format!("`{q}`")).collect();
    (!quirks.is_empty()).then(|| {
        format!(
            "not counted as passed: what it tests was not checked, because its expectations need the embedded SP's {} quirk{}{} and this run targets another SP",
            named.join(", "),
            if quirks.len() == 1 { "" } else { "s" },
            s.emulates().map(|v| format!(" (emulating {v})")).unwrap_or_default()
        )
    })
}

/// 3 beats 1 beats 0.
fn worse(a: Exit, b: Exit) -> Exit {
    let rank = |c: Exit| match c {
        Exit::Pass => 0,
        Exit::Fail => 1,
        _ => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}
