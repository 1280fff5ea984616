//! `jcsim cleanup`: find every user and group at an SP whose own name ends
//! in a tag of the shape jcsim generates (`alice.jcs-4f1a2b`,
//! `alice+jcs-4f1a2b@example.com` as a userName, `Engineering jcs-4f1a2b`),
//! re-read each by id, and delete it only if that read still shows the tag.
//! Groups go first. Untagged resources, tag look-alikes (`Marketing jcs-2024`,
//! `mary.jcs-admin`) and secondary emails are never touched.

use crate::client::{Client, OutRequest, Recorded};
use crate::scim::url::path_segment;
use serde_json::Value;
use std::collections::HashSet;

/// A tagged resource at the SP.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tagged {
    /// `Users` or `Groups`.
    pub(crate) collection: &'static str,
    pub(crate) id: String,
    /// userName or displayName.
    pub(crate) name: String,
    pub(crate) tag: String,
}

impl Tagged {
    /// `user` or `group`.
    pub(crate) fn kind(&self) -> &'static str {
        if self.collection == "Users" { "user" } else { "group" }
    }

    fn name_attr(&self) -> &'static str {
        name_attr(self.collection)
    }
}

fn name_attr(collection: &str) -> &'static str {
    if collection == "Users" { "userName" } else { "displayName" }
}

/// What listing the SP found.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) tagged: Vec<Tagged>,
    /// Tagged resources whose id cannot be sent as one path segment: listed,
    /// never deleted.
    pub(crate) refused: Vec<Tagged>,
    /// The SP answered a later page with resources of an earlier one: it
    /// ignores `startIndex` (RFC 7644 §3.4.2.4), and listing stopped there.
    pub(crate) ignores_start_index: bool,
}

/// At most this many pages of 100 are read per collection.
const MAX_PAGES: usize = 500;

/// The tag `name` ends with, when it has the exact shape jcsim generates:
/// `jcs-` and six lowercase hex digits, or `only` (`--namespace TAG`).
pub(crate) fn generated_tag<'a>(name: &'a str, only: Option<&str>) -> Option<&'a str> {
    let tag = crate::names::tag_of(name)?;
    let suffix = &tag[crate::names::TAG_PREFIX.len()..];
    let ok = match only {
        Some(o) => o == tag,
        None => suffix.len() == 6 && suffix.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
    };
    ok.then_some(tag)
}

/// Every tagged user and group, groups first, each once; only `only` when given.
pub(crate) async fn find(client: &Client, only: Option<&str>) -> Result<Found, String> {
    let mut found = Found::default();
    for collection in ["Groups", "Users"] {
        let mut seen: HashSet<String> = HashSet::new();
        let mut start = 1usize;
        for _ in 0..MAX_PAGES {
            let page = get(client, &format!("/{collection}?startIndex={start}&count=100")).await?;
            let resources = page.get("Resources").and_then(Value::as_array).cloned().unwrap_or_default();
            let mut new = 0;
            for r in &resources {
                let Some(id) = r.get("id").map(id_text) else { continue };
                if !seen.insert(id.clone()) {
                    continue;
                }
                new += 1;
                let name = r.get(name_attr(collection)).and_then(Value::as_str).unwrap_or_default().to_string();
                let Some(tag) = generated_tag(&name, only).map(str::to_string) else { continue };
                let t = Tagged { collection, id, name, tag };
                if path_segment(&t.id).is_some() {
                    found.tagged.push(t);
                } else {
                    found.refused.push(t);
                }
            }
            if !resources.is_empty() && new == 0 {
                found.ignores_start_index = true;
                break;
            }
            let total = page.get("totalResults").and_then(Value::as_u64).unwrap_or(0) as usize;
            start += resources.len();
            if resources.is_empty() || start > total {
                break;
            }
        }
    }
    Ok(found)
}

/// What deleting a list of resources did.
#[derive(Debug, Default)]
pub(crate) struct Deleted {
    pub(crate) deleted: usize,
    /// Not deleted, with why.
    pub(crate) failed: Vec<(Tagged, String)>,
}

/// Re-read each resource by id and delete it when that read still shows
/// the name with its tag; returns what was deleted and what was not.
pub(crate) async fn delete(client: &Client, resources: &[Tagged], only: Option<&str>) -> Deleted {
    let mut out = Deleted::default();
    for r in resources {
        let Some(segment) = path_segment(&r.id) else {
            out.failed.push((r.clone(), "its id cannot be sent as one path segment".into()));
            continue;
        };
        let path = format!("/{}/{segment}", r.collection);
        match get(client, &path).await {
            Ok(v) => {
                let id_ok = v.get("id").map(id_text).as_deref() == Some(r.id.as_str());
                let name = v.get(r.name_attr()).and_then(Value::as_str).unwrap_or_default();
                if !id_ok || generated_tag(name, only) != Some(r.tag.as_str()) {
                    out.failed.push((r.clone(), format!("reading it back by id shows {} {name:?}", r.name_attr())));
                    continue;
                }
            }
            Err(e) if e.ends_with("HTTP 404") => continue,
            Err(e) => {
                out.failed.push((r.clone(), e));
                continue;
            }
        }
        match client.send(OutRequest::new("DELETE", &path), |_| Recorded::default()).await {
            Ok(a) if (200..300).contains(&a.status) || a.status == 404 => out.deleted += 1,
            Ok(a) => out.failed.push((r.clone(), format!("HTTP {}", a.status))),
            Err(n) => out.failed.push((r.clone(), n.fault.message)),
        }
    }
    out
}

fn id_text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

async fn get(client: &Client, path: &str) -> Result<Value, String> {
    let req = OutRequest::new("GET", path);
    let sent = client.send(req, |a| Recorded { response_body: a.response.and_then(|r| r.body), ..Recorded::default() });
    match sent.await {
        Ok(a) if (200..300).contains(&a.status) => a.body.ok_or_else(|| format!("GET {path}: the answer is not JSON")),
        Ok(a) => Err(format!("GET {path} answered HTTP {}", a.status)),
        Err(n) => Err(format!("GET {path}: {}", n.fault.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_generated_tag_shape_counts() {
        for (name, tag) in [
            ("alice.jcs-4f1a2b", Some("jcs-4f1a2b")),
            ("alice+jcs-4f1a2b@example.com", Some("jcs-4f1a2b")),
            ("Engineering jcs-00ff99", Some("jcs-00ff99")),
            ("Marketing jcs-2024", None),
            ("mary.jcs-admin", None),
            ("eve+jcs-1@example.com", None),
            ("dave.jcs-uk@example.com", None),
            ("Ops jcs-4F1A2B", None),
            ("plain", None),
        ] {
            assert_eq!(generated_tag(name, None), tag, "{name}");
        }
        assert_eq!(generated_tag("Marketing jcs-ci42", Some("jcs-ci42")), Some("jcs-ci42"));
        assert_eq!(generated_tag("alice.jcs-4f1a2b", Some("jcs-ci42")), None);
    }
}
