//! Report tests for what a run against an own server adds: a skipped step,
//! refusal probes, the cleanup phase, the namespace and `--insecure`; and the
//! report's value diff and wrapping body panes.

use super::*;

/// An own-server run: a passing verify with two refusal probes, a failed
/// activation, a step skipped because of it, then the cleanup phase.
fn own_server_run(namespace: &str) -> Vec<Event> {
    let refusal = |mut e: Event| {
        if let Event::Exchange(x) = &mut e {
            x.expects_refusal = true;
        }
        e
    };
    let cleanup_x = |id, path, status, at| exchange(id, 4, "jcsim_cleanup", 1, "DELETE", path, Some(status), None, at);
    vec![
        Event::RunStarted(RunStarted {
            run_id: "20260102T030405Z-own-0001".into(),
            scenario: "Own server".into(),
            file: "scenarios/own.yaml".into(),
            target: "https://sp.example.com/scim/v2".into(),
            target_kind: "external".into(),
            seed: 7,
            started_at: "2026-01-02T03:04:05.000Z".into(),
            jcsim_version: "0.1.0".into(),
            behaviour: vec![],
            steps: 4,
            namespace: Some(namespace.into()),
            insecure: true,
        }),
        step(0, "test_connection", 8, 0),
        exchange(1, 0, "test_connection", 1, "GET", "/Users?count=1", Some(200), None, 0),
        finished(0, Verdict::Pass, None),
        step(1, "verify", 9, 10),
        exchange(2, 1, "jcsim_verify", 1, "GET", "/Users/u1", Some(200), Some(json!({"id": "u1"})), 10),
        refusal(exchange(3, 1, "jcsim_verify", 1, "GET", "/Users?count=1", Some(401), None, 12)),
        refusal(exchange(4, 1, "jcsim_verify", 1, "GET", "/Users/gone", Some(404), None, 14)),
        finished(1, Verdict::Pass, None),
        step(2, "activate", 10, 20),
        exchange(5, 2, "user_create_provision", 1, "POST", "/Users", Some(409), None, 20),
        Event::Check(check(2, "activation-failed", Verdict::Fail, Some(5))),
        finished(2, Verdict::Fail, Some("activation failed: HTTP 409")),
        step(3, "bind_group: Engineering", 11, 30),
        Event::StepFinished(StepFinished {
            step: 3,
            verdict: Verdict::Skip,
            duration_ms: 0.0,
            reason: Some("step 3 `activate` failed, so the integration is not active".into()),
        }),
        Event::StepStarted(StepStarted {
            step: 4,
            action: "cleanup".into(),
            title: "cleanup: 1 user(s), 1 group(s) this run created".into(),
            line: 0,
            col: 0,
            at_ms: 40,
            phase: Some(Phase::Cleanup),
        }),
        cleanup_x(6, "/Groups/g1", 204, 40),
        cleanup_x(7, "/Users/u1", 404, 43),
        Event::Check(Check {
            admin_sees: None,
            fix: None,
            message: "removed 1 user(s) and 1 group(s) this run created".into(),
            ..check(4, "cleanup", Verdict::Info, None)
        }),
        Event::StepFinished(StepFinished { step: 4, verdict: Verdict::Info, duration_ms: 6.0, reason: None }),
        Event::RunFinished(RunFinished {
            verdict: Verdict::Fail,
            steps_passed: 2,
            steps_failed: 1,
            steps_skipped: 1,
            exchanges: 7,
            duration_ms: 50.0,
            stopped_early: false,
            stop_reason: None,
            exit_code: crate::record::Exit::Fail,
            interrupted: false,
        }),
    ]
}

fn load(events: &[Event]) -> (tempfile::TempDir, Run) {
    let dir = tempfile::tempdir().unwrap();
    synth::write(dir.path(), events).unwrap();
    let run = Run::load(dir.path()).unwrap();
    (dir, run)
}

