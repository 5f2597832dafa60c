//! String literals as glob patterns: the matching of C's `fnmatch(pattern, value, 0)` in the C
//! locale, which OpenNebula's `=`, `!=` and `@>` use for strings.
//!
//! Bytes are compared as they are (case-sensitive; `?` matches one byte). `*` matches any run,
//! `/` and a leading `.` included (no flags). `\` quotes the next byte, inside brackets too; a
//! pattern ending in a lone `\` matches nothing. Brackets: `[abc]`, ranges by byte value
//! `[a-z]`, negation `[!…]` or `[^…]`, a `]` right after the opening (or the negation) is a
//! member, `[:alpha:]`-style classes (an unknown class name makes the bracket match nothing).
//! A `[` without its closing `]` is an ordinary character. Collating symbols `[.x.]` and
//! equivalence classes `[=x=]` are not recognised: their characters count as plain members.

/// A string literal of an expression, ready to match values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: Box<str>,
    /// No `*`, `?`, `[` nor `\`: matching is equality.
    plain: bool,
}

impl Pattern {
    /// The pattern `text`.
    pub fn new(text: &str) -> Pattern {
        let plain = !text.bytes().any(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'));
        Pattern { text: text.into(), plain }
    }

    /// The literal as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `value` matches, as `fnmatch(pattern, value, 0) == 0`.
    pub fn matches(&self, value: &str) -> bool {
        if self.plain { *self.text == *value } else { fnmatch(self.text.as_bytes(), value.as_bytes()) }
    }
}

/// The byte at `i`, 0 past the end (patterns are C strings to fnmatch).
fn at(p: &[u8], i: usize) -> u8 {
    p.get(i).copied().unwrap_or(0)
}

/// Matches `s` against `p`, backtracking to the last `*` on a mismatch.
fn fnmatch(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    // Pattern index after the last `*` and the value index it is currently tried at.
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() && p[pi] == b'*' {
            while pi < p.len() && p[pi] == b'*' {
                pi += 1;
            }
            if pi == p.len() {
                return true;
            }
            star = Some((pi, si));
            continue;
        }
        if pi == p.len() && si == s.len() {
            return true;
        }
        if pi < p.len()
            && let Some(&c) = s.get(si)
            && let Some(next) = single(p, pi, c)
        {
            pi = next;
            si += 1;
            continue;
        }
        match star {
            Some((sp, ss)) if ss < s.len() => {
                star = Some((sp, ss + 1));
                pi = sp;
                si = ss + 1;
            }
            _ => return false,
        }
    }
}

/// Matches the one-byte item at `p[pi]` (not `*`) against `c`: the index after the item when
/// it matches.
fn single(p: &[u8], pi: usize, c: u8) -> Option<usize> {
    match p[pi] {
        b'?' => Some(pi + 1),
        b'\\' => {
            let quoted = *p.get(pi + 1)?;
            (quoted == c).then_some(pi + 2)
        }
        b'[' => match bracket(p, pi, c) {
            Bracket::Match(next) => Some(next),
            Bracket::NoMatch => None,
            Bracket::Unterminated => (c == b'[').then_some(pi + 1),
        },
        other => (other == c).then_some(pi + 1),
    }
}

enum Bracket {
    Match(usize),
    NoMatch,
    /// No closing `]`: the `[` is an ordinary character.
    Unterminated,
}

/// A `[:name:]` class starting at `p[i] == '['` (with `p[i + 1] == ':'`): the name and the
/// index after `:]`, when the text has that shape (names are made of `a`–`y`, as glibc
/// checks).
fn class_at(p: &[u8], i: usize) -> Option<(&[u8], usize)> {
    let start = i + 2;
    let len = p[start..].iter().take_while(|b| (b'a'..=b'y').contains(b)).count();
    let end = start + len;
    (at(p, end) == b':' && at(p, end + 1) == b']').then(|| (&p[start..end], end + 2))
}

/// Whether `c` is in the C-locale class `name` (None: no such class).
fn in_class(name: &[u8], c: u8) -> Option<bool> {
    Some(match name {
        b"alnum" => c.is_ascii_alphanumeric(),
        b"alpha" => c.is_ascii_alphabetic(),
        b"blank" => c == b' ' || c == b'\t',
        b"cntrl" => c.is_ascii_control(),
        b"digit" => c.is_ascii_digit(),
        b"graph" => c.is_ascii_graphic(),
        b"lower" => c.is_ascii_lowercase(),
        b"print" => c.is_ascii_graphic() || c == b' ',
        b"punct" => c.is_ascii_punctuation(),
        b"space" => matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'),
        b"upper" => c.is_ascii_uppercase(),
        b"xdigit" => c.is_ascii_hexdigit(),
        _ => return None,
    })
}

