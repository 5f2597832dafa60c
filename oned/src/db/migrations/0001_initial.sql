-- Migration 1: the first schema (users, groups, ACLs).

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
