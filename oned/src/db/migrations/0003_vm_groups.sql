-- VM groups (`one.vmgroup.*`): the generic pool table layout. Their IDs come from
-- pool_control's `vmgroup_pool` row, created with the first group.

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
