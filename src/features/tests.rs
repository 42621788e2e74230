use super::*;
use crate::features::FeatureOverridesExt;

fn defaults() -> FeatureDefaults {
    FeatureDefaults::default()
}

fn with_default(feature: Feature, value: bool) -> FeatureDefaults {
    let mut d = FeatureDefaults::default();
    d.set(feature, value);
    d
}

fn overriding(pairs: &[(Feature, bool)]) -> FeatureOverrides {
    let mut o = FeatureOverrides::default();
    for (f, v) in pairs {
        o.set(*f, Some(*v));
    }
    o
}

const MODULES: [Feature; 6] = [
    Feature::Registration,
    Feature::Sponsors,
    Feature::TravelGrants,
    Feature::Programs,
    Feature::PretalxSync,
    Feature::VisaLetters,
];

// ---- CONF-20: names ----

#[test]
fn conf_20_parses_every_feature_name() {
    let names = [
        "registration",
        "sponsors",
        "travel_grants",
        "programs",
        "pretalx_sync",
        "visa_letters",
        "public_ui",
        "manage_ui",
        "all_ui",
    ];
    for (name, feature) in names.iter().zip(Feature::ALL) {
        assert_eq!(name.parse::<Feature>(), Ok(feature));
        assert_eq!(feature.as_str(), *name);
        assert_eq!(feature.to_string(), *name);
    }
}

#[test]
fn conf_20_each_feature_maps_to_name_enabled_flag() {
    for f in Feature::ALL {
        assert_eq!(f.flag_name(), format!("{}_enabled", f.as_str()));
    }
}

#[test]
fn conf_20_unknown_feature_name_is_an_error() {
    let err = "bogus".parse::<Feature>().unwrap_err();
    assert_eq!(err, UnknownFeature("bogus".into()));
    assert_eq!(err.to_string(), "Unknown feature: 'bogus'");
}

#[test]
fn conf_20_flag_names_and_case_variants_are_not_feature_names() {
    assert_eq!(
        "registration_enabled"
            .parse::<Feature>()
            .unwrap_err()
            .to_string(),
        "Unknown feature: 'registration_enabled'"
    );
    assert!("Registration".parse::<Feature>().is_err());
    assert!("".parse::<Feature>().is_err());
}

#[test]
fn conf_20_feature_serializes_as_its_name() {
    let json = serde_json::to_string(&Feature::TravelGrants).unwrap();
    assert_eq!(json, "\"travel_grants\"");
    let back: Feature = serde_json::from_str("\"all_ui\"").unwrap();
    assert_eq!(back, Feature::AllUi);
}

// ---- CONF-21: defaults ----

#[test]
fn conf_21_every_flag_defaults_to_true() {
    let d = defaults();
    for f in Feature::ALL {
        assert!(d.get(f), "{f} should default to true");
        assert!(is_enabled(f, &d, None));
        assert!(is_enabled(f, &d, Some(&FeatureOverrides::default())));
    }
}

#[test]
fn conf_21_defaults_get_and_set_round_trip_per_flag() {
    for f in Feature::ALL {
        let d = with_default(f, false);
        for g in Feature::ALL {
            assert_eq!(d.get(g), g != f);
        }
    }
}

// ---- CONF-22: tri-state record ----

#[test]
fn conf_22_overrides_default_to_all_null() {
    let o = FeatureOverrides::default();
    assert!(o.is_empty());
    for f in Feature::ALL {
        assert_eq!(o.get(f), None);
    }
}

#[test]
fn conf_22_overrides_set_and_clear_each_flag_independently() {
    for f in Feature::ALL {
        let mut o = FeatureOverrides::default();
        o.set(f, Some(false));
        assert!(!o.is_empty());
        for g in Feature::ALL {
            assert_eq!(o.get(g), if g == f { Some(false) } else { None });
        }
        o.set(f, None);
        assert!(o.is_empty());
    }
}

#[test]
fn conf_22_overrides_serialize_with_stable_snake_case_fields() {
    let o = overriding(&[(Feature::TravelGrants, false), (Feature::AllUi, true)]);
    let json = serde_json::to_value(o).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "registration": null, "sponsors": null, "travel_grants": false,
            "programs": null, "pretalx_sync": null, "visa_letters": null,
            "public_ui": null, "manage_ui": null, "all_ui": true
        })
    );
    let back: FeatureOverrides = serde_json::from_value(json).unwrap();
    assert_eq!(back, o);
}

