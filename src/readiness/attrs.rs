//! The attribute round trip: one user carrying every attribute JumpCloud
//! sends (the attribute table, `directory::attrs`) is bound and read back;
//! each attribute is `stored`, `changed` or `dropped` as the SP's
//! `GET /Users/{id}` shows it, read from the run's record.

use super::AttributeRow;
use crate::directory::attrs::{ADDRESS, Scim, TEXT};
use crate::record::Event;
use serde_json::Value;
use std::path::Path;

/// The round trip's scenario: every attribute set, bound, read back with
/// `verify: { attributes: … }` (which reports each one the SP drops).
pub(crate) fn scenario_yaml() -> String {
    let keys: Vec<&str> = sent_attrs().map(|(k, _, _)| k).collect();
    format!(
        "name: Attribute round trip\n\
         directory:\n  users:\n\
         \x20   - username: ada.attrs\n\
         \x20     email: ada.attrs@example.com\n\
         \x20     firstname: Ada\n\
         \x20     lastname: Lovelace\n\
         \x20     displayname: Ada King\n\
         \x20     job_title: Analyst\n\
         \x20     department: Engines\n\
         \x20     employee_identifier: E-1815\n\
         \x20     cost_center: CC-42\n\
         \x20     company: Analytical Engines Ltd\n\
         \x20     employee_type: Contractor\n\
         \x20     phone: \"+44 20 7946 0018\"\n\
         \x20     address: {{ street: 12 St James's Square, locality: London, region: Westminster, postal_code: SW1Y 4JH, country: GB }}\n\
         steps:\n  - activate\n  - bind_user: ada.attrs\n  - verify: {{ attributes: [{}] }}\n",
        keys.join(", ")
    )
}

/// Every attribute JumpCloud sends: key, label, place in a SCIM User.
pub(crate) fn sent_attrs() -> impl Iterator<Item = (&'static str, &'static str, Scim)> {
    TEXT.iter()
        .filter(|a| !matches!(a.scim, Scim::Inbound(_)))
        .map(|a| (a.key, a.label, a.scim))
        .chain(ADDRESS.iter().map(|p| (p.key, p.label, p.scim)))
}

/// What the admin sees when an attribute does not arrive as sent.
fn admin_sees(label: &str, dropped: bool) -> String {
    if dropped {
        format!(
            "The user's {label} set in JumpCloud never appears in the application (the SP drops it silently; JumpCloud reports success)."
        )
    } else {
        format!("The user's {label} in the application differs from the one set in JumpCloud.")
    }
}

/// The table from the round trip's record in `run_dir` (`rel`: its path
/// from the readiness directory, for links). The last body JumpCloud sent
/// for a user (POST, full PUT) is compared with the SP's last answer to
/// `GET /Users/{id}` for it.
pub(crate) fn table(run_dir: &Path, rel: &str) -> Vec<AttributeRow> {
    let mut sent: std::collections::HashMap<String, Value> = Default::default();
    let mut read: Option<(Value, Value, u64)> = None;
    let _ = crate::record::each_event(&run_dir.join("events.jsonl"), |e| {
        let Event::Exchange(x) = e else { return };
        let Some(resp) = x.response.as_ref().filter(|r| (200..300).contains(&r.status)) else { return };
        let path = x.request.url.split('?').next().unwrap_or_default();
        let Some(rest) = path.rfind("/Users").map(|i| &path[i + "/Users".len()..]) else { return };
        let id = rest.trim_start_matches('/');
        match (x.request.method.as_str(), x.request.body.as_ref(), resp.body.as_ref()) {
            ("POST", Some(body), Some(answer)) if id.is_empty() => {
                if let Some(id) = answer.get("id") {
                    sent.insert(id.as_str().map_or_else(|| id.to_string(), str::to_string), body.clone());
                }
            }
            ("PUT", Some(body), _) if !id.is_empty() => {
                sent.insert(id.to_string(), body.clone());
            }
            ("GET", _, Some(answer)) if !id.is_empty() && !x.request.url.contains('?') => {
                if let Some(body) = sent.get(id) {
                    read = Some((body.clone(), answer.clone(), x.id));
                }
            }
            _ => {}
        }
    });
    sent_attrs()
        .map(|(key, label, scim)| {
            let (outcome, s, r, href) = match &read {
                None => ("not_checked", None, None, None),
                Some((body, answer, x)) => {
                    let (s, r) = (scim.value_in(body), scim.value_in(answer));
                    let outcome = match (&s, &r) {
                        (None, _) => "not_sent",
                        (Some(_), None) => "dropped",
                        (Some(a), Some(b)) if a.trim() == b.trim() => "stored",
                        _ => "changed",
                    };
                    (outcome, s, r, Some(format!("{rel}/report.html#x-{x}")))
                }
            };
            AttributeRow {
                key: key.into(),
                label: label.into(),
                scim: scim.path(),
                outcome: outcome.into(),
                admin_sees: matches!(outcome, "dropped" | "changed").then(|| admin_sees(label, outcome == "dropped")),
                sent: s,
                returned: r,
                href,
            }
        })
        .collect()
}
