//! "Export as scenario": the console's actions as a YAML scenario that
//! `jcsim run` replays to the same request sequence.

use super::state::{ConsoleState, Core};
use crate::provision::Behaviour;
use crate::scenario::{Action, AddressSpec, UserSpec, UserStateSpec};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// A step in scenario form (`{"bind_group": "Engineering"}`), with
/// `expect: {outcome: fail}` when it failed in the console. `None` for
/// actions the console never sends (raw requests).
pub fn step_value(action: &Action, failed: bool) -> Option<Value> {
    let (name, arg) = match action {
        Action::TestConnection | Action::DeactivateApp | Action::Verify => (action.name(), Value::Null),
        Action::Activate { test_user_email } => (
            "activate",
            match test_user_email {
                Some(e) => json!({ "test_user_email": e }),
                None => Value::Null,
            },
        ),
        Action::CreateUser(u) => ("create_user", Value::Object(user_spec(u))),
        Action::UpdateUser(u) => ("update_user", json!({ "user": u.user, "set": Value::Object(user_spec(&u.set)) })),
        Action::DeleteUser(s)
        | Action::SuspendUser(s)
        | Action::UnsuspendUser(s)
        | Action::ActivateUser(s)
        | Action::BindUser(s)
        | Action::UnbindUser(s)
        | Action::DeleteGroup(s)
        | Action::BindGroup(s)
        | Action::UnbindGroup(s) => (action.name(), Value::String(s.clone())),
        Action::CreateGroup(g) => {
            let mut m = Map::new();
            m.insert("name".into(), json!(g.name));
            if !g.members.is_empty() {
                m.insert("members".into(), json!(g.members));
            }
            ("create_group", Value::Object(m))
        }
        Action::RenameGroup(r) => ("rename_group", json!({ "group": r.group, "to": r.to })),
        Action::AddToGroup(m) | Action::RemoveFromGroup(m) => {
            (action.name(), json!({ "user": m.user, "group": m.group }))
        }
        Action::Request(_) => return None,
        Action::Inbound(r) => {
            let mut m = Map::new();
            m.insert("method".into(), json!(r.method));
            m.insert("path".into(), json!(r.path));
            if let Some(b) = &r.body {
                m.insert("body".into(), b.clone());
            }
            ("inbound", Value::Object(m))
        }
    };
    if !failed && arg.is_null() {
        return Some(Value::String(name.to_string()));
    }
    let mut m = Map::new();
    m.insert(name.to_string(), arg);
    if failed {
        m.insert("expect".into(), json!({ "outcome": "fail" }));
    }
    Some(Value::Object(m))
}

fn user_spec(u: &UserSpec) -> Map<String, Value> {
    let mut m = Map::new();
    let fields: [(&str, &Option<String>); 14] = [
        ("username", &u.username),
        ("email", &u.email),
        ("firstname", &u.firstname),
        ("lastname", &u.lastname),
        ("displayname", &u.displayname),
        ("job_title", &u.job_title),
        ("department", &u.department),
        ("employee_identifier", &u.employee_identifier),
        ("cost_center", &u.cost_center),
        ("company", &u.company),
        ("employee_type", &u.employee_type),
        ("location", &u.location),
        ("phone", &u.phone),
        ("email_domain", &u.email_domain),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    }
    if let Some(a) = &u.address {
        m.insert("address".into(), Value::Object(address(a)));
    }
    if let Some(s) = u.state {
        let s = match s {
            UserStateSpec::Activated => "activated",
            UserStateSpec::Staged => "staged",
            UserStateSpec::Suspended => "suspended",
        };
        m.insert("state".into(), json!(s));
    }
    if let Some(p) = u.password_expired {
        m.insert("password_expired".into(), json!(p));
    }
    if !u.groups.is_empty() {
        m.insert("groups".into(), json!(u.groups));
    }
    m
}

fn address(a: &AddressSpec) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in [
        ("street", &a.street),
        ("locality", &a.locality),
        ("region", &a.region),
        ("postal_code", &a.postal_code),
        ("country", &a.country),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    }
    m
}

