//! Comparing secrets (tokens, API keys, CSRF tokens) without leaking, through
//! timing, how much of a guess was right.

/// `a == b`, in time that depends only on the lengths.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn equal_only_when_every_byte_matches() {
        assert!(super::same_secret("token", "token"));
        assert!(!super::same_secret("token", "tokeN"));
        assert!(!super::same_secret("token", "token2"));
    }
}
