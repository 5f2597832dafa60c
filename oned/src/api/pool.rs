//! Operations every pool shares, written once over [`Managed`]: `info`, `update`, `rename`,
//! `chmod`, `chown`, `lock`, `unlock` and the (filtered, paged) pool listings. Pool-specific
//! managers add allocation, deletion and their own actions.

use one_core::acl::Operation;
use one_core::objects::common::{Lock, Meta, PoolFilter, PoolObject, Range};

use super::authz::{ObjAuth, authorize, rules, visibility};
use super::{
    ApiError, ApiResult, Caller, Ctx, Doc, Object, action, check_name, internal, now, updated_template,
};
use crate::config::ListOrder;
use crate::db::{ListQuery, Tx};

/// How names must be unique within a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    /// Per owner (images, templates, networks, datastores).
    PerOwner,
    /// Across the pool (hosts, clusters).
    Global,
    /// Not at all (VMs).
    No,
}

/// A pool object oned stores and serves.
pub trait Managed: PoolObject {
    /// Its table.
    const TABLE: &'static str;
    /// Its name in messages.
    const OBJECT: Object;
    /// How names must be unique.
    const UNIQUE: Unique;
    /// Template attributes only administrators may change.
    const RESTRICTED: &'static [&'static str] = &[];
    /// Whether `one.*.lock` applies.
    const LOCKABLE: bool = true;
    /// What `update` and `rename` need.
    const MANAGE_OP: Operation = Operation::Manage;
    /// What `delete` needs.
    const DELETE_OP: Operation = Operation::Manage;
}

/// The metadata of a new object the caller creates: owned by the caller in its (effective)
/// group, with permissions from the umask (the user's `UMASK` template attribute, else the
/// configured default).
pub fn new_meta(tx: &Tx<'_>, ctx: &Ctx, caller: &Caller, id: i32, name: &str) -> ApiResult<Meta> {
    let user_umask = tx
        .user_fetch(caller.uid)?
        .and_then(|u| u.template.get("UMASK").map(str::to_owned))
        .and_then(|m| u32::from_str_radix(m.trim(), 8).ok())
        .filter(|m| *m <= 0o777);
    let umask = user_umask.unwrap_or_else(|| ctx.config.umask().unwrap_or(0o177));
    Ok(Meta {
        id,
        uid: caller.uid,
        gid: caller.gid,
        uname: caller.uname.clone(),
        gname: caller.gname.clone(),
        name: name.to_owned(),
        perms: one_core::perms::Permissions::from_umask(umask),
        lock: None,
    })
}

/// The object, or NO_EXISTS.
pub fn fetch<T: Managed>(tx: &Tx<'_>, id: i32) -> ApiResult<T> {
    tx.obj_get::<T>(T::TABLE, id)?.ok_or(ApiError::NoExists { object: T::OBJECT, id })
}

/// Fetches the object and checks `op` on it.
pub fn fetch_authorized<T: Managed>(tx: &Tx<'_>, caller: &Caller, id: i32, op: Operation) -> ApiResult<T> {
    let obj = fetch::<T>(tx, id)?;
    authorize(tx, caller, T::OBJECT, &[(op, &ObjAuth::of(&obj))])?;
    Ok(obj)
}

/// Refuses a name that is invalid or taken (by another object of `uid`, for per-owner pools).
pub fn check_unique<T: Managed>(tx: &Tx<'_>, name: &str, uid: i32, this: Option<i32>) -> ApiResult<()> {
    let owner = match T::UNIQUE {
        Unique::PerOwner => Some(uid),
        Unique::Global => None,
        Unique::No => return Ok(()),
    };
    match tx.obj_id_by_name(T::TABLE, name, owner)? {
        Some(other) if Some(other) != this => {
            Err(internal(format!("NAME is already taken by {} {other}.", T::KIND.name()), this.unwrap_or(-1)))
        }
        _ => Ok(()),
    }
}

