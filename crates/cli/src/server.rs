//! Remote mode of the command line: saved rproxy servers (`rcmd server add|list|remove`) and
//! batches that run ON a server (`rcmd --server NAME batch ...`): created, steered and read
//! through rproxy's `rproxy/batch/*` calls, followed through the server's event stream. The batch belongs to the
//! server: Ctrl-C stops following, not the batch; a server that goes away mid-way is waited
//! for ("server offline, retrying").

use std::io::BufRead;

use rcmd_core::{
    app_dirs,
    connection::servers::{self, SavedServers},
    rc::{RcClient, RcError},
    rproxy_client::{
        batches::{self, Verb},
        BatchNews,
    },
    secret::Secret,
    secrets::SecretStore,
    types::BatchKind,
};

use super::{args, exit_code, line, say};

/// `rcmd server test NAME`: reachable, certificate, credentials, role, rclone version.
async fn test(name: &str) -> Result<i32, String> {
    let check = rcmd_core::rproxy_client::check(&client(name)?).await;
    let yes = |b: bool| if b { "yes" } else { "no" };
    say(&format!("reachable: {}", yes(check.reachable)));
    // every line every time, as the app's table shows them ("-" where nothing is known)
    let tls = match check.tls_trusted {
        Some(t) => yes(t),
        None => "plain HTTP, no certificate",
    };
    say(&format!("certificate trusted: {tls}"));
    say(&format!("authenticated: {}", yes(check.authenticated)));
    let who = match (&check.user, &check.role) {
        (Some(u), Some(r)) => format!("{u} ({r})"),
        _ => "-".to_owned(),
    };
    say(&format!("user: {who}"));
    say(&format!("rclone: {}", check.rclone_version.as_deref().unwrap_or("-")));
    match &check.problem {
        Some(p) => Err(p.clone()),
        None => {
            say("all is well");
            Ok(0)
        }
    }
}

/// The saved servers, with their tokens in the keyring.
fn saved() -> SavedServers {
    let (secrets, problem) = SecretStore::open(app_dirs::secrets_file());
    if let Some(p) = problem {
        eprintln!("rcmd: {p}");
    }
    SavedServers::new(app_dirs::settings_file(), secrets)
}

/// `rcmd server ...`.
pub(crate) async fn manage(cmd: args::Server) -> Result<i32, String> {
    match cmd {
        args::Server::Test { name } => test(&name).await,
        args::Server::Add {
            name,
            url,
            user,
            ca_file,
        } => {
            let entry = servers::entry(&name, &url, &user, ca_file.as_deref()).map_err(|e| e.to_string())?;
            // the token comes on stdin, never on the command line (where `ps` shows it)
            let mut token = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut token)
                .map_err(|e| format!("cannot read the token from stdin: {e}"))?;
            let token = token.trim().to_owned();
            if token.is_empty() {
                return Err("no token on stdin (echo \"$TOKEN\" | rcmd server add ...)".into());
            }
            saved()
                .save(&entry, Some(&Secret::new(token)))
                .map_err(|e| e.to_string())?;
            say(&format!("server {} saved", entry.name));
            Ok(0)
        }
        args::Server::List => {
            for s in saved().list() {
                say(&format!("{}\t{}\t{}", s.name, s.url, s.user));
            }
            Ok(0)
        }
        args::Server::Remove { name } => {
            saved().remove(&name).map_err(|e| e.to_string())?;
            say(&format!("server {name} removed"));
            Ok(0)
        }
    }
}

/// A saved server's RC client.
pub(crate) fn client(name: &str) -> Result<RcClient, String> {
    let (secrets, _) = SecretStore::open(app_dirs::secrets_file());
    let saved = SavedServers::new(app_dirs::settings_file(), secrets);
    let entry = saved.get(name).map_err(|e| format!("{e} (rcmd server add ...)"))?;
    saved.client(&entry).map_err(|e| e.to_string())
}

/// What went wrong, in words for the user.
pub(crate) fn explain(e: &RcError) -> String {
    match rcmd_core::rproxy_client::refusal_of(e) {
        Some(r) => format!("{r} (rcmd server add ... saves a new token)"),
        None => e.to_string(),
    }
}

