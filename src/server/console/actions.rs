//! State-changing console actions. Each handler turns a form into an engine
//! `Action` and runs it with `Session::step` (one code path with `jcsim run`),
//! or, with `?preview=1`, answers the request plan from `engine::preview`.

use super::auth::Visitor;
use super::state::{AuthType, ConsoleState, Core, TokenSource};
use super::views::Flash;
use crate::directory::{UserState, check_email, check_username};
use crate::engine::{StepSummary, preview};
use crate::record::Verdict;
use crate::scenario::{Action, AddressSpec, GroupSpec, Membership, Rename, UpdateUser, UserSpec, UserStateSpec};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::{Extension, Form};
use rand::SeedableRng;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeSet;

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
        let plan = preview(&core.session, &action).await;
        return plan_json(action.title(), plan);
    }
    let flash = step_flash(&mut core, action).await;
    drop(core);
    back(state, v, to, flash)
}

async fn step_flash(core: &mut Core, action: Action) -> Flash {
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
        (Action::Activate { .. }, false) => {
            Flash::err("Activation failed: the integration stays inactive", s.reason.clone())
        }
        (Action::DeactivateApp, true) => Flash::ok("Identity Management deactivated", Some(sent)),
        (_, true) => Flash::ok(done_title(action), Some(sent)),
        (_, false) if s.checks.iter().any(|c| c.id == "directory") => {
            Flash::err("The change was not saved", s.reason.clone())
        }
        (_, false) => Flash::err(format!("{}; provisioning error", done_title(action)), s.reason.clone()),
    };
    for c in &s.checks {
        if c.verdict == Verdict::Pass {
            continue;
        }
        if let Some(a) = &c.admin_sees {
            flash.notes.push(format!("JumpCloud shows: {a}"));
        }
        if let Some(f) = &c.fix {
            flash.notes.push(format!("Fix: {f}"));
        }
        if c.verdict == Verdict::Warn {
            flash.notes.push(format!("Warning: {}", c.message));
        }
    }
    flash
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

/// The user attributes of the JUMPCLOUD.md mapping table, as a form.
#[derive(Deserialize, Default, Debug)]
pub struct UserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub firstname: String,
    #[serde(default)]
    pub lastname: String,
    #[serde(default)]
    pub displayname: String,
    #[serde(default)]
    pub job_title: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub employee_identifier: String,
    #[serde(default)]
    pub cost_center: String,
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub employee_type: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub locality: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub state: String,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn state_spec(s: &str) -> Option<UserStateSpec> {
    match s {
        "STAGED" => Some(UserStateSpec::Staged),
        "SUSPENDED" => Some(UserStateSpec::Suspended),
        "ACTIVATED" => Some(UserStateSpec::Activated),
        _ => None,
    }
}

impl UserForm {
    fn spec(&self) -> UserSpec {
        let address = AddressSpec {
            street: opt(&self.street),
            locality: opt(&self.locality),
            region: opt(&self.region),
            postal_code: opt(&self.postal_code),
            country: opt(&self.country),
        };
        let has_address = address != AddressSpec::default();
        UserSpec {
            username: opt(&self.username),
            email: opt(&self.email),
            firstname: opt(&self.firstname),
            lastname: opt(&self.lastname),
            displayname: opt(&self.displayname),
            job_title: opt(&self.job_title),
            department: opt(&self.department),
            employee_identifier: opt(&self.employee_identifier),
            cost_center: opt(&self.cost_center),
            company: opt(&self.company),
            employee_type: opt(&self.employee_type),
            location: opt(&self.location),
            phone: opt(&self.phone),
            address: has_address.then_some(address),
            // ACTIVATED is the default: only say so when it is not.
            state: state_spec(&self.state).filter(|s| *s != UserStateSpec::Activated),
            ..UserSpec::default()
        }
    }
}

