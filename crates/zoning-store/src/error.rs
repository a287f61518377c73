//! Errors of opening a store.

/// Opening or upgrading a database failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file cannot be opened as a database.
    #[error("{path}: cannot open the database: {reason}")]
    Open {
        /// The file.
        path: String,
        /// What SQLite said.
        reason: String,
    },
    /// The database's schema is newer than this program.
    #[error("{path}: the database has schema version {found}, newer than this zoning ({supported}); use a newer zoning")]
    TooNew {
        /// The file.
        path: String,
        /// Its schema version.
        found: i64,
        /// The newest this program knows.
        supported: i64,
    },
    /// A migration failed; the database is unchanged.
    #[error("{path}: upgrading the database to schema version {to} failed ({reason}); it was left as it was")]
    Migration {
        /// The file.
        path: String,
        /// The version being reached.
        to: i64,
        /// What SQLite said.
        reason: String,
    },
}
