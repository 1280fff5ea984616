//! Behaviour knobs: every JumpCloud rule tagged [I] inferred or [U] unknown in
//! docs/jumpcloud.md is a knob whose default is our best reading, switchable
//! per scenario.
//!
//! The `knobs!` table below declares each knob once. One entry makes its
//! `Behaviour` field (the doc comment is the schema description), its
//! default, its [`KnobId`] and [`Setting`] variants, its [`KNOBS`] row
//! (evidence status, label, plausible values and forms) and, for a knob
//! whose every value is a request form, its [`Form`] impl. The JSON Schema,
//! the docs' knob table, the console, `jcsim compat` and `jcsim infer` read
//! [`KNOBS`]; `--behaviour KNOB=VALUE` parses into a [`Setting`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The default `user_agent`: jcsim names itself, as JumpCloud's is unknown.
pub(crate) const DEFAULT_USER_AGENT: &str = concat!("jcsim/", env!("CARGO_PKG_VERSION"));

/// Declares every knob. Each entry:
///
/// ```text
/// /// Doc comment: the field's doc and the schema description.
/// Id field: Type = default;
///     "label", C|I|U|J, forms: all|none|["form", …], console: true|false;
/// ```
///
/// `forms: all`: every value of the knob's enum is a request form `jcsim
/// compat` tries, and the enum implements [`Form`]; `none`: the wire does not
/// change; a list: the forms of a free-form knob. The values of an enum come
/// from its `knob_values!` declaration.
macro_rules! knobs {
    ($(
        $(#[doc = $doc:literal])*
        $id:ident $field:ident: $ty:ty = $default:expr;
            $label:literal, $status:ident, forms: $forms:tt, console: $console:literal;
    )*) => {
        /// How JumpCloud's behaviour is modelled where the evidence is incomplete.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(default, deny_unknown_fields)]
        #[schemars(
            description = "How JumpCloud's behaviour is modelled where the evidence is incomplete. Each knob is tagged [C] confirmed, [I] inferred, [U] unknown (jcsim's choice) or [jcsim] (a jcsim setting); defaults follow JumpCloud. `--behaviour KNOB=VALUE` overrides a knob for a whole run."
        )]
        pub struct Behaviour {
            $( $(#[doc = $doc])* pub(crate) $field: $ty, )*
            /// User attributes the application excludes (`app.exclude_attributes`):
            /// no body carries them. An app setting, not a knob: the provisioner
            /// copies it from the directory's app before it sends.
            #[serde(skip)]
            pub(crate) excluded: Vec<String>,
        }

        impl Default for Behaviour {
            fn default() -> Self {
                Behaviour { $( $field: $default, )* excluded: Vec::new() }
            }
        }

        /// A knob, by name: `KnobId::MemberRemoval` is `member_removal`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub(crate) enum KnobId { $( $id, )* }

        /// A knob with a value: what `--behaviour KNOB=VALUE` and a
        /// recording's request show.
        #[derive(Debug, Clone, PartialEq)]
        pub(crate) enum Setting { $( $id($ty), )* }

        impl Setting {
            pub(crate) fn knob(&self) -> KnobId {
                match self { $( Setting::$id(_) => KnobId::$id, )* }
            }

            /// The value as written in scenarios (`filter_path`, `3000`).
            pub(crate) fn value(&self) -> String {
                match self { $( Setting::$id(v) => text(v), )* }
            }

            /// `value` as `knob`'s type, read like a scenario's value.
            fn parse_value(knob: KnobId, value: &str) -> Result<Setting, String> {
                match knob { $( KnobId::$id => parse_as::<$ty>(value).map(Setting::$id), )* }
            }
        }

        impl KnobId {
            /// The knob's request forms, the default first (empty: the
            /// wire does not change).
            pub(crate) fn forms(self) -> Vec<Setting> {
                match self { $( KnobId::$id => knobs!(@settings $id $ty, $forms), )* }
            }
        }

        impl Behaviour {
            /// Set one knob.
            pub(crate) fn set(&mut self, s: Setting) {
                match s { $( Setting::$id(v) => self.$field = v, )* }
            }

            /// One knob's value.
            pub(crate) fn setting(&self, knob: KnobId) -> Setting {
                match knob { $( KnobId::$id => Setting::$id(self.$field.clone()), )* }
            }
        }

        /// Every knob, in `Behaviour`'s field order: the one source of
        /// statuses and plausible values.
        pub(crate) const KNOBS: &[Knob] = &[ $(
            Knob {
                id: KnobId::$id,
                name: stringify!($field),
                label: $label,
                status: $status,
                values: <$ty as KnobType>::VALUES,
                forms: knobs!(@forms $ty, $forms),
                console: $console,
            },
        )* ];

        $( knobs!(@form $id $field $ty, $forms); )*
    };
    (@forms $ty:ty, all) => { <$ty as KnobType>::VALUES };
    (@forms $ty:ty, none) => { &[] };
    (@forms $ty:ty, [$($form:literal),* $(,)?]) => { &[$($form),*] };
    (@settings $id:ident $ty:ty, all) => { <$ty as KnobEnum>::ALL.iter().map(|v| Setting::$id(*v)).collect() };
    (@settings $id:ident $ty:ty, none) => { Vec::new() };
    (@settings $id:ident $ty:ty, [$($form:literal),* $(,)?]) => { vec![$(Setting::$id($form.into())),*] };
    (@form $id:ident $field:ident $ty:ty, all) => {
        impl Form for $ty {
            const KNOB: KnobId = KnobId::$id;
            const FORMS: &'static [$ty] = <$ty as KnobEnum>::ALL;
            fn of(b: &Behaviour) -> Self {
                b.$field
            }
        }
    };
    (@form $id:ident $field:ident $ty:ty, $other:tt) => {};
}

use Evidence::{Confirmed as C, Inferred as I, Jcsim as J, Unknown as U};

knobs! {
    /// The request behind Test Connection.
    TestConnection test_connection: TestConnection = TestConnection::UsersList;
        "Test Connection request", U, forms: all, console: true;
    /// Source of `userName`.
    UsernameFrom username_from: UsernameFrom = UsernameFrom::Email;
        "userName source", I, forms: all, console: true;
    /// How a user update is sent: a full PUT (captured), or a PATCH.
    UpdateMethod update_method: UpdateMethod = UpdateMethod::Put;
        "User update", C, forms: all, console: true;
    /// The form of a group member removal.
    MemberRemoval member_removal: MemberRemoval = MemberRemoval::ValueArray;
        "Group member removal", U, forms: all, console: true;
    /// How a group rename is sent.
    GroupUpdateMethod group_update_method: GroupUpdateMethod = GroupUpdateMethod::Patch;
        "Group rename", I, forms: all, console: true;
    /// The filter of the lookup before a user is created.
    UserLookup user_lookup: UserLookup = UserLookup::UserName;
        "User lookup filter", I, forms: all, console: true;
    /// How a deprovisioned user (unbound, suspended, uncovered) is made inactive.
    DeprovisionMethod deprovision_method: DeprovisionMethod = DeprovisionMethod::Update;
        "Deprovision form", I, forms: all, console: true;
    /// What a user that is no longer bound (directly or through a group) gets.
    OnUnbind on_unbind: OnUnbind = OnUnbind::Deactivate;
        "Unbound user", U, forms: all, console: false;
    /// How a group is created with its members.
    GroupCreate group_create: GroupCreate = GroupCreate::WithMembers;
        "Group create", I, forms: all, console: true;
    /// How a group body with no members says so: no `members` key, or `[]`.
    EmptyGroupMembers empty_group_members: EmptyGroupMembers = EmptyGroupMembers::Omit;
        "Empty group body", I, forms: all, console: false;
    /// What deactivating Identity Management sends.
    OnDeactivate on_deactivate: OnDeactivate = OnDeactivate::Nothing;
        "On Deactivate", C, forms: none, console: true;
    /// What deleting a JumpCloud user sends.
    UserDelete user_delete: UserDelete = UserDelete::Delete;
        "User delete", I, forms: all, console: true;
    /// Whether a deleted user is first removed from its groups at the SP.
    UserDeleteGroups user_delete_groups: UserDeleteGroups = UserDeleteGroups::None;
        "Deleted user's groups", U, forms: none, console: true;
    /// Name of the activation test group.
    TestGroupName test_group_name: String = "JumpCloud Test Group".to_string();
        "Activation test group name", U, forms: none, console: true;
    /// What the activation test group's update changes.
    TestGroupUpdate test_group_update: TestGroupUpdate = TestGroupUpdate::SameName;
        "Activation test group update", U, forms: none, console: true;
    /// Content-Type and Accept of every request.
    ContentType content_type: String = crate::scim::SCIM_MEDIA_TYPE.to_string();
        "Content-Type and Accept", U, forms: ["application/scim+json", "application/json"], console: false;
    /// The User-Agent header of every request. What JumpCloud sends is
    /// unknown; some SPs branch on it (e.g. looking for Okta or Azure AD).
    UserAgent user_agent: String = DEFAULT_USER_AGENT.to_string();
        "User-Agent", U, forms: none, console: false;
    /// Per-request timeout in milliseconds.
    TimeoutMs timeout_ms: u64 = 10_000;
        "Request timeout (ms)", U, forms: none, console: true;
    /// Retries after the first attempt, for 5xx, 429 and connection errors.
    MaxRetries max_retries: u32 = 3;
        "Retries on 5xx / 429", U, forms: none, console: true;
    /// First backoff delay in milliseconds; doubled on each retry.
    RetryBackoffMs retry_backoff_ms: u64 = 250;
        "First retry delay (ms)", U, forms: none, console: false;
    /// Longest `Retry-After` honoured, in seconds; longer waits are capped.
    MaxRetryAfterS max_retry_after_s: u64 = 30;
        "Longest Retry-After (s)", U, forms: none, console: false;
    /// jcsim's threshold for the `slow-response` finding, in milliseconds.
    SlowResponseMs slow_response_ms: u64 = 1000;
        "slow-response threshold (ms)", J, forms: none, console: false;
    /// Users synced in parallel (each user's own requests stay in order;
    /// groups are pushed after their members exist).
    Concurrency concurrency: usize = 1;
        "Users synced in parallel", U, forms: none, console: false;
    /// At most this many requests per second (0: as fast as the SP answers).
    Pace pace: f64 = 0.0;
        "Requests per second", U, forms: none, console: false;
}

/// Declares the values of an enumerated knob: the enum (serialised as the
/// strings given), its [`KnobEnum`] impl and its [`KnobType`] values.
macro_rules! knob_values {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident { $( $(#[doc = $vdoc:literal])* $variant:ident = $text:literal, )* }
    )*) => { $(
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
        pub(crate) enum $name { $( $(#[doc = $vdoc])* #[serde(rename = $text)] $variant, )* }

        impl KnobEnum for $name {
            const ALL: &'static [$name] = &[$($name::$variant),*];

            fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )* }
            }
        }

        impl KnobType for $name {
            const VALUES: &'static [&'static str] = &[$($text),*];
        }
    )* };
}

/// The values a knob's type takes, as written in scenarios (empty: free-form).
pub(crate) trait KnobType {
    const VALUES: &'static [&'static str];
}

