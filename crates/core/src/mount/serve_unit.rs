//! One serve as the supervision loop drives it: `serve/start` with the stored credentials,
//! checked against rclone's `serve/list` and a connection to its address.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use rcmd_types::ServeSpec;
use serde_json::{json, Value};

use super::{
    mount_unit::{rc_call, remote_of},
    unit::{Health, StartError, Unit},
    MountsConfig,
};
use crate::{resilience::layer::Resilient, secret::Secret, Error};

pub struct ServeUnit {
    pub spec: ServeSpec,
    pub password: Option<Secret>,
    pub rc: Arc<Resilient>,
    pub cfg: MountsConfig,
    /// rclone's id of the running serve.
    pub id: Mutex<Option<String>>,
}

impl ServeUnit {
    fn params(&self) -> Value {
        let mut p = json!({ "type": self.spec.protocol.as_str(), "fs": self.spec.fs, "addr": self.spec.addr });
        if let Some(pass) = &self.password {
            p["user"] = json!(self.spec.user);
            p["pass"] = json!(pass.expose());
        }
        if self.spec.read_only {
            p["read_only"] = json!(true);
        }
        p
    }

    pub fn current_id(&self) -> Option<String> {
        self.id.lock().ok().and_then(|i| i.clone())
    }

    /// Stops the serve in rclone (best effort: a restarted rclone no longer has it).
    pub async fn stop(&self) -> Result<(), Error> {
        let Some(id) = self.id.lock().ok().and_then(|mut i| i.take()) else {
            return Ok(());
        };
        rc_call(&self.rc, &[], "serve/stop", json!({ "id": id }), self.cfg.call_timeout).await?;
        Ok(())
    }

    /// Whether rclone still runs our serve (`None`: rclone did not answer). The list is read
    /// for ids only: it also holds every serve's parameters, passwords included.
    async fn listed(&self, id: &str) -> Option<bool> {
        let list = rc_call(&self.rc, &[], "serve/list", json!({}), self.cfg.call_timeout)
            .await
            .ok()?;
        Some(
            list["list"]
                .as_array()
                .is_some_and(|a| a.iter().any(|s| s["id"].as_str() == Some(id))),
        )
    }
}

impl Unit for ServeUnit {
    async fn start(&self) -> Result<(), StartError> {
        let remote = remote_of(&self.spec.fs);
        let remotes: Vec<_> = remote.iter().map(|r| &r.remote).collect();
        let r = rc_call(&self.rc, &remotes, "serve/start", self.params(), self.cfg.mount_timeout).await;
        match r {
            Ok(v) => {
                if let Ok(mut id) = self.id.lock() {
                    *id = v["id"].as_str().map(str::to_owned);
                }
                Ok(())
            }
            Err(e) => {
                let msg = format!("cannot serve: {}", super::mount_unit::rclone_message(&e));
                if msg.contains("address already in use") || msg.contains("unknown") {
                    Err(StartError::Permanent(msg))
                } else {
                    Err(StartError::Transient(msg))
                }
            }
        }
    }

    async fn check(&self) -> Health {
        let Some(id) = self.current_id() else {
            return Health::Dead("not running".into());
        };
        if self.listed(&id).await == Some(false) {
            return Health::Dead("rclone no longer runs the serve (it was restarted)".into());
        }
        if let Ok(addr) = self.spec.addr.parse::<SocketAddr>() {
            if self.spec.protocol != rcmd_types::ServeProtocol::Dlna {
                let ok = tokio::time::timeout(Duration::from_secs(3), tokio::net::TcpStream::connect(addr)).await;
                if !matches!(ok, Ok(Ok(_))) {
                    return Health::Dead(format!("nothing answers on {addr}"));
                }
            }
        }
        Health::Alive {
            degraded: None,
            pending: 0,
            cache_bytes: 0,
        }
    }

    async fn clear(&self) {
        let _ = self.stop().await;
    }
}
