//! Zone versions on SQLite: the views, history and appending (`ZoneStore`).

use rayon::prelude::*;
use rusqlite::params;
use zoning_core::store::{
    CurrentZone, Expect, NewZoneVersion, Status, StoreError, StoreResult, View, ZoneStore,
    ZoneVersion,
};

use super::{
    as_of_instant, backend, current, with_geometry, zone_row, SqliteStore, ZoneRow, ZONE_COLUMNS,
    ZONE_COLUMNS_NO_FINDINGS,
};

impl SqliteStore {
    /// The zone versions `sql` selects with `p`, in its order; their JSON
    /// parsed on every core.
    fn read_zones(&self, sql: &str, p: impl rusqlite::Params) -> StoreResult<Vec<ZoneVersion>> {
        self.read_rows(sql, p, with_geometry)
    }

    /// The rows `sql` selects with `p`, each made into a `T` by `f` on every
    /// core, in order.
    fn read_rows<T: Send>(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
        f: fn(ZoneRow) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
        let rows = stmt
            .query_map(p, zone_row)
            .map_err(backend)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(backend)?;
        drop(stmt);
        drop(conn);
        rows.into_par_iter().map(f).collect()
    }
}

impl ZoneStore for SqliteStore {
    fn zones(&self, view: View, as_of: Option<&str>) -> StoreResult<Vec<ZoneVersion>> {
        let until = match as_of {
            Some(a) => as_of_instant(a).map_err(StoreError::Backend)?,
            None => "9999".to_owned(),
        };
        let sql = match view {
            View::Public => format!(
                "SELECT {ZONE_COLUMNS} FROM zone_versions WHERE id IN (
                   SELECT MAX(id) FROM zone_versions
                   WHERE recorded_at <= ?1 AND status IN ('approved', 'retired') GROUP BY code)
                 AND status = 'approved' ORDER BY code"
            ),
            View::Planner => format!(
                "SELECT {ZONE_COLUMNS} FROM zone_versions WHERE id IN (
                   SELECT MAX(id) FROM zone_versions WHERE recorded_at <= ?1 GROUP BY code)
                 AND status != 'retired' ORDER BY code"
            ),
        };
        self.read_zones(&sql, params![until])
    }

    fn current_zones(&self, view: View) -> StoreResult<Vec<CurrentZone>> {
        // the latest id of each code from the (code, id) index; the findings
        // are not read, and the rows are not sorted (a server keys them by code)
        let sql = match view {
            View::Public => format!(
                "SELECT {ZONE_COLUMNS_NO_FINDINGS} FROM (
                   SELECT code AS head_code, MAX(id) AS head_id FROM zone_versions
                   WHERE status IN ('approved', 'retired') GROUP BY code)
                 JOIN zone_versions ON id = head_id
                 WHERE status = 'approved'"
            ),
            View::Planner => format!(
                "SELECT {ZONE_COLUMNS_NO_FINDINGS} FROM (
                   SELECT code AS head_code, MAX(id) AS head_id FROM zone_versions GROUP BY code)
                 JOIN zone_versions ON id = head_id
                 WHERE status != 'retired'"
            ),
        };
        self.read_rows(&sql, [], current)
    }

    fn latest(&self, code: &str) -> StoreResult<Option<ZoneVersion>> {
        Self::latest_in(&self.conn(), code)
    }

    fn history(&self, code: &str) -> StoreResult<Vec<ZoneVersion>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {ZONE_COLUMNS} FROM zone_versions WHERE code = ?1 ORDER BY id"
            ))
            .map_err(backend)?;
        let rows = stmt.query_map(params![code], zone_row).map_err(backend)?;
        rows.map(|r| r.map_err(backend).and_then(with_geometry))
            .collect()
    }

    fn append_zone(&self, new: NewZoneVersion, expect: Expect) -> StoreResult<ZoneVersion> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        let current = Self::latest_in(&tx, &new.code)?;
        expect.require(
            &new.code,
            current
                .as_ref()
                .map(|c| (c.id, c.status == Status::Retired)),
        )?;
        let id = Self::insert_zone(&tx, &new)?;
        let stored = tx
            .query_row(
                &format!("SELECT {ZONE_COLUMNS} FROM zone_versions WHERE id = ?1"),
                params![id],
                zone_row,
            )
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
        with_geometry(stored)
    }

    fn append_zones(&self, new: Vec<NewZoneVersion>) -> StoreResult<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        for z in &new {
            Self::insert_zone(&tx, z)?;
        }
        tx.commit().map_err(backend)?;
        Ok(new.len())
    }

    fn is_empty(&self) -> StoreResult<bool> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM zone_versions", [], |r| r.get(0))
            .map_err(backend)?;
        Ok(n == 0)
    }
}
