//! Scenario steps: one admin action each, written as a bare name
//! (`- activate`) or a one-key map (`- bind_group: Engineering`), optionally
//! with `expect:` beside the action key.

use super::env::{expand, expand_opt};
use super::model::{GroupSpec, UserSpec};
use schemars::JsonSchema;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

mod schema;

/// How a step's value is written, and the action it makes.
#[derive(Clone, Copy)]
pub(crate) enum Arg {
    /// No value: `- test_connection`.
    Unit(fn() -> Action),
    /// No value, or `{ attributes: [...] }` ([`VerifyArgs`]).
    Verify,
    /// No value, or `{ test_user_email }`: `- activate`.
    Activate,
    /// No value, or `{ token_env, test_user_email }` ([`RotateToken`]).
    RotateToken,
    /// A username: `- suspend_user: alice`.
    User(fn(String) -> Action),
    /// A group name: `- bind_group: Engineering`.
    Group(fn(String) -> Action),
    /// `{ user, group }`.
    Membership(fn(Membership) -> Action),
    /// A user's attributes ([`UserSpec`]).
    CreateUser,
    /// `{ user, set }`.
    UpdateUser,
    /// `{ name, members }`.
    CreateGroup,
    /// `{ group, to }`.
    RenameGroup,
    /// A raw request ([`RawRequest`]).
    Request,
    /// A request to JumpCloud's own API ([`InboundRequest`]).
    Inbound,
}

/// One step name: how it is written, an example, and what it does. The
/// deserializer, the JSON Schema, errors and suggestions all read [`STEPS`].
pub(crate) struct StepDef {
    pub(crate) name: &'static str,
    pub(crate) arg: Arg,
    /// A correct way to write it, quoted by errors.
    pub(crate) example: &'static str,
    /// What it does (editor hovers; docs/scenarios.md "Steps").
    pub(crate) description: &'static str,
}

const fn step(name: &'static str, arg: Arg, example: &'static str, description: &'static str) -> StepDef {
    StepDef { name, arg, example, description }
}

