//! Preflight: one look at an external target before any scenario runs. A
//! configuration mistake (DNS, a closed port, http against https, an
//! untrusted certificate, a wrong token, a wrong base path, a redirect) gets
//! one explanation naming the cause and the flag or URL that fixes it,
//! instead of a cascade of SP findings.

use crate::client::{Client, ClientConfig, Credentials, OutRequest, Recorded, TlsFailure, tls_failure};
use crate::record::{RecordedResponse, TransportFault};
use serde_json::Value;
use std::time::Duration;

/// Why a target cannot be tested, with the fix.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    /// What is wrong, in one sentence.
    pub(crate) cause: String,
    /// What to change: a flag or a URL.
    pub(crate) fix: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The cause may quote the SP (a Location, a status text): one line each.
        write!(f, "{}\n  fix: {}", crate::term::one_line_whole(&self.cause), crate::term::one_line_whole(&self.fix))
    }
}

/// What preflight found: a problem that stops the run, or notes.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Outcome {
    pub(crate) problem: Option<Problem>,
    pub(crate) warnings: Vec<String>,
}

/// The answer to one probe, as preflight needs it.
enum Probe {
    Answer(RecordedResponse),
    Fault(TransportFault),
}

/// Test an external target as Test Connection would (`GET /Users?startIndex=1&count=1`).
/// `token_flag` names where the token came from, for advice (`--token-env SCIM_TOKEN`).
pub(crate) async fn check(cfg: &ClientConfig, timeout: Duration) -> Outcome {
    let mut out = Outcome::default();
    if cfg.credentials.is_none() {
        out.warnings.push(
            "no token: requests go out without credentials. Set one with --token-env VAR (or `auth:` in the scenario's target)"
                .to_string(),
        );
    }
    if cfg.tls.insecure {
        out.warnings.push("--insecure: the SP's TLS certificate is not verified".to_string());
    }
    out.problem = match probe(cfg, &cfg.base_url, timeout).await {
        Ok(p) => diagnose(cfg, p, timeout).await,
        Err(e) => Some(Problem { cause: e, fix: "check --target and the TLS flags".into() }),
    };
    out
}

async fn probe(cfg: &ClientConfig, base: &str, timeout: Duration) -> Result<Probe, String> {
    let cfg = ClientConfig { base_url: base.to_string(), timeout, max_retries: 0, ..cfg.clone() };
    let client = Client::new(cfg).map_err(|e| e.to_string())?;
    let mut req = OutRequest::new("GET", "/Users?startIndex=1&count=1");
    req.headers.push((crate::record::PURPOSE_HEADER.to_string(), "preflight".to_string()));
    let mut seen: Option<(Option<RecordedResponse>, Option<TransportFault>)> = None;
    let _ = client
        .send(req, |a| {
            seen = Some((a.response, a.error));
            Recorded::default()
        })
        .await;
    Ok(match seen {
        Some((Some(r), _)) => Probe::Answer(r),
        Some((None, Some(f))) => Probe::Fault(f),
        _ => Probe::Fault(TransportFault { kind: crate::record::FaultKind::Other, message: "no answer".into() }),
    })
}

async fn diagnose(cfg: &ClientConfig, p: Probe, timeout: Duration) -> Option<Problem> {
    let base = cfg.base_url.as_str();
    let r = match p {
        Probe::Fault(f) => return Some(transport_problem(cfg, &f, timeout).await),
        Probe::Answer(r) => r,
    };
    let status = r.status;
    match status {
        401 | 403 => Some(auth_problem(cfg, status)),
        300..=399 => {
            let location = r.header("location").unwrap_or_default();
            let suggestion = base_from_location(base, location);
            Some(Problem {
                cause: format!(
                    "GET {base}/Users answered HTTP {status} redirecting to {}; JumpCloud does not follow redirects",
                    if location.is_empty() { "(no Location header)" } else { location }
                ),
                fix: match suggestion {
                    Some(s) => format!("use --target {s}"),
                    None => "point --target at the SCIM base URL the redirect leads to".to_string(),
                },
            })
        }
        200..=299 if is_list_response(r.body.as_ref()) => None,
        // A failing SP is the SP's bug, not a configuration mistake: the
        // scenarios report it with its rule.
        500.. => None,
        _ => {
            let what = match r.header("content-type") {
                Some(ct) if ct.contains("html") => "an HTML page".to_string(),
                _ if r.body_text.is_some() => "a body that is not JSON".to_string(),
                _ => "JSON that is not a SCIM ListResponse".to_string(),
            };
            let cause = if (200..300).contains(&status) {
                format!("GET {base}/Users answered HTTP {status} with {what}: this is not a SCIM base URL")
            } else {
                format!("GET {base}/Users answered HTTP {status}: this is not a SCIM base URL")
            };
            let fix = match find_base(cfg, timeout).await {
                Some(b) => format!("use --target {b} (its /Users answers SCIM)"),
                None => "use the SCIM base URL from the SP's documentation: the URL that /Users is appended to, usually ending in /scim/v2".to_string(),
            };
            Some(Problem { cause, fix })
        }
    }
}