macro_rules! free_form {
    ($($t:ty),*) => { $( impl KnobType for $t { const VALUES: &'static [&'static str] = &[]; } )* };
}
free_form!(String, u64, u32, usize, f64);

/// An enumerated knob's values.
pub(crate) trait KnobEnum: Copy + PartialEq + Send + Sync + 'static {
    /// Every value, in declaration order (the default first).
    const ALL: &'static [Self];
    /// The value as written in scenarios.
    fn as_str(self) -> &'static str;
}

/// A knob whose every value is a request form (`forms: all`): its enum.
/// `provision` sends through it (`probe::send_form`): a refused form is
/// retried in the others.
pub(crate) trait Form: KnobEnum {
    const KNOB: KnobId;
    /// The forms, the default first.
    const FORMS: &'static [Self];
    /// The form `b` sends.
    fn of(b: &Behaviour) -> Self;
}

/// A value as written in scenarios: a string as is, anything else as JSON.
fn text<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// A value read like YAML reads a scalar: JSON if it parses (`3000`,
/// `true`), else the string.
fn parse_as<T: serde::de::DeserializeOwned>(value: &str) -> Result<T, String> {
    let parsed = serde_json::from_str::<serde_json::Value>(value)
        .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
    serde_json::from_value(parsed).map_err(|e| e.to_string())
}

