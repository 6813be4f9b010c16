//! Finished compares kept for a view: paged by the rows' states, directions changed row by
//! row or for a selection, then handed to a sync. A 100,000-row compare lives here, never
//! whole in the page.

use std::{
    collections::HashMap,
    sync::{atomic::AtomicU64, Arc, Mutex},
};

use rcmd_types::{CompareCounts, ComparePage, CompareState, Direction, PagedRow};

use super::Comparison;

/// At most this many compares are kept (the oldest goes first).
const KEPT: usize = 4;
/// At most this many rows per page.
pub const PAGE_MAX: usize = 2000;

/// Why a compare's rows cannot be changed or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("that compare is no longer open; compare the folders again")]
    Gone,
    #[error("row {0} is not in this compare")]
    NoRow(u32),
    #[error("{path}: {direction:?} is not possible for a file that is {state:?}")]
    Misfit {
        path: String,
        direction: Direction,
        state: CompareState,
    },
}

/// The open compares. Cheap to clone.
#[derive(Clone, Default)]
pub struct Sessions {
    next: Arc<AtomicU64>,
    open: Arc<Mutex<HashMap<u64, Comparison>>>,
}

impl Sessions {
    /// Keeps `c`; its id.
    pub fn insert(&self, c: Comparison) -> u64 {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        while open.len() >= KEPT {
            let oldest = open.keys().min().copied().unwrap_or_default();
            open.remove(&oldest);
        }
        open.insert(id, c);
        id
    }

    /// Rows `offset..offset + limit` of those whose state is in `states` (all when empty).
    pub fn page(
        &self,
        id: u64,
        states: &[CompareState],
        offset: usize,
        limit: usize,
    ) -> Result<ComparePage, SessionError> {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let c = open.get(&id).ok_or(SessionError::Gone)?;
        let shown = |s: CompareState| states.is_empty() || states.contains(&s);
        let mut total = 0u64;
        let mut rows = Vec::new();
        for (i, r) in c.rows.iter().enumerate() {
            if !shown(r.state) {
                continue;
            }
            if total as usize >= offset && rows.len() < limit.min(PAGE_MAX) {
                rows.push(PagedRow {
                    index: i as u32,
                    row: r.clone(),
                });
            }
            total += 1;
        }
        Ok(ComparePage {
            compare: id,
            left: c.left.to_string(),
            right: c.right.to_string(),
            total,
            offset: offset as u64,
            rows,
            counts: c.counts(),
            by_size_only: c.by_size_only(),
            left_files: c.left_files,
            right_files: c.right_files,
        })
    }

    /// Sets the direction of rows `indices`; all or none (a direction that does not fit a
    /// row's state changes nothing). The new counts.
    pub fn set_direction(&self, id: u64, indices: &[u32], d: Direction) -> Result<CompareCounts, SessionError> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let c = open.get_mut(&id).ok_or(SessionError::Gone)?;
        for &i in indices {
            let r = c.rows.get(i as usize).ok_or(SessionError::NoRow(i))?;
            let has_side = match d {
                Direction::Right | Direction::DeleteLeft => r.left.is_some(),
                Direction::Left | Direction::DeleteRight => r.right.is_some(),
                Direction::Skip => true,
            };
            if !d.fits(r.state) || !has_side {
                return Err(SessionError::Misfit {
                    path: r.path.clone(),
                    direction: d,
                    state: r.state,
                });
            }
        }
        for &i in indices {
            if let Some(r) = c.rows.get_mut(i as usize) {
                r.direction = d;
            }
        }
        Ok(c.counts())
    }

    /// The compare as it is now (for its sync).
    pub fn get(&self, id: u64) -> Result<Comparison, SessionError> {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(&id).cloned().ok_or(SessionError::Gone)
    }
}

#[cfg(test)]
mod tests {
    use rcmd_types::{CompareMode, CompareRow, FilterSpec, SideEntry};

    use super::*;
    use crate::remote_path::RemotePath;

    fn comparison(n: usize) -> Comparison {
        let side = Some(SideEntry {
            size: 1,
            time: "2026-01-01T00:00:00Z".into(),
        });
        let rows = (0..n)
            .map(|i| {
                let state = CompareState::ALL[i % 4];
                CompareRow {
                    path: format!("f{i:06}"),
                    right_path: None,
                    state,
                    left: (state != CompareState::OnlyRight).then(|| side.clone()).flatten(),
                    right: (state != CompareState::OnlyLeft).then(|| side.clone()).flatten(),
                    direction: super::super::merge::default_direction(
                        &CompareRow {
                            path: String::new(),
                            right_path: None,
                            state,
                            left: None,
                            right: None,
                            direction: Direction::Skip,
                        },
                        CompareMode::Mirror,
                    ),
                }
            })
            .collect();
        Comparison {
            left: RemotePath::parse("a:l").unwrap(),
            right: RemotePath::parse("a:r").unwrap(),
            filter: FilterSpec::default(),
            mode: CompareMode::Mirror,
            rows,
            left_files: n as u64,
            right_files: n as u64,
            hash: Some("md5".into()),
            download: false,
        }
    }

    #[test]
    fn pages_follow_the_state_toggles_and_never_hold_more_than_asked() {
        let s = Sessions::default();
        let id = s.insert(comparison(100_000));
        let all = s.page(id, &[], 0, 50).unwrap();
        assert_eq!((all.total, all.rows.len()), (100_000, 50));
        let differ = s.page(id, &[CompareState::Differ], 100, 10).unwrap();
        assert_eq!(differ.total, 25_000);
        assert!(differ.rows.iter().all(|r| r.row.state == CompareState::Differ));
        assert_eq!(differ.rows[0].index, 402, "the 101st differing row");
        assert_eq!(s.page(id, &[], 0, 1_000_000).unwrap().rows.len(), PAGE_MAX);
        assert_eq!(s.page(id, &[], 99_990, 50).unwrap().rows.len(), 10);
    }

    #[test]
    fn directions_change_for_a_selection_all_or_none() {
        let s = Sessions::default();
        let id = s.insert(comparison(8));
        // 0 only-left, 1 only-right, 2 differ, 3 same
        let before = s.page(id, &[], 0, 8).unwrap().counts;
        assert_eq!(before.delete_right, 2);
        let c = s.set_direction(id, &[1, 5], Direction::Left).unwrap();
        assert_eq!((c.to_left, c.delete_right), (2, 0));
        // an only-left row cannot be copied to the left: nothing changes
        let err = s.set_direction(id, &[2, 0], Direction::Left).unwrap_err();
        assert!(matches!(err, SessionError::Misfit { .. }), "{err}");
        assert_eq!(s.page(id, &[], 2, 1).unwrap().rows[0].row.direction, Direction::Right);
        assert!(matches!(
            s.set_direction(id, &[99], Direction::Skip),
            Err(SessionError::NoRow(99))
        ));
        // the oldest compare goes when more are open
        for _ in 0..KEPT {
            s.insert(comparison(1));
        }
        assert!(matches!(s.page(id, &[], 0, 1), Err(SessionError::Gone)));
    }
}
