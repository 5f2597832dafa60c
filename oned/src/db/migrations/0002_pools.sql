-- Migration 2: hosts, clusters, datastores, images, templates, networks, VMs, history, monitoring.

CREATE TABLE host_pool (
    oid INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    perms INTEGER NOT NULL,
    state INTEGER NOT NULL,
    cids TEXT NOT NULL,
    body TEXT NOT NULL,
    pool_body TEXT
);

CREATE INDEX host_pool_by_name ON host_pool (name, uid);

CREATE TABLE cluster_pool (
    oid INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    perms INTEGER NOT NULL,
    state INTEGER NOT NULL,
    cids TEXT NOT NULL,
    body TEXT NOT NULL,
    pool_body TEXT
);

CREATE INDEX cluster_pool_by_name ON cluster_pool (name, uid);

CREATE TABLE datastore_pool (
    oid INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    perms INTEGER NOT NULL,
    state INTEGER NOT NULL,
    cids TEXT NOT NULL,
    body TEXT NOT NULL,
    pool_body TEXT
);

CREATE INDEX datastore_pool_by_name ON datastore_pool (name, uid);

CREATE TABLE image_pool (
    oid INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    perms INTEGER NOT NULL,
    state INTEGER NOT NULL,
    cids TEXT NOT NULL,
    body TEXT NOT NULL,
    pool_body TEXT
);

CREATE INDEX image_pool_by_name ON image_pool (name, uid);

CREATE TABLE template_pool (
    oid INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    perms INTEGER NOT NULL,
    state INTEGER NOT NULL,
    cids TEXT NOT NULL,
    body TEXT NOT NULL,
    pool_body TEXT
);

CREATE INDEX template_pool_by_name ON template_pool (name, uid);

CREATE TABLE network_pool (
    oid INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    perms INTEGER NOT NULL,
    state INTEGER NOT NULL,
    cids TEXT NOT NULL,
    body TEXT NOT NULL,
    pool_body TEXT
);

CREATE INDEX network_pool_by_name ON network_pool (name, uid);

CREATE TABLE vm_pool (
    oid INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    perms INTEGER NOT NULL,
    state INTEGER NOT NULL,
    cids TEXT NOT NULL,
    body TEXT NOT NULL,
    pool_body TEXT
);

CREATE INDEX vm_pool_by_name ON vm_pool (name, uid);

CREATE INDEX vm_pool_by_state ON vm_pool (state);

CREATE TABLE history (
    vid INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    stime INTEGER NOT NULL,
    etime INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (vid, seq)
);

CREATE TABLE host_monitoring (
    hid INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (hid, timestamp)
);

CREATE TABLE vm_monitoring (
    vid INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (vid, timestamp)
);
