//! One step: apply the admin action to the directory, let the provisioning
//! model send what JumpCloud sends, then judge the outcome against `expect`.

use super::summary::StepSummary;
use super::transport::Recording;
use super::{EngineError, ms};
use crate::check::{CheckId, ExpectKind, RuleId};
use crate::check::{Finding, Severity};
use crate::client::{AuthMode, OutRequest};
use crate::directory::{Directory, UserState};
use crate::provision::{Insight, Method, ScimOp};
use crate::provision::{Provisioner, Scope, Transport};
use crate::record::{Check, Event, Phase, StepFinished, StepStarted, Verdict};
use crate::scenario::{Action, Expect, Outcome, Step};
use std::time::Instant;

/// A create refused because an earlier run's leftover holds the name: say
/// so, with the command that removes it, instead of the SP-bug finding the
/// 409 got.
fn name_leftovers(findings: &mut Vec<Finding>, leftovers: &[(u64, String)], base_url: &str) {
    const REPLACED: &[RuleId] =
        &[RuleId::ActivationTestEmailExists, RuleId::ActivationFailed, RuleId::SpRejectedRequest];
    for (exchange, name) in leftovers {
        let tag = crate::names::tag_of(name).unwrap_or_default();
        let replaced = |id: CheckId| matches!(id, CheckId::Rule(r) if REPLACED.contains(&r));
        findings.retain(|f| !(f.exchange == Some(*exchange) && replaced(f.id)));
        findings.push(
            crate::check::finding(
                RuleId::LeftoverResource,
                format!("the SP already holds `{name}`, left by an earlier jcsim run with namespace {tag}"),
            )
            .fix(format!(
                "Remove that run's leftovers with `jcsim cleanup --target {base_url} --namespace {tag}` and this run's token flags, or let each run pick a fresh tag (--namespace auto, the default)."
            ))
            .exchange(*exchange),
        );
    }
}

/// Run one step. Long on purpose: start, apply to the directory, send,
/// read back, judge and finish are recorded in that order under one clock.
pub(super) async fn run_step(
    index: usize,
    step: &Step,
    dir: &mut Directory,
    prov: &mut Provisioner,
    ctx: &Recording<'_>,
    run_start: Instant,
    policy: &Policy,
) -> Result<StepSummary, EngineError> {
    let started = Instant::now();
    let title = step_title(step, &ctx.recorder.redactor());
    record(
        ctx,
        Event::StepStarted(StepStarted {
            step: index,
            action: step.action.name().to_string(),
            title: title.clone(),
            line: step.line,
            col: step.col,
            at_ms: started.saturating_duration_since(run_start).as_millis() as u64,
            phase: None,
        }),
    )?;

    let mut findings = match &step.action {
        Action::Request(r) => raw_request(r, ctx).await,
        Action::Inbound(r) => {
            // A status named by `expect` judges the answer there, unless the step
            // is expected to fail (then the refusal is the failure).
            let status_expected = r
                .expect
                .as_ref()
                .or(step.expect.as_ref())
                .is_some_and(|e| e.status.is_some() && e.outcome != Some(crate::scenario::Outcome::Fail));
            super::inbound::run(r, status_expected, dir, prov, ctx).await
        }
        Action::RotateToken(r) => rotate_token(r, dir, prov, ctx).await,
        action => act(action, dir, prov, ctx).await,
    };
    if policy.verify_each && !matches!(step.action, Action::Verify(_) | Action::Request(_) | Action::TestConnection) {
        // Read back what this step touched, so a silent failure shows where it happens.
        let touched = ctx.log();
        if !touched.touched_users.is_empty() || !touched.touched_groups.is_empty() {
            let scope = Scope {
                users: Some(touched.touched_users),
                groups: Some(touched.touched_groups),
                probes: false,
                ..Scope::all()
            };
            findings.extend(prov.verify(ctx, &scope).await);
        }
    }
    let log = ctx.log();
    let (expect, last_status) = match &step.action {
        Action::Request(r) => (r.expect.clone().or(step.expect.clone()), log.last_status),
        // `status` is the inbound API's answer, not the SP's.
        Action::Inbound(r) => (r.expect.clone().or(step.expect.clone()), log.inbound.as_ref().map(|r| r.status)),
        _ => (step.expect.clone(), log.last_status),
    };

    findings.extend(log.findings.iter().cloned());
    name_leftovers(&mut findings, &log.leftovers, &ctx.client.config().base_url);
    let mut judged = judge(index, dedupe(findings), expect.as_ref(), last_status, policy);
    // Keep the redacted form: the terminal summary is built from it.
    let mut checks = Vec::with_capacity(judged.checks.len());
    for check in judged.checks {
        if let Event::Check(c) = record(ctx, Event::Check(check))? {
            checks.push(c);
        }
    }
    judged.checks = checks;
    judged.reason = judged.reason.map(|r| ctx.recorder.redactor().text(&r));
    let duration = started.elapsed();
    record(
        ctx,
        Event::StepFinished(StepFinished {
            step: index,
            verdict: judged.verdict,
            duration_ms: ms(duration),
            reason: judged.reason.clone(),
        }),
    )?;
    Ok(StepSummary {
        index,
        title,
        verdict: judged.verdict,
        reason: judged.reason,
        checks: judged.checks,
        exchanges: log.exchanges,
        action_failed: judged.action_failed,
    })
}

