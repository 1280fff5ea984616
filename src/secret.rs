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
        // The record masks a secret in text only from this length on (the
        // redactor's MIN_SECRET_LEN): shorter, it would garble every record.
        let masked = if token.len() < MASKED_IN_TEXT_FROM {
            "jcsim masks it only in the header that carries it: one this short is left as it is in recorded SP data, so an SP that echoes it is recorded in clear"
        } else {
            "jcsim masks it wherever it appears in recorded SP data"
        };
        format!(
            "warning: the token from {origin} is {why}: an SP should not accept it, and {masked}; use a long random token"
        )
    })
}

/// The warning printed for a weak login secret (the console's admin token,
/// the inbound API key) read from `origin`: whoever guesses it administers
/// the simulated org and its app.
pub fn weak_login_warning(secret: &str, origin: &str) -> Option<String> {
    weakness(secret).map(|why| {
        format!(
            "warning: the secret from {origin} is {why}: whoever guesses it controls this server (failed logins are only slowed); use a long random one, e.g. `openssl rand -hex 16`"
        )
    })
}

/// Secrets this long or longer are masked in recorded text, not only in
/// their header (`record::redact`'s `MIN_SECRET_LEN`, which the test of
/// `weak_warning` holds this to).
pub const MASKED_IN_TEXT_FROM: usize = 4;

#[cfg(test)]
mod tests {
    #[test]
    fn equal_only_when_every_byte_matches() {
        assert!(super::same_secret("token", "token"));
        assert!(!super::same_secret("token", "tokeN"));
        assert!(!super::same_secret("token", "token2"));
    }

    #[test]
    fn a_weak_admin_token_is_warned_about_without_quoting_it() {
        let w = super::weak_login_warning("admin", "--admin-token-env JCSIM_ADMIN").unwrap();
        assert!(
            w.contains("--admin-token-env JCSIM_ADMIN is a common word") && w.contains("controls this server"),
            "{w}"
        );
        assert!(!w.replace("--admin-token-env", "").contains("admin "), "the secret is not quoted: {w}");
        assert!(super::weak_login_warning("0f3c9a7e5b1d2c4e6f8a0b1c2d3e4f5a", "x").is_none());
    }

    #[test]
    fn the_warning_says_what_is_masked() {
        let short = super::weak_warning("ab3", "--token").unwrap();
        assert!(short.contains("only in the header") && !short.contains("wherever"), "{short}");
        let weak = super::weak_warning("x7Pq2", "--token").unwrap();
        assert!(weak.contains("wherever it appears"), "{weak}");
    }

    #[test]
    fn short_tokens_and_common_words_are_weak() {
        assert_eq!(super::weakness("user"), Some("a common word"));
        assert_eq!(super::weakness("Secret"), Some("a common word"));
        assert_eq!(super::weakness("x7Pq2"), Some("shorter than 8 characters"));
        assert_eq!(super::weakness("tok-7f3a9c1e-distinctive"), None);
    }
}
