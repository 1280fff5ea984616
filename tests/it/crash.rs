//! Crash safety: Ctrl-C stops cleanly and renders the outputs; kill -9 leaves
//! complete lines that `jcsim report` renders as an incomplete run.

use crate::helpers::{FakeState, TOKEN, fake_sp};
use jcsim::record::{Event, read_events};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

const STEPS: usize = 40;

/// A slow SP and a long scenario: the run is still busy when the signal comes.
async fn start(dir: &Path) -> (wiremock::MockServer, Child) {
    let server = fake_sp(FakeState::default()).await;
    let slow = ResponseTemplate::new(200)
        .set_body_raw(r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#, "application/scim+json")
        .set_delay(Duration::from_millis(50));
    Mock::given(method("GET")).respond_with(slow).with_priority(1).mount(&server).await;
    let scenario = dir.join("long.yaml");
    let steps: String = (0..STEPS).map(|_| "  - test_connection\n").collect();
    std::fs::write(&scenario, format!("name: long\nsteps:\n{steps}")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_jcsim"))
        .args(["run", scenario.to_str().unwrap(), "--target", &server.uri(), "--token-env", "CRASH_TOKEN", "--out"])
        .arg(dir.join("runs"))
        .env("CRASH_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    (server, child)
}

/// Wait until the run has recorded a few exchanges.
fn run_dir_after_exchanges(runs: &Path, n: usize) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "the run never started");
        if let Some(dir) =
            std::fs::read_dir(runs).ok().and_then(|mut d| d.next()).and_then(|e| e.ok()).map(|e| e.path())
        {
            let text = std::fs::read_to_string(dir.join("events.jsonl")).unwrap_or_default();
            if text.matches("\"type\":\"exchange\"").count() >= n {
                return dir;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill").args([sig, &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn sigint_finishes_in_flight_work_and_renders_the_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let (_server, child) = start(tmp.path()).await;
    let runs = tmp.path().join("runs");
    let dir = tokio::task::spawn_blocking(move || run_dir_after_exchanges(&runs, 3)).await.unwrap();
    signal(&child, "-INT");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    let log = read_events(&dir.join("events.jsonl")).unwrap();
    assert!(log.bad_lines.is_empty(), "{:?}", log.bad_lines);
    let Some(Event::RunFinished(f)) = log.events.last() else { panic!("no run_finished") };
    assert!(f.interrupted && f.stopped_early, "{f:?}");
    let exchanges = log.events.iter().filter(|e| matches!(e, Event::Exchange(_))).count();
    assert!(exchanges < STEPS, "the run went on after the signal");
    for file in ["report.html", "junit.xml", "run.har", "summary.json"] {
        assert!(dir.join(file).exists(), "{file} was not rendered");
    }
}

#[tokio::test]
async fn kill_9_leaves_parseable_lines_and_report_renders_incomplete() {
    let tmp = tempfile::tempdir().unwrap();
    let (_server, mut child) = start(tmp.path()).await;
    let runs = tmp.path().join("runs");
    let dir = tokio::task::spawn_blocking(move || run_dir_after_exchanges(&runs, 3)).await.unwrap();
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    let log = read_events(&dir.join("events.jsonl")).unwrap();
    assert!(log.events.len() > 3);
    assert!(!log.events.iter().any(|e| matches!(e, Event::RunFinished(_))));
    let out = Command::new(env!("CARGO_BIN_EXE_jcsim")).args(["report", dir.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["incomplete"], serde_json::json!(true));
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("INCOMPLETE") || html.contains("incomplete"));
}
