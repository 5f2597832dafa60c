//! Allocation rules, automatic requirements, device edits and the pool search.

use super::tests::{dummy_host, new_vm};
use super::*;
use crate::objects::common::PoolObject;

fn allocate(text: &str) -> Result<Vm, String> {
    Vm::allocate(&new_vm(7, 1_000), &Template::parse(text).expect("template parses"))
}

fn ids<'a>(devices: &[Device<'a>]) -> Vec<(&'a str, i32)> {
    devices.iter().map(|x| (x.kind(), x.disk_id().or(x.nic_id()).unwrap_or(-1))).collect()
}

fn err(text: &str) -> String {
    allocate(text).expect_err("allocation should fail")
}

#[test]
fn capacity_is_required_and_normalised() {
    let memory = "MEMORY attribute must be a positive integer value.";
    for t in [
        "CPU=1",
        "CPU=1\nMEMORY=0",
        "CPU=1\nMEMORY=-5",
        "CPU=1\nMEMORY=1.5",
        "CPU=1\nMEMORY=0x10",
        "CPU=1\nMEMORY=[A=1]",
    ] {
        assert_eq!(err(t), memory, "{t}");
    }
    let cpu = "CPU attribute must be a positive float or integer value.";
    for t in [
        "MEMORY=64",
        "MEMORY=64\nCPU=0",
        "MEMORY=64\nCPU=-1",
        "MEMORY=64\nCPU=abc",
        "MEMORY=64\nCPU=inf",
        "MEMORY=64\nCPU=1e",
    ] {
        assert_eq!(err(t), cpu, "{t}");
    }
    assert_eq!(err("MEMORY=64\nCPU=1\nVCPU=0"), "VCPU attribute must be a positive integer value.");
    assert_eq!(err("MEMORY=64\nCPU=1\nVCPU=1.5"), "VCPU attribute must be a positive integer value.");
    assert_eq!(
        err("MEMORY=64\nCPU=1\nCPU_COST=-1"),
        "CPU_COST attribute must be a positive float or integer value."
    );
    assert_eq!(err("MEMORY=64\nCPU=1\nMEMORY_RESIZE_MODE=foo"), "Unknown MEMORY_RESIZE_MODE: FOO");

    let vm = allocate("MEMORY=064\nCPU=0.50\nVCPU=+2\nVCPU_MAX=0\nMEMORY_MAX=128\nDISK_COST=1.0\nCPU_COST=x")
        .unwrap();
    let t = &vm.template;
    assert_eq!((t.get("MEMORY"), t.get("CPU"), t.get("VCPU")), (Some("64"), Some("0.5"), Some("2")));
    assert_eq!((t.get("MEMORY_MAX"), t.get("DISK_COST")), (Some("128"), Some("1")));
    // Values that do not parse stay in the user template, as in OpenNebula.
    assert_eq!((vm.user_template.get("VCPU_MAX"), vm.user_template.get("CPU_COST")), (Some("0"), Some("x")));
    assert_eq!((vm.cpu(), vm.memory_mb(), vm.vcpu()), (0.5, 64, Some(2)));
}

