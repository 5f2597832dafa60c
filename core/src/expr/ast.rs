//! The syntax trees of both grammars and the attribute [`Name`] they refer to.
//!
//! `&`, `|` and `!` share one precedence level and associate to the left, so a requirement is
//! a flat [`Chain`] of terms folded from the left (`A | B & C` is `(A | B) & C`); only
//! parentheses nest. A rank is a [`Sum`] of [`Product`]s; a unary minus applies to the product
//! that follows it (`- A * B` is `-(A * B)`), as in OpenNebula's grammar. Long chains are
//! vectors, so evaluating or dropping them never recurses deeper than the parentheses.

use super::glob::Pattern;
use super::keys::Key;

/// An attribute name as written: a bare word (`FREE_CPU`) or a quoted path (`"CLUSTERS/ID"`,
/// absolute when it starts with `/`: `"/HOST/TEMPLATE/ARCH"`).
///
/// A path is a list of element names separated by `/`; `*` stands for any element. Names are
/// case-sensitive. Anything else XPath would accept (predicates, axes, functions, `//`, `|`)
/// is not supported: such a name resolves to nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    text: Box<str>,
    absolute: bool,
    /// Byte ranges of the segments in `text`; empty when the name cannot resolve.
    segments: Box<[(usize, usize)]>,
    /// The element a bare name is, for the objects' fast paths.
    key: Key,
}

/// Whether `seg` is an element name (`[A-Za-z_][A-Za-z0-9_.-]*`) or `*`.
fn valid_segment(seg: &str) -> bool {
    let mut bytes = seg.bytes();
    match bytes.next() {
        Some(b'*') => seg.len() == 1,
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
            bytes.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
        }
        _ => false,
    }
}

impl Name {
    /// The name `text`.
    pub fn new(text: &str) -> Name {
        let absolute = text.starts_with('/');
        let start = usize::from(absolute);
        let mut segments = Vec::new();
        let mut from = start;
        for seg in text[start..].split('/') {
            segments.push((from, from + seg.len()));
            from += seg.len() + 1;
        }
        if !segments.iter().all(|&(a, b)| valid_segment(&text[a..b])) {
            segments.clear();
        }
        let key = match segments[..] {
            [(a, b)] if !absolute => Key::of(&text[a..b]),
            _ => Key::Path,
        };
        Name { text: text.into(), absolute, segments: segments.into(), key }
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether it is an absolute path (starts with `/`).
    pub fn is_absolute(&self) -> bool {
        self.absolute
    }

    /// Whether it can resolve to anything (a well-formed path).
    pub fn is_resolvable(&self) -> bool {
        !self.segments.is_empty()
    }

    /// How many path segments it has (0 when it cannot resolve).
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    /// Whether it has no segment (it cannot resolve).
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// The `i`-th path segment.
    pub fn segment(&self, i: usize) -> Option<&str> {
        self.segments.get(i).map(|&(a, b)| &self.text[a..b])
    }

    /// What a bare name is ([`Key::Path`] for anything else).
    pub(super) fn key(&self) -> Key {
        self.key
    }

    /// The path segments.
    pub fn segments(&self) -> impl Iterator<Item = &str> + '_ {
        self.segments.iter().map(|&(a, b)| &self.text[a..b])
    }
}

/// A requirement: terms folded from the left with `&` and `|`.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// The first term.
    pub first: Term,
    /// The following terms, each with the operator before it.
    pub rest: Vec<(Junction, Term)>,
}

/// `&` or `|`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Junction {
    /// `&`.
    And,
    /// `|`.
    Or,
}

/// A comparison or a parenthesised chain, under any number of `!`.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Whether an odd number of `!` precede it.
    pub negated: bool,
    /// What is negated.
    pub atom: Atom,
}

/// The operand of a term.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// `NAME op literal`.
    Compare(Comparison),
    /// `( chain )`.
    Group(Box<Chain>),
}

/// `NAME op literal`: the left side is always a name, the right side always a literal.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The attribute.
    pub name: Name,
    /// The operator.
    pub op: CmpOp,
    /// The literal (`>` and `<` only take numbers).
    pub literal: Literal,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`.
    Eq,
    /// `!=` (also written `! =`).
    Ne,
    /// `>`.
    Gt,
    /// `<`.
    Lt,
    /// `@>`: some value of a multi-valued attribute matches (also written `@ >`).
    Contains,
}

/// The right side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// An integer (C `int`).
    Int(i32),
    /// A float (C `float`).
    Float(f32),
    /// A string: a glob pattern.
    Str(Pattern),
    /// `""`, OpenNebula's null string: no comparison with it is true.
    Null,
}

/// A rank: products added and subtracted from the left.
#[derive(Debug, Clone, PartialEq)]
pub struct Sum {
    /// The first product.
    pub first: Product,
    /// The following products, each with the operator before it.
    pub rest: Vec<(AddOp, Product)>,
}

/// `+` or `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
}

/// Factors multiplied and divided from the left.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// The first factor.
    pub first: Factor,
    /// The following factors, each with the operator before it.
    pub rest: Vec<(MulOp, Factor)>,
}

/// `*` or `/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MulOp {
    /// `*`.
    Mul,
    /// `/`.
    Div,
}

/// An operand of a product.
#[derive(Debug, Clone, PartialEq)]
pub enum Factor {
    /// An attribute (missing: 0).
    Name(Name),
    /// An integer literal.
    Int(i32),
    /// A float literal.
    Float(f32),
    /// `- product`.
    Neg(Box<Product>),
    /// `( sum )`.
    Group(Box<Sum>),
}

impl Chain {
    /// Calls `f` with every name the chain compares.
    pub fn for_each_name<'a>(&'a self, f: &mut impl FnMut(&'a Name)) {
        for term in std::iter::once(&self.first).chain(self.rest.iter().map(|(_, t)| t)) {
            match &term.atom {
                Atom::Compare(c) => f(&c.name),
                Atom::Group(g) => g.for_each_name(f),
            }
        }
    }
}

impl Sum {
    /// Calls `f` with every name the sum reads.
    pub fn for_each_name<'a>(&'a self, f: &mut impl FnMut(&'a Name)) {
        for product in std::iter::once(&self.first).chain(self.rest.iter().map(|(_, p)| p)) {
            product.for_each_name(f);
        }
    }
}

impl Product {
    /// Calls `f` with every name the product reads.
    pub fn for_each_name<'a>(&'a self, f: &mut impl FnMut(&'a Name)) {
        for factor in std::iter::once(&self.first).chain(self.rest.iter().map(|(_, x)| x)) {
            match factor {
                Factor::Name(n) => f(n),
                Factor::Int(_) | Factor::Float(_) => {}
                Factor::Neg(p) => p.for_each_name(f),
                Factor::Group(s) => s.for_each_name(f),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_segments() {
        let n = Name::new("CLUSTERS/ID");
        assert_eq!((n.is_absolute(), n.segments().collect::<Vec<_>>()), (false, vec!["CLUSTERS", "ID"]));
        let n = Name::new("/HOST/TEMPLATE/*");
        assert_eq!((n.is_absolute(), n.len(), n.segment(2)), (true, 3, Some("*")));
        assert_eq!(Name::new("FREE_CPU").segment(0), Some("FREE_CPU"));
        assert!(Name::new("a-b.c").is_resolvable());
        for bad in ["", "/", "A//B", "A/", "DS[ID=1]", "1A", "A|B", "count(ID)", "..", "A B", "**"] {
            assert!(!Name::new(bad).is_resolvable(), "{bad:?}");
            assert_eq!(Name::new(bad).as_str(), bad);
        }
    }
}
