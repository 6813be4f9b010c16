//! `rproxy/batch/bisync`: a client's two-way pair run on the server, on its rcd and remotes
//! (the policy checked the role, both remotes and every parameter's shape). The pair's
//! settings come with each call (the client keeps the pair); the run is a server batch like
//! any other: owned by its user, its state changes events for that user, its report (copied
//! each way, conflicts, deletes) in the batch's report.
//!
//! One run per pair across instances: a pair's session (a hash of its sides and filter) is
//! held in `bisync_sessions` by the batch running it; a second run, here or on another
//! instance, is refused while that batch is unfinished. bisync's listings live in the data
//! folder of the instance that ran the pair: a run on an instance without them is a lockout
//! that a resync there ends.

use axum::http::StatusCode;
use rcmd_core::{
    bisync::{params::session_dir, BisyncError},
    remote_path::LOCAL_DISK,
    types::{ConflictRule, FilterSpec, PairSpec, ResyncMode},
};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use crate::{
    auth::User,
    batch_sync::{flag, number, object, text},
    batches::{bad, judged, Batches, CallError},
    on_pool,
};

fn bisync_err(e: BisyncError) -> CallError {
    match e {
        e @ BisyncError::Busy { .. } => (StatusCode::CONFLICT, e.to_string()),
        e => judged(&e, e.is_bad_request()),
    }
}

/// The pair `p` describes: `path1`, `path2`, `filter`, `maxDeletePercent` (50), `maxDelete`,
/// `conflicts` (`keep_both`, `newer_wins`), `backup` (`dated`, `off`), `checkAccess` (true),
/// `lockMinutes` (5), `name`.
fn spec(p: &Map<String, Value>) -> Result<PairSpec, CallError> {
    let path1 = text(p, "path1").ok_or_else(|| bad("Didn't find key \"path1\" in input"))?;
    let path2 = text(p, "path2").ok_or_else(|| bad("Didn't find key \"path2\" in input"))?;
    let mut s = PairSpec::new(text(p, "name").unwrap_or("pair"), path1, path2);
    if let Some(f) = object(p, "filter") {
        s.filter = serde_json::from_value::<FilterSpec>(Value::Object(f)).map_err(|e| bad(format!("filter: {e}")))?;
    }
    s.guard.max_percent = number(p, "maxDeletePercent").unwrap_or(50).min(100) as u32;
    s.guard.max_files = number(p, "maxDelete");
    s.conflicts = match text(p, "conflicts").unwrap_or("keep_both") {
        "keep_both" => ConflictRule::KeepBoth,
        "newer_wins" => ConflictRule::NewerWins,
        other => return Err(bad(format!("conflicts {other:?}: use keep_both or newer_wins"))),
    };
    s.backups = match text(p, "backup").unwrap_or("dated") {
        "dated" => true,
        "off" => false,
        other => return Err(bad(format!("backup {other:?}: use dated or off"))),
    };
    // on unless asked off
    s.check_access = p.get("checkAccess").is_none() || flag(p, "checkAccess");
    s.lock_minutes = number(p, "lockMinutes").unwrap_or(5).clamp(2, 1440) as u32;
    let (p1, p2) = rcmd_core::bisync::validate(&s).map_err(bisync_err)?;
    // the server's own disk is never a side (the policy refuses inline remotes already)
    if [&p1, &p2].iter().any(|side| side.remote.as_str() == LOCAL_DISK) {
        return Err(bad(
            "the server's local disk (:local:) cannot be used; use a configured remote",
        ));
    }
    Ok(s)
}

