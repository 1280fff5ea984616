//! Scenario steps: one admin action each, written as a bare name
//! (`- activate`) or a one-key map (`- bind_group: Engineering`), optionally
//! with `expect:` beside the action key.

use super::env::{expand, expand_opt};
use super::model::{GroupSpec, UserSpec};
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;

mod schema;

/// Every step name, for errors and suggestions.
pub const ACTIONS: &[&str] = &[
    "test_connection",
    "activate",
    "deactivate_app",
    "create_user",
    "update_user",
    "delete_user",
    "suspend_user",
    "unsuspend_user",
    "activate_user",
    "bind_user",
    "unbind_user",
    "create_group",
    "rename_group",
    "delete_group",
    "bind_group",
    "unbind_group",
    "add_to_group",
    "remove_from_group",
    "verify",
    "request",
    "inbound",
];

/// Keys allowed beside the action key of a step.
pub const STEP_KEYS: &[&str] = &["expect"];

/// One step of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub action: Action,
    pub expect: Option<Expect>,
    /// 1-based position of the step in the scenario file (set by the loader).
    pub line: usize,
    pub col: usize,
}

/// An admin action in the simulated JumpCloud console.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Identity Management → Test Connection.
    TestConnection,
    /// Identity Management → Activate (test user and test group cycle).
    Activate {
        test_user_email: Option<String>,
    },
    /// Identity Management → Deactivate.
    DeactivateApp,
    CreateUser(Box<UserSpec>),
    UpdateUser(Box<UpdateUser>),
    DeleteUser(String),
    SuspendUser(String),
    UnsuspendUser(String),
    /// STAGED → ACTIVATED.
    ActivateUser(String),
    BindUser(String),
    UnbindUser(String),
    CreateGroup(GroupSpec),
    RenameGroup(Rename),
    DeleteGroup(String),
    BindGroup(String),
    UnbindGroup(String),
    AddToGroup(Membership),
    RemoveFromGroup(Membership),
    /// Read the SP back and compare with what JumpCloud believes.
    Verify,
    /// A raw request, outside JumpCloud's behaviour.
    Request(RawRequest),
    /// An identity source (HRIS) calls JumpCloud's own SCIM API; JumpCloud
    /// then syncs the change to the application.
    Inbound(InboundRequest),
}

impl Action {
    /// The step name as written in a scenario.
    pub fn name(&self) -> &'static str {
        match self {
            Action::TestConnection => "test_connection",
            Action::Activate { .. } => "activate",
            Action::DeactivateApp => "deactivate_app",
            Action::CreateUser(_) => "create_user",
            Action::UpdateUser(_) => "update_user",
            Action::DeleteUser(_) => "delete_user",
            Action::SuspendUser(_) => "suspend_user",
            Action::UnsuspendUser(_) => "unsuspend_user",
            Action::ActivateUser(_) => "activate_user",
            Action::BindUser(_) => "bind_user",
            Action::UnbindUser(_) => "unbind_user",
            Action::CreateGroup(_) => "create_group",
            Action::RenameGroup(_) => "rename_group",
            Action::DeleteGroup(_) => "delete_group",
            Action::BindGroup(_) => "bind_group",
            Action::UnbindGroup(_) => "unbind_group",
            Action::AddToGroup(_) => "add_to_group",
            Action::RemoveFromGroup(_) => "remove_from_group",
            Action::Verify => "verify",
            Action::Request(_) => "request",
            Action::Inbound(_) => "inbound",
        }
    }

    /// A one-line summary such as `bind_group: Engineering`.
    pub fn title(&self) -> String {
        let arg = match self {
            Action::TestConnection | Action::DeactivateApp | Action::Verify => {
                return self.name().to_string();
            }
            Action::Activate { test_user_email: None } => return self.name().to_string(),
            Action::Activate { test_user_email: Some(e) } => e.clone(),
            Action::CreateUser(u) => u.username.clone().or(u.email.clone()).unwrap_or_default(),
            Action::UpdateUser(u) => u.user.clone(),
            Action::DeleteUser(s)
            | Action::SuspendUser(s)
            | Action::UnsuspendUser(s)
            | Action::ActivateUser(s)
            | Action::BindUser(s)
            | Action::UnbindUser(s)
            | Action::DeleteGroup(s)
            | Action::BindGroup(s)
            | Action::UnbindGroup(s) => s.clone(),
            Action::CreateGroup(g) => g.name.clone(),
            Action::RenameGroup(r) => format!("{} → {}", r.group, r.to),
            Action::AddToGroup(m) | Action::RemoveFromGroup(m) => {
                format!("{} ↔ {}", m.user, m.group)
            }
            Action::Request(r) => format!("{} {}", r.method, r.path),
            Action::Inbound(r) => format!("{} {}", r.method.to_ascii_uppercase(), r.path),
        };
        format!("{}: {}", self.name(), arg)
    }
}

