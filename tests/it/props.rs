//! Property tests: bad input gets a clear error, never a panic. The scenario
//! loader, the SCIM filter and PATCH parsers, and SP responses through the
//! whole provisioning path. Case counts are bounded so `cargo test` stays fast.

use crate::helpers::run_yaml;
use jcsim::lint;
use jcsim::record::Exit;
use jcsim::record::{Event, read_events};
use jcsim::scenario;
use jcsim::scim::filter::{self, AttrPath, CompareOp, Filter, Literal};
use jcsim::scim::patch;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use wiremock::matchers::any as any_request;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn cases(n: u32) -> Config {
    // No persistence files: the suite must not write next to the sources.
    Config { cases: n, failure_persistence: None, ..Config::default() }
}

// ---------------------------------------------------------------- scenario loader

const VALID: &str = "\
name: Props
seed: 3
behaviour:
  member_removal: value_array
  timeout_ms: 500
directory:
  users:
    - { username: alice, email: alice@example.com, firstname: Alice, lastname: Liddell }
    - username: bob
      email: bob@example.com
    - { generate: 3, email_domain: example.com, groups: [Engineering] }
  groups:
    - { name: Engineering, members: [alice] }
app:
  name: Acme
  test_user_email: jc-test@jumpcloud.com
  group_management: true
steps:
  - test_connection
  - activate
  - bind_group: Engineering
  - add_to_group: { user: bob, group: Engineering }
  - rename_group: { group: Engineering, to: Platform }
  - request: { method: GET, path: /Users, expect: { status: 200 } }
  - verify: { attributes: [job_title] }
";

/// Load with an empty environment so `${VAR}` in generated text is hermetic.
fn load(text: &str) -> Result<scenario::Scenario, scenario::ScenarioErrors> {
    scenario::env::with_vars(HashMap::new(), || lint::load_str(text, "fuzz.yaml"))
}

/// Every error of a failed load names `fuzz.yaml:line:col` inside the text.
fn assert_positioned(text: &str, result: &Result<scenario::Scenario, scenario::ScenarioErrors>) {
    let Err(errors) = result else { return };
    assert!(!errors.0.is_empty(), "an Err without any error");
    let rendered = errors.to_string();
    let lines = text.replace("\r\n", "\n").split(['\r', '\n']).count(); // YAML line breaks
    for e in &errors.0 {
        let pos = e.pos.unwrap_or_else(|| panic!("error without a position: {e}"));
        assert!(pos.line >= 1 && pos.col >= 1, "position {pos:?} is not 1-based: {e}");
        assert!(pos.line <= lines + 1, "line {} beyond the text ({lines} lines): {e}", pos.line);
        let loc = format!("fuzz.yaml:{}:{}", pos.line, pos.col);
        assert!(rendered.contains(&loc), "rendering lacks {loc}:\n{rendered}");
        assert!(!e.message.trim().is_empty(), "empty message at {loc}");
        if pos.line <= lines {
            assert!(e.source_line.is_some(), "no source line for {loc}: {e}");
        }
    }
}

#[test]
fn the_base_scenario_is_valid() {
    load(VALID).unwrap_or_else(|e| panic!("{e}"));
}

