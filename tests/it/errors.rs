//! A corpus of malformed scenarios, each with its golden error message
//! (position, source line, caret and suggestion).

use crate::helpers::{fixtures, golden};
use jcsim::lint;
use jcsim::scenario;

/// `tests/fixtures/invalid/NAME.yaml` is rejected with the error in `NAME.err`.
fn rejected_with_golden_error(name: &str) {
    let path = fixtures().join("invalid").join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let file = format!("invalid/{name}.yaml");
    let err = scenario::env::with_vars(Default::default(), || lint::load_str(&text, &file))
        .expect_err(&format!("{name}.yaml should be rejected"));
    let rendered = err.to_string();
    assert!(rendered.contains(&format!("{file}:")), "{name}: no file:line:col in\n{rendered}");
    golden(&format!("invalid/{name}.err"), &(rendered + "\n"));
}

/// One test per malformed scenario, so every failing fixture shows at once.
macro_rules! invalid_fixtures {
    ($($test:ident: $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                rejected_with_golden_error($name);
            }
        )*

        /// Every fixture in the directory has its test above, and no more.
        #[test]
        fn every_invalid_fixture_has_a_test() {
            let listed: Vec<&str> = vec![$($name),*];
            let mut on_disk: Vec<String> = std::fs::read_dir(fixtures().join("invalid"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
                .collect();
            on_disk.sort();
            assert_eq!(on_disk, listed, "list each tests/fixtures/invalid/*.yaml in invalid_fixtures!");
        }
    };
}

invalid_fixtures! {
    invalid_01_misspelled_step: "01-misspelled-step",
    invalid_02_unknown_top_level_key: "02-unknown-top-level-key",
    invalid_03_unknown_app_key: "03-unknown-app-key",
    invalid_04_bad_knob_value: "04-bad-knob-value",
    invalid_05_unknown_knob: "05-unknown-knob",
    invalid_06_unset_env_var: "06-unset-env-var",
    invalid_07_unknown_user_in_step: "07-unknown-user-in-step",
    invalid_08_unknown_group_after_rename: "08-unknown-group-after-rename",
    invalid_09_step_needs_value: "09-step-needs-value",
    invalid_10_two_actions_in_one_step: "10-two-actions-in-one-step",
    invalid_11_bad_expect_outcome: "11-bad-expect-outcome",
    invalid_12_trailing_slash: "12-trailing-slash",
    invalid_13_email_as_username: "13-email-as-username",
    invalid_14_yaml_syntax: "14-yaml-syntax",
    invalid_15_auth_header_without_value: "15-auth-header-without-value",
    invalid_16_wrong_type: "16-wrong-type",
    invalid_17_duplicate_user: "17-duplicate-user",
    invalid_18_no_steps: "18-no-steps",
    invalid_19_unknown_user_attribute: "19-unknown-user-attribute",
    invalid_20_generate_with_username: "20-generate-with-username",
    invalid_21_unknown_quirk: "21-unknown-quirk",
    invalid_22_inbound_unknown_user: "22-inbound-unknown-user",
    invalid_23_inbound_bad_key: "23-inbound-bad-key",
    invalid_24_inbound_misspelled_step: "24-inbound-misspelled-step",
    invalid_25_inbound_create_refused: "25-inbound-create-refused",
    invalid_26_needs_quirk_unknown: "26-needs-quirk-unknown",
    invalid_27_over_indented_step: "27-over-indented-step",
    invalid_28_step_inside_a_step: "28-step-inside-a-step",
    invalid_29_key_at_the_wrong_level: "29-key-at-the-wrong-level",
    invalid_30_key_under_a_value: "30-key-under-a-value",
    invalid_31_map_beside_its_action: "31-map-beside-its-action",
    invalid_32_several_errors: "32-several-errors",
    invalid_33_exclude_username: "33-exclude-username",
    invalid_34_unknown_verify_attribute: "34-unknown-verify-attribute",
}

#[test]
fn deep_nesting_is_refused_at_the_limit_with_a_short_message() {
    let flow = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let block = format!("\n        {}x", "- ".repeat(100_000));
    for deep in [flow, block] {
        let text =
            format!("name: deep\nsteps:\n  - request:\n      method: POST\n      path: /Users\n      body: {deep}\n");
        let err = lint::load_str(&text, "deep.yaml").expect_err("refused");
        let shown = err.to_string();
        assert!(shown.contains("nest deeper than 64 levels"), "{shown}");
        assert!(shown.contains("deep.yaml:6:") || shown.contains("deep.yaml:7:"), "{shown}");
        assert!(shown.len() < 600, "the message quotes a window, not the line: {} bytes", shown.len());
    }
    // 64 levels are fine.
    let ok = format!("{}{}", "[".repeat(60), "]".repeat(60));
    let text = format!("name: ok\nsteps:\n  - request: {{ method: POST, path: /Users, body: {ok} }}\n");
    lint::load_str(&text, "ok.yaml").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn an_oversized_scenario_is_refused_before_parsing() {
    let text = format!("name: big\n# {}\nsteps: [verify]\n", "x".repeat(scenario::MAX_BYTES));
    let err = lint::load_str(&text, "big.yaml").expect_err("refused").to_string();
    assert!(err.contains("at most 1048576 are read"), "{err}");
    // From a file, it is refused without being read whole.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    std::fs::write(&path, format!("name: big\n# {}\n", "x".repeat(3 * scenario::MAX_BYTES))).unwrap();
    let err = lint::load_file(&path).expect_err("refused").to_string();
    assert!(err.contains(&format!("more than {} bytes", scenario::MAX_BYTES)), "{err}");
}

#[test]
fn a_password_in_base_url_is_refused_without_quoting_it() {
    let text = "name: pw\ntarget:\n  base_url: \"https://admin:hunter2-pw@sp.example.com/scim/v2\"\nsteps: [verify]\n";
    let err = lint::load_str(text, "pw.yaml").expect_err("refused").to_string();
    assert!(err.contains("pw.yaml:3:") && err.contains("carries credentials"), "{err}");
    assert!(!err.contains("hunter2"), "the password is quoted:\n{err}");
    assert!(err.contains("https://[REDACTED]@sp.example.com/scim/v2"), "{err}");
}

#[test]
fn a_line_break_in_a_header_fails_validation() {
    for (header, words) in [
        ("\"X-Trace\": \"a\\r\\nX-Injected: 1\"", "has a line break"),
        ("\"X-Trace\": \"a\\u0000b\"", "control character"),
        ("\"Bad Name\": \"v\"", "a header name must be a token"),
    ] {
        let text = format!(
            "name: crlf\nsteps:\n  - request:\n      method: GET\n      path: /Users\n      headers: {{ {header} }}\n"
        );
        let err = lint::load_str(&text, "crlf.yaml").expect_err("refused").to_string();
        assert!(err.contains(words) && err.contains("crlf.yaml:"), "{header}: {err}");
        assert!(!err.contains("X-Injected: 1\n"), "{err}");
    }
    let auth = "name: auth\ntarget:\n  base_url: https://sp.example.com/v2\n  auth: { bearer: \"tok\\nen-secret\" }\nsteps: [verify]\n";
    let err = lint::load_str(auth, "auth.yaml").expect_err("refused").to_string();
    assert!(err.contains("`auth.bearer` has a line break"), "{err}");
}

#[test]
fn generated_users_are_capped_in_total_not_per_block() {
    let block = "    - { generate: 600000 }\n";
    let text = format!("name: many\ndirectory:\n  users:\n{block}{block}{block}steps: [verify]\n");
    let err = lint::load_str(&text, "many.yaml").expect_err("refused").to_string();
    assert!(err.contains("many.yaml:5:") && err.contains("more than 1000000 users in all"), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "one error, at the block that crosses: {err}");
    let one = format!("name: one\ndirectory:\n  users:\n{block}steps: [verify]\n");
    lint::load_str(&one, "one.yaml").unwrap_or_else(|e| panic!("{e}"));
    // The console takes far fewer.
    let err = lint::load_untrusted(&one, "pasted.yaml").expect_err("refused").to_string();
    assert!(err.contains("pasted.yaml:4:") && err.contains("at most 10000 users"), "{err}");
}

#[test]
fn a_byte_order_mark_is_not_content() {
    let text = "\u{feff}name: bom\nsteps: [verify]\n";
    let s = lint::load_str(text, "bom.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.name, "bom");
}