async fn transport_problem(cfg: &ClientConfig, f: &TransportFault, timeout: Duration) -> Problem {
    let base = cfg.base_url.as_str();
    let host = host_of(base);
    let m = f.message.as_str();
    let https = base.starts_with("https://");
    if m.contains("dns error") || m.contains("failed to lookup address") || m.contains("Name or service not known") {
        return Problem {
            cause: format!("the host `{host}` of --target does not resolve (DNS)"),
            fix: "check the host name in --target".into(),
        };
    }
    if m.contains("Connection refused") || m.contains("connection refused") {
        return Problem {
            cause: format!("nothing listens at {host}: the connection was refused"),
            fix: "start the SP, or correct the host and port in --target".into(),
        };
    }
    let tls = if https { tls_failure(m) } else { None };
    if tls == Some(TlsFailure::PlainHttpServer) {
        let plain = base.replacen("https://", "http://", 1);
        return Problem {
            cause: format!("--target uses https://, but {host} speaks plain HTTP"),
            fix: format!("use --target {plain}"),
        };
    }
    if tls == Some(TlsFailure::Untrusted) && m.contains("CaUsedAsEndEntity") {
        // `openssl req -x509` makes a CA certificate (basicConstraints
        // CA:TRUE). Trusting it with --cacert does not help: rustls (webpki)
        // refuses a CA certificate as the server's own, trusted or not.
        return Problem {
            cause: format!(
                "the TLS certificate of {host} is a CA certificate (basicConstraints CA:TRUE, as `openssl req -x509` makes it) used as the server's own certificate; rustls refuses a CA certificate as an end-entity certificate even when it is trusted{}",
                if cfg.tls.ca_pem.is_some() { " with --cacert" } else { "" }
            ),
            fix: format!(
                "give the server a leaf certificate: `mkcert {name}`, or with openssl make a CA (`openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj /CN=dev-ca`), then sign a leaf for the host with `subjectAltName={san}:{name}` (`openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN={name}` and `openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -extfile <(printf 'subjectAltName={san}:{name}')`) and pass ca.pem with --cacert; or skip verification with --insecure (recorded in the run)",
                name = host_name(host),
                san = if host_name(host).trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok() {
                    "IP"
                } else {
                    "DNS"
                },
            ),
        };
    }
    if tls == Some(TlsFailure::Untrusted) {
        let detail = certificate_detail(m);
        return Problem {
            cause: format!("the TLS certificate of {host} is not trusted: {detail}"),
            fix: "pass the CA that issued it with --cacert FILE (PEM), or skip verification with --insecure (recorded in the run)".into(),
        };
    }
    if tls == Some(TlsFailure::Handshake) {
        return Problem {
            cause: format!("the TLS handshake with {host} failed: {}", short(m)),
            fix: "check that --target's port serves HTTPS; --cacert FILE or --insecure for a private certificate"
                .into(),
        };
    }
    if !https && speaks_tls(cfg, timeout).await {
        let secure = base.replacen("http://", "https://", 1);
        return Problem {
            cause: format!("--target uses http://, but {host} speaks HTTPS"),
            fix: format!("use --target {secure}"),
        };
    }
    if f.kind == crate::record::FaultKind::Timeout {
        return Problem {
            cause: format!("{host} did not answer within {} s", timeout.as_secs_f64()),
            fix: "check that the SP is up and reachable from here (firewall, VPN), and the port in --target".into(),
        };
    }
    Problem {
        cause: format!("no HTTP answer from {host}: {}", short(m)),
        fix: "check --target (scheme, host, port) and that the SP is up".into(),
    }
}

fn auth_problem(cfg: &ClientConfig, status: u16) -> Problem {
    let base = cfg.base_url.as_str();
    match &cfg.credentials {
        None => Problem {
            cause: format!("GET {base}/Users answered HTTP {status}: the SP wants a token and none was sent"),
            fix: "pass the token with --token-env VAR (an environment variable holding it)".into(),
        },
        Some(Credentials::Bearer(_)) => Problem {
            cause: format!(
                "GET {base}/Users answered HTTP {status} to the token sent as `Authorization: Bearer …`: the token is wrong, expired or lacks rights"
            ),
            fix: "check the token in --token-env; if the SP expects an API key in another header, name it with --auth-header NAME".into(),
        },
        Some(Credentials::Header { name, .. }) => Problem {
            cause: format!(
                "GET {base}/Users answered HTTP {status} to the token sent in the `{name}` header: the token is wrong, or the SP expects another header"
            ),
            fix: format!("check the token in --token-env; drop --auth-header {name} if the SP expects `Authorization: Bearer`"),
        },
    }
}

