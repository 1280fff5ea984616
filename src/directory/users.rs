//! The org's users, in directory order. A generated user that was never
//! changed is not stored: it is rebuilt from its batch when read, so an org
//! of 100,000 generated users costs a few bytes per user. A user that is
//! created, or changed after generation, is stored whole. Lookups by id,
//! username, email and externalId go through an index (`index.rs`), and
//! changes can be collected for the state journal ([`UserChange`]).

use super::generate::Batch;
use super::index::{Index, Key, fold_eq};
use super::{JcId, User, UserState};
use crate::names::Tag;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashSet};

#[derive(Debug, Clone)]
enum Slot {
    /// An unchanged generated user: batch number and index in the batch.
    Gen(u32, u32),
    Own(Box<User>),
    /// A deleted user. Positions never shift, so a generated user's
    /// position follows from its id.
    Gone,
}

/// What a sync needs to know of a user before it builds the user.
pub(crate) struct Entry {
    pub(crate) pos: usize,
    pub(crate) id: JcId,
    pub(crate) state: UserState,
    pub(crate) password_expired: bool,
}

/// One user's change, as the state journal keeps it: by id, so it applies
/// to a directory loaded from a snapshot whatever the positions there.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum UserChange {
    /// The user is now this (created, or changed).
    Put(Box<User>),
    /// The user with this id is gone.
    Remove(JcId),
}

/// The org's users. Reads hand out `Cow<User>`: borrowed when the user is
/// stored, owned when it was rebuilt from its batch.
#[derive(Debug, Clone, Default)]
pub(crate) struct Users {
    slots: Vec<Slot>,
    /// Generated blocks and the position of their first user.
    batches: Vec<(Batch, usize)>,
    live: usize,
    /// Ids of stored users (generated ones are found from their id) and every
    /// user's username, email and externalId.
    index: Index,
    /// Changes since the last `take_changes`, when tracked: the position and
    /// the id the user had.
    changes: Option<Vec<(usize, JcId)>>,
    /// A change a `UserChange` cannot express (a generated block) happened.
    untracked: bool,
}

/// A key's value of a user.
fn field(u: &User, key: Key) -> &str {
    match key {
        Key::Id => &u.id,
        Key::Username => &u.username,
        Key::Email => &u.email,
        Key::ExternalId => &u.external_id,
    }
}

