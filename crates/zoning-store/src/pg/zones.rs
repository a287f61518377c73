//! Zone versions on PostgreSQL: the views, history, appending
//! (`ZoneStore`), and the announcements of other processes' writes.

use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{GenericClient, NoTls};
use rayon::prelude::*;
use zoning_core::store::{
    Changed, CurrentZone, Expect, NewZoneVersion, OnChange, Status, StoreError, StoreResult, View,
    ZoneStore, ZoneVersion,
};

use super::{off_runtime, pg, zone_row, PgStore, ZONE_COLUMNS, ZONE_COLUMNS_NO_FINDINGS};
use crate::{as_of_instant, geometry_text, with_geometry};

impl PgStore {
    fn latest_in(c: &mut impl GenericClient, code: &str) -> StoreResult<Option<ZoneVersion>> {
        c.query_opt(
            &format!(
                "SELECT {ZONE_COLUMNS} FROM zone_versions v WHERE v.code = $1 ORDER BY v.id DESC LIMIT 1"
            ),
            &[&code],
        )
        .map_err(pg)?
        .map(|r| with_geometry(zone_row(&r)))
        .transpose()
    }

    /// Inserts a version (its number the next of its code); the database
    /// makes its PostGIS geometries, moves the code's head and announces it.
    fn insert_zone(c: &mut impl GenericClient, new: &NewZoneVersion) -> StoreResult<i64> {
        let row = c
            .query_one(
                "INSERT INTO zone_versions (code, version, status, properties, geometry, author, reason, decision, findings)
                 SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3::text::json, $4, $5, $6, $7, $8::text::json
                 FROM zone_versions WHERE code = $1
                 RETURNING id",
                &[
                    &new.code,
                    &new.status.as_str(),
                    &serde_json::Value::Object(new.properties.clone()).to_string(),
                    &geometry_text(&new.grid),
                    &new.change.author,
                    &new.change.reason,
                    &new.change.decision,
                    &new.findings.to_string(),
                ],
            )
            .map_err(pg)?;
        Ok(row.get(0))
    }

