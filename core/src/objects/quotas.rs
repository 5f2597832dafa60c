//! Usage quotas of users and groups: the four sections OpenNebula keeps (DATASTORE, NETWORK,
//! VM, IMAGE), their limits and usage counters, the `one.user.quota` template that sets them,
//! and their XML.
//!
//! A limit is a number, `-1` (use the default quota) or `-2` (unlimited). Limits and usage are
//! strings on the wire (`<VMS><![CDATA[10]]></VMS>`), numbers here.

use crate::template::{Attribute, Template, Value};
use crate::xml::{Node, XmlWriter};

/// "Use the default quota".
pub const DEFAULT_LIMIT: f64 = -1.0;
/// "No limit".
pub const UNLIMITED: f64 = -2.0;

/// A quota section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuotaKind {
    /// Images and megabytes per datastore.
    Datastore,
    /// Leases per virtual network.
    Network,
    /// VMs, CPU, memory and disk (optionally per set of clusters).
    Vm,
    /// Running VMs per image.
    Image,
}

impl QuotaKind {
    /// The sections in the order OpenNebula renders them.
    pub const ALL: [QuotaKind; 4] =
        [QuotaKind::Datastore, QuotaKind::Network, QuotaKind::Vm, QuotaKind::Image];

    /// The section element, e.g. `DATASTORE_QUOTA`.
    pub fn section(self) -> &'static str {
        match self {
            QuotaKind::Datastore => "DATASTORE_QUOTA",
            QuotaKind::Network => "NETWORK_QUOTA",
            QuotaKind::Vm => "VM_QUOTA",
            QuotaKind::Image => "IMAGE_QUOTA",
        }
    }

    /// The entry element and template attribute name, e.g. `DATASTORE`.
    pub fn entry(self) -> &'static str {
        match self {
            QuotaKind::Datastore => "DATASTORE",
            QuotaKind::Network => "NETWORK",
            QuotaKind::Vm => "VM",
            QuotaKind::Image => "IMAGE",
        }
    }

    /// The attribute that tells entries apart: an object ID, or for VM quotas an optional
    /// comma-separated list of cluster IDs.
    pub fn key(self) -> &'static str {
        match self {
            QuotaKind::Vm => "CLUSTER_IDS",
            _ => "ID",
        }
    }

    /// The limited metrics, in XML order; each is followed by `<METRIC>_USED`.
    pub fn metrics(self) -> &'static [&'static str] {
        match self {
            QuotaKind::Datastore => &["IMAGES", "SIZE"],
            QuotaKind::Network => &["LEASES"],
            QuotaKind::Vm => &[
                "CPU",
                "MEMORY",
                "PCI_DEV",
                "PCI_NIC",
                "RUNNING_CPU",
                "RUNNING_MEMORY",
                "RUNNING_PCI_DEV",
                "RUNNING_PCI_NIC",
                "RUNNING_VMS",
                "SYSTEM_DISK_SIZE",
                "VMS",
            ],
            QuotaKind::Image => &["RVMS"],
        }
    }

    fn index(self) -> usize {
        match self {
            QuotaKind::Datastore => 0,
            QuotaKind::Network => 1,
            QuotaKind::Vm => 2,
            QuotaKind::Image => 3,
        }
    }

    fn from_entry(name: &str) -> Option<QuotaKind> {
        Self::ALL.into_iter().find(|k| k.entry() == name)
    }
}

/// One entry of a section: its key and, per metric, the limit and the usage.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QuotaEntry {
    /// The object ID (or cluster IDs for VM quotas); empty for the global VM quota.
    pub key: String,
    /// Limits, aligned with [`QuotaKind::metrics`].
    pub limits: Vec<f64>,
    /// Usage, aligned with [`QuotaKind::metrics`].
    pub used: Vec<f64>,
}

/// All quotas of one user or group (or the defaults).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Quotas {
    sections: [Vec<QuotaEntry>; 4],
}

/// Why a quota template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QuotaError(pub String);

/// Formats a quota number as OpenNebula does: integers without a fraction, others with two
/// decimals (`0.50`).
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v:.2}") }
}

