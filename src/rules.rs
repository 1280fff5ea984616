//! The check-id vocabulary: the rule catalogue (every finding jcsim reports
//! about an SP, with its RFC section, severity, what JumpCloud does about it
//! and how to fix the SP), and [`CheckId`], the id of every check a run
//! records, rule or not. A leaf: records, checks and reports all name checks
//! through it.

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Severity {
    /// Provisioning broke: the step fails.
    Error,
    /// Worth knowing; the step still passes (fails under --strict).
    Warning,
    /// An RFC-valid choice worth knowing about: shown once per run as a
    /// note, never a failure, not even under --strict.
    Info,
}

/// One rule of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Rule {
    pub id: &'static str,
    pub(crate) title: &'static str,
    /// RFC 7643/7644 section, or "JumpCloud" for JumpCloud-specific behaviour.
    pub(crate) rfc: &'static str,
    #[serde(serialize_with = "severity_name")]
    pub(crate) severity: Severity,
    /// What JumpCloud does and what the JumpCloud admin sees.
    pub(crate) jumpcloud: &'static str,
    pub(crate) fix: &'static str,
}

fn severity_name<S: serde::Serializer>(s: &Severity, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    })
}

use Severity::{Error as E, Info as I, Warning as W};

const fn rule(
    id: &'static str,
    severity: Severity,
    rfc: &'static str,
    title: &'static str,
    jumpcloud: &'static str,
    fix: &'static str,
) -> Rule {
    Rule { id, title, rfc, severity, jumpcloud, fix }
}

/// Defines [`RuleId`] and [`RULES`] from one table, in the same order, so a
/// rule is one entry and `finding` only takes an id that exists.
macro_rules! catalogue {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $severity:ident, $rfc:literal, $title:literal, $jumpcloud:literal, $fix:literal; )*) => {
        /// A rule of the catalogue.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RuleId {
            $( $variant, )*
        }

        impl RuleId {
            /// The id as written in scenarios, events and `jcsim rules`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( RuleId::$variant => $id, )*
                }
            }

            /// The rule whose id is `id`.
            pub fn parse(id: &str) -> Option<RuleId> {
                match id {
                    $( $id => Some(RuleId::$variant), )*
                    _ => None,
                }
            }

            /// The rule's entry in [`RULES`].
            pub(crate) fn rule(self) -> &'static Rule {
                &RULES[self as usize]
            }
        }

        /// Every rule, most severe first within each area.
        pub const RULES: &[Rule] = &[
            $( rule($id, $severity, $rfc, $title, $jumpcloud, $fix), )*
        ];
    };
}

