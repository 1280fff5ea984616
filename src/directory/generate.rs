//! Seeded fake users. The same seed gives the same users, byte for byte, and
//! the data deliberately includes valid-but-awkward values: apostrophes,
//! accented letters, non-Latin scripts and plus-addressed emails.
//!
//! A block of generated users is a [`Batch`]: a seed and a count. Every user
//! is derived from the seed and its index alone, so a large org is not held
//! in memory: a user is rebuilt when it is read (see `Users`). The only state
//! kept per user is the suffix of a username that clashed with an earlier one.

use super::{Address, JcId, Text, User, UserState, splitmix64};
use crate::names::Tag;
use compact_str::format_compact;
use fake::Fake;
use fake::faker::address::en::{CityName, StateAbbr, StreetName, ZipCode};
use fake::faker::company::en::{CompanyName, Profession};
use fake::faker::name::en::{FirstName, LastName};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};

/// Names that break naive SCIM servers: quoting, escaping and Unicode folding.
const AWKWARD: &[(&str, &str)] = &[
    ("Siobhán", "O'Brien"),
    ("José", "Muñoz"),
    ("Zoë", "D'Angelo"),
    ("Björn", "Åkesson"),
    ("Nguyễn", "Thị Minh"),
    ("Renée", "Lefèvre-Dubois"),
    ("Łukasz", "Żółć"),
    ("Ana", "de la Cruz"),
];

const DEPARTMENTS: &[&str] = &["Engineering", "Sales", "Marketing", "Finance", "Support", "R&D", "People Ops"];
const EMPLOYEE_TYPES: &[&str] = &["Full-time", "Part-time", "Contractor"];

/// A block of generated users: everything needed to rebuild user `i`.
#[derive(Debug, Clone)]
pub(super) struct Batch {
    seed: u64,
    len: u32,
    domain: Text,
    state: UserState,
    /// The first 18 hex characters of every id in the batch: an ObjectId's
    /// timestamp and random value; the last 6 are a counter, as in MongoDB.
    id_prefix: Text,
    counter0: u32,
    /// Index → the numeric suffix its username needed to be unique.
    suffixes: HashMap<u32, u32>,
    /// The run's namespace tag, appended to every username and email.
    tag: Option<Tag>,
}

/// The largest block: ids count in 24 bits.
pub(super) const MAX_BATCH: usize = 1 << 23;

