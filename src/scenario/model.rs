//! The scenario as written: what the YAML *says*, before anything is sent.

use super::env::{expand, expand_opt, expand_vec};
use crate::knobs::Behaviour;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A parsed scenario file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "jcsim scenario",
    description = "A jcsim scenario: a simulated JumpCloud directory and the admin actions whose SCIM 2.0 traffic is replayed against a service provider. String values may use ${VAR} and ${VAR:-default} (environment); $$ is a literal $."
)]
pub struct Scenario {
    /// The scenario's name, shown in summaries and reports.
    #[serde(deserialize_with = "expand")]
    pub name: String,
    /// Optional free text.
    #[serde(default, deserialize_with = "expand_opt")]
    #[allow(dead_code)] // read by serde (deny_unknown_fields) and in the JSON schema
    pub(crate) description: Option<String>,
    /// The SP under test. Absent: the embedded SP (or `--target`).
    #[serde(default)]
    pub(crate) target: Option<Target>,
    /// JumpCloud behaviour knobs; defaults follow JumpCloud.
    #[serde(default)]
    pub(crate) behaviour: Behaviour,
    /// Seed for generated data and ids. Absent: 1, or `--seed`.
    #[serde(default)]
    pub(crate) seed: Option<u64>,
    /// The JumpCloud users and user groups before the first step.
    #[serde(default)]
    pub(crate) directory: DirectorySpec,
    /// The SSO application with Identity Management (SCIM).
    #[serde(default)]
    pub(crate) app: AppSpec,
    /// Admin actions, in order. Each is a bare name (`- activate`) or a
    /// one-key map (`- bind_group: Engineering`), optionally with `expect:`.
    #[schemars(length(min = 1))]
    pub(crate) steps: Vec<super::Step>,
    /// Rules (see `jcsim rules`) whose findings do not fail this scenario.
    #[serde(default)]
    pub(crate) waive: Vec<Waiver>,
    /// Filled in by the loader: where the scenario came from.
    #[serde(skip)]
    pub(crate) source: SourceInfo,
    /// Set by [`super::namespace::apply`]: the tag every created name carries.
    #[serde(skip)]
    pub(crate) namespace: Option<super::namespace::Tag>,
}

impl Scenario {
    /// The embedded-SP quirks the scenario asks for (empty: any SP will do).
    pub fn quirks(&self) -> &[String] {
        self.target.as_ref().and_then(|t| t.embedded.as_ref()).map_or(&[], |e| e.quirks.as_slice())
    }

    /// The vendor SP the embedded quirks emulate (`target.embedded.emulates`).
    pub(crate) fn emulates(&self) -> Option<&str> {
        self.target.as_ref().and_then(|t| t.embedded.as_ref()).and_then(|e| e.emulates.as_deref())
    }
}

/// A waived rule and why.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Waiver {
    pub(crate) rule: String,
    /// Shown in the report next to every waived finding.
    #[serde(deserialize_with = "expand")]
    pub(crate) reason: String,
}

/// Where a scenario came from, for reports and error messages.
#[derive(Debug, Clone, Default)]
pub(crate) struct SourceInfo {
    /// The path as given.
    pub(crate) file: String,
}

/// The SP under test: `base_url` (with optional `auth`), or `embedded`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [
    { "required": ["base_url"], "not": { "required": ["embedded"] } },
    { "required": ["embedded"], "not": { "anyOf": [{ "required": ["base_url"] }, { "required": ["auth"] }] } }
]))]
pub(crate) struct Target {
    /// SCIM root, e.g. `https://sp.example.com/scim/v2` (no trailing `/`).
    #[serde(default, deserialize_with = "expand_opt")]
    pub(crate) base_url: Option<String>,
    /// Credentials JumpCloud sends with every request.
    #[serde(default)]
    pub(crate) auth: Option<Auth>,
    /// Use the embedded SP, optionally with quirks.
    #[serde(default)]
    pub(crate) embedded: Option<Embedded>,
}

/// Credentials as JumpCloud sends them: `bearer`, or `header` + `value`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [
    { "required": ["bearer"], "not": { "anyOf": [{ "required": ["header"] }, { "required": ["value"] }] } },
    { "required": ["header", "value"], "not": { "required": ["bearer"] } }
]))]
pub(crate) struct Auth {
    /// "Bearer Token": `Authorization: Bearer <token>`.
    #[serde(default, deserialize_with = "expand_opt")]
    pub(crate) bearer: Option<String>,
    /// "SCIM API Key": the header name the admin chose.
    #[serde(default, deserialize_with = "expand_opt")]
    pub(crate) header: Option<String>,
    /// The API key value for `header`.
    #[serde(default, deserialize_with = "expand_opt")]
    pub(crate) value: Option<String>,
}

/// Embedded SP settings.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Embedded {
    /// Quirk names, e.g. `numeric_ids` or `slow=50`.
    #[serde(default, deserialize_with = "expand_vec")]
    pub(crate) quirks: Vec<String>,
    /// The vendor SP these quirks emulate (e.g. `Dialpad`). Against
    /// `--target`, such a scenario still runs with its app settings; only the
    /// expectations marked `needs_quirk` are skipped, and named. Without it,
    /// a scenario with quirks is a quirk demonstration and is not run
    /// against `--target`.
    #[serde(default)]
    pub(crate) emulates: Option<String>,
}

