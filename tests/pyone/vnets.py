"""An operator's networks through pyone: a network with an IP4 and an ETHER range, holds,
address ranges, a reservation, updates, listing and clean-up. Run by the `pyone` integration
test; exits non-zero on the first failed check."""

import pyone

from helpers import check, expect_error, gone, one, vnet_ready

vn = one.vn.allocate({"TEMPLATE": {"NAME": "lan", "VN_MAD": "dummy", "BRIDGE": "br0",
                                   "AR": [{"TYPE": "IP4", "IP": "10.0.0.1", "SIZE": 10},
                                          {"TYPE": "ETHER", "SIZE": 5}]}}, -1)
check(vn == 0, f"first network id 0, got {vn}")
net = vnet_ready(vn)
check(len(net.AR_POOL.AR) == 2, "two ranges")
check(net.AR_POOL.AR[0].TYPE == "IP4" and net.AR_POOL.AR[0].IP == "10.0.0.1", "IP4 range")
check(net.AR_POOL.AR[1].TYPE == "ETHER" and net.AR_POOL.AR[1].SIZE == 5, "ETHER range")
check(net.BRIDGE == "br0" and net.VN_MAD == "dummy" and net.CLUSTERS.ID == [0], "network info")

one.vn.hold(vn, 'LEASES=[IP="10.0.0.5"]')
net = one.vn.info(vn)
check(net.USED_LEASES == 1, "hold counted")
lease = net.AR_POOL.AR[0].LEASES.LEASE[0]
check(lease.IP == "10.0.0.5" and lease.VM == -1, "held lease listed")
expect_error(pyone.OneInternalException, one.vn.hold, vn, 'LEASES=[IP="10.0.0.5"]', text="in use")
one.vn.release(vn, 'LEASES=[IP="10.0.0.5"]')
check(one.vn.info(vn).USED_LEASES == 0, "released")

one.vn.add_ar(vn, 'AR=[TYPE="IP4", IP="192.168.0.1", SIZE="4"]')
check(len(one.vn.info(vn).AR_POOL.AR) == 3, "range added")
one.vn.update_ar(vn, 'AR=[AR_ID="2", SIZE="8"]')
check(one.vn.info(vn).AR_POOL.AR[2].SIZE == 8, "range updated")
one.vn.rm_ar(vn, 2)
check(len(one.vn.info(vn).AR_POOL.AR) == 2, "range removed")

rid = one.vn.reserve(vn, {"NAME": "lan-res", "SIZE": 3})
res = vnet_ready(rid)
check(res.PARENT_NETWORK_ID == str(vn) or res.PARENT_NETWORK_ID == vn, f"parent {res.PARENT_NETWORK_ID!r}")
check(one.vn.info(vn).USED_LEASES == 3, "reserved addresses are taken from the parent")
expect_error(pyone.OneActionException, one.vn.reserve, rid, {"NAME": "x", "SIZE": 1},
             text="Cannot reserve addresses from a reserved VNET")

one.vn.update(vn, {"TEMPLATE": {"DESCRIPTION": "lab network"}}, 1)
check(one.vn.info(vn).TEMPLATE["DESCRIPTION"] == "lab network", "update")
one.vn.rename(vn, "lab")
pool = one.vnpool.info(-2, -1, -1)
check(sorted(v.NAME for v in pool.VNET) == ["lab", "lan-res"], "vnpool")
expect_error(pyone.OneNoExistsException, one.vn.info, 99, text="Error getting virtual network [99]")

one.vn.delete(rid)
gone("reservation", one.vn.info, rid)
check(one.vn.info(vn).USED_LEASES == 0, "the reservation gave its addresses back")
one.vn.delete(vn)
gone("network", one.vn.info, vn)
print("pyone: network checks passed")
