//! The VM life-cycle over the API, on simulated hosts: allocate → deploy → RUNNING → user
//! actions → DONE, capacity on hosts, history records, migrations, driver failures and
//! `one.vm.recover`, wrong states refused with OpenNebula's messages.

use oca::{UpdateType, VmFilter};
use one_core::objects::vm::VmAction;
use one_core::states::{LcmState as L, VmState as S};
use one_tests::Oned;

use super::cloud::{dummy_host, running_vm, wait_running, wait_vm};
use super::{code, message};

const SMALL: &str = "NAME = \"small\"\nCPU = 1\nMEMORY = 128";

#[tokio::test]
async fn a_vm_runs_on_its_host_and_is_readable_after_done() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    let id = c.vm_allocate(SMALL, false).await.unwrap();
    let vm = c.vm_info(id).await.unwrap();
    assert_eq!((vm.state, vm.lcm_state), (S::Pending, L::LcmInit));
    assert!(vm.history.is_empty());

    c.vm_deploy(id, h, false, -1).await.unwrap();
    let vm = wait_running(&c, id).await;
    assert_eq!(vm.history.len(), 1);
    let record = &vm.history[0];
    assert_eq!((record.hid, record.hostname.as_str(), record.ds_id), (h, "node1", 0));
    assert!(!vm.deploy_id.is_empty(), "the driver's deploy ID is kept");
    let host = c.host_info(h).await.unwrap();
    assert_eq!(host.vms, vec![id]);
    assert_eq!((host.share.cpu_usage, host.share.mem_usage, host.share.running_vms), (100, 128 * 1024, 1));

    c.vm_action("terminate", id).await.unwrap();
    let vm = wait_vm(&c, id, S::Done, L::LcmInit).await;
    assert!(vm.etime > 0 && vm.history[0].etime > 0, "the VM and its record are closed");
    let host = c.host_info(h).await.unwrap();
    assert!(host.vms.is_empty());
    assert_eq!((host.share.cpu_usage, host.share.mem_usage, host.share.running_vms), (0, 0, 0));

    // DONE VMs stay readable by ID, and leave the default listing.
    assert_eq!(c.vm_info(id).await.unwrap().state, S::Done);
    assert!(c.vmpool_info(&VmFilter::default()).await.unwrap().is_empty());
    let all = VmFilter { state: -2, ..VmFilter::default() };
    assert_eq!(c.vmpool_info(&all).await.unwrap().len(), 1);
}

#[tokio::test]
async fn user_actions_move_the_vm_through_opennebula_states() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    let id = running_vm(&c, SMALL, h).await.meta.id;

    let steps: &[(&str, S, L)] = &[
        ("poweroff", S::Poweroff, L::LcmInit),
        ("resume", S::Active, L::Running),
        ("poweroff-hard", S::Poweroff, L::LcmInit),
        ("resume", S::Active, L::Running),
        ("suspend", S::Suspended, L::LcmInit),
        ("resume", S::Active, L::Running),
        ("reboot", S::Active, L::Running),
        ("reboot-hard", S::Active, L::Running),
        ("undeploy", S::Undeployed, L::LcmInit),
    ];
    for (act, state, lcm) in steps {
        c.vm_action(act, id).await.unwrap_or_else(|e| panic!("{act}: {e}"));
        wait_vm(&c, id, *state, *lcm).await;
    }
    let host = c.host_info(h).await.unwrap();
    assert_eq!((host.share.cpu_usage, host.share.running_vms), (0, 0), "undeployed VMs free the host");

    // An undeployed VM goes back to PENDING on resume and is deployed again.
    c.vm_action("resume", id).await.unwrap();
    assert_eq!(c.vm_info(id).await.unwrap().state, S::Pending);
    c.vm_deploy(id, h, false, -1).await.unwrap();
    wait_running(&c, id).await;
    c.vm_action("stop", id).await.unwrap();
    wait_vm(&c, id, S::Stopped, L::LcmInit).await;
    c.vm_action("resume", id).await.unwrap();
    c.vm_deploy(id, h, false, -1).await.unwrap();
    let vm = wait_running(&c, id).await;
    // A record per stretch on a host, closed by the action that ended it (reboots end none).
    let actions: Vec<VmAction> = vm.history.iter().map(|r| r.action).collect();
    use VmAction as A;
    assert_eq!(actions, [A::Poweroff, A::PoweroffHard, A::Suspend, A::Undeploy, A::Stop, A::None]);
    let seqs: Vec<i32> = vm.history.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [0, 1, 2, 3, 4, 5]);
    assert!(vm.history[..5].iter().all(|r| r.etime >= r.stime && r.etime > 0));
    assert_eq!(vm.history[5].etime, 0, "the current record is open");

    c.vm_action("terminate-hard", id).await.unwrap();
    wait_vm(&c, id, S::Done, L::LcmInit).await;
}