#[test]
fn names_ids_states_and_the_split_between_templates() {
    let vm = allocate("MEMORY=64\nCPU=1\nFOO=bar\nVMID=99\nTEMPLATE_ID=3\nINPUT=[TYPE=tablet]\nRAW=[TYPE=kvm]\nEMULATOR=/bin/q\nLABELS=x").unwrap();
    assert_eq!(vm.meta.name, "one-7");
    assert_eq!((vm.meta.id, vm.meta.uname.as_str(), vm.meta.perms.octal()), (7, "oneadmin", 0o600));
    assert_eq!(
        (vm.state, vm.lcm_state, vm.prev_state, vm.stime),
        (VmState::Pending, LcmState::LcmInit, VmState::Pending, 1_000)
    );
    let t = &vm.template;
    assert_eq!(
        (t.get("VMID"), t.get("TEMPLATE_ID"), t.get("EMULATOR")),
        (Some("7"), Some("3"), Some("/bin/q"))
    );
    assert!(t.vector("INPUT").is_some() && t.vector("RAW").is_some());
    assert_eq!(
        t.vector("OS").unwrap().to_vec(),
        vec![
            ("UUID".to_owned(), "00000000-0000-0000-0000-000000000000".to_owned()),
            ("MACHINE".to_owned(), "q35".to_owned()),
        ]
    );
    assert_eq!(t.get("AUTOMATIC_REQUIREMENTS"), Some("!(PIN_POLICY = PINNED)"));
    let names: Vec<&str> = vm.user_template.attributes().iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["FOO", "LABELS"]);

    assert_eq!(allocate("MEMORY=1\nCPU=1\nTEMPLATE_NAME=web").unwrap().meta.name, "web-7");
    assert_eq!(allocate("MEMORY=1\nCPU=1\nTEMPLATE_NAME=web\nNAME=mine").unwrap().meta.name, "mine");
    let os = allocate("MEMORY=1\nCPU=1\nOS=[UUID=u,MACHINE=pc]").unwrap();
    assert_eq!(
        os.template.vector("OS").unwrap().to_vec(),
        vec![("UUID".to_owned(), "u".to_owned()), ("MACHINE".to_owned(), "pc".to_owned())]
    );
    assert_eq!(err("MEMORY=1\nCPU=1\nOS=[A=1]\nOS=[B=2]"), "Only one OS attribute can be defined.");
    assert_eq!(err("MEMORY=1\nCPU=1\nOS=x"), "Internal error parsing OS attribute.");

    let mut hold = new_vm(8, 5);
    hold.hold = true;
    let vm = Vm::allocate(&hold, &Template::parse("MEMORY=1\nCPU=1").unwrap()).unwrap();
    assert_eq!((vm.state, vm.prev_state), (VmState::Hold, VmState::Hold));
    assert_eq!(
        (vm.template.get("SUBMIT_ON_HOLD"), vm.user_template.get("SUBMIT_ON_HOLD")),
        (Some("YES"), None)
    );
    let vm = allocate("MEMORY=1\nCPU=1\nSUBMIT_ON_HOLD=yes").unwrap();
    assert_eq!((vm.state, vm.template.get("SUBMIT_ON_HOLD")), (VmState::Pending, Some("YES")));

    let imported = allocate("MEMORY=1\nCPU=1\nDEPLOY_ID=vm-abc").unwrap();
    assert_eq!((imported.deploy_id.as_str(), imported.template.get("IMPORTED")), ("vm-abc", Some("YES")));
    assert!(imported.user_template.get("DEPLOY_ID").is_none());
    assert_eq!(err("MEMORY=1\nCPU=1\nDEPLOY_ID=one-12"), "Trying to import an OpenNebula VM: 'one-*'.");
}

