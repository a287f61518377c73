//! Settings of the service: defaults < TOML file < `ZONING_` environment
//! variables < command-line flags (applied by the CLI).

use std::path::PathBuf;

use serde::Deserialize;

/// The service's settings. Every field has a documented default.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The database file (default: `zoning/registry.db` in the user's data
    /// directory, filled from the shipped data on first start).
    pub db: Option<PathBuf>,
    /// Address to listen on (default `127.0.0.1:8080`).
    pub bind: String,
    /// The built web map to serve at `/` (default `web/dist` when it exists).
    pub web_dir: Option<PathBuf>,
    /// Largest request body for features and uploads, bytes (default 16 MiB).
    pub max_body_bytes: usize,
    /// Largest `limit` of an items request (default 10,000).
    pub max_limit: usize,
    /// Marker tolerance for uploads, m (default 0.10).
    pub marker_tolerance_m: f64,
    /// The service's public base URL for links and `Location`, e.g.
    /// `https://zoning.bacninh.gov.vn` (default: none; links use the bound
    /// address, or what a trusted proxy forwards).
    pub base_url: Option<String>,
    /// Addresses of reverse proxies whose `Forwarded` / `X-Forwarded-*`
    /// headers are believed (default: none).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Origins allowed to read through CORS (default `["*"]`: the data is
    /// public); writes are never allowed cross-origin.
    pub cors_origins: Vec<String>,
    /// Largest body of a zone feature or of `/validate`, bytes (default 4 MiB).
    pub max_feature_bytes: usize,
    /// Most vertices of one zone boundary (default 10,000).
    pub max_vertices: usize,
    /// Most polygons of one zone (default 500).
    pub max_parts: usize,
    /// Most holes of one zone (default 1,000).
    pub max_holes: usize,
    /// Most features one `/validate` request checks (default 100).
    pub validate_max_features: usize,
    /// Most vertices, all features together, one `/validate` request
    /// checks (default 10,000).
    pub validate_max_vertices: usize,
    /// Validations running at once; more get `429` (default 8).
    pub max_concurrent_validations: usize,
    /// Blocking threads (each with its own PROJ context, kept and reused;
    /// default 16).
    pub blocking_threads: usize,
    /// Password verifications (Argon2, 19 MiB each) running at once; more
    /// sign-ins get `429` (default 2).
    pub login_max_concurrent: usize,
    /// Most vertices, all features together, of an anonymous `/validate`
    /// (default 2,000; signed-in planners have `validate_max_vertices`).
    pub anonymous_max_vertices: usize,
    /// Lifetime of an API token from `zoning user add` or `zoning user
    /// rotate`, days (default 90).
    pub token_ttl_days: u64,
    /// Lifetime of a session token from `POST /login`, hours (default 12).
    pub session_ttl_hours: u64,
    /// Failed sign-ins from one address, or for one name, within
    /// `login_window_secs` after which `POST /login` answers `429` (default 5).
    pub login_max_failures: u32,
    /// The window of `login_max_failures`, seconds (default 300).
    pub login_window_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            db: None,
            bind: "127.0.0.1:8080".into(),
            web_dir: None,
            max_body_bytes: 16 * 1024 * 1024,
            max_limit: 10_000,
            marker_tolerance_m: zoning_core::markers::DEFAULT_TOLERANCE_M,
            base_url: None,
            trusted_proxies: Vec::new(),
            cors_origins: vec!["*".into()],
            max_feature_bytes: 4 * 1024 * 1024,
            max_vertices: 10_000,
            max_parts: 500,
            max_holes: 1_000,
            validate_max_features: 100,
            validate_max_vertices: 10_000,
            max_concurrent_validations: 8,
            blocking_threads: 16,
            login_max_concurrent: 2,
            anonymous_max_vertices: 2_000,
            token_ttl_days: 90,
            session_ttl_hours: 12,
            login_max_failures: 5,
            login_window_secs: 300,
        }
    }
}

impl Config {
    /// The limits of one zone boundary.
    #[must_use]
    pub fn limits(&self) -> zoning_core::intake::Limits {
        zoning_core::intake::Limits {
            max_vertices: self.max_vertices,
            max_parts: self.max_parts,
            max_holes: self.max_holes,
        }
    }

