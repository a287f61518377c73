//! What each caller may see: one rule, in one place, for every read path
//! (items, item, history, `/validate`, report, exports, stake-out, markers).
//!
//! - The public (no token, or a surveyor) sees approved versions, and retired
//!   versions that withdrew an approved zone. It never sees a draft, nor a
//!   retired version that only withdrew drafts (its content was never public).
//! - Planners and admins see everything, drafts included.

use actix_web::{web, HttpRequest};
use serde_json::Value;
use zoning_core::store::{Role, Status, View, ZoneVersion};

use crate::auth;
use crate::error::ApiResult;
use crate::state::AppState;

/// The view of a role.
#[must_use]
pub fn view_for(role: Option<Role>) -> View {
    match role {
        Some(Role::Planner | Role::Admin) => View::Planner,
        _ => View::Public,
    }
}

/// The view of a request's caller.
///
/// # Errors
/// `401` for a token that is not valid (never silently anonymous).
pub async fn view_of(req: &HttpRequest, state: &web::Data<AppState>) -> ApiResult<View> {
    Ok(view_for(auth::user(req, state).await?.map(|u| u.role)))
}

/// Whether the public may see the zone `code`: the zone `own` (whose history
/// or approval is being answered) or a zone of the public view.
pub fn public_code<'a>(state: &'a AppState, own: &'a str) -> impl Fn(&str) -> bool + 'a {
    move |code: &str| code == own || state.zone(View::Public, code).is_ok_and(|z| z.is_some())
}

/// Keeps the findings (a JSON array) whose every zone the public may see:
/// a finding naming a draft is a planner's business.
#[must_use]
pub fn public_findings(findings: &Value, visible: &dyn Fn(&str) -> bool) -> Value {
    match findings {
        Value::Array(list) => Value::Array(
            list.iter()
                .filter(|f| {
                    f["codes"]
                        .as_array()
                        .is_none_or(|c| c.iter().all(|c| c.as_str().is_some_and(visible)))
                })
                .cloned()
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The versions of one zone's history (oldest first) that `view` may see;
/// for the public, each version's findings are cut to those naming zones
/// it may see (`visible`).
#[must_use]
pub fn history(
    view: View,
    versions: Vec<ZoneVersion>,
    visible: &dyn Fn(&str) -> bool,
) -> Vec<ZoneVersion> {
    if view == View::Planner {
        return versions;
    }
    let mut seen_approved = false;
    let mut out = Vec::new();
    let mut previous: Option<Status> = None;
    for v in versions {
        let show = match v.status {
            Status::Approved => true,
            Status::Draft => false,
            // a withdrawal is public when it withdrew an approved zone: right
            // after an approved version, or approved by an admin (a decision)
            // after one; a retired draft never was public
            Status::Retired => {
                previous == Some(Status::Approved) || (seen_approved && v.change.decision.is_some())
            }
        };
        seen_approved |= v.status == Status::Approved;
        previous = Some(v.status);
        if show {
            let findings = public_findings(&v.findings, visible);
            out.push(ZoneVersion { findings, ..v });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::MultiPolygon;
    use zoning_core::store::Change;

    fn v(status: Status, decision: Option<&str>) -> ZoneVersion {
        ZoneVersion {
            id: 0,
            code: "Z".into(),
            version: 0,
            status,
            properties: serde_json::Map::new(),
            grid: MultiPolygon::new(vec![]),
            recorded_at: String::new(),
            change: Change {
                author: "a".into(),
                reason: None,
                decision: decision.map(str::to_owned),
            },
            findings: serde_json::Value::Null,
        }
    }

    fn statuses(view: View, list: Vec<ZoneVersion>) -> Vec<Status> {
        history(view, list, &|_| true)
            .iter()
            .map(|v| v.status)
            .collect()
    }

    #[test]
    fn the_public_never_reads_a_finding_naming_a_draft() {
        let mut approved = v(Status::Approved, Some("d"));
        approved.findings = serde_json::json!([
            {"rule": "sliver", "codes": ["Z", "DRAFT-SECRET"]},
            {"rule": "area-mismatch", "codes": ["Z"]},
        ]);
        let public = history(View::Public, vec![approved.clone()], &|c| c == "Z");
        assert_eq!(public[0].findings.as_array().map(Vec::len), Some(1));
        assert!(!public[0].findings.to_string().contains("SECRET"));
        let planner = history(View::Planner, vec![approved], &|c| c == "Z");
        assert_eq!(planner[0].findings.as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn the_public_never_sees_a_draft_nor_a_withdrawn_draft() {
        use Status::{Approved, Draft, Retired};
        // a draft created and withdrawn: nothing public
        assert!(statuses(View::Public, vec![v(Draft, None), v(Retired, None)]).is_empty());
        // approved, a draft, the draft withdrawn (old databases): the approved only
        assert_eq!(
            statuses(
                View::Public,
                vec![v(Approved, Some("d")), v(Draft, None), v(Retired, None)]
            ),
            vec![Approved]
        );
        // approved, withdrawal proposed (a draft), approved by an admin
        assert_eq!(
            statuses(
                View::Public,
                vec![
                    v(Approved, Some("d")),
                    v(Draft, None),
                    v(Retired, Some("QĐ"))
                ]
            ),
            vec![Approved, Retired]
        );
        // approved then withdrawn directly (old databases)
        assert_eq!(
            statuses(View::Public, vec![v(Approved, Some("d")), v(Retired, None)]),
            vec![Approved, Retired]
        );
        assert_eq!(
            statuses(View::Planner, vec![v(Draft, None), v(Retired, None)]).len(),
            2
        );
    }
}
