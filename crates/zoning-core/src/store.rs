//! The storage trait: what the registry keeps and how it is asked for it.
//! `zoning-store` implements it on SQLite; a PostGIS implementation can follow
//! without touching the server.
//!
//! Nothing is ever overwritten or deleted: every change of a zone or marker is
//! a new version with who, when, why and the decision. A zone version is a
//! draft, approved, or retired (withdrawn by a planner); the public sees the
//! latest approved version, planners the latest version of any status. Reads
//! can ask for the state "as of" an instant.

use geo_types::{MultiPolygon, Point};
use serde::{Deserialize, Serialize};

/// Who may do what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Draws and edits zones, approves them.
    Planner,
    /// Uploads boundary markers.
    Surveyor,
    /// Everything, and approval.
    Admin,
}

impl Role {
    /// The role's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planner => "planner",
            Self::Surveyor => "surveyor",
            Self::Admin => "admin",
        }
    }

    /// Parses `planner`, `surveyor` or `admin`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "planner" => Some(Self::Planner),
            "surveyor" => Some(Self::Surveyor),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A user known by a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Name, as recorded with every change.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// The state of a zone version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Proposed; seen by planners only.
    Draft,
    /// Approved (with a decision); seen by everyone.
    Approved,
    /// Withdrawn (a record entered in error); seen in history only.
    Retired,
}

impl Status {
    /// The status's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Approved => "approved",
            Self::Retired => "retired",
        }
    }
}

/// Who sees what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The latest approved version of each zone.
    Public,
    /// The latest version of each zone, draft or approved.
    Planner,
}

/// Why a change was made, and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Change {
    /// The user.
    pub author: String,
    /// Why.
    pub reason: Option<String>,
    /// The decision it rests on (number, date, issuer).
    pub decision: Option<String>,
}

/// One version of a zone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZoneVersion {
    /// Unique id of this version (also its `ETag`).
    pub id: i64,
    /// The zone's code.
    pub code: String,
    /// 1, 2, … per zone.
    pub version: i64,
    /// Draft, approved or retired.
    pub status: Status,
    /// The zone model (`ZoneProperties` as JSON).
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// Boundary in the grid (EPSG:9214).
    #[serde(skip)]
    pub grid: MultiPolygon,
    /// When it was recorded (RFC 3339, UTC): the beginning of its lifespan.
    pub recorded_at: String,
    /// Who, why, which decision.
    #[serde(flatten)]
    pub change: Change,
    /// The findings of the checks when it was written.
    pub findings: serde_json::Value,
}

/// A zone version to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewZoneVersion {
    /// The zone's code.
    pub code: String,
    /// Its status.
    pub status: Status,
    /// The zone model.
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// Boundary in the grid.
    pub grid: MultiPolygon,
    /// Who, why, which decision.
    pub change: Change,
    /// The findings of the checks.
    pub findings: serde_json::Value,
}

/// What the writer believes the zone's latest version is (optimistic
/// concurrency: `If-Match`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The zone must not exist yet (or only as retired).
    Absent,
    /// The latest version must be this one.
    Version(i64),
    /// No expectation (imports).
    Any,
}

/// A surveyed boundary marker, one version of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkerVersion {
    /// Unique id of this version.
    pub id: i64,
    /// Marker key: `ZONE:NUMBER`, or the number when no zone was matched.
    pub key: String,
    /// Marker number (số hiệu mốc).
    pub number: String,
    /// The zone it was matched to.
    pub zone: Option<String>,
    /// Position in the grid: x = easting, y = northing.
    #[serde(skip)]
    pub grid: Point,
    /// Height, m.
    pub h: Option<f64>,
    /// Survey date as given.
    pub survey_date: Option<String>,
    /// Distance to the approved boundary at upload, m.
    pub distance_m: Option<f64>,
    /// Status at upload (`ok`, `out-of-tolerance`, `no-zone`).
    pub check_status: String,
    /// Upload batch.
    pub batch: i64,
    /// When it was recorded.
    pub recorded_at: String,
    /// Who uploaded it.
    pub author: String,
    /// Whether this version withdraws the marker.
    pub retired: bool,
}

