//! A running VM's devices, snapshots and configuration over the API: hot-plug of disks and
//! NICs (and what a failing driver leaves), system snapshots, disk resize, resize with
//! quotas and host capacity, and updateconf.

use oca::UpdateType;
use one_core::lifecycle::RecoverOp;
use one_core::states::{LcmState as L, VmState as S};
use one_tests::Oned;

use super::cloud::{dummy_host, running_vm, wait_running, wait_vm};
use super::{code, message};

const VM: &str = "NAME = v\nCPU = 1\nMEMORY = 128\nCONTEXT = [ HOSTNAME = v ]";

fn has_attach_mark(vm: &oca::one_core::objects::vm::Vm) -> bool {
    vm.disks().iter().chain(vm.nics().iter()).any(|d| d.get("ATTACH").is_some())
}

#[tokio::test]
async fn disks_are_hotplugged_and_a_failed_attach_leaves_nothing() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    let id = running_vm(&c, VM, h).await.meta.id;

    c.vm_attach_disk(id, "DISK = [ TYPE = fs, SIZE = 64, FORMAT = raw ]").await.unwrap();
    let vm = wait_running(&c, id).await;
    let disks = vm.disks();
    assert_eq!(disks.len(), 1);
    let disk_id = disks[0].disk_id().unwrap();
    assert_eq!(disks[0].target(), Some("sda"), "the first free target of the default prefix (sd)");
    assert!(!has_attach_mark(&vm));

    // A taken target is refused; the VM is unchanged.
    let before = c.vm_info_xml(id).await.unwrap();
    let r = c.vm_attach_disk(id, "DISK = [ TYPE = fs, SIZE = 8, TARGET = sda ]").await;
    assert_eq!(message(r), "[one.vm.attach] Target sda is already in use.");
    assert_eq!(code(c.vm_attach_disk(id, "NIC = [ ]").await), 0x0800);
    assert_eq!(code(c.vm_attach_disk(id, "DISK = [ SIZE = ").await), 0x2000);
    assert_eq!(c.vm_info_xml(id).await.unwrap(), before);

    // The driver fails: the disk goes away again and the VM keeps running.
    c.vm_update(id, "DUMMY_FAIL = ATTACHDISK", UpdateType::Merge).await.unwrap();
    c.vm_attach_disk(id, "DISK = [ TYPE = fs, SIZE = 8 ]").await.unwrap();
    let vm = wait_running(&c, id).await;
    assert_eq!(vm.disks().len(), 1, "the failed disk is removed");
    assert!(!has_attach_mark(&vm));
    c.vm_update(id, "DUMMY_FAIL = \"\"", UpdateType::Merge).await.unwrap();

    c.vm_detach_disk(id, disk_id).await.unwrap();
    let vm = wait_running(&c, id).await;
    assert!(vm.disks().is_empty());
    assert_eq!(message(c.vm_detach_disk(id, disk_id).await), "[one.vm.detach] VM disk does not exist");

    // Powered off, the transfer driver attaches the disk and the VM stays off.
    c.vm_action("poweroff", id).await.unwrap();
    wait_vm(&c, id, S::Poweroff, L::LcmInit).await;
    c.vm_attach_disk(id, "DISK = [ TYPE = fs, SIZE = 8 ]").await.unwrap();
    let vm = wait_vm(&c, id, S::Poweroff, L::LcmInit).await;
    assert_eq!(vm.disks().len(), 1);

    // Not in a state that takes it.
    let pending = c.vm_allocate(VM, false).await.unwrap();
    let r = c.vm_attach_disk(pending, "DISK = [ TYPE = fs, SIZE = 8 ]").await;
    assert_eq!(message(r), "[one.vm.attach] VM is not running in any host");
}

#[tokio::test]
async fn nics_are_hotplugged_and_detached() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    let id = running_vm(&c, VM, h).await.meta.id;
    c.vm_attach_nic(id, "NIC = [ BRIDGE = br0, MAC = \"02:00:0a:00:00:05\" ]").await.unwrap();
    let vm = wait_running(&c, id).await;
    let nics = vm.nics();
    assert_eq!(nics.len(), 1);
    assert_eq!(nics[0].nic_id(), Some(0));
    assert_eq!(nics[0].mac(), Some("02:00:0a:00:00:05"));
    assert!(!has_attach_mark(&vm));

    let r = c.vm_detach_nic(id, 7).await;
    assert_eq!(message(r), "[one.vm.detachnic] Could not detach NIC with NIC_ID 7, it does not exist.");
    c.vm_detach_nic(id, 0).await.unwrap();
    assert!(wait_running(&c, id).await.nics().is_empty());

    // A suspended VM takes no NIC.
    c.vm_action("suspend", id).await.unwrap();
    wait_vm(&c, id, S::Suspended, L::LcmInit).await;
    let r = c.vm_attach_nic(id, "NIC = [ BRIDGE = br0 ]").await;
    assert_eq!(code(r), 0x0800);
    assert!(c.vm_info(id).await.unwrap().nics().is_empty());
}

