//! Users and their credentials. Every RC client sends HTTP Basic (a user's token works as
//! the password); API clients may send `Authorization: Bearer <token>`. Tokens are random
//! (128 bits), shown once, stored as argon2id hashes. A verified credential is cached for a
//! minute under a SHA-256 of it, so the hash is not paid per request (rclone's own
//! `--rc-htpasswd` runs bcrypt per request: 13 req/s measured here). An unknown user costs
//! one argon2 verification too, like a wrong password.

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use base64::Engine as _;
use rcmd_core::secret::Secret;
use sha2::{Digest, Sha256};
use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions},
    Row, SqlitePool,
};

use crate::policy::Role;

/// How long a verified credential is trusted without hashing again.
const CACHE_FOR: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("user database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("cannot migrate the user database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot hash the token: {0}")]
    Hash(String),
    #[error("a user named {0:?} exists already")]
    Exists(String),
    #[error("user names are 1-64 letters, digits, '-', '_' or '.'")]
    BadName,
}

/// A user as rproxy sees it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// Remotes this user may use; empty: all.
    pub remotes: Vec<String>,
}

/// What a request presented.
#[derive(Clone)]
pub enum Credentials {
    Basic { user: String, secret: Secret },
    Bearer { token: Secret },
}

/// Reads an `Authorization` header (Basic or Bearer).
pub fn parse_authorization(header: &str) -> Option<Credentials> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD.decode(rest.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, secret) = text.split_once(':')?;
        Some(Credentials::Basic { user: user.to_owned(), secret: Secret::new(secret) })
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Some(Credentials::Bearer { token: Secret::new(rest.trim()) })
    } else {
        None
    }
}

/// Verified credentials (SHA-256 of name/id + token) → the user and when it was verified.
type Verified = Arc<Mutex<HashMap<[u8; 32], (User, Instant)>>>;

/// The user database with its verification cache. Cheap to clone.
#[derive(Clone)]
pub struct Users {
    pool: SqlitePool,
    cache: Verified,
    /// Verified against when the user does not exist, so that costs as much as a wrong token.
    dummy: Arc<String>,
}

impl Users {
    /// Opens (creating) the database at `path`.
    pub async fn open(path: &Path) -> Result<Users, AuthError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| AuthError::Db(sqlx::Error::Io(e)))?;
        }
        // WAL + NORMAL: a commit survives rproxy being killed (only a power loss may drop the
        // last ones) and does not fsync per audit batch
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(opts).await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let dummy = hash(&Secret::random())?;
        Ok(Users { pool, cache: Arc::default(), dummy: Arc::new(dummy) })
    }

    /// The database (the job store shares it).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Adds a user; returns it with its token (shown once, stored only hashed).
    pub async fn add(&self, name: &str, role: Role, remotes: &[String]) -> Result<(User, Secret), AuthError> {
        if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(AuthError::BadName);
        }
        let mut tx = self.pool.begin().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE name = ?").bind(name).fetch_optional(&mut *tx).await?;
        if exists.is_some() {
            return Err(AuthError::Exists(name.to_owned()));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (name, role, remotes, secret_hash, created_at) VALUES (?, ?, ?, '', ?) RETURNING id",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(remotes.join(","))
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        // the id is in the token, so a Bearer token finds its user without a name
        let token = Secret::new(format!("rpx_{id}_{}", Secret::random().expose()));
        sqlx::query("UPDATE users SET secret_hash = ? WHERE id = ?").bind(hash(&token)?).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok((User { id, name: name.to_owned(), role, remotes: remotes.to_vec() }, token))
    }

    pub async fn list(&self) -> Result<Vec<User>, AuthError> {
        let rows = sqlx::query("SELECT id, name, role, remotes FROM users ORDER BY id").fetch_all(&self.pool).await?;
        Ok(rows.iter().map(user_of).collect())
    }

    /// Removes a user; false when there was none. Its cached credentials go too.
    pub async fn remove(&self, name: &str) -> Result<bool, AuthError> {
        let n = sqlx::query("DELETE FROM users WHERE name = ?").bind(name).execute(&self.pool).await?.rows_affected();
        if let Ok(mut c) = self.cache.lock() {
            c.retain(|_, (u, _)| u.name != name);
        }
        Ok(n > 0)
    }

    pub async fn count(&self) -> Result<i64, AuthError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await?)
    }

    /// The user these credentials belong to, or `None`.
    pub async fn verify(&self, creds: &Credentials) -> Option<User> {
        let (key, secret) = match creds {
            Credentials::Basic { user, secret } => (format!("u:{user}"), secret.clone()),
            Credentials::Bearer { token } => (format!("t:{}", token_id(token.expose())?), token.clone()),
        };
        let digest: [u8; 32] = Sha256::new().chain_update(key.as_bytes()).chain_update([0u8]).chain_update(secret.expose()).finalize().into();
        if let Ok(cache) = self.cache.lock() {
            if let Some((user, at)) = cache.get(&digest) {
                if at.elapsed() < CACHE_FOR {
                    return Some(user.clone());
                }
            }
        }
        let row = match creds {
            Credentials::Basic { user, .. } => sqlx::query("SELECT id, name, role, remotes, secret_hash FROM users WHERE name = ?")
                .bind(user)
                .fetch_optional(&self.pool)
                .await
                .ok()?,
            Credentials::Bearer { token } => sqlx::query("SELECT id, name, role, remotes, secret_hash FROM users WHERE id = ?")
                .bind(token_id(token.expose())?)
                .fetch_optional(&self.pool)
                .await
                .ok()?,
        };
        let stored: String = row.as_ref().map(|r| r.get(4)).unwrap_or_else(|| self.dummy.as_ref().clone());
        let ok = tokio::task::spawn_blocking(move || verify_hash(&stored, &secret)).await.unwrap_or(false);
        let user = row.as_ref().map(user_of).filter(|_| ok)?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|_, (_, at)| at.elapsed() < CACHE_FOR);
            cache.insert(digest, (user.clone(), Instant::now()));
        }
        Some(user)
    }
}

