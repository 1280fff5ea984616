//! `jcsim readiness`: will this SCIM server work for a JumpCloud customer,
//! and what to fix first? One verdict per JumpCloud capability (in the
//! words of the admin console), built from the built-in suite run with
//! `--keep-going`, `jcsim compat`'s matrix and an attribute round trip, and
//! written as `readiness.json`, `readiness.html` and `badge.svg`.
//!
//! Which capability a finding belongs to is read from data: the kind of
//! step that showed it (one table, [`CAPABILITIES`]), refined by its rule
//! and by the request it names. Scenario names are never consulted.

mod attrs;
mod classify;
mod digest;
mod render;
mod run;

pub use classify::{CAPABILITIES, Capability};
pub use render::{badge_svg, render_html, terminal_summary};
pub use run::{Forms, ReadinessError, ReadinessOptions, ReadinessRun, Runner, run, write};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The version of `readiness.json`'s shape; bumped on an incompatible change.
pub const FORMAT_VERSION: u32 = 1;

/// What every report says about itself.
pub const DISCLAIMER: &str =
    "This is jcsim's simulation of JumpCloud's SCIM provisioning, not an endorsement or certification by JumpCloud.";

/// A capability's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Nothing found: JumpCloud works.
    Ready,
    /// Only warnings or request forms the SP depends on (compat risks).
    AtRisk,
    /// An error: a JumpCloud admin meets a failure.
    NotReady,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ready => "ready",
            Level::AtRisk => "at risk",
            Level::NotReady => "not ready",
        }
    }
}

/// The content of `readiness.json`. Stable for diffing: lists are in table
/// order, no durations, and the only time is `provenance.date`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Readiness {
    /// [`FORMAT_VERSION`].
    pub format: u32,
    /// The worst capability verdict.
    pub verdict: Level,
    /// Capabilities that are ready, of `total`.
    pub ready: usize,
    pub total: usize,
    /// One entry per JumpCloud capability, in the console's order.
    pub capabilities: Vec<CapabilityReport>,
    /// The request forms JumpCloud may send (`jcsim compat`), with the
    /// evidence for each knob.
    pub compat: Vec<CompatRow>,
    /// SP defects `jcsim compat` met outside the forms it tried.
    #[serde(default)]
    pub compat_defects: Vec<String>,
    /// Every attribute JumpCloud sends, and whether the SP returned it.
    pub attributes: Vec<AttributeRow>,
    /// How many scenarios ran, passed, failed, were skipped.
    pub scenarios: ScenarioCounts,
    /// Capabilities that got worse than in `--baseline`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regressions: Vec<Regression>,
    pub provenance: Provenance,
    /// 0: no capability is not ready (and, with `--strict`, none at risk);
    /// 1: otherwise, or a regression against the baseline.
    pub exit_code: i32,
}

/// One capability's verdict, causes and coverage.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct CapabilityReport {
    /// Stable id (`group_management`).
    pub id: String,
    /// As the admin console says it (`Group management`).
    pub name: String,
    /// What the admin does that this covers.
    pub covers: String,
    pub verdict: Level,
    /// One line: why this verdict.
    pub summary: String,
    /// Root causes, errors first: a rule met on one kind of request.
    pub causes: Vec<Cause>,
    /// Knobs whose request forms the SP depends on (at risk or broken).
    #[serde(default)]
    pub compat_risks: Vec<String>,
    pub coverage: Coverage,
}

/// A root cause within a capability.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Cause {
    /// The rule (`put-null`) or jcsim's own check id.
    pub rule: String,
    /// `error` or `warning`.
    pub severity: String,
    /// The kind of request that showed it (`PUT /Users/{id}`), or of step.
    pub request: String,
    pub title: String,
    /// The first occurrence's message, as the SP's answer made it.
    pub example: String,
    /// What the JumpCloud admin sees.
    pub admin_sees: String,
    pub fix: String,
    /// RFC 7643/7644 section, or `JumpCloud`.
    pub rfc: String,
    /// Checks that showed it, in every scenario.
    pub occurrences: usize,
    /// Where it shows: the first few exchanges (or steps), in the reports.
    pub links: Vec<Link>,
}

