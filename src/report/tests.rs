//! Report tests: golden outputs for a small deterministic run, parse-back of
//! JUnit and HAR, incomplete runs, hostile input and secrets.

mod own_server;

#[path = "../../tests/support/golden.rs"]
mod golden_file;
use super::run::Run;
use super::synth::{self, SynthOptions, XSS};
use super::*;
use crate::record::*;
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report")
}

/// Compare with a golden file; `UPDATE_GOLDEN=1` rewrites it.
fn golden(rel: &str, actual: &str) {
    golden_file::check(&fixtures().join(rel), actual);
}

fn headers(auth: &str) -> Vec<(String, String)> {
    vec![("Accept".into(), "application/scim+json".into()), ("Authorization".into(), auth.into())]
}

#[allow(clippy::too_many_arguments)]
fn exchange(
    id: u64,
    step: usize,
    event: &str,
    attempt: u32,
    method: &str,
    path: &str,
    status: Option<u16>,
    body: Option<Value>,
    start_ms: u64,
) -> Event {
    Event::Exchange(Exchange {
        id,
        step,
        line: 0,
        event: event.into(),
        label: format!("{event} #{id}"),
        attempt,
        request: RecordedRequest {
            method: method.into(),
            url: format!("http://127.0.0.1:9000/scim/v2{path}"),
            headers: headers("Bearer [REDACTED]"),
            body: (method != "GET").then(|| json!({"userName": "alice@example.com"})),
        },
        response: status.map(|s| RecordedResponse {
            status: s,
            headers: vec![("content-type".into(), "application/scim+json".into())],
            body: body.clone(),
            body_text: None,
        }),
        error: status.is_none().then(|| TransportFault {
            kind: crate::record::FaultKind::Timeout,
            message: "no response within 10000 ms".into(),
        }),
        timing: Timing { start_ms, duration_ms: 2.5 },
        expects_refusal: false,
    })
}

fn step(step: usize, title: &str, line: usize, at_ms: u64) -> Event {
    let action = title.split(':').next().unwrap_or(title).to_string();
    Event::StepStarted(StepStarted { step, action, title: title.into(), line, col: 5, at_ms, phase: None })
}

fn finished(step: usize, verdict: Verdict, reason: Option<&str>) -> Event {
    Event::StepFinished(StepFinished { step, verdict, duration_ms: 9.5, reason: reason.map(str::to_string) })
}

fn check(step: usize, id: &str, verdict: Verdict, exchange: Option<u64>) -> Check {
    Check {
        step,
        id: id.into(),
        verdict,
        message: format!("{id} message"),
        admin_sees: Some("Activation failed".into()),
        fix: Some("Answer with 201".into()),
        exchange,
        expected: None,
        actual: None,
    }
}

/// A small run: pass, a failure with a 409, a retry, a timeout, a verify diff.
fn small_run(finish: bool) -> Vec<Event> {
    let mut ev = vec![
        Event::RunStarted(RunStarted {
            run_id: "20260102T030405Z-small-0001".into(),
            scenario: "Small & simple".into(),
            file: "scenarios/small.yaml".into(),
            target: "http://127.0.0.1:9000/scim/v2".into(),
            target_kind: "embedded".into(),
            seed: 7,
            started_at: "2026-01-02T03:04:05.000Z".into(),
            jcsim_version: "0.1.0".into(),
            behaviour: vec![("update_method".into(), "put".into())],
            steps: 4,
            namespace: None,
            insecure: false,
        }),
        step(0, "test_connection", 8, 0),
        exchange(
            1,
            0,
            "test_connection",
            1,
            "GET",
            "/Users?startIndex=1&count=1",
            Some(200),
            Some(json!({"totalResults": 0})),
            0,
        ),
        finished(0, Verdict::Pass, None),
        step(1, "bind_user: alice", 9, 10),
        exchange(
            2,
            1,
            "user_lookup_provision",
            1,
            "GET",
            "/Users?filter=userName%20eq%20%22alice%40example.com%22",
            Some(200),
            Some(json!({"Resources": []})),
            10,
        ),
        exchange(3, 1, "user_create_provision", 1, "POST", "/Users", Some(503), None, 13),
        exchange(4, 1, "user_create_provision", 2, "POST", "/Users", Some(409), Some(json!({"detail": "exists"})), 16),
        Event::Check(check(1, "sp-rejected-request", Verdict::Fail, Some(4))),
        finished(1, Verdict::Fail, Some("creating alice failed: HTTP 409")),
        step(2, "verify", 10, 20),
        exchange(5, 2, "jcsim_verify", 1, "GET", "/Users/u1", None, None, 20),
        Event::Check(Check {
            expected: Some(json!({"active": true, "name": "Alice"})),
            actual: Some(json!({"active": false, "name": "Alice"})),
            ..check(2, "readback-active", Verdict::Fail, Some(5))
        }),
        Event::Check(check(2, "location-meta", Verdict::Warn, None)),
        finished(2, Verdict::Fail, Some("1 read-back difference")),
    ];
    if finish {
        ev.push(Event::RunFinished(RunFinished {
            verdict: Verdict::Fail,
            steps_passed: 1,
            steps_failed: 2,
            steps_skipped: 1,
            exchanges: 5,
            duration_ms: 30.25,
            stopped_early: true,
            stop_reason: Some("--fail-fast: stopped after the first failed step".into()),
            exit_code: crate::record::Exit::Fail,
            interrupted: false,
        }));
    }
    ev
}

