//! Running readiness: the built-in suite with `--keep-going`, the
//! attribute round trip and `jcsim compat`, all into one directory, then
//! the verdicts.

use super::classify::{self, ScenarioRun};
use super::{CompatRow, FormRow, Provenance, Readiness, ScenarioCounts};
use crate::engine::{self, Cancel, Namespace, RunOptions, TargetOverride};
use crate::record::Exit;
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

/// Options of `jcsim readiness`.
#[derive(Debug, Clone, Default)]
pub struct ReadinessOptions {
    /// Parent of the readiness directory.
    pub out_dir: PathBuf,
    /// The SP under test; `None`: the embedded SP with `quirks`.
    pub target: Option<TargetOverride>,
    pub quirks: Vec<String>,
    /// A vendor's app settings (`--profile`).
    pub profile: Option<String>,
    pub strict: bool,
    pub namespace: Namespace,
    /// Delete what was created at the SP after each scenario.
    pub cleanup: bool,
    pub cancel: Cancel,
    /// The command line as shown in the report, secrets already redacted.
    pub command: String,
    /// Called with each scenario's name as it starts (progress).
    pub progress: Option<fn(usize, usize, &str)>,
}

/// What readiness needs of `jcsim compat`, a module of the same layer:
/// the command implements it with `compat::run` (so the console can too).
pub trait Forms {
    /// Run every form probe against `target`, recording into a run
    /// directory below `out_dir`: that directory and the matrix.
    fn run(
        &self,
        target: TargetOverride,
        out_dir: PathBuf,
        namespace: Namespace,
        cleanup: bool,
        cancel: Cancel,
    ) -> impl std::future::Future<Output = Result<(PathBuf, crate::record::CompatMatrix), String>>;
    /// The step kind whose requests take `knob`'s form (`remove_from_group`).
    fn exercise_step(&self, knob: &str) -> Option<&'static str>;
}

/// Readiness run to the end on its own thread (own runtime), for a caller
/// that cannot name `Forms`' implementation: the console gets one from
/// `jcsim serve`, which can.
#[derive(Clone)]
pub struct Runner(pub std::sync::Arc<dyn Fn(ReadinessOptions) -> Result<ReadinessRun, String> + Send + Sync>);

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("readiness::Runner")
    }
}

impl Runner {
    /// A runner over `forms`: each call blocks its thread on a fresh
    /// current-thread runtime (call it from `spawn_blocking`), and writes
    /// the outputs ([`write`]).
    pub fn new<F: Forms + Send + Sync + 'static>(forms: F) -> Runner {
        Runner(std::sync::Arc::new(move |opts: ReadinessOptions| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            let ran = rt.block_on(run(&opts, &forms)).map_err(|e| e.to_string())?;
            write(&ran.dir, &ran.readiness).map_err(|e| e.to_string())?;
            Ok(ran)
        }))
    }
}

/// What a readiness run leaves: the directory and the verdicts.
#[derive(Debug)]
pub struct ReadinessRun {
    pub dir: PathBuf,
    pub readiness: Readiness,
}

