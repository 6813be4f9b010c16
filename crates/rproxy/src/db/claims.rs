//! Claiming queued calls when several rproxy instances share one database: an instance takes
//! up to `limit` waiting items in one statement and holds them under a lease it renews
//! (heartbeat); an item whose lease ran out (its instance died) is handed back by any
//! instance's reaper; a result is recorded only by the lease's holder, so an item handed to
//! another instance is settled exactly once. The same contract over SQLite (one instance, one
//! writer) and PostgreSQL (`FOR UPDATE SKIP LOCKED`: instances never wait on each other's
//! claims, never take the same row).

use std::{future::Future, time::Duration};

use sqlx::{PgPool, Row, SqlitePool};

use rcmd_core::batch::store::now_ms;

/// A claimed item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claimed {
    pub id: i64,
    pub item: String,
}

/// What became of a claimed item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Failed { error: String, status: i64 },
}

/// A call to queue (tests and benchmarks; the router has its own path for live calls).
#[derive(Clone, Debug)]
pub struct NewItem {
    pub user_id: i64,
    pub kind: String,
    pub src_root: String,
    pub dst_root: String,
    pub item: String,
}

/// The claim contract, one implementation per dialect.
pub trait ClaimStore: Send + Sync {
    /// Queues `items` in one transaction; returns their ids.
    fn enqueue(&self, items: &[NewItem]) -> impl Future<Output = Result<Vec<i64>, sqlx::Error>> + Send;
    /// Takes up to `limit` waiting items, oldest first, for `owner` until now + `lease`.
    fn claim(
        &self,
        owner: &str,
        limit: i64,
        lease: Duration,
    ) -> impl Future<Output = Result<Vec<Claimed>, sqlx::Error>> + Send;
    /// Extends every lease `owner` holds to now + `lease`; returns how many.
    fn renew(&self, owner: &str, lease: Duration) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;
    /// Hands items whose lease has run out back to the queue; returns how many.
    fn reap(&self) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;
    /// Records the outcomes of items `owner` still holds (an item reaped and claimed by
    /// another instance is not touched); returns how many were recorded.
    fn settle(&self, owner: &str, outcomes: &[(i64, Outcome)])
        -> impl Future<Output = Result<u64, sqlx::Error>> + Send;
}

fn until(lease: Duration) -> i64 {
    now_ms() + lease.as_millis() as i64
}

/// The SQLite store (one instance).
#[derive(Clone)]
pub struct SqliteClaims(pub SqlitePool);

impl ClaimStore for SqliteClaims {
    async fn enqueue(&self, items: &[NewItem]) -> Result<Vec<i64>, sqlx::Error> {
        let mut tx = self.0.begin().await?;
        let mut ids = Vec::with_capacity(items.len());
        let now = now_ms();
        for i in items {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO queue (user_id, kind, src_root, dst_root, item, input, state, created_at) VALUES (?, ?, ?, ?, ?, '{}', 'queued', ?) RETURNING id",
            )
            .bind(i.user_id)
            .bind(&i.kind)
            .bind(&i.src_root)
            .bind(&i.dst_root)
            .bind(&i.item)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn claim(&self, owner: &str, limit: i64, lease: Duration) -> Result<Vec<Claimed>, sqlx::Error> {
        // one writer: the subquery and the update cannot interleave with another claim
        let rows = sqlx::query(
            "UPDATE queue SET state = 'running', lease_owner = ?, lease_until = ? \
             WHERE id IN (SELECT id FROM queue WHERE state = 'queued' ORDER BY id LIMIT ?) RETURNING id, item",
        )
        .bind(owner)
        .bind(until(lease))
        .bind(limit)
        .fetch_all(&self.0)
        .await?;
        let mut out: Vec<Claimed> = rows
            .iter()
            .map(|r| Claimed {
                id: r.get(0),
                item: r.get(1),
            })
            .collect();
        out.sort_by_key(|c| c.id);
        Ok(out)
    }

    async fn renew(&self, owner: &str, lease: Duration) -> Result<u64, sqlx::Error> {
        let r = sqlx::query("UPDATE queue SET lease_until = ? WHERE state = 'running' AND lease_owner = ?")
            .bind(until(lease))
            .bind(owner)
            .execute(&self.0)
            .await?;
        Ok(r.rows_affected())
    }

    async fn reap(&self) -> Result<u64, sqlx::Error> {
        let r = sqlx::query("UPDATE queue SET state = 'queued', lease_owner = NULL, lease_until = NULL WHERE state = 'running' AND lease_until < ?")
            .bind(now_ms())
            .execute(&self.0)
            .await?;
        Ok(r.rows_affected())
    }

    async fn settle(&self, owner: &str, outcomes: &[(i64, Outcome)]) -> Result<u64, sqlx::Error> {
        let mut tx = self.0.begin().await?;
        let (now, mut n) = (now_ms(), 0);
        for (id, o) in outcomes {
            let (state, error, status) = match o {
                Outcome::Done => ("done", None, None),
                Outcome::Failed { error, status } => ("failed", Some(error.as_str()), Some(*status)),
            };
            n += sqlx::query(
                "UPDATE queue SET state = ?, error = ?, error_status = ?, finished_at = ?, lease_owner = NULL, lease_until = NULL \
                 WHERE id = ? AND state = 'running' AND lease_owner = ?",
            )
            .bind(state)
            .bind(error)
            .bind(status)
            .bind(now)
            .bind(id)
            .bind(owner)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }
}

/// The PostgreSQL store (several instances).
#[derive(Clone)]
pub struct PgClaims(pub PgPool);

impl ClaimStore for PgClaims {
    async fn enqueue(&self, items: &[NewItem]) -> Result<Vec<i64>, sqlx::Error> {
        // one statement for all rows (arrays unnested), not one round trip per row
        let col = |f: fn(&NewItem) -> String| items.iter().map(f).collect::<Vec<String>>();
        let users: Vec<i64> = items.iter().map(|i| i.user_id).collect();
        let mut ids: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO queue (user_id, kind, src_root, dst_root, item, input, state, created_at) \
             SELECT u, k, s, d, i, '{}', 'queued', $6 FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[]) AS t(u, k, s, d, i) \
             RETURNING id",
        )
        .bind(&users)
        .bind(col(|i| i.kind.clone()))
        .bind(col(|i| i.src_root.clone()))
        .bind(col(|i| i.dst_root.clone()))
        .bind(col(|i| i.item.clone()))
        .bind(now_ms())
        .fetch_all(&self.0)
        .await?;
        ids.sort_unstable();
        Ok(ids)
    }