/// Likely SCIM bases near `base`: with `/scim/v2`, `/v2` or `/scim`
/// appended, `/Users` stripped, one segment up, or at the origin
/// (`/scim/v2`, `/scim`, `/v2`, `/`). The first whose `/Users` answers a
/// ListResponse (or refuses the token the SCIM way) wins.
async fn find_base(cfg: &ClientConfig, timeout: Duration) -> Option<String> {
    let base = cfg.base_url.trim_end_matches('/');
    let mut candidates = Vec::new();
    for suffix in ["/Users", "/Groups"] {
        if let Some(b) = base.strip_suffix(suffix) {
            candidates.push(b.to_string());
        }
    }
    for suffix in ["/scim/v2", "/v2", "/scim", "/api/scim/v2"] {
        candidates.push(format!("{base}{suffix}"));
    }
    if let Some((parent, _)) = base.rsplit_once('/').filter(|(p, _)| p.len() > "https://".len()) {
        candidates.push(parent.to_string());
        candidates.push(format!("{parent}/scim/v2"));
    }
    let origin = origin(base);
    for suffix in ["/scim/v2", "/scim", "/v2", ""] {
        candidates.push(format!("{origin}{suffix}"));
    }
    let mut seen = std::collections::HashSet::new();
    candidates.retain(|c| c != base && seen.insert(c.clone()));
    let timeout = timeout.min(Duration::from_secs(3));
    for c in candidates.into_iter().take(14) {
        if let Ok(Probe::Answer(r)) = probe(cfg, &c, timeout).await
            && (((200..300).contains(&r.status) && is_list_response(r.body.as_ref()))
                || ((r.status == 401 || r.status == 403) && is_scim_error(r.body.as_ref())))
        {
            return Some(c);
        }
    }
    None
}

/// A plain-HTTP request that fails against a server that answers a TLS
/// ClientHello: the target speaks HTTPS.
async fn speaks_tls(cfg: &ClientConfig, timeout: Duration) -> bool {
    let secure = cfg.base_url.replacen("http://", "https://", 1);
    let c = ClientConfig { tls: crate::client::Tls { insecure: true, ca_pem: None }, ..cfg.clone() };
    matches!(probe(&c, &secure, timeout.min(Duration::from_secs(3))).await, Ok(Probe::Answer(_)))
}

fn is_list_response(body: Option<&Value>) -> bool {
    let Some(b) = body else { return false };
    let urn = b
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|x| x.as_str() == Some("urn:ietf:params:scim:api:messages:2.0:ListResponse")));
    urn || b.get("totalResults").is_some() || b.get("Resources").is_some()
}

fn is_scim_error(body: Option<&Value>) -> bool {
    body.and_then(|b| b.get("schemas"))
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|x| x.as_str() == Some("urn:ietf:params:scim:api:messages:2.0:Error")))
}

/// The rustls reason, in words.
fn certificate_detail(m: &str) -> String {
    if m.contains("CaUsedAsEndEntity") {
        "it is a self-signed CA certificate used as the server's own certificate".into()
    } else if m.contains("UnknownIssuer") {
        "it is issued by a CA this machine does not trust (a private CA, or self-signed)".into()
    } else if m.contains("NotValidForName") {
        "it is not valid for this host name".into()
    } else if m.contains("Expired") {
        "it has expired".into()
    } else {
        short(m)
    }
}

/// The SCIM base a redirect points to: its Location without the `/Users` tail.
fn base_from_location(base: &str, location: &str) -> Option<String> {
    if location.is_empty() {
        return None;
    }
    let absolute = if location.starts_with("http://") || location.starts_with("https://") {
        location.to_string()
    } else if location.starts_with('/') {
        format!("{}{location}", origin(base))
    } else {
        return None;
    };
    let path = absolute.split('?').next().unwrap_or(&absolute);
    Some(path.trim_end_matches('/').trim_end_matches("/Users").trim_end_matches('/').to_string())
}

fn origin(url: &str) -> &str {
    let after = url.find("://").map_or(0, |i| i + 3);
    match url[after..].find('/') {
        Some(i) => &url[..after + i],
        None => url,
    }
}

fn host_of(url: &str) -> &str {
    let o = origin(url);
    o.find("://").map_or(o, |i| &o[i + 3..])
}

/// The host of `host[:port]` (an IPv6 literal keeps its brackets).
fn host_name(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// The last part of an error chain, where the cause is.
fn short(m: &str) -> String {
    let last = m.rsplit(": ").next().unwrap_or(m);
    last.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_suggests_its_base() {
        assert_eq!(
            base_from_location("http://h:1/scim", "http://h:1/scim/v2/Users?startIndex=1&count=1").as_deref(),
            Some("http://h:1/scim/v2")
        );
        assert_eq!(base_from_location("https://h/a", "/b/v2/Users").as_deref(), Some("https://h/b/v2"));
        assert_eq!(base_from_location("https://h/a", ""), None);
        assert_eq!(host_of("https://sp.example.com:8443/scim/v2"), "sp.example.com:8443");
        assert_eq!(host_name("sp.example.com:8443"), "sp.example.com");
        assert_eq!(host_name("[::1]:8443"), "[::1]");
        assert_eq!(host_name("sp.example.com"), "sp.example.com");
    }

    #[test]
    fn certificate_reasons_are_words() {
        assert!(certificate_detail("invalid peer certificate: UnknownIssuer").contains("does not trust"));
        assert!(certificate_detail("invalid peer certificate: CaUsedAsEndEntity").contains("self-signed"));
    }
}
