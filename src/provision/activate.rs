//! Test Connection, Activate (the test user and test group cycle) and Deactivate.

use super::body;
use super::{
    GroupUpdateMethod, Insight, Method, OnDeactivate, Provisioner, ScimOp, TestConnection, TestGroupUpdate, Transport,
};
use super::{first_resource, resource_id, send_ok};
use crate::check::Finding;
use crate::check::RuleId;
use crate::directory::{Directory, JcId};
use crate::scim::filter_string;

impl Provisioner {
    /// Identity Management → Test Connection [U: knob `test_connection`].
    pub async fn test_connection<T: Transport>(&mut self, dir: &Directory, t: &T) -> Vec<Finding> {
        let what = "Test Connection";
        let op_for = |form: TestConnection| match form {
            TestConnection::UsersList => {
                ScimOp::new(Insight::TestConnection, Method::Get, "/Users", "Test Connection: list one user")
                    .query("startIndex", "1")
                    .query("count", "1")
            }
            TestConnection::ServiceProviderConfig => ScimOp::new(
                Insight::TestConnection,
                Method::Get,
                "/ServiceProviderConfig",
                "Test Connection: read ServiceProviderConfig",
            ),
            TestConnection::UsersFilter => {
                let filter = format!("userName eq {}", filter_string(&dir.app.test_user_email));
                ScimOp::new(
                    Insight::TestConnection,
                    Method::Get,
                    "/Users",
                    "Test Connection: look up the test user email",
                )
                .query("filter", &filter)
            }
        };
        let b = &self.behaviour;
        let sent = super::probe::send_form(t, b, op_for(b.test_connection), what, |form| Some(op_for(form))).await;
        let (reply, form) = match sent {
            Ok((r, other)) => (r, other.unwrap_or(b.test_connection)),
            Err(f) => return vec![connection_failed(f)],
        };
        match form {
            TestConnection::ServiceProviderConfig => {
                if reply.body.as_ref().is_some_and(|b| b.is_object()) {
                    Vec::new()
                } else {
                    vec![connection_failed(
                        crate::check::finding(
                            RuleId::TestConnectionFailed,
                            "Test Connection: the answer is not a JSON object",
                        )
                        .exchange(reply.exchange),
                    )]
                }
            }
            TestConnection::UsersList => match first_resource(&reply, what) {
                Ok(_) => Vec::new(),
                Err(f) => vec![connection_failed(f)],
            },
            TestConnection::UsersFilter => match first_resource(&reply, what) {
                Ok(None) => Vec::new(),
                Ok(Some(_)) => vec![test_email_taken(&dir.app.test_user_email, reply.exchange)],
                Err(f) => vec![connection_failed(f)],
            },
        }
    }

    /// Identity Management → Activate [C]: create, update and delete a test
    /// user (and a test group when group management is on). Any failure leaves
    /// the integration inactive. On success, bound users and groups are synced.
    pub async fn activate<T: Transport>(&mut self, dir: &mut Directory, email: Option<&str>, t: &T) -> Vec<Finding> {
        self.follow_app(dir);
        let email = email.unwrap_or(&dir.app.test_user_email).to_string();
        let mut findings = match self.test_cycle(dir, &email, t).await {
            Ok(warnings) => warnings,
            Err(f) => return vec![f],
        };
        dir.app.active = true;
        findings.extend(self.sync(dir, t).await);
        findings
    }

    /// A new test user email for a re-activation: JumpCloud asks for a new,
    /// unused one [C]. `base` with a seed-derived `+tag` (`jc-test+1a2b3c4d@…`).
    pub fn fresh_test_email(&mut self, base: &str) -> String {
        let tag: String = self.ids.next_id().chars().take(8).collect();
        let (local, domain) = base.rsplit_once('@').unwrap_or((base, "jumpcloud.com"));
        let local = local.split_once('+').map_or(local, |(l, _)| l);
        format!("{local}+{tag}@{domain}")
    }

