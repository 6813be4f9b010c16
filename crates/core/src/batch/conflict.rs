//! Files a copy or move would replace: found when the batch is planned (listing the
//! destination folders the items go to), decided by the batch's [`ConflictPolicy`] and the
//! user's per-file choices, and guarded again while the batch runs, so a destination file that
//! became newer after planning is kept too.
//!
//! * At planning, a conflict the policy keeps becomes a skipped item with the reason; the rest
//!   are copied as usual.
//! * While running, every job gets rclone's own check for the policy (`_config`:
//!   `UpdateOlder` for [`ConflictPolicy::Update`], `IgnoreExisting` for
//!   [`ConflictPolicy::Skip`]), and an item a successful job left alone because of it is
//!   settled as skipped ("kept"), not failed. After a stopped or failed job such a file may
//!   be the job's own write (a copy whose time was not set yet: seen when a paused job and its
//!   resumption raced), so the item is retried instead; the per-item retries (one call each)
//!   replace as before. When the user chose to overwrite a file the policy would keep, the
//!   batch runs without the check (the choice was made knowingly, for the files listed then).

use std::collections::{BTreeMap, BTreeSet};

use rcmd_types::{Conflict, ConflictPolicy, Newer};
use serde_json::{json, Value};

use super::{
    plan::PlannedItem,
    verify::{unix_second, Listing},
};

pub use rcmd_types::{KEPT_EXISTING, KEPT_NEWER};

/// The check a batch's jobs run with (stored with the batch as text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    /// Replace only what is older (rclone `--update`).
    Update,
    /// Never replace (rclone `--ignore-existing`).
    Skip,
}

impl Guard {
    pub fn as_str(self) -> &'static str {
        match self {
            Guard::Update => "update",
            Guard::Skip => "skip",
        }
    }

    pub fn parse(text: &str) -> Option<Guard> {
        match text {
            "update" => Some(Guard::Update),
            "skip" => Some(Guard::Skip),
            _ => None,
        }
    }

    /// The `_config` a job's parameters get.
    pub fn config(self) -> Value {
        match self {
            Guard::Update => json!({ "UpdateOlder": true }),
            Guard::Skip => json!({ "IgnoreExisting": true }),
        }
    }

    /// Why an item that is not at the destination as planned was left alone by this guard,
    /// or `None` when the guard does not explain it. `there`: the destination file now.
    pub fn kept(self, item: &PlannedLike, there: Option<&(i64, String)>, tolerance_s: i64) -> Option<&'static str> {
        let (size, time) = there?;
        match self {
            Guard::Skip => Some(KEPT_EXISTING),
            Guard::Update => match newer(item.size, item.mod_time, *size, time, tolerance_s) {
                Newer::Destination => Some(KEPT_NEWER),
                _ => None,
            },
        }
    }
}

/// Size and time of a source file (an item as planned or as stored).
pub struct PlannedLike<'a> {
    pub size: i64,
    pub mod_time: &'a str,
}

/// Which side is newer, with times equal within `tolerance_s` seconds (the destination's
/// precision, at least one second).
pub fn newer(src_size: i64, src_time: &str, dst_size: i64, dst_time: &str, tolerance_s: i64) -> Newer {
    match (unix_second(src_time), unix_second(dst_time)) {
        (Some(s), Some(d)) if d - s > tolerance_s => Newer::Destination,
        (Some(s), Some(d)) if s - d > tolerance_s => Newer::Source,
        (Some(_), Some(_)) => Newer::Neither {
            same_size: src_size == dst_size,
        },
        // a side without a readable time: treat the destination as newer, so it is never
        // replaced without an explicit choice
        _ => Newer::Destination,
    }
}