impl KnobId {
    /// The knob's table row.
    pub(crate) fn info(self) -> &'static Knob {
        &KNOBS[self as usize]
    }

    /// The `behaviour:` key.
    pub(crate) fn name(self) -> &'static str {
        self.info().name
    }
}

impl std::str::FromStr for Setting {
    type Err = String;

    /// `KNOB=VALUE`, as `--behaviour` takes it.
    fn from_str(spec: &str) -> Result<Setting, String> {
        let (key, value) = spec
            .split_once('=')
            .ok_or_else(|| format!("`{spec}`: write KNOB=VALUE, e.g. member_removal=filter_path"))?;
        let Some(knob) = knob_info(key) else {
            let mut names: Vec<&str> = KNOBS.iter().map(|k| k.name).collect();
            names.sort_unstable();
            let hint = crate::suggest::suggest(key, names.iter().copied())
                .map(|s| format!(", did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(format!("unknown behaviour knob `{key}`{hint} (knobs: {})", names.join(", ")));
        };
        Setting::parse_value(knob.id, value).map_err(|e| format!("`{spec}`: {e}"))
    }
}

impl Behaviour {
    /// This behaviour with one knob set.
    pub(crate) fn with(mut self, s: Setting) -> Behaviour {
        self.set(s);
        self
    }

    /// Apply a `knob=value` override (the console's form fields).
    pub(crate) fn with_override(&self, spec: &str) -> Result<Behaviour, String> {
        Ok(self.clone().with(spec.parse()?))
    }

    /// The knobs as `name=value` pairs sorted by name, for run headers.
    pub(crate) fn describe(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> =
            KNOBS.iter().map(|k| (k.name.to_string(), self.setting(k.id).value())).collect();
        out.sort();
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

/// One knob's row of [`KNOBS`]: its name (the `behaviour:` key), evidence and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Knob {
    pub(crate) id: KnobId,
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

/// The table entry of a knob.
pub(crate) fn knob_info(name: &str) -> Option<&'static Knob> {
    KNOBS.iter().find(|k| k.name == name)
}

/// The knobs whose request form `jcsim compat` tries.
pub(crate) fn wire_knobs() -> impl Iterator<Item = &'static Knob> {
    KNOBS.iter().filter(|k| !k.forms.is_empty())
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
        assert!(err.contains("(knobs: concurrency, content_type, "), "knobs listed by name: {err}");
        let err = Behaviour::default().with_override("member_removal=bogus").unwrap_err();
        assert_eq!(err, "`member_removal=bogus`: unknown variant `bogus`, expected `value_array` or `filter_path`");
        let err = Behaviour::default().with_override("max_retries=x").unwrap_err();
        assert_eq!(err, "`max_retries=x`: invalid type: string \"x\", expected u32");
        assert!(Behaviour::default().with_override("nonsense").is_err());
        assert!(Behaviour::default().with_override("excluded=[]").is_err(), "an app setting, not a knob");
    }

    #[test]
    fn a_setting_round_trips_as_written() {
        for spec in ["member_removal=filter_path", "pace=2.5", "content_type=application/json", "timeout_ms=3000"] {
            let s: Setting = spec.parse().unwrap();
            assert_eq!(format!("{}={}", s.knob().name(), s.value()), spec);
            assert_eq!(Behaviour::default().with(s.clone()).setting(s.knob()), s);
        }
    }

    #[test]
    fn the_describe_pairs_are_sorted_and_typed_like_json() {
        let d = Behaviour::default().describe();
        assert!(d.windows(2).all(|w| w[0].0 < w[1].0), "{d:?}");
        let get = |k: &str| d.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("pace"), Some("0.0"));
        assert_eq!(get("member_removal"), Some("value_array"));
    }

