//! Finding files below a folder by name, size and age: the tree is walked one folder at a
//! time (a few at once) with the filter applied per call, so results come as each folder is
//! read, a search stops at its limit or when cancelled, and no reply holds the whole tree.

use rcmd_types::{FileEntry, FilterSpec};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::filter;
use crate::{
    rc::{wire::ListReply, RcError},
    remote_path::RemotePath,
    resilience::layer::Resilient,
};

/// Folders listed at once.
const FIND_CONCURRENCY: usize = 4;

/// What a search looks for.
#[derive(Clone, Debug)]
pub struct FindQuery {
    pub root: RemotePath,
    /// Name patterns (rclone globs: `*.jpg`, `report-202?-*`) and sizes/ages, as a filter.
    pub filter: FilterSpec,
    /// At most this many files are returned.
    pub limit: usize,
}

/// How a search ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FindEnd {
    pub found: usize,
    pub folders: usize,
    /// It stopped at its limit: more may match.
    pub truncated: bool,
    pub cancelled: bool,
}

/// Walks `q.root` and hands each folder's matches (paths relative to the root) to `found` as
/// they come. A folder that cannot be read ends the search with its error.
pub async fn find(
    rc: &Resilient,
    q: &FindQuery,
    cancel: &CancellationToken,
    mut found: impl FnMut(Vec<FileEntry>),
) -> Result<FindEnd, super::CompareError> {
    let rules = filter::to_rclone(&q.filter)?;
    let mut end = FindEnd::default();
    let mut pending: Vec<String> = vec![String::new()];
    let mut running = futures_util::stream::FuturesUnordered::new();
    let list = |folder: String| {
        let (root, rules) = (q.root.clone(), rules.clone());
        async move {
            let reply = rc
                .call(&[&root.remote], cancel, |rc| {
                    let (root, rules, folder) = (root.clone(), rules.clone(), folder.clone());
                    async move {
                        let r: Result<ListReply, RcError> = rc
                            .call(
                                "operations/list",
                                &json!({
                                    "fs": root.to_string(),
                                    "remote": folder,
                                    "opt": { "noMimeType": true },
                                    "_filter": rules,
                                }),
                            )
                            .await;
                        Ok(r?)
                    }
                })
                .await;
            (folder, reply)
        }
    };
    loop {
        if cancel.is_cancelled() {
            end.cancelled = true;
            break;
        }
        while running.len() < FIND_CONCURRENCY {
            let Some(folder) = pending.pop() else { break };
            running.push(list(folder));
        }
        let next = tokio::select! {
            n = futures_util::StreamExt::next(&mut running) => n,
            _ = cancel.cancelled() => { end.cancelled = true; break; }
        };
        let Some((_, reply)) = next else { break };
        let reply = reply?;
        end.folders += 1;
        let mut files = Vec::new();
        for i in reply.list {
            if i.is_dir {
                pending.push(i.path);
            } else if end.found + files.len() < q.limit {
                files.push(FileEntry::from(i));
            } else {
                end.truncated = true;
            }
        }
        end.found += files.len();
        if !files.is_empty() {
            found(files);
        }
        if end.truncated {
            break;
        }
    }
    tracing::info!(root = %q.root, found = end.found, folders = end.folders, truncated = end.truncated, cancelled = end.cancelled, "search ended");
    Ok(end)
}