/// Every step, in the order the docs list them. Adding a step is an
/// [`Action`] variant, its `name()` arm, and one entry here.
pub(crate) const STEPS: &[StepDef] = &[
    step(
        "test_connection",
        Arg::Unit(|| Action::TestConnection),
        "test_connection",
        "Identity Management → Test Connection.",
    ),
    step(
        "activate",
        Arg::Activate,
        "activate: { test_user_email: other@jumpcloud.com }",
        "Identity Management → Activate: the test user (and, with group management, test group) cycle, then bound users and groups are synced. Optional `{ test_user_email }`.",
    ),
    step(
        "deactivate_app",
        Arg::Unit(|| Action::DeactivateApp),
        "deactivate_app",
        "Identity Management → Deactivate (knob `on_deactivate`).",
    ),
    step(
        "rotate_token",
        Arg::RotateToken,
        "rotate_token: { token_env: NEW_SCIM_TOKEN }",
        "Change the token of an active integration as JumpCloud requires: deactivate, enter the new token, activate again with a new test email (generated unless `test_user_email` is given); then an `info` says whether the old token still works. Without `token_env`, the embedded SP issues a new token and another SP gets its current token again.",
    ),
    step(
        "create_user",
        Arg::CreateUser,
        "create_user: { username: carol, email: carol@example.com }",
        "Create a JumpCloud user; nothing is sent until it is bound.",
    ),
    step(
        "update_user",
        Arg::UpdateUser,
        "update_user: { user: alice, set: { job_title: CTO } }",
        "Edit a user; a provisioned user gets a full PUT.",
    ),
    step(
        "delete_user",
        Arg::User(Action::DeleteUser),
        "delete_user: alice",
        "Delete a user: group memberships are removed, then DELETE /Users/{id}.",
    ),
    step(
        "suspend_user",
        Arg::User(Action::SuspendUser),
        "suspend_user: alice",
        "Suspend a user: PUT with `active: false`.",
    ),
    step(
        "unsuspend_user",
        Arg::User(Action::UnsuspendUser),
        "unsuspend_user: alice",
        "Unsuspend a user: PUT with `active: true`.",
    ),
    step(
        "activate_user",
        Arg::User(Action::ActivateUser),
        "activate_user: alice",
        "STAGED → ACTIVATED; provisions the user if bound.",
    ),
    step(
        "bind_user",
        Arg::User(Action::BindUser),
        "bind_user: alice",
        "Bind a user to the app: lookup, then create or update.",
    ),
    step(
        "unbind_user",
        Arg::User(Action::UnbindUser),
        "unbind_user: alice",
        "Unbind a user from the app: deprovisioned.",
    ),
    step("create_group", Arg::CreateGroup, "create_group: { name: Sales, members: [alice] }", "Create a user group."),
    step(
        "rename_group",
        Arg::RenameGroup,
        "rename_group: { group: Engineering, to: Platform }",
        "Rename a user group: PATCH `displayName`.",
    ),
    step(
        "delete_group",
        Arg::Group(Action::DeleteGroup),
        "delete_group: Engineering",
        "Delete a user group: DELETE /Groups/{id}.",
    ),
    step(
        "bind_group",
        Arg::Group(Action::BindGroup),
        "bind_group: Engineering",
        "Bind a user group: members provisioned, the group looked up and created or taken over.",
    ),
    step(
        "unbind_group",
        Arg::Group(Action::UnbindGroup),
        "unbind_group: Engineering",
        "Unbind a user group; it stays at the SP.",
    ),
    step(
        "add_to_group",
        Arg::Membership(Action::AddToGroup),
        "add_to_group: { user: bob, group: Engineering }",
        "Add a user to a group: PATCH `add` on `members`.",
    ),
    step(
        "remove_from_group",
        Arg::Membership(Action::RemoveFromGroup),
        "remove_from_group: { user: bob, group: Engineering }",
        "Remove a user from a group: PATCH `remove` on `members`.",
    ),
    step(
        "verify",
        Arg::Verify,
        "verify: { attributes: [job_title, department] }",
        "Read the SP back and report every difference from what JumpCloud believes. Optional `{ attributes: [...] }`: also check that each listed user attribute (`job_title`, `department`, `phone`, `street`, …) is returned as sent.",
    ),
    step(
        "request",
        Arg::Request,
        "request: { method: GET, path: /Users }",
        "A raw request relative to the SCIM base URL, outside JumpCloud's behaviour.",
    ),
    step(
        "inbound",
        Arg::Inbound,
        "inbound: { method: POST, path: /Users, body: {…} }",
        "An identity source's request to JumpCloud's own SCIM API (`/scim/v2`), applied in-process; the directory change then syncs to the app.",
    ),
];

/// The step called `name`.
pub(crate) fn step_def(name: &str) -> Option<&'static StepDef> {
    STEPS.iter().find(|d| d.name == name)
}

/// Every step name.
pub(crate) fn step_names() -> impl Iterator<Item = &'static str> + Clone {
    STEPS.iter().map(|d| d.name)
}

/// Keys allowed beside the action key of a step.
pub(crate) const STEP_KEYS: &[&str] = &["expect"];

/// One step of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub(crate) action: Action,
    pub(crate) expect: Option<Expect>,
    /// 1-based position of the step in the scenario file (set by the loader).
    pub(crate) line: usize,
    pub(crate) col: usize,
}

/// An admin action in the simulated JumpCloud console.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// Identity Management → Test Connection.
    TestConnection,
    /// Identity Management → Activate (test user and test group cycle).
    Activate {
        test_user_email: Option<String>,
    },
    /// Identity Management → Deactivate.
    DeactivateApp,
    /// Deactivate, enter a new token, activate again.
    RotateToken(RotateToken),
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
    Verify(VerifyArgs),
    /// A raw request, outside JumpCloud's behaviour.
    Request(RawRequest),
    /// An identity source (HRIS) calls JumpCloud's own SCIM API; JumpCloud
    /// then syncs the change to the application.
    Inbound(InboundRequest),
}

