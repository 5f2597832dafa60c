//! Monitoring records and the `<MONITORING_DATA>` document of `one.host.monitoring`,
//! `one.hostpool.monitoring`, `one.vm.monitoring` and `one.vmpool.monitoring`.
//!
//! A host record ([`HostMonitoring`]) is what monitord stores for each `MONITOR_HOST` report and
//! what `one.host.info` shows as the host's `<MONITORING>`: `TIMESTAMP`, `ID`, then the
//! `CAPACITY` and `SYSTEM` templates (attributes sorted by name, values in CDATA) and one
//! `NUMA_NODE` template per node, ascending by node ID. An empty record renders `<MONITORING/>`.
//!
//! A VM record ([`VmMonitoring`]) is a plain template rooted at `MONITORING` whose attributes,
//! `ID` and `TIMESTAMP` included, are sorted by name (this is the order monitoring_data.xsd
//! lists: CPU, DISKRDBYTES, …, ID, MEMORY, NETRX, NETTX, TIMESTAMP).
//!
//! The module also holds the number conventions of OpenNebula's templates that the host and
//! monitoring code share: numbers are read like a C++ `istream` does (leading blanks skipped,
//! nothing may follow) and doubles are printed like `ostream << double` (`%g`, 6 digits).

use super::{ObjectError, required_num};
use crate::template::{Attribute, Template};
use crate::xml::{Node, XmlWriter};

/// Reads an integer the way OpenNebula's `Template::get` does: leading blanks are skipped and
/// the rest must be the whole number.
pub(crate) fn parse_int<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.trim_start().parse().ok()
}

/// Reads a floating-point number the way a C++ `istream` does (no `inf`/`nan` words).
pub(crate) fn parse_float<T: std::str::FromStr>(text: &str) -> Option<T> {
    let t = text.trim_start();
    let ok =
        !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E'));
    if ok { t.parse().ok() } else { None }
}

