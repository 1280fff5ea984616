//! The simulated JumpCloud organisation: users and their states, user groups,
//! the SSO application with Identity Management, and bindings.

pub(crate) mod attrs;
mod generate;
mod index;
mod users;

use crate::scenario::{Scenario, UserSpec, UserStateSpec};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::collections::BTreeSet;
use thiserror::Error;

pub(crate) use crate::names::{check_email, check_username};
pub(crate) use generate::generate_users;
pub(crate) use index::Key;
use std::borrow::Cow;
pub(crate) use users::{UserChange, UserMut, Users};

/// Text of a user attribute. Most attributes are short: up to 24 bytes are
/// held inline, without a heap allocation, which halves the memory of a large
/// org (100,000 users: about 125 MB as `String`s, 56 MB as `Text`).
pub(crate) type Text = compact_str::CompactString;

/// A JumpCloud object id: 24 lowercase hex characters, held inline.
pub(crate) type JcId = Text;

/// JumpCloud user states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum UserState {
    #[default]
    Activated,
    Staged,
    Suspended,
}

/// A JumpCloud user.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct User {
    pub(crate) id: JcId,
    pub(crate) username: Text,
    pub(crate) email: Text,
    pub(crate) firstname: Text,
    pub(crate) lastname: Text,
    pub(crate) displayname: Text,
    pub(crate) job_title: Text,
    pub(crate) department: Text,
    pub(crate) employee_identifier: Text,
    pub(crate) cost_center: Text,
    pub(crate) company: Text,
    pub(crate) employee_type: Text,
    pub(crate) location: Text,
    pub(crate) phone: Text,
    pub(crate) address: Option<Address>,
    pub(crate) state: UserState,
    pub(crate) password_expired: bool,
    /// The user was created through JumpCloud's SCIM API (an identity source)
    /// and has not set a password yet [C]; no activation email was sent.
    #[serde(default)]
    pub(crate) password_pending: bool,
    /// The identity source's own id for the user (`externalId` of the inbound
    /// SCIM API). Outbound, JumpCloud sends its own id as `externalId`.
    #[serde(default)]
    pub(crate) external_id: Text,
}

/// A work address.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Address {
    pub(crate) street: Text,
    pub(crate) locality: Text,
    pub(crate) region: Text,
    pub(crate) postal_code: Text,
    pub(crate) country: Text,
}

/// A JumpCloud user group.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Group {
    pub(crate) id: JcId,
    pub(crate) name: String,
    /// Member user ids, in the order they joined.
    pub(crate) members: Vec<JcId>,
}

/// The SSO application and its Identity Management integration.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct App {
    pub(crate) name: String,
    pub(crate) test_user_email: String,
    pub(crate) group_management: bool,
    /// Identity Management is activated (provisioning runs).
    pub(crate) active: bool,
    pub(crate) bound_users: BTreeSet<JcId>,
    pub(crate) bound_groups: BTreeSet<JcId>,
    /// Optional user attributes the application excludes (SCIM names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) exclude_attributes: Vec<String>,
}

/// Errors from directory changes. The scenario validator catches most of
/// these ahead of time; the console relies on them.
#[derive(Debug, Error, PartialEq)]
pub enum DirectoryError {
    #[error("no user named `{0}`")]
    NoUser(String),
    #[error("no group named `{0}`")]
    NoGroup(String),
    #[error("a user named `{0}` already exists")]
    UserExists(String),
    #[error("a group named `{0}` already exists")]
    GroupExists(String),
    #[error("{0}")]
    Invalid(String),
}

pub(crate) use crate::knobs::ScimDefaultState;

/// Organization settings.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct OrgSettings {
    /// "Default user state for SCIM API": the state of users an identity source creates.
    #[serde(default)]
    pub(crate) scim_default_state: ScimDefaultState,
}

/// The whole simulated org.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Directory {
    pub(crate) users: Users,
    pub(crate) groups: Vec<Group>,
    pub(crate) app: App,
    #[serde(default)]
    pub(crate) settings: OrgSettings,
    /// Users deleted from the org, as they were when deleted: a deleted
    /// user's final PUT (`user_delete: deactivate`) is rebuilt from them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) deleted: Vec<User>,
    ids: IdGen,
}