impl Action {
    /// The step name as written in a scenario.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Action::TestConnection => "test_connection",
            Action::Activate { .. } => "activate",
            Action::DeactivateApp => "deactivate_app",
            Action::RotateToken(_) => "rotate_token",
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
            Action::Verify(_) => "verify",
            Action::Request(_) => "request",
            Action::Inbound(_) => "inbound",
        }
    }

    /// A one-line summary such as `bind_group: Engineering`.
    pub(crate) fn title(&self) -> String {
        let arg = match self {
            Action::TestConnection | Action::DeactivateApp => {
                return self.name().to_string();
            }
            Action::Verify(v) if v.attributes.is_empty() => return self.name().to_string(),
            Action::Verify(v) => format!("attributes {}", v.attributes.join(", ")),
            Action::Activate { test_user_email: None } => return self.name().to_string(),
            Action::Activate { test_user_email: Some(e) } => e.clone(),
            Action::RotateToken(r) if *r == RotateToken::default() => return self.name().to_string(),
            Action::RotateToken(r) => r.token_env.clone().or(r.test_user_email.clone()).unwrap_or_default(),
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
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateUser {
    /// The user's `username`.
    #[serde(deserialize_with = "expand")]
    pub(crate) user: String,
    /// Attributes to change (user attributes only: not `username`,
    /// `generate`, `email_domain` or `groups`).
    pub(crate) set: UserSpec,
}

/// `rename_group: { group: Engineering, to: Platform }`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rename {
    /// The group's current name.
    #[serde(deserialize_with = "expand")]
    pub(crate) group: String,
    /// The new name.
    #[serde(deserialize_with = "expand")]
    pub(crate) to: String,
}

/// `add_to_group: { user: bob, group: Engineering }`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Membership {
    /// The user's `username`.
    #[serde(deserialize_with = "expand")]
    pub(crate) user: String,
    /// The group's name.
    #[serde(deserialize_with = "expand")]
    pub(crate) group: String,
}

/// `activate: { test_user_email: other@jumpcloud.com }`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ActivateArgs {
    /// The test user's email for this activation (default: the app's
    /// `test_user_email`).
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    test_user_email: Option<String>,
}

/// `verify: { attributes: [job_title, department] }`
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyArgs {
    /// User attributes (scenario keys: `job_title`, `department`, `phone`,
    /// `street`, …) that each provisioned user must return as sent on
    /// `GET /Users/{id}`; one that is missing or different is a
    /// `readback-attribute` warning.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) attributes: Vec<String>,
}

/// `rotate_token: { token_env: NEW_SCIM_TOKEN }`
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RotateToken {
    /// The environment variable holding the new token, read when the step
    /// runs. Without it the embedded SP issues a new token, and another SP
    /// gets its current token entered again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) token_env: Option<String>,
    /// The test user's email for the re-activation (default: a new one,
    /// derived from the app's `test_user_email`).
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) test_user_email: Option<String>,
}

/// A raw request relative to the SCIM base URL.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequest {
    /// HTTP method, e.g. `GET`.
    #[serde(deserialize_with = "expand")]
    pub(crate) method: String,
    /// Path after the base URL, with an optional query string (`/Users?count=1`).
    #[serde(deserialize_with = "expand")]
    pub(crate) path: String,
    /// Extra request headers.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// JSON request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<serde_json::Value>,
    /// Send without the target's credentials (to test 401 handling).
    #[serde(default)]
    pub(crate) no_auth: bool,
    /// What the request is expected to produce (or put `expect:` beside `request`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expect: Option<Expect>,
}