/// Prints a double like `std::ostream << double`: `%g` with 6 significant digits
/// (`0.5`, `12.3457`, `1.23457e+06`, `1e-05`).
pub(crate) fn format_double(value: f64) -> String {
    if value == 0.0 {
        return if value.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    if !value.is_finite() {
        return if value.is_nan() {
            "nan".into()
        } else if value > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    // Round to 6 significant digits first: the exponent of the rounded value decides the style.
    let sci = format!("{value:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let mantissa = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let decimals = usize::try_from(5 - exp).unwrap_or(0);
    strip_zeros(&format!("{value:.decimals$}")).to_owned()
}

fn strip_zeros(number: &str) -> &str {
    if number.contains('.') { number.trim_end_matches('0').trim_end_matches('.') } else { number }
}

/// The first value of `key` in a vector's pairs.
pub(crate) fn vector_value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Probe names of `MONITOR_HOST` reports → `MONITORING/CAPACITY` names (integers).
const CAPACITY: [(&str, &str); 4] = [
    ("FREECPU", "FREE_CPU"),
    ("FREEMEMORY", "FREE_MEMORY"),
    ("USEDCPU", "USED_CPU"),
    ("USEDMEMORY", "USED_MEMORY"),
];

/// Forecast names → `MONITORING/CAPACITY` names (doubles).
const CAPACITY_FORECAST: [(&str, &str); 8] = [
    ("FREECPU_FORECAST", "FREE_CPU_FORECAST"),
    ("FREECPU_FORECAST_FAR", "FREE_CPU_FORECAST_FAR"),
    ("FREEMEMORY_FORECAST", "FREE_MEMORY_FORECAST"),
    ("FREEMEMORY_FORECAST_FAR", "FREE_MEMORY_FORECAST_FAR"),
    ("USEDCPU_FORECAST", "USED_CPU_FORECAST"),
    ("USEDCPU_FORECAST_FAR", "USED_CPU_FORECAST_FAR"),
    ("USEDMEMORY_FORECAST", "USED_MEMORY_FORECAST"),
    ("USEDMEMORY_FORECAST_FAR", "USED_MEMORY_FORECAST_FAR"),
];

/// Probe names → `MONITORING/SYSTEM` names (integers).
const SYSTEM: [(&str, &str); 3] = [("CPUSPEED", "CPU_SPEED"), ("NETRX", "NETRX"), ("NETTX", "NETTX")];

/// Bandwidth names → `MONITORING/SYSTEM` names (doubles).
const SYSTEM_FORECAST: [&str; 6] = [
    "NETRX_BW",
    "NETRX_BW_FORECAST",
    "NETRX_BW_FORECAST_FAR",
    "NETTX_BW",
    "NETTX_BW_FORECAST",
    "NETTX_BW_FORECAST_FAR",
];

/// One monitoring record of a host.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostMonitoring {
    /// When the report arrived, seconds since the epoch.
    pub timestamp: i64,
    /// The host's ID.
    pub id: i32,
    /// `CAPACITY`: FREE_CPU, FREE_MEMORY, USED_CPU, USED_MEMORY and their forecasts.
    pub capacity: Template,
    /// `SYSTEM`: CPU_SPEED, NETRX, NETTX and the bandwidth figures.
    pub system: Template,
    /// One `NUMA_NODE` template per node (HUGEPAGE = [FREE, SIZE], MEMORY = [FREE, USED],
    /// NODE_ID), ascending by node ID.
    pub numa_nodes: Vec<Template>,
}

impl HostMonitoring {
    /// Builds the record of a `MONITOR_HOST` report, as monitord does: FREECPU, USEDCPU,
    /// FREEMEMORY, USEDMEMORY → CAPACITY; CPUSPEED, NETRX, NETTX → SYSTEM (integers; values that
    /// are not integers are dropped); forecasts and bandwidths as doubles; `HUGEPAGE = [NODE_ID,
    /// SIZE, FREE]` and `MEMORY_NODE = [NODE_ID, USED, FREE]` → per-node NUMA_NODE templates.
    pub fn from_report(host_id: i32, timestamp: i64, report: &Template) -> HostMonitoring {
        let mut capacity = Template::new();
        copy_ints(report, &mut capacity, &CAPACITY);
        copy_doubles(report, &mut capacity, CAPACITY_FORECAST.iter().copied());
        let mut system = Template::new();
        copy_ints(report, &mut system, &SYSTEM);
        copy_doubles(report, &mut system, SYSTEM_FORECAST.iter().map(|n| (*n, *n)));

        let mut nodes: std::collections::BTreeMap<i32, Template> = std::collections::BTreeMap::new();
        fn node(nodes: &mut std::collections::BTreeMap<i32, Template>, id: i32) -> &mut Template {
            nodes.entry(id).or_insert_with(|| {
                let mut t = Template::new();
                t.set("NODE_ID", id.to_string());
                t
            })
        }
        for page in report.get_all("HUGEPAGE").filter_map(|a| a.value.as_vector()) {
            let (Some(id), Some(size)) = (num::<i32>(page, "NODE_ID"), num::<u64>(page, "SIZE")) else {
                continue;
            };
            let free = num::<u64>(page, "FREE").unwrap_or(0);
            node(&mut nodes, id).push(Attribute::vector(
                "HUGEPAGE",
                [("FREE", free.to_string()), ("SIZE", size.to_string())],
            ));
        }
        for mem in report.get_all("MEMORY_NODE").filter_map(|a| a.value.as_vector()) {
            let Some(id) = num::<i32>(mem, "NODE_ID") else { continue };
            let used = num::<u64>(mem, "USED").unwrap_or(0);
            let free = num::<u64>(mem, "FREE").unwrap_or(0);
            node(&mut nodes, id)
                .push(Attribute::vector("MEMORY", [("FREE", free.to_string()), ("USED", used.to_string())]));
        }
        HostMonitoring { timestamp, id: host_id, capacity, system, numa_nodes: nodes.into_values().collect() }
    }

    /// Renders `<MONITORING>…</MONITORING>`.
    pub fn write_xml(&self, w: &mut XmlWriter) {
        w.open("MONITORING").num("TIMESTAMP", self.timestamp).num("ID", self.id);
        self.capacity.write_xml(w, "CAPACITY");
        self.system.write_xml(w, "SYSTEM");
        for n in &self.numa_nodes {
            n.write_xml(w, "NUMA_NODE");
        }
        w.close("MONITORING");
    }

    /// Renders a host's `<MONITORING>` element: the record, or `<MONITORING/>` without one.
    pub fn write_optional(record: Option<&HostMonitoring>, w: &mut XmlWriter) {
        match record {
            Some(m) => m.write_xml(w),
            None => {
                w.empty("MONITORING");
            }
        }
    }

    /// Reads a `<MONITORING>` element; `None` for the empty `<MONITORING/>`.
    pub fn from_node(node: &Node) -> Result<Option<HostMonitoring>, ObjectError> {
        if node.child("ID").is_none() {
            return Ok(None);
        }
        Ok(Some(HostMonitoring {
            timestamp: node.child_num("TIMESTAMP").unwrap_or(0),
            id: required_num(node, "ID")?,
            capacity: super::template_from_node(node.child("CAPACITY"))?,
            system: super::template_from_node(node.child("SYSTEM"))?,
            numa_nodes: node
                .children_named("NUMA_NODE")
                .map(|n| super::template_from_node(Some(n)))
                .collect::<Result<_, _>>()?,
        }))
    }
}

fn num<T: std::str::FromStr>(pairs: &[(String, String)], key: &str) -> Option<T> {
    vector_value(pairs, key).and_then(parse_int)
}

fn copy_ints(report: &Template, dst: &mut Template, map: &[(&str, &str)]) {
    for (probe, name) in map {
        if let Some(v) = report.get(probe).and_then(parse_int::<u64>) {
            dst.push(Attribute::single(name, v.to_string()));
        }
    }
}

fn copy_doubles<'a>(report: &Template, dst: &mut Template, map: impl Iterator<Item = (&'a str, &'a str)>) {
    for (probe, name) in map {
        if let Some(v) = report.get(probe).and_then(parse_float::<f64>) {
            dst.push(Attribute::single(name, format_double(v)));
        }
    }
}

/// One monitoring record of a VM.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VmMonitoring {
    /// The VM's ID.
    pub id: i32,
    /// When the report arrived, seconds since the epoch.
    pub timestamp: i64,
    /// Everything else the probes reported (CPU, MEMORY, NETRX, NETTX, DISKRDBYTES, …,
    /// DISK_SIZE = [ID, SIZE], STATE …), without ID and TIMESTAMP.
    pub data: Template,
}

