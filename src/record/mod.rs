//! What happened on the wire: the `Exchange` and event types, the append-only
//! `events.jsonl` writer, and redaction of secrets at the moment of recording.

mod insight;
mod redact;
mod writer;

pub use insight::{Insight, PURPOSE_HEADER};
pub(crate) use redact::{REDACTED, Redactor};
pub(crate) use writer::{EventIndex, parse_event};
pub use writer::{EventLog, Recorder, each_event, first_event, read_events};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One line of `events.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    RunStarted(RunStarted),
    StepStarted(StepStarted),
    Exchange(Exchange),
    Check(Check),
    StepFinished(StepFinished),
    RunFinished(RunFinished),
    /// `jcsim compat`'s matrix, recorded before `run_finished`.
    Compat(CompatMatrix),
}

/// How the message of a finding a step expected starts (the check passes).
pub(crate) const EXPECTED_FINDING: &str = "expected finding: ";

/// The end of a skip reason after a failed Test Connection or activation
/// (the closing line counts the scenarios it stopped).
pub(crate) const INACTIVE_SKIP: &str = "the integration is not active and JumpCloud sends nothing for this action";

/// `jcsim compat`'s result: for each knob whose request form is not
/// confirmed, what the SP did with each plausible form.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct CompatMatrix {
    pub knobs: Vec<KnobCompat>,
    /// SP defects met outside the forms under test (in a probe's setup or
    /// read-back), each rule once: they judge no form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub defects: Vec<CompatDefect>,
}

/// An SP defect `jcsim compat` met while setting up or reading back a probe.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CompatDefect {
    pub rule: crate::rules::CheckId,
    /// The first occurrence's message.
    pub message: String,
    /// Where it was first met: `knob=form`.
    pub during: String,
    /// Probes that met it.
    pub count: usize,
}

/// One knob's row of the compat matrix.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KnobCompat {
    pub knob: String,
    /// Evidence behind the default: `confirmed`, `inferred` or `unknown`.
    pub status: String,
    /// jcsim's default: the form JumpCloud is believed to send.
    pub(crate) default: String,
    pub verdict: CompatVerdict,
    /// The verdict in words (which forms work, which fail).
    pub summary: String,
    pub forms: Vec<FormCompat>,
}

/// What the SP did with one form.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FormCompat {
    pub form: String,
    pub outcome: FormOutcome,
    /// The SP's refusal, the read-back difference, or why it was not exercised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The steps of the record that exercised it.
    #[serde(default)]
    pub steps: Vec<usize>,
}

/// What the SP did with one request form.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum FormOutcome {
    /// A 2xx answer, and the read-back shows the change.
    #[serde(rename = "accepted")]
    Accepted,
    /// A 2xx answer, but the read-back shows no change.
    #[serde(rename = "ignored")]
    Ignored,
    /// A 4xx/5xx answer (or none).
    #[serde(rename = "rejected")]
    Rejected,
    /// Not judged: the setup before it failed (an SP defect elsewhere, named
    /// in the detail), or the run was interrupted.
    #[serde(rename = "untested", alias = "not exercised")]
    NotExercised,
}

impl FormOutcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FormOutcome::Accepted => "accepted",
            FormOutcome::Ignored => "ignored",
            FormOutcome::Rejected => "rejected",
            FormOutcome::NotExercised => "untested",
        }
    }
}

/// A knob's verdict: whether the SP works whichever form JumpCloud sends.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum CompatVerdict {
    /// Every plausible form works.
    #[serde(rename = "robust")]
    Robust,
    /// Some forms work and some do not.
    #[serde(rename = "at risk")]
    AtRisk,
    /// No form works.
    #[serde(rename = "broken")]
    Broken,
    /// No form could be judged.
    #[serde(rename = "untested", alias = "not exercised")]
    NotExercised,
}

impl CompatVerdict {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CompatVerdict::Robust => "robust",
            CompatVerdict::AtRisk => "at risk",
            CompatVerdict::Broken => "broken",
            CompatVerdict::NotExercised => "untested",
        }
    }
}

/// Header of a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunStarted {
    pub(crate) run_id: String,
    pub(crate) scenario: String,
    /// Path of the scenario file as given on the command line.
    pub(crate) file: String,
    /// Base URL of the SP (never carries credentials).
    pub(crate) target: String,
    /// `embedded` or `external`.
    pub(crate) target_kind: String,
    pub(crate) seed: u64,
    /// RFC 3339 wall-clock start.
    pub(crate) started_at: String,
    pub(crate) jcsim_version: String,
    /// Effective behaviour knobs, as `name=value` pairs.
    #[serde(default)]
    pub(crate) behaviour: Vec<(String, String)>,
    /// Number of steps in the scenario.
    pub(crate) steps: usize,
    /// The run-unique tag carried by every name this run created at the SP
    /// (`--namespace`); absent when names are sent as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    /// TLS certificates were not verified (`--insecure`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) insecure: bool,
}

/// A scenario step begins.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StepStarted {
    /// Zero-based step index.
    pub(crate) step: usize,
    /// Action name as written in the scenario (`bind_group`).
    pub(crate) action: String,
    /// One-line human summary (`bind_group: Engineering`).
    pub(crate) title: String,
    /// 1-based line and column of the step in the scenario file.
    pub(crate) line: usize,
    pub(crate) col: usize,
    /// Milliseconds since the run started.
    pub(crate) at_ms: u64,
    /// Absent for a scenario step; `cleanup` for the phase that removes what
    /// the run created at the SP (shown, never judged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) phase: Option<Phase>,
}

/// A part of a run that is not a scenario step.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Phase {
    /// Deleting the users and groups the run created at an external SP.
    Cleanup,
}

/// One HTTP attempt: what was sent, what came back, and how long it took.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Exchange {
    /// Sequence number within the run, from 1.
    pub id: u64,
    pub step: usize,
    /// 1-based line of the step in the scenario file (0 for console actions).
    #[serde(default)]
    pub line: usize,
    /// Directory Insights event this request belongs to (`user_create_provision`),
    /// or a jcsim name for requests JumpCloud has no event for (`test_connection`).
    pub event: String,
    /// Why the request was sent (`look up alice@example.com`).
    pub label: String,
    /// 1 for the first try, 2.. for retries.
    pub attempt: u32,
    pub request: RecordedRequest,
    pub response: Option<RecordedResponse>,
    /// Set when no HTTP response arrived (timeout, refused, reset).
    pub error: Option<TransportFault>,
    pub timing: Timing,
    /// The request was meant to be refused (verify's wrong-token probe, a
    /// deleted resource that must answer 404): a 4xx answer is its success.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expects_refusal: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// Parsed JSON body when it was JSON.
    pub body: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON, when it was.
    pub body: Option<Value>,
    /// The raw body when it was not JSON (truncated to a cap).
    pub body_text: Option<String>,
}

impl RecordedResponse {
    /// A header's value, by case-insensitive name.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A failure to get any HTTP response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TransportFault {
    pub kind: FaultKind,
    pub message: String,
}

/// Why no HTTP response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// No answer within the timeout.
    Timeout,
    /// The connection could not be made (refused, DNS, TLS).
    Connect,
    /// The connection broke while sending.
    Reset,
    /// The body could not be read.
    Body,
    /// The body exceeded the cap; jcsim stopped reading.
    TooLarge,
    /// Not sent: the run was interrupted.
    Interrupted,
    Other,
}

impl FaultKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            FaultKind::Timeout => "timeout",
            FaultKind::Connect => "connect",
            FaultKind::Reset => "reset",
            FaultKind::Body => "body",
            FaultKind::TooLarge => "too_large",
            FaultKind::Interrupted => "interrupted",
            FaultKind::Other => "other",
        }
    }
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Timing {
    /// Milliseconds since the run started when the request was sent.
    pub start_ms: u64,
    /// Wall time of the attempt in milliseconds (fractional).
    pub duration_ms: f64,
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    Warn,
    /// Not run: an earlier step made it meaningless (activation failed, the
    /// SP could not be reached), or the run was stopped.
    Skip,
    /// Informational: shown once, never fails a run (a cleanup phase, an
    /// RFC-valid choice worth knowing about).
    Info,
}

impl Verdict {
    /// The verdict's name as serialized (`pass`, `fail`, `warn`, `skip`, `info`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::Skip => "skip",
            Verdict::Info => "info",
        }
    }
}

/// A check result: an expectation, a provisioning outcome or a verification.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Check {
    pub step: usize,
    /// What the check is about: a rule (`put-null`) or another check
    /// (`directory`, `expect.status`), recorded as that string.
    pub id: crate::rules::CheckId,
    pub verdict: Verdict,
    pub message: String,
    /// What the JumpCloud admin would see.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_sees: Option<String>,
    /// How to fix the SP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The exchange the check is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) exchange: Option<u64>,
    /// Expected versus actual, for read-back differences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expected: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) actual: Option<Value>,
}

/// A step ends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StepFinished {
    pub(crate) step: usize,
    pub(crate) verdict: Verdict,
    pub(crate) duration_ms: f64,
    /// Why the step failed, in one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<String>,
}

/// The footer of a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunFinished {
    pub(crate) verdict: Verdict,
    pub(crate) steps_passed: usize,
    pub(crate) steps_failed: usize,
    /// Steps not run because an earlier failure made them meaningless.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) steps_skipped: usize,
    pub exchanges: u64,
    pub(crate) duration_ms: f64,
    /// The run stopped early (fail-fast, unreachable target or interrupt).
    pub stopped_early: bool,
    /// Why it stopped early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) stop_reason: Option<String>,
    pub exit_code: Exit,
    /// Stopped by SIGINT/SIGTERM: in-flight exchanges finished, nothing new was sent.
    #[serde(default)]
    pub interrupted: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// How a jcsim command ends: the process exit code (docs/cli.md), and
/// `exit_code` in `run_finished` and `summary.json`, written as the number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "i32", try_from = "i32")]
pub enum Exit {
    /// Every step passed.
    #[default]
    Pass = 0,
    /// A step failed.
    Fail = 1,
    /// Bad input: a scenario, an argument, a setting.
    Invalid = 2,
    /// The target could not be reached, or the run was cut short.
    Unreachable = 3,
    /// Stopped by SIGINT/SIGTERM (the shell convention, 128 + SIGINT).
    Interrupted = 130,
}

impl Exit {
    pub fn code(self) -> i32 {
        self as i32
    }
}

impl From<Exit> for i32 {
    fn from(e: Exit) -> i32 {
        e.code()
    }
}

impl TryFrom<i32> for Exit {
    type Error = String;
    fn try_from(code: i32) -> Result<Exit, String> {
        [Exit::Pass, Exit::Fail, Exit::Invalid, Exit::Unreachable, Exit::Interrupted]
            .into_iter()
            .find(|e| e.code() == code)
            .ok_or_else(|| format!("unknown exit code {code}"))
    }
}

#[cfg(test)]
mod tests {
    use super::Exit;

    #[test]
    fn exit_codes_are_written_as_numbers_and_unknown_ones_refused() {
        for (e, n) in
            [(Exit::Pass, 0), (Exit::Fail, 1), (Exit::Invalid, 2), (Exit::Unreachable, 3), (Exit::Interrupted, 130)]
        {
            assert_eq!(serde_json::to_string(&e).unwrap(), n.to_string());
            assert_eq!(serde_json::from_str::<Exit>(&n.to_string()).unwrap(), e);
        }
        let err = serde_json::from_str::<Exit>("42").unwrap_err().to_string();
        assert!(err.contains("unknown exit code 42"), "{err}");
    }
}
