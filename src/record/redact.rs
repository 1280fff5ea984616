//! Secret redaction. Applied when an exchange is recorded, so no later output
//! (report, HAR, terminal) can leak a token.

use super::Event;

/// The text that replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Secrets shorter than this are only redacted structurally (by header name):
/// masking every occurrence of a two-letter string would garble the record.
const MIN_SECRET_LEN: usize = 4;

/// Knows which header names carry credentials and which values are secret.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    headers: Vec<String>,
    /// Each secret with its JSON-escaped form, longest first.
    secrets: Vec<(String, String)>,
}

impl Redactor {
    /// A redactor that masks `Authorization`, `Proxy-Authorization`, `Cookie`,
    /// `Set-Cookie` and `X-Api-Key` headers.
    pub fn new() -> Self {
        let headers = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"];
        Redactor { headers: headers.iter().map(|h| h.to_string()).collect(), secrets: Vec::new() }
    }

    /// Also mask the header `name` (case-insensitive), e.g. a custom API-key header.
    pub fn header(mut self, name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        if !self.headers.contains(&name) {
            self.headers.push(name);
        }
        self
    }

    /// Also mask every occurrence of `value`.
    pub fn secret(mut self, value: &str) -> Self {
        if value.len() >= MIN_SECRET_LEN && !self.secrets.iter().any(|(s, _)| s == value) {
            let escaped = serde_json::to_string(value).unwrap_or_default();
            let escaped = escaped.trim_matches('"').to_string();
            self.secrets.push((value.to_string(), escaped));
            // Longest first, so a secret that contains another is masked whole.
            self.secrets.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
        }
        self
    }

    /// True when `name` is a credential-bearing header.
    pub fn is_secret_header(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    /// Mask credential headers in place.
    pub fn headers(&self, headers: &mut [(String, String)]) {
        for (name, value) in headers.iter_mut() {
            if self.is_secret_header(name) {
                *value = mask_header_value(value);
            }
        }
    }

    /// Replace every secret in `text`, in its raw and its JSON-escaped form.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (secret, escaped) in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
            if escaped != secret && out.contains(escaped.as_str()) {
                out = out.replace(escaped.as_str(), REDACTED);
            }
        }
        out
    }

    /// Mask credential headers of an exchange before it is serialized.
    pub fn event(&self, event: &mut Event) {
        if let Event::Exchange(x) = event {
            self.headers(&mut x.request.headers);
            if let Some(resp) = x.response.as_mut() {
                self.headers(&mut resp.headers);
            }
        }
    }
}

/// Keep the auth scheme so a reader still sees `Bearer [REDACTED]`.
fn mask_header_value(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("basic") => {
            format!("{scheme} {REDACTED}")
        }
        _ => REDACTED.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_auth_headers_but_keeps_the_scheme() {
        let r = Redactor::new().header("X-Custom-Key");
        let mut h = vec![
            ("Authorization".to_string(), "Bearer s3cr3t-token".to_string()),
            ("x-custom-key".to_string(), "k3y-value".to_string()),
            ("Accept".to_string(), "application/scim+json".to_string()),
        ];
        r.headers(&mut h);
        assert_eq!(h[0].1, "Bearer [REDACTED]");
        assert_eq!(h[1].1, "[REDACTED]");
        assert_eq!(h[2].1, "application/scim+json");
    }

    #[test]
    fn masks_secret_values_raw_and_json_escaped() {
        let r = Redactor::new().secret("ab\"cd\\ef");
        let raw = "token=ab\"cd\\ef";
        assert_eq!(r.text(raw), "token=[REDACTED]");
        let json = serde_json::to_string(&serde_json::json!({ "t": "ab\"cd\\ef" })).unwrap();
        assert_eq!(r.text(&json), "{\"t\":\"[REDACTED]\"}");
    }

    #[test]
    fn short_secrets_are_not_masked_as_text() {
        let r = Redactor::new().secret("ab");
        assert_eq!(r.text("abc"), "abc");
    }
}
