//! User groups: create, rename, members, delete.

use super::*;

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

async fn membership(
    state: &ConsoleState,
    v: &Visitor,
    q: &PreviewQuery,
    id: &str,
    user_id: &str,
    change: fn(Membership) -> Action,
) -> Response {
    let to = format!("/groups/{id}");
    let (Some(group), Some(user)) = (groupname_of(state, id).await, username_of(state, user_id).await) else {
        return gone(state, v, "user or group", &to);
    };
    run(state, v, q, change(Membership { user, group }), &to).await
}

pub async fn add_member(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
    Form(form): Form<UserRef>,
) -> Response {
    membership(&state, &v, &q, &id, &form.user, Action::AddToGroup).await
}

pub async fn remove_member(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
    Form(form): Form<UserRef>,
) -> Response {
    membership(&state, &v, &q, &id, &form.user, Action::RemoveFromGroup).await
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