#[test]
fn disks_and_nics_are_numbered_named_and_linked() {
    let vm = allocate(concat!(
        "MEMORY=1\nCPU=1\nTM_MAD_SYSTEM=ssh\n",
        "DISK=[IMAGE_ID=1,TM_MAD_SYSTEM=old]\nDISK=[TYPE=fs,SIZE=10]\nCONTEXT=[NETWORK=YES]\n",
        "NIC=[NETWORK=a,NAME=eth0]\nNIC=[NETWORK=b,NAME=NIC5]\nNIC=[NETWORK_MODE=auto]\n",
        "NIC_ALIAS=[NETWORK=c,PARENT=eth0]\nNIC_ALIAS=[NETWORK=d,PARENT=eth0,NAME=mine]\n",
        "PCI=[TYPE=NIC,SHORT_ADDRESS=\"00:01.0\",NETWORK=e,BUS=3]\nPCI=[VENDOR=10de,ROOT=SHARED]\n",
        "NIC_DEFAULT=[MODEL=virtio]\nOS=[BOOT=\"nic1,disk0\"]\n",
    ))
    .unwrap();
    assert_eq!(ids(&vm.disks()), vec![("DISK", 0), ("DISK", 1)]);
    assert_eq!(vm.disk(0).unwrap().get("TM_MAD_SYSTEM"), Some("ssh"));
    assert_eq!(vm.context().unwrap().disk_id(), Some(2));
    assert_eq!(vm.template.get("TM_MAD_SYSTEM"), Some("ssh"));
    assert_eq!(vm.next_disk_id(), 3);
    let nics = vm.nics();
    assert_eq!(
        ids(&nics),
        vec![("NIC", 0), ("NIC", 1), ("NIC", 2), ("PCI", 3), ("NIC_ALIAS", 4), ("NIC_ALIAS", 5)]
    );
    let names: Vec<&str> = nics.iter().map(|n| n.get("NAME").unwrap_or_default()).collect();
    assert_eq!(names, vec!["eth0", "_NIC5", "NIC2", "NIC3", "NIC0_ALIAS4", "mine"]);
    assert_eq!(nics[0].get("ALIAS_IDS"), Some("4,5"));
    assert_eq!((nics[5].get("PARENT_ID"), nics[5].get("ALIAS_ID")), (Some("0"), Some("1")));
    assert_eq!(nics[0].get("MODEL"), Some("virtio"), "NIC_DEFAULT applies to NICs");
    assert_eq!(nics[2].get("MODEL"), None, "but not to AUTO ones");
    assert_eq!(nics[4].get("MODEL"), None, "nor to aliases");
    assert_eq!((nics[1].get("ORDER"), vm.disk(0).unwrap().get("ORDER")), (Some("1"), Some("2")));
    let pcis = vm.pcis();
    assert_eq!(pcis.iter().map(|p| p.get("PCI_ID")).collect::<Vec<_>>(), vec![Some("0"), Some("1")]);
    assert_eq!((pcis[0].get("BUS"), pcis[1].get("ROOT")), (None, Some("shared")));
    assert_eq!(vm.next_nic_id(), 6);

    assert_eq!(err("MEMORY=1\nCPU=1\nNIC_ALIAS=[PARENT=x]"), "NIC named x not found for alias");
    assert_eq!(
        err("MEMORY=1\nCPU=1\nNIC=[NAME=a]\nNIC_ALIAS=[PARENT=a,NETWORK_MODE=auto]"),
        "Alias is incompatible with mode AUTO"
    );
    assert_eq!(
        err("MEMORY=1\nCPU=1\nNIC=[NAME=a,NETWORK_MODE=dummy]\nNIC_ALIAS=[PARENT=a]"),
        "NIC named a not found for alias"
    );
    assert_eq!(
        err("MEMORY=1\nCPU=1\nPCI=[TYPE=NIC]"),
        "SHORT_ADDRESS, DEVICE, VENDOR or CLASS must be defined for PCI."
    );
    assert_eq!(err("MEMORY=1\nCPU=1\nPCI=[CLASS=zz]"), "Wrong Hex value for PCI attribute CLASS");
    assert_eq!(
        err("MEMORY=1\nCPU=1\nPCI=[CLASS=0c03,SHORT_ADDRESS=x]"),
        "SHORT_ADDRESS cannot be set with DEVICE, VENDOR or CLASS"
    );
    assert_eq!(
        err("MEMORY=1\nCPU=1\nPCI=[CLASS=0c03,ROOT=x]"),
        "Unknown PCI root mode, has to be SHARED or DEDICATED"
    );
    assert_eq!(
        err("MEMORY=1\nCPU=1\nNIC_DEFAULT=[NETWORK=a]"),
        "Attribute NETWORK is not allowed inside NIC_DEFAULT."
    );
    assert_eq!(
        err("MEMORY=1\nCPU=1\nNIC_DEFAULT=[A=1]\nNIC_DEFAULT=[B=1]"),
        "Only one NIC_DEFAULT attribute can be defined."
    );
    assert_eq!(err("MEMORY=1\nCPU=1\nNIC_DEFAULT=x"), "Wrong format for NIC_DEFAULT attribute.");
    let boot = "Wrong OS/BOOT value: \"disk0,cd\" should be a comma-separated list of disk# or nic#";
    assert_eq!(err("MEMORY=1\nCPU=1\nDISK=[A=1]\nOS=[BOOT=\"disk0,cd\"]"), boot);
    assert_eq!(
        err("MEMORY=1\nCPU=1\nOS=[BOOT=disk3]"),
        "Wrong OS/BOOT value. Device with DISK_ID 3 not found"
    );
}

