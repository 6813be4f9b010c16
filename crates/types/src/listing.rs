//! Which entries of a folder a pane shows, in which order: folders first, then the chosen
//! column; a filter typed by the user; hidden (dot) files only when asked. Here, not in the UI,
//! so that the engine's first rows of a big folder and the pane's rows are one order.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::FileEntry;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    Name,
    Size,
    Modified,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewOpts {
    pub key: SortKey,
    pub ascending: bool,
    /// Case-insensitive substring of the name; empty shows everything.
    pub filter: String,
    pub show_hidden: bool,
}

impl Default for ViewOpts {
    fn default() -> Self {
        ViewOpts {
            key: SortKey::Name,
            ascending: true,
            filter: String::new(),
            show_hidden: false,
        }
    }
}

impl ViewOpts {
    /// A click on a column header: the same column flips the order, another starts ascending.
    pub fn sort_by(&mut self, key: SortKey) {
        if self.key == key {
            self.ascending = !self.ascending;
        } else {
            self.key = key;
            self.ascending = true;
        }
    }
}

/// Hidden by convention on every platform rclone serves: a leading dot.
pub fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
}

/// Indices into `entries` of the rows to show, in display order. Folders always come first
/// (in either direction); ties fall back to the name so the order is stable.
pub fn visible(entries: &[FileEntry], opts: &ViewOpts) -> Vec<usize> {
    let needle = opts.filter.trim().to_lowercase();
    let mut rows: Vec<usize> = (0..entries.len())
        .filter(|&i| {
            let name = &entries[i].name;
            (opts.show_hidden || !is_hidden(name)) && (needle.is_empty() || name.to_lowercase().contains(&needle))
        })
        .collect();
    rows.sort_by(|&a, &b| {
        let (a, b) = (&entries[a], &entries[b]);
        b.is_dir.cmp(&a.is_dir).then_with(|| {
            let by_key = match opts.key {
                SortKey::Name => Ordering::Equal,
                SortKey::Size => a.size.cmp(&b.size),
                // rclone writes one format and zone per listing: the text sorts as the time
                SortKey::Modified => a.mod_time.cmp(&b.mod_time),
            };
            let ord = by_key.then_with(|| natural(&a.name, &b.name));
            if opts.ascending {
                ord
            } else {
                ord.reverse()
            }
        })
    });
    rows
}

/// The first `n` rows [`visible`] shows, as entries: what a pane shows first of a big folder.
pub fn first_rows(entries: &[FileEntry], opts: &ViewOpts, n: usize) -> Vec<FileEntry> {
    visible(entries, opts)
        .into_iter()
        .take(n)
        .map(|i| entries[i].clone())
        .collect()
}

/// Case-insensitive order where digit runs compare as numbers: "file2" before "file10".
/// Names equal but for case (or leading zeros) fall back to their bytes, so the order is total.
///
/// ASCII is compared byte by byte without allocating (a 10,000-entry folder sorts with about
/// 130,000 comparisons); from the first non-ASCII character on, by lower-cased characters.
pub fn natural(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        let (c, d) = (x[i], y[j]);
        if c.is_ascii_digit() && d.is_ascii_digit() {
            let (si, sj) = (i, j);
            while i < x.len() && x[i].is_ascii_digit() {
                i += 1;
            }
            while j < y.len() && y[j].is_ascii_digit() {
                j += 1;
            }
            let ord = number(&x[si..i], &y[sj..j]);
            if ord != Ordering::Equal {
                return ord;
            }
        } else if c.is_ascii() && d.is_ascii() {
            let ord = c.to_ascii_lowercase().cmp(&d.to_ascii_lowercase());
            if ord != Ordering::Equal {
                return ord;
            }
            i += 1;
            j += 1;
        } else {
            // both at a character boundary: only ASCII bytes were passed over
            return natural_chars(&a[i..], &b[j..]).then_with(|| a.cmp(b));
        }
    }
    (x.len() - i).cmp(&(y.len() - j)).then_with(|| a.cmp(b))
}

/// Two runs of ASCII digits as numbers (any length: no overflow).
fn number(a: &[u8], b: &[u8]) -> Ordering {
    let trim = |s: &[u8]| -> usize { s.iter().take_while(|c| **c == b'0').count() };
    let (a, b) = (&a[trim(a)..], &b[trim(b)..]);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// [`natural`] over characters, for names with non-ASCII letters.
fn natural_chars(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let (n, m) = (digits(&mut x), digits(&mut y));
                let ord = number(n.as_bytes(), m.as_bytes());
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            (Some(c), Some(d)) => {
                let ord = c.to_lowercase().cmp(d.to_lowercase());
                if ord != Ordering::Equal {
                    return ord;
                }
                x.next();
                y.next();
            }
        }
    }
}

