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
    if url.ends_with('/') {
        return Err(BaseUrlError::TrailingSlash(setting));
    }
    Ok(())
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
}
