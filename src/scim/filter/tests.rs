use super::*;
use serde_json::json;

fn p(s: &str) -> AttrPath {
    AttrPath::parse(s).unwrap()
}

fn cmp(path: &str, op: CompareOp, lit: Literal) -> Filter {
    Filter::Compare(p(path), op, lit)
}

fn s(v: &str) -> Literal {
    Literal::Str(v.to_string())
}

fn user() -> serde_json::Value {
    json!({
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "Ext-1",
        "userName": "Bjensen@Example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "active": true,
        "x": 5,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "meta": {"lastModified": "2011-05-13T04:42:34Z"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour Operations"}
    })
}

fn m(filter: &str) -> bool {
    parse(filter).unwrap().matches(&user(), &default_case_exact)
}

#[test]
fn precedence_not_and_or() {
    let f = parse("a eq 1 or b eq 2 and not (c pr)").unwrap();
    let expected = Filter::Or(vec![
        cmp("a", CompareOp::Eq, Literal::Num(1.0)),
        Filter::And(vec![cmp("b", CompareOp::Eq, Literal::Num(2.0)), Filter::Not(Box::new(Filter::Present(p("c"))))]),
    ]);
    assert_eq!(f, expected);
    let g = parse("(a eq 1 or b eq 2) and c pr").unwrap();
    assert!(matches!(g, Filter::And(ref v) if matches!(v[0], Filter::Or(_))));
}

#[test]
fn keywords_and_operators_are_case_insensitive() {
    assert!(m("USERNAME EQ \"bjensen@example.com\" AND Active Eq TRUE"));
}

#[test]
fn string_escapes_are_decoded() {
    let f = parse(r#"a eq "q\"b\\s\/\n\u00e9\ud83d\ude00""#).unwrap();
    assert_eq!(f, cmp("a", CompareOp::Eq, s("q\"b\\s/\né😀")));
}

#[test]
fn literals() {
    assert_eq!(parse("a eq -1.5e2").unwrap(), cmp("a", CompareOp::Eq, Literal::Num(-150.0)));
    assert_eq!(parse("a eq false").unwrap(), cmp("a", CompareOp::Eq, Literal::Bool(false)));
    assert_eq!(parse("a eq null").unwrap(), cmp("a", CompareOp::Eq, Literal::Null));
}

#[test]
fn urn_paths() {
    let path = p("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
    assert_eq!(path.schema.as_deref(), Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
    assert_eq!((path.name.as_str(), path.sub.as_deref()), ("manager", Some("value")));
    let whole = p("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
    assert_eq!(whole.schema, None);
    assert!(m(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations""#));
    assert!(m(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bjensen""#));
}

#[test]
fn every_operator() {
    assert!(m(r#"userName eq "BJENSEN@example.com""#));
    assert!(!m(r#"userName ne "bjensen@example.com""#));
    assert!(m(r#"userName co "JENSEN""#));
    assert!(m(r#"userName sw "bj""#));
    assert!(m(r#"userName ew ".COM""#));
    assert!(m("x gt 4") && !m("x gt 5"));
    assert!(m("x ge 5") && !m("x ge 6"));
    assert!(m("x lt 6") && !m("x lt 5"));
    assert!(m("x le 5") && !m("x le 4"));
    assert!(m(r#"meta.lastModified gt "2011-05-13T04:42:33Z""#));
    assert!(m("name.givenName pr") && !m("nickName pr"));
    assert!(m("nickName eq null") && !m("userName eq null"));
}

#[test]
fn case_rules_follow_schema() {
    assert!(!m(r#"externalId eq "ext-1""#));
    assert!(m(r#"externalId eq "Ext-1""#));
    assert!(!m(r#"id eq "2819C223-7F76-453A-919D-413861904646""#));
    assert!(m(r#"emails.value eq "BABS@jensen.org""#));
}

#[test]
fn multi_valued_and_value_paths() {
    assert!(m(r#"emails co "jensen.org""#));
    assert!(m(r#"emails.type eq "home""#));
    assert!(m(r#"emails[type eq "work" and value co "@example"]"#));
    assert!(!m(r#"emails[type eq "home" and value co "@example"]"#));
    assert!(m(r#"emails[not (type eq "work")]"#));
    assert!(m(r#"userName eq "nobody" or emails[primary eq true]"#));
}

#[test]
fn errors_carry_positions() {
    let cases = [
        ("userName eq", "expected a value, found end of input", 12),
        ("userName xx \"a\"", "unknown operator 'xx'", 10),
        ("(a pr", "expected ')', found end of input", 6),
        ("a pr )", "unexpected ')'", 6),
        ("a eq \"abc", "unterminated string", 6),
        ("a eq \"\\q\"", "invalid escape in string", 7),
        ("a eq \"\\ud800\"", "invalid escape in string", 7),
        ("a gt true", "operator 'gt' cannot compare a boolean or null", 6),
        ("a co 1", "operator 'co' needs a string value", 6),
        ("1a eq 1", "invalid attribute path '1a'", 1),
        ("a eq 01x", "expected a value, found '01x'", 6),
        ("a[b[c pr]]", "nested value filters are not allowed", 4),
        ("a eq 1 # b", "unexpected character '#'", 8),
        ("", "expected an attribute, found end of input", 1),
    ];
    for (input, message, position) in cases {
        let err = parse(input).unwrap_err();
        assert_eq!((err.message.as_str(), err.position), (message, position), "{input}");
    }
}

#[test]
fn depth_and_length_are_bounded() {
    let deep = format!("{}a pr{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(parse(&deep).unwrap_err().message, "filter nested too deeply");
    let deep_not = format!("{}a pr{}", "not (".repeat(40), ")".repeat(40));
    assert!(parse(&deep_not).is_err());
    let long = vec!["a pr"; 5000].join(" and ");
    assert!(parse(&long).unwrap_err().message.starts_with("longer than"));
    let wide = vec!["a pr"; 1000].join(" or ");
    assert!(matches!(parse(&wide).unwrap(), Filter::Or(v) if v.len() == 1000));
}

#[test]
fn garbage_never_panics() {
    let inputs = [
        "[",
        "]",
        "\"",
        "\\",
        "a[",
        "a[]",
        "a eq \"\\u12",
        "not",
        "not (",
        "a eq 1e",
        "a eq -",
        "urn:",
        "urn:x:",
        "a..b pr",
        "é eq 1",
    ];
    for input in inputs {
        assert!(parse(input).is_err(), "{input}");
    }
}

#[test]
fn value_path_for_patch() {
    let (attr, filter, sub) = parse_value_path(r#"emails[type eq "work"].value"#).unwrap();
    assert_eq!(attr, p("emails"));
    assert_eq!(filter, Some(cmp("type", CompareOp::Eq, s("work"))));
    assert_eq!(sub.as_deref(), Some("value"));
    let (attr, filter, sub) = parse_value_path("name.givenName").unwrap();
    assert_eq!((attr, filter, sub), (p("name.givenName"), None, None));
    assert!(parse_value_path("emails[type eq \"work\"].").is_err());
    assert!(parse_value_path("emails[type eq \"work\"] x").is_err());
    assert!(parse_value_path("a.b[c pr]").is_err());
}

#[test]
fn attr_path_with_a_multibyte_character_near_the_start_is_an_error_not_a_panic() {
    // Found by the scim_filter fuzz target: `word[..4]` sliced inside 'é'.
    for input in ["useérName", "urné:x", "ééé", "abcé"] {
        assert!(AttrPath::parse(input).is_err(), "{input}");
    }
}

/// The full parser, bypassing the `attr op "string"` fast path.
fn parse_full(input: &str) -> Result<Filter, FilterError> {
    let mut p = Parser::new(input)?;
    let f = p.or(0, false)?;
    p.expect_end()?;
    Ok(f)
}

#[test]
fn simple_fast_path_agrees_with_the_parser() {
    let accepted = [
        r#"userName eq "bjensen@example.com""#,
        r#"  userName   EQ   "a b"   "#,
        r#"emails.value co "@example.com""#,
        r#"name.givenName sw "B""#,
        r#"not eq "x""#,
        r#"and eq "x""#,
        r#"x_y-z ne """#,
        r#"title gt "é ü 中""#,
        "displayName le \"\u{7f}\"",
    ];
    for input in accepted {
        let fast = parse_simple(input).unwrap_or_else(|| panic!("fast path declined {input:?}"));
        assert_eq!(Ok(fast), parse_full(input), "{input:?}");
        assert_eq!(parse(input), parse_full(input), "{input:?}");
    }
    let declined = [
        r#"userName pr"#,
        r#"userName pr "x""#,
        r#"userName eq "a\"b""#,
        r#"userName eq "a\\b""#,
        "userName eq \"a\tb\"",
        "userName\teq \"x\"",
        r#"userName eq "x" and active eq true"#,
        r#"userName eq "x" "y""#,
        r#"userName eq 5"#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#,
        r#"members.$ref eq "x""#,
        r#"a.b.c eq "x""#,
        r#"a. eq "x""#,
        r#"1a eq "x""#,
        r#"a+b eq "x""#,
        r#"userName xx "x""#,
        r#"userName eq "x"#,
        r#"(userName eq "x")"#,
        r#"emails[type eq "work"]"#,
    ];
    for input in declined {
        assert_eq!(parse_simple(input), None, "{input:?}");
        assert_eq!(parse(input), parse_full(input), "{input:?}");
    }
    let long = format!(r#"userName eq "{}""#, "x".repeat(MAX_LEN));
    assert_eq!(parse_simple(&long), None);
    assert!(parse(&long).is_err());
}

#[test]
fn simple_value_path_agrees_with_the_parser() {
    fn full(input: &str) -> Result<(AttrPath, Option<Filter>, Option<String>), FilterError> {
        let mut p = Parser::new(input)?;
        let (word, pos) = match p.next() {
            lexer::Token { tok: lexer::Tok::Word(w), pos } => (w, pos),
            t => return Err(FilterError::new("expected an attribute path", t.pos)),
        };
        let attr = parse_attr_path(&word, pos)?;
        p.expect_end()?;
        Ok((attr, None, None))
    }
    for input in ["members", "name.givenName", "x-y_z", "emails.value", "not", "a1"] {
        let fast = simple_attr_path(input).unwrap_or_else(|| panic!("fast path declined {input:?}"));
        assert_eq!(Ok((fast, None, None)), full(input), "{input:?}");
        assert_eq!(parse_value_path(input), full(input), "{input:?}");
    }
    for input in
        [" members", "a.b.c", "a.", ".a", "1a", "members.$ref", "urn:x:y", "a b", "", "emails[type eq \"work\"]"]
    {
        assert_eq!(simple_attr_path(input), None, "{input:?}");
    }
}