#[tokio::test]
async fn hold_release_and_pending_actions() {
    let oned = Oned::start();
    let c = oned.client();
    let id = c.vm_allocate(SMALL, true).await.unwrap();
    assert_eq!(c.vm_info(id).await.unwrap().state, S::Hold);
    c.vm_action("release", id).await.unwrap();
    assert_eq!(c.vm_info(id).await.unwrap().state, S::Pending);
    c.vm_action("hold", id).await.unwrap();
    assert_eq!(c.vm_info(id).await.unwrap().state, S::Hold);
    // A VM that never ran is done at once.
    c.vm_action("terminate", id).await.unwrap();
    assert_eq!(c.vm_info(id).await.unwrap().state, S::Done);
}

#[tokio::test]
async fn wrong_states_are_refused_with_opennebula_messages_and_change_nothing() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    let pending = c.vm_allocate(SMALL, false).await.unwrap();
    let before = c.vm_info_xml(pending).await.unwrap();
    for act in ["suspend", "poweroff", "reboot", "stop", "undeploy", "resume", "release"] {
        let r = c.vm_action(act, pending).await;
        assert_eq!(
            message(r),
            format!(
                "[one.vm.action] Error performing action \"{act}\": This action is not available for state PENDING"
            )
        );
    }
    assert_eq!(code(c.vm_action("dance", pending).await), 0x0800);
    assert_eq!(
        message(c.vm_action("dance", pending).await),
        "[one.vm.action] Action \"dance\" is not supported"
    );
    assert_eq!(c.vm_info_xml(pending).await.unwrap(), before, "refusals change nothing");

    let running = running_vm(&c, SMALL, h).await.meta.id;
    let before = c.vm_info_xml(running).await.unwrap();
    assert_eq!(code(c.vm_deploy(running, h, false, -1).await), 0x0800);
    assert_eq!(code(c.vm_action("hold", running).await), 0x0800);
    assert_eq!(code(c.vm_action("release", running).await), 0x0800);
    assert_eq!(c.vm_info_xml(running).await.unwrap(), before);

    // Unknown VMs and hosts.
    assert_eq!(message(c.vm_info(999).await), "[one.vm.info] Error getting virtual machine [999].");
    assert_eq!(code(c.vm_action("terminate", 999).await), 0x0400);
    assert_eq!(code(c.vm_deploy(pending, 999, false, -1).await), 0x0400);
    assert_eq!(c.vm_info(pending).await.unwrap().state, S::Pending);
    assert_eq!(code(c.vm_recover(pending, oca::one_core::lifecycle::RecoverOp::Success).await), 0x0800);
}

#[tokio::test]
async fn deploy_checks_capacity_only_when_enforced() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await; // 800 CPU, 16 GiB
    let big = "NAME = big\nCPU = 6\nMEMORY = 1024";
    let a = running_vm(&c, big, h).await.meta.id;
    let b = c.vm_allocate(big, false).await.unwrap();
    let r = c.vm_deploy(b, h, true, -1).await;
    assert_eq!(code(r), 0x0800);
    assert_eq!(c.vm_info(b).await.unwrap().state, S::Pending, "a refused deploy changes nothing");
    // Without enforce, the administrator may overcommit.
    c.vm_deploy(b, h, false, -1).await.unwrap();
    wait_running(&c, b).await;
    let host = c.host_info(h).await.unwrap();
    assert_eq!(host.share.cpu_usage, 1200);
    assert_eq!(host.vms, vec![a, b]);
}