/// `update_user: { user: alice, set: { job_title: CTO } }`
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// The user's `username`.
    #[serde(deserialize_with = "expand")]
    pub user: String,
    /// Attributes to change (user attributes only: not `username`,
    /// `generate`, `email_domain` or `groups`).
    pub set: UserSpec,
}

/// `rename_group: { group: Engineering, to: Platform }`
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    /// The group's current name.
    #[serde(deserialize_with = "expand")]
    pub group: String,
    /// The new name.
    #[serde(deserialize_with = "expand")]
    pub to: String,
}

/// `add_to_group: { user: bob, group: Engineering }`
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// The user's `username`.
    #[serde(deserialize_with = "expand")]
    pub user: String,
    /// The group's name.
    #[serde(deserialize_with = "expand")]
    pub group: String,
}

/// `activate: { test_user_email: other@jumpcloud.com }`
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ActivateArgs {
    /// The test user's email for this activation (default: the app's
    /// `test_user_email`).
    #[serde(default, deserialize_with = "expand_opt")]
    test_user_email: Option<String>,
}

/// A raw request relative to the SCIM base URL.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    /// HTTP method, e.g. `GET`.
    #[serde(deserialize_with = "expand")]
    pub method: String,
    /// Path after the base URL, with an optional query string (`/Users?count=1`).
    #[serde(deserialize_with = "expand")]
    pub path: String,
    /// Extra request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// JSON request body.
    #[serde(default)]
    pub body: Option<serde_json::Value>,
    /// Send without the target's credentials (to test 401 handling).
    #[serde(default)]
    pub no_auth: bool,
    /// What the request is expected to produce (or put `expect:` beside `request`).
    #[serde(default)]
    pub expect: Option<Expect>,
}

/// A request of an identity source to JumpCloud's SCIM API (`/scim/v2`),
/// applied in-process by the same handler as `jcsim serve`'s `/scim/v2`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundRequest {
    #[serde(deserialize_with = "expand")]
    pub method: String,
    /// Path below `/scim/v2`, with an optional query (`/Users?filter=…`).
    /// `{id:USERNAME}` stands for that user's JumpCloud id.
    #[serde(deserialize_with = "expand")]
    pub path: String,
    #[serde(default)]
    pub body: Option<serde_json::Value>,
    /// `status` is the inbound API's answer (not the SP's).
    #[serde(default)]
    pub expect: Option<Expect>,
}

/// What a step is expected to produce. Absent: the step must pass.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `pass` (default) or `fail`.
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// HTTP status of the step's last response.
    #[serde(default)]
    pub status: Option<u16>,
    /// A substring of the failure reason (with `outcome: fail`).
    #[serde(default)]
    pub reason_contains: Option<String>,
    /// Rule ids (see `jcsim rules`) the step must report. Expected findings
    /// do not fail the step.
    #[serde(default)]
    pub findings: Vec<String>,
}

/// Expected step outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The step must pass (the default).
    Pass,
    /// The step must fail; it passes only if it fails.
    Fail,
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StepVisitor)
    }
}

struct StepVisitor;

impl<'de> Visitor<'de> for StepVisitor {
    type Value = Step;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a step: a name such as `activate`, or a map such as `bind_group: Engineering`")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Step, E> {
        let action = unit_action(name).map_err(E::custom)?;
        Ok(Step { action, expect: None, line: 0, col: 0 })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Step, A::Error> {
        let mut action: Option<Action> = None;
        let mut expect: Option<Expect> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "expect" {
                if expect.is_some() {
                    return Err(de::Error::duplicate_field("expect"));
                }
                expect = Some(map.next_value()?);
                continue;
            }
            if !ACTIONS.contains(&key.as_str()) {
                return Err(de::Error::custom(unknown_step(&key)));
            }
            if let Some(prev) = &action {
                return Err(de::Error::custom(format!(
                    "a step has exactly one action, found `{}` and `{key}` (start a new step with `- `)",
                    prev.name()
                )));
            }
            action = Some(map.next_value_seed(ActionSeed(&key))?);
        }
        let action = action.ok_or_else(|| de::Error::custom("this step has no action (e.g. `- activate`)"))?;
        let inner = match &action {
            Action::Request(r) => r.expect.is_some(),
            Action::Inbound(r) => r.expect.is_some(),
            _ => false,
        };
        if inner && expect.is_some() {
            return Err(de::Error::custom(format!(
                "`expect` is given twice: inside `{}` and beside it",
                action.name()
            )));
        }
        Ok(Step { action, expect, line: 0, col: 0 })
    }
}