impl Users {
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    /// The user at `pos`, if there is one.
    pub(crate) fn at(&self, pos: usize) -> Option<Cow<'_, User>> {
        match self.slots.get(pos)? {
            Slot::Gen(b, i) => Some(Cow::Owned(self.batches[*b as usize].0.user(*i as usize))),
            Slot::Own(u) => Some(Cow::Borrowed(u)),
            Slot::Gone => None,
        }
    }

    /// Every user, in directory order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Cow<'_, User>> + '_ {
        (0..self.slots.len()).filter_map(|p| self.at(p))
    }

    /// Every user's position, in directory order, without building the users.
    pub(crate) fn positions(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots.iter().enumerate().filter(|(_, s)| !matches!(s, Slot::Gone)).map(|(p, _)| p)
    }

    /// Every user's position, id and state, without building the users.
    pub(crate) fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.slots.iter().enumerate().filter_map(|(pos, slot)| match slot {
            Slot::Gen(b, i) => {
                let batch = &self.batches[*b as usize].0;
                Some(Entry { pos, id: batch.id(*i as usize), state: batch.state(), password_expired: false })
            }
            Slot::Own(u) => Some(Entry { pos, id: u.id.clone(), state: u.state, password_expired: u.password_expired }),
            Slot::Gone => None,
        })
    }

    /// Every username, without building the users.
    pub(crate) fn usernames(&self) -> impl Iterator<Item = Cow<'_, str>> + '_ {
        (0..self.slots.len()).filter_map(|p| self.value(Key::Username, p))
    }

    /// The `key` of the user at `pos`, building only that value.
    fn value(&self, key: Key, pos: usize) -> Option<Cow<'_, str>> {
        match (self.slots.get(pos)?, key) {
            (Slot::Own(u), key) => Some(Cow::Borrowed(field(u, key))),
            (Slot::Gen(b, i), Key::Id) => Some(Cow::Owned(self.batches[*b as usize].0.id(*i as usize).into())),
            (Slot::Gen(b, i), Key::Username) => Some(Cow::Owned(self.batches[*b as usize].0.username(*i as usize))),
            (Slot::Gen(b, i), Key::Email) => Some(Cow::Owned(self.batches[*b as usize].0.email(*i as usize).into())),
            (Slot::Gen(..), Key::ExternalId) | (Slot::Gone, _) => None,
        }
    }

    /// The index set of `key`, from every user. Generated users have no
    /// externalId, and their ids are found from the id itself (`position_by_id`).
    fn build(&self, key: Key) -> BTreeSet<(u64, usize)> {
        (0..self.slots.len())
            .filter(|&p| key != Key::Id || matches!(self.slots[p], Slot::Own(_)))
            .filter_map(|p| self.value(key, p).filter(|v| !v.is_empty()).map(|v| (super::index::fold_hash(key, &v), p)))
            .collect()
    }

    /// Positions of the users whose `key` equals `value` ignoring case (an
    /// id: exactly), in directory order. Indexed: built on first use, about
    /// 1 µs a generated user, then a lookup.
    pub(crate) fn find(&self, key: Key, value: &str) -> Vec<usize> {
        if key == Key::Id {
            return self.position_by_id(value).into_iter().collect();
        }
        self.index
            .candidates(key, value, || self.build(key))
            .filter(|&p| self.value(key, p).is_some_and(|v| fold_eq(&v, value)))
            .collect()
    }

    /// The position of the user with id `id`.
    pub(crate) fn position_by_id(&self, id: &str) -> Option<usize> {
        // A generated id names its position; the others are indexed.
        match self.generated_position(id) {
            Some(pos) => match &self.slots[pos] {
                Slot::Gen(..) => Some(pos),
                Slot::Own(u) if u.id == id => Some(pos),
                _ => None,
            },
            None => self
                .index
                .candidates(Key::Id, id, || self.build(Key::Id))
                .find(|&p| matches!(&self.slots[p], Slot::Own(u) if u.id == id)),
        }
    }

    /// Where the generated user with id `id` was placed, if `id` is one of a
    /// batch's ids (whatever became of the user since).
    fn generated_position(&self, id: &str) -> Option<usize> {
        self.batches.iter().find_map(|(batch, first)| batch.index_of(id).map(|i| first + i))
    }

    /// The position of the user named exactly `username`.
    pub(crate) fn position_by_username(&self, username: &str) -> Option<usize> {
        self.index
            .candidates(Key::Username, username, || self.build(Key::Username))
            .find(|&p| self.value(Key::Username, p).is_some_and(|v| v == username))
    }

    /// The user at `pos`, to change: a generated user is stored from now on.
    /// The index follows the change when the returned guard is dropped.
    pub(crate) fn get_mut(&mut self, pos: usize) -> Option<UserMut<'_>> {
        let slot = self.slots.get_mut(pos)?;
        let was_generated = matches!(slot, Slot::Gen(..));
        if let Slot::Gen(b, i) = *slot {
            *slot = Slot::Own(Box::new(self.batches[b as usize].0.user(i as usize)));
        }
        let Slot::Own(user) = slot else {
            return None;
        };
        if let Some(changes) = &mut self.changes {
            changes.push((pos, user.id.clone()));
        }
        let mut before = Key::ALL.map(|k| JcId::from(field(user, k)));
        if was_generated {
            before[Key::Id as usize] = JcId::default(); // generated ids are not in the index
        }
        Some(UserMut { user, pos, before, index: &mut self.index })
    }

    pub(crate) fn push(&mut self, user: User) {
        let pos = self.slots.len();
        for key in Key::ALL {
            self.index.insert(key, field(&user, key), pos);
        }
        if let Some(changes) = &mut self.changes {
            changes.push((pos, user.id.clone()));
        }
        self.slots.push(Slot::Own(Box::new(user)));
        self.live += 1;
    }

    /// Remove the user at `pos`.
    pub(crate) fn remove(&mut self, pos: usize) -> Option<User> {
        let stored = matches!(self.slots.get(pos), Some(Slot::Own(_)));
        let user = self.at(pos)?.into_owned();
        for key in Key::ALL.into_iter().filter(|&k| stored || k != Key::Id) {
            self.index.remove(key, field(&user, key), pos);
        }
        if let Some(changes) = &mut self.changes {
            changes.push((pos, user.id.clone()));
        }
        self.slots[pos] = Slot::Gone;
        self.live -= 1;
        Some(user)
    }

    /// Append a block of `n` generated users in `state`, whose usernames avoid
    /// every current one. Returns their positions.
    pub(crate) fn generate(
        &mut self,
        seed: u64,
        n: usize,
        domain: &str,
        state: UserState,
        tag: Option<&Tag>,
    ) -> std::ops::Range<usize> {
        let batch = {
            let taken: Vec<Cow<'_, str>> = self.usernames().collect();
            Batch::new(seed, n, domain, state, taken.iter().map(|s| s.as_ref())).with_tag(tag.cloned())
        };
        let (b, first, len) = (self.batches.len() as u32, self.slots.len(), batch.len());
        self.slots.extend((0..len as u32).map(|i| Slot::Gen(b, i)));
        self.batches.push((batch, first));
        self.live += len;
        // Rebuilt on next use, rather than building every new user now.
        self.index.reset();
        self.untracked |= self.changes.is_some();
        first..first + len
    }

    /// Collect changes from now on, for [`Users::take_changes`].
    pub(crate) fn track_changes(&mut self) {
        self.changes.get_or_insert_with(Vec::new);
    }

    /// What changed since the last call (or since tracking started), in
    /// order: `None` when a change cannot be told user by user (a generated
    /// block was added), so the whole list must be saved.
    pub(crate) fn take_changes(&mut self) -> Option<Vec<UserChange>> {
        let raw = self.changes.as_mut().map(std::mem::take).unwrap_or_default();
        if std::mem::take(&mut self.untracked) {
            return None;
        }
        let (mut put, mut removed, mut out) = (HashSet::new(), HashSet::new(), Vec::new());
        for (pos, id) in raw {
            let now = self.at(pos);
            if now.as_ref().is_none_or(|u| u.id != id) && removed.insert(id.clone()) {
                out.push(UserChange::Remove(id));
            }
            if let Some(u) = now.filter(|_| put.insert(pos)) {
                out.push(UserChange::Put(Box::new(u.into_owned())));
            }
        }
        Some(out)
    }

    /// Apply a change from the journal: a user is replaced where it is (by
    /// id) or appended; a removed user that is not there is no error.
    pub(crate) fn apply(&mut self, change: UserChange) {
        match change {
            UserChange::Put(user) => match self.position_by_id(&user.id) {
                Some(pos) => {
                    if let Some(mut slot) = self.get_mut(pos) {
                        *slot = *user;
                    }
                }
                None => self.push(*user),
            },
            UserChange::Remove(id) => {
                if let Some(pos) = self.position_by_id(&id) {
                    self.remove(pos);
                }
            }
        }
    }

    /// Tells whether a user id is in the org, for many ids: stored users are
    /// hashed, generated ones found from their id.
    pub(crate) fn id_index(&self) -> IdIndex<'_> {
        let stored = self
            .slots
            .iter()
            .filter_map(|s| match s {
                Slot::Own(u) => Some(u.id.as_str()),
                _ => None,
            })
            .collect();
        IdIndex { users: self, stored }
    }

    /// The id of the user at `pos`.
    pub(crate) fn id_at(&self, pos: usize) -> Option<JcId> {
        match self.slots.get(pos)? {
            Slot::Gen(b, i) => Some(self.batches[*b as usize].0.id(*i as usize)),
            Slot::Own(u) => Some(u.id.clone()),
            Slot::Gone => None,
        }
    }
}

