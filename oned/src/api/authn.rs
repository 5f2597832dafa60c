//! Authentication of the session string (`user:secret`) every call starts with. With the
//! `core` driver the secret is the password (stored as sha256 hex) or a login token from
//! `one.user.login`. With `server_cipher` (serveradmin) the secret is
//! `target_user:[egid:]token`, the token being `server:target:expiry` encrypted with
//! AES-256-CBC under the server user's stored password, and the call runs as the target user,
//! as OpenNebula's web front-ends use it. Failures are reported with one message whatever the
//! reason (the reason goes to the log only), as OpenNebula does.

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use one_core::objects::user::User;

use super::{ApiError, ApiResult, Caller, Ctx, check_name, now};

/// The driver whose passwords oned checks itself.
pub const CORE: &str = "core";

/// The driver of server users (serveradmin) that act on behalf of others.
pub const SERVER_CIPHER: &str = "server_cipher";

/// Lower-case hex sha256 of `text`, as `core` passwords are stored.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random 64-character hex string (login tokens, `TOKEN_PASSWORD`, generated passwords).
pub fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How a user's secret was accepted.
enum Accepted {
    /// The password, or a token not bound to a group.
    Full,
    /// A token bound to this group.
    Group(i32),
}

/// Checks the session string and returns who the call runs as.
pub fn authenticate(ctx: &Ctx, session: &str) -> ApiResult<Caller> {
    let Some((name, secret)) = session.split_once(':') else {
        tracing::info!("authentication failed: session has no ':'");
        return Err(ApiError::Authentication);
    };
    if check_name(name, " ").is_err() {
        tracing::info!("authentication failed: invalid user name");
        return Err(ApiError::Authentication);
    }
    let found = ctx.db.read(|tx| -> ApiResult<Option<(User, Option<String>)>> {
        let Some(user) = tx.user_by_name(name)? else { return Ok(None) };
        let gname = tx.group_name(user.gid)?;
        Ok(Some((user, gname)))
    })?;
    let Some((user, gname)) = found else {
        tracing::info!(user = name, "authentication failed: no such user");
        return Err(ApiError::Authentication);
    };
    if !user.enabled {
        tracing::info!(user = name, "authentication failed: user is disabled");
        return Err(ApiError::Authentication);
    }
    if user.auth_driver == SERVER_CIPHER {
        return on_behalf(ctx, &user, secret);
    }
    let accepted = check_secret(&user, secret, now()).ok_or_else(|| {
        tracing::info!(user = name, driver = user.auth_driver, "authentication failed: wrong secret");
        ApiError::Authentication
    })?;
    let caller = match accepted {
        Accepted::Full => Caller {
            uid: user.id,
            gid: user.gid,
            groups: user.groups.clone(),
            uname: user.name.clone(),
            gname: gname.unwrap_or_default(),
        },
        Accepted::Group(egid) => {
            let egname = ctx.db.read(|tx| tx.group_name(egid))?.unwrap_or_default();
            Caller { uid: user.id, gid: egid, groups: vec![egid], uname: user.name.clone(), gname: egname }
        }
    };
    Ok(caller)
}

/// A server user's call on behalf of another user: `secret` is `target:[egid:]token`.
fn on_behalf(ctx: &Ctx, server: &User, secret: &str) -> ApiResult<Caller> {
    let refuse = |why: &str| {
        tracing::info!(user = server.name, "server authentication failed: {why}");
        ApiError::Authentication
    };
    let (target_name, rest) = secret.split_once(':').ok_or_else(|| refuse("wrong token format"))?;
    let (egid, token) = match rest.split_once(':') {
        Some((egid, token)) => (egid.parse::<i32>().map_err(|_| refuse("wrong token format"))?, token),
        None => (-1, rest),
    };
    if !server_token_valid(server, token, now()) {
        return Err(refuse("token not valid"));
    }
    let found = ctx.db.read(|tx| -> ApiResult<Option<(User, Option<String>)>> {
        let Some(user) = tx.user_by_name(target_name)? else { return Ok(None) };
        let gname = tx.group_name(if egid == -1 { user.gid } else { egid })?;
        Ok(Some((user, gname)))
    })?;
    let (target, gname) = found.ok_or_else(|| refuse("no such target user"))?;
    if !target.enabled || (egid != -1 && !target.groups.contains(&egid)) {
        return Err(refuse("target user disabled or not in the group"));
    }
    let (gid, groups) = if egid == -1 { (target.gid, target.groups.clone()) } else { (egid, vec![egid]) };
    Ok(Caller { uid: target.id, gid, groups, uname: target.name, gname: gname.unwrap_or_default() })
}