pub async fn create_user(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(form): Form<UserForm>,
) -> Response {
    let spec = form.spec();
    let problem = check_username(spec.username.as_deref().unwrap_or(""))
        .and_then(|_| check_email(spec.email.as_deref().unwrap_or("")).map_err(|e| e.replace("``", "(empty)")));
    if let Err(e) = problem {
        if q.on() {
            return plan_json(format!("Invalid user: {e}"), Vec::new());
        }
        return back(&state, &v, "/users/new", Flash::err("The user was not created", Some(e)));
    }
    run(&state, &v, &q, Action::CreateUser(Box::new(spec)), "/users").await
}

/// One click: a new user with seeded fake data (the same generator as scenarios).
pub async fn generate_user(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
) -> Response {
    let spec = {
        let core = state.core().await;
        fake_user(&core)
    };
    run(&state, &v, &q, Action::CreateUser(Box::new(spec)), "/users").await
}

/// A fake user that does not clash with existing usernames.
pub(crate) fn fake_user(core: &Core) -> UserSpec {
    let dir = &core.session.dir;
    let taken: BTreeSet<String> = dir.users.iter().map(|u| u.username.to_string()).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(
        core.seed ^ (core.history.len() as u64).wrapping_mul(0x9e37_79b9) ^ taken.len() as u64,
    );
    let user =
        crate::directory::generate_users(&mut rng, 1, "example.com", &taken).into_iter().next().unwrap_or_default();
    let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
    UserSpec {
        username: s(&user.username),
        email: s(&user.email),
        firstname: s(&user.firstname),
        lastname: s(&user.lastname),
        displayname: s(&user.displayname),
        job_title: s(&user.job_title),
        department: s(&user.department),
        employee_identifier: s(&user.employee_identifier),
        cost_center: s(&user.cost_center),
        company: s(&user.company),
        employee_type: s(&user.employee_type),
        location: s(&user.location),
        phone: s(&user.phone),
        address: user.address.as_ref().map(|a| AddressSpec {
            street: s(&a.street),
            locality: s(&a.locality),
            region: s(&a.region),
            postal_code: s(&a.postal_code),
            country: s(&a.country),
        }),
        ..UserSpec::default()
    }
}

async fn username_of(state: &ConsoleState, id: &str) -> Option<String> {
    let core = state.core().await;
    core.session.dir.user_by_id(id).map(|u| u.username.to_string())
}

async fn groupname_of(state: &ConsoleState, id: &str) -> Option<String> {
    let core = state.core().await;
    core.session.dir.group_by_id(id).map(|g| g.name.clone())
}

fn gone(state: &ConsoleState, v: &Visitor, what: &str, to: &str) -> Response {
    back(state, v, to, Flash::err(format!("No such {what}"), None))
}

pub async fn update_user(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
    Form(form): Form<UserForm>,
) -> Response {
    let set = {
        let core = state.core().await;
        let Some(u) = core.session.dir.user_by_id(&id) else {
            drop(core);
            return gone(&state, &v, "user", "/users");
        };
        changed_attrs(&u, &form)
    };
    let to = format!("/users/{id}");
    let Some(user) = username_of(&state, &id).await else {
        return gone(&state, &v, "user", "/users");
    };
    if set == UserSpec::default() {
        if q.on() {
            return plan_json("No changes".into(), Vec::new());
        }
        return back(&state, &v, &to, Flash::ok("No changes to save", None));
    }
    if let Some(e) = set.email.as_deref().and_then(|e| check_email(e).err()) {
        return back(&state, &v, &to, Flash::err("The user was not saved", Some(e)));
    }
    run(&state, &v, &q, Action::UpdateUser(Box::new(UpdateUser { user, set })), &to).await
}