fn render(events: &[Event]) -> (tempfile::TempDir, Outputs) {
    let dir = tempfile::tempdir().unwrap();
    synth::write(dir.path(), events).unwrap();
    let out = write_outputs(dir.path()).unwrap();
    (dir, out)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// report.html without the volatile or bulky parts: inline CSS/JS and nonce.
fn stable_html(html: &str) -> String {
    let mut s = cut_between(html, "<style>", "</style>", "<!-- CSS -->");
    s = cut_between(&s, "\"use strict\";", "})();\n</script>", "<!-- JS -->\n");
    let nonce = s.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).unwrap_or("").to_string();
    if !nonce.is_empty() {
        s = s.replace(&nonce, "<NONCE>");
    }
    s
}

fn cut_between(s: &str, start: &str, end: &str, with: &str) -> String {
    match (s.find(start), s.find(end)) {
        (Some(a), Some(b)) if b > a => format!("{}{}{}", &s[..a + start.len()], with, &s[b..]),
        _ => s.to_string(),
    }
}

#[test]
fn golden_outputs_for_a_small_run() {
    let (dir, out) = render(&small_run(true));
    let run_dir = dir.path().display().to_string();
    golden("small/report.html", &stable_html(&read(&out.html)));
    golden("small/junit.xml", &read(&out.junit));
    golden("small/run.har", &read(&out.har).replace(env!("CARGO_PKG_VERSION"), "<VERSION>"));
    let mut summary: Value = serde_json::from_str(&read(&out.summary)).unwrap();
    assert_eq!(summary["run_dir"], json!(run_dir));
    summary["run_dir"] = json!("<RUN_DIR>");
    golden("small/summary.json", &serde_json::to_string_pretty(&summary).unwrap());
    golden("small/events.jsonl", &read(&dir.path().join("events.jsonl")));
}