fn user_of(r: &sqlx::sqlite::SqliteRow) -> User {
    let remotes: String = r.get(3);
    User {
        id: r.get(0),
        name: r.get(1),
        role: r.get::<String, _>(2).parse().unwrap_or(Role::Viewer),
        remotes: remotes.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
    }
}

/// The user id inside a token `rpx_<id>_<random>`.
fn token_id(token: &str) -> Option<i64> {
    token.strip_prefix("rpx_")?.split('_').next()?.parse().ok()
}

fn hash(secret: &Secret) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(secret.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Argon2id verification (constant time in the secret).
fn verify_hash(stored: &str, secret: &Secret) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(secret.expose().as_bytes(), &h).is_ok())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn tokens_verify_as_basic_password_and_bearer() {
        let dir = tempfile::tempdir().unwrap();
        let users = Users::open(&dir.path().join("rproxy.db")).await.unwrap();
        let (alice, token) = users.add("alice", Role::Operator, &["nas".into()]).await.unwrap();
        assert!(matches!(users.add("alice", Role::Viewer, &[]).await, Err(AuthError::Exists(_))));
        let basic = Credentials::Basic { user: "alice".into(), secret: token.clone() };
        assert_eq!(users.verify(&basic).await, Some(alice.clone()));
        assert_eq!(users.verify(&basic).await, Some(alice.clone()), "cached");
        assert_eq!(users.verify(&Credentials::Bearer { token: token.clone() }).await, Some(alice.clone()));
        let wrong = Credentials::Basic { user: "alice".into(), secret: Secret::new("nope") };
        assert_eq!(users.verify(&wrong).await, None);
        assert_eq!(users.verify(&Credentials::Basic { user: "bob".into(), secret: token.clone() }).await, None);
        // the database holds no token
        let stored: String = sqlx::query_scalar("SELECT secret_hash FROM users").fetch_one(&users.pool).await.unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains(token.expose()));
        assert!(users.remove("alice").await.unwrap());
        assert_eq!(users.verify(&basic).await, None, "removed users are not served from the cache");
        let header = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("u:p:q"));
        assert!(matches!(parse_authorization(&header), Some(Credentials::Basic { user, secret }) if user == "u" && secret.expose() == "p:q"));
    }
}
