//! Multi-select in a pane: a cursor row, a set of selected names, and an anchor for shift
//! ranges. Rows are the names in display order (see [`super::listing::visible`]).

use std::collections::BTreeSet;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub names: BTreeSet<String>,
    /// Index of the cursor row in the displayed rows.
    pub cursor: usize,
    /// Where a shift range starts.
    pub anchor: Option<usize>,
}

/// Modifier keys held during a click or key press.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mods {
    pub ctrl: bool,
    pub shift: bool,
}

impl Selection {
    /// A click on row `idx`: alone selects it only; ctrl toggles it; shift selects the range
    /// from the anchor.
    pub fn click(&mut self, rows: &[String], idx: usize, mods: Mods) {
        if idx >= rows.len() {
            return;
        }
        if mods.shift {
            let from = self.anchor.unwrap_or(self.cursor).min(rows.len() - 1);
            if !mods.ctrl {
                self.names.clear();
            }
            let (a, b) = (from.min(idx), from.max(idx));
            self.names.extend(rows[a..=b].iter().cloned());
            self.anchor = Some(from);
        } else if mods.ctrl {
            if !self.names.remove(&rows[idx]) {
                self.names.insert(rows[idx].clone());
            }
            self.anchor = Some(idx);
        } else {
            self.names = BTreeSet::from([rows[idx].clone()]);
            self.anchor = Some(idx);
        }
        self.cursor = idx;
    }

    /// Moves the cursor by `delta` rows (clamped). With shift, the rows passed over are
    /// selected, from the anchor to the new cursor.
    pub fn move_by(&mut self, rows: &[String], delta: isize, shift: bool) {
        if rows.is_empty() {
            self.cursor = 0;
            return;
        }
        let to = (self.cursor as isize + delta).clamp(0, rows.len() as isize - 1) as usize;
        if shift {
            let from = *self.anchor.get_or_insert(self.cursor.min(rows.len() - 1));
            let (a, b) = (from.min(to), from.max(to));
            self.names = rows[a..=b].iter().cloned().collect();
        } else {
            self.anchor = None;
        }
        self.cursor = to;
    }

    /// Insert/Space: toggles the cursor row and moves down (as orthodox file managers do).
    pub fn toggle_cursor(&mut self, rows: &[String]) {
        if let Some(name) = rows.get(self.cursor) {
            if !self.names.remove(name) {
                self.names.insert(name.clone());
            }
        }
        self.move_by(rows, 1, false);
    }

    pub fn select_all(&mut self, rows: &[String]) {
        self.names = rows.iter().cloned().collect();
    }

    /// Escape: nothing selected any more (the cursor stays).
    pub fn clear(&mut self) {
        self.names.clear();
        self.anchor = None;
    }

    /// Num*: every shown row that was not selected is, and the others are not.
    pub fn invert(&mut self, rows: &[String]) {
        let before = std::mem::take(&mut self.names);
        self.names = rows.iter().filter(|r| !before.contains(*r)).cloned().collect();
    }

    /// Num+ / Num−: adds (`select`) or removes the shown rows whose names match `pattern`
    /// (see [`matches_pattern`]); returns how many rows matched.
    pub fn by_pattern(&mut self, rows: &[String], pattern: &str, select: bool) -> usize {
        let mut n = 0;
        for r in rows.iter().filter(|r| matches_pattern(pattern, r)) {
            n += 1;
            if select {
                self.names.insert(r.clone());
            } else {
                self.names.remove(r);
            }
        }
        n
    }

    /// Keeps only names still shown (after a refresh or a filter) and the cursor in range.
    pub fn retain(&mut self, rows: &[String]) {
        // a set: the selection and the rows can both be a whole 10,000-entry folder
        let shown: std::collections::HashSet<&str> = rows.iter().map(String::as_str).collect();
        self.names.retain(|n| shown.contains(n.as_str()));
        self.cursor = self.cursor.min(rows.len().saturating_sub(1));
        self.anchor = self.anchor.filter(|a| *a < rows.len());
    }

    /// What an operation acts on: the selected names in display order, or the cursor row
    /// when nothing is selected.
    pub fn targets(&self, rows: &[String]) -> Vec<String> {
        if self.names.is_empty() {
            rows.get(self.cursor).cloned().into_iter().collect()
        } else {
            rows.iter().filter(|r| self.names.contains(*r)).cloned().collect()
        }
    }
}

/// Whether `name` matches `pattern`: wildcard masks (`*` any run of characters, `?` one
/// character), several separated by `;` (`*.jpg; *.png`), case-insensitive as in Total
/// Commander. A blank pattern matches nothing.
pub fn matches_pattern(pattern: &str, name: &str) -> bool {
    let name: Vec<char> = name.to_lowercase().chars().collect();
    pattern
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .any(|p| glob(&p.to_lowercase().chars().collect::<Vec<_>>(), &name))
}