#[test]
fn view_model_groups_rows_by_step_and_interns_events() {
    let dir = tempfile::tempdir().unwrap();
    synth::write(dir.path(), &small_run(true)).unwrap();
    let run = Run::load(dir.path()).unwrap();
    let mut out = Vec::new();
    view::write_data(&run, &mut out).unwrap();
    let data: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(data["base"], "http://127.0.0.1:9000/scim/v2");
    assert_eq!(
        data["events"],
        json!(["test_connection", "user_lookup_provision", "user_create_provision", "jcsim_verify"])
    );
    let ranges: Vec<_> =
        data["steps"].as_array().unwrap().iter().map(|s| (s["x0"].clone(), s["x1"].clone(), s["v"].clone())).collect();
    assert_eq!(
        ranges,
        [(json!(0), json!(1), json!("pass")), (json!(1), json!(4), json!("fail")), (json!(4), json!(5), json!("fail"))]
    );
    let row = &data["x"][3];
    assert_eq!(
        (&row[0], &row[4], &row[6], &row[7], &row[11]),
        (&json!(4), &json!(2), &json!("/Users"), &json!(409), &json!(view::FLAG_FAILING_CHECK | view::FLAG_FAILED))
    );
    assert_eq!(data["x"][0][11], 0, "a 200 carries no flag");
    assert_eq!((&data["x"][4][7], &data["x"][4][10]), (&json!(0), &json!("timeout")));
    assert_eq!(data["not_run"], 1);
    assert_eq!(data["cleanup"], Value::Null);
    let diff = &data["steps"][2]["c"][0]["diff"];
    assert!(diff.as_array().unwrap().contains(&json!(["-", "  \"active\": true,"])));
    assert!(diff.as_array().unwrap().contains(&json!(["+", "  \"active\": false,"])));
    assert!(diff.as_array().unwrap().contains(&json!([" ", "  \"name\": \"Alice\""])));
    let counts = view::counts(&run);
    assert_eq!((counts.passed, counts.failed, counts.skipped, counts.retries, counts.no_response), (1, 2, 1, 1, 1));
}

#[test]
fn script_json_escapes_markup_and_line_separators() {
    let s = view::script_json(&json!({"a": "</script><b>&\u{2028}\u{2029}"})).unwrap();
    assert_eq!(s, r#"{"a":"\u003c/script\u003e\u003cb\u003e\u0026\u2028\u2029"}"#);
    let back: Value = serde_json::from_str(&s).unwrap();
    assert_eq!(back["a"], "</script><b>&\u{2028}\u{2029}");
}

proptest::proptest! {
    /// The streaming escaper gives the same bytes however the JSON is split
    /// into writes, including inside a U+2028/U+2029 or another E2 sequence.
    #[test]
    fn script_safe_is_independent_of_write_boundaries(
        text in "[a-z<>&\u{2028}\u{2029}\u{2000}\u{20ac}\u{e2}\u{80}é ]{0,40}",
        cuts in proptest::collection::vec(0usize..200, 0..8),
    ) {
        use std::io::Write;
        let whole = view::script_json(&json!({"t": text})).unwrap();
        let raw = serde_json::to_vec(&json!({"t": text})).unwrap();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (raw.len() + 1)).collect();
        cuts.sort_unstable();
        let mut out = Vec::new();
        let mut w = view::ScriptSafe::new(&mut out);
        let mut at = 0;
        for c in cuts.into_iter().chain([raw.len()]) {
            w.write_all(&raw[at..c]).unwrap();
            at = c;
        }
        w.flush().unwrap();
        drop(w);
        proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), whole.clone());
        let inert = !whole.contains('<') && !whole.contains('\u{2028}') && !whole.contains('\u{2029}');
        proptest::prop_assert!(inert, "unescaped markup or separator in {}", whole);
        let back: Value = serde_json::from_str(&whole).unwrap();
        proptest::prop_assert_eq!(back["t"].as_str().unwrap(), text.as_str());
    }
}