#[tokio::test]
async fn system_snapshots_are_created_reverted_and_deleted() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    let id = running_vm(&c, VM, h).await.meta.id;

    assert_eq!(c.vm_snapshot_create(id, "first").await.unwrap(), 0);
    wait_running(&c, id).await;
    assert_eq!(c.vm_snapshot_create(id, "").await.unwrap(), 1);
    let vm = wait_running(&c, id).await;
    let snaps: Vec<Vec<(String, String)>> =
        vm.template.get_all("SNAPSHOT").filter_map(|a| a.value.as_vector().map(<[_]>::to_vec)).collect();
    assert_eq!(snaps.len(), 2);
    let get = |s: &[(String, String)], k: &str| s.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get(&snaps[0], "NAME").as_deref(), Some("first"));
    assert_eq!(get(&snaps[1], "NAME").as_deref(), Some("snapshot-1"));
    assert!(get(&snaps[0], "HYPERVISOR_ID").is_some(), "the driver's name of the snapshot is kept");
    assert!(snaps.iter().all(|s| get(s, "ACTIVE").is_none()));

    c.vm_snapshot_revert(id, 0).await.unwrap();
    wait_running(&c, id).await;
    let r = c.vm_snapshot_revert(id, 9).await;
    assert_eq!(
        message(r),
        format!("[one.vm.snapshotrevert] Could not revert VM {id} to snapshot 9, it does not exist.")
    );
    c.vm_snapshot_delete(id, 1).await.unwrap();
    let vm = wait_running(&c, id).await;
    assert_eq!(vm.template.get_all("SNAPSHOT").count(), 1);

    // A failing snapshot leaves no snapshot behind.
    c.vm_update(id, "DUMMY_FAIL = SNAPSHOTCREATE", UpdateType::Merge).await.unwrap();
    c.vm_snapshot_create(id, "doomed").await.unwrap();
    let vm = wait_running(&c, id).await;
    assert_eq!(vm.template.get_all("SNAPSHOT").count(), 1);

    // Only RUNNING VMs take snapshots (the dummy driver does not keep them powered off).
    c.vm_action("poweroff", id).await.unwrap();
    wait_vm(&c, id, S::Poweroff, L::LcmInit).await;
    assert_eq!(code(c.vm_snapshot_create(id, "x").await), 0x0800);
    assert_eq!(code(c.vm_snapshot_delete(id, 0).await), 0x0800);
}

#[tokio::test]
async fn disks_grow_and_volatile_disks_take_no_snapshots() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    let id =
        running_vm(&c, "NAME = v\nCPU = 1\nMEMORY = 64\nDISK = [ TYPE = fs, SIZE = 100 ]", h).await.meta.id;
    c.vm_disk_resize(id, 0, "200").await.unwrap();
    let vm = wait_running(&c, id).await;
    assert_eq!(vm.disk(0).unwrap().size_mb(), Some(200));
    assert!(vm.disk(0).unwrap().get("SIZE_PREV").is_none());
    let r = c.vm_disk_resize(id, 0, "150").await;
    assert_eq!(message(r), "[one.vm.diskresize] New disk size has to be greater than current one");
    assert_eq!(
        message(c.vm_disk_resize(id, 0, "big").await),
        "[one.vm.diskresize] Disk SIZE is not a valid integer"
    );
    assert_eq!(message(c.vm_disk_resize(id, 4, "500").await), "[one.vm.diskresize] VM disk does not exist");

    // A failed resize gives the old size back.
    c.vm_update(id, "DUMMY_FAIL = RESIZEDISK", UpdateType::Merge).await.unwrap();
    c.vm_disk_resize(id, 0, "300").await.unwrap();
    let vm = wait_running(&c, id).await;
    assert_eq!(vm.disk(0).unwrap().size_mb(), Some(200));

    let r = c.vm_disk_snapshot_create(id, 0, "s").await;
    assert_eq!(message(r), "[one.vm.disksnapshotcreate] Cannot make snapshots on disks of type: fs");
    assert_eq!(code(c.vm_disk_snapshot_revert(id, 0, 0).await), 0x0800);
    assert_eq!(code(c.vm_disk_snapshot_rename(id, 3, 0, "n").await), 0x0800);
}

