//! The capabilities, one table, and how the suite's checks, steps and the
//! compat matrix fall into them.

use super::{CapabilityReport, Cause, CompatRow, Coverage, Level, Link, ScenarioCoverage};
use crate::record::{Check, Verdict};
use crate::report::Summary;

/// A JumpCloud capability, as the admin console names it. Which steps and
/// rules belong to it is data: adding a capability is one entry here.
#[derive(Debug)]
pub struct Capability {
    pub id: &'static str,
    pub name: &'static str,
    /// What the admin does that this covers.
    pub covers: &'static str,
    /// The step kinds (`scenario::STEPS` names) whose findings are its own.
    pub steps: &'static [&'static str],
    /// Rules that are its own whichever step met them (read-back and
    /// `verify`'s probes): `rule`, or `rule PART` for the rule on a request
    /// whose kind contains PART (`delete-then-404 /Users`).
    pub rules: &'static [&'static str],
}

/// Every capability, in the order the admin meets them.
pub const CAPABILITIES: &[Capability] = &[
    Capability {
        id: "test_connection",
        name: "Test Connection",
        covers: "Identity Management → Test Connection: the Base URL answers SCIM and the Token Key is checked",
        steps: &["test_connection"],
        rules: &[
            "test-connection-failed",
            "auth-401",
            "target-auth",
            "target-base-url",
            "target-redirect",
            "target-tls",
        ],
    },
    Capability {
        id: "activation",
        name: "Activation",
        covers: "Activate: the test user (create, full PUT, delete) and the test group",
        steps: &["activate", "rotate_token"],
        rules: &["activation-failed", "activation-test-email-exists"],
    },
    Capability {
        id: "user_provisioning",
        name: "User provisioning",
        covers: "binding users: create, link an existing user by lookup, attribute updates",
        steps: &["bind_user", "create_user", "update_user", "activate_user", "inbound"],
        rules: &[
            "filter-case-insensitive",
            "filter-eq-exact",
            "list-start-index",
            "readback-user",
            "readback-attribute",
        ],
    },
    Capability {
        id: "suspend_restore",
        name: "Suspend and restore",
        covers: "suspending a user and restoring access (active: false, then true)",
        steps: &["suspend_user", "unsuspend_user"],
        rules: &[],
    },
    Capability {
        id: "deprovisioning",
        name: "Deprovisioning",
        covers: "unbinding a user, deleting a user, deactivating the integration",
        steps: &["unbind_user", "delete_user", "deactivate_app"],
        rules: &["deleted-user-still-member", "delete-then-404 /Users"],
    },
    Capability {
        id: "group_management",
        name: "Group management",
        covers: "group create on bind, membership changes, rename, delete",
        steps: &[
            "bind_group",
            "unbind_group",
            "create_group",
            "rename_group",
            "delete_group",
            "add_to_group",
            "remove_from_group",
        ],
        rules: &[
            "readback-group-name",
            "readback-members",
            "echo-group-name",
            "echo-members",
            "create-drops-members",
            "delete-then-404 /Groups",
        ],
    },
];

/// The capability a step kind belongs to.
fn of_step(action: &str) -> Option<usize> {
    CAPABILITIES.iter().position(|c| c.steps.contains(&action))
}

const USERS: usize = 2;
const SUSPEND: usize = 3;
const GROUPS: usize = 5;

/// A check that asks for `active: true` the SP did not apply: restoring
/// access (unsuspend, or a user bound again), whichever step sent it.
fn restores(c: &Check) -> bool {
    let id = c.id.as_str();
    (id == "readback-active" || id == "echo-active")
        && (c.expected.as_ref().and_then(|e| e.get("active")) == Some(&serde_json::Value::Bool(true))
            || c.message.contains("sent \"active\": true"))
}

/// The capability a check belongs to: its rule when a capability claims
/// it, a restore, the kind of its step, and for `verify` (and raw requests)
/// the request it names (`/Groups`) or the step before it that changed
/// something.
pub(super) fn of_check(c: &Check, request: &str, steps: &[crate::report::StepResult]) -> usize {
    let claims = |r: &&str| match r.split_once(' ') {
        Some((rule, part)) => rule == c.id.as_str() && request.contains(part),
        None => *r == c.id.as_str(),
    };
    if let Some(i) = CAPABILITIES.iter().position(|cap| cap.rules.iter().any(claims)) {
        return i;
    }
    if restores(c) {
        return SUSPEND;
    }
    let action = steps.iter().find(|s| s.step == c.step).map_or("", |s| s.action.as_str());
    if let Some(i) = of_step(action) {
        return i;
    }
    if request.contains("/Groups") {
        return GROUPS;
    }
    steps.iter().filter(|s| s.step < c.step).rev().find_map(|s| of_step(&s.action)).unwrap_or(USERS)
}

