//! The registry's storage on PostgreSQL + PostGIS, implementing the same
//! traits as the SQLite store, for a registry too large for one machine's
//! file or served by several `zoning serve` processes (docs/deploy.md).
//!
//! - Same history: append-only (triggers refuse `UPDATE`, `DELETE` and
//!   `TRUNCATE` of versions and of the audit log), same as-of reads, same
//!   text forms of times, properties and geometries, so that both stores
//!   read back exactly what was written ([`crate::copy`] moves a registry
//!   between them).
//! - Optimistic concurrency across processes: a zone's version is checked
//!   and appended in one transaction holding a lock on its code
//!   (`pg_advisory_xact_lock`), so two servers replacing the same version
//!   at once give one success and one [`StoreError::Conflict`].
//! - Times are the database's clock (`zoning_now()`), one clock for every
//!   server.
//! - Durability is PostgreSQL's: a write returns after its commit.
//! - Connections come from an r2d2 pool, checked before use; when the
//!   database cannot be reached a call fails with
//!   [`StoreError::Unavailable`] within [`CONNECT_TIMEOUT`] (the server
//!   answers 503 with `Retry-After`) and the pool reconnects by itself.
//! - Every zone version is announced (`NOTIFY zoning_zones, 'CODE'`, sent
//!   at commit); `ZoneStore::watch` of the store listens on a connection of
//!   its own.

mod markers;
mod migrations;
mod users;
mod zones;

use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Config, NoTls, Row};
use r2d2::PooledConnection;
use r2d2_postgres::PostgresConnectionManager;
use zoning_core::store::{Change, MarkerVersion, Status, StoreError, ZoneVersion};

use crate::error::Error;
use crate::ZoneRow;

pub use migrations::LATEST as PG_SCHEMA_VERSION;

type Manager = PostgresConnectionManager<NoTls>;

/// How long a call waits for a connection before it gives up with
/// [`StoreError::Unavailable`].
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The PostgreSQL store.
///
/// Its calls block (make them on a blocking thread, `web::block`); they
/// may be made anywhere, even on a thread that drives async tasks, and so
/// may it be dropped (such a call gets a scoped thread of its own).
pub struct PgStore {
    /// Always `Some` but while dropping.
    pool: Option<r2d2::Pool<Manager>>,
    config: Config,
    place: String,
    found_schema: i64,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("place", &self.place)
            .finish_non_exhaustive()
    }
}

/// Whether a `--db` value names a PostgreSQL database (`postgres://…` or
/// `postgresql://…`) rather than a SQLite file.
#[must_use]
pub fn is_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// A `--db` URL as it may be printed: `postgres://USER@HOST:PORT/DBNAME`,
/// never its password (nor anything else of a URL that cannot be read).
#[must_use]
pub fn describe_url(url: &str) -> String {
    url.parse::<Config>().map_or_else(
        |_| "a PostgreSQL database (its URL cannot be read)".to_owned(),
        |c| describe(&c),
    )
}

/// The database a connection string names, without its password:
/// `postgres://USER@HOST:PORT/DBNAME`, for messages and logs.
#[must_use]
pub fn describe(config: &Config) -> String {
    let host = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            postgres::config::Host::Tcp(h) => h.clone(),
            postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(",");
    let port = config
        .get_ports()
        .first()
        .map_or(String::new(), |p| format!(":{p}"));
    format!(
        "postgres://{}@{host}{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

/// What a PostgreSQL error means to the registry: the database unreachable
/// (a connection refused, reset or closed; the server shutting down or
/// starting) is [`StoreError::Unavailable`]; anything else is
/// [`StoreError::Backend`] with the server's message.
pub(crate) fn pg_error(e: &postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        let down = code.code().starts_with("08")
            || [
                SqlState::ADMIN_SHUTDOWN,
                SqlState::CRASH_SHUTDOWN,
                SqlState::CANNOT_CONNECT_NOW,
            ]
            .contains(code);
        let text = format!("{}: {}", db.severity(), db.message());
        return if down {
            StoreError::Unavailable(text)
        } else {
            StoreError::Backend(text)
        };
    }
    let io =
        std::error::Error::source(e).is_some_and(<dyn std::error::Error>::is::<std::io::Error>);
    // "error connecting to server" says less than its cause ("Connection
    // refused")
    let text = match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    };
    if e.is_closed() || io || text.contains("connect") {
        StoreError::Unavailable(text)
    } else {
        StoreError::Backend(text)
    }
}

/// Runs a store call where the synchronous client may block: on this thread,
/// unless it belongs to a tokio runtime (an async task, or a blocking
/// thread of one), then on a scoped thread of its own — the client starts
/// its own runtime, which tokio refuses inside another (with a panic).
pub(crate) fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(t) => t,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

#[allow(clippy::needless_pass_by_value)] // for `map_err(pg)`
pub(crate) fn pg(e: postgres::Error) -> StoreError {
    pg_error(&e)
}

impl PgStore {
    /// Connects to the database `url` names (`postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME`)
    /// and brings its schema up to date (creating the `postgis` extension
    /// on a new one).
    ///
    /// # Errors
    /// When the URL cannot be read, the database cannot be reached, was made
    /// by a newer zoning, or a migration fails (the database is then
    /// unchanged).
    pub fn open(url: &str) -> Result<Self, Error> {
        off_runtime(|| Self::connect(url))
    }

