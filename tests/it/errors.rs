//! A corpus of malformed scenarios, each with its golden error message
//! (position, source line, caret and suggestion).

use crate::helpers::{fixtures, golden};
use jcsim::scenario;

#[test]
fn every_malformed_scenario_has_its_golden_error() {
    let dir = fixtures().join("invalid");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 15, "the corpus has {} files", names.len());
    for path in names {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let err =
            scenario::env::with_vars(Default::default(), || scenario::load_str(&text, &format!("invalid/{name}")))
                .expect_err(&format!("{name} should be rejected"));
        let rendered = err.to_string();
        assert!(rendered.contains(&format!("invalid/{name}:")), "{name}: no file:line:col in\n{rendered}");
        golden(&format!("invalid/{}", name.replace(".yaml", ".err")), &(rendered + "\n"));
    }
}
