//! Start at login, optionally minimised (`--minimized`): an XDG autostart entry on Linux
//! (`<config dir>/autostart/dev.rcmd.app.desktop`), a LaunchAgent on macOS, the per-user `Run`
//! registry value on Windows. Nothing is written until the user switches it on.

use std::path::{Path, PathBuf};

/// The argument that starts the app hidden (in the tray, or minimised without one).
pub const MINIMIZED_ARG: &str = "--minimized";

const ID: &str = crate::app_dirs::IDENTIFIER;

/// The autostart file in `config_dir` (Linux) or `home` (macOS).
pub fn entry_path(base: &Path) -> PathBuf {
    if cfg!(target_os = "macos") {
        base.join("Library/LaunchAgents").join(format!("{ID}.plist"))
    } else {
        base.join("autostart").join(format!("{ID}.desktop"))
    }
}

fn base() -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        dirs::home_dir()
    } else {
        dirs::config_dir()
    }
}

/// `Exec=` quoting of the desktop entry spec: a path with reserved characters in double quotes,
/// with `"`, `` ` ``, `$` and `\` escaped.
fn desktop_exec(exe: &Path, minimized: bool) -> String {
    let s = exe.display().to_string();
    let quoted = if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c)) {
        s
    } else {
        let mut q = String::from('"');
        for c in s.chars() {
            if matches!(c, '"' | '`' | '$' | '\\') {
                q.push('\\');
            }
            q.push(c);
        }
        q.push('"');
        q
    };
    if minimized {
        format!("{quoted} {MINIMIZED_ARG}")
    } else {
        quoted
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The file's content for `exe`.
pub fn entry(exe: &Path, minimized: bool) -> String {
    if cfg!(target_os = "macos") {
        let mut args = format!("<string>{}</string>", xml(&exe.display().to_string()));
        if minimized {
            args.push_str(&format!("<string>{MINIMIZED_ARG}</string>"));
        }
        include_str!("templates/launch-agent.plist")
            .replace("{LABEL}", ID)
            .replace("{ARGS}", &args)
    } else {
        include_str!("templates/autostart.desktop").replace("{EXEC}", &desktop_exec(exe, minimized))
    }
}

/// Whether start at login is on, and minimised.
pub fn state() -> (bool, bool) {
    if cfg!(windows) {
        return windows::state();
    }
    match base()
        .map(|b| entry_path(&b))
        .and_then(|p| std::fs::read_to_string(p).ok())
    {
        Some(text) => (true, text.contains(MINIMIZED_ARG)),
        None => (false, false),
    }
}

/// Switches start at login on (for `exe`) or off.
pub fn set(enabled: bool, minimized: bool, exe: &Path) -> Result<(), String> {
    if cfg!(windows) {
        return windows::set(enabled, minimized, exe);
    }
    let base = base().ok_or("no home or config folder")?;
    set_in(&base, enabled, minimized, exe)
}

/// [`set`] with the folder given (tests).
pub fn set_in(base: &Path, enabled: bool, minimized: bool, exe: &Path) -> Result<(), String> {
    let path = entry_path(base);
    if !enabled {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("cannot remove {}: {e}", path.display())),
            _ => Ok(()),
        };
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(&path, entry(exe, minimized)).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The per-user `Run` value, through `reg.exe` (no registry crate for one value).
mod windows {
    use std::path::Path;

    const KEY: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run";

    pub fn state() -> (bool, bool) {
        let out = std::process::Command::new("reg")
            .args(["query", KEY, "/v", "RCMD"])
            .output();
        match out {
            Ok(o) if o.status.success() => (true, String::from_utf8_lossy(&o.stdout).contains(super::MINIMIZED_ARG)),
            _ => (false, false),
        }
    }

    pub fn set(enabled: bool, minimized: bool, exe: &Path) -> Result<(), String> {
        let mut cmd = std::process::Command::new("reg");
        if enabled {
            let mut value = format!("\"{}\"", exe.display());
            if minimized {
                value.push(' ');
                value.push_str(super::MINIMIZED_ARG);
            }
            cmd.args(["add", KEY, "/v", "RCMD", "/t", "REG_SZ", "/d", &value, "/f"]);
        } else {
            cmd.args(["delete", KEY, "/v", "RCMD", "/f"]);
        }
        let out = cmd.output().map_err(|e| format!("cannot run reg: {e}"))?;
        if out.status.success() || !enabled {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn the_desktop_entry_is_written_quoted_and_removed() {
        let dir = tempfile::tempdir().expect("tmp");
        let exe = Path::new("/opt/My $Apps/rcmd");
        set_in(dir.path(), true, true, exe).expect("on");
        let text = std::fs::read_to_string(dir.path().join("autostart/dev.rcmd.app.desktop")).expect("written");
        assert!(text.starts_with("[Desktop Entry]\nType=Application\n"), "{text}");
        assert!(text.contains("Exec=\"/opt/My \\$Apps/rcmd\" --minimized\n"), "{text}");
        set_in(dir.path(), true, false, Path::new("/usr/bin/rcmd")).expect("again");
        let text = std::fs::read_to_string(dir.path().join("autostart/dev.rcmd.app.desktop")).expect("written");
        assert!(text.contains("Exec=/usr/bin/rcmd\n"), "{text}");
        set_in(dir.path(), false, false, exe).expect("off");
        assert!(!dir.path().join("autostart/dev.rcmd.app.desktop").exists());
        set_in(dir.path(), false, false, exe).expect("off twice is fine");
    }
}

/// The Run value as Windows runs it: written, read back and removed through `reg.exe`. It
/// changes the user's own Run key, so it runs only in the throwaway Wine prefix of
/// `scripts/wine-run.sh` (which sets RCMD_WINE_PREFIX), never on a developer's Windows.
#[cfg(all(test, windows))]
mod windows_tests {
    use super::*;

    #[test]
    fn the_run_value_is_written_quoted_read_and_removed() {
        if std::env::var_os("RCMD_WINE_PREFIX").is_none() {
            eprintln!("skipped: not in scripts/wine-run.sh's Wine prefix");
            return;
        }
        let exe = Path::new(r"C:\Program Files\RCMD & Co\rcmd.exe");
        set(true, true, exe).expect("on");
        assert_eq!(state(), (true, true));
        let out = std::process::Command::new("reg")
            .args([
                "query",
                r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run",
                "/v",
                "RCMD",
            ])
            .output()
            .expect("reg");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(r#""C:\Program Files\RCMD & Co\rcmd.exe" --minimized"#),
            "{text}"
        );
        set(true, false, exe).expect("again");
        assert_eq!(state(), (true, false));
        set(false, false, exe).expect("off");
        assert_eq!(state(), (false, false));
        set(false, false, exe).expect("off twice is fine");
    }
}
