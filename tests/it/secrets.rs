//! A distinctive token must appear in no file of the run and nowhere on the
//! terminal, whatever the SP echoes back.

use crate::helpers::{FakeState, TOKEN, fake_sp};
use std::process::Command;

#[tokio::test]
async fn token_never_reaches_disk_or_terminal() {
    let server = fake_sp(FakeState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("leak.yaml");
    // The raw request makes the SP store and echo the token back in a body.
    std::fs::write(
        &scenario,
        format!(
            "name: leak\napp: {{ group_management: true }}\ndirectory:\n  users: [{{ username: a, email: a@example.com }}]\n  groups: [{{ name: G, members: [a] }}]\nsteps:\n  - test_connection\n  - activate\n  - bind_group: G\n  - request: {{ method: POST, path: /Users, body: {{ userName: \"{TOKEN}\" }} }}\n  - request: {{ method: GET, path: \"/Users?filter=userName%20eq%20%22{TOKEN}%22\" }}\n  - verify\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("runs");
    let output = tokio::task::spawn_blocking({
        let (scenario, out, uri) = (scenario.clone(), out.clone(), server.uri());
        move || {
            Command::new(env!("CARGO_BIN_EXE_jcsim"))
                .args([
                    "run",
                    scenario.to_str().unwrap(),
                    "--target",
                    &uri,
                    "--token-env",
                    "LEAK_TOKEN",
                    "--out",
                    out.to_str().unwrap(),
                ])
                .env("LEAK_TOKEN", TOKEN)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    let mut files = 0;
    for entry in walk(&out) {
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(!text.contains(TOKEN), "token found in {}", entry.display());
        assert!(!text.contains("tok-7f3a9c1e"), "token prefix found in {}", entry.display());
        files += 1;
    }
    assert!(files >= 2, "expected run files, found {files}");
    let events =
        std::fs::read_to_string(walk(&out).into_iter().find(|p| p.ends_with("events.jsonl")).unwrap()).unwrap();
    assert!(events.contains("Bearer [REDACTED]"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}