/// A stored user being changed (from [`Users::get_mut`]). When it is
/// dropped, the index follows a changed id, username, email or externalId.
pub(crate) struct UserMut<'a> {
    user: &'a mut User,
    pos: usize,
    /// The indexed values before the change.
    before: [JcId; 4],
    index: &'a mut Index,
}

impl std::ops::Deref for UserMut<'_> {
    type Target = User;
    fn deref(&self) -> &User {
        self.user
    }
}

impl std::ops::DerefMut for UserMut<'_> {
    fn deref_mut(&mut self) -> &mut User {
        self.user
    }
}

impl Drop for UserMut<'_> {
    fn drop(&mut self) {
        for (key, before) in Key::ALL.into_iter().zip(&self.before) {
            let now = field(self.user, key);
            if now != before.as_str() {
                self.index.remove(key, before, self.pos);
                self.index.insert(key, now, self.pos);
            }
        }
    }
}

/// Membership by id, without building a set of every id.
pub(crate) struct IdIndex<'a> {
    users: &'a Users,
    stored: HashSet<&'a str>,
}

impl IdIndex<'_> {
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.stored.contains(id)
            || self.users.generated_position(id).is_some_and(|pos| matches!(self.users.slots[pos], Slot::Gen(..)))
    }
}

/// Persisted as the list of users (console state); read back, every user is stored.
impl serde::Serialize for Users {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Users {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Users, D::Error> {
        let users = Vec::<User>::deserialize(d)?;
        Ok(users.into_iter().collect())
    }
}

impl FromIterator<User> for Users {
    fn from_iter<I: IntoIterator<Item = User>>(iter: I) -> Users {
        let mut users = Users::default();
        for u in iter {
            users.push(u);
        }
        users
    }
}

/// Ids of users, for group membership: `JcId`.
pub(super) fn ids(users: &Users, range: std::ops::Range<usize>) -> impl Iterator<Item = JcId> + '_ {
    range.filter_map(|p| users.id_at(p))
}