#[test]
fn rows_and_details_stay_grouped_and_aligned_when_steps_interleave_in_the_file() {
    let mut events = small_run(true);
    // Move the step 0 exchange after step 1's: the file is no longer in step order.
    let first = events.remove(2);
    events.insert(6, first);
    let dir = tempfile::tempdir().unwrap();
    synth::write(dir.path(), &events).unwrap();
    let run = Run::load(dir.path()).unwrap();
    let (mut data, mut details) = (Vec::new(), Vec::new());
    view::write_data(&run, &mut data).unwrap();
    view::write_details(&run, &mut details).unwrap();
    let data: Value = serde_json::from_slice(&data).unwrap();
    let details: Value = serde_json::from_slice(&details).unwrap();
    let ids: Vec<u64> = data["x"].as_array().unwrap().iter().map(|r| r[0].as_u64().unwrap()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(data["steps"][1]["x0"], 1);
    let urls: Vec<&str> = details.as_array().unwrap().iter().map(|d| d[0].as_str().unwrap()).collect();
    assert!(urls[0].ends_with("/Users?startIndex=1&count=1") && urls[4].ends_with("/Users/u1"), "{urls:?}");
}

#[test]
fn a_file_that_grows_after_loading_renders_what_was_loaded() {
    let dir = tempfile::tempdir().unwrap();
    synth::write(dir.path(), &small_run(true)).unwrap();
    let run = Run::load(dir.path()).unwrap();
    let path = dir.path().join("events.jsonl");
    let mut text = read(&path);
    text.push_str(&jsonl(&[exchange(9, 2, "jcsim_verify", 1, "GET", "/Users/late", Some(200), None, 40)]));
    std::fs::write(&path, text).unwrap();
    let mut data = Vec::new();
    view::write_data(&run, &mut data).unwrap();
    let data: Value = serde_json::from_slice(&data).unwrap();
    assert_eq!(data["x"].as_array().unwrap().len(), 5);
}

#[test]
fn junit_parses_back_with_failures_skips_and_control_characters() {
    let mut events = small_run(true);
    if let Event::StepStarted(s) = &mut events[4] {
        s.title = "bind_user: a\u{1}b <&> \"q\"".into();
    }
    let (_dir, out) = render(&events);
    let xml = read(&out.junit);
    let doc = roxmltree::Document::parse(&xml).expect("valid XML");
    let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!(suite.attribute("name"), Some("Small & simple"));
    assert_eq!(suite.attribute("tests"), Some("4"));
    assert_eq!(suite.attribute("failures"), Some("2"));
    assert_eq!(suite.attribute("skipped"), Some("1"));
    assert_eq!(suite.attribute("timestamp"), Some("2026-01-02T03:04:05"));
    let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 4);
    assert_eq!(cases[1].attribute("name"), Some("bind_user: a\\u{1}b <&> \"q\""));
    assert_eq!(cases[1].attribute("classname"), Some("scenarios/small.yaml"));
    let failure = cases[1].children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("message"), Some("creating alice failed: HTTP 409 — fix: Answer with 201"));
    let body = failure.text().unwrap();
    assert!(body.contains("[FAIL] sp-rejected-request") && body.contains("JumpCloud admin sees: Activation failed"));
    assert!(body.contains("#4 POST http://127.0.0.1:9000/scim/v2/Users → 409 [user_create_provision]"));
    let verify = cases[2].children().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(verify.text().unwrap().contains("#5 GET http://127.0.0.1:9000/scim/v2/Users/u1 → no response (timeout"));
    let skipped = cases[3].children().find(|n| n.has_tag_name("skipped")).unwrap();
    assert!(skipped.attribute("message").unwrap().contains("--fail-fast"));
}

