//! Forwarding a request unchanged (`jcsim proxy`): another client's method,
//! path, query, headers (hop-by-hop ones excepted) and body go to the
//! upstream SCIM base, and the answer comes back as a stream, each piece
//! within a timeout. No retries, no redirects, no JumpCloud headers: the
//! proxy adds nothing of its own.

use super::{ClientError, MAX_RECORDED_JSON, Tls, capped, classify, fault, parse_body};
use crate::record::{FaultKind, TransportFault};
use serde_json::Value;
use std::time::Duration;

/// Headers that belong to one connection (RFC 9110 §7.6.1), and those the
/// HTTP stack sets itself for the next hop.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// True for a header a proxy must not pass on: hop-by-hop ones, and those
/// the `Connection` header names.
pub fn is_hop_by_hop(name: &str, connection: Option<&str>) -> bool {
    HOP_BY_HOP.iter().any(|h| h.eq_ignore_ascii_case(name))
        || connection.is_some_and(|c| c.split(',').any(|t| t.trim().eq_ignore_ascii_case(name)))
}

/// Sends requests to one upstream base.
#[derive(Debug, Clone)]
pub struct Forwarder {
    http: reqwest::Client,
    base: String,
    /// The path of `base` (`/scim/v2`), empty when it has none.
    base_path: String,
    timeout: Duration,
}

/// The upstream's answer: status and headers, and the body still to read.
#[derive(Debug)]
pub struct Upstream {
    pub status: u16,
    /// The headers as text, for the record (bytes that are not UTF-8 shown as `�`).
    pub headers: Vec<(String, String)>,
    /// The headers as sent, passed back to the client unchanged.
    pub raw_headers: Vec<(String, Vec<u8>)>,
    response: reqwest::Response,
    timeout: Duration,
}

impl Forwarder {
    /// `base`: the upstream SCIM base without a trailing `/`. `timeout`
    /// bounds the wait for the answer's head, and then for each piece of its body.
    pub fn new(base: &str, timeout: Duration, tls: &Tls) -> Result<Forwarder, ClientError> {
        let mut http = reqwest::Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .danger_accept_invalid_certs(tls.insecure);
        if let Some(pem) = &tls.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError::Build(format!("--cacert: not a PEM certificate: {e}")))?;
            for c in certs {
                http = http.add_root_certificate(c);
            }
        }
        let http = http.build().map_err(|e| ClientError::Build(e.to_string()))?;
        let base = base.trim_end_matches('/').to_string();
        let base_path =
            reqwest::Url::parse(&base).map(|u| u.path().trim_end_matches('/').to_string()).unwrap_or_default();
        Ok(Forwarder { http, base, base_path, timeout })
    }

    /// The upstream URL of a path below the base.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    /// A request path with the base's own path taken off its front, so that
    /// `/scim/v2/Users` and `/Users` both mean `BASE/Users` when the base is
    /// `https://sp/scim/v2`: a JumpCloud Base URL set to the proxy with or
    /// without that path reaches the same resource.
    pub fn below_base<'a>(&self, path_and_query: &'a str) -> &'a str {
        if self.base_path.is_empty() {
            return path_and_query;
        }
        match path_and_query.strip_prefix(self.base_path.as_str()) {
            Some("") => "/",
            Some(rest) if rest.starts_with('/') => rest,
            _ => path_and_query,
        }
    }

    /// Why `path_and_query` would leave the base, if it would: a `.` or
    /// `..` segment, written plainly, percent-encoded (`%2e%2e`) or behind a
    /// backslash, which the upstream URL's dot-segment removal would turn
    /// into a path above the base (`/../../admin` is `https://sp/admin`).
    pub fn escapes_base(&self, path_and_query: &str) -> Option<String> {
        let path = path_and_query.split(['?', '#']).next().unwrap_or("");
        let dot = path.split(['/', '\\']).any(|segment| {
            let decoded = crate::scim::url::decode(segment);
            decoded.split(['/', '\\']).any(|part| part == "." || part == "..")
        });
        dot.then(|| {
            format!(
                "the path has a `.` or `..` segment (plain or percent-encoded), which would leave the upstream base {}",
                self.base
            )
        })
    }

    /// Forward one request; the headers are passed on byte for byte,
    /// hop-by-hop ones left out.
    pub async fn send(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(String, Vec<u8>)],
        body: bytes::Bytes,
    ) -> Result<Upstream, TransportFault> {
        let method =
            reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| fault(FaultKind::Other, e.to_string()))?;
        let connection = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("connection"))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned());
        let mut rb = self.http.request(method, self.url(path_and_query));
        for (k, v) in headers.iter().filter(|(k, _)| !is_hop_by_hop(k, connection.as_deref())) {
            let value = reqwest::header::HeaderValue::from_bytes(v)
                .map_err(|e| fault(FaultKind::Other, format!("header {k}: {e}")))?;
            rb = rb.header(k, value);
        }
        if !body.is_empty() {
            rb = rb.body(body);
        }
        let response = match tokio::time::timeout(self.timeout, rb.send()).await {
            Ok(r) => r.map_err(classify)?,
            Err(_) => return Err(timed_out(self.timeout, "for the answer")),
        };
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let raw_headers =
            response.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.as_bytes().to_vec())).collect();
        Ok(Upstream { status: response.status().as_u16(), headers, raw_headers, response, timeout: self.timeout })
    }
}

