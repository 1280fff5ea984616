//! Console pages (GET): small view models for the templates, never domain types.

use super::ConsoleError;
use super::sessions::Visitor;
use super::state::{AuthType, ConsoleState};
use super::views::page;
use crate::directory::{User, UserState};
use crate::engine::Org;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tera::Context;

#[derive(Serialize)]
struct UserRow {
    id: String,
    username: String,
    email: String,
    name: String,
    state: &'static str,
    bound: bool,
    direct: bool,
    sp_id: Option<String>,
}

fn state_name(s: UserState) -> &'static str {
    match s {
        UserState::Activated => "ACTIVATED",
        UserState::Staged => "STAGED",
        UserState::Suspended => "SUSPENDED",
    }
}

fn user_row(core: &Org, u: &User) -> UserRow {
    let dir = core.dir();
    UserRow {
        id: u.id.to_string(),
        username: u.username.to_string(),
        email: u.email.to_string(),
        name: format!("{} {}", u.firstname, u.lastname).trim().to_string(),
        state: state_name(u.state),
        bound: dir.is_bound(&u.id),
        direct: dir.app.bound_users.contains(&u.id),
        sp_id: core.links().sp_user_id(&u.id).map(str::to_string),
    }
}

#[derive(Serialize)]
struct GroupRow {
    id: String,
    name: String,
    members: usize,
    bound: bool,
    sp_id: Option<String>,
}

fn group_rows(core: &Org) -> Vec<GroupRow> {
    let dir = core.dir();
    dir.groups
        .iter()
        .map(|g| GroupRow {
            id: g.id.to_string(),
            name: g.name.clone(),
            members: g.members.len(),
            bound: dir.app.bound_groups.contains(&g.id),
            sp_id: core.links().groups.get(&g.id).map(|l| l.sp_id.clone()),
        })
        .collect()
}

#[derive(Serialize)]
struct Summary {
    users: usize,
    groups: usize,
    app_created: bool,
    app_name: String,
    active: bool,
    bound_groups: usize,
    actions: usize,
    has_members: bool,
}

fn summary(core: &Org) -> Summary {
    let dir = core.dir();
    Summary {
        users: dir.users.len(),
        groups: dir.groups.len(),
        app_created: core.settings().app_created,
        app_name: dir.app.name.clone(),
        active: dir.app.active,
        bound_groups: dir.app.bound_groups.len() + dir.app.bound_users.len(),
        actions: core.history().len(),
        has_members: dir.groups.iter().any(|g| !g.members.is_empty()),
    }
}

pub async fn home(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
) -> Result<Response, ConsoleError> {
    let core = state.core().await;
    let mut ctx = Context::new();
    ctx.insert("s", &summary(&core));
    drop(core);
    let builtin: Vec<&str> = crate::scenario::builtin::FILES.iter().map(|(p, _)| *p).collect();
    ctx.insert("builtin", &builtin);
    page(&state, &v, "home.html", "home", "Get started", ctx)
}

pub async fn users(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
) -> Result<Response, ConsoleError> {
    let core = state.core().await;
    let rows: Vec<UserRow> = core.dir().users.iter().map(|u| user_row(&core, &u)).collect();
    drop(core);
    let mut ctx = Context::new();
    ctx.insert("users", &rows);
    page(&state, &v, "users.html", "users", "Users", ctx)
}

/// A user's attributes for the form (the mapping table of docs/jumpcloud.md).
#[derive(Serialize, Default)]
struct UserForm {
    id: String,
    username: String,
    email: String,
    state: &'static str,
    fields: Vec<Field>,
}

#[derive(Serialize)]
struct Field {
    name: &'static str,
    label: &'static str,
    scim: String,
    value: String,
}

fn fields(u: &User) -> Vec<Field> {
    use crate::directory::attrs;
    let a = u.address.clone().unwrap_or_default();
    let text = attrs::TEXT.iter().map(|x| Field {
        name: x.key,
        label: x.label,
        scim: x.scim.path(),
        value: (x.get)(u).into(),
    });
    let address = attrs::ADDRESS.iter().map(|p| Field {
        name: p.key,
        label: p.label,
        scim: p.scim.path(),
        value: (p.get)(&a).into(),
    });
    text.chain(address).collect()
}

#[derive(Deserialize)]
pub struct NewUserQuery {
    #[serde(default)]
    fake: Option<String>,
}

