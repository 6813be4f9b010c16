use rcmd_types::{CompareState, SideEntry};

use super::*;

fn side(size: i64) -> Option<SideEntry> {
    Some(SideEntry {
        size,
        time: "2026-01-01T00:00:00Z".into(),
    })
}

fn row(path: &str, state: CompareState, direction: Direction) -> CompareRow {
    let (l, r) = match state {
        CompareState::OnlyLeft => (side(1), None),
        CompareState::OnlyRight => (None, side(2)),
        _ => (side(1), side(2)),
    };
    CompareRow {
        path: path.into(),
        right_path: None,
        state,
        left: l,
        right: r,
        direction,
    }
}

fn request(rows: Vec<CompareRow>, right_files: u64) -> SyncRequest {
    SyncRequest {
        left: RemotePath::parse("a:/data/l").unwrap(),
        right: RemotePath::parse("b:r").unwrap(),
        rows,
        left_files: 10,
        right_files,
        guard: DeleteGuard {
            max_files: None,
            max_percent: None,
        },
        backup: BackupPlace::Dated,
        origin: None,
    }
}

#[test]
fn deletes_in_a_copys_way_go_first_other_deletes_last_and_emptied_folders_are_pruned() {
    use CompareState::*;
    use Direction::*;
    let rows = vec![
        // a file on the left where the right has a folder of that name
        row("x", OnlyLeft, Right),
        row("x/in", OnlyRight, DeleteRight),
        // a folder on the left where the right has a file
        row("y/a", OnlyLeft, Right),
        row("y", OnlyRight, DeleteRight),
        row("gone/deep/f", OnlyRight, DeleteRight),
        row("keep/f", Same, Skip),
        row("keep/old", OnlyRight, DeleteRight),
        row("c", Differ, Right),
    ];
    let p = plan(&request(rows, 10), "2026-12-07_031500").unwrap();
    let order: Vec<_> = p.items.iter().map(|i| (i.path.as_str(), i.action)).collect();
    assert_eq!(
        order,
        vec![
            ("x/in", DeleteRight),
            ("y", DeleteRight),
            ("x", Right),
            ("y/a", Right),
            ("c", Right),
            ("gone/deep/f", DeleteRight),
            ("keep/old", DeleteRight),
        ]
    );
    let prune: Vec<_> = p.items.iter().map(|i| i.prune.as_deref()).collect();
    assert_eq!(
        prune,
        vec![Some("x"), None, None, None, None, Some("gone"), None],
        "only folders nothing keeps are removed: keep/ holds a skipped file"
    );
    // the right loses and replaces files: its backups go beside it, dated; the left keeps all
    assert_eq!(
        p.meta.backup_right.as_deref(),
        Some("b:.rcmd-backup/2026-12-07_031500/r")
    );
    assert_eq!(p.meta.backup_left, None);
    assert_eq!(p.preview.actions.len(), 7);
    assert_eq!(p.preview.counts.delete_right, 4);
    assert_eq!(p.preview.refused, None);
}

#[test]
fn the_delete_guard_refuses_with_both_limits_and_the_numbers() {
    use CompareState::*;
    use Direction::*;
    let rows: Vec<_> = (0..6).map(|i| row(&format!("f{i}"), OnlyRight, DeleteRight)).collect();
    let mut req = request(rows, 10);
    req.guard = DeleteGuard::default();
    let p = plan(&req, "s").unwrap();
    let why = p.preview.refused.expect("6 of 10 is over 50 %");
    assert!(
        why.contains("6 of 10") && why.contains("60 %") && why.contains("50 %"),
        "{why}"
    );
    req.guard = DeleteGuard {
        max_files: Some(5),
        max_percent: Some(100),
    };
    assert!(plan(&req, "s")
        .unwrap()
        .preview
        .refused
        .is_some_and(|w| w.contains("5 files")));
    req.guard.max_files = Some(6);
    assert_eq!(plan(&req, "s").unwrap().preview.refused, None);
}

#[test]
fn backups_stay_on_the_sides_remote_and_can_be_turned_off() {
    use CompareState::*;
    use Direction::*;
    let rows = vec![row("c", Differ, Left), row("d", OnlyLeft, DeleteLeft)];
    let mut req = request(rows, 10);
    let p = plan(&req, "s1").unwrap();
    assert_eq!(p.meta.backup_left.as_deref(), Some("a:/data/.rcmd-backup/s1/l"));
    assert_eq!(p.meta.backup_right, None, "nothing on the right is replaced or deleted");
    req.backup = BackupPlace::At("b:elsewhere".into());
    assert!(matches!(plan(&req, "s"), Err(SyncError::Backup(_))), "another remote");
    req.backup = BackupPlace::At("a:/data/l/inside".into());
    assert!(
        matches!(plan(&req, "s"), Err(SyncError::Backup(_))),
        "inside the synced folder"
    );
    req.backup = BackupPlace::At("a:/keep".into());
    assert_eq!(plan(&req, "s").unwrap().meta.backup_left.as_deref(), Some("a:/keep"));
    req.backup = BackupPlace::Off;
    assert_eq!(plan(&req, "s").unwrap().meta, SyncMeta::default());
    let root = SyncRequest {
        right: RemotePath::parse("b:").unwrap(),
        rows: vec![row("c", Differ, Right)],
        backup: BackupPlace::Dated,
        ..req
    };
    assert_eq!(
        plan(&root, "s").unwrap().meta.backup_right.as_deref(),
        Some("b:.rcmd-backup/s"),
        "at a remote's root the backups go inside it, in the folder every compare leaves out"
    );
}

#[test]
fn impossible_directions_and_empty_plans_are_refused() {
    use CompareState::*;
    use Direction::*;
    let bad = request(vec![row("a", OnlyLeft, Left)], 1);
    assert!(matches!(plan(&bad, "s"), Err(SyncError::BadDirection { .. })));
    let bad = request(vec![row("a", OnlyRight, DeleteLeft)], 1);
    assert!(matches!(plan(&bad, "s"), Err(SyncError::BadDirection { .. })));
    let none = request(vec![row("a", Same, Skip)], 1);
    assert!(matches!(plan(&none, "s"), Err(SyncError::Nothing)));
}
