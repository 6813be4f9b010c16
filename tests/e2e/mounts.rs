//! End-to-end test of mounts in the real window: a mount added and mounted from the Mounts
//! tab, its files there through FUSE, the rclone sidecar killed under it and the mount seen
//! recovering and mounted again, then unmounted. Screenshot and the accessibility check.

#![allow(clippy::unwrap_used)]

use std::{
    path::Path,
    time::{Duration, Instant},
};

use anyhow::{ensure, Result};
use rcmd_e2e::{visual::*, window::*, *};

fn mounted(p: &Path) -> bool {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').nth(4) == p.to_str())
}

async fn mount_state(c: &fantoccini::Client) -> Option<String> {
    attr(c, "#mount-list li[data-name='drive']", "data-state").await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the built app, Xvfb, tauri-driver and WebKitWebDriver: run scripts/test.sh"]
async fn mount_from_the_mounts_tab_kill_rclone_and_see_it_recover() -> Result<()> {
    with_fixture_session("mounts", Fixture::new(), |c, dir| async move {
        let first = wait_ready(&c, None, Duration::from_secs(60)).await?;
        let mp = dir.join("mnt/drive");
        click(&c, "#tab-mounts").await?;
        wait_for_css(&c, "#mount-form").await?;
        fill(&c, "#mount-name", "drive").await?;
        fill(&c, "#mount-fs", "e2e:photos").await?;
        fill(&c, "#mount-point", mp.to_str().unwrap()).await?;
        click(&c, "#mount-add").await?;
        poll(Duration::from_secs(15), "the mount listed", || async {
            (mount_state(&c).await.as_deref() == Some("stopped")).then_some(())
        })
        .await?;
        click(&c, "#mount-list li[data-name='drive'] .mount-up").await?;
        poll(Duration::from_secs(30), "mounted", || async {
            (mount_state(&c).await.as_deref() == Some("mounted")).then_some(())
        })
        .await?;
        ensure!(mounted(&mp), "{} is in the mount table", mp.display());
        ensure!(std::fs::metadata(mp.join("cat.jpg"))?.len() == 3 * 1024 * 1024 / 2);
        screenshot(&c, "mounts.png").await?;
        check_accessibility(&c, "mounts").await?;

        // rclone killed under the mount: found dead, mounted again by the new rclone
        signal(first, "KILL");
        let t0 = Instant::now();
        let second = wait_ready(&c, Some(first), Duration::from_secs(60)).await?;
        poll(Duration::from_secs(60), "mounted again after one recovery", || async {
            let state = mount_state(&c).await;
            let note = inner_text(&c, "#mount-list li[data-name='drive'] .mount-note")
                .await
                .unwrap_or_default();
            (state.as_deref() == Some("mounted") && note.contains("1 recovered")).then_some(())
        })
        .await?;
        let recovered = t0.elapsed();
        ensure!(
            std::fs::read(mp.join("2024/trip.png"))? == vec![2u8; 2048],
            "files there after the recovery"
        );
        eprintln!("MEASURED in the window: rclone {first} killed, {second} ready, mount back after {recovered:?}");

        // closing the window with a mount up asks first, and says quitting unmounts it
        let display = app_env(&dir)?
            .into_iter()
            .find(|(k, _)| k == "DISPLAY")
            .map(|(_, v)| v)
            .unwrap_or_default();
        ensure!(close_button(&display, "RCMD")? >= 1, "no RCMD window on {display}");
        let said = wait_text(&c, "#close-mounts", "1").await?;
        ensure!(said.contains("unmount"), "{said}");
        click(&c, "#close-cancel").await?;
        ensure!(mounted(&mp), "still mounted after cancel");

        // unmounted from the tab
        click(&c, "#mount-list li[data-name='drive'] .mount-down").await?;
        poll(Duration::from_secs(30), "unmounted", || async {
            (mount_state(&c).await.as_deref() == Some("stopped")).then_some(())
        })
        .await?;
        ensure!(!mounted(&mp), "unmounted");
        Ok(())
    })
    .await
}

/// A webdav remote mounted from the tab; its server stopped: the mount shows degraded; a file
/// written meanwhile is pending, and Unmount asks first (count and name), Cancel keeps it
/// mounted, "unmount now" keeps the file in rclone's cache for the next mount.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the built app, Xvfb, tauri-driver and WebKitWebDriver: run scripts/test.sh"]
async fn pending_uploads_are_shown_before_an_unmount_and_kept() -> Result<()> {
    let fixture = Fixture::new();
    let (server, port) = fixture.serve_webdav("rcmd", "secret")?;
    let rclone = app_binary()?.with_file_name("rcmd-rclone");
    let obscured = std::process::Command::new(&rclone)
        .args(["obscure", "secret"])
        .output()?;
    let obscured = String::from_utf8(obscured.stdout)?.trim().to_owned();
    let conf = fixture.path("rclone.conf");
    let mut text = std::fs::read_to_string(&conf)?;
    text.push_str(&format!(
        "\n[dav]\ntype = webdav\nurl = http://127.0.0.1:{port}/\nvendor = other\nuser = rcmd\npass = {obscured}\n"
    ));
    std::fs::write(&conf, text)?;
    let mut server = Some(server);
    with_fixture_session("mounts-pending", fixture, |c, dir| async move {
        wait_ready(&c, None, Duration::from_secs(60)).await?;
        let mp = dir.join("mnt/web");
        click(&c, "#tab-mounts").await?;
        wait_for_css(&c, "#mount-form").await?;
        fill(&c, "#mount-name", "web").await?;
        fill(&c, "#mount-fs", "dav:").await?;
        fill(&c, "#mount-point", mp.to_str().unwrap()).await?;
        click(&c, "#mount-add").await?;
        let row = "#mount-list li[data-name='web']";
        poll(Duration::from_secs(15), "listed", || async {
            (attr(&c, row, "data-state").await.as_deref() == Some("stopped")).then_some(())
        })
        .await?;
        click(&c, &format!("{row} .mount-up")).await?;
        poll(Duration::from_secs(30), "mounted", || async {
            (attr(&c, row, "data-state").await.as_deref() == Some("mounted")).then_some(())
        })
        .await?;
        // the folder was looked at (rclone's VFS knows it), then the server goes away and a
        // file is written into the mount
        ensure!(std::fs::read_dir(&mp)?.count() == 0, "the served folder starts empty");
        drop(server.take());
        std::fs::write(mp.join("while-down.txt"), b"written while the server was down")?;
        poll(Duration::from_secs(60), "degraded", || async {
            (attr(&c, row, "data-state").await.as_deref() == Some("degraded")).then_some(())
        })
        .await?;
        let note = inner_text(&c, &format!("{row} .mount-note")).await.unwrap_or_default();
        ensure!(note.contains("does not answer"), "{note}");
        // unmount: asked first, with the count and the name
        click(&c, &format!("{row} .mount-down")).await?;
        let asked = wait_text(&c, "#pending-dialog", "while-down.txt").await?;
        ensure!(asked.contains('1'), "{asked}");
        screenshot(&c, "mounts-pending.png").await?;
        check_accessibility(&c, "mounts-pending").await?;
        click(&c, "#pending-cancel").await?;
        ensure!(mounted(&mp), "cancel keeps it mounted");
        // unmount now: the file stays in rclone's cache, for the next mount
        click(&c, &format!("{row} .mount-down")).await?;
        wait_text(&c, "#pending-dialog", "while-down.txt").await?;
        click(&c, "#pending-leave").await?;
        poll(Duration::from_secs(30), "unmounted", || async {
            (attr(&c, row, "data-state").await.as_deref() == Some("stopped")).then_some(())
        })
        .await?;
        ensure!(!mounted(&mp), "unmounted");
        let cached = dir.join("xdg-cache/rclone/vfs/dav/while-down.txt");
        ensure!(
            std::fs::read(&cached)? == b"written while the server was down",
            "kept in rclone's cache at {}",
            cached.display()
        );
        Ok(())
    })
    .await
}