/// YAML-flavoured noise: structure characters, keys, indentation and newlines.
fn yamlish() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("\n".to_string()),
        Just("  ".to_string()),
        Just("- ".to_string()),
        Just(": ".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(", ".to_string()),
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("!!str ".to_string()),
        Just("|\n".to_string()),
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("# c\n".to_string()),
        Just("${X}".to_string()),
        Just("\t".to_string()),
        Just("---\n".to_string()),
        Just("? ".to_string()),
        prop::sample::select(vec!["name", "steps", "app", "directory", "users", "behaviour", "target", "seed"])
            .prop_map(str::to_string),
        prop::sample::select(vec!["activate", "bind_group", "verify", "request", "expect", "status"])
            .prop_map(str::to_string),
        "[a-zé0-9_]{1,6}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(atom, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn loader_never_panics_on_arbitrary_text(text in any::<String>()) {
        let result = load(&text);
        assert_positioned(&text, &result);
    }

    #[test]
    fn loader_never_panics_on_yaml_noise(text in yamlish()) {
        let result = load(&text);
        assert_positioned(&text, &result);
    }

    #[test]
    fn loader_positions_errors_in_mangled_scenarios(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, yaml_line(), any::<bool>()), 1..4)
    ) {
        let mut lines: Vec<String> = VALID.lines().map(str::to_string).collect();
        for (at, indent, line, replace) in &edits {
            let i = at.index(lines.len() + 1);
            let new = format!("{}{}", "  ".repeat(*indent), line);
            if *replace && i < lines.len() { lines[i] = new } else { lines.insert(i, new) }
        }
        let text = lines.join("\n");
        let result = load(&text);
        assert_positioned(&text, &result);
    }

    #[test]
    fn misspelled_top_level_keys_are_located_with_a_suggestion(key in prop::sample::select(vec!["nmae", "stpes", "behavior", "directroy", "seeds"])) {
        let text = VALID.replacen("name: Props", &format!("name: Props\n{key}: 1"), 1);
        let errors = load(&text).expect_err("an unknown key is an error");
        let e = &errors.0[0];
        assert_eq!(e.pos.map(|p| (p.line, p.col)), Some((2, 1)), "{errors}");
        assert!(e.message.contains("did you mean"), "{errors}");
    }
}

/// One line a careless editor might add: a key (known or not) and a value of any type.
fn yaml_line() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        prop::sample::select(vec![
            "name",
            "steps",
            "seed",
            "timeout_ms",
            "username",
            "members",
            "bind_group",
            "expect",
            "generate",
            "- activate",
            "- bind_group",
            "- request",
            "- { generate",
        ])
        .prop_map(str::to_string),
        "[a-z_]{1,10}",
    ];
    let value = prop_oneof![
        Just(String::new()),
        Just("~".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("-1".to_string()),
        Just("18446744073709551616".to_string()),
        Just("1e400".to_string()),
        Just("{ user: nobody, group: Nowhere }".to_string()),
        Just("[alice, [bob]]".to_string()),
        Just("\"unterminated".to_string()),
        Just("${UNSET_VAR}".to_string()),
        Just("*undefined_alias".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "[ -~]{0,20}",
    ];
    (key, value).prop_map(|(k, v)| format!("{k}: {v}"))
}

// ---------------------------------------------------------------- SCIM filters

fn attr_name() -> impl Strategy<Value = String> {
    // Prefixed so a generated name is never a keyword (`and`, `not`, `pr`...).
    "x[a-zA-Z0-9_]{0,6}".prop_map(|s| s.to_string())
}

fn attr_path(with_sub: bool) -> impl Strategy<Value = AttrPath> {
    let sub = if with_sub { prop::option::of(attr_name()).boxed() } else { Just(None).boxed() };
    (prop::option::of(Just("urn:ietf:params:scim:schemas:extension:acme:2.0:User".to_string())), attr_name(), sub)
        .prop_map(|(schema, name, sub)| AttrPath { schema, name, sub })
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<String>().prop_map(Literal::Str),
        (-1_000_000i64..1_000_000).prop_map(|n| Literal::Num(n as f64)),
        any::<bool>().prop_map(Literal::Bool),
        Just(Literal::Null),
    ]
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ])
}

/// A comparison the parser accepts (no ordering on booleans, no substring on numbers).
fn comparison() -> impl Strategy<Value = Filter> {
    (attr_path(true), compare_op(), literal()).prop_map(|(p, op, lit)| {
        let ordering = matches!(op, CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le);
        let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
        let lit = match lit {
            Literal::Bool(_) | Literal::Null if ordering || substring => Literal::Str("v".into()),
            Literal::Num(_) if substring => Literal::Str("v".into()),
            l => l,
        };
        Filter::Compare(p, op, lit)
    })
}

/// Filters without value paths (what may appear inside `attr[...]`).
fn simple_filter() -> impl Strategy<Value = Filter> {
    let leaf = prop_oneof![attr_path(true).prop_map(Filter::Present), comparison()];
    leaf.prop_recursive(6, 48, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::Or),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    })
}

fn any_filter() -> impl Strategy<Value = Filter> {
    let value_path = (attr_path(false), simple_filter()).prop_map(|(p, f)| Filter::ValuePath(p, Box::new(f)));
    let leaf = prop_oneof![3 => simple_filter(), 1 => value_path];
    leaf.prop_recursive(3, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::Or),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    })
}

