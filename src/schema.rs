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
pub fn scenario_schema() -> Schema {
    let mut schema = SchemaSettings::draft07().into_generator().into_root_schema_for::<Scenario>().to_value();
    drop_null_defaults(&mut schema);
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
    }
}
