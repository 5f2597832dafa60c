//! The drivers oned can use, by name (`IM_MAD`, `VM_MAD`, `TM_MAD`, `DS_MAD`): the simulated
//! `dummy` drivers always, real ones as they are registered.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use one_drivers::dummy::{Dummy, DummySettings};
use one_drivers::{DriverError, Ds, Im, Tm, Vmm};

use crate::config::Config;

/// Capabilities of a virtualization driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VmmCaps {
    /// System snapshots survive a power-off (`KEEP_SNAPSHOTS`).
    pub keep_snapshots: bool,
    /// NICs of powered-off VMs are attached by the driver (`COLD_NIC_ATTACH`).
    pub cold_nic_attach: bool,
}

/// Drivers by name.
pub struct Drivers {
    /// The simulated drivers (also reachable by name `dummy`).
    pub dummy: Arc<Dummy>,
    vmm: HashMap<String, Arc<dyn Vmm>>,
    im: HashMap<String, Arc<dyn Im>>,
    tm: HashMap<String, Arc<dyn Tm>>,
    ds: HashMap<String, Arc<dyn Ds>>,
}

impl std::fmt::Debug for Drivers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> =
            self.vmm.keys().chain(self.im.keys()).chain(self.tm.keys()).chain(self.ds.keys()).collect();
        names.sort();
        names.dedup();
        f.debug_struct("Drivers").field("names", &names).finish()
    }
}

fn missing(kind: &str, name: &str) -> DriverError {
    DriverError::new(format!("Cannot find driver {name} ({kind})"))
}

impl Drivers {
    /// The drivers of a configuration: `dummy` for every kind.
    pub fn new(config: &Config) -> Drivers {
        let d = &config.dummy;
        let dummy = Arc::new(Dummy::new(DummySettings {
            delay: Duration::from_millis(d.delay_ms),
            cpu: d.cpu,
            memory_kb: d.memory_kb,
            datastore_mb: d.datastore_mb,
            pci_devices: d.pci_devices,
        }));
        let mut drivers = Drivers {
            dummy: dummy.clone(),
            vmm: HashMap::new(),
            im: HashMap::new(),
            tm: HashMap::new(),
            ds: HashMap::new(),
        };
        drivers.vmm.insert("dummy".into(), dummy.clone());
        drivers.im.insert("dummy".into(), dummy.clone());
        drivers.tm.insert("dummy".into(), dummy.clone());
        drivers.ds.insert("dummy".into(), dummy);
        drivers
    }

    /// Registers a virtualization driver.
    pub fn add_vmm(&mut self, name: &str, driver: Arc<dyn Vmm>) {
        self.vmm.insert(name.to_owned(), driver);
    }

    /// Registers a monitoring driver.
    pub fn add_im(&mut self, name: &str, driver: Arc<dyn Im>) {
        self.im.insert(name.to_owned(), driver);
    }

    /// The virtualization driver with this name.
    pub fn vmm(&self, name: &str) -> Result<Arc<dyn Vmm>, DriverError> {
        self.vmm.get(name).cloned().ok_or_else(|| missing("VM_MAD", name))
    }

    /// The monitoring driver with this name.
    pub fn im(&self, name: &str) -> Result<Arc<dyn Im>, DriverError> {
        self.im.get(name).cloned().ok_or_else(|| missing("IM_MAD", name))
    }

    /// The transfer driver with this name.
    pub fn tm(&self, name: &str) -> Result<Arc<dyn Tm>, DriverError> {
        self.tm.get(name).cloned().ok_or_else(|| missing("TM_MAD", name))
    }

    /// The datastore driver with this name.
    pub fn ds(&self, name: &str) -> Result<Arc<dyn Ds>, DriverError> {
        self.ds.get(name).cloned().ok_or_else(|| missing("DS_MAD", name))
    }

    /// What the virtualization driver of this name can do beyond the basic actions, as
    /// OpenNebula's `VM_MAD` settings say (`kvm`: keeps snapshots across power cycles and
    /// attaches NICs to powered-off VMs; the others, `dummy` included: neither).
    pub fn vmm_caps(&self, name: &str) -> VmmCaps {
        let kvm = matches!(name, "kvm" | "qemu");
        VmmCaps { keep_snapshots: kvm, cold_nic_attach: kvm }
    }

    /// Whether a monitoring and a virtualization driver of these names exist.
    pub fn has_host_drivers(&self, im: &str, vmm: &str) -> bool {
        self.im.contains_key(im) && self.vmm.contains_key(vmm)
    }
}
