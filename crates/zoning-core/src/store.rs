//! The storage trait: what the registry keeps and how it is asked for it.
//! `zoning-store` implements it on SQLite; a PostGIS implementation can follow
//! without touching the server.
//!
//! Nothing is ever overwritten or deleted: every change of a zone or marker is
//! a new version with who, when, why and the decision. A zone version is a
//! draft, approved, or retired (withdrawn by a planner); the public sees the
//! latest approved version, planners the latest version of any status. Reads
//! can ask for the state "as of" an instant.

use std::time::Duration;

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

/// A zone's current version as [`ZoneStore::current_zones`] reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentZone {
    /// The version, its `properties` empty and its `findings` `Null`.
    pub version: ZoneVersion,
    /// Its properties as stored: a JSON object.
    pub properties: String,
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

impl Expect {
    /// Whether a write expecting this may go on, given the latest version of
    /// what it writes: its id and whether it is retired (`None`: there is
    /// none). `Absent` holds when there is none or it is retired.
    ///
    /// # Examples
    /// ```
    /// use zoning_core::store::Expect;
    /// assert!(Expect::Absent.holds(None) && Expect::Absent.holds(Some((7, true))));
    /// assert!(!Expect::Absent.holds(Some((7, false))));
    /// assert!(Expect::Version(7).holds(Some((7, false))) && !Expect::Version(6).holds(Some((7, false))));
    /// ```
    #[must_use]
    pub fn holds(self, latest: Option<(i64, bool)>) -> bool {
        match self {
            Self::Any => true,
            Self::Absent => latest.is_none_or(|(_, retired)| retired),
            Self::Version(v) => latest.is_some_and(|(id, _)| id == v),
        }
    }

    /// [`Expect::holds`], or the conflict a store answers: `what` (the zone's
    /// code, `marker KEY`) and the latest version's id.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the expectation does not hold.
    pub fn require(self, what: &str, latest: Option<(i64, bool)>) -> StoreResult<()> {
        if self.holds(latest) {
            return Ok(());
        }
        Err(StoreError::Conflict {
            what: what.to_owned(),
            current: latest.map(|(id, _)| id),
        })
    }
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

/// Why a token is refused although it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefusal {
    /// The token's lifetime has ended.
    Expired {
        /// Its holder.
        user: String,
        /// When it expired (RFC 3339, UTC).
        at: String,
    },
    /// The token was revoked (rotated, signed out, or the user revoked).
    Revoked {
        /// Its holder.
        user: String,
        /// When it was revoked.
        at: String,
    },
    /// The user was disabled (`zoning user revoke`).
    Disabled {
        /// The user.
        user: String,
        /// When.
        at: String,
    },
}

impl TokenRefusal {
    /// The user the refused token belongs to.
    #[must_use]
    pub fn user(&self) -> &str {
        match self {
            Self::Expired { user, .. }
            | Self::Revoked { user, .. }
            | Self::Disabled { user, .. } => user,
        }
    }

    /// `expired`, `revoked` or `disabled`.
    #[must_use]
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Expired { .. } => "expired",
            Self::Revoked { .. } => "revoked",
            Self::Disabled { .. } => "disabled",
        }
    }
}

impl std::fmt::Display for TokenRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Expired { user, at } => write!(f, "the token of {user} expired at {at}"),
            Self::Revoked { user, at } => write!(f, "the token of {user} was revoked at {at}"),
            Self::Disabled { user, at } => {
                write!(f, "the user {user} was disabled (revoked) at {at}")
            }
        }
    }
}

/// The kind of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Issued by `zoning user add` or `zoning user rotate`, for tools and scripts.
    Api,
    /// Issued by signing in with a password (`POST /login`).
    Session,
}

impl TokenKind {
    /// `api` or `session`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Session => "session",
        }
    }
}

/// A token just issued: shown once, only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedToken {
    /// The bearer token.
    pub token: String,
    /// Its holder.
    pub user: User,
    /// API or session.
    pub kind: TokenKind,
    /// When it expires (RFC 3339, UTC); `None`: never.
    pub expires_at: Option<String>,
}

/// A user as an administrator sees it (`zoning user list`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSummary {
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// When the user was added (RFC 3339, UTC).
    pub created_at: String,
    /// How many of its tokens are live (neither expired nor revoked).
    pub live_tokens: usize,
    /// The latest expiry among its live tokens; `None` when it has none or
    /// one of them never expires (then `never_expires` is set).
    pub latest_expiry: Option<String>,
    /// Whether a live token never expires.
    pub never_expires: bool,
    /// Whether a password is set (sign-in with `POST /login`).
    pub has_password: bool,
    /// When the user was disabled (`zoning user revoke`), if it was.
    pub disabled_at: Option<String>,
}

