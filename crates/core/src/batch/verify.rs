//! What is really at the destination (or still at the source): listings of the folders a
//! chunk touched, compared by size and modification time with what was planned (rclone
//! preserves both; its own copy skips a file when they match).

use std::collections::{BTreeSet, HashMap};

use serde_json::json;

use super::store::ItemRow;
use crate::{
    rc::{RcClient, RcError},
    remote_path::RemotePath,
};

/// Size and modification time by path relative to the batch root.
pub type Listing = HashMap<String, (i64, String)>;

/// Up to this many touched folders are listed one by one; more are covered by one recursive
/// listing of their deepest common folder.
pub const MAX_DIR_LISTINGS: usize = 64;

/// The folders (relative to the root, "" for the root itself) that hold `paths`.
pub fn touched_dirs<'a>(paths: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    paths
        .into_iter()
        .map(|p| p.rsplit_once('/').map(|(d, _)| d.to_owned()).unwrap_or_default())
        .collect()
}

/// The files of the folders under `root` that hold `paths` (not the whole tree under
/// `root`): each folder listed on its own (not recursive), or, when there are more than
/// [`MAX_DIR_LISTINGS`], the tree of their deepest common folder, walked folder by folder
/// like planning. A missing folder lists as empty.
pub async fn listing_for<'a>(
    rc: &RcClient,
    root: &RemotePath,
    paths: impl IntoIterator<Item = &'a str>,
) -> Result<Listing, RcError> {
    let dirs = touched_dirs(paths);
    let mut out = Listing::new();
    if dirs.len() <= MAX_DIR_LISTINGS {
        for dir in &dirs {
            list_into(rc, root, dir, false, &mut out).await?;
        }
    } else {
        let common = common_folder(&dirs);
        list_into(rc, root, &common, true, &mut out).await?;
    }
    Ok(out)
}

async fn list_into(
    rc: &RcClient,
    root: &RemotePath,
    dir: &str,
    recurse: bool,
    out: &mut Listing,
) -> Result<(), RcError> {
    match super::plan::walk(rc, root, dir, recurse).await {
        Ok(items) => {
            out.extend(items.into_iter().map(|i| (i.path, (i.size, i.mod_time))));
            Ok(())
        }
        // a folder that does not exist, or that we may not read, confirms none of its items:
        // they stay unverified (and get the job's failure) instead of stopping the batch
        Err(e) if crate::resilience::classify::is_not_found(&e) => Ok(()),
        Err(e) if crate::resilience::classify::classify(&e).reason == rcmd_types::FailureReason::Forbidden => {
            tracing::info!(folder = dir, error = %e, "cannot read a folder to verify its items");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The deepest folder that contains every one of `dirs`.
fn common_folder(dirs: &BTreeSet<String>) -> String {
    let mut iter = dirs.iter();
    let Some(first) = iter.next() else { return String::new() };
    let mut common: Vec<&str> = if first.is_empty() {
        vec![]
    } else {
        first.split('/').collect()
    };
    for d in iter {
        let parts: Vec<&str> = if d.is_empty() { vec![] } else { d.split('/').collect() };
        let same = common.iter().zip(&parts).take_while(|(a, b)| a == b).count();
        common.truncate(same);
    }
    common.join("/")
}

/// How precisely `root`'s backend keeps modification times (`operations/fsinfo`
/// `Precision`, ns); `None` when it does not keep them (rclone's `ModTimeNotSupported`).
pub async fn mod_time_precision(rc: &RcClient, root: &RemotePath) -> Result<Option<std::time::Duration>, RcError> {
    let info: serde_json::Value = rc.call("operations/fsinfo", &json!({ "fs": root.remote.fs() })).await?;
    let ns = info.get("Precision").and_then(|p| p.as_u64()).unwrap_or(0);
    // rclone's ModTimeNotSupported is 100 years; anything of an hour or more cannot be compared
    Ok((ns < 3_600_000_000_000).then(|| std::time::Duration::from_nanos(ns)))
}

/// Whether `item` is at the destination as planned, the way rclone's copy decides to skip a
/// file: same size, and the same modification time within the backend's precision (at least
/// a second) when the backend keeps times (`precision` is `Some`).
pub fn matches(item: &ItemRow, found: Option<&(i64, String)>, precision: Option<std::time::Duration>) -> bool {
    let Some((size, mod_time)) = found else { return false };
    if item.size >= 0 && *size != item.size {
        return false;
    }
    if precision.is_none() {
        return true;
    }
    let tolerance = tolerance_s(precision);
    match (unix_second(mod_time), unix_second(&item.mod_time)) {
        (Some(a), Some(b)) => (a - b).abs() <= tolerance,
        _ => false,
    }
}

/// How far apart (whole seconds) two modification times at a backend of `precision` may be
/// and still be the same: the precision, at least a second (also when it is unknown).
pub(super) fn tolerance_s(precision: Option<std::time::Duration>) -> i64 {
    precision.map_or(1, |p| p.as_secs().max(1) as i64)
}

/// An RFC 3339 time as whole unix seconds (backends differ in offset and sub-second digits).
pub(super) fn unix_second(t: &str) -> Option<i64> {
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|d| d.unix_timestamp())
}

/// An RFC 3339 time in unix milliseconds.
pub(crate) fn unix_millis(t: &str) -> Option<i64> {
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|d| (d.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(size: i64, t: &str) -> ItemRow {
        ItemRow {
            id: 1,
            path: "a".into(),
            size,
            mod_time: t.into(),
            attempts: 1,
            dst_path: None,
            action: None,
            prune: None,
        }
    }

    #[test]
    fn touched_folders_and_their_common_folder() {
        let dirs = touched_dirs(["a/b/x", "a/b/y", "a/c/z", "top"]);
        assert_eq!(dirs.iter().map(String::as_str).collect::<Vec<_>>(), ["", "a/b", "a/c"]);
        assert_eq!(common_folder(&touched_dirs(["a/b/x", "a/c/z"])), "a");
        assert_eq!(common_folder(&touched_dirs(["a/b/x", "a/b/c/z"])), "a/b");
        assert_eq!(common_folder(&touched_dirs(["a/b/x", "top"])), "");
    }

    #[test]
    fn size_and_time_within_precision() {
        let ns = Some(std::time::Duration::from_nanos(1));
        let it = item(10, "2026-11-22T01:02:03.123456789Z");
        assert!(matches(&it, Some(&(10, "2026-11-22T01:02:03.1Z".into())), ns));
        assert!(
            !matches(&it, Some(&(9, "2026-11-22T01:02:03.1Z".into())), ns),
            "size differs"
        );
        assert!(
            !matches(&it, Some(&(10, "2026-11-22T01:02:06Z".into())), ns),
            "time differs"
        );
        assert!(!matches(&it, None, ns), "missing");
        assert!(
            matches(&it, Some(&(10, "2026-11-22T10:02:03+09:00".into())), ns),
            "same instant, other offset"
        );
        // a backend without modification times: size decides, as in rclone's copy
        assert!(matches(&it, Some(&(10, "2030-01-01T00:00:00Z".into())), None));
        assert!(!matches(&it, Some(&(11, "2030-01-01T00:00:00Z".into())), None));
    }
}
