//! Batches that run on the server: the engine's batch processor over rproxy's rcd, created
//! and steered through RC-style calls (`rproxy/batch/create|list|get|pause|resume|cancel|
//! retry`), so they go on when the client sleeps or quits. Each batch belongs to the user who
//! created it (admins see all); its status changes are durable events (`batch_state`) for
//! that user, its progress transient frames (`batch_progress`, at most 1 Hz).
//!
//! Several instances on one database: a batch runs on the instance that created it (its
//! engine store and rclone). Each store takes its own range of batch ids (store `n`: above
//! `n << 32`), so ids are unique across instances. The running instance keeps the batch's
//! report in `batch_owners.snapshot` (on every state change and with progress, at most 1 Hz),
//! which other instances answer `list` and `get` with; `pause`, `resume`, `cancel` and
//! `retry` asked on another instance become `batch_requests` rows that the running instance
//! takes within a second and carries out.

use std::sync::Arc;

use crate::{db::Pool, on_pool};
use axum::http::StatusCode;
use rcmd_core::{
    batch::{BatchRequest, Runner, RunnerSink, Selection, StartError, StoreError},
    engine::Engine,
    types::{BatchInfo, BatchKind, BatchProgress, BatchReport, BatchStatus, ConflictPolicy},
};
use serde_json::{json, Map, Value};
use tracing::warn;

use crate::{auth::User, events::Events, policy::Role};

/// A refused or failed batch call: the HTTP status and the message.
pub type CallError = (StatusCode, String);

/// Server-side batches. Cheap to clone.
#[derive(Clone)]
pub struct Batches {
    pool: Pool,
    runner: Runner,
    /// Two-way pairs run here for a client (their settings come with each call).
    pairs: rcmd_core::bisync::Pairs,
    /// This instance's engine store number (its batch ids are above `store << 32`).
    store: i64,
}

/// What the sink passes to the task that records events and reports.
enum Change {
    State(BatchInfo),
    Progress(i64),
}

/// Turns the runner's reports into events for the batch's owner (status changes written in
/// the order they happened, by one task).
struct Sink {
    pool: Pool,
    events: Events,
    states: tokio::sync::mpsc::UnboundedSender<Change>,
    progress: crate::events::ProgressThrottle,
}

impl Sink {
    async fn owner(pool: &Pool, batch: i64) -> Option<i64> {
        on_pool!(pool, p => sqlx::query_scalar("SELECT user_id FROM batch_owners WHERE batch_id = $1").bind(batch).fetch_optional(p).await.ok().flatten())
    }
}

impl RunnerSink for Sink {
    fn state(&self, info: &BatchInfo) {
        let _ = self.states.send(Change::State(info.clone()));
    }

    fn progress(&self, p: &BatchProgress) {
        if !self.progress.due(p) {
            return;
        }
        let _ = self.states.send(Change::Progress(p.id));
        let (pool, events, p) = (self.pool.clone(), self.events.clone(), p.clone());
        tokio::spawn(async move {
            if let Some(owner) = Sink::owner(&pool, p.id).await {
                events.transient(
                    "batch_progress",
                    Some(owner),
                    serde_json::to_value(&p).unwrap_or(Value::Null),
                );
            }
        });
    }
}

