//! End-to-end tests of compare, sync and search in the real window: Shift+F2 compares the two
//! panes' folders; directions changed by click and by key; the preview writes nothing; the run
//! does what it showed, with the replaced file kept in the backup folder; Alt+F7 finds files.
//! Screenshots and the accessibility check of both views.

#![allow(clippy::unwrap_used)]

use std::{path::Path, time::Duration};

use anyhow::{ensure, Result};
use fantoccini::{Client, Locator};
use rcmd_e2e::{visual::*, window::*, *};

const L: &str = "#pane-left";
const R: &str = "#pane-right";

/// `data/l` and `data/r` in `e2e:`: a file only on the left, one that differs, one the same,
/// one only on the right.
fn compare_fixture() -> Fixture {
    let fixture = Fixture::new();
    let (l, r) = (fixture.path("data/l"), fixture.path("data/r"));
    std::fs::create_dir_all(&l).unwrap();
    std::fs::create_dir_all(&r).unwrap();
    std::fs::write(l.join("new.txt"), b"only on the left").unwrap();
    std::fs::write(l.join("changed.txt"), b"left version").unwrap();
    std::fs::write(r.join("changed.txt"), b"right version, older").unwrap();
    std::fs::write(l.join("same.txt"), b"same").unwrap();
    std::fs::write(r.join("same.txt"), b"same").unwrap();
    std::fs::write(r.join("stale.txt"), b"only on the right").unwrap();
    fixture
}

async fn row_attr(c: &Client, path: &str, name: &str) -> Option<String> {
    attr(c, &format!("#compare-list .compare-row[data-path='{path}']"), name).await
}

async fn wait_direction(c: &Client, path: &str, want: &str) -> Result<()> {
    poll(Duration::from_secs(20), &format!("{path} → {want}"), || async move {
        (row_attr(c, path, "data-direction").await.as_deref() == Some(want)).then_some(())
    })
    .await
}

fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the built app, Xvfb, tauri-driver and WebKitWebDriver: run scripts/test.sh"]
async fn compare_two_folders_change_directions_preview_run_and_find() -> Result<()> {
    let fixture = compare_fixture();
    with_fixture_session("compare", fixture, |c, dir| async move {
        let data = dir.join("data");
        wait_ready(&c, None, Duration::from_secs(60)).await?;
        // the two panes on the two folders, then Shift+F2
        click(&c, "#remotes li[data-remote='e2e']").await?;
        wait_row(&c, L, "l").await?;
        click(&c, &format!("{L} .row[data-name='l'] button.open")).await?;
        wait_row(&c, L, "new.txt").await?;
        click(&c, &format!("{R} .remote-select option[value='e2e']")).await?;
        wait_row(&c, R, "r").await?;
        click(&c, &format!("{R} .row[data-name='r'] button.open")).await?;
        wait_row(&c, R, "stale.txt").await?;
        press(&c, L, &format!("{SHIFT}{F2}{RELEASE}")).await?;

        // the rows: the same file hidden by default, the others with the mirror's directions
        poll(Duration::from_secs(30), "compare rows", || async {
            row_attr(&c, "stale.txt", "data-state")
                .await
                .filter(|s| s == "st-only-right")
        })
        .await?;
        ensure!(row_attr(&c, "new.txt", "data-direction").await.as_deref() == Some("right"));
        ensure!(row_attr(&c, "changed.txt", "data-state").await.as_deref() == Some("st-differ"));
        ensure!(row_attr(&c, "stale.txt", "data-direction").await.as_deref() == Some("delete_right"));
        ensure!(
            row_attr(&c, "same.txt", "data-state").await.is_none(),
            "same files are hidden"
        );
        // the list keeps its height in the view (squeezed to one row it was unusable)
        let h = c
            .execute("return document.querySelector('#compare-list').clientHeight", vec![])
            .await?
            .as_f64()
            .unwrap_or_default();
        ensure!(h >= 10.0 * 26.0, "the list is {h} px high");
        let counts = wait_text(&c, "#compare-counts", "2").await?;
        ensure!(counts.contains("Copy → 2"), "{counts}");

        // a click: the right-only file comes to the left instead of being deleted
        click(&c, "#compare-list .compare-row[data-path='stale.txt'] button.dir").await?;
        wait_direction(&c, "stale.txt", "left").await?;
        // keys: the cursor to new.txt, Backspace skips it
        let list = c.find(Locator::Css("#compare-list")).await?;
        list.click().await?;
        c.find(Locator::Css("#compare-list"))
            .await?
            .send_keys(&format!("{HOME}{DOWN}{BACKSPACE}"))
            .await?;
        wait_direction(&c, "new.txt", "skip").await?;
        // the same files shown again by their toggle
        click(&c, "#show-same").await?;
        poll(Duration::from_secs(10), "same row", || async {
            row_attr(&c, "same.txt", "data-state").await.filter(|s| s == "st-same")
        })
        .await?;

        // the preview: what will happen, nothing written
        let (before_l, before_r) = (tree(&data.join("l")), tree(&data.join("r")));
        click(&c, "#sync-preview").await?;
        wait_text(&c, "#sync-preview-panel", "changed.txt").await?;
        let listed: Vec<String> = {
            let mut v = vec![];
            for li in c.find_all(Locator::Css("#sync-preview-panel li")).await? {
                v.push(format!(
                    "{} {}",
                    li.attr("data-direction").await?.unwrap_or_default(),
                    li.text().await?
                ));
            }
            v
        };
        ensure!(listed.len() == 2, "{listed:?}");
        ensure!(
            listed
                .iter()
                .any(|l| l.starts_with("right") && l.contains("changed.txt")),
            "{listed:?}"
        );
        ensure!(
            listed.iter().any(|l| l.starts_with("left") && l.contains("stale.txt")),
            "{listed:?}"
        );
        ensure!(
            tree(&data.join("l")) == before_l && tree(&data.join("r")) == before_r,
            "the preview wrote"
        );
        ensure!(!data.join(".rcmd-backup").exists(), "the preview made a backup folder");
        screenshot(&c, "compare-view.png").await?;
        check_accessibility(&c, "compare").await?;

        // the run: exactly that
        click(&c, "#sync-run").await?;
        let started = wait_text(&c, "#sync-started", "#").await?;
        let id =
            rcmd_types::parse_batch_id(started.rsplit('#').next().unwrap_or_default()).map_err(anyhow::Error::msg)?;
        click(&c, "#tab-jobs").await?;
        poll(Duration::from_secs(60), "sync batch completed", || async {
            job_status(&c, id).await.filter(|s| s == "completed")
        })
        .await?;
        ensure!(std::fs::read(data.join("r/changed.txt"))? == b"left version");
        ensure!(std::fs::read(data.join("l/stale.txt"))? == b"only on the right");
        ensure!(!data.join("r/new.txt").exists(), "new.txt was skipped");
        ensure!(data.join("r/stale.txt").exists(), "stale.txt was not deleted");
        let stamp = std::fs::read_dir(data.join(".rcmd-backup"))?.next().unwrap()?.path();
        ensure!(
            std::fs::read(stamp.join("r/changed.txt"))? == b"right version, older",
            "the replaced file is kept"
        );

        // Alt+F7 in the left pane: find the .txt files below it
        click(&c, "#tab-files").await?;
        press(&c, L, &format!("{ALT}{F7}{RELEASE}")).await?;
        wait_focused(&c, "#find-name").await?;
        fill(&c, "#find-name", "*.txt").await?;
        click(&c, "#find-run").await?;
        // "Searching… 0 found" also says "found": wait for the search to end
        let status = poll(Duration::from_secs(20), "find finished", || async {
            inner_text(&c, "#find-status")
                .await
                .filter(|t| t.contains("found") && !t.contains("Searching"))
        })
        .await?;
        let mut found = vec![];
        for li in c.find_all(Locator::Css("#find-results li")).await? {
            found.push(li.attr("data-path").await?.unwrap_or_default());
        }
        found.sort();
        ensure!(
            found == ["changed.txt", "new.txt", "same.txt", "stale.txt"],
            "{found:?} ({status})"
        );
        screenshot(&c, "find-view.png").await?;
        check_accessibility(&c, "find").await?;
        Ok(())
    })
    .await
}
