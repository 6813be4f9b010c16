//! What is really at the destination: one recursive listing, compared by size and
//! modification time with what was planned (rclone preserves both; its own copy skips a file
//! when they match).

use std::collections::HashMap;

use serde_json::json;

use super::store::ItemRow;
use crate::{
    path::RemotePath,
    rc::{wire::ListReply, RcClient, RcError},
};

/// Size and modification time of every file under `root`, keyed by path relative to it.
/// A missing root is an empty map.
pub async fn listing(rc: &RcClient, root: &RemotePath) -> Result<HashMap<String, (i64, String)>, RcError> {
    let reply: Result<ListReply, RcError> = rc
        .call(
            "operations/list",
            &json!({ "fs": root.remote.fs(), "remote": root.path(), "opt": { "recurse": true, "filesOnly": true, "noMimeType": true } }),
        )
        .await;
    let reply = match reply {
        Ok(r) => r,
        Err(e) if crate::resilience::classify::is_not_found(&e) => return Ok(HashMap::new()),
        Err(e) => return Err(e),
    };
    let prefix = if root.path().is_empty() { String::new() } else { format!("{}/", root.path()) };
    Ok(reply
        .list
        .into_iter()
        .map(|i| (i.path.strip_prefix(&prefix).unwrap_or(&i.path).to_owned(), (i.size, i.mod_time)))
        .collect())
}

/// Whether `item` is at the destination as planned: same size and the same modification
/// time to the second (backends differ in sub-second precision).
pub fn matches(item: &ItemRow, found: Option<&(i64, String)>) -> bool {
    let Some((size, mod_time)) = found else { return false };
    (item.size < 0 || *size == item.size) && unix_second(mod_time) == unix_second(&item.mod_time)
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
    fn same_size_and_second_match() {
        let it = item(10, "2026-11-22T01:02:03.123456789Z");
        assert!(matches(&it, Some(&(10, "2026-11-22T01:02:03.1Z".into()))));
        assert!(!matches(&it, Some(&(9, "2026-11-22T01:02:03.1Z".into()))), "size differs");
        assert!(!matches(&it, Some(&(10, "2026-11-22T01:02:04Z".into()))), "time differs");
        assert!(!matches(&it, None), "missing");
        assert!(matches(&it, Some(&(10, "2026-11-22T10:02:03+09:00".into()))), "same instant, other offset");
    }
}