#[test]
fn har_parses_back_with_pages_entries_and_errors() {
    let (_dir, out) = render(&small_run(true));
    let har: Value = serde_json::from_str(&read(&out.har)).unwrap();
    let log = &har["log"];
    assert_eq!(log["version"], "1.2");
    assert_eq!(log["creator"]["name"], "jcsim");
    assert_eq!(log["pages"].as_array().unwrap().len(), 3);
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 5);
    let lookup = &entries[1];
    assert_eq!(lookup["pageref"], "step2");
    assert_eq!(lookup["startedDateTime"], "2026-01-02T03:04:05.010Z");
    assert_eq!(
        lookup["request"]["queryString"][0],
        json!({"name": "filter", "value": "userName eq \"alice@example.com\""})
    );
    assert_eq!(lookup["request"]["headersSize"], -1);
    assert_eq!(lookup["_jcsim"]["event"], "user_lookup_provision");
    let create = &entries[3];
    assert_eq!(create["request"]["postData"]["mimeType"], "application/scim+json");
    assert_eq!(create["request"]["postData"]["text"], r#"{"userName":"alice@example.com"}"#);
    assert_eq!(create["response"]["status"], 409);
    assert_eq!(create["response"]["statusText"], "Conflict");
    assert_eq!(create["response"]["content"]["text"], r#"{"detail":"exists"}"#);
    assert_eq!(create["_jcsim"]["attempt"], 2);
    assert_eq!(create["timings"]["wait"], 2.5);
    let timeout = &entries[4];
    assert_eq!(timeout["response"]["status"], 0);
    assert_eq!(timeout["_error"], "timeout: no response within 10000 ms");
}

#[test]
fn incomplete_run_with_a_torn_line_still_renders() {
    let mut events = small_run(false);
    events.truncate(events.len() - 3); // cut inside step 3, before its checks
    let dir = tempfile::tempdir().unwrap();
    synth::write(dir.path(), &events).unwrap();
    let path = dir.path().join("events.jsonl");
    let mut text = read(&path);
    text.push_str("{\"type\":\"check\",\"step\":2,\"id\":\"verify.us");
    std::fs::write(&path, text).unwrap();

    let out = write_outputs(dir.path()).unwrap();

    let summary: Summary = serde_json::from_str(&read(&out.summary)).unwrap();
    assert!(summary.incomplete);
    assert_eq!((summary.exit_code, summary.verdict.as_str()), (crate::record::Exit::Unreachable, "fail"));
    assert_eq!(summary.steps[2].reason.as_deref(), Some("the run ended before this step finished"));
    let html = read(&out.html);
    assert!(html.contains("INCOMPLETE"));
    assert!(html.contains("events.jsonl line 13: torn last line skipped"));
    let xml = read(&out.junit);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert!(doc.descendants().any(|n| n.has_tag_name("error") && n.attribute("type") == Some("jcsim.incomplete")));
}

#[test]
fn hostile_strings_stay_inert_in_every_output() {
    let events = synth::events(&SynthOptions { exchanges: 2200, hostile: true, finish: true });
    let (dir, out) = render(&events);
    let index = write_index(dir.path(), &[dir.path().to_path_buf()]).unwrap();
    let html = read(&out.html);
    for payload in XSS {
        assert!(!html.contains(payload), "raw payload in report.html: {payload}");
        assert!(!read(&index).contains(payload));
        assert!(!read(&out.junit).contains(payload));
    }
    let lower = html.to_ascii_lowercase();
    assert_eq!(lower.matches("<script").count(), 3, "only our three script elements");
    assert_eq!(lower.matches("</script").count(), 3);
    // The payloads survive only as escaped text (`\u003cimg …`), never as markup.
    for markup in ["<img", "<svg", "<!--"] {
        assert!(!lower.contains(markup), "{markup:?} in report.html");
    }
    for script in lower.split("<script").skip(1) {
        let body = script.split("</script").next().unwrap();
        assert!(!body.contains(['\u{2028}', '\u{2029}']), "raw line separator in a script");
    }
    assert!(html.contains("Synthetic load&lt;&#x2F;script&gt;"), "title is escaped text");
    roxmltree::Document::parse(&read(&out.junit)).expect("junit stays valid XML");
    let har: Value = serde_json::from_str(&read(&out.har)).unwrap();
    assert!(har["log"]["entries"].as_array().unwrap().len() > 2000);
}

#[test]
fn xss_fixture_for_the_browser_check_is_current() {
    let events = synth::events(&SynthOptions { exchanges: 120, hostile: true, finish: true });
    golden("xss/events.jsonl", &jsonl(&events));
}

#[test]
fn only_redacted_credentials_reach_any_output() {
    let mut events = small_run(true);
    for e in &mut events {
        if let Event::Exchange(x) = e {
            // As if the file had been written without redaction.
            x.request.headers = headers("Bearer sekrit-token-123");
            x.request.headers.push(("X-Api-Key".into(), "key-456-secret".into()));
            if let Some(r) = x.response.as_mut() {
                r.headers.push(("Set-Cookie".into(), "sid=cookie-789-secret".into()));
            }
        }
    }
    let (dir, out) = render(&events);
    let combined = dir.path().join("ci");
    let (j, h, w) = (combined.join("all.xml"), combined.join("all.har"), combined.join("all.html"));
    let runs = [dir.path().to_path_buf()];
    write_combined(&runs, Some(&j), Some(&h), Some(&w)).unwrap();
    let index = write_index(dir.path(), &runs).unwrap();
    for file in [&out.html, &out.junit, &out.har, &out.summary, &j, &h, &w, &index] {
        let text = read(file);
        for secret in ["sekrit", "key-456", "cookie-789"] {
            assert!(!text.contains(secret), "{secret} in {}", file.display());
        }
    }
    let har: Value = serde_json::from_str(&read(&out.har)).unwrap();
    let auth: Vec<&Value> = har["log"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["request"]["headers"].as_array().unwrap())
        .filter(|h| h["name"].as_str().unwrap().eq_ignore_ascii_case("authorization"))
        .map(|h| &h["value"])
        .collect();
    assert_eq!(auth.len(), 5);
    assert!(auth.iter().all(|v| *v == "Bearer [REDACTED]"));
}

#[test]
fn report_stays_small_relative_to_events() {
    let events = synth::events(&SynthOptions { exchanges: 4000, hostile: false, finish: true });
    let (dir, out) = render(&events);
    let events_len = std::fs::metadata(dir.path().join("events.jsonl")).unwrap().len() as f64;
    let html_len = std::fs::metadata(&out.html).unwrap().len() as f64;
    assert!(html_len <= 1.5 * events_len, "report.html is {:.2}× events.jsonl", html_len / events_len);
}

#[test]
fn combined_outputs_hold_every_run() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    synth::write(a.path(), &small_run(true)).unwrap();
    synth::write(b.path(), &small_run(false)).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (j, h, w) = (out.path().join("j.xml"), out.path().join("h.har"), out.path().join("r.html"));
    let runs = [a.path().to_path_buf(), b.path().to_path_buf()];

    write_combined(&runs, Some(&j), Some(&h), Some(&w)).unwrap();

    let xml = read(&j);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("testsuite")).count(), 2);
    let har: Value = serde_json::from_str(&read(&h)).unwrap();
    assert_eq!(har["log"]["entries"].as_array().unwrap().len(), 10);
    assert_eq!(har["log"]["pages"][3]["id"], "run2.step1");
    let html = read(&w);
    assert!(html.contains("report.html") && html.contains("INCOMPLETE"));
    write_combined(&runs[..1], None, None, Some(&w)).unwrap();
    assert!(read(&w).contains("id=\"jc-data\""), "one run: its own report");
    assert!(matches!(write_combined(&[], None, None, None), Err(ReportError::NoRuns)));
}

