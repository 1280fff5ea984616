//! Percent-encoding for SCIM URLs, on the `percent-encoding` and
//! `form_urlencoded` crates: what jcsim sends (RFC 3986, only unreserved
//! characters kept) and how it reads queries others send (`+` is a space,
//! invalid escapes stay as they are, invalid UTF-8 is replaced).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters.
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// One path segment or query component, percent-encoded.
pub(crate) fn encode(s: &str) -> String {
    utf8_percent_encode(s, RESERVED).to_string()
}

/// `id` as one path segment (`/Users/{segment}`), or `None` when no encoding
/// keeps it one: `.` and `..` are dot-segments that a client or server
/// removes (RFC 3986 §5.2.4), and an empty id names the collection.
pub(crate) fn path_segment(id: &str) -> Option<String> {
    if id.is_empty() || id == "." || id == ".." {
        return None;
    }
    let encoded = encode(id);
    (decode_segment(&encoded) == id).then_some(encoded)
}

/// One path segment, decoded (`+` stays a plus, unlike a query).
pub(crate) fn decode_segment(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// `k=v&…` with keys and values percent-encoded.
pub fn encode_query(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// A query string's pairs, decoded.
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// One query component, decoded.
pub(crate) fn decode(s: &str) -> String {
    let plus_as_space = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_as_space).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_stay_one_path_segment_or_are_refused() {
        assert_eq!(path_segment("../Groups/g-real").as_deref(), Some("..%2FGroups%2Fg-real"));
        assert_eq!(path_segment("u-ceo#frag").as_deref(), Some("u-ceo%23frag"));
        assert_eq!(path_segment("u-ceo?x=1").as_deref(), Some("u-ceo%3Fx%3D1"));
        assert_eq!(path_segment("u-ceo/../u-cfo").as_deref(), Some("u-ceo%2F..%2Fu-cfo"));
        assert_eq!(path_segment("a+b c").as_deref(), Some("a%2Bb%20c"));
        for refused in ["", ".", ".."] {
            assert_eq!(path_segment(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn encoding_keeps_only_unreserved_characters() {
        let q = encode_query(&[("filter".into(), "userName eq \"a+b@x.com\"".into())]);
        assert_eq!(q, "filter=userName%20eq%20%22a%2Bb%40x.com%22");
        assert_eq!(encode("r 1#é-._~"), "r%201%23%C3%A9-._~");
    }

    #[test]
    fn decoding_reads_plus_as_space_and_keeps_invalid_escapes() {
        assert_eq!(decode("a+b%20c%2B"), "a b c+");
        assert_eq!(decode("x=%zz%4g%"), "x=%zz%4g%");
        assert_eq!(
            query_pairs("a=1+2&b=%22x%22&c"),
            [("a".into(), "1 2".into()), ("b".into(), "\"x\"".into()), ("c".into(), String::new())]
        );
    }
}
