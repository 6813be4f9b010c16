//! Turning a user's selection into items: files as they are, folders expanded by listing.

use serde_json::json;

use crate::{
    path::RemotePath,
    rc::{wire::ListReply, RcClient, RcError},
};

/// One item to be created in a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedItem {
    /// Relative to the batch's source root.
    pub path: String,
    pub size: i64,
    pub mod_time: String,
}

/// Folders listed at once while planning.
const PLAN_CONCURRENCY: usize = 4;

/// Every file under `root` (recursively), relative to it, sorted by path.
///
/// The tree is walked one folder at a time (`operations/list` without `recurse`, up to
/// [`PLAN_CONCURRENCY`] folders at once), so no single reply holds the whole tree: memory
/// follows the largest folder, not the number of files below `root`.
pub async fn expand(rc: &RcClient, root: &RemotePath) -> Result<Vec<PlannedItem>, RcError> {
    let prefix = if root.path().is_empty() { String::new() } else { format!("{}/", root.path()) };
    let mut items = Vec::new();
    let mut pending: Vec<String> = vec![root.path().to_owned()];
    let mut running = futures_util::stream::FuturesUnordered::new();
    loop {
        while running.len() < PLAN_CONCURRENCY {
            let Some(dir) = pending.pop() else { break };
            running.push(async move {
                let reply: Result<ListReply, RcError> =
                    rc.call("operations/list", &json!({ "fs": root.fs(), "remote": dir, "opt": { "noMimeType": true } })).await;
                reply
            });
        }
        let Some(reply) = futures_util::StreamExt::next(&mut running).await else { break };
        for i in reply?.list {
            if i.is_dir {
                pending.push(i.path);
            } else {
                items.push(PlannedItem {
                    path: i.path.strip_prefix(&prefix).unwrap_or(&i.path).to_owned(),
                    size: i.size,
                    mod_time: i.mod_time,
                });
            }
        }
    }
    items.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(items)
}

/// Items for a selection of entries of the folder `root`: files as they are, folders
/// expanded. Paths stay relative to `root`; names must be direct children of it.
pub async fn selection(rc: &RcClient, root: &RemotePath, names: &[String]) -> Result<Vec<PlannedItem>, crate::Error> {
    let entries = crate::ops::list(rc, root).await?;
    let mut items = Vec::new();
    for name in names {
        let entry = entries.iter().find(|e| &e.name == name).ok_or_else(|| {
            crate::Error::from(crate::path::PathError::NotInFolder { name: name.clone(), folder: root.to_string() })
        })?;
        if entry.is_dir {
            let sub = root.join(name)?;
            items.extend(expand(rc, &sub).await?.into_iter().map(|i| PlannedItem { path: format!("{name}/{}", i.path), ..i }));
        } else {
            items.push(PlannedItem { path: name.clone(), size: entry.size, mod_time: entry.mod_time.clone() });
        }
    }
    items.sort_by(|a, b| a.path.cmp(&b.path));
    items.dedup_by(|a, b| a.path == b.path);
    Ok(items)
}