fn store_err(e: StoreError) -> CallError {
    match e {
        StoreError::NoBatch(id) => (StatusCode::NOT_FOUND, format!("no batch {id}")),
        e @ StoreError::Leased { .. } => (StatusCode::CONFLICT, e.to_string()),
        e => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

fn start_err(e: StartError) -> CallError {
    match e {
        StartError::Store(e) => store_err(e),
        e => judged(&e, e.is_bad_request()),
    }
}

pub(crate) fn bad(msg: impl Into<String>) -> CallError {
    (StatusCode::BAD_REQUEST, msg.into())
}

/// `e` as a refused request (400) when the caller can act on it, else as the server's failure.
pub(crate) fn judged(e: &impl std::fmt::Display, bad_request: bool) -> CallError {
    if bad_request {
        bad(e.to_string())
    } else {
        (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

impl Batches {
    /// Server batches on the engine's runner (its reports come here); gives the engine store
    /// its id range, resumes the batches a previous run left running and takes requests other
    /// instances leave for this one. Inside a tokio runtime.
    pub async fn start(pool: Pool, engine: &Engine, events: Events) -> Result<Batches, String> {
        let store = store_number(&pool, &engine.store).await?;
        let (states, mut changed) = tokio::sync::mpsc::unbounded_channel::<Change>();
        let sink = Arc::new(Sink {
            pool: pool.clone(),
            events: events.clone(),
            states,
            progress: Default::default(),
        });
        engine.attach(sink);
        let b = Batches {
            pool,
            runner: engine.runner.clone(),
            pairs: engine.pairs.clone(),
            store,
        };
        let this = b.clone();
        tokio::spawn(async move {
            while let Some(change) = changed.recv().await {
                let id = match change {
                    Change::State(info) => {
                        let Some(owner) = Sink::owner(&this.pool, info.id).await else {
                            continue;
                        };
                        let data = serde_json::to_value(&info).unwrap_or(Value::Null);
                        if let Err(e) = events.emit("batch_state", Some(owner), data).await {
                            warn!(error = %e, "cannot record an event");
                        }
                        info.id
                    }
                    Change::Progress(id) => id,
                };
                this.keep_report(id).await;
            }
        });
        let this = b.clone();
        tokio::spawn(async move { this.recover().await });
        let this = b.clone();
        tokio::spawn(async move { this.requests_loop().await });
        Ok(b)
    }

    /// Writes batch `id`'s report for the other instances (only a batch this one owns).
    async fn keep_report(&self, id: i64) {
        let Ok(report) = self.runner.report(id).await else {
            return;
        };
        let json = serde_json::to_string(&report).unwrap_or_default();
        let written = on_pool!(&self.pool, p => sqlx::query("UPDATE batch_owners SET snapshot = $1 WHERE batch_id = $2 AND (store = $3 OR store IS NULL)")
            .bind(json)
            .bind(id)
            .bind(self.store)
            .execute(p)
            .await
            .map(|r| r.rows_affected()));
        if let Err(e) = written {
            warn!(batch = id, error = %e, "cannot keep a batch's report");
        }
    }

    /// Carries out the requests other instances left for this one's batches, every second.
    async fn requests_loop(&self) {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            let taken: Result<Vec<(i64, String)>, _> = on_pool!(&self.pool, p => sqlx::query_as("DELETE FROM batch_requests WHERE store = $1 RETURNING batch_id, verb")
                .bind(self.store)
                .fetch_all(p)
                .await);
            let taken = match taken {
                Ok(t) => t,
                Err(e) => {
                    warn!(error = %e, "cannot read batch requests");
                    continue;
                }
            };
            for (id, verb) in taken {
                if let Err((_, e)) = self.act(id, &verb).await {
                    warn!(batch = id, verb, error = %e, "a batch request from another instance failed");
                }
                tracing::info!(batch = id, verb, "batch request from another instance carried out");
                self.keep_report(id).await;
            }
        }
    }

    /// `pause`, `resume`, `cancel` or `retry` of batch `id`, run here.
    async fn act(&self, id: i64, verb: &str) -> Result<(), CallError> {
        match verb {
            "pause" => self.runner.pause(id),
            "resume" => self.runner.start(id).await.map_err(store_err)?,
            "cancel" => self.runner.cancel(id).await.map_err(store_err)?,
            _ => {
                self.runner.store().retry_failed(id).await.map_err(store_err)?;
                self.runner.start(id).await.map_err(store_err)?;
            }
        }
        Ok(())
    }

    /// The store that runs batch `id` (`None`: recorded before stores, so this instance's),
    /// and its report as last kept.
    pub(crate) async fn placement(&self, id: i64) -> Option<(Option<i64>, Option<String>)> {
        on_pool!(&self.pool, p => sqlx::query_as("SELECT store, snapshot FROM batch_owners WHERE batch_id = $1").bind(id).fetch_optional(p).await.ok().flatten())
    }

    /// Whether batch `id` runs elsewhere: then its last kept report.
    async fn elsewhere(&self, id: i64) -> Option<Option<BatchReport>> {
        let (store, snapshot) = self.placement(id).await?;
        (store.is_some_and(|s| s != self.store)).then(|| snapshot.and_then(|s| serde_json::from_str(&s).ok()))
    }

    /// Owned batches a crash or a stop left `running` go on (the queue's own batches are not
    /// owned and not touched here).
    async fn recover(&self) {
        let owned = match self.owned_here().await {
            Ok(o) => o,
            Err(e) => return warn!(error = %e, "cannot read server batches"),
        };
        for id in owned {
            match self.runner.store().batch(id).await {
                Ok(b) if b.status == BatchStatus::Running && b.runner.is_none() => {
                    if let Err(e) = self.runner.start(id).await {
                        warn!(batch = id, error = %e, "cannot resume a server batch");
                    }
                }
                Ok(_) => {}
                Err(e) => warn!(batch = id, error = %e, "cannot read a server batch"),
            }
        }
    }

    /// Ids of the batches this instance's store runs.
    async fn owned_here(&self) -> Result<Vec<i64>, sqlx::Error> {
        on_pool!(&self.pool, p => sqlx::query_scalar("SELECT batch_id FROM batch_owners WHERE store = $1 OR store IS NULL ORDER BY batch_id DESC")
            .bind(self.store)
            .fetch_all(p)
            .await)
    }

    /// Whether server batch `id` is `user`'s own (an admin's view of all is not "own").
    pub async fn owned_by(&self, user: &User, id: i64) -> bool {
        Sink::owner(&self.pool, id).await == Some(user.id)
    }

    /// The batch `id` if `user` may see it.
    async fn visible(&self, user: &User, id: i64) -> Result<(), CallError> {
        let owner = Sink::owner(&self.pool, id).await;
        match owner {
            Some(o) if o == user.id || user.role == Role::Admin => Ok(()),
            _ => Err((StatusCode::NOT_FOUND, format!("no batch {id}"))),
        }
    }

    /// `rproxy/batch/<verb>` for `user` (the policy has checked the role and the remotes).
    pub async fn call(&self, user: &User, verb: &str, p: &Map<String, Value>) -> Result<Value, CallError> {
        let id = || {
            p.get("id")
                .and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()))
                .ok_or_else(|| bad("Didn't find key \"id\" in input"))
        };
        match verb {
            "create" => self.create(user, p).await,
            "plan" => self.plan(p).await,
            "compare" => self.compare(p).await,
            "sync" => self.sync(user, p).await,
            "bisync" => self.bisync(user, p).await,
            "list" => {
                let db = |e: sqlx::Error| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
                let rows: Vec<(i64, Option<i64>, Option<String>)> = on_pool!(&self.pool, p => sqlx::query_as(
                    "SELECT batch_id, store, snapshot FROM batch_owners WHERE ($1 IS NULL OR user_id = $1) ORDER BY batch_id DESC",
                )
                .bind((user.role != Role::Admin).then_some(user.id))
                .fetch_all(p)
                .await
                .map_err(db)?);
                let here: std::collections::HashMap<i64, BatchInfo> = self
                    .runner
                    .list()
                    .await
                    .map_err(store_err)?
                    .into_iter()
                    .map(|b| (b.id, b))
                    .collect();
                let mut batches: Vec<BatchInfo> = vec![];
                for (id, store, snapshot) in rows {
                    match store.filter(|s| *s != self.store) {
                        // another instance's: its last kept report
                        Some(_) => batches.extend(
                            snapshot
                                .and_then(|s| serde_json::from_str::<BatchReport>(&s).ok())
                                .map(|r| r.batch),
                        ),
                        None => batches.extend(here.get(&id).cloned()),
                    }
                }
                batches.sort_by(|a, b| b.created_at_ms.cmp(&a.created_at_ms).then(b.id.cmp(&a.id)));
                Ok(json!({ "batches": batches }))
            }
            "get" => {
                let id = id()?;
                self.visible(user, id).await?;
                let report = match self.elsewhere(id).await {
                    Some(kept) => kept.ok_or_else(|| {
                        (
                            StatusCode::SERVICE_UNAVAILABLE,
                            format!("batch {id} runs on another rproxy instance that has not reported it yet"),
                        )
                    })?,
                    None => self.runner.report(id).await.map_err(store_err)?,
                };
                Ok(serde_json::to_value(report).unwrap_or(Value::Null))
            }
            "pause" | "resume" | "cancel" | "retry" => {
                let id = id()?;
                self.visible(user, id).await?;
                if self.elsewhere(id).await.is_some() {
                    return self.ask_elsewhere(id, verb).await;
                }
                self.act(id, verb).await?;
                let info = self.runner.batch(id).await.map_err(store_err)?;
                Ok(serde_json::to_value(info).unwrap_or(Value::Null))
            }
            _ => Err((
                StatusCode::NOT_FOUND,
                format!("couldn't find method \"rproxy/batch/{verb}\""),
            )),
        }
    }

    /// The batch `p` asks for: kind, `srcFs`, `dstFs`, `names` (a JSON array or a
    /// comma-separated string), `onConflict` and the per-file `choices` (path relative to
    /// `srcFs` → `update` / `overwrite` / `skip`; the policy checked their shape).
    fn request(p: &Map<String, Value>) -> Result<BatchRequest, CallError> {
        let text = |k: &str| {
            p.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let kind = match text("kind").unwrap_or("copy") {
            "copy" => BatchKind::Copy,
            "move" => BatchKind::Move,
            "delete" => BatchKind::Delete,
            other => return Err(bad(format!("kind {other:?}: use copy, move or delete"))),
        };
        let src = text("srcFs").ok_or_else(|| bad("Didn't find key \"srcFs\" in input"))?;
        if kind != BatchKind::Delete && text("dstFs").is_none() {
            return Err(bad("Didn't find key \"dstFs\" in input"));
        }
        // names: a JSON array, or a comma-separated string (form and query parameters)
        let names: Vec<String> = match p.get("names") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            Some(Value::String(s)) => s.split(',').filter(|n| !n.is_empty()).map(str::to_owned).collect(),
            _ => vec![],
        };
        // existing destination files: replaced only when older unless asked otherwise
        let on_conflict = match text("onConflict") {
            None => ConflictPolicy::default(),
            Some(t) => ConflictPolicy::parse(t)
                .ok_or_else(|| bad(format!("onConflict {t:?}: use update, overwrite, skip or rename")))?,
        };
        let choices_obj = match p.get("choices") {
            None | Some(Value::Null) => Default::default(),
            Some(v) => crate::policy::schema::object_or_text(v)
                .ok_or_else(|| bad("choices: an object of path: update | overwrite | skip | rename"))?,
        };
        let mut choices = std::collections::BTreeMap::new();
        for (path, choice) in choices_obj.iter() {
            let c = choice
                .as_str()
                .and_then(ConflictPolicy::parse)
                .ok_or_else(|| bad(format!("choice for {path:?}: use update, overwrite, skip or rename")))?;
            choices.insert(path.clone(), c);
        }
        let req = BatchRequest::new(kind, src, text("dstFs"), Selection::names(names))
            .map_err(start_err)?
            .with_conflicts(on_conflict, choices);
        // the policy refuses inline remotes already; the server's own disk is never a batch's end
        if req.touches(rcmd_core::remote_path::LOCAL_DISK) {
            return Err(bad(
                "the server's local disk (:local:) cannot be used; use a configured remote",
            ));
        }
        Ok(req)
    }

    /// The files the batch `p` would find at its destination (nothing is recorded).
    async fn plan(&self, p: &Map<String, Value>) -> Result<Value, CallError> {
        let req = Self::request(p)?;
        let plan = self.runner.plan_conflicts(&req).await.map_err(start_err)?;
        Ok(serde_json::to_value(plan).unwrap_or(Value::Null))
    }

    /// Plans the batch on the server (the selection's folders expanded, or every file under
    /// `srcFs`), records it as `user`'s and starts it.
    async fn create(&self, user: &User, p: &Map<String, Value>) -> Result<Value, CallError> {
        let req = Self::request(p)?;
        let id = self.runner.create(&req).await.map_err(start_err)?.id;
        let info = self.own_and_start(user, id).await?;
        Ok(serde_json::to_value(info).unwrap_or(Value::Null))
    }

    /// The engine's runner (compare and sync use its layer and processor).
    pub(crate) fn runner(&self) -> &Runner {
        &self.runner
    }

    pub(crate) fn pairs(&self) -> &rcmd_core::bisync::Pairs {
        &self.pairs
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    pub(crate) fn store_no(&self) -> i64 {
        self.store
    }

    /// Records batch `id` as `user`'s, starts it and keeps its first report: the batch as
    /// started.
    pub(crate) async fn own_and_start(&self, user: &User, id: i64) -> Result<BatchInfo, CallError> {
        on_pool!(&self.pool, p => sqlx::query("INSERT INTO batch_owners (batch_id, user_id, created_at, store) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(user.id)
            .bind(rcmd_core::batch::store::now_ms())
            .bind(self.store)
            .execute(p)
            .await.map(|_| ()))
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        self.runner.start(id).await.map_err(store_err)?;
        self.keep_report(id).await;
        self.runner.batch(id).await.map_err(store_err)
    }

    /// Leaves `verb` for the instance that runs batch `id` and waits (10 s at most) until it
    /// took it and kept a new report: that report's state is the answer.
    async fn ask_elsewhere(&self, id: i64, verb: &str) -> Result<Value, CallError> {
        let db = |e: sqlx::Error| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        let Some((Some(store), _)) = self.placement(id).await else {
            return Err((StatusCode::NOT_FOUND, format!("no batch {id}")));
        };
        let rid: i64 = on_pool!(&self.pool, p => sqlx::query_scalar("INSERT INTO batch_requests (batch_id, store, verb, requested_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(id)
            .bind(store)
            .bind(verb)
            .bind(rcmd_core::batch::store::now_ms())
            .fetch_one(p)
            .await
            .map_err(db)?);
        let end = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let pending: i64 = on_pool!(&self.pool, p => sqlx::query_scalar("SELECT COUNT(*) FROM batch_requests WHERE id = $1").bind(rid).fetch_one(p).await.map_err(db)?);
            if pending == 0 {
                // taken; the report is kept right after the request is carried out
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                let report = self.elsewhere(id).await.flatten().ok_or_else(|| {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        format!("batch {id}: no report from its instance"),
                    )
                })?;
                return Ok(serde_json::to_value(report.batch).unwrap_or(Value::Null));
            }
            if tokio::time::Instant::now() >= end {
                // nobody took it: withdraw it, so it does not happen later by surprise
                let withdrawn = on_pool!(&self.pool, p => sqlx::query("DELETE FROM batch_requests WHERE id = $1").bind(rid).execute(p).await.map_err(db)?.rows_affected());
                if withdrawn == 1 {
                    return Err((StatusCode::SERVICE_UNAVAILABLE, format!("batch {id} runs on another rproxy instance that did not answer within 10 s (is it running?); nothing was changed")));
                }
            }
        }
    }
}

/// This instance's engine store number: read back from its id counter, or allocated in the
/// shared database (first start) and made the counter's floor, so its batch ids are its own.
async fn store_number(pool: &Pool, store: &rcmd_core::batch::Store) -> Result<i64, String> {
    let floor = store.id_floor().await.map_err(|e| e.to_string())?;
    if floor >> 32 >= 1 {
        return Ok(floor >> 32);
    }
    let n: i64 =
        on_pool!(pool, p => sqlx::query_scalar("INSERT INTO batch_stores (created_at) VALUES ($1) RETURNING id")
        .bind(rcmd_core::batch::store::now_ms())
        .fetch_one(p)
        .await)
        .map_err(|e| e.to_string())?;
    store.raise_id_floor(n << 32).await.map_err(|e| e.to_string())?;
    Ok(n)
}