/// The error for an unknown step name.
pub fn unknown_step(name: &str) -> String {
    let mut msg = format!("unknown step `{name}`");
    if let Some(s) = super::suggest(name, ACTIONS.iter().copied().chain(STEP_KEYS.iter().copied())) {
        msg.push_str(&format!(", did you mean `{s}`?"));
    }
    msg
}

fn unit_action(name: &str) -> Result<Action, String> {
    match name {
        "test_connection" => Ok(Action::TestConnection),
        "activate" => Ok(Action::Activate { test_user_email: None }),
        "deactivate_app" => Ok(Action::DeactivateApp),
        "verify" => Ok(Action::Verify),
        other if ACTIONS.contains(&other) => Err(format!("step `{other}` needs a value, e.g. `{}`", example(other))),
        other => Err(unknown_step(other)),
    }
}

fn example(name: &str) -> &'static str {
    match name {
        "create_user" => "create_user: { username: carol, email: carol@example.com }",
        "update_user" => "update_user: { user: alice, set: { job_title: CTO } }",
        "rename_group" => "rename_group: { group: Engineering, to: Platform }",
        "add_to_group" => "add_to_group: { user: bob, group: Engineering }",
        "remove_from_group" => "remove_from_group: { user: bob, group: Engineering }",
        "create_group" => "create_group: { name: Sales, members: [alice] }",
        "request" => "request: { method: GET, path: /Users }",
        "inbound" => "inbound: { method: POST, path: /Users, body: {…} }",
        "bind_group" | "unbind_group" | "delete_group" => "bind_group: Engineering",
        _ => "suspend_user: alice",
    }
}

struct ActionSeed<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for ActionSeed<'_> {
    type Value = Action;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Action, D::Error> {
        let s = |d: D| expand(d);
        Ok(match self.0 {
            "test_connection" | "deactivate_app" | "verify" => {
                Option::<IgnoredAny>::deserialize(d)?
                    .map_or(Ok(()), |_| Err(de::Error::custom(format!("step `{}` takes no value", self.0))))?;
                unit_action(self.0).map_err(de::Error::custom)?
            }
            "activate" => {
                let args = Option::<ActivateArgs>::deserialize(d)?;
                Action::Activate { test_user_email: args.and_then(|a| a.test_user_email) }
            }
            "create_user" => Action::CreateUser(Box::new(UserSpec::deserialize(d)?)),
            "update_user" => Action::UpdateUser(Box::new(UpdateUser::deserialize(d)?)),
            "delete_user" => Action::DeleteUser(s(d)?),
            "suspend_user" => Action::SuspendUser(s(d)?),
            "unsuspend_user" => Action::UnsuspendUser(s(d)?),
            "activate_user" => Action::ActivateUser(s(d)?),
            "bind_user" => Action::BindUser(s(d)?),
            "unbind_user" => Action::UnbindUser(s(d)?),
            "create_group" => Action::CreateGroup(GroupSpec::deserialize(d)?),
            "rename_group" => Action::RenameGroup(Rename::deserialize(d)?),
            "delete_group" => Action::DeleteGroup(s(d)?),
            "bind_group" => Action::BindGroup(s(d)?),
            "unbind_group" => Action::UnbindGroup(s(d)?),
            "add_to_group" => Action::AddToGroup(Membership::deserialize(d)?),
            "remove_from_group" => Action::RemoveFromGroup(Membership::deserialize(d)?),
            "request" => Action::Request(RawRequest::deserialize(d)?),
            "inbound" => Action::Inbound(InboundRequest::deserialize(d)?),
            other => return Err(de::Error::custom(unknown_step(other))),
        })
    }
}