/// A marker to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMarker {
    /// Marker number.
    pub number: String,
    /// Matched zone.
    pub zone: Option<String>,
    /// Grid position (x = easting, y = northing).
    pub grid: Point,
    /// Height.
    pub h: Option<f64>,
    /// Survey date.
    pub survey_date: Option<String>,
    /// Distance at upload.
    pub distance_m: Option<f64>,
    /// Status at upload.
    pub check_status: String,
    /// Whether it withdraws the marker.
    pub retired: bool,
}

impl NewMarker {
    /// The marker's key.
    #[must_use]
    pub fn key(&self) -> String {
        match &self.zone {
            Some(z) => format!("{z}:{}", self.number),
            None => self.number.clone(),
        }
    }
}

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The zone or marker is not there.
    #[error("{0} not found")]
    NotFound(String),
    /// The expectation of a write does not hold.
    #[error("{what}: the latest version is {current:?}, not the one expected")]
    Conflict {
        /// What was written.
        what: String,
        /// The latest version's id, if any.
        current: Option<i64>,
    },
    /// The database failed or is damaged.
    #[error("storage: {0}")]
    Backend(String),
}

/// The result type of stores.
pub type StoreResult<T> = std::result::Result<T, StoreError>;

/// The registry's storage.
pub trait Store: Send + Sync {
    /// The current version of every zone in a view, optionally as of an
    /// instant (RFC 3339 or a date), ordered by code.
    ///
    /// # Errors
    /// When the backend fails.
    fn zones(&self, view: View, as_of: Option<&str>) -> StoreResult<Vec<ZoneVersion>>;
    /// The latest version of a zone, any status.
    ///
    /// # Errors
    /// When the backend fails.
    fn latest(&self, code: &str) -> StoreResult<Option<ZoneVersion>>;
    /// Every version of a zone, oldest first.
    ///
    /// # Errors
    /// When the backend fails.
    fn history(&self, code: &str) -> StoreResult<Vec<ZoneVersion>>;
    /// Records a new version if the expectation holds; atomically.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when it does not hold.
    fn append_zone(&self, new: NewZoneVersion, expect: Expect) -> StoreResult<ZoneVersion>;
    /// Records many versions in one transaction (imports).
    ///
    /// # Errors
    /// When the backend fails; nothing is recorded then.
    fn append_zones(&self, new: Vec<NewZoneVersion>) -> StoreResult<usize>;
    /// Whether the registry has no zone at all.
    ///
    /// # Errors
    /// When the backend fails.
    fn is_empty(&self) -> StoreResult<bool>;
    /// The current version of every marker (not retired), optionally as of an instant.
    ///
    /// # Errors
    /// When the backend fails.
    fn markers(&self, as_of: Option<&str>) -> StoreResult<Vec<MarkerVersion>>;
    /// Every version of a marker, oldest first.
    ///
    /// # Errors
    /// When the backend fails.
    fn marker_history(&self, key: &str) -> StoreResult<Vec<MarkerVersion>>;
    /// Records a batch of markers in one transaction, if `expect` holds for
    /// each marker's key (`Version`: its latest version; `Absent`: none, or
    /// retired); returns the batch id.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the expectation does not hold; the
    /// backend failing. Nothing is recorded then.
    fn append_markers(
        &self,
        markers: Vec<NewMarker>,
        author: &str,
        source: &str,
        expect: Expect,
    ) -> StoreResult<i64>;
    /// Adds a user and returns its token (shown once; only a hash is kept).
    ///
    /// # Errors
    /// When the name is taken or the backend fails.
    fn add_user(&self, name: &str, role: Role) -> StoreResult<String>;
    /// The user holding a token.
    ///
    /// # Errors
    /// When the backend fails.
    fn user_by_token(&self, token: &str) -> StoreResult<Option<User>>;
}