/// A request of an identity source to JumpCloud's SCIM API (`/scim/v2`),
/// applied in-process by the same handler as `jcsim serve`'s `/scim/v2`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InboundRequest {
    #[serde(deserialize_with = "expand")]
    pub(crate) method: String,
    /// Path below `/scim/v2`, with an optional query (`/Users?filter=…`).
    /// `{id:USERNAME}` stands for that user's JumpCloud id.
    #[serde(deserialize_with = "expand")]
    pub(crate) path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<serde_json::Value>,
    /// `status` is the inbound API's answer (not the SP's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expect: Option<Expect>,
}

/// The `{id:USERNAME}` references of an inbound path, in order.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct IdRefs<'a> {
    /// Each closed reference: its byte range in the path (braces included) and the username.
    pub(crate) refs: Vec<(std::ops::Range<usize>, &'a str)>,
    /// A `{id:` is not closed with `}` (the references before it are listed).
    pub(crate) unclosed: bool,
}

/// Find the `{id:USERNAME}` references of `path`: one parser for the shape
/// check, the lint and the run.
pub(crate) fn id_refs(path: &str) -> IdRefs<'_> {
    let mut out = IdRefs::default();
    let mut at = 0;
    while let Some(start) = path[at..].find("{id:").map(|i| at + i) {
        let Some(len) = path[start..].find('}') else {
            out.unclosed = true;
            break;
        };
        out.refs.push((start..start + len + 1, &path[start + 4..start + len]));
        at = start + len + 1;
    }
    out
}

/// What a step is expected to produce. Absent: the step must pass.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expect {
    /// `pass` (default) or `fail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) outcome: Option<Outcome>,
    /// HTTP status of the step's last response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<u16>,
    /// A substring of the failure reason (with `outcome: fail`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reason_contains: Option<String>,
    /// Rule ids (see `jcsim rules`) the step must report. Expected findings
    /// do not fail the step.
    #[serde(default)]
    pub(crate) findings: Vec<String>,
    /// The expectation holds only with this quirk of the embedded SP (e.g.
    /// `domain_allowlist`). Against `--target` it is skipped, and named; the
    /// step still runs and is judged like a step without `expect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) needs_quirk: Option<String>,
}

/// Expected step outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    /// The step must pass (the default).
    Pass,
    /// The step must fail; it passes only if it fails.
    Fail,
}