/// The cleanup phase: DELETE every group, then every user, in `ledger`.
/// Never judged: its verdict is `info`, and a delete that fails is a note.
pub(super) async fn cleanup_step(
    index: usize,
    ledger: &super::transport::Ledger,
    ctx: &Recording<'_>,
    run_start: Instant,
) -> Result<StepSummary, EngineError> {
    let started = Instant::now();
    let (users, groups) = (ledger.users(), ledger.groups());
    let title = format!("cleanup: {} user(s), {} group(s) this run created", users.len(), groups.len());
    record(
        ctx,
        Event::StepStarted(StepStarted {
            step: index,
            action: "cleanup".to_string(),
            title: title.clone(),
            line: 0,
            col: 0,
            at_ms: started.saturating_duration_since(run_start).as_millis() as u64,
            phase: Some(Phase::Cleanup),
        }),
    )?;
    let targets = groups.iter().map(|id| ("Groups", "group", id)).chain(users.iter().map(|id| ("Users", "user", id)));
    let mut left = Vec::new();
    for (collection, what, id) in targets {
        // The id from the create's 201, as one path segment, never a path.
        let Some(segment) = crate::scim::url::path_segment(id) else {
            left.push(format!("{what} {id:?} (its id cannot be sent as one path segment)"));
            continue;
        };
        let op = ScimOp::new(
            Insight::Cleanup,
            Method::Delete,
            format!("/{collection}/{segment}"),
            format!("cleanup: delete {what} {id}"),
        );
        match ctx.send(op).await {
            Ok(r) if r.is_success() || r.status == 404 => {}
            Ok(r) => left.push(format!("{what} {id} (HTTP {})", r.status)),
            Err(f) => left.push(format!("{what} {id} ({})", f.message)),
        }
    }
    let message = if left.is_empty() {
        format!("removed {} user(s) and {} group(s) this run created", users.len(), groups.len())
    } else {
        format!("could not remove {}: delete them by hand or run `jcsim cleanup`", left.join(", "))
    };
    let check = Check { verdict: Verdict::Info, ..simple(index, CheckId::Cleanup, true, message.clone()) };
    // Keep the redacted form, as the terminal summary prints it.
    let check = match record(ctx, Event::Check(check.clone()))? {
        Event::Check(c) => c,
        _ => check,
    };
    let duration = started.elapsed();
    record(
        ctx,
        Event::StepFinished(StepFinished {
            step: index,
            verdict: Verdict::Info,
            duration_ms: ms(duration),
            reason: None,
        }),
    )?;
    let log = ctx.log();
    Ok(StepSummary {
        index,
        title,
        verdict: Verdict::Info,
        reason: None,
        checks: vec![check],
        exchanges: log.exchanges,
        action_failed: false,
    })
}

fn record(ctx: &Recording<'_>, ev: Event) -> Result<Event, EngineError> {
    ctx.recorder.record_redacted(ev).map_err(|e| EngineError::Record { dir: String::from("run directory"), source: e })
}