impl Batch {
    /// A batch of `n` users with emails at `domain`, whose usernames avoid
    /// `taken` (and each other).
    pub(super) fn new<'a>(
        seed: u64,
        n: usize,
        domain: &str,
        state: UserState,
        taken: impl IntoIterator<Item = &'a str>,
    ) -> Batch {
        let n = n.min(MAX_BATCH);
        let time = 0x5f00_0000 + (splitmix64(seed) % 0x0a00_0000) as u32;
        let random = splitmix64(seed ^ 0x6a63) & 0xff_ffff_ffff;
        let counter0 = (splitmix64(seed ^ 0x7369) % (1 << 23)) as u32;
        let mut batch = Batch {
            seed,
            len: n as u32,
            domain: domain.into(),
            state,
            id_prefix: format_compact!("{time:08x}{random:010x}"),
            counter0,
            suffixes: HashMap::new(),
            tag: None,
        };
        // Names are compared by a 64-bit hash: a false clash only adds a suffix.
        let mut used: HashSet<u64> = taken.into_iter().map(name_hash).collect();
        used.reserve(n);
        let mut next_suffix: HashMap<String, u32> = HashMap::new();
        for i in 0..n {
            let (first, last) = Batch::names(&mut batch.rng(i), i);
            let base = base_name(&first, &last);
            if let Some(suffix) = unique(&base, &mut used, &mut next_suffix) {
                batch.suffixes.insert(i as u32, suffix);
            }
        }
        batch
    }

    /// Tag every username and email of the batch (run isolation).
    pub(super) fn with_tag(mut self, tag: Option<Tag>) -> Batch {
        self.tag = tag;
        self
    }

    pub(super) fn len(&self) -> usize {
        self.len as usize
    }

    pub(super) fn state(&self) -> UserState {
        self.state
    }

    /// The random stream of user `i`: independent of every other user.
    fn rng(&self, i: usize) -> StdRng {
        StdRng::seed_from_u64(splitmix64(self.seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)))
    }

    /// The id of user `i`.
    pub(super) fn id(&self, i: usize) -> JcId {
        format_compact!("{}{:06x}", self.id_prefix, self.counter0 + i as u32)
    }

    /// The index of the user with id `id`, if the id is one of this batch's.
    pub(super) fn index_of(&self, id: &str) -> Option<usize> {
        let counter = id.strip_prefix(self.id_prefix.as_str()).filter(|c| c.len() == 6)?;
        let counter = u32::from_str_radix(counter, 16).ok()?;
        let i = counter.checked_sub(self.counter0)?;
        (i < self.len && *id == self.id(i as usize)).then_some(i as usize)
    }

    fn names(rng: &mut StdRng, i: usize) -> (String, String) {
        if i % 4 == 1 {
            let (f, l) = AWKWARD[(i / 4) % AWKWARD.len()];
            (f.to_string(), l.to_string())
        } else {
            (FirstName().fake_with_rng(rng), LastName().fake_with_rng(rng))
        }
    }

    /// The unique name of user `i`, before any tag.
    fn finish_name(&self, i: usize, base: String) -> String {
        match self.suffixes.get(&(i as u32)) {
            Some(n) => format!("{base}{n}"),
            None => base,
        }
    }

    fn tagged_username(&self, name: String) -> String {
        match &self.tag {
            Some(t) => t.username(&name),
            None => name,
        }
    }

    /// The username of user `i`, without building the rest of the user.
    pub(super) fn username(&self, i: usize) -> String {
        let (first, last) = Batch::names(&mut self.rng(i), i);
        self.tagged_username(self.finish_name(i, base_name(&first, &last)))
    }

    /// The email of user `i`, without building the rest of the user.
    pub(super) fn email(&self, i: usize) -> Text {
        let (first, last) = Batch::names(&mut self.rng(i), i);
        self.email_of(i, &self.finish_name(i, base_name(&first, &last)))
    }

    /// The email of user `i`, from its untagged unique name.
    fn email_of(&self, i: usize, username: &str) -> Text {
        // Every fifth user has a plus-addressed email, as many admins use for tests.
        let plus = if i % 5 == 2 { "+jc" } else { "" };
        let domain = &self.domain;
        match &self.tag {
            Some(t) => t.email(&format!("{username}{plus}@{domain}")).into(),
            None => format_compact!("{username}{plus}@{domain}"),
        }
    }

    /// User `i`, as generated.
    pub(super) fn user(&self, i: usize) -> User {
        let rng = &mut self.rng(i);
        let (first, last) = Batch::names(rng, i);
        let username = self.finish_name(i, base_name(&first, &last));
        let email = self.email_of(i, &username);
        let username = self.tagged_username(username);
        let idx = rng.random_range(0..DEPARTMENTS.len());
        User {
            id: self.id(i),
            email,
            displayname: format_compact!("{first} {last}"),
            firstname: first.into(),
            lastname: last.into(),
            job_title: title_case(&Profession().fake_with_rng::<String, _>(rng)).into(),
            department: DEPARTMENTS[idx].into(),
            employee_identifier: format_compact!("E{:06}", rng.random_range(0..1_000_000u32)),
            cost_center: format_compact!("CC-{}", rng.random_range(100..1000u32)),
            company: CompanyName().fake_with_rng::<String, _>(rng).into(),
            employee_type: EMPLOYEE_TYPES[rng.random_range(0..EMPLOYEE_TYPES.len())].into(),
            location: "en-US".into(),
            phone: format_compact!("+1-555-{:03}-{:04}", rng.random_range(100..1000u32), rng.random_range(0..10000u32)),
            address: Some(Address {
                street: format_compact!(
                    "{} {}",
                    rng.random_range(1..9999u32),
                    StreetName().fake_with_rng::<String, _>(rng)
                ),
                locality: CityName().fake_with_rng::<String, _>(rng).into(),
                region: StateAbbr().fake_with_rng::<String, _>(rng).into(),
                postal_code: us_zip(&ZipCode().fake_with_rng::<String, _>(rng)).into(),
                country: "US".into(),
            }),
            state: self.state,
            password_expired: false,
            password_pending: false,
            external_id: Text::default(),
            username: username.into(),
        }
    }
}

/// Generate `n` users with emails at `domain`, avoiding usernames in `taken`
/// (the console's one-click user; a scenario's blocks stay virtual).
pub(crate) fn generate_users(rng: &mut StdRng, n: usize, domain: &str, taken: &BTreeSet<String>) -> Vec<User> {
    let batch = Batch::new(rng.random(), n, domain, UserState::Activated, taken.iter().map(String::as_str));
    (0..batch.len()).map(|i| batch.user(i)).collect()
}

fn name_hash(name: &str) -> u64 {
    // Fixed keys: a hash decides only whether two names clash (a 64-bit
    // false clash, which would just add a suffix, is not expected).
    let mut h = std::hash::DefaultHasher::new();
    name.hash(&mut h);
    h.finish()
}

/// `first.last` in lowercase ASCII: a username before any suffix.
fn base_name(first: &str, last: &str) -> String {
    format!("{}.{}", ascii_word(first), ascii_word(last))
}

/// Lowercase ASCII letters and digits of `s` (accents folded).
fn ascii_word(s: &str) -> String {
    let folded: String = deunicode::deunicode(s).chars().filter(char::is_ascii_alphanumeric).collect();
    let folded = folded.to_ascii_lowercase();
    if folded.is_empty() { "user".to_string() } else { folded }
}

