//! rproxy's own job ids. An async call gets its id from rproxy's database before it is
//! passed on (its stats group is `job/<that id>` unless the caller named one), and rcd's id
//! and `executeId` are kept beside it. `job/status`, `job/list` and `job/stop` answer in
//! rproxy's ids, scoped to the caller (admins see all): a finished job's last status is kept
//! in the database, so it stays queryable after rcd forgets it (60 s) or restarts, and after
//! rproxy restarts; a job whose rcd died answers as finished with a clear error. Unknown ids
//! answer like rcd: 500 "job not found".

use rcmd_core::rc::RcClient;
use serde_json::{json, Map, Value};
use sqlx::Row;

use crate::{
    db::{Pool, Tx},
    on_pool, on_tx,
};

use crate::{auth::User, policy::Role};

/// The job store (shares the user database).
#[derive(Clone)]
pub struct Jobs {
    pool: Pool,
    /// rproxy's `executeId`: stable across restarts (stored once), so clients never mistake
    /// a restart for lost jobs.
    pub execute_id: String,
    /// This process in the instances table: the rcd jobs it starts are its own.
    pub instance: String,
}

/// A job's row.
struct JobRow {
    /// The instance whose rcd runs it (`None`: recorded before instances were).
    instance: Option<String>,
    /// The status its instance last saw (for `job/status` on other instances).
    snapshot: Option<String>,
    /// rcd's id, once rcd accepted the job.
    rcd_id: Option<i64>,
    /// The rcd process that runs it.
    execute_id: Option<String>,
    /// Its last `job/status`, once finished.
    final_status: Option<String>,
    owner: i64,
    /// A queued call's job (no rcd id until the queue ends it).
    queued: bool,
    created_at: i64,
}

/// Why a job call could not be answered from the store.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("job not found")]
    NotFound,
    #[error("job database error: {0}")]
    Db(#[from] sqlx::Error),
}

impl Jobs {
    pub async fn new(pool: Pool, instance: String) -> Result<Jobs, sqlx::Error> {
        let fresh = format!("rproxy-{}", rcmd_core::secret::Secret::random().expose());
        let execute_id: String = on_pool!(&pool, p => {
            sqlx::query("INSERT INTO meta (key, value) VALUES ('execute_id', $1) ON CONFLICT (key) DO NOTHING").bind(&fresh).execute(p).await?;
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'execute_id'").fetch_one(p).await?
        });
        Ok(Jobs {
            pool,
            execute_id,
            instance,
        })
    }