impl Quotas {
    /// No quotas set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The entries of one section.
    pub fn section(&self, kind: QuotaKind) -> &[QuotaEntry] {
        &self.sections[kind.index()]
    }

    /// Whether no section has an entry.
    pub fn is_empty(&self) -> bool {
        self.sections.iter().all(Vec::is_empty)
    }

    /// Applies a quota template (`VM=[VMS=10, CPU=4]`, `DATASTORE=[ID=1, SIZE=1024]`, ...), as
    /// OpenNebula does: for every vector, the entry with that key gets all its limits from the
    /// vector, a limit left out becoming -1 (default); usage is kept. An entry left with only
    /// default limits and no usage is removed. Attributes that are not quota vectors are
    /// ignored. A limit that is not a number, or negative other than -1/-2, is refused. On
    /// error nothing changes.
    pub fn apply(&mut self, template: &Template) -> Result<(), QuotaError> {
        self.apply_with(template, false)
    }

    /// Applies a template to the default quotas: like [`Quotas::apply`], but -1 is refused
    /// (a default cannot defer to itself), a limit left out is -2 (unlimited), and there is one
    /// VM quota at most, without CLUSTER_IDS.
    pub fn apply_defaults(&mut self, template: &Template) -> Result<(), QuotaError> {
        let vms = template.attributes().iter().filter(|a| a.name == QuotaKind::Vm.entry()).count();
        if vms > 1 {
            return Err(QuotaError("Only one default VM quota can be defined".to_owned()));
        }
        if template.vector(QuotaKind::Vm.entry()).is_some_and(|v| v.iter().any(|(k, _)| k == "CLUSTER_IDS")) {
            return Err(QuotaError("CLUSTER_IDS attribute is not allowed for default VM quota".to_owned()));
        }
        self.apply_with(template, true)
    }

    fn apply_with(&mut self, template: &Template, defaults: bool) -> Result<(), QuotaError> {
        let mut next = self.clone();
        for attr in template.attributes() {
            let Some(kind) = QuotaKind::from_entry(&attr.name) else { continue };
            let Value::Vector(pairs) = &attr.value else {
                return Err(QuotaError(format!("{} quota must be a vector attribute", kind.entry())));
            };
            next.apply_one(kind, pairs, defaults)?;
        }
        *self = next;
        Ok(())
    }