#[test]
fn features_graphics_video_and_other_devices() {
    let vm = allocate(concat!(
        "MEMORY=1\nCPU=1\nFEATURES=[ACPI=yes,PAE=maybe,GIC=5,MIGRATE_AUTO_CONVERGE=\" 10 , 20\"]\n",
        "GRAPHICS=[TYPE=VNC,RANDOM_PASSWD=YES]\nGRAPHICS=[TYPE=spice]\nVIDEO=[TYPE=VirtIO,IOMMU=yes,VRAM=2048]\n",
        "TPM=[MODEL=tpm-crb]\nCPU_MODEL=[MODEL=host,FEATURES=\"vmx,aes\"]\nTOPOLOGY=[PIN_POLICY=core]\n",
        "IOMMU=[MODEL=Intel,MODE=single]\nVROUTER_ID=4\nVROUTER_KEEPALIVED_ID=\"\"\nREQUIREMENTS=\"ID=1\"\n",
    ))
    .unwrap();
    let t = &vm.template;
    let features = t.vector("FEATURES").unwrap();
    let f = |k: &str| features.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    assert_eq!(
        (f("ACPI"), f("PAE"), f("GIC"), f("MIGRATE_AUTO_CONVERGE")),
        (Some("YES"), Some("NO"), Some("host"), Some("10,20"))
    );
    assert_eq!(t.get_all("GRAPHICS").count(), 1);
    assert!(t.vector("GRAPHICS").unwrap().contains(&("PASSWD".to_owned(), "s3cr3t-r".to_owned())));
    assert!(t.vector("VIDEO").unwrap().contains(&("TYPE".to_owned(), "virtio".to_owned())));
    assert!(t.vector("IOMMU").unwrap().contains(&("MODEL".to_owned(), "intel".to_owned())));
    assert!(t.vector("TPM").is_some() && t.vector("TOPOLOGY").is_some());
    assert_eq!((t.get("VROUTER_ID"), t.get("VROUTER_KEEPALIVED_ID")), (Some("4"), None));
    assert!(vm.user_template.get("VROUTER_KEEPALIVED_ID").is_none());
    assert_eq!(vm.user_template.get("SCHED_REQUIREMENTS"), Some("ID=1"));
    assert!(vm.user_template.get("REQUIREMENTS").is_none());
    assert!(vm.is_pinned());
    assert_eq!(
        t.get("AUTOMATIC_REQUIREMENTS"),
        Some("(PIN_POLICY = PINNED) & (KVM_CPU_FEATURES = \"*vmx*\") & (KVM_CPU_FEATURES = \"*aes*\")")
    );

    let base = "MEMORY=1\nCPU=1\n";
    let cases = [
        (
            "FEATURES=[MIGRATE_AUTO_CONVERGE=\"1,2,3\"]",
            "Wrong FEATURES/MIGRATE_AUTO_CONVERGE value: \"1,2,3\". Expected initial[,increment]",
        ),
        (
            "FEATURES=[MIGRATE_AUTO_CONVERGE=150]",
            "Wrong FEATURES/MIGRATE_AUTO_CONVERGE value: \"150\". Initial and increment values must be between 0 and 100",
        ),
        (
            "FEATURES=[MIGRATE_AUTO_CONVERGE=\"1,,2\"]",
            "Wrong FEATURES/MIGRATE_AUTO_CONVERGE value: \"1,,2\". Expected initial[,increment]",
        ),
        ("GRAPHICS=[TYPE=vnc,PORT=70000]", "Wrong PORT number in GRAPHICS attribute"),
        ("VIDEO=[VRAM=2048]", "Video TYPE is required"),
        ("VIDEO=[TYPE=qxl]", "Invalid video TYPE, should be either: none, vga, cirrus, or virtio"),
        ("VIDEO=[TYPE=vga,ATS=yes]", "IOMMU and ATS are only available for virtio TYPE"),
        ("VIDEO=[TYPE=vga,VRAM=12]", "Invalid VRAM value in VIDEO attribute, must be >= 1024"),
        ("VIDEO=[TYPE=vga,RESOLUTION=big]", "Invalid RESOLUTION string format"),
        ("TPM=[X=1]", "TPM attribute is missing required key: MODEL"),
        ("MEMORY_ENCRYPTION=[X=1]", "MEMORY_ENCRYPTION attribute is missing required key: TYPE"),
        ("IOMMU=[MODEL=foo]", "Unknown IOMMU model; must be intel, virtio, smmuv3 or amd"),
        ("IOMMU=[MODEL=smmuv3]", "IOMMU model smmuv3 requires ARM guests"),
        ("IOMMU=[MODEL=intel,MODE=x]", "Unknown IOMMU mode; must be single or device"),
        ("OS=[MACHINE=pc]\nIOMMU=[MODEL=intel,MODE=single]", "IOMMU device requires a Q35/virt guest"),
        (
            "SCHED_REQUIREMENTS=a\nSCHED_REQUIREMENTS=b",
            "Only one SCHED_REQUIREMENTS attribute can be defined.",
        ),
        ("SCHED_REQUIREMENTS=[A=1]", "Wrong format for SCHED_REQUIREMENTS attribute."),
    ];
    for (extra, message) in cases {
        assert_eq!(err(&format!("{base}{extra}")), message, "{extra}");
    }
    let sev = allocate("MEMORY=1\nCPU=1\nMEMORY_ENCRYPTION=[TYPE=SEV-ES]").unwrap();
    assert_eq!(
        sev.template.get("AUTOMATIC_REQUIREMENTS"),
        Some("!(PIN_POLICY = PINNED) & (MEMORY_ENCRYPTION = \"SEV-*\")")
    );
}

