//! rproxy's store for several instances: the PostgreSQL schema (`migrations-pg/`, kept in
//! step with the SQLite one in `migrations/`) and the parts already written for both dialects.
//! Scale-out is being built in slices: claiming queued calls under leases (`claims`) and the
//! event log whose ids mean the same on every instance (`events`) first.

pub mod claims;
pub mod events;
pub mod instances;
pub mod stops;

/// Brings a PostgreSQL database to the current schema.
pub async fn migrate_pg(pool: &sqlx::PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("./migrations-pg").run(pool).await
}