    fn apply_one(
        &mut self,
        kind: QuotaKind,
        pairs: &[(String, String)],
        defaults: bool,
    ) -> Result<(), QuotaError> {
        let unset = if defaults { UNLIMITED } else { DEFAULT_LIMIT };
        let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim());
        let key = match (kind, get(kind.key())) {
            (QuotaKind::Vm, None) => String::new(),
            (QuotaKind::Vm, Some(ids)) => canonical_cluster_ids(ids)?,
            (_, Some(id)) if id.parse::<u32>().is_ok() => id.to_owned(),
            (_, Some(id)) => {
                return Err(QuotaError(format!("{} quota ID \"{id}\" is not valid", kind.entry())));
            }
            (_, None) => return Err(QuotaError(format!("{} quota must have an ID", kind.entry()))),
        };
        let metrics = kind.metrics();
        let mut limits = Vec::with_capacity(metrics.len());
        for metric in metrics {
            limits.push(match get(metric) {
                None | Some("") => unset,
                Some(text) => parse_limit(text)
                    .filter(|v| !(defaults && *v == DEFAULT_LIMIT))
                    .ok_or_else(|| bad_limit(kind, pairs))?,
            });
        }
        let section = &mut self.sections[kind.index()];
        let pos = match section.iter().position(|e| e.key == key) {
            Some(pos) => pos,
            None => {
                section.push(QuotaEntry {
                    key,
                    limits: vec![unset; metrics.len()],
                    used: vec![0.0; metrics.len()],
                });
                section.len() - 1
            }
        };
        let entry = &mut section[pos];
        entry.limits = limits;
        if entry.limits.iter().all(|l| *l == unset) && entry.used.iter().all(|u| *u == 0.0) {
            section.remove(pos);
        }
        Ok(())
    }

    /// Checks a usage request against the limits of the entry `key` of section `kind` (the
    /// default quotas `defaults` stand in for limits of -1; a missing default is unlimited)
    /// and, if every metric fits, adds the usage. A missing entry is created with default
    /// limits, as OpenNebula does on first use. The error is OpenNebula's: `limit of 1 reached
    /// for VMS quota in VM[ with ID: 3]`. Nothing changes on error.
    pub fn charge(
        &mut self,
        kind: QuotaKind,
        key: &str,
        request: &[(&str, f64)],
        defaults: &Quotas,
    ) -> Result<(), String> {
        let metrics = kind.metrics();
        let default_entry = defaults
            .section(kind)
            .iter()
            .find(|e| e.key == key || (kind == QuotaKind::Vm && e.key.is_empty()));
        let section = &mut self.sections[kind.index()];
        let pos = match section.iter().position(|e| e.key == key) {
            Some(p) => p,
            None => {
                section.push(QuotaEntry {
                    key: key.to_owned(),
                    limits: vec![DEFAULT_LIMIT; metrics.len()],
                    used: vec![0.0; metrics.len()],
                });
                section.len() - 1
            }
        };
        let entry = &section[pos];
        for (metric, amount) in request {
            let Some(i) = metrics.iter().position(|m| m == metric) else { continue };
            let mut limit = entry.limits[i];
            if limit == DEFAULT_LIMIT {
                limit = default_entry.map_or(UNLIMITED, |d| d.limits[i]);
                if limit == DEFAULT_LIMIT {
                    limit = UNLIMITED;
                }
            }
            if limit != UNLIMITED && entry.used[i] + amount > limit {
                if entry.used.iter().all(|u| *u == 0.0) && entry.limits.iter().all(|l| *l == DEFAULT_LIMIT) {
                    section.remove(pos);
                }
                let id = if kind == QuotaKind::Vm || key.is_empty() {
                    String::new()
                } else {
                    format!(" with ID: {key}")
                };
                return Err(format!(
                    "limit of {} reached for {metric} quota in {}{id}",
                    format_limit(limit),
                    kind.entry()
                ));
            }
        }
        let entry = &mut section[pos];
        for (metric, amount) in request {
            if let Some(i) = metrics.iter().position(|m| m == metric) {
                entry.used[i] += amount;
            }
        }
        Ok(())
    }

    /// The VM quota entries limited to clusters that name cluster `cid` in their CLUSTER_IDS.
    fn cluster_keys(&self, cid: i32) -> Vec<String> {
        let id = cid.to_string();
        self.sections[QuotaKind::Vm.index()]
            .iter()
            .filter(|e| !e.key.is_empty() && e.key.split(',').any(|k| k == id))
            .map(|e| e.key.clone())
            .collect()
    }

    /// Charges a VM's usage to every VM quota limited to clusters that names cluster `cid`
    /// (OpenNebula's cluster quotas: a VM counts there from its deploy in the cluster). All
    /// or nothing: on refusal nothing is charged.
    pub fn charge_cluster(
        &mut self,
        cid: i32,
        request: &[(&str, f64)],
        defaults: &Quotas,
    ) -> Result<(), String> {
        let before = self.clone();
        for key in self.cluster_keys(cid) {
            if let Err(e) = self.charge(QuotaKind::Vm, &key, request, defaults) {
                *self = before;
                return Err(format!("{e} with CLUSTER_IDS: {key}"));
            }
        }
        Ok(())
    }

    /// Takes a VM's usage back from the cluster quotas naming cluster `cid`.
    pub fn refund_cluster(&mut self, cid: i32, request: &[(&str, f64)]) {
        for key in self.cluster_keys(cid) {
            self.refund(QuotaKind::Vm, &key, request);
        }
    }

    /// Takes a usage back (never below zero); an entry left with default limits and no usage
    /// goes away.
    pub fn refund(&mut self, kind: QuotaKind, key: &str, request: &[(&str, f64)]) {
        let metrics = kind.metrics();
        let section = &mut self.sections[kind.index()];
        let Some(pos) = section.iter().position(|e| e.key == key) else { return };
        let entry = &mut section[pos];
        for (metric, amount) in request {
            if let Some(i) = metrics.iter().position(|m| m == metric) {
                entry.used[i] = (entry.used[i] - amount).max(0.0);
            }
        }
        if entry.used.iter().all(|u| *u == 0.0) && entry.limits.iter().all(|l| *l == DEFAULT_LIMIT) {
            section.remove(pos);
        }
    }

    /// The stored form: a template of quota vectors with limits and usage.
    pub fn to_template(&self) -> Template {
        let mut t = Template::new();
        for kind in QuotaKind::ALL {
            for e in self.section(kind) {
                let mut pairs = Vec::new();
                if !e.key.is_empty() {
                    pairs.push((kind.key().to_owned(), e.key.clone()));
                }
                for (i, m) in kind.metrics().iter().enumerate() {
                    pairs.push(((*m).to_owned(), format_number(e.limits[i])));
                    pairs.push((format!("{m}_USED"), format_number(e.used[i])));
                }
                t.push(Attribute::vector(kind.entry(), pairs));
            }
        }
        t
    }

    /// Reads the stored form back (limits and usage).
    pub fn from_template(t: &Template) -> Result<Quotas, QuotaError> {
        let mut q = Quotas::new();
        for attr in t.attributes() {
            let (Some(kind), Value::Vector(pairs)) = (QuotaKind::from_entry(&attr.name), &attr.value) else {
                return Err(QuotaError(format!("stored quota attribute {} is not valid", attr.name)));
            };
            let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
            let num = |name: &str| get(name).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
            let metrics = kind.metrics();
            q.sections[kind.index()].push(QuotaEntry {
                key: get(kind.key()).unwrap_or_default().to_owned(),
                limits: metrics
                    .iter()
                    .map(|m| get(m).and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_LIMIT))
                    .collect(),
                used: metrics.iter().map(|m| num(&format!("{m}_USED"))).collect(),
            });
        }
        Ok(q)
    }

    /// Renders the four sections (`<DATASTORE_QUOTA>…</IMAGE_QUOTA>`).
    pub fn write_xml(&self, w: &mut XmlWriter) {
        for kind in QuotaKind::ALL {
            self.write_section(w, kind);
        }
    }

    /// Renders one section.
    pub fn write_section(&self, w: &mut XmlWriter, kind: QuotaKind) {
        w.open(kind.section());
        for e in self.section(kind) {
            w.open(kind.entry());
            if !e.key.is_empty() || kind != QuotaKind::Vm {
                w.cdata(kind.key(), &e.key);
            }
            for (i, m) in kind.metrics().iter().enumerate() {
                w.cdata(m, &format_number(e.limits[i]));
                w.cdata(&format!("{m}_USED"), &format_number(e.used[i]));
            }
            w.close(kind.entry());
        }
        w.close(kind.section());
    }

    /// Reads the four sections from an element that contains them (a USER, a GROUP, a
    /// QUOTAS entry or a DEFAULT_*_QUOTAS element).
    pub fn from_node(node: &Node) -> Quotas {
        let mut q = Quotas::new();
        for kind in QuotaKind::ALL {
            let Some(section) = node.child(kind.section()) else { continue };
            for entry in section.children_named(kind.entry()) {
                let metrics = kind.metrics();
                let num = |name: &str, dflt: f64| entry.child_num::<f64>(name).unwrap_or(dflt);
                q.sections[kind.index()].push(QuotaEntry {
                    key: entry.child_text(kind.key()).unwrap_or_default().to_owned(),
                    limits: metrics.iter().map(|m| num(m, DEFAULT_LIMIT)).collect(),
                    used: metrics.iter().map(|m| num(&format!("{m}_USED"), 0.0)).collect(),
                });
            }
        }
        q
    }
}

