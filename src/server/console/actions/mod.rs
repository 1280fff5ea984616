//! State-changing console actions. Each handler turns a form into an engine
//! `Action` and runs it with `Org::step` (one code path with `jcsim run`),
//! or, with `?preview=1`, answers the request plan from `engine::preview`.

use super::sessions::Visitor;
use super::state::{AuthType, Connection, ConsoleState};
use super::views::Flash;
use crate::directory::{UserState, attrs, check_email, check_username};
use crate::engine::Org;
use crate::engine::StepSummary;
use crate::engine::org::Applied;
use crate::record::Verdict;
use crate::scenario::{Action, AddressSpec, GroupSpec, Membership, Rename, UpdateUser, UserSpec, UserStateSpec};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::{Extension, Form};
use rand::SeedableRng;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeSet;

mod apps;
mod groups;
mod org;
mod users;

pub use apps::*;
pub use groups::*;
pub use org::*;
pub use users::*;

#[derive(Deserialize, Default)]
pub struct PreviewQuery {
    #[serde(default)]
    preview: Option<String>,
}

impl PreviewQuery {
    fn on(&self) -> bool {
        self.preview.is_some()
    }
}

fn back(state: &ConsoleState, v: &Visitor, to: &str, flash: Flash) -> Response {
    state.sessions().set_flash(&v.sid, flash);
    Redirect::to(to).into_response()
}

fn plan_json(title: String, plan: Vec<crate::engine::PlannedRequest>) -> Response {
    Json(json!({ "title": title, "plan": plan })).into_response()
}

/// Run `action` (or preview it) and come back to `to` with a banner.
async fn run(state: &ConsoleState, v: &Visitor, q: &PreviewQuery, action: Action, to: &str) -> Response {
    let mut core = state.core().await;
    if q.on() {
        let plan = core.preview(&action).await;
        return plan_json(action.title(), plan);
    }
    let flash = step_flash(&mut core, action).await;
    drop(core);
    back(state, v, to, flash)
}

async fn step_flash(core: &mut Org, action: Action) -> Flash {
    let label = action.clone();
    match core.step(action).await {
        Ok(summary) => banner(&label, &summary),
        Err(e) => {
            tracing::error!(error = %e, "console action failed");
            Flash::err("The action could not be recorded", Some(e.to_string()))
        }
    }
}

/// JumpCloud-style banner for a step's outcome.
fn banner(action: &Action, s: &StepSummary) -> Flash {
    let passed = s.verdict != Verdict::Fail;
    let sent = match s.exchanges {
        0 => "No SCIM requests were sent.".to_string(),
        1 => "1 SCIM request sent: see Directory Insights.".to_string(),
        n => format!("{n} SCIM requests sent: see Directory Insights."),
    };
    let mut flash = match (action, passed) {
        (Action::TestConnection, true) => Flash::ok("Connection successful", Some(sent)),
        (Action::TestConnection, false) => Flash::err("Connection failed", s.reason.clone()),
        (Action::Activate { .. }, true) => Flash::ok(
            "Identity Management activated",
            Some(format!("The activation test passed and provisioning is on. {sent}")),
        ),
        // JumpCloud's own words, with jcsim's cause under them.
        (Action::Activate { .. }, false) => Flash::err(
            "There was a problem activating identity management",
            Some(format!(
                "{} The integration stays inactive.",
                s.reason.clone().unwrap_or_else(|| "The activation test failed.".into())
            )),
        ),
        (Action::DeactivateApp, true) => Flash::ok("Identity Management deactivated", Some(sent)),
        (_, true) => Flash::ok(done_title(action), Some(sent)),
        (_, false) if s.checks.iter().any(|c| c.id == crate::rules::CheckId::Directory) => {
            Flash::err("The change was not saved", s.reason.clone())
        }
        (_, false) => Flash::err(format!("{}; provisioning error", done_title(action)), s.reason.clone()),
    };
    // Per check: what happened, what the admin would see, then the fix, in
    // the console's words.
    for c in &s.checks {
        if c.verdict == Verdict::Pass {
            continue;
        }
        if c.verdict == Verdict::Warn {
            flash.notes.push(format!("Warning: {}", c.message));
        }
        if let Some(a) = &c.admin_sees {
            flash.notes.push(format!("What the admin would see: {a}"));
        }
        if let Some(f) = console_fix(c) {
            flash.notes.push(format!("Fix: {f}"));
        }
    }
    flash
}

/// A check's fix as the console says it: advice that names `jcsim run`
/// flags is put in terms of the Identity Management form.
fn console_fix(c: &crate::record::Check) -> Option<String> {
    use crate::rules::{CheckId, RuleId};
    let words = match c.id {
        CheckId::Rule(RuleId::TargetAuth) => {
            "Check the Token Key and the Authentication type on the Identity Management tab: Bearer Token sends `Authorization: Bearer TOKEN`; SCIM API Key sends the token in the header you name."
        }
        CheckId::Rule(RuleId::TargetBaseUrl) => {
            "Set the Base URL to the SCIM root, the one /Users is appended to (often ending in /scim/v2)."
        }
        CheckId::Rule(RuleId::TargetTls) => {
            "Use the scheme the SP serves (http:// or https://) in the Base URL; the console trusts only publicly trusted certificates."
        }
        _ => return c.fix.clone(),
    };
    Some(words.to_string())
}

fn done_title(action: &Action) -> String {
    match action {
        Action::CreateUser(_) => "User created",
        Action::UpdateUser(_) => "User saved",
        Action::DeleteUser(_) => "User deleted",
        Action::SuspendUser(_) => "User suspended",
        Action::UnsuspendUser(_) | Action::ActivateUser(_) => "User activated",
        Action::BindUser(_) => "User bound to the application",
        Action::UnbindUser(_) => "User unbound from the application",
        Action::CreateGroup(_) => "User group created",
        Action::RenameGroup(_) => "User group renamed",
        Action::DeleteGroup(_) => "User group deleted",
        Action::BindGroup(_) => "User group bound to the application",
        Action::UnbindGroup(_) => "User group unbound from the application",
        Action::AddToGroup(_) => "Member added",
        Action::RemoveFromGroup(_) => "Member removed",
        _ => "Done",
    }
    .to_string()
}

// ---------- users ----------

async fn username_of(state: &ConsoleState, id: &str) -> Option<String> {
    let core = state.core().await;
    core.dir().user_by_id(id).map(|u| u.username.to_string())
}

async fn groupname_of(state: &ConsoleState, id: &str) -> Option<String> {
    let core = state.core().await;
    core.dir().group_by_id(id).map(|g| g.name.clone())
}

fn gone(state: &ConsoleState, v: &Visitor, what: &str, to: &str) -> Response {
    back(state, v, to, Flash::err(format!("No such {what}"), None))
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
pub struct UserRef {
    #[serde(default)]
    user: String,
}
