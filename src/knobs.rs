//! Behaviour knobs: every JumpCloud rule tagged [I] inferred or [U] unknown in
//! docs/jumpcloud.md is a knob whose default is our best reading, switchable
//! per scenario.
//! [`KNOBS`] is the one source of each knob's evidence status and plausible
//! values: the JSON Schema, the docs' knob table, the console and `jcsim compat`
//! read it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The default `user_agent`: jcsim names itself, as JumpCloud's is unknown.
pub(crate) const DEFAULT_USER_AGENT: &str = concat!("jcsim/", env!("CARGO_PKG_VERSION"));

/// How JumpCloud's behaviour is modelled where the evidence is incomplete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(
    description = "How JumpCloud's behaviour is modelled where the evidence is incomplete. Each knob is tagged [C] confirmed, [I] inferred, [U] unknown (jcsim's choice) or [jcsim] (a jcsim setting); defaults follow JumpCloud. `--behaviour KNOB=VALUE` overrides a knob for a whole run."
)]
pub struct Behaviour {
    /// The request behind Test Connection.
    pub(crate) test_connection: TestConnection,
    /// Source of `userName`.
    pub(crate) username_from: UsernameFrom,
    /// How a user update is sent: a full PUT (captured), or a PATCH.
    pub(crate) update_method: UpdateMethod,
    /// The form of a group member removal.
    pub(crate) member_removal: MemberRemoval,
    /// How a group rename is sent.
    pub(crate) group_update_method: GroupUpdateMethod,
    /// The filter of the lookup before a user is created.
    pub(crate) user_lookup: UserLookup,
    /// How a deprovisioned user (unbound, suspended, uncovered) is made inactive.
    pub(crate) deprovision_method: DeprovisionMethod,
    /// What a user that is no longer bound (directly or through a group) gets.
    pub(crate) on_unbind: OnUnbind,
    /// How a group is created with its members.
    pub(crate) group_create: GroupCreate,
    /// How a group body with no members says so: no `members` key, or `[]`.
    pub(crate) empty_group_members: EmptyGroupMembers,
    /// What deactivating Identity Management sends.
    pub(crate) on_deactivate: OnDeactivate,
    /// What deleting a JumpCloud user sends.
    pub(crate) user_delete: UserDelete,
    /// Whether a deleted user is first removed from its groups at the SP.
    pub(crate) user_delete_groups: UserDeleteGroups,
    /// Name of the activation test group.
    pub(crate) test_group_name: String,
    /// What the activation test group's update changes.
    pub(crate) test_group_update: TestGroupUpdate,
    /// Content-Type and Accept of every request.
    pub(crate) content_type: String,
    /// The User-Agent header of every request. What JumpCloud sends is
    /// unknown; some SPs branch on it (e.g. looking for Okta or Azure AD).
    pub(crate) user_agent: String,
    /// Per-request timeout in milliseconds.
    pub(crate) timeout_ms: u64,
    /// Retries after the first attempt, for 5xx, 429 and connection errors.
    pub(crate) max_retries: u32,
    /// First backoff delay in milliseconds; doubled on each retry.
    pub(crate) retry_backoff_ms: u64,
    /// Longest `Retry-After` honoured, in seconds; longer waits are capped.
    pub(crate) max_retry_after_s: u64,
    /// jcsim's threshold for the `slow-response` finding, in milliseconds.
    pub(crate) slow_response_ms: u64,
    /// Users synced in parallel (each user's own requests stay in order;
    /// groups are pushed after their members exist).
    pub(crate) concurrency: usize,
    /// At most this many requests per second (0: as fast as the SP answers).
    pub(crate) pace: f64,
    /// User attributes the application excludes (`app.exclude_attributes`):
    /// no body carries them. An app setting, not a knob: the provisioner
    /// copies it from the directory's app before it sends.
    #[serde(skip)]
    pub(crate) excluded: Vec<String>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            test_connection: TestConnection::UsersList,
            username_from: UsernameFrom::Email,
            update_method: UpdateMethod::Put,
            member_removal: MemberRemoval::ValueArray,
            group_update_method: GroupUpdateMethod::Patch,
            user_lookup: UserLookup::UserName,
            deprovision_method: DeprovisionMethod::Update,
            on_unbind: OnUnbind::Deactivate,
            group_create: GroupCreate::WithMembers,
            empty_group_members: EmptyGroupMembers::Omit,
            on_deactivate: OnDeactivate::Nothing,
            user_delete: UserDelete::Delete,
            user_delete_groups: UserDeleteGroups::None,
            test_group_name: "JumpCloud Test Group".to_string(),
            test_group_update: TestGroupUpdate::SameName,
            content_type: crate::scim::SCIM_MEDIA_TYPE.to_string(),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            timeout_ms: 10_000,
            max_retries: 3,
            retry_backoff_ms: 250,
            max_retry_after_s: 30,
            slow_response_ms: 1000,
            concurrency: 1,
            pace: 0.0,
            excluded: Vec::new(),
        }
    }
}