/// `rotate_token`: JumpCloud's ritual for a new token on an active
/// integration [C]: deactivate, enter the new token, activate again with a
/// new test email. Then an `info` says whether the old token still works
/// (the SP decides). The new token comes from `token_env`; without it the
/// embedded SP issues one and another SP gets its current token again.
async fn rotate_token(
    r: &crate::scenario::RotateToken,
    dir: &mut Directory,
    prov: &mut Provisioner,
    ctx: &Recording<'_>,
) -> Vec<Finding> {
    let secret = match (&r.token_env, ctx.embedded_sp) {
        (Some(var), _) => match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Some(v.trim().to_string()),
            _ => {
                return vec![Finding::error(
                    CheckId::Directory,
                    format!("rotate_token: `token_env: {var}` is not set"),
                )];
            }
        },
        (None, Some(_)) => Some(super::target::embedded_token()),
        (None, None) => None,
    };
    let mut findings = prov.deactivate(dir, ctx).await;
    if let Some(secret) = &secret {
        use crate::client::Credentials;
        let new = match ctx.client.credentials() {
            Some(Credentials::Header { name, .. }) => Credentials::Header { name, value: secret.clone() },
            _ => Credentials::Bearer(secret.clone()),
        };
        ctx.recorder.add_secret(new.header_name(), secret);
        if let Some(sp) = ctx.embedded_sp {
            sp.rotate_token(secret);
        }
        ctx.client.rotate(new);
    }
    let email = match &r.test_user_email {
        Some(e) => e.clone(),
        None => prov.fresh_test_email(&dir.app.test_user_email),
    };
    dir.app.test_user_email.clone_from(&email);
    findings.extend(prov.activate(dir, Some(&email), ctx).await);
    if secret.is_some() && dir.app.active {
        findings.extend(prov.probe_old_token(ctx).await);
    }
    findings
}

/// Apply the action and collect what the provisioning model found.
pub(super) async fn act<T: Transport>(
    action: &Action,
    dir: &mut Directory,
    prov: &mut Provisioner,
    t: &T,
) -> Vec<Finding> {
    let change = match action {
        Action::TestConnection => return prov.test_connection(dir, t).await,
        Action::Activate { test_user_email } => {
            return prov.activate(dir, test_user_email.as_deref(), t).await;
        }
        Action::DeactivateApp => return prov.deactivate(dir, t).await,
        // Needs the client: `run_step` runs it (`rotate_token`).
        Action::RotateToken(_) => return Vec::new(),
        Action::Verify(v) => {
            let mut scope = Scope::all();
            if !v.attributes.is_empty() {
                scope = scope.attributes(prov.expected_users(dir), &v.attributes);
            }
            return prov.verify(t, &scope).await;
        }
        // Raw requests bypass the model; `run_step` sends them itself.
        Action::Request(_) => return Vec::new(),
        Action::Inbound(r) => return super::inbound::apply(r, dir, prov, t).await,
        Action::CreateUser(u) => dir.create_user(u).map(|_| ()),
        Action::UpdateUser(u) => dir.update_user(&u.user, &u.set),
        Action::DeleteUser(n) => dir.delete_user(n).map(|_| ()),
        Action::SuspendUser(n) => dir.set_state(n, UserState::Suspended),
        Action::UnsuspendUser(n) | Action::ActivateUser(n) => dir.set_state(n, UserState::Activated),
        Action::BindUser(n) => dir.bind_user(n),
        Action::UnbindUser(n) => dir.unbind_user(n),
        Action::CreateGroup(g) => {
            dir.create_group(&g.name).and_then(|_| g.members.iter().try_for_each(|m| dir.add_member(m, &g.name)))
        }
        Action::RenameGroup(r) => dir.rename_group(&r.group, &r.to),
        Action::DeleteGroup(n) => dir.delete_group(n).map(|_| ()),
        Action::BindGroup(n) => dir.bind_group(n),
        Action::UnbindGroup(n) => dir.unbind_group(n),
        Action::AddToGroup(m) => dir.add_member(&m.user, &m.group),
        Action::RemoveFromGroup(m) => dir.remove_member(&m.user, &m.group),
    };
    match change {
        Ok(()) => prov.sync(dir, t).await,
        Err(e) => vec![Finding::error(CheckId::Directory, e.to_string())],
    }
}

async fn raw_request(r: &crate::scenario::RawRequest, t: &Recording<'_>) -> Vec<Finding> {
    let req = OutRequest {
        method: r.method.to_ascii_uppercase(),
        path_and_query: r.path.clone(),
        headers: r.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        body: r.body.clone().map(crate::client::Body::Json),
        raw_when_large: false,
        auth: if r.no_auth { AuthMode::None } else { AuthMode::Configured },
    };
    let label = format!("{} {}", req.method, req.path_and_query);
    match t.request(req, crate::provision::Insight::Raw.name(), &label).await {
        // The status is judged by `expect`; a raw request without one must succeed.
        Ok(a) if r.expect.as_ref().and_then(|e| e.status).is_some() || (200..300).contains(&a.status) => Vec::new(),
        Ok(a) => vec![
            Finding::error(CheckId::RequestStatus, format!("{label}: SP answered HTTP {}", a.status))
                .exchange(a.exchange),
        ],
        Err(n) => {
            let fault = crate::provision::Fault { kind: n.fault.kind, message: n.fault.message, exchange: n.exchange };
            vec![crate::provision::fault_finding(&fault, &label)]
        }
    }
}