#[test]
fn automatic_requirements_follow_clusters_datastores_and_shareable_disks() {
    let mut vm = allocate(
        "MEMORY=1\nCPU=1\nTM_MAD_SYSTEM=ssh\nDISK=[IMAGE_ID=0]\nDISK=[IMAGE_ID=1]\nNIC=[NETWORK_ID=0]",
    )
    .unwrap();
    vm.edit_disk(0, |d| d.push(("CLUSTER_ID".into(), "0,100".into())));
    vm.edit_disk(1, |d| {
        d.extend([("CLUSTER_ID".into(), "100,101".into()), ("SHAREABLE".into(), "YES".into())])
    });
    vm.edit_nic(0, |n| n.push(("CLUSTER_ID".into(), "100".into())));
    let clusters = vm.set_automatic_requirements(&[0, 2].into()).unwrap();
    assert_eq!(clusters, [100].into());
    let t = &vm.template;
    assert_eq!(t.get("AUTOMATIC_REQUIREMENTS"), Some("(CLUSTER_ID = 100) & !(PIN_POLICY = PINNED)"));
    assert_eq!(t.get("AUTOMATIC_NIC_REQUIREMENTS"), Some("(\"CLUSTERS/ID\" @> 100)"));
    assert_eq!(
        t.get("AUTOMATIC_DS_REQUIREMENTS"),
        Some(
            "(\"CLUSTERS/ID\" @> 100) & (\"ID\" @> 0 | \"ID\" @> 2) & (TM_MAD = \"ssh\") & (SHARED = \"YES\")"
        )
    );

    vm.edit_nic(0, |n| {
        n.iter_mut().for_each(|(k, v)| {
            if k == "CLUSTER_ID" {
                *v = "5".into()
            }
        })
    });
    assert_eq!(
        vm.set_automatic_requirements(&Default::default()),
        Err("Incompatible clusters in NIC. Network for NIC 0 is not in the same cluster as the one used by other VM elements (cluster 100)".into())
    );
    vm.edit_nic(0, |n| {
        n.iter_mut().for_each(|(k, v)| {
            if k == "CLUSTER_ID" {
                *v = String::new()
            }
        })
    });
    assert_eq!(
        vm.required_clusters(),
        Err("Missing clusters. Network for NIC 0 is not in any cluster".into())
    );
    vm.edit_nic(0, |n| n.push(("NETWORK_MODE".into(), "dummy".into())));
    assert_eq!(vm.required_clusters(), Ok([100].into()), "DUMMY NICs do not constrain the clusters");
}