pub async fn new_user(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<NewUserQuery>,
) -> Result<Response, ConsoleError> {
    let user = if q.fake.is_some() {
        let core = state.core().await;
        let spec = super::actions::fake_user(&core);
        let mut u = User {
            username: spec.username.as_deref().unwrap_or_default().into(),
            email: spec.email.as_deref().unwrap_or_default().into(),
            ..User::default()
        };
        crate::directory::apply_attrs(&mut u, &spec);
        u
    } else {
        User::default()
    };
    let form = UserForm {
        id: String::new(),
        username: user.username.to_string(),
        email: user.email.to_string(),
        state: "ACTIVATED",
        fields: fields(&user),
    };
    let mut ctx = Context::new();
    ctx.insert("u", &form);
    ctx.insert("is_new", &true);
    page(&state, &v, "user.html", "users", "New user", ctx)
}

pub async fn user(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let core = state.core().await;
    let Some(u) = core.dir().user_by_id(&id) else {
        drop(core);
        return not_found_page(&state, &v);
    };
    let form = UserForm {
        id: u.id.to_string(),
        username: u.username.to_string(),
        email: u.email.to_string(),
        state: state_name(u.state),
        fields: fields(&u),
    };
    let row = user_row(&core, &u);
    let (password_pending, external_id) = (u.password_pending, u.external_id.clone());
    let groups: Vec<String> =
        core.dir().groups.iter().filter(|g| g.members.contains(&u.id)).map(|g| g.name.clone()).collect();
    drop(core);
    let mut ctx = Context::new();
    ctx.insert("u", &form);
    ctx.insert("row", &row);
    ctx.insert("groups", &groups);
    ctx.insert("is_new", &false);
    ctx.insert("password_pending", &password_pending);
    ctx.insert("external_id", &external_id);
    page(&state, &v, "user.html", "users", "User details", ctx)
}

pub async fn groups(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
) -> Result<Response, ConsoleError> {
    let core = state.core().await;
    let rows = group_rows(&core);
    drop(core);
    let mut ctx = Context::new();
    ctx.insert("groups", &rows);
    page(&state, &v, "groups.html", "groups", "User Groups", ctx)
}

pub async fn group(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let core = state.core().await;
    let dir = core.dir();
    let Some(g) = dir.group_by_id(&id) else {
        drop(core);
        return not_found_page(&state, &v);
    };
    let members: Vec<UserRow> =
        g.members.iter().filter_map(|m| dir.user_by_id(m)).map(|u| user_row(&core, &u)).collect();
    let others: Vec<UserRow> =
        dir.users.iter().filter(|u| !g.members.contains(&u.id)).map(|u| user_row(&core, &u)).collect();
    let row = group_rows(&core).into_iter().find(|r| r.id == id);
    drop(core);
    let mut ctx = Context::new();
    ctx.insert("g", &row);
    ctx.insert("members", &members);
    ctx.insert("others", &others);
    page(&state, &v, "group.html", "groups", "User Group details", ctx)
}

pub async fn apps(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
) -> Result<Response, ConsoleError> {
    let core = state.core().await;
    let mut ctx = Context::new();
    ctx.insert("s", &summary(&core));
    drop(core);
    page(&state, &v, "apps.html", "apps", "SSO Applications", ctx)
}

#[derive(Serialize)]
struct Knob {
    name: &'static str,
    label: &'static str,
    tag: &'static str,
    value: String,
    options: Vec<&'static str>,
}

