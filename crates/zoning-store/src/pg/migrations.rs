//! Numbered schema migrations of the PostgreSQL store. Add new ones at the
//! end; never edit one that has shipped.
//!
//! The schema mirrors the SQLite one (same columns, same text forms of
//! times, properties and geometries, so that both stores read back exactly
//! what was written) and adds what a spatial database is for: a PostGIS
//! geometry of every version in the working plane (`geom`, EPSG:9214) and in
//! the zone's legal grid (`geom_legal`, EPSG:9214 or EPSG:9209), both made by
//! the database from the stored GeoJSON and indexed (`GiST`); `zone_heads`,
//! the current version of each zone in both views, kept by a trigger; the
//! views `zones_public` and `zones_planner` for other tools (QGIS, pygeoapi,
//! `psql`); and a `NOTIFY zoning_zones, 'CODE'` for every zone version, which
//! the servers sharing the database listen to.

use postgres::Client;

use super::pg_error;
use crate::error::Error;

/// VN-2000 / TM-3 107-00 and TM-3 105-30 are newer than PostGIS 3.3's
/// `spatial_ref_sys` (EPSG 9.x): their WKT and PROJ strings as
/// `projinfo EPSG:9214 -o WKT1_GDAL,PROJ` (PROJ 9.1) prints them. With
/// `auth_name` EPSG, PostGIS hands PROJ `EPSG:9214` itself (not the string)
/// for `ST_Transform`.
const SPATIAL_REF_SYS: &str = r#"INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) VALUES
 (9214, 'EPSG', 9214, 'PROJCS["VN-2000 / TM-3 107-00",GEOGCS["VN-2000",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6756"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4756"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",107],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","9214"]]',
  '+proj=tmerc +lat_0=0 +lon_0=107 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 +units=m +no_defs'),
 (9209, 'EPSG', 9209, 'PROJCS["VN-2000 / TM-3 105-30",GEOGCS["VN-2000",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6756"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4756"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",105.5],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","9209"]]',
  '+proj=tmerc +lat_0=0 +lon_0=105.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 +units=m +no_defs')
 ON CONFLICT (srid) DO NOTHING;"#;

/// The migrations, in order; `MIGRATIONS[i]` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: zones, markers, users, tokens and the audit log, as SQLite's schema
    // version 2, with PostGIS geometries, heads and announcements
    r#"
    CREATE FUNCTION zoning_now() RETURNS text LANGUAGE sql VOLATILE AS
      $$ SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;
    CREATE FUNCTION zoning_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'rows of % are never changed or deleted; add a new version', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE TABLE zone_versions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code text NOT NULL,
        version bigint NOT NULL,
        status text NOT NULL CHECK (status IN ('draft', 'approved', 'retired')),
        properties json NOT NULL,
        geometry text NOT NULL,
        recorded_at text NOT NULL DEFAULT zoning_now(),
        author text NOT NULL,
        reason text,
        decision text,
        findings json NOT NULL DEFAULT '[]',
        geom geometry(MultiPolygon, 9214) NOT NULL,
        geom_legal geometry(MultiPolygon) NOT NULL CHECK (ST_SRID(geom_legal) IN (9214, 9209)),
        UNIQUE (code, version)
    );
    CREATE INDEX zone_versions_code ON zone_versions (code, id);
    CREATE INDEX zone_versions_geom ON zone_versions USING gist (geom);
    CREATE INDEX zone_versions_geom_legal ON zone_versions USING gist (geom_legal);
    CREATE FUNCTION zoning_zone_geometry() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.geom := ST_SetSRID(ST_GeomFromGeoJSON(NEW.geometry), 9214);
      NEW.geom_legal := CASE WHEN NEW.properties ->> 'grid_crs' = 'EPSG:9209'
                             THEN ST_Transform(NEW.geom, 9209) ELSE NEW.geom END;
      RETURN NEW;
    END $$;
    CREATE TRIGGER zone_versions_geometry BEFORE INSERT ON zone_versions
        FOR EACH ROW EXECUTE FUNCTION zoning_zone_geometry();
    CREATE TABLE zone_heads (
        code text PRIMARY KEY,
        latest_id bigint NOT NULL REFERENCES zone_versions (id),
        latest_status text NOT NULL,
        public_id bigint REFERENCES zone_versions (id)
    );
    CREATE FUNCTION zoning_zone_head() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO zone_heads AS h (code, latest_id, latest_status, public_id)
        VALUES (NEW.code, NEW.id, NEW.status, CASE WHEN NEW.status = 'approved' THEN NEW.id END)
        ON CONFLICT (code) DO UPDATE SET
          latest_id = NEW.id,
          latest_status = NEW.status,
          public_id = CASE NEW.status WHEN 'approved' THEN NEW.id
                                      WHEN 'retired' THEN NULL
                                      ELSE h.public_id END;
      PERFORM pg_notify('zoning_zones', NEW.code);
      RETURN NULL;
    END $$;
    CREATE TRIGGER zone_versions_head AFTER INSERT ON zone_versions
        FOR EACH ROW EXECUTE FUNCTION zoning_zone_head();
    CREATE TRIGGER zone_versions_append_only BEFORE UPDATE OR DELETE ON zone_versions
        FOR EACH ROW EXECUTE FUNCTION zoning_append_only();
    CREATE TRIGGER zone_versions_no_truncate BEFORE TRUNCATE ON zone_versions
        FOR EACH STATEMENT EXECUTE FUNCTION zoning_append_only();
    CREATE VIEW zones_planner AS
        SELECT v.id, v.code, v.version, v.status, v.properties, v.recorded_at, v.author,
               v.reason, v.decision, v.geom, v.geom_legal
        FROM zone_heads h JOIN zone_versions v ON v.id = h.latest_id
        WHERE h.latest_status <> 'retired';
    CREATE VIEW zones_public AS
        SELECT v.id, v.code, v.version, v.status, v.properties, v.recorded_at, v.author,
               v.reason, v.decision, v.geom, v.geom_legal
        FROM zone_heads h JOIN zone_versions v ON v.id = h.public_id;
    CREATE TABLE marker_batches (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        recorded_at text NOT NULL,
        author text NOT NULL,
        source text NOT NULL
    );
    CREATE TRIGGER marker_batches_append_only BEFORE UPDATE OR DELETE ON marker_batches
        FOR EACH ROW EXECUTE FUNCTION zoning_append_only();
    CREATE TABLE marker_versions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        key text NOT NULL,
        number text NOT NULL,
        zone text,
        x double precision NOT NULL,
        y double precision NOT NULL,
        h double precision,
        survey_date text,
        distance_m double precision,
        check_status text NOT NULL,
        batch bigint NOT NULL REFERENCES marker_batches (id),
        recorded_at text NOT NULL,
        author text NOT NULL,
        retired boolean NOT NULL DEFAULT false,
        geom geometry(Point, 9214) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(x, y), 9214)) STORED
    );
    CREATE INDEX marker_versions_key ON marker_versions (key, id);
    CREATE INDEX marker_versions_geom ON marker_versions USING gist (geom);
    CREATE TRIGGER marker_versions_append_only BEFORE UPDATE OR DELETE ON marker_versions
        FOR EACH ROW EXECUTE FUNCTION zoning_append_only();
    CREATE TRIGGER marker_versions_no_truncate BEFORE TRUNCATE ON marker_versions
        FOR EACH STATEMENT EXECUTE FUNCTION zoning_append_only();
    CREATE TABLE users (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('planner', 'surveyor', 'admin')),
        created_at text NOT NULL,
        password_hash text,
        disabled_at text
    );
    CREATE TABLE tokens (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users (id),
        token_sha256 text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('api', 'session')),
        created_at text NOT NULL,
        expires_at text,
        revoked_at text
    );
    CREATE INDEX tokens_user ON tokens (user_id, id);
    CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at text NOT NULL,
        actor text,
        action text NOT NULL,
        target text,
        outcome text NOT NULL,
        detail text,
        remote text
    );
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION zoning_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION zoning_append_only();
    "#,
    // 2: the views and the neighbours' query join the heads on these; without
    // them every bbox query through `zones_public` scanned all the heads
    // (pygeoapi's count at 600,000 zones: 107 ms, 0.57 ms with them)
    "CREATE INDEX zone_heads_public ON zone_heads (public_id);
     CREATE INDEX zone_heads_latest ON zone_heads (latest_id);",
];

