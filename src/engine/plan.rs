//! Preview: the requests an action would send, computed by running the same
//! provisioning model on a copy of the session against an ideal SP that
//! answers every request with success and invents ids. Nothing is sent.

use super::session::Session;
use super::steps::act;
use crate::lock::Recover;
use crate::provision::{Fault, Method, Reply, ScimOp, Transport};
use crate::scenario::Action;
use crate::scim::url::encode_query;
use serde::Serialize;
use serde_json::json;
use std::sync::Mutex;

/// One request of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct PlannedRequest {
    pub(crate) method: String,
    /// Path and query; ids the SP has not assigned yet read `{new-N}`.
    pub(crate) path: String,
    /// Directory Insights event.
    pub(crate) event: String,
    pub(crate) label: String,
}

/// The requests `action` would send from the session's current state.
pub(crate) async fn preview(session: &Session, action: &Action) -> Vec<PlannedRequest> {
    if let Action::Request(r) = action {
        return vec![PlannedRequest {
            method: r.method.to_ascii_uppercase(),
            path: r.path.clone(),
            event: crate::record::Insight::Raw.name().into(),
            label: "raw request".into(),
        }];
    }
    let mut dir = session.dir.clone();
    let mut prov = session.prov.clone();
    let ideal = IdealSp::default();
    act(action, &mut dir, &mut prov, &ideal).await;
    ideal.log.into_inner().recover()
}

#[derive(Default)]
struct IdealSp {
    log: Mutex<Vec<PlannedRequest>>,
}

impl Transport for IdealSp {
    async fn send(&self, op: ScimOp) -> Result<Reply, Fault> {
        let mut log = self.log.lock().recover();
        let path =
            if op.query.is_empty() { op.path.clone() } else { format!("{}?{}", op.path, encode_query(&op.query)) };
        log.push(PlannedRequest {
            method: op.method.as_str().into(),
            path,
            event: op.insight.name().into(),
            label: op.label.clone(),
        });
        let exchange = log.len() as u64;
        let (status, body) = match op.method {
            Method::Get if !op.query.is_empty() => (200, json!({"totalResults": 0, "Resources": []})),
            Method::Get => (200, json!({})),
            Method::Post => (201, json!({"id": format!("{{new-{exchange}}}")})),
            Method::Put | Method::Patch => (200, op.body.as_ref().and_then(|b| b.to_value()).unwrap_or(json!({}))),
            Method::Delete => (204, serde_json::Value::Null),
        };
        Ok(Reply { status, body: Some(body), raw: None, exchange, location: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{Client, ClientConfig};
    use crate::directory::Directory;
    use crate::provision::{Behaviour, Provisioner};
    use crate::record::{Recorder, Redactor};
    use std::time::Duration;

    fn session() -> Session {
        let yaml = "name: p\napp: { group_management: true }\ndirectory:\n  users: [{ username: a, email: a@example.com }]\n  groups: [{ name: G, members: [a] }]\nsteps: [activate]\n";
        let s = crate::lint::load_str(yaml, "p.yaml").unwrap();
        let client = Client::new(ClientConfig {
            base_url: "http://127.0.0.1:9".into(),
            credentials: None,
            content_type: "application/scim+json".into(),
            user_agent: "t".into(),
            timeout: Duration::from_millis(10),
            max_retries: 0,
            backoff: Duration::ZERO,
            max_retry_after: Duration::ZERO,
            tls: Default::default(),
        })
        .unwrap();
        let dir = Directory::from_scenario(&s, 1).unwrap();
        Session::new(dir, Provisioner::new(Behaviour::default(), 1), client, Recorder::discard(Redactor::new()))
    }

    fn lines(plan: &[PlannedRequest]) -> Vec<String> {
        plan.iter().map(|p| format!("{} {} {}", p.event, p.method, p.path)).collect()
    }

    #[tokio::test]
    async fn activate_plan_lists_the_test_cycles_and_leaves_the_session_untouched() {
        let s = session();
        let plan = preview(&s, &Action::Activate { test_user_email: None }).await;
        assert_eq!(
            lines(&plan),
            [
                "user_create_provision POST /Users",
                "user_update_provision PUT /Users/{new-1}",
                "user_delete_provision DELETE /Users/{new-1}",
                "group_create_provision POST /Groups",
                "group_update_provision PATCH /Groups/{new-4}",
                "group_delete_provision DELETE /Groups/{new-4}",
            ]
        );
        assert!(!s.dir.app.active, "preview must not activate the real session");
        assert_eq!(s.recorder().exchanges(), 0);
    }

    #[tokio::test]
    async fn bind_group_plan_follows_the_model() {
        let mut s = session();
        s.dir.app.active = true;
        let plan = preview(&s, &Action::BindGroup("G".into())).await;
        assert_eq!(
            lines(&plan),
            [
                "user_lookup_provision GET /Users?filter=userName%20eq%20%22a%40example.com%22",
                "user_create_provision POST /Users",
                "group_lookup_provision GET /Groups?filter=displayName%20eq%20%22G%22",
                "group_create_provision POST /Groups",
            ]
        );
        assert!(s.prov.users.is_empty());
    }
}
