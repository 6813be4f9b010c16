//! What rclone says about a bisync run, in typed form: the preview from a dry run's output,
//! the report from the run's `core/transferred` and `core/stats`.
//!
//! A dry run prints, per direction, a section header ("Path1 Do queued copies to - Path2";
//! for a resync "Path1 Resync is copying files to - Path2") and under it one line per file
//! from rclone's operations ("name: Skipped copy as --dry-run is set (size 3)"; "Skipped
//! delete" or "Skipped move into backup dir" for a delete; a plain "Skipped move" is the
//! backup of a replaced file). Files changed on both sides are announced as "New or changed
//! in both paths - name".

use std::collections::BTreeMap;

use rcmd_types::{BisyncConflict, BisyncPreview, BisyncReport};

use super::params::CONFLICT_SUFFIX;
use crate::{
    rc::wire::{GroupStats, Transferred},
    resilience::classify::strip_ansi,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    One,
    Two,
}

/// The text after rclone's log prefix ("2026/12/07 09:51:31 NOTICE: ").
fn message(line: &str) -> &str {
    for level in ["NOTICE: ", "INFO  : ", "ERROR : ", "DEBUG : "] {
        if let Some(i) = line.find(level) {
            return &line[i + level.len()..];
        }
    }
    line
}

/// The side a section header sends to, if `msg` is one.
fn section(msg: &str) -> Option<Side> {
    let m = msg.trim_start_matches('-').trim();
    if !(m.contains("Do queued copies to") || m.contains("Resync is copying files to")) {
        return None;
    }
    match m.rsplit('-').next().map(str::trim) {
        Some("Path1") => Some(Side::One),
        Some("Path2") => Some(Side::Two),
        _ => None,
    }
}

/// Reads a dry run's output (`resync`: the mode previewed).
pub fn preview(output: &str, resync: Option<rcmd_types::ResyncMode>) -> BisyncPreview {
    let mut p = BisyncPreview {
        resync,
        ..BisyncPreview::default()
    };
    let mut target = None;
    for raw in strip_ansi(output).lines() {
        // rclone logging JSON (as the engine's sidecar does): the file and the skipped
        // action are fields of their own
        let json: Option<serde_json::Value> = raw
            .trim_start()
            .starts_with('{')
            .then(|| serde_json::from_str(raw).ok())
            .flatten();
        let line = match &json {
            Some(j) => {
                let text = strip_ansi(j.get("msg").and_then(|m| m.as_str()).unwrap_or_default());
                match (
                    j.get("object").and_then(|o| o.as_str()),
                    j.get("skipped").and_then(|s| s.as_str()),
                ) {
                    (Some(object), Some(skipped)) => format!("{object}: Skipped {skipped} as --dry-run is set"),
                    _ => text,
                }
            }
            None => message(raw).to_owned(),
        };
        let msg = line.as_str();
        if let Some(side) = section(msg) {
            target = Some(side);
            continue;
        }
        if let Some(name) = msg.split_once("New or changed in both paths").map(|(_, rest)| rest) {
            let name = name.trim().trim_start_matches('-').trim();
            if !name.is_empty() && !p.conflicts.iter().any(|c| c == name) {
                p.conflicts.push(name.to_owned());
            }
            continue;
        }
        let Some(i) = msg.rfind(": Skipped ") else { continue };
        let (name, what) = (&msg[..i], &msg[i + ": Skipped ".len()..]);
        let Some(side) = target else { continue };
        let (copies, deletes) = match side {
            Side::One => (&mut p.to_path1, &mut p.delete_path1),
            Side::Two => (&mut p.to_path2, &mut p.delete_path2),
        };
        if what.starts_with("copy ") || what.starts_with("update modification time ") {
            if !copies.iter().any(|c| c == name) {
                copies.push(name.to_owned());
            }
        } else if what.starts_with("delete ") || what.starts_with("move into backup dir ") {
            deletes.push(name.to_owned());
        }
    }
    p
}

/// Strips trailing slashes and the local backend's spellings, so rclone's `srcFs` and ours
/// compare.
fn norm(fs: &str) -> String {
    let f = fs.trim_end_matches('/');
    let f = f
        .strip_prefix(":local:")
        .or_else(|| f.strip_prefix("local:"))
        .unwrap_or(f);
    f.to_owned()
}

