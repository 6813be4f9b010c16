//! `core/stats` without a group for a user who is not an admin: the figures of that user's own
//! transfers only. rcd's global figures name every user's files, so they are for admins; an
//! operator still needs the speed and the files in flight of the jobs and batches they run
//! (the app's header and Transfers view read exactly this call).

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::{auth::User, state::AppState};

/// Whose a stats group is: an `_async` job's (`job/<rproxy id>`) or a server batch chunk's
/// (`rcmd/batch/<batch id>/<item id>`, the engine's naming).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Owner {
    Job(i64),
    Batch(i64),
}

fn owner_of(group: &str) -> Option<Owner> {
    if let Some(id) = group.strip_prefix("job/") {
        return id.parse().ok().map(Owner::Job);
    }
    let rest = group.strip_prefix("rcmd/batch/")?;
    rest.split('/').next()?.parse().ok().map(Owner::Batch)
}

/// rcd's global `core/stats` answer `global` cut down to what `user` may read: the transfers
/// in flight of groups `user` owns, and the totals of those alone. Everything else (other
/// users' files, errors, the whole server's byte counts) is left out.
pub(crate) async fn own(st: &AppState, user: &User, global: &Value) -> Value {
    let mut mine: HashMap<Owner, bool> = HashMap::new();
    let mut kept: Vec<Value> = vec![];
    for t in global
        .get("transferring")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(owner) = t.get("group").and_then(Value::as_str).and_then(owner_of) else {
            continue;
        };
        let visible = match mine.get(&owner) {
            Some(v) => *v,
            None => {
                let v = match owner {
                    Owner::Job(id) => st.jobs.visible(user, id).await,
                    Owner::Batch(id) => st.batches.owned_by(user, id).await,
                };
                mine.insert(owner, v);
                v
            }
        };
        if visible {
            kept.push(t.clone());
        }
    }
    let sum = |key: &str| -> f64 { kept.iter().filter_map(|t| t.get(key).and_then(Value::as_f64)).sum() };
    let mut out = Map::new();
    // each file's average (its current speed jumps while the limiter's burst is spent), as the
    // app sums the files in flight
    out.insert("speed".into(), json!(sum("speedAvg")));
    out.insert("bytes".into(), json!(sum("bytes") as u64));
    out.insert("totalBytes".into(), json!(sum("size") as u64));
    out.insert("totalTransfers".into(), json!(kept.len()));
    // finished transfers and errors are counted per group by rclone: read a job's own group
    // (`group=job/<id>`) for them
    for key in ["transfers", "errors", "checks", "deletes", "renames", "totalChecks"] {
        out.insert(key.into(), json!(0));
    }
    out.insert("transferring".into(), Value::Array(kept));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_name_their_owner() {
        assert_eq!(owner_of("job/12"), Some(Owner::Job(12)));
        assert_eq!(owner_of("rcmd/batch/4294967297/9"), Some(Owner::Batch(4294967297)));
        for other in [
            "",
            "job/",
            "job/x",
            "global_stats",
            "rcmd/batch/",
            "rcmd/batch/x/1",
            "rcmd/other/1",
        ] {
            assert_eq!(owner_of(other), None, "{other:?}");
        }
    }
}