/// An event to record in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewAuditEntry {
    /// Who acted (the authenticated user), if known.
    pub actor: Option<String>,
    /// What: `login`, `logout`, `token`, `authorize`, `user.add`,
    /// `user.rotate`, `user.revoke`, `user.password`.
    pub action: String,
    /// On what: a user name, or the refused operation.
    pub target: Option<String>,
    /// `success`, `failure` or `refused`.
    pub outcome: String,
    /// Anything a reader needs to understand it.
    pub detail: Option<String>,
    /// The client's address.
    pub remote: Option<String>,
}

/// A recorded audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Its number, increasing.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// What was recorded.
    #[serde(flatten)]
    pub entry: NewAuditEntry,
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
    /// A token (or its user) is known but may no longer be used.
    #[error("{0}")]
    Refused(TokenRefusal),
    /// The database cannot be reached now (restarting, network); nothing was
    /// written. The caller may try again in a few seconds.
    #[error("the database cannot be reached now: {0}")]
    Unavailable(String),
}

/// What another process wrote, as a store that is shared announces it
/// ([`ZoneStore::watch`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// A new version of this zone was recorded.
    Zone(String),
    /// The connection that carries the announcements was lost and is back:
    /// anything may have been written meanwhile.
    All,
}

/// Receives what other processes wrote ([`ZoneStore::watch`]).
pub type OnChange = std::sync::Arc<dyn Fn(Changed) + Send + Sync>;

/// The result type of stores.
pub type StoreResult<T> = std::result::Result<T, StoreError>;

/// Zone versions: the current zones of a view, history, appending.
pub trait ZoneStore: Send + Sync {
    /// The current version of every zone in a view, optionally as of an
    /// instant (RFC 3339 or a date), ordered by code.
    ///
    /// # Errors
    /// When the backend fails.
    fn zones(&self, view: View, as_of: Option<&str>) -> StoreResult<Vec<ZoneVersion>>;

    /// The current version of every zone in a view, as [`ZoneStore::zones`]
    /// gives them but with their properties still as stored (JSON text), without
    /// their findings (`findings` is `Null`) and in no particular order: what a
    /// server keeps (by code, parsing the properties when they are first
    /// needed), read faster (the findings are the larger part of a stored
    /// version, parsing the properties the larger part of reading the rest,
    /// and a sort of the rows is not needed).
    ///
    /// # Errors
    /// When the backend fails.
    fn current_zones(&self, view: View) -> StoreResult<Vec<CurrentZone>> {
        Ok(self
            .zones(view, None)?
            .into_iter()
            .map(|mut v| CurrentZone {
                properties: serde_json::Value::Object(std::mem::take(&mut v.properties))
                    .to_string(),
                version: ZoneVersion {
                    findings: serde_json::Value::Null,
                    ..v
                },
            })
            .collect())
    }
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
    /// Calls `on_change` for every zone version that any process (this one
    /// included) records from now on, on a thread of the store's, for as
    /// long as the store lives; [`Changed::All`] when announcements may have
    /// been missed (the connection carrying them was lost and is back).
    /// Returns `false`, and never calls it, when the store is not shared
    /// between processes (the embedded SQLite store: one server per file).
    ///
    /// # Errors
    /// When the backend fails to start listening.
    fn watch(&self, on_change: OnChange) -> StoreResult<bool> {
        let _ = on_change;
        Ok(false)
    }
    /// Whether other processes may write to this store at the same time (a
    /// database server): a server then reads the neighbours of a zone it
    /// writes from the store ([`crate::checks::neighbours_in`]), which has
    /// every server's writes, rather than from its cache, which hears of
    /// another server's a few milliseconds later.
    fn is_shared(&self) -> bool {
        false
    }
    /// The current version of every zone in a view whose bounding box in the
    /// grid meets `bbox` (`[minx, miny, maxx, maxy]`), ordered by code: the
    /// neighbours of a zone being written. The default reads the whole view;
    /// a spatial database answers from its index.
    ///
    /// # Errors
    /// When the backend fails.
    fn zones_meeting(&self, view: View, bbox: [f64; 4]) -> StoreResult<Vec<ZoneVersion>> {
        use geo::BoundingRect;
        Ok(self
            .zones(view, None)?
            .into_iter()
            .filter(|z| {
                z.grid.bounding_rect().is_some_and(|r| {
                    r.min().x <= bbox[2]
                        && r.max().x >= bbox[0]
                        && r.min().y <= bbox[3]
                        && r.max().y >= bbox[1]
                })
            })
            .collect())
    }
}

/// Boundary markers: current markers, history, appending batches.
pub trait MarkerStore: Send + Sync {
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
}

