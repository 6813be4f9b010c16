//! `rproxy`: serve, and manage users.
//!
//!     rproxy serve [--config rproxy.toml] [--listen 127.0.0.1:5572] [--data-dir DIR] [--db postgres://...]
//!                  [--rclone-config FILE] [--rclone-password-command CMD] [--rate-limit N]
//!                  [--tls-cert PEM --tls-key PEM] [--insecure-listen-without-tls]
//!     rproxy user add NAME [--role admin|operator|viewer] [--remotes a,b]
//!     rproxy user list
//!     rproxy user remove NAME
//!     rproxy token create USER [--label TEXT] [--expires-in 30d|12h|90m|45s]
//!     rproxy token list [USER]
//!     rproxy token revoke ID
//!     rproxy secret set KEY | remove KEY | list      (notification secrets; the value on stdin)
//!     rproxy notify test webhook|telegram|email

use std::{path::PathBuf, sync::Arc};

use rcmd_core::{
    engine::{Engine, EngineConfig, SecretsAt},
    sidecar::{BinaryLauncher, SidecarConfig},
};
use rproxy::{
    auth::Users,
    config::{self, Config},
    policy::Role,
    router, tls, AppState,
};

const USAGE: &str = "usage:
  rproxy serve [--config rproxy.toml] [--listen 127.0.0.1:5572] [--data-dir DIR] [--db postgres://...]
               [--rclone-config FILE]
               [--rclone-password-command CMD] [--rate-limit N] [--tls-cert PEM --tls-key PEM]
               [--insecure-listen-without-tls]
  rproxy user add NAME [--role admin|operator|viewer] [--remotes a,b]
  rproxy user list
  rproxy user remove NAME
  rproxy token create USER [--label TEXT] [--expires-in 30d|12h|90m|45s]
  rproxy token list [USER]
  rproxy token revoke ID
  rproxy secret set KEY        (the value is read from stdin; keys: webhook.url, webhook.header,
                                telegram.token, email.password)
  rproxy secret remove KEY | rproxy secret list
  rproxy notify test webhook|telegram|email   (a test message with [notifications] of rproxy.toml)
Every serve setting may be in rproxy.toml (--config, $RPROXY_CONFIG, or rproxy.toml in the data folder);
flags win. The data folder is --data-dir, else data_dir in the file, else $RPROXY_DATA_DIR, else
~/.local/share/rproxy.";

fn main() {
    let _log = rcmd_core::logging::init("info", None);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => fail(&format!("cannot start: {e}")),
    };
    if let Err(e) = rt.block_on(run(&args)) {
        fail(&e);
    }
}

fn fail(msg: &str) -> ! {
    tracing::error!("{msg}");
    eprintln!("rproxy: {msg}");
    std::process::exit(1)
}

/// The value after `--name`.
fn opt<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// The data folder and the settings: `--data-dir`, else the config file's `data_dir`, else
/// `$RPROXY_DATA_DIR`, else `~/.local/share/rproxy`.
fn settings(args: &[String]) -> Result<(PathBuf, Config), String> {
    let env_dir = std::env::var_os("RPROXY_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default()
                .join(".local/share/rproxy")
        });
    let flag_dir = opt(args, "--data-dir").map(PathBuf::from);
    let file = config::config_file(args, flag_dir.as_deref().unwrap_or(&env_dir));
    let from_file = match &file {
        Some(f) => Config::read(f).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    let cfg = from_file.with_flags(args).map_err(|e| e.to_string())?;
    let dir = cfg.data_dir.clone().unwrap_or(env_dir);
    Ok((dir, cfg))
}

/// Prints a command's result on stdout (its output, for scripts).
#[allow(clippy::print_stdout)]
fn say(s: &str) {
    println!("{s}");
}

/// The positional argument `i` (a name or an id): never a flag, so `rproxy user add --help`
/// cannot create a user named `--help`.
fn positional(args: &[String], i: usize) -> Result<&str, String> {
    match args.get(i).map(String::as_str) {
        Some(a) if !a.starts_with('-') => Ok(a),
        Some(flag) => Err(format!("expected a name, not the flag {flag:?}\n{USAGE}")),
        None => Err(USAGE.to_owned()),
    }
}

