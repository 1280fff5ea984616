//! Switchable misbehaviours of the embedded SP, parsed from `name[=value]` strings.

use std::fmt;
use std::str::FromStr;

/// One quirk: a way real service providers deviate from the happy path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Quirk {
    /// Successful PATCH answers 204 with no body.
    PatchReturns204,
    /// PATCH ops that remove group members succeed but change nothing: in
    /// every form, or only in the given one (`ignore_member_remove=value_array`).
    IgnoreMemberRemove(Option<RemovalForm>),
    /// Renaming a group succeeds but keeps the old name.
    IgnoreRename,
    /// Setting `active: false` on a user succeeds but the user stays active.
    IgnoreDeactivate,
    /// Ids are JSON numbers in responses.
    NumericIds,
    /// DELETE /Users/{id} answers 405.
    NoUserDelete,
    /// Users whose userName or email domain is not listed are rejected.
    DomainAllowlist(Vec<String>),
    /// DELETE /Groups/{id} empties the group but keeps it.
    SoftDeleteGroups,
    /// Responses use `Content-Type: application/json`.
    ApplicationJson,
    /// Every response is delayed by this many milliseconds.
    Slow(u64),
    /// Each request fails with 503 with this probability.
    Flaky(f64),
    /// More than this many requests per second get 429.
    RateLimit(u32),
    /// Group member removals are accepted in one form only (`value_array`
    /// or `filter_path`); the other answers 400.
    OnlyMemberRemoval(RemovalForm),
    /// User PATCH `replace` operations succeed but change nothing.
    IgnorePatchReplace,
    /// PATCH answers 405: updates must be PUTs.
    NoPatch,
    /// `POST /Groups` stores the group without the `members` it carried and
    /// answers `"members": []`.
    CreateGroupDropsMembers,
    /// Filters compare every string case-exactly, `userName` included.
    CaseSensitiveFilter,
    /// Lists ignore `startIndex`: every page is the first page.
    IgnoreStartIndex,
    /// PUT with an attribute set to `null` answers 400.
    RejectNullPut,
    /// PATCH with a `replace` operation answers 501 Not Implemented.
    PatchReplaceNotImplemented,
    /// A Group without a `members` key (POST or PUT) answers 400.
    RequireGroupMembers,
    /// Any bearer token, or none, is accepted: Test Connection cannot tell
    /// a wrong Token Key from the right one.
    AcceptAnyToken,
    /// A user once set `active: false` stays inactive: a later
    /// `active: true` is answered 2xx and ignored (suspension is terminal).
    NoReactivate,
    /// `DELETE /Users/{id}` answers 204 but only deactivates the user,
    /// which stays readable.
    SoftDeleteUsers,
    /// POST stores the resource, then answers 500, except the first N POSTs
    /// (`post_500_then_commit=2` lets the activation's test user and group through).
    Post500ThenCommit(u64),
}

/// A form of group member removal (the `only_member_removal` quirk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RemovalForm {
    /// `{"op":"remove","path":"members","value":[{"value":id}]}`
    ValueArray,
    /// `{"op":"remove","path":"members[value eq \"id\"]"}`
    FilterPath,
}

impl RemovalForm {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RemovalForm::ValueArray => "value_array",
            RemovalForm::FilterPath => "filter_path",
        }
    }
}

/// Every quirk name accepted by [`Quirk::from_str`].
pub(crate) const QUIRK_NAMES: &[&str] = &[
    "patch_returns_204",
    "ignore_member_remove",
    "ignore_rename",
    "ignore_deactivate",
    "numeric_ids",
    "no_user_delete",
    "domain_allowlist",
    "soft_delete_groups",
    "application_json",
    "slow",
    "flaky",
    "rate_limit",
    "only_member_removal",
    "ignore_patch_replace",
    "no_patch",
    "create_group_drops_members",
    "case_sensitive_filter",
    "ignore_start_index",
    "reject_null_put",
    "patch_replace_not_implemented",
    "post_500_then_commit",
    "require_group_members",
    "accept_any_token",
    "no_reactivate",
    "soft_delete_users",
];

/// Why a quirk string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum QuirkError {
    /// The name is not one of [`QUIRK_NAMES`].
    #[error("unknown quirk '{name}'{suggestion}; valid quirks: {valid}")]
    Unknown {
        /// The name as given.
        name: String,
        /// `" (did you mean 'x'?)"` or empty.
        suggestion: String,
        /// Comma-separated valid names.
        valid: String,
    },
    /// The value is missing, unexpected or malformed.
    #[error("quirk '{name}': {message}")]
    BadValue {
        /// The quirk name.
        name: String,
        /// What is wrong.
        message: String,
    },
}

