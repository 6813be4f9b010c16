//! One item as its own watched job: to learn each item's own error after a chunk failed,
//! and for items a chunk's file list cannot name (see [`super::raw_names`]).

use rcmd_types::BatchKind;
use serde_json::{json, Map, Value};
use tokio_util::sync::CancellationToken;

use super::{
    processor::{job_params, stop_on_control},
    store::ItemRow,
    BatchControl, Processor,
};
use crate::{
    remote_path::RemotePath,
    resilience::watchdog::{run_job, JobOutcome},
    Error,
};

impl Processor {
    /// The operation on one item, as its own watched job (used to learn each item's error):
    /// pause and cancel stop it, the stall watchdog ends it if the server hangs.
    pub(super) async fn single(
        &self,
        kind: BatchKind,
        src: &RemotePath,
        dst: Option<&RemotePath>,
        item: &ItemRow,
        control: &BatchControl,
    ) -> Result<(), Error> {
        if super::raw_names::is_lossy(&item.path) {
            return self.single_by_rule(kind, src, dst, item, control).await;
        }
        let from = src.join(&item.path)?;
        let to = dst.map(|d| d.join(item.dst())).transpose()?;
        let mut p = Map::new();
        let path = match (kind, to) {
            (BatchKind::Delete, _) | (_, None) => {
                p.insert("fs".into(), json!(from.fs()));
                p.insert("remote".into(), json!(from.path()));
                "operations/deletefile"
            }
            (k, Some(to)) => {
                p.insert("srcFs".into(), json!(from.fs()));
                p.insert("srcRemote".into(), json!(from.path()));
                p.insert("dstFs".into(), json!(to.fs()));
                p.insert("dstRemote".into(), json!(to.path()));
                if item.dst_path.is_some() {
                    // another name, free when planned: never replace what appeared there since
                    p.insert("_config".into(), json!({ "IgnoreExisting": true }));
                }
                if k == BatchKind::Copy {
                    "operations/copyfile"
                } else {
                    "operations/movefile"
                }
            }
        };
        self.item_job(src, dst, Some(&item.path), item, control, path, p)
            .await?;
        Ok(())
    }

    /// Runs `path` with `params` as item `item`'s own watched job between `src` and `dst`
    /// (breakers of both, a failure blamed on the side that failed, probing `probe` below
    /// each root): pause and cancel stop it, the stall watchdog ends it if the server hangs.
    #[allow(clippy::too_many_arguments)]
    async fn item_job(
        &self,
        src: &RemotePath,
        dst: Option<&RemotePath>,
        probe: Option<&str>,
        item: &ItemRow,
        control: &BatchControl,
        path: &'static str,
        mut params: Map<String, Value>,
    ) -> Result<JobOutcome, Error> {
        super::processor::add_config(&mut params, control);
        let stop = CancellationToken::new();
        let watcher = stop_on_control(&stop, control);
        let (wcfg, group) = (self.cfg.watchdog.clone(), format!("rcmd/item/{}", item.id));
        let result = self
            .rc
            .transfer_once(src, dst, probe, &stop, |rc| {
                let (params, wcfg, stop, group) = (params.clone(), wcfg.clone(), stop.clone(), group.clone());
                async move { Ok(run_job(&rc, path, params, &group, &wcfg, &stop, |_| {}).await?) }
            })
            .await;
        stop.cancel();
        let _ = watcher.await;
        result
    }

    /// [`Processor::single`] for an item whose name is not valid UTF-8 (see
    /// [`super::raw_names`]): a job on its folder filtered to its name. Refused when the glob
    /// would also pick another file for a move or a delete; a job that touched nothing is
    /// not done.
    async fn single_by_rule(
        &self,
        kind: BatchKind,
        src: &RemotePath,
        dst: Option<&RemotePath>,
        item: &ItemRow,
        control: &BatchControl,
    ) -> Result<(), Error> {
        let (dir, name) = item.path.rsplit_once('/').unwrap_or(("", item.path.as_str()));
        let folder = |root: &RemotePath| {
            if dir.is_empty() {
                Ok(root.clone())
            } else {
                root.join(dir)
            }
        };
        let src_dir = folder(src)?;
        let dst_dir = dst.map(folder).transpose()?;
        if kind != BatchKind::Copy {
            let listing = self.rc.list(&src_dir, &CancellationToken::new()).await?.value;
            let picked = listing
                .iter()
                .filter(|e| !e.is_dir && super::raw_names::glob_matches(name, &e.name))
                .count();
            if picked > 1 {
                return Err(crate::remote_path::PathError::Indistinct {
                    name: name.to_owned(),
                    folder: src_dir.to_string(),
                }
                .into());
            }
        }
        let (path, mut params) = job_params(kind, &src_dir, dst_dir.as_ref());
        params.insert(
            "_filter".into(),
            json!({ "IncludeRule": [super::raw_names::include_rule(name)] }),
        );
        let s = self
            .item_job(&src_dir, dst_dir.as_ref(), None, item, control, path, params)
            .await?
            .stats;
        if s.finished() == 0 {
            return Err(Error::from(crate::rc::RcError::Api {
                path: path.to_owned(),
                status: 404,
                message: format!("no file in {src_dir} matched {:?}", item.path),
                input: Value::Null,
                retry_after: None,
            }));
        }
        Ok(())
    }
}