async fn run(args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--help" || a == "-h") || args.first().is_some_and(|a| a == "help") {
        // before anything is opened or created
        say(USAGE);
        return Ok(());
    }
    let (dir, cfg) = settings(args)?;
    let db = cfg
        .db
        .clone()
        .unwrap_or_else(|| dir.join("rproxy.db").display().to_string());
    let users = Users::connect(&db)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    match (args.first().map(String::as_str), args.get(1).map(String::as_str)) {
        (Some("user"), Some("add")) => {
            let name = positional(args, 2)?;
            let role: Role = opt(args, "--role").unwrap_or("operator").parse()?;
            let remotes: Vec<String> = opt(args, "--remotes")
                .map(|r| r.split(',').map(str::to_owned).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default();
            let (user, token) = users.add(name, role, &remotes).await.map_err(|e| e.to_string())?;
            say(&format!(
                "user {} ({}) added; its token, shown only now:\n{}",
                user.name,
                user.role.as_str(),
                token.expose()
            ));
            Ok(())
        }
        (Some("user"), Some("list")) => {
            for u in users.list().await.map_err(|e| e.to_string())? {
                let remotes = if u.remotes.is_empty() {
                    "all remotes".to_owned()
                } else {
                    u.remotes.join(",")
                };
                say(&format!("{}\t{}\t{remotes}", u.name, u.role.as_str()));
            }
            Ok(())
        }
        (Some("user"), Some("remove")) => {
            let name = positional(args, 2)?;
            if users.remove(name).await.map_err(|e| e.to_string())? {
                say(&format!("user {name} removed"));
                Ok(())
            } else {
                Err(format!("no user {name}"))
            }
        }
        (Some("token"), Some("create")) => {
            let name = positional(args, 2)?;
            let valid_for = opt(args, "--expires-in")
                .map(rproxy::error::parse_lifetime)
                .transpose()?;
            let (id, token) = users
                .create_token(name, opt(args, "--label").unwrap_or(""), valid_for)
                .await
                .map_err(|e| e.to_string())?;
            say(&format!(
                "token {id} for {name} created; shown only now:\n{}",
                token.expose()
            ));
            Ok(())
        }
        (Some("token"), Some("list")) => {
            let user = if args.len() > 2 {
                Some(positional(args, 2)?)
            } else {
                None
            };
            for t in users.tokens(user).await.map_err(|e| e.to_string())? {
                let expired = t.expires_at.is_some_and(|at| at <= rcmd_core::batch::store::now_ms());
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else if expired {
                    "expired"
                } else {
                    "live"
                };
                say(&format!("{}\t{}\t{state}\t{}", t.id, t.user, t.label));
            }
            Ok(())
        }
        (Some("token"), Some("revoke")) => {
            let id: i64 = args
                .get(2)
                .and_then(|i| i.parse().ok())
                .ok_or("rproxy token revoke ID: the token's number, as `rproxy token list` shows it")?;
            if users.revoke_token(id).await.map_err(|e| e.to_string())? {
                say(&format!("token {id} revoked"));
                Ok(())
            } else {
                Err(format!("no live token {id}"))
            }
        }
        (Some("secret"), Some(verb @ ("set" | "remove"))) => {
            let key = args
                .get(2)
                .map(String::as_str)
                .filter(|k| rproxy::notify::SECRET_KEYS.contains(k));
            let key = key.ok_or_else(|| {
                format!(
                    "rproxy secret {verb} KEY: one of {}",
                    rproxy::notify::SECRET_KEYS.join(", ")
                )
            })?;
            let value = if verb == "set" {
                // from stdin, never the command line (where `ps` shows it)
                let mut line = String::new();
                std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut line)
                    .map_err(|e| format!("cannot read the value from stdin: {e}"))?;
                let v = line.trim().to_owned();
                if v.is_empty() {
                    return Err("no value on stdin".into());
                }
                Some(rcmd_core::secret::Secret::new(v))
            } else {
                None
            };
            rproxy::notify::secrets(&dir)
                .set(key, value.as_ref())
                .map_err(|e| e.to_string())?;
            say(&format!(
                "secret {key} {}",
                if verb == "set" { "saved" } else { "removed" }
            ));
            Ok(())
        }
        (Some("secret"), Some("list")) => {
            let store = rproxy::notify::secrets(&dir);
            for key in rproxy::notify::SECRET_KEYS {
                say(&format!("{key}	{}", if store.get(key).is_some() { "set" } else { "-" }));
            }
            Ok(())
        }
        (Some("notify"), Some("test")) => {
            let name = args.get(2).ok_or(USAGE)?;
            let settings = cfg.notifications.clone().ok_or("no [notifications] in rproxy.toml")?;
            let channel = settings.channel(name, &rproxy::notify::secrets(&dir)).ok_or_else(|| {
                format!("channel {name:?} is not set up: see [notifications] in rproxy.toml and `rproxy secret list`")
            })?;
            rcmd_core::notify::send_test(channel.as_ref(), settings.lang)
                .await
                .map_err(|e| e.to_string())?;
            say(&format!("test message sent through {name}"));
            Ok(())
        }
        (Some("serve"), _) => serve(cfg, dir, users).await,
        _ => Err(USAGE.to_owned()),
    }
}

