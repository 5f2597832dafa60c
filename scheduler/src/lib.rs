//! The scheduler: a separate process in the role of OpenNebula's `mm_sched`. It keeps no
//! state: each cycle reads a snapshot from oned over XML-RPC ([`fetch`]), plans where the
//! pending and rescheduled VMs go ([`plan`], a pure function of the snapshot and the
//! [`config`]) and carries the plan out with `one.vm.deploy` / `one.vm.migrate`
//! ([`dispatch`]). [`run`] is the cycle loop: on an interval, and at once when oned pokes it.

pub mod config;
pub mod dispatch;
pub mod fetch;
pub mod plan;
pub mod run;
