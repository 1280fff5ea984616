//! Seeded fake users. The same seed gives the same users, byte for byte, and
//! the data deliberately includes valid-but-awkward values: apostrophes,
//! accented letters, non-Latin scripts and plus-addressed emails.

use super::{Address, User, UserState, new_id};
use fake::Fake;
use fake::faker::address::en::{CityName, StateAbbr, StreetName, ZipCode};
use fake::faker::company::en::{CompanyName, Profession};
use fake::faker::name::en::{FirstName, LastName};
use rand::RngExt;
use rand::rngs::StdRng;
use std::collections::BTreeSet;

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
    let mut used: BTreeSet<String> = taken.clone();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (first, last) = if i % 4 == 1 {
            let (f, l) = AWKWARD[(i / 4) % AWKWARD.len()];
            (f.to_string(), l.to_string())
        } else {
            (FirstName().fake_with_rng::<String, _>(rng), LastName().fake_with_rng::<String, _>(rng))
        };
        let base = format!("{}.{}", ascii_word(&first), ascii_word(&last));
        let username = unique(&base, &mut used);
        // Every fifth user has a plus-addressed email, as many admins use for tests.
        let local = if i % 5 == 2 { format!("{username}+jc") } else { username.clone() };
        let idx = rng.random_range(0..DEPARTMENTS.len());
        let user = User {
            id: new_id(rng),
            email: format!("{local}@{domain}"),
            displayname: format!("{first} {last}"),
            firstname: first,
            lastname: last,
            job_title: Profession().fake_with_rng::<String, _>(rng),
            department: DEPARTMENTS[idx].to_string(),
            employee_identifier: format!("E{:06}", rng.random_range(0..1_000_000u32)),
            cost_center: format!("CC-{}", rng.random_range(100..1000u32)),
            company: CompanyName().fake_with_rng::<String, _>(rng),
            employee_type: EMPLOYEE_TYPES[rng.random_range(0..EMPLOYEE_TYPES.len())].to_string(),
            location: "en-US".to_string(),
            phone: format!("+1-555-{:03}-{:04}", rng.random_range(100..1000u32), rng.random_range(0..10000u32)),
            address: Some(Address {
                street: format!("{} {}", rng.random_range(1..9999u32), StreetName().fake_with_rng::<String, _>(rng)),
                locality: CityName().fake_with_rng::<String, _>(rng),
                region: StateAbbr().fake_with_rng::<String, _>(rng),
                postal_code: ZipCode().fake_with_rng::<String, _>(rng),
                country: "US".to_string(),
            }),
            state: UserState::Activated,
            password_expired: false,
            password_pending: false,
            external_id: String::new(),
            username,
        };
        out.push(user);
    }
    out
}

/// Lowercase ASCII letters and digits of `s` (accents folded).
fn ascii_word(s: &str) -> String {
    let folded: String = deunicode::deunicode(s).chars().filter(char::is_ascii_alphanumeric).collect();
    let folded = folded.to_ascii_lowercase();
    if folded.is_empty() { "user".to_string() } else { folded }
}

fn unique(base: &str, used: &mut BTreeSet<String>) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{base}{n}");
        n += 1;
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
}