impl Quirk {
    /// The quirk's name, without value.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Quirk::PatchReturns204 => "patch_returns_204",
            Quirk::IgnoreMemberRemove(_) => "ignore_member_remove",
            Quirk::IgnoreRename => "ignore_rename",
            Quirk::IgnoreDeactivate => "ignore_deactivate",
            Quirk::NumericIds => "numeric_ids",
            Quirk::NoUserDelete => "no_user_delete",
            Quirk::DomainAllowlist(_) => "domain_allowlist",
            Quirk::SoftDeleteGroups => "soft_delete_groups",
            Quirk::ApplicationJson => "application_json",
            Quirk::Slow(_) => "slow",
            Quirk::Flaky(_) => "flaky",
            Quirk::RateLimit(_) => "rate_limit",
            Quirk::OnlyMemberRemoval(_) => "only_member_removal",
            Quirk::IgnorePatchReplace => "ignore_patch_replace",
            Quirk::NoPatch => "no_patch",
            Quirk::CreateGroupDropsMembers => "create_group_drops_members",
            Quirk::CaseSensitiveFilter => "case_sensitive_filter",
            Quirk::IgnoreStartIndex => "ignore_start_index",
            Quirk::RejectNullPut => "reject_null_put",
            Quirk::PatchReplaceNotImplemented => "patch_replace_not_implemented",
            Quirk::Post500ThenCommit(_) => "post_500_then_commit",
            Quirk::RequireGroupMembers => "require_group_members",
            Quirk::AcceptAnyToken => "accept_any_token",
            Quirk::NoReactivate => "no_reactivate",
            Quirk::SoftDeleteUsers => "soft_delete_users",
        }
    }
}

fn suggestion(name: &str) -> String {
    crate::suggest::suggest(name, QUIRK_NAMES.iter().copied())
        .map(|n| format!(" (did you mean '{n}'?)"))
        .unwrap_or_default()
}

impl FromStr for Quirk {
    type Err = QuirkError;

    /// Long on purpose: one arm per quirk name, the table of quirks.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (name, value) = match s.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (s, None),
        };
        let lower = name.to_ascii_lowercase().replace('-', "_");
        let bad = |message: String| QuirkError::BadValue { name: lower.clone(), message };
        let flag = |q: Quirk| match value {
            None => Ok(q),
            Some(_) => Err(bad("takes no value".into())),
        };
        let needs = |example: &str| {
            value.filter(|v| !v.is_empty()).ok_or_else(|| bad(format!("needs a value, e.g. {lower}={example}")))
        };
        match lower.as_str() {
            "patch_returns_204" => flag(Quirk::PatchReturns204),
            "ignore_member_remove" => match value {
                None => Ok(Quirk::IgnoreMemberRemove(None)),
                Some("value_array") => Ok(Quirk::IgnoreMemberRemove(Some(RemovalForm::ValueArray))),
                Some("filter_path") => Ok(Quirk::IgnoreMemberRemove(Some(RemovalForm::FilterPath))),
                Some(_) => Err(bad("takes no value, or value_array or filter_path".into())),
            },
            "ignore_rename" => flag(Quirk::IgnoreRename),
            "ignore_deactivate" => flag(Quirk::IgnoreDeactivate),
            "numeric_ids" => flag(Quirk::NumericIds),
            "no_user_delete" => flag(Quirk::NoUserDelete),
            "soft_delete_groups" => flag(Quirk::SoftDeleteGroups),
            "application_json" => flag(Quirk::ApplicationJson),
            "ignore_patch_replace" => flag(Quirk::IgnorePatchReplace),
            "no_patch" => flag(Quirk::NoPatch),
            "create_group_drops_members" => flag(Quirk::CreateGroupDropsMembers),
            "case_sensitive_filter" => flag(Quirk::CaseSensitiveFilter),
            "ignore_start_index" => flag(Quirk::IgnoreStartIndex),
            "reject_null_put" => flag(Quirk::RejectNullPut),
            "patch_replace_not_implemented" => flag(Quirk::PatchReplaceNotImplemented),
            "require_group_members" => flag(Quirk::RequireGroupMembers),
            "accept_any_token" => flag(Quirk::AcceptAnyToken),
            "no_reactivate" => flag(Quirk::NoReactivate),
            "soft_delete_users" => flag(Quirk::SoftDeleteUsers),
            "post_500_then_commit" => match value {
                None => Ok(Quirk::Post500ThenCommit(0)),
                Some(v) => v.parse::<u64>().map(Quirk::Post500ThenCommit).map_err(|_| {
                    bad("expects the number of POSTs to let through first, e.g. post_500_then_commit=2".into())
                }),
            },
            "only_member_removal" => match needs("filter_path")? {
                "value_array" => Ok(Quirk::OnlyMemberRemoval(RemovalForm::ValueArray)),
                "filter_path" => Ok(Quirk::OnlyMemberRemoval(RemovalForm::FilterPath)),
                _ => Err(bad("expects value_array or filter_path".into())),
            },
            "domain_allowlist" => {
                let domains: Vec<String> = needs("jumpcloud.com,acme.com")?
                    .split(',')
                    .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
                    .collect();
                if domains.iter().any(|d| d.is_empty() || d.contains(char::is_whitespace) || d.contains('@')) {
                    return Err(bad("expects a comma-separated list of domains".into()));
                }
                Ok(Quirk::DomainAllowlist(domains))
            }
            "slow" => needs("200")?
                .parse::<u64>()
                .ok()
                .filter(|ms| *ms <= 600_000)
                .map(Quirk::Slow)
                .ok_or_else(|| bad("expects milliseconds between 0 and 600000".into())),
            "flaky" => needs("0.2")?
                .parse::<f64>()
                .ok()
                .filter(|r| (0.0..=1.0).contains(r))
                .map(Quirk::Flaky)
                .ok_or_else(|| bad("expects a failure rate between 0 and 1".into())),
            "rate_limit" => needs("50")?
                .parse::<u32>()
                .ok()
                .filter(|r| *r > 0)
                .map(Quirk::RateLimit)
                .ok_or_else(|| bad("expects a positive number of requests per second".into())),
            _ => Err(QuirkError::Unknown {
                name: name.to_string(),
                suggestion: suggestion(&lower),
                valid: QUIRK_NAMES.join(", "),
            }),
        }
    }
}

