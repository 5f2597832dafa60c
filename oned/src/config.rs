//! oned's configuration: a TOML file whose keys are documented on [`Config`] (and in the
//! README), overridden by command-line flags. Every key has a default, so no file is needed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The configuration of one oned process.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `listen`: address and port of the XML-RPC server (`127.0.0.1:2633`; OpenNebula's
    /// `LISTEN_ADDRESS` and `PORT`). Port 0 picks a free port, printed at start.
    pub listen: SocketAddr,
    /// `data_dir`: where the database (`one.db`) and generated credentials live
    /// (`/var/lib/one`).
    pub data_dir: PathBuf,
    /// `log_level`: `error`, `warn`, `info` (default), `debug` or `trace`; `RUST_LOG` wins.
    pub log_level: String,
    /// `max_request_bytes`: largest XML-RPC request body accepted (32 MiB); larger requests
    /// get a fault (-509) and change nothing.
    pub max_request_bytes: usize,
    /// `api_list_order`: `DESC` (OpenNebula's default) lists pools newest first, `ASC`
    /// oldest first.
    pub api_list_order: ListOrder,
    /// `default_umask`: octal umask for new objects (`177`: owner use+manage only).
    pub default_umask: String,
    /// `max_token_seconds`: upper bound for `one.user.login` token lifetimes; -1 means no
    /// bound (OpenNebula's `MAX_TOKEN_TIME`).
    pub max_token_seconds: i64,
    /// `monitoring_interval`: seconds between monitoring rounds of each host and its VMs (10).
    pub monitoring_interval: u64,
    /// `monitoring_retention`: seconds monitoring records are kept (86400, one day).
    pub monitoring_retention: i64,
    /// `driver_threads`: driver actions and monitoring rounds run at once (15, as
    /// OpenNebula's drivers' `-t`).
    pub driver_threads: usize,
    /// `datastore_location`: where datastores keep their files (`<data_dir>/datastores`).
    pub datastore_location: Option<PathBuf>,
    /// `mac_prefix`: the first two bytes of generated MAC addresses (`02:00`).
    pub mac_prefix: String,
    /// `default_device_prefix`: device prefix of disks without one (`sd`, OpenNebula's
    /// `DEFAULT_DEVICE_PREFIX`).
    pub default_device_prefix: String,
    /// `default_ds_mad` / `default_tm_mad`: the drivers of the datastores created with a new
    /// database (`dummy`, the simulated ones).
    pub default_ds_mad: String,
    /// See `default_ds_mad`.
    pub default_tm_mad: String,
    /// `[dummy]`: the simulated drivers (`im_mad=dummy vm_mad=dummy`, `dummy` TM and DS).
    pub dummy: DummyConfig,
    /// `[scheduler]`: the placement process oned starts and pokes.
    pub scheduler: SchedulerConfig,
}

/// How oned runs the scheduler (`one-scheduler`, a separate process that talks to oned over
/// XML-RPC only).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SchedulerConfig {
    /// `enabled`: start it as a child process (true); false when it runs elsewhere.
    pub enabled: bool,
    /// `command`: its executable (empty: `one-scheduler` next to `oned`).
    pub command: String,
    /// `config`: its configuration file, passed as `--config` (empty: its defaults).
    pub config: String,
    /// `poke`: where it listens for pokes; oned connects there when a VM becomes PENDING so
    /// that it does not wait for the next cycle (empty: no pokes).
    pub poke: String,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            enabled: true,
            command: String::new(),
            config: String::new(),
            poke: "127.0.0.1:2634".to_owned(),
        }
    }
}

/// Settings of the simulated drivers; objects can override them in their templates
/// (`DUMMY_CPU`, `DUMMY_MEMORY`, `DUMMY_DELAY_MS`, `DUMMY_FAIL`, `DUMMY_PCI_DEVICES`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DummyConfig {
    /// `delay_ms`: how long each simulated action takes (0).
    pub delay_ms: u64,
    /// `cpu`: CPU of a simulated host, percent (800: eight cores).
    pub cpu: i64,
    /// `memory_kb`: memory of a simulated host, KiB (16 GiB).
    pub memory_kb: i64,
    /// `datastore_mb`: size of a simulated datastore, MB (1 TiB).
    pub datastore_mb: i64,
    /// `pci_devices`: PCI devices each simulated host reports (0; 45 make hosts of ~30 KB).
    pub pci_devices: i64,
}

