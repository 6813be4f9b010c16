//! `rproxy`: serve, and manage users, tokens and notification secrets (`rproxy --help`; the
//! command line is in `cli.rs`).

mod cli;

use std::{path::PathBuf, sync::Arc};

use cli::{Cli, Command};
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

fn main() {
    // before anything is opened or created: `--help` and usage errors end here
    let cli = <cli::Cli as clap::Parser>::parse();
    let _log = rcmd_core::logging::init("info", None);
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => fail(&format!("cannot start: {e}")),
    };
    if let Err(e) = rt.block_on(run(cli)) {
        fail(&e);
    }
}

fn fail(msg: &str) -> ! {
    tracing::error!("{msg}");
    eprintln!("rproxy: {msg}");
    std::process::exit(1)
}

/// The data folder and the settings: `--data-dir`, else the config file's `data_dir`, else
/// `$RPROXY_DATA_DIR`, else `~/.local/share/rproxy`.
fn settings(cli: &Cli) -> Result<(PathBuf, Config), String> {
    let env_dir = std::env::var_os("RPROXY_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default()
                .join(".local/share/rproxy")
        });
    let file = config::config_file(cli.config.as_deref(), cli.data_dir.as_deref().unwrap_or(&env_dir));
    let from_file = match &file {
        Some(f) => Config::read(f).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    let serve = match &cli.command {
        Command::Serve(s) => Some(s),
        _ => None,
    };
    let flags = config::Flags {
        data_dir: cli.data_dir.clone(),
        db: cli.db.clone(),
        listen: serve.and_then(|s| s.listen.clone()),
        rclone_config: serve.and_then(|s| s.rclone_config.clone()),
        rclone_password_command: serve.and_then(|s| s.rclone_password_command.clone()),
        rate_limit: serve.and_then(|s| s.rate_limit),
        tls_cert: serve.and_then(|s| s.tls_cert.clone()),
        tls_key: serve.and_then(|s| s.tls_key.clone()),
        insecure_listen_without_tls: serve.is_some_and(|s| s.insecure_listen_without_tls),
    };
    let cfg = from_file.with_flags(&flags);
    let dir = cfg.data_dir.clone().unwrap_or(env_dir);
    Ok((dir, cfg))
}

/// Where the database is, for messages: a file's path; a PostgreSQL URL without its user
/// and password.
fn shown_db(db: &str) -> String {
    match db.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.rsplit('@').next().unwrap_or(rest)),
        None => db.to_owned(),
    }
}

/// Prints a command's result on stdout (its output, for scripts).
#[allow(clippy::print_stdout)]
fn say(s: &str) {
    println!("{s}");
}

async fn run(cli: Cli) -> Result<(), String> {
    let (dir, cfg) = settings(&cli)?;
    let db = cfg
        .db
        .clone()
        .unwrap_or_else(|| dir.join("rproxy.db").display().to_string());
    let users = Users::connect(&db)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    match cli.command {
        Command::User(cli::User::Add { name, role, remotes }) => {
            let role: Role = role.parse()?;
            let remotes: Vec<String> = remotes
                .map(|r| r.split(',').map(str::to_owned).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default();
            let (user, token) = users.add(&name, role, &remotes).await.map_err(|e| e.to_string())?;
            say(&format!(
                "user {} ({}) added; its token, shown only now:\n{}",
                user.name,
                user.role.as_str(),
                token.expose()
            ));
            Ok(())
        }
        Command::User(cli::User::List) => {
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
        Command::User(cli::User::Remove { name }) => {
            if users.remove(&name).await.map_err(|e| e.to_string())? {
                say(&format!("user {name} removed"));
                Ok(())
            } else {
                Err(format!("no user {name}"))
            }
        }
        Command::Token(cli::Token::Create {
            user: name,
            label,
            expires_in,
        }) => {
            let valid_for = expires_in.as_deref().map(rproxy::error::parse_lifetime).transpose()?;
            let (id, token) = users
                .create_token(&name, &label, valid_for)
                .await
                .map_err(|e| e.to_string())?;
            say(&format!(
                "token {id} for {name} created; shown only now:\n{}",
                token.expose()
            ));
            Ok(())
        }
        Command::Token(cli::Token::List { user }) => {
            let tokens = users.tokens(user.as_deref()).await.map_err(|e| e.to_string())?;
            if tokens.is_empty() {
                // nothing printed would look like "no tokens anywhere": say where it looked
                let whose = user.map(|u| format!(" of {u}")).unwrap_or_default();
                tracing::warn!(
                    "no tokens{whose} in {} (another data folder? --data-dir, --db)",
                    shown_db(&db)
                );
            }
            for t in tokens {
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
        Command::Token(cli::Token::Revoke { id }) => {
            if users.revoke_token(id).await.map_err(|e| e.to_string())? {
                say(&format!("token {id} revoked"));
                Ok(())
            } else {
                Err(format!("no live token {id}"))
            }
        }
        Command::Secret(cli::Secret::Set { key }) => secret(&dir, "set", &key),
        Command::Secret(cli::Secret::Remove { key }) => secret(&dir, "remove", &key),
        Command::Secret(cli::Secret::List) => {
            let store = rproxy::notify::secrets(&dir);
            for key in rproxy::notify::SECRET_KEYS {
                say(&format!("{key}	{}", if store.get(key).is_some() { "set" } else { "-" }));
            }
            Ok(())
        }
        Command::Notify(cli::Notify::Test { channel: name }) => {
            let settings = cfg.notifications.clone().ok_or("no [notifications] in rproxy.toml")?;
            let channel = settings.channel(&name, &rproxy::notify::secrets(&dir)).ok_or_else(|| {
                format!("channel {name:?} is not set up: see [notifications] in rproxy.toml and `rproxy secret list`")
            })?;
            rcmd_core::notify::send_test(channel.as_ref(), settings.lang)
                .await
                .map_err(|e| e.to_string())?;
            say(&format!("test message sent through {name}"));
            Ok(())
        }
        Command::Serve(_) => serve(cfg, dir, users).await,
    }
}

/// `rproxy secret set|remove KEY`: the value of `set` comes from stdin, never the command
/// line (where `ps` shows it).
fn secret(dir: &std::path::Path, verb: &str, key: &str) -> Result<(), String> {
    let key = Some(key).filter(|k| rproxy::notify::SECRET_KEYS.contains(k));
    let key = key.ok_or_else(|| {
        format!(
            "rproxy secret {verb} KEY: one of {}",
            rproxy::notify::SECRET_KEYS.join(", ")
        )
    })?;
    let value = if verb == "set" {
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
    rproxy::notify::secrets(dir)
        .set(key, value.as_ref())
        .map_err(|e| e.to_string())?;
    say(&format!(
        "secret {key} {}",
        if verb == "set" { "saved" } else { "removed" }
    ));
    Ok(())
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
        // rproxy/file reads files through rcd's `GET /[fs]/path`
        serve_files: true,
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
