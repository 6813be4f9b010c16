//! Pairs and their runs in the batch database (`rcmd.db`), shared by the app and `rcmd-cli`.
//! A run is a batch of kind `bisync` plus its row in `bisync_runs` (the run's settings, then
//! its report), created in one transaction.

use rcmd_types::{BisyncReport, PairInfo, PairSpec, PairState, ResyncMode};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::batch::{
    store::{now_ms, text},
    Store, StoreError,
};

/// What a bisync batch runs: the pair as it was when the run was made (a run is
/// self-contained: a server runs pairs it does not store), the resync mode for a resync,
/// and the run's backup folders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSpec {
    pub pair_id: Option<i64>,
    pub spec: PairSpec,
    pub resync: Option<ResyncMode>,
    pub backup1: Option<String>,
    pub backup2: Option<String>,
}

/// Pairs and runs. Cheap to clone.
#[derive(Clone, Debug)]
pub struct PairStore {
    store: Store,
}

impl PairStore {
    pub fn new(store: Store) -> Self {
        PairStore { store }
    }

    /// Adds a pair (state `new`); `None` when the name is taken.
    pub async fn add(&self, spec: &PairSpec) -> Result<Option<i64>, StoreError> {
        let now = now_ms();
        let r = sqlx::query(
            "INSERT INTO bisync_pairs (name, spec, state, created_ms, updated_ms) VALUES (?, ?, 'new', ?, ?) ON CONFLICT(name) DO NOTHING RETURNING id",
        )
        .bind(&spec.name)
        .bind(json(spec))
        .bind(now)
        .bind(now)
        .fetch_optional(self.store.pool())
        .await?;
        Ok(r.map(|r| r.get(0)))
    }

