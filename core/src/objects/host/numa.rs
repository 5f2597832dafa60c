//! The NUMA part of a host share: `NODE` templates built from the `CORE`, `HUGEPAGE` and
//! `MEMORY_NODE` vectors of a system report, and the per-core FREE counts.
//!
//! A node template holds `CORE = [CPUS, DEDICATED, FREE, ID]` vectors (CPUS lists
//! `cpu:vm` pairs, `-1` for a free thread, `-2` for a reserved one), `HUGEPAGE = [PAGES, SIZE,
//! USAGE]` vectors, one `MEMORY = [DISTANCE, TOTAL, USAGE]` and `NODE_ID`.

use std::collections::BTreeMap;

use crate::objects::monitoring::{parse_int, vector_value};
use crate::template::{Attribute, Template};

/// A core as OpenNebula keeps it: its threads with the VMs on each, the reserved threads.
struct Core {
    id: u32,
    dedicated: bool,
    threads: BTreeMap<u32, Vec<i32>>,
    reserved: Vec<u32>,
}

impl Core {
    fn parse(id: u32, cpus: &str, dedicated: bool) -> Core {
        let mut core = Core { id, dedicated, threads: BTreeMap::new(), reserved: Vec::new() };
        for token in cpus.split(',').filter(|t| !t.is_empty()) {
            let mut parts = token.split(':');
            let Some(cpu) = parts.next().and_then(parse_int::<u32>) else { continue };
            let vm = parts.next().and_then(parse_int::<i32>).unwrap_or(-1);
            let vms = core.threads.entry(cpu).or_default();
            if vm >= 0 {
                vms.push(vm);
                vms.sort_unstable();
            } else if vm == -2 {
                core.reserved.push(cpu);
            }
        }
        core
    }

    fn to_attribute(&self, vms_thread: u32) -> Attribute {
        let mut cpus = Vec::new();
        for (cpu, vms) in &self.threads {
            if self.reserved.contains(cpu) {
                cpus.push(format!("{cpu}:-2"));
            } else if vms.is_empty() {
                cpus.push(format!("{cpu}:-1"));
            } else {
                cpus.extend(vms.iter().map(|vm| format!("{cpu}:{vm}")));
            }
        }
        let free = if self.dedicated {
            0
        } else {
            let used: usize = self.threads.values().map(Vec::len).sum();
            let reserved = self.threads.keys().filter(|c| self.reserved.contains(c)).count();
            let capacity = (self.threads.len() - reserved) * vms_thread as usize;
            capacity.saturating_sub(used)
        };
        Attribute::vector(
            "CORE",
            [
                ("CPUS", cpus.join(",")),
                ("DEDICATED", if self.dedicated { "YES" } else { "NO" }.to_owned()),
                ("FREE", free.to_string()),
                ("ID", self.id.to_string()),
            ],
        )
    }
}

fn is_yes(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.eq_ignore_ascii_case("YES") || v.eq_ignore_ascii_case("TRUE"))
}

fn vectors<'a>(t: &'a Template, name: &str) -> Vec<&'a [(String, String)]> {
    t.get_all(name).filter_map(|a| a.value.as_vector()).collect()
}

/// Rebuilds a template with `name`'s attributes replaced by `new` (appended at the end).
fn replace_all(node: &mut Template, name: &str, new: Vec<Attribute>) {
    node.remove(name);
    for a in new {
        node.push(a);
    }
}

/// The node template for `node_id`, created (with its NODE_ID) if missing; nodes stay sorted.
fn node_mut(nodes: &mut Vec<Template>, node_id: i32) -> &mut Template {
    let id_of = |t: &Template| t.get("NODE_ID").and_then(parse_int::<i32>).unwrap_or(i32::MAX);
    let pos = match nodes.iter().position(|t| id_of(t) >= node_id) {
        Some(p) if id_of(&nodes[p]) == node_id => p,
        Some(p) => {
            nodes.insert(p, new_node(node_id));
            p
        }
        None => {
            nodes.push(new_node(node_id));
            nodes.len() - 1
        }
    };
    &mut nodes[pos]
}

fn new_node(node_id: i32) -> Template {
    let mut t = Template::new();
    t.set("NODE_ID", node_id.to_string());
    t
}

