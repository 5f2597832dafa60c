//! Expressions against one-core's objects: the real host, datastore and network samples
//! (`core/golden/`), OpenNebula's lookup order and document order, paths, `CURRENT_VMS` with
//! the scheduler's dispatched VMs, the automatic requirements oned generates, and a check that
//! the typed objects resolve every name exactly as their rendered XML does.

use std::collections::BTreeSet;

use super::*;
use crate::objects::common::PoolObject;
use crate::objects::datastore::{Datastore, datastores_from_pool};
use crate::objects::host::Host;
use crate::objects::vm::Vm;
use crate::objects::vnet::{Vnet, vnets_from_pool};
use crate::template::Template;
use crate::xml::Node;

fn golden_host() -> Host {
    Host::from_xml(include_str!("../../golden/host.xml")).expect("the golden host parses")
}

fn golden_datastores() -> Vec<Datastore> {
    let pool = crate::xml::parse(include_str!("../../golden/datastorepool.xml").trim_end()).unwrap();
    datastores_from_pool(&pool).unwrap()
}

fn golden_vnet() -> Vnet {
    let pool = crate::xml::parse(include_str!("../../golden/vnetpool.xml").trim_end()).unwrap();
    vnets_from_pool(&pool).unwrap().remove(0)
}

fn check<A: Attributes + ?Sized>(what: &str, attrs: &A, table: &[(&str, bool)]) {
    for (text, expected) in table {
        let r = Requirement::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(r.eval(attrs), *expected, "{what}: {text:?}");
    }
}

fn check_ranks<A: Attributes + ?Sized>(what: &str, attrs: &A, table: &[(&str, i64)]) {
    for (text, expected) in table {
        let r = Rank::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(r.eval(attrs), *expected, "{what}: {text:?}");
    }
}

fn values<A: Attributes + ?Sized>(attrs: &A, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let _ = attrs.for_each_value(&Name::new(name), &mut |v| {
        out.push(v.to_text());
        Flow::Continue(())
    });
    out
}

