//! Behaviour knobs: every JumpCloud rule tagged [I] inferred or [U] unknown in
//! JUMPCLOUD.md is a knob whose default is our best reading, switchable per scenario.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The default `user_agent`: jcsim names itself, as JumpCloud's is unknown.
pub const DEFAULT_USER_AGENT: &str = concat!("jcsim/", env!("CARGO_PKG_VERSION"));

/// How JumpCloud's behaviour is modelled where the evidence is incomplete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(
    description = "How JumpCloud's behaviour is modelled where the evidence is incomplete. Each knob is tagged [C] confirmed, [I] inferred or [U] unknown (jcsim's choice); defaults follow JumpCloud. `--behaviour KNOB=VALUE` overrides a knob for a whole run."
)]
pub struct Behaviour {
    /// [U] The request behind Test Connection.
    pub test_connection: TestConnection,
    /// [I] Source of `userName`.
    pub username_from: UsernameFrom,
    /// [C] default `put`; `patch` sends a PatchOp replace instead.
    pub update_method: UpdateMethod,
    /// [I] The form of a group member removal.
    pub member_removal: MemberRemoval,
    /// [I] How a group rename is sent.
    pub group_update_method: GroupUpdateMethod,
    /// [U] What deactivating Identity Management sends.
    pub on_deactivate: OnDeactivate,
    /// [U] What deleting a JumpCloud user sends.
    pub user_delete: UserDelete,
    /// [U] Whether a deleted user is first removed from its groups at the SP.
    pub user_delete_groups: UserDeleteGroups,
    /// [U] Name of the activation test group.
    pub test_group_name: String,
    /// [U] Content-Type and Accept of every request.
    pub content_type: String,
    /// [U] The User-Agent header of every request. What JumpCloud sends is
    /// unknown; some SPs branch on it (e.g. looking for Okta or Azure AD).
    pub user_agent: String,
    /// [U] Per-request timeout in milliseconds.
    pub timeout_ms: u64,
    /// [U] Retries after the first attempt, for 5xx, 429 and connection errors.
    pub max_retries: u32,
    /// [U] First backoff delay in milliseconds; doubled on each retry.
    pub retry_backoff_ms: u64,
    /// [U] Longest `Retry-After` honoured, in seconds; longer waits are capped.
    pub max_retry_after_s: u64,
    /// jcsim's threshold for the `slow-response` finding, in milliseconds.
    pub slow_response_ms: u64,
    /// [U] Users synced in parallel (each user's own requests stay in order;
    /// groups are pushed after their members exist).
    pub concurrency: usize,
    /// [U] At most this many requests per second (0: as fast as the SP answers).
    pub pace: f64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            test_connection: TestConnection::UsersList,
            username_from: UsernameFrom::Email,
            update_method: UpdateMethod::Put,
            member_removal: MemberRemoval::ValueArray,
            group_update_method: GroupUpdateMethod::Patch,
            on_deactivate: OnDeactivate::Nothing,
            user_delete: UserDelete::Delete,
            user_delete_groups: UserDeleteGroups::None,
            test_group_name: "JumpCloud Test Group".to_string(),
            content_type: crate::scim::SCIM_MEDIA_TYPE.to_string(),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            timeout_ms: 10_000,
            max_retries: 3,
            retry_backoff_ms: 250,
            max_retry_after_s: 30,
            slow_response_ms: 1000,
            concurrency: 1,
            pace: 0.0,
        }
    }
}

impl Behaviour {
    /// Apply a `knob=value` override (from `--behaviour`).
    pub fn with_override(&self, spec: &str) -> Result<Behaviour, String> {
        let (key, value) = spec
            .split_once('=')
            .ok_or_else(|| format!("`{spec}`: write KNOB=VALUE, e.g. member_removal=filter_path"))?;
        let mut map = serde_json::to_value(self).map_err(|e| e.to_string())?;
        let obj = map.as_object_mut().ok_or("behaviour is not an object")?;
        if !obj.contains_key(key) {
            let names: Vec<&str> = obj.keys().map(String::as_str).collect();
            let hint = crate::suggest::suggest(key, names.iter().copied())
                .map(|s| format!(", did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(format!("unknown behaviour knob `{key}`{hint} (knobs: {})", names.join(", ")));
        }
        let parsed = serde_json::from_str::<serde_json::Value>(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
        obj.insert(key.to_string(), parsed);
        serde_json::from_value(map).map_err(|e| format!("`{spec}`: {e}"))
    }

    /// The knobs as `name=value` pairs, for run headers.
    pub fn describe(&self) -> Vec<(String, String)> {
        let v = serde_json::to_value(self).unwrap_or_default();
        let mut out = Vec::new();
        if let Some(map) = v.as_object() {
            for (k, v) in map {
                let s = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.push((k.clone(), s));
            }
        }
        out
    }
}

/// The state of users created through JumpCloud's SCIM API (inbound).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScimDefaultState {
    /// jcsim's default (our choice): new users wait for an admin to activate them.
    #[default]
    Staged,
    Activated,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_parse_values_and_reject_unknown_knobs() {
        let b = Behaviour::default().with_override("member_removal=filter_path").unwrap();
        assert_eq!(b.member_removal, MemberRemoval::FilterPath);
        let b = b.with_override("max_retries=0").unwrap();
        assert_eq!(b.max_retries, 0);
        let err = Behaviour::default().with_override("member_remove=filter_path").unwrap_err();
        assert!(err.contains("did you mean `member_removal`"), "{err}");
        assert!(Behaviour::default().with_override("member_removal=bogus").is_err());
        assert!(Behaviour::default().with_override("nonsense").is_err());
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TestConnection {
    /// `GET /Users?startIndex=1&count=1`
    UsersList,
    /// `GET /ServiceProviderConfig`
    ServiceProviderConfig,
    /// `GET /Users?filter=userName eq "<test email>"`
    UsersFilter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UsernameFrom {
    /// `userName` is the user's email.
    Email,
    /// `userName` is the JumpCloud username.
    Username,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateMethod {
    /// A full PUT carrying the SP's `id`.
    Put,
    /// One PatchOp `replace` with every attribute.
    Patch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberRemoval {
    /// `{"op":"remove","path":"members","value":[{"value":"<id>"}]}`
    ValueArray,
    /// `{"op":"remove","path":"members[value eq \"<id>\"]"}`
    FilterPath,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupUpdateMethod {
    /// PatchOp `replace` on `displayName`.
    Patch,
    /// A full PUT of the group.
    Put,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnDeactivate {
    /// Provisioning stops; nothing is sent and SP users stay as they are.
    Nothing,
    /// Every provisioned user is made inactive before provisioning stops.
    DeprovisionUsers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserDelete {
    /// `DELETE /Users/{id}`
    Delete,
    /// A full PUT with `active:false`.
    Deactivate,
}

/// Group memberships of a user deleted with `user_delete: delete`. The
/// evidence shows only the `DELETE` [I]; no source shows a PATCH before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserDeleteGroups {
    /// Only the `DELETE`: the SP drops the user from its groups (RFC 7643
    /// §4.2, members are references).
    None,
    /// A member-removal PATCH on each of the user's synced groups, then the `DELETE`.
    RemoveFirst,
}