/// The planned items that exist at the destination (`at_dst`, listed for their paths), sorted
/// by path.
pub fn find(items: &[PlannedItem], at_dst: &Listing, tolerance_s: i64) -> Vec<Conflict> {
    let mut out: Vec<Conflict> = items
        .iter()
        .filter_map(|i| {
            let (dst_size, dst_time) = at_dst.get(&i.path)?;
            Some(Conflict {
                path: i.path.clone(),
                src_size: i.size,
                src_time: i.mod_time.clone(),
                dst_size: *dst_size,
                dst_time: dst_time.clone(),
                newer: newer(i.size, &i.mod_time, *dst_size, dst_time, tolerance_s),
            })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// What planning does with one conflict under the choice for it: `None` copies it (replacing
/// the destination file, or beside it under another name for [`ConflictPolicy::Rename`]),
/// `Some(reason)` keeps the destination file (the item is skipped).
pub fn decide(c: &Conflict, choice: ConflictPolicy) -> Option<&'static str> {
    match (choice, c.newer) {
        (ConflictPolicy::Skip, _) => Some(KEPT_EXISTING),
        (ConflictPolicy::Rename, _) => None,
        (ConflictPolicy::Update, Newer::Destination) => Some(KEPT_NEWER),
        // the same file already there is copied as usual: rclone finds it equal and leaves
        // it, and the item is done
        (ConflictPolicy::Update, _) | (ConflictPolicy::Overwrite, _) => None,
    }
}

/// What planning decided for the conflicts of a batch.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Items not copied (path → reason): their destination file is kept.
    pub kept: Vec<(String, &'static str)>,
    /// Items copied beside the destination file under a free name (path → new path).
    pub renamed: Vec<(String, String)>,
    /// The check the batch's jobs run with.
    pub guard: Option<Guard>,
}

/// The items to keep, the items to copy under another name and the guard the batch's jobs
/// run with, for `policy` with the per-file `choices` (path → choice, overriding the policy).
/// `taken`: every path at the destination and every path the batch writes there (a new
/// name avoids all of them).
pub fn resolve(
    conflicts: &[Conflict],
    policy: ConflictPolicy,
    choices: &BTreeMap<String, ConflictPolicy>,
    taken: &BTreeSet<String>,
) -> Resolved {
    let mut out = Resolved::default();
    let mut taken = taken.clone();
    // a file the user chose to overwrite although the policy would keep it: the jobs must
    // not keep it either
    let mut forced = false;
    for c in conflicts {
        let choice = choices.get(&c.path).copied().unwrap_or(policy);
        // the same file already there is not copied again under another name: rclone finds
        // it equal and leaves it
        let identical = c.newer == (Newer::Neither { same_size: true });
        if choice == ConflictPolicy::Rename && !identical {
            // a name that is not UTF-8 cannot be renamed safely: its file is kept
            match free_name(&c.path, &taken).filter(|_| !super::raw_names::is_lossy(&c.path)) {
                Some(to) => {
                    taken.insert(to.clone());
                    out.renamed.push((c.path.clone(), to));
                }
                None => out.kept.push((c.path.clone(), KEPT_EXISTING)),
            }
            continue;
        }
        match decide(c, choice) {
            Some(reason) => out.kept.push((c.path.clone(), reason)),
            None if identical => {}
            None => forced |= decide(c, policy).is_some() || policy == ConflictPolicy::Rename,
        }
    }
    out.guard = match policy {
        _ if forced => None,
        ConflictPolicy::Update => Some(Guard::Update),
        // a file that appears at the destination after planning is never replaced
        ConflictPolicy::Skip | ConflictPolicy::Rename => Some(Guard::Skip),
        ConflictPolicy::Overwrite => None,
    };
    out
}

/// The most numbered copies tried for one name.
const MAX_RENAMES: u32 = 10_000;

/// `dir/name (2).ext`, `dir/name (3).ext`, ... : the first that is not `taken` (a leading dot
/// is part of the name: `.env (2)`); `None` when all are.
pub fn free_name(path: &str, taken: &BTreeSet<String>) -> Option<String> {
    let (dir, name) = match path.rsplit_once('/') {
        Some((d, n)) => (format!("{d}/"), n),
        None => (String::new(), path),
    };
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    };
    (2..=MAX_RENAMES)
        .map(|n| format!("{dir}{stem} ({n}){ext}"))
        .find(|candidate| !taken.contains(candidate))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: &str = "2026-01-01T00:00:00Z";
    const T1: &str = "2026-01-02T00:00:00Z";

    fn conflict(path: &str, src: (i64, &str), dst: (i64, &str)) -> Conflict {
        Conflict {
            path: path.into(),
            src_size: src.0,
            src_time: src.1.into(),
            dst_size: dst.0,
            dst_time: dst.1.into(),
            newer: newer(src.0, src.1, dst.0, dst.1, 1),
        }
    }

    #[test]
    fn which_side_is_newer() {
        assert_eq!(newer(1, T0, 1, T1, 1), Newer::Destination);
        assert_eq!(newer(1, T1, 1, T0, 1), Newer::Source);
        assert_eq!(
            newer(1, T0, 1, "2026-01-01T00:00:01Z", 1),
            Newer::Neither { same_size: true }
        );
        assert_eq!(newer(1, T0, 2, T0, 1), Newer::Neither { same_size: false });
        // an unreadable time never lets a replace through silently
        assert_eq!(newer(1, T1, 1, "yesterday", 1), Newer::Destination);
    }

    #[test]
    fn a_newer_destination_file_is_kept_unless_overwrite_is_chosen() {
        let newer_dst = conflict("a", (1, T0), (2, T1));
        assert_eq!(decide(&newer_dst, ConflictPolicy::Update), Some(KEPT_NEWER));
        assert_eq!(decide(&newer_dst, ConflictPolicy::Skip), Some(KEPT_EXISTING));
        assert_eq!(decide(&newer_dst, ConflictPolicy::Overwrite), None);
        let older_dst = conflict("b", (1, T1), (2, T0));
        assert_eq!(decide(&older_dst, ConflictPolicy::Update), None);
        assert_eq!(decide(&older_dst, ConflictPolicy::Skip), Some(KEPT_EXISTING));
        let same = conflict("c", (3, T0), (3, T0));
        assert_eq!(decide(&same, ConflictPolicy::Update), None);
        assert_eq!(decide(&same, ConflictPolicy::Overwrite), None);
        let same_time_other_size = conflict("d", (3, T0), (4, T0));
        assert_eq!(decide(&same_time_other_size, ConflictPolicy::Update), None);
    }

    #[test]
    fn per_file_choices_override_the_policy_and_set_the_guard() {
        let cs = vec![conflict("a", (1, T0), (2, T1)), conflict("b", (1, T1), (2, T0))];
        let none = BTreeMap::new();
        let taken = BTreeSet::from(["a".to_owned(), "b".to_owned()]);
        let r = resolve(&cs, ConflictPolicy::Update, &none, &taken);
        assert_eq!(r.kept, vec![("a".to_owned(), KEPT_NEWER)]);
        assert_eq!(r.guard, Some(Guard::Update));
        // "a" overwritten on purpose: nothing kept, and the jobs must not keep it either
        let choices = BTreeMap::from([("a".to_owned(), ConflictPolicy::Overwrite)]);
        let r = resolve(&cs, ConflictPolicy::Update, &choices, &taken);
        assert!(r.kept.is_empty());
        assert_eq!(r.guard, None);
        // skip for all but "b" overwritten: "b" is older there, so only "a" is kept
        let choices = BTreeMap::from([("b".to_owned(), ConflictPolicy::Overwrite)]);
        let r = resolve(&cs, ConflictPolicy::Skip, &choices, &taken);
        assert_eq!(r.kept, vec![("a".to_owned(), KEPT_EXISTING)]);
        assert_eq!(r.guard, None);
        assert_eq!(
            resolve(&cs, ConflictPolicy::Overwrite, &none, &taken),
            Resolved::default()
        );
        assert_eq!(
            resolve(&cs, ConflictPolicy::Skip, &none, &taken).guard,
            Some(Guard::Skip)
        );
    }

    #[test]
    fn a_renamed_copy_gets_the_first_free_name() {
        let taken = BTreeSet::from(["d/a.txt".to_owned(), "d/a (2).txt".to_owned(), "b".to_owned()]);
        assert_eq!(free_name("d/a.txt", &taken).as_deref(), Some("d/a (3).txt"));
        assert_eq!(free_name("b", &taken).as_deref(), Some("b (2)"));
        assert_eq!(free_name(".env", &taken).as_deref(), Some(".env (2)"));
        assert_eq!(free_name("x.tar.gz", &taken).as_deref(), Some("x.tar (2).gz"));
        // renamed for all: each gets its own name, never one the batch writes too
        let cs = vec![conflict("d/a.txt", (1, T0), (2, T1)), conflict("b", (1, T1), (2, T0))];
        let mut taken = taken.clone();
        taken.insert("b (2)".to_owned()); // another planned item of the batch
        let r = resolve(&cs, ConflictPolicy::Rename, &BTreeMap::new(), &taken);
        assert_eq!(
            r.renamed,
            vec![
                ("d/a.txt".to_owned(), "d/a (3).txt".to_owned()),
                ("b".to_owned(), "b (3)".to_owned())
            ]
        );
        assert!(r.kept.is_empty());
        assert_eq!(r.guard, Some(Guard::Skip), "nothing that appears later is replaced");
        // one renamed on purpose under the default: the other stays under the default
        let choices = BTreeMap::from([("d/a.txt".to_owned(), ConflictPolicy::Rename)]);
        let r = resolve(&cs, ConflictPolicy::Update, &choices, &taken);
        assert_eq!(r.renamed, vec![("d/a.txt".to_owned(), "d/a (3).txt".to_owned())]);
        assert!(r.kept.is_empty(), "b is older at the destination: replaced");
        assert_eq!(r.guard, Some(Guard::Update));
    }

    #[test]
    fn the_guard_explains_what_rclone_left_alone() {
        let item = PlannedLike { size: 1, mod_time: T0 };
        assert_eq!(Guard::Update.kept(&item, Some(&(5, T1.into())), 1), Some(KEPT_NEWER));
        assert_eq!(
            Guard::Update.kept(&item, Some(&(5, "2025-01-01T00:00:00Z".into())), 1),
            None
        );
        assert_eq!(Guard::Update.kept(&item, None, 1), None);
        assert_eq!(Guard::Skip.kept(&item, Some(&(5, T0.into())), 1), Some(KEPT_EXISTING));
        assert_eq!(Guard::parse(Guard::Update.as_str()), Some(Guard::Update));
        assert_eq!(Guard::parse("nope"), None);
    }
}