fn render_path(p: &AttrPath) -> String {
    let mut s = p.schema.as_ref().map(|u| format!("{u}:")).unwrap_or_default();
    s.push_str(&p.name);
    if let Some(sub) = &p.sub {
        s.push('.');
        s.push_str(sub);
    }
    s
}

/// Renders a filter so that parsing it yields exactly the same tree: every
/// `and`/`or` operand is parenthesised.
fn render(f: &Filter) -> String {
    let join = |parts: &[Filter], kw: &str| {
        parts.iter().map(|p| format!("({})", render(p))).collect::<Vec<_>>().join(&format!(" {kw} "))
    };
    match f {
        Filter::And(parts) => join(parts, "and"),
        Filter::Or(parts) => join(parts, "oR"),
        Filter::Not(inner) => format!("not ({})", render(inner)),
        Filter::Present(p) => format!("{} pr", render_path(p)),
        Filter::Compare(p, op, lit) => {
            let op = format!("{op:?}").to_ascii_lowercase();
            let lit = match lit {
                Literal::Str(s) => serde_json::to_string(s).unwrap(),
                Literal::Num(n) => n.to_string(),
                Literal::Bool(b) => b.to_string(),
                Literal::Null => "null".to_string(),
            };
            format!("{} {op} {lit}", render_path(p))
        }
        Filter::ValuePath(p, inner) => format!("{}[{}]", render_path(p), render(inner)),
    }
}

/// Arbitrary JSON of bounded size and depth.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(vec!["alice@example.com", "Alice", "x1", "value", "true", ""])
            .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((json_key(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "id",
            "userName",
            "emails",
            "value",
            "primary",
            "members",
            "displayName",
            "active",
            "meta",
            "x",
            "xa",
            "name",
            "givenName",
            "urn:ietf:params:scim:schemas:extension:acme:2.0:User",
        ])
        .prop_map(str::to_string),
        attr_name(),
    ]
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn filter_parser_never_panics(input in any::<String>()) {
        // Attribute paths also arrive alone (`attributes=`, `sortBy=`).
        let _ = AttrPath::parse(&input);
        if let Err(e) = filter::parse(&input) {
            let max = input.chars().count() + 1;
            prop_assert!(e.position >= 1 && e.position <= max.max(1), "position {} of {max}: {e}", e.position);
        }
    }

    #[test]
    fn filter_parser_never_panics_on_filter_noise(
        input in prop::collection::vec(prop_oneof![
            Just("("), Just(")"), Just("["), Just("]"), Just(" and "), Just(" or "), Just("not "),
            Just(" eq "), Just(" pr"), Just("\"s\""), Just("\"\\u"), Just("\\"), Just("emails"), Just(".value"),
            Just("urn:x:y"), Just("1e5"), Just("-"), Just("true"), Just("$ref"), Just(" "),
        ], 0..40).prop_map(|v| v.concat())
    ) {
        let _ = filter::parse(&input);
        let _ = filter::parse_value_path(&input);
        let _ = patch::parse_path(&input);
    }

    #[test]
    fn generated_filters_round_trip_and_evaluate(f in any_filter(), resource in json_value()) {
        let text = render(&f);
        let parsed = filter::parse(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(&parsed, &f, "{}", text);
        let _ = parsed.matches(&resource, &filter::default_case_exact);
        let _ = parsed.matches(&resource, &|_| true);
    }
}

#[test]
fn deeply_nested_filters_are_rejected_without_overflow() {
    for depth in [filter::MAX_DEPTH + 1, 1_000, 5_000] {
        for (open, close) in [("(", ")"), ("not (", ")"), ("a[", "]")] {
            let text = format!("{}x eq 1{}", open.repeat(depth), close.repeat(depth));
            let text = &text[..text.len().min(filter::MAX_LEN)];
            let e = filter::parse(text).expect_err("too deep");
            assert!(e.position >= 1, "{e}");
        }
    }
    // The longest filter allowed: a flat chain stays shallow.
    let chain = vec!["x eq 1"; 1_400].join(" and ");
    assert!(chain.len() <= filter::MAX_LEN);
    let f = filter::parse(&chain).unwrap();
    assert!(f.matches(&json!({"x": 1}), &filter::default_case_exact));
    let too_long = "x".repeat(filter::MAX_LEN + 1);
    assert!(filter::parse(&too_long).is_err());
}

