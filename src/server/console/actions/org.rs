//! The demo kit: a one-click demo organisation, and Reset.

use super::{Action, ConsoleState, Flash, GroupSpec, Visitor, attrs, back, step_flash};
use crate::engine::org::Loaded;
use crate::record::Verdict;
use crate::server::console::state::ResetScope;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use rand::SeedableRng;
use serde::Deserialize;
use std::collections::BTreeSet;

/// People in the demo organisation.
pub(crate) const DEMO_PEOPLE: usize = 30;

/// `POST /demo`: a seeded, realistic company in one click: one user group per
/// department and 30 people with proper-case titles and five-digit ZIP codes,
/// each in their department's group. Every change is an ordinary step (so
/// export replays it); nothing is sent until the app is active and bound.
pub async fn demo_org(State(state): State<ConsoleState>, Extension(v): Extension<Visitor>) -> Response {
    let mut core = state.core().await;
    let taken: BTreeSet<String> = core.dir().users.iter().map(|u| u.username.to_string()).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(core.seed() ^ 0x6465_6d6f ^ taken.len() as u64);
    let people = crate::directory::generate_users(&mut rng, DEMO_PEOPLE, "acme.example", &taken);
    let departments: BTreeSet<String> = people.iter().map(|u| u.department.to_string()).collect();
    let mut failed = None;
    for name in &departments {
        if core.dir().group(name).is_err() {
            let action = Action::CreateGroup(GroupSpec { name: name.clone(), members: Vec::new() });
            let flash = step_flash(&mut core, action).await;
            if flash.kind == "error" {
                failed.get_or_insert(flash);
            }
        }
    }
    for user in &people {
        let mut spec = attrs::spec_of(user);
        spec.groups = vec![user.department.to_string()];
        let flash = step_flash(&mut core, Action::CreateUser(Box::new(spec))).await;
        if flash.kind == "error" {
            failed.get_or_insert(flash);
        }
    }
    drop(core);
    let flash = failed.unwrap_or_else(|| {
        Flash::ok(
            "Demo organisation created",
            Some(format!(
                "{} people in {} department groups ({}). Create an app, activate it and bind groups to provision them.",
                people.len(),
                departments.len(),
                departments.iter().cloned().collect::<Vec<_>>().join(", ")
            )),
        )
    });
    back(&state, &v, "/users", flash)
}

#[derive(Deserialize)]
pub struct ResetForm {
    /// `org`, `app` or `all`.
    what: String,
    /// The confirmation: the form asks the admin to type RESET.
    #[serde(default)]
    confirm: String,
}

/// `POST /reset`: start over (see `Org::reset`), after a typed confirmation.
pub async fn reset(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Form(f): Form<ResetForm>,
) -> Response {
    let scope = match f.what.as_str() {
        "org" => ResetScope::Org,
        "app" => ResetScope::App,
        "all" => ResetScope::All,
        _ => return back(&state, &v, "/", Flash::err("Nothing reset", Some("Choose org, app or all.".into()))),
    };
    if f.confirm.trim() != "RESET" {
        return back(&state, &v, "/", Flash::err("Nothing reset", Some("Type RESET to confirm.".into())));
    }
    let mut core = state.core().await;
    let done = core.reset(scope);
    drop(core);
    let flash = match done {
        Ok(()) => Flash::ok(
            match scope {
                ResetScope::Org => "Organisation reset",
                ResetScope::App => "Application reset",
                ResetScope::All => "Organisation and application reset",
            },
            Some(
                "jcsim's state starts over (the embedded SP's too, with the organisation); nothing was sent to any SP."
                    .into(),
            ),
        ),
        Err(e) => Flash::err("Reset failed", Some(e.to_string())),
    };
    back(&state, &v, "/", flash)
}

#[derive(Deserialize)]
pub struct LoadForm {
    /// A built-in scenario's path (`lifecycle/05-bind-group.yaml`), or empty.
    #[serde(default)]
    builtin: String,
    /// Or a scenario's YAML, pasted.
    #[serde(default)]
    yaml: String,
    /// Also run the scenario's steps (Directory Insights follows them).
    #[serde(default)]
    run: Option<String>,
}