fn timeline(run: &Run) -> Value {
    let mut out = Vec::new();
    view::write_data(run, &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn the_cleanup_phase_is_kept_apart_from_the_steps() {
    let (_dir, run) = load(&own_server_run("jcs-4f1a2b"));

    let cleanup = run.cleanup.as_ref().expect("cleanup phase");
    assert_eq!((cleanup.index, cleanup.x.count, cleanup.checks.len()), (4, 2, 1));
    assert_eq!(run.steps.iter().map(|s| s.index).collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert_eq!((run.total_steps(), run.skipped(), run.not_run(), run.exchange_count()), (4, 1, 0, 7));
    assert_eq!(cleanup.checks.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["cleanup"]);
    let counts = view::counts(&run);
    assert_eq!((counts.total_steps, counts.passed, counts.failed, counts.skipped), (4, 2, 1, 1));
}

#[test]
fn junit_counts_skipped_steps_and_has_no_cleanup_testcase() {
    let (_dir, out) = render(&own_server_run("jcs-4f1a2b"));

    let xml = read(&out.junit);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    for n in [root, suite] {
        let attrs = ["tests", "failures", "errors", "skipped"].map(|a| n.attribute(a).unwrap());
        assert_eq!(attrs, ["4", "1", "0", "1"], "<{}>", n.tag_name().name());
    }
    let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 4);
    assert!(cases.iter().all(|c| !c.attribute("name").unwrap().contains("cleanup")));
    let skipped = cases[3].children().find(|n| n.has_tag_name("skipped")).expect("step 4 skipped");
    assert!(skipped.attribute("message").unwrap().contains("`activate` failed"));
    let props: Vec<_> = suite.descendants().filter(|n| n.has_tag_name("property")).collect();
    let prop = |k: &str| props.iter().find(|p| p.attribute("name") == Some(k)).and_then(|p| p.attribute("value"));
    assert_eq!((prop("namespace"), prop("insecure")), (Some("jcs-4f1a2b"), Some("true")));
}

#[test]
fn summary_numbers_steps_from_one_and_reports_skips_and_cleanup() {
    let (_dir, out) = render(&own_server_run("jcs-4f1a2b"));

    let summary: Value = serde_json::from_str(&read(&out.summary)).unwrap();

    let numbers: Vec<&Value> = summary["steps"].as_array().unwrap().iter().map(|s| &s["step"]).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    assert!(summary["steps"][0].get("index").is_none(), "no zero-based index field");
    assert_eq!(summary["steps"][2]["checks"][0]["step"], 3, "a check names its step's number");
    assert_eq!(summary["fixes"][0]["steps"], json!([3]), "fixes name step numbers");
    assert_eq!(summary["steps"][3]["verdict"], "skip");
    assert!(summary["steps"][3]["reason"].as_str().unwrap().contains("`activate` failed"));
    let totals = ["total_steps", "passed", "failed", "skipped", "exchanges"].map(|k| summary[k].clone());
    assert_eq!(totals, [json!(4), json!(2), json!(1), json!(1), json!(7)]);
    assert_eq!((&summary["namespace"], &summary["insecure"]), (&json!("jcs-4f1a2b"), &json!(true)));
    assert_eq!(
        summary["cleanup"],
        json!({
            "title": "cleanup: 1 user(s), 1 group(s) this run created",
            "exchanges": 2,
            "duration_ms": 6.0,
            "note": "removed 1 user(s) and 1 group(s) this run created",
        })
    );
    let typed: Summary = serde_json::from_value(summary).unwrap();
    assert_eq!(typed.steps[0].step, 1);
}

#[test]
fn summary_of_a_plain_run_has_no_cleanup_namespace_or_insecure_flag() {
    let (_dir, out) = render(&small_run(true));
    let summary: Value = serde_json::from_str(&read(&out.summary)).unwrap();
    assert!(summary.get("cleanup").is_none() && summary.get("namespace").is_none());
    assert_eq!((&summary["insecure"], &summary["skipped"]), (&json!(false), &json!(1)));
    assert_eq!(summary["steps"][0]["step"], 1);
}

#[test]
fn har_puts_the_cleanup_phase_on_its_own_page() {
    let (_dir, out) = render(&own_server_run("jcs-4f1a2b"));

    let har: Value = serde_json::from_str(&read(&out.har)).unwrap();

    let pages: Vec<&str> = har["log"]["pages"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(pages, ["step1", "step2", "step3", "step4", "cleanup"]);
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.iter().filter(|e| e["pageref"] == "cleanup").count(), 2);
    let refusals: Vec<u64> = entries
        .iter()
        .filter(|e| e["_jcsim"]["expects_refusal"] == true)
        .map(|e| e["_jcsim"]["id"].as_u64().unwrap())
        .collect();
    assert_eq!(refusals, [3, 4]);
}

#[test]
fn timeline_marks_skips_cleanup_and_expected_refusals() {
    let (_dir, run) = load(&own_server_run("jcs-4f1a2b"));

    let data = timeline(&run);

    assert_eq!(data["steps"].as_array().unwrap().len(), 4);
    let skip = &data["steps"][3];
    assert_eq!((&skip["v"], &skip["x0"], &skip["x1"]), (&json!("skip"), &json!(5), &json!(5)));
    assert!(skip["r"].as_str().unwrap().contains("`activate` failed"));
    let cleanup = &data["cleanup"];
    assert_eq!((&cleanup["v"], &cleanup["x0"], &cleanup["x1"]), (&json!("info"), &json!(5), &json!(7)));
    assert_eq!(cleanup["c"][0]["v"], "info");
    let flags: Vec<u8> = data["x"].as_array().unwrap().iter().map(|r| r[11].as_u64().unwrap() as u8).collect();
    use view::{FLAG_EXPECTS_REFUSAL as R, FLAG_FAILED as X, FLAG_FAILING_CHECK as C, FLAG_UNJUDGED as U};
    // #1 200, #2 200, #3 401 refused, #4 404 refused, #5 409 failing, cleanup #6 204 and #7 404
    // (never judged, so never failed).
    assert_eq!(flags, [0, 0, R, R, C | X, U, U]);
    assert!(run.steps[1].x.failed.is_empty(), "expected refusals are no failed exchanges for JUnit");
}

#[test]
fn a_refusal_probe_that_is_not_refused_is_a_failure() {
    let mut events = own_server_run("jcs-4f1a2b");
    for e in &mut events {
        if let Event::Exchange(x) = e {
            if x.id == 3 {
                x.response.as_mut().unwrap().status = 200;
            }
            if x.id == 4 {
                x.response.as_mut().unwrap().status = 500;
            }
        }
    }
    let (_dir, run) = load(&events);

    let data = timeline(&run);

    let (r, x) = (view::FLAG_EXPECTS_REFUSAL, view::FLAG_FAILED);
    assert_eq!((&data["x"][2][11], &data["x"][3][11]), (&json!(r | x), &json!(r | x)));
    assert_eq!(run.steps[1].x.failed.iter().map(|f| f.id).collect::<Vec<_>>(), [3, 4]);
}

#[test]
fn report_header_shows_namespace_insecure_skip_and_cleanup() {
    let (_dir, out) = render(&own_server_run("jcs-4f1a2b"));
    let html = read(&out.html);
    assert!(html.contains(">TLS not verified (--insecure)</span>"));
    assert!(html.contains("<dt>Namespace</dt><dd><code class=\"ns\""));
    assert!(html.contains(">jcs-4f1a2b</code>"));
    assert!(html.contains(r##"<a class="chip c-skip" href="#s-4""##), "skipped step chip");
    assert!(html.contains(r##"<a class="chip c-info" href="#cleanup""##), "cleanup chip");
    assert!(html.contains("<b>1</b><span>skipped</span>"));

    let (_dir, out) = render(&small_run(true));
    let plain = read(&out.html);
    assert!(!plain.contains("TLS not verified") && !plain.contains("Namespace") && !plain.contains("#cleanup"));
}

#[test]
fn a_hostile_namespace_stays_text() {
    let (_dir, out) = render(&own_server_run(XSS[1]));
    let html = read(&out.html);
    assert!(!html.contains(XSS[1]));
    assert!(html.contains("&lt;img src=x onerror="));
    assert!(!read(&out.junit).contains(XSS[1]));
}

#[test]
fn a_check_carries_the_value_diff_of_expected_against_actual() {
    let (expected, actual) = (json!({"members": ["a", "b"]}), json!({"members": ["a", "b", "c"]}));
    let c = Check {
        expected: Some(expected.clone()),
        actual: Some(actual.clone()),
        ..check(2, "readback-active", Verdict::Fail, Some(5))
    };

    assert_eq!(view::check(&c).diff, Some(diff::diff_values(Some(&expected), Some(&actual))));
}

/// The CSS declarations of the rule for exactly `selector`.
fn css_rule(selector: &str) -> String {
    let css = include_str!("../../../templates/report.css");
    css.split('}')
        .filter_map(|r| r.split_once('{'))
        .filter(|(sel, _)| sel.rsplit('\n').next().unwrap_or(sel).trim() == selector)
        .map(|(_, body)| body.to_string())
        .collect::<Vec<_>>()
        .join(";")
}

#[test]
fn body_panes_wrap_long_strings_and_keep_indentation() {
    for selector in [".json", ".diff div", ".xd-err"] {
        let rule = css_rule(selector);
        assert!(rule.contains("white-space:pre-wrap"), "{selector} keeps indentation and wraps: {rule}");
        assert!(rule.contains("overflow-wrap:anywhere"), "{selector} breaks a long token: {rule}");
        assert!(!rule.contains("white-space:pre;") && !rule.ends_with("white-space:pre"), "{selector}: {rule}");
    }
}
