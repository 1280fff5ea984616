//! The fidelity corpus (tests/fixtures/fidelity): recordings of real
//! JumpCloud traffic, and the simulator held against them with `compare`.

use crate::helpers::{fixtures, run_embedded};
use jcsim::fidelity::compare::{Options, compare};
use jcsim::fidelity::{Entry, entries};
use jcsim::record::{Event, read_events};

fn corpus(name: &str) -> Vec<Entry> {
    let log = read_events(&fixtures().join("fidelity").join(name).join("events.jsonl")).unwrap();
    assert!(log.bad_lines.is_empty(), "{:?}", log.bad_lines);
    entries(log.events)
}

fn capture(file: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(fixtures().join("captures").join(file)).unwrap()).unwrap()
}

#[test]
fn the_activation_corpus_holds_the_public_capture_bodies() {
    let xs = corpus("activation");
    let bodies: Vec<_> =
        xs.iter().map(|e| (e.exchange.request.method.as_str(), e.exchange.request.body.clone())).collect();
    assert_eq!(
        bodies,
        [
            ("POST", Some(capture("activation-create.json"))),
            ("PUT", Some(capture("activation-minimal-put.json"))),
            ("DELETE", None)
        ]
    );
}

async fn simulated_activation(group_management: bool) -> Vec<Entry> {
    let yaml = format!("name: activation\napp: {{ group_management: {group_management} }}\nsteps:\n  - activate\n");
    let ran = run_embedded(&yaml, |_| {}).await;
    assert_eq!(ran.summary.exit_code, jcsim::record::Exit::Pass);
    entries(ran.events.clone())
}

#[tokio::test]
async fn the_simulator_activation_is_equivalent_to_the_public_captures() {
    let captured = corpus("activation");
    for gm in [false, true] {
        let sim = simulated_activation(gm).await;
        let c = compare("corpus", &captured, "simulator", &sim, Options { subset: true });
        assert!(c.equivalent, "group_management {gm}:\n{}", c.render());
        assert_eq!(c.aligned, 3, "{}", c.render());
        // The test group's cycle was not published: listed, not a difference.
        assert_eq!(c.not_in_a.len(), if gm { 3 } else { 0 }, "{}", c.render());
    }
}

#[tokio::test]
async fn a_capture_that_differs_from_the_simulator_is_found() {
    // The minimal PUT without its explicit null, as a wrong capture would have it.
    let mut captured = corpus("activation");
    let put = captured[1].exchange.request.body.as_mut().unwrap();
    put.as_object_mut().unwrap().remove("emails");
    let sim = simulated_activation(true).await;
    let c = compare("corpus", &captured, "simulator", &sim, Options { subset: true });
    assert!(!c.equivalent);
    let text = c.render();
    assert!(text.contains("body.emails: A absent | B null"), "{text}");
    // And the corpus is a run: the report renders it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures().join("fidelity/activation/events.jsonl"), dir.path().join("events.jsonl")).unwrap();
    let out = jcsim::report::write_outputs(dir.path()).unwrap();
    assert!(out.html.is_file());
    let log = read_events(&dir.path().join("events.jsonl")).unwrap();
    assert!(matches!(log.events.last(), Some(Event::RunFinished(_))));
}

#[tokio::test]
async fn infer_reads_the_newer_forms_back_from_a_recording() {
    let yaml = "name: forms\nbehaviour: { group_update_method: patch_value, on_unbind: delete, empty_group_members: empty_array }\n\
        directory:\n  users:\n    - { username: alice, email: alice@example.com, firstname: Alice, lastname: Liddell }\n\
        \x20 groups:\n    - { name: Eng, members: [alice] }\n\
        app: { group_management: true }\n\
        steps:\n  - activate\n  - bind_group: Eng\n  - rename_group: { group: Eng, to: Platform }\n  - unbind_group: Platform\n  - bind_group: Platform\n";
    let ran = run_embedded(yaml, |_| {}).await;
    assert_eq!(ran.summary.exit_code, jcsim::record::Exit::Pass);
    let run_dir = std::fs::read_dir(ran._out.path()).unwrap().next().unwrap().unwrap().path();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_jcsim")).arg("infer").arg(&run_dir).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    for line in
        ["  group_update_method: patch_value\n", "  on_unbind: delete\n", "  empty_group_members: empty_array\n"]
    {
        assert!(out.contains(line), "{line:?} in:\n{out}");
    }
}
