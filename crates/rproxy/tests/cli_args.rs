//! The `rproxy` command line never takes a flag for a name: `rproxy user add --help` prints
//! the help and creates nothing (no database, no user named `--help`); a flag where a name
//! belongs, or a name starting with `-`, is refused with the usage (exit 2), before anything is
//! opened.

#![allow(clippy::unwrap_used)]

use std::process::Command;

fn rproxy(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rproxy"))
        .args(args)
        .env("RPROXY_DATA_DIR", data)
        .env("RUST_LOG", "off")
        .output()
        .unwrap()
}

#[test]
fn help_and_flags_are_never_names() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["user", "add", "--help"][..],
        &["--help"],
        &["user", "remove", "-h"],
        &["token", "create", "--help"],
    ] {
        let out = rproxy(dir.path(), args);
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage: rproxy"),
            "{args:?}"
        );
        assert!(
            std::fs::read_dir(dir.path()).unwrap().next().is_none(),
            "{args:?} created something in the data folder"
        );
    }
    for (args, says) in [
        (&["user", "add", "--role", "admin"][..], "<NAME>"),
        (&["user", "add", "-x"], "unexpected argument '-x'"),
        (&["user", "add", "--", "-x"], "expected a name"),
        (&["token", "create", "--label", "x"], "<USER>"),
        (&["token", "list", "--all"], "unexpected argument '--all'"),
        (&["token", "revoke", "seven"], "invalid value 'seven'"),
    ] {
        let out = rproxy(dir.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} must fail as a usage error: {err}");
        assert!(err.contains(says) && err.contains("try '--help'"), "{args:?}: {err}");
        assert!(
            std::fs::read_dir(dir.path()).unwrap().next().is_none(),
            "{args:?} created something in the data folder"
        );
    }
    let listed = rproxy(dir.path(), &["user", "list"]);
    assert!(listed.status.success());
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).trim(),
        "",
        "no user was created"
    );
}
