//! `zoning copy`: a registry moved between SQLite and PostgreSQL row for
//! row — every zone and marker version with its id (the `ETag`s stay
//! valid), number, time and author; marker batches; users with their
//! password hashes and token hashes (tokens keep working); the audit log —
//! into an empty registry, in one transaction.

use postgres::types::ToSql;
use rusqlite::types::Value;

use crate::pg::pg;
use crate::{Error, PgStore, Registry, SqliteStore};

/// How a column is kept, where the two databases differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Real,
    Text,
    /// Text in SQLite, `json` in PostgreSQL.
    Json,
    /// 0/1 in SQLite, `boolean` in PostgreSQL.
    Bool,
}

use Kind::{Bool, Int, Json, Real, Text};

/// The tables copied, in an order that satisfies their references, and
/// their columns (the same in both schemas).
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "zone_versions",
        &[
            ("id", Int),
            ("code", Text),
            ("version", Int),
            ("status", Text),
            ("properties", Json),
            ("geometry", Text),
            ("recorded_at", Text),
            ("author", Text),
            ("reason", Text),
            ("decision", Text),
            ("findings", Json),
        ],
    ),
    (
        "marker_batches",
        &[
            ("id", Int),
            ("recorded_at", Text),
            ("author", Text),
            ("source", Text),
        ],
    ),
    (
        "marker_versions",
        &[
            ("id", Int),
            ("key", Text),
            ("number", Text),
            ("zone", Text),
            ("x", Real),
            ("y", Real),
            ("h", Real),
            ("survey_date", Text),
            ("distance_m", Real),
            ("check_status", Text),
            ("batch", Int),
            ("recorded_at", Text),
            ("author", Text),
            ("retired", Bool),
        ],
    ),
    (
        "users",
        &[
            ("id", Int),
            ("name", Text),
            ("role", Text),
            ("created_at", Text),
            ("password_hash", Text),
            ("disabled_at", Text),
        ],
    ),
    (
        "tokens",
        &[
            ("id", Int),
            ("user_id", Int),
            ("token_sha256", Text),
            ("kind", Text),
            ("created_at", Text),
            ("expires_at", Text),
            ("revoked_at", Text),
        ],
    ),
    (
        "audit_log",
        &[
            ("id", Int),
            ("at", Text),
            ("actor", Text),
            ("action", Text),
            ("target", Text),
            ("outcome", Text),
            ("detail", Text),
            ("remote", Text),
        ],
    ),
];

/// One value, as both databases can take it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
}

type Rows = Vec<Vec<Cell>>;

/// What was copied: rows per table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Copied {
    /// `(table, rows)` in the order copied.
    pub tables: Vec<(String, usize)>,
}

fn failed(place: &str, e: impl std::fmt::Display) -> Error {
    Error::Open {
        path: place.to_owned(),
        reason: e.to_string(),
    }
}

/// Copies every row of `from` into `to`, which must hold nothing yet (no
/// zone, marker, user or audit entry); all or nothing.
///
/// # Errors
/// When `to` is not empty, or either database fails; `to` is then unchanged.
pub fn copy(from: &Registry, to: &Registry) -> Result<Copied, Error> {
    let mut tables = Vec::new();
    for (name, columns) in TABLES {
        let rows = match from {
            Registry::Sqlite(s) => read_sqlite(s, name, columns),
            Registry::Postgres(s) => read_pg(s, name, columns),
        }
        .map_err(|e| failed(&from.place(), format!("reading {name}: {e}")))?;
        tables.push((*name, *columns, rows));
    }
    match to {
        Registry::Sqlite(s) => write_sqlite(s, &tables),
        Registry::Postgres(s) => write_pg(s, &tables),
    }
    .map_err(|e| failed(&to.place(), e))?;
    Ok(Copied {
        tables: tables
            .iter()
            .map(|(n, _, rows)| ((*n).to_owned(), rows.len()))
            .collect(),
    })
}

fn select(name: &str, columns: &[(&str, Kind)], pg: bool) -> String {
    let cols: Vec<String> = columns
        .iter()
        .map(|(c, k)| {
            if pg && *k == Json {
                format!("{c}::text")
            } else {
                (*c).to_owned()
            }
        })
        .collect();
    format!("SELECT {} FROM {name} ORDER BY id", cols.join(", "))
}

fn read_sqlite(s: &SqliteStore, name: &str, columns: &[(&str, Kind)]) -> Result<Rows, String> {
    let conn = s.conn();
    let mut stmt = conn
        .prepare(&select(name, columns, false))
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([], |r| {
            (0..columns.len())
                .map(|i| {
                    Ok(match (r.get::<_, Value>(i)?, columns[i].1) {
                        (Value::Null | Value::Blob(_), _) => Cell::Null,
                        (Value::Integer(n), Bool) => Cell::Bool(n != 0),
                        (Value::Integer(n), Real) => Cell::Real(n as f64),
                        (Value::Integer(n), _) => Cell::Int(n),
                        (Value::Real(x), _) => Cell::Real(x),
                        (Value::Text(t), _) => Cell::Text(t),
                    })
                })
                .collect::<rusqlite::Result<Vec<Cell>>>()
        })
        .map_err(|e| e.to_string())?;
    rows.collect::<rusqlite::Result<Rows>>()
        .map_err(|e| e.to_string())
}

