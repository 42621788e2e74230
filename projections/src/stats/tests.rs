use serde_json::json;

use super::*;

#[test]
fn canonical_text_sorts_keys_at_every_depth() {
    let a = json!({"b": 1, "a": {"z": [ {"y": 1, "x": 2} ], "c": "1.00"}});
    assert_eq!(
        canonical(&a),
        r#"{"a":{"c":"1.00","z":[{"x":2,"y":1}]},"b":1}"#
    );
}

#[test]
fn differences_name_each_metric_with_both_values() {
    let a = json!({"sections": {"money": {"gross": "10.00", "net": "9.00"}}});
    let b = json!({"sections": {"money": {"gross": "12.00", "net": "9.00"}, "x": 1}});
    let d = differences(&a, &b);
    assert_eq!(
        d,
        vec![
            (
                "sections.money.gross".to_string(),
                Some(json!("10.00")),
                Some(json!("12.00"))
            ),
            ("sections.x".to_string(), None, Some(json!(1))),
        ]
    );
}

/// ANA-2/3/4/6: rates are 0 when their divisor is 0, else rounded to 1 decimal.
#[test]
fn ana_rates_are_zero_without_a_divisor() {
    assert_eq!(rate(Decimal::ONE, Decimal::ZERO), Decimal::ZERO);
    assert_eq!(pct(rate(Decimal::ONE, Decimal::from(3))), json!("33.3"));
    assert_eq!(money(Decimal::new(5, 1)), json!("0.50"));
}

/// An empty conference assembles every section with the model's version.
#[test]
fn every_section_is_in_the_document() {
    let doc = assemble(Uuid::nil(), &Sources::default()).unwrap_or_default();
    assert_eq!(doc["version"], json!(VERSION));
    for s in SECTIONS {
        assert!(doc["sections"].get(s.name).is_some(), "{}", s.name);
    }
}
