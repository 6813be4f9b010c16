//! End-to-end test of two-way sync in the real window: a pair set up in the Two-way tab, the
//! guided resync (run refused until previewed; the preview shows what each side receives and
//! writes nothing), a file changed on each side and both seen arriving after "Run now", the
//! run's report in the list, a file changed on both sides listed with both versions kept and
//! opened with the system's program. Screenshot and the accessibility check.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use rcmd_e2e::{visual::*, window::*, *};

async fn pair_state(c: &fantoccini::Client) -> Option<String> {
    attr(c, "#pairs li.pair", "data-state").await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the built app, Xvfb, tauri-driver and WebKitWebDriver: run scripts/test.sh"]
async fn a_pair_set_up_resynced_and_run_in_the_window() -> Result<()> {
    let mut fx = Fixture::new();
    // "Open" of a conflict version hands the file to the system's program: recorded here
    let opened = fx.path("opened.txt");
    fx.set_opener(&format!("cat \"$1\" > '{}'\n", opened.display()))?;
    let data = fx.path("data");
    std::fs::create_dir_all(data.join("one"))?;
    std::fs::create_dir_all(data.join("two"))?;
    std::fs::write(data.join("one/a.txt"), b"made on one")?;
    std::fs::write(data.join("two/b.txt"), b"made on two")?;
    with_fixture_session("pairs", fx, |c, dir| async move {
        let data = dir.join("data");
        wait_ready(&c, None, Duration::from_secs(60)).await?;
        click(&c, "#tab-pairs").await?;
        click(&c, "#new-pair").await?;
        fill(&c, "#pair-name", "docs").await?;
        fill(&c, "#pair-path1", "e2e:one").await?;
        fill(&c, "#pair-path2", "e2e:two").await?;
        click(&c, "#pair-save").await?;
        poll(Duration::from_secs(15), "the pair listed as new", || async {
            (pair_state(&c).await.as_deref() == Some("new")).then_some(())
        })
        .await?;
        ensure!(
            attr(&c, "#pairs li.pair .pair-run", "disabled").await.is_some(),
            "a new pair cannot run before its resync"
        );

        // the guided resync: nothing runs before the preview, the preview writes nothing
        click(&c, "#pairs li.pair .pair-resync").await?;
        wait_for_css(&c, "#resync-dialog").await?;
        ensure!(
            attr(&c, "#resync-run", "disabled").await.is_some(),
            "run before preview"
        );
        click(&c, "#resync-preview").await?;
        poll(Duration::from_secs(30), "the preview", || async {
            let to1 = attr(&c, "#resync-preview-result", "data-to1").await;
            let to2 = attr(&c, "#resync-preview-result", "data-to2").await;
            (to1.as_deref() == Some("1") && to2.as_deref() == Some("1")).then_some(())
        })
        .await?;
        let shown = inner_text(&c, "#resync-preview-result").await.unwrap_or_default();
        ensure!(shown.contains("a.txt") && shown.contains("b.txt"), "{shown}");
        ensure!(
            !data.join("two/a.txt").exists() && !data.join("one/b.txt").exists(),
            "the preview wrote"
        );
        screenshot(&c, "pairs-resync.png").await?;
        check_accessibility(&c, "pairs-resync").await?;
        click(&c, "#resync-run").await?;
        poll(Duration::from_secs(60), "the pair ready after its resync", || async {
            (pair_state(&c).await.as_deref() == Some("ready")).then_some(())
        })
        .await?;
        ensure!(std::fs::read(data.join("two/a.txt"))? == b"made on one");
        ensure!(std::fs::read(data.join("one/b.txt"))? == b"made on two");

        // a change on each side, then "Run now": both arrive
        std::fs::write(data.join("one/c.txt"), b"changed on one")?;
        std::fs::write(data.join("two/d.txt"), b"changed on two")?;
        let t0 = Instant::now();
        click(&c, "#pairs li.pair .pair-run").await?;
        poll(Duration::from_secs(60), "both changes arrived", || async {
            (data.join("two/c.txt").exists() && data.join("one/d.txt").exists()).then_some(())
        })
        .await?;
        eprintln!(
            "MEASURED in the window: Run now -> both changes on the other side after {:?}",
            t0.elapsed()
        );
        ensure!(std::fs::read(data.join("one/d.txt"))? == b"changed on two");
        poll(Duration::from_secs(30), "the run's report", || async {
            let text = inner_text(&c, "#pairs li.pair .pair-counts").await.unwrap_or_default();
            text.contains("→1 1, →2 1").then_some(())
        })
        .await?;

        // the same file changed on both sides: both versions kept, each openable
        std::fs::write(data.join("one/c.txt"), b"edited on one")?;
        std::fs::write(data.join("two/c.txt"), b"edited on two, longer")?;
        click(&c, "#pairs li.pair .pair-run").await?;
        poll(Duration::from_secs(60), "the conflict listed", || async {
            attr(&c, "#pairs li.pair .conflict[data-path='c.txt']", "data-path").await
        })
        .await?;
        ensure!(std::fs::read(data.join("two/c.txt.conflict1"))? == b"edited on one");
        ensure!(std::fs::read(data.join("one/c.txt.conflict2"))? == b"edited on two, longer");
        click(&c, "#pairs li.pair .conflict .open-version").await?;
        let dir2 = dir.clone();
        poll(Duration::from_secs(30), "the version opened", || async {
            std::fs::read(dir2.join("opened.txt"))
                .ok()
                .filter(|b| b == b"edited on one")
        })
        .await?;
        screenshot(&c, "pairs.png").await?;
        check_accessibility(&c, "pairs").await?;
        Ok(())
    })
    .await
}
