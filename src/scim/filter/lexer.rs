//! Tokenizer for SCIM filters: words, JSON strings, brackets, with positions.

use super::{FilterError, Literal};
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    LParen,
    RParen,
    LBrack,
    RBrack,
    /// An attribute path, operator, keyword or number.
    Word(String),
    /// A decoded JSON string literal.
    Str(String),
    End,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::LParen => f.write_str("'('"),
            Tok::RParen => f.write_str("')'"),
            Tok::LBrack => f.write_str("'['"),
            Tok::RBrack => f.write_str("']'"),
            Tok::Word(w) => write!(f, "'{w}'"),
            Tok::Str(_) => f.write_str("a string"),
            Tok::End => f.write_str("end of input"),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(crate) tok: Tok,
    /// 1-based character column.
    pub(crate) pos: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-:.$+".contains(c)
}

pub(super) fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let mut chars = Vec::with_capacity(input.len());
    chars.extend(input.chars());
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBrack),
            ']' => Some(Tok::RBrack),
            _ => None,
        };
        if let Some(tok) = single {
            out.push(Token { tok, pos });
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let (s, next) = string(&chars, i)?;
            out.push(Token { tok: Tok::Str(s), pos });
            i = next;
        } else if is_word_char(c) {
            let start = i;
            while i < chars.len() && is_word_char(chars[i]) {
                i += 1;
            }
            out.push(Token { tok: Tok::Word(chars[start..i].iter().collect()), pos });
        } else {
            return Err(FilterError::new(format!("unexpected character '{c}'"), pos));
        }
    }
    out.push(Token { tok: Tok::End, pos: chars.len() + 1 });
    Ok(out)
}

/// Reads a JSON string starting at the opening quote; returns it and the index after the closing quote.
fn string(chars: &[char], start: usize) -> Result<(String, usize), FilterError> {
    let mut i = start + 1;
    // Size for the run up to the first quote or escape: usually the whole string.
    let run = chars.get(i..).unwrap_or_default().iter().take_while(|&&c| c != '"' && c != '\\');
    let mut s = String::with_capacity(run.map(|c| c.len_utf8()).sum());
    loop {
        let Some(&c) = chars.get(i) else {
            return Err(FilterError::new("unterminated string", start + 1));
        };
        match c {
            '"' => return Ok((s, i + 1)),
            '\\' => {
                let esc = chars.get(i + 1).copied();
                let bad = || FilterError::new("invalid escape in string", i + 1);
                match esc.ok_or_else(bad)? {
                    '"' => s.push('"'),
                    '\\' => s.push('\\'),
                    '/' => s.push('/'),
                    'b' => s.push('\u{8}'),
                    'f' => s.push('\u{c}'),
                    'n' => s.push('\n'),
                    'r' => s.push('\r'),
                    't' => s.push('\t'),
                    'u' => {
                        let (ch, used) = unicode_escape(chars, i).ok_or_else(bad)?;
                        s.push(ch);
                        i += used;
                        continue;
                    }
                    _ => return Err(bad()),
                }
                i += 2;
            }
            c if (c as u32) < 0x20 => {
                return Err(FilterError::new("control character in string", i + 1));
            }
            c => {
                s.push(c);
                i += 1;
            }
        }
    }
}

fn hex4(chars: &[char], at: usize) -> Option<u32> {
    let digits = chars.get(at..at + 4)?;
    digits.iter().try_fold(0u32, |acc, c| Some(acc * 16 + c.to_digit(16)?))
}

/// Decodes `\uXXXX` (with a surrogate pair if needed) at `i` (the backslash);
/// returns the char and the number of input chars consumed.
fn unicode_escape(chars: &[char], i: usize) -> Option<(char, usize)> {
    let hi = hex4(chars, i + 2)?;
    if (0xD800..0xDC00).contains(&hi) {
        if chars.get(i + 6) != Some(&'\\') || chars.get(i + 7) != Some(&'u') {
            return None;
        }
        let lo = hex4(chars, i + 8)?;
        if !(0xDC00..0xE000).contains(&lo) {
            return None;
        }
        let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
        return char::from_u32(cp).map(|c| (c, 12));
    }
    char::from_u32(hi).map(|c| (c, 6))
}

/// Interprets a bare word as `true`, `false`, `null` or a JSON number.
pub(super) fn literal(w: &str) -> Option<Literal> {
    match w.to_ascii_lowercase().as_str() {
        "true" => return Some(Literal::Bool(true)),
        "false" => return Some(Literal::Bool(false)),
        "null" => return Some(Literal::Null),
        _ => {}
    }
    if !is_json_number(w) {
        return None;
    }
    w.parse::<f64>().ok().filter(|n| n.is_finite()).map(Literal::Num)
}

fn is_json_number(w: &str) -> bool {
    let b = w.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > s
    };
    if b.first() == Some(&b'-') {
        i += 1;
    }
    if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}