/// `one.*.info`: the stored document, for a caller who may USE the object (even if locked).
pub fn info<T: Managed>(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<String> {
    ctx.db.read(|tx| {
        let body = tx.obj_body(T::TABLE, id)?.ok_or(ApiError::NoExists { object: T::OBJECT, id })?;
        // Administrators may read anything (reading ignores locks): no need to parse.
        if !caller.is_admin() {
            let obj = T::from_xml(&body)
                .map_err(|e| internal(format!("stored object {id} is not valid: {e}"), id))?;
            authorize(tx, caller, T::OBJECT, &[(Operation::Use, &ObjAuth::of(&obj).no_lock())])?;
        }
        Ok(body)
    })
}

/// `one.*.update`: replaces (type 0) or merges (type 1) the object's template.
pub fn update<T: Managed>(ctx: &Ctx, caller: &Caller, id: i32, text: &str, kind: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut obj = fetch_authorized::<T>(tx, caller, id, T::MANAGE_OP)?;
        let next = updated_template(obj.template(), text, kind, T::RESTRICTED, caller, id)?;
        *obj.template_mut() = next;
        tx.obj_put(T::TABLE, &obj)?;
        Ok(id)
    })
}

/// `one.*.rename`.
pub fn rename<T: Managed>(ctx: &Ctx, caller: &Caller, id: i32, name: &str) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut obj = fetch::<T>(tx, id)?;
        if obj.meta().name == name {
            return Ok(id);
        }
        authorize(tx, caller, T::OBJECT, &[(T::MANAGE_OP, &ObjAuth::of(&obj))])?;
        let scope = match T::UNIQUE {
            Unique::PerOwner => Some(Some(obj.meta().uid)),
            Unique::Global => Some(None),
            Unique::No => None,
        };
        if let Some(owner) = scope
            && let Some(other) = tx.obj_id_by_name(T::TABLE, name, owner)?.filter(|o| *o != id)
        {
            let o = T::OBJECT.name();
            return Err(action(
                format!("{o} cannot be renamed to {name} because it collides with {o} {other}"),
                id,
            ));
        }
        check_name(name, "").map_err(|e| action(e, id))?;
        obj.meta_mut().name = name.to_owned();
        tx.obj_put(T::TABLE, &obj)?;
        Ok(id)
    })
}

/// `one.*.chmod`: nine values, each 0, 1 or -1 (keep). Changing an ADMIN bit needs ADMIN.
pub fn chmod<T: Managed>(ctx: &Ctx, caller: &Caller, id: i32, bits: [i32; 9]) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut obj = fetch::<T>(tx, id)?;
        let perms = obj.meta().perms;
        let next =
            perms.apply_chmod(bits).ok_or_else(|| internal("Wrong permission value, use 0, 1 or -1", id))?;
        let admin_change = next.owner[2] != perms.owner[2]
            || next.group[2] != perms.group[2]
            || next.other[2] != perms.other[2];
        let op = if admin_change { Operation::Admin } else { Operation::Manage };
        authorize(tx, caller, T::OBJECT, &[(op, &ObjAuth::of(&obj))])?;
        obj.meta_mut().perms = next;
        tx.obj_put(T::TABLE, &obj)?;
        Ok(id)
    })
}

