//! Evaluating parsed requirements and ranks against [`Attributes`], with OpenNebula's value
//! conversions.
//!
//! Numbers are read from values the way a C++ `istream` reads them, which OpenNebula uses:
//! leading white space skipped, the longest numeric prefix taken (`"3.7"` reads as the integer
//! 3, `"12GB"` as 12), nothing read is a failure. Integers are C `int` (32 bits; a value out
//! of range does not read), floats C `float` (32 bits; overflow does not read, `inf`/`nan`
//! are not numbers). A single-valued comparison takes the first value that reads as the
//! literal's type; text comparisons take the first value.
//!
//! Ranks compute in 32-bit floats, left to right, and end with C's `(int)` conversion as x86
//! performs it: truncation toward zero, and `INT_MIN` (-2147483648) for NaN and for anything
//! out of range, which is what a division by zero (±infinity or NaN) gives in OpenNebula.

use super::ast::{
    AddOp, Atom, Chain, CmpOp, Comparison, Factor, Junction, Literal, MulOp, Name, Product, Sum, Term,
};
use super::attrs::{AttrValue, Attributes, Flow};

/// C's isspace in the C locale.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// Reads an `int` as `istream >> int` does.
pub fn read_c_int(text: &str) -> Option<i32> {
    let t = text.trim_start_matches(is_c_space).as_bytes();
    let (negative, digits) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 {
        return None;
    }
    let mut value: i64 = 0;
    for &b in &digits[..len] {
        value = value * 10 + i64::from(b - b'0');
        if value > 1 << 31 {
            return None;
        }
    }
    i32::try_from(if negative { -value } else { value }).ok()
}

/// Reads a `float` as `istream >> float` does (libstdc++: the longest prefix of sign, digits,
/// one point and an exponent is converted; an exponent mark without digits fails).
pub fn read_c_float(text: &str) -> Option<f32> {
    let t = text.trim_start_matches(is_c_space);
    let b = t.as_bytes();
    let digits = |from: usize| from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let int_end = digits(i);
    let mut mantissa = int_end - i;
    i = int_end;
    if b.get(i) == Some(&b'.') {
        let frac_end = digits(i + 1);
        mantissa += frac_end - (i + 1);
        i = frac_end;
    }
    if mantissa == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'-' | b'+')));
        let exp_end = digits(i + 1 + sign);
        if exp_end == i + 1 + sign {
            return None;
        }
        i = exp_end;
    }
    t[..i].parse::<f32>().ok().filter(|v| v.is_finite())
}

fn as_int(v: AttrValue<'_>) -> Option<i32> {
    match v {
        AttrValue::Text(s) => read_c_int(s),
        AttrValue::Int(i) => i32::try_from(i).ok(),
    }
}

fn as_float(v: AttrValue<'_>) -> Option<f32> {
    match v {
        AttrValue::Text(s) => read_c_float(s),
        AttrValue::Int(i) => Some(i as f32),
    }
}

