//! oned: the daemon that owns all state and serves OpenNebula's XML-RPC API.
//!
//! - [`config`]: configuration file and defaults;
//! - [`db`]: all SQL (SQLite), one file per pool;
//! - [`api`]: the operations (managers), authentication and authorization;
//! - [`drivers`]: the drivers by name; [`jobs`]: background work; [`monitor`]: monitoring;
//! - [`rpc`]: the XML-RPC transport and the dispatch table; [`sched`]: the scheduler process;
//! - [`server`]: start-up (bootstrap credentials, listener, shutdown).

pub mod api;
pub mod config;
pub mod db;
pub mod drivers;
pub mod jobs;
pub mod lcm;
pub mod monitor;
pub mod rpc;
pub mod sched;
pub mod server;