#[test]
fn host_requirements() {
    let host = golden_host();
    check(
        "host",
        &host,
        &[
            // What oned generates (6.x form with PUBLIC_CLOUD, 7.x form without).
            ("CLUSTER_ID = 0 & !(PUBLIC_CLOUD = YES) & !(PIN_POLICY = PINNED)", true),
            ("!(PIN_POLICY = PINNED)", true),
            ("(PIN_POLICY = PINNED)", false),
            ("(CLUSTER_ID = 0 | CLUSTER_ID = 100) & !(PIN_POLICY = PINNED)", true),
            ("(CLUSTER_ID = 100) & !(PIN_POLICY = PINNED)", false),
            (
                "!(PIN_POLICY = PINNED) & (KVM_CPU_FEATURES = \"*vmx*\") & (KVM_CPU_FEATURES = \"*ssbd*\")",
                true,
            ),
            ("!(PIN_POLICY = PINNED) & (KVM_CPU_FEATURES = \"*avx512f*\")", false),
            ("!(PIN_POLICY = PINNED) & (MEMORY_ENCRYPTION = \"SEV*\")", true),
            ("!(PIN_POLICY = PINNED) & (MEMORY_ENCRYPTION = \"SEV-*\")", false),
            // The HOST element.
            ("ID = 0", true),
            ("ID != 0", false),
            ("NAME = \"dummy-host-0\"", true),
            ("STATE = 2", true),
            ("CLUSTER = default", true),
            ("IM_MAD = dummy & VM_MAD = dummy", true),
            // TEMPLATE.
            ("HYPERVISOR = dummy", true),
            ("HOSTNAME = \"dummy-host-*\"", true),
            ("ARCH = \"x86_64\" & CPUSPEED > 3000", true),
            ("TOTALCPU = 800", true),
            ("MODELNAME = \"*@ 3.2GHz\"", true),
            ("RESERVED_CPU = \"*\"", true),
            ("RESERVED_CPU = \"?*\"", false),
            ("RESERVED_CPU != \"\"", false),
            ("hypervisor = dummy", false),
            // HOST_SHARE and HOST_SHARE/DATASTORES.
            ("MAX_CPU = 800 & CPU_USAGE = 50 & RUNNING_VMS < 6", true),
            ("MAX_MEM > 16000000", true),
            ("FREE_DISK = 20480 & USED_DISK = 9720", true),
            // MONITORING/CAPACITY and MONITORING/SYSTEM (6.x names; the 5.x ones are gone).
            ("FREE_CPU > 500 & USED_CPU = 214", true),
            ("FREE_MEMORY = 10597724", true),
            ("FREE_MEM > 0", false),
            ("NETTX > 0", false),
            ("NETTX > 0.0", true),
            // Paths, relative to a prefix or absolute.
            ("\"VMS/ID\" @> 3", true),
            ("\"VMS/ID\" @> 7", false),
            ("\"/HOST/TEMPLATE/ARCH\" = x86_64", true),
            ("\"/HOST/ARCH\" = x86_64", false),
            ("\"/HOST/VMS/ID\" = 0", true),
            ("\"PCI_DEVICES/PCI/VENDOR\" @> \"10de\"", true),
            ("\"PCI_DEVICES/PCI/VENDOR\" @> \"8086\"", false),
            ("\"NUMA_NODES/NODE/CORE/FREE\" @> 4", true),
            ("\"MONITORING/CAPACITY/FREE_CPU\" = 586", true),
            ("\"HOST_SHARE/MAX_CPU\" = 800", true),
            ("\"CLUSTERS/ID\" @> 0", false),
            ("\"DS[ID=0]/FREE_MB\" > 0", false),
            // CURRENT_VMS: the host's VMs as a set.
            ("CURRENT_VMS = 3", true),
            ("CURRENT_VMS != 3", false),
            ("CURRENT_VMS = 7", false),
            ("CURRENT_VMS != 7", true),
            ("CURRENT_VMS = 3.0", true),
            ("CURRENT_VMS = -1", true),
            ("CURRENT_VMS != -1", false),
            // A member compares as the literal, anything else as -1.
            ("CURRENT_VMS < 2", false),
            ("CURRENT_VMS > 2", false),
            ("CURRENT_VMS < 9", true),
            ("CURRENT_VMS > -5", true),
            ("CURRENT_VMS = \"3\"", false),
            ("CURRENT_VMS != \"3\"", true),
            ("CURRENT_VMS @> 3", false),
            ("(CURRENT_VMS != 9) & (CURRENT_VMS != 10)", true),
            ("(CURRENT_VMS != 9) & (CURRENT_VMS != 4)", false),
        ],
    );
    check_ranks(
        "host",
        &host,
        &[
            ("FREE_CPU", 586),
            ("RUNNING_VMS", 5),
            ("- RUNNING_VMS", -5),
            ("FREE_CPU * 2 + 3 / 2", 1173),
            ("PRIORITY", 0),
            ("MAX_CPU - CPU_USAGE", 750),
            ("TOTAL_MEM / 1024", 16384),
            ("FREE_MEMORY", 10_597_724),
            ("FREE_MEMORY * 1024", -2_147_483_648),
            ("NETRX", -2_147_483_648),
            ("FREE_MEM", 0),
            ("\"VMS/ID\"", 0),
            ("ID + CLUSTER_ID", 0),
        ],
    );
}

