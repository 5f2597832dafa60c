"""Shared by the pyone scripts: the connection, checks that stop the script, and waiting for
what oned does off the request path by polling a bounded number of times.

Environment: ONE_XMLRPC (endpoint), ONE_SESSION (oneadmin's session string)."""

import os
import sys
import time

import pyone

endpoint = os.environ["ONE_XMLRPC"]
one = pyone.OneServer(endpoint, session=os.environ["ONE_SESSION"], protocol="xmlrpc")

POLLS = 600  # every 50 ms: about 30 s at most


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def expect_error(cls, fn, *args, text=None):
    try:
        fn(*args)
    except cls as e:
        if text is not None:
            check(text in str(e), f"{text!r} in {str(e)!r}")
        return str(e)
    print(f"FAILED: {fn} {args} did not raise {cls.__name__}", file=sys.stderr)
    sys.exit(1)


def wait_for(what, fn):
    """Polls fn until it returns something truthy, and returns it."""
    for _ in range(POLLS):
        try:
            value = fn()
        except pyone.OneException:
            value = None
        if value:
            return value
        time.sleep(0.05)
    print(f"FAILED: {what} not reached after {POLLS} polls", file=sys.stderr)
    sys.exit(1)


def image_in(iid, state):
    """The image once its STATE is `state` (1 READY, 5 ERROR, ...)."""
    return wait_for(f"image {iid} in state {state}",
                    lambda: (lambda i: i if i.STATE == state else None)(one.image.info(iid)))


def vnet_ready(vid):
    """The network once its driver made it READY."""
    return wait_for(f"network {vid} READY",
                    lambda: (lambda v: v if v.STATE == 1 else None)(one.vn.info(vid)))


def gone(what, fn, *args):
    """Waits until fn(*args) fails with NO_EXISTS."""
    def missing():
        try:
            fn(*args)
            return False
        except pyone.OneNoExistsException:
            return True
    wait_for(f"{what} deleted", missing)


def datastore_monitored(ds_id):
    wait_for(f"datastore {ds_id} monitored", lambda: one.datastore.info(ds_id).TOTAL_MB > 0)