    async fn claim(&self, owner: &str, limit: i64, lease: Duration) -> Result<Vec<Claimed>, sqlx::Error> {
        // rows another instance is claiming right now are skipped, not waited for
        let rows = sqlx::query(
            "UPDATE queue SET state = 'running', lease_owner = $1, lease_until = $2 \
             WHERE id IN (SELECT id FROM queue WHERE state = 'queued' ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING id, item",
        )
        .bind(owner)
        .bind(until(lease))
        .bind(limit)
        .fetch_all(&self.0)
        .await?;
        let mut out: Vec<Claimed> = rows
            .iter()
            .map(|r| Claimed {
                id: r.get(0),
                item: r.get(1),
            })
            .collect();
        out.sort_by_key(|c| c.id);
        Ok(out)
    }

    async fn renew(&self, owner: &str, lease: Duration) -> Result<u64, sqlx::Error> {
        let r = sqlx::query("UPDATE queue SET lease_until = $1 WHERE state = 'running' AND lease_owner = $2")
            .bind(until(lease))
            .bind(owner)
            .execute(&self.0)
            .await?;
        Ok(r.rows_affected())
    }

    async fn reap(&self) -> Result<u64, sqlx::Error> {
        let r = sqlx::query("UPDATE queue SET state = 'queued', lease_owner = NULL, lease_until = NULL WHERE state = 'running' AND lease_until < $1")
            .bind(now_ms())
            .execute(&self.0)
            .await?;
        Ok(r.rows_affected())
    }

    async fn settle(&self, owner: &str, outcomes: &[(i64, Outcome)]) -> Result<u64, sqlx::Error> {
        let done: Vec<i64> = outcomes
            .iter()
            .filter(|(_, o)| *o == Outcome::Done)
            .map(|(id, _)| *id)
            .collect();
        let mut tx = self.0.begin().await?;
        let now = now_ms();
        let mut n = sqlx::query(
            "UPDATE queue SET state = 'done', finished_at = $1, lease_owner = NULL, lease_until = NULL \
             WHERE id = ANY($2) AND state = 'running' AND lease_owner = $3",
        )
        .bind(now)
        .bind(&done)
        .bind(owner)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        for (id, o) in outcomes {
            if let Outcome::Failed { error, status } = o {
                n += sqlx::query(
                    "UPDATE queue SET state = 'failed', error = $1, error_status = $2, finished_at = $3, lease_owner = NULL, lease_until = NULL \
                     WHERE id = $4 AND state = 'running' AND lease_owner = $5",
                )
                .bind(error)
                .bind(status)
                .bind(now)
                .bind(id)
                .bind(owner)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
        }
        tx.commit().await?;
        Ok(n)
    }
}