/// Iterative wildcard match with backtracking to the last `*` (linear in practice, no
/// recursion on long names).
fn glob(p: &[char], s: &[char]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if c == '?' || c == s[si] => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_like_total_commander() {
        assert!(matches_pattern("*.jpg", "cat.JPG"));
        assert!(matches_pattern("*.jpg; *.png", "dog.png"));
        assert!(!matches_pattern("*.jpg", "cat.jpeg"));
        assert!(matches_pattern("file?.txt", "file2.txt"));
        assert!(!matches_pattern("file?.txt", "file10.txt"));
        assert!(matches_pattern("*", "anything"));
        assert!(matches_pattern("보고서*", "보고서_최종.hwp"));
        assert!(matches_pattern("*a*b*c", "xxaxxbxxc"));
        assert!(!matches_pattern("*a*b*c", "xxaxxbxx"));
        assert!(!matches_pattern("", "a"));
        assert!(!matches_pattern(" ; ", "a"));
    }

    #[test]
    fn clear_invert_and_pattern_selection() {
        let r: Vec<String> = ["a.jpg", "b.png", "c.jpg", "d.txt"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut s = Selection::default();
        assert_eq!(s.by_pattern(&r, "*.jpg", true), 2);
        assert_eq!(sel(&s), vec!["a.jpg", "c.jpg"]);
        s.invert(&r);
        assert_eq!(sel(&s), vec!["b.png", "d.txt"]);
        assert_eq!(s.by_pattern(&r, "*.txt", false), 1);
        assert_eq!(sel(&s), vec!["b.png"]);
        s.cursor = 2;
        s.clear();
        assert!(s.names.is_empty());
        assert_eq!(s.cursor, 2);
        // nothing selected: an operation acts on the cursor row
        assert_eq!(s.targets(&r), vec!["c.jpg"]);
    }

    fn rows() -> Vec<String> {
        ["a", "b", "c", "d", "e"].iter().map(|s| s.to_string()).collect()
    }

    fn sel(s: &Selection) -> Vec<&str> {
        s.names.iter().map(String::as_str).collect()
    }

    #[test]
    fn click_ctrl_and_shift() {
        let r = rows();
        let mut s = Selection::default();
        s.click(&r, 1, Mods::default());
        assert_eq!(sel(&s), ["b"]);
        s.click(
            &r,
            3,
            Mods {
                ctrl: true,
                shift: false,
            },
        );
        assert_eq!(sel(&s), ["b", "d"]);
        s.click(
            &r,
            1,
            Mods {
                ctrl: true,
                shift: false,
            },
        );
        assert_eq!(sel(&s), ["d"]);
        s.click(
            &r,
            0,
            Mods {
                ctrl: false,
                shift: true,
            },
        );
        assert_eq!(
            sel(&s),
            ["a", "b"],
            "range from the anchor (the last ctrl-click, b) to a"
        );
        s.click(
            &r,
            3,
            Mods {
                ctrl: false,
                shift: true,
            },
        );
        assert_eq!(sel(&s), ["b", "c", "d"], "the anchor stays for the next shift-click");
        s.click(&r, 4, Mods::default());
        assert_eq!((sel(&s), s.cursor), (vec!["e"], 4));
        s.click(&r, 9, Mods::default());
        assert_eq!(s.cursor, 4, "a click past the rows is ignored");
    }

    #[test]
    fn keyboard_moves_and_ranges() {
        let r = rows();
        let mut s = Selection::default();
        s.move_by(&r, 1, false);
        s.move_by(&r, 2, true);
        assert_eq!((sel(&s), s.cursor), (vec!["b", "c", "d"], 3));
        s.move_by(&r, -10, true);
        assert_eq!(sel(&s), ["a", "b"], "the range shrinks back past the anchor");
        s.move_by(&r, 100, false);
        assert_eq!(s.cursor, 4);
        s.toggle_cursor(&r);
        assert!(s.names.contains("e"));
        assert_eq!(s.cursor, 4, "stays on the last row");
    }

    #[test]
    fn targets_are_the_selection_or_the_cursor() {
        let r = rows();
        let mut s = Selection {
            cursor: 2,
            ..Default::default()
        };
        assert_eq!(s.targets(&r), ["c"]);
        s.select_all(&r);
        assert_eq!(s.targets(&r).len(), 5);
        s.names = ["d", "a"].iter().map(|x| x.to_string()).collect();
        assert_eq!(s.targets(&r), ["a", "d"], "in display order");
        s.retain(&r[..2]);
        assert_eq!((sel(&s), s.cursor), (vec!["a"], 1));
        assert!(Selection::default().targets(&[]).is_empty());
    }
}
