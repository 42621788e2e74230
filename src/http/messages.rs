//! The outbox as admins see it (MSG-5): every message with its status, attempts
//! and last error, filtered by status (the dead-letter list is
//! `?status=dead_lettered`), and the retry of a dead-lettered message. Without an
//! SMTP server configured, messages waiting to be sent read as `recorded`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::message::{Message, MessageCommand, MessageStatus};
use tessera_projections::Projection;
use tessera_projections::messages::{MESSAGES_PREFIX, MessageRow, Messages};
use tessera_replay::storage;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::AppState;
use crate::http::access::{Access, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, AuthUser, CommandMeta, Path, Query};
use crate::http::page::{PageParams, Paging, page_in_memory, time_sort};

pub fn groups() -> Vec<Group> {
    vec![(
        Access::Admin,
        OpenApiRouter::new()
            .routes(routes!(list))
            .routes(routes!(retry)),
    )]
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OutboxMessage)]
pub struct MessageView {
    pub id: Uuid,
    /// The message kind (`order_confirmation`, `access_code`, `password_reset`, …).
    pub kind: String,
    pub recipient: Uuid,
    /// Queued, sending, failed, sent, dead_lettered; `recorded` when no SMTP
    /// server is configured and it waits.
    pub status: String,
    pub attempts: u32,
    pub last_error: String,
    pub conference_id: Option<Uuid>,
    pub source: String,
    pub due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

fn status_name(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Queued => "queued",
        MessageStatus::Sending => "sending",
        MessageStatus::Failed => "failed",
        MessageStatus::Sent => "sent",
        MessageStatus::DeadLettered => "dead_lettered",
    }
}

fn view(row: MessageRow, sending: bool) -> MessageView {
    let waits = matches!(row.status, MessageStatus::Queued | MessageStatus::Failed);
    let status = if waits && !sending {
        "recorded"
    } else {
        status_name(row.status)
    };
    MessageView {
        id: row.id,
        kind: row.kind.as_str().to_string(),
        recipient: row.recipient,
        status: status.to_string(),
        attempts: row.attempts,
        last_error: row.last_error,
        conference_id: row.conference_id,
        source: row.source,
        due_at: row.due_at,
        created_at: row.created_at,
        sent_at: row.sent_at,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only messages in this status (as listed).
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    /// A page of the messages (newest first), like every list.
    pub items: Vec<MessageView>,
    /// Send as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// How many messages match the filter, on the first page.
    pub total: Option<i64>,
    /// Whether an SMTP server is configured.
    pub sending: bool,
    /// A count per status, over every message.
    pub counts: BTreeMap<String, usize>,
}

/// The messages of the outbox, newest first, with counts per status; paged
/// (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/messages", tag = "notifications", params(ListQuery, PageParams),
    responses((status = 200, body = MessageList), (status = 400, body = Problem),
        (status = 403, body = Problem)))]
async fn list(
    State(app): State<AppState>,
    _after: After,
    Query(q): Query<ListQuery>,
    paging: Paging,
) -> ApiResult<Json<MessageList>> {
    let sending = app.notifications.sending;
    let rows = storage::live_rows_with_prefix(&app.db, Messages::NAME, MESSAGES_PREFIX).await?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut messages = vec![];
    for (_, doc) in rows {
        let v = view(serde_json::from_str(&doc)?, sending);
        *counts.entry(v.status.clone()).or_default() += 1;
        if q.status.as_ref().is_none_or(|s| *s == v.status) {
            messages.push((time_sort(&v.created_at), v.id.to_string(), v));
        }
    }
    let page = page_in_memory(&paging, "created_at", true, messages)?;
    Ok(Json(MessageList {
        items: page.items,
        next_cursor: page.next_cursor,
        total: page.total,
        sending,
        counts,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageRetried {
    pub id: Uuid,
    pub position: Option<i64>,
}

/// Sends a dead-lettered message again, from a fresh count of attempts (MSG-5).
#[utoipa::path(post, path = "/api/v1/messages/{message}/retry", tag = "notifications",
    params(("message" = Uuid, Path)),
    responses((status = 200, body = MessageRetried), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
async fn retry(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    meta: CommandMeta,
    Path(message): Path<Uuid>,
) -> ApiResult<Json<MessageRetried>> {
    let sent = app
        .bus
        .send(
            &Message::stream(message),
            MessageCommand::Retry { by: caller.id },
            &meta.for_conf(None),
        )
        .await
        .map_err(ApiError::from)?;
    app.notifications.sender_wake.notify_one();
    Ok(Json(MessageRetried {
        id: message,
        position: sent.position,
    }))
}