catalogue! {
    // Activation and connection.
    TestConnectionFailed = "test-connection-failed", E, "JumpCloud",
        "Test Connection does not get a usable answer",
        "Test Connection shows \"Connection failed\"; the admin cannot activate the integration.",
        "Answer GET /Users?startIndex=1&count=1 with 200 and a SCIM ListResponse, with the configured token.";
    // Configuration: the target, its token or its certificate, not the SP's code.
    TargetAuth = "target-auth", E, "RFC 7644 §2",
        "The SP refuses the token (401/403)",
        "Test Connection fails: the SP rejected the Token Key; nothing can be provisioned.",
        "Check the token (--token-env, or the scenario's `auth:`) and the header it travels in: `Authorization: Bearer` by default, --auth-header NAME for an API key header.";
    TargetBaseUrl = "target-base-url", E, "RFC 7644 §3.2",
        "The Base URL does not lead to a SCIM API (404 on /Users or /Groups)",
        "Test Connection fails: JumpCloud appends /Users and /Groups to the Base URL and finds nothing there.",
        "Use the SCIM base URL, the one /Users is appended to (often ending in /scim/v2); `jcsim run --target URL` preflights it and suggests one that answers SCIM.";
    TargetRedirect = "target-redirect", E, "RFC 7644 §3.1",
        "The SP answers with a redirect (3xx)",
        "Test Connection fails: JumpCloud does not follow redirects.",
        "Use the URL the redirect's Location points to (without /Users) as the Base URL.";
    TargetTls = "target-tls", E, "RFC 7644 §7.1",
        "TLS to the SP fails (http/https mismatch or an untrusted certificate)",
        "Test Connection fails with a connection error; JumpCloud needs HTTPS with a publicly trusted certificate.",
        "Use the scheme the SP serves (http:// or https://); for a private CA pass --cacert FILE, or --insecure to skip verification while testing.";
    ActivationTestEmailExists = "activation-test-email-exists", E, "RFC 7644 §3.3",
        "The activation test user's email already exists at the SP",
        "Activation fails: the Test User Email already exists in the application; the admin must enter a new, unused email.",
        "Use a Test User Email that does not exist at the SP (JumpCloud needs a fresh one for every activation).";
    LeftoverResource = "leftover-resource", E, "JumpCloud",
        "A resource left by an earlier jcsim run holds a name this run creates",
        "Nothing a JumpCloud admin meets: jcsim's own user or group from an earlier run with the same namespace tag (kept with --keep, or a cleanup that did not finish) makes the SP answer 409.",
        "Remove the leftovers with `jcsim cleanup --target URL --namespace TAG` (same token flags as the run), or let each run pick a fresh tag (--namespace auto, the default).";
    ActivationFailed = "activation-failed", E, "JumpCloud",
        "A request of the activation test cycle failed",
        "Activation fails and the integration stays inactive; the admin sees the SP's error detail.",
        "Support create, full-replace PUT (with \"emails\": null) and DELETE of a user, and create/update/delete of a group when group management is on.";
    DeleteUnsupported = "delete-unsupported", W, "RFC 7644 §3.6",
        "DELETE /Users is not supported (405/501)",
        "Activation succeeds but JumpCloud deactivates its test user instead of deleting it; the admin must delete it by hand. Deleted JumpCloud users stay in the application.",
        "Implement DELETE /Users/{id} answering 204.";
    // Resource responses.
    IdString = "id-string", E, "RFC 7643 §3.1",
        "Resource ids are JSON strings",
        "A numeric id breaks JumpCloud: the user or group cannot be linked, so later updates, deprovisioning and deletes fail.",
        "Return \"id\" as a JSON string, e.g. \"id\": \"42\".";
    CreateBody = "create-body", E, "RFC 7644 §3.3",
        "A successful POST returns the created resource with its id",
        "JumpCloud cannot link the created user or group; every later change to it fails.",
        "Answer POST with 201 and the full created resource, including \"id\".";
    CreateStatus = "create-status", W, "RFC 7644 §3.3",
        "A successful POST answers 201 Created",
        "JumpCloud accepts any 2xx, but other identity providers expect 201.",
        "Answer a successful POST with 201 Created.";
    LocationMeta = "location-meta", W, "RFC 7644 §3.3, RFC 7643 §3.1",
        "Created resources carry a Location header and meta",
        "JumpCloud does not use them; clients that follow Location or read meta.version break.",
        "Send Location: <resource URL> on 201 and a \"meta\" object with resourceType, created, lastModified and location.";
    Schemas = "schemas", W, "RFC 7643 §3, RFC 7644 §3.4.2, §3.12",
        "Responses carry the right \"schemas\"",
        "JumpCloud tolerates missing schemas; strict SCIM clients reject the response.",
        "Include \"schemas\" with the resource's schema URN (User, Group), the ListResponse URN for lists and the Error URN for errors.";
    ContentType = "content-type", W, "RFC 7644 §3.1, §8.1",
        "Responses use Content-Type application/scim+json",
        "JumpCloud reads the JSON either way; strict clients reject application/json.",
        "Send Content-Type: application/scim+json on every SCIM response.";
    // Lists and filters.
    ListResponse = "list-response", E, "RFC 7644 §3.4.2",
        "Filtered GETs answer with a ListResponse",
        "JumpCloud cannot tell whether the user or group exists, so it cannot decide between create and update; provisioning fails.",
        "Answer GET /Users?filter=... with {\"schemas\":[ListResponse URN],\"totalResults\":N,\"Resources\":[...]}.";
    ListPaging = "list-paging", W, "RFC 7644 §3.4.2",
        "ListResponse paging fields are present integers",
        "JumpCloud does not page through lookups; other clients loop forever or stop early on missing or string paging fields.",
        "Return totalResults, startIndex and itemsPerPage as JSON integers.";
    FilterEqExact = "filter-eq-exact", E, "RFC 7644 §3.4.2.2",
        "An `eq` lookup returns exactly the matching resource",
        "JumpCloud links the first result of its userName/displayName lookup: a wrong or extra result links the wrong user or group, and it is then overwritten.",
        "Implement `eq` as an exact (case-insensitive for userName and displayName) match; do not ignore the filter.";
    FilterCaseInsensitive = "filter-case-insensitive", E, "RFC 7643 §4.1.1, RFC 7644 §3.4.2.2",
        "userName matching is case-insensitive",
        "A lookup that misses because of case makes JumpCloud POST a duplicate, which the SP then rejects with 409: the user is never linked.",
        "Compare userName case-insensitively in filters (caseExact is false for userName).";
    ListStartIndex = "list-start-index", W, "RFC 7644 §3.4.2.4",
        "Lists honour startIndex",
        "JumpCloud's lookups read one page; a client that pages (jcsim cleanup, other identity providers) sees the first page again and again and never reaches the rest.",
        "Return the page that starts at startIndex (1-based) and echo it in the ListResponse's startIndex.";
    // Writes.
    CreateDropsMembers = "create-drops-members", E, "RFC 7644 §3.3",
        "A group create stores the members it carries",
        "The group appears in the application without its members: bound users get no access through it until a later membership change.",
        "Store `members` from POST /Groups (or answer 4xx if the SP cannot); `group_create: then_add` sends them in a PATCH after an empty create.";
    Create5xxStored = "create-5xx-stored", E, "RFC 7644 §3.3, §3.12",
        "A create that answers 5xx stores nothing",
        "The provisioning event fails although the user or group exists at the SP; JumpCloud's next attempt meets a conflict.",
        "Answer 201 with the resource once it is stored; on an error after storing, roll the write back before answering 5xx.";
    PutNull = "put-null", E, "RFC 7644 §3.5.1",
        "An explicit null in a PUT is accepted as \"clear\"",
        "JumpCloud's activation update sends \"emails\": null; rejecting it fails activation.",
        "Treat a null attribute value in PUT/PATCH as unassigned (clear it).";
    PatchResponse = "patch-response", W, "RFC 7644 §3.5.2",
        "PATCH answers 200 with the resource, or 204",
        "JumpCloud accepts any 2xx; clients that read the result expect 200 with the resource or 204.",
        "Answer a successful PATCH with 200 and the full resource (or 204 No Content).";
    TokenRotation = "token-rotation", I, "JumpCloud",
        "After a token rotation, whether the old token still works",
        "JumpCloud has the admin deactivate, enter the new token and activate again; whether the old token keeps working is the SP's decision, and admins ask.",
        "Revoke a token when a new one is issued, or document how long the old one keeps working.";
    PatchNoContent = "patch-no-content", I, "RFC 7644 §3.5.2",
        "PATCH answers 204, so the change cannot be confirmed from the response",
        "JumpCloud accepts 204. Nothing confirms the change, so an SP that acknowledges but ignores an operation goes unnoticed until users report wrong access.",
        "Prefer 200 with the resource; jcsim's read-back (verify, --verify-each) confirms changes either way.";
    DeleteStatus = "delete-status", W, "RFC 7644 §3.6",
        "DELETE answers 204 No Content",
        "JumpCloud accepts any 2xx; other clients expect 204.",
        "Answer a successful DELETE with 204 and no body.";
    EchoActive = "echo-active", E, "RFC 7644 §3.5.1",
        "The SP applies `active` as sent",
        "The admin suspends or unbinds a user and JumpCloud reports success, but the user can still sign in to the application.",
        "Store `active` from every PUT/PATCH and return the stored value.";
    EchoGroupName = "echo-group-name", E, "RFC 7644 §3.5.2",
        "The SP applies a group rename as sent",
        "The group shows the new name in JumpCloud and the old one in the application.",
        "Apply PATCH replace on displayName (and PUT) and return the stored name.";
    EchoMembers = "echo-members", E, "RFC 7644 §3.5.2",
        "The SP applies member additions and removals as sent",
        "Users removed from the JumpCloud group keep access in the application (or added users get none).",
        "Apply PATCH add/remove on members, including remove with a value array and with a members[value eq \"…\"] path.";
    // Errors.
    SpRejectedRequest = "sp-rejected-request", E, "RFC 7644 §3.12",
        "The SP rejected a request JumpCloud sends",
        "Provisioning error in JumpCloud for this user or group; it is not synced.",
        "Accept the request as JumpCloud sends it (see the request body in the timeline).";
    CompatRisk = "compat-risk", W, "JumpCloud",
        "The SP refuses a request form JumpCloud may send",
        "Where JumpCloud's form is inferred or unknown, the SP may work or fail depending on the form JumpCloud really sends; when no form works, provisioning fails for this user or group.",
        "Accept every plausible form of the request (docs/knobs.md); `jcsim compat` shows which ones the SP takes.";
    ErrorFormat = "error-format", W, "RFC 7644 §3.12",
        "Errors use the SCIM Error format with `status` as a string",
        "JumpCloud shows a generic error instead of the SP's detail; the admin cannot tell what went wrong.",
        "Answer errors with {\"schemas\":[Error URN],\"status\":\"400\",\"scimType\":...,\"detail\":...}.";
    Uniqueness409 = "uniqueness-409", W, "RFC 7644 §3.3, §3.12",
        "A conflict answers 409 with scimType uniqueness",
        "JumpCloud reports the conflict; without scimType the admin does not learn that the user already exists.",
        "Answer a duplicate userName or displayName with 409 and \"scimType\": \"uniqueness\".";
    Auth401 = "auth-401", E, "RFC 7644 §3.12, §2",
        "A wrong token is refused with 401",
        "Any token works, so anyone who can reach the SP can provision users into it.",
        "Reject requests without the configured bearer token (or API key) with 401.";
    ServerError = "server-error", W, "RFC 7644 §3.12",
        "The SP answered 5xx",
        "JumpCloud retries; provisioning is delayed and may fail if errors persist.",
        "Find the failing request in the timeline and the SP's logs.";
    RateLimited = "rate-limited", W, "RFC 6585 §4",
        "The SP answered 429 Too Many Requests",
        "JumpCloud backs off and retries; large syncs slow down. Without Retry-After it cannot know how long to wait.",
        "Size limits for identity-provider bursts (initial syncs send a lookup and a create per user) and send Retry-After with 429.";
    SlowResponse = "slow-response", W, "JumpCloud",
        "The SP answers slowly",
        "Large syncs take long and may hit JumpCloud's timeout (its value is not documented; jcsim uses the knob timeout_ms).",
        "Answer provisioning requests well under a second.";
    SpTimeout = "sp-timeout", E, "JumpCloud",
        "The SP did not answer within the timeout",
        "JumpCloud retries and then reports a provisioning error.",
        "Answer within the timeout; make user and group writes fast.";
    ResponseTooLarge = "response-too-large", E, "JumpCloud",
        "A response body is larger than jcsim reads (8 MiB; a large answer to a write is skimmed up to 256 MiB)",
        "A lookup or resource answer this large is almost always a list that ignored its filter or paging; JumpCloud cannot use it.",
        "Honour `filter`, `count` and `attributes`; never return the whole directory to a single request.";
    SpUnreachable = "sp-unreachable", E, "JumpCloud",
        "The SP could not be reached",
        "Test Connection fails and provisioning stops.",
        "Check that the SP is running and reachable at the Base URL.";
    // Read-back.
    ReadbackMissing = "readback-missing", E, "RFC 7644 §3.4.1",
        "A provisioned resource can be read back",
        "JumpCloud believes the resource exists; its later updates fail.",
        "Serve GET /Users/{id} and /Groups/{id} for every id you returned, until JumpCloud deletes it.";
    DeletedUserStillMember = "deleted-user-still-member", W, "RFC 7643 §4.2",
        "A deleted user no longer appears in its groups",
        "Whether JumpCloud removes a deleted user from its groups before the DELETE is unknown (knob `user_delete_groups`); if it does not, the group in the application keeps a member that no longer exists.",
        "Drop a deleted user from every group's `members` (members are references). `--behaviour user_delete_groups=remove_first` shows the run with a removal PATCH first.";
    ReadbackActive = "readback-active", E, "RFC 7644 §3.5.1",
        "`active` at the SP matches what JumpCloud sent",
        "Suspended or unbound users can still sign in (or active users cannot).",
        "Apply `active` from every PUT/PATCH.";
    ReadbackUser = "readback-user", E, "RFC 7644 §3.5.1",
        "userName and displayName at the SP match what JumpCloud sent",
        "The application shows stale names.",
        "Store userName and displayName from every PUT.";
    ReadbackAttribute = "readback-attribute", W, "RFC 7643 §4.1, §4.3",
        "A user attribute JumpCloud sends is returned as sent (`verify: { attributes }`)",
        "JumpCloud reports the user as provisioned, but the attribute (a job title, a department, a phone number, an address) never reaches the application, or arrives changed: the SP drops it silently.",
        "Store every attribute of the User schema and the enterprise extension that JumpCloud sends and return it on GET /Users/{id}, or list the ones the application does not support in /Schemas.";
    ReadbackGroupName = "readback-group-name", E, "RFC 7644 §3.5.2",
        "Group displayName at the SP matches JumpCloud",
        "The group shows the new name in JumpCloud and the old one in the application.",
        "Apply PATCH replace on displayName.";
    ReadbackMembers = "readback-members", E, "RFC 7644 §3.5.2",
        "Group members at the SP match JumpCloud",
        "Group membership in the application differs from the JumpCloud user group; access is wrong.",
        "Apply every PATCH add/remove on members.";
    DeleteThen404 = "delete-then-404", E, "RFC 7644 §3.6",
        "A deleted resource answers 404",
        "The user or group is deleted in JumpCloud but still present in the application.",
        "Remove the resource on DELETE and answer 404 for it afterwards.";
}