/// A link into a scenario's `report.html`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Link {
    pub scenario: String,
    /// Step number, from 1.
    pub step: usize,
    /// The exchange, when the check names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<u64>,
    /// Relative to the readiness directory: `RUN/report.html#x-12` (or `#s-3`).
    pub href: String,
}

/// What exercised a capability, and what did not.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Coverage {
    /// Steps of this capability that ran, and that passed.
    pub steps_run: usize,
    pub steps_passed: usize,
    /// Each scenario that exercised it, with the steps.
    pub scenarios: Vec<ScenarioCoverage>,
    /// What was not exercised, and why (a skipped step, a skipped scenario).
    pub not_exercised: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ScenarioCoverage {
    pub scenario: String,
    pub file: String,
    /// `step N: title`, in order.
    pub steps: Vec<String>,
    /// Relative to the readiness directory.
    pub report: String,
}

/// One knob of the compat matrix.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct CompatRow {
    pub knob: String,
    /// `confirmed`, `inferred` or `unknown`: how sure jcsim is of what JumpCloud sends.
    pub evidence: String,
    /// `robust`, `at risk`, `broken` or `not exercised`.
    pub verdict: String,
    pub summary: String,
    /// The capability whose requests take this knob's form.
    pub capability: String,
    /// Each form, the default first: `accepted`, `ignored`, `rejected` or `not exercised`.
    pub forms: Vec<FormRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct FormRow {
    pub form: String,
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One attribute JumpCloud sends, and what the SP gave back on `GET /Users/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct AttributeRow {
    /// The scenario key (`job_title`).
    pub key: String,
    /// As JumpCloud's console labels it (`Job Title`).
    pub label: String,
    /// Where it sits in a SCIM User (`title`, `enterprise:department`).
    pub scim: String,
    /// `stored` (returned as sent), `changed` (returned with another value),
    /// `dropped` (not returned), `not_checked` (never read back).
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned: Option<String>,
    /// What the JumpCloud admin would see (for `changed` and `dropped`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_sees: Option<String>,
    /// The read-back exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ScenarioCounts {
    pub run: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Scenarios not run, with why (quirk demonstrations, the profile).
    pub not_run: Vec<String>,
}

/// A capability that got worse than in the baseline.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Regression {
    pub capability: String,
    pub name: String,
    pub was: Level,
    pub now: Level,
}

/// Where the report comes from.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Provenance {
    pub jcsim_version: String,
    /// `sha256:` of the built-in suite's scenario files (path and text).
    pub suite_digest: String,
    /// RFC 3339, UTC.
    pub date: String,
    /// The SCIM base URL, without userinfo or query.
    pub target: String,
    /// `external`, or `embedded` (jcsim's own SP, with `quirks`).
    pub target_kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quirks: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The command line, secrets redacted.
    pub command: String,
    pub strict: bool,
    /// [`DISCLAIMER`].
    pub statement: String,
}

/// The JSON Schema of `readiness.json` (`jcsim schema readiness`).
pub fn schema_json() -> String {
    let schema = schemars::generate::SchemaSettings::draft07().into_generator().into_root_schema_for::<Readiness>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Capabilities worse than in `baseline`, in table order.
pub fn regressions(now: &Readiness, baseline: &Readiness) -> Vec<Regression> {
    now.capabilities
        .iter()
        .filter_map(|c| {
            let was = baseline.capabilities.iter().find(|b| b.id == c.id)?.verdict;
            (c.verdict > was).then(|| Regression {
                capability: c.id.clone(),
                name: c.name.clone(),
                was,
                now: c.verdict,
            })
        })
        .collect()
}

/// The exit code: 1 when a capability is not ready (or at risk under
/// `strict`), or one regressed; else 0.
pub fn exit_code(r: &Readiness, strict: bool) -> i32 {
    let bad = |l: Level| l == Level::NotReady || (strict && l == Level::AtRisk);
    i32::from(r.capabilities.iter().any(|c| bad(c.verdict)) || !r.regressions.is_empty())
}