#[test]
fn names_resolve_in_document_order_not_prefix_order() {
    let mut host = golden_host();
    host.template.set("CLUSTER_ID", "99");
    host.template.set("MAX_CPU", "5");
    host.template.set("FREE_CPU", "1");
    host.cluster_template = Some(Template::parse("ZONE=eu\nFREE_CPU=2\nHYPERVISOR=kvm").unwrap());
    // TEMPLATE is the first prefix, but /HOST/CLUSTER_ID and HOST_SHARE come first in the document.
    assert_eq!(values(&host, "CLUSTER_ID"), ["0", "99"]);
    assert_eq!(values(&host, "MAX_CPU"), ["800", "5"]);
    assert_eq!(values(&host, "FREE_CPU"), ["1", "586", "2"]);
    assert_eq!(values(&host, "HYPERVISOR"), ["dummy", "kvm"]);
    check(
        "host",
        &host,
        &[
            ("CLUSTER_ID = 0", true),
            ("CLUSTER_ID @> 99", true),
            ("MAX_CPU = 800", true),
            ("FREE_CPU = 1", true),
            ("ZONE = eu", true),
            ("HYPERVISOR = kvm", false),
        ],
    );
    check_ranks("host", &host, &[("FREE_CPU", 1), ("MAX_CPU", 800)]);
    host.monitoring = None;
    assert_eq!(values(&host, "FREE_CPU"), ["1", "2"]);
    assert_eq!(values(&host, "MONITORING"), [""]);

    // A datastore's own elements come before its TEMPLATE.
    let system = golden_datastores().remove(2);
    assert_eq!(values(&system, "TYPE"), ["1", "SYSTEM_DS"]);
    assert_eq!(values(&system, "DISK_TYPE"), ["0", "FILE"]);
    assert_eq!(values(&system, "TM_MAD"), ["dummy", "dummy"]);
}

#[test]
fn datastore_requirements() {
    let ds = golden_datastores();
    let (files, default, system) = (&ds[0], &ds[1], &ds[2]);
    let table = [
        ("(\"CLUSTERS/ID\" @> 0)", true),
        ("(\"CLUSTERS/ID\" @> 100)", false),
        ("(\"CLUSTERS/ID\" @> 0) & (TM_MAD = \"dummy\")", true),
        ("(\"CLUSTERS/ID\" @> 0) & (TM_MAD = \"ssh\")", false),
        (
            "(\"CLUSTERS/ID\" @> 0) & (\"ID\" @> 0 | \"ID\" @> 2) & (TM_MAD = \"dummy\") & (SHARED = \"YES\")",
            true,
        ),
        ("SHARED = YES", true),
        ("TYPE = SYSTEM_DS", false),
        ("TYPE = 1 & TYPE @> SYSTEM_DS", true),
        ("DISK_TYPE = 0", true),
        ("FREE_MB > 3000000", true),
        ("NAME = system & STATE = 0", true),
        ("\"PERMISSIONS/GROUP_U\" = 1 & \"PERMISSIONS/GROUP_M\" = 0", true),
        ("IMAGES = \"\"", false),
        ("IMAGES = \"*\"", true),
    ];
    check("system datastore", system, &table);
    check("image datastore", default, &[("(\"ID\" @> 0 | \"ID\" @> 2)", false), ("TYPE = 0", true)]);
    check("file datastore", files, &[("(\"ID\" @> 0 | \"ID\" @> 2)", true), ("DS_MAD = dummy", true)]);
    check_ranks(
        "system datastore",
        system,
        &[("FREE_MB", 3_333_260), ("- FREE_MB", -3_333_260), ("PRIORITY", 0)],
    );
}

#[test]
fn vnet_requirements() {
    let vnet = golden_vnet();
    check(
        "vnet",
        &vnet,
        &[
            ("(\"CLUSTERS/ID\" @> 0)", true),
            ("(\"CLUSTERS/ID\" @> 100)", false),
            ("NAME = net0 & VN_MAD = dummy & BRIDGE = br0", true),
            ("USED_LEASES = 0", true),
            ("VLAN_ID = \"*\"", true),
            ("PARENT_NETWORK_ID = 0", false),
            ("PARENT_NETWORK_ID = \"*\"", true),
            ("SECURITY_GROUPS = 0", true),
            ("\"AR_POOL/AR/SIZE\" = 16", true),
            ("\"AR_POOL/AR/TYPE\" @> IP4", true),
            ("CURRENT_VMS != 1", false),
        ],
    );
    check_ranks("vnet", &vnet, &[("- USED_LEASES", 0), ("\"AR_POOL/AR/SIZE\" * 2", 32)]);
}