/// The rule with `id`.
pub fn rule_by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// What a check is about: a rule of the catalogue, or one of the checks a
/// run makes that no rule describes. Written as today's strings
/// (`put-null`, `directory`, `expect.status`), so recordings keep their
/// shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckId {
    Rule(RuleId),
    /// The simulated directory refused the action: nothing was sent.
    Directory,
    /// A raw request's answer was not 2xx (and no status was expected).
    RequestStatus,
    /// JumpCloud's own SCIM API answered an inbound request with an error.
    InboundStatus,
    /// The cleanup phase: what it removed (shown, never judged).
    Cleanup,
    /// SIGINT/SIGTERM stopped the step.
    Interrupted,
    /// An expectation that needs an embedded-SP quirk, against another SP.
    ExpectationSkipped,
    /// `--keep-going` ran a step after a failed Test Connection or activation.
    BeyondFailedSetup,
    /// A step's `expect:` block.
    Expect(ExpectKind),
    /// Read from a recording: an id this version of jcsim does not know (a
    /// rule since retired). The check's verdict, message and advice are kept;
    /// it is written back as `unknown`.
    Unknown,
}

/// The parts of a step's `expect:` block, each its own check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpectKind {
    Outcome,
    Status,
    Reason,
    Findings,
}

/// The checks that are not rules, with their ids; one entry each.
const OTHER_CHECKS: &[(CheckId, &str)] = &[
    (CheckId::Directory, "directory"),
    (CheckId::RequestStatus, "request.status"),
    (CheckId::InboundStatus, "inbound.status"),
    (CheckId::Cleanup, "cleanup"),
    (CheckId::Interrupted, "interrupted"),
    (CheckId::ExpectationSkipped, "expectation-skipped"),
    (CheckId::BeyondFailedSetup, "beyond-failed-setup"),
    (CheckId::Expect(ExpectKind::Outcome), "expect.outcome"),
    (CheckId::Expect(ExpectKind::Status), "expect.status"),
    (CheckId::Expect(ExpectKind::Reason), "expect.reason"),
    (CheckId::Expect(ExpectKind::Findings), "expect.findings"),
    (CheckId::Unknown, "unknown"),
];

