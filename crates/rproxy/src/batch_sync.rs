//! `rproxy/batch/compare` and `rproxy/batch/sync`: the engine's compare and one-way sync run
//! on the server, on its rcd and its remotes (the policy checked the role, both remotes and
//! every parameter's shape). A sync is a server batch like any other: owned by its user, its
//! state changes events for that user, resumable.

use rcmd_core::{
    batch::{sync::plan, SyncError, SyncRequest},
    compare::{compare, CompareError, CompareRequest, Comparison},
    remote_path::LOCAL_DISK,
    types::{BackupPlace, CompareMode, DeleteGuard, Direction, FilterSpec, SyncStarted},
};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use crate::{
    auth::User,
    batches::{bad, judged, Batches, CallError},
};

fn compare_err(e: CompareError) -> CallError {
    judged(&e, e.is_bad_request())
}

pub(crate) fn text<'a>(p: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    p.get(k)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A flag as rclone reads one: `true` or `"true"`.
pub(crate) fn flag(p: &Map<String, Value>, k: &str) -> bool {
    match p.get(k) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim() == "true",
        _ => false,
    }
}

pub(crate) fn number(p: &Map<String, Value>, k: &str) -> Option<u64> {
    p.get(k)
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()))
}

/// An object parameter, or the JSON text of one (as the policy accepted it).
pub(crate) fn object(p: &Map<String, Value>, k: &str) -> Option<Map<String, Value>> {
    crate::policy::schema::object_or_text(p.get(k)?).map(|o| o.into_owned())
}

/// The compare `p` asks for: `srcFs`, `dstFs`, `mode` (`mirror`, default, or `two_way`),
/// `filter`, `oneWay`, `download`.
fn request(p: &Map<String, Value>) -> Result<CompareRequest, CallError> {
    let src = text(p, "srcFs").ok_or_else(|| bad("Didn't find key \"srcFs\" in input"))?;
    let dst = text(p, "dstFs").ok_or_else(|| bad("Didn't find key \"dstFs\" in input"))?;
    let mode = match text(p, "mode").unwrap_or("mirror") {
        "mirror" => CompareMode::Mirror,
        "two_way" => CompareMode::TwoWay,
        other => return Err(bad(format!("mode {other:?}: use mirror or two_way"))),
    };
    let filter: FilterSpec = match object(p, "filter") {
        None => FilterSpec::default(),
        Some(o) => serde_json::from_value(Value::Object(o)).map_err(|e| bad(format!("filter: {e}")))?,
    };
    let mut req = CompareRequest::new(src, dst, filter, mode).map_err(compare_err)?;
    // the server's own disk is never a side (the policy refuses inline remotes already)
    if [&req.left, &req.right].iter().any(|s| s.remote.as_str() == LOCAL_DISK) {
        return Err(bad(
            "the server's local disk (:local:) cannot be used; use a configured remote",
        ));
    }
    req.one_way = flag(p, "oneWay");
    req.download = flag(p, "download");
    Ok(req)
}

impl Batches {
    async fn run_compare(&self, req: &CompareRequest) -> Result<Comparison, CallError> {
        compare(
            self.runner().rc(),
            req,
            &CancellationToken::new(),
            std::sync::Arc::new(|_| {}),
        )
        .await
        .map_err(compare_err)
    }

    /// The rows of a compare of `srcFs` and `dstFs` (nothing written).
    pub(crate) async fn compare(&self, p: &Map<String, Value>) -> Result<Value, CallError> {
        let c = self.run_compare(&request(p)?).await?;
        Ok(serde_json::to_value(c.to_wire()).unwrap_or(Value::Null))
    }

    /// Compares, sets the `directions` asked (path → right | left | skip | delete_right |
    /// delete_left), plans under the delete guard (`maxDelete`, `maxDeletePercent`, default
    /// 50) with backups (`backup`: `dated`, default, or `off`); with `dryRun` only the
    /// preview, else the batch, owned by `user`, is started.
    pub(crate) async fn sync(&self, user: &User, p: &Map<String, Value>) -> Result<Value, CallError> {
        let req = request(p)?;
        let mut directions = std::collections::BTreeMap::new();
        for (path, d) in object(p, "directions").unwrap_or_default() {
            let d = d.as_str().and_then(Direction::parse).ok_or_else(|| {
                bad(format!(
                    "direction for {path:?}: use right, left, skip, delete_right or delete_left"
                ))
            })?;
            directions.insert(path, d);
        }
        let guard = DeleteGuard {
            max_files: number(p, "maxDelete"),
            max_percent: Some(number(p, "maxDeletePercent").unwrap_or(50).min(100) as u32).filter(|p| *p < 100),
        };
        let backup = match text(p, "backup").unwrap_or("dated") {
            "dated" => BackupPlace::Dated,
            "off" => BackupPlace::Off,
            other => return Err(bad(format!("backup {other:?}: use dated or off"))),
        };
        let mut c = self.run_compare(&req).await?;
        c.apply_directions(&directions).map_err(bad)?;
        let mut s = SyncRequest::from_comparison(&c);
        s.guard = guard;
        s.backup = backup;
        let sync_err = |e: SyncError| judged(&e, e.is_bad_request());
        if flag(p, "dryRun") {
            let preview = plan(&s, &rcmd_core::batch::sync::stamp_now())
                .map_err(sync_err)?
                .preview;
            return Ok(serde_json::to_value(SyncStarted { batch: None, preview }).unwrap_or(Value::Null));
        }
        let (id, preview) = self.runner().processor_create_sync(&s).await.map_err(sync_err)?;
        let info = self.own_and_start(user, id).await?;
        Ok(serde_json::to_value(SyncStarted {
            batch: Some(info),
            preview,
        })
        .unwrap_or(Value::Null))
    }
}