#[test]
fn backup_config_moves_out_of_the_user_template() {
    let mut vm = allocate("MEMORY=1\nCPU=1\nDISK=[TYPE=fs]\nDISK=[IMAGE_ID=3]\nDISK=[TYPE=swap]\nBACKUP_CONFIG=[KEEP_LAST=2,DISK_IDS=\"1\"]").unwrap();
    assert_eq!(vm.backup_disk_ids(false), vec![1]);
    assert_eq!(vm.backup_disk_ids(true), vec![0, 1]);
    vm.apply_backup_config(false).unwrap();
    assert!(vm.user_template.get_all("BACKUP_CONFIG").next().is_none());
    assert_eq!((vm.backups.config.get("KEEP_LAST"), vm.backups.disk_ids()), (Some("2"), vec![1]));
    let mut bad = allocate("MEMORY=1\nCPU=1\nDISK=[TYPE=fs]\nBACKUP_CONFIG=[DISK_IDS=\"0\"]").unwrap();
    assert_eq!(bad.apply_backup_config(false), Err("Invalid DISK_IDS, disk 0 cannot be backed up".into()));
    let mut none = allocate("MEMORY=1\nCPU=1").unwrap();
    assert_eq!(none.apply_backup_config(true), Ok(()));
    assert!(none.backups.config.is_empty());
}