impl CheckId {
    /// The id as recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::Rule(r) => r.as_str(),
            other => OTHER_CHECKS.iter().find(|(c, _)| *c == other).map_or("", |(_, s)| s),
        }
    }

    pub fn parse(id: &str) -> Option<CheckId> {
        RuleId::parse(id).map(CheckId::Rule).or_else(|| OTHER_CHECKS.iter().find(|(_, s)| *s == id).map(|(c, _)| *c))
    }

    /// The catalogue's rule, for a check that is one.
    pub(crate) fn rule(self) -> Option<&'static Rule> {
        match self {
            CheckId::Rule(r) => Some(r.rule()),
            _ => None,
        }
    }

    /// A check of the step's `expect:` block.
    pub(crate) fn is_expectation(self) -> bool {
        matches!(self, CheckId::Expect(_))
    }

    /// The check is one of `rules`.
    pub(crate) fn is_one_of(self, rules: &[RuleId]) -> bool {
        matches!(self, CheckId::Rule(r) if rules.contains(&r))
    }
}

impl From<RuleId> for CheckId {
    fn from(r: RuleId) -> CheckId {
        CheckId::Rule(r)
    }
}

/// Unit tests write check ids as text; an unknown one is a bug in the test.
#[cfg(test)]
impl From<&str> for CheckId {
    fn from(id: &str) -> CheckId {
        CheckId::parse(id).unwrap_or_else(|| panic!("unknown check id `{id}`"))
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for CheckId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<CheckId, D::Error> {
        // A recording from another version may name a retired rule: the
        // check is kept, not its line dropped.
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(CheckId::parse(&s).unwrap_or(CheckId::Unknown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let ids: BTreeSet<_> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), RULES.len());
        assert!(RULES.iter().all(|r| r.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')));
    }

    #[test]
    fn every_check_id_round_trips_as_its_string() {
        let all = RULES.iter().map(|r| CheckId::parse(r.id).unwrap()).chain(OTHER_CHECKS.iter().map(|(c, _)| *c));
        for c in all {
            let text = serde_json::to_string(&c).unwrap();
            assert_eq!(serde_json::from_str::<CheckId>(&text).unwrap(), c, "{text}");
            assert!(!c.as_str().is_empty());
        }
        assert_eq!(CheckId::parse("put-null"), Some(CheckId::Rule(RuleId::PutNull)));
        assert_eq!(CheckId::Expect(ExpectKind::Status).as_str(), "expect.status");
        assert_eq!(serde_json::from_str::<CheckId>("\"no-such-check\"").unwrap(), CheckId::Unknown);
        let names: BTreeSet<_> = OTHER_CHECKS.iter().map(|(_, s)| *s).collect();
        assert_eq!(names.len(), OTHER_CHECKS.len());
        assert!(names.iter().all(|n| RuleId::parse(n).is_none()), "a check id is also a rule id");
    }

    #[test]
    fn the_docs_document_every_rule() {
        let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/checks.md")).unwrap();
        for r in RULES {
            assert!(docs.contains(&format!("`{}`", r.id)), "docs/checks.md does not document rule {}", r.id);
        }
    }
}
