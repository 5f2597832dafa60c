"""Drives hosts, clusters, datastores and VMs through pyone (OpenNebula's Python bindings) as an
operator's script would: simulated hosts, a cluster, a system datastore, then VMs from
allocate to DONE with the usual actions, hot-plug, snapshots, resize and migration. Run by
the `pyone` integration test against a real oned; exits non-zero on the first failed check.

Environment: ONE_XMLRPC (endpoint), ONE_SESSION (oneadmin's session string)."""

import pyone

from helpers import check, expect_error, one, wait_for

ACTIVE, RUNNING = 3, 3


def vm_in(vid, state, lcm=0):
    def probe():
        vm = one.vm.info(vid)
        return vm if vm.STATE == state and (state != ACTIVE or vm.LCM_STATE == lcm) else None

    return wait_for(f"VM {vid} in {state}/{lcm}", probe)


# Hosts: simulated ones, monitored at once.
h1 = one.host.allocate("node1", "dummy", "dummy", -1)
h2 = one.host.allocate("node2", "dummy", "dummy", -1)
for h in (h1, h2):
    host = wait_for(f"host {h} MONITORED", lambda h=h: (lambda x: x if x.STATE == 2 else None)(one.host.info(h)))
    check(host.HOST_SHARE.TOTAL_CPU == 800 and host.HOST_SHARE.TOTAL_MEM == 16777216, "host capacity")
    check(host.IM_MAD == "dummy" and host.VM_MAD == "dummy", "host drivers")
check(len(one.hostpool.info().HOST) == 2, "two hosts")
one.host.update(h1, {"TEMPLATE": {"RACK": "r1"}}, 1)
check(one.host.info(h1).TEMPLATE["RACK"] == "r1", "host template merge")
one.host.status(h2, 1)
check(one.host.info(h2).STATE == 4, "host disabled")
one.host.status(h2, 0)
wait_for("host 2 back", lambda: one.host.info(h2).STATE == 2)
monitoring = one.host.monitoring(h1)
check(len(monitoring.MONITORING) >= 1 and monitoring.MONITORING[0].ID == h1, "host monitoring")
expect_error(pyone.OneNoExistsException, one.host.info, 99)
expect_error(pyone.OneException, one.host.allocate, "node1", "dummy", "dummy", -1)

# Clusters.
cid = one.cluster.allocate("production")
one.cluster.addhost(cid, h2)
one.cluster.adddatastore(cid, 0)
cluster = one.cluster.info(cid)
check(cluster.HOSTS.ID == [h2] and cluster.DATASTORES.ID == [0], "cluster members")
check(one.host.info(h2).CLUSTER == "production", "host's cluster name")
names = sorted(c.NAME for c in one.clusterpool.info().CLUSTER)
check(names == ["default", "production"], f"clusters {names}")

# Datastores: the three defaults and a new system datastore.
pool = one.datastorepool.info().DATASTORE
check(sorted((d.ID, d.TYPE) for d in pool) == [(0, 1), (1, 0), (2, 2)], "default datastores")
ds = one.datastore.allocate('NAME = "fast"\nTYPE = "SYSTEM_DS"\nTM_MAD = "dummy"', cid)
check(one.datastore.info(ds).CLUSTERS.ID == [cid], "datastore in its cluster")
one.datastore.enable(ds, False)
check(one.datastore.info(ds).STATE == 1, "datastore disabled")
one.datastore.delete(ds)
expect_error(pyone.OneNoExistsException, one.datastore.info, ds)

# A VM from allocate to RUNNING.
template = {
    "TEMPLATE": {
        "NAME": "web",
        "CPU": "1",
        "VCPU": "2",
        "MEMORY": "256",
        "DISK": {"TYPE": "fs", "SIZE": "1024"},
        "NIC": {"BRIDGE": "br0"},
        "CONTEXT": {"NETWORK": "YES", "HOSTNAME": "web"},
        "GRAPHICS": {"TYPE": "vnc", "LISTEN": "0.0.0.0"},
        "ROLE": "frontend",
    }
}
vid = one.vm.allocate(template, True)
vm = one.vm.info(vid)
check(vm.STATE == 2 and vm.NAME == "web", "allocated on hold")
check(vm.USER_TEMPLATE["ROLE"] == "frontend", "custom attributes in the user template")
one.vm.action("release", vid)
check(one.vm.info(vid).STATE == 1, "released to PENDING")
expect_error(pyone.OneActionException, one.vm.action, "suspend", vid, text="not available for state PENDING")
one.vm.deploy(vid, h1, False, -1)
vm = vm_in(vid, ACTIVE, RUNNING)
history = vm.HISTORY_RECORDS.HISTORY
check(len(history) == 1 and history[0].HOSTNAME == "node1" and history[0].HID == h1, "history record")
host = one.host.info(h1)
check(host.HOST_SHARE.CPU_USAGE == 100 and host.HOST_SHARE.MEM_USAGE == 256 * 1024, "capacity taken")
check(host.VMS.ID == [vid], "the host lists the VM")