/// The scenario: seed, non-default knobs, app and every recorded step. The
/// directory starts empty: the console's state starts empty and every change
/// since is a step.
pub(crate) fn export_yaml(core: &Core, run_id: &str) -> String {
    let dir = &core.session.dir;
    let mut doc = Map::new();
    doc.insert("name".into(), json!("Console session"));
    doc.insert("description".into(), json!(format!("Exported from the jcsim console (run {run_id}).")));
    doc.insert("seed".into(), json!(core.seed));
    let knobs = non_default_knobs(&core.session.prov.behaviour);
    if !knobs.is_empty() {
        doc.insert("behaviour".into(), Value::Object(knobs));
    }
    doc.insert(
        "app".into(),
        json!({
            "name": dir.app.name,
            "test_user_email": dir.app.test_user_email,
            "group_management": dir.app.group_management,
        }),
    );
    doc.insert("steps".into(), Value::Array(core.history.clone()));
    let mut out = String::new();
    out.push_str("# A jcsim scenario exported from the console: `jcsim run FILE` replays it\n");
    out.push_str("# against the embedded SP; add --target URL --token-env VAR for your SP.\n");
    if core.im.changed_after_actions {
        out.push_str("# Note: Identity Management settings changed during the session; this\n");
        out.push_str("# export uses the final group-management toggle and behaviour knobs.\n");
    }
    yaml(&Value::Object(doc), 0, &mut out);
    out
}

fn non_default_knobs(b: &Behaviour) -> Map<String, Value> {
    let cur = serde_json::to_value(b).unwrap_or_default();
    let def = serde_json::to_value(Behaviour::default()).unwrap_or_default();
    let mut m = Map::new();
    if let (Some(cur), Some(def)) = (cur.as_object(), def.as_object()) {
        for (k, v) in cur {
            if def.get(k) != Some(v) {
                m.insert(k.clone(), v.clone());
            }
        }
    }
    m
}

/// A small block-style YAML writer. Strings are written JSON-quoted (valid
/// YAML double-quoted scalars) with `$` doubled, since scenarios expand `${VAR}`.
fn yaml(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, val) in m {
                out.push_str(&pad);
                out.push_str(k);
                out.push(':');
                nested(val, indent, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        // First key on the dash line, the rest aligned under it.
                        let mut first = true;
                        for (k, val) in m {
                            if first {
                                out.push(' ');
                                first = false;
                            } else {
                                out.push_str(&pad);
                                out.push_str("  ");
                            }
                            out.push_str(k);
                            out.push(':');
                            nested(val, indent + 2, out);
                        }
                    }
                    other => {
                        out.push(' ');
                        out.push_str(&scalar(other));
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn nested(val: &Value, indent: usize, out: &mut String) {
    match val {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            yaml(val, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            yaml(val, indent + 2, out);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(&s.replace('$', "$$")).unwrap_or_default(),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

/// `GET /export.yaml`: download the scenario.
pub async fn download(State(state): State<ConsoleState>) -> Response {
    let yaml = state.export().await;
    (
        [
            (header::CONTENT_TYPE, "application/yaml; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"console-session.yaml\""),
        ],
        yaml,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_writer_output_parses_back_as_a_scenario() {
        let doc = json!({
            "name": "x",
            "app": {"name": "A \"quoted\" $HOME", "group_management": true},
            "steps": [
                "test_connection",
                {"create_group": {"name": "</script>", "members": ["a"]}},
                {"activate": null, "expect": {"outcome": "fail"}},
            ],
        });
        let mut out = String::new();
        yaml(&doc, 0, &mut out);
        assert!(out.contains("$$HOME"), "{out}");
        let group = "  - create_group:\n      members:\n        - \"a\"\n      name: \"</script>\"\n";
        assert!(out.contains(group), "{out}");
        let failed = "  - activate: null\n    expect:\n      outcome: \"fail\"\n";
        assert!(out.contains(failed), "{out}");
    }
}
