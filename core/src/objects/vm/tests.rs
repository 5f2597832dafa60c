//! VM documents against real OpenNebula 7.4 responses, reading them back, and the history
//! and monitoring helpers.

use super::*;
use crate::objects::common::Lock;
use crate::perms::Permissions;
use crate::xml::parse;

const UUIDS: [&str; 5] = [
    "35c90419-7fab-43f4-abce-705d5c8e1d0b",
    "719b1c25-01e4-417e-83ce-74f84d646e35",
    "15584386-741a-402e-be37-65b3696154db",
    "11f411b6-0a1c-46a1-98e9-0adb07c911cb",
    "67cf74c2-0771-435a-ab6e-694c60f1695d",
];

pub(super) fn new_vm(id: i32, now: i64) -> NewVm {
    NewVm {
        id,
        uid: 0,
        gid: 0,
        uname: "oneadmin".into(),
        gname: "oneadmin".into(),
        perms: Permissions::from_umask(0o177),
        hold: false,
        now,
        uuid: UUIDS.get(id as usize).copied().unwrap_or("00000000-0000-0000-0000-000000000000").into(),
        default_machine: Some("q35".into()),
        random_password: "s3cr3t-random-password".into(),
    }
}

pub(super) fn dummy_host() -> Placement {
    Placement {
        hid: 0,
        hostname: "dummy-host-0".into(),
        cid: 0,
        vm_mad: "dummy".into(),
        tm_mad: "dummy".into(),
        ds_id: 0,
    }
}

/// The VMs of the samples: template 0 (`CPU=0.1 MEMORY=64`) instantiated as `vm-<id>` and
/// deployed by the scheduler on the dummy host, as oned does it.
fn sample_vm(id: i32) -> Vm {
    let stime = if id == 4 { 1_795_608_560 } else { 1_795_608_559 };
    let tmpl = Template::parse(&format!("CPU=0.1\nMEMORY=64\nTEMPLATE_ID=0\nNAME=vm-{id}\n")).unwrap();
    let mut vm = Vm::allocate(&new_vm(id, stime), &tmpl).unwrap();
    vm.template.set("TM_MAD_SYSTEM", "dummy");
    let record = vm.add_history(&dummy_host(), 1_795_608_572);
    record.plan_id = -1;
    record.action_id = 0;
    record.pstime = 1_795_608_572;
    record.petime = 1_795_608_572;
    record.rstime = 1_795_608_572;
    vm.state = VmState::Active;
    vm.lcm_state = LcmState::Running;
    vm.prev_state = VmState::Active;
    vm.prev_lcm_state = LcmState::Running;
    vm.deploy_id = format!("dummy-host-0:vm-{id}:dummy");
    vm
}

/// vm-0 as `one.vm.info` shows it: with its last monitoring report.
fn monitored_vm0() -> Vm {
    let mut vm = sample_vm(0);
    let report = Template::parse(
        "CPU=0\nMEMORY=44564\nNETRX=8859\nNETTX=8709\nDISKRDBYTES=588\nDISKWRBYTES=869\nDISKRDIOPS=182\nDISKWRIOPS=349\n",
    )
    .unwrap();
    vm.apply_monitoring(&report, 1_795_608_559);
    vm
}

#[test]
fn vm_info_matches_opennebula_byte_for_byte() {
    let real = include_str!("../../../golden/vm.xml").trim_end();
    assert_eq!(monitored_vm0().to_xml(), real);
}

#[test]
fn vm_pool_matches_opennebula_byte_for_byte() {
    let real = include_str!("../../../golden/vmpool.xml").trim_end();
    let vms: Vec<Vm> = (0..5).rev().map(sample_vm).collect();
    assert_eq!(vm_pool_xml(&vms), real);
}

#[test]
fn vm_pool_extended_matches_opennebula_byte_for_byte() {
    let real = include_str!("../../../golden/vmpool_extended.xml").trim_end();
    let vms: Vec<Vm> = (0..5).rev().map(sample_vm).collect();
    assert_eq!(vm_pool_extended_xml(&vms), real);
}