/// One scenario's run as readiness reads it.
pub(crate) struct ScenarioRun {
    pub(crate) summary: Summary,
    /// The run directory relative to the readiness directory.
    pub(crate) rel: String,
}

/// Causes, keyed like the run's root causes: rule and request.
#[derive(Default)]
struct Causes(Vec<Cause>);

const MAX_LINKS: usize = 5;

impl Causes {
    fn add(&mut self, c: &Check, request: &str, run: &ScenarioRun, step_title: &str) {
        let severity = if c.verdict == Verdict::Fail { "error" } else { "warning" };
        let href = match c.exchange {
            Some(x) => format!("{}/report.html#x-{x}", run.rel),
            None => format!("{}/report.html#s-{}", run.rel, c.step),
        };
        let link = Link { scenario: run.summary.scenario.clone(), step: c.step, exchange: c.exchange, href };
        if let Some(k) = self.0.iter_mut().find(|k| k.rule == c.id.as_str() && k.request == request) {
            k.occurrences += 1;
            if severity == "error" {
                k.severity = severity.into();
            }
            if k.links.len() < MAX_LINKS {
                k.links.push(link);
            }
            return;
        }
        let rule = c.id.rule();
        self.0.push(Cause {
            rule: c.id.as_str().to_string(),
            severity: severity.into(),
            request: request.to_string(),
            title: rule.map_or_else(|| step_title.to_string(), |r| r.title.to_string()),
            example: c.message.clone(),
            admin_sees: c.admin_sees.clone().or_else(|| rule.map(|r| r.jumpcloud.to_string())).unwrap_or_default(),
            fix: c.fix.clone().or_else(|| rule.map(|r| r.fix.to_string())).unwrap_or_default(),
            rfc: rule.map_or("", |r| r.rfc).to_string(),
            occurrences: 1,
            links: vec![link],
        });
    }

    fn sorted(mut self) -> Vec<Cause> {
        // Errors first, then the most frequent; stable otherwise (order met).
        self.0.sort_by_key(|c| (c.severity != "error", std::cmp::Reverse(c.occurrences)));
        self.0
    }
}

/// Every capability's report from the scenario runs and the compat rows.
/// Long on purpose: one pass over every step and check of every run fills
/// the causes and the coverage of all six capabilities at once.
pub(super) fn capabilities(
    runs: &[ScenarioRun],
    compat: &[CompatRow],
    extra: &[(usize, Cause)],
) -> Vec<CapabilityReport> {
    let n = CAPABILITIES.len();
    let mut causes: Vec<Causes> = (0..n).map(|_| Causes::default()).collect();
    let mut coverage: Vec<Coverage> = vec![Coverage::default(); n];
    for run in runs {
        let steps = &run.summary.steps;
        let mut touched: Vec<Vec<String>> = vec![Vec::new(); n];
        for s in steps {
            let cap = of_step(&s.action);
            if let Some(i) = cap {
                match s.verdict {
                    // A step that sent nothing (group management off, a
                    // STAGED user) proves nothing about the SP.
                    Verdict::Pass | Verdict::Info if s.exchanges == 0 => coverage[i]
                        .not_exercised
                        .push(format!("{}, step {} ({}): sent nothing", run.summary.scenario, s.step, s.title)),
                    Verdict::Skip => coverage[i].not_exercised.push(format!(
                        "{}, step {} ({}): {}",
                        run.summary.scenario,
                        s.step,
                        s.title,
                        s.reason.as_deref().unwrap_or("skipped")
                    )),
                    v => {
                        coverage[i].steps_run += 1;
                        coverage[i].steps_passed += usize::from(matches!(v, Verdict::Pass | Verdict::Info));
                        touched[i].push(format!("step {}: {}", s.step, s.title));
                    }
                }
            }
            let mut counted = false;
            for c in s.checks.iter().filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Warn)) {
                let request =
                    c.exchange.and_then(|x| run.summary.requests.get(&x).cloned()).unwrap_or_else(|| s.action.clone());
                let i = of_check(c, &request, steps);
                causes[i].add(c, &request, run, &s.title);
                counted = true;
            }
            if s.verdict == Verdict::Fail && !counted {
                // A failed step without a failed check: its reason is the cause.
                let c = Check {
                    step: s.step,
                    id: crate::rules::CheckId::RequestStatus,
                    verdict: Verdict::Fail,
                    message: s.reason.clone().unwrap_or_else(|| "the step failed".into()),
                    admin_sees: None,
                    fix: None,
                    exchange: None,
                    expected: None,
                    actual: None,
                };
                let i = cap.unwrap_or_else(|| of_check(&c, &s.action, steps));
                causes[i].add(&c, &s.action, run, &s.title);
            }
        }
        for (i, t) in touched.into_iter().enumerate().filter(|(_, t)| !t.is_empty()) {
            coverage[i].scenarios.push(ScenarioCoverage {
                scenario: run.summary.scenario.clone(),
                file: run.summary.file.clone(),
                steps: t,
                report: format!("{}/report.html", run.rel),
            });
        }
    }
    for (i, c) in extra {
        if let Some(k) = causes.get_mut(*i) {
            k.0.push(c.clone());
        }
    }
    let mut out = Vec::new();
    for (i, (cap, (causes, coverage))) in CAPABILITIES.iter().zip(causes.into_iter().zip(coverage)).enumerate() {
        let causes = causes.sorted();
        let risks: Vec<&CompatRow> = compat
            .iter()
            .filter(|r| r.capability == cap.id && matches!(r.verdict.as_str(), "at risk" | "broken"))
            .collect();
        let errors = causes.iter().filter(|c| c.severity == "error").count();
        let warnings = causes.len() - errors;
        let broken = risks.iter().any(|r| r.verdict == "broken");
        let verdict = if errors > 0 || broken {
            Level::NotReady
        } else if warnings > 0 || !risks.is_empty() || coverage.steps_run == 0 {
            Level::AtRisk
        } else {
            Level::Ready
        };
        let summary = summary_line(&causes, &risks, &coverage, errors, warnings);
        let _ = i;
        out.push(CapabilityReport {
            id: cap.id.into(),
            name: cap.name.into(),
            covers: cap.covers.into(),
            verdict,
            summary,
            causes,
            compat_risks: risks.iter().map(|r| r.knob.clone()).collect(),
            coverage,
        });
    }
    out
}