/// Applies the NUMA vectors of a system report: unknown cores are added (all threads free),
/// hugepage counts updated or added, and each MEMORY_NODE sets its node's TOTAL and DISTANCE
/// (keeping USAGE).
pub(super) fn set_monitorization(nodes: &mut Vec<Template>, report: &Template, vms_thread: u32) {
    for core in vectors(report, "CORE") {
        let Some(node_id) = vector_value(core, "NODE_ID").and_then(parse_int::<i32>) else { continue };
        let id = vector_value(core, "ID").and_then(parse_int::<u32>).unwrap_or(0);
        let node = node_mut(nodes, node_id);
        let known = vectors(node, "CORE")
            .iter()
            .any(|c| vector_value(c, "ID").and_then(parse_int::<u32>) == Some(id));
        if !known {
            let cpus = vector_value(core, "CPUS").unwrap_or("");
            node.push(Core::parse(id, cpus, false).to_attribute(vms_thread));
        }
    }
    for page in vectors(report, "HUGEPAGE") {
        let Some(node_id) = vector_value(page, "NODE_ID").and_then(parse_int::<i32>) else { continue };
        let size = vector_value(page, "SIZE").and_then(parse_int::<u64>).unwrap_or(0);
        let pages = vector_value(page, "PAGES").and_then(parse_int::<u32>).unwrap_or(0);
        let node = node_mut(nodes, node_id);
        let existing: Vec<(u64, u32, String)> = vectors(node, "HUGEPAGE")
            .iter()
            .map(|p| {
                let num = |k| vector_value(p, k).and_then(parse_int::<u64>).unwrap_or(0);
                (num("SIZE"), num("PAGES") as u32, vector_value(p, "USAGE").unwrap_or("0").to_owned())
            })
            .collect();
        match existing.iter().position(|(s, _, _)| *s == size) {
            Some(i) if existing[i].1 == pages => {}
            Some(i) => {
                let mut all = existing.clone();
                all[i].1 = pages;
                all.sort_by_key(|(s, _, _)| *s);
                let attrs = all.into_iter().map(|(s, n, u)| hugepage(s, n, u)).collect();
                replace_all(node, "HUGEPAGE", attrs);
            }
            None => node.push(hugepage(size, pages, "0".to_owned())),
        }
    }
    for mem in vectors(report, "MEMORY_NODE") {
        let Some(node_id) = vector_value(mem, "NODE_ID").and_then(parse_int::<i32>) else { continue };
        let node = node_mut(nodes, node_id);
        let old = node.vector("MEMORY").map(<[_]>::to_vec).unwrap_or_default();
        let total = vector_value(mem, "TOTAL")
            .and_then(parse_int::<i64>)
            .or_else(|| vector_value(&old, "TOTAL").and_then(parse_int::<i64>))
            .unwrap_or(0);
        let usage = vector_value(&old, "USAGE").unwrap_or("0").to_owned();
        let distance = vector_value(mem, "DISTANCE").unwrap_or("").split(' ').filter(|d| !d.is_empty());
        let distance = distance.collect::<Vec<_>>().join(" ");
        let attr = Attribute::vector(
            "MEMORY",
            [("DISTANCE", distance), ("TOTAL", total.to_string()), ("USAGE", usage)],
        );
        replace_all(node, "MEMORY", vec![attr]);
    }
}

fn hugepage(size: u64, pages: u32, usage: String) -> Attribute {
    Attribute::vector(
        "HUGEPAGE",
        [("PAGES", pages.to_string()), ("SIZE", size.to_string()), ("USAGE", usage)],
    )
}

