//! SCIM filter expressions (RFC 7644 §3.4.2.2): parser and evaluator.
//! A tokenizer plus recursive descent (precedence `not` > `and` > `or`) with a
//! bounded nesting depth, and an evaluator over `serde_json::Value` resources.

mod eval;
mod lexer;
#[cfg(test)]
mod tests;

use lexer::{Tok, Token, tokenize};

pub use eval::{default_case_exact, get_ci};

/// Maximum nesting depth of parentheses, `not` and value filters.
pub const MAX_DEPTH: usize = 32;
/// Maximum length of a filter expression, in bytes.
pub const MAX_LEN: usize = 16 * 1024;

/// A filter or path that failed to parse. `position` is the 1-based character column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at position {position}")]
pub struct FilterError {
    /// What is wrong, without the position.
    pub(crate) message: String,
    /// 1-based character column where the problem starts.
    pub position: usize,
}

impl FilterError {
    fn new(message: impl Into<String>, position: usize) -> Self {
        Self { message: message.into(), position }
    }
}

/// An attribute path: optional schema URN, attribute name, optional sub-attribute.
///
/// A path that is exactly a known schema URN (e.g. the enterprise extension) is
/// represented with `schema: None` and the URN as `name`, because the resource
/// keys that extension object by its URN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// Schema URN prefix, as written.
    pub schema: Option<String>,
    /// Attribute name, as written.
    pub name: String,
    /// Sub-attribute name, as written.
    pub sub: Option<String>,
}

impl AttrPath {
    /// Parses `name`, `name.sub` or `urn:…:name[.sub]`.
    pub fn parse(s: &str) -> Result<AttrPath, FilterError> {
        parse_attr_path(s, 1)
    }

    /// The lowercase dotted key used for case rules (`emails.value`), without URN.
    pub(crate) fn key(&self) -> String {
        match &self.sub {
            Some(sub) => format!("{}.{}", self.name, sub).to_ascii_lowercase(),
            None => self.name.to_ascii_lowercase(),
        }
    }

    /// True when the schema prefix (if any) names a core resource schema.
    pub(crate) fn is_core(&self) -> bool {
        self.schema
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case(super::USER_SCHEMA) || s.eq_ignore_ascii_case(super::GROUP_SCHEMA))
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// equal
    Eq,
    /// not equal
    Ne,
    /// contains
    Co,
    /// starts with
    Sw,
    /// ends with
    Ew,
    /// greater than
    Gt,
    /// greater than or equal
    Ge,
    /// less than
    Lt,
    /// less than or equal
    Le,
}

impl CompareOp {
    fn from_word(w: &str) -> Option<CompareOp> {
        const OPS: [(&str, CompareOp); 9] = [
            ("eq", CompareOp::Eq),
            ("ne", CompareOp::Ne),
            ("co", CompareOp::Co),
            ("sw", CompareOp::Sw),
            ("ew", CompareOp::Ew),
            ("gt", CompareOp::Gt),
            ("ge", CompareOp::Ge),
            ("lt", CompareOp::Lt),
            ("le", CompareOp::Le),
        ];
        OPS.iter().find(|(name, _)| w.eq_ignore_ascii_case(name)).map(|(_, op)| *op)
    }
}

/// A comparison value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A JSON string (escapes decoded).
    Str(String),
    /// A JSON number.
    Num(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A parsed filter. `And`/`Or` are n-ary so long chains stay shallow.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// All must match.
    And(Vec<Filter>),
    /// Any must match.
    Or(Vec<Filter>),
    /// Negation.
    Not(Box<Filter>),
    /// `attr pr`
    Present(AttrPath),
    /// `attr op value`
    Compare(AttrPath, CompareOp, Literal),
    /// `attr[filter]`: some element of a multi-valued attribute matches.
    ValuePath(AttrPath, Box<Filter>),
}

/// Parses a filter expression.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    if let Some(f) = parse_simple(input) {
        return Ok(f);
    }
    let mut p = Parser::new(input)?;
    let f = p.or(0, false)?;
    p.expect_end()?;
    Ok(f)
}