// ---------------------------------------------------------------- PATCH

fn patch_path_text() -> impl Strategy<Value = String> {
    prop_oneof![
        attr_path(true).prop_map(|p| render_path(&p)),
        (attr_path(false), simple_filter(), prop::option::of(attr_name())).prop_map(|(p, f, sub)| {
            let sub = sub.map(|s| format!(".{s}")).unwrap_or_default();
            format!("{}[{}]{sub}", render_path(&p), render(&f))
        }),
        prop::sample::select(vec![
            "members",
            "members[value eq \"x1\"]",
            "emails[type eq \"work\"].value",
            "name.givenName",
            "active",
            "id",
            "meta.created",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        ])
        .prop_map(str::to_string),
    ]
}

fn op_json() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["add", "remove", "replace", "Add", "REPLACE", "move", ""]),
        prop::option::of(prop_oneof![3 => patch_path_text(), 1 => any::<String>()]),
        prop::option::of(json_value()),
    )
        .prop_map(|(op, path, value)| {
            let mut o = json!({ "op": op });
            if let Some(p) = path {
                o["path"] = json!(p);
            }
            if let Some(v) = value {
                o["value"] = v;
            }
            o
        })
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn patch_path_parser_never_panics(input in any::<String>()) {
        if let Err(e) = patch::parse_path(&input) {
            prop_assert_eq!(e.scim_type(), "invalidPath");
        }
    }

    #[test]
    fn generated_patch_paths_parse(text in patch_path_text()) {
        patch::parse_path(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
    }

    #[test]
    fn patch_requests_apply_without_panic(
        ops in prop::collection::vec(op_json(), 0..5),
        mut resource in json_value(),
        object in any::<bool>(),
        body_noise in json_value(),
    ) {
        let _ = patch::parse_request(&body_noise);
        if object && !resource.is_object() {
            resource = json!({ "id": "x1", "userName": "alice", "members": [{ "value": "x1" }], "payload": resource });
        }
        let body = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops });
        let Ok(ops) = patch::parse_request(&body) else { return Ok(()) };
        let immutable = |k: &str| matches!(k, "id" | "meta");
        let rules = patch::Rules { case_exact: &filter::default_case_exact, immutable: &immutable };
        let was_object = resource.is_object();
        match patch::apply(&mut resource, &ops, &rules) {
            Ok(()) => prop_assert!(was_object && resource.is_object()),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        // Whatever `apply` produced is still serialisable JSON.
        serde_json::to_vec(&resource).unwrap();
    }
}

// ---------------------------------------------------------------- SP responses

