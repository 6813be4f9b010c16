//! Users and their credentials. Every RC client sends HTTP Basic (a user's token works as
//! the password); API clients may send `Authorization: Bearer <token>`. Tokens are random
//! (128 bits), shown once, stored as argon2id hashes; a user may hold several, each
//! revocable on its own (`rpx_<token id>_<random>`: the id finds the row without a scan). A verified credential is cached for a
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
    password_hash::{PasswordHasher, SaltString},
    Argon2,
};
use base64::Engine as _;
use rcmd_core::secret::Secret;
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

use crate::{
    db::{Pool, Tx},
    on_pool, on_tx,
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
    #[error("user names are 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit")]
    BadName,
    #[error("no user {0:?}")]
    NoUser(String),
}

/// A token as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub user: String,
    pub label: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// unix ms; `None`: valid until revoked.
    pub expires_at: Option<i64>,
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
        Some(Credentials::Basic {
            user: user.to_owned(),
            secret: Secret::new(secret),
        })
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Some(Credentials::Bearer {
            token: Secret::new(rest.trim()),
        })
    } else {
        None
    }
}

/// Verified credentials (SHA-256 of name/id + token): user, token id, until when the entry
/// may be used (spread around [`CACHE_FOR`] so entries do not all expire together), when the
/// token expires (unix ms).
type Verified = Arc<Mutex<HashMap<[u8; 32], (User, i64, Instant, Option<i64>)>>>;

/// Verifications in flight, one per credential: concurrent requests with the same
/// credentials wait for the one verification instead of each running argon2.
type InFlight = Arc<Mutex<HashMap<[u8; 32], Arc<tokio::sync::OnceCell<Result<(User, i64, Option<i64>), Refusal>>>>>>;

/// Why credentials were refused. Only a right token past its expiry is told apart (it was
/// verified, so saying so leaks nothing a wrong guess could learn). `Limited` and
/// `Unavailable` say nothing about the credentials: too many failures from this user or
/// address (429), or the database could not be read (503): a good token is never called bad
/// because of an outage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Invalid,
    Expired,
    Limited(Duration),
    Unavailable,
}