#[tokio::test]
async fn live_and_cold_migrations_move_capacity_and_add_records() {
    let oned = Oned::start();
    let c = oned.client();
    let h1 = dummy_host(&c, "node1").await;
    let h2 = dummy_host(&c, "node2").await;
    let id = running_vm(&c, SMALL, h1).await.meta.id;

    c.vm_migrate(id, h2, true, false, -1).await.unwrap();
    let vm = wait_running(&c, id).await;
    assert_eq!(vm.history.last().unwrap().hid, h2);
    assert_eq!(c.host_info(h1).await.unwrap().share.cpu_usage, 0);
    assert_eq!(c.host_info(h2).await.unwrap().share.cpu_usage, 100);

    c.vm_migrate(id, h1, false, false, -1).await.unwrap();
    let vm = wait_running(&c, id).await;
    assert_eq!(vm.history.last().unwrap().hid, h1);
    assert_eq!(c.host_info(h1).await.unwrap().share.running_vms, 1);
    assert_eq!(c.host_info(h2).await.unwrap().share.running_vms, 0);
    let placed: Vec<(i32, VmAction)> = vm.history.iter().map(|r| (r.hid, r.action)).collect();
    assert_eq!(placed, [(h1, VmAction::LiveMigrate), (h2, VmAction::Migrate), (h1, VmAction::None)]);

    let r = c.vm_migrate(id, h1, true, false, -1).await;
    assert_eq!(message(r), "[one.vm.migrate] VM is already running on this host and datastore");
}

#[tokio::test]
async fn driver_failures_stop_in_failure_states_and_recover_finishes_the_job() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;

    // The boot fails: BOOT_FAILURE, with the driver's message in the user template.
    let id = c.vm_allocate("NAME = f\nCPU = 1\nMEMORY = 64\nDUMMY_FAIL = \"DEPLOY\"", false).await.unwrap();
    c.vm_deploy(id, h, false, -1).await.unwrap();
    let vm = wait_vm(&c, id, S::Active, L::BootFailure).await;
    let error = vm.user_template.vector("ERROR").expect("an ERROR attribute");
    assert!(error.iter().any(|(k, v)| k == "MESSAGE" && v.contains("DUMMY_FAIL")), "{error:?}");

    // Retry fails again while the cause is there; once removed, retry boots the VM.
    c.vm_recover(id, oca::one_core::lifecycle::RecoverOp::Retry).await.unwrap();
    wait_vm(&c, id, S::Active, L::BootFailure).await;
    // Custom attributes live in the user template, which the owner can change.
    assert!(vm.template.get("DUMMY_FAIL").is_none());
    c.vm_update(id, "DUMMY_FAIL = \"\"", UpdateType::Merge).await.unwrap();
    c.vm_recover(id, oca::one_core::lifecycle::RecoverOp::Retry).await.unwrap();
    wait_running(&c, id).await;

    // A failing shutdown leaves the VM RUNNING (OpenNebula's SHUTDOWN failure goes back).
    let id2 = running_vm(&c, "NAME = g\nCPU = 1\nMEMORY = 64\nDUMMY_FAIL = \"SHUTDOWN\"", h).await.meta.id;
    c.vm_action("terminate", id2).await.unwrap();
    wait_running(&c, id2).await;
    // delete disposes of it whatever the driver says.
    c.vm_recover(id2, oca::one_core::lifecycle::RecoverOp::Delete).await.unwrap();
    wait_vm(&c, id2, S::Done, L::LcmInit).await;
    let host = c.host_info(h).await.unwrap();
    assert_eq!(host.vms, vec![id], "the deleted VM left the host");
    assert_eq!(host.share.cpu_usage, 100);
}

