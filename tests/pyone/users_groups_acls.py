"""Drives users, groups and ACLs through pyone (OpenNebula's Python bindings) the way a Python
user would, and checks what comes back. Run by the `pyone` integration test against a real
oned; exits non-zero on the first failed check.

Environment: ONE_XMLRPC (endpoint), ONE_SESSION (oneadmin's session string)."""

import pyone
import pyone.acl

from helpers import check, endpoint, expect_error, one


# System
check(one.system.version() == "7.4.0", "version")
config = one.system.config()
check(config is not None, "system.config parses")

# Groups
gid = one.group.allocate("developers")
check(gid == 100, f"first group id 100, got {gid}")
group = one.group.info(gid)
check(group.NAME == "developers" and group.ID == gid, "group info")
one.group.update(gid, {"DESCRIPTION": "team"}, 1)
check(one.group.info(gid).TEMPLATE["DESCRIPTION"] == "team", "group template merge")

# Users
uid = one.user.allocate("alice", "s3cret", "", [gid])
check(uid == 2, f"first user id 2, got {uid}")
user = one.user.info(uid)
check(user.NAME == "alice" and user.GID == gid and user.GNAME == "developers", "user info")
check(user.GROUPS.ID == [gid], f"groups {user.GROUPS.ID}")
check(user.AUTH_DRIVER == "core" and user.ENABLED == 1, "driver and enabled")
check(len(user.TEMPLATE["TOKEN_PASSWORD"]) == 64, "token password")

one.user.update(uid, {"TEMPLATE": {"EMAIL": "alice@example.com", "LABELS": {"TEAM": "a"}}}, 1)
user = one.user.info(uid)
check(user.TEMPLATE["EMAIL"] == "alice@example.com", "merged attribute")
check(user.TEMPLATE["LABELS"]["TEAM"] == "a", "merged vector")
one.user.update(uid, 'PHONE="123"', 1)
check(one.user.info(uid).TEMPLATE["PHONE"] == "123", "text template merge")

one.user.addgroup(uid, 1)
check(one.user.info(uid).GROUPS.ID == [1, gid], "secondary group")
one.user.quota(uid, {"TEMPLATE": {"VM": {"VMS": 10, "MEMORY": 4096}}})
user = one.user.info(uid)
check(user.VM_QUOTA.VM[0].VMS == "10" and user.VM_QUOTA.VM[0].MEMORY == "4096", "quota")

pool = one.userpool.info()
names = [u.NAME for u in pool.USER]
check(names == ["alice", "serveradmin", "oneadmin"], f"userpool order {names}")
check(any(q.ID == uid and q.VM_QUOTA.VM[0].VMS == "10" for q in pool.QUOTAS), "pool quotas")

# Alice's own view, with her password and with a login token.
alice = pyone.OneServer(endpoint, session="alice:s3cret", protocol="xmlrpc")
check(alice.user.info(-1).ID == uid, "self info")
check([u.ID for u in alice.userpool.info().USER] == [uid], "a user sees only itself")
token = alice.user.login("alice", "", 600, -1)
check(len(token) == 64, "token")
by_token = pyone.OneServer(endpoint, session=f"alice:{token}", protocol="xmlrpc")
check(by_token.user.info(-1).NAME == "alice", "token session")
check(one.user.info(uid).LOGIN_TOKEN[0].TOKEN == token, "token listed")
expect_error(pyone.OneAuthorizationException, alice.user.info, 0, text="Not authorized to perform USE USER [0]")
expect_error(pyone.OneAuthorizationException, alice.acl.info)
expect_error(pyone.OneAuthenticationException,
             pyone.OneServer(endpoint, session="alice:wrong", protocol="xmlrpc").user.info, -1)

# ACLs
acl = pyone.acl.OneAcl()
rule = acl.parse_rule(f"#{uid} USER/#0 USE #0")
rid = one.acl.addrule(*rule)
check(rid == 9, f"rule id 9 after the default rules 0-5 and the group's 6-8, got {rid}")
rules = one.acl.info()
check(any(r.ID == rid and r.STRING == f"#{uid} USER/#0 USE #0" for r in rules.ACL), "rule listed")
check(alice.user.info(0).NAME == "oneadmin", "the rule lets alice see oneadmin")
expect_error(pyone.OneInternalException, one.acl.addrule, *rule, text="already exists")
one.acl.delrule(rid)
expect_error(pyone.OneAuthorizationException, alice.user.info, 0)

# Errors map to pyone's exception classes.
expect_error(pyone.OneNoExistsException, one.user.info, 999, text="Error getting user [999]")
expect_error(pyone.OneInternalException, one.user.allocate, "alice", "x", "", [], text="NAME is already taken")
expect_error(pyone.OneActionException, one.group.delete, gid, text="is not empty")
expect_error(pyone.OneInternalException, one.user.update, uid, {"A": "1", "B": {"C": "2"}}, 1,
             text="Parse error")
expect_error(pyone.OneException, one.user.info)

# Clean up through the API.
one.user.delete(uid)
one.group.delete(gid)
expect_error(pyone.OneNoExistsException, one.group.info, gid)
print("pyone: all checks passed")
