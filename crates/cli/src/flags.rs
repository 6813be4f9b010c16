//! rclone options for the sidecar of one command (`--bwlimit 10M`, `--transfers 8`,
//! `--checkers 16`, `--rclone-flag=--fast-list`), checked like `RCMD_RCLONE_FLAGS`.

use rcmd_core::app_dirs;

const OPTIONS: [&str; 4] = ["--bwlimit", "--transfers", "--checkers", "--rclone-flag"];

/// Removes the rclone options from `args`; returns the flags for the sidecar (the
/// environment's first, then the options'), or why they are refused.
pub fn take(args: &mut Vec<String>) -> Result<Vec<String>, String> {
    let mut flags = app_dirs::extra_rclone_flags()?;
    let mut i = 0;
    while i < args.len() {
        let (name, inline) = match args[i].split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (args[i].clone(), None),
        };
        if !OPTIONS.contains(&name.as_str()) {
            i += 1;
            continue;
        }
        args.remove(i);
        let value = match inline {
            Some(v) => v,
            None if i < args.len() => args.remove(i),
            None => return Err(format!("{name} needs a value")),
        };
        match name.as_str() {
            "--transfers" | "--checkers" => {
                let n: u32 = value
                    .trim()
                    .parse()
                    .map_err(|_| format!("{name} needs a whole number from 1 to 64, not {value:?}"))?;
                if !(1..=64).contains(&n) {
                    return Err(format!("{name} needs a whole number from 1 to 64, not {n}"));
                }
                flags.push(format!("{name}={n}"));
            }
            "--bwlimit" => {
                let ok = !value.trim().is_empty()
                    && value.chars().all(|c| c.is_ascii_alphanumeric() || " .,:-|".contains(c));
                if !ok {
                    return Err(format!("--bwlimit {value:?} is not a bandwidth limit (examples: 10M, 512k, off, \"08:00,512k 18:00,off\")"));
                }
                flags.push(format!("--bwlimit={}", value.trim()));
            }
            _ => {
                if !value.starts_with('-') {
                    return Err(format!(
                        "--rclone-flag takes one rclone flag such as --fast-list or --max-age=1d, not {value:?}"
                    ));
                }
                flags.push(value);
            }
        }
    }
    app_dirs::check_rclone_flags(&flags).map_err(|e| e.replace("RCMD_RCLONE_FLAGS", "rclone flags"))?;
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::take;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_become_flags_and_leave_the_command() {
        let mut a = args(&[
            "copy",
            "--bwlimit",
            "10M",
            "a:",
            "--transfers=8",
            "b:",
            "--rclone-flag=--fast-list",
            "--checkers",
            "16",
        ]);
        let flags = take(&mut a).unwrap();
        assert_eq!(a, args(&["copy", "a:", "b:"]));
        assert_eq!(
            flags,
            args(&["--bwlimit=10M", "--transfers=8", "--fast-list", "--checkers=16"])
        );
        let mut timetable = args(&["--bwlimit", "08:00,512k 18:00,off"]);
        assert_eq!(take(&mut timetable).unwrap(), args(&["--bwlimit=08:00,512k 18:00,off"]));
    }

    #[test]
    fn bad_options_are_refused_clearly() {
        for bad in [
            &["--transfers", "0"][..],
            &["--transfers", "65"],
            &["--checkers", "many"],
            &["--bwlimit", "10M; rm -rf /"],
            &["--bwlimit"],
            &["--rclone-flag", "fast-list"],
            &["--rclone-flag=--rc-addr=0.0.0.0:1"],
            &["--rclone-flag", "--config=/etc/passwd"],
        ] {
            let err = take(&mut args(bad)).unwrap_err();
            assert!(!err.is_empty(), "{bad:?}");
            assert!(!err.contains("RCMD_RCLONE_FLAGS may"), "{err}");
        }
    }
}
