//! OpenNebula's scheduler expression language: the requirements (`SCHED_REQUIREMENTS`,
//! `SCHED_DS_REQUIREMENTS`, a NIC's `SCHED_REQUIREMENTS`, and their `AUTOMATIC_*` parts) and the
//! ranks (`SCHED_RANK`, `SCHED_DS_RANK`), parsed once into a [`Requirement`] or a [`Rank`] and
//! evaluated against anything that implements [`Attributes`]: one-core's [`Host`],
//! [`Datastore`] and [`Vnet`], a parsed document ([`XmlObject`]), or a wrapper adding the
//! VMs dispatched in the current cycle to a host's `CURRENT_VMS` ([`WithIds`]).
//!
//! # Grammars
//!
//! ```text
//! requirement := <empty> | expr                  (empty: true)
//! expr := NAME '=' INT|FLOAT|STRING  | NAME '!' '=' INT|FLOAT|STRING
//!       | NAME '>' INT|FLOAT         | NAME '<' INT|FLOAT
//!       | NAME '@' '>' INT|FLOAT|STRING
//!       | expr '&' expr | expr '|' expr | '!' expr | '(' expr ')'
//! rank := <empty> | e                            (empty: 0)
//! e := NAME | INT | FLOAT | e '+' e | e '-' e | e '*' e | e '/' e | '-' e | '(' e ')'
//! ```
//!
//! `&`, `|` and `!` have one precedence level and associate to the left: `A | B & C` is
//! `(A | B) & C` and `!A & B` is `(!A) & B`. In ranks `*` and `/` bind tighter than `+` and
//! `-`. A name is a bare word or a quoted string; the right side of a comparison is always a
//! literal. The tokens (in `lexer.rs`) explain why `HOSTNAME = host-1` is a syntax error
//! (`host` then the integer `-1`) and why `X-1` must be written `X - 1` in a rank.
//!
//! # Semantics
//!
//! * A missing attribute makes every comparison false, `!=` included: `!(X = v)` means "not v
//!   or unset".
//! * String `=` and `!=` match the first value against the literal as an fnmatch glob
//!   ([`Pattern`]); `@>` is true when any value matches (globs for strings, equality for
//!   numbers). The null literal `""` matches nothing, with any operator.
//! * A numeric comparison reads the first value that is a number of the literal's type (see
//!   `eval.rs`); none: false.
//! * A rank adds up in 32-bit floats; a missing or unreadable name is 0; the result is
//!   truncated to an integer, and division by zero gives -2147483648 (C's `(int)` of an
//!   infinite or NaN float on x86, which is what OpenNebula computes).
//! * Names resolve as OpenNebula's scheduler resolves them, in document order (`attrs.rs`).
//!   On hosts, `CURRENT_VMS` is a set of VM IDs ([`Attributes::for_each_member`]).
//!
//! Parse errors are values ([`ExprError`]) with OpenNebula's messages; nothing panics and
//! nesting is bounded by [`MAX_DEPTH`].

mod ast;
mod attrs;
mod elements;
mod eval;
mod glob;
mod keys;
mod lexer;
mod objects;
mod parse;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_objects;

pub use ast::{
    AddOp, Atom, Chain, CmpOp, Comparison, Factor, Junction, Literal, MulOp, Name, Product, Sum, Term,
};
pub use attrs::{
    AttrValue, Attributes, DATASTORE_PATHS, Flow, HOST_PATHS, MAX_PATHS, VNET_PATHS, WithIds, XmlObject,
};
pub use eval::{read_c_float, read_c_int};
pub use glob::Pattern;
pub use objects::CURRENT_VMS;
pub use parse::{ErrorKind, ExprError, MAX_DEPTH};

#[cfg(doc)]
use crate::objects::{datastore::Datastore, host::Host, vnet::Vnet};

/// A parsed requirement (boolean expression). Parse once, evaluate many times.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    text: Box<str>,
    expr: Option<Chain>,
}

impl Requirement {
    /// Parses `text`; an empty (or blank) requirement is always true.
    pub fn parse(text: &str) -> Result<Requirement, ExprError> {
        Ok(Requirement { text: text.into(), expr: parse::parse_requirement(text)? })
    }

    /// Whether `attrs` satisfies the requirement.
    pub fn eval<A: Attributes + ?Sized>(&self, attrs: &A) -> bool {
        self.expr.as_ref().is_none_or(|c| eval::chain(c, attrs))
    }

    /// Whether the requirement compares the attribute `name` (as written, e.g. `CURRENT_VMS`:
    /// such requirements depend on the dispatches of the current cycle).
    pub fn mentions(&self, name: &str) -> bool {
        let mut found = false;
        if let Some(c) = &self.expr {
            c.for_each_name(&mut |n| found |= n.as_str() == name);
        }
        found
    }

    /// Whether it has no tokens (always true).
    pub fn is_empty(&self) -> bool {
        self.expr.is_none()
    }

    /// The text it was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The syntax tree; `None` when empty.
    pub fn expr(&self) -> Option<&Chain> {
        self.expr.as_ref()
    }
}

/// A parsed rank (arithmetic expression). Parse once, evaluate many times.
#[derive(Debug, Clone, PartialEq)]
pub struct Rank {
    text: Box<str>,
    expr: Option<Sum>,
}

impl Rank {
    /// Parses `text`; an empty (or blank) rank is always 0.
    pub fn parse(text: &str) -> Result<Rank, ExprError> {
        Ok(Rank { text: text.into(), expr: parse::parse_rank(text)? })
    }

    /// The rank of `attrs`: computed in 32-bit floats, then truncated like C's `(int)`.
    pub fn eval<A: Attributes + ?Sized>(&self, attrs: &A) -> i64 {
        self.expr.as_ref().map_or(0, |s| eval::truncate(eval::sum(s, attrs)))
    }

    /// Whether the rank reads the attribute `name` (as written).
    pub fn mentions(&self, name: &str) -> bool {
        let mut found = false;
        if let Some(s) = &self.expr {
            s.for_each_name(&mut |n| found |= n.as_str() == name);
        }
        found
    }

    /// Whether it has no tokens (always 0).
    pub fn is_empty(&self) -> bool {
        self.expr.is_none()
    }

    /// The text it was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The syntax tree; `None` when empty.
    pub fn expr(&self) -> Option<&Sum> {
        self.expr.as_ref()
    }
}

/// The requirement the scheduler evaluates, from oned's `AUTOMATIC_*REQUIREMENTS` and the
/// user's `SCHED_*REQUIREMENTS`, exactly as OpenNebula joins them: with a user requirement
/// (`Some`, even empty) and a non-empty automatic one, `"AUTO & ( USER )"`; with a user
/// requirement only, that one; without a user requirement, the automatic one.
///
/// Note that a user requirement present but empty gives `"AUTO & (  )"`, a syntax error, as in
/// OpenNebula. For NICs OpenNebula only applies `AUTOMATIC_NIC_REQUIREMENTS` to NICs that have
/// their own `SCHED_REQUIREMENTS`; that choice is the caller's.
pub fn combine_requirements(automatic: &str, user: Option<&str>) -> String {
    match user {
        Some(user) if !automatic.is_empty() => format!("{automatic} & ( {user} )"),
        Some(user) => user.to_owned(),
        None => automatic.to_owned(),
    }
}
