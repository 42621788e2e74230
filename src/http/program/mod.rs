//! The program (PRETALX-*): the organizers' Pretalx sync and talk overrides, the
//! public program with effective values (PRETALX-17, PRETALX-22), and session
//! ratings (SURVEY-3).

mod linked;
mod ratings;
mod read;
mod sync;
mod type_defaults;

pub(crate) use linked::{LinkedTalks, linked_talks};
pub(crate) use read::{offered_days, program_document, rows as program_rows};
use tessera_aggregates::conference::Role;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::features::Feature;
use crate::http::access::{Access, Group, ORGANIZER};

/// CONF-29: the public program needs programs + public_ui.
const PUBLIC: &[Feature] = &[Feature::Programs, Feature::PublicUi];
/// AMB-17 (decided: enforced): syncing needs pretalx_sync + manage_ui.
const SYNC: &[Feature] = &[Feature::PretalxSync, Feature::ManageUi];
/// Organizers' program pages need programs + manage_ui.
pub(crate) const MANAGE: &[Feature] = &[Feature::Programs, Feature::ManageUi];
/// ANA-38: the rating analytics, for organizers and auditors.
pub(crate) const RATINGS_READ: Access = Access::Staff(&[Role::Organizer, Role::Auditor]);

pub fn groups() -> Vec<Group> {
    vec![
        (
            Access::Public,
            OpenApiRouter::new()
                .routes(routes!(read::program))
                .routes(routes!(read::days)),
        ),
        (
            Access::Authenticated,
            OpenApiRouter::new().routes(routes!(ratings::rate)),
        ),
        (
            ORGANIZER,
            OpenApiRouter::new()
                .routes(routes!(sync::sync))
                .routes(routes!(sync::override_talk))
                .routes(routes!(sync::override_speaker))
                .routes(routes!(sync::override_room))
                .routes(routes!(type_defaults::list))
                .routes(routes!(type_defaults::set, type_defaults::remove))
                .routes(routes!(type_defaults::apply)),
        ),
        (
            RATINGS_READ,
            OpenApiRouter::new().routes(routes!(ratings::summary)),
        ),
    ]
}
