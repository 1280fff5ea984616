//! `${VAR}` and `${VAR:-default}` expansion of scenario strings.
//!
//! Expansion happens on parsed string values, never on the YAML text, so a
//! value containing `#` or `: ` cannot change the document's structure. The
//! variables come from the process environment unless a test installs its own.
//!
//! A scenario from someone else (pasted into the console, uploaded) must not
//! read the environment at all: `${AWS_SECRET_ACCESS_KEY}` in a first name
//! would show the server's secret on a page and send it to the SP. Loaded
//! [`without_env`], every reference is refused with the same words whether
//! the variable is set or not, so nothing can be probed either.

use serde::{Deserialize, Deserializer, de::Error as _};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

thread_local! {
    static OVERRIDE: RefCell<Option<HashMap<String, String>>> = const { RefCell::new(None) };
    static USED: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
    static REFUSE: Cell<bool> = const { Cell::new(false) };
    static LITERAL: Cell<bool> = const { Cell::new(false) };
}

/// Run `f` (which deserializes scenario types) with every string taken as
/// it is: no `${VAR}` read, `$$` kept. For jcsim's own files (the console's
/// state), whose values were typed by an admin and never expanded.
pub fn literally<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            LITERAL.with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(LITERAL.with(|r| r.replace(true)));
    f()
}

/// Run `f` (which parses a scenario) with every `${VAR}` refused rather than
/// read from the environment: for scenarios from an untrusted source.
pub fn without_env<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            REFUSE.with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(REFUSE.with(|r| r.replace(true)));
    f()
}

/// Run `f` with `vars` as the whole environment (tests).
pub fn with_vars<T>(vars: HashMap<String, String>, f: impl FnOnce() -> T) -> T {
    OVERRIDE.with(|o| *o.borrow_mut() = Some(vars));
    let out = f();
    OVERRIDE.with(|o| *o.borrow_mut() = None);
    out
}

/// Take the `(name, value)` pairs substituted since the last call. The loader
/// uses them to keep substituted values (often tokens) out of error messages.
pub(crate) fn take_used() -> Vec<(String, String)> {
    USED.with(|u| std::mem::take(&mut *u.borrow_mut()))
}

fn lookup(name: &str) -> Option<String> {
    let over = OVERRIDE.with(|o| o.borrow().as_ref().map(|m| m.get(name).cloned()));
    match over {
        Some(v) => v,
        None => std::env::var(name).ok(),
    }
}

/// Expand every `${VAR}` / `${VAR:-default}` in `input`. `$$` is a literal `$`.
pub(crate) fn expand_str(input: &str) -> Result<String, String> {
    if !input.contains('$') || LITERAL.with(Cell::get) {
        return Ok(input.to_string());
    }
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = body.find('}').ok_or_else(|| format!("unclosed `${{` in {input:?}"))?;
            let inner = &body[..end];
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!(
                    "`${{{inner}}}` is not a valid variable reference (use ${{NAME}} or ${{NAME:-default}})"
                ));
            }
            if REFUSE.with(Cell::get) {
                // The same words whether `name` is set or not.
                return Err(format!(
                    "environment variable `{name}` is not read here: a scenario loaded into the console \
                     cannot read the server's environment (write the value itself; `$$` is a literal `$`)"
                ));
            }
            let value = match (lookup(name), default) {
                (Some(v), None) => v,
                (Some(v), Some(_)) if !v.is_empty() => v,
                (_, Some(d)) => d.to_string(),
                (None, None) => {
                    return Err(format!(
                        "environment variable `{name}` is not set (set it, or write ${{{name}:-default}})"
                    ));
                }
            };
            USED.with(|u| u.borrow_mut().push((name.to_string(), value.clone())));
            out.push_str(&value);
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// `deserialize_with` for `String` fields.
pub(crate) fn expand<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    expand_str(&s).map_err(D::Error::custom)
}

/// `deserialize_with` for `Option<String>` fields.
pub(crate) fn expand_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(s) => expand_str(&s).map(Some).map_err(D::Error::custom),
        None => Ok(None),
    }
}

/// `deserialize_with` for `Vec<String>` fields.
pub(crate) fn expand_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v = Vec::<String>::deserialize(d)?;
    v.iter().map(|s| expand_str(s)).collect::<Result<_, _>>().map_err(D::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn expands_set_default_and_literal_dollar() {
        let out = with_vars(vars(&[("A", "x#y: z")]), || expand_str("a=${A} b=${B:-dflt} $$5 $x"));
        assert_eq!(out.unwrap(), "a=x#y: z b=dflt $5 $x");
    }

    #[test]
    fn unset_without_default_names_the_variable() {
        let err = with_vars(vars(&[]), || expand_str("${SCIM_TOKEN}")).unwrap_err();
        assert!(err.contains("`SCIM_TOKEN` is not set"), "{err}");
    }

    #[test]
    fn empty_value_uses_default_only_when_one_is_given() {
        let v = vars(&[("E", "")]);
        assert_eq!(with_vars(v.clone(), || expand_str("${E:-d}")).unwrap(), "d");
        assert_eq!(with_vars(v, || expand_str("[${E}]")).unwrap(), "[]");
    }

    #[test]
    fn without_env_refuses_set_and_unset_variables_alike() {
        let v = vars(&[("SECRET", "hunter22"), ("EMPTY", "")]);
        let errors: Vec<String> = ["${SECRET}", "${UNSET}", "${SECRET:-d}", "${EMPTY:-d}"]
            .iter()
            .map(|input| with_vars(v.clone(), || without_env(|| expand_str(input))).unwrap_err())
            .collect();
        for e in &errors {
            assert!(!e.contains("hunter22") && e.contains("cannot read the server's environment"), "{e}");
        }
        assert_eq!(errors[0].replace("SECRET", "UNSET"), errors[1], "set and unset must read the same");
        assert_eq!(with_vars(v.clone(), || without_env(|| expand_str("a $$ b"))).unwrap(), "a $ b");
        // Outside `without_env`, expansion is back.
        assert_eq!(with_vars(v, || expand_str("${SECRET}")).unwrap(), "hunter22");
    }

    #[test]
    fn malformed_references_are_errors() {
        assert!(with_vars(vars(&[]), || expand_str("${A")).is_err());
        assert!(with_vars(vars(&[]), || expand_str("${A B}")).is_err());
    }
}
