//! Read-back verification: ask the SP for every resource JumpCloud has linked
//! and compare it with what JumpCloud believes it sent; then two conformance
//! probes (a wrong token must be refused, userName lookups ignore case).

use super::sync::member_ids;
use super::{Finding, Insight, LinkedGroup, LinkedUser, Method, Provisioner, ScimOp, Transport};
use crate::check::finding;
use crate::scim::filter_string;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Which resources to read back.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// SP ids; `None` means all.
    pub users: Option<BTreeSet<String>>,
    pub groups: Option<BTreeSet<String>>,
    /// Run the conformance probes too.
    pub probes: bool,
}

impl Scope {
    /// Everything, with probes (the `verify` step).
    pub fn all() -> Scope {
        Scope { users: None, groups: None, probes: true }
    }

    fn has_user(&self, id: &str) -> bool {
        self.users.as_ref().is_none_or(|s| s.contains(id))
    }

    fn has_group(&self, id: &str) -> bool {
        self.groups.as_ref().is_none_or(|s| s.contains(id))
    }
}

impl Provisioner {
    /// One finding per difference. Users: `userName` (case-insensitive),
    /// `active`, `displayName`. Groups: `displayName` and membership. Deleted
    /// resources must answer 404.
    pub async fn verify<T: Transport>(&self, t: &T, scope: &Scope) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut present = Vec::new();
        for link in self.users.values().filter(|l| scope.has_user(&l.sp_id)) {
            if verify_user(t, link, &mut out).await {
                present.push(link);
            }
        }
        for sp_id in self.deleted_users.iter().filter(|id| scope.has_user(id)) {
            gone(t, &format!("/Users/{sp_id}"), &format!("user {sp_id}"), &mut out).await;
        }
        for link in self.groups.values().filter(|l| scope.has_group(&l.sp_id)) {
            verify_group(t, link, &mut out).await;
        }
        for sp_id in self.deleted_groups.iter().filter(|id| scope.has_group(id)) {
            gone(t, &format!("/Groups/{sp_id}"), &format!("group {sp_id}"), &mut out).await;
        }
        if scope.probes {
            probes(t, &present, &mut out).await;
        }
        out
    }
}

/// A wrong token must be refused; a userName lookup in another case must find
/// a user that is known to be present.
async fn probes<T: Transport>(t: &T, present: &[&LinkedUser], out: &mut Vec<Finding>) {
    {
        let op = ScimOp::new(Insight::Probe, Method::Get, "/Users", "probe: a wrong token must be refused")
            .query("count", "1")
            .wrong_credentials();
        if let Ok(r) = t.send(op).await
            && r.is_success()
        {
            out.push(
                finding("auth-401", format!("GET /Users with a wrong token answered {} instead of 401", r.status))
                    .exchange(r.exchange),
            );
        }
        let Some(link) = present.iter().find(|l| user_name(l).chars().any(|c| c.is_ascii_lowercase())) else {
            return;
        };
        let shouted = user_name(link).to_ascii_uppercase();
        let op =
            ScimOp::new(Insight::Probe, Method::Get, "/Users", format!("probe: look up {shouted} (case-insensitive)"))
                .query("filter", &format!("userName eq {}", filter_string(&shouted)));
        if let Ok(r) = t.send(op).await
            && r.is_success()
        {
            let found = r.body.as_ref().and_then(|b| b.get("Resources")).and_then(Value::as_array).is_some_and(|rs| {
                rs.iter().any(|x| x.get("id").map(id_string).as_deref() == Some(link.sp_id.as_str()))
            });
            if !found {
                out.push(
                    finding(
                        "filter-case-insensitive",
                        format!(
                            "userName eq \"{shouted}\" did not find {} (stored as {})",
                            link.sp_id,
                            user_name(link)
                        ),
                    )
                    .exchange(r.exchange),
                );
            }
        }
    }
}

fn user_name(l: &LinkedUser) -> String {
    l.sent.user_name().unwrap_or_default().to_string()
}

