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
    if !core.create_app(name) {
        drop(core);
        return back(
            &state,
            &v,
            "/apps/app?tab=identity",
            Flash::err(
                "jcsim simulates one SSO application per organization",
                Some("Configure the existing application.".into()),
            ),
        );
    }
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
    let field = |s: &str| s.trim().chars().take(1024).collect::<String>();
    core.set_sso(field(&form.idp_entity_id), field(&form.sp_entity_id), field(&form.acs_url));
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

/// Validate the form into a connection change (knobs applied to the
/// current ones).
fn connection(core: &Org, f: &ImForm) -> Result<Connection, String> {
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
    let mut behaviour = core.behaviour().clone();
    for (k, v) in f.knobs() {
        behaviour = behaviour.with_override(&format!("{k}={v}"))?;
    }
    Ok(Connection {
        base_url,
        auth_type,
        header_name,
        token: f.token_key.trim().to_string(),
        test_user_email: email,
        group_management: f.group_management.is_some(),
        behaviour,
        // A checkbox per attribute (`exclude.title`).
        exclude_attributes: crate::knobs::EXCLUDABLE
            .iter()
            .filter(|a| f.rest.contains_key(&format!("exclude.{a}")))
            .map(|a| a.to_string())
            .collect(),
    })
}

/// Validate and apply the form's settings (see `Org::apply_connection`).
fn apply_im(core: &mut Org, f: &ImForm) -> Result<Applied, String> {
    let c = connection(core, f)?;
    core.apply_connection(c).map_err(|e| e.to_string())
}

/// Preview with the form's plan-relevant settings; nothing changes.
async fn preview_im(core: &mut Org, f: &ImForm, action: Action) -> Response {
    let mut b = core.behaviour().clone();
    for (k, v) in f.knobs() {
        if let Ok(nb) = b.with_override(&format!("{k}={v}")) {
            b = nb;
        }
    }
    // Another SP: the plan is the one from scratch.
    let base = &core.settings().base_url;
    let other_sp = !base.is_empty() && f.base_url.trim() != base;
    let plan = core.preview_with(f.group_management.is_some(), b, other_sp, &action).await;
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

/// Save on an active integration whose connection changed: JumpCloud runs
/// the activation test again [C]. It needs a new Test User Email each time:
/// an admin types one; jcsim offers (and, when the last one is kept, takes)
/// a fresh one, and says so.
fn reactivation(core: &mut Org, applied: &Applied, last_email: Option<&str>) -> (Action, Option<String>) {
    if applied.target_changed {
        // Until the activation passes, JumpCloud sends nothing to either SP.
        core.mark_inactive();
    }
    if last_email != Some(applied.email.as_str()) {
        return (Action::Activate { test_user_email: Some(applied.email.clone()) }, None);
    }
    let fresh = core.fresh_test_email(&applied.email);
    core.set_test_user_email(fresh.clone());
    let note = format!(
        "JumpCloud runs the activation test again after a settings change and needs a new Test User Email: jcsim used {fresh}."
    );
    (Action::Activate { test_user_email: Some(fresh) }, Some(note))
}

async fn im_action(state: &ConsoleState, v: &Visitor, q: &PreviewQuery, f: &ImForm, which: ImButton) -> Response {
    let mut core = state.core().await;
    if !core.settings().app_created {
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
        // Save sends nothing, unless it re-runs the activation of an
        // active integration whose connection changes.
        let action = match planned {
            Some(a) => a,
            None if core.dir().app.active => Action::Activate { test_user_email: Some(email) },
            None => return plan_json("Save the settings (no SCIM requests are sent)".into(), Vec::new()),
        };
        return preview_im(&mut core, f, action).await;
    }
    if which == ImButton::Deactivate {
        let flash = step_flash(&mut core, Action::DeactivateApp).await;
        drop(core);
        return back(state, v, IM_TAB, flash);
    }
    let was_active = core.dir().app.active;
    let last_email = core.settings().last_activation_email.clone();
    let mut fresh_note = None;
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
            let (action, note) = reactivation(&mut core, &applied, last_email.as_deref());
            fresh_note = note;
            action
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
    if let Action::Activate { test_user_email: Some(email) } = &action {
        core.note_activation_email(email.clone());
    }
    let mut flash = step_flash(&mut core, action).await;
    flash.notes.extend(fresh_note);
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

/// "Use the built-in SP": the form's settings with the embedded SP's Base
/// URL and token (a Base URL and its token always change together), saved
/// like any settings change.
pub async fn im_builtin(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Query(q): Query<PreviewQuery>,
    Form(mut f): Form<ImForm>,
) -> Response {
    {
        let core = state.core().await;
        f.base_url = core.embedded_url().to_string();
        f.token_key = core.embedded_token().unwrap_or_default();
    }
    f.auth_type = "bearer".into();
    im_action(&state, &v, &q, &f, ImButton::Save).await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /apps/app/im/remove-created`: after a confirmation, delete what
/// this session created at the current SP (see `Org::remove_created`).
pub async fn remove_created(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Form(f): Form<ConfirmForm>,
) -> Response {
    if f.confirm != "yes" {
        return back(&state, &v, IM_TAB, Flash::err("Nothing removed", Some("Tick the confirmation first.".into())));
    }
    let mut core = state.core().await;
    let done = core.remove_created().await;
    drop(core);
    let flash = match done {
        Ok(None) => Flash::ok("Nothing to remove", Some("This session created nothing at the SP.".into())),
        Ok(Some(s)) => {
            // The cleanup phase's one note says what was removed or what was left.
            let message = s.checks.first().map(|c| c.message.clone()).unwrap_or_default();
            let detail = format!(
                "{message}. JumpCloud's links to the SP are dropped: the next activation provisions from scratch. See Directory Insights (initiator: jcsim)."
            );
            if message.starts_with("removed") {
                Flash::ok("Removed what this session created at the SP", Some(detail))
            } else {
                Flash::err("Not everything was removed", Some(detail))
            }
        }
        Err(e) => Flash::err("Nothing removed", Some(e.to_string())),
    };
    back(&state, &v, IM_TAB, flash)
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