    fn read_zones(
        &self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> StoreResult<Vec<ZoneVersion>> {
        self.read_rows(sql, params, with_geometry)
    }

    /// The rows `sql` selects, each made into a `T` by `f` on every core, in
    /// order.
    fn read_rows<T: Send>(
        &self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
        f: fn(crate::ZoneRow) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let rows = self.client()?.query(sql, params).map_err(pg)?;
        let rows: Vec<_> = rows.iter().map(zone_row).collect();
        rows.into_par_iter().map(f).collect()
    }
}

/// The current versions of a view from the heads the trigger keeps, in the
/// order of their codes or in none.
fn heads(view: View, columns: &str, ordered: bool) -> String {
    let (head, retired) = match view {
        View::Public => ("h.public_id", ""),
        View::Planner => ("h.latest_id", "WHERE h.latest_status <> 'retired'"),
    };
    let order = if ordered { "ORDER BY h.code" } else { "" };
    format!("SELECT {columns} FROM zone_heads h JOIN zone_versions v ON v.id = {head} {retired} {order}")
}

impl ZoneStore for PgStore {
    fn zones(&self, view: View, as_of: Option<&str>) -> StoreResult<Vec<ZoneVersion>> {
        off_runtime(|| {
            let Some(as_of) = as_of else {
                return self.read_zones(&heads(view, ZONE_COLUMNS, true), &[]);
            };
            let until = as_of_instant(as_of).map_err(StoreError::Backend)?;
            let sql = match view {
                View::Public => format!(
                    "SELECT {ZONE_COLUMNS} FROM zone_versions v WHERE v.id IN (
                       SELECT MAX(id) FROM zone_versions
                       WHERE recorded_at <= $1 AND status IN ('approved', 'retired') GROUP BY code)
                     AND v.status = 'approved' ORDER BY v.code"
                ),
                View::Planner => format!(
                    "SELECT {ZONE_COLUMNS} FROM zone_versions v WHERE v.id IN (
                       SELECT MAX(id) FROM zone_versions WHERE recorded_at <= $1 GROUP BY code)
                     AND v.status <> 'retired' ORDER BY v.code"
                ),
            };
            self.read_zones(&sql, &[&until])
        })
    }

    fn current_zones(&self, view: View) -> StoreResult<Vec<CurrentZone>> {
        off_runtime(|| {
            self.read_rows(
                &heads(view, ZONE_COLUMNS_NO_FINDINGS, false),
                &[],
                crate::current,
            )
        })
    }

    fn latest(&self, code: &str) -> StoreResult<Option<ZoneVersion>> {
        off_runtime(|| Self::latest_in(&mut *self.client()?, code))
    }

    fn history(&self, code: &str) -> StoreResult<Vec<ZoneVersion>> {
        off_runtime(|| {
            self.read_zones(
                &format!(
                    "SELECT {ZONE_COLUMNS} FROM zone_versions v WHERE v.code = $1 ORDER BY v.id"
                ),
                &[&code],
            )
        })
    }

    fn append_zone(&self, new: NewZoneVersion, expect: Expect) -> StoreResult<ZoneVersion> {
        off_runtime(|| {
            let mut client = self.client()?;
            let mut tx = client.transaction().map_err(pg)?;
            // one writer per code at a time, in every process
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                &[&new.code],
            )
            .map_err(pg)?;
            let current = Self::latest_in(&mut tx, &new.code)?;
            expect.require(
                &new.code,
                current
                    .as_ref()
                    .map(|c| (c.id, c.status == Status::Retired)),
            )?;
            let id = Self::insert_zone(&mut tx, &new)?;
            let stored = tx
                .query_one(
                    &format!("SELECT {ZONE_COLUMNS} FROM zone_versions v WHERE v.id = $1"),
                    &[&id],
                )
                .map_err(pg)?;
            tx.commit().map_err(pg)?;
            with_geometry(zone_row(&stored))
        })
    }

    fn append_zones(&self, new: Vec<NewZoneVersion>) -> StoreResult<usize> {
        off_runtime(|| {
            let mut client = self.client()?;
            let mut tx = client.transaction().map_err(pg)?;
            // no single writer may number a version meanwhile (append_zone's
            // insert waits for this lock)
            tx.batch_execute("LOCK TABLE zone_versions IN SHARE ROW EXCLUSIVE MODE")
                .map_err(pg)?;
            for z in &new {
                Self::insert_zone(&mut tx, z)?;
            }
            tx.commit().map_err(pg)?;
            Ok(new.len())
        })
    }

    fn is_empty(&self) -> StoreResult<bool> {
        off_runtime(|| {
            let row = self
                .client()?
                .query_one("SELECT NOT EXISTS (SELECT 1 FROM zone_versions)", &[])
                .map_err(pg)?;
            Ok(row.get(0))
        })
    }

    fn zones_meeting(&self, view: View, bbox: [f64; 4]) -> StoreResult<Vec<ZoneVersion>> {
        off_runtime(|| {
            let (head, retired) = match view {
                View::Public => ("h.public_id", ""),
                View::Planner => ("h.latest_id", "AND h.latest_status <> 'retired'"),
            };
            self.read_zones(
                &format!(
                    "SELECT {ZONE_COLUMNS} FROM zone_versions v JOIN zone_heads h ON v.id = {head}
                     WHERE v.geom && ST_MakeEnvelope($1, $2, $3, $4, 9214) {retired} ORDER BY v.code"
                ),
                &[&bbox[0], &bbox[1], &bbox[2], &bbox[3]],
            )
        })
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn watch(&self, on_change: OnChange) -> StoreResult<bool> {
        off_runtime(|| {
            // the first connection is made here, so that a caller knows it listens
            let client = listen(&self.config).map_err(pg)?;
            let config = self.config.clone();
            let place = self.place.clone();
            std::thread::Builder::new()
                .name("zoning-listen".into())
                .spawn(move || listen_loop(client, &config, &place, &on_change))
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            Ok(true)
        })
    }
}

fn listen(config: &postgres::Config) -> Result<postgres::Client, postgres::Error> {
    let mut client = config.connect(NoTls)?;
    client.batch_execute("LISTEN zoning_zones")?;
    Ok(client)
}

/// Hands every announcement to `on_change`; when the connection is lost,
/// reconnects (every second, until it can) and says [`Changed::All`].
fn listen_loop(
    mut client: postgres::Client,
    config: &postgres::Config,
    place: &str,
    on_change: &OnChange,
) {
    loop {
        let outcome = {
            let mut notifications = client.notifications();
            let mut it = notifications.blocking_iter();
            loop {
                match it.next() {
                    Ok(Some(n)) => on_change(Changed::Zone(n.payload().to_owned())),
                    Ok(None) => break "the connection ended".to_owned(),
                    Err(e) => break e.to_string(),
                }
            }
        };
        tracing::warn!(db = place, reason = %outcome, "the connection announcing writes was lost; reconnecting");
        client = loop {
            std::thread::sleep(Duration::from_secs(1));
            match listen(config) {
                Ok(c) => break c,
                Err(e) => tracing::debug!(db = place, error = %e, "not yet"),
            }
        };
        tracing::info!(
            db = place,
            "listening again; the cache is reloaded in case writes were missed"
        );
        on_change(Changed::All);
    }
}
