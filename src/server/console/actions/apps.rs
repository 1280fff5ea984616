//! The application: create, SSO, Identity Management and bindings.

use super::*;

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
    /// Behaviour knobs (Advanced): every field named like a console knob
    /// of [`crate::knobs::KNOBS`].
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

impl ImForm {
    fn knobs(&self) -> Vec<(&'static str, &str)> {
        crate::knobs::KNOBS
            .iter()
            .filter(|k| k.console)
            .filter_map(|k| self.rest.get(k.name).map(|v| (k.name, v.trim())))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }
}

/// What applying the form changed.
struct Applied {
    connection_changed: bool,
    email: String,
    /// The SP changed: the id map was dropped (this many links).
    target_changed: bool,
    forgot: usize,
}

/// Drop JumpCloud's links to the SP's users and groups (the target changed):
/// the next activation provisions every bound user and group from scratch,
/// and no old SP id is ever sent to the new SP. Returns how many were dropped.
fn forget_links(core: &mut Core) -> usize {
    let prov = &mut core.session.prov;
    let n = prov.users.len() + prov.groups.len();
    prov.users.clear();
    prov.groups.clear();
    prov.deleted_users.clear();
    prov.deleted_groups.clear();
    n
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
    // Another SP (a new Base URL, or a new token: another tenant of it):
    // JumpCloud's links to the old SP's users and groups mean nothing there.
    let target_changed = core.im.app_created
        && !core.im.base_url.is_empty()
        && (base_url != core.im.base_url || (!token.is_empty() && core.token.as_deref() != Some(token)));
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
    let forgot = if target_changed { forget_links(core) } else { 0 };
    Ok(Applied { connection_changed, email, forgot, target_changed })
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
    // Another SP: the plan is the one from scratch (links set aside, then restored).
    let other_sp = !core.im.base_url.is_empty() && f.base_url.trim() != core.im.base_url;
    let links = other_sp.then(|| {
        let p = &mut core.session.prov;
        (std::mem::take(&mut p.users), std::mem::take(&mut p.groups))
    });
    let plan = preview(&core.session, &action).await;
    if let Some((users, groups)) = links {
        core.session.prov.users = users;
        core.session.prov.groups = groups;
    }
    core.session.dir.app.group_management = saved.0;
    core.session.dir.app.test_user_email = saved.1;
    core.session.prov.behaviour = saved.2;
    plan_json(action.title(), plan)
}

const IM_TAB: &str = "/apps/app?tab=identity";

/// The Identity Management tab's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImButton {
    Save,
    Test,
    Activate,
    Deactivate,
}

async fn im_action(state: &ConsoleState, v: &Visitor, q: &PreviewQuery, f: &ImForm, which: ImButton) -> Response {
    let mut core = state.core().await;
    if !core.im.app_created {
        drop(core);
        return back(state, v, "/apps", Flash::err("Create an application first", None));
    }
    let email = f.test_user_email.trim().to_string();
    let planned = match which {
        ImButton::Test => Some(Action::TestConnection),
        ImButton::Activate => Some(Action::Activate { test_user_email: Some(email.clone()) }),
        ImButton::Deactivate => Some(Action::DeactivateApp),
        ImButton::Save => None,
    };
    if q.on() {
        let action = planned.unwrap_or(Action::Activate { test_user_email: Some(email) });
        return preview_im(&mut core, f, action).await;
    }
    if which == ImButton::Deactivate {
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
        ImButton::Test => Action::TestConnection,
        ImButton::Activate => Action::Activate { test_user_email: Some(applied.email.clone()) },
        // Save: a settings change on an active integration re-runs the test [C].
        _ if was_active && applied.connection_changed => {
            if applied.target_changed {
                // Until the activation passes, JumpCloud sends nothing to either SP.
                core.session.dir.app.active = false;
            }
            if last_email.as_deref() == Some(applied.email.as_str()) {
                let mut detail = "Any settings change on an active integration needs a fresh test email: JumpCloud runs the activation test again.".to_string();
                if let Err(e) = core.save() {
                    detail.push_str(&format!(" The settings were not saved either: {e}"));
                }
                drop(core);
                return back(state, v, IM_TAB, Flash::err("Enter a new Test User Email", Some(detail)));
            }
            Action::Activate { test_user_email: Some(applied.email.clone()) }
        }
        _ => {
            let saved = core.save();
            drop(core);
            let mut flash = match saved {
                Ok(()) => Flash::ok("Application saved", None),
                Err(e) => Flash::err("Application not saved", Some(e.to_string())),
            };
            if applied.target_changed && applied.forgot > 0 {
                flash.notes.push(format!(
                    "The SP changed: JumpCloud dropped its {} link(s) to the old SP's users and groups; the next activation provisions them to the new SP from scratch.",
                    applied.forgot
                ));
            }
            return back(state, v, IM_TAB, flash);
        }
    };
    if matches!(action, Action::Activate { .. }) {
        core.im.last_activation_email = Some(applied.email);
    }
    let mut flash = step_flash(&mut core, action).await;
    if applied.target_changed {
        flash.notes.insert(0, format!(
            "The SP changed: JumpCloud dropped its {} link(s) to the old SP's users and groups; activation provisions every bound user and group to the new SP from scratch.",
            applied.forgot
        ));
    }
    drop(core);
    back(state, v, IM_TAB, flash)
}

pub async fn im_save(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(f): Form<ImForm>,
) -> Response {
    im_action(&state, &v, &q, &f, ImButton::Save).await
}

pub async fn im_test(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(f): Form<ImForm>,
) -> Response {
    im_action(&state, &v, &q, &f, ImButton::Test).await
}

pub async fn im_activate(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(f): Form<ImForm>,
) -> Response {
    im_action(&state, &v, &q, &f, ImButton::Activate).await
}

pub async fn im_deactivate(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(f): Form<ImForm>,
) -> Response {
    im_action(&state, &v, &q, &f, ImButton::Deactivate).await
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
