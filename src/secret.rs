//! Comparing secrets (tokens, API keys, CSRF tokens) without leaking, through
//! timing, how much of a guess was right.

/// `a == b`, in time that depends only on the lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn equal_only_when_every_byte_matches() {
        assert!(super::constant_time_eq(b"token", b"token"));
        assert!(!super::constant_time_eq(b"token", b"tokeN"));
        assert!(!super::constant_time_eq(b"token", b"token2"));
    }
}
