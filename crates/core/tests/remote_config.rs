//! Remote configuration through rclone's own API against real servers: a webdav remote with
//! a login created from the provider's options, tested, edited (a secret left empty is kept),
//! shown without its secrets, deleted; bad names and types refused; rclone's question steps.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use common::fault::WebdavServer;
use rcmd_core::remote_config::{self as rconf, ConfigError};

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn a_webdav_remote_is_created_tested_edited_and_deleted() {
    let rc = common::start().await;
    let served = rc.dir.path().join("served");
    std::fs::create_dir_all(served.join("docs")).unwrap();
    std::fs::write(served.join("a.txt"), b"a").unwrap();
    let dav = WebdavServer::start_with_login(&served, "alice", "s3cret pass");

    // the form comes from rclone's provider list
    let providers = rconf::providers(&rc.client).await.unwrap();
    let webdav = providers.iter().find(|p| p.name == "webdav").unwrap();
    let url = webdav.options.iter().find(|o| o.name == "url").unwrap();
    assert!(url.required && !url.advanced);
    assert!(webdav.options.iter().find(|o| o.name == "pass").unwrap().is_password);
    assert!(providers.len() > 50, "{} providers", providers.len());

    let url = format!("http://{}/", dav.addr);
    let step = rconf::create(&rc.client, "dav", "webdav", &params(&[("url", &url), ("vendor", "rclone"), ("user", "alice"), ("pass", "s3cret pass")]))
        .await
        .unwrap();
    assert!(step.is_done(), "{step:?}");
    assert_eq!(rconf::test(&rc.client, "dav").await.unwrap(), 2);
    // the password is stored obscured, never in clear
    let conf = std::fs::read_to_string(rc.dir.path().join("rclone.conf")).unwrap();
    assert!(conf.contains("[dav]") && !conf.contains("s3cret"), "{conf}");

    // the editor's view has no secrets
    let shown = rconf::get(&rc.client, "dav").await.unwrap();
    assert_eq!(shown.kind, "webdav");
    assert_eq!(shown.values.get("url"), Some(&url));
    // rclone marks the user name sensitive as well: kept out like the password
    assert!(!shown.values.contains_key("pass") && !shown.values.contains_key("user"), "{shown:?}");
    assert_eq!(shown.secrets_set, vec!["pass".to_owned(), "user".to_owned()]);
    assert_eq!(shown.values.get("vendor").map(String::as_str), Some("rclone"));

    // edit: a new user with the password left empty keeps the password; a wrong one fails
    let step = rconf::update(&rc.client, "dav", &params(&[("user", "alice"), ("pass", "")])).await.unwrap();
    assert!(step.is_done());
    assert_eq!(rconf::test(&rc.client, "dav").await.unwrap(), 2, "the kept password still works");
    rconf::update(&rc.client, "dav", &params(&[("pass", "wrong")])).await.unwrap();
    let err = rconf::test(&rc.client, "dav").await.unwrap_err();
    assert!(err.to_string().contains("401") || err.to_string().to_lowercase().contains("unauthorized"), "{err}");
    rconf::update(&rc.client, "dav", &params(&[("pass", "s3cret pass")])).await.unwrap();
    assert_eq!(rconf::test(&rc.client, "dav").await.unwrap(), 2, "the edit took effect at once (no stale cache)");

    // names: taken, invalid, the local disk; unknown type
    let err = rconf::create(&rc.client, "dav", "webdav", &params(&[("url", &url)])).await.unwrap_err();
    assert!(matches!(err, ConfigError::Exists(_)), "{err}");
    for bad in ["", "-x", "a/b", "x:y", ":local"] {
        assert!(rconf::create(&rc.client, bad, "webdav", &params(&[])).await.is_err(), "{bad:?}");
    }
    let err = rconf::create(&rc.client, "other", "no-such-type", &params(&[])).await.unwrap_err();
    assert!(matches!(err, ConfigError::UnknownType(_)), "{err}");

    rconf::delete(&rc.client, "dav").await.unwrap();
    assert!(matches!(rconf::test(&rc.client, "dav").await.unwrap_err(), ConfigError::Missing(_)));
    assert!(matches!(rconf::delete(&rc.client, "dav").await.unwrap_err(), ConfigError::Missing(_)));
    assert!(!std::fs::read_to_string(rc.dir.path().join("rclone.conf")).unwrap().contains("[dav]"));
}
