//! Edit (F4) against a real rclone: the file is fetched into a private folder and handed to
//! the editor, each save is uploaded, and a remote file that changed meanwhile is never
//! replaced unasked.

#![allow(clippy::unwrap_used)]

mod common;

use std::{sync::Arc, time::Duration};

use rcmd_core::{
    edit::Edits,
    events::EventBus,
    remote_path::RemotePath,
    resilience::layer::{ResilienceConfig, Resilient},
    types::EditEvent,
};

/// Waits for the next event of the session (bounded).
fn next(rx: &std::sync::mpsc::Receiver<EditEvent>) -> EditEvent {
    rx.recv_timeout(Duration::from_secs(30))
        .expect("an edit event within 30 s")
}

/// Saves the local copy as an editor would: new content, a later modification time.
fn save(path: &std::path::Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn saves_are_uploaded_and_a_changed_remote_file_is_never_replaced_unasked() {
    // the "editor" only has to exist: the test edits the copy itself
    std::env::set_var("RCMD_OPENER", "/bin/true");
    let rc = common::start().await;
    let layer = Arc::new(Resilient::new(
        Arc::new(rc.client.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    ));
    let data = rc.data();
    std::fs::write(data.join("할 일.txt"), "first\n").unwrap();
    let root = rc.dir.path().join("edits");
    let edits = Arc::new(Edits::default());
    let (tx, rx) = std::sync::mpsc::channel();
    let file = RemotePath::new("local", "할 일.txt").unwrap();
    let id = edits
        .start(layer, file, &root, move |e| {
            let _ = tx.send(e);
        })
        .await
        .unwrap();
    assert!(matches!(next(&rx), EditEvent::Opened { id: i, .. } if i == id));
    let copy = std::fs::read_dir(&root)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("할 일.txt");
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), "first\n");

    // a save goes up
    save(&copy, "first\nsecond\n");
    assert!(matches!(next(&rx), EditEvent::Uploaded { size: 13, .. }));
    assert_eq!(
        std::fs::read_to_string(data.join("할 일.txt")).unwrap(),
        "first\nsecond\n"
    );

    // someone else changes the remote file; the next save asks, and "keep" keeps it
    std::fs::write(data.join("할 일.txt"), "theirs\n").unwrap();
    save(&copy, "mine, v3\n");
    assert!(matches!(next(&rx), EditEvent::RemoteChanged { .. }));
    assert!(edits.answer(id, false));
    assert!(matches!(next(&rx), EditEvent::Kept { .. }));
    assert_eq!(std::fs::read_to_string(data.join("할 일.txt")).unwrap(), "theirs\n");
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), "mine, v3\n", "the edit stays");

    // asked again at the next save; "upload" replaces it, and later saves go up unasked
    save(&copy, "mine, v4\n");
    assert!(matches!(next(&rx), EditEvent::RemoteChanged { .. }));
    assert!(edits.answer(id, true));
    assert!(matches!(next(&rx), EditEvent::Uploaded { .. }));
    assert_eq!(std::fs::read_to_string(data.join("할 일.txt")).unwrap(), "mine, v4\n");
    save(&copy, "mine, v5 longer\n");
    assert!(matches!(next(&rx), EditEvent::Uploaded { .. }));
    assert_eq!(
        std::fs::read_to_string(data.join("할 일.txt")).unwrap(),
        "mine, v5 longer\n"
    );

    edits.stop(id);
    assert!(matches!(next(&rx), EditEvent::Stopped { .. }));
    assert!(!edits.answer(id, true), "no session after the stop");
}
