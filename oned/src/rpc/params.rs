//! Parameter specifications of API methods and their decoding from XML-RPC values into typed
//! arguments. A missing or wrongly typed parameter is an XML-RPC fault (-501) with
//! xmlrpc-c's wording, as OpenNebula answers it; extra trailing parameters are ignored.

use dxr::Value;

/// The XML-RPC type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `<int>`/`<i4>` (an `<i8>` within 32 bits is accepted too).
    Int,
    /// `<boolean>`.
    Bool,
    /// `<string>` (or an untyped value).
    Str,
    /// `<array>` of integers.
    IntArray,
}

impl Kind {
    /// The name used in `system.methodSignature`.
    pub fn signature(self) -> &'static str {
        match self {
            Kind::Int => "int",
            Kind::Bool => "boolean",
            Kind::Str => "string",
            Kind::IntArray => "array",
        }
    }
}

/// One parameter after the session string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Its name, for documentation.
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
    /// Whether a call may leave it out (the handler then uses OpenNebula's default).
    pub optional: bool,
}

/// A required parameter.
pub const fn req(name: &'static str, kind: Kind) -> Param {
    Param { name, kind, optional: false }
}

/// An optional parameter.
pub const fn opt(name: &'static str, kind: Kind) -> Param {
    Param { name, kind, optional: true }
}

/// A decoded argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// An integer.
    Int(i32),
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(String),
    /// A list of integers.
    IntArray(Vec<i32>),
    /// An optional parameter the call left out.
    Absent,
}

/// The decoded arguments of a call, in the order of the method's parameters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Args(pub Vec<Arg>);

/// A fault raised while decoding: code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// XML-RPC fault code.
    pub code: i32,
    /// Fault string.
    pub message: String,
}

fn type_fault(kind: Kind) -> Fault {
    let what = match kind {
        Kind::Int => "integer",
        Kind::Bool => "boolean",
        Kind::Str => "a string",
        Kind::IntArray => "an array of integers",
    };
    Fault {
        code: one_core::error::fault::TYPE,
        message: format!("Parameter that is supposed to be {what} is not"),
    }
}

fn as_int(value: &Value) -> Option<i32> {
    match value {
        Value::Integer(i) => Some(*i),
        Value::Long(l) => i32::try_from(*l).ok(),
        _ => None,
    }
}

fn decode(kind: Kind, value: &Value) -> Result<Arg, Fault> {
    let arg = match (kind, value) {
        (Kind::Int, v) => as_int(v).map(Arg::Int),
        (Kind::Bool, Value::Boolean(b)) => Some(Arg::Bool(*b)),
        (Kind::Str, Value::String(s)) => Some(Arg::Str(s.clone())),
        (Kind::IntArray, Value::Array(items)) => {
            items.iter().map(as_int).collect::<Option<Vec<_>>>().map(Arg::IntArray)
        }
        _ => None,
    };
    arg.ok_or_else(|| type_fault(kind))
}

/// Decodes the parameters that follow the session string.
pub fn decode_args(params: &[Param], values: &[Value]) -> Result<Args, Fault> {
    let mut args = Vec::with_capacity(params.len());
    for (i, p) in params.iter().enumerate() {
        match values.get(i) {
            Some(v) => args.push(decode(p.kind, v)?),
            None if p.optional => args.push(Arg::Absent),
            None => {
                return Err(Fault {
                    code: one_core::error::fault::TYPE,
                    message: "Not enough parameters".to_owned(),
                });
            }
        }
    }
    Ok(Args(args))
}

impl Args {
    /// Integer argument `i` (`default` when absent).
    pub fn int_or(&self, i: usize, default: i32) -> i32 {
        match self.0.get(i) {
            Some(Arg::Int(v)) => *v,
            _ => default,
        }
    }

    /// Required integer argument `i`.
    pub fn int(&self, i: usize) -> i32 {
        self.int_or(i, 0)
    }

    /// Boolean argument `i` (`default` when absent).
    pub fn bool_or(&self, i: usize, default: bool) -> bool {
        match self.0.get(i) {
            Some(Arg::Bool(v)) => *v,
            _ => default,
        }
    }

    /// String argument `i` (empty when absent).
    pub fn str(&self, i: usize) -> &str {
        match self.0.get(i) {
            Some(Arg::Str(s)) => s,
            _ => "",
        }
    }

    /// Integer-array argument `i` (empty when absent).
    pub fn ints(&self, i: usize) -> &[i32] {
        match self.0.get(i) {
            Some(Arg::IntArray(v)) => v,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAMS: [Param; 3] = [req("id", Kind::Int), req("name", Kind::Str), opt("flag", Kind::Bool)];

    #[test]
    fn decodes_typed_values_and_ignores_extras() {
        let values = [Value::Integer(3), Value::String("x".into()), Value::Boolean(true), Value::Integer(9)];
        let args = decode_args(&PARAMS, &values).unwrap();
        assert_eq!((args.int(0), args.str(1), args.bool_or(2, false)), (3, "x", true));
        let args = decode_args(&PARAMS, &values[..2]).unwrap();
        assert!(!args.bool_or(2, false));
        assert_eq!(decode_args(&PARAMS, &[Value::Long(5), Value::String("x".into())]).unwrap().int(0), 5);
    }

    #[test]
    fn missing_and_mistyped_parameters_are_faults() {
        let f = decode_args(&PARAMS, &[Value::Integer(3)]).unwrap_err();
        assert_eq!((f.code, f.message.as_str()), (-501, "Not enough parameters"));
        let f = decode_args(&PARAMS, &[Value::String("3".into()), Value::String("x".into())]).unwrap_err();
        assert_eq!(f.message, "Parameter that is supposed to be integer is not");
        let f = decode_args(&PARAMS, &[Value::Long(1 << 40), Value::String("x".into())]).unwrap_err();
        assert_eq!(f.code, -501);
        let ints = [req("ids", Kind::IntArray)];
        let f = decode_args(&ints, &[Value::Array(vec![Value::String("a".into())])]).unwrap_err();
        assert_eq!(f.message, "Parameter that is supposed to be an array of integers is not");
    }
}