/// `POST /load`: start over from a scenario (a built-in one or pasted YAML):
/// see `Org::load`. With `run`, its steps follow with `jcsim run`'s skip
/// cascade, and the banner takes the colour of the worst verdict.
pub async fn load(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Form(f): Form<LoadForm>,
) -> Response {
    let (text, file) = match f.builtin.trim() {
        "" => (f.yaml.clone(), "pasted.yaml".to_string()),
        path => match crate::scenario::builtin::FILES.iter().find(|(p, _)| *p == path) {
            Some((p, text)) => (text.to_string(), format!("{}{p}", crate::scenario::builtin::PREFIX)),
            None => return back(&state, &v, "/", Flash::err("No such built-in scenario", Some(path.to_string()))),
        },
    };
    // Pasted text is someone else's: it may not read this server's environment.
    let scenario = match crate::lint::load_untrusted(&text, &file) {
        Ok(s) => s,
        Err(e) => return back(&state, &v, "/", Flash::err_pre("The scenario was not loaded", e.to_string())),
    };
    let loaded = state.core().await.load(&scenario, f.run.is_some()).await;
    let flash = match loaded {
        Err(e) => Flash::err("The scenario was not loaded", Some(e.to_string())),
        Ok(l) => loaded_flash(&scenario, &l),
    };
    back(&state, &v, if f.run.is_some() { "/insights" } else { "/users" }, flash)
}

/// The banner after a load: the first failed setup action's, or a summary
/// coloured by the worst verdict of the steps run.
fn loaded_flash(scenario: &crate::scenario::Scenario, l: &Loaded) -> Flash {
    if let Some((action, summary)) = &l.setup_failure {
        return super::banner(action, summary);
    }
    let mut detail = format!(
        "{} user(s), {} group(s), app \"{}\" (group management {}).",
        l.users,
        l.groups,
        scenario.app.name,
        if scenario.app.group_management { "on" } else { "off" }
    );
    let title = format!("Scenario loaded: {}", scenario.name);
    let Some(steps) = &l.steps else {
        detail.push_str(" Its steps were not run; configure Identity Management to continue by hand.");
        return Flash::ok(title, Some(detail));
    };
    let count = |v: Verdict| steps.iter().filter(|s| s.verdict == v).count();
    let (failed, warned, skipped) = (count(Verdict::Fail), count(Verdict::Warn), count(Verdict::Skip));
    detail.push_str(&format!(
        " Ran {} step(s): {failed} failed, {warned} with warnings, {skipped} skipped. See Directory Insights.",
        steps.len() - skipped
    ));
    // Numbered as in the scenario (the session numbers its setup steps too).
    if let Some((n, first)) = steps.iter().enumerate().find(|(_, s)| s.verdict == Verdict::Fail) {
        let why = first.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
        detail.push_str(&format!(" First failure: step {} `{}`{why}", n + 1, first.title));
    }
    if failed > 0 {
        Flash::err(title, Some(detail))
    } else if warned > 0 {
        Flash::warn(title, Some(detail))
    } else {
        Flash::ok(title, Some(detail))
    }
}

/// `POST /readiness`: run `jcsim readiness` against the app's SP (Base URL
/// and Token Key), into the runs directory, then show its report. Names are
/// tagged and everything created is deleted afterwards, as with
/// `jcsim readiness --target`. Blocks this request for the run (seconds).
pub async fn run_readiness(State(state): State<ConsoleState>, Extension(v): Extension<Visitor>) -> Response {
    let Some(runner) = state.config().readiness.clone() else {
        return back(&state, &v, "/readiness", Flash::err("Readiness is not available in this server", None));
    };
    let target = {
        let core = state.core().await;
        if !core.settings().app_created { None } else { core.target() }
    };
    let Some(target) = target else {
        return back(
            &state,
            &v,
            "/readiness",
            Flash::err(
                "Configure the app first",
                Some("Readiness checks the app's Base URL with its Token Key.".into()),
            ),
        );
    };
    let opts = crate::readiness::ReadinessOptions {
        out_dir: state.config().runs_dir.clone(),
        command: format!("jcsim readiness --target {} (from the console)", target.base_url),
        target: Some(target),
        namespace: crate::engine::Namespace::Auto,
        cleanup: true,
        ..Default::default()
    };
    let ran = tokio::task::spawn_blocking(move || (runner.0)(opts)).await;
    match ran {
        Ok(Ok(r)) => {
            let id = r.dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            let flash = if r.readiness.exit_code == 0 {
                Flash::ok(format!("Readiness: {} of {} capabilities ready", r.readiness.ready, r.readiness.total), None)
            } else {
                Flash::err(
                    format!("Readiness: {} of {} capabilities ready", r.readiness.ready, r.readiness.total),
                    None,
                )
            };
            state.sessions().set_flash(&v.sid, flash);
            axum::response::Redirect::to(&format!("/readiness#{id}")).into_response()
        }
        Ok(Err(e)) => back(&state, &v, "/readiness", Flash::err("Readiness could not run", Some(e))),
        Err(e) => back(&state, &v, "/readiness", Flash::err("Readiness could not run", Some(e.to_string()))),
    }
}
