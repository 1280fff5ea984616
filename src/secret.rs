//! Comparing secrets (tokens, API keys, CSRF tokens) without leaking, through
//! timing, how much of a guess was right.

/// `a == b`, in time that depends only on the lengths.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why `token` is a weak secret, if it is: shorter than 8 characters, or a
/// common word. jcsim masks a secret wherever it appears in recorded SP
/// data, so a weak one also garbles ordinary text that contains it.
pub fn weakness(token: &str) -> Option<&'static str> {
    const COMMON: &[&str] = &[
        "admin",
        "api",
        "apikey",
        "bearer",
        "changeme",
        "default",
        "demo",
        "example",
        "group",
        "groups",
        "jumpcloud",
        "key",
        "letmein",
        "password",
        "qwerty",
        "scim",
        "secret",
        "test",
        "testing",
        "token",
        "user",
        "users",
    ];
    if COMMON.iter().any(|w| w.eq_ignore_ascii_case(token.trim())) {
        Some("a common word")
    } else if token.chars().count() < 8 {
        Some("shorter than 8 characters")
    } else {
        None
    }
}

/// The warning printed for a weak token from `origin` (`--token-env`, a scenario).
pub fn weak_warning(token: &str, origin: &str) -> Option<String> {
    weakness(token).map(|why| {
        format!(
            "warning: the token from {origin} is {why}: an SP should not accept it, and jcsim masks it wherever it appears in recorded SP data; use a long random token"
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn equal_only_when_every_byte_matches() {
        assert!(super::same_secret("token", "token"));
        assert!(!super::same_secret("token", "tokeN"));
        assert!(!super::same_secret("token", "token2"));
    }

    #[test]
    fn short_tokens_and_common_words_are_weak() {
        assert_eq!(super::weakness("user"), Some("a common word"));
        assert_eq!(super::weakness("Secret"), Some("a common word"));
        assert_eq!(super::weakness("x7Pq2"), Some("shorter than 8 characters"));
        assert_eq!(super::weakness("tok-7f3a9c1e-distinctive"), None);
    }
}