/// Parses a PATCH-style path: `attrPath`, `attrPath[valFilter]` or
/// `attrPath[valFilter].subAttr`.
pub fn parse_value_path(input: &str) -> Result<(AttrPath, Option<Filter>, Option<String>), FilterError> {
    if let Some(attr) = simple_attr_path(input) {
        return Ok((attr, None, None));
    }
    let mut p = Parser::new(input)?;
    let (word, pos) = match p.next() {
        Token { tok: Tok::Word(w), pos } => (w, pos),
        t => return Err(FilterError::new("expected an attribute path", t.pos)),
    };
    let attr = parse_attr_path(&word, pos)?;
    if !matches!(p.peek().tok, Tok::LBrack) {
        p.expect_end()?;
        return Ok((attr, None, None));
    }
    if attr.sub.is_some() {
        return Err(FilterError::new("a value filter cannot follow a sub-attribute", pos));
    }
    p.next();
    let filter = p.or(1, true)?;
    p.expect(Tok::RBrack, "']'")?;
    let sub = match p.next() {
        Token { tok: Tok::End, .. } => None,
        Token { tok: Tok::Word(w), pos } => match w.strip_prefix('.') {
            Some(s) if is_attr_name(s) => {
                p.expect_end()?;
                Some(s.to_string())
            }
            _ => {
                return Err(FilterError::new(format!("invalid sub-attribute '{w}'"), pos));
            }
        },
        t => return Err(FilterError::new("unexpected token after ']'", t.pos)),
    };
    Ok((attr, Some(filter), sub))
}

/// The common shape `attr op "string"` (`attr` a plain name or `name.sub`,
/// single ASCII spaces or more between the parts, no escapes in the string),
/// without tokenizing. Anything else is `None` and goes through the parser,
/// which gives the same `Filter` for every input accepted here.
fn parse_simple(input: &str) -> Option<Filter> {
    if input.len() > MAX_LEN {
        return None;
    }
    let rest = input.trim_start_matches(' ');
    let (attr, rest) = rest.split_once(' ')?;
    let rest = rest.trim_start_matches(' ');
    let (op, rest) = rest.split_once(' ')?;
    let rest = rest.trim_start_matches(' ').trim_end_matches(' ');
    let value = rest.strip_prefix('"')?.strip_suffix('"')?;
    if value.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        return None;
    }
    let op = CompareOp::from_word(op)?;
    Some(Filter::Compare(simple_attr_path(attr)?, op, Literal::Str(value.to_string())))
}

/// `name` or `name.sub` with plain attribute names (no URN, no `$ref`, no spaces):
/// the path `parse_attr_path` gives for such a word, without tokenizing.
fn simple_attr_path(word: &str) -> Option<AttrPath> {
    fn plain_name(s: &str) -> bool {
        let b = s.as_bytes();
        b.first().is_some_and(u8::is_ascii_alphabetic)
            && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
    }
    let (name, sub) = match word.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (word, None),
    };
    if !plain_name(name) || !sub.is_none_or(plain_name) {
        return None;
    }
    Some(AttrPath { schema: None, name: name.to_string(), sub: sub.map(str::to_string) })
}

