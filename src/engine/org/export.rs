//! "Export as scenario": the console's actions as a YAML scenario that
//! `jcsim run` replays to the same request sequence.

use super::{Org, OrgError};
use crate::provision::Behaviour;
use crate::scenario::{Action, Expect, Outcome, Step};
use serde::Serialize;
use serde_json::Value;

/// An action as the history keeps it: a step, with `expect: {outcome:
/// fail}` when it failed in the console. `None` for actions the console
/// never sends (raw requests).
pub(crate) fn history_step(action: &Action, failed: bool) -> Option<Step> {
    if matches!(action, Action::Request(_)) {
        return None;
    }
    let expect = failed.then(|| Expect { outcome: Some(Outcome::Fail), ..Expect::default() });
    Some(Step { action: action.clone(), expect, line: 0, col: 0 })
}

/// A step in scenario form (`{"bind_group": "Engineering"}`).
fn step_value(step: &Step) -> Option<Value> {
    let mut v = serde_json::to_value(step).ok()?;
    drop_empty_lists(&mut v);
    Some(v)
}

/// Leave out `members: []`, `groups: []` and the like: absent means the same,
/// and the export reads like a hand-written scenario. Request bodies are
/// kept exactly as they are.
fn drop_empty_lists(v: &mut Value) {
    if let Value::Object(m) = v {
        m.retain(|_, x| !matches!(x, Value::Array(a) if a.is_empty()));
        for (k, x) in m.iter_mut() {
            if k != "body" {
                drop_empty_lists(x);
            }
        }
    }
}

/// The exported document, in the order a scenario is usually written.
#[derive(Serialize)]
struct Export<'a> {
    name: &'a str,
    description: String,
    seed: u64,
    #[serde(skip_serializing_if = "serde_yaml::Mapping::is_empty")]
    behaviour: serde_yaml::Mapping,
    app: ExportApp<'a>,
    steps: Vec<Value>,
}

#[derive(Serialize)]
struct ExportApp<'a> {
    name: &'a str,
    test_user_email: &'a str,
    group_management: bool,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    exclude_attributes: &'a [String],
}

/// The scenario: seed, non-default knobs, app and every recorded step. The
/// directory starts empty: the console's state starts empty and every change
/// since is a step.
pub(super) fn export_yaml(core: &Org, run_id: &str) -> Result<String, OrgError> {
    let dir = core.session.dir();
    let doc = Export {
        name: "Console session",
        description: format!("Exported from the jcsim console (run {run_id})."),
        seed: core.seed,
        behaviour: non_default_knobs(&core.session.prov().behaviour)?,
        app: ExportApp {
            name: &dir.app.name,
            test_user_email: &dir.app.test_user_email,
            group_management: dir.app.group_management,
            exclude_attributes: &dir.app.exclude_attributes,
        },
        steps: with_verify(&core.history),
    };
    let mut out = String::new();
    out.push_str("# A jcsim scenario exported from the console: `jcsim run FILE` replays it\n");
    out.push_str("# against the embedded SP; add --target URL --token-env VAR for your SP.\n");
    if core.settings.changed_after_actions {
        out.push_str("# Note: Identity Management settings changed during the session; this\n");
        out.push_str("# export uses the final group-management toggle and behaviour knobs.\n");
    }
    out.push_str(&to_yaml(&doc)?);
    Ok(out)
}

fn failed(e: impl std::fmt::Display) -> OrgError {
    OrgError::Failed { what: "the scenario export", message: e.to_string() }
}

/// Knobs that differ from the defaults, in the knob table's order.
fn non_default_knobs(b: &Behaviour) -> Result<serde_yaml::Mapping, OrgError> {
    let cur = serde_json::to_value(b).map_err(failed)?;
    let def = serde_json::to_value(Behaviour::default()).map_err(failed)?;
    let mut m = serde_yaml::Mapping::new();
    for knob in crate::knobs::KNOBS {
        if let Some(v) = cur.get(knob.name).filter(|v| def.get(knob.name) != Some(*v)) {
            m.insert(knob.name.into(), serde_yaml::to_value(v).map_err(failed)?);
        }
    }
    Ok(m)
}

/// The session's steps, ending with a `verify` (the read-back a CI run wants
/// last) unless the session already ended with one.
fn with_verify(history: &[Step]) -> Vec<Value> {
    let mut steps: Vec<Value> = history.iter().filter_map(step_value).collect();
    if !matches!(history.last().map(|s| &s.action), Some(Action::Verify(_))) {
        steps.push(Value::String("verify".into()));
    }
    steps
}

/// YAML by serde_yaml, with every `$` in a string doubled: scenarios expand
/// `${VAR}`, and an exported value must read back as it was.
fn to_yaml<T: Serialize>(doc: &T) -> Result<String, OrgError> {
    fn escape(v: &mut serde_yaml::Value) {
        match v {
            serde_yaml::Value::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
            serde_yaml::Value::Sequence(items) => items.iter_mut().for_each(escape),
            serde_yaml::Value::Mapping(m) => m.iter_mut().for_each(|(_, v)| escape(v)),
            serde_yaml::Value::Tagged(t) => escape(&mut t.value),
            _ => {}
        }
    }
    let mut v = serde_yaml::to_value(doc).map_err(failed)?;
    escape(&mut v);
    serde_yaml::to_string(&v).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn steps_leave_out_empty_lists_but_keep_bodies() {
        let g = Action::CreateGroup(crate::scenario::GroupSpec { name: "G".into(), members: Vec::new() });
        assert_eq!(step_value(&history_step(&g, false).unwrap()), Some(json!({"create_group": {"name": "G"}})));
        let body = json!({"emails": [], "userName": "x"});
        let i = Action::Inbound(crate::scenario::InboundRequest {
            method: "POST".into(),
            path: "/Users".into(),
            body: Some(body.clone()),
            expect: None,
        });
        assert_eq!(step_value(&history_step(&i, false).unwrap()).unwrap()["inbound"]["body"], body);
    }

    #[test]
    fn export_output_parses_back_as_a_scenario() {
        let steps = [
            json!("test_connection"),
            json!({"create_user": {"username": "a", "email": "a@example.com"}}),
            json!({"create_group": {"name": "</script> $HOME", "members": ["a"]}}),
            json!({"activate": null, "expect": {"outcome": "fail"}}),
        ];
        let doc = Export {
            name: "x",
            description: "d".into(),
            seed: 3,
            behaviour: serde_yaml::Mapping::new(),
            app: ExportApp {
                name: "A \"quoted\" $HOME",
                test_user_email: "t@jumpcloud.com",
                group_management: true,
                exclude_attributes: &[],
            },
            steps: steps.to_vec(),
        };
        let out = to_yaml(&doc).unwrap();
        assert!(out.starts_with("name: x\ndescription: d\nseed: 3\napp:"), "keys in writing order:\n{out}");
        assert!(out.contains("$$HOME"), "{out}");
        let back = crate::lint::load_str(&out, "export.yaml").unwrap();
        assert_eq!(back.app.name, "A \"quoted\" $HOME");
        let Action::CreateGroup(g) = &back.steps[2].action else { panic!("{out}") };
        assert_eq!((g.name.as_str(), g.members.as_slice()), ("</script> $HOME", &["a".to_string()][..]));
        assert_eq!(back.steps[3].expect.as_ref().and_then(|e| e.outcome), Some(Outcome::Fail));
    }
}