#[test]
fn real_documents_read_back_to_the_same_bytes() {
    let real = include_str!("../../../golden/vm.xml").trim_end();
    let vm = Vm::from_xml(real).unwrap();
    assert_eq!(vm.to_xml(), real);
    assert_eq!(
        (vm.meta.name.as_str(), vm.last_poll, vm.monitoring_value("NETRX")),
        ("vm-0", 1_795_608_559, Some(8859.0))
    );
    assert_eq!(vm.history, monitored_vm0().history);

    let real = include_str!("../../../golden/vmpool_extended.xml").trim_end();
    let vms = vms_from_pool(&parse(real).unwrap()).unwrap();
    assert_eq!(vms.iter().map(|v| v.meta.id).collect::<Vec<_>>(), vec![4, 3, 2, 1, 0]);
    assert_eq!(vm_pool_extended_xml(&vms), real);

    let short = include_str!("../../../golden/vmpool.xml").trim_end();
    let vms = vms_from_pool(&parse(short).unwrap()).unwrap();
    assert_eq!(vms.len(), 5);
    assert_eq!(
        (vms[0].meta.name.as_str(), vms[0].state, vms[0].lcm_state),
        ("vm-4", VmState::Active, LcmState::Running)
    );
    assert_eq!((vms[0].cpu(), vms[0].memory_mb(), vms[0].host_id()), (0.1, 64, Some(0)));
    assert_eq!(vm_pool_xml(&vms), short, "the short form reads back into what renders it");
}

#[test]
fn info_form_has_every_record_and_scheduled_actions_the_extended_only_the_last() {
    let mut vm = sample_vm(3);
    vm.current_history_mut().unwrap().close(1_795_700_000);
    vm.current_history_mut().unwrap().set_action(VmAction::LiveMigrate, 2, 1, 77);
    let mut other = dummy_host();
    other.hid = 4;
    other.hostname = "h4".into();
    vm.add_history(&other, 1_795_700_001);

    let full = vm.to_xml();
    assert_eq!(full.matches("<HISTORY>").count(), 2);
    assert!(full.contains("<ACTION>2</ACTION><UID>2</UID><GID>1</GID><REQUEST_ID>77</REQUEST_ID>"));
    let mut w = XmlWriter::new();
    vm.write_extended_xml(&mut w);
    let extended = w.finish();
    assert_eq!(extended.matches("<HISTORY>").count(), 1);
    assert!(extended.contains("<SEQ>1</SEQ><HOSTNAME>h4</HOSTNAME>"));

    let sa = "<SCHED_ACTION><ACTION><![CDATA[poweroff]]></ACTION><ID><![CDATA[5]]></ID></SCHED_ACTION>";
    vm.sched_actions = vec![5];
    let mut w = XmlWriter::new();
    vm.write_info_xml(&mut w, sa);
    let info = w.finish();
    assert!(info.contains(&format!("<VMID><![CDATA[3]]></VMID>{sa}</TEMPLATE>")));
    assert!(info.contains("<SCHED_ACTIONS><ID>5</ID></SCHED_ACTIONS>"));
    // Scheduled actions live in their own pool: reading drops them from TEMPLATE (the
    // template comes back in XML order, hence the comparison of re-read documents).
    assert_eq!(Vm::from_xml(&info).unwrap(), Vm::from_xml(&vm.to_xml()).unwrap());
}