/// The user database with its verification cache. Cheap to clone.
#[derive(Clone)]
pub struct Users {
    pool: Pool,
    cache: Verified,
    in_flight: InFlight,
    verifier: crate::verifier::Verifier,
    logins: Arc<crate::login::Logins>,
    /// Whether the database answers (shared with every part of the server).
    pub health: crate::db::health::Health,
    /// Verified against when the user does not exist, so that costs as much as a wrong token.
    dummy: Arc<String>,
    /// argon2 verifications run (every refusal runs exactly one).
    checks: Arc<std::sync::atomic::AtomicU64>,
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
        // one connection: SQLite has one writer, and writers contending on several connections
        // back off with sleeps (SQLITE_BUSY); queued on one connection they do not (the queue's
        // 5,000-call benchmark accepted 1,800 calls/s instead of 1,300). Reads are short.
        // No ping before each use (sqlx's default): an embedded file does not drop connections,
        // and the ping was a round trip to the connection's thread per query.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(opts)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Users::over(Pool::Sqlite(pool)).await
    }

    /// Opens the database `db`: a `postgres://` URL (several instances may share it), else a
    /// SQLite file path.
    pub async fn connect(db: &str) -> Result<Users, AuthError> {
        if !(db.starts_with("postgres://") || db.starts_with("postgresql://")) {
            return Users::open(Path::new(db)).await;
        }
        // a request waits at most a few seconds for a connection: during an outage it fails
        // (503) instead of hanging for the pool's default 30 s
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(3))
            .connect(db)
            .await?;
        crate::db::migrate_pg(&pool).await?;
        Users::over(Pool::Pg(pool)).await
    }

    async fn over(pool: Pool) -> Result<Users, AuthError> {
        // this database's identity: clients keep it with their last event id, so a reinstalled
        // server (ids starting again) is not mistaken for the old one
        let id = Secret::random().expose()[..16].to_owned();
        on_pool!(&pool, p => sqlx::query("INSERT INTO meta (key, value) VALUES ('store_id', $1) ON CONFLICT (key) DO NOTHING").bind(id).execute(p).await?.rows_affected());
        let dummy = hash(&Secret::random())?;
        Ok(Users {
            pool,
            cache: Arc::default(),
            in_flight: Arc::default(),
            verifier: crate::verifier::Verifier::new(0),
            logins: Arc::default(),
            health: crate::db::health::Health::default(),
            dummy: Arc::new(dummy),
            checks: Arc::default(),
        })
    }

    /// Drops the cached verifications of tokens another process (`rproxy token revoke`,
    /// `rproxy user remove`, another instance) revoked or deleted: checked every second, so
    /// such a change takes effect within a second here (at once when made through this
    /// process). Only those entries go: every other user stays verified.
    pub fn watch_changes(&self) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut last = String::new();
            loop {
                let now: Result<(i64, i64, i64, i64), _> = on_pool!(&this.pool, p => sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM tokens WHERE revoked_at IS NOT NULL), (SELECT COUNT(*) FROM users), \
                     (SELECT COALESCE(MAX(id), 0) FROM users), (SELECT COUNT(*) FROM tokens)",
                )
                .fetch_one(p)
                .await);
                let now = now.map(|(a, b, c, d)| format!("{a}:{b}:{c}:{d}"));
                if let Ok(now) = now {
                    if now != last && this.drop_dead_tokens().await.is_ok() {
                        last = now;
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    /// Removes cache entries whose token is no longer live.
    async fn drop_dead_tokens(&self) -> Result<(), sqlx::Error> {
        let live: Vec<i64> = on_pool!(&self.pool, p => sqlx::query_scalar("SELECT id FROM tokens WHERE revoked_at IS NULL").fetch_all(p).await?);
        let live: std::collections::HashSet<i64> = live.into_iter().collect();
        if let Ok(mut c) = self.cache.lock() {
            c.retain(|_, (_, tid, _, _)| live.contains(tid));
        }
        Ok(())
    }

    /// Whether the cached verification of this token is still held (tests).
    pub fn cached_tokens(&self) -> Vec<i64> {
        self.cache
            .lock()
            .map(|c| c.values().map(|(_, tid, _, _)| *tid).collect())
            .unwrap_or_default()
    }

    /// Whether token `id` is still live and its user still exists (event streams re-check
    /// their credentials with this). `Err` when the database cannot be read.
    pub async fn token_live(&self, id: i64) -> Result<bool, AuthError> {
        let n: i64 = on_pool!(&self.pool, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)",
        )
        .bind(id)
        .bind(now_ms())
        .fetch_one(p)
        .await?);
        Ok(n > 0)
    }

    /// argon2 verifications run so far (tests: a refusal costs one, whatever its cause).
    pub fn hash_checks(&self) -> u64 {
        self.checks.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The identity of this database (`store_id` in meta), made on first open.
    pub async fn store_id(&self) -> Result<String, AuthError> {
        Ok(
            on_pool!(&self.pool, p => sqlx::query_scalar("SELECT value FROM meta WHERE key = 'store_id'").fetch_one(p).await?),
        )
    }

    /// The database (jobs, queue, events and audit share it).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Adds a user; returns it with its token (shown once, stored only hashed). Two processes
    /// adding one name at once: one gets [`AuthError::Exists`].
    pub async fn add(&self, name: &str, role: Role, remotes: &[String]) -> Result<(User, Secret), AuthError> {
        self.add_once(name, role, remotes).await.map_err(|e| match e {
            AuthError::Db(sqlx::Error::Database(d)) if d.is_unique_violation() => AuthError::Exists(name.to_owned()),
            other => other,
        })
    }

    async fn add_once(&self, name: &str, role: Role, remotes: &[String]) -> Result<(User, Secret), AuthError> {
        let first_ok = name.starts_with(|c: char| c.is_ascii_alphanumeric());
        if !first_ok
            || name.len() > 64
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(AuthError::BadName);
        }
        let mut tx = self.pool.begin().await?;
        let exists: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT id FROM users WHERE name = $1").bind(name).fetch_optional(c).await?);
        if exists.is_some() {
            return Err(AuthError::Exists(name.to_owned()));
        }
        let id: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
            "INSERT INTO users (name, role, remotes, secret_hash, created_at) VALUES ($1, $2, $3, '', $4) RETURNING id",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(remotes.join(","))
        .bind(now_ms())
        .fetch_one(c)
        .await?);
        let (_, token) = new_token(&mut tx, id, "first").await?;
        tx.commit().await?;
        Ok((
            User {
                id,
                name: name.to_owned(),
                role,
                remotes: remotes.to_vec(),
            },
            token,
        ))
    }

    /// A new token for user `name` (shown once), valid for `valid_for` (`None`: until revoked);
    /// returns its id and the token.
    pub async fn create_token(
        &self,
        name: &str,
        label: &str,
        valid_for: Option<std::time::Duration>,
    ) -> Result<(i64, Secret), AuthError> {
        let mut tx = self.pool.begin().await?;
        let user: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT id FROM users WHERE name = $1").bind(name).fetch_optional(c).await?);
        let user = user.ok_or_else(|| AuthError::NoUser(name.to_owned()))?;
        let made = new_token(&mut tx, user, label).await?;
        if let Some(d) = valid_for {
            let until = now_ms() + d.as_millis() as i64;
            on_tx!(&mut tx, c => sqlx::query("UPDATE tokens SET expires_at = $1 WHERE id = $2").bind(until).bind(made.0).execute(c).await?.rows_affected());
        }
        tx.commit().await?;
        Ok(made)
    }

    /// Revokes token `id`; false when there is no such live token. It stops working at once
    /// (its cached verifications go too).
    pub async fn revoke_token(&self, id: i64) -> Result<bool, AuthError> {
        let n = on_pool!(&self.pool, p => sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL").bind(now_ms()).bind(id).execute(p).await?.rows_affected());
        if let Ok(mut c) = self.cache.lock() {
            c.retain(|_, (_, tid, _, _)| *tid != id);
        }
        Ok(n > 0)
    }

    /// Tokens (of user `name`, or everyone's), revoked ones included.
    pub async fn tokens(&self, name: Option<&str>) -> Result<Vec<TokenInfo>, AuthError> {
        type Row = (i64, String, String, i64, Option<i64>, Option<i64>);
        let rows: Vec<Row> = on_pool!(&self.pool, p => sqlx::query_as(
            "SELECT t.id, u.name, t.label, t.created_at, t.revoked_at, t.expires_at FROM tokens t JOIN users u ON u.id = t.user_id WHERE ($1 IS NULL OR u.name = $1) ORDER BY t.id",
        )
        .bind(name)
        .fetch_all(p)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(id, user, label, created_at, revoked_at, expires_at)| TokenInfo {
                id,
                user,
                label,
                created_at,
                revoked_at,
                expires_at,
            })
            .collect())
    }

    pub async fn list(&self) -> Result<Vec<User>, AuthError> {
        let rows: Vec<UserRow> = on_pool!(&self.pool, p => sqlx::query_as("SELECT id, name, role, remotes FROM users ORDER BY id").fetch_all(p).await?);
        Ok(rows.into_iter().map(user_of).collect())
    }

    /// Removes a user; false when there was none. Its cached credentials go too.
    pub async fn remove(&self, name: &str) -> Result<bool, AuthError> {
        let mut tx = self.pool.begin().await?;
        let n = on_tx!(&mut tx, c => {
            sqlx::query("DELETE FROM tokens WHERE user_id IN (SELECT id FROM users WHERE name = $1)").bind(name).execute(&mut *c).await?;
            sqlx::query("DELETE FROM users WHERE name = $1").bind(name).execute(&mut *c).await?.rows_affected()
        });
        tx.commit().await?;
        if let Ok(mut c) = self.cache.lock() {
            c.retain(|_, (u, _, _, _)| u.name != name);
        }
        Ok(n > 0)
    }

    pub async fn count(&self) -> Result<i64, AuthError> {
        Ok(on_pool!(&self.pool, p => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await?))
    }

    /// The user these credentials belong to, or `None`. Basic credentials are a user name
    /// and one of its live tokens; a Bearer token is enough alone. Whatever is wrong (unknown
    /// user, unknown or revoked token, someone else's token, a wrong secret), one argon2
    /// verification is paid, so a refusal takes as long whatever its cause.
    pub async fn verify(&self, creds: &Credentials) -> Option<User> {
        self.check(creds).await.ok()
    }

    /// Like [`Users::verify`], saying why credentials were refused.
    pub async fn check(&self, creds: &Credentials) -> Result<User, Refusal> {
        self.check_from(creds, None).await
    }

    /// [`Users::check`] for a request from `addr`. A cached verification answers at once;
    /// otherwise failed logins of this user (or token) and this address are limited (see
    /// [`crate::login`]), concurrent requests with the same credentials share one
    /// verification, and verifications run on a few dedicated threads
    /// ([`crate::verifier`]).
    pub async fn check_from(&self, creds: &Credentials, addr: Option<std::net::IpAddr>) -> Result<User, Refusal> {
        let (key, secret, name) = match creds {
            Credentials::Basic { user, secret } => (format!("u:{user}"), secret.clone(), Some(user.as_str())),
            Credentials::Bearer { token } => ("t".to_owned(), token.clone(), None),
        };
        let digest: [u8; 32] = Sha256::new()
            .chain_update(key.as_bytes())
            .chain_update([0u8])
            .chain_update(secret.expose())
            .finalize()
            .into();
        if let Ok(cache) = self.cache.lock() {
            if let Some((user, _, until, expires)) = cache.get(&digest) {
                if Instant::now() < *until {
                    return live(*expires).map(|_| user.clone());
                }
            }
        }
        let tid = token_id(secret.expose());
        let mut keys = Vec::with_capacity(2);
        match (name, tid) {
            (Some(n), _) => keys.push(crate::login::Key::User(n.to_owned())),
            (None, Some(t)) => keys.push(crate::login::Key::Token(t)),
            (None, None) => {}
        }
        keys.extend(addr.map(crate::login::Key::Addr));
        self.logins.check(&keys).map_err(Refusal::Limited)?;
        let cell = match self.in_flight.lock() {
            Ok(mut m) => m.entry(digest).or_default().clone(),
            Err(_) => Arc::default(),
        };
        let outcome = cell
            .get_or_init(|| self.verify_uncached(name, secret, tid))
            .await
            .clone();
        let result = self.settle(digest, &keys, outcome);
        // only now, with the result cached, may a new request stop waiting on this cell
        if let Ok(mut m) = self.in_flight.lock() {
            if m.get(&digest).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                m.remove(&digest);
            }
        }
        result
    }

    /// Caches a verified credential and keeps the failure counts.
    fn settle(
        &self,
        digest: [u8; 32],
        keys: &[crate::login::Key],
        outcome: Result<(User, i64, Option<i64>), Refusal>,
    ) -> Result<User, Refusal> {
        match outcome {
            Ok((user, tid, expires)) => {
                self.logins.succeeded(keys);
                if let Ok(mut cache) = self.cache.lock() {
                    let now = Instant::now();
                    cache.retain(|_, (_, _, until, _)| now < *until);
                    // spread over ±25 %, so entries made together do not expire together
                    let spread = CACHE_FOR.mul_f64(0.75 + rand::random::<f64>() * 0.5);
                    cache.insert(digest, (user.clone(), tid, now + spread, expires));
                }
                live(expires).map(|_| user)
            }
            Err(Refusal::Invalid) => {
                self.logins.failed(keys);
                Err(Refusal::Invalid)
            }
            Err(other) => Err(other),
        }
    }

    /// One verification against the database: the token's row, then argon2 in a slot.
    async fn verify_uncached(
        &self,
        name: Option<&str>,
        secret: Secret,
        tid: Option<i64>,
    ) -> Result<(User, i64, Option<i64>), Refusal> {
        if self.health.is_down() {
            // fail fast: the row cannot be read, and a good token must not be called bad
            return Err(Refusal::Unavailable);
        }
        type Found = (i64, String, String, String, String, Option<i64>);
        let row: Option<Found> = match tid {
            Some(tid) => on_pool!(&self.pool, p => sqlx::query_as(
                "SELECT u.id, u.name, u.role, u.remotes, t.secret_hash, t.expires_at FROM tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.id = $1 AND t.revoked_at IS NULL AND ($2 IS NULL OR u.name = $2)",
            )
            .bind(tid)
            .bind(name)
            .fetch_optional(p)
            .await
            .map_err(|e| {
                self.health.failed(&self.pool, &e);
                Refusal::Unavailable
            })?),
            None => None,
        };
        let stored: String = row
            .as_ref()
            .map(|r| r.4.clone())
            .unwrap_or_else(|| self.dummy.as_ref().clone());
        self.checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ok = self
            .verifier
            .verify(stored, secret)
            .await
            .map_err(|_| Refusal::Unavailable)?;
        let expires: Option<i64> = row.as_ref().and_then(|r| r.5);
        let user = row
            .map(|(id, name, role, remotes, _, _)| user_of((id, name, role, remotes)))
            .filter(|_| ok)
            .ok_or(Refusal::Invalid)?;
        Ok((user, tid.unwrap_or(0), expires))
    }
}