/// The schema version this program writes.
#[allow(clippy::cast_possible_wrap)] // a handful of migrations
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// A lock number only zoning's migrations take (`pg_advisory_xact_lock`), so
/// that servers starting together upgrade the schema once.
const MIGRATION_LOCK: i64 = 0x7a6f_6e69_6e67; // "zoning"

/// Brings the database up to [`LATEST`] in one transaction; returns the
/// version it found (0: a new registry). Servers starting at once wait for
/// each other; a failed migration leaves the database as it was.
pub fn run(client: &mut Client, place: &str) -> Result<i64, Error> {
    let open = |e: postgres::Error| Error::Open {
        path: place.to_owned(),
        reason: pg_error(&e).to_string(),
    };
    let mut tx = client.transaction().map_err(open)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(open)?;
    let known: bool = tx
        .query_one("SELECT to_regclass('zoning_schema') IS NOT NULL", &[])
        .map_err(open)?
        .get(0);
    if !known {
        tx.batch_execute(
            "CREATE TABLE zoning_schema (
               version bigint PRIMARY KEY,
               applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .map_err(open)?;
    }
    let found: i64 = tx
        .query_one("SELECT COALESCE(MAX(version), 0) FROM zoning_schema", &[])
        .map_err(open)?
        .get(0);
    if found > LATEST {
        return Err(Error::TooNew {
            path: place.to_owned(),
            found,
            supported: LATEST,
        });
    }
    if found == LATEST {
        tx.commit().map_err(open)?;
        return Ok(found);
    }
    let migration = |to: i64| {
        move |e: postgres::Error| Error::Migration {
            path: place.to_owned(),
            to,
            reason: pg_error(&e).to_string(),
        }
    };
    let postgis: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')",
            &[],
        )
        .map_err(open)?
        .get(0);
    if found == 0 && !postgis {
        tx.batch_execute("CREATE EXTENSION postgis")
            .map_err(|e| Error::Migration {
                path: place.to_owned(),
                to: 1,
                reason: format!(
                    "{} (PostGIS must be installed on the database server — Debian: postgresql-15-postgis-3 — and a superuser must run CREATE EXTENSION postgis in this database once)",
                    pg_error(&e)
                ),
            })?;
    }
    let known_grids: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM spatial_ref_sys WHERE srid IN (9214, 9209)",
            &[],
        )
        .map_err(open)?
        .get(0);
    if found == 0 && known_grids < 2 {
        tx.batch_execute(SPATIAL_REF_SYS).map_err(migration(1))?;
    }
    for (to, sql) in (1_i64..)
        .zip(MIGRATIONS)
        .skip(usize::try_from(found).unwrap_or(0))
    {
        tx.batch_execute(sql).map_err(migration(to))?;
        tx.execute("INSERT INTO zoning_schema (version) VALUES ($1)", &[&to])
            .map_err(migration(to))?;
    }
    tx.commit().map_err(migration(LATEST))?;
    Ok(found)
}