    fn connect(url: &str) -> Result<Self, Error> {
        let config: Config = url.parse().map_err(|e| Error::Open {
            path: "the --db URL".into(),
            reason: format!(
                "{e}; give postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (docs/deploy.md)"
            ),
        })?;
        let place = describe(&config);
        let mut config = config;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("zoning");
        let pool = r2d2::Pool::builder()
            .max_size(16)
            .min_idle(Some(1))
            .connection_timeout(CONNECT_TIMEOUT)
            .build(PostgresConnectionManager::new(config.clone(), NoTls))
            .map_err(|e| Error::Open {
                path: place.clone(),
                // the pool says only that it timed out: one connection of
                // our own says why (refused, no such database, password)
                reason: config
                    .connect(NoTls)
                    .err()
                    .map_or_else(|| e.to_string(), |e| pg_error(&e).to_string()),
            })?;
        let mut client = pool.get().map_err(|e| Error::Open {
            path: place.clone(),
            reason: e.to_string(),
        })?;
        let found_schema = migrations::run(&mut client, &place)?;
        drop(client);
        Ok(Self {
            pool: Some(pool),
            config,
            place,
            found_schema,
        })
    }

    /// Whether the registry was new (no zoning schema) when opened.
    #[must_use]
    pub fn was_new(&self) -> bool {
        self.found_schema == 0
    }

    /// `postgres://USER@HOST:PORT/DBNAME`, without the password.
    #[must_use]
    pub fn place(&self) -> &str {
        &self.place
    }

    /// A connection from the pool, or [`StoreError::Unavailable`] when none
    /// can be had within [`CONNECT_TIMEOUT`].
    pub(crate) fn client(&self) -> Result<PooledConnection<Manager>, StoreError> {
        self.pool
            .as_ref()
            .ok_or_else(|| StoreError::Backend("the store is being dropped".into()))?
            .get()
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", self.place)))
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // closing a connection blocks on the client's own runtime, which may
        // not happen on a thread that drives async tasks: close them on one
        // of their own
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

/// The columns of a zone row but its findings, in the order `zone_row` reads.
macro_rules! pg_zone_columns {
    () => {
        "v.id, v.code, v.version, v.status, v.properties::text, v.geometry, v.recorded_at, v.author, v.reason, v.decision"
    };
}

const ZONE_COLUMNS: &str = concat!(pg_zone_columns!(), ", v.findings::text");

/// [`ZONE_COLUMNS`] with `null` for the findings.
const ZONE_COLUMNS_NO_FINDINGS: &str = concat!(pg_zone_columns!(), ", 'null'::text");

fn zone_row(row: &Row) -> ZoneRow {
    let status: String = row.get(3);
    ZoneRow {
        version: ZoneVersion {
            id: row.get(0),
            code: row.get(1),
            version: row.get(2),
            status: match status.as_str() {
                "approved" => Status::Approved,
                "retired" => Status::Retired,
                _ => Status::Draft,
            },
            properties: serde_json::Map::new(),
            grid: geo_types::MultiPolygon::new(vec![]),
            recorded_at: row.get(6),
            change: Change {
                author: row.get(7),
                reason: row.get(8),
                decision: row.get(9),
            },
            findings: serde_json::Value::Null,
        },
        properties: row.get(4),
        geometry: row.get(5),
        findings: row.get(10),
    }
}

const MARKER_COLUMNS: &str = "id, key, number, zone, x, y, h, survey_date, distance_m, check_status, batch, recorded_at, author, retired";

fn marker_row(row: &Row) -> MarkerVersion {
    MarkerVersion {
        id: row.get(0),
        key: row.get(1),
        number: row.get(2),
        zone: row.get(3),
        grid: geo_types::Point::new(row.get(4), row.get(5)),
        h: row.get(6),
        survey_date: row.get(7),
        distance_m: row.get(8),
        check_status: row.get(9),
        batch: row.get(10),
        recorded_at: row.get(11),
        author: row.get(12),
        retired: row.get(13),
    }
}

/// A new, empty database of a test cluster, dropped (with its connections)
/// when this is dropped, so that a test run's databases do not pile up on
/// the test machine's disk (each one with PostGIS takes about 16 MB).
#[doc(hidden)]
#[derive(Debug)]
pub struct TestDatabase {
    base: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// The database's URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (base, name) = (&self.base, &self.name);
        let dropped = off_runtime(|| {
            postgres::Client::connect(&format!("{base}/postgres"), NoTls)?
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        });
        if let Err(e) = dropped {
            tracing::warn!("test database {name} left behind: {}", pg_error(&e));
        }
    }
}

/// Creates a new, empty database `PREFIX_PID_N` in the cluster `base`
/// (`postgres://USER@HOST:PORT`, a role that may create databases): one
/// database per test, dropped when the returned guard is.
///
/// # Errors
/// When the cluster cannot be reached or refuses.
#[doc(hidden)]
pub fn create_test_database(base: &str, prefix: &str) -> Result<TestDatabase, Error> {
    off_runtime(|| {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "{prefix}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let fail = |e: postgres::Error| Error::Open {
            path: base.to_owned(),
            reason: pg_error(&e).to_string(),
        };
        let mut admin =
            postgres::Client::connect(&format!("{base}/postgres"), NoTls).map_err(fail)?;
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .map_err(fail)?;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(fail)?;
        Ok(TestDatabase {
            base: base.to_owned(),
            url: format!("{base}/{name}"),
            name,
        })
    })
}