/// The initial JumpCloud directory.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DirectorySpec {
    /// Users, or blocks of generated users (`generate: N`).
    #[serde(default)]
    pub(crate) users: Vec<UserSpec>,
    /// User groups and their members.
    #[serde(default)]
    pub(crate) groups: Vec<GroupSpec>,
    /// Organization settings.
    #[serde(default)]
    pub(crate) settings: SettingsSpec,
}

/// Organization settings (`directory.settings`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsSpec {
    /// "Default user state for SCIM API": `staged` (jcsim's default) or `activated`.
    #[serde(default)]
    pub(crate) scim_default_user_state: Option<crate::knobs::ScimDefaultState>,
}

/// A user, or (with `generate`) a block of generated users. `update_user.set`
/// uses the same attribute names.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserSpec {
    /// Generate this many users with seeded fake data instead of one explicit user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) generate: Option<usize>,
    /// Email domain of generated users (default `example.com`).
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) email_domain: Option<String>,
    /// Groups every generated (or this) user joins.
    #[serde(default, deserialize_with = "expand_vec")]
    pub(crate) groups: Vec<String>,
    // The JumpCloud user attributes of the connector table.
    /// JumpCloud username (letters, digits, `.`, `_`, `-`; not an email); names
    /// the user in steps. Sent as `userName` with `username_from: username`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) username: Option<String>,
    /// Email; sent as `userName` (default) and `emails[type=work,primary]`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
    /// First name; sent as `name.givenName`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) firstname: Option<String>,
    /// Last name; sent as `name.familyName`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) lastname: Option<String>,
    /// Display name; sent as `displayName` (default: "first last").
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) displayname: Option<String>,
    /// jobTitle; sent as `title`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) job_title: Option<String>,
    /// Sent as the enterprise extension's `department`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) department: Option<String>,
    /// Sent as the enterprise extension's `employeeNumber`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) employee_identifier: Option<String>,
    /// Sent as the enterprise extension's `costCenter`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) cost_center: Option<String>,
    /// Sent as the enterprise extension's `organization`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) company: Option<String>,
    /// employeeType; sent as `userType`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) employee_type: Option<String>,
    /// Sent as `locale`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) location: Option<String>,
    /// Work phone number; sent as a `tel:` URI.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) phone: Option<String>,
    /// Work address; sent as `addresses[type=work]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) address: Option<AddressSpec>,
    /// JumpCloud user state (default `activated`). STAGED users are never sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) state: Option<UserStateSpec>,
    /// A user with an expired password is sent with `active: false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) password_expired: Option<bool>,
}

/// A work address.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddressSpec {
    /// Sent as `streetAddress`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) street: Option<String>,
    /// City; sent as `locality`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) locality: Option<String>,
    /// State or province; sent as `region`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    /// Sent as `postalCode`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) postal_code: Option<String>,
    /// Sent as `country`.
    #[serde(default, deserialize_with = "expand_opt", skip_serializing_if = "Option::is_none")]
    pub(crate) country: Option<String>,
}

/// JumpCloud user states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum UserStateSpec {
    /// Active; provisioned once bound.
    Activated,
    /// Not yet active; never sent until `activate_user`.
    Staged,
    /// Sent with `active: false`.
    Suspended,
}

/// A user group.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupSpec {
    /// Group name; sent as `displayName`; names the group in steps.
    #[serde(deserialize_with = "expand")]
    pub(crate) name: String,
    /// Usernames of the members.
    #[serde(default, deserialize_with = "expand_vec")]
    pub(crate) members: Vec<String>,
}

/// The SSO application and its Identity Management settings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct AppSpec {
    /// The application's display name (default "Custom SCIM App").
    #[serde(deserialize_with = "expand")]
    pub(crate) name: String,
    /// A new, unused email for the activation test user (default
    /// `jc-test@jumpcloud.com`); it must not exist at the SP.
    #[serde(deserialize_with = "expand")]
    pub(crate) test_user_email: String,
    /// "Enable management of User Groups and Group Membership in this
    /// application" (default false).
    pub(crate) group_management: bool,
    /// Users bound directly to the app before the first step.
    #[serde(deserialize_with = "expand_vec")]
    pub(crate) users: Vec<String>,
    /// User groups bound to the app before the first step.
    #[serde(deserialize_with = "expand_vec")]
    pub(crate) groups: Vec<String>,
    /// Optional user attributes the application excludes, as SCIM names
    /// (`title`, `department`, `phoneNumbers`, `name.givenName`, …): no
    /// request carries them. `userName` cannot be excluded.
    #[serde(deserialize_with = "expand_vec")]
    pub(crate) exclude_attributes: Vec<String>,
}

impl Default for AppSpec {
    fn default() -> Self {
        AppSpec {
            name: "Custom SCIM App".to_string(),
            test_user_email: "jc-test@jumpcloud.com".to_string(),
            group_management: false,
            users: Vec::new(),
            groups: Vec::new(),
            exclude_attributes: Vec::new(),
        }
    }
}
