//! Seeded fake users. The same seed gives the same users, byte for byte, and
//! the data deliberately includes valid-but-awkward values: apostrophes,
//! accented letters, non-Latin scripts and plus-addressed emails.

use super::{Address, Text, User, UserState, new_id};
use compact_str::format_compact;
use fake::Fake;
use fake::faker::address::en::{CityName, StateAbbr, StreetName, ZipCode};
use fake::faker::company::en::{CompanyName, Profession};
use fake::faker::name::en::{FirstName, LastName};
use rand::RngExt;
use rand::rngs::StdRng;
use std::collections::{BTreeSet, HashMap, HashSet};

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

/// Generate `n` users with emails at `domain`, avoiding usernames in `taken`.
pub fn generate_users(rng: &mut StdRng, n: usize, domain: &str, taken: &BTreeSet<String>) -> Vec<User> {
    let mut out = Vec::with_capacity(n);
    generate_users_into(rng, n, domain, taken, &mut out);
    out
}

/// [`generate_users`], appending to `out`: a large org is built in place,
/// without a second list of the same size.
pub fn generate_users_into(rng: &mut StdRng, n: usize, domain: &str, taken: &BTreeSet<String>, out: &mut Vec<User>) {
    let mut used: HashSet<String> = taken.iter().cloned().collect();
    // Per base name, the suffix to try next: every suffix below it is taken,
    // so a common name costs one probe instead of one per earlier namesake.
    let mut next_suffix: HashMap<String, u32> = HashMap::new();
    out.reserve_exact(n);
    for i in 0..n {
        let (first, last) = if i % 4 == 1 {
            let (f, l) = AWKWARD[(i / 4) % AWKWARD.len()];
            (f.to_string(), l.to_string())
        } else {
            (FirstName().fake_with_rng::<String, _>(rng), LastName().fake_with_rng::<String, _>(rng))
        };
        let base = format!("{}.{}", ascii_word(&first), ascii_word(&last));
        let username = unique(&base, &mut used, &mut next_suffix);
        // Every fifth user has a plus-addressed email, as many admins use for tests.
        let local = if i % 5 == 2 { format!("{username}+jc") } else { username.clone() };
        let idx = rng.random_range(0..DEPARTMENTS.len());
        let user = User {
            id: new_id(rng),
            email: format_compact!("{local}@{domain}"),
            displayname: format_compact!("{first} {last}"),
            firstname: first.into(),
            lastname: last.into(),
            job_title: Profession().fake_with_rng::<String, _>(rng).into(),
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
                postal_code: ZipCode().fake_with_rng::<String, _>(rng).into(),
                country: "US".into(),
            }),
            state: UserState::Activated,
            password_expired: false,
            password_pending: false,
            external_id: Text::default(),
            username: username.into(),
        };
        out.push(user);
    }
}

/// Lowercase ASCII letters and digits of `s` (accents folded).
fn ascii_word(s: &str) -> String {
    let folded: String = deunicode::deunicode(s).chars().filter(char::is_ascii_alphanumeric).collect();
    let folded = folded.to_ascii_lowercase();
    if folded.is_empty() { "user".to_string() } else { folded }
}

/// `base`, or `base2`, `base3`, ... : the first name not in `used`. Names are
/// only ever added, so the search resumes where the last one for `base` ended.
fn unique(base: &str, used: &mut HashSet<String>, next_suffix: &mut HashMap<String, u32>) -> String {
    let mut name = base.to_string();
    let mut n = next_suffix.get(base).copied().unwrap_or(2);
    if n > 2 || used.contains(&name) {
        loop {
            name = format!("{base}{n}");
            n += 1;
            if !used.contains(&name) {
                break;
            }
        }
        next_suffix.insert(base.to_string(), n);
    }
    used.insert(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{check_email, check_username};
    use rand::SeedableRng;

    #[test]
    fn same_seed_same_users() {
        let a = generate_users(&mut StdRng::seed_from_u64(3), 20, "example.com", &BTreeSet::new());
        let b = generate_users(&mut StdRng::seed_from_u64(3), 20, "example.com", &BTreeSet::new());
        assert_eq!(a, b);
        let c = generate_users(&mut StdRng::seed_from_u64(4), 20, "example.com", &BTreeSet::new());
        assert_ne!(a, c);
    }

    #[test]
    fn generated_users_are_valid_awkward_and_unique() {
        let users = generate_users(&mut StdRng::seed_from_u64(1), 200, "example.com", &BTreeSet::new());
        let names: BTreeSet<_> = users.iter().map(|u| u.username.clone()).collect();
        assert_eq!(names.len(), 200);
        for u in &users {
            check_username(&u.username).unwrap();
            check_email(&u.email).unwrap();
        }
        assert!(users.iter().any(|u| u.lastname.contains('\'')));
        assert!(users.iter().any(|u| !u.firstname.is_ascii()));
        assert!(users.iter().any(|u| u.email.contains('+')));
    }

    #[test]
    fn unique_names_match_the_first_free_suffix() {
        // The resumed search must give what probing from 2 every time gives,
        // including around names that were taken before generation began.
        let taken = ["ann2", "ann4", "bob"];
        let mut used: HashSet<String> = taken.iter().map(|s| s.to_string()).collect();
        let mut naive = used.clone();
        let mut next = HashMap::new();
        for base in ["ann", "ann", "bob", "ann", "bob", "ann", "cy", "ann"] {
            let fast = unique(base, &mut used, &mut next);
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