    /// A new id for an async call of `path` by `user`.
    pub async fn create(&self, user: &User, path: &str) -> Result<i64, sqlx::Error> {
        on_pool!(&self.pool, p => sqlx::query_scalar("INSERT INTO jobs (user_id, path, created_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(user.id)
            .bind(path)
            .bind(now_ms())
            .fetch_one(p)
            .await)
    }

    /// A new id for a queued call of `path` by `user`: it runs when the queue runs its file.
    /// Inside the caller's transaction (the queue records its item in the same one).
    pub async fn create_queued(tx: &mut Tx, user_id: i64, path: &str) -> Result<i64, sqlx::Error> {
        on_tx!(tx, c => sqlx::query_scalar("INSERT INTO jobs (user_id, path, created_at, queued) VALUES ($1, $2, $3, TRUE) RETURNING id")
            .bind(user_id)
            .bind(path)
            .bind(now_ms())
            .fetch_one(c)
            .await)
    }

    /// A job for each `(user, path)` of queued calls, in one statement inside the caller's
    /// transaction: their ids, in the same order.
    pub async fn create_queued_many(tx: &mut Tx, calls: &[(i64, &str)]) -> Result<Vec<i64>, sqlx::Error> {
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        let now = now_ms();
        let mut ids: Vec<i64> = on_tx!(tx, c => {
            let mut q = sqlx::QueryBuilder::new("INSERT INTO jobs (user_id, path, created_at, queued) ");
            q.push_values(calls, |mut row, (user_id, path)| {
                row.push_bind(*user_id).push_bind(*path).push_bind(now).push("TRUE");
            });
            q.push(" RETURNING id");
            q.build_query_scalar().fetch_all(c).await?
        });
        // RETURNING's order is unspecified, but one statement numbers its rows in VALUES order
        // (SQLite's next rowid, PostgreSQL's sequence): ascending ids are the calls' order
        ids.sort_unstable();
        Ok(ids)
    }

    /// Stores the final status of queued job `id` inside the caller's transaction; true when
    /// this call stored it.
    pub async fn finish_queued(tx: &mut Tx, id: i64, status: &Value) -> Result<bool, sqlx::Error> {
        let n = on_tx!(tx, c => sqlx::query("UPDATE jobs SET final = $1 WHERE id = $2 AND final IS NULL").bind(status.to_string()).bind(id).execute(c).await?.rows_affected());
        Ok(n == 1)
    }

    /// [`Jobs::finish_queued`] for many `(job, owner, status)` in one statement: the jobs
    /// whose status this call stored.
    pub async fn finish_queued_many(
        tx: &mut Tx,
        finals: &[(i64, i64, Value)],
    ) -> Result<std::collections::HashSet<i64>, sqlx::Error> {
        if finals.is_empty() {
            return Ok(Default::default());
        }
        let ids: Vec<i64> = on_tx!(tx, c => {
            let mut q = sqlx::QueryBuilder::new("WITH v (id, final) AS (");
            q.push_values(finals, |mut row, (id, _, status)| {
                row.push_bind(*id).push_bind(status.to_string());
            });
            q.push(") UPDATE jobs SET final = v.final FROM v WHERE jobs.id = v.id AND jobs.final IS NULL RETURNING jobs.id");
            q.build_query_scalar().fetch_all(c).await?
        });
        Ok(ids.into_iter().collect())
    }

    /// rcd accepted job `id` as its `rcd_jobid` in process `execute_id`.
    pub async fn started(&self, id: i64, rcd_jobid: i64, execute_id: &str) -> Result<(), sqlx::Error> {
        on_pool!(&self.pool, p => sqlx::query("UPDATE jobs SET rcd_jobid = $1, execute_id = $2, instance = $3 WHERE id = $4").bind(rcd_jobid).bind(execute_id).bind(&self.instance).bind(id).execute(p).await?.rows_affected());
        Ok(())
    }

    /// rcd refused to start it: no job.
    pub async fn discard(&self, id: i64) -> Result<(), sqlx::Error> {
        on_pool!(&self.pool, p => sqlx::query("DELETE FROM jobs WHERE id = $1").bind(id).execute(p).await?.rows_affected());
        Ok(())
    }

    /// The row of job `id`, whoever it belongs to.
    async fn row(&self, id: i64) -> Result<JobRow, JobError> {
        on_pool!(&self.pool, p => {
            let r = sqlx::query("SELECT rcd_jobid, execute_id, final, user_id, queued, created_at, instance, snapshot FROM jobs WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?
                .ok_or(JobError::NotFound)?;
            Ok(JobRow {
                rcd_id: r.get(0),
                execute_id: r.get(1),
                final_status: r.get(2),
                owner: r.get(3),
                queued: r.get(4),
                created_at: r.get(5),
                instance: r.get(6),
                snapshot: r.get(7),
            })
        })
    }

    /// The row of job `id` if `user` may see it (else "job not found", like rcd).
    async fn find(&self, user: &User, id: i64) -> Result<JobRow, JobError> {
        let row = self.row(id).await?;
        if user.role != Role::Admin && row.owner != user.id {
            return Err(JobError::NotFound);
        }
        Ok(row)
    }

    /// `job/status` of rproxy job `id` as `user` may see it; the second value is true
    /// when this call found it finished first and stored its end and `job_finished` event
    /// (the caller wakes the event streams).
    pub async fn status(&self, rc: &RcClient, user: &User, id: i64) -> Result<(Value, bool), JobError> {
        let row = self.find(user, id).await?;
        self.status_from(rc, id, row).await
    }

    /// Like [`Jobs::status`] for any user's job; true when this call stored its end.
    pub async fn status_of(&self, rc: &RcClient, id: i64) -> Result<(Value, bool), JobError> {
        let row = self.row(id).await?;
        self.status_from(rc, id, row).await
    }

    async fn status_from(&self, rc: &RcClient, id: i64, row: JobRow) -> Result<(Value, bool), JobError> {
        let JobRow {
            rcd_id,
            execute_id,
            final_status,
            owner,
            queued,
            created_at,
            instance,
            snapshot,
        } = row;
        if let Some(f) = final_status {
            return Ok((serde_json::from_str(&f).unwrap_or(Value::Null), false));
        }
        if queued {
            return Ok((queued_status(id, created_at, None, &self.execute_id), false));
        }
        let (Some(rcd_id), Some(execute_id)) = (rcd_id, execute_id) else {
            return Err(JobError::NotFound);
        };
        let mut status = match instance.filter(|i| *i != self.instance) {
            // another instance's rclone runs it: the snapshot that instance keeps (renewed
            // every second), unless that instance is gone, and the job with it
            Some(other) => {
                if crate::db::instances::Registry(self.pool.clone())
                    .live()
                    .await?
                    .contains(&other)
                {
                    let mut s = snapshot
                        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
                        .unwrap_or_else(|| queued_status(id, created_at, None, &self.execute_id));
                    if let Some(obj) = s.as_object_mut() {
                        obj.insert("id".into(), json!(id));
                        obj.insert("executeId".into(), json!(self.execute_id));
                    }
                    return Ok((s, false));
                }
                json!({
                    "finished": true,
                    "success": false,
                    "error": format!("the rproxy instance that ran this job ({other}) stopped; the job did not finish"),
                    "output": {},
                })
            }
            None => {
                let reply: Result<Value, _> = rc.call("job/status", &json!({ "jobid": rcd_id })).await;
                match reply {
                    Ok(v) if v.get("executeId").and_then(Value::as_str) == Some(execute_id.as_str()) => v,
                    // rcd restarted (a new executeId, or it no longer knows the id): the job ended with it
                    Ok(_) | Err(_) => json!({
                        "finished": true,
                        "success": false,
                        "error": "the rclone process that ran this job stopped (it was restarted); the job did not finish",
                        "output": {},
                    }),
                }
            }
        };
        if let Some(obj) = status.as_object_mut() {
            obj.insert("id".into(), json!(id));
            obj.insert("executeId".into(), json!(self.execute_id));
        }
        let mut ended = false;
        if status.get("finished") == Some(&Value::Bool(true)) {
            // the end and its `job_finished` event in one transaction, written by whichever
            // caller stores the end first (a crash leaves both or neither)
            let mut tx = self.pool.begin().await?;
            let n = on_tx!(&mut tx, c => sqlx::query("UPDATE jobs SET final = $1 WHERE id = $2 AND final IS NULL")
                .bind(status.to_string())
                .bind(id)
                .execute(c)
                .await?
                .rows_affected());
            if n == 1 {
                crate::events::Events::insert(&mut tx, "job_finished", Some(owner), &end_event(id, &status)).await?;
            }
            tx.commit().await?;
            ended = n == 1;
        }
        Ok((status, ended))
    }

    /// Job `id` (this instance's, running): its status from rcd, kept as the snapshot other
    /// instances answer `job/status` with; true when it ended now.
    pub async fn refresh(&self, rc: &RcClient, id: i64) -> Result<bool, JobError> {
        let (status, ended) = self.status_of(rc, id).await?;
        if !ended && status.get("finished") != Some(&Value::Bool(true)) {
            on_pool!(&self.pool, p => sqlx::query("UPDATE jobs SET snapshot = $1 WHERE id = $2 AND final IS NULL").bind(status.to_string()).bind(id).execute(p).await?.rows_affected());
        }
        Ok(ended)
    }

    /// rcd's id of job `id`, still running (any owner; for the instance that runs it).
    pub async fn rcd_id_of(&self, id: i64) -> Result<i64, JobError> {
        running_rcd_id(self.row(id).await?)
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Whether job `id` runs on this instance's rcd (or was recorded before instances were).
    pub async fn is_mine(&self, id: i64) -> Result<bool, JobError> {
        let row = self.row(id).await?;
        Ok(row.instance.is_none_or(|i| i == self.instance))
    }

    /// Jobs rcd still runs (no final status yet): their ids.
    pub async fn unfinished(&self) -> Result<Vec<i64>, sqlx::Error> {
        on_pool!(&self.pool, p => sqlx::query_scalar("SELECT id FROM jobs WHERE final IS NULL AND rcd_jobid IS NOT NULL AND NOT queued AND (instance = $1 OR instance IS NULL) ORDER BY id")
            .bind(&self.instance)
            .fetch_all(p)
            .await)
    }

    /// `job/list` in rproxy's ids for `user` (admins: everyone's).
    pub async fn list(&self, user: &User) -> Result<Value, JobError> {
        let rows: Vec<(i64, bool)> = on_pool!(&self.pool, p => sqlx::query_as("SELECT id, final IS NOT NULL FROM jobs WHERE ($1 OR user_id = $2) AND (rcd_jobid IS NOT NULL OR queued) ORDER BY id")
            .bind(user.role == Role::Admin)
            .bind(user.id)
            .fetch_all(p)
            .await?);
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let finished: Vec<i64> = rows.iter().filter(|r| r.1).map(|r| r.0).collect();
        let running: Vec<i64> = rows.iter().filter(|r| !r.1).map(|r| r.0).collect();
        Ok(json!({ "executeId": self.execute_id, "jobids": ids, "finishedIds": finished, "runningIds": running }))
    }

    /// Whether `user` may see job `id` (its own, or any for admins).
    pub async fn visible(&self, user: &User, id: i64) -> bool {
        self.find(user, id).await.is_ok()
    }

    /// rcd's id for stopping rproxy job `id`.
    pub async fn rcd_id(&self, user: &User, id: i64) -> Result<i64, JobError> {
        running_rcd_id(self.find(user, id).await?)
    }
}

/// rcd's id of the job in `row` while it runs.
fn running_rcd_id(row: JobRow) -> Result<i64, JobError> {
    match (row.rcd_id, row.final_status) {
        (Some(r), None) => Ok(r),
        _ => Err(JobError::NotFound),
    }
}

/// `job/status` of queued job `id` in rcd's shape: unfinished, or ended at `end` (unix ms)
/// with its error (`None`: success).
pub fn queued_status(id: i64, created_ms: i64, end: Option<(i64, Option<String>)>, execute_id: &str) -> Value {
    let (finished, end_ms, error) = match &end {
        Some((at, err)) => (true, *at, err.clone()),
        None => (false, 0, None),
    };
    json!({
        "duration": if finished { (end_ms - created_ms).max(0) as f64 / 1000.0 } else { 0.0 },
        "endTime": if finished { rfc3339(end_ms) } else { "0001-01-01T00:00:00Z".to_owned() },
        "error": error.clone().unwrap_or_default(),
        "executeId": execute_id,
        "finished": finished,
        "group": format!("job/{id}"),
        "id": id,
        "output": if finished { json!({}) } else { Value::Null },
        "startTime": rfc3339(created_ms),
        "success": finished && error.is_none(),
    })
}

/// Unix ms as rclone prints times (RFC 3339, UTC, nanoseconds).
fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// The `jobid` parameter as rcd reads it (number or numeric string).
pub fn jobid_param(params: &Map<String, Value>) -> Option<i64> {
    match params.get("jobid")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

use rcmd_core::batch::store::now_ms;

/// The data of job `id`'s `job_finished` event.
pub fn end_event(id: i64, status: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "id": id, "success": status.get("success"), "error": status.get("error") })
}
