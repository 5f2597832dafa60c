"""An operator's images through pyone: register from a path and as an empty datablock, wait
for the datastore driver, make persistent, clone, change type, update, disable, see a driver
failure, list, and clean up. Run by the `pyone` integration test; exits non-zero on the first
failed check."""

import pyone

from helpers import check, datastore_monitored, expect_error, gone, image_in, one

datastore_monitored(1)

iid = one.image.allocate({"TEMPLATE": {"NAME": "ubuntu", "PATH": "/srv/ubuntu.qcow2",
                                       "DESCRIPTION": "base image"}}, 1)
check(iid == 0, f"first image id 0, got {iid}")
img = image_in(iid, 1)
check(img.NAME == "ubuntu" and img.TYPE == 0 and img.DATASTORE_ID == 1, "image info")
check(img.SIZE == 1024 and img.FORMAT == "raw" and img.SOURCE != "", f"driver results {img.SIZE} {img.FORMAT}")
check(img.TEMPLATE["DESCRIPTION"] == "base image", "template kept")
check(img.TEMPLATE["DEV_PREFIX"] == "sd", "default device prefix")
check(iid in one.datastore.info(1).IMAGES.ID, "the datastore lists it")

one.image.persistent(iid, True)
check(one.image.info(iid).PERSISTENT == 1, "persistent")
copy = one.image.clone(iid, "ubuntu-copy")
cloned = image_in(copy, 1)
check(cloned.PERSISTENT == 1 and cloned.SIZE == 1024, "a persistent clone")
check(one.image.info(iid).CLONING_OPS == 0, "the source is released")

blk = one.image.allocate({"NAME": "data", "TYPE": "DATABLOCK", "SIZE": 10}, 1)
data = image_in(blk, 1)
check(data.TYPE == 2 and data.SIZE == 10, "datablock")
one.image.chtype(blk, "OS")
check(one.image.info(blk).TYPE == 0, "chtype")
one.image.update(blk, {"TEMPLATE": {"LABEL": "scratch"}}, 1)
one.image.rename(blk, "scratch")
data = one.image.info(blk)
check(data.NAME == "scratch" and data.TEMPLATE["LABEL"] == "scratch", "update and rename")
one.image.enable(blk, False)
check(one.image.info(blk).STATE == 3, "disabled")
one.image.enable(blk, True)
check(one.image.info(blk).STATE == 1, "enabled")

bad = one.image.allocate('NAME="broken"\nPATH="/srv/broken"\nDUMMY_FAIL="COPY"\n', 1)
broken = image_in(bad, 5)
check("Error copying image in the datastore" in broken.TEMPLATE["ERROR"], "driver error recorded")

pool = one.imagepool.info(-2, -1, -1)
check(sorted(i.NAME for i in pool.IMAGE) == ["broken", "scratch", "ubuntu", "ubuntu-copy"], "imagepool")

expect_error(pyone.OneNoExistsException, one.image.info, 99, text="Error getting image [99]")
expect_error(pyone.OneActionException, one.image.clone, blk, "x", 0, text="Clone only supported for IMAGE_DS")
expect_error(pyone.OneException, one.image.allocate, 'NAME="ubuntu"\nPATH="/a"\n', 1,
             text="NAME is already taken by IMAGE 0")

for i in (bad, blk, copy, iid):
    one.image.delete(i)
for i in (bad, blk, copy, iid):
    gone(f"image {i}", one.image.info, i)
check(not one.datastore.info(1).IMAGES.ID, "the datastore is empty again")
print("pyone: image checks passed")
