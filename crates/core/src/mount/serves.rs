//! The serves of [`Mounts`]: set up (with a generated password), started, supervised and
//! stopped like mounts.

use std::sync::{Arc, Mutex};

use rcmd_types::{MountState, ServeCreated, ServeSpec, ServeView};

use super::{
    serve_event, serve_key,
    serve_unit::ServeUnit,
    store,
    store::Table,
    validate::{resolve_addr, validate_serve},
    MountError, Mounts,
};
use crate::secret::Secret;

impl Mounts {
    pub async fn serves(&self) -> Result<Vec<ServeView>, MountError> {
        let specs: Vec<ServeSpec> = store::list(&self.store, Table::Serves).await?;
        Ok(specs
            .into_iter()
            .map(|spec| ServeView {
                status: self.status(&spec.name),
                spec,
            })
            .collect())
    }

    pub(super) async fn serve_spec(&self, name: &str) -> Result<ServeSpec, MountError> {
        let specs: Vec<ServeSpec> = store::list(&self.store, Table::Serves).await?;
        specs
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| MountError::Unknown(name.to_owned()))
    }

    /// Sets up a serve. With `auth` a user and password are generated (the password is
    /// returned once and kept in the secret store); without, only a loopback address is
    /// allowed. An address without a port (or port 0) gets a free port, kept from then on.
    pub async fn serve_add(&self, mut spec: ServeSpec, auth: bool) -> Result<ServeCreated, MountError> {
        spec.addr = resolve_addr(&spec.addr)?;
        validate_serve(&spec, auth)?;
        let _op = self.ops.lock().await;
        if self.get(&spec.name).await.is_ok() || self.serve_spec(&spec.name).await.is_ok() {
            return Err(MountError::Exists(spec.name));
        }
        let password = if auth {
            spec.user = "rcmd".into();
            let p = Secret::random();
            self.secrets
                .set(&serve_key(&spec.name), Some(&p))
                .map_err(|e| MountError::Secret(e.to_string()))?;
            Some(p.expose().to_owned())
        } else {
            spec.user = String::new();
            None
        };
        store::put(&self.store, Table::Serves, &spec.name, &spec).await?;
        Ok(ServeCreated { spec, password })
    }

    pub async fn serve_remove(&self, name: &str) -> Result<(), MountError> {
        let _op = self.ops.lock().await;
        if self.is_running(name) {
            return Err(MountError::Running { name: name.to_owned() });
        }
        if !store::remove(&self.store, Table::Serves, name).await? {
            return Err(MountError::Unknown(name.to_owned()));
        }
        let _ = self.secrets.set(&serve_key(name), None);
        self.lock().idle.remove(name);
        Ok(())
    }

    pub(super) fn serve_unit(&self, spec: ServeSpec) -> ServeUnit {
        let password = if spec.user.is_empty() {
            None
        } else {
            self.secrets.get(&serve_key(&spec.name))
        };
        ServeUnit {
            spec,
            password,
            rc: self.rc.clone(),
            cfg: self.cfg,
            id: Mutex::new(None),
        }
    }

    /// Starts serve `name` and supervises it.
    pub async fn serve_up(&self, name: &str) -> Result<(), MountError> {
        let spec = self.serve_spec(name).await?;
        let _op = self.ops.lock().await;
        if self.is_running(name) {
            return Ok(());
        }
        let unit = Arc::new(self.serve_unit(spec));
        if !unit.spec.user.is_empty() && unit.password.is_none() {
            return Err(MountError::Secret(format!(
                "the password of serve {name} is missing from the keyring; remove the serve and add it again"
            )));
        }
        let claim = self.claim(name)?;
        let running = self
            .first_start(name, unit, serve_event, claim)
            .await
            .map_err(|e| MountError::Failed {
                name: name.to_owned(),
                message: e.message().to_owned(),
            })?;
        self.lock().serves.insert(name.to_owned(), running);
        Ok(())
    }

    pub async fn serve_down(&self, name: &str) -> Result<(), MountError> {
        let running = self.lock().serves.remove(name);
        let Some(r) = running else {
            return Ok(());
        };
        r.supervision.stop().await;
        let publisher = self.publisher(name, serve_event);
        let _ = r.unit.stop().await;
        publisher.set(MountState::Stopped, None, Some(0));
        self.keep_idle(&publisher);
        Ok(())
    }
}