/// The same form the deserializer reads: a bare name when there is neither a
/// value nor `expect`, else a one-action map with `expect` beside it.
impl Serialize for Step {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let name = self.action.name();
        let bare = matches!(
            self.action,
            Action::TestConnection | Action::DeactivateApp | Action::Activate { test_user_email: None }
        ) || matches!(&self.action, Action::RotateToken(r) if *r == RotateToken::default())
            || matches!(&self.action, Action::Verify(v) if v.attributes.is_empty());
        if bare && self.expect.is_none() {
            return s.serialize_str(name);
        }
        let mut m = s.serialize_map(None)?;
        match &self.action {
            Action::TestConnection | Action::DeactivateApp | Action::Activate { test_user_email: None } => {
                m.serialize_entry(name, &())?
            }
            Action::Verify(v) if v.attributes.is_empty() => m.serialize_entry(name, &())?,
            Action::Verify(v) => m.serialize_entry(name, v)?,
            Action::Activate { test_user_email } => {
                m.serialize_entry(name, &ActivateArgs { test_user_email: test_user_email.clone() })?
            }
            Action::RotateToken(r) if *r == RotateToken::default() => m.serialize_entry(name, &())?,
            Action::RotateToken(r) => m.serialize_entry(name, r)?,
            Action::CreateUser(u) => m.serialize_entry(name, u)?,
            Action::UpdateUser(u) => m.serialize_entry(name, u)?,
            Action::DeleteUser(v)
            | Action::SuspendUser(v)
            | Action::UnsuspendUser(v)
            | Action::ActivateUser(v)
            | Action::BindUser(v)
            | Action::UnbindUser(v)
            | Action::DeleteGroup(v)
            | Action::BindGroup(v)
            | Action::UnbindGroup(v) => m.serialize_entry(name, v)?,
            Action::CreateGroup(g) => m.serialize_entry(name, g)?,
            Action::RenameGroup(r) => m.serialize_entry(name, r)?,
            Action::AddToGroup(v) | Action::RemoveFromGroup(v) => m.serialize_entry(name, v)?,
            Action::Request(r) => m.serialize_entry(name, r)?,
            Action::Inbound(r) => m.serialize_entry(name, r)?,
        }
        if let Some(e) = &self.expect {
            m.serialize_entry("expect", e)?;
        }
        m.end()
    }
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
            if step_def(&key).is_none() {
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
pub(crate) fn unknown_step(name: &str) -> String {
    let mut msg = format!("unknown step `{name}`");
    if let Some(s) = super::suggest(name, step_names().chain(STEP_KEYS.iter().copied())) {
        msg.push_str(&format!(", did you mean `{s}`?"));
    }
    msg
}

fn unit_action(name: &str) -> Result<Action, String> {
    match step_def(name).map(|d| (d.arg, d.example)) {
        Some((Arg::Unit(make), _)) => Ok(make()),
        Some((Arg::Activate, _)) => Ok(Action::Activate { test_user_email: None }),
        Some((Arg::RotateToken, _)) => Ok(Action::RotateToken(RotateToken::default())),
        Some((Arg::Verify, _)) => Ok(Action::Verify(VerifyArgs::default())),
        Some((_, example)) => Err(format!("step `{name}` needs a value, e.g. `{example}`")),
        None => Err(unknown_step(name)),
    }
}

struct ActionSeed<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for ActionSeed<'_> {
    type Value = Action;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Action, D::Error> {
        let def = step_def(self.0).ok_or_else(|| de::Error::custom(unknown_step(self.0)))?;
        Ok(match def.arg {
            Arg::Unit(make) => {
                Option::<IgnoredAny>::deserialize(d)?
                    .map_or(Ok(()), |_| Err(de::Error::custom(format!("step `{}` takes no value", self.0))))?;
                make()
            }
            Arg::Activate => {
                let args = Option::<ActivateArgs>::deserialize(d)?;
                Action::Activate { test_user_email: args.and_then(|a| a.test_user_email) }
            }
            Arg::RotateToken => Action::RotateToken(Option::<RotateToken>::deserialize(d)?.unwrap_or_default()),
            Arg::Verify => Action::Verify(Option::<VerifyArgs>::deserialize(d)?.unwrap_or_default()),
            Arg::User(make) | Arg::Group(make) => make(expand(d)?),
            Arg::Membership(make) => make(Membership::deserialize(d)?),
            Arg::CreateUser => Action::CreateUser(Box::new(UserSpec::deserialize(d)?)),
            Arg::UpdateUser => Action::UpdateUser(Box::new(UpdateUser::deserialize(d)?)),
            Arg::CreateGroup => Action::CreateGroup(GroupSpec::deserialize(d)?),
            Arg::RenameGroup => Action::RenameGroup(Rename::deserialize(d)?),
            Arg::Request => Action::Request(RawRequest::deserialize(d)?),
            Arg::Inbound => Action::Inbound(InboundRequest::deserialize(d)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::id_refs;

    #[test]
    fn id_refs_finds_each_reference_and_an_unclosed_one() {
        let path = "/Users/{id:alice}?x={id:bob}";
        let found = id_refs(path);
        let names: Vec<&str> = found.refs.iter().map(|(_, n)| *n).collect();
        assert_eq!(names, ["alice", "bob"]);
        assert_eq!(&path[found.refs[0].0.clone()], "{id:alice}");
        assert!(!found.unclosed);
        let open = id_refs("/Users/{id:alice}/{id:bob");
        assert_eq!(open.refs.len(), 1);
        assert!(open.unclosed);
    }
}
