//! `job/stop` across instances: the instance asked records a stop request for the job; the
//! instance running the job takes the requests for its jobs (exactly once) and stops them.
//! On PostgreSQL a `NOTIFY` on [`CHANNEL`] wakes the runners at once ([`super::events::PgWake`]
//! listens on any channel); the runners also poll, so a lost notification only delays a stop
//! by one poll interval.

use std::future::Future;

use sqlx::{PgPool, SqlitePool};

use rcmd_core::batch::store::now_ms;

/// The channel stop requests are announced on.
pub const CHANNEL: &str = "rproxy_stops";

/// The stop-request contract, one implementation per dialect.
pub trait StopBox: Send + Sync {
    /// Asks for job `job_id` to be stopped (again: no-op); `by` is the asking instance.
    fn request(&self, job_id: i64, by: &str) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
    /// Takes the requests for `running` (the jobs this instance runs): each is returned once.
    fn take(&self, running: &[i64]) -> impl Future<Output = Result<Vec<i64>, sqlx::Error>> + Send;
}

#[derive(Clone)]
pub struct SqliteStops(pub SqlitePool);

impl StopBox for SqliteStops {
    async fn request(&self, job_id: i64, by: &str) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO job_stops (job_id, requested_at, requested_by) VALUES (?, ?, ?) ON CONFLICT (job_id) DO NOTHING")
            .bind(job_id)
            .bind(now_ms())
            .bind(by)
            .execute(&self.0)
            .await?;
        Ok(())
    }

    async fn take(&self, running: &[i64]) -> Result<Vec<i64>, sqlx::Error> {
        let mut tx = self.0.begin().await?;
        let mut taken = vec![];
        for id in running {
            if sqlx::query("DELETE FROM job_stops WHERE job_id = ?").bind(id).execute(&mut *tx).await?.rows_affected() > 0 {
                taken.push(*id);
            }
        }
        tx.commit().await?;
        Ok(taken)
    }
}

#[derive(Clone)]
pub struct PgStops(pub PgPool);

impl StopBox for PgStops {
    async fn request(&self, job_id: i64, by: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.0.begin().await?;
        sqlx::query("INSERT INTO job_stops (job_id, requested_at, requested_by) VALUES ($1, $2, $3) ON CONFLICT (job_id) DO NOTHING")
            .bind(job_id)
            .bind(now_ms())
            .bind(by)
            .execute(&mut *tx)
            .await?;
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(job_id.to_string()).execute(&mut *tx).await?;
        tx.commit().await
    }

    async fn take(&self, running: &[i64]) -> Result<Vec<i64>, sqlx::Error> {
        // one statement; two instances taking at once cannot both get a row (DELETE locks it)
        let mut taken: Vec<i64> = sqlx::query_scalar("DELETE FROM job_stops WHERE job_id = ANY($1) RETURNING job_id").bind(running).fetch_all(&self.0).await?;
        taken.sort_unstable();
        Ok(taken)
    }
}
