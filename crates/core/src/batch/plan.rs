//! Turning a user's selection into items: files as they are, folders expanded by listing.

use serde_json::json;

use crate::{
    rc::{wire::ListReply, RcClient, RcError},
    remote_path::RemotePath,
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
pub async fn expand(rc: &RcClient, root: &RemotePath) -> Result<Vec<PlannedItem>, RcError> {
    let mut items = walk(rc, root, "", true).await?;
    items.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(items)
}

/// The files in folder `dir` of `root` (`""`: the root itself), and below it when `recurse`,
/// with paths relative to `root`, unsorted. Used by planning and by verification.
///
/// The tree is walked one folder at a time (`operations/list` without `recurse`, up to
/// [`PLAN_CONCURRENCY`] folders at once), so no single reply holds the whole tree: memory
/// follows the largest folder, not the number of files below `root`.
pub(super) async fn walk(
    rc: &RcClient,
    root: &RemotePath,
    dir: &str,
    recurse: bool,
) -> Result<Vec<PlannedItem>, RcError> {
    let start = [root.path(), dir]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    let mut items = Vec::new();
    let mut pending: Vec<String> = vec![start];
    let mut running = futures_util::stream::FuturesUnordered::new();
    loop {
        while running.len() < PLAN_CONCURRENCY {
            let Some(folder) = pending.pop() else { break };
            running.push(async move {
                let reply: Result<ListReply, RcError> = rc
                    .call(
                        "operations/list",
                        &json!({ "fs": root.fs(), "remote": folder, "opt": { "noMimeType": true } }),
                    )
                    .await;
                reply
            });
        }
        let Some(reply) = futures_util::StreamExt::next(&mut running).await else {
            break;
        };
        for i in reply?.list {
            if i.is_dir {
                if recurse {
                    pending.push(i.path);
                }
            } else {
                items.push(PlannedItem {
                    path: root.relative(&i.path).to_owned(),
                    size: i.size,
                    mod_time: i.mod_time,
                });
            }
        }
    }
    Ok(items)
}

/// Items for a selection of entries of the folder `root`: files as they are, folders
/// expanded; and the selected folders. Paths stay relative to `root`; names must be direct
/// children of it.
pub async fn selection(
    rc: &RcClient,
    root: &RemotePath,
    names: &[String],
) -> Result<(Vec<PlannedItem>, Vec<String>), crate::Error> {
    let entries = crate::ops::list(rc, root).await?;
    let mut items = Vec::new();
    let mut folders = Vec::new();
    for name in names {
        let entry = entries.iter().find(|e| &e.name == name).ok_or_else(|| {
            crate::Error::from(crate::remote_path::PathError::NotInFolder {
                name: name.clone(),
                folder: root.to_string(),
            })
        })?;
        if entry.is_dir {
            let sub = root.join(name)?;
            items.extend(expand(rc, &sub).await?.into_iter().map(|i| PlannedItem {
                path: format!("{name}/{}", i.path),
                ..i
            }));
            folders.push(name.clone());
        } else {
            items.push(PlannedItem {
                path: name.clone(),
                size: entry.size,
                mod_time: entry.mod_time.clone(),
            });
        }
    }
    folders.sort();
    folders.dedup();
    items.sort_by(|a, b| a.path.cmp(&b.path));
    items.dedup_by(|a, b| a.path == b.path);
    Ok((items, folders))
}