# Day-2 operations.
one.vm.action("poweroff", vid)
vm_in(vid, 8)
one.vm.action("resume", vid)
vm_in(vid, ACTIVE, RUNNING)
one.vm.attach(vid, 'DISK = [ TYPE = "fs", SIZE = "512" ]')
vm = vm_in(vid, ACTIVE, RUNNING)
check(len(vm.TEMPLATE["DISK"]) == 2, "disk attached")
snap = one.vm.snapshotcreate(vid, "before-upgrade")
vm = vm_in(vid, ACTIVE, RUNNING)
snapshots = vm.TEMPLATE["SNAPSHOT"]
check(snap == 0 and snapshots[0]["NAME"] == "before-upgrade", "system snapshot")
check(snapshots[0]["HYPERVISOR_ID"].endswith("snap-0"), "the hypervisor names the snapshot")
one.vm.resize(vid, 'CPU = 2\nMEMORY = 512', True)
vm = vm_in(vid, ACTIVE, RUNNING)
check(vm.TEMPLATE["CPU"] == "2" and vm.TEMPLATE["MEMORY"] == "512", "resized")
check(one.host.info(h1).HOST_SHARE.CPU_USAGE == 200, "host follows the resize")
one.vm.updateconf(vid, 'GRAPHICS = [ TYPE = "spice" ]', 1)
vm = vm_in(vid, ACTIVE, RUNNING)
check(vm.TEMPLATE["GRAPHICS"]["TYPE"] == "spice", "updateconf")
one.vm.rename(vid, "web-1")
one.vm.update(vid, 'OWNER = "ops"', 1)
vm = one.vm.info(vid)
check(vm.NAME == "web-1" and vm.USER_TEMPLATE["OWNER"] == "ops", "rename and update")
one.vm.lock(vid, 4, False)
expect_error(pyone.OneException, one.vm.action, "poweroff", vid)
one.vm.unlock(vid)

# Live migration to the other host (in another cluster: the VM keeps its datastore 0, which
# is in both clusters).
one.host.status(h2, 0)
one.vm.migrate(vid, h2, True, False, -1, 0)
vm = vm_in(vid, ACTIVE, RUNNING)
check(vm.HISTORY_RECORDS.HISTORY[-1].HID == h2, "migrated")
check(one.host.info(h1).HOST_SHARE.RUNNING_VMS == 0, "source host freed")

# Listings, monitoring and accounting.
vms = one.vmpool.info(-2, -1, -1, -1).VM
check([v.ID for v in vms] == [vid], "vmpool.info")
extended = one.vmpool.infoextended(-2, -1, -1, -1).VM
check(extended[0].TEMPLATE["CONTEXT"]["HOSTNAME"] == "web", "infoextended has the template")
check(one.vm.monitoring(vid) is not None, "vm monitoring")
records = one.vmpool.accounting(-2, -1, -1).HISTORY
check(len(records) == len(vm.HISTORY_RECORDS.HISTORY), "accounting records")

# The end: terminate, the VM stays readable.
one.vm.action("terminate", vid)
vm_in(vid, 6)
check(one.vm.info(vid).NAME == "web-1", "DONE VMs stay readable")
check(one.host.info(h2).HOST_SHARE.CPU_USAGE == 0, "capacity freed")
check(not hasattr(one.vmpool.info(-2, -1, -1, -1), "VM") or not one.vmpool.info(-2, -1, -1, -1).VM,
      "DONE VMs leave the default listing")
expect_error(pyone.OneNoExistsException, one.vm.info, 4242)

one.cluster.delhost(cid, h2)
one.cluster.deldatastore(cid, 0)
one.cluster.delete(cid)
one.host.delete(h1)
check(len(one.hostpool.info().HOST) == 1, "host deleted")
print("pyone: all checks passed")
