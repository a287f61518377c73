//! Boundary markers on PostgreSQL: current markers, history, batches (`MarkerStore`).

use zoning_core::store::{Expect, MarkerStore, MarkerVersion, NewMarker, StoreError, StoreResult};

use super::{marker_row, off_runtime, pg, PgStore, MARKER_COLUMNS};
use crate::as_of_instant;

impl MarkerStore for PgStore {
    fn markers(&self, as_of: Option<&str>) -> StoreResult<Vec<MarkerVersion>> {
        off_runtime(|| {
            let until = match as_of {
                Some(a) => as_of_instant(a).map_err(StoreError::Backend)?,
                None => "9999".to_owned(),
            };
            let rows = self
                .client()?
                .query(
                    &format!(
                        "SELECT {MARKER_COLUMNS} FROM marker_versions WHERE id IN (
                           SELECT MAX(id) FROM marker_versions WHERE recorded_at <= $1 GROUP BY key)
                         AND NOT retired ORDER BY key"
                    ),
                    &[&until],
                )
                .map_err(pg)?;
            Ok(rows.iter().map(marker_row).collect())
        })
    }

    fn marker_history(&self, key: &str) -> StoreResult<Vec<MarkerVersion>> {
        off_runtime(|| {
            let rows = self
                .client()?
                .query(
                    &format!(
                        "SELECT {MARKER_COLUMNS} FROM marker_versions WHERE key = $1 ORDER BY id"
                    ),
                    &[&key],
                )
                .map_err(pg)?;
            Ok(rows.iter().map(marker_row).collect())
        })
    }

    fn append_markers(
        &self,
        markers: Vec<NewMarker>,
        author: &str,
        source: &str,
        expect: Expect,
    ) -> StoreResult<i64> {
        off_runtime(|| {
            let mut client = self.client()?;
            let mut tx = client.transaction().map_err(pg)?;
            for m in &markers {
                // one writer per marker at a time, in every process
                tx.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended('marker:' || $1, 0))",
                    &[&m.key()],
                )
                .map_err(pg)?;
            }
            if expect != Expect::Any {
                for m in &markers {
                    let key = m.key();
                    let latest: Option<(i64, bool)> = tx
                        .query_opt(
                            "SELECT id, retired FROM marker_versions WHERE key = $1 ORDER BY id DESC LIMIT 1",
                            &[&key],
                        )
                        .map_err(pg)?
                        .map(|r| (r.get(0), r.get(1)));
                    expect.require(&format!("marker {key}"), latest)?;
                }
            }
            let row = tx
                .query_one(
                    "INSERT INTO marker_batches (recorded_at, author, source) VALUES (zoning_now(), $1, $2)
                     RETURNING id, recorded_at",
                    &[&author, &source],
                )
                .map_err(pg)?;
            let (batch, at): (i64, String) = (row.get(0), row.get(1));
            let stmt = tx
                .prepare(
                    "INSERT INTO marker_versions (key, number, zone, x, y, h, survey_date, distance_m, check_status, batch, recorded_at, author, retired)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .map_err(pg)?;
            for m in &markers {
                tx.execute(
                    &stmt,
                    &[
                        &m.key(),
                        &m.number,
                        &m.zone,
                        &m.grid.x(),
                        &m.grid.y(),
                        &m.h,
                        &m.survey_date,
                        &m.distance_m,
                        &m.check_status,
                        &batch,
                        &at,
                        &author,
                        &m.retired,
                    ],
                )
                .map_err(pg)?;
            }
            tx.commit().map_err(pg)?;
            Ok(batch)
        })
    }
}