#[test]
fn current_vms_includes_the_dispatched_vms() {
    let host = golden_host();
    let dispatched = [42, 43];
    let cycle = WithIds::new(&host, CURRENT_VMS, &dispatched);
    check(
        "host with dispatches",
        &cycle,
        &[
            ("CURRENT_VMS = 42", true),
            ("CURRENT_VMS != 43", false),
            ("CURRENT_VMS = 3", true),
            ("CURRENT_VMS != 44", true),
            ("(CURRENT_VMS != 9) & (CURRENT_VMS != 42)", false),
            ("CURRENT_VMS @> 42", false),
            ("ID = 0 & FREE_CPU > 500", true),
        ],
    );
    let anti = Requirement::parse("(CURRENT_VMS != 42) & (CURRENT_VMS != 43)").unwrap();
    assert!(anti.mentions(CURRENT_VMS));
    assert!(anti.eval(&host) && !anti.eval(&cycle));
    let as_dyn: &dyn Attributes = &cycle;
    assert!(!anti.eval(as_dyn));
    // Over a source without the pseudo-attribute the IDs are plain extra values.
    let ds = golden_datastores().remove(2);
    let extra = WithIds::new(&ds, "EXTRA", &dispatched);
    assert_eq!(values(&extra, "EXTRA"), ["42", "43"]);
    check("datastore with ids", &extra, &[("EXTRA @> 43", true), ("EXTRA = 42", true), ("ID = 0", true)]);
    assert_eq!(values(&extra, "ID"), ["0"]);
}

#[test]
fn generated_automatic_requirements_match_the_right_resources() {
    let mut vm = Vm::from_xml(include_str!("../../golden/vm.xml")).unwrap();
    let host = golden_host();
    let ds = golden_datastores();
    let vnet = golden_vnet();
    // As OpenNebula 7.4 wrote it.
    let auto = vm.template.get("AUTOMATIC_REQUIREMENTS").unwrap().to_owned();
    assert_eq!(auto, "!(PIN_POLICY = PINNED)");
    assert!(Requirement::parse(&auto).unwrap().eval(&host));
    // As ours generates it once the VM's devices name clusters.
    vm.template.set("TM_MAD_SYSTEM", "dummy");
    vm.template.push(crate::template::Attribute::vector("NIC", [("NETWORK_ID", "0"), ("CLUSTER_ID", "0")]));
    vm.set_automatic_requirements(&BTreeSet::from([0])).unwrap();
    let get = |name: &str| vm.template.get(name).unwrap_or_default().to_owned();
    assert_eq!(get("AUTOMATIC_REQUIREMENTS"), "(CLUSTER_ID = 0) & !(PIN_POLICY = PINNED)");
    assert_eq!(get("AUTOMATIC_NIC_REQUIREMENTS"), "(\"CLUSTERS/ID\" @> 0)");
    assert_eq!(
        get("AUTOMATIC_DS_REQUIREMENTS"),
        "(\"CLUSTERS/ID\" @> 0) & (\"ID\" @> 0) & (TM_MAD = \"dummy\")"
    );
    let host_req =
        Requirement::parse(&combine_requirements(&get("AUTOMATIC_REQUIREMENTS"), Some("FREE_CPU > 0")));
    assert!(host_req.unwrap().eval(&host));
    let ds_req = Requirement::parse(&get("AUTOMATIC_DS_REQUIREMENTS")).unwrap();
    assert_eq!(ds.iter().map(|d| ds_req.eval(d)).collect::<Vec<_>>(), [false, false, true]);
    assert!(Requirement::parse(&get("AUTOMATIC_NIC_REQUIREMENTS")).unwrap().eval(&vnet));
    let mut elsewhere = host.clone();
    elsewhere.cluster_id = 100;
    assert!(!Requirement::parse(&get("AUTOMATIC_REQUIREMENTS")).unwrap().eval(&elsewhere));
}

