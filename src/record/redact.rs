//! Secret redaction. Applied when an event is recorded, so no later output
//! (report, HAR, terminal) can leak a token.
//!
//! It applies to wire data and what is built from it: URLs, headers,
//! bodies, fault messages, check messages, reasons, the target. jcsim's own
//! labels (scenario, file and step names, run ids, DI event names) are left
//! as written, so a weak token such as `user` cannot turn `bind_user` into
//! `bind_[REDACTED]`; the CLI warns about such tokens instead.

use super::Event;
use serde_json::Value;

/// The text that replaces a secret.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// Secrets shorter than this are only redacted structurally (by header name):
/// masking every occurrence of a two-letter string would garble the record.
const MIN_SECRET_LEN: usize = 4;

/// Knows which header names carry credentials and which values are secret.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    headers: Vec<String>,
    /// Each secret with its JSON-escaped form, longest first.
    secrets: Vec<(String, String)>,
}

impl Redactor {
    /// A redactor that masks `Authorization`, `Proxy-Authorization`, `Cookie`,
    /// `Set-Cookie` and `X-Api-Key` headers.
    pub(crate) fn new() -> Self {
        let headers = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"];
        Redactor { headers: headers.iter().map(|h| h.to_string()).collect(), secrets: Vec::new() }
    }

    /// Also mask the header `name` (case-insensitive), e.g. a custom API-key header.
    pub(crate) fn header(mut self, name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        if !self.headers.contains(&name) {
            self.headers.push(name);
        }
        self
    }

    /// Also mask every occurrence of `value`.
    pub(crate) fn secret(mut self, value: &str) -> Self {
        if value.len() >= MIN_SECRET_LEN && !self.secrets.iter().any(|(s, _)| s == value) {
            let escaped = serde_json::to_string(value).unwrap_or_default();
            let escaped = escaped.trim_matches('"').to_string();
            self.secrets.push((value.to_string(), escaped));
            // Longest first, so a secret that contains another is masked whole.
            self.secrets.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
        }
        self
    }

    /// Also mask the value of every query parameter of the target's base
    /// URL (`?api_key=…`): an SP that takes a credential there puts it in
    /// every URL the record holds. Raw and percent-decoded.
    pub(crate) fn target_query(mut self, base_url: &str) -> Self {
        let Some((_, query)) = base_url.split_once('?') else { return self };
        let query = query.split('#').next().unwrap_or("");
        for pair in query.split('&') {
            let raw = pair.split_once('=').map_or("", |(_, v)| v);
            self = self.secret(raw);
        }
        for (_, decoded) in form_urlencoded::parse(query.as_bytes()) {
            self = self.secret(&decoded);
        }
        self
    }

    /// True when `value` is masked as a secret of its own (exactly, not as
    /// part of a longer one nor because it contains a shorter one).
    pub(crate) fn knows(&self, value: &str) -> bool {
        self.secrets.iter().any(|(s, _)| s == value)
    }

    /// True when `value` is long enough to be masked in text.
    pub(crate) fn maskable(value: &str) -> bool {
        value.len() >= MIN_SECRET_LEN
    }