/// `one.*.chown`: new owner and/or group (-1 keeps). Needs MANAGE on the object, MANAGE on
/// the new owner and USE on the new group. Returns the object for pool-specific follow-ups
/// (quota transfer) done by the caller in the same transaction.
pub fn chown_in<T: Managed>(tx: &Tx<'_>, caller: &Caller, id: i32, uid: i32, gid: i32) -> ApiResult<(T, T)> {
    let new_user = if uid > -1 { Some(super::users::fetch(tx, uid)?) } else { None };
    let new_group = if gid > -1 { Some(super::groups::fetch(tx, gid)?) } else { None };
    let mut obj = fetch::<T>(tx, id)?;
    let before = fetch::<T>(tx, id)?;
    let new_user = new_user.filter(|u| u.id != obj.meta().uid);
    let new_group = new_group.filter(|g| g.id != obj.meta().gid);
    let mut checks = vec![(Operation::Manage, ObjAuth::of(&obj))];
    if let Some(u) = &new_user {
        checks.push((Operation::Manage, ObjAuth::user(u)));
    }
    if let Some(g) = &new_group {
        checks.push((Operation::Use, ObjAuth::group(g)));
    }
    let items: Vec<_> = checks.iter().map(|(op, o)| (*op, o)).collect();
    authorize(tx, caller, T::OBJECT, &items)?;
    if let Some(u) = &new_user {
        if T::UNIQUE == Unique::PerOwner
            && let Some(other) = tx.obj_id_by_name(T::TABLE, &obj.meta().name, Some(u.id))?
        {
            return Err(internal(
                format!(
                    "user [{}] already owns {} [{other}] with NAME {}",
                    u.id,
                    T::OBJECT.name(),
                    obj.meta().name
                ),
                id,
            ));
        }
        obj.meta_mut().uid = u.id;
        obj.meta_mut().uname = u.name.clone();
    }
    if let Some(g) = &new_group {
        obj.meta_mut().gid = g.id;
        obj.meta_mut().gname = g.name.clone();
    }
    Ok((before, obj))
}

/// `one.*.chown` for pools without quotas.
pub fn chown<T: Managed>(ctx: &Ctx, caller: &Caller, id: i32, uid: i32, gid: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let (_, obj) = chown_in::<T>(tx, caller, id, uid, gid)?;
        tx.obj_put(T::TABLE, &obj)?;
        Ok(id)
    })
}

/// `one.*.lock`: level 1 (USE: everything), 2 (MANAGE), 3 (ADMIN) or 4 (ALL, same as 1).
/// With `test`, an object already locked is refused.
pub fn lock<T: Managed>(ctx: &Ctx, caller: &Caller, id: i32, level: i32, test: bool) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut obj = fetch::<T>(tx, id)?;
        authorize(tx, caller, T::OBJECT, &[(Operation::Manage, &ObjAuth::of(&obj).no_lock())])?;
        let level = match level {
            1 | 4 => 1,
            2 => 2,
            3 => 3,
            _ => return Err(action("Wrong lock level specified", id)),
        };
        if !T::LOCKABLE {
            return Err(ApiError::Authorization {
                uid: caller.uid,
                object: T::OBJECT,
                detail: "Object cannot be locked".to_owned(),
            });
        }
        if test && obj.meta().lock.is_some() {
            return Err(action("Object is already locked", id));
        }
        obj.meta_mut().lock = Some(Lock { level, owner: caller.uid, time: now(), req_id: -1 });
        tx.obj_put(T::TABLE, &obj)?;
        Ok(id)
    })
}

/// `one.*.unlock`: only the user who locked it, or an administrator.
pub fn unlock<T: Managed>(ctx: &Ctx, caller: &Caller, id: i32) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let mut obj = fetch::<T>(tx, id)?;
        authorize(tx, caller, T::OBJECT, &[(Operation::Manage, &ObjAuth::of(&obj).no_lock())])?;
        if let Some(lock) = obj.meta().lock
            && lock.owner != caller.uid
            && !caller.is_admin()
        {
            return Err(action("Cannot unlock: Lock is owned by another user", id));
        }
        obj.meta_mut().lock = None;
        tx.obj_put(T::TABLE, &obj)?;
        Ok(id)
    })
}

