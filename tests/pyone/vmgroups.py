"""VM groups through pyone: a group with roles and rules made from a dict, read back as
pyone's VM_GROUP objects, its roles added, updated and deleted, refusals raised as pyone's
exceptions, VMs joining roles (allocated with VMGROUP and instantiated from a template),
one deployed on a dummy host and terminated, leaving its role. Run by the `pyone`
integration test; exits non-zero on the first failed check."""

import pyone

from helpers import check, expect_error, gone, one, wait_for

gid = one.vmgroup.allocate({"TEMPLATE": {
    "NAME": "app",
    "ROLE": [{"NAME": "web", "POLICY": "ANTI_AFFINED", "HOST_AFFINED": "0"},
             {"NAME": "db", "POLICY": "AFFINED"}],
    "LABEL": "demo"}})
g = one.vmgroup.info(gid)
check(g.NAME == "app" and g.UNAME == "oneadmin", "group info")
check([(r.ID, r.NAME, r.POLICY) for r in g.ROLES.ROLE] == [(0, "web", "ANTI_AFFINED"), (1, "db", "AFFINED")],
      "roles as pyone reads them")
check(g.ROLES.ROLE[0].HOST_AFFINED == "0" and g.ROLES.ROLE[0].VMS is None, "role attributes")
check(g.TEMPLATE["LABEL"] == "demo" and "ROLE" not in g.TEMPLATE, "template without NAME and ROLE")

one.vmgroup.update(gid, 'AFFINED = "db"', 1)
check(one.vmgroup.info(gid).TEMPLATE["AFFINED"] == "db", "update merges")
expect_error(pyone.OneInternalException, one.vmgroup.update, gid, 'ANTI_AFFINED = "db"', 1,
             text="Cannot update template. Roles defined in AFFINED and ANTI_AFFINED rules: db")
one.vmgroup.roleadd(gid, 'ROLE = [ NAME = cache ]')
one.vmgroup.roleupdate(gid, 2, {"TEMPLATE": {"ROLE": {"NAME": "jobs", "POLICY": "NONE"}}})
check([r.NAME for r in one.vmgroup.info(gid).ROLES.ROLE] == ["web", "db", "jobs"], "role added and renamed")
expect_error(pyone.OneActionException, one.vmgroup.roleadd, gid, 'ROLE = [ NAME = web ]',
             text="Role already exists")
expect_error(pyone.OneActionException, one.vmgroup.roledelete, gid, 1,
             text="Some roles used in AFFINED attribute (db) are not defined")
one.vmgroup.roledelete(gid, 2)
expect_error(pyone.OneNoExistsException, one.vmgroup.info, 42, text="Error getting vm group [42].")
expect_error(pyone.OneInternalException, one.vmgroup.allocate, 'NAME = app',
             text="NAME is already taken by VMGroup 0.")

one.vmgroup.rename(gid, "shop")
one.vmgroup.chmod(gid, 1, 1, 0, 1, 0, 0, 0, 0, 0)
one.vmgroup.lock(gid, 2)
check(one.vmgroup.info(gid).LOCK.LOCKED == 2, "locked")
one.vmgroup.unlock(gid)
check(one.vmgroup.info(gid).PERMISSIONS.GROUP_U == 1, "chmod")
other = one.vmgroup.allocate('NAME = other\nROLE = [ NAME = r ]')
check([x.NAME for x in one.vmgrouppool.info(-2, -1, -1).VM_GROUP] == ["other", "shop"], "pool listing")
check([x.ID for x in one.vmgrouppool.info(-2, other, other).VM_GROUP] == [other], "pool range")
one.vmgroup.delete(other)

host = one.host.allocate("node1", "dummy", "dummy", -1)
wait_for("host monitored", lambda: one.host.info(host).STATE == 2)
web = one.vm.allocate(f'NAME = w\nCPU = 1\nMEMORY = 64\nVMGROUP = [ VMGROUP_ID = {gid}, ROLE = web ]', False)
tid = one.template.allocate('NAME = t\nCPU = 1\nMEMORY = 64\nVMGROUP = [ VMGROUP_NAME = shop, ROLE = db ]')
db = one.template.instantiate(tid, "d", False, "", False)
roles = {r.NAME: r.VMS for r in one.vmgroup.info(gid).ROLES.ROLE}
check(roles == {"web": str(web), "db": str(db)}, f"VMs in roles {roles}")
vm = one.vm.info(db)
check(vm.TEMPLATE["VMGROUP"]["VMGROUP_ID"] == str(gid) and vm.TEMPLATE["VMGROUP"]["ROLE"] == "db",
      "the VM's VMGROUP")
expect_error(pyone.OneException, one.vm.allocate,
             f'NAME = x\nCPU = 1\nMEMORY = 64\nVMGROUP = [ VMGROUP_ID = {gid}, ROLE = nope ]', False,
             text="Role does not exist in VM Group")
expect_error(pyone.OneActionException, one.vmgroup.roledelete, gid, 0,
             text="Unable to delete role 0, the role has assigned VMs")

one.vm.deploy(web, host, False, -1)
wait_for("VM running", lambda: one.vm.info(web).LCM_STATE == 3)
one.vm.action("terminate", web)
wait_for("VM done", lambda: one.vm.info(web).STATE == 6)
one.vm.action("terminate", db)
wait_for("VM done", lambda: one.vm.info(db).STATE == 6)
check(all(r.VMS is None for r in one.vmgroup.info(gid).ROLES.ROLE), "the VMs left their roles")

one.template.delete(tid)
one.vmgroup.delete(gid)
gone("group", one.vmgroup.info, gid)
one.host.delete(host)
print("pyone: vm group checks passed")
