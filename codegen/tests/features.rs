//! Cargo features per group of tags: which features gate each tag and type, the `#[cfg]`s that
//! come out, the `Cargo.toml`/README sections, and the error for a tag in no group
//! (`tests/specs/features/`: a spec and its feature table).

use std::path::Path;

use codegen::features::Groups;

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/features").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn generate(table: &str) -> Result<codegen::Generated, codegen::GenError> {
    let groups = Groups::from_toml(table).unwrap_or_else(|e| panic!("{e}"));
    let loaded = codegen::load::load(&fixture("spec.yaml"))?;
    codegen::generate_loaded(loaded, &Default::default(), Some(&groups), std::time::Instant::now())
}

#[test]
fn features_of_tags_and_types() {
    let g = generate(&fixture("features.toml")).unwrap_or_else(|e| panic!("{e}"));
    let ir = &g.ir;
    let features = |name: &str| -> Vec<String> {
        ir.types.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no type {name}")).features.clone()
    };
    // Reached by one group's operations (including through a callback), by two of three, by
    // all three (then always compiled).
    assert_eq!(features("NewMessage"), ["messaging"]);
    assert_eq!(features("MessageStatus"), ["messaging"]);
    assert_eq!(features("MessageDelivered"), ["messaging"]);
    assert_eq!(features("DialBody"), ["voice"]);
    assert_eq!(features("Meta"), ["numbers", "voice"]);
    assert!(features("PhoneNumber").is_empty());
    // Nothing reaches these: compiled with `full` only.
    assert_eq!((features("Unused"), features("Orphan")), (vec!["full".to_owned()], vec!["full".to_owned()]));
    let tag = |m: &str| ir.tags.iter().find(|t| t.module == m).and_then(|t| t.feature.clone());
    assert_eq!(tag("calls").as_deref(), Some("voice"));
    // A tag of the table that no operation has is left out, with a warning.
    let voice = ir.features.iter().find(|f| f.name == "voice").unwrap();
    assert_eq!((voice.tags.as_slice(), voice.operations), (&["Calls".to_owned()][..], 1));
    assert!(
        g.warnings.iter().any(|w| w.contains("\"Conferences\" of [voice] is the tag of no operation")),
        "{:?}",
        g.warnings
    );

    // An umbrella gates nothing itself: it enables its groups, and counts their operations.
    let telephony = ir.features.iter().find(|f| f.name == "telephony").unwrap();
    assert!(telephony.tags.is_empty());
    assert_eq!(
        (telephony.includes.as_slice(), telephony.operations),
        (&["voice".to_owned(), "numbers".to_owned()][..], 2)
    );
    assert!(ir.types.iter().all(|t| !t.features.contains(&"telephony".to_owned())));

    let mut out = String::new();
    for (name, content) in &g.files {
        let short = name.strip_prefix("telnyx-api/src/generated/").unwrap_or(name);
        let short = short.strip_prefix("telnyx-api/").unwrap_or(short);
        if short.starts_with("types/") || short == "apis/mod.rs" {
            out.push_str(&format!("// ==== {short}\n{content}\n"));
        }
    }
    for s in &g.sections {
        out.push_str(&format!("// ==== {} between `{}` and `{}`\n{}\n", s.path, s.begin, s.end, s.content));
    }
    insta::assert_snapshot!("features", out);
}