impl Directory {
    /// Build the initial org of a scenario. The same seed gives the same ids and data.
    pub fn from_scenario(s: &Scenario, seed: u64) -> Result<Directory, DirectoryError> {
        let mut dir = Directory::empty(s, seed);
        let mut rng = StdRng::seed_from_u64(seed);
        for g in &s.directory.groups {
            dir.create_group(&g.name)?;
        }
        for spec in &s.directory.users {
            match spec.generate {
                Some(n) => {
                    let domain = spec.email_domain.as_deref().unwrap_or("example.com");
                    let groups: Vec<usize> = spec
                        .groups
                        .iter()
                        .map(|g| {
                            dir.groups
                                .iter()
                                .position(|x| x.name == *g)
                                .ok_or_else(|| DirectoryError::NoGroup(g.clone()))
                        })
                        .collect::<Result<_, _>>()?;
                    let state = spec.state.map_or(UserState::Activated, UserState::from);
                    let range = dir.users.generate(rng.random(), n, domain, state, s.namespace.as_ref());
                    // Fresh ids: no membership check needed (and none that is quadratic).
                    for &g in &groups {
                        dir.groups[g].members.extend(users::ids(&dir.users, range.clone()));
                    }
                }
                None => {
                    dir.create_user(spec)?;
                }
            }
        }
        for g in &s.directory.groups {
            for m in &g.members {
                dir.add_member(m, &g.name)?;
            }
        }
        for u in &s.app.users {
            dir.bind_user(u)?;
        }
        for g in &s.app.groups {
            dir.bind_group(g)?;
        }
        Ok(dir)
    }

    /// The scenario's org before any user or group: the app and the settings.
    pub(crate) fn empty(s: &Scenario, seed: u64) -> Directory {
        Directory {
            users: Users::default(),
            groups: Vec::new(),
            app: App {
                name: s.app.name.clone(),
                test_user_email: s.app.test_user_email.clone(),
                group_management: s.app.group_management,
                active: false,
                bound_users: BTreeSet::new(),
                bound_groups: BTreeSet::new(),
                exclude_attributes: s.app.exclude_attributes.clone(),
            },
            settings: OrgSettings {
                scim_default_state: s.directory.settings.scim_default_user_state.unwrap_or_default(),
            },
            deleted: Vec::new(),
            ids: IdGen::new(seed),
        }
    }

    /// The id generator, as the state journal keeps it.
    pub(crate) fn id_gen(&self) -> &IdGen {
        &self.ids
    }

    /// Restore the id generator (state journal replay).
    pub(crate) fn set_id_gen(&mut self, ids: IdGen) {
        self.ids = ids;
    }

    /// A fresh JumpCloud-style id from the directory's seeded generator.
    pub(crate) fn new_id(&mut self) -> JcId {
        self.ids.next_id()
    }

