//! The fix summary: a run's findings grouped by rule (root cause), most
//! important first, each with the steps it affected, the JumpCloud symptom
//! and the fix.

use super::rules::rule_by_id;
use crate::record::{Check, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;

/// One root cause of a run.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub(crate) struct Fix {
    pub(crate) rule: String,
    /// `error` (fails the run) or `warning`.
    pub(crate) severity: String,
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
}

/// Group failed and warning checks by rule: the SP's root causes, each with
/// what JumpCloud does and the fix. Passing checks, expectations
/// (`expect.*`) and jcsim's own checks with no fix to give (`interrupted`,
/// `directory`: not a rule, no advice) are left out.
pub(crate) fn fix_summary(checks: &[Check]) -> Vec<Fix> {
    let mut by_rule: BTreeMap<&str, Fix> = BTreeMap::new();
    let advised = |c: &&Check| rule_by_id(&c.id).is_some() || c.admin_sees.is_some() || c.fix.is_some();
    for c in checks.iter().filter(|c| c.verdict != Verdict::Pass && !c.id.starts_with("expect.")).filter(advised) {
        let entry = by_rule.entry(c.id.as_str()).or_insert_with(|| {
            let rule = rule_by_id(&c.id);
            Fix {
                rule: c.id.clone(),
                severity: match c.verdict {
                    Verdict::Fail => "error",
                    Verdict::Info => "info",
                    _ => "warning",
                }
                .to_string(),
                title: rule.map_or(c.id.clone(), |r| r.title.to_string()),
                occurrences: 0,
                steps: Vec::new(),
                example: c.message.clone(),
                jumpcloud: c.admin_sees.clone().or(rule.map(|r| r.jumpcloud.to_string())).unwrap_or_default(),
                fix: c.fix.clone().or(rule.map(|r| r.fix.to_string())).unwrap_or_default(),
                rfc: rule.map_or(String::new(), |r| r.rfc.to_string()),
            }
        });
        entry.occurrences += 1;
        if c.verdict == Verdict::Fail {
            entry.severity = "error".to_string();
        } else if c.verdict == Verdict::Warn && entry.severity == "info" {
            entry.severity = "warning".to_string();
        }
        if !entry.steps.contains(&c.step) {
            entry.steps.push(c.step);
        }
    }
    let mut fixes: Vec<Fix> = by_rule.into_values().collect();
    let rank = |s: &str| match s {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    };
    fixes.sort_by(|a, b| {
        (rank(&a.severity), std::cmp::Reverse(a.occurrences), &a.rule).cmp(&(
            rank(&b.severity),
            std::cmp::Reverse(b.occurrences),
            &b.rule,
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
            id: id.into(),
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
        let fixes = fix_summary(&checks);
        let order: Vec<(&str, usize, &[usize])> =
            fixes.iter().map(|f| (f.rule.as_str(), f.occurrences, f.steps.as_slice())).collect();
        assert_eq!(order, vec![("id-string", 1, &[2][..]), ("content-type", 3, &[0, 1][..])]);
        assert!(fixes[0].fix.contains("JSON string"));
        assert_eq!(fixes[1].severity, "warning");
    }
}
