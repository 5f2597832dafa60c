//! The one lexer both expression grammars share, with OpenNebula's tokens and its quirks.
//!
//! Tokens: the single characters `@ ! & | = > < ( ) * + / ^ -`; bare names
//! `[A-Za-z][0-9A-Za-z_]*`; double-quoted strings (any characters but `"`, newlines included;
//! `""` is the null string, which no comparison matches); integers `-?[0-9]+`; floats
//! `-?[0-9]+\.[0-9]+`. The longest match wins, so `-1` is one integer and `HOST-1` lexes as
//! `HOST` then `-1`. Runs of blanks (space, tab) are skipped, and so is every other byte no
//! rule matches (newlines, `.`, `_` before a name, a `"` without its closing quote): the
//! generated scanner echoes those and goes on, so they never cause an error by themselves.
//!
//! Locations are counted like OpenNebula's scanner: the columns of a lexeme run from one past
//! the end of the previous lexeme (skipped ones included, the first starting at column 1) to
//! one past its own last byte; the line is 1 plus the newlines read up to its end. The end of
//! input keeps the location of the last lexeme.

/// A token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Tok<'a> {
    /// One of `@ ! & | = > < ( ) * + / ^ -`.
    Char(u8),
    /// A bare name or the text of a quoted string.
    Str(&'a str),
    /// `""`: OpenNebula's null string.
    Null,
    /// An integer, converted like C's `atoi`.
    Int(i32),
    /// A float, converted like C's `atof` then stored in a 32-bit float.
    Float(f32),
    /// End of input.
    End,
}

/// Where a lexeme is, as OpenNebula reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Location {
    /// 1-based line (newlines read through the end of the lexeme, plus one).
    pub line: usize,
    /// 1-based byte column of the lexeme's first byte.
    pub first_column: usize,
    /// 1-based byte column one past its last byte.
    pub last_column: usize,
}

/// A token and its location.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lexed<'a> {
    pub tok: Tok<'a>,
    pub loc: Location,
}

/// Splits an expression into tokens.
pub(super) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    /// Byte span of the last lexeme, skipped ones included.
    last: (usize, usize),
    /// Newlines read so far.
    lines: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Self {
        Lexer { text, pos: 0, last: (0, 0), lines: 0 }
    }

    /// Records the lexeme `start..end` and moves past it.
    fn take(&mut self, start: usize, end: usize) {
        self.lines += self.text.as_bytes()[start..end].iter().filter(|&&b| b == b'\n').count();
        self.last = (start, end);
        self.pos = end;
    }

    fn location(&self) -> Location {
        Location { line: self.lines + 1, first_column: self.last.0 + 1, last_column: self.last.1 + 1 }
    }

    /// The next token.
    pub fn next_token(&mut self) -> Lexed<'a> {
        let bytes = self.text.as_bytes();
        loop {
            let start = self.pos;
            let Some(&b) = bytes.get(start) else {
                return Lexed { tok: Tok::End, loc: self.location() };
            };
            let run = |from: usize, pred: fn(u8) -> bool| {
                from + bytes[from..].iter().take_while(|&&c| pred(c)).count()
            };
            let (tok, end) = match b {
                b' ' | b'\t' => {
                    let end = run(start, |c| c == b' ' || c == b'\t');
                    self.take(start, end);
                    continue;
                }
                b'"' => match bytes[start + 1..].iter().position(|&c| c == b'"') {
                    Some(0) => (Tok::Null, start + 2),
                    Some(len) => (Tok::Str(&self.text[start + 1..start + 1 + len]), start + len + 2),
                    None => {
                        self.take(start, start + 1);
                        continue;
                    }
                },
                b'0'..=b'9' => self.number(start),
                b'-' if bytes.get(start + 1).is_some_and(u8::is_ascii_digit) => self.number(start),
                b'A'..=b'Z' | b'a'..=b'z' => {
                    let end = run(start + 1, |c| c.is_ascii_alphanumeric() || c == b'_');
                    (Tok::Str(&self.text[start..end]), end)
                }
                b'@' | b'!' | b'&' | b'|' | b'=' | b'>' | b'<' | b'(' | b')' | b'*' | b'+' | b'/' | b'^'
                | b'-' => (Tok::Char(b), start + 1),
                _ => {
                    self.take(start, start + 1);
                    continue;
                }
            };
            self.take(start, end);
            return Lexed { tok, loc: self.location() };
        }
    }

    /// `-?[0-9]+` or `-?[0-9]+\.[0-9]+` starting at `start`.
    fn number(&self, start: usize) -> (Tok<'a>, usize) {
        let bytes = self.text.as_bytes();
        let digits = |from: usize| from + bytes[from..].iter().take_while(|c| c.is_ascii_digit()).count();
        let int_end = digits(if bytes[start] == b'-' { start + 1 } else { start });
        if bytes.get(int_end) == Some(&b'.') && bytes.get(int_end + 1).is_some_and(u8::is_ascii_digit) {
            let end = digits(int_end + 1);
            // Decimal digits always parse; an absurdly long one becomes infinity, as with atof.
            let value: f64 = self.text[start..end].parse().unwrap_or(f64::INFINITY);
            (Tok::Float(value as f32), end)
        } else {
            (Tok::Int(atoi(&self.text[start..int_end])), int_end)
        }
    }
}

