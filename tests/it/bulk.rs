//! Bulk sync: per-user work in parallel under `concurrency`, each user's own
//! requests in order, the group pushed after its members; `pace` throttles.

use crate::helpers::{FakeState, fake_sp, run_embedded, run_yaml};
use jcsim::record::Event;
use jcsim::record::Exit;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

fn bulk(n: usize, knobs: &str) -> String {
    format!(
        "name: bulk\nbehaviour: {{ {knobs} }}\napp: {{ group_management: true }}\ndirectory:\n  users: [{{ generate: {n}, email_domain: example.com, groups: [All] }}]\n  groups: [{{ name: All }}]\nsteps:\n  - activate\n  - bind_group: All\n  - verify\n"
    )
}

#[tokio::test]
async fn concurrent_bind_reaches_the_same_state_with_per_user_order() {
    let ran = run_embedded(&bulk(40, "concurrency: 8"), |_| {}).await;
    assert_eq!(ran.summary.exit_code, Exit::Pass, "{:?}", ran.failed_check_ids());
    let xs = ran.exchanges();
    // Each user's lookup comes before its create; the group create comes after every user create.
    let mut lookup_at: HashMap<String, u64> = HashMap::new();
    let mut last_user_create = 0;
    let mut group_create = 0;
    for x in &xs {
        match x.event.as_str() {
            "user_lookup_provision" => {
                lookup_at.insert(x.label.trim_start_matches("look up ").to_string(), x.id);
            }
            "user_create_provision" if x.step == 1 => {
                let who = x.label.trim_start_matches("create ").to_string();
                assert!(lookup_at.get(&who).is_some_and(|at| *at < x.id), "{who} created before its lookup");
                last_user_create = last_user_create.max(x.id);
            }
            "group_create_provision" if x.step == 1 => group_create = x.id,
            _ => {}
        }
    }
    assert_eq!(lookup_at.len(), 40);
    assert!(group_create > last_user_create, "the group was pushed before its members existed");
}

#[tokio::test]
async fn a_large_group_is_read_back_by_the_attributes_compared() {
    // Past LARGE_GROUP members the read-back asks for displayName and
    // members.value only; the embedded SP honours it and the check passes.
    let n = jcsim::provision::LARGE_GROUP + 1;
    let ran = run_embedded(&bulk(n, "concurrency: 16"), |_| {}).await;
    assert_eq!(ran.summary.exit_code, Exit::Pass, "{:?}", ran.failed_check_ids());
    let reads: Vec<_> = ran.exchanges().into_iter().filter(|x| x.label == "read back group All").collect();
    assert_eq!(reads.len(), 1);
    assert!(reads[0].request.url.contains("attributes=displayName%2Cmembers.value"), "{}", reads[0].request.url);
    let small = run_embedded(&bulk(3, ""), |_| {}).await;
    let read = small.exchanges().into_iter().find(|x| x.label == "read back group All").expect("group read back");
    assert!(!read.request.url.contains("attributes="), "{}", read.request.url);
}

/// A lookup miss (an empty ListResponse) answered after `delay`.
fn empty_list_after(delay: Duration) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_raw(r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#, "application/scim+json")
        .set_delay(delay)
}

#[tokio::test]
async fn concurrency_overlaps_slow_requests() {
    // Every user lookup takes 100 ms: 20 users one at a time need ≥ 2 s.
    let server = fake_sp(FakeState::default()).await;
    let delayed = empty_list_after(Duration::from_millis(100));
    Mock::given(method("GET")).and(path("/Users")).respond_with(delayed).with_priority(1).mount(&server).await;
    let start = Instant::now();
    let ran = run_yaml(&bulk(20, "concurrency: 20"), &server.uri()).await;
    let elapsed = start.elapsed();
    assert!(ran.events.iter().any(|e| matches!(e, Event::RunFinished(_))));
    assert!(elapsed < Duration::from_millis(1200), "20 lookups of 100 ms took {elapsed:?} at concurrency 20");
}

#[tokio::test]
async fn a_slow_user_does_not_hold_up_the_others() {
    // The first user's lookup takes 400 ms. At concurrency 4 the other users
    // go on around it: all 19 are created before it is, not 3.
    let server = fake_sp(FakeState::default()).await;
    let delayed = empty_list_after(Duration::from_millis(400));
    Mock::given(method("GET"))
        .and(path("/Users"))
        .and(query_param("filter", "userName eq \"slow@example.com\""))
        .respond_with(delayed)
        .with_priority(1)
        .mount(&server)
        .await;
    let yaml = "name: slow\nbehaviour: { concurrency: 4 }\napp: { group_management: true }\ndirectory:\n  users:\n    - { username: slow, email: slow@example.com, groups: [All] }\n    - { generate: 19, email_domain: example.com, groups: [All] }\n  groups: [{ name: All }]\nsteps:\n  - activate\n  - bind_group: All\n";
    let ran = run_yaml(yaml, &server.uri()).await;
    assert_eq!(ran.summary.exit_code, Exit::Pass, "{:?}", ran.failed_check_ids());
    let creates: Vec<_> = ran
        .exchanges()
        .into_iter()
        .filter(|x| x.step == 1 && x.event == "user_create_provision")
        .map(|x| x.label.clone())
        .collect();
    assert_eq!(creates.len(), 20);
    assert_eq!(creates.last().map(String::as_str), Some("create slow@example.com"), "{creates:?}");
}

#[tokio::test]
async fn pace_spaces_requests_out() {
    let start = Instant::now();
    let ran = run_embedded("name: pace\nbehaviour: { pace: 20 }\nsteps:\n  - test_connection\n  - test_connection\n  - test_connection\n  - test_connection\n  - test_connection\n  - test_connection\n", |_| {}).await;
    let elapsed = start.elapsed();
    assert_eq!(ran.summary.exit_code, Exit::Pass);
    // Six requests at 20/s: the last starts at least 250 ms after the first.
    assert!(elapsed >= Duration::from_millis(240), "six paced requests took {elapsed:?}");
    let starts: Vec<u64> = ran.exchanges().iter().map(|x| x.timing.start_ms).collect();
    // Slots are 50 ms apart; a late request may start closer to the next one,
    // but never before its own slot.
    assert!(starts.iter().enumerate().all(|(i, t)| *t + 5 >= starts[0] + 50 * i as u64), "{starts:?}");
}