/// The suffix that makes `base` unique: none, or 2, 3, ... : the first name
/// not in `used`. Names are only ever added, so the search resumes where the
/// last one for `base` ended.
fn unique(base: &str, used: &mut HashSet<u64>, next_suffix: &mut HashMap<String, u32>) -> Option<u32> {
    let mut n = next_suffix.get(base).copied().unwrap_or(2);
    if n == 2 && used.insert(name_hash(base)) {
        return None;
    }
    loop {
        let taken = !used.insert(name_hash(&format!("{base}{n}")));
        n += 1;
        if !taken {
            next_suffix.insert(base.to_string(), n);
            return Some(n - 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{check_email, check_username};

    fn batch(seed: u64, n: usize) -> Vec<User> {
        let b = Batch::new(seed, n, "example.com", UserState::Activated, []);
        (0..n).map(|i| b.user(i)).collect()
    }

    #[test]
    fn same_seed_same_users() {
        assert_eq!(batch(3, 20), batch(3, 20));
        assert_ne!(batch(3, 20), batch(4, 20));
        let users = generate_users(&mut StdRng::seed_from_u64(3), 20, "example.com", &BTreeSet::new());
        assert_eq!(users, generate_users(&mut StdRng::seed_from_u64(3), 20, "example.com", &BTreeSet::new()));
    }

    #[test]
    fn a_user_is_the_same_whatever_is_read_before_it() {
        let b = Batch::new(9, 50, "example.com", UserState::Staged, []);
        let late = b.user(37);
        let _ = b.user(3);
        assert_eq!(b.user(37), late);
        assert_eq!(b.username(37), late.username.as_str());
        assert_eq!(late.state, UserState::Staged);
    }

    #[test]
    fn generated_users_are_valid_awkward_and_unique() {
        let users = batch(1, 2000);
        let names: BTreeSet<_> = users.iter().map(|u| u.username.clone()).collect();
        assert_eq!(names.len(), 2000);
        let ids: BTreeSet<_> = users.iter().map(|u| u.id.clone()).collect();
        assert_eq!(ids.len(), 2000);
        for u in &users {
            check_username(&u.username).unwrap();
            check_email(&u.email).unwrap();
            assert_eq!(u.id.len(), 24);
            assert!(u.id.chars().all(|c| c.is_ascii_hexdigit()));
        }
        assert!(users.iter().any(|u| u.lastname.contains('\'')));
        assert!(users.iter().any(|u| !u.firstname.is_ascii()));
        assert!(users.iter().any(|u| u.email.contains('+')));
        // Awkward names recur every fourth user, so suffixes are exercised.
        assert!(users.iter().any(|u| u.username == "siobhan.obrien3"));
    }

    #[test]
    fn usernames_avoid_names_taken_before_the_batch() {
        let first = Batch::new(5, 8, "example.com", UserState::Activated, []).username(1);
        let b = Batch::new(5, 8, "example.com", UserState::Activated, [first.as_str()]);
        assert_eq!(b.username(1), format!("{first}2"));
    }

    #[test]
    fn ids_map_back_to_their_index() {
        let b = Batch::new(2, 300, "example.com", UserState::Activated, []);
        for i in [0, 1, 150, 299] {
            assert_eq!(b.index_of(&b.id(i)), Some(i));
        }
        let other = Batch::new(3, 300, "example.com", UserState::Activated, []);
        assert_eq!(b.index_of(&other.id(4)), None);
        let past_end = format!("{}{:06x}", b.id_prefix, b.counter0 + 300);
        assert_eq!(b.index_of(&past_end), None);
        assert_eq!(b.index_of(&b.id(4).to_uppercase()), None);
        assert_eq!(b.index_of(""), None);
    }

    #[test]
    fn unique_names_match_the_first_free_suffix() {
        // The resumed search must give what probing from 2 every time gives,
        // including around names that were taken before generation began.
        let taken = ["ann2", "ann4", "bob"];
        let mut used: HashSet<u64> = taken.iter().map(|s| name_hash(s)).collect();
        let mut naive: HashSet<String> = taken.iter().map(|s| s.to_string()).collect();
        let mut next = HashMap::new();
        for base in ["ann", "ann", "bob", "ann", "bob", "ann", "cy", "ann"] {
            let fast = match unique(base, &mut used, &mut next) {
                Some(n) => format!("{base}{n}"),
                None => base.to_string(),
            };
            let mut name = base.to_string();
            let mut n = 2;
            while naive.contains(&name) {
                name = format!("{base}{n}");
                n += 1;
            }
            naive.insert(name.clone());
            assert_eq!(fast, name);
        }
    }
}

/// "chief executive officer" → "Chief Executive Officer": a job title as an HR system writes it.
fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A US ZIP code has five digits (the faker sometimes gives three or four, or ZIP+4).
fn us_zip(s: &str) -> String {
    let digits: String = s.chars().take_while(char::is_ascii_digit).take(5).collect();
    format!("{digits:0>5}")
}

#[cfg(test)]
mod format_tests {
    #[test]
    fn titles_are_capitalised_and_zip_codes_have_five_digits() {
        assert_eq!(super::title_case("chief executive officer"), "Chief Executive Officer");
        assert_eq!(super::us_zip("802"), "00802");
        assert_eq!(super::us_zip("80301-1234"), "80301");
        assert_eq!(super::us_zip("80301"), "80301");
    }
}
