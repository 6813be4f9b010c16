//! Embeds the UI, and refuses to build with an rclone sidecar whose sha256 is not the pinned
//! one in `bin/rclone.sha256` (the bundle ships exactly the binary we tested).

use std::{fs::File, io::Read, path::Path};

use sha2::{Digest, Sha256};

fn main() {
    // The UI is embedded at compile time: rebuild when the built frontend changes.
    println!("cargo:rerun-if-changed=../ui/dist");
    check_rclone_pin();
    tauri_build::build()
}

fn check_rclone_pin() {
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    let exe = if target.contains("windows") { ".exe" } else { "" };
    let name = format!("rcmd-rclone-{target}{exe}");
    let bin = Path::new("../bin").join(&name);
    let pins = Path::new("../bin/rclone.sha256");
    println!("cargo:rerun-if-changed={}", bin.display());
    println!("cargo:rerun-if-changed={}", pins.display());
    let pins = std::fs::read_to_string(pins).unwrap_or_else(|e| panic!("cannot read bin/rclone.sha256: {e}"));
    let Some(want) = pins.lines().find_map(|l| {
        l.split_once("  ")
            .filter(|(_, n)| n.trim() == name)
            .map(|(h, _)| h.trim().to_owned())
    }) else {
        panic!("no pinned sha256 for {name} in bin/rclone.sha256: this platform has no tested rclone");
    };
    let got = sha256(&bin).unwrap_or_else(|e| {
        panic!(
            "cannot read the rclone sidecar {}: {e} (run scripts/fetch-rclone.sh)",
            bin.display()
        )
    });
    if got != want {
        panic!("rclone sidecar {} has sha256 {got}, pinned {want}: refusing to bundle an untested rclone (run scripts/fetch-rclone.sh)", bin.display());
    }
}

fn sha256(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
