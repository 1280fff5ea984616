//! Read-back verification: ask the SP for every resource JumpCloud has linked
//! and compare it with what JumpCloud believes it sent.

use super::sync::member_ids;
use super::{Finding, Insight, Method, Provisioner, ScimOp, Transport};
use serde_json::{Value, json};
use std::collections::BTreeSet;

impl Provisioner {
    /// One finding per difference. Users: `userName` (case-insensitive),
    /// `active`, `displayName`. Groups: `displayName` and membership. Deleted
    /// resources must answer 404.
    pub async fn verify<T: Transport>(&self, t: &T) -> Vec<Finding> {
        let mut out = Vec::new();
        for link in self.users.values() {
            let path = format!("/Users/{}", link.sp_id);
            let user_name = link
                .sent
                .get("userName")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let label = format!("read back user {user_name}");
            let Some((body, exchange)) = read(t, &path, &label, &mut out).await else {
                continue;
            };
            let expected_active = link.active;
            let actual_active = body.get("active").and_then(Value::as_bool).unwrap_or(true);
            if actual_active != expected_active {
                out.push(drift("verify.user.active", &format!("user {user_name}: active is {actual_active} at the SP, JumpCloud sent {expected_active}"), exchange)
                    .diff(json!({"active": expected_active}), json!({"active": actual_active}))
                    .admin(if expected_active { "The user shows as provisioned but cannot sign in to the application." } else { "The user shows as deprovisioned in JumpCloud but can still sign in to the application." })
                    .fix("Apply `active` from every PUT/PATCH and echo the stored value back."));
            }
            let actual_name = body.get("userName").and_then(Value::as_str).unwrap_or("");
            if !actual_name.eq_ignore_ascii_case(&user_name) {
                out.push(
                    drift(
                        "verify.user.userName",
                        &format!("user {user_name}: userName is {actual_name:?} at the SP"),
                        exchange,
                    )
                    .diff(
                        json!({"userName": user_name}),
                        json!({"userName": actual_name}),
                    )
                    .fix("Store userName as sent."),
                );
            }
            if let Some(expected) = link.sent.get("displayName").and_then(Value::as_str) {
                let actual = body
                    .get("displayName")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if actual != expected {
                    out.push(drift("verify.user.displayName", &format!("user {user_name}: displayName is {actual:?} at the SP, JumpCloud sent {expected:?}"), exchange)
                        .diff(json!({"displayName": expected}), json!({"displayName": actual}))
                        .fix("Store displayName as sent by the latest PUT."));
                }
            }
        }
        for sp_id in &self.deleted_users {
            gone(
                t,
                &format!("/Users/{sp_id}"),
                &format!("user {sp_id}"),
                "verify.user.deleted",
                &mut out,
            )
            .await;
        }
        for link in self.groups.values() {
            let path = format!("/Groups/{}", link.sp_id);
            let label = format!("read back group {}", link.display_name);
            let Some((body, exchange)) = read(t, &path, &label, &mut out).await else {
                continue;
            };
            let actual_name = body
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or("");
            if actual_name != link.display_name {
                out.push(drift("verify.group.displayName", &format!("group {}: displayName is {actual_name:?} at the SP", link.display_name), exchange)
                    .diff(json!({"displayName": link.display_name}), json!({"displayName": actual_name}))
                    .admin("The group shows the new name in JumpCloud but the old one in the application.")
                    .fix("Apply PATCH `replace` on `displayName` (and PUT) to the stored group."));
            }
            let expected: BTreeSet<String> = link.members.iter().cloned().collect();
            let actual: BTreeSet<String> = member_ids(&body).into_iter().collect();
            if expected != actual {
                let missing: Vec<&String> = expected.difference(&actual).collect();
                let extra: Vec<&String> = actual.difference(&expected).collect();
                out.push(drift("verify.group.members", &format!("group {}: members differ (missing {missing:?}, unexpected {extra:?})", link.display_name), exchange)
                    .diff(json!({"members": expected}), json!({"members": actual}))
                    .admin("Group membership in the application does not match the JumpCloud user group; access is wrong for these users.")
                    .fix("Apply every PATCH `add`/`remove` on `members`, including `remove` with a `value` array and with a `members[value eq \"…\"]` path."));
            }
        }
        for sp_id in &self.deleted_groups {
            gone(
                t,
                &format!("/Groups/{sp_id}"),
                &format!("group {sp_id}"),
                "verify.group.deleted",
                &mut out,
            )
            .await;
        }
        out
    }
}

fn drift(id: &str, message: &str, exchange: u64) -> Finding {
    Finding::error(id, message.to_string()).exchange(exchange)
}

async fn read<T: Transport>(
    t: &T,
    path: &str,
    label: &str,
    out: &mut Vec<Finding>,
) -> Option<(Value, u64)> {
    let op = ScimOp::new(Insight::Verify, Method::Get, path, label);
    match t.send(op).await {
        Ok(r) if r.is_success() => match r.body {
            Some(b) if b.is_object() => Some((b, r.exchange)),
            _ => {
                out.push(drift(
                    "verify.read",
                    &format!("{label}: the SP's answer is not a JSON resource"),
                    r.exchange,
                ));
                None
            }
        },
        Ok(r) => {
            out.push(drift("verify.read", &format!("{label}: SP answered HTTP {}", r.status), r.exchange)
                .admin("JumpCloud believes this resource exists at the SP, but the SP cannot find it; later updates fail.")
                .fix("Keep resources until JumpCloud deletes them, and serve GET /{type}/{id} for every id you returned."));
            None
        }
        Err(f) => {
            out.push(super::fault_finding(&f, label));
            None
        }
    }
}

async fn gone<T: Transport>(t: &T, path: &str, what: &str, id: &str, out: &mut Vec<Finding>) {
    let op = ScimOp::new(
        Insight::Verify,
        Method::Get,
        path,
        format!("check {what} is gone"),
    );
    match t.send(op).await {
        Ok(r) if r.status == 404 => {}
        Ok(r) => out.push(
            drift(
                id,
                &format!(
                    "{what} was deleted by JumpCloud but the SP answers HTTP {} instead of 404",
                    r.status
                ),
                r.exchange,
            )
            .admin("The resource is deleted in JumpCloud but still present in the application.")
            .fix("Remove the resource on DELETE and answer 404 for it afterwards (RFC 7644 §3.6)."),
        ),
        Err(f) => out.push(super::fault_finding(&f, what)),
    }
}