struct Judged {
    verdict: Verdict,
    /// An error finding, expected or not.
    action_failed: bool,
    reason: Option<String>,
    checks: Vec<Check>,
}

/// How findings are judged beyond the step's own expectation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Policy {
    /// Warnings fail the step.
    pub(crate) strict: bool,
    /// Rules waived by the scenario, with the reason shown in reports.
    pub(crate) waivers: Vec<(CheckId, String)>,
    /// Read back the resources each step touched (`--verify-each`).
    pub(crate) verify_each: bool,
}

/// Turn findings into checks and apply the step's expectation and the policy.
fn judge(
    step: usize,
    findings: Vec<Finding>,
    expect: Option<&Expect>,
    last_status: Option<u16>,
    policy: &Policy,
) -> Judged {
    let expected_outcome = expect.and_then(|e| e.outcome).unwrap_or(Outcome::Pass);
    // Validated against the catalogue when the scenario was loaded.
    let expected_findings: Vec<CheckId> =
        expect.map_or(&[][..], |e| e.findings.as_slice()).iter().filter_map(|id| CheckId::parse(id)).collect();
    let errors: Vec<&Finding> = findings.iter().filter(|f| f.severity == Severity::Error).collect();
    let first_error = errors.first().map(|f| f.message.clone());
    let mut checks: Vec<Check> = findings
        .iter()
        .map(|f| {
            let waiver = policy.waivers.iter().find(|(id, _)| *id == f.id);
            let (verdict, message) = if let Some((_, reason)) = waiver {
                (Verdict::Pass, format!("waived ({reason}): {}", f.message))
            } else if expected_findings.contains(&f.id) {
                (Verdict::Pass, format!("{}{}", crate::record::EXPECTED_FINDING, f.message))
            } else {
                match (f.severity, expected_outcome) {
                    // The failure was the point of the step.
                    (Severity::Error, Outcome::Fail) => (Verdict::Pass, format!("expected failure: {}", f.message)),
                    (Severity::Error, Outcome::Pass) => (Verdict::Fail, f.message.clone()),
                    (Severity::Warning, _) if policy.strict => (Verdict::Fail, format!("{} (--strict)", f.message)),
                    (Severity::Warning, _) => (Verdict::Warn, f.message.clone()),
                    (Severity::Info, _) => (Verdict::Info, f.message.clone()),
                }
            };
            to_check(step, f, verdict, message)
        })
        .collect();
    let mut failures: Vec<String> =
        checks.iter().filter(|c| c.verdict == Verdict::Fail).map(|c| c.message.clone()).collect();
    let mut expectation = |kind: ExpectKind, ok: bool, message: String, checks: &mut Vec<Check>| {
        if !ok {
            failures.push(message.clone());
        }
        checks.push(simple(step, CheckId::Expect(kind), ok, message));
    };
    if expected_outcome == Outcome::Fail {
        let ok = !errors.is_empty();
        let message = match (ok, &first_error) {
            (true, Some(e)) => format!("the step failed as expected: {e}"),
            _ => "the step was expected to fail, but it succeeded".to_string(),
        };
        expectation(ExpectKind::Outcome, ok, message, &mut checks);
    }
    if let Some(status) = expect.and_then(|e| e.status) {
        let ok = last_status == Some(status);
        let actual = last_status.map_or("no response".to_string(), |s| format!("HTTP {s}"));
        expectation(
            ExpectKind::Status,
            ok,
            format!("expected HTTP {status} from the step's last response, got {actual}"),
            &mut checks,
        );
    }
    if let Some(needle) = expect.and_then(|e| e.reason_contains.as_deref()) {
        let ok = findings.iter().any(|f| f.message.contains(needle));
        expectation(ExpectKind::Reason, ok, format!("expected a failure reason containing {needle:?}"), &mut checks);
    }
    for id in expected_findings {
        let ok = findings.iter().any(|f| f.id == id);
        let message = if ok {
            format!("finding `{id}` reported as expected")
        } else {
            format!("expected finding `{id}`, which was not reported")
        };
        expectation(ExpectKind::Findings, ok, message, &mut checks);
    }
    let verdict = if failures.is_empty() { Verdict::Pass } else { Verdict::Fail };
    Judged { verdict, action_failed: !errors.is_empty(), reason: failures.into_iter().next(), checks }
}

