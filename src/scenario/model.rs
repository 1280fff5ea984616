//! The scenario as written: what the YAML *says*, before anything is sent.

use super::env::{expand, expand_opt, expand_vec};
use crate::provision::Behaviour;
use serde::Deserialize;

/// A parsed scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(deserialize_with = "expand")]
    pub name: String,
    #[serde(default, deserialize_with = "expand_opt")]
    pub description: Option<String>,
    /// Absent: the embedded SP (or `--target`).
    #[serde(default)]
    pub target: Option<Target>,
    #[serde(default)]
    pub behaviour: Behaviour,
    /// Seed for generated data and ids. Absent: 1, or `--seed`.
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub directory: DirectorySpec,
    #[serde(default)]
    pub app: AppSpec,
    pub steps: Vec<super::Step>,
    /// Rules (see `jcsim rules`) whose findings do not fail this scenario.
    #[serde(default)]
    pub waive: Vec<Waiver>,
    /// Filled in by the loader: where the scenario came from.
    #[serde(skip)]
    pub source: SourceInfo,
}

/// A waived rule and why.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub rule: String,
    /// Shown in the report next to every waived finding.
    #[serde(deserialize_with = "expand")]
    pub reason: String,
}

/// Where a scenario came from, for reports and error messages.
#[derive(Debug, Clone, Default)]
pub struct SourceInfo {
    /// The path as given.
    pub file: String,
}

/// The SP under test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// SCIM root, e.g. `https://sp.example.com/scim/v2` (no trailing `/`).
    #[serde(default, deserialize_with = "expand_opt")]
    pub base_url: Option<String>,
    #[serde(default)]
    pub auth: Option<Auth>,
    /// Use the embedded SP, optionally with quirks.
    #[serde(default)]
    pub embedded: Option<Embedded>,
}

/// Credentials as JumpCloud sends them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// "Bearer Token": `Authorization: Bearer <token>`.
    #[serde(default, deserialize_with = "expand_opt")]
    pub bearer: Option<String>,
    /// "SCIM API Key": the header name the admin chose.
    #[serde(default, deserialize_with = "expand_opt")]
    pub header: Option<String>,
    /// The API key value for `header`.
    #[serde(default, deserialize_with = "expand_opt")]
    pub value: Option<String>,
}

/// Embedded SP settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Embedded {
    /// Quirk names, e.g. `numeric_ids` or `slow=50`.
    #[serde(default, deserialize_with = "expand_vec")]
    pub quirks: Vec<String>,
}

/// The initial JumpCloud directory.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectorySpec {
    #[serde(default)]
    pub users: Vec<UserSpec>,
    #[serde(default)]
    pub groups: Vec<GroupSpec>,
    /// Organization settings.
    #[serde(default)]
    pub settings: SettingsSpec,
}

/// Organization settings (`directory.settings`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsSpec {
    /// "Default user state for SCIM API": `staged` (jcsim's default) or `activated`.
    #[serde(default)]
    pub scim_default_user_state: Option<crate::directory::ScimDefaultState>,
}

/// A user, or (with `generate`) a block of generated users. `update_user.set`
/// uses the same attribute names.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// Generate this many users with seeded fake data instead of one explicit user.
    #[serde(default)]
    pub generate: Option<usize>,
    /// Email domain of generated users (default `example.com`).
    #[serde(default, deserialize_with = "expand_opt")]
    pub email_domain: Option<String>,
    /// Groups every generated (or this) user joins.
    #[serde(default, deserialize_with = "expand_vec")]
    pub groups: Vec<String>,
    // The JumpCloud user attributes of the connector table.
    #[serde(default, deserialize_with = "expand_opt")]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub firstname: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub lastname: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub displayname: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub job_title: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub department: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub employee_identifier: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub cost_center: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub company: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub employee_type: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub location: Option<String>,
    /// Work phone number; sent as a `tel:` URI.
    #[serde(default, deserialize_with = "expand_opt")]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<AddressSpec>,
    #[serde(default)]
    pub state: Option<UserStateSpec>,
    #[serde(default)]
    pub password_expired: Option<bool>,
}

/// A work address.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressSpec {
    #[serde(default, deserialize_with = "expand_opt")]
    pub street: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub locality: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub region: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub postal_code: Option<String>,
    #[serde(default, deserialize_with = "expand_opt")]
    pub country: Option<String>,
}

/// JumpCloud user states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStateSpec {
    Activated,
    Staged,
    Suspended,
}

/// A user group.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    #[serde(deserialize_with = "expand")]
    pub name: String,
    /// Usernames of the members.
    #[serde(default, deserialize_with = "expand_vec")]
    pub members: Vec<String>,
}

/// The SSO application and its Identity Management settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppSpec {
    #[serde(deserialize_with = "expand")]
    pub name: String,
    /// A new, unused email for the activation test user.
    #[serde(deserialize_with = "expand")]
    pub test_user_email: String,
    /// "Enable management of User Groups and Group Membership in this application".
    pub group_management: bool,
    /// Users bound directly to the app before the first step.
    #[serde(deserialize_with = "expand_vec")]
    pub users: Vec<String>,
    /// User groups bound to the app before the first step.
    #[serde(deserialize_with = "expand_vec")]
    pub groups: Vec<String>,
}

impl Default for AppSpec {
    fn default() -> Self {
        AppSpec {
            name: "Custom SCIM App".to_string(),
            test_user_email: "jc-test@jumpcloud.com".to_string(),
            group_management: false,
            users: Vec::new(),
            groups: Vec::new(),
        }
    }
}
