//! The JSON Schema of a step, written by hand because `Step` has a hand-written
//! deserializer: it mirrors `StepVisitor` and `ActionSeed` action by action.

use super::{
    ActivateArgs, Arg, Expect, InboundRequest, Membership, RawRequest, Rename, STEPS, Step, StepDef, UpdateUser,
};
use crate::scenario::model::{GroupSpec, UserSpec};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::Map;
use std::borrow::Cow;

impl JsonSchema for Step {
    fn schema_name() -> Cow<'static, str> {
        "Step".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let expect = g.subschema_for::<Expect>();
        // Steps written as a bare name (`- activate`).
        let bare: Vec<&str> = STEPS
            .iter()
            .filter(|d| matches!(d.arg, Arg::Unit(_) | Arg::Activate | Arg::RotateToken | Arg::Verify))
            .map(|d| d.name)
            .collect();
        let mut forms = vec![json_schema!({
            "description": "A step without arguments, written as a bare name.",
            "type": "string",
            "enum": bare,
        })];
        for def in STEPS {
            let name = &def.name;
            let mut properties = Map::new();
            properties.insert(name.to_string(), argument(def, g).into());
            properties.insert("expect".into(), expect.clone().into());
            let mut form = json_schema!({
                "description": def.description,
                "type": "object",
                "properties": properties,
                "required": [name],
                "additionalProperties": false,
            });
            if *name == "request" || *name == "inbound" {
                // `expect` inside `request` and beside it at once is an error.
                form.insert(
                    "not".into(),
                    serde_json::json!({
                        "required": ["expect", *name],
                        "properties": { *name: {
                            "required": ["expect"],
                            "properties": { "expect": { "type": "object" } }
                        } }
                    }),
                );
            }
            forms.push(form);
        }
        json_schema!({
            "description": "An admin action: a bare name (`- activate`) or a map with exactly one action key (`- bind_group: Engineering`), optionally with `expect:` beside it.",
            "oneOf": forms,
        })
    }
}

