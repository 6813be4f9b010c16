//! Quick view (F3) against a real rclone: a file fetched once into the private cache and
//! reused until it changes, text bounded, binaries and folders and big files refused before
//! anything is fetched, the cache pruned, and only cache copies handed to an opener.

#![allow(clippy::unwrap_used)]

mod common;

use std::{path::Path, sync::Arc};

use rcmd_core::{
    events::EventBus,
    remote_path::RemotePath,
    resilience::layer::{ResilienceConfig, Resilient},
    view::{self, ViewError, TEXT_SHOWN_BYTES, VIEW_MAX_BYTES},
    Error,
};
use tokio_util::sync::CancellationToken;

fn layer(rc: &common::Rclone) -> Resilient {
    Resilient::new(
        Arc::new(rc.client.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    )
}

fn files_in(dir: &Path) -> usize {
    walk(dir).len()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[tokio::test]
async fn a_file_is_fetched_once_and_again_only_when_it_changed() {
    let rc = common::start().await;
    let l = layer(&rc);
    let cancel = CancellationToken::new();
    let cache = rc.dir.path().join("view-cache");
    let data = rc.data();
    std::fs::write(data.join("메모 #1.txt"), "첫 줄\nsecond line\n").unwrap();
    let file = RemotePath::new("local", "메모 #1.txt").unwrap();

    let first = view::fetch(&l, &file, &cache, &cancel).await.unwrap();
    assert!(!first.reused);
    assert_eq!(std::fs::read_to_string(&first.local).unwrap(), "첫 줄\nsecond line\n");
    assert!(first.local.starts_with(&cache));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(first.local.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the copy's folder is private: {mode:o}");
    }
    let (text, cut) = view::read_text(&first.local).unwrap().unwrap();
    assert_eq!((text.as_str(), cut), ("첫 줄\nsecond line\n", false));

    // the same version: the copy is reused, nothing fetched
    std::fs::remove_file(data.join("메모 #1.txt")).unwrap();
    std::fs::write(data.join("메모 #1.txt"), "첫 줄\nsecond line\n").unwrap();
    let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    std::fs::File::options()
        .append(true)
        .open(data.join("메모 #1.txt"))
        .unwrap()
        .set_modified(t)
        .unwrap();
    let again = view::fetch(&l, &file, &cache, &cancel).await.unwrap();
    assert!(!again.reused, "another time is another version");
    let third = view::fetch(&l, &file, &cache, &cancel).await.unwrap();
    assert!(third.reused);
    assert_eq!(third.local, again.local);

    // changed: fetched again, the new text shown
    std::fs::write(data.join("메모 #1.txt"), "changed, longer text\n").unwrap();
    let changed = view::fetch(&l, &file, &cache, &cancel).await.unwrap();
    assert!(!changed.reused);
    assert_eq!(
        std::fs::read_to_string(&changed.local).unwrap(),
        "changed, longer text\n"
    );
}

#[tokio::test]
async fn folders_big_files_and_missing_files_are_refused_before_any_fetch() {
    let rc = common::start().await;
    let l = layer(&rc);
    let cancel = CancellationToken::new();
    let cache = rc.dir.path().join("view-cache");
    let data = rc.data();
    // sparse: the size is what counts, nothing is read
    let big = std::fs::File::create(data.join("big.iso")).unwrap();
    big.set_len(VIEW_MAX_BYTES as u64 + 1).unwrap();
    std::fs::create_dir_all(data.join("folder")).unwrap();

    let err = |name: &str| {
        let l = &l;
        let cache = &cache;
        let cancel = &cancel;
        let file = RemotePath::new("local", name).unwrap();
        async move { view::fetch(l, &file, cache, cancel).await.unwrap_err() }
    };
    let e = err("big.iso").await;
    assert!(matches!(e, Error::View(ViewError::TooBig { .. })), "{e}");
    assert!(e.to_string().contains("copy it (F5)"), "{e}");
    assert!(matches!(err("folder").await, Error::View(ViewError::Folder { .. })));
    assert!(matches!(err("nothing.txt").await, Error::View(ViewError::Gone { .. })));
    assert_eq!(files_in(&cache), 0, "nothing was fetched");
}

#[tokio::test]
async fn text_is_bounded_and_binaries_are_not_text() {
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("long.txt");
    // a multi-byte character across the cut is not a reason to call the file binary
    let mut text = "a".repeat(TEXT_SHOWN_BYTES - 1);
    text.push_str("한국어 and more");
    std::fs::write(&long, &text).unwrap();
    let (shown, cut) = view::read_text(&long).unwrap().unwrap();
    assert!(cut);
    assert_eq!(shown.len(), TEXT_SHOWN_BYTES - 1, "cut before the split character");
    let bin = dir.path().join("x.dat");
    std::fs::write(&bin, b"PK\x03\x04\x00\x00binary").unwrap();
    assert_eq!(view::read_text(&bin).unwrap(), None);
    let latin1 = dir.path().join("l.txt");
    std::fs::write(&latin1, b"caf\xe9 au lait").unwrap();
    assert_eq!(view::read_text(&latin1).unwrap(), None, "not UTF-8");
    assert_eq!(view::kind_of("Photo.JPG"), view::Kind::Image("image/jpeg"));
    assert_eq!(view::kind_of("a.pdf"), view::Kind::Pdf);
    assert_eq!(view::kind_of("README"), view::Kind::Other);
}

#[test]
fn the_cache_keeps_the_most_recently_used_copies() {
    let cache = tempfile::tempdir().unwrap();
    let now = std::time::SystemTime::now();
    for (i, name) in ["old", "mid", "new"].iter().enumerate() {
        let d = cache.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        let f = d.join("f");
        std::fs::write(&f, vec![0u8; 1000]).unwrap();
        let age = std::time::Duration::from_secs(100 * (3 - i as u64));
        std::fs::File::options()
            .append(true)
            .open(&f)
            .unwrap()
            .set_modified(now - age)
            .unwrap();
    }
    let keep = cache.path().join("just-made");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::write(keep.join("f"), vec![0u8; 1000]).unwrap();
    view::prune(cache.path(), 2500, &keep);
    let mut left: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["just-made", "new"]);
}

#[test]
fn only_cache_copies_are_opened() {
    let cache = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.pdf");
    std::fs::write(&secret, b"%PDF").unwrap();
    let e = view::open_copy(&secret, cache.path()).unwrap_err();
    assert!(e.to_string().contains("not a quick-view copy"), "{e}");
    // nor through a way out of the cache
    let sneaky = cache
        .path()
        .join("..")
        .join(outside.path().file_name().unwrap())
        .join("secret.pdf");
    let sneaky = if sneaky.exists() {
        sneaky
    } else {
        cache.path().join("../../").join(&secret)
    };
    assert!(view::open_copy(&sneaky, cache.path()).is_err());

    // a copy in the cache goes to the opener ($RCMD_OPENER: a script that notes what it got)
    let copy = cache.path().join("k").join("doc.pdf");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::write(&copy, b"%PDF-1.4").unwrap();
    let noted = outside.path().join("opened");
    let script = outside.path().join("opener.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$1\" > '{}'\n", noted.display())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // (no other test of this binary reads the variable)
    std::env::set_var("RCMD_OPENER", &script);
    view::open_copy(&copy, cache.path()).unwrap();
    let mut got = String::new();
    for _ in 0..100 {
        got = std::fs::read_to_string(&noted).unwrap_or_default();
        if !got.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(got.trim(), copy.canonicalize().unwrap().display().to_string());
}