impl VmMonitoring {
    /// A record for a report: the report's attributes replace same-named ones of `previous`
    /// (OpenNebula keeps values a report does not repeat), then ID and TIMESTAMP are set.
    pub fn from_report(id: i32, timestamp: i64, previous: Option<&VmMonitoring>, report: &Template) -> Self {
        let mut data = previous.map(|p| p.data.clone()).unwrap_or_default();
        data.merge(report);
        data.remove("ID");
        data.remove("TIMESTAMP");
        VmMonitoring { id, timestamp, data }
    }

    /// The record as a template, ID and TIMESTAMP included.
    pub fn to_template(&self) -> Template {
        let mut t = self.data.clone();
        t.set("ID", self.id.to_string());
        t.set("TIMESTAMP", self.timestamp.to_string());
        t
    }

    /// Renders `<MONITORING>` with every attribute sorted by name, values in CDATA.
    pub fn write_xml(&self, w: &mut XmlWriter) {
        self.to_template().write_xml(w, "MONITORING");
    }

    /// Renders the short form of VM pool listings: `<MONITORING><CPU/MEMORY/STATE>` (empty
    /// strings when not reported), or `<MONITORING/>` without a record.
    pub fn write_short(record: Option<&VmMonitoring>, w: &mut XmlWriter) {
        match record {
            None => {
                w.empty("MONITORING");
            }
            Some(m) => {
                w.open("MONITORING");
                for name in ["CPU", "MEMORY", "STATE"] {
                    w.cdata(name, m.data.get(name).unwrap_or(""));
                }
                w.close("MONITORING");
            }
        }
    }