    /// Replaces pair `id`'s settings; `restart` puts it back to `new` (its sides or filter
    /// changed: what the last run listed no longer describes them). `false` when the name is
    /// taken by another pair.
    pub async fn update(&self, id: i64, spec: &PairSpec, restart: bool) -> Result<bool, StoreError> {
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM bisync_pairs WHERE name = ? AND id <> ?")
            .bind(&spec.name)
            .bind(id)
            .fetch_optional(self.store.pool())
            .await?;
        if taken.is_some() {
            return Ok(false);
        }
        let sql = if restart {
            "UPDATE bisync_pairs SET name = ?, spec = ?, updated_ms = ?, state = 'new', detail = NULL WHERE id = ?"
        } else {
            "UPDATE bisync_pairs SET name = ?, spec = ?, updated_ms = ? WHERE id = ?"
        };
        let r = sqlx::query(sql)
            .bind(&spec.name)
            .bind(json(spec))
            .bind(now_ms())
            .bind(id)
            .execute(self.store.pool())
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NoBatch(id));
        }
        Ok(true)
    }

    pub async fn remove(&self, id: i64) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM bisync_pairs WHERE id = ?")
            .bind(id)
            .execute(self.store.pool())
            .await?;
        Ok(r.rows_affected() > 0)
    }

    pub async fn list(&self) -> Result<Vec<PairInfo>, StoreError> {
        let rows =
            sqlx::query("SELECT id, spec, state, detail, last_batch, updated_ms FROM bisync_pairs ORDER BY name")
                .fetch_all(self.store.pool())
                .await?;
        Ok(rows.iter().filter_map(info).collect())
    }

    pub async fn get(&self, id: i64) -> Result<Option<PairInfo>, StoreError> {
        let row = sqlx::query("SELECT id, spec, state, detail, last_batch, updated_ms FROM bisync_pairs WHERE id = ?")
            .bind(id)
            .fetch_optional(self.store.pool())
            .await?;
        Ok(row.as_ref().and_then(info))
    }

    pub async fn by_name(&self, name: &str) -> Result<Option<PairInfo>, StoreError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM bisync_pairs WHERE name = ?")
            .bind(name)
            .fetch_optional(self.store.pool())
            .await?;
        match id {
            Some(id) => self.get(id).await,
            None => Ok(None),
        }
    }

    /// Pair `key`: its id, or its name.
    pub async fn find(&self, key: &str) -> Result<Option<PairInfo>, StoreError> {
        let key = key.trim();
        if let Ok(id) = key.parse::<i64>() {
            if let Some(p) = self.get(id).await? {
                return Ok(Some(p));
            }
        }
        self.by_name(key).await
    }

    /// Records where pair `id` stands after a run.
    pub async fn set_state(&self, id: i64, state: PairState, detail: Option<&str>) -> Result<(), StoreError> {
        sqlx::query("UPDATE bisync_pairs SET state = ?, detail = ?, updated_ms = ? WHERE id = ?")
            .bind(text(state))
            .bind(detail)
            .bind(now_ms())
            .bind(id)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    /// Records a run of `run` as a queued bisync batch (once per `origin`, when given: a
    /// retried creation finds the first one); returns the batch id.
    pub async fn create_run(&self, run: &RunSpec, origin: Option<&str>) -> Result<i64, StoreError> {
        if let Some(o) = origin {
            if let Some(id) = self.store.by_origin(o).await? {
                return Ok(id);
            }
        }
        let now = now_ms();
        let mut tx = self.store.pool().begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO batches (kind, src, dst, status, created_at, updated_at, origin) VALUES ('bisync', ?, ?, 'queued', ?, ?, ?) RETURNING id",
        )
        .bind(&run.spec.path1)
        .bind(&run.spec.path2)
        .bind(now)
        .bind(now)
        .bind(origin)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        sqlx::query("INSERT INTO bisync_runs (batch_id, pair_id, run) VALUES (?, ?, ?)")
            .bind(id)
            .bind(run.pair_id)
            .bind(json(run))
            .execute(&mut *tx)
            .await?;
        let what = match run.resync {
            Some(m) => format!("resync of pair {:?} ({} wins)", run.spec.name, m.as_str()),
            None => format!("run of pair {:?}", run.spec.name),
        };
        sqlx::query("INSERT INTO batch_events (batch_id, at, kind, detail) VALUES (?, ?, 'created', ?)")
            .bind(id)
            .bind(now)
            .bind(what)
            .execute(&mut *tx)
            .await?;
        if let Some(pair) = run.pair_id {
            sqlx::query("UPDATE bisync_pairs SET last_batch = ? WHERE id = ?")
                .bind(id)
                .bind(pair)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The settings of bisync batch `id`.
    pub async fn run(&self, id: i64) -> Result<Option<RunSpec>, StoreError> {
        let run: Option<String> = sqlx::query_scalar("SELECT run FROM bisync_runs WHERE batch_id = ?")
            .bind(id)
            .fetch_optional(self.store.pool())
            .await?;
        Ok(run.and_then(|r| serde_json::from_str(&r).ok()))
    }

    pub async fn set_report(&self, id: i64, report: &BisyncReport) -> Result<(), StoreError> {
        sqlx::query("UPDATE bisync_runs SET report = ? WHERE batch_id = ?")
            .bind(json(report))
            .bind(id)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    /// The report of bisync batch `id`, once its run ended.
    pub async fn report(&self, id: i64) -> Result<Option<BisyncReport>, StoreError> {
        let r: Option<Option<String>> = sqlx::query_scalar("SELECT report FROM bisync_runs WHERE batch_id = ?")
            .bind(id)
            .fetch_optional(self.store.pool())
            .await?;
        Ok(r.flatten().and_then(|r| serde_json::from_str(&r).ok()))
    }

    /// The latest runs of pair `id` (batch ids, newest first).
    pub async fn runs(&self, id: i64, limit: i64) -> Result<Vec<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT batch_id FROM bisync_runs WHERE pair_id = ? ORDER BY batch_id DESC LIMIT ?")
                .bind(id)
                .bind(limit)
                .fetch_all(self.store.pool())
                .await?,
        )
    }

    pub fn batches(&self) -> &Store {
        &self.store
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn info(r: &sqlx::sqlite::SqliteRow) -> Option<PairInfo> {
    Some(PairInfo {
        id: r.get(0),
        spec: serde_json::from_str(r.get::<&str, _>(1)).ok()?,
        state: crate::batch::store::parse(r.get::<&str, _>(2)).unwrap_or_default(),
        detail: r.get(3),
        last_batch: r.get(4),
        updated_ms: r.get(5),
    })
}
