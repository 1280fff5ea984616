//! The exact request sequence (method, path, query, headers, JSON body) for
//! every step type and knob value, against golden files in tests/fixtures/wire.

use crate::helpers::{FakeState, fake_sp, golden, run_yaml, wire};

const DIRECTORY: &str = r#"
directory:
  users:
    - { username: alice, email: alice@example.com, firstname: Alice, lastname: Liddell, job_title: Engineer, department: R&D, employee_identifier: E-1, cost_center: CC-7, company: Acme, employee_type: Full-time, location: Boulder, phone: "+1-555-0100", address: { street: 1 Main St, locality: Boulder, region: CO, postal_code: "80301", country: US } }
    - { username: bob, email: bob@example.com, firstname: Bob, lastname: "O'Neil" }
    - { username: carol, email: carol@example.com, firstname: Carol, lastname: Danvers, state: staged }
  groups:
    - { name: Engineering, members: [alice, carol] }
"#;

/// Run `steps` with `knobs` against a fresh fake SP; compare the wire with
/// `tests/fixtures/wire/<name>.json`; the run must pass.
async fn case(name: &str, app: &str, knobs: &str, steps: &str, state: FakeState) {
    let server = fake_sp(state).await;
    let yaml =
        format!("name: {name}\nseed: 7\nbehaviour: {{ {knobs} }}\napp: {{ {app} }}\n{DIRECTORY}\nsteps:\n{steps}");
    let ran = run_yaml(&yaml, &server.uri()).await;
    let actual = serde_json::to_string_pretty(&wire(&server).await).unwrap() + "\n";
    golden(&format!("wire/{name}.json"), &actual);
    assert_eq!(ran.summary.exit_code, jcsim::record::Exit::Pass, "{name}: failed checks {:?}", ran.failed_check_ids());
}

const GM: &str = "group_management: true";

macro_rules! wire_case {
    ($name:ident, $app:expr, $knobs:expr, $steps:expr) => {
        wire_case!($name, $app, $knobs, $steps, FakeState::default());
    };
    ($name:ident, $app:expr, $knobs:expr, $steps:expr, $state:expr) => {
        #[tokio::test]
        async fn $name() {
            case(stringify!($name), $app, $knobs, $steps, $state).await;
        }
    };
}