impl Default for DummyConfig {
    fn default() -> Self {
        DummyConfig {
            delay_ms: 0,
            cpu: 800,
            memory_kb: 16 * 1024 * 1024,
            datastore_mb: 1024 * 1024,
            pci_devices: 0,
        }
    }
}

/// The order of pool listings.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum ListOrder {
    /// Ascending IDs.
    Asc,
    /// Descending IDs.
    Desc,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 2633)),
            data_dir: PathBuf::from("/var/lib/one"),
            log_level: "info".to_owned(),
            max_request_bytes: 32 * 1024 * 1024,
            api_list_order: ListOrder::Desc,
            default_umask: "177".to_owned(),
            max_token_seconds: -1,
            monitoring_interval: 10,
            monitoring_retention: 86_400,
            driver_threads: 15,
            datastore_location: None,
            mac_prefix: "02:00".to_owned(),
            default_device_prefix: "sd".to_owned(),
            default_ds_mad: "dummy".to_owned(),
            default_tm_mad: "dummy".to_owned(),
            dummy: DummyConfig::default(),
            scheduler: SchedulerConfig::default(),
        }
    }
}

/// A configuration file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("invalid configuration in {path}: {detail}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
}

impl Config {
    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        let config: Config = toml::from_str(&text)
            .map_err(|e| ConfigError::Invalid { path: path.to_owned(), detail: e.to_string() })?;
        config.check().map_err(|detail| ConfigError::Invalid { path: path.to_owned(), detail })?;
        Ok(config)
    }

    /// Checks values the types cannot.
    pub fn check(&self) -> Result<(), String> {
        self.umask()?;
        if self.max_request_bytes < 1024 {
            return Err("max_request_bytes must be at least 1024".to_owned());
        }
        if self.monitoring_interval == 0 {
            return Err("monitoring_interval must be at least 1 second".to_owned());
        }
        Ok(())
    }

    /// The umask as a number.
    pub fn umask(&self) -> Result<u32, String> {
        u32::from_str_radix(&self.default_umask, 8).ok().filter(|m| *m <= 0o777).ok_or_else(|| {
            format!("default_umask \"{}\" is not an octal mask such as 177", self.default_umask)
        })
    }

    /// The database file.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("one.db")
    }

    /// The MAC prefix as a number.
    pub fn mac_prefix(&self) -> u32 {
        one_core::objects::vnet_addr::parse_mac_prefix(&self.mac_prefix)
    }

    /// The default device prefix.
    pub fn default_device_prefix(&self) -> String {
        self.default_device_prefix.clone()
    }

    /// Where datastores keep their files.
    pub fn datastore_location(&self) -> PathBuf {
        self.datastore_location.clone().unwrap_or_else(|| self.data_dir.join("datastores"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_overrides_defaults_and_rejects_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("oned.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:2700\"\napi_list_order = \"ASC\"\n[dummy]\ndelay_ms = 50\n",
        )
        .unwrap();
        let c = Config::load(&path).unwrap();
        assert_eq!(c.listen.port(), 2700);
        assert_eq!(c.api_list_order, ListOrder::Asc);
        assert_eq!((c.dummy.delay_ms, c.dummy.cpu), (50, 800));
        assert_eq!(c.max_request_bytes, Config::default().max_request_bytes);
        std::fs::write(&path, "lisen = \"0.0.0.0:2700\"\n").unwrap();
        assert!(matches!(Config::load(&path), Err(ConfigError::Invalid { .. })));
        std::fs::write(&path, "default_umask = \"999\"\n").unwrap();
        assert!(matches!(Config::load(&path), Err(ConfigError::Invalid { .. })));
    }
}