fn read_pg(s: &PgStore, name: &str, columns: &[(&str, Kind)]) -> Result<Rows, String> {
    let mut client = s.client().map_err(|e| e.to_string())?;
    let rows = client
        .query(&select(name, columns, true), &[])
        .map_err(|e| pg(e).to_string())?;
    Ok(rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .enumerate()
                .map(|(i, (_, k))| match k {
                    Int => r.get::<_, Option<i64>>(i).map_or(Cell::Null, Cell::Int),
                    Real => r.get::<_, Option<f64>>(i).map_or(Cell::Null, Cell::Real),
                    Bool => r.get::<_, Option<bool>>(i).map_or(Cell::Null, Cell::Bool),
                    Text | Json => r.get::<_, Option<String>>(i).map_or(Cell::Null, Cell::Text),
                })
                .collect()
        })
        .collect())
}

type Table<'a> = (&'a str, &'a [(&'a str, Kind)], Rows);

fn write_sqlite(s: &SqliteStore, tables: &[Table<'_>]) -> Result<(), String> {
    let mut conn = s.conn();
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    for (name, _, _) in tables {
        let n: i64 = tx
            .query_row(&format!("SELECT COUNT(*) FROM {name}"), [], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        if n > 0 {
            return Err(format!(
                "the target registry is not empty ({name} has {n} rows); copy into a new one"
            ));
        }
    }
    for (name, columns, rows) in tables {
        let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let mut stmt = tx
            .prepare(&format!(
                "INSERT INTO {name} ({}) VALUES ({})",
                names.join(", "),
                marks.join(", ")
            ))
            .map_err(|e| e.to_string())?;
        for row in rows {
            let values: Vec<Value> = row
                .iter()
                .map(|c| match c {
                    Cell::Null => Value::Null,
                    Cell::Int(n) => Value::Integer(*n),
                    Cell::Real(x) => Value::Real(*x),
                    Cell::Text(t) => Value::Text(t.clone()),
                    Cell::Bool(b) => Value::Integer(i64::from(*b)),
                })
                .collect();
            stmt.execute(rusqlite::params_from_iter(values))
                .map_err(|e| format!("{name}: {e}"))?;
        }
    }
    tx.commit().map_err(|e| e.to_string())
}

fn write_pg(s: &PgStore, tables: &[Table<'_>]) -> Result<(), String> {
    let mut client = s.client().map_err(|e| e.to_string())?;
    let mut tx = client.transaction().map_err(|e| pg(e).to_string())?;
    tx.batch_execute("LOCK TABLE zone_versions IN SHARE ROW EXCLUSIVE MODE")
        .map_err(|e| pg(e).to_string())?;
    for (name, _, _) in tables {
        let n: i64 = tx
            .query_one(&format!("SELECT COUNT(*) FROM {name}"), &[])
            .map_err(|e| pg(e).to_string())?
            .get(0);
        if n > 0 {
            return Err(format!(
                "the target registry is not empty ({name} has {n} rows); copy into a new database"
            ));
        }
    }
    for (name, columns, rows) in tables {
        let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let marks: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, (_, k))| match k {
                Json => format!("${}::text::json", i + 1),
                _ => format!("${}", i + 1),
            })
            .collect();
        let stmt = tx
            .prepare(&format!(
                "INSERT INTO {name} ({}) OVERRIDING SYSTEM VALUE VALUES ({})",
                names.join(", "),
                marks.join(", ")
            ))
            .map_err(|e| pg(e).to_string())?;
        for row in rows {
            let values: Vec<Box<dyn ToSql + Sync>> = row
                .iter()
                .zip(columns.iter())
                .map(|(c, (_, k))| -> Box<dyn ToSql + Sync> {
                    match (c, k) {
                        (Cell::Null, Int) => Box::new(None::<i64>),
                        (Cell::Null, Real) => Box::new(None::<f64>),
                        (Cell::Null, Bool) => Box::new(None::<bool>),
                        (Cell::Null, _) => Box::new(None::<String>),
                        (Cell::Int(n), _) => Box::new(*n),
                        (Cell::Real(x), _) => Box::new(*x),
                        (Cell::Text(t), _) => Box::new(t.clone()),
                        (Cell::Bool(b), _) => Box::new(*b),
                    }
                })
                .collect();
            let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(AsRef::as_ref).collect();
            tx.execute(&stmt, &refs)
                .map_err(|e| format!("{name}: {}", pg(e)))?;
        }
        // the next id follows the copied ones
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            ),
            &[],
        )
        .map_err(|e| pg(e).to_string())?;
    }
    tx.commit().map_err(|e| pg(e).to_string())
}