#[test]
fn conf_22_missing_fields_deserialize_as_inherit() {
    let o: FeatureOverrides = serde_json::from_str(r#"{"sponsors": false}"#).unwrap();
    assert_eq!(o, overriding(&[(Feature::Sponsors, false)]));
    let empty: FeatureOverrides = serde_json::from_str("{}").unwrap();
    assert!(empty.is_empty());
}

#[test]
fn conf_22_conference_without_record_behaves_as_all_null() {
    let mut d = with_default(Feature::Sponsors, false);
    d.all_ui_enabled = false;
    let none = FeatureOverrides::default();
    for f in Feature::ALL {
        // An all-null record resolves like the global defaults plus master switch.
        assert_eq!(is_enabled(f, &d, Some(&none)), is_enabled(f, &d, None));
    }
}

// ---- CONF-23: master switch with a conference ----

#[test]
fn conf_23_global_master_off_disables_public_and_manage_ui_despite_force_on() {
    let d = with_default(Feature::AllUi, false);
    let o = overriding(&[(Feature::PublicUi, true), (Feature::ManageUi, true)]);
    assert!(!is_enabled(Feature::PublicUi, &d, Some(&o)));
    assert!(!is_enabled(Feature::ManageUi, &d, Some(&o)));
}

#[test]
fn conf_23_conference_master_off_disables_ui_even_when_global_master_on() {
    let o = overriding(&[
        (Feature::AllUi, false),
        (Feature::PublicUi, true),
        (Feature::ManageUi, true),
    ]);
    assert!(!is_enabled(Feature::PublicUi, &defaults(), Some(&o)));
    assert!(!is_enabled(Feature::ManageUi, &defaults(), Some(&o)));
}

#[test]
fn conf_23_conference_master_on_overrides_global_master_off() {
    let d = with_default(Feature::AllUi, false);
    let o = overriding(&[(Feature::AllUi, true)]);
    assert!(is_enabled(Feature::PublicUi, &d, Some(&o)));
    assert!(is_enabled(Feature::ManageUi, &d, Some(&o)));
}

#[test]
fn conf_23_master_on_still_respects_the_feature_own_value() {
    let mut d = with_default(Feature::ManageUi, false);
    d.all_ui_enabled = false;
    let o = overriding(&[(Feature::AllUi, true), (Feature::PublicUi, false)]);
    assert!(!is_enabled(Feature::PublicUi, &d, Some(&o)));
    // manage_ui: master on via override, own override null → global default false
    assert!(!is_enabled(Feature::ManageUi, &d, Some(&o)));
}

#[test]
fn conf_23_null_conference_master_falls_back_to_global_master() {
    let o = overriding(&[(Feature::PublicUi, true)]);
    assert!(!is_enabled(
        Feature::PublicUi,
        &with_default(Feature::AllUi, false),
        Some(&o)
    ));
    assert!(is_enabled(Feature::PublicUi, &defaults(), Some(&o)));
}

// ---- CONF-24: per-feature override wins ----

#[test]
fn conf_24_conference_force_off_wins_over_global_on() {
    for f in Feature::ALL {
        let o = overriding(&[(f, false)]);
        assert!(!is_enabled(f, &defaults(), Some(&o)), "{f}");
    }
}

#[test]
fn conf_24_conference_force_on_wins_over_global_off() {
    for f in Feature::ALL {
        let o = overriding(&[(f, true)]);
        assert!(is_enabled(f, &with_default(f, false), Some(&o)), "{f}");
    }
}

#[test]
fn conf_24_null_override_uses_global_default() {
    for f in Feature::ALL {
        let o = FeatureOverrides::default();
        assert!(!is_enabled(f, &with_default(f, false), Some(&o)), "{f}");
        assert!(is_enabled(f, &defaults(), Some(&o)), "{f}");
    }
}

#[test]
fn conf_24_override_of_one_feature_does_not_leak_to_others() {
    let o = overriding(&[(Feature::Sponsors, false)]);
    for f in Feature::ALL {
        assert_eq!(is_enabled(f, &defaults(), Some(&o)), f != Feature::Sponsors);
    }
}

// ---- CONF-25: no conference ----

#[test]
fn conf_25_without_conference_global_master_off_disables_public_and_manage_ui() {
    let d = with_default(Feature::AllUi, false);
    assert!(!is_enabled(Feature::PublicUi, &d, None));
    assert!(!is_enabled(Feature::ManageUi, &d, None));
}

#[test]
fn conf_25_without_conference_features_return_global_defaults() {
    for f in Feature::ALL {
        assert!(!is_enabled(f, &with_default(f, false), None), "{f}");
        assert!(is_enabled(f, &defaults(), None), "{f}");
    }
}

#[test]
fn conf_25_without_conference_master_on_keeps_ui_default_off() {
    let d = with_default(Feature::PublicUi, false);
    assert!(!is_enabled(Feature::PublicUi, &d, None));
    assert!(is_enabled(Feature::ManageUi, &d, None));
}

// ---- CONF-26: all_ui never affects modules ----

#[test]
fn conf_26_global_master_off_does_not_affect_module_flags() {
    let d = with_default(Feature::AllUi, false);
    for f in MODULES {
        assert!(is_enabled(f, &d, None), "{f}");
        assert!(is_enabled(f, &d, Some(&FeatureOverrides::default())), "{f}");
    }
}

#[test]
fn conf_26_conference_master_off_does_not_affect_module_flags() {
    let o = overriding(&[(Feature::AllUi, false)]);
    for f in MODULES {
        assert!(is_enabled(f, &defaults(), Some(&o)), "{f}");
    }
}

#[test]
fn conf_26_all_ui_returns_its_own_override_or_default() {
    let off = with_default(Feature::AllUi, false);
    assert!(!is_enabled(Feature::AllUi, &off, None));
    assert!(!is_enabled(
        Feature::AllUi,
        &off,
        Some(&FeatureOverrides::default())
    ));
    assert!(is_enabled(
        Feature::AllUi,
        &off,
        Some(&overriding(&[(Feature::AllUi, true)]))
    ));
    assert!(!is_enabled(
        Feature::AllUi,
        &defaults(),
        Some(&overriding(&[(Feature::AllUi, false)]))
    ));
}

// ---- CONF-28: several features ----

#[test]
fn conf_28_all_enabled_requires_every_listed_feature() {
    let o = overriding(&[(Feature::VisaLetters, false)]);
    let d = defaults();
    assert!(all_enabled(
        &[Feature::Registration, Feature::PublicUi],
        &d,
        Some(&o)
    ));
    assert!(!all_enabled(
        &[Feature::Registration, Feature::VisaLetters],
        &d,
        Some(&o)
    ));
}

#[test]
fn conf_28_all_enabled_applies_master_switch_to_ui_members() {
    let d = with_default(Feature::AllUi, false);
    assert!(!all_enabled(
        &[Feature::Registration, Feature::PublicUi],
        &d,
        None
    ));
    // CONF-29: visa letters need registration + visa_letters only, not public_ui.
    assert!(all_enabled(
        &[Feature::Registration, Feature::VisaLetters],
        &d,
        None
    ));
}

#[test]
fn conf_28_empty_feature_list_is_available() {
    let o = overriding(&[(Feature::AllUi, false), (Feature::Registration, false)]);
    assert!(all_enabled(&[], &defaults(), Some(&o)));
}

// ---- CONF-31: template flags ----

#[test]
fn conf_31_template_flags_expose_every_flag_but_visa_letters() {
    let flags = template_flags(&defaults(), None);
    let keys: Vec<&str> = flags.keys().copied().collect();
    assert_eq!(
        keys,
        vec![
            "all_ui_enabled",
            "manage_ui_enabled",
            "pretalx_sync_enabled",
            "programs_enabled",
            "public_ui_enabled",
            "registration_enabled",
            "sponsors_enabled",
            "travel_grants_enabled",
        ]
    );
    assert!(!flags.contains_key("visa_letters_enabled"));
    assert!(flags.values().all(|v| *v));
}

#[test]
fn conf_31_template_flags_are_resolved_with_master_switch_and_overrides() {
    let d = with_default(Feature::Sponsors, false);
    let o = overriding(&[(Feature::AllUi, false), (Feature::Programs, false)]);
    let flags = template_flags(&d, Some(&o));
    assert!(!flags["all_ui_enabled"]);
    assert!(!flags["public_ui_enabled"]);
    assert!(!flags["manage_ui_enabled"]);
    assert!(!flags["programs_enabled"]);
    assert!(!flags["sponsors_enabled"]);
    assert!(flags["registration_enabled"]);
    assert!(flags["travel_grants_enabled"]);
    assert!(flags["pretalx_sync_enabled"]);
}