/// Only the attributes that changed; a cleared field is sent as empty.
fn changed_attrs(u: &crate::directory::User, f: &UserForm) -> UserSpec {
    let d = |cur: &str, new: &str| (cur != new.trim()).then(|| new.trim().to_string());
    let a = u.address.clone().unwrap_or_default();
    let addr_changed = a.street != f.street.trim()
        || a.locality != f.locality.trim()
        || a.region != f.region.trim()
        || a.postal_code != f.postal_code.trim()
        || a.country != f.country.trim();
    UserSpec {
        email: d(&u.email, &f.email).filter(|e| !e.is_empty()),
        firstname: d(&u.firstname, &f.firstname),
        lastname: d(&u.lastname, &f.lastname),
        displayname: d(&u.displayname, &f.displayname),
        job_title: d(&u.job_title, &f.job_title),
        department: d(&u.department, &f.department),
        employee_identifier: d(&u.employee_identifier, &f.employee_identifier),
        cost_center: d(&u.cost_center, &f.cost_center),
        company: d(&u.company, &f.company),
        employee_type: d(&u.employee_type, &f.employee_type),
        location: d(&u.location, &f.location),
        phone: d(&u.phone, &f.phone),
        address: addr_changed.then(|| AddressSpec {
            street: Some(f.street.trim().into()),
            locality: Some(f.locality.trim().into()),
            region: Some(f.region.trim().into()),
            postal_code: Some(f.postal_code.trim().into()),
            country: Some(f.country.trim().into()),
        }),
        ..UserSpec::default()
    }
}

#[derive(Deserialize)]
pub struct StateForm {
    #[serde(default)]
    state: String,
}

pub async fn user_state(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
    Form(form): Form<StateForm>,
) -> Response {
    let (user, current) = {
        let core = state.core().await;
        match core.session.dir.user_by_id(&id) {
            Some(u) => (u.username.to_string(), u.state),
            None => {
                drop(core);
                return gone(&state, &v, "user", "/users");
            }
        }
    };
    let to = format!("/users/{id}");
    let action = match (form.state.as_str(), current) {
        ("SUSPENDED", UserState::Suspended) | ("ACTIVATED", UserState::Activated) | ("STAGED", UserState::Staged) => {
            return back(&state, &v, &to, Flash::ok("No changes to save", None));
        }
        ("SUSPENDED", _) => Action::SuspendUser(user),
        ("ACTIVATED", UserState::Suspended) => Action::UnsuspendUser(user),
        ("ACTIVATED", _) => Action::ActivateUser(user),
        ("STAGED", _) => Action::UpdateUser(Box::new(UpdateUser {
            user,
            set: UserSpec { state: Some(UserStateSpec::Staged), ..UserSpec::default() },
        })),
        _ => return back(&state, &v, &to, Flash::err("Unknown user state", None)),
    };
    run(&state, &v, &q, action, &to).await
}

pub async fn delete_user(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
) -> Response {
    let Some(user) = username_of(&state, &id).await else {
        return gone(&state, &v, "user", "/users");
    };
    run(&state, &v, &q, Action::DeleteUser(user), "/users").await
}

// ---------- groups ----------

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

fn check_group_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("A user group needs a name.".into());
    }
    if name.chars().count() > 1024 {
        return Err("The name is longer than 1024 characters.".into());
    }
    Ok(())
}

pub async fn create_group(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(form): Form<NameForm>,
) -> Response {
    let name = form.name.trim().to_string();
    if let Err(e) = check_group_name(&name) {
        return back(&state, &v, "/groups", Flash::err("The group was not created", Some(e)));
    }
    let action = Action::CreateGroup(GroupSpec { name, members: Vec::new() });
    run(&state, &v, &q, action, "/groups").await
}

pub async fn rename_group(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
    Form(form): Form<NameForm>,
) -> Response {
    let Some(group) = groupname_of(&state, &id).await else {
        return gone(&state, &v, "user group", "/groups");
    };
    let to = format!("/groups/{id}");
    let name = form.name.trim().to_string();
    if let Err(e) = check_group_name(&name) {
        return back(&state, &v, &to, Flash::err("The group was not renamed", Some(e)));
    }
    if name == group {
        return back(&state, &v, &to, Flash::ok("No changes to save", None));
    }
    run(&state, &v, &q, Action::RenameGroup(Rename { group, to: name }), &to).await
}

#[derive(Deserialize)]
pub struct UserRef {
    #[serde(default)]
    user: String,
}

