//! The fix summary: a run's findings grouped by rule (root cause), most
//! important first, each with the steps it affected, the JumpCloud symptom
//! and the fix.

use crate::record::{Check, Verdict};
use crate::rules::CheckId;
use serde::Serialize;
use std::collections::BTreeMap;

/// One root cause of a run.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub(crate) struct Fix {
    pub(crate) rule: CheckId,
    pub(crate) severity: FixSeverity,
    pub(crate) title: String,
    pub(crate) occurrences: usize,
    /// Indexes of the affected steps: zero-based in memory (the terminal adds
    /// one); `summary.json` writes them from 1, like every other output.
    pub(crate) steps: Vec<usize>,
    /// The first occurrence's message.
    pub(crate) example: String,
    pub(crate) jumpcloud: String,
    pub(crate) fix: String,
    pub(crate) rfc: String,
    /// The kind of request that showed it (`PUT /Users/{id}`, `POST
    /// /Groups`; the kind of step when no exchange is named): with the
    /// rule, what makes two findings one root cause.
    #[serde(default)]
    pub(crate) request: String,
}

/// How bad a root cause is, written `error` or `warning`; errors sort first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FixSeverity {
    /// It failed a step: the run fails.
    Error,
    Warning,
}

impl FixSeverity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FixSeverity::Error => "error",
            FixSeverity::Warning => "warning",
        }
    }
}

impl std::fmt::Display for FixSeverity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Info findings of a run: rule id and occurrences, for a one-line footer
/// (an info never gets a fix entry).
pub(crate) fn notes(checks: &[Check]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for c in checks.iter().filter(|c| c.verdict == Verdict::Info && c.id.rule().is_some()) {
        *out.entry(c.id.as_str().to_string()).or_insert(0) += 1;
    }
    out
}

/// Group failed and warning checks by rule: the SP's root causes, each with
/// what JumpCloud does and the fix. Passing checks, expectations
/// (`expect.*`) and jcsim's own checks with no fix to give (`interrupted`,
/// `directory`: not a rule, no advice) are left out.
pub(crate) fn fix_summary(checks: &[Check], request_of: impl Fn(&Check) -> String) -> Vec<Fix> {
    let mut by_rule: BTreeMap<(&str, String), Fix> = BTreeMap::new();
    let advised = |c: &&Check| c.id.rule().is_some() || c.admin_sees.is_some() || c.fix.is_some();
    let judged = |c: &&Check| !matches!(c.verdict, Verdict::Pass | Verdict::Info) && !c.id.is_expectation();
    let severity = |c: &Check| if c.verdict == Verdict::Fail { FixSeverity::Error } else { FixSeverity::Warning };
    for c in checks.iter().filter(judged).filter(advised) {
        let request = request_of(c);
        let entry = by_rule.entry((c.id.as_str(), request.clone())).or_insert_with(|| {
            let rule = c.id.rule();
            Fix {
                request,
                rule: c.id,
                severity: severity(c),
                title: rule.map_or(c.id.as_str().to_string(), |r| r.title.to_string()),
                occurrences: 0,
                steps: Vec::new(),
                example: c.message.clone(),
                jumpcloud: c.admin_sees.clone().or(rule.map(|r| r.jumpcloud.to_string())).unwrap_or_default(),
                fix: c.fix.clone().or(rule.map(|r| r.fix.to_string())).unwrap_or_default(),
                rfc: rule.map_or(String::new(), |r| r.rfc.to_string()),
            }
        });
        entry.occurrences += 1;
        entry.severity = entry.severity.min(severity(c));
        if !entry.steps.contains(&c.step) {
            entry.steps.push(c.step);
        }
    }
    let mut fixes: Vec<Fix> = by_rule.into_values().collect();
    fixes.sort_by(|a, b| {
        (a.severity, std::cmp::Reverse(a.occurrences), a.rule.as_str()).cmp(&(
            b.severity,
            std::cmp::Reverse(b.occurrences),
            b.rule.as_str(),
        ))
    });
    fixes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(step: usize, id: &str, verdict: Verdict) -> Check {
        Check {
            step,
            id: CheckId::parse(id).unwrap(),
            verdict,
            message: format!("{id} at {step}"),
            admin_sees: None,
            fix: None,
            exchange: None,
            expected: None,
            actual: None,
        }
    }

    #[test]
    fn groups_by_rule_errors_first_then_by_count() {
        let checks = vec![
            check(0, "content-type", Verdict::Warn),
            check(1, "content-type", Verdict::Warn),
            check(1, "content-type", Verdict::Warn),
            check(2, "id-string", Verdict::Fail),
            check(2, "expect.outcome", Verdict::Fail),
            check(3, "echo-active", Verdict::Pass),
            check(3, "interrupted", Verdict::Fail),
            check(3, "directory", Verdict::Fail),
        ];
        let fixes = fix_summary(&checks, |_| "verify".into());
        let order: Vec<(&str, usize, &[usize])> =
            fixes.iter().map(|f| (f.rule.as_str(), f.occurrences, f.steps.as_slice())).collect();
        assert_eq!(order, vec![("id-string", 1, &[2][..]), ("content-type", 3, &[0, 1][..])]);
        assert!(fixes[0].fix.contains("JSON string"));
        assert_eq!(fixes[1].severity, FixSeverity::Warning);
    }

    #[test]
    fn one_rule_on_two_kinds_of_request_is_two_causes_and_infos_are_notes() {
        let checks = vec![
            check(1, "server-error", Verdict::Warn),
            check(2, "server-error", Verdict::Warn),
            check(3, "server-error", Verdict::Warn),
            check(3, "patch-no-content", Verdict::Info),
        ];
        let fixes =
            fix_summary(&checks, |c| if c.step == 1 { "POST /Users".into() } else { "PATCH /Groups/{id}".into() });
        let keys: Vec<(&str, &str)> = fixes.iter().map(|f| (f.rule.as_str(), f.request.as_str())).collect();
        assert_eq!(keys, vec![("server-error", "PATCH /Groups/{id}"), ("server-error", "POST /Users")]);
        assert_eq!(notes(&checks).get("patch-no-content"), Some(&1));
        assert!(fixes.iter().all(|f| f.rule.as_str() != "patch-no-content"), "an info is never a fix entry");
    }
}