fn id_string(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// Read a user back; false when it could not be read.
async fn verify_user<T: Transport>(t: &T, link: &LinkedUser, out: &mut Vec<Finding>) -> bool {
    let path = format!("/Users/{}", link.sp_id);
    let user_name = user_name(link);
    let Some((body, exchange)) = read(t, &path, &format!("read back user {user_name}"), out).await else {
        return false;
    };
    let actual_active = body.get("active").and_then(Value::as_bool).unwrap_or(true);
    if actual_active != link.active {
        let admin = if link.active {
            "The user shows as provisioned in JumpCloud but is inactive in the application."
        } else {
            "The user is deprovisioned in JumpCloud but can still sign in to the application."
        };
        out.push(
            finding(
                "readback-active",
                format!("user {user_name}: active is {actual_active} at the SP, JumpCloud sent {}", link.active),
            )
            .diff(json!({"active": link.active}), json!({"active": actual_active}))
            .admin(admin)
            .exchange(exchange),
        );
    }
    let actual_name = body.get("userName").and_then(Value::as_str).unwrap_or("");
    if !actual_name.eq_ignore_ascii_case(&user_name) {
        out.push(
            finding("readback-user", format!("user {user_name}: userName is {actual_name:?} at the SP"))
                .diff(json!({"userName": user_name}), json!({"userName": actual_name}))
                .exchange(exchange),
        );
    }
    if let Some(expected) = link.sent.display_name() {
        let actual = body.get("displayName").and_then(Value::as_str).unwrap_or("");
        if actual != expected {
            out.push(
                finding(
                    "readback-user",
                    format!("user {user_name}: displayName is {actual:?} at the SP, JumpCloud sent {expected:?}"),
                )
                .diff(json!({"displayName": expected}), json!({"displayName": actual}))
                .exchange(exchange),
            );
        }
    }
    true
}

async fn verify_group<T: Transport>(t: &T, link: &LinkedGroup, out: &mut Vec<Finding>) {
    let path = format!("/Groups/{}", link.sp_id);
    let Some((body, exchange)) = read(t, &path, &format!("read back group {}", link.display_name), out).await else {
        return;
    };
    let actual_name = body.get("displayName").and_then(Value::as_str).unwrap_or("");
    if actual_name != link.display_name {
        out.push(
            finding(
                "readback-group-name",
                format!("group {}: displayName is {actual_name:?} at the SP", link.display_name),
            )
            .diff(json!({"displayName": link.display_name}), json!({"displayName": actual_name}))
            .exchange(exchange),
        );
    }
    let expected: BTreeSet<String> = link.members.iter().cloned().collect();
    let actual: BTreeSet<String> = member_ids(&body).into_iter().collect();
    if expected != actual {
        let missing: Vec<&String> = expected.difference(&actual).collect();
        let extra: Vec<&String> = actual.difference(&expected).collect();
        out.push(
            finding(
                "readback-members",
                format!("group {}: members differ (missing {missing:?}, unexpected {extra:?})", link.display_name),
            )
            .diff(json!({"members": expected}), json!({"members": actual}))
            .exchange(exchange),
        );
    }
}

async fn read<T: Transport>(t: &T, path: &str, label: &str, out: &mut Vec<Finding>) -> Option<(Value, u64)> {
    let op = ScimOp::new(Insight::Verify, Method::Get, path, label);
    match t.send(op).await {
        Ok(r) if r.is_success() => match r.body {
            Some(b) if b.is_object() => Some((b, r.exchange)),
            _ => {
                out.push(
                    finding("readback-missing", format!("{label}: the SP's answer is not a JSON resource"))
                        .exchange(r.exchange),
                );
                None
            }
        },
        Ok(r) => {
            out.push(
                finding("readback-missing", format!("{label}: SP answered HTTP {}", r.status)).exchange(r.exchange),
            );
            None
        }
        Err(f) => {
            out.push(super::fault_finding(&f, label));
            None
        }
    }
}

async fn gone<T: Transport>(t: &T, path: &str, what: &str, out: &mut Vec<Finding>) {
    let op = ScimOp::new(Insight::Verify, Method::Get, path, format!("check {what} is gone"));
    match t.send(op).await {
        Ok(r) if r.status == 404 => {}
        Ok(r) => out.push(
            finding(
                "delete-then-404",
                format!("{what} was deleted by JumpCloud but the SP answers HTTP {} instead of 404", r.status),
            )
            .exchange(r.exchange),
        ),
        Err(f) => out.push(super::fault_finding(&f, what)),
    }
}
