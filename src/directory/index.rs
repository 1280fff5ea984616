//! Where a user is, by id, username, email or externalId: a hash of the
//! value, folded as a SCIM filter folds it, to positions. A hit is only a
//! candidate that the caller checks against the user, so a hash collision
//! costs a comparison, never a wrong answer.

use std::collections::BTreeSet;
use std::sync::OnceLock;

/// What a user is looked up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Id,
    Username,
    Email,
    ExternalId,
}

impl Key {
    pub(super) const ALL: [Key; 4] = [Key::Id, Key::Username, Key::Email, Key::ExternalId];
}

/// The value folded as `scim::filter` folds a case-insensitive string
/// (ASCII lowercase, else Unicode lowercase), hashed with FNV-1a. Values
/// equal ignoring ASCII case fold alike too.
pub(super) fn fold_hash(key: Key, value: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ key as u64;
    let mut eat = |bytes: &mut dyn Iterator<Item = u8>| {
        for b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    if value.is_ascii() {
        eat(&mut value.bytes().map(|b| b.to_ascii_lowercase()));
    } else {
        eat(&mut value.to_lowercase().bytes());
    }
    h
}

/// `a` and `b` are equal once folded (see [`fold_hash`]).
pub(super) fn fold_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() { a.eq_ignore_ascii_case(b) } else { a.to_lowercase() == b.to_lowercase() }
}

/// One (hash, position) set per key, each built on first use: an org of
/// generated users that is never searched pays nothing for it.
#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    sets: [OnceLock<BTreeSet<(u64, usize)>>; 4],
}

impl Index {
    /// Positions whose `key` may fold to `value`, in order; `build` makes
    /// the set from every user the first time it is needed.
    pub(super) fn candidates(
        &self,
        key: Key,
        value: &str,
        build: impl FnOnce() -> BTreeSet<(u64, usize)>,
    ) -> impl Iterator<Item = usize> + '_ {
        let h = fold_hash(key, value);
        self.sets[key as usize].get_or_init(build).range((h, 0)..=(h, usize::MAX)).map(|&(_, pos)| pos)
    }

    /// Record that the user at `pos` has `value` for `key` (empty values are not indexed).
    pub(super) fn insert(&mut self, key: Key, value: &str, pos: usize) {
        if let Some(set) = self.sets[key as usize].get_mut().filter(|_| !value.is_empty()) {
            set.insert((fold_hash(key, value), pos));
        }
    }

    pub(super) fn remove(&mut self, key: Key, value: &str, pos: usize) {
        if let Some(set) = self.sets[key as usize].get_mut().filter(|_| !value.is_empty()) {
            set.remove(&(fold_hash(key, value), pos));
        }
    }

    /// Forget every set: they are rebuilt on next use.
    pub(super) fn reset(&mut self) {
        *self = Index::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_matches_ascii_and_unicode_case() {
        assert_eq!(fold_hash(Key::Email, "Ann@X.test"), fold_hash(Key::Email, "ann@x.TEST"));
        assert_eq!(fold_hash(Key::Username, "ÉLODIE"), fold_hash(Key::Username, "élodie"));
        assert_ne!(fold_hash(Key::Username, "ann"), fold_hash(Key::Email, "ann"));
        assert!(fold_eq("ÉLODIE", "élodie") && fold_eq("Ann", "aNN") && !fold_eq("ann", "anna"));
    }

    #[test]
    fn only_built_sets_are_maintained() {
        let mut index = Index::default();
        index.insert(Key::Username, "ann", 3);
        let built: Vec<usize> = index.candidates(Key::Username, "ANN", BTreeSet::new).collect();
        assert!(built.is_empty(), "the insert before the build is the builder's job");
        index.insert(Key::Username, "ann", 3);
        index.insert(Key::Username, "", 4);
        assert_eq!(index.candidates(Key::Username, "Ann", BTreeSet::new).collect::<Vec<_>>(), [3]);
        index.remove(Key::Username, "ann", 3);
        assert_eq!(index.candidates(Key::Username, "ann", BTreeSet::new).count(), 0);
    }
}
