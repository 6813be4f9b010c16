//! Two source names that one destination stores as one: the NFC and NFD forms of `café.txt`
//! on a server that normalises Unicode (rclone's own VFS, macOS), `A.txt` and `a.txt` on a
//! case-insensitive one. Copied side by side, the second overwrites the first and both read
//! "done". Found before anything is written: the destination is asked how it treats names
//! (a probe folder made and looked up in the other form), and every item but the first of
//! such a group is failed with the reason.

use std::collections::HashMap;

use rcmd_types::FailureReason;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use unicode_normalization::UnicodeNormalization;

use super::store::ItemOutcome;
use crate::{remote_path::RemotePath, resilience::classify::Failure, Error};

/// How a destination compares names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Folding {
    /// NFC and NFD forms of a name are the same name there.
    pub unicode: bool,
    /// Upper and lower case are the same name there.
    pub case: bool,
}

impl Folding {
    /// The broadest folding: what any destination might merge.
    pub const ANY: Folding = Folding {
        unicode: true,
        case: true,
    };

    /// `path` as the destination compares it.
    pub fn key(self, path: &str) -> String {
        let nfc: String = if self.unicode {
            path.nfc().collect()
        } else {
            path.to_owned()
        };
        if self.case {
            nfc.to_lowercase()
        } else {
            nfc
        }
    }

    /// What the destination does not tell apart, for a message.
    pub fn describe(self) -> &'static str {
        match (self.unicode, self.case) {
            (true, true) => "Unicode forms (NFC/NFD) or upper and lower case",
            (true, false) => "Unicode forms (NFC/NFD)",
            _ => "upper and lower case",
        }
    }
}

/// Items (`(id, path)`, in planned order) that collide with an earlier one under `folding`:
/// `(id, path, the earlier path)`.
pub fn collisions<'a>(items: impl IntoIterator<Item = (i64, &'a str)>, folding: Folding) -> Vec<(i64, String, String)> {
    if !folding.unicode && !folding.case {
        return Vec::new();
    }
    let mut first: HashMap<String, &str> = HashMap::new();
    let mut out = Vec::new();
    for (id, path) in items {
        match first.get(&folding.key(path)) {
            Some(earlier) => out.push((id, path.to_owned(), (*earlier).to_owned())),
            None => {
                first.insert(folding.key(path), path);
            }
        }
    }
    out
}

impl super::Processor {
    /// Fails every pending item of batch `id` that `dst` would store under the same name as an
    /// earlier one (see the module). The destination is probed only when some names could
    /// collide at all.
    pub(super) async fn fail_collisions(&self, id: i64, dst: &RemotePath) -> Result<(), Error> {
        let items = self
            .store
            .pending_paths(id)
            .await
            .map_err(super::processor::store_err)?;
        if collisions(items.iter().map(|(i, p)| (*i, p.as_str())), Folding::ANY).is_empty() {
            return Ok(());
        }
        let (folding, checked) = match self.folding_of(dst).await {
            Ok(f) => (f, true),
            Err(e) => {
                warn!(batch = id, error = %e, "cannot ask the destination how it compares names; assuming it merges forms and case");
                (Folding::ANY, false)
            }
        };
        let outcomes: Vec<(i64, ItemOutcome)> = collisions(items.iter().map(|(i, p)| (*i, p.as_str())), folding)
            .into_iter()
            .map(|(item, path, earlier)| {
                let how = if checked { "does not tell apart" } else { "may not tell apart" };
                let message = format!(
                    "{path:?} and {earlier:?} (also in this batch) are one name on {dst}, which {how} {}: copying both would leave one file with the other's bytes; rename one and copy it on its own",
                    folding.describe()
                );
                (item, ItemOutcome::Failed { failure: Failure::new(FailureReason::InvalidName, message) })
            })
            .collect();
        if !outcomes.is_empty() {
            info!(
                batch = id,
                items = outcomes.len(),
                ?folding,
                "names that collide at the destination"
            );
            self.store
                .checkpoint(id, &outcomes)
                .await
                .map_err(super::processor::store_err)?;
        }
        Ok(())
    }

    /// How `dst` compares names: a probe folder is made with an NFC, lower-case name and
    /// opened (listed) by its NFD and upper-case forms, then removed. (`operations/stat` of a
    /// folder scans its parent for the exact name, so it cannot tell.)
    async fn folding_of(&self, dst: &RemotePath) -> Result<Folding, Error> {
        let tag = format!(".rcmd-names-{}-{}", std::process::id(), super::store::now_ms());
        let made = dst.join(&format!("{tag}-\u{e9}a"))?;
        let nfd = dst.join(&format!("{tag}-e\u{301}a"))?;
        let upper = dst.join(&format!("{tag}-\u{e9}A"))?;
        let cancel = CancellationToken::new();
        self.rc.mkdir(&made, &cancel).await?;
        let exists = |p: RemotePath| {
            let cancel = cancel.clone();
            async move {
                self.rc
                    .call(&[&p.remote], &cancel, |rc| {
                        let p = p.clone();
                        async move {
                            match crate::ops::list(&rc, &p).await {
                                Ok(_) => Ok(true),
                                Err(e) if crate::resilience::classify::is_not_found(&e) => Ok(false),
                                Err(e) => Err(e.into()),
                            }
                        }
                    })
                    .await
            }
        };
        let folding = Folding {
            unicode: exists(nfd).await?,
            case: exists(upper).await?,
        };
        let removed: Result<serde_json::Value, _> = self
            .rc
            .call_once(&[&made.remote], &cancel, |rc| {
                let made = made.clone();
                async move {
                    Ok(rc
                        .call(
                            "operations/rmdir",
                            &serde_json::json!({ "fs": made.fs(), "remote": made.path() }),
                        )
                        .await?)
                }
            })
            .await;
        if let Err(e) = removed {
            warn!(folder = %made, error = %e, "cannot remove the name probe folder");
        }
        Ok(folding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_forms_and_case() {
        let items = [
            (1, "cafe\u{301}.txt"),
            (2, "caf\u{e9}.txt"),
            (3, "A.txt"),
            (4, "a.txt"),
            (5, "dir/A.txt"),
            (6, "DIR/a.txt"),
        ];
        let only = |f: Folding| {
            collisions(items.iter().map(|(i, p)| (*i, *p)), f)
                .iter()
                .map(|c| c.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            only(Folding {
                unicode: true,
                case: false
            }),
            [2]
        );
        assert_eq!(
            only(Folding {
                unicode: false,
                case: true
            }),
            [4, 6]
        );
        assert_eq!(only(Folding::ANY), [2, 4, 6]);
        assert!(only(Folding::default()).is_empty());
        let c = &collisions([(1, "A.txt"), (2, "a.txt")], Folding::ANY)[0];
        assert_eq!((c.1.as_str(), c.2.as_str()), ("a.txt", "A.txt"));
    }
}