async fn membership(
    state: &ConsoleState,
    v: &Visitor,
    q: &PreviewQuery,
    id: &str,
    user_id: &str,
    add: bool,
) -> Response {
    let to = format!("/groups/{id}");
    let (Some(group), Some(user)) = (groupname_of(state, id).await, username_of(state, user_id).await) else {
        return gone(state, v, "user or group", &to);
    };
    let m = Membership { user, group };
    let action = if add { Action::AddToGroup(m) } else { Action::RemoveFromGroup(m) };
    run(state, v, q, action, &to).await
}

pub async fn add_member(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
    Form(form): Form<UserRef>,
) -> Response {
    membership(&state, &v, &q, &id, &form.user, true).await
}

pub async fn remove_member(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
    Form(form): Form<UserRef>,
) -> Response {
    membership(&state, &v, &q, &id, &form.user, false).await
}

pub async fn delete_group(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
) -> Response {
    let Some(group) = groupname_of(&state, &id).await else {
        return gone(&state, &v, "user group", "/groups");
    };
    run(&state, &v, &q, Action::DeleteGroup(group), "/groups").await
}

// ---------- the application ----------

pub async fn create_app(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Form(form): Form<NameForm>,
) -> Response {
    let name = form.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 1024 {
        return back(
            &state,
            &v,
            "/apps",
            Flash::err("The application needs a display label (up to 1024 characters)", None),
        );
    }
    let mut core = state.core().await;
    if core.im.app_created {
        drop(core);
        return back(
            &state,
            &v,
            "/apps/app",
            Flash::err(
                "jcsim simulates one SSO application per organization",
                Some("Configure the existing application.".into()),
            ),
        );
    }
    core.im.app_created = true;
    core.session.dir.app.name = name;
    let saved = core.save();
    drop(core);
    match saved {
        Ok(()) => back(
            &state,
            &v,
            "/apps/app?tab=identity",
            Flash::ok("Application saved", Some("Next: configure Identity Management.".into())),
        ),
        Err(e) => back(&state, &v, "/apps", Flash::err("Application not saved", Some(e.to_string()))),
    }
}

#[derive(Deserialize)]
pub struct SsoForm {
    #[serde(default)]
    idp_entity_id: String,
    #[serde(default)]
    sp_entity_id: String,
    #[serde(default)]
    acs_url: String,
}

pub async fn save_sso(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Form(form): Form<SsoForm>,
) -> Response {
    let mut core = state.core().await;
    core.im.idp_entity_id = form.idp_entity_id.trim().chars().take(1024).collect();
    core.im.sp_entity_id = form.sp_entity_id.trim().chars().take(1024).collect();
    core.im.acs_url = form.acs_url.trim().chars().take(1024).collect();
    let saved = core.save();
    drop(core);
    let flash = match saved {
        Ok(()) => {
            Flash::ok("Application saved", Some("SSO settings are placeholders: jcsim does not run SAML.".into()))
        }
        Err(e) => Flash::err("Application not saved", Some(e.to_string())),
    };
    back(&state, &v, "/apps/app?tab=sso", flash)
}

/// The Identity Management form.
#[derive(Deserialize, Default)]
pub struct ImForm {
    #[serde(default)]
    base_url: String,
    #[serde(default)]
    auth_type: String,
    #[serde(default)]
    header_name: String,
    /// Empty: keep the current token.
    #[serde(default)]
    token_key: String,
    #[serde(default)]
    test_user_email: String,
    #[serde(default)]
    group_management: Option<String>,
    // Behaviour knobs (Advanced).
    #[serde(default)]
    test_connection: Option<String>,
    #[serde(default)]
    username_from: Option<String>,
    #[serde(default)]
    update_method: Option<String>,
    #[serde(default)]
    member_removal: Option<String>,
    #[serde(default)]
    group_update_method: Option<String>,
    #[serde(default)]
    on_deactivate: Option<String>,
    #[serde(default)]
    user_delete: Option<String>,
    #[serde(default)]
    test_group_name: Option<String>,
    #[serde(default)]
    timeout_ms: Option<String>,
    #[serde(default)]
    max_retries: Option<String>,
}