/// What the fake SP answers to every request in one case.
#[derive(Debug, Clone)]
struct Canned {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

fn canned() -> impl Strategy<Value = Canned> {
    let body = prop_oneof![
        4 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        2 => json_value().prop_map(|v| serde_json::to_vec(&json!({"id": v, "Resources": [v], "totalResults": 1})).unwrap()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => Just(Vec::new()),
        1 => Just(b"{\"id\": \"x".to_vec()),
    ];
    (
        prop::sample::select(vec![200u16, 201, 204, 302, 400, 401, 404, 405, 409, 429, 500, 503]),
        prop::sample::select(vec!["application/scim+json", "application/json", "text/html", ""]),
        body,
    )
        .prop_map(|(status, content_type, body)| Canned { status, content_type, body })
}

/// Arbitrary SP answers to every request of `activate` + `bind_group`: the run
/// completes with a classified outcome and a fully parseable events.jsonl.
#[test]
fn arbitrary_sp_responses_give_a_classified_outcome() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let current: Arc<Mutex<Option<Canned>>> = Arc::default();
    let seen = Arc::new(AtomicU64::new(0));
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        let (answer, seen) = (current.clone(), seen.clone());
        Mock::given(any_request())
            .respond_with(move |_: &Request| {
                seen.fetch_add(1, Ordering::SeqCst);
                let c = answer.lock().unwrap().clone().expect("a canned answer");
                let t = ResponseTemplate::new(c.status);
                if c.content_type.is_empty() {
                    t.set_body_bytes(c.body)
                } else {
                    t.set_body_raw(c.body, c.content_type)
                }
            })
            .mount(&server)
            .await;
        server
    });
    let yaml = "name: arbitrary\nbehaviour: { retry_backoff_ms: 1, max_retries: 1, max_retry_after_s: 0, timeout_ms: 2000 }\n\
        directory:\n  users: [{ username: alice, email: alice@example.com }]\n  groups: [{ name: Eng, members: [alice] }]\n\
        app: { group_management: true }\nsteps:\n  - activate\n  - bind_group: Eng\n  - verify\n";
    let mut runner = TestRunner::new(cases(24));
    runner
        .run(&canned(), |c| {
            *current.lock().unwrap() = Some(c.clone());
            seen.store(0, Ordering::SeqCst);
            let ran = rt.block_on(run_yaml(yaml, &server.uri()));
            let code = ran.summary.exit_code;
            prop_assert!(code == Exit::Pass || code == Exit::Fail, "exit {code:?} for {c:?}");
            let log = read_events(&ran.summary.run_dir.join("events.jsonl")).unwrap();
            prop_assert!(log.bad_lines.is_empty(), "{:?}", log.bad_lines);
            prop_assert!(matches!(log.events.first(), Some(Event::RunStarted(_))));
            let Some(Event::RunFinished(fin)) = log.events.last() else {
                return Err(TestCaseError::fail("no run_finished"));
            };
            prop_assert_eq!(fin.exit_code, code);
            let ids: Vec<u64> = ran.exchanges().iter().map(|x| x.id).collect();
            let want: Vec<u64> = (1..=fin.exchanges).collect();
            prop_assert_eq!(&ids, &want, "exchange ids are contiguous and all recorded");
            prop_assert_eq!(seen.load(Ordering::SeqCst), fin.exchanges, "every request the SP saw is recorded");
            for step in &ran.summary.steps {
                if step.verdict == jcsim::record::Verdict::Fail {
                    prop_assert!(!step.checks.is_empty(), "a failed step names why: {c:?}");
                }
            }
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------- skim of large answers

/// JSON text of `v` with arbitrary JSON whitespace after every structural byte.
fn spaced(v: &Value, ws: &[u8]) -> Vec<u8> {
    let compact = serde_json::to_vec(v).unwrap();
    let mut out = Vec::with_capacity(compact.len() * 2);
    let (mut in_string, mut escaped, mut k) = (false, false, 0);
    for b in compact {
        out.push(b);
        if in_string {
            (escaped, in_string) = (!escaped && b == b'\\', escaped || b != b'"');
            continue;
        }
        if b == b'"' {
            in_string = true;
        } else if matches!(b, b'{' | b'}' | b'[' | b']' | b':' | b',') {
            out.extend(std::iter::repeat_n(b" \t\r\n"[ws[k % ws.len()] as usize % 4], ws[k % ws.len()] as usize % 3));
            k += 1;
        }
    }
    out
}

proptest! {
    #![proptest_config(cases(256))]

    /// The client's skim keeps exactly the top-level scalar members of any
    /// JSON object, whatever its whitespace and however it is chunked.
    #[test]
    fn skim_keeps_the_top_level_scalars(
        members in prop::collection::vec((json_key(), json_value()), 0..8),
        ws in prop::collection::vec(any::<u8>(), 1..16),
        chunk in 1usize..64,
    ) {
        let object = Value::Object(members.into_iter().collect::<Map<_, _>>());
        let text = spaced(&object, &ws);
        // The reference is the text parsed whole (floats as serde_json reads them).
        let parsed: Value = serde_json::from_slice(&text).expect("the spacing is valid JSON");
        let mut skim = jcsim::client::Skim::default();
        prop_assert!(text.chunks(chunk).all(|c| skim.feed(c)));
        let kept = skim.finish().expect("a whole object");
        let want: Map<String, Value> = parsed
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| !v.is_object() && !v.is_array())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        prop_assert_eq!(kept, Value::Object(want));
    }

    /// Anything that is not one JSON object is refused or left unfinished, never a panic.
    #[test]
    fn skim_refuses_what_is_not_an_object(v in json_value().prop_filter("not an object", |v| !v.is_object()), chunk in 1usize..64) {
        let text = serde_json::to_vec(&v).unwrap();
        let mut skim = jcsim::client::Skim::default();
        let fed = text.chunks(chunk).all(|c| skim.feed(c));
        prop_assert!(!fed || skim.finish().is_none());
    }
}