impl Upstream {
    /// The next piece of the body; `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<bytes::Bytes>, TransportFault> {
        match tokio::time::timeout(self.timeout, self.response.chunk()).await {
            Ok(c) => c.map_err(classify),
            Err(_) => Err(timed_out(self.timeout, "for the rest of the body")),
        }
    }
}

fn timed_out(after: Duration, what: &str) -> TransportFault {
    fault(FaultKind::Timeout, format!("no answer from the upstream within {} ms {what}", after.as_millis()))
}

/// A body passed through while it is recorded: the first bytes are kept
/// (up to [`MAX_RECORDED_JSON`]) and the rest only counted.
#[derive(Debug, Default)]
pub struct Tee {
    head: Vec<u8>,
    len: usize,
}

impl Tee {
    pub fn feed(&mut self, bytes: &[u8]) {
        self.len += bytes.len();
        let room = MAX_RECORDED_JSON.saturating_sub(self.head.len());
        self.head.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// Bytes seen.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The body as recorded: parsed JSON, or text (capped, with a marker
    /// saying how much was cut).
    pub fn recorded(&self) -> (Option<Value>, Option<String>) {
        if self.len > self.head.len() {
            return (None, Some(capped(&self.head, self.len)));
        }
        parse_body(&self.head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_dropped() {
        assert!(is_hop_by_hop("Transfer-Encoding", None));
        assert!(is_hop_by_hop("x-trace", Some("keep-alive, X-Trace")));
        assert!(!is_hop_by_hop("Authorization", Some("close")));
        assert!(!is_hop_by_hop("Content-Type", None));
    }

    #[test]
    fn the_base_path_is_taken_off_a_request_that_repeats_it() {
        let f = Forwarder::new("https://sp.example/scim/v2/", Duration::from_secs(1), &Tls::default()).unwrap();
        assert_eq!(f.below_base("/scim/v2/Users?filter=x"), "/Users?filter=x");
        assert_eq!(f.below_base("/scim/v2"), "/");
        assert_eq!(f.below_base("/Users/1"), "/Users/1");
        assert_eq!(f.below_base("/scim/v2x/Users"), "/scim/v2x/Users");
        assert_eq!(f.url(f.below_base("/scim/v2/Groups")), "https://sp.example/scim/v2/Groups");
        let root = Forwarder::new("https://sp.example", Duration::from_secs(1), &Tls::default()).unwrap();
        assert_eq!(root.below_base("/scim/v2/Users"), "/scim/v2/Users");
    }

    #[test]
    fn dot_segments_that_would_leave_the_base_are_caught_however_written() {
        let f = Forwarder::new("https://sp.example/scim/v2", Duration::from_secs(1), &Tls::default()).unwrap();
        for escape in [
            "/../../admin",
            "/%2e%2e/%2e%2e/admin",
            "/%2E%2e/admin",
            "/.%2e/admin",
            "/Users/..",
            "/Users/./x",
            "/..\\..\\admin",
            "/x/..%2f..%2fadmin",
            "/x/..%5cadmin",
        ] {
            let why = f.escapes_base(escape);
            assert!(why.as_deref().is_some_and(|w| w.contains("`..`")), "{escape} was let through");
        }
        for fine in ["/Users", "/Users/a..b", "/Users?filter=userName%20eq%20%22..%22", "/Users/.hidden", "/"] {
            assert_eq!(f.escapes_base(fine), None, "{fine} was refused");
        }
    }

    #[test]
    fn a_tee_keeps_a_capped_head_and_counts_the_rest() {
        let mut t = Tee::default();
        t.feed(br#"{"id":"#);
        t.feed(br#""1"}"#);
        assert_eq!(t.recorded().0, Some(serde_json::json!({ "id": "1" })));
        let mut big = Tee::default();
        for _ in 0..3 {
            big.feed(&vec![b'x'; MAX_RECORDED_JSON]);
        }
        assert_eq!(big.len(), 3 * MAX_RECORDED_JSON);
        let (value, text) = big.recorded();
        assert!(value.is_none());
        assert!(text.unwrap().ends_with(&format!("[jcsim: {} bytes cut]", 3 * MAX_RECORDED_JSON - 64 * 1024)));
    }
}