    /// After a token rotation: does the old token still work? `GET
    /// /Users?startIndex=1&count=1` with it; either answer is an `info`.
    pub async fn probe_old_token<T: Transport>(&self, t: &T) -> Option<Finding> {
        let mut op = ScimOp::new(Insight::Probe, Method::Get, "/Users", "probe: does the old token still work?")
            .query("startIndex", "1")
            .query("count", "1")
            .expects_refusal();
        op.previous_credentials = true;
        let r = t.send(op).await.ok()?;
        let message = if r.is_success() {
            format!("the old token still works after the rotation (GET /Users answered {})", r.status)
        } else {
            format!("the old token no longer works after the rotation (GET /Users answered {})", r.status)
        };
        Some(crate::check::finding(RuleId::TokenRotation, message).exchange(r.exchange))
    }

    /// A test user body without the attributes the app excludes.
    fn excluding(&self, mut v: serde_json::Value) -> serde_json::Value {
        body::exclude(&mut v, &self.behaviour.excluded);
        v
    }

    async fn test_cycle<T: Transport>(&mut self, dir: &Directory, email: &str, t: &T) -> Result<Vec<Finding>, Finding> {
        let mut warnings = Vec::new();
        let external_id = self.ids.next_id();
        let create = ScimOp::new(Insight::UserCreate, Method::Post, "/Users", "Activate: create the test user")
            .body(self.excluding(body::test_user(email, &external_id)));
        let lookup = ScimOp::new(Insight::UserLookup, Method::Get, "/Users", "Activate: look up the test user")
            .query("filter", &format!("userName eq {}", crate::scim::filter_string(email)));
        let reply = match super::create(t, create, lookup, "Activate: create test user").await {
            Ok((r, None)) => r,
            // A 5xx after which the test user exists: the activation fails on it.
            Ok((_, Some(f))) => return Err(activation_failed(f)),
            Err(c) if c.status == Some(409) => return Err(test_email_taken(email, c.finding.exchange.unwrap_or(0))),
            Err(c) => return Err(activation_failed(c.finding)),
        };
        let sp_id = resource_id(&reply, "Activate: create test user").map_err(activation_failed)?;
        let path = format!("/Users/{sp_id}");
        let update = ScimOp::new(Insight::UserUpdate, Method::Put, &path, "Activate: update the test user")
            .body(self.excluding(body::test_user_put(email, &sp_id, true)));
        send_ok(t, update, "Activate: update test user").await.map_err(|f| {
            // The minimal PUT carries "emails": null [C]; a 400 here is almost always that null.
            if f.message.contains("HTTP 400") {
                let msg = format!("{} (the request carries \"emails\": null)", f.message);
                activation_failed(Finding { id: RuleId::PutNull.into(), message: msg, ..f })
            } else {
                activation_failed(f)
            }
        })?;
        let delete = ScimOp::new(Insight::UserDelete, Method::Delete, &path, "Activate: delete the test user");
        match t.send(delete).await {
            Ok(r) if r.is_success() => {}
            Ok(r) if r.status == 405 || r.status == 501 => {
                // JumpCloud falls back to deactivating the test user [C].
                let deactivate = ScimOp::new(
                    Insight::UserDeprovision,
                    Method::Put,
                    &path,
                    "Activate: deactivate the test user (DELETE unsupported)",
                )
                .body(self.excluding(body::test_user_put(email, &sp_id, false)));
                let r2 = send_ok(t, deactivate, "Activate: deactivate test user").await.map_err(activation_failed)?;
                warnings.push(
                    crate::check::finding(RuleId::DeleteUnsupported, format!("the SP does not support DELETE /Users (HTTP {}); the test user {email} was deactivated instead", r.status))
                        .admin(format!("Activation succeeds, but the test user {email} stays in the application, deactivated; delete it there by hand."))
                        .exchange(r2.exchange),
                );
            }
            Ok(r) => {
                return Err(activation_failed(super::http_failure(
                    &r,
                    "Activate: delete test user",
                    Method::Delete,
                    &path,
                )));
            }
            Err(f) => {
                return Err(activation_failed(super::fault_finding(&f, "Activate: delete test user")));
            }
        }
        if dir.app.group_management {
            self.test_group_cycle(t).await.map_err(activation_failed)?;
        }
        Ok(warnings)
    }

