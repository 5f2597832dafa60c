//! The scheduler's configuration: a TOML file with the keys of OpenNebula's `sched.conf` in
//! lower case (`interval` for SCHED_INTERVAL, `max_dispatch` for MAX_DISPATCH, ...), with
//! much higher default limits than OpenNebula's 30 VMs per 15 s.

use std::path::Path;

use serde::Deserialize;

/// A placement policy (`DEFAULT_SCHED = [ POLICY, RANK ]`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Hosts: 0 packing, 1 striping, 2 load-aware, 3 custom, 4 fixed. Datastores and
    /// networks: 0 packing, 1 striping, 2 custom, 3 fixed.
    pub policy: u8,
    /// The rank expression of the custom policy.
    pub rank: String,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { policy: 1, rank: String::new() }
    }
}

/// Everything the scheduler reads from its configuration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// oned's XML-RPC endpoint (`ONE_XMLRPC`).
    pub endpoint: String,
    /// Seconds between cycles (`SCHED_INTERVAL`); a poke starts one at once.
    pub interval: u64,
    /// Pending VMs considered per cycle, 0 for all (`MAX_VM`).
    pub max_vm: usize,
    /// VMs dispatched per cycle, 0 for all (`MAX_DISPATCH`).
    pub max_dispatch: usize,
    /// VMs dispatched to one host per cycle, 0 for no limit (`MAX_HOST`); capacity is always
    /// checked, so a host is never over-committed within a cycle.
    pub max_host: usize,
    /// Rescheduled VMs move with a live migration (`LIVE_RESCHEDS`).
    pub live_rescheds: bool,
    /// How a cold migration stops the VM: 0 save, 1 poweroff, 2 poweroff-hard
    /// (`COLD_MIGRATE_MODE`).
    pub cold_migrate_mode: i32,
    /// MB of system datastore per MB of memory a VM needs besides its disks
    /// (`MEMORY_SYSTEM_DS_SCALE`).
    pub memory_system_ds_scale: f64,
    /// A VM's automatic NICs go to different networks (`DIFFERENT_VNETS`).
    pub different_vnets: bool,
    /// Host policy (`DEFAULT_SCHED`).
    pub default_sched: Policy,
    /// System datastore policy (`DEFAULT_DS_SCHED`).
    pub default_ds_sched: Policy,
    /// Network policy for automatic NICs (`DEFAULT_NIC_SCHED`).
    pub default_nic_sched: Policy,
    /// Deploy calls in flight at once.
    pub dispatch_threads: usize,
    /// Where oned pokes the scheduler to start a cycle at once (empty: no poke listener).
    pub poke_listen: String,
    /// Log level.
    pub log_level: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            endpoint: "http://127.0.0.1:2633/RPC2".to_owned(),
            interval: 15,
            max_vm: 0,
            max_dispatch: 0,
            max_host: 0,
            live_rescheds: false,
            cold_migrate_mode: 0,
            memory_system_ds_scale: 0.0,
            different_vnets: true,
            default_sched: Policy::default(),
            default_ds_sched: Policy::default(),
            default_nic_sched: Policy::default(),
            dispatch_threads: 8,
            poke_listen: "127.0.0.1:2634".to_owned(),
            log_level: "info".to_owned(),
        }
    }
}

impl Config {
    /// Reads a configuration file (missing keys keep their defaults).
    pub fn load(path: &Path) -> Result<Config, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses configuration text.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        if config.default_sched.policy > 4
            || config.default_ds_sched.policy > 3
            || config.default_nic_sched.policy > 3
        {
            return Err("unknown policy (hosts 0-4, datastores and networks 0-3)".to_owned());
        }
        if !(0..=2).contains(&config.cold_migrate_mode) {
            return Err("cold_migrate_mode must be 0, 1 or 2".to_owned());
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
        let c =
            Config::parse("interval = 2\nmax_host = 1\n[default_sched]\npolicy = 3\nrank = \"FREE_CPU\"\n")
                .unwrap();
        assert_eq!(
            (c.interval, c.max_host, c.default_sched.policy, c.default_sched.rank.as_str()),
            (2, 1, 3, "FREE_CPU")
        );
        assert!(Config::parse("bogus = 1").is_err());
        assert!(Config::parse("[default_ds_sched]\npolicy = 4").is_err());
        assert!(Config::parse("cold_migrate_mode = 5").is_err());
    }
}
