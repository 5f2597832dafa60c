-- The current schema of oned's database, applied as a whole to a new database.
-- Every change here also needs a numbered file in migrations/ (a test checks they agree).

CREATE TABLE pool_control (
    tablename TEXT PRIMARY KEY,
    last_oid INTEGER NOT NULL
);

CREATE TABLE system_attributes (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

CREATE TABLE user_pool (
    oid INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    gid INTEGER NOT NULL,
    password TEXT NOT NULL,
    auth_driver TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    template TEXT NOT NULL,
    quotas TEXT NOT NULL
);

CREATE TABLE user_groups (
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    PRIMARY KEY (uid, gid)
);

CREATE INDEX user_groups_by_gid ON user_groups (gid);

CREATE TABLE login_tokens (
    uid INTEGER NOT NULL,
    token TEXT NOT NULL,
    expiration INTEGER NOT NULL,
    egid INTEGER NOT NULL,
    PRIMARY KEY (uid, token)
);

CREATE TABLE group_pool (
    oid INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    template TEXT NOT NULL,
    quotas TEXT NOT NULL
);

CREATE TABLE group_admins (
    gid INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    PRIMARY KEY (gid, uid)
);

CREATE TABLE acl (
    oid INTEGER PRIMARY KEY,
    user INTEGER NOT NULL,
    resource INTEGER NOT NULL,
    rights INTEGER NOT NULL,
    zone INTEGER NOT NULL,
    UNIQUE (user, resource, rights, zone)
);

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

CREATE TABLE vmgroup_pool (
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

CREATE INDEX vmgroup_pool_by_name ON vmgroup_pool (name, uid);

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