impl Behaviour {
    /// Apply a `knob=value` override (from `--behaviour`).
    pub(crate) fn with_override(&self, spec: &str) -> Result<Behaviour, String> {
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
    pub(crate) fn describe(&self) -> Vec<(String, String)> {
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

/// How strong the evidence behind a knob's default is (docs/jumpcloud.md's tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Evidence {
    /// [C] JumpCloud's documentation or captured request bodies.
    Confirmed,
    /// [I] Our best reading of the evidence.
    Inferred,
    /// [U] No evidence either way: jcsim's choice.
    Unknown,
    /// A jcsim setting, not a JumpCloud behaviour.
    Jcsim,
}

impl Evidence {
    /// The word the docs' knob table starts its status column with.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Evidence::Confirmed => "confirmed",
            Evidence::Inferred => "inferred",
            Evidence::Unknown => "unknown",
            Evidence::Jcsim => "jcsim",
        }
    }

    /// The tag of docs/jumpcloud.md and of the schema descriptions.
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Evidence::Confirmed => "C",
            Evidence::Inferred => "I",
            Evidence::Unknown => "U",
            Evidence::Jcsim => "jcsim",
        }
    }
}

/// One knob: its name (the `behaviour:` key), evidence and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Knob {
    pub(crate) name: &'static str,
    /// A short label, for the console and the compat table.
    pub(crate) label: &'static str,
    pub(crate) status: Evidence,
    /// Every value of an enumerated knob, the default first; empty for a free-form one.
    pub(crate) values: &'static [&'static str],
    /// The plausible request forms `jcsim compat` tries, the default first;
    /// empty when the knob does not change what goes on the wire.
    pub(crate) forms: &'static [&'static str],
    /// Shown in the console's Identity Management panel.
    pub(crate) console: bool,
}

const fn knob(
    name: &'static str,
    label: &'static str,
    status: Evidence,
    values: &'static [&'static str],
    forms: &'static [&'static str],
    console: bool,
) -> Knob {
    Knob { name, label, status, values, forms, console }
}

use Evidence::{Confirmed as C, Inferred as I, Jcsim as J, Unknown as U};

