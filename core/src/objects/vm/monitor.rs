//! The VM's capacity as the rest of oned reads it (CPU, MEMORY, VCPU of the system
//! template) and its monitoring: applying a monitor report to `<MONITORING>` and LAST_POLL.

use super::Vm;
use crate::template::Template;

impl Vm {
    /// TEMPLATE/CPU, the share of physical CPUs reserved (0 when unset).
    pub fn cpu(&self) -> f64 {
        self.template.get("CPU").and_then(|c| c.trim().parse().ok()).unwrap_or(0.0)
    }

    /// TEMPLATE/MEMORY in MB (0 when unset).
    pub fn memory_mb(&self) -> i64 {
        self.template.get("MEMORY").and_then(|m| m.trim().parse().ok()).unwrap_or(0)
    }

    /// TEMPLATE/VCPU, the virtual CPUs (None when unset: the hypervisor's default, 1).
    pub fn vcpu(&self) -> Option<u32> {
        self.template.get("VCPU").and_then(|v| v.trim().parse().ok())
    }

    /// Applies a monitor report (`CPU`, `MEMORY` in KB, `NETRX`, `NETTX`, `DISKRDBYTES`,
    /// `DISKWRBYTES`, `DISKRDIOPS`, `DISKWRIOPS`, `DISK_SIZE=[ID, SIZE]`, ...) received at
    /// `now`: each reported attribute replaces the previous values of that name, the others
    /// are kept; `ID` and `TIMESTAMP` are set, and LAST_POLL becomes `now`.
    pub fn apply_monitoring(&mut self, report: &Template, now: i64) {
        self.monitoring.merge(report);
        self.monitoring.set("ID", self.meta.id.to_string());
        self.monitoring.set("TIMESTAMP", now.to_string());
        self.last_poll = now;
    }

    /// A monitor value, parsed (`CPU`, `MEMORY`, `NETRX`, ...).
    pub fn monitoring_value(&self, name: &str) -> Option<f64> {
        self.monitoring.get(name).and_then(|v| v.trim().parse().ok())
    }
}