#[tokio::test]
async fn recover_delete_recreate_gives_a_fresh_pending_vm_with_the_same_id() {
    let oned = Oned::start();
    let c = oned.client();
    let h = dummy_host(&c, "node1").await;
    let id = running_vm(&c, SMALL, h).await.meta.id;
    c.vm_recover(id, oca::one_core::lifecycle::RecoverOp::DeleteRecreate).await.unwrap();
    let vm = wait_vm(&c, id, S::Pending, L::LcmInit).await;
    assert_eq!(vm.meta.id, id);
    let host = c.host_info(h).await.unwrap();
    assert_eq!((host.share.cpu_usage, host.share.running_vms), (0, 0));
    c.vm_deploy(id, h, false, -1).await.unwrap();
    wait_running(&c, id).await;
    // delete-db drops the VM from the database at once.
    c.vm_recover(id, oca::one_core::lifecycle::RecoverOp::DeleteDb).await.unwrap();
    assert_eq!(code(c.vm_info(id).await), 0x0400);
}

#[tokio::test]
async fn vm_pool_filters_by_owner_range_state_and_query() {
    let oned = Oned::start();
    let c = oned.client();
    // Both in the default `users` group, whose members may create VMs.
    let alice_id = c.user_allocate("alice", "pw", "", &[]).await.unwrap();
    c.user_allocate("bob", "pw", "", &[]).await.unwrap();
    let alice = oned.client_as("alice:pw");
    let bob = oned.client_as("bob:pw");
    let mut mine = Vec::new();
    for i in 0..3 {
        mine.push(
            alice
                .vm_allocate(&format!("NAME = web-{i}\nCPU = 1\nMEMORY = 64\nROLE = web"), true)
                .await
                .unwrap(),
        );
    }
    let theirs = bob.vm_allocate("NAME = db\nCPU = 1\nMEMORY = 64\nROLE = db", false).await.unwrap();
    let ids = |vms: Vec<oca::one_core::objects::vm::Vm>| {
        let mut v: Vec<i32> = vms.iter().map(|vm| vm.meta.id).collect();
        v.sort_unstable();
        v
    };
    let f = |ownership: i32| VmFilter { ownership, ..VmFilter::default() };

    assert_eq!(ids(alice.vmpool_info(&f(-3)).await.unwrap()), mine, "-3: mine");
    // Bob's VM is not visible to alice without group rights (umask 177 by default).
    assert_eq!(ids(alice.vmpool_info(&f(-2)).await.unwrap()), mine);
    let mut everyone = mine.clone();
    everyone.push(theirs);
    assert_eq!(ids(c.vmpool_info(&f(-2)).await.unwrap()), everyone, "oneadmin sees all");
    assert_eq!(ids(c.vmpool_info(&f(alice_id)).await.unwrap()), mine, ">= 0: that user's");

    let range = VmFilter { start: mine[1], end: theirs, ..VmFilter::default() };
    assert_eq!(ids(c.vmpool_info(&range).await.unwrap()), vec![mine[1], mine[2], theirs]);
    let held = VmFilter { state: 2, ..VmFilter::default() };
    assert_eq!(ids(c.vmpool_info(&held).await.unwrap()), mine, "state 2: HOLD");
    let query = VmFilter { query: "VM.USER_TEMPLATE.ROLE=db".into(), ..VmFilter::default() };
    assert_eq!(ids(c.vmpool_info(&query).await.unwrap()), vec![theirs]);
    let by_name = VmFilter { query: "VM.NAME=web-1".into(), ..VmFilter::default() };
    assert_eq!(ids(c.vmpool_info_extended(&by_name).await.unwrap()), vec![mine[1]]);

    let bad = VmFilter { state: 42, ..VmFilter::default() };
    assert_eq!(code(c.vmpool_info(&bad).await), 0x1000);
    assert_eq!(code(alice.vmpool_info(&f(-7)).await), 0x1000);
}