#[cfg(test)]
impl Users {
    pub(crate) fn is_empty(&self) -> bool {
        self.live == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> User {
        User {
            id: compact_str::format_compact!("{name:0>24}"),
            username: name.into(),
            email: format!("{name}@x.test").into(),
            ..User::default()
        }
    }

    #[test]
    fn generated_users_are_read_found_changed_and_removed() {
        let mut users = Users::default();
        users.push(user("alice"));
        let range = users.generate(7, 100, "x.test", UserState::Staged, None);
        assert_eq!(range, 1..101);
        assert_eq!(users.len(), 101);
        let u = users.at(40).unwrap().into_owned();
        assert_eq!(u.state, UserState::Staged);
        assert_eq!(users.position_by_id(&u.id), Some(40));
        assert_eq!(users.position_by_username(&u.username), Some(40));
        assert_eq!(users.position_by_id("alice"), None);
        assert_eq!(users.position_by_id(&users.id_at(0).unwrap()), Some(0));
        // Changed: stored, and still found by its id.
        users.get_mut(40).unwrap().firstname = "Changed".into();
        assert_eq!(users.at(40).unwrap().firstname, "Changed");
        assert_eq!(users.position_by_id(&u.id), Some(40));
        // Removed: gone, positions of the others unchanged.
        let gone = users.remove(41).unwrap();
        assert_eq!(users.len(), 100);
        assert_eq!(users.position_by_id(&gone.id), None);
        assert!(users.at(41).is_none());
        assert_eq!(users.at(42).unwrap().id, users.id_at(42).unwrap());
        assert_eq!(users.iter().count(), 100);
        assert_eq!(users.entries().count(), 100);
        assert_eq!(users.usernames().count(), 100);
        assert!(users.remove(41).is_none());
    }

    #[test]
    fn a_second_batch_avoids_the_first_batchs_names() {
        let mut users = Users::default();
        users.generate(1, 500, "x.test", UserState::Activated, None);
        users.generate(1, 500, "x.test", UserState::Activated, None);
        let names: std::collections::HashSet<_> = users.usernames().collect();
        assert_eq!(names.len(), 1000);
    }

    #[test]
    fn persisted_as_a_list_of_users() {
        let mut users = Users::default();
        users.generate(3, 5, "x.test", UserState::Activated, None);
        users.push(user("bob"));
        let text = serde_json::to_string(&users).unwrap();
        let back: Users = serde_json::from_str(&text).unwrap();
        assert_eq!(back.iter().collect::<Vec<_>>(), users.iter().collect::<Vec<_>>());
        assert_eq!(back.len(), 6);
    }
}

#[cfg(test)]
mod index_tests {
    //! The index against a linear scan, and journaled changes against the
    //! users they came from, over seeded random operations.
    use super::*;
    use crate::directory::Text;
    use crate::directory::index::fold_eq;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    const NAMES: &[&str] = &["ann", "Ann", "bob", "BOB", "élodie", "ÉLODIE", "zoë", "x.y", "ann2"];

    fn random_user(rng: &mut StdRng, n: usize) -> User {
        let name = NAMES[rng.random_range(0..NAMES.len())];
        User {
            id: compact_str::format_compact!("{:024x}", 0xabc000 + n),
            username: name.into(),
            email: format!("{}@x.test", NAMES[rng.random_range(0..NAMES.len())]).into(),
            external_id: if rng.random_bool(0.5) { name.to_uppercase().into() } else { Text::default() },
            ..User::default()
        }
    }