    /// True when `name` is a credential-bearing header.
    pub(crate) fn is_secret_header(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    /// Mask credential headers in place.
    pub(crate) fn headers(&self, headers: &mut [(String, String)]) {
        for (name, value) in headers.iter_mut() {
            if self.is_secret_header(name) {
                *value = mask_header_value(value);
            }
        }
    }

    /// Replace every secret in `text`, in its raw and its JSON-escaped form.
    pub(crate) fn text(&self, text: &str) -> String {
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

    /// Redact an event in place before it is serialized: credential
    /// headers structurally, secrets in every field that can carry wire data.
    pub(crate) fn event(&self, event: &mut Event) {
        match event {
            Event::RunStarted(r) => self.in_place(&mut r.target),
            Event::StepStarted(_) => {}
            Event::Exchange(x) => {
                self.headers(&mut x.request.headers);
                self.in_place(&mut x.label);
                self.in_place(&mut x.request.url);
                self.header_values(&mut x.request.headers);
                self.option_value(&mut x.request.body);
                if let Some(resp) = x.response.as_mut() {
                    self.headers(&mut resp.headers);
                    self.header_values(&mut resp.headers);
                    self.option_value(&mut resp.body);
                    self.option(&mut resp.body_text);
                }
                if let Some(e) = x.error.as_mut() {
                    self.in_place(&mut e.message);
                }
            }
            Event::Check(c) => {
                self.in_place(&mut c.message);
                self.option(&mut c.admin_sees);
                self.option(&mut c.fix);
                self.option_value(&mut c.expected);
                self.option_value(&mut c.actual);
            }
            Event::StepFinished(s) => self.option(&mut s.reason),
            Event::RunFinished(r) => self.option(&mut r.stop_reason),
            Event::Compat(m) => {
                for k in &mut m.knobs {
                    self.in_place(&mut k.summary);
                    for f in &mut k.forms {
                        self.option(&mut f.detail);
                    }
                }
            }
        }
    }

    /// True when redaction would change `v` (a secret occurs in a string or key).
    pub(crate) fn touches(&self, v: &Value) -> bool {
        if self.secrets.is_empty() {
            return false;
        }
        let has = |s: &str| self.secrets.iter().any(|(secret, _)| s.contains(secret.as_str()));
        match v {
            Value::String(s) => has(s),
            Value::Array(items) => items.iter().any(|i| self.touches(i)),
            Value::Object(map) => map.iter().any(|(k, v)| has(k) || self.touches(v)),
            _ => false,
        }
    }

    /// Replace every secret in a JSON value's strings and keys.
    pub(crate) fn value(&self, v: &mut Value) {
        match v {
            Value::String(s) => self.in_place(s),
            Value::Array(items) => items.iter_mut().for_each(|i| self.value(i)),
            Value::Object(map) => {
                if map.keys().any(|k| self.text(k) != *k) {
                    let old = std::mem::take(map);
                    map.extend(old.into_iter().map(|(k, v)| (self.text(&k), v)));
                }
                map.values_mut().for_each(|v| self.value(v));
            }
            _ => {}
        }
    }

    fn in_place(&self, s: &mut String) {
        if !self.secrets.is_empty() {
            let out = self.text(s);
            if out != *s {
                *s = out;
            }
        }
    }

    fn option(&self, s: &mut Option<String>) {
        if let Some(s) = s {
            self.in_place(s);
        }
    }

    fn option_value(&self, v: &mut Option<Value>) {
        if let (Some(v), false) = (v, self.secrets.is_empty()) {
            self.value(v);
        }
    }

    fn header_values(&self, headers: &mut [(String, String)]) {
        for (name, value) in headers.iter_mut() {
            self.in_place(name);
            self.in_place(value);
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
    fn query_values_of_the_target_are_secrets() {
        let r = Redactor::new().target_query("https://sp/scim/v2?api_key=qs%2Bsecret-42&tenant=acme-corp#x");
        let url = "https://sp/scim/v2/Users?api_key=qs%2Bsecret-42&tenant=acme-corp";
        assert_eq!(r.text(url), "https://sp/scim/v2/Users?api_key=[REDACTED]&tenant=[REDACTED]");
        assert_eq!(r.text("echo qs+secret-42"), "echo [REDACTED]");
        assert!(Redactor::new().target_query("https://sp/scim/v2").secrets.is_empty());
    }

    #[test]
    fn the_weak_token_warning_knows_what_is_masked_in_text() {
        assert_eq!(MIN_SECRET_LEN, crate::secret::MASKED_IN_TEXT_FROM);
        let short = Redactor::new().secret("ab3");
        assert_eq!(short.text("x ab3 y"), "x ab3 y", "as the warning says, not masked in text");
        let mut h = vec![("Authorization".to_string(), "Bearer ab3".to_string())];
        short.headers(&mut h);
        assert_eq!(h[0].1, "Bearer [REDACTED]", "but always in its header");
    }

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