    /// Reads a TOML file.
    ///
    /// # Errors
    /// When it cannot be read or has an unknown or wrong field.
    pub fn from_file(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Applies `ZONING_DB`, `ZONING_BIND`, `ZONING_WEB_DIR`, `ZONING_MAX_BODY_BYTES`.
    ///
    /// # Errors
    /// When a number cannot be parsed.
    pub fn with_env(mut self) -> Result<Self, String> {
        if let Ok(v) = std::env::var("ZONING_DB") {
            self.db = Some(v.into());
        }
        if let Ok(v) = std::env::var("ZONING_BIND") {
            self.bind = v;
        }
        if let Ok(v) = std::env::var("ZONING_WEB_DIR") {
            self.web_dir = Some(v.into());
        }
        if let Ok(v) = std::env::var("ZONING_BASE_URL") {
            self.base_url = Some(v);
        }
        if let Ok(v) = std::env::var("ZONING_MAX_BODY_BYTES") {
            self.max_body_bytes = v
                .parse()
                .map_err(|_| format!("ZONING_MAX_BODY_BYTES={v} is not a number"))?;
        }
        Ok(self)
    }

    /// Checks the settings once, before starting.
    ///
    /// # Errors
    /// When a value is out of range.
    pub fn finalize(self) -> Result<Self, String> {
        if self.max_body_bytes < 1024 {
            return Err("max_body_bytes must be at least 1024".into());
        }
        if self.max_limit == 0 {
            return Err("max_limit must be at least 1".into());
        }
        if self.marker_tolerance_m.is_nan() || self.marker_tolerance_m < 0.0 {
            return Err("marker_tolerance_m must be zero or more".into());
        }
        if let Some(b) = &self.base_url {
            let ok = (b.starts_with("http://") || b.starts_with("https://"))
                && !b.contains(['"', '<', '>', ' ', '\\', '?', '#']);
            if !ok {
                return Err(format!(
                    "base_url = {b:?} must be an http(s) URL such as https://zoning.example.vn"
                ));
            }
        }
        for (name, v) in [
            ("max_feature_bytes", self.max_feature_bytes),
            ("max_vertices", self.max_vertices),
            ("max_parts", self.max_parts),
            ("validate_max_features", self.validate_max_features),
            ("validate_max_vertices", self.validate_max_vertices),
            (
                "max_concurrent_validations",
                self.max_concurrent_validations,
            ),
            ("blocking_threads", self.blocking_threads),
            ("login_max_concurrent", self.login_max_concurrent),
            ("anonymous_max_vertices", self.anonymous_max_vertices),
        ] {
            if v == 0 {
                return Err(format!("{name} must be at least 1"));
            }
        }
        if self.token_ttl_days == 0 || self.token_ttl_days > 3650 {
            return Err("token_ttl_days must be between 1 and 3650".into());
        }
        if self.session_ttl_hours == 0 || self.session_ttl_hours > 24 * 366 {
            return Err("session_ttl_hours must be between 1 and 8784".into());
        }
        if self.login_max_failures == 0 {
            return Err("login_max_failures must be at least 1".into());
        }
        if self.login_window_secs == 0 {
            return Err("login_window_secs must be at least 1".into());
        }
        Ok(self)
    }

    /// The lifetime of an API token ([`Config::token_ttl_days`]).
    #[must_use]
    pub fn token_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.token_ttl_days.saturating_mul(86_400))
    }

    /// The lifetime of a session ([`Config::session_ttl_hours`]).
    #[must_use]
    pub fn session_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.session_ttl_hours.saturating_mul(3600))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_is_the_defaults() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config.example.toml");
        let c = Config::from_file(&path).expect("config.example.toml parses");
        assert_eq!(c, Config::default());
        let bad = std::env::temp_dir().join("zoning-bad-config.toml");
        std::fs::write(&bad, "bind = \"x\"\ncolour = 1\n").expect("write");
        assert!(Config::from_file(&bad)
            .expect_err("unknown field")
            .contains("colour"));
    }
}
