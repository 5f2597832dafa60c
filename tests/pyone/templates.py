"""An operator's day through pyone: a datastore-backed image made persistent and cloned, a
network with an IP4 and an ETHER range with a held lease and a reservation, a VM template
with a DISK and a NIC, a VM instantiated from it, deployed on a dummy host, checked (its
NIC's IP, the network's USED_LEASES) and terminated, and everything cleaned up. Run by the
`pyone` integration test; exits non-zero on the first failed check."""

import pyone

from helpers import (check, datastore_monitored, expect_error, gone, image_in, one, vnet_ready,
                     wait_for)

host = one.host.allocate("node1", "dummy", "dummy", -1)
datastore_monitored(1)

iid = one.image.allocate({"TEMPLATE": {"NAME": "os", "PATH": "/srv/os.qcow2"}}, 1)
image_in(iid, 1)
one.image.persistent(iid, True)
copy = one.image.clone(iid, "os-copy")
image_in(copy, 1)

vn = one.vn.allocate({"TEMPLATE": {"NAME": "lan", "VN_MAD": "dummy", "BRIDGE": "br0",
                                   "AR": [{"TYPE": "IP4", "IP": "10.0.0.1", "SIZE": 10},
                                          {"TYPE": "ETHER", "SIZE": 5}]}}, -1)
vnet_ready(vn)
one.vn.hold(vn, 'LEASES=[IP="10.0.0.1"]')
rid = one.vn.reserve(vn, {"NAME": "res", "SIZE": 2})
vnet_ready(rid)
check(one.vn.info(vn).USED_LEASES == 3, "hold and reservation")

tid = one.template.allocate({"TEMPLATE": {"NAME": "web", "CPU": "0.5", "MEMORY": "128",
                                          "DISK": {"IMAGE_ID": str(iid)},
                                          "NIC": {"NETWORK_ID": str(vn)}}})
tmpl = one.template.info(tid)
check(tmpl.NAME == "web" and tmpl.TEMPLATE["DISK"]["IMAGE_ID"] == str(iid), "template info")
check([t.NAME for t in one.templatepool.info(-2, -1, -1).VMTEMPLATE] == ["web"], "templatepool")
expect_error(pyone.OneNoExistsException, one.template.instantiate, 99, "", False, "", False,
             text="Error getting virtual machine template [99]")

vid = one.template.instantiate(tid, "web-1", False, "", False)
vm = one.vm.info(vid)
check(vm.NAME == "web-1" and vm.STATE == 1, "pending VM")
ip = vm.TEMPLATE["NIC"]["IP"]
check(ip.startswith("10.0.0.") and ip != "10.0.0.1", f"NIC IP {ip}")
check(vm.TEMPLATE["DISK"]["IMAGE_ID"] == str(iid), "disk image")
net = one.vn.info(vn)
check(net.USED_LEASES == 4, f"USED_LEASES {net.USED_LEASES}")
check(any(l.IP == ip and l.VM == vid for l in net.AR_POOL.AR[0].LEASES.LEASE), "the VM's lease is listed")
check(one.image.info(iid).STATE == 8 and one.image.info(iid).RUNNING_VMS == 1, "persistent image in use")
expect_error(pyone.OneActionException, one.image.delete, iid, text="There are 1 VMs using it")

one.vm.deploy(vid, host, False, -1)
wait_for("VM running", lambda: one.vm.info(vid).LCM_STATE == 3)
one.vm.action("terminate", vid)
wait_for("VM done", lambda: one.vm.info(vid).STATE == 6)
check(one.vn.info(vn).USED_LEASES == 3, "the VM's lease is free again")
check(one.image.info(iid).STATE == 1 and one.image.info(iid).RUNNING_VMS == 0, "the image is free again")

one.template.delete(tid)
gone("template", one.template.info, tid)
one.vn.delete(rid)
gone("reservation", one.vn.info, rid)
one.vn.release(vn, 'LEASES=[IP="10.0.0.1"]')
one.vn.delete(vn)
gone("network", one.vn.info, vn)
for i in (copy, iid):
    one.image.delete(i)
    gone(f"image {i}", one.image.info, i)
one.host.delete(host)
print("pyone: operator checks passed")