#[derive(Serialize)]
struct AppView {
    name: String,
    active: bool,
    group_management: bool,
    test_user_email: String,
    base_url: String,
    bearer: bool,
    header_name: String,
    token_set: bool,
    token_status: &'static str,
    idp_entity_id: String,
    sp_entity_id: String,
    acs_url: String,
    embedded_url: String,
    /// Every attribute an admin may exclude, and whether the app does.
    excludable: Vec<(&'static str, bool)>,
    any_excluded: bool,
    /// Users and groups this session created at the current SP.
    created_users: usize,
    created_groups: usize,
}

#[derive(Deserialize)]
pub struct TabQuery {
    #[serde(default)]
    tab: Option<String>,
}

pub async fn app(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<TabQuery>,
) -> Result<Response, ConsoleError> {
    let core = state.core().await;
    if !core.settings().app_created {
        drop(core);
        return Ok(axum::response::Redirect::to("/apps").into_response());
    }
    let dir = core.dir();
    let described: std::collections::BTreeMap<String, String> = core.behaviour().describe().into_iter().collect();
    let knobs: Vec<Knob> = crate::knobs::KNOBS
        .iter()
        .filter(|k| k.console)
        .map(|k| Knob {
            name: k.name,
            label: k.label,
            tag: k.status.tag(),
            value: described.get(k.name).cloned().unwrap_or_default(),
            options: k.values.to_vec(),
        })
        .collect();
    let view = AppView {
        name: dir.app.name.clone(),
        active: dir.app.active,
        group_management: dir.app.group_management,
        // An active app re-runs the activation test on a settings change:
        // offer a Test User Email it has not used.
        test_user_email: if dir.app.active {
            core.fresh_test_email(&dir.app.test_user_email)
        } else {
            dir.app.test_user_email.clone()
        },
        base_url: core.settings().base_url.clone(),
        bearer: core.settings().auth_type == AuthType::Bearer,
        header_name: core.settings().header_name.clone(),
        token_set: core.has_token(),
        token_status: core.token_source().describe(),
        idp_entity_id: core.settings().idp_entity_id.clone(),
        sp_entity_id: core.settings().sp_entity_id.clone(),
        acs_url: core.settings().acs_url.clone(),
        embedded_url: format!("{}{}", state.config().self_url, super::SP_PREFIX),
        excludable: crate::knobs::EXCLUDABLE
            .iter()
            .map(|a| (*a, dir.app.exclude_attributes.iter().any(|x| x == a)))
            .collect(),
        any_excluded: !dir.app.exclude_attributes.is_empty(),
        created_users: core.created_counts().0,
        created_groups: core.created_counts().1,
    };
    let users: Vec<UserRow> = dir.users.iter().map(|u| user_row(&core, &u)).collect();
    let groups = group_rows(&core);
    drop(core);
    let tab = match q.tab.as_deref() {
        Some(t @ ("sso" | "identity" | "groups" | "users")) => t.to_string(),
        _ => "identity".to_string(),
    };
    let mut ctx = Context::new();
    ctx.insert("app", &view);
    ctx.insert("knobs", &knobs);
    ctx.insert("users", &users);
    ctx.insert("groups", &groups);
    ctx.insert("tab", &tab);
    page(&state, &v, "app.html", "apps", "SSO Applications", ctx)
}

pub async fn insights(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
) -> Result<Response, ConsoleError> {
    page(&state, &v, "insights.html", "insights", "Directory Insights", Context::new())
}

pub async fn export(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
) -> Result<Response, ConsoleError> {
    let yaml = state.export().await?;
    let mut ctx = Context::new();
    ctx.insert("yaml", &yaml);
    page(&state, &v, "export.html", "export", "Export as scenario", ctx)
}

fn not_found_page(state: &ConsoleState, v: &Visitor) -> Result<Response, ConsoleError> {
    let mut resp = page(state, v, "not_found.html", "", "Not found", Context::new())?;
    *resp.status_mut() = StatusCode::NOT_FOUND;
    Ok(resp)
}

pub async fn not_found(State(state): State<ConsoleState>, v: Option<Extension<Visitor>>) -> Response {
    match v {
        Some(Extension(v)) => not_found_page(&state, &v).into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// A readiness run listed on the Readiness page.
#[derive(Serialize)]
struct ReadinessRow {
    id: String,
    date: String,
    target: String,
    verdict: &'static str,
    ready: usize,
    total: usize,
}

/// `GET /readiness`: check the app's SP with `jcsim readiness`, and the
/// earlier checks under the runs directory (newest first).
pub async fn readiness(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
) -> Result<Response, ConsoleError> {
    let (base_url, ready_to_run) = {
        let core = state.core().await;
        (core.settings().base_url.clone(), core.settings().app_created && core.has_token())
    };
    let runs_dir = state.config().runs_dir.clone();
    let rows = tokio::task::spawn_blocking(move || readiness_rows(&runs_dir)).await.unwrap_or_default();
    let mut ctx = Context::new();
    ctx.insert("base_url", &base_url);
    ctx.insert("ready_to_run", &ready_to_run);
    ctx.insert("available", &state.config().readiness.is_some());
    ctx.insert("rows", &rows);
    page(&state, &v, "readiness.html", "readiness", "Readiness", ctx)
}

/// Readiness runs under `runs_dir` (directories holding a readiness.json), newest first; at most 20.
fn readiness_rows(runs_dir: &std::path::Path) -> Vec<ReadinessRow> {
    let Ok(entries) = std::fs::read_dir(runs_dir) else { return Vec::new() };
    let mut ids: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.contains("-readiness-") && super::runs::valid_id(n))
        .collect();
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.into_iter()
        .filter_map(|id| {
            let text = std::fs::read_to_string(runs_dir.join(&id).join("readiness.json")).ok()?;
            let r: crate::readiness::Readiness = serde_json::from_str(&text).ok()?;
            Some(ReadinessRow {
                date: r.provenance.date.clone(),
                target: r.provenance.target.clone(),
                verdict: r.verdict.as_str(),
                ready: r.ready,
                total: r.total,
                id,
            })
        })
        .take(20)
        .collect()
}
