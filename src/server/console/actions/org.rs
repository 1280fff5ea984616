//! The demo kit: a one-click demo organisation, and Reset.

use super::{Action, ConsoleState, Flash, GroupSpec, Visitor, attrs, back, step_flash};
use crate::server::console::state::ResetScope;
use axum::extract::State;
use axum::response::Response;
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
    let taken: BTreeSet<String> = core.session.dir.users.iter().map(|u| u.username.to_string()).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(core.seed ^ 0x6465_6d6f ^ taken.len() as u64);
    let people = crate::directory::generate_users(&mut rng, DEMO_PEOPLE, "acme.example", &taken);
    let departments: BTreeSet<String> = people.iter().map(|u| u.department.to_string()).collect();
    let mut failed = None;
    for name in &departments {
        if core.session.dir.group(name).is_err() {
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

/// `POST /reset`: start over (see `Core::reset`), after a typed confirmation.
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
    let self_url = state.config().self_url.clone();
    let done = core.reset(scope, state.sp(), &self_url);
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
