//! Profiles and volunteer social handles are personal: they enter the log only
//! sealed under the person's key (`crate::personal`), and read as empty once the
//! person is erased.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tessera_aggregates::profile::SocialHandles;
use tessera_aggregates::user::Sealed;
use tessera_projections::volunteers::ApplicationRow;
use uuid::Uuid;

use super::ApplicationView;
use crate::app::AppState;
use crate::http::error::ApiResult;

/// `value` as JSON, sealed under `person`'s key.
pub(super) async fn seal_json<T: Serialize>(
    app: &AppState,
    person: Uuid,
    value: &T,
) -> ApiResult<Sealed> {
    let text = serde_json::to_string(value)?;
    Ok(app.personal.seal(person, &text).await?)
}

/// The sealed value opened (the default once `person` is erased), or `plain`
/// when nothing was sealed.
pub(super) async fn open_json<T: DeserializeOwned + Default>(
    app: &AppState,
    person: Uuid,
    sealed: Option<&Sealed>,
    plain: T,
) -> ApiResult<T> {
    let Some(sealed) = sealed else {
        return Ok(plain);
    };
    Ok(match app.personal.open(person, sealed).await? {
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        None => T::default(),
    })
}

/// Social handles to seal: None when all are empty.
pub(super) async fn seal_social(
    app: &AppState,
    person: Uuid,
    social: &SocialHandles,
) -> ApiResult<Option<Sealed>> {
    if *social == SocialHandles::default() {
        return Ok(None);
    }
    seal_json(app, person, social).await.map(Some)
}

/// An application as shown, its social handles opened.
pub(super) async fn view(app: &AppState, mut row: ApplicationRow) -> ApiResult<ApplicationView> {
    let plain = std::mem::take(&mut row.form.social);
    row.form.social = open_json(app, row.user_id, row.sealed_social.as_ref(), plain).await?;
    Ok(row.into())
}

/// Every application as shown.
pub(super) async fn views(
    app: &AppState,
    rows: Vec<ApplicationRow>,
) -> ApiResult<Vec<ApplicationView>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(view(app, row).await?);
    }
    Ok(out)
}
