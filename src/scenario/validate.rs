//! Checks of a scenario's own shape beyond what serde enforces: exclusive
//! settings, rule ids, JumpCloud's attribute rules, request forms. Whether a
//! user or group exists at a point is the lint's question (`crate::lint`),
//! answered by the real directory.

use super::model::{Scenario, UserSpec};
use super::spans::{Pos, SpanIndex};
use super::step::Action;

type Problems = Vec<(Pos, String)>;

/// Every problem found, with where it is.
pub(super) fn validate(s: &Scenario, spans: &SpanIndex) -> Problems {
    let mut out = Problems::new();
    target(s, spans, &mut out);
    directory(s, spans, &mut out);
    for (i, name) in s.app.exclude_attributes.iter().enumerate() {
        if let Some(problem) = crate::knobs::exclusion_problem(name) {
            out.push((spans.best(&format!("app.exclude_attributes[{i}]")), problem));
        }
    }
    for (i, w) in s.waive.iter().enumerate() {
        let ids = crate::check::RULES.iter().map(|r| r.id);
        if crate::check::rule_by_id(&w.rule).is_none() {
            let hint = super::suggest(&w.rule, ids).map(|s| format!(", did you mean `{s}`?")).unwrap_or_default();
            out.push((
                spans.best(&format!("waive[{i}].rule")),
                format!("unknown rule `{}`{hint} (see `jcsim rules`)", w.rule),
            ));
        }
        if w.reason.trim().is_empty() {
            out.push((spans.best(&format!("waive[{i}].reason")), "a waiver needs a reason".into()));
        }
    }
    for (i, step) in s.steps.iter().enumerate() {
        let expect = match &step.action {
            Action::Request(r) => r.expect.as_ref().or(step.expect.as_ref()),
            Action::Inbound(r) => r.expect.as_ref().or(step.expect.as_ref()),
            _ => step.expect.as_ref(),
        };
        for (j, id) in expect.map(|e| e.findings.as_slice()).unwrap_or_default().iter().enumerate() {
            if crate::check::rule_by_id(id).is_none() {
                let hint = super::suggest(id, crate::check::RULES.iter().map(|r| r.id))
                    .map(|s| format!(", did you mean `{s}`?"))
                    .unwrap_or_default();
                out.push((
                    spans.best(&format!("steps[{i}].expect.findings[{j}]")),
                    format!("unknown rule `{id}`{hint} (see `jcsim rules`)"),
                ));
            }
        }
    }
    if s.steps.is_empty() {
        out.push((spans.best("steps"), "a scenario needs at least one step".into()));
    }
    for (i, step) in s.steps.iter().enumerate() {
        steps(i, &step.action, spans, &mut out);
    }
    out
}

fn target(s: &Scenario, spans: &SpanIndex, out: &mut Problems) {
    let Some(t) = &s.target else { return };
    match (&t.base_url, &t.embedded) {
        (Some(_), Some(_)) => out.push((spans.best("target"), "give either `base_url` or `embedded`, not both".into())),
        (None, None) => out.push((spans.best("target"), "`target` needs `base_url` (or `embedded: {}`)".into())),
        (None, Some(e)) => {
            if t.auth.is_some() {
                out.push((spans.best("target.auth"), "the embedded SP takes no `auth`; jcsim sets its token".into()));
            }
            for (i, q) in e.quirks.iter().enumerate() {
                if let Err(err) = q.parse::<crate::sp::Quirk>() {
                    out.push((spans.best(&format!("target.embedded.quirks[{i}]")), err.to_string()));
                }
            }
        }
        (Some(url), None) => {
            if let Err(e) = crate::scim::base_url::check("base_url", url) {
                out.push((spans.best("target.base_url"), e.to_string()));
            }
        }
    }
    if let Some(a) = &t.auth {
        let fields = [("bearer", &a.bearer, false), ("header", &a.header, true), ("value", &a.value, false)];
        for (key, v, name) in fields {
            if let Some(problem) = v.as_deref().and_then(|v| header_problem(v, name)) {
                out.push((spans.best(&format!("target.auth.{key}")), format!("`auth.{key}` {problem}")));
            }
        }
        let at = spans.best("target.auth");
        match (&a.bearer, &a.header, &a.value) {
            (Some(_), None, None) | (None, Some(_), Some(_)) => {}
            (Some(_), _, _) => out.push((at, "give either `bearer` or `header` + `value`, not both".into())),
            (None, Some(_), None) => out.push((at, "`header` needs `value` (the API key)".into())),
            (None, None, Some(_)) => out.push((at, "`value` needs `header` (the header name)".into())),
            (None, None, None) => out.push((at, "`auth` needs `bearer`, or `header` and `value`".into())),
        }
    }
}

/// The directory section's own rules (duplicates and references are the lint's).
fn directory(s: &Scenario, spans: &SpanIndex, out: &mut Problems) {
    // The total, not each block: three blocks of a million are three million.
    let mut generated = 0usize;
    for (i, u) in s.directory.users.iter().enumerate() {
        let before = generated;
        generated = generated.saturating_add(u.generate.unwrap_or(0));
        if before <= super::MAX_GENERATED && generated > super::MAX_GENERATED {
            out.push((
                spans.best(&format!("directory.users[{i}].generate")),
                format!(
                    "with this block the scenario generates more than {} users in all; that is the most, across every `generate` block",
                    super::MAX_GENERATED
                ),
            ));
        }
    }
    for (i, g) in s.directory.groups.iter().enumerate() {
        if g.name.trim().is_empty() {
            out.push((spans.best(&format!("directory.groups[{i}].name")), "a group needs a name".into()));
        }
    }
    for (i, u) in s.directory.users.iter().enumerate() {
        let path = format!("directory.users[{i}]");
        if let Some(n) = u.generate {
            for key in [("username", u.username.is_some()), ("email", u.email.is_some())] {
                if key.1 {
                    out.push((
                        spans.best(&format!("{path}.{}", key.0)),
                        format!("`{}` cannot be combined with `generate`", key.0),
                    ));
                }
            }
            if n > 1_000_000 {
                out.push((spans.best(&format!("{path}.generate")), "generate at most 1000000 users".into()));
            }
        } else {
            user_attrs(u, &path, spans, out, true);
        }
    }
}