/// Recomputes every core's FREE for a new VMS_THREAD; cores are rewritten in ID order.
pub(super) fn update_cores(node: &mut Template, vms_thread: u32) {
    let mut cores: BTreeMap<u32, Core> = BTreeMap::new();
    for c in vectors(node, "CORE") {
        let id = vector_value(c, "ID").and_then(parse_int::<u32>).unwrap_or(0);
        let core =
            Core::parse(id, vector_value(c, "CPUS").unwrap_or(""), is_yes(vector_value(c, "DEDICATED")));
        cores.entry(id).or_insert(core);
    }
    let attrs = cores.values().map(|c| c.to_attribute(vms_thread)).collect();
    replace_all(node, "CORE", attrs);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_builds_nodes_and_keeps_usage() {
        let report = Template::parse(
            "CORE=[NODE_ID=1,ID=8,CPUS=\"8,24\"]\nCORE=[NODE_ID=0,ID=0,CPUS=\"0,16\"]\n\
             HUGEPAGE=[NODE_ID=0,SIZE=2048,PAGES=10,FREE=10]\nMEMORY_NODE=[NODE_ID=0,TOTAL=1024,DISTANCE=\"0  1\"]\n\
             CORE=[ID=3,CPUS=3]",
        )
        .unwrap();
        let mut nodes = Vec::new();
        set_monitorization(&mut nodes, &report, 1);
        assert_eq!(nodes.len(), 2);
        assert_eq!(
            nodes[0].to_xml("NODE"),
            "<NODE><CORE><CPUS><![CDATA[0:-1,16:-1]]></CPUS><DEDICATED><![CDATA[NO]]></DEDICATED>\
             <FREE><![CDATA[2]]></FREE><ID><![CDATA[0]]></ID></CORE><HUGEPAGE><PAGES><![CDATA[10]]></PAGES>\
             <SIZE><![CDATA[2048]]></SIZE><USAGE><![CDATA[0]]></USAGE></HUGEPAGE><MEMORY>\
             <DISTANCE><![CDATA[0 1]]></DISTANCE><TOTAL><![CDATA[1024]]></TOTAL><USAGE><![CDATA[0]]></USAGE>\
             </MEMORY><NODE_ID><![CDATA[0]]></NODE_ID></NODE>"
        );
        assert_eq!(nodes[1].get("NODE_ID"), Some("1"));

        // A VM on thread 16 and 512 KB of memory in use: a new report keeps both.
        let mut node = Template::new();
        for a in nodes[0].attributes() {
            match a.name.as_str() {
                "CORE" => node.push(Attribute::vector(
                    "CORE",
                    [("CPUS", "0:-1,16:7"), ("DEDICATED", "NO"), ("FREE", "1"), ("ID", "0")],
                )),
                "MEMORY" => node.push(Attribute::vector(
                    "MEMORY",
                    [("DISTANCE", "0 1"), ("TOTAL", "1024"), ("USAGE", "512")],
                )),
                _ => node.push(a.clone()),
            }
        }
        nodes[0] = node;
        let again = Template::parse(
            "CORE=[NODE_ID=0,ID=0,CPUS=\"0,16\"]\nHUGEPAGE=[NODE_ID=0,SIZE=2048,PAGES=20]\n\
             HUGEPAGE=[NODE_ID=0,SIZE=1024,PAGES=1]\nMEMORY_NODE=[NODE_ID=0,TOTAL=2048,DISTANCE=\"0 1\"]",
        )
        .unwrap();
        set_monitorization(&mut nodes, &again, 1);
        let n = &nodes[0];
        assert_eq!(vector_value(n.vector("CORE").unwrap(), "CPUS"), Some("0:-1,16:7"));
        let pages: Vec<_> = n
            .get_all("HUGEPAGE")
            .map(|a| vector_value(a.value.as_vector().unwrap(), "PAGES").unwrap())
            .collect();
        assert_eq!(pages, ["20", "1"]);
        let mem = n.vector("MEMORY").unwrap();
        assert_eq!((vector_value(mem, "TOTAL"), vector_value(mem, "USAGE")), (Some("2048"), Some("512")));
    }

    #[test]
    fn free_threads_follow_vms_thread() {
        let mut node = Template::parse(
            "CORE=[ID=1,CPUS=\"1:-1,17:4,17:9\",DEDICATED=NO,FREE=0]\nCORE=[ID=0,CPUS=\"0:-2,16:-1\",DEDICATED=NO]\n\
             CORE=[ID=2,CPUS=\"2:3\",DEDICATED=YES]\nNODE_ID=0",
        )
        .unwrap();
        update_cores(&mut node, 2);
        let cores: Vec<(String, String)> = node
            .get_all("CORE")
            .map(|a| {
                let v = a.value.as_vector().unwrap();
                (vector_value(v, "CPUS").unwrap().to_owned(), vector_value(v, "FREE").unwrap().to_owned())
            })
            .collect();
        let expected = [("0:-2,16:-1", "2"), ("1:-1,17:4,17:9", "2"), ("2:3", "0")];
        assert_eq!(cores, expected.map(|(c, f)| (c.to_owned(), f.to_owned())));
    }
}