/// A server's batches take no filter yet: said, never silently dropped.
fn no_filter(f: &args::FilterArgs) -> Result<(), String> {
    if crate::sync::filter_of(f, &[])?.is_empty() {
        Ok(())
    } else {
        Err(
            "filters (--include, --exclude, sizes, ages) apply to batches run here; a server's batches take none yet"
                .into(),
        )
    }
}

/// `rcmd --server NAME batch ...`.
pub(crate) async fn batch(server: &str, cmd: args::Batch) -> Result<i32, String> {
    let rc = client(server)?;
    let (kind, src, dst, on_conflict) = match cmd {
        args::Batch::Copy {
            src,
            dst,
            on_conflict,
            filter,
        } => {
            no_filter(&filter)?;
            (BatchKind::Copy, src, Some(dst), on_conflict.into())
        }
        args::Batch::Move {
            src,
            dst,
            on_conflict,
            filter,
        } => {
            no_filter(&filter)?;
            (BatchKind::Move, src, Some(dst), on_conflict.into())
        }
        args::Batch::Delete { path } => (BatchKind::Delete, path, None, Default::default()),
        args::Batch::List { json } => {
            let all = batches::list(&rc).await.map_err(|e| explain(&e))?;
            if json {
                say(&serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?);
            } else {
                all.iter().for_each(|b| say(&line(b)));
            }
            return Ok(0);
        }
        args::Batch::Report { id, json } => {
            let report = batches::report(&rc, id).await.map_err(|e| explain(&e))?;
            return super::print_report(&report, json);
        }
        args::Batch::Resume { id } | args::Batch::Retry { id } => {
            let verb = if matches!(cmd, args::Batch::Resume { .. }) {
                Verb::Resume
            } else {
                Verb::Retry
            };
            batches::act(&rc, verb, id).await.map_err(|e| explain(&e))?;
            return follow(&rc, server, id).await;
        }
        args::Batch::Pause { id } | args::Batch::Cancel { id } => {
            let verb = if matches!(cmd, args::Batch::Pause { .. }) {
                Verb::Pause
            } else {
                Verb::Cancel
            };
            let info = batches::act(&rc, verb, id).await.map_err(|e| explain(&e))?;
            say(&line(&info));
            return Ok(0);
        }
    };
    let info = batches::create(&rc, kind, &src, dst.as_deref(), &[], on_conflict)
        .await
        .map_err(|e| explain(&e))?;
    eprintln!(
        "batch {} on {server}: {} items",
        rcmd_core::types::batch_id_text(info.id),
        info.counts.total()
    );
    follow(&rc, server, info.id).await
}

/// Follows batch `id` on the server until it stops running, through the server's event
/// stream; waits through outages. Ctrl-C stops following only.
pub(crate) async fn follow(rc: &RcClient, server: &str, id: i64) -> Result<i32, String> {
    let shown = rcmd_core::types::batch_id_text(id);
    let mut down_since: Option<std::time::Instant> = None;
    let mut last_line = String::new();
    let followed = rcmd_core::rproxy_client::follow_batch(rc, server, id, |news| match news {
        BatchNews::State(info) => {
            let now = line(&info);
            if now != last_line {
                eprintln!("{now}");
                last_line = now;
            }
        }
        BatchNews::Offline { error, retry_in } => {
            if down_since.is_none() {
                eprintln!(
                    "server {server} offline ({error}); retrying in {} s",
                    retry_in.as_secs_f64().ceil()
                );
                down_since = Some(std::time::Instant::now());
            }
        }
        BatchNews::Back { after } => {
            down_since = None;
            eprintln!("server {server} is back after {:.1} s", after.as_secs_f64());
        }
    });
    let info = tokio::select! {
        r = followed => r.map_err(|e| explain(&e))?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("\nstopped following; batch {shown} keeps running on {server} (`rcmd --server {server} batch report {shown}`)");
            return Ok(3);
        }
    };
    if info.counts.failed > 0 {
        eprintln!(
            "  {} items failed — see `rcmd --server {server} batch report {shown}`",
            info.counts.failed
        );
    }
    if let Some(r) = &info.pause_reason {
        eprintln!("  paused: {r} — continue with `rcmd --server {server} batch resume {shown}`");
    }
    Ok(exit_code(info.status))
}