/// A limit as C++ prints a float (`1`, `0.5`).
fn format_limit(v: f64) -> String {
    if v.fract() == 0.0 { format!("{}", v as i64) } else { format!("{v}") }
}

/// A limit: a finite number >= 0, -1 or -2.
fn parse_limit(text: &str) -> Option<f64> {
    let v: f64 = text.parse().ok().filter(|v: &f64| v.is_finite())?;
    (v >= 0.0 || v == DEFAULT_LIMIT || v == UNLIMITED).then_some(v)
}

/// OpenNebula's message for a refused quota vector: `Negative limits or bad format in quota
/// VM_QUOTA = [ CPU=-5,VMS=1 ]` (keys sorted).
fn bad_limit(kind: QuotaKind, pairs: &[(String, String)]) -> QuotaError {
    let mut sorted: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    sorted.sort();
    QuotaError(format!(
        "Negative limits or bad format in quota {} = [ {} ]",
        kind.section(),
        sorted.join(",")
    ))
}

fn canonical_cluster_ids(ids: &str) -> Result<String, QuotaError> {
    let mut parsed: Vec<u32> = Vec::new();
    for part in ids.split(',') {
        match part.trim().parse::<u32>() {
            Ok(id) => parsed.push(id),
            Err(_) => return Err(QuotaError(format!("VM quota CLUSTER_IDS \"{ids}\" is not a list of IDs"))),
        }
    }
    parsed.sort_unstable();
    parsed.dedup();
    Ok(parsed.iter().map(u32::to_string).collect::<Vec<_>>().join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_quotas_charge_the_entries_naming_the_cluster() {
        let mut q = Quotas::new();
        q.apply(&Template::parse("VM = [ CLUSTER_IDS = \"100,0\", VMS = 1 ]\nVM = [ CLUSTER_IDS = 5, CPU = 2 ]\nVM = [ VMS = 9 ]").unwrap()).unwrap();
        let none = Quotas::new();
        let vm = [("VMS", 1.0), ("CPU", 1.0)];
        q.charge_cluster(0, &vm, &none).unwrap();
        let used = |q: &Quotas, key: &str| {
            q.section(QuotaKind::Vm)
                .iter()
                .find(|e| e.key == key)
                .map(|e| e.used[QuotaKind::Vm.metrics().iter().position(|m| *m == "VMS").unwrap()])
        };
        assert_eq!(used(&q, "0,100"), Some(1.0));
        assert_eq!(used(&q, ""), Some(0.0), "the global entry is charged at allocate, not here");
        let before = q.clone();
        let err = q.charge_cluster(100, &vm, &none).unwrap_err();
        assert!(err.contains("VMS") && err.ends_with("CLUSTER_IDS: 0,100"), "{err}");
        assert_eq!(q, before, "nothing charged on refusal");
        q.charge_cluster(7, &vm, &none).unwrap();
        assert_eq!(q, before, "no entry names cluster 7");
        q.refund_cluster(100, &vm);
        assert_eq!(used(&q, "0,100"), Some(0.0));
    }

    fn tpl(s: &str) -> Template {
        Template::parse(s).unwrap()
    }

    #[test]
    fn set_update_and_clear_limits() {
        let mut q = Quotas::new();
        q.apply(&tpl("VM=[VMS=10, CPU=4]\nDATASTORE=[ID=1, SIZE=1024]")).unwrap();
        let vm = &q.section(QuotaKind::Vm)[0];
        assert_eq!(vm.key, "");
        assert_eq!(vm.limits[QuotaKind::Vm.metrics().iter().position(|m| *m == "VMS").unwrap()], 10.0);
        assert_eq!(vm.limits[0], 4.0);
        assert_eq!(vm.limits[1], DEFAULT_LIMIT);
        // Limits left out go back to the default, as in OpenNebula.
        q.apply(&tpl("VM=[MEMORY=2048]")).unwrap();
        let vm = &q.section(QuotaKind::Vm)[0];
        assert_eq!((vm.limits[0], vm.limits[1]), (DEFAULT_LIMIT, 2048.0));
        // Back to defaults everywhere: the entry goes away.
        q.apply(&tpl("DATASTORE=[ID=1, SIZE=-1]")).unwrap();
        assert!(q.section(QuotaKind::Datastore).is_empty());
        assert_eq!(q.section(QuotaKind::Vm).len(), 1);
    }

    #[test]
    fn bad_templates_change_nothing() {
        let mut q = Quotas::new();
        q.apply(&tpl("VM=[VMS=3]")).unwrap();
        let before = q.clone();
        for bad in [
            "VM=[VMS=abc]",
            "VM=[VMS=-5]",
            "DATASTORE=[SIZE=1]",
            "NETWORK=[ID=x, LEASES=1]",
            "VM=[VMS=1]\nIMAGE=[ID=2, RVMS=nan]",
            "VM=7",
        ] {
            assert!(q.apply(&tpl(bad)).is_err(), "{bad}");
            assert_eq!(q, before);
        }
        assert_eq!(
            q.apply(&tpl("VM=[VMS=-5, CPU=1]")).unwrap_err().0,
            "Negative limits or bad format in quota VM_QUOTA = [ CPU=1,VMS=-5 ]"
        );
    }

    #[test]
    fn charge_checks_limits_and_defaults_and_refund_gives_back() {
        let mut q = Quotas::new();
        let mut defaults = Quotas::new();
        defaults.apply_defaults(&tpl("VM=[VMS=2]")).unwrap();
        q.charge(QuotaKind::Vm, "", &[("VMS", 1.0), ("CPU", 0.5)], &defaults).unwrap();
        q.charge(QuotaKind::Vm, "", &[("VMS", 1.0)], &defaults).unwrap();
        let before = q.clone();
        assert_eq!(
            q.charge(QuotaKind::Vm, "", &[("VMS", 1.0)], &defaults).unwrap_err(),
            "limit of 2 reached for VMS quota in VM"
        );
        assert_eq!(q, before, "a refused charge changes nothing");
        q.apply(&tpl("DATASTORE=[ID=1, IMAGES=1]")).unwrap();
        q.charge(QuotaKind::Datastore, "1", &[("IMAGES", 1.0), ("SIZE", 100.0)], &Quotas::new()).unwrap();
        assert_eq!(
            q.charge(QuotaKind::Datastore, "1", &[("IMAGES", 1.0)], &Quotas::new()).unwrap_err(),
            "limit of 1 reached for IMAGES quota in DATASTORE with ID: 1"
        );
        q.refund(QuotaKind::Vm, "", &[("VMS", 2.0), ("CPU", 0.5)]);
        assert!(q.section(QuotaKind::Vm).is_empty(), "back to defaults and no usage: gone");
        q.refund(QuotaKind::Datastore, "1", &[("IMAGES", 5.0), ("SIZE", 100.0)]);
        assert_eq!(q.section(QuotaKind::Datastore)[0].used, [0.0, 0.0], "never below zero; limits kept");
    }

    #[test]
    fn defaults_refuse_minus_one_and_default_to_unlimited() {
        let mut q = Quotas::new();
        q.apply_defaults(&tpl("VM=[VMS=10]")).unwrap();
        let vm = &q.section(QuotaKind::Vm)[0];
        assert_eq!(vm.limits[0], UNLIMITED);
        assert!(q.apply_defaults(&tpl("VM=[VMS=-1]")).is_err());
        assert!(q.apply_defaults(&tpl("VM=[VMS=1]\nVM=[CPU=1]")).is_err());
        assert!(q.apply_defaults(&tpl("VM=[CLUSTER_IDS=0, VMS=1]")).is_err());
        q.apply_defaults(&tpl("VM=[VMS=-2]")).unwrap();
        assert!(q.is_empty());
    }

    #[test]
    fn stored_form_round_trips() {
        let mut q = Quotas::new();
        q.apply(&tpl("VM=[VMS=10, CPU=1.5]\nVM=[CLUSTER_IDS=\"3,1\", VMS=2]\nNETWORK=[ID=0, LEASES=-2]\nIMAGE=[ID=4, RVMS=1]"))
            .unwrap();
        assert_eq!(q.section(QuotaKind::Vm)[1].key, "1,3");
        let back = Quotas::from_template(&Template::parse(&q.to_template().to_text()).unwrap()).unwrap();
        assert_eq!(back, q);
        let mut w = XmlWriter::new();
        w.open("Q");
        q.write_xml(&mut w);
        w.close("Q");
        let xml = w.finish();
        assert!(xml.contains("<NETWORK_QUOTA><NETWORK><ID><![CDATA[0]]></ID><LEASES><![CDATA[-2]]></LEASES><LEASES_USED><![CDATA[0]]></LEASES_USED></NETWORK></NETWORK_QUOTA>"), "{xml}");
        assert!(xml.contains("<CPU><![CDATA[1.50]]></CPU>"));
        assert_eq!(Quotas::from_node(&crate::xml::parse(&xml).unwrap()), q);
    }
}
