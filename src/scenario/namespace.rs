//! Run isolation: a run-unique tag on every name a scenario creates at an
//! external SP (usernames, emails, group names, the activation test email),
//! so a run never meets the leftovers of an earlier one, and a leftover is
//! recognisable as jcsim's (`jcsim cleanup` removes exactly those).
//!
//! A tag is `jcs-` and 1 to 16 lowercase letters or digits. It always ends
//! the name it marks: `alice.jcs-4f1a2b` (username), `alice+jcs-4f1a2b@acme.com`
//! (email; `.jcs-…` when the local part already has a `+`) and
//! `Engineering jcs-4f1a2b` (group name).

use super::model::{Scenario, UserSpec};
use super::step::{Action, Expect};
use serde_json::Value;
use std::collections::HashMap;

pub use crate::names::Tag;
#[cfg(test)]
use crate::names::tag_of;

/// The scenario with every name it creates tagged, and every reference to
/// those names rewritten to match. Raw `request` and `inbound` paths, bodies
/// and `reason_contains` texts have each known name replaced where it stands
/// as a whole token.
pub(crate) fn apply(s: &Scenario, tag: &Tag) -> Scenario {
    let map = Names::collect(s, tag);
    let mut out = s.clone();
    out.namespace = Some(tag.clone());
    for u in &mut out.directory.users {
        map.user_spec(u);
    }
    for g in &mut out.directory.groups {
        g.name = map.group(&g.name);
        g.members.iter_mut().for_each(|m| *m = map.user(m));
    }
    out.app.test_user_email = tag.email(&s.app.test_user_email);
    out.app.users.iter_mut().for_each(|u| *u = map.user(u));
    out.app.groups.iter_mut().for_each(|g| *g = map.group(g));
    for step in &mut out.steps {
        map.action(&mut step.action, tag);
        if let Some(e) = &mut step.expect {
            map.expect(e);
        }
    }
    out
}

/// Every name the scenario creates, with its tagged form.
struct Names {
    users: HashMap<String, String>,
    groups: HashMap<String, String>,
    /// Every name of any kind, longest first, for replacement in free text.
    tokens: Vec<(String, String)>,
}

