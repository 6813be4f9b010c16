//! Schedules and their runs in the batch database (`rcmd.db`), next to the batches they start.

use sqlx::Row;

use crate::{
    batch::{
        store::{parse, text},
        Store, StoreError,
    },
    types::{RunOutcome, ScheduleRun, ScheduleSpec},
};

/// A schedule row as the scheduler needs it.
#[derive(Clone, Debug)]
pub struct Stored {
    pub id: i64,
    pub spec: ScheduleSpec,
    /// Due times up to here (unix ms) are handled.
    pub checked_until: i64,
}

/// The schedule tables. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ScheduleStore {
    store: Store,
}

const COLUMNS: &str =
    "id, name, cron, kind, src, dst, overlap, catch_up, enabled, on_conflict, sync, pair_id, watch, checked_until";

fn row_to_stored(r: &sqlx::sqlite::SqliteRow) -> Stored {
    Stored {
        id: r.get("id"),
        spec: ScheduleSpec {
            name: r.get("name"),
            cron: r.get("cron"),
            kind: parse(r.get::<&str, _>("kind")).unwrap_or(crate::types::BatchKind::Copy),
            src: r.get("src"),
            dst: r.get("dst"),
            overlap: parse(r.get::<&str, _>("overlap")).unwrap_or_default(),
            catch_up: r.get::<i64, _>("catch_up") != 0,
            enabled: r.get::<i64, _>("enabled") != 0,
            on_conflict: crate::types::ConflictPolicy::parse(r.get::<&str, _>("on_conflict")).unwrap_or_default(),
            sync: r
                .get::<Option<String>, _>("sync")
                .and_then(|s| serde_json::from_str(&s).ok()),
            pair: r.get("pair_id"),
            watch: r
                .get::<Option<String>, _>("watch")
                .and_then(|s| serde_json::from_str(&s).ok()),
        },
        checked_until: r.get("checked_until"),
    }
}

fn row_to_run(r: &sqlx::sqlite::SqliteRow) -> ScheduleRun {
    ScheduleRun {
        schedule_id: r.get("schedule_id"),
        schedule_name: r.get("name"),
        due_ms: r.get("due_ms"),
        outcome: parse(r.get::<&str, _>("outcome")).unwrap_or(RunOutcome::Failed),
        batch_id: r.get("batch_id"),
        detail: r.get("detail"),
        at_ms: r.get("at_ms"),
    }
}

/// Binds the twelve columns of a spec, in the order of [`COLUMNS`] after `id`.
fn bind_spec<'q>(q: SqliteQuery<'q>, spec: &'q ScheduleSpec) -> SqliteQuery<'q> {
    q.bind(&spec.name)
        .bind(&spec.cron)
        .bind(text(spec.kind))
        .bind(&spec.src)
        .bind(&spec.dst)
        .bind(text(spec.overlap))
        .bind(spec.catch_up as i64)
        .bind(spec.enabled as i64)
        .bind(spec.on_conflict.as_str())
        .bind(spec.sync.as_ref().and_then(|s| serde_json::to_string(s).ok()))
        .bind(spec.pair)
        .bind(spec.watch.as_ref().and_then(|w| serde_json::to_string(w).ok()))
}

type SqliteQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

const RUN_COLUMNS: &str = "r.schedule_id, s.name, r.due_ms, r.outcome, r.batch_id, r.detail, r.at_ms";

impl ScheduleStore {
    pub fn new(store: Store) -> Self {
        ScheduleStore { store }
    }

    /// The batch store the schedules' batches live in.
    pub fn batches(&self) -> &Store {
        &self.store
    }