impl fmt::Display for Quirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Quirk::DomainAllowlist(d) => write!(f, "={}", d.join(",")),
            Quirk::Slow(ms) => write!(f, "={ms}"),
            Quirk::Flaky(rate) => write!(f, "={rate}"),
            Quirk::RateLimit(rps) => write!(f, "={rps}"),
            Quirk::OnlyMemberRemoval(form) | Quirk::IgnoreMemberRemove(Some(form)) => write!(f, "={}", form.as_str()),
            Quirk::Post500ThenCommit(n) if *n > 0 => write!(f, "={n}"),
            _ => Ok(()),
        }
    }
}

impl serde::Serialize for Quirk {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Quirk {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_and_round_trips() {
        let all = [
            "patch_returns_204",
            "ignore_member_remove",
            "ignore_rename",
            "ignore_deactivate",
            "numeric_ids",
            "no_user_delete",
            "domain_allowlist=jumpcloud.com,acme.com",
            "soft_delete_groups",
            "application_json",
            "slow=200",
            "flaky=0.2",
            "rate_limit=50",
            "only_member_removal=filter_path",
            "ignore_member_remove=value_array",
            "ignore_patch_replace",
            "no_patch",
            "create_group_drops_members",
            "case_sensitive_filter",
            "ignore_start_index",
            "reject_null_put",
            "patch_replace_not_implemented",
            "post_500_then_commit",
            "post_500_then_commit=2",
            "require_group_members",
            "accept_any_token",
            "no_reactivate",
            "soft_delete_users",
        ];
        for s in all {
            let q: Quirk = s.parse().unwrap();
            assert_eq!(q.to_string(), s);
            assert!(QUIRK_NAMES.contains(&q.name()));
        }
        assert_eq!(all.len(), QUIRK_NAMES.len() + 2, "ignore_member_remove and post_500_then_commit twice");
    }

    #[test]
    fn unknown_name_suggests() {
        let err = "numeric_id".parse::<Quirk>().unwrap_err().to_string();
        assert!(
            err.starts_with(
                "unknown quirk 'numeric_id' (did you mean 'numeric_ids'?); valid quirks: patch_returns_204,"
            ),
            "{err}"
        );
        let err = "zzz".parse::<Quirk>().unwrap_err().to_string();
        assert!(err.starts_with("unknown quirk 'zzz'; valid quirks:"), "{err}");
    }

    #[test]
    fn bad_values() {
        let cases = [
            ("slow", "quirk 'slow': needs a value, e.g. slow=200"),
            ("slow=abc", "quirk 'slow': expects milliseconds between 0 and 600000"),
            ("flaky=1.5", "quirk 'flaky': expects a failure rate between 0 and 1"),
            ("rate_limit=0", "quirk 'rate_limit': expects a positive number of requests per second"),
            ("numeric_ids=1", "quirk 'numeric_ids': takes no value"),
            ("domain_allowlist=a.com,,b.com", "quirk 'domain_allowlist': expects a comma-separated list of domains"),
        ];
        for (input, message) in cases {
            assert_eq!(input.parse::<Quirk>().unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn serde_uses_string_form() {
        let qs: Vec<Quirk> = serde_json::from_str(r#"["numeric_ids", "slow=50"]"#).unwrap();
        assert_eq!(qs, vec![Quirk::NumericIds, Quirk::Slow(50)]);
        assert_eq!(serde_json::to_string(&qs).unwrap(), r#"["numeric_ids","slow=50"]"#);
        assert!(serde_json::from_str::<Vec<Quirk>>(r#"["nope"]"#).is_err());
    }
}