/// Whether `token` (base64 of AES-256-CBC of `server:target:expiry`, key and IV the first 32
/// and 16 characters of the server user's stored password) names this server and has not
/// expired at `now`.
fn server_token_valid(server: &User, token: &str, now: i64) -> bool {
    let (Some(key), Some(iv)) = (server.password.get(..32), server.password.get(..16)) else { return false };
    let Ok(data) = base64::engine::general_purpose::STANDARD.decode(token) else { return false };
    let Ok(decryptor) = cbc::Decryptor::<aes::Aes256>::new_from_slices(key.as_bytes(), iv.as_bytes()) else {
        return false;
    };
    let Ok(plain) = decryptor.decrypt_padded_vec_mut::<Pkcs7>(&data) else { return false };
    let Ok(text) = String::from_utf8(plain) else { return false };
    let parts: Vec<&str> = text.split(':').collect();
    let expiry = parts.last().and_then(|e| e.parse::<i64>().ok());
    parts.first() == Some(&server.name.as_str()) && expiry.is_some_and(|e| now < e)
}

/// Whether `secret` opens `user`'s account at time `now`.
fn check_secret(user: &User, secret: &str, now: i64) -> Option<Accepted> {
    if let Some(token) = user.login_tokens.iter().find(|t| t.token == secret) {
        // A known token decides alone: an expired one fails without trying the password.
        let valid = token.expiration_time == -1 || now < token.expiration_time;
        if !valid {
            return None;
        }
        return match token.egid {
            -1 => Some(Accepted::Full),
            egid if user.groups.contains(&egid) => Some(Accepted::Group(egid)),
            _ => None,
        };
    }
    match user.auth_driver.as_str() {
        CORE => (user.password == sha256_hex(secret)).then_some(Accepted::Full),
        // `public` never authenticates directly; external drivers (ldap, x509, ...) and the
        // server_* drivers are not available in this oned.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use one_core::objects::user::LoginToken;

    fn user() -> User {
        User {
            id: 5,
            gid: 1,
            groups: vec![1, 100],
            gname: "users".into(),
            name: "alice".into(),
            password: sha256_hex("secret"),
            auth_driver: CORE.into(),
            enabled: true,
            login_tokens: vec![
                LoginToken { token: "t-live".into(), expiration_time: 2000, egid: -1 },
                LoginToken { token: "t-old".into(), expiration_time: 1000, egid: -1 },
                LoginToken { token: "t-group".into(), expiration_time: -1, egid: 100 },
                LoginToken { token: "t-gone".into(), expiration_time: -1, egid: 101 },
            ],
            template: Default::default(),
            quotas: Default::default(),
        }
    }

    /// Encrypts a server token as OpenNebula's web front-ends do.
    fn server_token(stored_password: &str, text: &str) -> String {
        use aes::cipher::BlockEncryptMut;
        let enc = cbc::Encryptor::<aes::Aes256>::new_from_slices(
            &stored_password.as_bytes()[..32],
            &stored_password.as_bytes()[..16],
        )
        .unwrap();
        base64::engine::general_purpose::STANDARD.encode(enc.encrypt_padded_vec_mut::<Pkcs7>(text.as_bytes()))
    }

    #[test]
    fn server_tokens() {
        let server = User {
            name: "serveradmin".into(),
            auth_driver: SERVER_CIPHER.into(),
            password: sha256_hex("r"),
            ..user()
        };
        let good = server_token(&server.password, "serveradmin:alice:2000");
        assert!(server_token_valid(&server, &good, 1999));
        assert!(!server_token_valid(&server, &good, 2000), "expired");
        assert!(!server_token_valid(&server, &server_token(&server.password, "other:alice:2000"), 1000));
        assert!(!server_token_valid(
            &server,
            &server_token(&sha256_hex("x"), "serveradmin:alice:2000"),
            1000
        ));
        assert!(!server_token_valid(&server, "not base64!", 1000));
    }

    #[test]
    fn sha256_is_lower_hex() {
        assert_eq!(
            sha256_hex("password"),
            "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
        );
        assert_eq!(random_hex().len(), 64);
        assert_ne!(random_hex(), random_hex());
    }

    #[test]
    fn passwords_and_tokens() {
        let u = user();
        assert!(matches!(check_secret(&u, "secret", 1500), Some(Accepted::Full)));
        assert!(check_secret(&u, "wrong", 1500).is_none());
        assert!(matches!(check_secret(&u, "t-live", 1500), Some(Accepted::Full)));
        assert!(check_secret(&u, "t-live", 2000).is_none(), "expired at its expiration time");
        assert!(check_secret(&u, "t-old", 1500).is_none());
        assert!(matches!(check_secret(&u, "t-group", 1500), Some(Accepted::Group(100))));
        assert!(check_secret(&u, "t-gone", 1500).is_none(), "token of a group the user left");
        let public = User { auth_driver: "public".into(), ..u };
        assert!(check_secret(&public, "secret", 1500).is_none());
    }
}