    /// Reads a `<MONITORING>` record (ID and TIMESTAMP are required).
    pub fn from_node(node: &Node) -> Result<VmMonitoring, ObjectError> {
        let mut data = super::template_from_node(Some(node))?;
        let id =
            data.get("ID").and_then(parse_int).ok_or_else(|| ObjectError("<MONITORING> has no ID".into()))?;
        let timestamp = data
            .get("TIMESTAMP")
            .and_then(parse_int)
            .ok_or_else(|| ObjectError("<MONITORING> has no TIMESTAMP".into()))?;
        data.remove("ID");
        data.remove("TIMESTAMP");
        Ok(VmMonitoring { id, timestamp, data })
    }
}

/// What a record needs for the `seconds` window of the pool monitoring calls.
pub trait MonitoringRecord {
    /// The object's ID.
    fn object_id(&self) -> i32;
    /// The record's time.
    fn time(&self) -> i64;
}

impl MonitoringRecord for HostMonitoring {
    fn object_id(&self) -> i32 {
        self.id
    }
    fn time(&self) -> i64 {
        self.timestamp
    }
}

impl MonitoringRecord for VmMonitoring {
    fn object_id(&self) -> i32 {
        self.id
    }
    fn time(&self) -> i64 {
        self.timestamp
    }
}

/// Selects records as `one.hostpool.monitoring` / `one.vmpool.monitoring` do with their
/// `seconds` parameter: `0` the latest record of each object, `-1` (or any other negative)
/// every record, `n > 0` the records newer than `now - n`. The result is ordered by object ID,
/// then by time.
pub fn select_records<T: MonitoringRecord>(records: &[T], seconds: i64, now: i64) -> Vec<&T> {
    let mut out: Vec<&T> = match seconds {
        0 => {
            let mut latest: std::collections::BTreeMap<i32, &T> = std::collections::BTreeMap::new();
            for r in records {
                let slot = latest.entry(r.object_id()).or_insert(r);
                if r.time() > slot.time() {
                    *slot = r;
                }
            }
            latest.into_values().collect()
        }
        s if s < 0 => records.iter().collect(),
        s => records.iter().filter(|r| r.time() > now - s).collect(),
    };
    out.sort_by_key(|r| (r.object_id(), r.time()));
    out
}

/// Renders `<MONITORING_DATA>` of host records, in the order given.
pub fn host_monitoring_data_xml<'a>(records: impl IntoIterator<Item = &'a HostMonitoring>) -> String {
    let mut w = XmlWriter::new();
    w.open("MONITORING_DATA");
    for r in records {
        r.write_xml(&mut w);
    }
    w.close("MONITORING_DATA");
    w.finish()
}

/// Renders `<MONITORING_DATA>` of VM records, in the order given.
pub fn vm_monitoring_data_xml<'a>(records: impl IntoIterator<Item = &'a VmMonitoring>) -> String {
    let mut w = XmlWriter::new();
    w.open("MONITORING_DATA");
    for r in records {
        r.write_xml(&mut w);
    }
    w.close("MONITORING_DATA");
    w.finish()
}

/// Reads a `<MONITORING_DATA>` of host records (empty `<MONITORING/>` elements are skipped).
pub fn host_monitoring_from_data(node: &Node) -> Result<Vec<HostMonitoring>, ObjectError> {
    let mut out = Vec::new();
    for m in node.children_named("MONITORING") {
        out.extend(HostMonitoring::from_node(m)?);
    }
    Ok(out)
}