#[test]
fn short_form_digests_devices_monitoring_user_template_and_lock() {
    let tmpl = Template::parse(concat!(
        "CPU=1\nMEMORY=128\nVCPU=2\n",
        "DISK=[IMAGE_ID=3,IMAGE=\"deb\",DATASTORE=default,DATASTORE_ID=1,SIZE=2048,TYPE=FILE,SOURCE=x]\n",
        "NIC=[NETWORK=pub,NETWORK_ID=0,NAME=eth]\nNIC_ALIAS=[PARENT=eth,NETWORK=pub]\n",
        "GRAPHICS=[TYPE=vnc,LISTEN=\"0.0.0.0\"]\n",
        "LABELS=\"a,b\"\nERROR=\"\"\nSCHED_RANK=FREE_CPU\nUSER_PRIORITY=\"\"\nFOO=bar\n",
        "SCHED_ACTION=[ID=0,ACTION=hold]\n",
    ))
    .unwrap();
    let mut vm = Vm::allocate(&new_vm(9, 100), &tmpl).unwrap();
    vm.edit_nic(0, |p| p.push(("IP".into(), "10.0.0.2".into())));
    vm.meta.lock = Some(Lock { level: 2, owner: 0, time: 5, req_id: -1 });
    vm.apply_monitoring(&Template::parse("CPU=5\nMEMORY=1024\nNETRX=1").unwrap(), 200);
    let short = vm.to_pool_xml();
    let expected_template = concat!(
        "<TEMPLATE><CPU>1</CPU><MEMORY>128</MEMORY><VCPU>2</VCPU>",
        "<DISK><DISK_ID><![CDATA[0]]></DISK_ID><DATASTORE><![CDATA[default]]></DATASTORE>",
        "<DATASTORE_ID><![CDATA[1]]></DATASTORE_ID><IMAGE><![CDATA[deb]]></IMAGE><IMAGE_ID><![CDATA[3]]></IMAGE_ID>",
        "<SIZE><![CDATA[2048]]></SIZE><TYPE><![CDATA[FILE]]></TYPE><CLONE><![CDATA[]]></CLONE>",
        "<CLONE_TARGET><![CDATA[]]></CLONE_TARGET><LN_TARGET><![CDATA[]]></LN_TARGET>",
        "<DISK_SNAPSHOT_TOTAL_SIZE><![CDATA[]]></DISK_SNAPSHOT_TOTAL_SIZE></DISK>",
        "<NIC><IP><![CDATA[10.0.0.2]]></IP><MAC><![CDATA[]]></MAC><NETWORK><![CDATA[pub]]></NETWORK>",
        "<NETWORK_ID><![CDATA[0]]></NETWORK_ID><NIC_ID><![CDATA[0]]></NIC_ID><SECURITY_GROUPS><![CDATA[]]></SECURITY_GROUPS></NIC>",
        "<NIC><MAC><![CDATA[]]></MAC><NETWORK><![CDATA[pub]]></NETWORK><NETWORK_ID><![CDATA[]]></NETWORK_ID>",
        "<NIC_ID><![CDATA[1]]></NIC_ID><SECURITY_GROUPS><![CDATA[]]></SECURITY_GROUPS></NIC>",
        "<GRAPHICS><LISTEN><![CDATA[0.0.0.0]]></LISTEN><TYPE><![CDATA[vnc]]></TYPE></GRAPHICS></TEMPLATE>",
        "<MONITORING><CPU><![CDATA[5]]></CPU><MEMORY><![CDATA[1024]]></MEMORY><STATE><![CDATA[]]></STATE></MONITORING>",
        "<USER_TEMPLATE><LABELS><![CDATA[a,b]]></LABELS><SCHED_RANK><![CDATA[FREE_CPU]]></SCHED_RANK>",
        "<USER_PRIORITY><![CDATA[]]></USER_PRIORITY>",
        "<SCHED_ACTION><ACTION><![CDATA[hold]]></ACTION><ID><![CDATA[0]]></ID></SCHED_ACTION></USER_TEMPLATE>",
        "<HISTORY_RECORDS/></VM>",
    );
    assert!(short.contains("<DEPLOY_ID></DEPLOY_ID><LOCK><LOCKED>2</LOCKED></LOCK><TEMPLATE>"), "{short}");
    assert!(short.ends_with(expected_template), "{short}");
}