fn is_attr_name(s: &str) -> bool {
    if s == "$ref" {
        return true;
    }
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

const KNOWN_SCHEMAS: [&str; 3] = [super::USER_SCHEMA, super::ENTERPRISE_USER_SCHEMA, super::GROUP_SCHEMA];

fn parse_attr_path(word: &str, pos: usize) -> Result<AttrPath, FilterError> {
    let bad = || FilterError::new(format!("invalid attribute path '{word}'"), pos);
    // `get`, not `[..4]`: byte 4 may fall inside a multi-byte character.
    let is_urn = word.len() > 4 && word.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    if is_urn && KNOWN_SCHEMAS.iter().any(|s| s.eq_ignore_ascii_case(word)) {
        return Ok(AttrPath { schema: None, name: word.to_string(), sub: None });
    }
    let (schema, rest) = if is_urn {
        let (urn, rest) = word.rsplit_once(':').ok_or_else(bad)?;
        let urn_ok = urn.chars().all(|c| c.is_ascii_alphanumeric() || ":._-".contains(c));
        if !urn_ok || urn.len() <= 4 {
            return Err(bad());
        }
        (Some(urn.to_string()), rest)
    } else {
        (None, word)
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    if !is_attr_name(name) || sub.is_some_and(|s| !is_attr_name(s)) {
        return Err(bad());
    }
    Ok(AttrPath { schema, name: name.to_string(), sub: sub.map(str::to_string) })
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn new(input: &str) -> Result<Self, FilterError> {
        if input.len() > MAX_LEN {
            return Err(FilterError::new(format!("longer than {MAX_LEN} bytes"), 1));
        }
        Ok(Parser { tokens: tokenize(input)?, at: 0 })
    }

    fn peek(&self) -> &Token {
        // tokenize always ends with Tok::End, and `next` never moves past it.
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        // Tokens before `at` are never looked at again: move them out instead of cloning.
        let i = self.at.min(self.tokens.len() - 1);
        if matches!(self.tokens[i].tok, Tok::End) {
            return self.tokens[i].clone();
        }
        self.at += 1;
        let pos = self.tokens[i].pos;
        Token { tok: std::mem::replace(&mut self.tokens[i].tok, Tok::End), pos }
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), FilterError> {
        let t = self.next();
        if t.tok == tok { Ok(()) } else { Err(FilterError::new(format!("expected {what}, found {}", t.tok), t.pos)) }
    }

    fn expect_end(&mut self) -> Result<(), FilterError> {
        let t = self.next();
        match t.tok {
            Tok::End => Ok(()),
            other => Err(FilterError::new(format!("unexpected {other}"), t.pos)),
        }
    }

    fn or(&mut self, depth: usize, inner: bool) -> Result<Filter, FilterError> {
        let first = self.and(depth, inner)?;
        if !self.peek_keyword("or") {
            return Ok(first);
        }
        let mut parts = vec![first];
        while self.peek_keyword("or") {
            self.next();
            parts.push(self.and(depth, inner)?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Filter::Or(parts) })
    }

    fn and(&mut self, depth: usize, inner: bool) -> Result<Filter, FilterError> {
        let first = self.unary(depth, inner)?;
        if !self.peek_keyword("and") {
            return Ok(first);
        }
        let mut parts = vec![first];
        while self.peek_keyword("and") {
            self.next();
            parts.push(self.unary(depth, inner)?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Filter::And(parts) })
    }

    fn unary(&mut self, depth: usize, inner: bool) -> Result<Filter, FilterError> {
        if depth >= MAX_DEPTH {
            return Err(FilterError::new("filter nested too deeply", self.peek().pos));
        }
        let negate =
            self.peek_keyword("not") && matches!(self.tokens.get(self.at + 1).map(|t| &t.tok), Some(Tok::LParen));
        if negate {
            self.next();
        }
        if matches!(self.peek().tok, Tok::LParen) {
            self.next();
            let f = self.or(depth + 1, inner)?;
            self.expect(Tok::RParen, "')'")?;
            return Ok(if negate { Filter::Not(Box::new(f)) } else { f });
        }
        self.attr_exp(depth, inner)
    }

    fn attr_exp(&mut self, depth: usize, inner: bool) -> Result<Filter, FilterError> {
        let (word, pos) = match self.next() {
            Token { tok: Tok::Word(w), pos } => (w, pos),
            t => {
                return Err(FilterError::new(format!("expected an attribute, found {}", t.tok), t.pos));
            }
        };
        let path = parse_attr_path(&word, pos)?;
        if matches!(self.peek().tok, Tok::LBrack) {
            let t = self.next();
            if inner {
                return Err(FilterError::new("nested value filters are not allowed", t.pos));
            }
            if path.sub.is_some() {
                return Err(FilterError::new("a value filter cannot follow a sub-attribute", t.pos));
            }
            let f = self.or(depth + 1, true)?;
            self.expect(Tok::RBrack, "']'")?;
            return Ok(Filter::ValuePath(path, Box::new(f)));
        }
        let (op_word, op_pos) = match self.next() {
            Token { tok: Tok::Word(w), pos } => (w, pos),
            t => {
                return Err(FilterError::new(format!("expected an operator, found {}", t.tok), t.pos));
            }
        };
        if op_word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let op = CompareOp::from_word(&op_word)
            .ok_or_else(|| FilterError::new(format!("unknown operator '{op_word}'"), op_pos))?;
        let t = self.next();
        let lit = match t.tok {
            Tok::Str(s) => Literal::Str(s),
            Tok::Word(w) => {
                lexer::literal(&w).ok_or_else(|| FilterError::new(format!("expected a value, found '{w}'"), t.pos))?
            }
            other => {
                return Err(FilterError::new(format!("expected a value, found {other}"), t.pos));
            }
        };
        let ordering = matches!(op, CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le);
        let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
        match lit {
            Literal::Bool(_) | Literal::Null if ordering || substring => {
                Err(FilterError::new(format!("operator '{op_word}' cannot compare a boolean or null"), t.pos))
            }
            Literal::Num(_) if substring => {
                Err(FilterError::new(format!("operator '{op_word}' needs a string value"), t.pos))
            }
            lit => Ok(Filter::Compare(path, op, lit)),
        }
    }
}