/// Every name worth asking about in a document: each element's absolute path and the last one
/// to three segments of it, plus wildcards and names that do not exist.
fn names_in(root: &Node) -> BTreeSet<String> {
    fn walk(node: &Node, path: &mut Vec<String>, out: &mut BTreeSet<String>) {
        path.push(node.name.clone());
        out.insert(format!("/{}", path.join("/")));
        for k in 1..=3.min(path.len()) {
            out.insert(path[path.len() - k..].join("/"));
        }
        for c in &node.children {
            walk(c, path, out);
        }
        path.pop();
    }
    let mut out = BTreeSet::new();
    walk(root, &mut Vec::new(), &mut out);
    for extra in ["*", "*/ID", "TEMPLATE/*", "DS/*", "/*/ID", "NOPE", "CURRENT_VMS", "ID/X", "PCI/*/X"] {
        out.insert(extra.to_owned());
    }
    out
}

fn same_as_rendered<A: Attributes>(what: &str, object: &A, xml: &str, prefixes: &[&[&str]]) {
    let root = crate::xml::parse(xml).unwrap();
    let doc = XmlObject::new(&root, prefixes);
    let names = names_in(&root);
    assert!(names.len() > 20, "{what}: {} names", names.len());
    for name in &names {
        assert_eq!(values(object, name), values(&doc, name), "{what}: {name:?}");
    }
}

#[test]
fn typed_objects_resolve_like_their_documents() {
    let mut host = golden_host();
    same_as_rendered("golden host", &host, &host.to_xml(), HOST_PATHS);
    host.template.set("CLUSTER_ID", "99");
    host.template.push(crate::template::Attribute::vector("GPU", [("VENDOR", "10de"), ("MODEL", "L40S")]));
    host.template.push(crate::template::Attribute::vector("GPU", [("VENDOR", "1002")]));
    host.share.datastores = vec![vec![("ID".into(), "100".into()), ("FREE_MB".into(), "5".into())]];
    host.cluster_template = Some(Template::parse("RESERVED_CPU=10\nFREE_CPU=3\nV=[B=2,A=1]").unwrap());
    same_as_rendered("host with cluster template", &host, &host.to_xml(), HOST_PATHS);
    assert_eq!(values(&host, "GPU"), ["L40S10de", "1002"], "text content, keys sorted");
    host.monitoring = None;
    same_as_rendered("host without monitoring", &host, &host.to_xml(), HOST_PATHS);
    for ds in golden_datastores() {
        same_as_rendered("datastore", &ds, &ds.to_xml(), DATASTORE_PATHS);
    }
    let mut vnet = golden_vnet();
    same_as_rendered("vnet", &vnet, &vnet.to_pool_xml(), VNET_PATHS);
    vnet.meta.lock = Some(crate::objects::common::Lock { level: 1, owner: 0, time: 5, req_id: -1 });
    vnet.parent_vid = 3;
    vnet.updated_vms = [4, 2].into();
    same_as_rendered("locked reservation", &vnet, &vnet.to_pool_xml(), VNET_PATHS);
}

#[test]
fn evaluation_sanity_check() {
    // Not a benchmark (no timing is asserted): shows the cost of a typical evaluation.
    let host = golden_host();
    let req =
        Requirement::parse("(CLUSTER_ID = 0) & !(PUBLIC_CLOUD = YES) & !(PIN_POLICY = PINNED)").unwrap();
    let rank = Rank::parse("FREE_CPU").unwrap();
    let rounds = 20_000;
    let start = std::time::Instant::now();
    let mut matched = 0;
    let mut total = 0;
    for _ in 0..rounds {
        matched += usize::from(req.eval(&host));
        total += rank.eval(&host);
    }
    let per = start.elapsed() / rounds;
    assert_eq!((matched, total), (20_000, 586 * 20_000));
    println!("requirement + rank on the golden host: {per:?} per evaluation");
}