/// The first value of `name` that `read` accepts.
fn first<A: Attributes + ?Sized, T>(
    attrs: &A,
    name: &Name,
    read: fn(AttrValue<'_>) -> Option<T>,
) -> Option<T> {
    let mut out = None;
    let _ = attrs.for_each_value(name, &mut |v| match read(v) {
        Some(x) => {
            out = Some(x);
            Flow::Break(())
        }
        None => Flow::Continue(()),
    });
    out
}

/// `test` applied to the text of the first value of `name`; None when missing.
fn first_text<A: Attributes + ?Sized>(attrs: &A, name: &Name, test: impl Fn(&str) -> bool) -> Option<bool> {
    let mut out = None;
    let _ = attrs.for_each_value(name, &mut |v| {
        out = Some(v.with_text(&test));
        Flow::Break(())
    });
    out
}

/// Whether some value of `name` passes `test`.
fn any<A: Attributes + ?Sized>(attrs: &A, name: &Name, test: impl Fn(AttrValue<'_>) -> bool) -> bool {
    attrs.for_each_value(name, &mut |v| if test(v) { Flow::Break(()) } else { Flow::Continue(()) }).is_break()
}

/// For a member-set pseudo-attribute: whether a member passes `test`; None for other names.
fn member<A: Attributes + ?Sized>(attrs: &A, name: &Name, test: impl Fn(i64) -> bool) -> Option<bool> {
    attrs
        .for_each_member(name, &mut |m| if test(m) { Flow::Break(()) } else { Flow::Continue(()) })
        .map(|flow| flow.is_break())
}

fn compare<T: PartialOrd>(value: T, op: CmpOp, literal: T) -> bool {
    match op {
        CmpOp::Eq | CmpOp::Contains => value == literal,
        CmpOp::Ne => value != literal,
        CmpOp::Gt => value > literal,
        CmpOp::Lt => value < literal,
    }
}

fn comparison<A: Attributes + ?Sized>(c: &Comparison, attrs: &A) -> bool {
    let name = &c.name;
    match (&c.literal, c.op) {
        (Literal::Null, _) => false,
        (&Literal::Int(lit), CmpOp::Contains) => any(attrs, name, |v| as_int(v) == Some(lit)),
        (&Literal::Float(lit), CmpOp::Contains) => any(attrs, name, |v| as_float(v) == Some(lit)),
        (Literal::Str(p), CmpOp::Contains) => any(attrs, name, |v| v.with_text(|t| p.matches(t))),
        (&Literal::Int(lit), op) => {
            let value = match member(attrs, name, |m| m == i64::from(lit)) {
                Some(found) => Some(if found { lit } else { -1 }),
                None => first(attrs, name, as_int),
            };
            value.is_some_and(|v| compare(v, op, lit))
        }
        (&Literal::Float(lit), op) => {
            let value = match member(attrs, name, |m| m as f32 == lit) {
                Some(found) => Some(if found { lit } else { -1.0 }),
                None => first(attrs, name, as_float),
            };
            value.is_some_and(|v| compare(v, op, lit))
        }
        (Literal::Str(p), op) => {
            if member(attrs, name, |_| true).is_some() {
                return op == CmpOp::Ne;
            }
            match op {
                CmpOp::Eq => first_text(attrs, name, |t| p.matches(t)).unwrap_or(false),
                CmpOp::Ne => first_text(attrs, name, |t| !p.matches(t)).unwrap_or(false),
                // The parser only builds `>` and `<` with numbers.
                CmpOp::Gt | CmpOp::Lt | CmpOp::Contains => false,
            }
        }
    }
}

fn term<A: Attributes + ?Sized>(t: &Term, attrs: &A) -> bool {
    let value = match &t.atom {
        Atom::Compare(c) => comparison(c, attrs),
        Atom::Group(g) => chain(g, attrs),
    };
    value != t.negated
}

/// Folds the chain from the left; a term whose result cannot change the outcome is skipped.
pub(super) fn chain<A: Attributes + ?Sized>(c: &Chain, attrs: &A) -> bool {
    let mut value = term(&c.first, attrs);
    for (junction, t) in &c.rest {
        value = match junction {
            Junction::And => value && term(t, attrs),
            Junction::Or => value || term(t, attrs),
        };
    }
    value
}

fn factor<A: Attributes + ?Sized>(f: &Factor, attrs: &A) -> f32 {
    match f {
        Factor::Name(n) => first(attrs, n, as_float).unwrap_or(0.0),
        &Factor::Int(v) => v as f32,
        &Factor::Float(v) => v,
        Factor::Neg(p) => -product(p, attrs),
        Factor::Group(s) => sum(s, attrs),
    }
}

/// Folds `first (op x)*` from the left.
fn fold<X, O: Copy>(
    first: &X,
    rest: &[(O, X)],
    value: impl Fn(&X) -> f32,
    apply: fn(f32, O, f32) -> f32,
) -> f32 {
    rest.iter().fold(value(first), |acc, (op, x)| apply(acc, *op, value(x)))
}

fn product<A: Attributes + ?Sized>(p: &Product, attrs: &A) -> f32 {
    fold(
        &p.first,
        &p.rest,
        |f| factor(f, attrs),
        |a, op, b| match op {
            MulOp::Mul => a * b,
            MulOp::Div => a / b,
        },
    )
}

/// The sum in 32-bit floats.
pub(super) fn sum<A: Attributes + ?Sized>(s: &Sum, attrs: &A) -> f32 {
    fold(
        &s.first,
        &s.rest,
        |p| product(p, attrs),
        |a, op, b| match op {
            AddOp::Add => a + b,
            AddOp::Sub => a - b,
        },
    )
}

/// C's `(int)` of a float on x86: truncation, `INT_MIN` when NaN or out of range.
pub(super) fn truncate(value: f32) -> i64 {
    if value.is_nan() || !(-2_147_483_648.0..2_147_483_648.0).contains(&value) {
        i64::from(i32::MIN)
    } else {
        value as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_read_like_an_istream() {
        assert_eq!(read_c_int("42"), Some(42));
        assert_eq!(read_c_int("  -7"), Some(-7));
        assert_eq!(read_c_int("+5"), Some(5));
        assert_eq!(read_c_int("3.7"), Some(3));
        assert_eq!(read_c_int("12GB"), Some(12));
        assert_eq!(read_c_int("2147483647"), Some(i32::MAX));
        assert_eq!(read_c_int("-2147483648"), Some(i32::MIN));
        assert_eq!(read_c_int("2147483648"), None);
        assert_eq!(read_c_int("99999999999999999999999"), None);
        for bad in ["", " ", "-", "+-1", "x1", "YES", ".5"] {
            assert_eq!(read_c_int(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn floats_read_like_an_istream() {
        assert_eq!(read_c_float("1.5"), Some(1.5));
        assert_eq!(read_c_float(" \n-2"), Some(-2.0));
        assert_eq!(read_c_float(".5x"), Some(0.5));
        assert_eq!(read_c_float("5."), Some(5.0));
        assert_eq!(read_c_float("1e3"), Some(1000.0));
        assert_eq!(read_c_float("1E-1"), Some(0.1));
        assert_eq!(read_c_float("1.5.3"), Some(1.5));
        assert_eq!(read_c_float("0x10"), Some(0.0));
        assert_eq!(read_c_float("1e-50"), Some(0.0), "underflow reads");
        for bad in ["", ".", "-", "e5", "1e", "1e+", "inf", "nan", "1e50", "YES"] {
            assert_eq!(read_c_float(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn truncation_is_cs_on_x86() {
        assert_eq!(truncate(2.9), 2);
        assert_eq!(truncate(-2.9), -2);
        assert_eq!(truncate(-0.5), 0);
        assert_eq!(truncate(2_147_483_520.0), 2_147_483_520);
        assert_eq!(truncate(-2_147_483_648.0), -2_147_483_648);
        for invalid in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 2_147_483_648.0, -3e9] {
            assert_eq!(truncate(invalid), -2_147_483_648, "{invalid}");
        }
    }
}
