//! The `rproxy` command line never takes a flag for a name: `rproxy user add --help` prints
//! the usage and creates nothing (no database, no user named `--help`); a name starting with
//! `-` is refused with the usage.

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
        assert!(String::from_utf8_lossy(&out.stdout).contains("usage:"), "{args:?}");
        assert!(
            std::fs::read_dir(dir.path()).unwrap().next().is_none(),
            "{args:?} created something in the data folder"
        );
    }
    for args in [
        &["user", "add", "--role", "admin"][..],
        &["user", "add", "-x"],
        &["token", "create", "--label", "x"],
        &["token", "list", "--all"],
    ] {
        let out = rproxy(dir.path(), args);
        assert!(!out.status.success(), "{args:?} must fail");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("expected a name"),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
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
