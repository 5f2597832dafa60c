//! The text form of templates: a hand-written parser for OpenNebula's `NAME = VALUE` grammar
//! and the printer that writes it back.
//!
//! # Grammar
//!
//! * Attributes are `NAME = VALUE`, separated by blanks (space, tab, CR, newline); several may
//!   share a line. Names are `[A-Za-z0-9_]+` and are upper-cased.
//! * `VALUE` is a double-quoted string (may span lines, content kept verbatim apart from the
//!   escapes below), a bare word (no blanks, `=`, `#`, `,`, `[`, `]`, `"`), or a vector
//!   `[ K1 = V1, K2 = "v 2" ]` whose pairs are separated by commas (newlines and comments allowed
//!   around pairs, a trailing comma tolerated, `[]` is the empty vector, no nesting).
//! * `NAME =` followed by the end of the line or input is an empty value; inside a vector
//!   `K =` followed by `,` or `]` is too. `NAME = # comment` is an error (missing value).
//! * `#` starts a comment up to the end of the line wherever an attribute (or a vector pair)
//!   may start, so also after a complete value.
//!
//! # Escaping in quoted strings
//!
//! OpenNebula unescapes `\"` and keeps every other backslash literally (`"a\b"` is `a\b`,
//! `"a\\b"` is `a\\b`). That alone cannot express a value ending in a backslash, so a run of
//! backslashes is special only when a `"` follows it: `2n` backslashes then `"` are `n`
//! backslashes and the closing quote, `2n+1` backslashes then `"` are `n` backslashes and a
//! literal `"`. Backslashes not followed by `"` are always literal, so every OpenNebula input
//! without `\\"` reads the same. The printer doubles the backslashes before a `"` or the end of
//! the value and writes `"` as `\"`; everything else is written as is.

use super::{
    Attribute, MAX_ATTRIBUTES, MAX_NAME_LEN, ParseError, Value, check_value, is_name_char, is_value_char,
};

/// Parses the text form into attributes.
pub(super) fn parse(input: &str) -> Result<Vec<Attribute>, ParseError> {
    let mut p = Parser { src: input, pos: 0, line: 1, column: 1, entries: 0 };
    let mut attrs = Vec::new();
    loop {
        p.skip_blanks_and_comments();
        match p.peek() {
            None => return Ok(attrs),
            Some(c) if is_name_char(c) => attrs.push(p.attribute()?),
            Some(_) => return Err(p.unexpected("an attribute name")),
        }
    }
}

/// Characters that separate tokens.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Characters that end a bare word.
fn ends_word(c: char) -> bool {
    is_blank(c) || matches!(c, '=' | '#' | ',' | '[' | ']' | '"')
}