/// Keep one finding per (rule, exchange): the model and the response rules
/// can both notice the same problem.
fn dedupe(findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen = std::collections::HashSet::new();
    findings.into_iter().filter(|f| f.exchange.is_none() || seen.insert((f.id, f.exchange))).collect()
}

fn to_check(step: usize, f: &Finding, verdict: Verdict, message: String) -> Check {
    Check {
        step,
        id: f.id,
        verdict,
        message,
        admin_sees: f.admin_sees.clone(),
        fix: f.fix.clone(),
        exchange: f.exchange,
        expected: f.expected.clone(),
        actual: f.actual.clone(),
    }
}

pub(super) fn simple(step: usize, id: CheckId, ok: bool, message: String) -> Check {
    Check {
        step,
        id,
        verdict: if ok { Verdict::Pass } else { Verdict::Fail },
        message,
        admin_sees: None,
        fix: None,
        exchange: None,
        expected: None,
        actual: None,
    }
}

/// A step's title as recorded: a label as written (redaction is for wire
/// data, `record::redact`), except a raw or inbound request's, whose title
/// is its method and path.
pub(super) fn step_title(step: &Step, redactor: &crate::record::Redactor) -> String {
    let title = step.action.title();
    match step.action {
        crate::scenario::Action::Request(_) | crate::scenario::Action::Inbound(_) => redactor.text(&title),
        _ => title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect(outcome: Option<Outcome>, status: Option<u16>) -> Expect {
        Expect { outcome, status, ..Expect::default() }
    }

    #[test]
    fn errors_fail_a_step_expected_to_pass() {
        let j = judge(0, vec![Finding::error(CheckId::Directory, "boom")], None, Some(500), &Policy::default());
        assert_eq!(j.verdict, Verdict::Fail);
        assert_eq!(j.reason.as_deref(), Some("boom"));
    }

    #[test]
    fn expected_failure_passes_and_success_fails() {
        let e = expect(Some(Outcome::Fail), Some(409));
        let j = judge(0, vec![Finding::error(CheckId::Directory, "taken")], Some(&e), Some(409), &Policy::default());
        assert_eq!(j.verdict, Verdict::Pass);
        let j = judge(0, vec![], Some(&e), Some(201), &Policy::default());
        assert_eq!(j.verdict, Verdict::Fail);
        assert_eq!(j.checks.iter().filter(|c| c.verdict == Verdict::Fail).count(), 2);
    }

    #[test]
    fn strict_turns_warnings_into_failures_and_waivers_pass() {
        let strict = Policy { strict: true, ..Policy::default() };
        let j = judge(0, vec![crate::check::finding(RuleId::ContentType, "ct")], None, Some(200), &strict);
        assert_eq!(j.verdict, Verdict::Fail);
        let waived =
            Policy { strict: true, waivers: vec![("content-type".into(), "legacy proxy".into())], verify_each: false };
        let j = judge(
            0,
            vec![crate::check::finding(RuleId::ContentType, "ct"), crate::check::finding(RuleId::IdString, "n")],
            None,
            Some(200),
            &waived,
        );
        assert_eq!(j.checks[0].verdict, Verdict::Pass);
        assert!(j.checks[0].message.starts_with("waived (legacy proxy)"));
        assert_eq!(j.verdict, Verdict::Fail, "only the waived rule is forgiven");
    }

    #[test]
    fn expected_findings_pass_and_missing_ones_fail() {
        let mut e = expect(None, None);
        e.findings = vec!["id-string".into()];
        let j =
            judge(0, vec![crate::check::finding(RuleId::IdString, "numeric")], Some(&e), Some(201), &Policy::default());
        assert_eq!(j.verdict, Verdict::Pass);
        let j = judge(0, vec![], Some(&e), Some(201), &Policy::default());
        assert_eq!(j.verdict, Verdict::Fail);
        assert_eq!(j.reason.as_deref(), Some("expected finding `id-string`, which was not reported"));
    }

    #[test]
    fn warnings_do_not_fail() {
        let j = judge(0, vec![crate::check::finding(RuleId::ContentType, "note")], None, Some(200), &Policy::default());
        assert_eq!(j.verdict, Verdict::Pass);
        assert_eq!(j.checks[0].verdict, Verdict::Warn);
    }
}