#[test]
fn find_run_dirs_accepts_a_run_or_a_parent() {
    let parent = tempfile::tempdir().unwrap();
    for name in ["b-run", "a-run"] {
        synth::write(&parent.path().join(name), &small_run(true)).unwrap();
    }
    std::fs::create_dir(parent.path().join("not-a-run")).unwrap();
    let dirs = find_run_dirs(parent.path()).unwrap();
    assert_eq!(dirs, [parent.path().join("a-run"), parent.path().join("b-run")]);
    assert_eq!(find_run_dirs(&dirs[0]).unwrap(), [dirs[0].clone()]);
}

#[test]
fn garbage_input_never_panics() {
    let inputs: Vec<Vec<u8>> = vec![
        vec![],
        b"\xff\xfe\x00garbage\n\n{".to_vec(),
        br#"{"type":"exchange","id":1,"step":18446744073709551615}"#.to_vec(),
        br#"{"type":"run_started","run_id":"x","scenario":"s","file":"f","target":"http://u:p@h","target_kind":"k","seed":1,"started_at":"9999-12-31T23:59:59Z","jcsim_version":"v","steps":18446744073709551615}"#.to_vec(),
        jsonl(&small_run(true)).replace("\"start_ms\":10", "\"start_ms\":18446744073709551615").into_bytes(),
        jsonl(&small_run(true)).replace("\"step\":1,", "\"step\":99999,").into_bytes(),
    ];
    for bytes in inputs {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("events.jsonl"), &bytes).unwrap();
        let out = write_outputs(dir.path()).unwrap();
        assert!(!read(&out.html).contains("u:p@"));
        write_index(dir.path(), &[dir.path().to_path_buf()]).unwrap();
    }
    assert!(matches!(write_outputs(Path::new("/nonexistent/run")), Err(ReportError::Read { .. })));
}

fn jsonl(events: &[Event]) -> String {
    events.iter().map(|e| serde_json::to_string(e).unwrap() + "\n").collect()
}

#[test]
fn verdict_names_are_their_serialized_form() {
    for v in [Verdict::Pass, Verdict::Fail, Verdict::Warn, Verdict::Skip, Verdict::Info] {
        assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
    }
}
