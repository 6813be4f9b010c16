//! `job/stop` across instances: the instance asked records a stop request for the job; the
//! instance running the job takes the requests for its jobs (exactly once) and stops them.
//! On PostgreSQL a `NOTIFY` on [`CHANNEL`] wakes the runners at once ([`super::events::PgWake`]
//! listens on any channel); the runners also poll, so a lost notification only delays a stop
//! by one poll interval.

use rcmd_core::batch::store::now_ms;

use super::Pool;
use crate::on_tx;

/// The channel stop requests are announced on.
pub const CHANNEL: &str = "rproxy_stops";

/// The stop requests, on either dialect.
#[derive(Clone)]
pub struct Stops(pub Pool);

impl Stops {
    /// Asks for job `job_id` to be stopped (again: no-op); `by` is the asking instance.
    pub async fn request(&self, job_id: i64, by: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.0.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO job_stops (job_id, requested_at, requested_by) VALUES ($1, $2, $3) ON CONFLICT (job_id) DO NOTHING")
            .bind(job_id)
            .bind(now_ms())
            .bind(by)
            .execute(c)
            .await?
            .rows_affected());
        if let super::Tx::Pg(t, _) = &mut tx {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(job_id.to_string())
                .execute(&mut **t)
                .await?;
        }
        tx.commit().await
    }

    /// Takes the requests for `running` (the jobs this instance runs): each is returned once
    /// (a `DELETE` decides, so two instances taking at once cannot both get one).
    pub async fn take(&self, running: &[i64]) -> Result<Vec<i64>, sqlx::Error> {
        if running.is_empty() {
            return Ok(vec![]);
        }
        let mut tx = self.0.begin().await?;
        let mut taken = vec![];
        for id in running {
            let n = on_tx!(&mut tx, c => sqlx::query("DELETE FROM job_stops WHERE job_id = $1").bind(id).execute(c).await?.rows_affected());
            if n > 0 {
                taken.push(*id);
            }
        }
        tx.commit().await?;
        Ok(taken)
    }
}