/// Every knob, in `Behaviour`'s field order: the one source of statuses and
/// plausible values. A test checks it against `Behaviour`, the schema and
/// docs/knobs.md.
pub(crate) const KNOBS: &[Knob] = &[
    knob("test_connection", "Test Connection request", U, TEST_CONNECTION, TEST_CONNECTION, true),
    knob("username_from", "userName source", I, &["email", "username"], &["email", "username"], true),
    knob("update_method", "User update", C, UPDATE_METHOD, UPDATE_METHOD, true),
    knob(
        "member_removal",
        "Group member removal",
        U,
        &["value_array", "filter_path"],
        &["value_array", "filter_path"],
        true,
    ),
    knob("group_update_method", "Group rename", I, GROUP_UPDATE, GROUP_UPDATE, true),
    knob("user_lookup", "User lookup filter", I, USER_LOOKUP, USER_LOOKUP, true),
    knob("deprovision_method", "Deprovision form", I, DEPROVISION, DEPROVISION, true),
    knob("on_unbind", "Unbound user", U, ON_UNBIND, ON_UNBIND, false),
    knob("group_create", "Group create", I, GROUP_CREATE, GROUP_CREATE, true),
    knob("empty_group_members", "Empty group body", I, EMPTY_MEMBERS, EMPTY_MEMBERS, false),
    knob("on_deactivate", "On Deactivate", C, &["nothing", "deprovision_users"], &[], true),
    knob("user_delete", "User delete", I, &["delete", "deactivate"], &["delete", "deactivate"], true),
    knob("user_delete_groups", "Deleted user's groups", U, &["none", "remove_first"], &[], true),
    knob("test_group_name", "Activation test group name", U, &[], &[], true),
    knob("test_group_update", "Activation test group update", U, &["same_name", "rename"], &[], true),
    knob("content_type", "Content-Type and Accept", U, &[], &["application/scim+json", "application/json"], false),
    knob("user_agent", "User-Agent", U, &[], &[], false),
    knob("timeout_ms", "Request timeout (ms)", U, &[], &[], true),
    knob("max_retries", "Retries on 5xx / 429", U, &[], &[], true),
    knob("retry_backoff_ms", "First retry delay (ms)", U, &[], &[], false),
    knob("max_retry_after_s", "Longest Retry-After (s)", U, &[], &[], false),
    knob("slow_response_ms", "slow-response threshold (ms)", J, &[], &[], false),
    knob("concurrency", "Users synced in parallel", U, &[], &[], false),
    knob("pace", "Requests per second", U, &[], &[], false),
];

const TEST_CONNECTION: &[&str] = &["users_list", "service_provider_config", "users_filter"];
const UPDATE_METHOD: &[&str] = &["put", "patch", "patch_per_attribute"];
const GROUP_UPDATE: &[&str] = &["patch", "put", "patch_value"];
const USER_LOOKUP: &[&str] = &["user_name", "email", "external_id"];
const DEPROVISION: &[&str] = &["update", "patch_active"];
const GROUP_CREATE: &[&str] = &["with_members", "then_add"];
const ON_UNBIND: &[&str] = &["deactivate", "delete"];
const EMPTY_MEMBERS: &[&str] = &["omit", "empty_array"];

/// The table entry of a knob.
pub(crate) fn knob_info(name: &str) -> Option<&'static Knob> {
    KNOBS.iter().find(|k| k.name == name)
}

/// The knobs whose request form `jcsim compat` tries.
pub(crate) fn wire_knobs() -> impl Iterator<Item = &'static Knob> {
    KNOBS.iter().filter(|k| !k.forms.is_empty())
}

/// A knob's value as written in scenarios (`"filter_path"`) as its enum
/// (`MemberRemoval::FilterPath`), without touching a `Behaviour`.
pub(crate) fn form<T: serde::de::DeserializeOwned>(value: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(value.to_string())).ok()
}