/// The schema of an action's value, as `ActionSeed` deserializes it.
fn argument(def: &StepDef, g: &mut SchemaGenerator) -> Schema {
    match def.arg {
        Arg::Unit(_) => json_schema!({
            "description": "Takes no value.",
            "type": "null",
        }),
        Arg::Activate => {
            let args = g.subschema_for::<ActivateArgs>();
            json_schema!({ "anyOf": [{ "type": "null" }, args] })
        }
        Arg::Verify => {
            let args = g.subschema_for::<super::VerifyArgs>();
            json_schema!({ "anyOf": [{ "type": "null" }, args] })
        }
        Arg::RotateToken => {
            let args = g.subschema_for::<super::RotateToken>();
            json_schema!({ "anyOf": [{ "type": "null" }, args] })
        }
        Arg::User(_) => json_schema!({ "description": "The user's `username`.", "type": "string" }),
        Arg::Group(_) => json_schema!({ "description": "The group's name.", "type": "string" }),
        Arg::Membership(_) => g.subschema_for::<Membership>(),
        Arg::CreateUser => g.subschema_for::<UserSpec>(),
        Arg::UpdateUser => g.subschema_for::<UpdateUser>(),
        Arg::CreateGroup => g.subschema_for::<GroupSpec>(),
        Arg::RenameGroup => g.subschema_for::<Rename>(),
        Arg::Request => g.subschema_for::<RawRequest>(),
        Arg::Inbound => g.subschema_for::<InboundRequest>(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// A validator for the `Step` definition of the scenario schema.
    fn step_validator() -> (boon::Schemas, boon::SchemaIndex) {
        let root = crate::schema::scenario_schema().to_value();
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.add_resource("mem:scenario.json", root).expect("add schema");
        let idx = compiler.compile("mem:scenario.json#/definitions/Step", &mut schemas).expect("compile");
        (schemas, idx)
    }

    fn deserializes(yaml: &str) -> bool {
        serde_yaml::from_str::<Step>(yaml).is_ok()
    }

    fn schema_accepts(yaml: &str, v: &(boon::Schemas, boon::SchemaIndex)) -> bool {
        let value: Value = serde_yaml::from_str::<serde_yaml::Value>(yaml)
            .ok()
            .and_then(|y| serde_json::to_value(y).ok())
            .expect("sample is YAML");
        v.0.validate(&value, v.1).is_ok()
    }

    /// Every step in `STEPS` has an object form naming it, and the bare
    /// forms are exactly the steps that take no value.
    #[test]
    fn every_action_has_a_form() {
        let mut g = SchemaGenerator::default();
        let schema = Step::json_schema(&mut g).to_value();
        let forms = schema["oneOf"].as_array().unwrap();
        assert_eq!(forms.len(), STEPS.len() + 1);
        for def in STEPS {
            let name = def.name;
            assert!(forms.iter().any(|f| f["required"] == serde_json::json!([name])), "no form for `{name}`");
            assert!(!def.description.is_empty(), "no description for `{name}`");
            let bare = matches!(def.arg, Arg::Unit(_) | Arg::Activate | Arg::RotateToken | Arg::Verify);
            assert_eq!(deserializes(name), bare, "bare `{name}`");
        }
    }

    /// Every step's example is valid, makes an action of that name, and
    /// serializes back to a form that reads the same.
    #[test]
    fn every_example_reads_and_round_trips() {
        for def in STEPS {
            let yaml = def.example.replace("{…}", "{}");
            let step: Step = serde_yaml::from_str(&yaml).unwrap_or_else(|e| panic!("example of `{}`: {e}", def.name));
            assert_eq!(step.action.name(), def.name);
            let again: Step = serde_yaml::from_str(&serde_yaml::to_string(&step).unwrap()).unwrap();
            assert_eq!(again, step, "`{}` does not round-trip", def.name);
        }
        let failed: Step = serde_yaml::from_str("verify:\nexpect: { outcome: fail }").unwrap();
        let text = serde_yaml::to_string(&failed).unwrap();
        assert_eq!(serde_yaml::from_str::<Step>(&text).unwrap(), failed, "{text}");
    }

    /// The schema and the deserializer agree on every sample: both accept or
    /// both reject.
    #[test]
    fn schema_and_deserializer_agree() {
        let v = step_validator();
        let samples = [
            "test_connection",
            "activate",
            "deactivate_app",
            "verify",
            "bind_group",
            "bogus",
            "5",
            "[activate]",
            "{}",
            "expect: { outcome: fail }",
            "activate:",
            "activate: { test_user_email: x@example.com }",
            "activate: { test_user_email: null }",
            "verify: { attributes: [job_title, department] }",
            "verify: { attributes: [] }",
            "verify: {}",
            "verify: { attributes: job_title }",
            "verify: { fields: [job_title] }",
            "verify: job_title",
            "activate: {}",
            "activate: { email: x@example.com }",
            "activate: x@example.com",
            "test_connection:",
            "test_connection: {}",
            "test_connection: yes",
            "verify: {}",
            "deactivate_app:",
            "create_user: { username: carol, email: carol@example.com }",
            "create_user: { username: carol, mail: carol@example.com }",
            "create_user: carol",
            "create_user: { username: carol, address: { street: 1 Main St } }",
            "create_user: { username: carol, address: { road: 1 Main St } }",
            "create_user: { username: carol, state: staged }",
            "create_user: { username: carol, state: asleep }",
            "create_user: { username: carol, password_expired: true }",
            "create_user: { username: carol, password_expired: maybe }",
            "update_user: { user: alice, set: { job_title: CTO } }",
            "update_user: { user: alice }",
            "update_user: { user: alice, set: { jobtitle: CTO } }",
            "update_user: alice",
            "delete_user: alice",
            "delete_user: { user: alice }",
            "suspend_user: alice",
            "unsuspend_user: alice",
            "activate_user: alice",
            "bind_user: alice",
            "unbind_user: alice",
            "bind_user: [alice]",
            "create_group: { name: Sales, members: [alice] }",
            "create_group: { name: Sales }",
            "create_group: { members: [alice] }",
            "create_group: Sales",
            "rename_group: { group: Engineering, to: Platform }",
            "rename_group: { group: Engineering }",
            "rename_group: { group: Engineering, to: Platform, extra: 1 }",
            "delete_group: Engineering",
            "bind_group: Engineering",
            "unbind_group: Engineering",
            "bind_group: { name: Engineering }",
            "add_to_group: { user: bob, group: Engineering }",
            "remove_from_group: { user: bob, group: Engineering }",
            "add_to_group: { user: bob }",
            "add_to_group: bob",
            "request: { method: GET, path: /Users }",
            "request: { method: POST, path: /Users, body: { userName: x }, headers: { X-A: b }, no_auth: true }",
            "request: { method: GET, path: /Users, expect: { status: 200 } }",
            "request: { method: GET }",
            "request: { method: GET, path: /Users, timeout: 3 }",
            "request: { method: GET, path: /Users, headers: { X-A: [b] } }",
            "request: { method: GET, path: /Users, no_auth: sometimes }",
            "{ request: { method: GET, path: /Users }, expect: { status: 200 } }",
            "{ request: { method: GET, path: /Users, expect: { status: 200 } }, expect: { status: 200 } }",
            "{ request: { method: GET, path: /Users, expect: null }, expect: { status: 200 } }",
            "{ activate: null, expect: { outcome: fail, status: 409, reason_contains: exists } }",
            "{ activate: null, expect: { outcome: maybe } }",
            "{ activate: null, expect: { status: 99999 } }",
            "{ activate: null, expect: { status: -1 } }",
            "{ activate: null, expect: { outcome: fail, extra: 1 } }",
            "{ activate: null, expect: {} }",
            "{ activate: null, expect: 3 }",
            "{ activate: null, verify: null }",
            "{ bind_group: Engineering, unbind_group: Engineering }",
            "{ bind_gruop: Engineering }",
            "{ activate: null, expect: null }",
            "request: { method: GET, path: /Users, body: null }",
            "request: { method: GET, path: /Users, body: [1, 2] }",
        ];
        let mut disagreements = Vec::new();
        for yaml in samples {
            let (de, schema) = (deserializes(yaml), schema_accepts(yaml, &v));
            if de != schema {
                disagreements.push(format!(
                    "{yaml:?}: deserializer {}, schema {}",
                    if de { "accepts" } else { "rejects" },
                    if schema { "accepts" } else { "rejects" }
                ));
            }
        }
        assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    }

    /// serde_yaml reads any scalar where a string is expected (`2024`,
    /// `true`, an empty value); the schema asks for a string, so an editor
    /// suggests quoting. This is the one deliberate difference.
    #[test]
    fn schema_wants_strings_where_yaml_would_coerce_scalars() {
        let v = step_validator();
        for yaml in
            ["bind_group: 2024", "bind_group: true", "bind_group: null", "delete_user:", "create_group: { name: 2024 }"]
        {
            assert!(deserializes(yaml), "{yaml:?}: deserializer rejects");
            assert!(!schema_accepts(yaml, &v), "{yaml:?}: schema accepts");
        }
        assert!(schema_accepts("bind_group: \"2024\"", &v));
    }
}
