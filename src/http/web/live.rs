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
    let mut rx = app.runner.watch();
    let now = *rx.borrow_and_update();
    // The position now, then each new one (changes in between coalesce; a
    // republished position is not announced again).
    let stream = futures::stream::unfold((rx, None), move |(mut rx, last)| async move {
        let position = match last {
            None => now,
            Some(last) => loop {
                rx.changed().await.ok()?;
                let p = *rx.borrow_and_update();
                if p != last {
                    break p;
                }
            },
        };
        let event = Event::default()
            .event("position")
            .data(position.to_string());
        Some((Ok(event), (rx, Some(position))))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