/// Whether a token expiring at `expires` (unix ms) may still be used.
fn live(expires: Option<i64>) -> Result<(), Refusal> {
    match expires {
        Some(at) if at <= now_ms() => Err(Refusal::Expired),
        _ => Ok(()),
    }
}

/// Creates a token row for user `user_id` in the caller's transaction.
async fn new_token(tx: &mut Tx, user_id: i64, label: &str) -> Result<(i64, Secret), AuthError> {
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar("INSERT INTO tokens (user_id, label, secret_hash, created_at) VALUES ($1, $2, '', $3) RETURNING id")
        .bind(user_id)
        .bind(label)
        .bind(now_ms())
        .fetch_one(c)
        .await?);
    // the id is in the token, so its row is found without trying every hash
    let token = Secret::new(format!("rpx_{id}_{}", Secret::random().expose()));
    let hashed = hash(&token)?;
    on_tx!(tx, c => sqlx::query("UPDATE tokens SET secret_hash = $1 WHERE id = $2").bind(hashed).bind(id).execute(c).await?.rows_affected());
    Ok((id, token))
}

/// A user row: id, name, role, remotes (comma-separated).
type UserRow = (i64, String, String, String);

fn user_of((id, name, role, remotes): UserRow) -> User {
    User {
        id,
        name,
        role: role.parse().unwrap_or(Role::Viewer),
        remotes: remotes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

/// The token id inside a token `rpx_<id>_<random>`.
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

use rcmd_core::batch::store::now_ms;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn tokens_verify_as_basic_password_and_bearer() {
        let dir = tempfile::tempdir().unwrap();
        let users = Users::open(&dir.path().join("rproxy.db")).await.unwrap();
        let (alice, token) = users.add("alice", Role::Operator, &["nas".into()]).await.unwrap();
        assert!(matches!(
            users.add("alice", Role::Viewer, &[]).await,
            Err(AuthError::Exists(_))
        ));
        let basic = Credentials::Basic {
            user: "alice".into(),
            secret: token.clone(),
        };
        assert_eq!(users.verify(&basic).await, Some(alice.clone()));
        assert_eq!(users.verify(&basic).await, Some(alice.clone()), "cached");
        assert_eq!(
            users.verify(&Credentials::Bearer { token: token.clone() }).await,
            Some(alice.clone())
        );
        let wrong = Credentials::Basic {
            user: "alice".into(),
            secret: Secret::new("nope"),
        };
        assert_eq!(users.verify(&wrong).await, None);
        assert_eq!(
            users
                .verify(&Credentials::Basic {
                    user: "bob".into(),
                    secret: token.clone()
                })
                .await,
            None
        );
        // the database holds no token
        let stored: String = sqlx::query_scalar("SELECT secret_hash FROM tokens")
            .fetch_one(users.pool.sqlite().unwrap())
            .await
            .unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains(token.expose()));
        // a second token, then revoking the first: only the second works, at once
        let (tid, second) = users.create_token("alice", "laptop", None).await.unwrap();
        let first_id = token_id(token.expose()).unwrap();
        assert!(users.revoke_token(first_id).await.unwrap());
        assert!(!users.revoke_token(first_id).await.unwrap(), "revoked twice");
        assert_eq!(
            users.verify(&basic).await,
            None,
            "a revoked token is not served from the cache"
        );
        assert_eq!(users.verify(&Credentials::Bearer { token: token.clone() }).await, None);
        let second_basic = Credentials::Basic {
            user: "alice".into(),
            secret: second.clone(),
        };
        assert_eq!(users.verify(&second_basic).await, Some(alice.clone()));
        let listed = users.tokens(Some("alice")).await.unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|t| (t.id, t.revoked_at.is_some()))
                .collect::<Vec<_>>(),
            [(first_id, true), (tid, false)]
        );
        // someone else's token with alice's name is refused
        let (_, bob_token) = users.add("bob", Role::Viewer, &[]).await.unwrap();
        assert_eq!(
            users
                .verify(&Credentials::Basic {
                    user: "alice".into(),
                    secret: bob_token
                })
                .await,
            None
        );
        assert!(users.remove("alice").await.unwrap());
        assert_eq!(
            users.verify(&second_basic).await,
            None,
            "removed users are not served from the cache"
        );
        let header = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("u:p:q"));
        assert!(
            matches!(parse_authorization(&header), Some(Credentials::Basic { user, secret }) if user == "u" && secret.expose() == "p:q")
        );
    }

    #[tokio::test]
    async fn an_expired_token_is_refused_as_expired_even_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let users = Users::open(&dir.path().join("rproxy.db")).await.unwrap();
        let (carol, _) = users.add("carol", Role::Operator, &[]).await.unwrap();
        // long enough for the first two checks (each an argon2 verification) on a loaded
        // 2-core machine: with 1.5 s the first check was already late once in a full run
        let life = std::time::Duration::from_secs(6);
        let (_, short) = users.create_token("carol", "short", Some(life)).await.unwrap();
        // after the token was made: it expires at most `life` from here
        let made = std::time::Instant::now();
        let creds = Credentials::Basic {
            user: "carol".into(),
            secret: short.clone(),
        };
        assert_eq!(users.check(&creds).await, Ok(carol.clone()));
        assert_eq!(users.check(&creds).await, Ok(carol), "cached");
        assert!(made.elapsed() < life, "the checks took longer than the token lives");
        tokio::time::sleep((life + std::time::Duration::from_millis(200)).saturating_sub(made.elapsed())).await;
        assert_eq!(
            users.check(&creds).await,
            Err(Refusal::Expired),
            "the cached verification must not outlive the token"
        );
        assert_eq!(
            users.check(&Credentials::Bearer { token: short }).await,
            Err(Refusal::Expired)
        );
        // a wrong secret for the same token id says nothing about expiry
        let wrong = Credentials::Basic {
            user: "carol".into(),
            secret: Secret::new(format!("rpx_{}_nope", 2)),
        };
        assert_eq!(users.check(&wrong).await, Err(Refusal::Invalid));
        let listed = users.tokens(Some("carol")).await.unwrap();
        assert!(listed.iter().any(|t| t.expires_at.is_some()));
        assert!(
            crate::error::parse_lifetime("30d").is_ok()
                && crate::error::parse_lifetime("0s").is_err()
                && crate::error::parse_lifetime("3w").is_err()
        );
    }
}