    /// Adds a schedule whose due times start after `now_ms` (nothing before its creation is
    /// "missed").
    pub async fn add(&self, spec: &ScheduleSpec, now_ms: i64) -> Result<i64, StoreError> {
        let q = sqlx::query("INSERT INTO schedules (name, cron, kind, src, dst, overlap, catch_up, enabled, on_conflict, sync, pair_id, watch, checked_until, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        let r = bind_spec(q, spec)
            .bind(now_ms)
            .bind(now_ms)
            .execute(self.store.pool())
            .await?;
        Ok(r.last_insert_rowid())
    }

    /// Replaces schedule `id`'s description. A schedule switched on again starts counting from
    /// `now_ms` (the time it was off is not "missed").
    pub async fn update(&self, id: i64, spec: &ScheduleSpec, now_ms: i64) -> Result<(), StoreError> {
        // the right-hand sides see the row as it was: `enabled` there is the old value
        let q = sqlx::query("UPDATE schedules SET name = ?, cron = ?, kind = ?, src = ?, dst = ?, overlap = ?, catch_up = ?, enabled = ?, on_conflict = ?, sync = ?, pair_id = ?, watch = ?, checked_until = CASE WHEN enabled = 0 AND ? = 1 THEN ? ELSE checked_until END WHERE id = ?");
        let r = bind_spec(q, spec)
            .bind(spec.enabled as i64)
            .bind(now_ms)
            .bind(id)
            .execute(self.store.pool())
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NoSchedule(id));
        }
        Ok(())
    }

    /// Deletes schedule `id` and its run history (its batches stay).
    pub async fn remove(&self, id: i64) -> Result<(), StoreError> {
        let r = sqlx::query("DELETE FROM schedules WHERE id = ?")
            .bind(id)
            .execute(self.store.pool())
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NoSchedule(id));
        }
        Ok(())
    }

    pub async fn get(&self, id: i64) -> Result<Stored, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM schedules WHERE id = ?");
        let row = sqlx::query(&sql).bind(id).fetch_optional(self.store.pool()).await?;
        row.as_ref().map(row_to_stored).ok_or(StoreError::NoSchedule(id))
    }

    pub async fn all(&self) -> Result<Vec<Stored>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM schedules ORDER BY id");
        Ok(sqlx::query(&sql)
            .fetch_all(self.store.pool())
            .await?
            .iter()
            .map(row_to_stored)
            .collect())
    }

    /// Moves `checked_until` from `from` to `to` if nobody else did: `true` when this caller
    /// now owns the due times in `(from, to]`.
    pub async fn advance(&self, id: i64, from: i64, to: i64) -> Result<bool, StoreError> {
        let r = sqlx::query("UPDATE schedules SET checked_until = ? WHERE id = ? AND checked_until = ?")
            .bind(to)
            .bind(id)
            .bind(from)
            .execute(self.store.pool())
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Records what happened at `due_ms`; `false` when that due time has a record already
    /// (another process handled it).
    pub async fn record(
        &self,
        id: i64,
        due_ms: i64,
        outcome: RunOutcome,
        batch_id: Option<i64>,
        detail: Option<&str>,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query("INSERT OR IGNORE INTO schedule_runs (schedule_id, due_ms, outcome, batch_id, detail, at_ms) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(id)
            .bind(due_ms)
            .bind(text(outcome))
            .bind(batch_id)
            .bind(detail)
            .bind(at_ms)
            .execute(self.store.pool())
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Changes the record of `due_ms` (a waiting run that started, a started run that failed).
    pub async fn set_outcome(
        &self,
        id: i64,
        due_ms: i64,
        outcome: RunOutcome,
        batch_id: Option<i64>,
        detail: Option<&str>,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE schedule_runs SET outcome = ?, batch_id = ?, detail = ?, at_ms = ? WHERE schedule_id = ? AND due_ms = ?")
            .bind(text(outcome))
            .bind(batch_id)
            .bind(detail)
            .bind(at_ms)
            .bind(id)
            .bind(due_ms)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    /// The record of one due time.
    pub async fn run(&self, id: i64, due_ms: i64) -> Result<Option<ScheduleRun>, StoreError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM schedule_runs r JOIN schedules s ON s.id = r.schedule_id WHERE r.schedule_id = ? AND r.due_ms = ?");
        Ok(sqlx::query(&sql)
            .bind(id)
            .bind(due_ms)
            .fetch_optional(self.store.pool())
            .await?
            .as_ref()
            .map(row_to_run))
    }

    /// The latest runs, newest first: of schedule `id`, or of every schedule.
    pub async fn runs(&self, id: Option<i64>, limit: i64) -> Result<Vec<ScheduleRun>, StoreError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM schedule_runs r JOIN schedules s ON s.id = r.schedule_id WHERE (?1 IS NULL OR r.schedule_id = ?1) ORDER BY r.due_ms DESC, r.id DESC LIMIT ?2");
        Ok(sqlx::query(&sql)
            .bind(id)
            .bind(limit)
            .fetch_all(self.store.pool())
            .await?
            .iter()
            .map(row_to_run)
            .collect())
    }

    /// The latest run of schedule `id` that made a batch.
    pub async fn last_batch(&self, id: i64) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar("SELECT batch_id FROM schedule_runs WHERE schedule_id = ? AND batch_id IS NOT NULL ORDER BY due_ms DESC LIMIT 1")
            .bind(id)
            .fetch_optional(self.store.pool())
            .await?)
    }

    /// The due time of schedule `id`'s waiting run, if one waits.
    pub async fn waiting(&self, id: i64) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT due_ms FROM schedule_runs WHERE schedule_id = ? AND outcome = ? ORDER BY due_ms LIMIT 1",
        )
        .bind(id)
        .bind(text(RunOutcome::Waiting))
        .fetch_optional(self.store.pool())
        .await?)
    }

    /// Takes a waiting run for starting: `true` for the one caller that changed it from
    /// waiting (two processes never both start it).
    pub async fn take_waiting(&self, id: i64, due_ms: i64, at_ms: i64) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE schedule_runs SET outcome = ?, at_ms = ? WHERE schedule_id = ? AND due_ms = ? AND outcome = ?",
        )
        .bind(text(RunOutcome::Started))
        .bind(at_ms)
        .bind(id)
        .bind(due_ms)
        .bind(text(RunOutcome::Waiting))
        .execute(self.store.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }
}
