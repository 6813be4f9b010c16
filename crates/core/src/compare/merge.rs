//! Turning `operations/check`'s combined report and the two sides' listings into rows with
//! default directions. Pure: no rclone here.

use std::collections::HashMap;

use rcmd_types::{CompareMode, CompareRow, CompareState, Direction, SideEntry};
use unicode_normalization::UnicodeNormalization;

/// One listed file: path relative to its root, size, time.
pub type Listed = (String, i64, String);

/// Why the report could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rclone's check report has a line this version of RCMD cannot read: {0:?}")]
pub struct BadLine(pub String);

/// Rows for the report's lines (`= same`, `* differ`, `+ only left`, `- only right`,
/// `! error`), sorted by path, each with its sides as listed and its default direction for
/// `mode`. Paths are matched as rclone matches them: by their Unicode NFC form, so one name
/// written two ways is one row (its right spelling kept in [`CompareRow::right_path`]).
pub fn rows(
    combined: &[String],
    left: Vec<Listed>,
    right: Vec<Listed>,
    mode: CompareMode,
) -> Result<Vec<CompareRow>, BadLine> {
    let index = |list: Vec<Listed>| -> HashMap<String, (String, SideEntry)> {
        list.into_iter()
            .map(|(path, size, time)| (key(&path), (path, SideEntry { size, time })))
            .collect()
    };
    let (mut left, mut right) = (index(left), index(right));
    let mut out = Vec::with_capacity(combined.len());
    for line in combined {
        let (mark, path) = line.split_once(' ').ok_or_else(|| BadLine(line.clone()))?;
        let state = match mark {
            "=" => CompareState::Same,
            "*" => CompareState::Differ,
            "+" => CompareState::OnlyLeft,
            "-" => CompareState::OnlyRight,
            "!" => CompareState::Error,
            _ => return Err(BadLine(line.clone())),
        };
        let k = key(path);
        let l = left.remove(&k);
        let r = right.remove(&k);
        let (l, r) = match state {
            // a side rclone found missing is missing, whatever a listing of a changing tree said
            CompareState::OnlyLeft => (l, None),
            CompareState::OnlyRight => (None, r),
            _ => (l, r),
        };
        let left_path = l.as_ref().map(|(p, _)| p.clone());
        let right_path = r.as_ref().map(|(p, _)| p.clone());
        let path = left_path
            .clone()
            .or_else(|| right_path.clone())
            .unwrap_or_else(|| path.to_owned());
        let right_path = right_path.filter(|rp| *rp != path);
        let mut row = CompareRow {
            path,
            right_path,
            state,
            left: l.map(|(_, e)| e),
            right: r.map(|(_, e)| e),
            direction: Direction::Skip,
        };
        row.direction = default_direction(&row, mode);
        out.push(row);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Rows from the two listings alone, as rclone's check compares when the sides have no hash
/// in common: a file on both sides is the same when the sizes match (rclone cannot tell more
/// without reading the bytes). Names match as rclone matches them: NFC, and without case when
/// either side ignores case.
pub fn rows_by_size(left: Vec<Listed>, right: Vec<Listed>, mode: CompareMode, ignore_case: bool) -> Vec<CompareRow> {
    let k = |p: &str| if ignore_case { key(p).to_lowercase() } else { key(p) };
    let mut right: HashMap<String, (String, SideEntry)> = right
        .into_iter()
        .map(|(path, size, time)| (k(&path), (path, SideEntry { size, time })))
        .collect();
    let mut out = Vec::with_capacity(left.len() + right.len());
    for (path, size, time) in left {
        let l = SideEntry { size, time };
        let r = right.remove(&k(&path));
        let state = match &r {
            None => CompareState::OnlyLeft,
            Some((_, r)) if r.size == l.size => CompareState::Same,
            Some(_) => CompareState::Differ,
        };
        let right_path = r.as_ref().map(|(p, _)| p.clone()).filter(|rp| *rp != path);
        out.push(CompareRow {
            path,
            right_path,
            state,
            left: Some(l),
            right: r.map(|(_, e)| e),
            direction: Direction::Skip,
        });
    }
    out.extend(right.into_values().map(|(path, e)| CompareRow {
        path,
        right_path: None,
        state: CompareState::OnlyRight,
        left: None,
        right: Some(e),
        direction: Direction::Skip,
    }));
    for row in &mut out {
        row.direction = default_direction(row, mode);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The direction a row starts with: in a mirror, the right side follows the left (copies,
/// deletes of what is only on the right); both ways, each side gets what it lacks and a
/// differing file goes from the newer side. Same files and errors are skipped.
pub fn default_direction(row: &CompareRow, mode: CompareMode) -> Direction {
    match (row.state, mode) {
        (CompareState::Same | CompareState::Error, _) => Direction::Skip,
        (CompareState::OnlyLeft, _) => Direction::Right,
        (CompareState::OnlyRight, CompareMode::Mirror) => Direction::DeleteRight,
        (CompareState::OnlyRight, CompareMode::TwoWay) => Direction::Left,
        (CompareState::Differ, CompareMode::Mirror) => Direction::Right,
        (CompareState::Differ, CompareMode::TwoWay) => {
            let t = |s: &Option<SideEntry>| s.as_ref().and_then(|s| crate::batch::verify::unix_millis(&s.time));
            match (t(&row.left), t(&row.right)) {
                (Some(l), Some(r)) if r > l => Direction::Left,
                _ => Direction::Right,
            }
        }
    }
}

fn key(path: &str) -> String {
    path.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(path: &str, size: i64, time: &str) -> Listed {
        (path.into(), size, time.into())
    }

    #[test]
    fn every_state_gets_its_sides_and_a_default_direction() {
        let combined: Vec<String> = ["+ a", "- b", "* c", "= d", "! e", "* f"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let left = vec![
            l("a", 1, "2026-01-01T00:00:00Z"),
            l("c", 3, "2026-01-02T00:00:00Z"),
            l("d", 4, "2026-01-01T00:00:00Z"),
            l("e", 5, "2026-01-01T00:00:00Z"),
            l("f", 6, "2026-01-01T00:00:00Z"),
        ];
        let right = vec![
            l("b", 2, "2026-01-01T00:00:00Z"),
            l("c", 30, "2026-01-01T00:00:00Z"),
            l("d", 4, "2026-01-03T00:00:00Z"),
            l("e", 5, "2026-01-01T00:00:00Z"),
            l("f", 60, "2026-01-05T00:00:00Z"),
        ];
        let two = rows(&combined, left.clone(), right.clone(), CompareMode::TwoWay).unwrap();
        let got: Vec<_> = two.iter().map(|r| (r.path.as_str(), r.state, r.direction)).collect();
        use CompareState::*;
        use Direction::*;
        assert_eq!(
            got,
            vec![
                ("a", OnlyLeft, Right),
                ("b", OnlyRight, Left),
                ("c", Differ, Right),
                ("d", Same, Skip),
                ("e", Error, Skip),
                ("f", Differ, Left),
            ]
        );
        assert_eq!(two[2].right.as_ref().map(|s| s.size), Some(30));
        assert!(two[0].right.is_none() && two[1].left.is_none());
        let mirror = rows(&combined, left, right, CompareMode::Mirror).unwrap();
        let dirs: Vec<_> = mirror.iter().map(|r| r.direction).collect();
        assert_eq!(dirs, vec![Right, DeleteRight, Right, Skip, Skip, Right]);
    }

    #[test]
    fn one_name_in_two_unicode_forms_is_one_row() {
        let nfc = "caf\u{e9}";
        let nfd = "cafe\u{301}";
        let combined = vec![format!("= {nfc}")];
        let got = rows(
            &combined,
            vec![l(nfc, 1, "2026-01-01T00:00:00Z")],
            vec![l(nfd, 1, "2026-01-01T00:00:00Z")],
            CompareMode::Mirror,
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].path, nfc);
        assert_eq!(got[0].right_path(), nfd);
        assert!(got[0].left.is_some() && got[0].right.is_some());
    }

    #[test]
    fn an_unknown_mark_is_an_error_not_a_guess() {
        let bad = vec!["? x".to_string()];
        assert!(rows(&bad, vec![], vec![], CompareMode::TwoWay).is_err());
        let bad = vec!["nospace".to_string()];
        assert!(rows(&bad, vec![], vec![], CompareMode::TwoWay).is_err());
    }
}