/// Why the verdict, in one line.
fn summary_line(causes: &[Cause], risks: &[&CompatRow], cov: &Coverage, errors: usize, warnings: usize) -> String {
    if cov.steps_run == 0 && causes.is_empty() {
        return match cov.not_exercised.first() {
            Some(why) => format!("not exercised: {why}"),
            None => "not exercised by the suite".into(),
        };
    }
    let mut parts = Vec::new();
    if let Some(first) = causes.first() {
        parts.push(format!("{} on {}", first.rule, first.request));
    }
    if errors + warnings > 1 {
        parts.push(format!("{} causes in all ({errors} error, {warnings} warning)", errors + warnings));
    }
    for r in risks {
        parts.push(format!("`{}` ({}) {}: {}", r.knob, r.evidence, r.verdict, r.summary));
    }
    if parts.is_empty() && cov.steps_passed < cov.steps_run {
        format!(
            "{} of {} steps passed; what failed the others belongs to another capability",
            cov.steps_passed, cov.steps_run
        )
    } else if parts.is_empty() {
        format!("{} of {} steps passed, nothing found", cov.steps_passed, cov.steps_run)
    } else {
        parts.join("; ")
    }
}

/// The capability of a step kind (`user_provisioning` when none claims it):
/// a compat knob falls under the step its probe exercises.
pub(super) fn of_step_kind(step: &str) -> &'static str {
    of_step(step).map_or("user_provisioning", |i| CAPABILITIES[i].id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_kind_belongs_to_at_most_one_capability_and_every_rule_exists() {
        for s in crate::scenario::STEPS {
            let n = CAPABILITIES.iter().filter(|c| c.steps.contains(&s.name)).count();
            assert!(n <= 1, "{} is in {n} capabilities", s.name);
        }
        for c in CAPABILITIES {
            for s in c.steps {
                assert!(crate::scenario::STEPS.iter().any(|x| x.name == *s), "{}: no step {s}", c.id);
            }
            for r in c.rules {
                let r = r.split(' ').next().unwrap_or_default();
                assert!(crate::rules::rule_by_id(r).is_some(), "{}: no rule {r}", c.id);
            }
        }
        assert_eq!(CAPABILITIES[USERS].id, "user_provisioning");
        assert_eq!(CAPABILITIES[SUSPEND].id, "suspend_restore");
        assert_eq!(CAPABILITIES[GROUPS].id, "group_management");
    }

    #[test]
    fn a_step_kind_names_its_capability() {
        assert_eq!(of_step_kind("remove_from_group"), "group_management");
        assert_eq!(of_step_kind("test_connection"), "test_connection");
        assert_eq!(of_step_kind("delete_user"), "deprovisioning");
        assert!(CAPABILITIES.iter().any(|c| c.id == of_step_kind("no_such_step")));
    }
}
