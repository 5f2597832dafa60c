//! The two parsers (requirements and ranks) and their errors.
//!
//! Both accept exactly OpenNebula's grammars (see the module docs of [`super`]) and report a
//! syntax error as OpenNebula's parsers do: `syntax error, unexpected X, expecting A or B at
//! line L, columns F:T`, naming the token where the error was found and, when there are at most
//! four, the tokens that could have followed. Token names are OpenNebula's: `STRING`,
//! `INTEGER`, `FLOAT`, quoted characters (`'='`), `$end` for the end of input and `$undefined`
//! for a character the grammar does not use. As in OpenNebula's LALR parsers, a complete
//! expression followed by anything else reports `expecting $end`.
//!
//! Parentheses (and, in ranks, unary minus) may nest at most [`MAX_DEPTH`] levels, so that no
//! input can exhaust the stack; deeper input is an [`ErrorKind::TooDeep`] error.

use std::fmt;

use super::ast::{
    AddOp, Atom, Chain, CmpOp, Comparison, Factor, Junction, Literal, MulOp, Name, Product, Sum, Term,
};
use super::glob::Pattern;
use super::lexer::{Lexed, Lexer, Location, Tok};

/// The deepest nesting of parentheses (and of unary minus in ranks) accepted.
pub const MAX_DEPTH: usize = 256;

/// Why an expression could not be parsed, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at line {line}, columns {first_column}:{last_column}")]
pub struct ExprError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// 1-based line of the offending token.
    pub line: usize,
    /// 1-based byte column where the offending token starts.
    pub first_column: usize,
    /// 1-based byte column one past its end.
    pub last_column: usize,
}

/// The kinds of [`ExprError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// A token the grammar does not allow there.
    Syntax {
        /// The token found (`STRING`, `'='`, `$end`, ...).
        unexpected: &'static str,
        /// The tokens allowed there; empty when more than four are.
        expected: &'static [&'static str],
    },
    /// Parentheses (or unary minus) nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Syntax { unexpected, expected } => {
                write!(f, "syntax error, unexpected {unexpected}")?;
                for (i, e) in expected.iter().enumerate() {
                    f.write_str(if i == 0 { ", expecting " } else { " or " })?;
                    f.write_str(e)?;
                }
                Ok(())
            }
            ErrorKind::TooDeep => write!(f, "expression nested deeper than {MAX_DEPTH} levels"),
        }
    }
}

const END: &[&str] = &["$end"];
const OPERAND: &[&str] = &["'!'", "STRING", "'('"];
const CLOSE: &[&str] = &["'&'", "'|'", "')'"];
const ANY_LITERAL: &[&str] = &["INTEGER", "STRING", "FLOAT"];
const NUMBER: &[&str] = &["INTEGER", "FLOAT"];
const EQUALS: &[&str] = &["'='"];
const GREATER: &[&str] = &["'>'"];
/// More than four tokens were possible: OpenNebula then lists none.
const MANY: &[&str] = &[];