impl ImForm {
    fn knobs(&self) -> Vec<(&'static str, &str)> {
        [
            ("test_connection", &self.test_connection),
            ("username_from", &self.username_from),
            ("update_method", &self.update_method),
            ("member_removal", &self.member_removal),
            ("group_update_method", &self.group_update_method),
            ("on_deactivate", &self.on_deactivate),
            ("user_delete", &self.user_delete),
            ("test_group_name", &self.test_group_name),
            ("timeout_ms", &self.timeout_ms),
            ("max_retries", &self.max_retries),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v.trim())))
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }
}

/// What applying the form changed.
struct Applied {
    connection_changed: bool,
    email: String,
}

/// Validate and apply the form's settings. The token is registered for
/// redaction before the client can use it.
fn apply_im(core: &mut Core, f: &ImForm) -> Result<Applied, String> {
    let base_url = f.base_url.trim().to_string();
    crate::scim::base_url::check("the Base URL", &base_url).map_err(|e| e.to_string())?;
    let auth_type = if f.auth_type == "api_key" { AuthType::ApiKey } else { AuthType::Bearer };
    let header_name = f.header_name.trim().to_string();
    if auth_type == AuthType::ApiKey
        && (header_name.is_empty()
            || header_name.len() > 128
            || !header_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        return Err("The API key header name must be letters, digits, - or _ (e.g. X-API-Key).".into());
    }
    let email = f.test_user_email.trim().to_string();
    check_email(&email).map_err(|e| format!("Test User Email: {e}"))?;
    let mut behaviour = core.session.prov.behaviour.clone();
    for (k, v) in f.knobs() {
        behaviour = behaviour.with_override(&format!("{k}={v}"))?;
    }
    let gm = f.group_management.is_some();
    let token = f.token_key.trim();
    let connection_changed = base_url != core.im.base_url
        || auth_type != core.im.auth_type
        || (auth_type == AuthType::ApiKey && header_name != core.im.header_name)
        || !token.is_empty()
        || gm != core.session.dir.app.group_management;
    let anything =
        connection_changed || behaviour != core.session.prov.behaviour || email != core.session.dir.app.test_user_email;
    if anything && !core.history.is_empty() {
        core.im.changed_after_actions = true;
    }
    core.im.base_url = base_url;
    core.im.auth_type = auth_type;
    if auth_type == AuthType::ApiKey {
        core.im.header_name = header_name;
    }
    if !token.is_empty() {
        core.set_token(token.to_string(), TokenSource::Entered);
    } else if let Some(t) = core.token.clone() {
        // Same token, maybe a new header: redact it there too.
        let source = core.token_source;
        core.set_token(t, source);
    }
    core.session.dir.app.group_management = gm;
    core.session.dir.app.test_user_email = email.clone();
    core.session.prov.behaviour = behaviour;
    core.rebuild_client().map_err(|e| e.to_string())?;
    Ok(Applied { connection_changed, email })
}

/// Preview with the form's plan-relevant settings, then restore them.
async fn preview_im(core: &mut Core, f: &ImForm, action: Action) -> Response {
    let saved = (
        core.session.dir.app.group_management,
        core.session.dir.app.test_user_email.clone(),
        core.session.prov.behaviour.clone(),
    );
    core.session.dir.app.group_management = f.group_management.is_some();
    let mut b = core.session.prov.behaviour.clone();
    for (k, v) in f.knobs() {
        if let Ok(nb) = b.with_override(&format!("{k}={v}")) {
            b = nb;
        }
    }
    core.session.prov.behaviour = b;
    let plan = preview(&core.session, &action).await;
    core.session.dir.app.group_management = saved.0;
    core.session.dir.app.test_user_email = saved.1;
    core.session.prov.behaviour = saved.2;
    plan_json(action.title(), plan)
}

const IM_TAB: &str = "/apps/app?tab=identity";