/// Users, their tokens and passwords, and the audit log.
pub trait UserStore: Send + Sync {
    /// Adds a user and returns its API token (shown once; only a hash is
    /// kept), valid for [`DEFAULT_TOKEN_TTL`]; see
    /// [`UserStore::add_user_expiring`] to choose.
    ///
    /// # Errors
    /// When the name is taken or the backend fails.
    fn add_user(&self, name: &str, role: Role) -> StoreResult<String> {
        self.add_user_expiring(name, role, Some(DEFAULT_TOKEN_TTL))
            .map(|t| t.token)
    }
    /// The user holding a live token; `None` for a token never issued.
    ///
    /// # Errors
    /// [`StoreError::Refused`] for an expired or revoked token, or one whose
    /// user is disabled; the backend failing.
    fn user_by_token(&self, token: &str) -> StoreResult<Option<User>>;
    /// Adds a user with an API token valid for `ttl` (`None`: it never
    /// expires).
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the name is taken; the backend failing.
    fn add_user_expiring(
        &self,
        name: &str,
        role: Role,
        ttl: Option<Duration>,
    ) -> StoreResult<IssuedToken>;
    /// Every user, by name, with its tokens and password summed up.
    ///
    /// # Errors
    /// When the backend fails.
    fn users(&self) -> StoreResult<Vec<UserSummary>>;
    /// Revokes every live API token of a user and issues a new one valid for
    /// `ttl` (`None`: never expires); sessions are left alone. Atomic.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown user, [`StoreError::Refused`]
    /// for a disabled one; the backend failing.
    fn rotate_token(&self, name: &str, ttl: Option<Duration>) -> StoreResult<IssuedToken>;
    /// Revokes every token of a user (API and session) and disables it, so
    /// that it can neither use a token nor sign in; returns how many live
    /// tokens were revoked.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown user; the backend failing.
    fn revoke_user(&self, name: &str) -> StoreResult<usize>;
    /// Sets (or replaces) a user's password, given as a PHC string (Argon2id:
    /// `$argon2id$v=19$…`); the store never sees the password itself.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown user; the backend failing.
    fn set_password(&self, name: &str, phc_hash: &str) -> StoreResult<()>;
    /// A user's password hash (PHC string); `None` when the user does not
    /// exist or has no password.
    ///
    /// # Errors
    /// When the backend fails.
    fn password_hash(&self, name: &str) -> StoreResult<Option<String>>;
    /// Issues a session token for a user (after a successful sign-in), valid
    /// for `ttl`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown user, [`StoreError::Refused`]
    /// for a disabled one; the backend failing.
    fn issue_session(&self, name: &str, ttl: Duration) -> StoreResult<IssuedToken>;
    /// Revokes a live session token (signing out); `false` when the token is
    /// not a live session token (an API token is never revoked this way).
    ///
    /// # Errors
    /// When the backend fails.
    fn revoke_session(&self, token: &str) -> StoreResult<bool>;
    /// Records an event in the append-only audit log.
    ///
    /// # Errors
    /// When the backend fails.
    fn audit(&self, entry: &NewAuditEntry) -> StoreResult<()>;
    /// The latest `limit` events of the audit log, newest first.
    ///
    /// # Errors
    /// When the backend fails.
    fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>>;
}

/// The registry's storage: zones, markers and users, each behind its own
/// narrow trait (as lldap splits its handlers); anything that implements the
/// three is a `Store`.
pub trait Store: ZoneStore + MarkerStore + UserStore {}

impl<T: ZoneStore + MarkerStore + UserStore> Store for T {}

/// An "as of" instant as comparable text (RFC 3339 UTC with microseconds,
/// which sorts as text): a date means the end of that day; a timestamp with
/// an offset is brought to UTC.
///
/// # Errors
/// When it is neither a date nor an RFC 3339 timestamp, saying what to give.
///
/// # Examples
/// ```
/// use zoning_core::store::as_of_instant;
/// assert_eq!(as_of_instant("2025-07-01").unwrap(), "2025-07-01T23:59:59.999999Z");
/// assert_eq!(as_of_instant("2025-07-01T08:00:00+07:00").unwrap(), "2025-07-01T01:00:00.000000Z");
/// assert!(as_of_instant("yesterday").is_err());
/// ```
pub fn as_of_instant(as_of: &str) -> Result<String, String> {
    use chrono::{SecondsFormat, Utc};
    if let Ok(d) = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d") {
        return Ok(format!("{d}T23:59:59.999999Z"));
    }
    chrono::DateTime::parse_from_rfc3339(as_of)
        .map(|t| {
            t.with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::Micros, true)
        })
        .map_err(|_| {
            format!(
                "{as_of:?} is not a date (2025-12-31) or an RFC 3339 time (2025-12-31T08:00:00Z)"
            )
        })
}

/// How long an API token lives unless told otherwise: 90 days.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(90 * 24 * 3600);