/// `one.*.delete`: checks `T::DELETE_OP`, then `check` (its message is reported as
/// `Cannot delete <object>. <message>`), removes the object, runs `cleanup` in the same
/// transaction and drops the ACL rules that name the object.
pub fn delete<T: Managed>(
    ctx: &Ctx,
    caller: &Caller,
    id: i32,
    check: impl FnOnce(&Tx<'_>, &T) -> Result<(), String>,
    cleanup: impl FnOnce(&Tx<'_>, &T) -> ApiResult<()>,
) -> ApiResult<i32> {
    ctx.db.write(|tx| {
        let obj = fetch_authorized::<T>(tx, caller, id, T::DELETE_OP)?;
        check(tx, &obj).map_err(|e| action(format!("Cannot delete {}. {e}", T::OBJECT.name()), id))?;
        tx.obj_delete(T::TABLE, id)?;
        cleanup(tx, &obj)?;
        tx.acl_delete_by_resource(one_core::acl::INDIVIDUAL_ID | id as u32 as u64, T::KIND.bit())?;
        Ok(id)
    })
}

/// The listing query for a caller and a `(filter, start, end)` triple.
pub fn list_query<T: Managed>(
    tx: &Tx<'_>,
    ctx: &Ctx,
    caller: &Caller,
    filter: &PoolFilter,
) -> ApiResult<ListQuery> {
    let rules = rules(tx)?;
    let mut q = ListQuery::everything();
    q.visibility = visibility(&rules, caller, T::KIND);
    q.desc = ctx.config.api_list_order == ListOrder::Desc;
    use one_core::objects::common::Ownership;
    match filter.ownership {
        Ownership::PrimaryGroup => q.groups = Some(vec![caller.gid]),
        Ownership::Mine => q.owner = Some(caller.uid),
        Ownership::All => {}
        Ownership::MineAndGroups => {
            q.groups = Some(caller.groups.clone());
            q.or_uid = Some(caller.uid);
        }
        Ownership::User(uid) => q.owner = Some(uid),
    }
    match filter.range {
        Range::All => {}
        Range::From(start) => q.min_id = Some(start),
        Range::Between(start, end) => {
            q.min_id = Some(start);
            q.max_id = Some(end);
        }
        Range::Page { offset, size } => q.page = Some((offset, size)),
    }
    Ok(q)
}

/// Wraps listing bodies in the pool's root element.
pub fn pool_document(root: &str, bodies: &[String]) -> String {
    let len = bodies.iter().map(String::len).sum::<usize>() + 2 * root.len() + 5;
    let mut doc = String::with_capacity(len);
    doc.push('<');
    doc.push_str(root);
    doc.push('>');
    for b in bodies {
        doc.push_str(b);
    }
    doc.push_str("</");
    doc.push_str(root);
    doc.push('>');
    doc
}

/// `one.*pool.info(filter, start, end)`.
pub fn pool_info<T: Managed>(ctx: &Ctx, caller: &Caller, flag: i32, start: i32, end: i32) -> ApiResult<Doc> {
    let filter = PoolFilter::from_params(flag, start, end).map_err(|e| super::api(e, -1))?;
    ctx.db.read(|tx| {
        let q = list_query::<T>(tx, ctx, caller, &filter)?;
        listing::<T>(tx, T::TABLE, &q)
    })
}

/// The listing a query selects, as a pool document: from the in-memory listings where the
/// pool is kept there, else from the database.
pub fn listing<T: Managed>(tx: &Tx<'_>, table: &'static str, q: &ListQuery) -> ApiResult<Doc> {
    Ok(match tx.obj_list_escaped(table, q) {
        Some(bodies) => Doc::pool(T::POOL_ROOT, bodies),
        None => Doc::text(&pool_document(T::POOL_ROOT, &tx.obj_list_bodies(table, q)?)),
    })
}

/// Pools without filter parameters (hosts, clusters, datastores): everything the caller may
/// see.
pub fn pool_info_all<T: Managed>(ctx: &Ctx, caller: &Caller) -> ApiResult<Doc> {
    pool_info::<T>(ctx, caller, -2, -1, -1)
}