impl Batches {
    /// `action`: `preview` (rclone's dry run; with `resyncMode` a resync's), `resync` (with
    /// `resyncMode`, default `newer`) or `run`; the latter two start a server batch owned by
    /// `user`.
    pub(crate) async fn bisync(&self, user: &User, p: &Map<String, Value>) -> Result<Value, CallError> {
        let spec = spec(p)?;
        let mode = match text(p, "resyncMode") {
            None => None,
            Some(m) => Some(ResyncMode::parse(m).ok_or_else(|| {
                bad(format!(
                    "resyncMode {m:?}: use newer, older, larger, smaller, path1 or path2"
                ))
            })?),
        };
        match text(p, "action").unwrap_or("run") {
            "preview" => {
                let preview = self
                    .pairs()
                    .preview(&spec, mode, &CancellationToken::new())
                    .await
                    .map_err(bisync_err)?;
                Ok(serde_json::to_value(preview).unwrap_or(Value::Null))
            }
            action @ ("resync" | "run") => {
                let resync = (action == "resync").then(|| mode.unwrap_or_default());
                let session = self.session_of(&spec);
                self.hold_session(&session, &spec.name).await?;
                let id = match self.pairs().create_for(&spec, resync, None).await {
                    Ok(id) => id,
                    Err(e) => {
                        self.release_session(&session).await;
                        return Err(bisync_err(e));
                    }
                };
                self.bind_session(&session, id, user).await?;
                let info = self.own_and_start(user, id).await?;
                Ok(serde_json::to_value(info).unwrap_or(Value::Null))
            }
            other => Err(bad(format!("action {other:?}: use preview, resync or run"))),
        }
    }

    fn session_of(&self, spec: &PairSpec) -> String {
        session_dir(std::path::Path::new(""), spec)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Whether batch `id` (of any instance) is still unfinished.
    async fn unfinished(&self, id: i64) -> bool {
        if let Ok(b) = self.runner().batch(id).await {
            return b.status.is_resumable();
        }
        // another instance's: its last kept report
        let snapshot = self.placement(id).await.and_then(|(_, snapshot)| snapshot);
        match snapshot.and_then(|s| serde_json::from_str::<rcmd_core::types::BatchReport>(&s).ok()) {
            Some(r) => r.batch.status.is_resumable(),
            // made, not yet reported: running
            None => true,
        }
    }

    /// Takes the pair's session for a new run: refused (409) while a run of it is unfinished
    /// on any instance. The row is claimed with batch 0 until the batch exists.
    async fn hold_session(&self, session: &str, name: &str) -> Result<(), CallError> {
        let db = |e: sqlx::Error| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        let held: Option<i64> = on_pool!(self.pool(), p => sqlx::query_scalar("SELECT batch_id FROM bisync_sessions WHERE session = $1").bind(session).fetch_optional(p).await.map_err(db)?);
        if let Some(b) = held {
            if b != 0 && self.unfinished(b).await {
                return Err((
                    StatusCode::CONFLICT,
                    format!("pair {name:?} is already running (batch {b})"),
                ));
            }
            // finished: the next run may take it (one of two racing callers does)
            let gone = on_pool!(self.pool(), p => sqlx::query("DELETE FROM bisync_sessions WHERE session = $1 AND batch_id = $2").bind(session).bind(b).execute(p).await.map_err(db)?.rows_affected());
            if gone == 0 {
                return Err((
                    StatusCode::CONFLICT,
                    format!("pair {name:?} was just started by another call"),
                ));
            }
        }
        let now = rcmd_core::batch::store::now_ms();
        let taken = on_pool!(self.pool(), p => sqlx::query("INSERT INTO bisync_sessions (session, batch_id, store, user_id, at) VALUES ($1, 0, $2, 0, $3) ON CONFLICT (session) DO NOTHING").bind(session).bind(self.store_no()).bind(now).execute(p).await.map_err(db)?.rows_affected());
        if taken == 0 {
            return Err((
                StatusCode::CONFLICT,
                format!("pair {name:?} was just started by another call"),
            ));
        }
        Ok(())
    }

    async fn bind_session(&self, session: &str, id: i64, user: &User) -> Result<(), CallError> {
        let db = |e: sqlx::Error| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        on_pool!(self.pool(), p => sqlx::query("UPDATE bisync_sessions SET batch_id = $1, user_id = $2 WHERE session = $3").bind(id).bind(user.id).bind(session).execute(p).await.map(drop).map_err(db)?);
        Ok(())
    }

    async fn release_session(&self, session: &str) {
        let _ = on_pool!(self.pool(), p => sqlx::query("DELETE FROM bisync_sessions WHERE session = $1 AND batch_id = 0").bind(session).execute(p).await.map(drop));
    }
}
