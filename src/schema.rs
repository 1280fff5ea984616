//! The JSON Schema of the scenario format, generated from the scenario types:
//! printed by `jcsim schema` and committed as `schema/scenario.schema.json`
//! for editors (a test keeps the committed copy fresh).

use crate::scenario::Scenario;
use schemars::Schema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

/// Where the repository keeps the generated schema.
pub const COMMITTED_PATH: &str = "schema/scenario.schema.json";

/// The schema of a scenario file, in JSON Schema draft 7: Red Hat's YAML
/// language server (VS Code) supports draft 7 and below, and every JetBrains
/// IDE and validator reads it.
pub(crate) fn scenario_schema() -> Schema {
    let mut schema = SchemaSettings::draft07().into_generator().into_root_schema_for::<Scenario>().to_value();
    drop_null_defaults(&mut schema);
    tag_knobs(&mut schema);
    Schema::try_from(schema).expect("a schema stays an object")
}

/// The schema as pretty-printed JSON with a trailing newline, exactly as
/// committed.
pub fn scenario_schema_json() -> String {
    // Serializing the `Schema` (not its `Value`) keeps schemars' keyword order:
    // `$schema`, `title`, `description`, `type`, `properties`, ….
    let mut text = serde_json::to_string_pretty(&scenario_schema()).expect("a JSON value serializes");
    text.push('\n');
    text
}

/// Start each knob's description with its evidence tag from [`crate::knobs::KNOBS`].
fn tag_knobs(schema: &mut Value) {
    let Some(props) = schema.pointer_mut("/definitions/Behaviour/properties").and_then(Value::as_object_mut) else {
        return;
    };
    for knob in crate::knobs::KNOBS {
        if let Some(prop) = props.get_mut(knob.name).and_then(Value::as_object_mut) {
            let doc = prop.get("description").and_then(Value::as_str).unwrap_or_default().to_string();
            prop.insert("description".into(), Value::String(format!("[{}] {doc}", knob.status.tag())));
        }
    }
}

/// `"default": null` on every optional field says nothing an editor can use.
fn drop_null_defaults(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.get("default") == Some(&Value::Null) {
                map.remove("default");
            }
            map.values_mut().for_each(drop_null_defaults);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_defaults),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_defaults_are_dropped_and_real_defaults_kept() {
        let schema = scenario_schema_json();
        assert!(!schema.contains("\"default\": null"), "{schema}");
        let s = scenario_schema().to_value();
        assert_eq!(s["$schema"], "http://json-schema.org/draft-07/schema#");
        let defs = &s["definitions"];
        assert_eq!(defs["Behaviour"]["properties"]["member_removal"]["default"], "value_array");
        assert_eq!(defs["RawRequest"]["properties"]["no_auth"]["default"], false);
        assert!(
            defs["Behaviour"]["properties"]["user_delete"]["description"].as_str().unwrap().starts_with("[I] "),
            "statuses come from the knob table"
        );
    }

    #[test]
    fn enumerated_knobs_list_every_schema_value() {
        let schema = scenario_schema().to_value();
        let defs = &schema["definitions"];
        for k in crate::knobs::KNOBS.iter().filter(|k| !k.values.is_empty()) {
            let prop = &defs["Behaviour"]["properties"][k.name];
            let reference = prop["$ref"].as_str().or(prop["allOf"][0]["$ref"].as_str()).unwrap_or_default();
            let def = &defs[reference.trim_start_matches("#/definitions/")];
            let mut listed: Vec<String> = def["oneOf"]
                .as_array()
                .map(|alts| {
                    alts.iter()
                        .filter_map(|a| a["const"].as_str().or(a["enum"][0].as_str()))
                        .map(String::from)
                        .collect()
                })
                .or_else(|| {
                    def["enum"].as_array().map(|e| e.iter().filter_map(|v| v.as_str()).map(String::from).collect())
                })
                .unwrap_or_default();
            listed.sort();
            let mut values: Vec<String> = k.values.iter().map(|v| v.to_string()).collect();
            values.sort();
            assert_eq!(listed, values, "{}", k.name);
        }
    }
}
