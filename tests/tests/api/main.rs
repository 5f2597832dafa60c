//! Integration tests of oned's API: each test starts the real binary on a free loopback port
//! with its own data directory (see `one_tests::Oned`).

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions unwrap too

mod acls;
mod authz;
mod bad_input;
mod bad_input_pools;
mod cloud;
mod coverage;
mod durability;
mod groups;
mod images;
mod infra;
mod invariants;
mod placement;
mod pyone;
mod templates;
mod users;
mod vm_ops;
mod vmgroups;
mod vms;
mod vnets;
mod wait;
mod wire;
mod xsd;
mod xsd_vms;

use oca::OcaError;

/// The error code of a failed call, or a panic naming what succeeded.
pub fn code<T: std::fmt::Debug>(r: Result<T, OcaError>) -> i32 {
    match r {
        Err(OcaError::Api { code, .. }) => code,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// The message of a failed call.
pub fn message<T: std::fmt::Debug>(r: Result<T, OcaError>) -> String {
    match r {
        Err(OcaError::Api { message, .. }) => message,
        other => panic!("expected an API error, got {other:?}"),
    }
}
