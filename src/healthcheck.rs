//! `jcsim healthcheck URL`: one plain-HTTP GET that succeeds on a 2xx status.
//! It lets a slim container image check `/healthz` without shipping curl.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;
use thiserror::Error;

/// Why a health check failed.
#[derive(Debug, Error, PartialEq)]
pub enum HealthError {
    #[error("`{0}` is not an http:// URL (healthcheck speaks plain HTTP to a local server)")]
    BadUrl(String),
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: String, reason: String },
    #[error("no valid HTTP response from {0}")]
    BadResponse(String),
    #[error("{url} answered {status}")]
    Unhealthy { url: String, status: u16 },
}

/// `http://host[:port][/path]` split into its parts.
fn parse(url: &str) -> Result<(String, u16, String), HealthError> {
    let bad = || HealthError::BadUrl(without_userinfo(url));
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') || path.contains(char::is_whitespace) {
        return Err(bad());
    }
    let port_of = |p: &str| p.parse::<u16>().map_err(|_| bad());
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (h, after) = bracketed.split_once(']').ok_or_else(bad)?;
        match after {
            "" => (h, 80),
            p => (h, port_of(p.strip_prefix(':').ok_or_else(bad)?)?),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, port_of(p)?),
            None => (authority, 80),
        }
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_string(), port, path.to_string()))
}

/// `url` with any `user:password@` masked, safe to print: a health check is
/// no place for credentials, and an error must not echo them.
fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = url.find("://").map_or(("", url), |i| (&url[..i + 3], &url[i + 3..]));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}[REDACTED]@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// GET `url`; `Ok(status)` for a 2xx answer within `timeout`.
pub fn check(url: &str, timeout: Duration) -> Result<u16, HealthError> {
    let (host, port, path) = parse(url)?;
    let addr = format!("{host}:{port}");
    let connect_err = |reason: String| HealthError::Connect { addr: addr.clone(), reason };
    let sockets = (host.as_str(), port).to_socket_addrs().map_err(|e| connect_err(e.to_string()))?;
    let mut last = connect_err("no address".into());
    let mut stream = None;
    for sa in sockets {
        match TcpStream::connect_timeout(&sa, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = connect_err(e.to_string()),
        }
    }
    let mut stream = stream.ok_or(last)?;
    let io = |e: std::io::Error| connect_err(e.to_string());
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let host_header = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: jcsim-healthcheck/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    stream.write_all(request.as_bytes()).map_err(io)?;
    // The status line is all we need; read at most 1 KiB of it.
    let mut head = Vec::new();
    let mut chunk = [0u8; 256];
    while head.len() < 1024 && !head.contains(&b'\n') {
        let n = stream.read(&mut chunk).map_err(io)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let status = line
        .lines()
        .next()
        .filter(|l| l.starts_with("HTTP/1."))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| HealthError::BadResponse(url.to_string()))?;
    if (200..300).contains(&status) { Ok(status) } else { Err(HealthError::Unhealthy { url: url.to_string(), status }) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    /// A one-shot server answering `response`; returns its URL and the
    /// request it received.
    fn serve_once(response: &'static str) -> (String, thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).unwrap();
            s.write_all(response.as_bytes()).unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        });
        (format!("http://127.0.0.1:{port}/healthz"), handle)
    }

    #[test]
    fn parses_hosts_ports_and_paths() {
        assert_eq!(parse("http://127.0.0.1:8080/healthz").unwrap(), ("127.0.0.1".into(), 8080, "/healthz".into()));
        assert_eq!(parse("http://localhost").unwrap(), ("localhost".into(), 80, "/".into()));
        assert_eq!(parse("http://[::1]:9/h?x=1").unwrap(), ("::1".into(), 9, "/h?x=1".into()));
        assert_eq!(parse("http://[::1]").unwrap(), ("::1".into(), 80, "/".into()));
        for bad in
            ["https://x/healthz", "x:80", "http://", "http://h:port/", "http://u@h/", "http://[::1/", "http://::1/"]
        {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_url_with_credentials_is_refused_without_echoing_them() {
        for url in
            ["http://admin:hunter2@127.0.0.1:9/healthz", "http://hunter2@h", "admin:hunter2@h/x", "https://a:hunter2@h"]
        {
            let err = check(url, Duration::from_secs(1)).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{err}");
            assert!(err.contains("[REDACTED]@"), "{err}");
        }
    }

    #[test]
    fn a_2xx_answer_is_healthy() {
        let (url, server) = serve_once("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assert_eq!(check(&url, Duration::from_secs(2)), Ok(200));
        let request = server.join().unwrap();
        assert!(request.starts_with("GET /healthz HTTP/1.1\r\n"), "{request}");
        assert!(request.contains("\r\nHost: 127.0.0.1:"), "{request}");
    }

    #[test]
    fn a_5xx_answer_is_unhealthy() {
        let (url, server) = serve_once("HTTP/1.1 503 Service Unavailable\r\n\r\n");
        let err = check(&url, Duration::from_secs(2)).unwrap_err();
        assert_eq!(err, HealthError::Unhealthy { url, status: 503 });
        server.join().unwrap();
    }

    #[test]
    fn garbage_and_closed_ports_are_unhealthy() {
        let (url, server) = serve_once("SSH-2.0-OpenSSH\r\n");
        assert!(matches!(check(&url, Duration::from_secs(2)), Err(HealthError::BadResponse(_))));
        server.join().unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let err = check(&format!("http://127.0.0.1:{port}/healthz"), Duration::from_secs(2)).unwrap_err();
        assert!(matches!(err, HealthError::Connect { .. }), "{err}");
    }
}