    pub(crate) fn user(&self, username: &str) -> Result<Cow<'_, User>, DirectoryError> {
        self.users
            .position_by_username(username)
            .and_then(|p| self.users.at(p))
            .ok_or_else(|| DirectoryError::NoUser(username.into()))
    }

    pub(crate) fn user_by_id(&self, id: &str) -> Option<Cow<'_, User>> {
        self.users.position_by_id(id).and_then(|p| self.users.at(p))
    }

    /// A user deleted from the org, by JumpCloud id (the latest, if the id recurs).
    pub(crate) fn deleted_user(&self, id: &str) -> Option<&User> {
        self.deleted.iter().rev().find(|u| u.id == id)
    }

    pub(crate) fn group(&self, name: &str) -> Result<&Group, DirectoryError> {
        self.groups.iter().find(|g| g.name == name).ok_or_else(|| DirectoryError::NoGroup(name.into()))
    }

    pub(crate) fn group_by_id(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// A user by JumpCloud id, for changes that are not keyed by username
    /// (the inbound SCIM API renames users and sets inbound-only fields).
    pub(crate) fn user_by_id_mut(&mut self, id: &str) -> Option<UserMut<'_>> {
        let pos = self.users.position_by_id(id)?;
        self.users.get_mut(pos)
    }

    fn user_mut(&mut self, username: &str) -> Result<UserMut<'_>, DirectoryError> {
        let pos = self.users.position_by_username(username);
        pos.and_then(|p| self.users.get_mut(p)).ok_or_else(|| DirectoryError::NoUser(username.into()))
    }

    fn group_mut(&mut self, name: &str) -> Result<&mut Group, DirectoryError> {
        self.groups.iter_mut().find(|g| g.name == name).ok_or_else(|| DirectoryError::NoGroup(name.into()))
    }

    fn insert_user(&mut self, user: User) {
        self.users.push(user);
    }

    /// Add a user from a spec; joins the spec's `groups`.
    pub(crate) fn create_user(&mut self, spec: &UserSpec) -> Result<JcId, DirectoryError> {
        let username =
            spec.username.clone().ok_or_else(|| DirectoryError::Invalid("a user needs a username".into()))?;
        let email = spec.email.clone().ok_or_else(|| DirectoryError::Invalid("a user needs an email".into()))?;
        check_username(&username).map_err(DirectoryError::Invalid)?;
        check_email(&email).map_err(DirectoryError::Invalid)?;
        if self.users.position_by_username(&username).is_some() {
            return Err(DirectoryError::UserExists(username));
        }
        let id = self.new_id();
        let mut user =
            User { id: id.clone(), username: username.as_str().into(), email: email.into(), ..User::default() };
        apply_attrs(&mut user, spec);
        self.insert_user(user);
        for g in &spec.groups {
            self.add_member(&username, g)?;
        }
        Ok(id)
    }

    /// Overwrite the attributes given in `set`.
    pub(crate) fn update_user(&mut self, username: &str, set: &UserSpec) -> Result<(), DirectoryError> {
        if let Some(email) = &set.email {
            check_email(email).map_err(DirectoryError::Invalid)?;
        }
        let mut user = self.user_mut(username)?;
        if let Some(email) = &set.email {
            user.email = email.as_str().into();
        }
        apply_attrs(&mut user, set);
        Ok(())
    }

    /// Remove a user from the org, its groups and the app.
    pub(crate) fn delete_user(&mut self, username: &str) -> Result<User, DirectoryError> {
        let user = self
            .users
            .position_by_username(username)
            .and_then(|p| self.users.remove(p))
            .ok_or_else(|| DirectoryError::NoUser(username.into()))?;
        for g in &mut self.groups {
            g.members.retain(|m| *m != user.id);
        }
        self.app.bound_users.remove(&user.id);
        self.deleted.push(user.clone());
        Ok(user)
    }

    pub(crate) fn set_state(&mut self, username: &str, state: UserState) -> Result<(), DirectoryError> {
        self.user_mut(username)?.state = state;
        Ok(())
    }

    pub(crate) fn create_group(&mut self, name: &str) -> Result<JcId, DirectoryError> {
        if self.groups.iter().any(|g| g.name == name) {
            return Err(DirectoryError::GroupExists(name.into()));
        }
        let id = self.new_id();
        self.groups.push(Group { id: id.clone(), name: name.to_string(), members: Vec::new() });
        Ok(id)
    }

    pub fn rename_group(&mut self, name: &str, to: &str) -> Result<(), DirectoryError> {
        if name != to && self.groups.iter().any(|g| g.name == to) {
            return Err(DirectoryError::GroupExists(to.into()));
        }
        self.group_mut(name)?.name = to.to_string();
        Ok(())
    }

    pub(crate) fn delete_group(&mut self, name: &str) -> Result<Group, DirectoryError> {
        let pos =
            self.groups.iter().position(|g| g.name == name).ok_or_else(|| DirectoryError::NoGroup(name.into()))?;
        let group = self.groups.remove(pos);
        self.app.bound_groups.remove(&group.id);
        Ok(group)
    }

    pub(crate) fn add_member(&mut self, username: &str, group: &str) -> Result<(), DirectoryError> {
        let uid = self.user(username)?.id.clone();
        let g = self.group_mut(group)?;
        if !g.members.contains(&uid) {
            g.members.push(uid);
        }
        Ok(())
    }

    pub fn remove_member(&mut self, username: &str, group: &str) -> Result<(), DirectoryError> {
        let uid = self.user(username)?.id.clone();
        self.group_mut(group)?.members.retain(|m| *m != uid);
        Ok(())
    }

    pub(crate) fn bind_user(&mut self, username: &str) -> Result<(), DirectoryError> {
        let id = self.user(username)?.id.clone();
        self.app.bound_users.insert(id);
        Ok(())
    }

    pub(crate) fn unbind_user(&mut self, username: &str) -> Result<(), DirectoryError> {
        let id = self.user(username)?.id.clone();
        self.app.bound_users.remove(&id);
        Ok(())
    }

    pub fn bind_group(&mut self, name: &str) -> Result<(), DirectoryError> {
        let id = self.group(name)?.id.clone();
        self.app.bound_groups.insert(id);
        Ok(())
    }

    pub(crate) fn unbind_group(&mut self, name: &str) -> Result<(), DirectoryError> {
        let id = self.group(name)?.id.clone();
        self.app.bound_groups.remove(&id);
        Ok(())
    }

    /// The user is bound to the app directly or through a bound group [C].
    /// Every bound user id (directly or through a bound group), in one pass:
    /// a sync asks for every user, and asking `is_bound` per user is quadratic.
    pub(crate) fn bound_user_ids(&self) -> std::collections::HashSet<&str> {
        let mut out: std::collections::HashSet<&str> = self.app.bound_users.iter().map(Text::as_str).collect();
        for g in self.bound_groups() {
            out.extend(g.members.iter().map(Text::as_str));
        }
        out
    }

    pub(crate) fn is_bound(&self, user_id: &str) -> bool {
        self.app.bound_users.contains(user_id)
            || self
                .groups
                .iter()
                .any(|g| self.app.bound_groups.contains(&g.id) && g.members.iter().any(|m| m == user_id))
    }

    /// Bound groups, in directory order.
    pub(crate) fn bound_groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.iter().filter(|g| self.app.bound_groups.contains(&g.id))
    }
}