/// The conflict an entry named `name` is a version of: `name` minus `.conflictN`.
fn conflict_base(name: &str) -> Option<&str> {
    let (base, n) = name.rsplit_once(&format!(".{CONFLICT_SUFFIX}"))?;
    (!n.is_empty() && n.chars().all(|c| c.is_ascii_digit())).then_some(base)
}

/// The report of a run from its group's `transferred` list and final stats; `path1`/`path2`
/// are the spellings rclone may use for each side.
pub fn report(path1: &[String], path2: &[String], transferred: &[Transferred], stats: &GroupStats) -> BisyncReport {
    let p1: Vec<String> = path1.iter().map(|p| norm(p)).collect();
    let p2: Vec<String> = path2.iter().map(|p| norm(p)).collect();
    let mut r = BisyncReport::default();
    let mut conflicts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut renames = 0u64;
    for t in transferred {
        match t.what.as_str() {
            "transferring" if !t.src_fs.is_empty() => {
                let (src, dst) = (norm(&t.src_fs), norm(&t.dst_fs));
                if src == dst {
                    // bisync renames a conflict's loser in place
                    renames += 1;
                    conflicts.entry(t.name.clone()).or_default();
                    continue;
                }
                let to = if p1.contains(&dst) || p2.contains(&src) {
                    Side::One
                } else if p2.contains(&dst) || p1.contains(&src) {
                    Side::Two
                } else {
                    continue;
                };
                if let Some(base) = conflict_base(&t.name) {
                    conflicts.entry(base.to_owned()).or_default().push(t.name.clone());
                }
                match to {
                    Side::One => {
                        r.copied_to_path1 += 1;
                        r.files_to_path1.push(t.name.clone());
                    }
                    Side::Two => {
                        r.copied_to_path2 += 1;
                        r.files_to_path2.push(t.name.clone());
                    }
                }
            }
            "deleting" => r.deleted_files.push(t.name.clone()),
            _ => {}
        }
    }
    r.deleted = stats.deletes.max(r.deleted_files.len() as u64);
    r.bytes = stats.bytes;
    r.errors = stats.errors;
    let listed = r.copied_to_path1 + r.copied_to_path2;
    r.copied = stats.transfers.saturating_sub(renames).max(listed);
    r.names_partial = r.copied > listed || r.deleted > r.deleted_files.len() as u64;
    r.conflicts = conflicts
        .into_iter()
        .map(|(path, mut versions)| {
            versions.sort();
            versions.dedup();
            BisyncConflict { path, versions }
        })
        .collect();
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dry_run_output_becomes_a_preview() {
        let out = "2026/12/07 09:53:39 NOTICE: - \u{1b}[36mPath1\u{1b}[0m    File is new               - n1\n\
2026/12/07 09:53:39 NOTICE: - WARNING  New or changed in both paths       - s: odd name\n\
2026/12/07 09:53:39 NOTICE: - Path2    Do queued copies to                - Path1\n\
2026/12/07 09:53:39 NOTICE: n2: Skipped copy as --dry-run is set (size 3)\n\
2026/12/07 09:53:39 NOTICE: a1: Skipped move into backup dir as --dry-run is set (size 3)\n\
2026/12/07 09:53:39 NOTICE: - Path1    Do queued copies to                - Path2\n\
2026/12/07 09:53:39 NOTICE: dir/n 1: x: Skipped copy as --dry-run is set (size 4)\n\
2026/12/07 09:53:39 NOTICE: a2: Skipped move as --dry-run is set (size 3)\n\
2026/12/07 09:53:39 NOTICE: a2: Skipped copy as --dry-run is set (size 3)\n\
2026/12/07 09:53:39 NOTICE: a3: Skipped delete as --dry-run is set (size 3)\n";
        let p = preview(out, None);
        assert_eq!(p.to_path1, vec!["n2"]);
        assert_eq!(p.delete_path1, vec!["a1"]);
        assert_eq!(p.to_path2, vec!["dir/n 1: x", "a2"]);
        assert_eq!(p.delete_path2, vec!["a3"]);
        assert_eq!(p.conflicts, vec!["s: odd name"]);
    }

    #[test]
    fn a_json_log_output_becomes_a_preview() {
        let out = r#"{"time":"t","level":"notice","msg":"- WARNING  New or changed in both paths       - a2","source":"bisync/deltas.go:391"}
{"time":"t","level":"notice","msg":"Skipped rename as --dry-run is set","skipped":"rename","object":"a2","objectType":"string"}
{"time":"t","level":"notice","msg":"- \u001b[34mPath2\u001b[0m    Do queued copies to                - \u001b[36mPath1\u001b[0m","source":"bisync/deltas.go:487"}
{"time":"t","level":"notice","msg":"Skipped move into backup dir as --dry-run is set (size 3)","skipped":"move into backup dir","size":3,"object":"a1"}
{"time":"t","level":"notice","msg":"- Path1    Do queued copies to                - Path2","source":"bisync/deltas.go:503"}
{"time":"t","level":"notice","msg":"Skipped copy as --dry-run is set (size 4)","skipped":"copy","size":4,"object":"n: 1"}
{"time":"t","level":"notice","msg":"Skipped move as --dry-run is set (size 3)","skipped":"move","size":3,"object":"a3"}
{"time":"t","level":"notice","msg":"Skipped copy as --dry-run is set (size 3)","skipped":"copy","size":3,"object":"a3"}
"#;
        let p = preview(out, None);
        assert_eq!(p.conflicts, vec!["a2"]);
        assert_eq!(p.delete_path1, vec!["a1"]);
        assert!(p.to_path1.is_empty());
        assert_eq!(p.to_path2, vec!["n: 1", "a3"]);
    }

    #[test]
    fn a_resync_output_becomes_a_preview() {
        let out = "2026/12/07 09:49:04 NOTICE: - \u{1b}[34mPath2\u{1b}[0m    \u{1b}[35mResync is copying files to\u{1b}[0m         - \u{1b}[36mPath1\u{1b}[0m\n\
2026/12/07 09:49:04 NOTICE: f2: Skipped copy as --dry-run is set (size 4)\n\
2026/12/07 09:49:04 NOTICE: - \u{1b}[36mPath1\u{1b}[0m    \u{1b}[35mResync is copying files to\u{1b}[0m         - \u{1b}[36mPath2\u{1b}[0m\n\
2026/12/07 09:49:04 NOTICE: f1: Skipped copy as --dry-run is set (size 4)\n";
        let p = preview(out, Some(rcmd_types::ResyncMode::Newer));
        assert_eq!((p.to_path1, p.to_path2), (vec!["f2".to_owned()], vec!["f1".to_owned()]));
        assert!(p.delete_path1.is_empty() && p.delete_path2.is_empty());
    }

    fn t(what: &str, name: &str, src: &str, dst: &str) -> Transferred {
        Transferred {
            name: name.into(),
            what: what.into(),
            src_fs: src.into(),
            dst_fs: dst.into(),
            ..Transferred::default()
        }
    }

    #[test]
    fn transfers_become_a_report_with_directions_and_conflicts() {
        let list = vec![
            t("listing file - Path1", "x", "", ""),
            t("transferring", "s", "/a", "/a"),
            t("transferring", "s", "/b", "/b"),
            t("transferring", "n2", "/b", "/a"),
            t("transferring", "s.conflict2", "/b", "/a"),
            t("deleting", "f1", "", ""),
            t("transferring", "n1", "/a", "/b"),
            t("transferring", "s.conflict1", "/a", "/b"),
        ];
        let stats = GroupStats {
            transfers: 6,
            deletes: 1,
            ..GroupStats::default()
        };
        let side = |s: &str| vec![s.to_owned()];
        let r = report(&side(":local:/a"), &side("/b/"), &list, &stats);
        assert_eq!((r.copied_to_path1, r.copied_to_path2, r.copied), (2, 2, 4));
        assert_eq!(r.files_to_path1, vec!["n2", "s.conflict2"]);
        assert_eq!(r.deleted_files, vec!["f1"]);
        assert_eq!(
            r.conflicts,
            vec![BisyncConflict {
                path: "s".into(),
                versions: vec!["s.conflict1".into(), "s.conflict2".into()]
            }]
        );
        assert!(!r.names_partial);
        let more = GroupStats {
            transfers: 300,
            ..stats
        };
        assert!(report(&side("/a"), &side("/b"), &list, &more).names_partial);
    }
}