#[tokio::test]
async fn resize_changes_capacity_on_the_host_within_quotas() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    let id = running_vm(&c, VM, h).await.meta.id;
    c.vm_resize(id, "CPU = 2\nMEMORY = 256", true).await.unwrap();
    let vm = wait_running(&c, id).await;
    assert_eq!((vm.template.get("CPU"), vm.template.get("MEMORY")), (Some("2"), Some("256")));
    let host = c.host_info(h).await.unwrap();
    assert_eq!((host.share.cpu_usage, host.share.mem_usage), (200, 256 * 1024));

    // More than the host has, enforced: refused, nothing changes.
    let before = c.vm_info_xml(id).await.unwrap();
    assert_eq!(code(c.vm_resize(id, "CPU = 100", true).await), 0x0800);
    assert_eq!(
        message(c.vm_resize(id, "MEMORY = -5", true).await),
        "[one.vm.resize] MEMORY must be a positive integer value."
    );
    assert_eq!(c.vm_info_xml(id).await.unwrap(), before);
    assert_eq!(c.host_info(h).await.unwrap().share.cpu_usage, 200);

    // The owner's VM quota bounds a resize.
    let u = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    c.user_quota(u, "VM = [ CPU = 3, MEMORY = 1024, VMS = 5 ]").await.unwrap();
    let alice = oned.client_as("alice:pw");
    let mine = alice.vm_allocate("NAME = a\nCPU = 1\nMEMORY = 128", true).await.unwrap();
    let r = alice.vm_resize(mine, "CPU = 4", false).await;
    assert_eq!(code(r), 0x0200);
    assert_eq!(alice.vm_info(mine).await.unwrap().template.get("CPU"), Some("1"));
    alice.vm_resize(mine, "CPU = 3", false).await.unwrap();
    let quota = c.user_info(u).await.unwrap();
    let kind = oca::one_core::objects::quotas::QuotaKind::Vm;
    let entry = quota.quotas.section(kind).first().expect("a VM quota");
    let cpu = kind.metrics().iter().position(|m| *m == "CPU").unwrap();
    assert_eq!(entry.used[cpu], 3.0, "the quota follows the new CPU");
}

#[tokio::test]
async fn updateconf_replaces_or_merges_sections_and_updates_context_live() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    let id =
        running_vm(&c, &format!("{VM}\nGRAPHICS = [ TYPE = vnc, LISTEN = \"0.0.0.0\" ]"), h).await.meta.id;

    c.vm_update_conf(id, "GRAPHICS = [ TYPE = spice ]\nCONTEXT = [ HOSTNAME = v, X = 1 ]", UpdateType::Merge)
        .await
        .unwrap();
    let vm = wait_running(&c, id).await;
    let graphics = vm.template.vector("GRAPHICS").unwrap();
    assert!(graphics.contains(&("TYPE".to_owned(), "spice".to_owned())));
    assert!(graphics.contains(&("LISTEN".to_owned(), "0.0.0.0".to_owned())), "merge keeps LISTEN");
    let context = vm.template.vector("CONTEXT").unwrap();
    assert!(context.contains(&("X".to_owned(), "1".to_owned())));
    assert!(context.iter().any(|(k, _)| k == "TARGET"), "the context disk keeps its target");

    c.vm_update_conf(id, "GRAPHICS = [ TYPE = vnc ]", UpdateType::Replace).await.unwrap();
    let vm = wait_running(&c, id).await;
    assert_eq!(vm.template.vector("GRAPHICS").unwrap(), &[("TYPE".to_owned(), "vnc".to_owned())]);
    assert_eq!(vm.template.get("MEMORY"), Some("128"), "capacity is not updateconf's");

    let before = c.vm_info_xml(id).await.unwrap();
    let r = c.vm_update_conf(id, "OS = [ BOOT = disk7 ]", UpdateType::Merge).await;
    assert_eq!(message(r), "[one.vm.updateconf] Wrong OS/BOOT value. Device with DISK_ID 7 not found");
    assert_eq!(c.vm_info_xml(id).await.unwrap(), before);

    // Suspended VMs keep their configuration.
    c.vm_action("suspend", id).await.unwrap();
    wait_vm(&c, id, S::Suspended, L::LcmInit).await;
    let r = c.vm_update_conf(id, "GRAPHICS = [ TYPE = spice ]", UpdateType::Merge).await;
    assert_eq!(message(r), "[one.vm.updateconf] configuration cannot be updated in state SUSPENDED");
    assert_eq!(code(c.vm_recover(id, RecoverOp::Success).await), 0x0800, "nothing to recover");
}