impl Behaviour {
    /// The value a knob has, as written in scenarios.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        self.describe().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// The user attributes an admin may exclude from an application (`app:
/// exclude_attributes`), as SCIM names; JumpCloud lets admins exclude
/// "optional" attributes [C], and which are required is unknown [U]: jcsim
/// lets every attribute it sends go except `userName`, the user's identity
/// at the SP, and the resource's structure (`schemas`, `id`, `externalId`,
/// `active`, which deprovisioning sets). Enterprise attributes go by their
/// short names.
pub(crate) const EXCLUDABLE: &[&str] = &[
    "name.givenName",
    "name.familyName",
    "displayName",
    "title",
    "userType",
    "emails",
    "phoneNumbers",
    "addresses",
    "locale",
    "preferredLanguage",
    "department",
    "employeeNumber",
    "costCenter",
    "organization",
];

/// Why `name` cannot be excluded, if it cannot.
pub(crate) fn exclusion_problem(name: &str) -> Option<String> {
    if EXCLUDABLE.contains(&name) {
        return None;
    }
    if name.eq_ignore_ascii_case("userName") {
        return Some(
            "`userName` cannot be excluded: it is the user's identity at the SP (which attributes JumpCloud requires is unknown; jcsim refuses userName)"
                .into(),
        );
    }
    let structural = ["schemas", "id", "externalId", "active"];
    if structural.iter().any(|s| s.eq_ignore_ascii_case(name)) {
        return Some(format!("`{name}` cannot be excluded: it is not an optional user attribute"));
    }
    let hint = crate::suggest::suggest(name, EXCLUDABLE.iter().copied())
        .map(|s| format!(", did you mean `{s}`?"))
        .unwrap_or_default();
    Some(format!("`{name}` is no user attribute jcsim sends{hint} (excludable: {})", EXCLUDABLE.join(", ")))
}

/// The state of users created through JumpCloud's SCIM API (inbound).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ScimDefaultState {
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

    #[test]
    fn a_form_name_parses_to_its_enum() {
        assert_eq!(form::<MemberRemoval>("filter_path"), Some(MemberRemoval::FilterPath));
        assert_eq!(form::<UpdateMethod>("patch_per_attribute"), Some(UpdateMethod::PatchPerAttribute));
        assert_eq!(form::<MemberRemoval>("filter-path"), None);
        for k in KNOBS.iter().filter(|k| k.name == "user_lookup") {
            assert!(k.forms.iter().all(|f| form::<UserLookup>(f).is_some()));
        }
    }