fn digits(it: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut s = String::new();
    while let Some(c) = it.peek().copied().filter(char::is_ascii_digit) {
        s.push(c);
        it.next();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(name: &str, dir: bool, size: i64, time: &str) -> FileEntry {
        FileEntry {
            name: name.into(),
            path: name.into(),
            size,
            mod_time: time.into(),
            is_dir: dir,
            mime_type: None,
        }
    }

    fn names(entries: &[FileEntry], opts: &ViewOpts) -> Vec<String> {
        visible(entries, opts)
            .into_iter()
            .map(|i| entries[i].name.clone())
            .collect()
    }

    fn sample() -> Vec<FileEntry> {
        vec![
            e("b10.txt", false, 5, "2026-01-03T00:00:00Z"),
            e("B2.txt", false, 50, "2026-01-01T00:00:00Z"),
            e(".hidden", false, 1, "2026-01-02T00:00:00Z"),
            e("zdir", true, -1, "2026-01-01T00:00:00Z"),
            e("adir", true, -1, "2026-01-05T00:00:00Z"),
            e("사진.jpg", false, 7, "2026-01-04T00:00:00Z"),
        ]
    }

    #[test]
    fn folders_first_then_natural_names() {
        let s = sample();
        assert_eq!(
            names(&s, &ViewOpts::default()),
            ["adir", "zdir", "B2.txt", "b10.txt", "사진.jpg"]
        );
    }

    #[test]
    fn sort_by_size_and_time_both_ways_keeping_folders_first() {
        let s = sample();
        let mut o = ViewOpts::default();
        o.sort_by(SortKey::Size);
        assert_eq!(names(&s, &o), ["adir", "zdir", "b10.txt", "사진.jpg", "B2.txt"]);
        o.sort_by(SortKey::Size);
        assert!(!o.ascending);
        assert_eq!(names(&s, &o), ["zdir", "adir", "B2.txt", "사진.jpg", "b10.txt"]);
        o.sort_by(SortKey::Modified);
        assert!(o.ascending, "another column starts ascending");
        assert_eq!(names(&s, &o), ["zdir", "adir", "B2.txt", "b10.txt", "사진.jpg"]);
    }

    #[test]
    fn the_first_rows_are_the_start_of_what_the_pane_shows() {
        let s = sample();
        let mut o = ViewOpts::default();
        o.sort_by(SortKey::Size);
        o.sort_by(SortKey::Size);
        let first: Vec<String> = first_rows(&s, &o, 3).into_iter().map(|e| e.name).collect();
        assert_eq!(first, ["zdir", "adir", "B2.txt"]);
        assert_eq!(first_rows(&s, &o, 100).len(), 5, "hidden files stay hidden");
        assert!(first_rows(&s, &o, 0).is_empty());
    }

    #[test]
    fn filter_and_hidden_files() {
        let s = sample();
        let o = ViewOpts {
            filter: " TXT ".into(),
            ..ViewOpts::default()
        };
        assert_eq!(names(&s, &o), ["B2.txt", "b10.txt"]);
        let o = ViewOpts {
            show_hidden: true,
            ..ViewOpts::default()
        };
        assert_eq!(names(&s, &o).len(), 6);
        let o = ViewOpts {
            filter: "사진".into(),
            ..ViewOpts::default()
        };
        assert_eq!(names(&s, &o), ["사진.jpg"]);
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["file10", "file2", "File1", "file02b", "a"];
        v.sort_by(|a, b| natural(a, b));
        assert_eq!(v, ["a", "File1", "file2", "file02b", "file10"]);
        // non-ASCII names, numbers longer than any integer, case-only ties, prefixes
        let mut v = vec![
            "사진10",
            "사진2",
            "Ärger",
            "ärger",
            "b",
            "x99999999999999999999999",
            "x100000000000000000000000",
            "ab",
            "a",
        ];
        v.sort_by(|a, b| natural(a, b));
        assert_eq!(
            v,
            [
                "a",
                "ab",
                "b",
                "x99999999999999999999999",
                "x100000000000000000000000",
                "Ärger",
                "ärger",
                "사진2",
                "사진10"
            ]
        );
        for (a, b) in [("f00001.dat", "f1.dat"), ("A", "a"), ("é", "É")] {
            assert_ne!(natural(a, b), Ordering::Equal, "{a} {b}: a total order");
            assert_eq!(natural(a, b), natural(b, a).reverse());
        }
    }
}
