//! `jcsim cleanup`: find every user and group at an SP whose name carries a
//! jcsim namespace tag (`alice.jcs-4f1a2b`, `Engineering jcs-4f1a2b`) and
//! delete them, groups first. Untagged resources are never touched.

use crate::client::{Client, OutRequest, Recorded};
use crate::scenario::namespace::tag_of;
use serde_json::Value;

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
}

/// At most this many pages of 100 are read per collection.
const MAX_PAGES: usize = 500;

/// Every tagged user and group, groups first; only `only` when given.
pub(crate) async fn find(client: &Client, only: Option<&str>) -> Result<Vec<Tagged>, String> {
    let mut out = Vec::new();
    for (collection, name_attr) in [("Groups", "displayName"), ("Users", "userName")] {
        let mut start = 1usize;
        for _ in 0..MAX_PAGES {
            let page = get(client, &format!("/{collection}?startIndex={start}&count=100")).await?;
            let resources = page.get("Resources").and_then(Value::as_array).cloned().unwrap_or_default();
            for r in &resources {
                let id = r.get("id").map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
                let name = r.get(name_attr).and_then(Value::as_str).unwrap_or_default().to_string();
                let emails = r.get("emails").and_then(Value::as_array).into_iter().flatten();
                let tag = tag_of(&name)
                    .or_else(|| emails.filter_map(|e| e.get("value").and_then(Value::as_str)).find_map(tag_of))
                    .map(str::to_string);
                if let (Some(id), Some(tag)) = (id, tag)
                    && only.is_none_or(|o| o == tag)
                {
                    out.push(Tagged { collection, id, name, tag });
                }
            }
            let total = page.get("totalResults").and_then(Value::as_u64).unwrap_or(0) as usize;
            start += resources.len();
            if resources.is_empty() || start > total {
                break;
            }
        }
    }
    Ok(out)
}

/// Delete each resource; returns the ones that could not be deleted, with why.
pub(crate) async fn delete(client: &Client, resources: &[Tagged]) -> Vec<(Tagged, String)> {
    let mut failed = Vec::new();
    for r in resources {
        let req = OutRequest::new("DELETE", &format!("/{}/{}", r.collection, r.id));
        match client.send(req, |_| Recorded::default()).await {
            Ok(a) if (200..300).contains(&a.status) || a.status == 404 => {}
            Ok(a) => failed.push((r.clone(), format!("HTTP {}", a.status))),
            Err(n) => failed.push((r.clone(), n.fault.message)),
        }
    }
    failed
}

async fn get(client: &Client, path: &str) -> Result<Value, String> {
    match client
        .send(OutRequest::new("GET", path), |a| Recorded {
            response_body: a.response.and_then(|r| r.body),
            ..Recorded::default()
        })
        .await
    {
        Ok(a) if (200..300).contains(&a.status) => a.body.ok_or_else(|| format!("GET {path}: the answer is not JSON")),
        Ok(a) => Err(format!("GET {path} answered HTTP {}", a.status)),
        Err(n) => Err(format!("GET {path}: {}", n.fault.message)),
    }
}
