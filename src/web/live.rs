//! Live updates: a server-sent event each time the projection runner publishes a
//! new position (every live read model has then caught up to it). The page's
//! script refetches itself and swaps its `data-live` fragments.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;

use super::Session;
use crate::app::AppState;

pub(super) async fn events(
    State(app): State<AppState>,
    _session: Session,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = app.runner.watch();
    let first = *rx.borrow();
    let stream = futures::stream::unfold((rx, Some(first)), |(mut rx, first)| async move {
        // The position now, then each change (changes in between coalesce).
        let position = match first {
            Some(p) => p,
            None => {
                rx.changed().await.ok()?;
                *rx.borrow_and_update()
            }
        };
        let event = Event::default().event("position").data(position.to_string());
        Some((Ok(event), (rx, None)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