/// Deterministic JumpCloud-style ids: a seed and a counter through splitmix64.
/// Cheap to clone, so a directory can be copied to preview an action.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct IdGen {
    seed: u64,
    counter: u64,
}

impl IdGen {
    pub(crate) fn new(seed: u64) -> Self {
        IdGen { seed, counter: 0 }
    }

    /// The next 24-hex-character id.
    pub(crate) fn next_id(&mut self) -> JcId {
        self.counter += 1;
        let hi = splitmix64(self.seed ^ self.counter.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let lo = splitmix64(hi) as u32;
        compact_str::format_compact!("{hi:016x}{lo:08x}")
    }
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl From<UserStateSpec> for UserState {
    fn from(s: UserStateSpec) -> Self {
        match s {
            UserStateSpec::Activated => UserState::Activated,
            UserStateSpec::Staged => UserState::Staged,
            UserStateSpec::Suspended => UserState::Suspended,
        }
    }
}

/// Overwrite `user`'s attributes with those `spec` gives.
pub(crate) fn apply_attrs(user: &mut User, spec: &UserSpec) {
    for a in attrs::TEXT {
        if let Some(v) = (a.spec)(spec) {
            a.set(user, v);
        }
    }
    if let Some(a) = &spec.address {
        user.address = attrs::address_from(a);
    }
    if let Some(state) = spec.state {
        user.state = state.into();
    }
    if let Some(p) = spec.password_expired {
        user.password_expired = p;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_jumpcloud_rules() {
        assert!(check_username("alice.o-b_1").is_ok());
        assert!(check_username("").is_err());
        assert!(check_username("a@b.com").unwrap_err().contains("email"));
        assert!(check_username("al ice").unwrap_err().contains("` `"));
        assert!(check_username(&"a".repeat(1024)).is_ok());
        assert!(check_username(&"a".repeat(1025)).is_err());
    }

    #[test]
    fn emails_need_a_dotted_domain() {
        assert!(check_email("first.last+jc@example.com").is_ok());
        assert!(check_email("nope").is_err());
        assert!(check_email("a@b").is_err());
        assert!(check_email("a@@b.com").is_err());
    }
}
