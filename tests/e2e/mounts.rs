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

async fn wait_for_css(c: &fantoccini::Client, css: &str) -> Result<()> {
    poll(Duration::from_secs(15), css, || async {
        attr(c, css, "id").await.map(|_| ())
    })
    .await
}
