//! The right to erasure: a user's personal data is crypto-shredded (their key is
//! forgotten, src/personal). The log keeps every event; their sealed fields read
//! as "erased" from then on, and the account can no longer sign in.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use tessera_aggregates::user::User;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};

#[derive(Debug, Serialize, ToSchema)]
pub struct UserErased {
    pub user_id: Uuid,
    pub erased: bool,
}

/// Forgets a user's personal-data key: their name, e-mail and billing details
/// read as "erased" everywhere, amounts stay, and their log-in is gone. Final;
/// erasing again changes nothing.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/erase", tag = "auth",
    params(("user_id" = Uuid, Path)),
    responses((status = 200, body = UserErased), (status = 404, body = Problem)))]
pub(super) async fn erase_user(
    State(app): State<AppState>,
    Path(user_id): Path<String>,
) -> ApiResult<Json<UserErased>> {
    // An id that is not a UUID names no user.
    let user: Uuid = user_id.parse().map_err(|_| ApiError::not_found("User"))?;
    let exists = app.bus.inspect(&User::stream(user), |u| u.exists()).await?;
    if !exists {
        return Err(ApiError::not_found("User"));
    }
    app.personal.erase(user).await?;
    tracing::info!(%user, "personal data erased");
    Ok(Json(UserErased {
        user_id: user,
        erased: true,
    }))
}