    fn random_op(users: &mut Users, rng: &mut StdRng, n: usize) {
        let live: Vec<usize> = users.positions().collect();
        let pick = |rng: &mut StdRng| live.get(rng.random_range(0..live.len().max(1))).copied();
        match rng.random_range(0..10) {
            0..=2 => users.push(random_user(rng, n)),
            3 if n.is_multiple_of(7) => {
                users.generate(1000 + n as u64, 5, "gen.test", UserState::Activated, None);
            }
            3 | 4 => {
                if let Some(mut u) = pick(rng).and_then(|p| users.get_mut(p)) {
                    u.username = NAMES[n % NAMES.len()].into();
                    u.email = format!("{}@y.test", NAMES[(n / 3) % NAMES.len()]).into();
                    u.external_id = NAMES[(n / 5) % NAMES.len()].into();
                }
            }
            5 => {
                if let Some(mut u) = pick(rng).and_then(|p| users.get_mut(p)) {
                    u.firstname = "Changed".into();
                }
            }
            6 | 7 => {
                if let Some(p) = pick(rng) {
                    users.remove(p);
                }
            }
            8 => users.apply(UserChange::Put(Box::new(random_user(rng, n % 5)))),
            _ => {
                if let Some(id) = pick(rng).and_then(|p| users.id_at(p)) {
                    users.apply(UserChange::Remove(id));
                }
            }
        }
    }

    /// Every lookup agrees with reading every user.
    fn assert_index_agrees(users: &Users, step: usize) {
        let all: Vec<(usize, User)> =
            users.positions().filter_map(|p| users.at(p).map(|u| (p, u.into_owned()))).collect();
        let mut probes: Vec<String> = NAMES.iter().map(|n| n.to_string()).collect();
        for (_, u) in &all {
            probes.extend([
                u.username.to_string(),
                u.email.as_str().to_uppercase(),
                u.external_id.to_string(),
                u.id.to_string(),
            ]);
        }
        for v in &probes {
            for key in [Key::Username, Key::Email, Key::ExternalId] {
                let linear: Vec<usize> = all
                    .iter()
                    .filter(|(_, u)| !field(u, key).is_empty() && fold_eq(field(u, key), v))
                    .map(|(p, _)| *p)
                    .collect();
                assert_eq!(users.find(key, v), linear, "step {step}: {key:?} {v:?}");
            }
            let by_name = all.iter().find(|(_, u)| u.username == v.as_str()).map(|(p, _)| *p);
            assert_eq!(users.position_by_username(v), by_name, "step {step}: username {v:?}");
            let by_id = all.iter().find(|(_, u)| u.id == v.as_str()).map(|(p, _)| *p);
            assert_eq!(users.position_by_id(v), by_id, "step {step}: id {v:?}");
        }
        assert_eq!(users.len(), all.len());
    }

    #[test]
    fn the_index_agrees_with_a_linear_scan_over_random_operations() {
        for seed in 0..8 {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut users = Users::default();
            users.generate(seed, 20, "gen.test", UserState::Staged, None);
            for step in 0..150 {
                random_op(&mut users, &mut rng, step);
                // Look up now and then only: sets built mid-way must then be maintained.
                if step % 5 == seed as usize % 5 {
                    assert_index_agrees(&users, step);
                }
            }
            assert_index_agrees(&users, 150);
        }
    }

    #[test]
    fn changes_applied_to_a_saved_copy_give_the_same_users() {
        for seed in 0..8 {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut users = Users::default();
            users.track_changes();
            users.generate(seed, 20, "gen.test", UserState::Staged, None);
            assert_eq!(users.take_changes(), None, "a generated block is not told user by user");
            let mut copy: Users = serde_json::from_str(&serde_json::to_string(&users).unwrap()).unwrap();
            for step in 0..150 {
                random_op(&mut users, &mut rng, step + 1);
                if step % 3 == 0 {
                    match users.take_changes() {
                        Some(changes) => changes.into_iter().for_each(|c| copy.apply(c)),
                        None => copy = serde_json::from_str(&serde_json::to_string(&users).unwrap()).unwrap(),
                    }
                    assert_eq!(
                        copy.iter().collect::<Vec<_>>(),
                        users.iter().collect::<Vec<_>>(),
                        "seed {seed} step {step}"
                    );
                    assert_index_agrees(&copy, step);
                }
            }
        }
    }

    #[test]
    fn generated_users_are_found_by_username_and_email_without_being_stored() {
        let mut users = Users::default();
        users.generate(5, 300, "x.test", UserState::Activated, None);
        let u = users.at(123).unwrap().into_owned();
        assert_eq!(users.find(Key::Username, &u.username.to_uppercase()), [123]);
        assert_eq!(users.find(Key::Email, &u.email), [123]);
        assert_eq!(users.find(Key::Id, &u.id), [123]);
        assert!(users.slots.iter().all(|s| matches!(s, Slot::Gen(..))), "lookups store nothing");
    }
}
