//! Boundary markers on SQLite: current markers, history, batches (`MarkerStore`).

use rusqlite::{params, OptionalExtension};
use zoning_core::store::{Expect, MarkerStore, MarkerVersion, NewMarker, StoreError, StoreResult};

use super::{as_of_instant, backend, marker_row, now, SqliteStore, MARKER_COLUMNS};

impl MarkerStore for SqliteStore {
    fn markers(&self, as_of: Option<&str>) -> StoreResult<Vec<MarkerVersion>> {
        let until = match as_of {
            Some(a) => as_of_instant(a).map_err(StoreError::Backend)?,
            None => "9999".to_owned(),
        };
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {MARKER_COLUMNS} FROM marker_versions WHERE id IN (
                   SELECT MAX(id) FROM marker_versions WHERE recorded_at <= ?1 GROUP BY key)
                 AND retired = 0 ORDER BY key"
            ))
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![until], marker_row)
            .map_err(backend)?;
        rows.map(|r| r.map_err(backend)).collect()
    }

    fn marker_history(&self, key: &str) -> StoreResult<Vec<MarkerVersion>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {MARKER_COLUMNS} FROM marker_versions WHERE key = ?1 ORDER BY id"
            ))
            .map_err(backend)?;
        let rows = stmt.query_map(params![key], marker_row).map_err(backend)?;
        rows.map(|r| r.map_err(backend)).collect()
    }

    fn append_markers(
        &self,
        markers: Vec<NewMarker>,
        author: &str,
        source: &str,
        expect: Expect,
    ) -> StoreResult<i64> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        if expect != Expect::Any {
            for m in &markers {
                let key = m.key();
                let latest: Option<(i64, i64)> = tx
                    .query_row(
                        "SELECT id, retired FROM marker_versions WHERE key = ?1 ORDER BY id DESC LIMIT 1",
                        params![key],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(backend)?;
                expect.require(
                    &format!("marker {key}"),
                    latest.map(|(id, retired)| (id, retired != 0)),
                )?;
            }
        }
        let at = now();
        tx.execute(
            "INSERT INTO marker_batches (recorded_at, author, source) VALUES (?1, ?2, ?3)",
            params![at, author, source],
        )
        .map_err(backend)?;
        let batch = tx.last_insert_rowid();
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO marker_versions (key, number, zone, x, y, h, survey_date, distance_m, check_status, batch, recorded_at, author, retired)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(backend)?;
            for m in &markers {
                stmt.execute(params![
                    m.key(),
                    m.number,
                    m.zone,
                    m.grid.x(),
                    m.grid.y(),
                    m.h,
                    m.survey_date,
                    m.distance_m,
                    m.check_status,
                    batch,
                    at,
                    author,
                    i64::from(m.retired),
                ])
                .map_err(backend)?;
            }
        }
        tx.commit().map_err(backend)?;
        Ok(batch)
    }
}