/// A cursor over the input that knows its line and column.
struct Parser<'a> {
    src: &'a str,
    /// Byte offset of the next character.
    pos: usize,
    line: usize,
    column: usize,
    /// Attributes and vector pairs read so far.
    entries: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn skip_while(&mut self, keep: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
    }

    /// Skips spaces, tabs and carriage returns (not newlines).
    fn skip_inline_blanks(&mut self) {
        self.skip_while(|c| matches!(c, ' ' | '\t' | '\r'));
    }

    fn skip_blanks_and_comments(&mut self) {
        loop {
            self.skip_while(is_blank);
            if self.peek() != Some('#') {
                return;
            }
            self.skip_while(|c| c != '\n');
        }
    }

    /// A syntax error about the next token.
    fn unexpected(&self, expected: &'static str) -> ParseError {
        let found = match self.peek() {
            None => "end of input".to_owned(),
            Some('\n') => "end of line".to_owned(),
            Some('#') => "comment".to_owned(),
            Some(c) if c.is_control() || !is_value_char(c) => format!("character U+{:04X}", u32::from(c)),
            Some(c) => format!("'{c}'"),
        };
        ParseError::Syntax { found, expected, line: self.line, column: self.column }
    }

    fn count_entry(&mut self) -> Result<(), ParseError> {
        self.entries += 1;
        if self.entries > MAX_ATTRIBUTES {
            return Err(ParseError::TooManyAttributes);
        }
        Ok(())
    }

    /// `[A-Za-z0-9_]+`, upper-cased.
    fn name(&mut self, expected: &'static str) -> Result<String, ParseError> {
        let (start, line, column) = (self.pos, self.line, self.column);
        self.skip_while(is_name_char);
        let name = &self.src[start..self.pos];
        if name.is_empty() {
            return Err(self.unexpected(expected));
        }
        // Names are ASCII, so bytes are characters.
        if name.len() > MAX_NAME_LEN {
            return Err(ParseError::NameTooLong { line, column });
        }
        Ok(name.to_ascii_uppercase())
    }

    fn expect(&mut self, c: char, expected: &'static str) -> Result<(), ParseError> {
        if self.peek() != Some(c) {
            return Err(self.unexpected(expected));
        }
        self.bump();
        Ok(())
    }

    /// `NAME = VALUE`, starting at the name.
    fn attribute(&mut self) -> Result<Attribute, ParseError> {
        self.count_entry()?;
        let name = self.name("an attribute name")?;
        self.skip_inline_blanks();
        self.expect('=', "'='")?;
        self.skip_inline_blanks();
        let value = match self.peek() {
            None | Some('\n') => Value::Single(String::new()),
            Some('"') => Value::Single(self.quoted()?),
            Some('[') => Value::Vector(self.vector(&name)?),
            Some(c) if ends_word(c) => return Err(self.unexpected("a value")),
            Some(_) => Value::Single(self.word()),
        };
        if let Value::Single(s) = &value {
            check_value(|| name.clone(), s)?;
        }
        match self.peek() {
            None => {}
            Some(c) if is_blank(c) || c == '#' => {}
            Some(_) => return Err(self.unexpected("end of line")),
        }
        Ok(Attribute { name, value })
    }

    /// A bare word (the caller checked that one starts here).
    fn word(&mut self) -> String {
        let start = self.pos;
        self.skip_while(|c| !ends_word(c));
        self.src[start..self.pos].to_owned()
    }

    /// A double-quoted string, starting at the opening quote; see the module docs for escapes.
    fn quoted(&mut self) -> Result<String, ParseError> {
        let (line, column) = (self.line, self.column);
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(ParseError::UnterminatedString { line, column }),
                Some('"') => return Ok(out),
                Some('\\') => {
                    let mut run = 1;
                    while self.peek() == Some('\\') {
                        self.bump();
                        run += 1;
                    }
                    if self.peek() == Some('"') {
                        out.extend(std::iter::repeat_n('\\', run / 2));
                        if run % 2 == 1 {
                            self.bump();
                            out.push('"');
                        }
                    } else {
                        out.extend(std::iter::repeat_n('\\', run));
                    }
                }
                Some(c) => out.push(c),
            }
        }
    }

    /// `[ K = V, … ]`, starting at the `[`.
    fn vector(&mut self, name: &str) -> Result<Vec<(String, String)>, ParseError> {
        self.bump();
        let mut pairs = Vec::new();
        self.skip_blanks_and_comments();
        if self.peek() == Some(']') {
            self.bump();
            return Ok(pairs);
        }
        loop {
            self.count_entry()?;
            let key = self.name("a vector key or ']'")?;
            self.skip_while(is_blank);
            self.expect('=', "'='")?;
            self.skip_while(is_blank);
            let value = match self.peek() {
                Some(',' | ']') => String::new(),
                Some('"') => self.quoted()?,
                Some('[') => return Err(self.unexpected("a value (vectors cannot be nested)")),
                None => return Err(self.unexpected("a value")),
                Some(c) if ends_word(c) => return Err(self.unexpected("a value")),
                Some(_) => self.word(),
            };
            check_value(|| format!("{name}/{key}"), &value)?;
            pairs.push((key, value));
            self.skip_blanks_and_comments();
            match self.peek() {
                Some(']') => {
                    self.bump();
                    return Ok(pairs);
                }
                Some(',') => {
                    self.bump();
                    self.skip_blanks_and_comments();
                    if self.peek() == Some(']') {
                        self.bump();
                        return Ok(pairs);
                    }
                }
                _ => return Err(self.unexpected("',' or ']'")),
            }
        }
    }
}

/// Prints attributes in the text form: `NAME="value"` lines and
/// `NAME=[\n  K1="v1",\n  K2="v2" ]` vectors.
pub(super) fn print(attrs: &[Attribute]) -> String {
    let mut out = String::new();
    for attr in attrs {
        out.push_str(&attr.name);
        out.push('=');
        match &attr.value {
            Value::Single(s) => quote_into(&mut out, s),
            Value::Vector(pairs) if pairs.is_empty() => out.push_str("[]"),
            Value::Vector(pairs) => {
                out.push('[');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    out.push_str(if i == 0 { "\n  " } else { ",\n  " });
                    out.push_str(k);
                    out.push('=');
                    quote_into(&mut out, v);
                }
                out.push_str(" ]");
            }
        }
        out.push('\n');
    }
    out
}

/// Writes `value` as a quoted string that [`Parser::quoted`] reads back unchanged.
fn quote_into(out: &mut String, value: &str) {
    out.push('"');
    let mut backslashes = 0;
    for c in value.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                out.extend(std::iter::repeat_n('\\', 2 * backslashes + 1));
                out.push('"');
                backslashes = 0;
            }
            c => {
                out.extend(std::iter::repeat_n('\\', backslashes));
                out.push(c);
                backslashes = 0;
            }
        }
    }
    out.extend(std::iter::repeat_n('\\', 2 * backslashes));
    out.push('"');
}