/// Why readiness could not run.
#[derive(Debug, thiserror::Error)]
pub enum ReadinessError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Engine(#[from] crate::engine::EngineError),
    #[error("{0}")]
    Report(#[from] crate::report::ReportError),
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

/// Run everything against the target and judge each capability. Nothing
/// is printed; the caller renders and writes the outputs ([`write`]).
/// Long on purpose: the embedded SP's life, the suite, the round trip and
/// compat share one target and one directory, in this order.
pub async fn run(opts: &ReadinessOptions, forms: &impl Forms) -> Result<ReadinessRun, ReadinessError> {
    let profile =
        opts.profile.as_deref().map(crate::scenario::profile::find).transpose().map_err(ReadinessError::Usage)?;
    let quirks = opts
        .quirks
        .iter()
        .map(|q| q.parse::<crate::sp::Quirk>().map_err(|e| ReadinessError::Usage(format!("--quirk {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let id = engine::run_id_for("readiness");
    let dir = opts.out_dir.join(&id);
    std::fs::create_dir_all(&dir)
        .map_err(|source| ReadinessError::Write { path: dir.display().to_string(), source })?;

    // Without --target, one embedded SP for the whole run, treated like any
    // SP under test: names tagged, what each scenario created cleaned up.
    let (embedded, target) = match &opts.target {
        Some(t) => (None, t.clone()),
        None => {
            let token = engine::embedded_token();
            let config = crate::sp::SpConfig { token: Some(token.clone()), quirks, ..Default::default() };
            let sp = crate::sp::spawn(config).await.map_err(|e| engine::EngineError::EmbeddedSp(e.to_string()))?;
            let t = TargetOverride {
                base_url: sp.base_url.clone(),
                credentials: Some(crate::client::Credentials::Bearer(token)),
                tls: Default::default(),
            };
            (Some(sp), t)
        }
    };
    let namespace =
        if embedded.is_some() && opts.namespace == Namespace::None { Namespace::Auto } else { opts.namespace.clone() };
    let run_opts = RunOptions {
        out_dir: dir.clone(),
        target: Some(target.clone()),
        seed: None,
        fail_fast: false,
        strict: opts.strict,
        verify_each: false,
        cancel: opts.cancel.clone(),
        namespace: namespace.clone(),
        cleanup: opts.cleanup,
        keep_going: true,
    };

    let (scenarios, mut counts) = suite(profile)?;
    let attrs = crate::lint::load_str(&super::attrs::scenario_yaml(), "readiness:attributes")
        .map_err(|e| ReadinessError::Usage(format!("the attribute round trip: {e}")))?;
    let total = scenarios.len() + 1;
    let mut runs = Vec::new();
    let mut attr_rows = Vec::new();
    for (n, s) in scenarios.iter().chain(std::iter::once(&attrs)).enumerate() {
        if opts.cancel.is_cancelled() {
            counts.skipped += 1;
            counts.not_run.push(format!("{}: interrupted", s.source.file));
            continue;
        }
        if let Some(p) = opts.progress {
            p(n + 1, total, &s.name);
        }
        let run_dir = engine::run_scenario(s, &run_opts).await?;
        let written = crate::report::write_outputs(&run_dir)?;
        let rel = relative(&run_dir, &dir);
        if std::ptr::eq(s, &attrs) {
            attr_rows = super::attrs::table(&run_dir, &rel);
        }
        counts.run += 1;
        if written.result.exit_code == Exit::Pass {
            counts.passed += 1;
        } else {
            counts.failed += 1;
        }
        runs.push(ScenarioRun { summary: written.result, rel });
    }
    let run_dirs: Vec<PathBuf> = runs.iter().map(|r| r.summary.run_dir.clone()).collect();

    let compat_namespace = if namespace == Namespace::None { Namespace::None } else { Namespace::Auto };
    let (compat_dir, matrix) = forms
        .run(target.clone(), dir.clone(), compat_namespace, opts.cleanup, opts.cancel.clone())
        .await
        .map_err(|e| engine::EngineError::Setup(format!("compat: {e}")))?;
    crate::report::write_outputs(&compat_dir)?;
    let compat_rel = relative(&compat_dir, &dir);
    let compat_rows = compat_rows(&matrix, forms);
    let compat_defects: Vec<String> = matrix
        .defects
        .iter()
        .map(|d| format!("{}: {} (first met in {}; {compat_rel}/report.html)", d.rule, d.message, d.during))
        .collect();
    if let Some(sp) = embedded {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), sp.shutdown()).await;
    }
    if run_dirs.len() > 1 {
        crate::report::write_index(&dir, &run_dirs)?;
    }

    let capabilities = classify::capabilities(&runs, &compat_rows, &[]);
    let ready = capabilities.iter().filter(|c| c.verdict == super::Level::Ready).count();
    let mut readiness = Readiness {
        format: super::FORMAT_VERSION,
        verdict: capabilities.iter().map(|c| c.verdict).max().unwrap_or(super::Level::Ready),
        ready,
        total: capabilities.len(),
        capabilities,
        compat: compat_rows,
        compat_defects,
        attributes: attr_rows,
        scenarios: counts,
        regressions: Vec::new(),
        provenance: Provenance {
            jcsim_version: env!("CARGO_PKG_VERSION").to_string(),
            suite_digest: super::digest::suite(),
            date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            target: if opts.target.is_some() { shown_target(&target.base_url) } else { "embedded SP".into() },
            target_kind: if opts.target.is_some() { "external" } else { "embedded" }.into(),
            quirks: opts.quirks.clone(),
            profile: profile.map(|p| p.name.to_string()),
            command: opts.command.clone(),
            strict: opts.strict,
            statement: super::DISCLAIMER.into(),
        },
        exit_code: 0,
    };
    readiness.exit_code = super::exit_code(&readiness, opts.strict);
    Ok(ReadinessRun { dir, readiness })
}

/// The built-in suite as readiness runs it: quirk demonstrations (which
/// show jcsim's embedded SP, not yours) and scenarios the profile does not
/// fit are left out, each with why.
fn suite(
    profile: Option<&crate::scenario::profile::Profile>,
) -> Result<(Vec<Scenario>, ScenarioCounts), ReadinessError> {
    let all = crate::lint::builtin().map_err(|e| ReadinessError::Usage(e.to_string()))?;
    let mut counts = ScenarioCounts::default();
    let mut out = Vec::new();
    for mut s in all {
        if !s.quirks().is_empty() && s.emulates().is_none() {
            continue;
        }
        if let Some(p) = profile
            && let Err(why) = crate::scenario::profile::apply(&mut s, p)
        {
            counts.skipped += 1;
            counts.not_run.push(format!("{}: {why}", s.source.file));
            continue;
        }
        out.push(s);
    }
    Ok((out, counts))
}

/// The knob rows, each under the capability whose step exercises it.
fn compat_rows(m: &crate::record::CompatMatrix, forms: &impl Forms) -> Vec<CompatRow> {
    m.knobs
        .iter()
        .map(|k| CompatRow {
            knob: k.knob.clone(),
            evidence: k.status.clone(),
            verdict: k.verdict.as_str().to_string(),
            summary: k.summary.clone(),
            capability: classify::of_step_kind(forms.exercise_step(&k.knob).unwrap_or_default()).to_string(),
            forms: k
                .forms
                .iter()
                .map(|f| FormRow {
                    form: f.form.clone(),
                    outcome: f.outcome.as_str().to_string(),
                    detail: f.detail.clone(),
                })
                .collect(),
        })
        .collect()
}

/// `path` relative to `base` (`/`-separated), or as it is.
fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// A target as the report shows it: no userinfo, no query (a token may
/// travel in either).
pub(crate) fn shown_target(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            if path.is_empty() { format!("{scheme}://{host}") } else { format!("{scheme}://{host}/{path}") }
        }
        None => url.to_string(),
    }
}

/// Write `readiness.json`, `readiness.html` and `badge.svg` into `dir`.
pub fn write(dir: &Path, r: &Readiness) -> Result<(), ReadinessError> {
    let put = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes)
            .map_err(|source| ReadinessError::Write { path: path.display().to_string(), source })
    };
    let mut json = serde_json::to_string_pretty(r).unwrap_or_default();
    json.push('\n');
    put("readiness.json", json.as_bytes())?;
    put("readiness.html", super::render_html(r).as_bytes())?;
    put("badge.svg", super::badge_svg(r).as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shown_target_has_no_userinfo_or_query() {
        assert_eq!(
            super::shown_target("https://u:pw@sp.example.com/scim/v2?token=x"),
            "https://sp.example.com/scim/v2"
        );
        assert_eq!(super::shown_target("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }
}
