//! Loading a scenario: `scenario` parses it and checks its own shape, then
//! the lint dry-runs the org and every step against the real [`Directory`]
//! (and `inbound` steps through the real inbound API), so "no user named
//! `x` at this point" follows JumpCloud's rules as the run applies them, not
//! a second model of them. Every problem is reported at once, in file order.
//!
//! Generated users (`generate: N`) are not built: their names come from the
//! seed, so a scenario cannot name them.

use crate::directory::{Directory, DirectoryError};
use crate::inbound::{IN_PROCESS_BASE, api_request, handle};
use crate::scenario::{self, Action, Outcome, Pos, Scenario, ScenarioErrors, SpanIndex, UserSpec};
use std::path::Path;

type Problems = Vec<(Pos, String)>;

/// Read, parse and lint the scenario at `path`.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioErrors> {
    let text = scenario::read_file(path)?;
    load_str(&text, &path.display().to_string())
}

/// Parse and lint scenario text; `file` names it in errors.
pub fn load_str(text: &str, file: &str) -> Result<Scenario, ScenarioErrors> {
    let parsed = scenario::parse_str(text, file)?;
    let problems = lint(&parsed.scenario, &parsed.spans);
    parsed.finish(problems)
}

/// Parse and lint scenario text from an untrusted source (the console's
/// pasted or uploaded scenarios): every `${VAR}` is refused, never read from
/// this process's environment.
/// It also generates at most [`MAX_UNTRUSTED_GENERATED`] users: the console
/// builds and provisions every one while its visitors wait.
pub fn load_untrusted(text: &str, file: &str) -> Result<Scenario, ScenarioErrors> {
    scenario::env::without_env(|| {
        let parsed = scenario::parse_str(text, file)?;
        let mut problems = lint(&parsed.scenario, &parsed.spans);
        let mut total = 0usize;
        for (i, u) in parsed.scenario.directory.users.iter().enumerate() {
            total = total.saturating_add(u.generate.unwrap_or(0));
            if total > MAX_UNTRUSTED_GENERATED {
                problems.push((
                    parsed.spans.best(&format!("directory.users[{i}].generate")),
                    format!("a scenario loaded into the console generates at most {MAX_UNTRUSTED_GENERATED} users in all (`jcsim run` takes up to {})", scenario::MAX_GENERATED),
                ));
                break;
            }
        }
        parsed.finish(problems)
    })
}

/// The most users a scenario loaded into the console may generate in all.
pub const MAX_UNTRUSTED_GENERATED: usize = 10_000;

/// Every built-in scenario, loaded, in suite order.
pub(crate) fn builtin() -> Result<Vec<Scenario>, ScenarioErrors> {
    let files = scenario::builtin::FILES;
    let mut out = Vec::with_capacity(files.len());
    for (path, text) in files {
        out.push(load_str(text, &format!("{}{path}", scenario::builtin::PREFIX))?);
    }
    Ok(out)
}

/// The built-in scenarios a `builtin:` name selects (see
/// [`scenario::builtin::select`]), loaded, in suite order.
pub(crate) fn builtin_named(name: &str) -> Result<Vec<Scenario>, ScenarioErrors> {
    let files =
        scenario::builtin::select(name).map_err(|m| ScenarioErrors::one(scenario::ScenarioError::plain(name, m)))?;
    files.iter().map(|(path, text)| load_str(text, &format!("{}{path}", scenario::builtin::PREFIX))).collect()
}

/// The problems of `s` that only the org shows: names that do not exist at
/// a step, or exist twice.
pub(crate) fn lint(s: &Scenario, spans: &SpanIndex) -> Problems {
    let mut l = Lint { dir: Directory::empty(s, 0), spans, out: Problems::new() };
    l.org(s);
    let quirks: Vec<&str> = s.quirks().iter().map(|q| q.split('=').next().unwrap_or(q).trim()).collect();
    for (i, step) in s.steps.iter().enumerate() {
        l.step(&format!("steps[{i}].{}", step.action.name()), &step.action);
        if let Some(q) = step.expect.as_ref().and_then(|e| e.needs_quirk.as_deref())
            && !quirks.contains(&q)
        {
            let known = if quirks.is_empty() { "it has none".to_string() } else { quirks.join(", ") };
            l.push(
                &format!("steps[{i}].expect.needs_quirk"),
                format!("needs_quirk `{q}` is not a quirk of this scenario's embedded SP ({known})"),
            );
        }
    }
    l.out
}