wire_case!(test_connection_users_list, GM, "", "  - test_connection\n");
wire_case!(
    test_connection_service_provider_config,
    GM,
    "test_connection: service_provider_config",
    "  - test_connection\n"
);
wire_case!(test_connection_users_filter, GM, "test_connection: users_filter", "  - test_connection\n");
wire_case!(activate_with_group_management, GM, "", "  - activate\n");
wire_case!(activate_without_group_management, "group_management: false", "", "  - activate\n");
wire_case!(activate_group_update_put, GM, "group_update_method: put", "  - activate\n");
wire_case!(activate_test_group_rename, GM, "test_group_update: rename", "  - activate\n");
wire_case!(activate_empty_group_members_array, GM, "empty_group_members: empty_array", "  - activate\n");
wire_case!(
    activate_group_update_put_empty_array,
    GM,
    "group_update_method: put, empty_group_members: empty_array",
    "  - activate\n"
);
wire_case!(
    activate_custom_test_email,
    "group_management: false",
    "",
    "  - activate: { test_user_email: second-test@jumpcloud.com }\n"
);
wire_case!(bind_user, GM, "", "  - activate\n  - bind_user: bob\n");
wire_case!(
    rotate_token_same_token,
    GM,
    "",
    "  - activate\n  - bind_user: bob\n  - rotate_token: { test_user_email: rotated@jumpcloud.com }\n  - rotate_token\n"
);
wire_case!(bind_user_staged_sends_nothing, GM, "", "  - activate\n  - bind_user: carol\n");
wire_case!(unbind_user, GM, "", "  - activate\n  - bind_user: bob\n  - unbind_user: bob\n");
wire_case!(bind_group, GM, "", "  - activate\n  - bind_group: Engineering\n");
wire_case!(
    bind_group_without_group_management,
    "group_management: false",
    "",
    "  - activate\n  - bind_group: Engineering\n"
);
wire_case!(
    bind_group_takeover,
    GM,
    "",
    "  - activate\n  - bind_group: Engineering\n",
    FakeState::default().with_group("Engineering").with_user("alice@example.com")
);
wire_case!(
    unbind_user_delete,
    GM,
    "on_unbind: delete",
    "  - activate\n  - bind_user: bob\n  - unbind_user: bob\n  - bind_user: bob\n  - verify\n"
);
wire_case!(
    unbind_group_delete,
    GM,
    "on_unbind: delete",
    "  - activate\n  - bind_group: Engineering\n  - bind_user: bob\n  - suspend_user: bob\n  - unbind_group: Engineering\n  - verify\n"
);
wire_case!(unbind_group, GM, "", "  - activate\n  - bind_group: Engineering\n  - unbind_group: Engineering\n");
wire_case!(
    unbind_group_still_covered_by_direct_binding,
    GM,
    "",
    "  - activate\n  - bind_user: alice\n  - bind_group: Engineering\n  - unbind_group: Engineering\n"
);
wire_case!(
    add_to_group,
    GM,
    "",
    "  - activate\n  - bind_group: Engineering\n  - add_to_group: { user: bob, group: Engineering }\n"
);
wire_case!(
    remove_from_group_value_array,
    GM,
    "member_removal: value_array",
    "  - activate\n  - bind_group: Engineering\n  - add_to_group: { user: bob, group: Engineering }\n  - remove_from_group: { user: bob, group: Engineering }\n"
);
wire_case!(
    remove_from_group_filter_path,
    GM,
    "member_removal: filter_path",
    "  - activate\n  - bind_group: Engineering\n  - add_to_group: { user: bob, group: Engineering }\n  - remove_from_group: { user: bob, group: Engineering }\n"
);
wire_case!(
    rename_group_patch,
    GM,
    "group_update_method: patch",
    "  - activate\n  - bind_group: Engineering\n  - rename_group: { group: Engineering, to: Platform }\n"
);
wire_case!(
    rename_group_put,
    GM,
    "group_update_method: put",
    "  - activate\n  - bind_group: Engineering\n  - rename_group: { group: Engineering, to: Platform }\n"
);
wire_case!(
    rename_group_patch_value,
    GM,
    "group_update_method: patch_value",
    "  - activate\n  - bind_group: Engineering\n  - rename_group: { group: Engineering, to: Platform }\n"
);
wire_case!(
    activate_group_update_patch_value,
    GM,
    "group_update_method: patch_value, test_group_update: rename",
    "  - activate\n"
);
wire_case!(
    suspend_and_unsuspend_user,
    GM,
    "",
    "  - activate\n  - bind_group: Engineering\n  - suspend_user: alice\n  - unsuspend_user: alice\n"
);
wire_case!(activate_staged_user, GM, "", "  - activate\n  - bind_group: Engineering\n  - activate_user: carol\n");
wire_case!(
    update_user_put,
    GM,
    "update_method: put",
    "  - activate\n  - bind_user: alice\n  - update_user: { user: alice, set: { job_title: CTO, phone: \"\", address: {} } }\n"
);
wire_case!(
    update_user_patch,
    GM,
    "update_method: patch",
    "  - activate\n  - bind_user: alice\n  - update_user: { user: alice, set: { job_title: CTO } }\n"
);
wire_case!(
    update_user_patch_per_attribute,
    GM,
    "update_method: patch_per_attribute",
    "  - activate\n  - bind_user: alice\n  - update_user: { user: alice, set: { job_title: CTO, lastname: Hargreaves } }\n"
);
wire_case!(bind_user_lookup_email, GM, "user_lookup: email", "  - activate\n  - bind_user: bob\n");
wire_case!(bind_user_lookup_external_id, GM, "user_lookup: external_id", "  - activate\n  - bind_user: bob\n");
wire_case!(
    suspend_user_patch_active,
    GM,
    "deprovision_method: patch_active",
    "  - activate\n  - bind_user: bob\n  - suspend_user: bob\n"
);
wire_case!(bind_group_then_add, GM, "group_create: then_add", "  - activate\n  - bind_group: Engineering\n");
wire_case!(
    bind_group_then_add_empty_array,
    GM,
    "group_create: then_add, empty_group_members: empty_array",
    "  - activate\n  - bind_group: Engineering\n"
);
wire_case!(
    update_unbound_user_sends_nothing,
    GM,
    "",
    "  - activate\n  - update_user: { user: bob, set: { job_title: CTO } }\n"
);
wire_case!(
    delete_user,
    GM,
    "user_delete: delete",
    "  - activate\n  - bind_group: Engineering\n  - add_to_group: { user: bob, group: Engineering }\n  - delete_user: bob\n"
);
wire_case!(
    delete_user_remove_first,
    GM,
    "user_delete: delete, user_delete_groups: remove_first",
    "  - activate\n  - bind_group: Engineering\n  - add_to_group: { user: bob, group: Engineering }\n  - delete_user: bob\n  - verify\n"
);
wire_case!(
    delete_user_deactivate,
    GM,
    "user_delete: deactivate",
    "  - activate\n  - bind_user: bob\n  - delete_user: bob\n"
);
wire_case!(delete_group, GM, "", "  - activate\n  - bind_group: Engineering\n  - delete_group: Engineering\n");
wire_case!(
    deactivate_app_nothing,
    GM,
    "on_deactivate: nothing",
    "  - activate\n  - bind_user: bob\n  - deactivate_app\n  - update_user: { user: bob, set: { job_title: CTO } }\n"
);
wire_case!(
    deactivate_app_deprovision_users,
    GM,
    "on_deactivate: deprovision_users",
    "  - activate\n  - bind_user: bob\n  - deactivate_app\n"
);
wire_case!(
    exclude_attributes,
    "group_management: true, exclude_attributes: [title, department, phoneNumbers, name.givenName, addresses]",
    "",
    "  - activate\n  - bind_user: alice\n  - update_user: { user: alice, set: { job_title: CTO } }\n  - update_user: { user: alice, set: { lastname: Hargreaves } }\n  - verify\n"
);
wire_case!(username_from_username, GM, "username_from: username", "  - activate\n  - bind_user: bob\n");
wire_case!(
    lookup_hit_links_existing_user,
    GM,
    "",
    "  - activate\n  - bind_user: bob\n",
    FakeState::default().with_user("bob@example.com")
);
wire_case!(
    create_user_and_group,
    GM,
    "",
    "  - activate\n  - create_user: { username: dave, email: dave+jc@example.com, firstname: Dave, lastname: Lee }\n  - create_group: { name: Sales, members: [dave] }\n  - bind_group: Sales\n"
);
wire_case!(
    verify,
    GM,
    "",
    "  - activate\n  - bind_group: Engineering\n  - add_to_group: { user: bob, group: Engineering }\n  - remove_from_group: { user: bob, group: Engineering }\n  - delete_user: bob\n  - verify\n"
);
wire_case!(
    raw_request,
    GM,
    "",
    "  - request: { method: POST, path: /Users, body: { userName: raw@example.com }, headers: { X-Trace: t1 }, expect: { status: 201 } }\n"
);
wire_case!(content_type_knob, GM, "content_type: application/json", "  - test_connection\n");
wire_case!(user_agent_knob, GM, "user_agent: \"Okta SCIM Client\"", "  - test_connection\n");