impl Names {
    fn collect(s: &Scenario, tag: &Tag) -> Names {
        let mut users = HashMap::new();
        let mut emails = HashMap::new();
        let mut groups = HashMap::new();
        let add_user = |u: &UserSpec, users: &mut HashMap<String, String>, emails: &mut HashMap<String, String>| {
            if let Some(n) = &u.username {
                users.insert(n.clone(), tag.username(n));
            }
            if let Some(e) = &u.email {
                emails.insert(e.clone(), tag.email(e));
            }
        };
        for u in s.directory.users.iter().filter(|u| u.generate.is_none()) {
            add_user(u, &mut users, &mut emails);
        }
        for g in &s.directory.groups {
            groups.insert(g.name.clone(), tag.group(&g.name));
        }
        emails.insert(s.app.test_user_email.clone(), tag.email(&s.app.test_user_email));
        for step in &s.steps {
            match &step.action {
                Action::CreateUser(u) => add_user(u, &mut users, &mut emails),
                Action::UpdateUser(u) => {
                    if let Some(e) = &u.set.email {
                        emails.insert(e.clone(), tag.email(e));
                    }
                }
                Action::CreateGroup(g) => {
                    groups.insert(g.name.clone(), tag.group(&g.name));
                }
                Action::RenameGroup(r) => {
                    groups.insert(r.to.clone(), tag.group(&r.to));
                }
                Action::Activate { test_user_email: Some(e) } => {
                    emails.insert(e.clone(), tag.email(e));
                }
                Action::RotateToken(crate::scenario::RotateToken { test_user_email: Some(e), .. }) => {
                    emails.insert(e.clone(), tag.email(e));
                }
                Action::Inbound(r) => {
                    // Users an identity source creates: their userName and emails.
                    if let Some(b) = &r.body {
                        if let Some(n) = b.get("userName").and_then(Value::as_str) {
                            let tagged = if n.contains('@') { tag.email(n) } else { tag.username(n) };
                            users.insert(n.to_string(), tagged);
                        }
                        for e in b.get("emails").and_then(Value::as_array).into_iter().flatten() {
                            if let Some(v) = e.get("value").and_then(Value::as_str) {
                                emails.insert(v.to_string(), tag.email(v));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let mut tokens: Vec<(String, String)> =
            users.iter().chain(&emails).chain(&groups).map(|(a, b)| (a.clone(), b.clone())).collect();
        tokens.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        users.extend(emails);
        Names { users, groups, tokens }
    }

    fn user(&self, name: &str) -> String {
        self.users.get(name).cloned().unwrap_or_else(|| name.to_string())
    }

    fn group(&self, name: &str) -> String {
        self.groups.get(name).cloned().unwrap_or_else(|| name.to_string())
    }

    fn user_spec(&self, u: &mut UserSpec) {
        if u.generate.is_some() {
            u.groups.iter_mut().for_each(|g| *g = self.group(g));
            return;
        }
        if let Some(n) = &mut u.username {
            *n = self.user(n);
        }
        if let Some(e) = &mut u.email {
            *e = self.user(e);
        }
        u.groups.iter_mut().for_each(|g| *g = self.group(g));
    }

    fn action(&self, a: &mut Action, tag: &Tag) {
        match a {
            Action::TestConnection | Action::DeactivateApp | Action::Verify(_) => {}
            Action::Activate { test_user_email }
            | Action::RotateToken(crate::scenario::RotateToken { test_user_email, .. }) => {
                if let Some(e) = test_user_email {
                    *e = tag.email(e);
                }
            }
            Action::CreateUser(u) => self.user_spec(u),
            Action::UpdateUser(u) => {
                u.user = self.user(&u.user);
                if let Some(e) = &mut u.set.email {
                    *e = self.user(e);
                }
            }
            Action::DeleteUser(n)
            | Action::SuspendUser(n)
            | Action::UnsuspendUser(n)
            | Action::ActivateUser(n)
            | Action::BindUser(n)
            | Action::UnbindUser(n) => *n = self.user(n),
            Action::CreateGroup(g) => {
                g.name = self.group(&g.name);
                g.members.iter_mut().for_each(|m| *m = self.user(m));
            }
            Action::RenameGroup(r) => {
                r.group = self.group(&r.group);
                r.to = self.group(&r.to);
            }
            Action::DeleteGroup(n) | Action::BindGroup(n) | Action::UnbindGroup(n) => *n = self.group(n),
            Action::AddToGroup(m) | Action::RemoveFromGroup(m) => {
                m.user = self.user(&m.user);
                m.group = self.group(&m.group);
            }
            Action::Request(r) => self.request(&mut r.path, &mut r.body, &mut r.expect),
            Action::Inbound(r) => self.request(&mut r.path, &mut r.body, &mut r.expect),
        }
    }

    /// A raw or inbound request: its path, body and expectation.
    fn request(&self, path: &mut String, body: &mut Option<Value>, expect: &mut Option<Expect>) {
        *path = self.path(path);
        if let Some(b) = body {
            self.value(b);
        }
        if let Some(e) = expect {
            self.expect(e);
        }
    }

    /// A request path: names replaced as in [`Names::text`], and also in
    /// a percent-encoded query value (`userName%20eq%20%22alice%40acme.com%22`),
    /// which is decoded, rewritten and encoded again, so a lookup follows
    /// the namespace however the scenario spelled it.
    fn path(&self, path: &str) -> String {
        let Some((head, query)) = path.split_once('?') else { return self.text(path) };
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                if !v.contains('%') {
                    return self.text(pair);
                }
                let decoded = crate::scim::url::decode(v);
                let rewritten = self.text(&decoded);
                if rewritten == decoded {
                    pair.to_string()
                } else {
                    format!("{k}={}", crate::scim::url::encode(&rewritten))
                }
            })
            .collect();
        format!("{}?{}", self.text(head), pairs.join("&"))
    }

    fn expect(&self, e: &mut Expect) {
        if let Some(r) = &mut e.reason_contains {
            *r = self.text(r);
        }
    }

    fn value(&self, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.text(s),
            Value::Array(a) => a.iter_mut().for_each(|x| self.value(x)),
            Value::Object(o) => o.values_mut().for_each(|x| self.value(x)),
            _ => {}
        }
    }

    /// Replace every known name standing as a whole token in `s`.
    fn text(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        'scan: while i < s.len() {
            let boundary_before = s[..i].chars().next_back().is_none_or(|c| !is_name_char(c));
            if boundary_before {
                for (from, to) in &self.tokens {
                    if s[i..].starts_with(from.as_str())
                        && s[i + from.len()..].chars().next().is_none_or(|c| !is_name_char(c))
                    {
                        out.push_str(to);
                        i += from.len();
                        continue 'scan;
                    }
                }
            }
            let c = s[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
        out
    }
}

/// Characters that continue a username or email (a token boundary is any other).
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '@')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(yaml: &str) -> Scenario {
        crate::lint::load_str(yaml, "t.yaml").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn tags_are_recognised_only_where_jcsim_puts_them() {
        let t = Tag::parse("4f1a2b").unwrap();
        assert_eq!(t.as_str(), "jcs-4f1a2b");
        assert_eq!(tag_of(&t.username("alice")), Some("jcs-4f1a2b"));
        assert_eq!(tag_of(&t.email("alice@acme.com")), Some("jcs-4f1a2b"));
        assert_eq!(t.email("jose+jc@acme.com"), "jose+jc.jcs-4f1a2b@acme.com");
        assert_eq!(tag_of(&t.email("jose+jc@acme.com")), Some("jcs-4f1a2b"));
        assert_eq!(tag_of(&t.group("Engineering")), Some("jcs-4f1a2b"));
        for untagged in ["alice", "jcs-team", "ops jcs-", "alice@jcs-corp.com", "x.jcs-UPPER", "x.jcs-4f1a2b.y"] {
            assert_eq!(tag_of(untagged), None, "{untagged}");
        }
        assert!(Tag::parse("Bad Tag").is_err());
        assert!(Tag::parse("").is_err());
        assert_eq!(Tag::parse("jcs-ci42").unwrap().as_str(), "jcs-ci42");
        let r = Tag::random();
        assert_eq!(tag_of(&r.username("a")), Some(r.as_str()));
    }

    #[test]
    fn every_created_name_and_every_reference_is_tagged() {
        let s = load(
            r#"
name: n
directory:
  users:
    - { username: alice, email: alice@acme.com }
    - { username: bob, email: bob@acme.com }
    - { generate: 2, groups: [Engineering] }
  groups:
    - { name: Engineering, members: [alice] }
app: { group_management: true, groups: [Engineering] }
steps:
  - activate
  - add_to_group: { user: bob, group: Engineering }
  - rename_group: { group: Engineering, to: Platform }
  - create_user: { username: carol, email: carol@acme.com, groups: [Platform] }
  - bind_user: carol
  - activate: { test_user_email: again@jumpcloud.com }
  - request: { method: GET, path: '/Users?filter=userName eq "alice@acme.com"', expect: { status: 200 } }
  - request: { method: GET, path: '/Users?filter=userName eq "alice@acme.community"', expect: { status: 200 } }
  - request: { method: GET, path: '/Users?count=1&filter=userName%20eq%20%22alice%40acme.com%22' }
"#,
        );
        let t = Tag::parse("ab12").unwrap();
        let n = apply(&s, &t);
        assert_eq!(n.namespace.as_ref().map(Tag::as_str), Some("jcs-ab12"));
        assert_eq!(n.directory.users[0].username.as_deref(), Some("alice.jcs-ab12"));
        assert_eq!(n.directory.users[0].email.as_deref(), Some("alice+jcs-ab12@acme.com"));
        assert_eq!(n.directory.users[2].groups, vec!["Engineering jcs-ab12"]);
        assert_eq!(n.directory.groups[0].members, vec!["alice.jcs-ab12"]);
        assert_eq!(n.app.test_user_email, "jc-test+jcs-ab12@jumpcloud.com");
        assert_eq!(n.app.groups, vec!["Engineering jcs-ab12"]);
        let titles: Vec<String> = n.steps.iter().map(|s| s.action.title()).collect();
        assert_eq!(titles[1], "add_to_group: bob.jcs-ab12 ↔ Engineering jcs-ab12");
        assert_eq!(titles[2], "rename_group: Engineering jcs-ab12 → Platform jcs-ab12");
        assert_eq!(titles[3], "create_user: carol.jcs-ab12");
        assert_eq!(titles[4], "bind_user: carol.jcs-ab12");
        assert_eq!(titles[5], "activate: again+jcs-ab12@jumpcloud.com");
        assert_eq!(titles[6], "request: GET /Users?filter=userName eq \"alice+jcs-ab12@acme.com\"");
        // A longer name that merely starts with a known one is left alone.
        assert_eq!(titles[7], "request: GET /Users?filter=userName eq \"alice@acme.community\"");
        // A percent-encoded lookup follows the namespace too (lifecycle/14).
        assert_eq!(titles[8], "request: GET /Users?count=1&filter=userName%20eq%20%22alice%2Bjcs-ab12%40acme.com%22");
    }

    #[test]
    fn inbound_users_are_tagged_with_their_references() {
        let s = load(
            r#"
name: n
app: { users: [] }
steps:
  - inbound: { method: POST, path: /Users, body: { userName: jdoe, emails: [{ value: jdoe@acme.com }] } }
  - bind_user: jdoe
  - inbound: { method: GET, path: '/Users/{id:jdoe}' }
"#,
        );
        let n = apply(&s, &Tag::parse("x1").unwrap());
        let Action::Inbound(r) = &n.steps[0].action else { panic!() };
        assert_eq!(r.body.as_ref().unwrap()["userName"], "jdoe.jcs-x1");
        assert_eq!(r.body.as_ref().unwrap()["emails"][0]["value"], "jdoe+jcs-x1@acme.com");
        assert_eq!(n.steps[1].action.title(), "bind_user: jdoe.jcs-x1");
        assert_eq!(n.steps[2].action.title(), "inbound: GET /Users/{id:jdoe.jcs-x1}");
    }
}
