//! The command bus and caching event store with several processes on one
//! database: conflicts are retried, caches never decide on stale state.

mod common;

use std::sync::Arc;

use common::{Backend, fresh_db};
use tessera::bus::CommandBus;
use tessera::server::SystemClock;
use tessera_aggregates::activity::{Activity, ActivityCommand, ActivityDetails, SignupStatus};
use tessera_aggregates::{DomainServices, natural_id};
use tessera_projections::EventMeta;

fn bus(db: &tessera_replay::Db) -> Arc<CommandBus> {
    Arc::new(CommandBus::new(
        db.clone(),
        DomainServices::new(Arc::new(SystemClock)),
        None,
    ))
}

async fn create(bus: &CommandBus, id: &str, places: u32) {
    bus.send(
        &Activity::stream(id),
        ActivityCommand::Create {
            conference_id: natural_id("conference", "c"),
            slug: "sprint".into(),
            details: ActivityDetails {
                name: "Sprint".into(),
                max_participants: Some(places),
                is_active: true,
                ..Default::default()
            },
        },
        &EventMeta::default(),
    )
    .await
    .expect("create");
}

/// ACT-6 across processes: two service instances (two buses, two caches) take 40
/// concurrent signups for 10 places; optimistic concurrency plus retries keep the
/// capacity exact.
async fn act_6_capacity_holds_across_two_instances(b: Backend) {
    let (db, _, _dir, pg) = fresh_db(b).await;
    let (one, two) = (bus(&db), bus(&db));
    let id = natural_id("activity", "two-instances").to_string();
    create(&one, &id, 10).await;
    let mut tasks = vec![];
    for i in 0..40 {
        let bus = if i % 2 == 0 { one.clone() } else { two.clone() };
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            let user = natural_id("user", &format!("u{i}"));
            bus.send(
                &Activity::stream(&id),
                ActivityCommand::SignUp {
                    user,
                    note: String::new(),
                },
                &EventMeta::default(),
            )
            .await
            .map(|_| user)
        }));
    }
    let mut users = vec![];
    for t in tasks {
        users.push(
            t.await
                .expect("task")
                .expect("every signup lands after retries"),
        );
    }
    // A third instance with an empty cache reads the stream from scratch.
    let fresh = bus(&db);
    let statuses = fresh
        .inspect(&Activity::stream(&id), |a| {
            users.iter().map(|u| a.status_of(u)).collect::<Vec<_>>()
        })
        .await
        .expect("inspect");
    let confirmed = statuses
        .iter()
        .filter(|s| **s == Some(SignupStatus::Confirmed))
        .count();
    let waitlisted = statuses
        .iter()
        .filter(|s| **s == Some(SignupStatus::Waitlisted))
        .count();
    assert_eq!((confirmed, waitlisted), (10, 30));
    // And both instances agree with it (their caches caught up with each other).
    for b in [&one, &two] {
        let spots = b
            .inspect(&Activity::stream(&id), |a| a.spots_remaining())
            .await
            .expect("inspect");
        assert_eq!(spots, Some(0));
    }
    cleanup(db, pg).await;
}

async fn cleanup(db: tessera_replay::Db, pg: Option<String>) {
    if let (tessera_replay::Db::Postgres(pool), Some(name)) = (&db, pg) {
        pool.close().await;
        common::drop_postgres(&name).await;
    }
}

/// A cached aggregate that another instance changed is refreshed before deciding:
/// instance one does not sign up twice someone who signed up through instance two.
async fn act_6_a_cache_never_decides_on_stale_state(b: Backend) {
    let (db, _, _dir, pg) = fresh_db(b).await;
    let (one, two) = (bus(&db), bus(&db));
    let id = natural_id("activity", "stale").to_string();
    create(&one, &id, 5).await;
    let ana = natural_id("user", "ana");
    // Warm instance one's cache, then change the stream through instance two.
    one.inspect(&Activity::stream(&id), |_| ())
        .await
        .expect("warm");
    let sent = two
        .send(
            &Activity::stream(&id),
            ActivityCommand::SignUp {
                user: ana,
                note: String::new(),
            },
            &EventMeta::default(),
        )
        .await
        .expect("signup");
    assert!(sent.position.is_some());
    let again = one
        .send(
            &Activity::stream(&id),
            ActivityCommand::SignUp {
                user: ana,
                note: String::new(),
            },
            &EventMeta::default(),
        )
        .await
        .expect("no-op");
    assert_eq!(
        again.position, None,
        "ACT-6: already signed up, nothing recorded"
    );
    let cancel = one
        .send(
            &Activity::stream(&id),
            ActivityCommand::Cancel { user: ana },
            &EventMeta::default(),
        )
        .await;
    assert!(
        cancel.is_ok(),
        "instance one sees the signup it did not write"
    );
    cleanup(db, pg).await;
}

on_both_backends!(
    act_6_capacity_holds_across_two_instances,
    act_6_a_cache_never_decides_on_stale_state,
);