/// `capture` (a public JumpCloud body with placeholders) and `sent` have the
/// same keys at every level, the same array lengths and the same values,
/// apart from the placeholders: `<test email>`, `<jumpcloud id>` (24 hex),
/// `<sp id>` (the SP's id).
fn same_as_capture(capture: &serde_json::Value, sent: &serde_json::Value, email: &str, sp_id: &str, at: &str) {
    use serde_json::Value;
    match (capture, sent) {
        (Value::Object(c), Value::Object(s)) => {
            let (ck, sk): (Vec<&String>, Vec<&String>) = (c.keys().collect(), s.keys().collect());
            assert_eq!(ck, sk, "{at}: keys differ");
            for (k, v) in c {
                same_as_capture(v, &s[k], email, sp_id, &format!("{at}.{k}"));
            }
        }
        (Value::Array(c), Value::Array(s)) => {
            assert_eq!(c.len(), s.len(), "{at}: array lengths differ");
            for (i, (cv, sv)) in c.iter().zip(s).enumerate() {
                same_as_capture(cv, sv, email, sp_id, &format!("{at}[{i}]"));
            }
        }
        (Value::String(p), Value::String(v)) if p == "<test email>" => assert_eq!(v, email, "{at}"),
        (Value::String(p), Value::String(v)) if p == "<sp id>" => assert_eq!(v, sp_id, "{at}"),
        (Value::String(p), Value::String(v)) if p == "<jumpcloud id>" => {
            assert!(v.len() == 24 && v.chars().all(|c| c.is_ascii_hexdigit()), "{at}: {v} is not a JumpCloud id");
        }
        (c, s) => assert_eq!(c, s, "{at}"),
    }
}

/// Activation's create and minimal PUT, as they leave jcsim, equal the
/// public capture bodies key for key (tests/fixtures/captures).
#[tokio::test]
async fn activation_bodies_equal_the_public_captures() {
    let server = fake_sp(FakeState::default()).await;
    let yaml =
        format!("name: capture\nseed: 7\napp: {{ group_management: false }}\n{DIRECTORY}\nsteps:\n  - activate\n");
    let ran = run_yaml(&yaml, &server.uri()).await;
    assert_eq!(ran.summary.exit_code, jcsim::record::Exit::Pass);
    let sent = wire(&server).await;
    let sent = sent.as_array().expect("the wire is a list of requests");
    let fixture = |name: &str| -> serde_json::Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/captures").join(name);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let create = sent.iter().find(|r| r["method"] == "POST" && r["path"] == "/Users").expect("the test user's POST");
    let put = sent.iter().find(|r| r["method"] == "PUT").expect("the minimal PUT");
    let sp_id = put["path"].as_str().unwrap().trim_start_matches("/Users/");
    same_as_capture(&fixture("activation-create.json"), &create["body"], "jc-test@jumpcloud.com", sp_id, "create");
    same_as_capture(&fixture("activation-minimal-put.json"), &put["body"], "jc-test@jumpcloud.com", sp_id, "put");
}
