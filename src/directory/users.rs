//! The org's users, in directory order. A generated user that was never
//! changed is not stored: it is rebuilt from its batch when read, so an org
//! of 100,000 generated users costs a few bytes per user. A user that is
//! created, or changed after generation, is stored whole.

use super::generate::Batch;
use super::{JcId, User, UserState};
use crate::names::Tag;
use std::borrow::Cow;
use std::collections::HashSet;

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
pub struct Entry {
    pub pos: usize,
    pub id: JcId,
    pub state: UserState,
    pub password_expired: bool,
}

/// The org's users. Reads hand out `Cow<User>`: borrowed when the user is
/// stored, owned when it was rebuilt from its batch.
#[derive(Debug, Clone, Default)]
pub struct Users {
    slots: Vec<Slot>,
    /// Generated blocks and the position of their first user.
    batches: Vec<(Batch, usize)>,
    live: usize,
}

impl Users {
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The user at `pos`, if there is one.
    pub fn at(&self, pos: usize) -> Option<Cow<'_, User>> {
        match self.slots.get(pos)? {
            Slot::Gen(b, i) => Some(Cow::Owned(self.batches[*b as usize].0.user(*i as usize))),
            Slot::Own(u) => Some(Cow::Borrowed(u)),
            Slot::Gone => None,
        }
    }

    /// Every user, in directory order.
    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, User>> + '_ {
        (0..self.slots.len()).filter_map(|p| self.at(p))
    }

    /// Every user's position, id and state, without building the users.
    pub fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
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
    pub fn usernames(&self) -> impl Iterator<Item = Cow<'_, str>> + '_ {
        self.slots.iter().filter_map(|slot| match slot {
            Slot::Gen(b, i) => Some(Cow::Owned(self.batches[*b as usize].0.username(*i as usize))),
            Slot::Own(u) => Some(Cow::Borrowed(u.username.as_str())),
            Slot::Gone => None,
        })
    }

    /// The position of the user with id `id`.
    pub fn position_by_id(&self, id: &str) -> Option<usize> {
        // A generated id names its position; anything else is searched.
        match self.generated_position(id) {
            Some(pos) => match &self.slots[pos] {
                Slot::Gen(..) => Some(pos),
                Slot::Own(u) if u.id == id => Some(pos),
                _ => None,
            },
            None => self.slots.iter().position(|s| matches!(s, Slot::Own(u) if u.id == id)),
        }
    }

    /// Where the generated user with id `id` was placed, if `id` is one of a
    /// batch's ids (whatever became of the user since).
    fn generated_position(&self, id: &str) -> Option<usize> {
        self.batches.iter().find_map(|(batch, first)| batch.index_of(id).map(|i| first + i))
    }

    /// The position of the user named `username`.
    pub fn position_by_username(&self, username: &str) -> Option<usize> {
        // Usernames are unique: stored users first (a comparison each), then
        // generated ones (a username rebuilt each, about 1 µs).
        let stored = self.slots.iter().position(|slot| matches!(slot, Slot::Own(u) if u.username == username));
        stored.or_else(|| {
            self.slots.iter().position(|slot| match slot {
                Slot::Gen(b, i) => self.batches[*b as usize].0.username(*i as usize) == username,
                _ => false,
            })
        })
    }

    /// The user at `pos`, to change: a generated user is stored from now on.
    pub fn get_mut(&mut self, pos: usize) -> Option<&mut User> {
        let slot = self.slots.get_mut(pos)?;
        if let Slot::Gen(b, i) = *slot {
            *slot = Slot::Own(Box::new(self.batches[b as usize].0.user(i as usize)));
        }
        match slot {
            Slot::Own(u) => Some(u),
            _ => None,
        }
    }

    pub fn push(&mut self, user: User) {
        self.slots.push(Slot::Own(Box::new(user)));
        self.live += 1;
    }

    /// Remove the user at `pos`.
    pub fn remove(&mut self, pos: usize) -> Option<User> {
        let user = self.at(pos)?.into_owned();
        self.slots[pos] = Slot::Gone;
        self.live -= 1;
        Some(user)
    }

    /// Append a block of `n` generated users in `state`, whose usernames avoid
    /// every current one. Returns their positions.
    pub fn generate(
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
        first..first + len
    }

    /// Tells whether a user id is in the org, for many ids: stored users are
    /// hashed, generated ones found from their id.
    pub fn id_index(&self) -> IdIndex<'_> {
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
    pub fn id_at(&self, pos: usize) -> Option<JcId> {
        match self.slots.get(pos)? {
            Slot::Gen(b, i) => Some(self.batches[*b as usize].0.id(*i as usize)),
            Slot::Own(u) => Some(u.id.clone()),
            Slot::Gone => None,
        }
    }
}

/// Membership by id, without building a set of every id.
pub struct IdIndex<'a> {
    users: &'a Users,
    stored: HashSet<&'a str>,
}

impl IdIndex<'_> {
    pub fn contains(&self, id: &str) -> bool {
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