#[test]
fn history_records_number_copy_and_close() {
    let mut vm = sample_vm(1);
    assert_eq!(
        (vm.host_id(), vm.hostname(), vm.cluster_id(), vm.system_ds_id()),
        (Some(0), Some("dummy-host-0"), Some(0), Some(0))
    );
    assert!(vm.previous_history().is_none());
    let h = vm.current_history_mut().unwrap();
    h.close(1_000);
    assert_eq!((h.etime, h.petime, h.retime, h.eetime), (1_000, 1_795_608_572, 1_000, 0));
    assert!(!h.is_open());
    h.set_internal_action(VmAction::Poweroff);

    let copied = vm.copy_history(2_000).unwrap();
    assert_eq!(
        (copied.seq, copied.hid, copied.plan_id, copied.action_id, copied.stime),
        (1, 0, -1, 0, 2_000)
    );
    assert_eq!((copied.action, copied.uid, copied.request_id), (VmAction::None, -1, -1));

    let mut target = dummy_host();
    target.hid = 7;
    target.hostname = "h7".into();
    target.ds_id = 100;
    let added = vm.add_history(&target, 3_000);
    assert_eq!((added.seq, added.plan_id, added.action_id), (2, -2, -1));
    assert_eq!((vm.host_id(), vm.system_ds_id()), (Some(7), Some(100)));
    assert_eq!(vm.previous_history().map(|h| h.seq), Some(1));
    vm.previous_history_mut().unwrap().etime = 2_999;

    let back = vm.copy_previous_history(4_000).unwrap();
    assert_eq!((back.seq, back.hid, back.stime), (3, 0, 4_000));
    assert_eq!(vm.history.iter().map(|h| h.seq).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
    assert!(Vm::new(vm.meta.clone(), 0).copy_history(1).is_none());
}

#[test]
fn history_xml_forms() {
    let mut h = History::new(3, 2, &dummy_host());
    h.set_action(VmAction::TerminateHard, 0, 0, 12);
    let mut w = XmlWriter::new();
    h.write_short_xml(&mut w);
    assert_eq!(
        w.finish(),
        concat!(
            "<HISTORY><OID>3</OID><SEQ>2</SEQ><HOSTNAME><![CDATA[dummy-host-0]]></HOSTNAME><HID>0</HID><CID>0</CID>",
            "<DS_ID>0</DS_ID><VM_MAD><![CDATA[dummy]]></VM_MAD><TM_MAD><![CDATA[dummy]]></TM_MAD>",
            "<ACTION><![CDATA[28]]></ACTION></HISTORY>"
        )
    );
    let mut w = XmlWriter::new();
    h.write_xml(&mut w);
    let xml = w.finish();
    assert!(xml.contains("<PLAN_ID>-2</PLAN_ID><ACTION_ID>-1</ACTION_ID>"));
    assert_eq!(History::from_node(&parse(&xml).unwrap()).unwrap(), h);
    let bad = xml.replace("<ACTION>28</ACTION>", "<ACTION>3</ACTION>");
    assert!(History::from_node(&parse(&bad).unwrap()).is_err());
}

#[test]
fn vm_actions_have_opennebula_numbers_and_names() {
    assert_eq!(VmAction::ALL.len(), 63);
    for a in VmAction::ALL {
        assert_eq!(VmAction::from_value(a.value()), Some(*a));
        assert_eq!(VmAction::from_name(a.name()), Some(*a));
    }
    assert_eq!((VmAction::Deploy.value(), VmAction::Deploy.name()), (30, "deploy"));
    assert_eq!(VmAction::from_value(44), Some(VmAction::Monitor));
    assert_eq!(VmAction::PoweroffHardMigrate.to_string(), "poweroff-hard-migrate");
    for retired in [3, 4, 12, 66, -1] {
        assert_eq!(VmAction::from_value(retired), None);
    }
}

#[test]
fn monitoring_reports_merge_and_set_last_poll() {
    let mut vm = sample_vm(2);
    vm.apply_monitoring(&Template::parse("CPU=10\nMEMORY=100\nDISK_SIZE=[ID=0,SIZE=5]").unwrap(), 50);
    vm.apply_monitoring(&Template::parse("CPU=20\nNETRX=7").unwrap(), 60);
    assert_eq!(vm.last_poll, 60);
    assert_eq!(vm.monitoring_value("CPU"), Some(20.0));
    assert_eq!(vm.monitoring_value("MEMORY"), Some(100.0));
    assert_eq!(vm.monitoring.get("TIMESTAMP"), Some("60"));
    assert_eq!(vm.monitoring.get("ID"), Some("2"));
    assert!(vm.monitoring.vector("DISK_SIZE").is_some());
    assert!(vm.to_xml().contains("<LAST_POLL>60</LAST_POLL>"));
    assert!(vm.to_pool_xml().contains("<MONITORING><CPU><![CDATA[20]]></CPU>"));
}

#[test]
fn snapshots_and_backups_render_and_read_back() {
    let mut vm = sample_vm(0);
    let mut snaps = DiskSnapshots::new(0, "NO");
    snaps.next_snapshot = 2;
    snaps.snapshots.push(Snapshot {
        id: 0,
        name: Some("base".into()),
        date: 10,
        parent: -1,
        size_mb: 64,
        active: false,
        children: vec![1],
    });
    snaps.snapshots.push(Snapshot {
        id: 1,
        name: None,
        date: 11,
        parent: 0,
        size_mb: 64,
        active: true,
        children: vec![],
    });
    vm.snapshots.push(snaps);
    vm.backups.ids = vec![4, 6];
    vm.backups.apply_config(&[("KEEP_LAST".into(), "3".into())], false, false, &[0]).unwrap();
    let xml = vm.to_xml();
    assert!(xml.contains(concat!(
        "</HISTORY_RECORDS><SNAPSHOTS><ALLOW_ORPHANS><![CDATA[NO]]></ALLOW_ORPHANS>",
        "<CURRENT_BASE><![CDATA[-1]]></CURRENT_BASE><DISK_ID><![CDATA[0]]></DISK_ID>",
        "<NEXT_SNAPSHOT><![CDATA[2]]></NEXT_SNAPSHOT><SNAPSHOT><CHILDREN><![CDATA[1]]></CHILDREN>",
        "<DATE><![CDATA[10]]></DATE><ID><![CDATA[0]]></ID><NAME><![CDATA[base]]></NAME>",
        "<PARENT><![CDATA[-1]]></PARENT><SIZE><![CDATA[64]]></SIZE></SNAPSHOT><SNAPSHOT>",
        "<ACTIVE><![CDATA[YES]]></ACTIVE><DATE><![CDATA[11]]></DATE>"
    )));
    assert!(xml.contains(concat!(
        "<BACKUPS><BACKUP_CONFIG><BACKUP_VOLATILE><![CDATA[NO]]></BACKUP_VOLATILE>",
        "<FS_FREEZE><![CDATA[NONE]]></FS_FREEZE><INCREMENTAL_BACKUP_ID><![CDATA[-1]]></INCREMENTAL_BACKUP_ID>",
        "<INTERACTIVE><![CDATA[NO]]></INTERACTIVE><KEEP_LAST><![CDATA[3]]></KEEP_LAST>",
        "<LAST_INCREMENT_ID><![CDATA[-1]]></LAST_INCREMENT_ID><MODE><![CDATA[FULL]]></MODE></BACKUP_CONFIG>",
        "<BACKUP_IDS><ID>4</ID><ID>6</ID></BACKUP_IDS></BACKUPS></VM>"
    )));
    let back = Vm::from_xml(&xml).unwrap();
    assert_eq!(back.snapshots, vm.snapshots);
    assert_eq!(back.snapshots[0].active(), 1);
    assert_eq!(back.snapshots[0].get(0).map(|s| s.children.clone()), Some(vec![1]));
    assert_eq!(back.backups.ids, vec![4, 6]);
    assert_eq!(back.backups.config.get("KEEP_LAST"), Some("3"));
    assert_eq!(back.to_xml(), xml);
}

#[test]
fn backup_config_rules() {
    let cfg = |s: &str| -> Vec<(String, String)> {
        Template::parse(&format!("B=[{s}]")).unwrap().vector("B").unwrap().to_vec()
    };
    let mut b = Backups::default();
    b.apply_config(
        &cfg("MODE=increment,INCREMENT_MODE=snapshot,DISK_IDS=\"2,0,2\",FS_FREEZE=agent,BACKUP_VOLATILE=yes"),
        true,
        false,
        &[0, 2],
    )
    .unwrap();
    assert_eq!(b.config.get("MODE"), Some("INCREMENT"));
    assert_eq!(b.config.get("INCREMENT_MODE"), Some("SNAPSHOT"));
    assert_eq!(b.config.get("DISK_IDS"), Some("0,2"));
    assert_eq!(b.disk_ids(), vec![0, 2]);
    assert_eq!(b.config.get("FS_FREEZE"), Some("AGENT"));
    assert!(b.backup_volatile());
    // Appending keeps what is not given.
    b.apply_config(&cfg("KEEP_LAST=-4"), true, true, &[0, 2]).unwrap();
    assert_eq!((b.config.get("KEEP_LAST"), b.config.get("MODE")), (Some("0"), Some("INCREMENT")));
    assert_eq!(
        b.apply_config(&cfg("DISK_IDS=\"1\""), true, true, &[0, 2]),
        Err("Invalid DISK_IDS, disk 1 cannot be backed up".into())
    );
    assert_eq!(
        b.apply_config(&cfg("DISK_IDS=\"x\""), true, true, &[0]),
        Err("Invalid DISK_IDS value: x".into())
    );
    assert_eq!(
        b.apply_config(&cfg("DISK_IDS=\"0,,2\""), true, true, &[0, 2]),
        Err("Invalid DISK_IDS value: 0,,2".into())
    );
    b.apply_config(&cfg("DISK_IDS=\"2,\""), true, true, &[0, 2]).unwrap();
    assert_eq!(b.disk_ids(), vec![2]);
    assert_eq!(
        b.apply_config(&cfg("INTERACTIVE=yes"), true, true, &[0]),
        Err("Interactive backups do not support SNAPSHOT increment mode.".into())
    );
}

#[test]
fn storing_commits_the_previous_states() {
    let mut vm = Vm::allocate(&new_vm(1, 0), &Template::parse("CPU=1\nMEMORY=1").unwrap()).unwrap();
    assert!(!vm.commit_state());
    vm.state = VmState::Active;
    vm.lcm_state = LcmState::Prolog;
    assert_eq!((vm.prev_state, vm.prev_lcm_state), (VmState::Pending, LcmState::LcmInit));
    assert!(vm.commit_state());
    assert_eq!((vm.prev_state, vm.prev_lcm_state), (VmState::Active, LcmState::Prolog));
    assert!(!vm.commit_state());
}

#[test]
fn pool_object_contract() {
    let mut vm = sample_vm(4);
    assert_eq!((Vm::ROOT, Vm::POOL_ROOT, Vm::KIND), ("VM", "VM_POOL", crate::acl::ObjectType::Vm));
    assert_eq!(vm.state(), 3);
    vm.template_mut().set("NOTE", "x");
    assert_eq!(vm.user_template.get("NOTE"), Some("x"));
    assert_eq!(vm.template().get("NOTE"), Some("x"));
    assert!(vm.cluster_ids().is_empty());
    assert!(Vm::from_xml("<HOST><ID>0</ID></HOST>").is_err());
    let broken = vm.to_xml().replace("<STATE>3</STATE>", "<STATE>99</STATE>");
    assert_eq!(Vm::from_xml(&broken).unwrap_err().0, "unknown VM STATE 99");
}