    #[test]
    fn the_docs_knob_table_states_each_status_from_the_code() {
        let docs = include_str!("../docs/knobs.md");
        let mut seen = Vec::new();
        for line in docs.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let name = cells[0].trim_matches('`');
            let Some(knob) = knob_info(name) else { continue };
            let status = cells.last().copied().unwrap_or_default();
            assert!(
                status.starts_with(knob.status.as_str()),
                "docs/knobs.md says `{status}` for {name}; src/knobs.rs says {}",
                knob.status.as_str()
            );
            seen.push(name);
        }
        let missing: Vec<&str> = KNOBS.iter().map(|k| k.name).filter(|n| !seen.contains(n)).collect();
        assert!(missing.is_empty(), "docs/knobs.md has no row for {missing:?}");
    }

    #[test]
    fn the_evidence_file_indexes_every_knob_with_its_tag() {
        let docs = include_str!("../docs/jumpcloud.md");
        let index = docs.split("## Knob index").nth(1).expect("docs/jumpcloud.md has a `## Knob index`");
        let mut seen = Vec::new();
        for line in index.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let name = cells[0].trim_matches('`');
            let knob =
                knob_info(name).unwrap_or_else(|| panic!("docs/jumpcloud.md indexes `{name}`, which is no knob"));
            let tag = format!("[{}]", knob.status.tag());
            assert_eq!(cells.get(1).copied(), Some(tag.as_str()), "docs/jumpcloud.md's tag for {name}");
            assert!(!seen.contains(&name), "docs/jumpcloud.md indexes {name} twice");
            seen.push(name);
        }
        let missing: Vec<&str> = KNOBS.iter().map(|k| k.name).filter(|n| !seen.contains(n)).collect();
        assert!(missing.is_empty(), "docs/jumpcloud.md's knob index has no row for {missing:?}");
    }

    #[test]
    fn the_knob_table_covers_every_field_with_valid_values() {
        let fields: Vec<String> = Behaviour::default().describe().into_iter().map(|(k, _)| k).collect();
        let mut names: Vec<&str> = KNOBS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        assert_eq!(fields, names, "KNOBS lists every Behaviour field");
        let defaults = Behaviour::default();
        for k in KNOBS {
            for v in k.values.iter().chain(k.forms) {
                let b = defaults.with_override(&format!("{}={v}", k.name));
                assert!(b.is_ok(), "{}={v}: {b:?}", k.name);
            }
            if let Some(first) = k.values.first().or(k.forms.first()) {
                assert_eq!(defaults.get(k.name).as_deref(), Some(*first), "{}: the default comes first", k.name);
            }
            if !k.values.is_empty() && !k.forms.is_empty() {
                assert!(k.forms.iter().all(|f| k.values.contains(f)), "{}", k.name);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TestConnection {
    /// `GET /Users?startIndex=1&count=1`
    UsersList,
    /// `GET /ServiceProviderConfig`
    ServiceProviderConfig,
    /// `GET /Users?filter=userName eq "<test email>"`
    UsersFilter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum UsernameFrom {
    /// `userName` is the user's email.
    Email,
    /// `userName` is the JumpCloud username.
    Username,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum UpdateMethod {
    /// A full PUT carrying the SP's `id`.
    Put,
    /// One PatchOp `replace` with every attribute.
    Patch,
    /// One PatchOp `replace` per changed attribute path (`name.givenName`, `active`, …).
    PatchPerAttribute,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum MemberRemoval {
    /// `{"op":"remove","path":"members","value":[{"value":"<id>"}]}`
    ValueArray,
    /// `{"op":"remove","path":"members[value eq \"<id>\"]"}`
    FilterPath,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum GroupUpdateMethod {
    /// PatchOp `replace` with path `displayName`.
    Patch,
    /// A full PUT of the group.
    Put,
    /// PatchOp `replace` without a path: `{"op":"replace","value":{"displayName":…}}`,
    /// the only rename form some SCIM libraries that list JumpCloud parse.
    PatchValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TestGroupUpdate {
    /// `displayName` replaced with the name it already has.
    SameName,
    /// `displayName` replaced with `<name> (updated)`: a change the SP must store.
    Rename,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum UserLookup {
    /// `GET /Users?filter=userName eq "<userName>"`
    UserName,
    /// `GET /Users?filter=emails[value eq "<email>"]`
    Email,
    /// `GET /Users?filter=externalId eq "<JumpCloud user id>"`
    ExternalId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeprovisionMethod {
    /// The update form (`update_method`) carrying `active: false`.
    Update,
    /// A PatchOp `replace` of `active` alone: `{"op":"replace","path":"active","value":false}`.
    PatchActive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum GroupCreate {
    /// `POST /Groups` carrying the members.
    WithMembers,
    /// `POST /Groups` without members, then a PATCH `add` of the members.
    ThenAdd,
}

/// A user no longer bound to the application. JumpCloud's own article says
/// the user "will be deactivated or deleted in all SCIM Identity Management
/// applications" [U] (docs/jumpcloud.md, S7); connector articles describe
/// deactivation, the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OnUnbind {
    /// Made inactive, in the `deprovision_method` form.
    Deactivate,
    /// `DELETE /Users/{id}`; a later binding creates the user again.
    Delete,
}

/// A group body without members (the activation's test group, a group
/// created before its members are added): a vendor made `members` optional
/// for JumpCloud [I] (docs/jumpcloud.md, S11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EmptyGroupMembers {
    /// No `members` key.
    Omit,
    /// `"members": []`.
    EmptyArray,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OnDeactivate {
    /// Provisioning stops; nothing is sent and SP users stay as they are.
    Nothing,
    /// Every provisioned user is made inactive before provisioning stops.
    DeprovisionUsers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum UserDelete {
    /// `DELETE /Users/{id}`
    Delete,
    /// A full PUT with `active:false`.
    Deactivate,
}

/// Group memberships of a user deleted with `user_delete: delete`. The
/// evidence shows only the `DELETE` [I]; no source shows a PATCH before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum UserDeleteGroups {
    /// Only the `DELETE`: the SP drops the user from its groups (RFC 7643
    /// §4.2, members are references).
    None,
    /// A member-removal PATCH on each of the user's synced groups, then the `DELETE`.
    RemoveFirst,
}
