//! The short `<VM>` of `one.vmpool.info` (vm_pool.xsd), as OpenNebula reduces it: no
//! PERMISSIONS nor PREV_* states, a LOCK with only LOCKED, a TEMPLATE with CPU, MEMORY and
//! VCPU as plain text followed by a digest of each DISK and NIC (NIC_ALIAS and PCI NICs are
//! listed as `<NIC>` too, in NIC_ID order) and the GRAPHICS, a MONITORING with CPU, MEMORY and
//! STATE, a USER_TEMPLATE with only the attributes Sunstone and the scheduler read, and the
//! current history record in its short form.

use super::Vm;
use crate::template::Value;
use crate::xml::XmlWriter;

/// DISK keys of the short form, in order; each is written even when absent.
const DISK_KEYS: [&str; 11] = [
    "DISK_ID",
    "DATASTORE",
    "DATASTORE_ID",
    "IMAGE",
    "IMAGE_ID",
    "SIZE",
    "TYPE",
    "CLONE",
    "CLONE_TARGET",
    "LN_TARGET",
    "DISK_SNAPSHOT_TOTAL_SIZE",
];

/// NIC keys written only when not empty, in order.
const NIC_OPTIONAL_KEYS: [&str; 9] = [
    "IP",
    "EXTERNAL_IP",
    "IP6",
    "IP6_ULA",
    "IP6_LINK",
    "IP6_GLOBAL",
    "NETWORK_MODE",
    "SCHED_REQUIREMENTS",
    "SCHED_RANK",
];

/// NIC keys always written, in order.
const NIC_KEYS: [&str; 5] = ["MAC", "NETWORK", "NETWORK_ID", "NIC_ID", "SECURITY_GROUPS"];

/// USER_TEMPLATE attributes written only when not empty, in order.
const USER_NON_EMPTY: [&str; 3] = ["LABELS", "ERROR", "SCHED_MESSAGE"];

/// USER_TEMPLATE attributes written whenever present, in order.
const USER_PRESENT: [&str; 5] =
    ["SCHED_RANK", "SCHED_DS_RANK", "SCHED_REQUIREMENTS", "SCHED_DS_REQUIREMENTS", "USER_PRIORITY"];

/// The value of `key` in a vector (the first one), or "".
fn pair<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
}

/// Writes a vector as OpenNebula's `VectorAttribute::to_xml`: keys sorted, each key once,
/// values in CDATA.
fn write_vector(w: &mut XmlWriter, name: &str, pairs: &[(String, String)]) {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted.dedup_by(|later, first| later.0 == first.0);
    w.open(name);
    for (k, v) in sorted {
        w.cdata(k, v);
    }
    w.close(name);
}

impl Vm {
    /// Renders the short `<VM>` of `one.vmpool.info`.
    pub fn write_short_xml(&self, w: &mut XmlWriter) {
        w.open("VM");
        self.meta.write_identity(w);
        w.num("LAST_POLL", self.last_poll).num("STATE", self.state.value());
        w.num("LCM_STATE", self.lcm_state.value()).num("RESCHED", u8::from(self.resched));
        w.num("STIME", self.stime).num("ETIME", self.etime).text("DEPLOY_ID", &self.deploy_id);
        if let Some(lock) = &self.meta.lock {
            w.open("LOCK").num("LOCKED", lock.level).close("LOCK");
        }
        self.write_short_template(w);
        self.write_short_monitoring(w);
        self.write_short_user_template(w);
        match self.current_history() {
            Some(h) => {
                w.open("HISTORY_RECORDS");
                h.write_short_xml(w);
                w.close("HISTORY_RECORDS");
            }
            None => {
                w.empty("HISTORY_RECORDS");
            }
        }
        w.close("VM");
    }

    fn write_short_template(&self, w: &mut XmlWriter) {
        let single = |name: &str| self.template.get(name).unwrap_or_default();
        w.open("TEMPLATE").text("CPU", single("CPU")).text("MEMORY", single("MEMORY"));
        w.text("VCPU", single("VCPU"));
        for disk in self.disks() {
            w.open("DISK");
            for key in DISK_KEYS {
                w.cdata(key, pair(disk.pairs(), key));
            }
            w.close("DISK");
        }
        for nic in self.nics() {
            w.open("NIC");
            for key in NIC_OPTIONAL_KEYS {
                let value = pair(nic.pairs(), key);
                if !value.is_empty() {
                    w.cdata(key, value);
                }
            }
            for key in NIC_KEYS {
                w.cdata(key, pair(nic.pairs(), key));
            }
            w.close("NIC");
        }
        if let Some(graphics) = self.template.vector("GRAPHICS") {
            write_vector(w, "GRAPHICS", graphics);
        }
        w.close("TEMPLATE");
    }

    fn write_short_monitoring(&self, w: &mut XmlWriter) {
        if self.monitoring.is_empty() {
            w.empty("MONITORING");
            return;
        }
        w.open("MONITORING");
        for key in ["CPU", "MEMORY", "STATE"] {
            w.cdata(key, self.monitoring.get(key).unwrap_or_default());
        }
        w.close("MONITORING");
    }

    fn write_short_user_template(&self, w: &mut XmlWriter) {
        let t = &self.user_template;
        if t.is_empty() {
            w.empty("USER_TEMPLATE");
            return;
        }
        w.open("USER_TEMPLATE");
        for key in USER_NON_EMPTY {
            if let Some(value) = t.get(key).filter(|v| !v.is_empty()) {
                w.cdata(key, value);
            }
        }
        for key in USER_PRESENT {
            if let Some(value) = t.get(key) {
                w.cdata(key, value);
            }
        }
        for attr in t.get_all("SCHED_ACTION") {
            if let Value::Vector(pairs) = &attr.value {
                write_vector(w, "SCHED_ACTION", pairs);
            }
        }
        w.close("USER_TEMPLATE");
    }
}