/// Matches the bracket expression opening at `p[open]` against `c`.
fn bracket(p: &[u8], open: usize, c: u8) -> Bracket {
    let mut i = open + 1;
    let negated = matches!(at(p, i), b'!' | b'^');
    if negated {
        i += 1;
    }
    // `i` is the next member; the first one may be `]`.
    let mut first = true;
    let hit = loop {
        let m = at(p, i);
        if m == b']' && !first {
            break false;
        }
        first = false;
        if m == 0 {
            return Bracket::Unterminated;
        }
        if m == b'['
            && at(p, i + 1) == b':'
            && let Some((name, next)) = class_at(p, i)
        {
            match in_class(name, c) {
                None => return Bracket::NoMatch,
                Some(true) => break true,
                Some(false) => {
                    i = next;
                    continue;
                }
            }
        }
        // A member, possibly quoted, possibly the start of a range.
        let (low, after) = if m == b'\\' {
            match p.get(i + 1) {
                Some(&q) => (q, i + 2),
                None => return Bracket::NoMatch,
            }
        } else {
            (m, i + 1)
        };
        if at(p, after) == b'-' && !matches!(at(p, after + 1), 0 | b']') {
            let (high, end) = if at(p, after + 1) == b'\\' {
                (at(p, after + 2), after + 3)
            } else {
                (at(p, after + 1), after + 2)
            };
            if high == 0 {
                return Bracket::NoMatch;
            }
            if low <= c && c <= high {
                break true;
            }
            i = end;
        } else {
            if low == c {
                break true;
            }
            i = after;
        }
    };
    if !hit {
        // `i` is at the closing `]`.
        return if negated { Bracket::Match(i + 1) } else { Bracket::NoMatch };
    }
    // Matched: find the closing `]` (a bracket left open now matches nothing).
    loop {
        let m = at(p, i);
        match m {
            0 => return Bracket::NoMatch,
            b'\\' => {
                if i + 1 >= p.len() {
                    return Bracket::NoMatch;
                }
                i += 2;
            }
            b'[' if at(p, i + 1) == b':' => i = class_at(p, i).map_or(i + 1, |(_, next)| next),
            b']' if i > open + 1 + usize::from(negated) => break,
            _ => i += 1,
        }
    }
    if negated { Bracket::NoMatch } else { Bracket::Match(i + 1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, value: &str) -> bool {
        Pattern::new(pattern).matches(value)
    }

    #[test]
    fn stars_and_question_marks() {
        assert!(m("node*", "node-1") && m("node*", "node") && !m("node*", "nod"));
        assert!(m("*", "") && m("*", "a/b") && m("*", ".hidden"));
        assert!(m("*feat*", "a,feat,b") && !m("*feat*", "fea"));
        assert!(m("a*b*c", "aXbYbZc") && !m("a*b*c", "aXbYbZ"));
        assert!(m("?", "x") && !m("?", "") && !m("?", "xy"));
        assert!(m("**a", "ba") && m("a**", "a"));
        assert!(!m("abc", "ABC"), "case-sensitive");
        assert!(m("??", "\u{e9}") && !m("?", "\u{e9}"), "one byte, not one character");
    }

    #[test]
    fn escapes() {
        assert!(m("\\*", "*") && !m("\\*", "x"));
        assert!(m("a\\?", "a?") && !m("a\\?", "ab"));
        assert!(!m("a\\", "a\\") && !m("a\\", "a"), "a trailing backslash matches nothing");
    }

    #[test]
    fn brackets() {
        assert!(m("[abc]", "b") && !m("[abc]", "d"));
        assert!(m("[a-c]x", "bx") && !m("[a-c]x", "dx"));
        assert!(m("[!a-c]", "d") && m("[^a-c]", "d") && !m("[!a-c]", "a"));
        assert!(m("[]a]", "]") && m("[!]a]", "b") && !m("[!]a]", "]"));
        assert!(m("[a-]", "-") && m("[-a]", "-"));
        assert!(m("[\\]]", "]") && m("[a\\-z]", "-") && !m("[a\\-z]", "b"));
        assert!(m("[[:digit:]]*", "7up") && !m("[[:digit:]]*", "up"));
        assert!(m("[[:upper:][:digit:]]", "Q") && m("[![:alpha:]]", "1"));
        assert!(!m("[[:bogus:]]", "b"), "unknown class");
        assert!(m("[[:x]", ":"), "not a class: plain members");
        assert!(m("[ab", "[ab") && !m("[ab", "a"), "unterminated: an ordinary [");
        assert!(m("*[ab", "x[ab"));
    }
}