#[tokio::test]
async fn a_disk_is_saved_as_a_new_image() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    super::wait::monitored_datastore(&c, 1).await;
    let base = c.image_allocate("NAME = base\nSIZE = 100\nTYPE = DATABLOCK", 1, false).await.unwrap();
    super::wait::image(&c, base, one_core::states::ImageState::Ready).await;
    let tmpl = format!(
        "NAME = v\nCPU = 1\nMEMORY = 64\nDISK = [ IMAGE_ID = {base} ]\nDISK = [ TYPE = fs, SIZE = 8 ]"
    );
    let id = running_vm(&c, &tmpl, h).await.meta.id;

    let saved = c.vm_disk_saveas(id, 0, "saved", "", -1).await.unwrap();
    let vm = wait_running(&c, id).await;
    assert!(vm.disk(0).unwrap().get("SAVE_AS_ACTIVE").is_none(), "the disk's mark is gone");
    let image = super::wait::image(&c, saved, one_core::states::ImageState::Ready).await;
    assert_eq!(image.image_type, one_core::states::ImageType::Datablock, "the source image's type");
    assert_eq!(image.template.get("SAVED_VM_ID"), Some(id.to_string().as_str()));
    assert_eq!(image.size_mb, 100);
    assert!(c.datastore_info(1).await.unwrap().images.contains(&saved));

    // Refusals: a volatile disk, a taken name, a VM not running.
    let r = c.vm_disk_saveas(id, 1, "vol", "", -1).await;
    assert_eq!(message(r), "[one.vm.disksaveas] Cannot use DISK. Volatile disks cannot be saved");
    assert_eq!(code(c.vm_disk_saveas(id, 0, "saved", "", -1).await), 0x4000);
    assert_eq!(code(c.vm_disk_saveas(id, 0, "s2", "", 7).await), 0x2000, "no such snapshot");
    let pending = c.vm_allocate("NAME = p\nCPU = 1\nMEMORY = 64", false).await.unwrap();
    let r = c.vm_disk_saveas(pending, 0, "x", "", -1).await;
    assert_eq!(message(r), "[one.vm.disksaveas] VM has to be RUNNING, POWEROFF or SUSPENDED to save disks.");
    assert_eq!(c.imagepool_info(-2, -1, -1).await.unwrap().len(), 2, "refusals create no image");

    // A failing copy leaves the new image in ERROR and the VM running.
    c.vm_update(id, "DUMMY_FAIL = SAVEAS", UpdateType::Merge).await.unwrap();
    let failed = c.vm_disk_saveas(id, 0, "doomed", "", -1).await.unwrap();
    wait_running(&c, id).await;
    super::wait::image(&c, failed, one_core::states::ImageState::Error).await;
}

#[tokio::test]
async fn deploys_are_bound_by_the_owners_cluster_quotas() {
    let oned = Oned::start();
    let c = oned.client();
    let cl = c.cluster_allocate("limited").await.unwrap();
    let h = dummy_host(&c, "node1").await;
    c.cluster_member(cl, oca::ClusterMember::Host, h, true).await.unwrap();
    c.cluster_member(cl, oca::ClusterMember::Datastore, 0, true).await.unwrap();
    let u = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    c.user_quota(u, &format!("VM = [ CLUSTER_IDS = \"{cl}\", VMS = 1, CPU = 4 ]")).await.unwrap();
    let alice = oned.client_as("alice:pw");
    let a = alice.vm_allocate("NAME = a\nCPU = 1\nMEMORY = 64", false).await.unwrap();
    let b = alice.vm_allocate("NAME = b\nCPU = 1\nMEMORY = 64", false).await.unwrap();

    c.vm_deploy(a, h, false, -1).await.unwrap();
    wait_running(&c, a).await;
    let r = c.vm_deploy(b, h, false, -1).await;
    assert_eq!(code(r), 0x0200);
    let m = message(c.vm_deploy(b, h, false, -1).await);
    assert!(
        m.contains("limit of 1 reached for VMS quota in VM with CLUSTER_IDS")
            && m.contains(&format!("user [{u}]")),
        "{m}"
    );
    assert_eq!(c.vm_info(b).await.unwrap().state, S::Pending, "a refused deploy changes nothing");

    // Done, the VM leaves the cluster's quota.
    c.vm_action("terminate-hard", a).await.unwrap();
    wait_vm(&c, a, S::Done, L::LcmInit).await;
    c.vm_deploy(b, h, false, -1).await.unwrap();
    wait_running(&c, b).await;
}