/// Which grammar is parsed (they name characters differently).
#[derive(Clone, Copy)]
enum Grammar {
    Bool,
    Arith,
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    look: Lexed<'a>,
    grammar: Grammar,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, grammar: Grammar) -> Self {
        let mut lexer = Lexer::new(text);
        let look = lexer.next_token();
        Parser { lexer, look, grammar, depth: 0 }
    }

    fn advance(&mut self) {
        self.look = self.lexer.next_token();
    }

    fn is(&self, c: u8) -> bool {
        self.look.tok == Tok::Char(c)
    }

    /// OpenNebula's name for the lookahead token.
    fn token_name(&self) -> &'static str {
        let c = match self.look.tok {
            Tok::End => return "$end",
            Tok::Str(_) | Tok::Null => return "STRING",
            Tok::Int(_) => return "INTEGER",
            Tok::Float(_) => return "FLOAT",
            Tok::Char(c) => c,
        };
        match (self.grammar, c) {
            (Grammar::Bool, b'!') => "'!'",
            (Grammar::Bool, b'&') => "'&'",
            (Grammar::Bool, b'|') => "'|'",
            (Grammar::Bool, b'=') => "'='",
            (Grammar::Bool, b'>') => "'>'",
            (Grammar::Bool, b'<') => "'<'",
            (Grammar::Bool, b'@') => "'@'",
            (Grammar::Arith, b'+') => "'+'",
            (Grammar::Arith, b'-') => "'-'",
            (Grammar::Arith, b'*') => "'*'",
            (Grammar::Arith, b'/') => "'/'",
            (_, b'(') => "'('",
            (_, b')') => "')'",
            _ => "$undefined",
        }
    }

    fn error_at(&self, loc: Location, kind: ErrorKind) -> ExprError {
        ExprError { kind, line: loc.line, first_column: loc.first_column, last_column: loc.last_column }
    }

    fn unexpected<T>(&self, expected: &'static [&'static str]) -> Result<T, ExprError> {
        let kind = ErrorKind::Syntax { unexpected: self.token_name(), expected };
        Err(self.error_at(self.look.loc, kind))
    }

    /// Enters a nesting level at the lookahead.
    fn deeper(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(self.look.loc, ErrorKind::TooDeep));
        }
        Ok(())
    }

    /// Checks that the input is over after a complete expression.
    fn finish<T>(&self, value: T) -> Result<Option<T>, ExprError> {
        if self.look.tok == Tok::End { Ok(Some(value)) } else { self.unexpected(END) }
    }

    // ---- requirements ----

    fn requirement(&mut self) -> Result<Option<Chain>, ExprError> {
        match self.look.tok {
            Tok::End => Ok(None),
            Tok::Str(_) | Tok::Null | Tok::Char(b'!' | b'(') => {
                let chain = self.chain()?;
                self.finish(chain)
            }
            _ => self.unexpected(END),
        }
    }

    /// `operand (op operand)*`, `ops` giving each operator character its meaning.
    fn list<T, O: Copy>(
        &mut self,
        operand: fn(&mut Self) -> Result<T, ExprError>,
        ops: &[(u8, O)],
    ) -> Result<(T, Vec<(O, T)>), ExprError> {
        let first = operand(self)?;
        let mut rest = Vec::new();
        while let Some(&(_, op)) = ops.iter().find(|(c, _)| self.is(*c)) {
            self.advance();
            rest.push((op, operand(self)?));
        }
        Ok((first, rest))
    }

    fn chain(&mut self) -> Result<Chain, ExprError> {
        let (first, rest) = self.list(Self::term, &[(b'&', Junction::And), (b'|', Junction::Or)])?;
        Ok(Chain { first, rest })
    }

    fn term(&mut self) -> Result<Term, ExprError> {
        let mut negated = false;
        while self.is(b'!') {
            negated = !negated;
            self.advance();
        }
        let atom = match self.look.tok {
            Tok::Str(name) => Atom::Compare(self.comparison(name)?),
            Tok::Null => Atom::Compare(self.comparison("")?),
            Tok::Char(b'(') => {
                self.deeper()?;
                self.advance();
                let inner = self.chain()?;
                if !self.is(b')') {
                    return self.unexpected(CLOSE);
                }
                self.advance();
                self.depth -= 1;
                Atom::Group(Box::new(inner))
            }
            _ => return self.unexpected(OPERAND),
        };
        Ok(Term { negated, atom })
    }

    /// `NAME op literal`, the lookahead being the name.
    fn comparison(&mut self, name: &str) -> Result<Comparison, ExprError> {
        self.advance();
        let (op, numbers_only) = match self.look.tok {
            Tok::Char(b'=') => (CmpOp::Eq, false),
            Tok::Char(b'>') => (CmpOp::Gt, true),
            Tok::Char(b'<') => (CmpOp::Lt, true),
            Tok::Char(second @ (b'!' | b'@')) => {
                self.advance();
                let (needed, op, expected) = match second {
                    b'!' => (b'=', CmpOp::Ne, EQUALS),
                    _ => (b'>', CmpOp::Contains, GREATER),
                };
                if !self.is(needed) {
                    return self.unexpected(expected);
                }
                (op, false)
            }
            _ => return self.unexpected(MANY),
        };
        self.advance();
        let literal = match self.look.tok {
            Tok::Int(v) => Literal::Int(v),
            Tok::Float(v) => Literal::Float(v),
            Tok::Str(s) if !numbers_only => Literal::Str(Pattern::new(s)),
            Tok::Null if !numbers_only => Literal::Null,
            _ => return self.unexpected(if numbers_only { NUMBER } else { ANY_LITERAL }),
        };
        self.advance();
        Ok(Comparison { name: Name::new(name), op, literal })
    }

    // ---- ranks ----

    fn rank(&mut self) -> Result<Option<Sum>, ExprError> {
        match self.look.tok {
            Tok::End => Ok(None),
            Tok::Str(_) | Tok::Null | Tok::Int(_) | Tok::Float(_) | Tok::Char(b'-' | b'(') => {
                let sum = self.sum()?;
                self.finish(sum)
            }
            _ => self.unexpected(END),
        }
    }

    fn sum(&mut self) -> Result<Sum, ExprError> {
        let (first, rest) = self.list(Self::product, &[(b'+', AddOp::Add), (b'-', AddOp::Sub)])?;
        Ok(Sum { first, rest })
    }

    fn product(&mut self) -> Result<Product, ExprError> {
        let (first, rest) = self.list(Self::factor, &[(b'*', MulOp::Mul), (b'/', MulOp::Div)])?;
        Ok(Product { first, rest })
    }

    fn factor(&mut self) -> Result<Factor, ExprError> {
        let factor = match self.look.tok {
            Tok::Str(name) => Factor::Name(Name::new(name)),
            Tok::Null => Factor::Name(Name::new("")),
            Tok::Int(v) => Factor::Int(v),
            Tok::Float(v) => Factor::Float(v),
            Tok::Char(b'-') => {
                self.deeper()?;
                self.advance();
                let operand = self.product()?;
                self.depth -= 1;
                return Ok(Factor::Neg(Box::new(operand)));
            }
            Tok::Char(b'(') => {
                self.deeper()?;
                self.advance();
                let inner = self.sum()?;
                if !self.is(b')') {
                    return self.unexpected(MANY);
                }
                self.depth -= 1;
                Factor::Group(Box::new(inner))
            }
            _ => return self.unexpected(MANY),
        };
        self.advance();
        Ok(factor)
    }
}

/// Parses a requirement; `None` for an empty one (no tokens), which is true.
pub(super) fn parse_requirement(text: &str) -> Result<Option<Chain>, ExprError> {
    Parser::new(text, Grammar::Bool).requirement()
}

/// Parses a rank; `None` for an empty one, which is 0.
pub(super) fn parse_rank(text: &str) -> Result<Option<Sum>, ExprError> {
    Parser::new(text, Grammar::Arith).rank()
}
