use super::*;

async fn service() -> PersonalData {
    let db = Db::connect("sqlite::memory:", 1)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    db.migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate: {e}"));
    PersonalData::new(db, MasterKey::from_bytes([7; 32]))
}

async fn sealed(p: &PersonalData, person: Uuid, text: &str) -> Sealed {
    p.seal(person, text)
        .await
        .unwrap_or_else(|e| panic!("seal: {e}"))
}

async fn opened(p: &PersonalData, person: Uuid, s: &Sealed) -> Option<String> {
    p.open(person, s)
        .await
        .unwrap_or_else(|e| panic!("open: {e}"))
}

#[tokio::test]
async fn a_sealed_value_opens_to_its_plaintext_and_hides_it() {
    let p = service().await;
    let person = Uuid::new_v4();
    let s = sealed(&p, person, "Ada Lovelace").await;
    let json = serde_json::to_string(&s).unwrap_or_default();
    assert!(json.starts_with(r#"{"v":1,"n":""#), "{json}");
    assert!(!json.contains("Ada"));
    assert_eq!(
        opened(&p, person, &s).await.as_deref(),
        Some("Ada Lovelace")
    );
    // Another service on a cold cache unwraps the stored key.
    let cold = PersonalData::new(p.db.clone(), MasterKey::from_bytes([7; 32]));
    assert_eq!(
        opened(&cold, person, &s).await.as_deref(),
        Some("Ada Lovelace")
    );
}

#[tokio::test]
async fn a_tampered_ciphertext_does_not_open() {
    let p = service().await;
    let person = Uuid::new_v4();
    let mut s = sealed(&p, person, "ada@example.com").await;
    let mut bytes = STANDARD.decode(&s.c).unwrap_or_default();
    bytes[0] ^= 1;
    s.c = STANDARD.encode(bytes);
    assert_eq!(opened(&p, person, &s).await, None);
}

#[tokio::test]
async fn another_persons_key_cannot_open() {
    let p = service().await;
    let (ada, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let s = sealed(&p, ada, "ada@example.com").await;
    sealed(&p, bob, "bob@example.com").await;
    assert_eq!(opened(&p, bob, &s).await, None);
}

#[tokio::test]
async fn erasure_makes_every_value_unreadable_for_good() {
    let p = service().await;
    let (ada, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let a = sealed(&p, ada, "Ada").await;
    let b = sealed(&p, bob, "Bob").await;
    p.erase(ada).await.unwrap_or_else(|e| panic!("erase: {e}"));
    assert_eq!(opened(&p, ada, &a).await, None);
    assert_eq!(
        p.read(ada, "", Some(&a)).await.ok().as_deref(),
        Some(ERASED)
    );
    assert!(p.is_erased(ada).await.unwrap_or(false));
    // Others are untouched; a cold process sees the erasure too.
    assert_eq!(opened(&p, bob, &b).await.as_deref(), Some("Bob"));
    let cold = PersonalData::new(p.db.clone(), MasterKey::from_bytes([7; 32]));
    assert_eq!(opened(&cold, ada, &a).await, None);
    // Nothing new can be sealed for an erased person.
    assert!(matches!(
        p.seal(ada, "again").await,
        Err(PersonalError::Erased(_))
    ));
    // Erasing twice is fine.
    assert!(p.erase(ada).await.is_ok());
}

#[tokio::test]
async fn another_master_key_cannot_unwrap() {
    let p = service().await;
    let person = Uuid::new_v4();
    let s = sealed(&p, person, "Ada").await;
    let other = PersonalData::new(p.db.clone(), MasterKey::from_bytes([8; 32]));
    assert!(other.open(person, &s).await.is_err());
}

#[test]
fn email_hashes_are_keyed_and_stable() {
    let a = MasterKey::from_bytes([1; 32]);
    let b = MasterKey::from_bytes([2; 32]);
    assert_eq!(a.lookup_hash(b"x@y.z"), a.lookup_hash(b"x@y.z"));
    assert_ne!(a.lookup_hash(b"x@y.z"), b.lookup_hash(b"x@y.z"));
    assert_eq!(a.lookup_hash(b"x@y.z").len(), 64);
}

#[test]
fn master_keys_parse_from_hex_or_base64_of_32_bytes() {
    let hex = "00".repeat(32);
    assert!(MasterKey::parse(&hex).is_some());
    assert!(MasterKey::parse(&STANDARD.encode([3u8; 32])).is_some());
    assert!(MasterKey::parse(&STANDARD.encode([3u8; 16])).is_none());
    assert!(MasterKey::parse("short").is_none());
}

/// Two services (two instances) seal for the same new person at once: one key
/// is stored, and whatever either sealed opens with it, on either service and on
/// a cold one.
#[tokio::test]
async fn two_services_creating_one_persons_key_agree_on_it() {
    let first = service().await;
    let second = PersonalData::new(first.db.clone(), MasterKey::from_bytes([7; 32]));
    for _ in 0..20 {
        let person = Uuid::new_v4();
        let (a, b) = tokio::join!(
            sealed(&first, person, "from the first"),
            sealed(&second, person, "from the second")
        );
        let cold = PersonalData::new(first.db.clone(), MasterKey::from_bytes([7; 32]));
        for p in [&first, &second, &cold] {
            assert_eq!(
                opened(p, person, &a).await.as_deref(),
                Some("from the first")
            );
            assert_eq!(
                opened(p, person, &b).await.as_deref(),
                Some("from the second")
            );
        }
    }
}
