//! The Base URL rule, in one place for the CLI (`--target`), scenarios
//! (`target.base_url`) and the console: http or https, no trailing `/`
//! (JumpCloud appends `/Users` and `/Groups` itself [C]), and no credentials
//! in the URL (they would be recorded; the token has its own setting).

use thiserror::Error;

/// Why a Base URL is refused. The message names the setting `{0}`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum BaseUrlError {
    #[error("{0} `{1}` must start with http:// or https://")]
    Scheme(&'static str, String),
    #[error("remove the trailing `/` from {0}: JumpCloud appends `/Users` and `/Groups` itself")]
    TrailingSlash(&'static str),
    #[error(
        "{0} carries credentials (`user:password@`): remove them; pass the token with --token-env (or the scenario's `auth:`), which is redacted from every record"
    )]
    Credentials(&'static str),
    #[error("{0} `{1}` is not a valid URL: {2}")]
    Malformed(&'static str, String, &'static str),
}

/// Check `url` as the Base URL named `setting` (`base_url`, `--target`).
pub(crate) fn check(setting: &'static str, url: &str) -> Result<(), BaseUrlError> {
    let Some(rest) = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")) else {
        return Err(BaseUrlError::Scheme(setting, redact_userinfo(url)));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(BaseUrlError::Credentials(setting));
    }
    if let Some(why) = authority_problem(authority) {
        return Err(BaseUrlError::Malformed(setting, url.to_string(), why));
    }
    if url.ends_with('/') {
        return Err(BaseUrlError::TrailingSlash(setting));
    }
    Ok(())
}

/// What is wrong with the `host[:port]` of a URL, if anything: caught here,
/// it is a usage error (exit 2), not an SP that cannot be reached (exit 3).
fn authority_problem(authority: &str) -> Option<&'static str> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((v6, after)) = bracketed.split_once(']') else {
            return Some("the IPv6 address in `[` … `]` is not closed");
        };
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return Some("what is inside `[` … `]` is not an IPv6 address");
        }
        match after {
            "" => (v6, None),
            p => match p.strip_prefix(':') {
                Some(port) => (v6, Some(port)),
                None => return Some("after `]` only `:PORT` may follow"),
            },
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Some("it has no host");
    }
    let host_char = |c: char| c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '%');
    if !authority.starts_with('[') && !host.chars().all(host_char) {
        return Some("the host has a character a host name cannot have");
    }
    if let Some(p) = port
        && !p.is_empty()
        && (!p.chars().all(|c| c.is_ascii_digit()) || p.parse::<u16>().is_err())
    {
        return Some("the port is not a number from 0 to 65535");
    }
    None
}

/// `url` with any `user:password@` replaced, safe to print.
pub(crate) fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}[REDACTED]@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule() {
        assert_eq!(check("--target", "https://sp.example.com/scim/v2"), Ok(()));
        assert_eq!(check("--target", "http://127.0.0.1:9/v2?tenant=a@b"), Ok(()), "an @ in the query is not userinfo");
        assert_eq!(check("base_url", "https://h/scim/"), Err(BaseUrlError::TrailingSlash("base_url")));
        assert!(matches!(check("--target", "ftp://h"), Err(BaseUrlError::Scheme(..))));
        let e = check("--target", "http://admin:pw@host/scim/v2").unwrap_err();
        assert_eq!(e, BaseUrlError::Credentials("--target"));
        assert!(!e.to_string().contains("pw"));
        let e = check("--target", "admin:pw@host/scim").unwrap_err();
        assert!(!e.to_string().contains("pw"), "{e}");
        assert_eq!(redact_userinfo("https://a:b@h/x"), "https://[REDACTED]@h/x");
    }

    #[test]
    fn a_malformed_host_or_port_is_refused_here() {
        for bad in [
            "http://[zz",
            "http://[zz]/x",
            "http://[::1",
            "http://[::1]x",
            "http:///scim",
            "http://h:99999",
            "http://h:8x",
            "http://a b/c",
            "https://h^/",
        ] {
            assert!(matches!(check("--target", bad), Err(BaseUrlError::Malformed(..))), "{bad}");
        }
        for good in [
            "http://[::1]:9000/scim/v2",
            "http://127.0.0.1:9000",
            "https://sp.example.com",
            "https://bücher.example/v2",
            "http://h:/v2",
        ] {
            assert_eq!(check("--target", good), Ok(()), "{good}");
        }
    }
}
