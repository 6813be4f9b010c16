//! Compare and sync on the active server (`rproxy/batch/compare|sync`): compared and run
//! there, as server batches; this computer only shows the rows.

use super::{batches::on_server, BatchCallError, Connections};
use crate::{
    compare::{CompareRequest, Comparison},
    rproxy_client::batches as remote,
    types::{DeleteGuard, SyncStarted},
};

impl Connections {
    /// Whether compare and sync go to a server.
    pub fn on_a_server(&self) -> bool {
        self.server_rc().is_some()
    }

    /// `req` compared on the active server.
    pub async fn server_compare(&self, req: &CompareRequest) -> Result<Comparison, BatchCallError> {
        let rc = self.server_rc().ok_or(BatchCallError::NoServer)?;
        let wire = on_server(&rc, |c| async move { remote::compare(&c, req).await }).await?;
        Comparison::from_wire(wire).map_err(|e| BatchCallError::Server(e.into()))
    }

    /// `c` synchronised on the active server (a preview with `dry_run`).
    pub async fn server_sync(
        &self,
        c: &Comparison,
        guard: DeleteGuard,
        backup_on: bool,
        dry_run: bool,
    ) -> Result<SyncStarted, BatchCallError> {
        let rc = self.server_rc().ok_or(BatchCallError::NoServer)?;
        on_server(&rc, |rcc| async move {
            remote::sync(&rcc, c, guard, backup_on, dry_run).await
        })
        .await
    }
}

impl Connections {
    /// What a run (`mode: None`) or a resync of pair `spec` would do on the active server.
    pub async fn server_bisync_preview(
        &self,
        spec: &crate::types::PairSpec,
        mode: Option<crate::types::ResyncMode>,
    ) -> Result<crate::types::BisyncPreview, BatchCallError> {
        let rc = self.server_rc().ok_or(BatchCallError::NoServer)?;
        on_server(&rc, |c| async move { remote::bisync(&c, spec, "preview", mode).await }).await
    }

    /// Starts a run (`resync: None`) or a resync of pair `spec` as a server batch.
    pub async fn server_bisync_start(
        &self,
        spec: &crate::types::PairSpec,
        resync: Option<crate::types::ResyncMode>,
    ) -> Result<crate::types::BatchInfo, BatchCallError> {
        let rc = self.server_rc().ok_or(BatchCallError::NoServer)?;
        let action = if resync.is_some() { "resync" } else { "run" };
        on_server(&rc, |c| async move { remote::bisync(&c, spec, action, resync).await }).await
    }
}
