//! JumpCloud's naming rules (username, email), and the run tag jcsim puts on every name it creates at an external SP
//! (`jcs-` and 1 to 16 lowercase letters or digits), and how to recognise
//! one on a name found there. It always ends the name it marks:
//! `alice.jcs-4f1a2b` (username), `alice+jcs-4f1a2b@acme.com` (email;
//! `.jcs-…` when the local part already has a `+`) and
//! `Engineering jcs-4f1a2b` (group name).

/// The prefix every tag starts with.
pub const TAG_PREFIX: &str = "jcs-";
const MAX_SUFFIX: usize = 16;

/// A namespace tag such as `jcs-4f1a2b`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag(String);

impl Tag {
    /// A fresh tag: `jcs-` and 6 random hex digits.
    pub fn random() -> Tag {
        use rand::RngExt;
        let n: u32 = rand::rng().random_range(0..1 << 24);
        Tag(format!("{TAG_PREFIX}{n:06x}"))
    }

    /// A tag from `--namespace TAG`: `TAG` alone (`ci42`) or with the prefix.
    pub fn parse(s: &str) -> Result<Tag, String> {
        let suffix = s.strip_prefix(TAG_PREFIX).unwrap_or(s);
        if valid_suffix(suffix) {
            Ok(Tag(format!("{TAG_PREFIX}{suffix}")))
        } else {
            Err(format!(
                "`{s}` is not a namespace tag: use 1 to {MAX_SUFFIX} lowercase letters or digits (it becomes `{TAG_PREFIX}…`)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn username(&self, name: &str) -> String {
        format!("{name}.{}", self.0)
    }

    pub fn email(&self, email: &str) -> String {
        match email.rsplit_once('@') {
            Some((local, domain)) if local.contains('+') => format!("{local}.{}@{domain}", self.0),
            Some((local, domain)) => format!("{local}+{}@{domain}", self.0),
            None => format!("{email}+{}", self.0),
        }
    }

    pub fn group(&self, name: &str) -> String {
        format!("{name} {}", self.0)
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn valid_suffix(s: &str) -> bool {
    (1..=MAX_SUFFIX).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The jcsim tag a name ends with, if any: `alice.jcs-4f1a2b`,
/// `alice+jcs-4f1a2b@acme.com`, `Engineering jcs-4f1a2b`.
pub fn tag_of(name: &str) -> Option<&str> {
    let end = match name.rsplit_once('@') {
        Some((local, _)) => local,
        None => name,
    };
    let at = end.rfind(TAG_PREFIX)?;
    let (before, tag) = (&end[..at], &end[at..]);
    let sep_ok = matches!(before.chars().last(), Some('.' | '+' | ' '));
    (sep_ok && valid_suffix(&tag[TAG_PREFIX.len()..])).then_some(tag)
}

/// JumpCloud's username rule: required, at most 1024 characters, letters,
/// digits, `.`, `_` and `-` only, and not an email address.
pub fn check_username(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("`username` is required".into());
    }
    if name.chars().count() > 1024 {
        return Err("`username` is longer than JumpCloud's 1024 characters".into());
    }
    if name.contains('@') {
        return Err(format!(
            "`username` `{name}` is an email address; JumpCloud does not allow an email as the username"
        ));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return Err(format!("`username` `{name}` contains `{c}`; JumpCloud allows letters, digits, `.`, `_` and `-`"));
    }
    Ok(())
}

/// JumpCloud's email rule: required, at most 1024 characters, one `@` with a
/// non-empty local part and a dotted domain.
pub fn check_email(email: &str) -> Result<(), String> {
    if email.chars().count() > 1024 {
        return Err("`email` is longer than JumpCloud's 1024 characters".into());
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if valid { Ok(()) } else { Err(format!("`email` `{email}` is not a valid email address")) }
}
