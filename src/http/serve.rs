//! Serving the router on a socket, with the timers that run beside it.

use std::future::Future;
use std::net::SocketAddr;

use crate::app::AppState;

/// Serves `app` on `listener` until `shutdown` resolves, with the timers only a
/// serving process runs: the hold sweeper and the idempotency-record cleanup.
/// Each connection carries its peer address (the login throttle's client address).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // ORDER-20: stale holds are recorded as expired on a timer, not only when the
    // next checkout in their conference runs.
    // Each on the instance leading its job (src/scale.rs).
    let mut jobs = crate::scale::serve_jobs(&app);
    // The idempotency-record cleanup (an edge concern), under leadership too.
    let state = app.clone();
    jobs.push(app.leadership.run(
        super::idempotency::CLEANUP_JOB,
        None,
        move || -> tessera_replay::leader::JobFuture {
            Box::pin(super::idempotency::run_cleanup(state.clone()))
        },
    ));
    // `into_make_service_with_connect_info`: each connection shares the built
    // router (an Arc) instead of re-deriving every route from it, which costs
    // more than most requests do when many clients connect at once.
    let served = axum::serve(
        listener,
        super::router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    jobs.iter().for_each(|j| j.abort());
    Ok(served?)
}