async fn im_action(state: &ConsoleState, v: &Visitor, q: &PreviewQuery, f: &ImForm, which: &str) -> Response {
    let mut core = state.core().await;
    if !core.im.app_created {
        drop(core);
        return back(state, v, "/apps", Flash::err("Create an application first", None));
    }
    let email = f.test_user_email.trim().to_string();
    let planned = match which {
        "test" => Some(Action::TestConnection),
        "activate" => Some(Action::Activate { test_user_email: Some(email.clone()) }),
        "deactivate" => Some(Action::DeactivateApp),
        _ => None,
    };
    if q.on() {
        let action = planned.unwrap_or(Action::Activate { test_user_email: Some(email) });
        return preview_im(&mut core, f, action).await;
    }
    if which == "deactivate" {
        let flash = step_flash(&mut core, Action::DeactivateApp).await;
        drop(core);
        return back(state, v, IM_TAB, flash);
    }
    let was_active = core.session.dir.app.active;
    let last_email = core.im.last_activation_email.clone();
    let applied = match apply_im(&mut core, f) {
        Ok(a) => a,
        Err(e) => {
            drop(core);
            return back(state, v, IM_TAB, Flash::err("Settings not saved", Some(e)));
        }
    };
    let action = match which {
        "test" => Action::TestConnection,
        "activate" => Action::Activate { test_user_email: Some(applied.email.clone()) },
        // Save: a settings change on an active integration re-runs the test [C].
        _ if was_active && applied.connection_changed => {
            if last_email.as_deref() == Some(applied.email.as_str()) {
                let _ = core.save();
                drop(core);
                return back(state, v, IM_TAB, Flash::err(
                    "Enter a new Test User Email",
                    Some("Any settings change on an active integration needs a fresh test email: JumpCloud runs the activation test again.".into()),
                ));
            }
            Action::Activate { test_user_email: Some(applied.email.clone()) }
        }
        _ => {
            let saved = core.save();
            drop(core);
            let flash = match saved {
                Ok(()) => Flash::ok("Application saved", None),
                Err(e) => Flash::err("Application not saved", Some(e.to_string())),
            };
            return back(state, v, IM_TAB, flash);
        }
    };
    if matches!(action, Action::Activate { .. }) {
        core.im.last_activation_email = Some(applied.email);
    }
    let flash = step_flash(&mut core, action).await;
    drop(core);
    back(state, v, IM_TAB, flash)
}

pub async fn im_save(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(f): Form<ImForm>,
) -> Response {
    im_action(&state, &v, &q, &f, "save").await
}

pub async fn im_test(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(f): Form<ImForm>,
) -> Response {
    im_action(&state, &v, &q, &f, "test").await
}

pub async fn im_activate(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(f): Form<ImForm>,
) -> Response {
    im_action(&state, &v, &q, &f, "activate").await
}

pub async fn im_deactivate(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(f): Form<ImForm>,
) -> Response {
    im_action(&state, &v, &q, &f, "deactivate").await
}

#[derive(Deserialize)]
pub struct GroupRef {
    #[serde(default)]
    group: String,
}

async fn binding(state: &ConsoleState, v: &Visitor, q: &PreviewQuery, action: Option<Action>, tab: &str) -> Response {
    let to = format!("/apps/app?tab={tab}");
    match action {
        Some(a) => run(state, v, q, a, &to).await,
        None => gone(state, v, "user or group", &to),
    }
}

pub async fn bind_group(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(f): Form<GroupRef>,
) -> Response {
    let a = groupname_of(&state, &f.group).await.map(Action::BindGroup);
    binding(&state, &v, &q, a, "groups").await
}

pub async fn unbind_group(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(f): Form<GroupRef>,
) -> Response {
    let a = groupname_of(&state, &f.group).await.map(Action::UnbindGroup);
    binding(&state, &v, &q, a, "groups").await
}

pub async fn bind_user(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(f): Form<UserRef>,
) -> Response {
    let a = username_of(&state, &f.user).await.map(Action::BindUser);
    binding(&state, &v, &q, a, "users").await
}

pub async fn unbind_user(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(f): Form<UserRef>,
) -> Response {
    let a = username_of(&state, &f.user).await.map(Action::UnbindUser);
    binding(&state, &v, &q, a, "users").await
}