/// C's `atoi` on `-?[0-9]+` as glibc computes it: `strtol` saturates at the 64-bit limits and
/// the result is cut to 32 bits.
pub(super) fn atoi(digits: &str) -> i32 {
    let (negative, body) = match digits.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, digits),
    };
    let mut value: i64 = 0;
    for b in body.bytes() {
        let d = i64::from(b - b'0');
        value = match value
            .checked_mul(10)
            .and_then(|v| if negative { v.checked_sub(d) } else { v.checked_add(d) })
        {
            Some(v) => v,
            None => return if negative { i64::MIN as i32 } else { i64::MAX as i32 },
        };
    }
    value as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<Tok<'_>> {
        let mut lexer = Lexer::new(text);
        let mut out = Vec::new();
        loop {
            let t = lexer.next_token().tok;
            if t == Tok::End {
                return out;
            }
            out.push(t);
        }
    }

    #[test]
    fn tokens_follow_the_longest_match() {
        use Tok::*;
        assert_eq!(tokens("HOSTNAME = host-1"), [Str("HOSTNAME"), Char(b'='), Str("host"), Int(-1)]);
        assert_eq!(tokens("A!=-2.5"), [Str("A"), Char(b'!'), Char(b'='), Float(-2.5)]);
        assert_eq!(tokens("- 5 -5 5. 5.25"), [Char(b'-'), Int(5), Int(-5), Int(5), Float(5.25)]);
        assert_eq!(tokens("\"CLUSTERS/ID\" @> 100"), [Str("CLUSTERS/ID"), Char(b'@'), Char(b'>'), Int(100)]);
        assert_eq!(tokens("X = \"\""), [Str("X"), Char(b'='), Null]);
        assert_eq!(tokens("5abc _d a_1"), [Int(5), Str("abc"), Str("d"), Str("a_1")]);
    }

    #[test]
    fn unmatched_bytes_are_skipped() {
        use Tok::*;
        assert_eq!(tokens("A = \"open"), [Str("A"), Char(b'='), Str("open")]);
        assert_eq!(tokens("a.b,c;\n\u{e9}#d"), [Str("a"), Str("b"), Str("c"), Str("d")]);
        assert_eq!(tokens(" \t\r\n"), []);
    }

    #[test]
    fn locations_count_bytes_and_lines() {
        let mut l = Lexer::new("AB  =\n\"x\ny\"");
        let loc = |l: &mut Lexer<'_>| {
            let t = l.next_token();
            (t.loc.line, t.loc.first_column, t.loc.last_column)
        };
        assert_eq!(loc(&mut l), (1, 1, 3));
        assert_eq!(loc(&mut l), (1, 5, 6));
        assert_eq!(loc(&mut l), (3, 7, 12));
        assert_eq!(loc(&mut l), (3, 7, 12), "the end keeps the last location");
        let mut l = Lexer::new("A = ");
        l.next_token();
        l.next_token();
        assert_eq!(loc(&mut l), (1, 4, 5), "trailing blanks are a lexeme");
        assert_eq!(loc(&mut Lexer::new("")), (1, 1, 1));
    }

    #[test]
    fn atoi_saturates_then_truncates_like_glibc() {
        assert_eq!(atoi("42"), 42);
        assert_eq!(atoi("-0"), 0);
        assert_eq!(atoi("2147483647"), i32::MAX);
        assert_eq!(atoi("2147483648"), i32::MIN);
        assert_eq!(atoi("4294967297"), 1);
        assert_eq!(atoi("99999999999999999999"), -1);
        assert_eq!(atoi("-99999999999999999999"), 0);
    }
}