#[test]
fn a_tag_in_no_group_goes_into_the_catch_all_feature() {
    let table = fixture("features.toml").replace("tags = [\"Numbers\"]", "tags = [\"Numbers of old\"]");
    let g = generate(&table).unwrap_or_else(|e| panic!("{e}"));
    let ir = &g.ir;
    let numbers_ops = ir.operations.iter().filter(|op| op.tag == "Numbers").count();
    assert!(numbers_ops > 0);
    let other = ir.features.iter().find(|f| f.name == codegen::features::CATCH_ALL).expect("the catch-all feature");
    assert!(other.catch_all);
    assert_eq!((other.tags.as_slice(), other.operations), (&["Numbers".to_owned()][..], numbers_ops));
    let tag = ir.tags.iter().find(|t| t.name == "Numbers").unwrap();
    assert_eq!(tag.feature.as_deref(), Some(codegen::features::CATCH_ALL));
    let warning = format!("tag \"Numbers\" ({numbers_ops} operations) is in no group of spec/features.toml");
    assert!(
        g.warnings.iter().any(|w| w.contains(&warning) && w.starts_with("#/paths/~1numbers/get")),
        "{:?}",
        g.warnings
    );
    // A group whose tags are all gone stays a feature, empty, with a warning.
    let numbers = ir.features.iter().find(|f| f.name == "numbers").unwrap();
    assert_eq!((numbers.tags.len(), numbers.operations), (0, 0));
    assert!(g.warnings.iter().any(|w| w.contains("none of the tags of [numbers]")), "{:?}", g.warnings);
    // Both are in the Cargo features, `other` in `full`; the README table lists both.
    let cargo = &g.sections.iter().find(|s| s.path == codegen::emit::features::CARGO_TOML).unwrap().content;
    let full = cargo.lines().find(|l| l.starts_with("full = ")).unwrap();
    assert!(full.contains("\"other\"") && full.contains("\"numbers\""), "{cargo}");
    // `other` enables its types crate and its share of the shared one; `numbers`, with no types
    // of its own, only the latter.
    assert!(
        cargo.lines().any(|l| l == r#"other = ["dep:telnyx-api-types-other", "telnyx-api-types/other"]"#)
            && cargo.lines().any(|l| l == r#"numbers = ["telnyx-api-types/numbers"]"#),
        "{cargo}"
    );
    let readme = &g.sections.iter().find(|s| s.path == codegen::emit::features::README).unwrap().content;
    assert!(
        readme.contains(&format!("| `other` | {numbers_ops} |")) && readme.contains("| `numbers` | 0 |"),
        "{readme}"
    );
    // The module of the tag is gated by it.
    let apis = &g.files["telnyx-api/src/generated/apis/mod.rs"];
    assert!(apis.contains("#[cfg(feature = \"other\")]\npub mod numbers;"), "{apis}");
}

#[test]
fn without_a_table_nothing_is_gated() {
    let g = codegen::generate(&fixture("spec.yaml"), &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(g.ir.features.is_empty() && g.sections.is_empty());
    assert!(g.ir.types.iter().all(|t| t.features.is_empty()) && g.ir.tags.iter().all(|t| t.feature.is_none()));
    assert!(g.files.values().all(|f| !f.contains("#[cfg(")));
}

/// The types crates: a group's own types in its crate, shared ones in `telnyx-api-types` (gated
/// as before), those nothing reaches in `telnyx-api-types-full`; the manifests and `telnyx-api`'s
/// dependencies and features follow.
#[test]
fn types_go_in_one_crate_per_group_plus_a_shared_and_a_full_one() {
    use codegen::emit::crates;
    let g = generate(&fixture("features.toml")).unwrap_or_else(|e| panic!("{e}"));
    let of = crates::placement(&g.ir);
    assert_eq!(of["NewMessage"], Some("messaging"));
    assert_eq!(of["DialBody"], Some("voice"));
    assert_eq!((of["Meta"], of["PhoneNumber"]), (None, None));
    assert_eq!((of["Unused"], of["Orphan"]), (Some("full"), Some("full")));
    let file = |path: &str| g.files.get(path).unwrap_or_else(|| panic!("no {path} in {:?}", g.files.keys()));
    let messaging = file("telnyx-api/types/messaging/Cargo.toml");
    assert!(messaging.contains("name = \"telnyx-api-types-messaging\""), "{messaging}");
    assert!(
        messaging.contains(r#"telnyx-api-types = { path = "../common", version = "0.0.0", features = ["messaging"] }"#),
        "{messaging}"
    );
    let full = file("telnyx-api/types/full/Cargo.toml");
    for dep in ["telnyx-api-types-messaging", "telnyx-api-types-voice"] {
        assert!(full.contains(&format!("{dep} = {{ path = ")), "{full}");
    }
    let common = file("telnyx-api/types/common/Cargo.toml");
    assert!(common.contains("[features]\nmessaging = []\n") && common.contains("full = []\n"), "{common}");
    // Shared types keep their gate; a group's crate needs none.
    let lib = file("telnyx-api/types/common/src/lib.rs");
    assert!(lib.contains("use telnyx_api_core::{codec, shape, Multipart, UploadFile};"), "{lib}");
    assert!(file("telnyx-api/types/common/src/shared.rs")
        .contains("#[cfg(any(feature = \"numbers\", feature = \"voice\"))]"));
    assert!(!file("telnyx-api/types/messaging/src/lib.rs").contains("#[cfg("));
    assert!(file("telnyx-api/types/messaging/src/lib.rs").contains("use telnyx_api_types::*;"));
    let reexports = file("telnyx-api/src/generated/types/mod.rs");
    assert!(
        reexports.contains("#[cfg(feature = \"messaging\")]\n#[doc(inline)]\npub use telnyx_api_types_messaging::*;"),
        "{reexports}"
    );
    assert!(
        reexports.contains("#[cfg(feature = \"full\")]\n#[doc(inline)]\npub use telnyx_api_types_full::*;"),
        "{reexports}"
    );
    let deps = &g.sections.iter().find(|s| s.begin.starts_with("# BEGIN types crates")).unwrap().content;
    assert!(
        deps.contains(r#"telnyx-api-types-full = { path = "types/full", version = "0.0.0", optional = true }"#),
        "{deps}"
    );
}

/// Should a spec's features ever make a type name one in a crate it cannot see (here: a
/// `messaging` type naming one made `voice`-only by hand), emitting stops with an internal error
/// naming both, instead of writing crates that do not compile.
#[test]
fn a_type_its_crate_cannot_see_is_an_internal_error() {
    let g = generate(&fixture("features.toml")).unwrap_or_else(|e| panic!("{e}"));
    let mut ir = g.ir.clone();
    let parent = ir.types.iter().find(|t| t.name == "NewMessage").unwrap();
    let codegen::ir::TypeKind::Struct(s) = &parent.kind else { panic!("NewMessage is a struct") };
    let child = s.fields.iter().find_map(|f| f.ty.named()).expect("NewMessage names a type").to_owned();
    ir.types.iter_mut().find(|t| t.name == child).unwrap().features = vec!["voice".to_owned()];
    let e = codegen::emit::emit_and_format(&ir).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "type NewMessage (crate telnyx-api-types-messaging) names {child} (crate telnyx-api-types-voice)"
        )),
        "{e}"
    );
    assert!(e.contains("#/components/schemas/NewMessage"), "{e}");
}

/// Emitting and formatting on several threads gives what emitting and formatting file by file
/// on one thread gives.
#[test]
fn parallel_emission_matches_sequential() {
    let g = generate(&fixture("features.toml")).unwrap_or_else(|e| panic!("{e}"));
    let mut sequential: codegen::emit::Files = codegen::emit::emit(&g.ir)
        .unwrap()
        .into_iter()
        .map(|(k, v)| {
            let text = codegen::emit::format_file(&k, v).unwrap();
            (k, text)
        })
        .collect();
    sequential.extend(codegen::emit::manifests(&g.ir));
    assert_eq!(sequential, g.files);
}

#[test]
fn webhooks_no_operation_declares_go_with_the_group_claiming_their_event_type() {
    let table = "[voice]\ntags = [\"Calls\"]\nwebhooks = [\"call.\"]\n\n\
                 [recordings]\ntags = [\"Messages\"]\nwebhooks = [\"call.recording.\"]\n";
    let groups = Groups::from_toml(table).unwrap_or_else(|e| panic!("{e}"));
    let loaded = codegen::load::load(&fixture("webhooks31.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let g = codegen::generate_loaded(loaded, &Default::default(), Some(&groups), std::time::Instant::now())
        .unwrap_or_else(|e| panic!("{e}"));
    let features = |name: &str| -> Vec<String> {
        g.ir.types.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no type {name}")).features.clone()
    };
    // A prefix claims the event and what its payload names; the longest prefix wins.
    assert_eq!(features("CallAnsweredEvent"), ["voice"]);
    assert_eq!(features("CallPayload"), ["voice"]);
    assert_eq!(features("CallRecordingSavedEvent"), ["recordings"]);
    // No group claims `fax.`: always compiled, with a warning naming it.
    assert!(features("FaxDeliveredEvent").is_empty());
    assert!(
        g.warnings.iter().any(|w| w.contains("1 webhook event types") && w.contains("fax.delivered")),
        "{:?}",
        g.warnings
    );
    // What nothing reaches is compiled with `full` only.
    assert_eq!(features("NobodysSchema"), [codegen::features::FULL]);
    let events = &g.files["telnyx-api/src/generated/webhook_events.rs"];
    assert!(events.contains("#[cfg(feature = \"voice\")]\n    CallAnswered("), "{events}");
    // An umbrella cannot claim webhooks.
    let err = Groups::from_toml("[a]\ntags = [\"A\"]\n\n[u]\nincludes = [\"a\"]\nwebhooks = [\"x.\"]\n").unwrap_err();
    assert!(err.contains("[u] has webhooks but no tags"), "{err}");
}
