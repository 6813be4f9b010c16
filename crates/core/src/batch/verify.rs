//! What is really at the destination: one recursive listing, compared by size and
//! modification time with what was planned (rclone preserves both; its own copy skips a file
//! when they match).

use std::collections::HashMap;

use serde_json::json;

use super::store::ItemRow;
use crate::{
    path::RemotePath,
    rc::{RcClient, RcError},
};

/// Size and modification time of every file under `root`, keyed by path relative to it
/// (the same listing as planning uses). A missing root is an empty map.
pub async fn listing(rc: &RcClient, root: &RemotePath) -> Result<HashMap<String, (i64, String)>, RcError> {
    match super::plan::expand(rc, root).await {
        Ok(items) => Ok(items.into_iter().map(|i| (i.path, (i.size, i.mod_time))).collect()),
        Err(e) if crate::resilience::classify::is_not_found(&e) => Ok(HashMap::new()),
        Err(e) => Err(e),
    }
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
    let Some(precision) = precision else { return true };
    let tolerance = precision.as_secs().max(1) as i64;
    match (unix_second(mod_time), unix_second(&item.mod_time)) {
        (Some(a), Some(b)) => (a - b).abs() <= tolerance,
        _ => false,
    }
}

/// An RFC 3339 time as whole unix seconds (backends differ in offset and sub-second digits).
fn unix_second(t: &str) -> Option<i64> {
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok().map(|d| d.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(size: i64, t: &str) -> ItemRow {
        ItemRow { id: 1, path: "a".into(), size, mod_time: t.into(), attempts: 1 }
    }

    #[test]
    fn size_and_time_within_precision() {
        let ns = Some(std::time::Duration::from_nanos(1));
        let it = item(10, "2026-11-22T01:02:03.123456789Z");
        assert!(matches(&it, Some(&(10, "2026-11-22T01:02:03.1Z".into())), ns));
        assert!(!matches(&it, Some(&(9, "2026-11-22T01:02:03.1Z".into())), ns), "size differs");
        assert!(!matches(&it, Some(&(10, "2026-11-22T01:02:06Z".into())), ns), "time differs");
        assert!(!matches(&it, None, ns), "missing");
        assert!(matches(&it, Some(&(10, "2026-11-22T10:02:03+09:00".into())), ns), "same instant, other offset");
        // a backend without modification times: size decides, as in rclone's copy
        assert!(matches(&it, Some(&(10, "2030-01-01T00:00:00Z".into())), None));
        assert!(!matches(&it, Some(&(11, "2030-01-01T00:00:00Z".into())), None));
    }
}
