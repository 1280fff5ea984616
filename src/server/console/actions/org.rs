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
/// its users, groups and memberships, its app settings, knobs and bindings
/// become the console's state, each change an ordinary step; with `run`, its
/// steps follow. The console keeps its own SP settings (the scenario's
/// `target` is not used).
/// Long on purpose: a loaded scenario becomes console state in a fixed order
/// (directory, app settings, knobs, bindings, then the steps), each an
/// ordinary recorded step.
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
        Err(e) => return back(&state, &v, "/", Flash::err("The scenario was not loaded", Some(e.to_string()))),
    };
    let mut core = state.core().await;
    if let Err(e) = core.reset(ResetScope::All) {
        drop(core);
        return back(&state, &v, "/", Flash::err("The scenario was not loaded", Some(e.to_string())));
    }
    core.adopt_app(&scenario);
    // The org as a run builds it (generated blocks included), replayed as steps.
    let seed = scenario.seed.unwrap_or(core.seed());
    let org = match crate::directory::Directory::from_scenario(&scenario, seed) {
        Ok(d) => d,
        Err(e) => {
            drop(core);
            return back(&state, &v, "/", Flash::err("The scenario was not loaded", Some(e.to_string())));
        }
    };
    let mut setup: Vec<Action> = org
        .groups
        .iter()
        .map(|g| Action::CreateGroup(GroupSpec { name: g.name.clone(), members: Vec::new() }))
        .collect();
    setup.extend(org.users.iter().map(|u| Action::CreateUser(Box::new(attrs::spec_of(&u)))));
    for g in &org.groups {
        setup.extend(g.members.iter().filter_map(|id| org.user_by_id(id)).map(|u| {
            Action::AddToGroup(crate::scenario::Membership { user: u.username.to_string(), group: g.name.clone() })
        }));
    }
    setup.extend(scenario.app.users.iter().map(|u| Action::BindUser(u.clone())));
    setup.extend(scenario.app.groups.iter().map(|g| Action::BindGroup(g.clone())));
    let (people, teams) = (org.users.iter().count(), org.groups.len());
    let mut failed = None;
    for action in setup {
        let flash = step_flash(&mut core, action).await;
        if flash.kind == "error" {
            failed.get_or_insert(flash);
        }
    }
    let mut ran = 0;
    let mut step_failures = 0;
    if f.run.is_some() && failed.is_none() {
        for step in &scenario.steps {
            match core.run_step(step.clone(), |_, _| true).await {
                Ok((summary, _, _)) => {
                    ran += 1;
                    step_failures += usize::from(summary.verdict == crate::record::Verdict::Fail);
                }
                Err(e) => {
                    failed.get_or_insert(Flash::err("A step could not be recorded", Some(e.to_string())));
                    break;
                }
            }
        }
    }
    let saved = core.save();
    drop(core);
    let flash = failed.unwrap_or_else(|| {
        let mut detail = format!(
            "{people} user(s), {teams} group(s), app \"{}\" (group management {}).",
            scenario.app.name,
            if scenario.app.group_management { "on" } else { "off" }
        );
        if f.run.is_some() {
            detail.push_str(&format!(" Ran {ran} step(s), {step_failures} failed: see Directory Insights."));
        } else {
            detail.push_str(" Its steps were not run; configure Identity Management to continue by hand.");
        }
        if let Err(e) = saved {
            detail.push_str(&format!(" The state was not saved: {e}"));
        }
        Flash::ok(format!("Scenario loaded: {}", scenario.name), Some(detail))
    });
    back(&state, &v, if f.run.is_some() { "/insights" } else { "/users" }, flash)
}
