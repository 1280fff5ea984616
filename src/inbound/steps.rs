//! An `inbound` step of a scenario as an API request: the engine sends it
//! in-process and the lint dry-runs it, both through [`super::handle`].

use super::ApiRequest;
use crate::directory::Directory;
use crate::scenario::InboundRequest;

/// The SCIM root recorded for in-process requests: where an identity source
/// sends them at JumpCloud. Nothing goes over the network in `jcsim run`.
pub const IN_PROCESS_BASE: &str = "https://api.jumpcloud.com/scim/v2";

/// `{id:USERNAME}` in a path becomes that user's JumpCloud id (left as
/// written when there is no such user, which then answers 404).
fn resolve_ids(path: &str, dir: &Directory) -> String {
    let mut out = String::with_capacity(path.len());
    let mut done = 0;
    for (range, name) in crate::scenario::id_refs(path).refs {
        out.push_str(&path[done..range.start]);
        match dir.user(name) {
            Ok(u) => out.push_str(&u.id),
            Err(_) => out.push_str(&path[range.clone()]),
        }
        done = range.end;
    }
    out.push_str(&path[done..]);
    out
}

/// The API request of a step, against the directory as it stands.
pub fn api_request(r: &InboundRequest, dir: &Directory) -> ApiRequest {
    ApiRequest { method: r.method.to_ascii_uppercase(), path: resolve_ids(&r.path, dir), body: r.body.clone() }
}