async fn serve(cfg: Config, dir: PathBuf, users: Users) -> Result<(), String> {
    cfg.check().map_err(|e| e.to_string())?;
    let listen = cfg.listen().map_err(|e| e.to_string())?;
    let tls = match (&cfg.tls_cert, &cfg.tls_key) {
        (Some(cert), Some(key)) => Some(tls::acceptor(cert, key)?),
        _ => None,
    };
    if let rproxy::db::Pool::Pg(_) = users.pool() {
        // several instances share a PostgreSQL database: say who else is there
        let live = rproxy::db::instances::Registry(users.pool().clone())
            .live()
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(others = live.len(), instances = %live.join(", "), "instances already on this database");
    }
    if users.count().await.map_err(|e| e.to_string())? == 0 {
        match users.add("admin", Role::Admin, &[]).await {
            Ok((_, token)) => say(&format!(
                "first start: created user admin; its token, shown only now:\n{}",
                token.expose()
            )),
            // several instances started at once on an empty database: one made it
            Err(rproxy::auth::AuthError::Exists(_)) => {
                tracing::info!("the first admin was created by another instance")
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    let rclone = match &cfg.rclone {
        Some(p) => BinaryLauncher { path: p.clone() },
        None => BinaryLauncher::beside_exe().ok_or(
            "the rclone binary (rcmd-rclone) was not found next to rproxy; set rclone in rproxy.toml or RCMD_RCLONE",
        )?,
    };
    // the password command, and $RCMD_RCLONE_FLAGS (e.g. `--bwlimit 10M`; never `--rc*`)
    let mut extra_args = cfg.rclone_args();
    extra_args.extend(rcmd_core::app_dirs::extra_rclone_flags()?);
    let sidecar = SidecarConfig {
        rclone_config: cfg.rclone_config.clone(),
        extra_args,
        ..SidecarConfig::default()
    };
    let mut engine_cfg = EngineConfig::new(dir.join("engine"), sidecar);
    // one secrets file for the server (`rproxy secret`), no keyring
    engine_cfg.secrets = SecretsAt::File(rproxy::notify::secrets_file(&dir));
    let engine = Engine::start(rclone, engine_cfg).await.map_err(|e| e.to_string())?;
    let mut state = AppState::new(users, &engine).await.map_err(|e| e.to_string())?;
    if let Some(rate) = cfg.rate_limit {
        state.limit = rproxy::limit::RateLimit::new(rate, rate * 2.0);
    }
    // the server's own notifications (rproxy.toml [notifications], secrets via `rproxy secret`)
    let notifier = cfg.notifications.as_ref().map(|n| {
        // the engine's store is the server's secrets file (`rproxy secret`)
        let secrets = &engine.secrets;
        for (name, on) in [
            ("webhook", n.webhook.toggle.enabled),
            ("telegram", n.telegram.toggle.enabled),
            ("email", n.email.toggle.enabled),
        ] {
            if on && n.channel(name, secrets).is_none() {
                tracing::warn!(
                    channel = name,
                    "notification channel enabled but not set up (a secret missing? see `rproxy secret list`)"
                );
            }
        }
        rproxy::notify::start(n, secrets, &engine.bus, state.users.pool().clone())
    });
    let state = Arc::new(state);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    tracing::info!(%listen, "rproxy listening");
    // SIGTERM or Ctrl-C: stop accepting; event streams end (clients resume elsewhere with
    // Last-Event-ID); requests in flight and the queue's running copies get DRAIN to finish,
    // then unfinished copies are paused and done again at the next start; then rclone stops
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let signal = rcmd_core::stop_signal::wait().await;
        tracing::info!(
            signal,
            "stopping: draining requests and running copies (up to {} s)",
            DRAIN.as_secs()
        );
        let _ = stop_tx.send(true);
    });
    let draining = {
        let (state, mut rx) = (state.clone(), stop_rx.clone());
        tokio::spawn(async move {
            let _ = rx.wait_for(|s| *s).await;
            state.events.close();
            state.queue.drain(DRAIN).await;
        })
    };
    let shutdown = {
        let mut rx = stop_rx;
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let limits = rproxy::serve::Limits {
        drain: DRAIN,
        ..Default::default()
    };
    rproxy::serve::serve(listener, tls, router(state.clone()), limits, shutdown).await;
    let _ = draining.await;
    if let Some(n) = notifier {
        n.stop();
    }
    engine.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// How long requests in flight and running copies may take to finish after SIGTERM.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(30);