    async fn test_group_cycle<T: Transport>(&mut self, t: &T) -> Result<(), Finding> {
        let name = self.behaviour.test_group_name.clone();
        let lookup = ScimOp::new(Insight::GroupLookup, Method::Get, "/Groups", "Activate: look up the test group")
            .query("filter", &format!("displayName eq {}", crate::scim::filter_string(&name)));
        // Created without members (knob `empty_group_members`).
        let (label, what) = ("Activate: create the test group", "Activate: create test group");
        let reply = match super::create_group(t, &self.behaviour, (&name, &[]), label, lookup, what).await? {
            (r, None) => r,
            (_, Some(f)) => return Err(f),
        };
        let sp_id = resource_id(&reply, "Activate: create test group")?;
        let path = format!("/Groups/{sp_id}");
        // The update's bodies are unknown [U]: knob `test_group_update`.
        let updated = match self.behaviour.test_group_update {
            TestGroupUpdate::SameName => name.clone(),
            TestGroupUpdate::Rename => format!("{name} (updated)"),
        };
        let empty = self.behaviour.empty_group_members;
        let op_for = |form: GroupUpdateMethod| match body::rename_patch(&updated, form) {
            Some(patch) => {
                ScimOp::new(Insight::GroupUpdate, Method::Patch, &path, "Activate: update the test group").body(patch)
            }
            None => ScimOp::new(Insight::GroupUpdate, Method::Put, &path, "Activate: update the test group")
                .body_text(body::group_put(&sp_id, &updated, &[], empty)),
        };
        let b = &self.behaviour;
        let op = op_for(b.group_update_method);
        super::probe::send_form(t, b, op, "Activate: update test group", |form| Some(op_for(form))).await?;
        let delete = ScimOp::new(Insight::GroupDelete, Method::Delete, &path, "Activate: delete the test group");
        send_ok(t, delete, "Activate: delete test group").await?;
        Ok(())
    }

    /// Identity Management → Deactivate [U: knob `on_deactivate`].
    pub async fn deactivate<T: Transport>(&mut self, dir: &mut Directory, t: &T) -> Vec<Finding> {
        self.follow_app(dir);
        dir.app.active = false;
        let mut findings = Vec::new();
        if self.behaviour.on_deactivate == OnDeactivate::DeprovisionUsers {
            let ids: Vec<JcId> = self.users.iter().filter(|(_, l)| l.active).map(|(id, _)| id.clone()).collect();
            for id in ids {
                if let Some(user) = dir.user_by_id(&id).map(std::borrow::Cow::into_owned)
                    && let Err(f) = self.update_user(&user, false, t).await
                {
                    findings.push(f);
                }
            }
        }
        findings
    }
}

/// Test Connection failed: the rule is `test-connection-failed`; the cause
/// stays in the message and the admin text.
fn connection_failed(f: Finding) -> Finding {
    // A configuration mistake keeps its own rule, advice and admin symptom.
    if f.id.is_one_of(CONFIGURATION) {
        return f;
    }
    let cause = f.admin_sees.clone().unwrap_or_default();
    let base = crate::check::finding(RuleId::TestConnectionFailed, f.message);
    let admin = format!("{} {cause}", base.admin_sees.clone().unwrap_or_default());
    Finding { exchange: f.exchange, ..base }.admin(admin.trim().to_string())
}

/// Rules for mistakes in jcsim's or the admin's configuration, not the SP's code.
const CONFIGURATION: &[RuleId] =
    &[RuleId::TargetAuth, RuleId::TargetBaseUrl, RuleId::TargetRedirect, RuleId::TargetTls];

/// Activation failed. A cause with a rule of its own (a numeric id, a missing
/// body, a rejected null) keeps its rule; anything else is `activation-failed`.
fn activation_failed(f: Finding) -> Finding {
    const SPECIFIC: &[RuleId] = &[RuleId::IdString, RuleId::CreateBody, RuleId::PutNull, RuleId::ListResponse];
    let cause = f.admin_sees.clone().unwrap_or_default();
    if f.id.is_one_of(CONFIGURATION) {
        return f;
    }
    let id = if f.id.is_one_of(SPECIFIC) { f.id } else { RuleId::ActivationFailed.into() };
    let fix = id.rule().map(|r| r.fix.to_string());
    Finding { id, fix: fix.or(f.fix.clone()), ..f }
        .admin(format!("Activation fails and the integration stays inactive. {cause}").trim().to_string())
}

fn test_email_taken(email: &str, exchange: u64) -> Finding {
    crate::check::finding(
        RuleId::ActivationTestEmailExists,
        format!("the test user email {email} already exists at the SP"),
    )
    .exchange(exchange)
}
