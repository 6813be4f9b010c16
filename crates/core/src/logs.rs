//! Reading the app's log files for the log view: the newest lines first found, filtered by
//! level and text, returned oldest first. The files are `tracing`'s plain format
//! (`<RFC 3339> <LEVEL> <target>: <message> k=v ...`), rotated daily (`rcmd.YYYY-MM-DD.log`).

use std::path::{Path, PathBuf};

use crate::types::{LogLine, LogQuery};

/// Lines returned when the query sets no limit.
pub const DEFAULT_LIMIT: usize = 2000;

/// How much of the newest files is read at most (a day of debug logging can be large).
const MAX_BYTES: u64 = 64 << 20;

const LEVELS: [&str; 5] = ["ERROR", "WARN", "INFO", "DEBUG", "TRACE"];

fn rank(level: &str) -> usize {
    LEVELS
        .iter()
        .position(|l| l.eq_ignore_ascii_case(level))
        .unwrap_or(LEVELS.len())
}

/// Parses one line that starts a record; `None` for a continuation line.
pub fn parse_line(line: &str) -> Option<LogLine> {
    let (at, rest) = line.split_once(' ')?;
    // a timestamp: 2026-11-30T11:13:05.695211Z
    if at.len() < 20 || !at.as_bytes()[0].is_ascii_digit() || at.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    let rest = rest.trim_start();
    let (level, rest) = rest.split_once(' ')?;
    if rank(level) == LEVELS.len() {
        return None;
    }
    let (target, message) = rest.split_once(": ").unwrap_or(("", rest));
    Some(LogLine {
        at: at.to_owned(),
        level: level.to_owned(),
        target: target.to_owned(),
        message: message.to_owned(),
    })
}

/// The log files in `dir`, newest first.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "log"))
                .collect()
        })
        .unwrap_or_default();
    // the date in the name sorts like the time
    files.sort();
    files.reverse();
    files
}

/// The newest records of the files in `dir` matching `query`, oldest first.
pub fn read(dir: &Path, query: &LogQuery) -> std::io::Result<Vec<LogLine>> {
    let limit = if query.limit == 0 { DEFAULT_LIMIT } else { query.limit };
    let min = if query.level.is_empty() {
        LEVELS.len()
    } else {
        rank(&query.level)
    };
    let needle = query.text.to_lowercase();
    let mut out: Vec<LogLine> = Vec::new();
    let mut budget = MAX_BYTES;
    for file in files(dir) {
        if out.len() >= limit || budget == 0 {
            break;
        }
        let bytes = std::fs::read(&file)?;
        let start = bytes.len().saturating_sub(budget as usize);
        budget = budget.saturating_sub(bytes.len() as u64);
        let text = String::from_utf8_lossy(&bytes[start..]);
        let mut records: Vec<LogLine> = Vec::new();
        for line in text.lines() {
            match parse_line(line) {
                Some(r) => records.push(r),
                None => {
                    if let Some(last) = records.last_mut() {
                        last.message.push('\n');
                        last.message.push_str(line);
                    }
                }
            }
        }
        let matching = records.into_iter().rev().filter(|r| {
            rank(&r.level) <= min
                && (needle.is_empty()
                    || r.message.to_lowercase().contains(&needle)
                    || r.target.to_lowercase().contains(&needle))
        });
        for r in matching {
            if out.len() >= limit {
                break;
            }
            out.push(r);
        }
    }
    out.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(level: &str, text: &str, limit: usize) -> LogQuery {
        LogQuery {
            level: level.into(),
            text: text.into(),
            limit,
        }
    }

    #[test]
    fn filters_by_level_and_text_across_days_newest_kept() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("rcmd.2026-11-30.log"),
            "2026-11-30T10:00:00.000001Z  INFO rcmd_app: RCMD starting version=\"0.1.0\"\n\
             2026-11-30T10:00:01.000001Z ERROR rclone: Failed to copy: 401 object=\"docs/a b.txt\"\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("rcmd.2026-12-01.log"),
            "2026-12-01T09:00:00.000001Z  WARN rcmd_core::batch: batch paused by an error batch=3\n\
             2026-12-01T09:00:02.000001Z ERROR rcmd_app: panic in a task\n   0: frame one\n   1: frame two\n\
             2026-12-01T09:00:03.000001Z DEBUG rcmd_core::rc: call path=rc/noop\n",
        )
        .expect("write");
        let all = read(dir.path(), &q("", "", 0)).expect("read");
        assert_eq!(all.len(), 5);
        assert_eq!(all[0].message, "RCMD starting version=\"0.1.0\"");
        assert_eq!(all[3].message, "panic in a task\n   0: frame one\n   1: frame two");
        let warn: Vec<_> = read(dir.path(), &q("warn", "", 0))
            .expect("read")
            .into_iter()
            .map(|l| l.level)
            .collect();
        assert_eq!(warn, ["ERROR", "WARN", "ERROR"]);
        let item = read(dir.path(), &q("", "A B.TXT", 0)).expect("read");
        assert_eq!(item.len(), 1);
        assert_eq!(item[0].target, "rclone");
        let newest = read(dir.path(), &q("", "", 2)).expect("read");
        assert_eq!(
            newest.iter().map(|l| l.level.as_str()).collect::<Vec<_>>(),
            ["ERROR", "DEBUG"]
        );
        assert!(read(&dir.path().join("none"), &q("", "", 0))
            .expect("missing dir: empty")
            .is_empty());
    }
}