/// Reads a `<MONITORING_DATA>` of VM records.
pub fn vm_monitoring_from_data(node: &Node) -> Result<Vec<VmMonitoring>, ObjectError> {
    node.children_named("MONITORING").map(VmMonitoring::from_node).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    #[test]
    fn doubles_print_like_cxx_streams() {
        let cases = [
            (0.5, "0.5"),
            (12.345678, "12.3457"),
            (100.0, "100"),
            (1234567.0, "1.23457e+06"),
            (999999.5, "1e+06"),
            (0.00001, "1e-05"),
            (0.0001234, "0.0001234"),
            (-2.5, "-2.5"),
            (0.0, "0"),
        ];
        for (v, s) in cases {
            assert_eq!(format_double(v), s, "{v}");
        }
        assert_eq!(parse_float::<f64>(" 1e3"), Some(1000.0));
        assert_eq!(parse_float::<f64>("inf"), None);
        assert_eq!(parse_int::<i64>(" 42"), Some(42));
        assert_eq!(parse_int::<i64>("42 "), None);
        assert_eq!(parse_int::<i64>("4.2"), None);
    }

    fn report() -> Template {
        Template::parse(
            "FREECPU=586\nUSEDCPU=214\nFREEMEMORY=10597724\nUSEDMEMORY=6179492\nNETRX=50104108822222\n\
             NETTX=1241307203246698\nUSEDCPU_FORECAST=\"12.345678\"\nBOGUS=1\nFREECPU_FORECAST=x\n\
             HUGEPAGE=[NODE_ID=1,SIZE=2048,FREE=1024]\nHUGEPAGE=[NODE_ID=0,SIZE=2048,FREE=1000]\n\
             MEMORY_NODE=[NODE_ID=0,USED=7273138,FREE=2299492]\nHUGEPAGE=[SIZE=4]",
        )
        .unwrap()
    }

    #[test]
    fn host_record_from_report_renders_in_opennebula_order() {
        let m = HostMonitoring::from_report(3, 1_700_000_000, &report());
        let mut w = XmlWriter::new();
        m.write_xml(&mut w);
        assert_eq!(
            w.finish(),
            "<MONITORING><TIMESTAMP>1700000000</TIMESTAMP><ID>3</ID><CAPACITY>\
             <FREE_CPU><![CDATA[586]]></FREE_CPU><FREE_MEMORY><![CDATA[10597724]]></FREE_MEMORY>\
             <USED_CPU><![CDATA[214]]></USED_CPU><USED_CPU_FORECAST><![CDATA[12.3457]]></USED_CPU_FORECAST>\
             <USED_MEMORY><![CDATA[6179492]]></USED_MEMORY></CAPACITY><SYSTEM>\
             <NETRX><![CDATA[50104108822222]]></NETRX><NETTX><![CDATA[1241307203246698]]></NETTX></SYSTEM>\
             <NUMA_NODE><HUGEPAGE><FREE><![CDATA[1000]]></FREE><SIZE><![CDATA[2048]]></SIZE></HUGEPAGE>\
             <MEMORY><FREE><![CDATA[2299492]]></FREE><USED><![CDATA[7273138]]></USED></MEMORY>\
             <NODE_ID><![CDATA[0]]></NODE_ID></NUMA_NODE><NUMA_NODE><HUGEPAGE><FREE><![CDATA[1024]]></FREE>\
             <SIZE><![CDATA[2048]]></SIZE></HUGEPAGE><NODE_ID><![CDATA[1]]></NODE_ID></NUMA_NODE></MONITORING>"
        );
    }

    #[test]
    fn host_monitoring_data_round_trips() {
        let a = HostMonitoring::from_report(0, 10, &report());
        let b = HostMonitoring { id: 1, timestamp: 20, ..HostMonitoring::default() };
        let xml = host_monitoring_data_xml([&a, &b]);
        assert!(xml.starts_with("<MONITORING_DATA><MONITORING><TIMESTAMP>10</TIMESTAMP><ID>0</ID>"));
        assert!(xml.contains("<MONITORING><TIMESTAMP>20</TIMESTAMP><ID>1</ID><CAPACITY></CAPACITY><SYSTEM></SYSTEM></MONITORING>"));
        let back = host_monitoring_from_data(&parse(&xml).unwrap()).unwrap();
        assert_eq!(host_monitoring_data_xml(&back), xml);
        assert_eq!(back.len(), 2);
        let mut w = XmlWriter::new();
        HostMonitoring::write_optional(None, &mut w);
        assert_eq!(w.finish(), "<MONITORING/>");
        assert_eq!(HostMonitoring::from_node(&parse("<MONITORING/>").unwrap()).unwrap(), None);
    }

    #[test]
    fn vm_record_matches_the_vm_sample() {
        // The <MONITORING> of /work/shared/reference/real-xml/vm.xml.
        let real = "<MONITORING><CPU><![CDATA[0]]></CPU><DISKRDBYTES><![CDATA[588]]></DISKRDBYTES>\
            <DISKRDIOPS><![CDATA[182]]></DISKRDIOPS><DISKWRBYTES><![CDATA[869]]></DISKWRBYTES>\
            <DISKWRIOPS><![CDATA[349]]></DISKWRIOPS><ID><![CDATA[0]]></ID><MEMORY><![CDATA[44564]]></MEMORY>\
            <NETRX><![CDATA[8859]]></NETRX><NETTX><![CDATA[8709]]></NETTX>\
            <TIMESTAMP><![CDATA[1795608559]]></TIMESTAMP></MONITORING>";
        let report = Template::parse(
            "NETTX=8709\nNETRX=8859\nMEMORY=44564\nCPU=0\nDISKRDBYTES=588\nDISKWRBYTES=869\n\
             DISKRDIOPS=182\nDISKWRIOPS=349",
        )
        .unwrap();
        let m = VmMonitoring::from_report(0, 1_795_608_559, None, &report);
        let mut w = XmlWriter::new();
        m.write_xml(&mut w);
        assert_eq!(w.finish(), real);
        let back = VmMonitoring::from_node(&parse(real).unwrap()).unwrap();
        assert_eq!((back.id, back.timestamp, back.data.get("NETRX")), (0, 1_795_608_559, Some("8859")));
        let doc = vm_monitoring_data_xml([&m, &back]);
        assert_eq!(vm_monitoring_from_data(&parse(&doc).unwrap()).unwrap().len(), 2);
        assert!(doc.starts_with("<MONITORING_DATA><MONITORING><CPU>"));
    }

    #[test]
    fn vm_reports_keep_previous_values_and_short_form() {
        let first = Template::parse("CPU=1.5\nMEMORY=1024\nSTATE=a").unwrap();
        let a = VmMonitoring::from_report(7, 100, None, &first);
        let b = VmMonitoring::from_report(7, 130, Some(&a), &Template::parse("CPU=2\nID=99").unwrap());
        assert_eq!((b.data.get("CPU"), b.data.get("MEMORY"), b.id), (Some("2"), Some("1024"), 7));
        let mut w = XmlWriter::new();
        VmMonitoring::write_short(Some(&b), &mut w);
        VmMonitoring::write_short(None, &mut w);
        assert_eq!(
            w.finish(),
            "<MONITORING><CPU><![CDATA[2]]></CPU><MEMORY><![CDATA[1024]]></MEMORY><STATE><![CDATA[a]]></STATE>\
             </MONITORING><MONITORING/>"
        );
    }

    #[test]
    fn seconds_window_selects_records() {
        let rec = |id, timestamp| HostMonitoring { id, timestamp, ..HostMonitoring::default() };
        let records = [rec(1, 100), rec(0, 50), rec(1, 200), rec(0, 150), rec(2, 10)];
        let pick =
            |s| select_records(&records, s, 220).iter().map(|r| (r.id, r.timestamp)).collect::<Vec<_>>();
        assert_eq!(pick(0), vec![(0, 150), (1, 200), (2, 10)]);
        assert_eq!(pick(-1), vec![(0, 50), (0, 150), (1, 100), (1, 200), (2, 10)]);
        assert_eq!(pick(100), vec![(0, 150), (1, 200)]);
    }
}
