//! Users: create, generate, edit, state changes, delete.

use super::*;

/// The user form: `username`, `email`, `state` and one field per attribute
/// of `directory::attrs` (named by its key).
#[derive(Deserialize, Default, Debug)]
#[serde(transparent)]
pub struct UserForm(std::collections::HashMap<String, String>);

impl UserForm {
    /// A field, trimmed; empty when absent.
    fn get(&self, key: &str) -> &str {
        self.0.get(key).map_or("", |v| v.trim())
    }

    fn opt(&self, key: &str) -> Option<String> {
        let v = self.get(key);
        (!v.is_empty()).then(|| v.to_string())
    }

    fn spec(&self) -> UserSpec {
        let mut spec = UserSpec { username: self.opt("username"), email: self.opt("email"), ..UserSpec::default() };
        for a in attrs::TEXT {
            a.set_spec(&mut spec, self.opt(a.key));
        }
        let mut address = AddressSpec::default();
        for p in attrs::ADDRESS {
            p.set_spec(&mut address, self.opt(p.key));
        }
        spec.address = (address != AddressSpec::default()).then_some(address);
        // ACTIVATED is the default: only say so when it is not.
        spec.state = match self.get("state") {
            "STAGED" => Some(UserStateSpec::Staged),
            "SUSPENDED" => Some(UserStateSpec::Suspended),
            _ => None,
        };
        spec
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
pub(crate) fn fake_user(core: &Org) -> UserSpec {
    let dir = core.dir();
    let taken: BTreeSet<String> = dir.users.iter().map(|u| u.username.to_string()).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(
        core.seed() ^ (core.history().len() as u64).wrapping_mul(0x9e37_79b9) ^ taken.len() as u64,
    );
    let user =
        crate::directory::generate_users(&mut rng, 1, "example.com", &taken).into_iter().next().unwrap_or_default();
    attrs::spec_of(&user)
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
        let Some(u) = core.dir().user_by_id(&id) else {
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
    let changed = |cur: &str, key: &str| (cur != f.get(key)).then(|| f.get(key).to_string());
    let mut set = UserSpec { email: changed(&u.email, "email").filter(|e| !e.is_empty()), ..UserSpec::default() };
    for a in attrs::TEXT {
        a.set_spec(&mut set, changed((a.get)(u), a.key));
    }
    let cur = u.address.clone().unwrap_or_default();
    if attrs::ADDRESS.iter().any(|p| (p.get)(&cur) != f.get(p.key)) {
        let mut address = AddressSpec::default();
        for p in attrs::ADDRESS {
            p.set_spec(&mut address, Some(f.get(p.key).to_string()));
        }
        set.address = Some(address);
    }
    set
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
        match core.dir().user_by_id(&id) {
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
