//! Knob-aware sending. Where a request's form comes from an inferred or
//! unknown knob and the SP rejects it, the same operation is retried in the
//! knob's other plausible forms, labelled as probes. The SP's answers become
//! a `compat-risk` finding: a warning when another form works (the model
//! follows it, as the SP now holds the change), an error when none does.

use super::{Behaviour, Reply, ScimOp, Transport, fault_finding, http_failure};
use crate::check::{Finding, RuleId, Severity};
use crate::knobs::{Evidence, Form, Knob, KnobId};

/// The status codes with which SPs refuse a request form they do not
/// understand (400, 405, 422, 501) or crash on it (500). Auth, missing
/// resources, conflicts and rate limits say nothing about the form.
pub(crate) fn form_refused(status: u16) -> bool {
    matches!(status, 400 | 405 | 415 | 422 | 500 | 501)
}

/// Send `op`, built in `b`'s form of the knob `F`. `alternative(form)`
/// builds the same operation in another form (`None`: not expressible).
/// Returns the reply and, when another form got it, that form. The success
/// path (every request of a healthy sync) costs nothing beyond the send.
pub(crate) async fn send_form<T: Transport, F: Form>(
    t: &T,
    b: &Behaviour,
    op: ScimOp,
    what: &str,
    alternative: impl Fn(F) -> Option<ScimOp>,
) -> Result<(Reply, Option<F>), Finding> {
    let (method, path, label) = (op.method, op.path.clone(), op.label.clone());
    let reply = match t.send(op).await {
        Ok(r) if r.is_success() => return Ok((r, None)),
        Ok(r) => r,
        Err(f) => return Err(fault_finding(&f, what)),
    };
    after_refusal(t, b, reply, (method, &path, &label), what, alternative).await
}

/// [`send_form`] after the SP answered `reply` (not a success) to the
/// request `(method, path, label)` in `b`'s form of the knob `F`.
pub(crate) async fn after_refusal<T: Transport, F: Form>(
    t: &T,
    b: &Behaviour,
    reply: Reply,
    (method, path, label): (super::Method, &str, &str),
    what: &str,
    alternative: impl Fn(F) -> Option<ScimOp>,
) -> Result<(Reply, Option<F>), Finding> {
    let current = F::of(b);
    let info = F::KNOB.info();
    let confirmed = info.status == Evidence::Confirmed && F::FORMS.first() == Some(&current);
    if !t.probes_forms() || confirmed || !form_refused(reply.status) {
        return Err(http_failure(&reply, what, method, path));
    }
    let knob = info.name;
    let mut refused = Vec::new();
    for &form in F::FORMS.iter().filter(|f| **f != current) {
        let Some(mut probe) = alternative(form) else {
            continue;
        };
        probe.label = format!("probe {knob}={}: {label}", form.as_str());
        probe.expects_refusal = true;
        probe.probe = true;
        match t.send(probe).await {
            Ok(r) if r.is_success() => {
                let warning = compat_risk(info, current.as_str(), &reply, &refused, Some(form.as_str()), what);
                t.note(warning);
                return Ok((r, Some(form)));
            }
            Ok(r) => refused.push(format!("`{}`: HTTP {}{}", form.as_str(), r.status, detail(&r))),
            Err(f) => refused.push(format!("`{}`: no response ({})", form.as_str(), f.kind)),
        }
    }
    Err(compat_risk(info, current.as_str(), &reply, &refused, None, what))
}

fn detail(r: &Reply) -> String {
    let d = r.detail();
    if d.is_empty() { String::new() } else { format!(" ({})", super::truncate(&d, 160)) }
}

/// The `compat-risk` finding for a rejected form: which form JumpCloud is
/// believed to send, its evidence, and which alternatives the SP took.
fn compat_risk(
    info: &Knob,
    current: &str,
    reply: &Reply,
    refused: &[String],
    accepted: Option<&str>,
    what: &str,
) -> Finding {
    let (knob, status) = (info.name, info.status.as_str());
    let default = info.forms.first().copied().unwrap_or(current);
    let believed = if current == default {
        format!("`{current}` is jcsim's default, the form JumpCloud is believed to send ({status})")
    } else {
        format!("`{current}` was chosen for this run; JumpCloud is believed to send `{default}` ({status})")
    };
    let others = if refused.is_empty() { String::new() } else { format!("; refused: {}", refused.join(", ")) };
    let outcome = match accepted {
        Some(form) => format!("the SP accepts `{form}`{others}"),
        None => format!("the SP accepts no other form{others}"),
    };
    let mut f = crate::check::finding(
        RuleId::CompatRisk,
        format!(
            "{what}: `{knob}`: the SP refused the `{current}` form with HTTP {}{}. {believed}; {outcome}",
            reply.status,
            detail(reply)
        ),
    )
    .exchange(reply.exchange);
    if accepted.is_none() {
        f.severity = Severity::Error;
    }
    f.fix(fix(info))
}

