//! OpenNebula's API error codes (`Request::ErrorCode`), as the third element of a failed
//! response. Clients map them to exception classes (pyone) or error kinds (goca, Ruby OCA).

use std::fmt;

/// The code of a failed call. The numeric values are OpenNebula's and go on the wire as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ErrorCode {
    /// The session string was not accepted.
    Authentication = 0x0100,
    /// The caller may not perform the operation.
    Authorization = 0x0200,
    /// The object does not exist.
    NoExists = 0x0400,
    /// The operation is not possible now (wrong state, object in use, ...).
    Action = 0x0800,
    /// The request is inconsistent (bad filter, wrong update type, ...).
    XmlRpcApi = 0x1000,
    /// The server failed, or a template could not be parsed.
    Internal = 0x2000,
    /// A new object could not be created.
    Allocate = 0x4000,
    /// The object is locked.
    Locked = 0x8000,
    /// A federation log entry could not be replicated (never produced by a solo server).
    Replication = 0x10000,
}

impl ErrorCode {
    /// Every code, in numeric order.
    pub const ALL: [ErrorCode; 9] = [
        ErrorCode::Authentication,
        ErrorCode::Authorization,
        ErrorCode::NoExists,
        ErrorCode::Action,
        ErrorCode::XmlRpcApi,
        ErrorCode::Internal,
        ErrorCode::Allocate,
        ErrorCode::Locked,
        ErrorCode::Replication,
    ];

    /// The number sent on the wire.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The code for a number received on the wire.
    pub fn from_code(code: i32) -> Option<ErrorCode> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// OpenNebula's name for the code.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::Authentication => "AUTHENTICATION",
            ErrorCode::Authorization => "AUTHORIZATION",
            ErrorCode::NoExists => "NO_EXISTS",
            ErrorCode::Action => "ACTION",
            ErrorCode::XmlRpcApi => "XML_RPC_API",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::Allocate => "ALLOCATE",
            ErrorCode::Locked => "LOCKED",
            ErrorCode::Replication => "REPLICATION",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// XML-RPC fault codes (xmlrpc-c's), used for transport-level failures that OpenNebula reports
/// as `<fault>` rather than as a failed response array.
pub mod fault {
    /// The server failed to handle the request.
    pub const INTERNAL: i32 = -500;
    /// A parameter is missing or has the wrong XML-RPC type.
    pub const TYPE: i32 = -501;
    /// The request body is not an XML-RPC call.
    pub const PARSE: i32 = -503;
    /// The method does not exist.
    pub const NO_SUCH_METHOD: i32 = -506;
    /// The request is larger than the server accepts.
    pub const LIMIT_EXCEEDED: i32 = -509;
    /// The request body is not UTF-8.
    pub const INVALID_UTF8: i32 = -510;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_opennebula_values() {
        let expected = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
        assert_eq!(ErrorCode::ALL.map(ErrorCode::code), expected);
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_code(code.code()), Some(code));
        }
        assert_eq!(ErrorCode::from_code(0), None);
    }
}