struct Lint<'a> {
    dir: Directory,
    spans: &'a SpanIndex,
    out: Problems,
}

impl Lint<'_> {
    fn push(&mut self, path: &str, message: String) {
        self.out.push((self.spans.best(path), message));
    }

    /// The org as `Directory::from_scenario` builds it: groups, users (and
    /// the groups they join), members, then the app's bindings.
    fn org(&mut self, s: &Scenario) {
        for (i, g) in s.directory.groups.iter().enumerate() {
            if let Err(DirectoryError::GroupExists(name)) = self.dir.create_group(&g.name) {
                self.push(&format!("directory.groups[{i}].name"), format!("group `{name}` is defined twice"));
            }
        }
        for (i, u) in s.directory.users.iter().enumerate() {
            let path = format!("directory.users[{i}]");
            if u.generate.is_some() {
                for (j, g) in u.groups.iter().enumerate() {
                    self.group(g, &format!("{path}.groups[{j}]"));
                }
            } else {
                self.create_user(u, &path, "is defined twice");
            }
        }
        for (i, g) in s.directory.groups.iter().enumerate() {
            for (j, m) in g.members.iter().enumerate() {
                if self.user(m, &format!("directory.groups[{i}].members[{j}]")) {
                    let _ = self.dir.add_member(m, &g.name);
                }
            }
        }
        for (i, name) in s.app.users.iter().enumerate() {
            if self.user(name, &format!("app.users[{i}]")) {
                let _ = self.dir.bind_user(name);
            }
        }
        for (i, name) in s.app.groups.iter().enumerate() {
            if self.group(name, &format!("app.groups[{i}]")) {
                let _ = self.dir.bind_group(name);
            }
        }
    }

    /// `verify: { attributes }` names only attributes JumpCloud sends.
    fn verify_attributes(&mut self, base: &str, attributes: &[String]) {
        use crate::directory::attrs::{ADDRESS, Scim, TEXT};
        let sent = || {
            TEXT.iter()
                .filter(|a| !matches!(a.scim, Scim::Inbound(_)))
                .map(|a| a.key)
                .chain(ADDRESS.iter().map(|p| p.key))
        };
        for (j, key) in attributes.iter().enumerate() {
            if !sent().any(|k| k == key) {
                let mut msg = format!("unknown attribute `{key}`");
                if let Some(s) = crate::suggest::suggest(key, sent()) {
                    msg.push_str(&format!(", did you mean `{s}`?"));
                }
                msg.push_str(&format!("; attributes JumpCloud sends: {}", sent().collect::<Vec<_>>().join(", ")));
                self.push(&format!("{base}.attributes[{j}]"), msg);
            }
        }
    }

    fn step(&mut self, base: &str, action: &Action) {
        match action {
            Action::CreateUser(u) if u.generate.is_none() => self.create_user(u, base, "already exists"),
            Action::UpdateUser(u) => {
                // Only attributes: the shape check reports the rest.
                let set = UserSpec { username: None, groups: Vec::new(), ..u.set.clone() };
                self.on_user(&u.user, &format!("{base}.user"), |d| d.update_user(&u.user, &set).map(drop));
            }
            Action::DeleteUser(n) => self.on_user(n, base, |d| d.delete_user(n).map(drop)),
            Action::SuspendUser(n) | Action::UnsuspendUser(n) | Action::ActivateUser(n) => {
                self.on_user(n, base, |_| Ok(()));
            }
            Action::BindUser(n) => self.on_user(n, base, |d| d.bind_user(n)),
            Action::Verify(v) => self.verify_attributes(base, &v.attributes),
            Action::UnbindUser(n) => self.on_user(n, base, |d| d.unbind_user(n)),
            Action::CreateGroup(g) => {
                let members: Vec<bool> =
                    g.members.iter().enumerate().map(|(j, m)| self.user(m, &format!("{base}.members[{j}]"))).collect();
                match self.dir.create_group(&g.name) {
                    Err(DirectoryError::GroupExists(name)) => {
                        self.push(&format!("{base}.name"), format!("group `{name}` already exists"));
                    }
                    _ => {
                        for (m, _) in g.members.iter().zip(members).filter(|(_, ok)| *ok) {
                            let _ = self.dir.add_member(m, &g.name);
                        }
                    }
                }
            }
            Action::RenameGroup(r) => {
                let exists = self.group(&r.group, &format!("{base}.group"));
                match self.dir.rename_group(&r.group, &r.to) {
                    Err(DirectoryError::GroupExists(name)) => {
                        self.push(&format!("{base}.to"), format!("group `{name}` already exists"));
                    }
                    // The group is already reported missing; later steps may
                    // name it by its new name.
                    Err(_) if !exists => {
                        let _ = self.dir.create_group(&r.to);
                    }
                    _ => {}
                }
            }
            Action::DeleteGroup(n) => self.on_group(n, base, |d| d.delete_group(n).map(drop)),
            Action::BindGroup(n) => self.on_group(n, base, |d| d.bind_group(n)),
            Action::UnbindGroup(n) => self.on_group(n, base, |d| d.unbind_group(n)),
            Action::AddToGroup(m) | Action::RemoveFromGroup(m) => {
                let user = self.user(&m.user, &format!("{base}.user"));
                let group = self.group(&m.group, &format!("{base}.group"));
                if user && group {
                    let _ = match action {
                        Action::AddToGroup(_) => self.dir.add_member(&m.user, &m.group),
                        _ => self.dir.remove_member(&m.user, &m.group),
                    };
                }
            }
            Action::Inbound(r) => {
                let mut all_known = true;
                for (_, name) in crate::scenario::id_refs(&r.path).refs {
                    all_known &= self.user(name, &format!("{base}.path"));
                }
                // A request expected to succeed changes the org as the API
                // does; one expected to fail changes nothing.
                let fails = r.expect.as_ref().is_some_and(|e| {
                    e.outcome == Some(Outcome::Fail) || e.status.is_some_and(|s| !(200..300).contains(&s))
                });
                if all_known && !fails {
                    let req = api_request(r, &self.dir);
                    handle(&mut self.dir, &req, IN_PROCESS_BASE);
                }
            }
            _ => {}
        }
    }

    /// Create a user from a spec whose attributes the shape check has seen.
    fn create_user(&mut self, u: &UserSpec, path: &str, twice: &str) {
        for (j, g) in u.groups.iter().enumerate() {
            self.group(g, &format!("{path}.groups[{j}]"));
        }
        let Some(name) = &u.username else { return };
        match self.dir.create_user(&UserSpec { groups: Vec::new(), ..u.clone() }) {
            Err(DirectoryError::UserExists(_)) => {
                self.push(&format!("{path}.username"), format!("user `{name}` {twice}"));
            }
            Err(_) => {
                // Invalid attributes are the shape check's to report; a
                // stand-in keeps later steps that name the user quiet.
                let stand_in = UserSpec {
                    username: Some(name.clone()),
                    email: Some("lint-stand-in@example.com".into()),
                    ..UserSpec::default()
                };
                let _ = self.dir.create_user(&stand_in);
            }
            Ok(_) => {}
        }
        for g in &u.groups {
            let _ = self.dir.add_member(name, g);
        }
    }

    /// Apply `change` when user `name` exists; report it at `path` when not.
    /// Other refusals are the shape check's to report.
    fn on_user(&mut self, name: &str, path: &str, change: impl FnOnce(&mut Directory) -> Result<(), DirectoryError>) {
        if self.user(name, path) {
            let _ = change(&mut self.dir);
        }
    }

    /// Apply `change` when group `name` exists; report it at `path` when not.
    fn on_group(&mut self, name: &str, path: &str, change: impl FnOnce(&mut Directory) -> Result<(), DirectoryError>) {
        if self.group(name, path) {
            let _ = change(&mut self.dir);
        }
    }

    /// Does user `name` exist at this point? Reported at `path` when not.
    fn user(&mut self, name: &str, path: &str) -> bool {
        if self.dir.user(name).is_ok() {
            return true;
        }
        let known: Vec<String> = self.dir.users.usernames().map(String::from).collect();
        self.push(path, unknown("user", name, &known));
        false
    }

    /// Does group `name` exist at this point? Reported at `path` when not.
    fn group(&mut self, name: &str, path: &str) -> bool {
        if self.dir.group(name).is_ok() {
            return true;
        }
        let known: Vec<String> = self.dir.groups.iter().map(|g| g.name.clone()).collect();
        self.push(path, unknown("group", name, &known));
        false
    }
}

fn unknown(kind: &str, name: &str, known: &[String]) -> String {
    let mut msg = format!("no {kind} named `{name}` at this point");
    if let Some(s) = crate::suggest::suggest(name, known.iter().map(String::as_str)) {
        msg.push_str(&format!(", did you mean `{s}`?"));
    } else if known.is_empty() {
        msg.push_str(&format!(" (no {kind}s are defined)"));
    }
    msg
}