/// How to make an SP robust to a knob's forms.
fn fix(knob: &Knob) -> String {
    let how = match knob.id {
        KnobId::MemberRemoval => {
            "accept both member removals: RFC 7644 §3.5.2.2 selects members with a path filter (`members[value eq \"id\"]`), many IdPs send a value array (`path: members` with `value: [{value: id}]`)"
        }
        KnobId::UpdateMethod => {
            "accept a full PUT and PATCH replace operations, with and without a path (RFC 7644 §3.5.1, §3.5.2.3)"
        }
        KnobId::GroupUpdateMethod => {
            "accept a group rename as a PATCH replace with path `displayName`, as a PATCH replace without a path whose value is `{\"displayName\": …}` (RFC 7644 §3.5.2.3) and as a full PUT"
        }
        KnobId::UserDelete => "accept `DELETE /Users/{id}` and a PUT with `active: false`",
        KnobId::EmptyGroupMembers => {
            "accept a Group without a `members` attribute (RFC 7643 §4.2: `members` is optional) as well as `\"members\": []`"
        }
        KnobId::TestConnection => {
            "answer `GET /Users?startIndex=1&count=1`, `GET /Users?filter=…` and `GET /ServiceProviderConfig`"
        }
        _ => "accept every form listed for this knob in docs/knobs.md",
    };
    format!(
        "JumpCloud's form is not confirmed, so {how}. `jcsim compat` tries every form; `--behaviour {}=FORM` runs the suite with one.",
        knob.name
    )
}

/// Where a write was ignored: the read-back that showed it (`what`, its
/// exchange) and the resource's path.
pub(crate) struct Ignored<'a> {
    pub(crate) what: &'a str,
    pub(crate) path: &'a str,
    pub(crate) exchange: u64,
}

/// A write in an unconfirmed form that the SP answered with 2xx but did not
/// apply (the read-back differs): send the same change in each other form of
/// the knob `F` (labelled as a probe), read the resource at `path` again, and
/// `applied` tells whether it now holds the change. `Some(compat-risk
/// warning)` when another form took; `None` (the read-back finding stands)
/// when none did or the knob's form is confirmed.
pub(crate) async fn retry_ignored<T: Transport, F: Form>(
    t: &T,
    b: &Behaviour,
    at: Ignored<'_>,
    alternative: impl Fn(F) -> Option<ScimOp>,
    applied: impl Fn(&serde_json::Value) -> bool,
) -> Option<Finding> {
    let Ignored { what, path, exchange } = at;
    let info = F::KNOB.info();
    let (knob, current) = (info.name, F::of(b));
    if info.status == Evidence::Confirmed && F::FORMS.first() == Some(&current) {
        return None;
    }
    let current = current.as_str();
    let mut ignored = Vec::new();
    for &typed in F::FORMS.iter().filter(|f| f.as_str() != current) {
        let form = typed.as_str();
        let Some(mut probe) = alternative(typed) else { continue };
        probe.label = format!("probe {knob}={form}: {}", probe.label);
        probe.expects_refusal = true;
        probe.probe = true;
        match t.send(probe).await {
            Ok(r) if r.is_success() => {}
            Ok(r) => {
                ignored.push(format!("`{form}`: HTTP {}{}", r.status, detail(&r)));
                continue;
            }
            Err(f) => {
                ignored.push(format!("`{form}`: no response ({})", f.kind));
                continue;
            }
        }
        let read = ScimOp::new(
            crate::record::Insight::Verify,
            super::Method::Get,
            path,
            format!("probe {knob}={form}: read back"),
        );
        match t.send(read).await {
            Ok(r) if r.is_success() && r.body.as_ref().is_some_and(&applied) => {
                let status = info.status.as_str();
                let others =
                    if ignored.is_empty() { String::new() } else { format!("; also tried: {}", ignored.join(", ")) };
                let f = crate::check::finding(
                    RuleId::CompatRisk,
                    format!(
                        "{what}: `{knob}`: the SP acknowledged the `{current}` form but did not apply it (the read-back differs); JumpCloud is believed to send `{}` ({status}); the SP applies `{form}`{others}",
                        info.forms.first().copied().unwrap_or_default()
                    ),
                )
                .exchange(exchange);
                return Some(f.fix(fix(info)));
            }
            _ => ignored.push(format!("`{form}`: acknowledged, not applied either")),
        }
    }
    None
}