    #[test]
    fn each_form_is_its_enum_value() {
        fn check<F: Form + std::fmt::Debug>() {
            let knob = F::KNOB.info();
            assert_eq!(F::FORMS.iter().map(|f| f.as_str()).collect::<Vec<_>>(), knob.forms, "{}", knob.name);
            assert_eq!(Some(&F::of(&Behaviour::default())), F::FORMS.first(), "{}: the default first", knob.name);
        }
        check::<TestConnection>();
        check::<MemberRemoval>();
        check::<UpdateMethod>();
        check::<EmptyGroupMembers>();
        assert_eq!(UpdateMethod::PatchPerAttribute.as_str(), "patch_per_attribute");
        for k in KNOBS {
            assert_eq!(k.id.info(), k, "KnobId order is KNOBS order");
            let forms: Vec<String> = k.id.forms().iter().map(Setting::value).collect();
            assert_eq!(forms, k.forms, "{}", k.name);
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
        let json = serde_json::to_value(Behaviour::default()).unwrap();
        let fields: Vec<&String> = json.as_object().unwrap().keys().collect();
        let mut names: Vec<&str> = KNOBS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        assert_eq!(fields, names, "KNOBS lists every serialised Behaviour field");
        let defaults = Behaviour::default();
        for k in KNOBS {
            for v in k.values.iter().chain(k.forms) {
                let b = defaults.with_override(&format!("{}={v}", k.name));
                assert!(b.is_ok(), "{}={v}: {b:?}", k.name);
            }
            if let Some(first) = k.values.first().or(k.forms.first()) {
                assert_eq!(defaults.setting(k.id).value(), *first, "{}: the default comes first", k.name);
            }
            if !k.values.is_empty() && !k.forms.is_empty() {
                assert!(k.forms.iter().all(|f| k.values.contains(f)), "{}", k.name);
            }
        }
    }
}

knob_values! {
    TestConnection {
        /// `GET /Users?startIndex=1&count=1`
        UsersList = "users_list",
        /// `GET /ServiceProviderConfig`
        ServiceProviderConfig = "service_provider_config",
        /// `GET /Users?filter=userName eq "<test email>"`
        UsersFilter = "users_filter",
    }

    UsernameFrom {
        /// `userName` is the user's email.
        Email = "email",
        /// `userName` is the JumpCloud username.
        Username = "username",
    }

    UpdateMethod {
        /// A full PUT carrying the SP's `id`.
        Put = "put",
        /// One PatchOp `replace` with every attribute.
        Patch = "patch",
        /// One PatchOp `replace` per changed attribute path (`name.givenName`, `active`, …).
        PatchPerAttribute = "patch_per_attribute",
    }

    MemberRemoval {
        /// `{"op":"remove","path":"members","value":[{"value":"<id>"}]}`
        ValueArray = "value_array",
        /// `{"op":"remove","path":"members[value eq \"<id>\"]"}`
        FilterPath = "filter_path",
    }

    GroupUpdateMethod {
        /// PatchOp `replace` with path `displayName`.
        Patch = "patch",
        /// A full PUT of the group.
        Put = "put",
        /// PatchOp `replace` without a path: `{"op":"replace","value":{"displayName":…}}`,
        /// the only rename form some SCIM libraries that list JumpCloud parse.
        PatchValue = "patch_value",
    }

    TestGroupUpdate {
        /// `displayName` replaced with the name it already has.
        SameName = "same_name",
        /// `displayName` replaced with `<name> (updated)`: a change the SP must store.
        Rename = "rename",
    }

    UserLookup {
        /// `GET /Users?filter=userName eq "<userName>"`
        UserName = "user_name",
        /// `GET /Users?filter=emails[value eq "<email>"]`
        Email = "email",
        /// `GET /Users?filter=externalId eq "<JumpCloud user id>"`
        ExternalId = "external_id",
    }

    DeprovisionMethod {
        /// The update form (`update_method`) carrying `active: false`.
        Update = "update",
        /// A PatchOp `replace` of `active` alone: `{"op":"replace","path":"active","value":false}`.
        PatchActive = "patch_active",
    }

    GroupCreate {
        /// `POST /Groups` carrying the members.
        WithMembers = "with_members",
        /// `POST /Groups` without members, then a PATCH `add` of the members.
        ThenAdd = "then_add",
    }

    /// A user no longer bound to the application. JumpCloud's own article says
    /// the user "will be deactivated or deleted in all SCIM Identity Management
    /// applications" [U] (docs/jumpcloud.md, S7); connector articles describe
    /// deactivation, the default.
    OnUnbind {
        /// Made inactive, in the `deprovision_method` form.
        Deactivate = "deactivate",
        /// `DELETE /Users/{id}`; a later binding creates the user again.
        Delete = "delete",
    }

    /// A group body without members (the activation's test group, a group
    /// created before its members are added): a vendor made `members` optional
    /// for JumpCloud [I] (docs/jumpcloud.md, S11).
    EmptyGroupMembers {
        /// No `members` key.
        Omit = "omit",
        /// `"members": []`.
        EmptyArray = "empty_array",
    }

    OnDeactivate {
        /// Provisioning stops; nothing is sent and SP users stay as they are.
        Nothing = "nothing",
        /// Every provisioned user is made inactive before provisioning stops.
        DeprovisionUsers = "deprovision_users",
    }

    UserDelete {
        /// `DELETE /Users/{id}`
        Delete = "delete",
        /// A full PUT with `active:false`.
        Deactivate = "deactivate",
    }

    /// Group memberships of a user deleted with `user_delete: delete`. The
    /// evidence shows only the `DELETE` [I]; no source shows a PATCH before it.
    UserDeleteGroups {
        /// Only the `DELETE`: the SP drops the user from its groups (RFC 7643
        /// §4.2, members are references).
        None = "none",
        /// A member-removal PATCH on each of the user's synced groups, then the `DELETE`.
        RemoveFirst = "remove_first",
    }
}
