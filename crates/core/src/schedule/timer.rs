//! Runs schedules while RCMD is closed: a systemd user timer (Linux with systemd) or a crontab
//! line (other unixes) that calls `rcmd-cli schedule run-due` once a minute. The files are
//! rendered here and installed by the caller's choice; nothing is installed behind its back.

use std::path::{Path, PathBuf};

/// The unit files' base name.
pub const UNIT: &str = "rcmd-schedules";

/// The marker that identifies RCMD's crontab line.
pub const CRON_MARK: &str = "# rcmd-schedules";

/// `ExecStart=` needs a path without spaces or quotes it; systemd's quoting is C-like.
pub(crate) fn systemd_quote(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c)) {
        s
    } else {
        format!(
            "\"{}\"",
            s.replace('\\', "\\\\").replace('"', "\\\"").replace('%', "%%")
        )
    }
}

/// The service and timer units that run `cli run-due` every minute (`Persistent=true`: a
/// minute missed while the computer slept fires at wake; the scheduler reports what was
/// missed in between).
pub fn systemd_units(cli: &Path) -> (String, String) {
    let service = include_str!("templates/rcmd-schedule.service").replace("{CLI}", &systemd_quote(cli));
    let timer = include_str!("templates/rcmd-schedule.timer").to_owned();
    (service, timer)
}

/// Whether the systemd user timer is installed, and the command a timer must run for the
/// app or CLI at `exe` (for a crontab written by hand).
pub fn state(exe: &Path) -> crate::types::TimerState {
    crate::types::TimerState {
        systemd: systemd_dir().is_some_and(|d| d.join(format!("{UNIT}.timer")).is_file()),
        command: format!("{} schedule run-due", exe.display()),
    }
}

/// The user's systemd unit folder (`$XDG_CONFIG_HOME/systemd/user`).
pub fn systemd_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("systemd").join("user"))
}

/// The crontab line (single quotes around the path; a `'` in it is closed, escaped, reopened).
pub fn cron_line(cli: &Path) -> String {
    let quoted = cli.display().to_string().replace('\'', "'\\''");
    format!("* * * * * '{quoted}' schedule run-due >/dev/null 2>&1 {CRON_MARK}")
}

/// `crontab` content with RCMD's line added (or replaced) or, with `line = None`, removed.
pub fn edit_crontab(current: &str, line: Option<&str>) -> String {
    let mut out: Vec<&str> = current.lines().filter(|l| !l.trim_end().ends_with(CRON_MARK)).collect();
    if let Some(l) = line {
        out.push(l);
    }
    let mut text = out.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_quote_odd_paths_and_run_every_minute() {
        let (service, timer) = systemd_units(Path::new("/opt/My Apps/rcmd-cli"));
        assert!(
            service.contains("ExecStart=\"/opt/My Apps/rcmd-cli\" schedule run-due\n"),
            "{service}"
        );
        assert!(timer.contains("OnCalendar=*-*-* *:*:00") && timer.contains("Persistent=true"));
        let (plain, _) = systemd_units(Path::new("/usr/bin/rcmd-cli"));
        assert!(plain.contains("ExecStart=/usr/bin/rcmd-cli schedule run-due\n"));
    }

    #[test]
    fn crontab_line_is_added_once_and_removed_alone() {
        let line = cron_line(Path::new("/home/o'neil/rcmd-cli"));
        assert!(
            line.starts_with("* * * * * '/home/o'\\''neil/rcmd-cli' schedule run-due"),
            "{line}"
        );
        let mine = "MAILTO=me\n0 1 * * * backup\n";
        let added = edit_crontab(mine, Some(&line));
        assert_eq!(
            edit_crontab(&added, Some(&line)),
            added,
            "installing twice keeps one line"
        );
        assert_eq!(added.lines().count(), 3);
        assert_eq!(
            edit_crontab(&added, None),
            mine,
            "removal leaves the user's lines as they were"
        );
        assert_eq!(edit_crontab("", None), "");
    }
}