/// Why `text` cannot be sent as a header name (`name`) or value, if it
/// cannot: a CR or LF would end the header (the run would then fail as if
/// the SP were unreachable), and other controls are not allowed either. The
/// text itself is not quoted: header values are often credentials.
fn header_problem(text: &str, name: bool) -> Option<&'static str> {
    if text.chars().any(|c| c == '\r' || c == '\n') {
        return Some("has a line break (CR or LF), which HTTP does not allow in a header");
    }
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Some("has a control character, which HTTP does not allow in a header");
    }
    let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name && (text.is_empty() || !text.chars().all(tchar)) {
        return Some("must be a token: letters, digits and ! # $ % & ' * + - . ^ _ ` | ~");
    }
    None
}

/// JumpCloud's rules for user attributes (the connector table).
fn user_attrs(u: &UserSpec, path: &str, spans: &SpanIndex, out: &mut Problems, creating: bool) {
    if creating {
        for (key, present) in [("username", u.username.is_some()), ("email", u.email.is_some())] {
            if !present {
                out.push((spans.best(path), format!("a user needs `{key}` (or use `generate: N`)")));
            }
        }
    }
    if let Some(name) = &u.username
        && let Err(msg) = crate::names::check_username(name)
    {
        out.push((spans.best(&format!("{path}.username")), msg));
    }
    if let Some(email) = &u.email
        && let Err(msg) = crate::names::check_email(email)
    {
        out.push((spans.best(&format!("{path}.email")), msg));
    }
    for (key, value) in [("firstname", &u.firstname), ("lastname", &u.lastname)] {
        if value.as_ref().is_some_and(|v| v.chars().count() > 1024) {
            out.push((
                spans.best(&format!("{path}.{key}")),
                format!("`{key}` is longer than JumpCloud's 1024 characters"),
            ));
        }
    }
}

fn steps(i: usize, action: &Action, spans: &SpanIndex, out: &mut Problems) {
    let base = format!("steps[{i}].{}", action.name());
    match action {
        Action::CreateUser(u) => {
            if u.generate.is_some() {
                out.push((
                    spans.best(&base),
                    "`create_user` creates one user; use `directory.users` to generate many".into(),
                ));
                return;
            }
            user_attrs(u, &base, spans, out, true);
        }
        Action::UpdateUser(u) => {
            let set = &u.set;
            if set.generate.is_some() || set.email_domain.is_some() || !set.groups.is_empty() {
                out.push((
                    spans.best(&format!("{base}.set")),
                    "`set` takes user attributes only (not generate, email_domain or groups)".into(),
                ));
            }
            if set.username.is_some() {
                out.push((
                    spans.best(&format!("{base}.set.username")),
                    "a JumpCloud username cannot be changed; create a new user".into(),
                ));
            }
            user_attrs(set, &format!("{base}.set"), spans, out, false);
        }
        Action::Request(r) => {
            const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
            if !METHODS.contains(&r.method.to_ascii_uppercase().as_str()) {
                out.push((spans.best(&format!("{base}.method")), format!("unknown HTTP method `{}`", r.method)));
            }
            if !r.path.starts_with('/') {
                out.push((
                    spans.best(&format!("{base}.path")),
                    "`path` is relative to base_url and starts with `/`".into(),
                ));
            }
            for (name, value) in &r.headers {
                let at = spans.best(&format!("{base}.headers.{name}"));
                if let Some(problem) = header_problem(name, true) {
                    out.push((at, format!("a header name {problem}")));
                } else if let Some(problem) = header_problem(value, false) {
                    out.push((at, format!("the value of header `{name}` {problem}")));
                }
            }
        }
        Action::Inbound(r) => inbound(r, &base, spans, out),
        _ => {}
    }
}

/// An `inbound` step: a method the API serves, a path below `/scim/v2`, a
/// closed `{id:USERNAME}`, a JSON object for a body.
fn inbound(r: &super::step::InboundRequest, base: &str, spans: &SpanIndex, out: &mut Problems) {
    const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
    let method = r.method.to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        let hint = super::suggest(&method, METHODS.iter().copied()).map(|s| format!(", did you mean `{s}`?"));
        out.push((
            spans.best(&format!("{base}.method")),
            format!("unknown HTTP method `{}`{}", r.method, hint.unwrap_or_default()),
        ));
    }
    if !r.path.starts_with('/') {
        out.push((spans.best(&format!("{base}.path")), "`path` is relative to `/scim/v2` and starts with `/`".into()));
    }
    if super::step::id_refs(&r.path).unclosed {
        out.push((spans.best(&format!("{base}.path")), "`{id:` is not closed with `}`".into()));
    }
    if r.body.as_ref().is_some_and(|b| !b.is_object()) {
        out.push((spans.best(&format!("{base}.body")), "`body` must be a JSON object (a SCIM resource)".into()));
    }
}
