//! Mounts and serves the user set up, in the batch database (`rcmd.db`), shared by the app
//! and `rcmd-cli`.

use serde::{de::DeserializeOwned, Serialize};
use sqlx::Row;

use crate::batch::{Store, StoreError};

/// One of the two tables: `mounts` or `serves`.
#[derive(Clone, Copy, Debug)]
pub enum Table {
    Mounts,
    Serves,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Mounts => "mounts",
            Table::Serves => "serves",
        }
    }
}

/// All specs in `table`, by name.
pub async fn list<T: DeserializeOwned>(store: &Store, table: Table) -> Result<Vec<T>, StoreError> {
    let rows = sqlx::query(&format!("SELECT spec FROM {} ORDER BY name", table.name()))
        .fetch_all(store.pool())
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| serde_json::from_str(r.get::<&str, _>("spec")).ok())
        .collect())
}

/// Adds or replaces the spec named `name`.
pub async fn put<T: Serialize>(store: &Store, table: Table, name: &str, spec: &T) -> Result<(), StoreError> {
    let json = serde_json::to_string(spec).unwrap_or_default();
    sqlx::query(&format!(
        "INSERT INTO {} (name, spec) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET spec = excluded.spec",
        table.name()
    ))
    .bind(name)
    .bind(json)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Removes `name`; `false` when there was none.
pub async fn remove(store: &Store, table: Table, name: &str) -> Result<bool, StoreError> {
    let r = sqlx::query(&format!("DELETE FROM {} WHERE name = ?", table.name()))
        .bind(name)
        .execute(store.pool())
        .await?;
    Ok(r.rows_affected() > 0)
}