#[test]
fn floats_print_as_cpp_streams_do() {
    let cases = [
        (0.1, "0.1"),
        (0.5, "0.5"),
        (2.0, "2"),
        (100.0, "100"),
        (123_456.7, "123457"),
        (1_234_567.0, "1.23457e+06"),
        (1e7, "1e+07"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (-2.5, "-2.5"),
        (0.0, "0"),
    ];
    for (value, text) in cases {
        assert_eq!(format_float(value), text, "{value}");
    }
    assert_eq!(format_float(f64::from(0.1f32)), "0.1");
}

#[test]
fn disks_and_nics_can_be_added_edited_and_removed() {
    let mut vm =
        allocate("MEMORY=1\nCPU=1\nDISK=[IMAGE_ID=0]\nCONTEXT=[A=1]\nNIC=[NETWORK_ID=0,NAME=eth0]").unwrap();
    vm.snapshots.push(DiskSnapshots::new(0, "NO"));
    assert_eq!(vm.add_disk(vec![("IMAGE_ID".into(), "5".into())]), 2);
    assert!(vm.edit_disk(2, |d| d.push(("TARGET".into(), "vdc".into()))));
    assert!(!vm.edit_disk(9, |_| {}));
    assert_eq!(vm.disk(2).map(|d| (d.image_id(), d.target())), Some((Some(5), Some("vdc"))));
    assert_eq!(vm.remove_disk(0).map(|d| d.len()), Some(2));
    assert!(vm.snapshots.is_empty(), "a detached disk loses its snapshots");
    assert!(vm.remove_disk(0).is_none());
    assert_eq!(vm.next_disk_id(), 3);

    let nic = vm.add_nic(vec![("NETWORK_ID".into(), "1".into())]);
    assert_eq!((nic, vm.nic(1).and_then(|n| n.get("NAME"))), (1, Some("NIC1")));
    let alias = vm.add_nic_alias(vec![("PARENT".into(), "eth0".into())]).unwrap();
    let second = vm.add_nic_alias(vec![("PARENT".into(), "eth0".into())]).unwrap();
    assert_eq!((alias, second), (2, 3));
    assert_eq!(vm.nic(0).and_then(|n| n.get("ALIAS_IDS")), Some("2,3"));
    let a = vm.nic(3).unwrap();
    assert_eq!(
        (a.get("NAME"), a.get("PARENT_ID"), a.get("ALIAS_ID"), a.is_alias()),
        (Some("NIC0_ALIAS3"), Some("0"), Some("1"), true)
    );
    assert_eq!(vm.add_nic_alias(vec![("PARENT".into(), "nope".into())]), Err("Alias not found.".into()));

    assert!(vm.remove_nic(2).is_some());
    assert_eq!(vm.nic(0).and_then(|n| n.get("ALIAS_IDS")), Some("3"));
    assert!(vm.remove_nic(0).is_some());
    assert_eq!(
        vm.nics().iter().filter_map(Device::nic_id).collect::<Vec<_>>(),
        vec![1],
        "aliases go with their NIC"
    );
    assert!(vm.remove_nic(0).is_none());
    assert!(vm.edit_nic(1, |n| n.push(("IP".into(), "10.0.0.9".into()))));
    let n = vm.nic(1).unwrap();
    assert_eq!(
        (n.ip(), n.mac(), n.network_id(), n.security_groups()),
        (Some("10.0.0.9"), None, Some(1), vec![])
    );
}

#[test]
fn disk_targets_are_assigned_like_opennebula() {
    let d = |disk_id, kind, prefix: &str, target: Option<&str>| DiskTargets {
        disk_id,
        kind,
        dev_prefix: prefix.into(),
        target: target.map(str::to_owned),
    };
    let disks = [
        d(0, DiskKind::Datablock, "vd", None),
        d(1, DiskKind::Os, "vd", None),
        d(2, DiskKind::Cdrom, "", None),
        d(3, DiskKind::Os, "vd", Some("vdb")),
        d(4, DiskKind::Os, "vd", None),
        d(5, DiskKind::Other, "", None),
    ];
    let context = d(6, DiskKind::Cdrom, "", None);
    let targets = assign_disk_targets(1, &disks, Some(&context), false).unwrap();
    assert_eq!(
        targets,
        vec![(1, "vda".into()), (2, "hda".into()), (6, "hdb".into()), (0, "vdc".into()), (4, "vdd".into())]
    );
    let q35 = assign_disk_targets(1, &disks[2..3], Some(&context), true).unwrap();
    assert_eq!(q35, vec![(2, "sda".into()), (6, "sdb".into())]);
    let twice = [d(0, DiskKind::Os, "vd", Some("vda")), d(1, DiskKind::Datablock, "vd", Some("vda"))];
    assert_eq!(
        assign_disk_targets(1, &twice, None, false),
        Err("Two disks have defined the same target vda".into())
    );
    let ctx = d(2, DiskKind::Cdrom, "", Some("vda"));
    assert_eq!(
        assign_disk_targets(1, &twice[..1], Some(&ctx), false),
        Err("Two disks have defined the same target vda".into())
    );
    let many: Vec<DiskTargets> = (0..5).map(|i| d(i, DiskKind::Datablock, "hd", None)).collect();
    assert_eq!(
        assign_disk_targets(4, &many, None, false),
        Err("Non q35 or virt VM 4 has more than 4 hd disks".into())
    );
    assert_eq!(assign_disk_targets(4, &many, None, true).map(|t| t.len()), Ok(5));
}

#[test]
fn state_filter_and_search() {
    assert_eq!(StateFilter::from_param(-2), Ok(StateFilter::Any));
    assert_eq!(StateFilter::from_param(-1), Ok(StateFilter::NotDone));
    assert_eq!(StateFilter::from_param(6), Ok(StateFilter::Is(VmState::Done)));
    assert_eq!(StateFilter::from_param(-3), Err("Incorrect state filter -3".into()));
    assert_eq!(StateFilter::from_param(12), Err("Incorrect state filter 12".into()));
    assert!(!StateFilter::NotDone.matches(VmState::Done) && StateFilter::NotDone.matches(VmState::Hold));
    assert!(StateFilter::Any.matches(VmState::Done));

    let mut vm = allocate(
        "MEMORY=64\nCPU=1\nNAME=web-1\nNIC=[NETWORK_ID=0]\nNIC=[NETWORK_ID=1]\nLABELS=prod\nNOTE=\"50% off\"",
    )
    .unwrap();
    vm.edit_nic(0, |n| n.push(("IP".into(), "10.0.0.2".into())));
    vm.edit_nic(1, |n| n.push(("IP".into(), "10.0.1.3".into())));
    vm.add_history(&dummy_host(), 5);
    let yes = |q: &str| matches(&vm, StateFilter::Any, q);
    assert!(yes("") && yes("&&"));
    assert!(yes("VM.NAME=web") && !yes("VM.NAME=db") && !yes("VM.NAME=WEB"));
    assert!(yes("VM.ID=7") && yes("VM.TEMPLATE.MEMORY=64"));
    assert!(yes("VM.TEMPLATE.NIC[0].IP=10.0.0") && !yes("VM.TEMPLATE.NIC[0].IP=10.0.1"));
    assert!(yes("VM.TEMPLATE.NIC[*].IP=10.0.1.3"));
    assert!(yes("VM.USER_TEMPLATE.LABELS=prod") && yes("VM.USER_TEMPLATE.NOTE=0\\%"));
    assert!(yes("VM.HISTORY_RECORDS.HISTORY[0].HOSTNAME=dummy") && yes("VM**.HOSTNAME=host-0"));
    assert!(yes("VM.TEMPLATE.CPU=1") && yes("VM.TEMPLATE.CPU=_"));
    assert!(yes("dummy-host") && yes("=web-1") && !yes("nowhere"));
    assert!(yes("VM.NAME=web&VM.USER_TEMPLATE.LABELS=pr") && !yes("VM.NAME=web&VM.USER_TEMPLATE.LABELS=dev"));
    assert!(!yes("VM..NAME=web"), "a malformed path matches nothing");
    assert!(!yes("VM.NOPE=x"));
    assert!(!matches(&vm, StateFilter::Is(VmState::Hold), ""));
    assert!(matches(&vm, StateFilter::NotDone, "VM.STATE=1"));
}

#[test]
fn allocated_vms_round_trip_through_xml() {
    let vm = allocate(
        "MEMORY=64\nCPU=1\nDISK=[IMAGE_ID=0]\nNIC=[NETWORK_ID=0]\nGRAPHICS=[TYPE=vnc]\nFOO=[A=1,B=2]",
    )
    .unwrap();
    let back = Vm::from_xml(&vm.to_xml()).unwrap();
    assert_eq!(back.to_xml(), vm.to_xml());
    assert_eq!((ids(&back.disks()), ids(&back.nics())), (vec![("DISK", 0)], vec![("NIC", 0)]));
    assert_eq!(back.disk(0).and_then(|d| d.image_id()), Some(0));
    assert_eq!(back.to_pool_xml(), vm.to_pool_xml());
}
