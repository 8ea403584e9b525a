//! Loading: spec repairs and the OpenAPI 3.1 → 3.0 normalisation, checked by their warnings
//! (text and pointer) and by what the loaded document and the IR say afterwards. The specs are
//! the tiny ones under `tests/specs/` (also snapshotted by `snapshots.rs`).

use std::path::{Path, PathBuf};

use codegen::ir::{Ir, TypeDef, TypeKind, TypeRef};
use codegen::load::Loaded;
use codegen::naming::Overrides;
use serde_json::{json, Value};

fn text(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs").join(format!("{name}.yaml"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load(name: &str) -> Loaded {
    codegen::load::load(&text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ir(name: &str) -> Ir {
    codegen::generate(&text(name), &Overrides::default()).unwrap_or_else(|e| panic!("{name}: {e}")).ir
}

fn at<'v>(raw: &'v Value, pointer: &str) -> &'v Value {
    raw.pointer(pointer).unwrap_or_else(|| panic!("nothing at {pointer}"))
}

fn def<'i>(ir: &'i Ir, name: &str) -> &'i TypeDef {
    ir.types.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no type {name}"))
}

fn field<'i>(ir: &'i Ir, ty: &str, api_name: &str) -> &'i codegen::ir::Field {
    match &def(ir, ty).kind {
        TypeKind::Struct(s) => {
            s.fields.iter().find(|f| f.api_name == api_name).unwrap_or_else(|| panic!("no field {ty}.{api_name}"))
        }
        other => panic!("{ty} is not a struct: {other:?}"),
    }
}

#[test]
fn boolean_required_on_a_property_moves_to_the_parent() {
    let l = load("repair_required_bool");
    assert_eq!(
        l.warnings,
        [
            "#/components/schemas/NumberRequest/properties/phone_number/required: boolean `required: true` on a \
             property: moved to the parent's `required` list",
            "#/components/schemas/NumberRequest/properties/tag/required: boolean `required: false` on a property \
             dropped",
        ]
    );
    assert_eq!(at(&l.raw, "/components/schemas/NumberRequest/required"), &json!(["country", "phone_number"]));
    let ir = ir("repair_required_bool");
    assert!(field(&ir, "NumberRequest", "phone_number").required);
    assert!(!field(&ir, "NumberRequest", "tag").required);
}

#[test]
fn required_as_one_name_becomes_a_list() {
    let l = load("repair_required_string");
    let pointer = "#/paths/~1numbers/post/requestBody/content/application~1json/schema/required";
    assert_eq!(
        l.warnings,
        [format!("{pointer}: `required` given as one name instead of a list: read as a list of it")]
    );
    assert_eq!(at(&l.raw, &pointer[1..]), &json!(["phone_number"]));
}

#[test]
fn schema_ref_to_a_response_means_its_schema() {
    let l = load("repair_misplaced_ref");
    assert_eq!(
        l.warnings,
        ["schema $ref to a response: read as a $ref to its schema (2 places: \
          #/paths/~1orders/get/responses/200/content/application~1json/schema, \
          #/components/responses/ListOrderResponse/content/application~1json/schema/properties/data/items)"]
    );
    // The responses' inline schemas moved to components/schemas under the responses' names.
    let media = "/components/responses/ListOrderResponse/content/application~1json/schema";
    assert_eq!(at(&l.raw, media), &json!({"$ref": "#/components/schemas/ListOrderResponse"}));
    assert_eq!(
        at(&l.raw, "/components/schemas/ListOrderResponse/properties/data/items"),
        &json!({"$ref": "#/components/schemas/OrderResponse"})
    );
    let ir = ir("repair_misplaced_ref");
    let op = &ir.operations[0];
    assert_eq!(op.response, codegen::ir::ResponseKind::Json(TypeRef::Named("ListOrderResponse".into())));
    assert_eq!(
        field(&ir, "ListOrderResponse", "data").ty,
        TypeRef::Array(Box::new(TypeRef::Named("OrderResponse".into())))
    );
}

#[test]
fn duplicate_operation_id_is_renamed_after_method_and_path() {
    let l = load("repair_duplicate_operation_id");
    assert_eq!(
        l.warnings,
        ["#/paths/~1v2~1whatsapp~1phone_numbers/get/operationId: duplicate operationId \"ListPhoneNumbers\" renamed \
          to \"get_v2_whatsapp_phone_numbers\""]
    );
    let ir = ir("repair_duplicate_operation_id");
    let ids: Vec<&str> = ir.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["ListPhoneNumbers", "get_v2_whatsapp_phone_numbers"]);
}

#[test]
fn a_valid_spec_loads_without_warnings() {
    for name in ["all_of", "bodies", "one_of", "nullable_recursive"] {
        let l = load(name);
        assert_eq!(l.warnings, Vec::<String>::new(), "{name}");
        // Nothing to repair: the document is left as it was, key order included.
        let original = codegen::load::parse_value(&text(name)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(serde_json::to_string(&l.raw).ok(), serde_json::to_string(&original).ok(), "{name}");
    }
}

#[test]
fn openapi_31_constructs_are_normalised() {
    let l = load("oas31");
    assert_eq!(
        l.warnings,
        ["#/components/schemas/Call/properties/value/type: a list of several types is read as a oneOf of one branch \
          per type"]
    );
    let raw = &l.raw;
    assert_eq!(raw.get("jsonSchemaDialect"), None);
    assert_eq!(at(raw, "/info/description"), "each 3.1-only construct once, normalised to 3.0 on loading");
    assert_eq!(at(raw, "/info/license"), &json!({"name": "MIT", "url": "https://spdx.org/licenses/MIT.html"}));
    // components/pathItems are inlined where they are referenced.
    assert_eq!(raw.pointer("/components/pathItems"), None);
    assert_eq!(at(raw, "/paths/~1calls/post/operationId"), "createCall");
    let limit = "/paths/~1calls/post/parameters/0/schema";
    assert_eq!(
        at(raw, limit),
        &json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 100, "exclusiveMaximum": true})
    );
    let audio = "/paths/~1calls/post/requestBody/content/application~1octet-stream/schema";
    assert_eq!(at(raw, audio), &json!({"type": "string", "format": "binary"}));

    let call = "/components/schemas/Call";
    assert_eq!(raw.pointer(&format!("{call}/examples")), None);
    assert_eq!(at(raw, &format!("{call}/example/record_type")), "call");
    assert_eq!(raw.pointer(&format!("{call}/$defs")), None);
    let p = |name: &str| at(raw, &format!("{call}/properties/{name}")).clone();
    assert_eq!(p("record_type"), json!({"enum": ["call"]}));
    assert_eq!(p("from"), json!({"type": "string", "nullable": true}));
    // `minimum: 5` already implies `> 1`.
    assert_eq!(p("timeout_secs"), json!({"type": "integer", "nullable": true, "minimum": 5}));
    assert_eq!(p("tags"), json!({"type": "array", "items": {"type": "string"}}));
    assert_eq!(p("client_state"), json!({"type": "string", "format": "byte"}));
    assert_eq!(
        p("leg"),
        json!({
            "allOf": [{"$ref": "#/components/schemas/Leg"}],
            "description": "The leg this call belongs to; null before it is bridged.",
            "nullable": true,
        })
    );
    assert_eq!(
        p("parent"),
        json!({"description": "Null for the root call.", "oneOf": [{"$ref": "#/components/schemas/Leg"}], "nullable": true})
    );
    assert_eq!(
        p("value"),
        json!({"description": "A string or a number.", "oneOf": [{"type": "string"}, {"type": "number", "format": "double"}]})
    );
    assert_eq!(p("recording"), json!({"$ref": "#/components/schemas/Call_Recording"}));
    assert_eq!(at(raw, "/components/schemas/Call_Recording/properties/url"), &json!({"type": "string"}));
    assert_eq!(
        at(raw, "/components/schemas/Leg/properties/direction"),
        &json!({"type": "string", "nullable": true, "enum": ["inbound", "outbound", null]})
    );

    // What users get.
    let ir = ir("oas31");
    let f = |name: &str| field(&ir, "Call", name).clone();
    assert!(f("from").nullable && f("from").ty == TypeRef::String);
    assert!(f("leg").nullable && f("leg").ty == TypeRef::Named("Leg".into()) && f("leg").doc.is_some());
    assert!(f("parent").nullable && f("parent").ty == TypeRef::Named("Leg".into()));
    assert_eq!(f("recording").ty, TypeRef::Named("CallRecording".into()));
    assert!(matches!(&def(&ir, "CallValue").kind, TypeKind::Union(u) if u.variants.len() == 2));
}

#[test]
fn openapi_31_webhooks_are_loaded() {
    let l = load("oas31");
    let names: Vec<&String> = l.webhooks.keys().collect();
    assert_eq!(names, ["callHangup"]);
    match &l.webhooks["callHangup"] {
        openapiv3::ReferenceOr::Item(item) => {
            assert_eq!(item.post.as_ref().and_then(|op| op.operation_id.as_deref()), Some("callHangup"))
        }
        other => panic!("{other:?}"),
    }
    // Webhooks are not operations of the client.
    assert!(ir("oas31").operations.iter().all(|op| op.id != "callHangup"));
}

/// The OpenAPI 3.1 spec beside the repo (`../shared/spec/`), as in CI.
fn spec_31() -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/telnyx-2026-07-16.yml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the OpenAPI 3.1 spec is expected beside the repo: {}: {e}", path.display()));
    (path, text)
}

#[test]
fn openapi_31_spec_loads_every_webhook_and_lowers_every_operation() {
    let (path, text) = spec_31();
    let raw = codegen::load::parse_value(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let hooks: Vec<String> = raw["webhooks"]
        .as_object()
        .map(|m| m.keys().filter(|k| !k.starts_with("x-")).cloned().collect())
        .unwrap_or_default();
    let operations = raw["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(_, item)| item.as_object().into_iter().flatten())
        .filter(|(k, _)| ["get", "put", "post", "delete", "options", "head", "patch", "trace"].contains(&k.as_str()))
        .count();
    assert!(!hooks.is_empty(), "{} has webhooks", path.display());
    let loaded = codegen::load::load_value(raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(loaded.webhooks.keys().cloned().collect::<Vec<_>>(), hooks);
    for (name, item) in &loaded.webhooks {
        let openapiv3::ReferenceOr::Item(item) = item else { panic!("webhook {name} is a $ref") };
        assert!(item.iter().next().is_some(), "webhook {name} has an operation");
    }
    let ir = codegen::lower::lower(&loaded.openapi, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ir.operations.len(), operations);
}

#[test]
fn boolean_required_in_a_parameter_schema_marks_the_parameter() {
    let l = load("repair_required_parameter");
    let param = "#/paths/~1numbers/get/parameters/0";
    assert_eq!(
        l.warnings,
        [format!(
            "{param}/schema/required: boolean `required: true` in a parameter's schema: read as the parameter's \
             `required`"
        )]
    );
    assert_eq!(at(&l.raw, &format!("{}/required", &param[1..])), &json!(true));
    let ir = ir("repair_required_parameter");
    assert!(ir.operations[0].params.iter().any(|p| p.api_name == "country" && p.required));
}

fn warning_with<'l>(l: &'l Loaded, needle: &str) -> &'l str {
    l.warnings
        .iter()
        .find(|w| w.contains(needle))
        .unwrap_or_else(|| panic!("no warning with {needle:?}: {:#?}", l.warnings))
}

#[test]
fn swagger2_body_parameters_become_the_request_body() {
    let l = load("repair_swagger2_body");
    let register = "#/paths/~1actions~1register~1sim_cards/post";
    assert_eq!(
        warning_with(&l, "`in: body` parameters read as the properties"),
        format!(
            "Swagger 2 `in: body` parameters read as the properties of the operation's JSON requestBody (2 places: \
             {register}/parameters/0, {register}/parameters/1)"
        )
    );
    assert!(warning_with(&l, "parameter read as the operation's requestBody")
        .starts_with("#/paths/~1sim_cards~1{id}/patch/parameters/1:"));
    warning_with(&l, "`in: formData` parameters read as the properties of the operation's form requestBody");
    warning_with(&l, "#/components/parameters/SimCardBody: Swagger 2 body parameter component removed");
    warning_with(
        &l,
        &format!("{register}/responses/200/schema: Swagger 2 response `schema` read as its application/json content"),
    );
    // Only the query parameter is left; the body has the others as properties, `required` kept.
    let op = at(&l.raw, "/paths/~1actions~1register~1sim_cards/post");
    assert_eq!(op["parameters"], json!([{"in": "query", "name": "dry_run", "schema": {"type": "boolean"}}]));
    let body = &op["requestBody"];
    assert_eq!(body["required"], true);
    let schema = &body["content"]["application/json"]["schema"];
    assert_eq!(schema["required"], json!(["registration_codes"]));
    assert_eq!(schema["properties"]["sim_card_group_id"]["description"], "The group to attach the SIM cards to.");
    assert!(l.raw.pointer("/components/parameters/SimCardBody").is_none());

    let ir = ir("repair_swagger2_body");
    let op = |id: &str| ir.operations.iter().find(|o| o.id == id).unwrap_or_else(|| panic!("no {id}"));
    let register = op("SimCardRegister");
    assert_eq!(register.body.as_ref().map(|b| &b.ty), Some(&TypeRef::Named("SimCardRegisterBody".into())));
    assert!(field(&ir, "SimCardRegisterBody", "registration_codes").required);
    assert_eq!(register.response, codegen::ir::ResponseKind::Json(TypeRef::Named("SimCardRegisterResponse".into())));
    // A single object body parameter is the body itself (Swagger 2).
    assert!(field(&ir, "SimCardUpdateBody", "tags").ty == TypeRef::Array(Box::new(TypeRef::String)));
    let fax = op("SendFax").body.as_ref().unwrap();
    assert_eq!(fax.kind, codegen::ir::BodyKind::Multipart);
    assert_eq!(field(&ir, "SendFaxBody", "media").ty, TypeRef::File);
}

#[test]
fn a_response_component_written_as_a_bare_schema_gets_content() {
    let l = load("repair_bare_schema_response");
    warning_with(
        &l,
        "response component written as a bare schema (no `content`): the schema moves to components/schemas, the \
         response's application/json content refers to it (2 places: #/components/responses/ListPushCredentialsResponse, \
         #/components/responses/PushCredentialResponse)",
    );
    assert_eq!(
        at(&l.raw, "/components/responses/ListPushCredentialsResponse"),
        &json!({"description": "Mobile push credentials",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ListPushCredentialsResponse"}}}})
    );
    let ir = ir("repair_bare_schema_response");
    let response = |id: &str| ir.operations.iter().find(|o| o.id == id).unwrap().response.clone();
    assert_eq!(
        response("ListPushCredentials"),
        codegen::ir::ResponseKind::Json(TypeRef::Named("ListPushCredentialsResponse".into()))
    );
    assert_eq!(
        response("GetPushCredential"),
        codegen::ir::ResponseKind::Json(TypeRef::Named("PushCredentialResponse".into()))
    );
    assert_eq!(field(&ir, "PushCredentialResponse", "data").ty, TypeRef::Named("PushCredential".into()));
}

#[test]
fn a_ref_is_a_json_pointer_into_the_document() {
    let l = load("repair_pointer_ref");
    let body = "#/paths/~1display_profiles/post/requestBody/content/application~1json/schema/properties";
    assert_eq!(
        warning_with(&l, "schema $ref to a schema inside another object"),
        format!(
            "schema $ref to a schema inside another object (a JSON pointer): the schema moves to components/schemas, \
             where both places refer to it (4 places: {body}/name, {body}/phone_numbers, {body}/reason, …)"
        )
    );
    warning_with(
        &l,
        "#/paths/~1display_profiles~1search/get/parameters/0: parameter $ref to a parameter outside components",
    );
    let schemas = at(&l.raw, "/components/schemas");
    let p = "/components/schemas/VerifiedCallsDisplayProfile/properties";
    assert_eq!(
        at(&l.raw, &format!("{p}/name")),
        &json!({"$ref": "#/components/schemas/VerifiedCallsDisplayProfileName"})
    );
    assert_eq!(schemas["VerifiedCallsDisplayProfileName"], json!({"type": "string", "description": "The name shown."}));
    assert_eq!(
        at(&l.raw, &format!("{p}/call_reasons/items")),
        &json!({"$ref": "#/components/schemas/VerifiedCallsDisplayProfileCallReasonsItem"})
    );
    assert_eq!(
        at(&l.raw, "/paths/~1display_profiles~1search/get/parameters/0"),
        &json!({"$ref": "#/components/parameters/CreateDisplayProfilePageSize"})
    );

    let ir = ir("repair_pointer_ref");
    assert_eq!(
        field(&ir, "CreateDisplayProfileBody", "reason").ty,
        TypeRef::Named("VerifiedCallsDisplayProfileCallReasonsItem".into())
    );
    assert_eq!(
        field(&ir, "VerifiedCallsDisplayProfile", "call_reasons").ty,
        TypeRef::Array(Box::new(TypeRef::Named("VerifiedCallsDisplayProfileCallReasonsItem".into())))
    );
    let search = ir.operations.iter().find(|o| o.id == "SearchDisplayProfiles").unwrap();
    let ty = |name: &str| search.params.iter().find(|p| p.api_name == name).map(|p| p.ty.clone());
    assert_eq!(ty("page_size"), Some(TypeRef::Integer));
    assert_eq!(ty("business"), Some(TypeRef::Named("VerifiedCallsDisplayProfileName".into())));
}

#[test]
fn path_templates_and_path_parameters_are_reconciled() {
    let l = load("repair_path_template");
    warning_with(
        &l,
        "#/paths/~1texml~1Accounts~1{accound_sid}~1Conferences/get: path template variable {accound_sid} is declared \
         as path parameter \"account_sid\": the template is renamed after it",
    );
    warning_with(
        &l,
        "~1Siprec~1{siprec_sid}.json/post ({siprec_sid}): path template variable that no parameter declares",
    );
    warning_with(&l, "path parameter that the path template lacks: dropped (it could not be sent) (2 places");
    let ir = ir("repair_path_template");
    let paths: Vec<&str> = ir.operations.iter().map(|o| o.path.as_str()).collect();
    // Renamed in place: the spec's order is kept.
    assert_eq!(
        paths,
        [
            "/texml/Accounts/{account_sid}/Conferences",
            "/texml/Accounts/{account_sid}/Calls/{call_sid}/Siprec/{siprec_sid}.json",
            "/texml/Accounts/{account_sid}/Queues",
        ]
    );
    let names = |i: usize| ir.operations[i].params.iter().map(|p| p.api_name.clone()).collect::<Vec<_>>();
    assert_eq!(names(1), ["account_sid", "call_sid", "siprec_sid"]);
    assert_eq!(names(2), ["account_sid"]);
}

#[test]
fn openapi_31_constructs_in_a_30_document_are_read_with_their_31_meaning() {
    let l = load("repair_stray_31");
    let kinds: Vec<&str> = l.warnings.iter().map(|w| w.split_once(": ").map_or(w.as_str(), |(_, k)| k)).collect();
    assert_eq!(
        kinds,
        [
            "OpenAPI 3.1 construct in a 3.0 document (a numeric exclusive bound): read with its 3.1 meaning",
            "OpenAPI 3.1 construct in a 3.0 document (schema `examples`): read with its 3.1 meaning",
            "OpenAPI 3.1 construct in a 3.0 document (`const`): read with its 3.1 meaning",
            "OpenAPI 3.1 construct in a 3.0 document (a `type` list): read with its 3.1 meaning",
            "OpenAPI 3.1 construct in a 3.0 document (a `null` branch): read with its 3.1 meaning",
            "OpenAPI 3.1 keyword `contains` in a 3.0 document ignored (a 3.0 reader ignores it)",
        ]
    );
    let call = "/components/schemas/Call/properties";
    assert_eq!(at(&l.raw, &format!("{call}/from")), &json!({"type": "string", "nullable": true}));
    assert_eq!(at(&l.raw, &format!("{call}/to")), &json!({"oneOf": [{"type": "string"}], "nullable": true}));
    // `$ref` siblings keep their 3.0 meaning: ignored, not wrapped in an allOf.
    assert_eq!(
        at(&l.raw, &format!("{call}/state")),
        &json!({"$ref": "#/components/schemas/State", "description": "ignored in 3.0"})
    );
    // Read as nullable; `Call` is only ever received, so lowering then makes the optional
    // nullable fields plain `Option`s (see `optional_nullable_fields_are_double_only_where_sent`).
    let ir = ir("repair_stray_31");
    assert!(!field(&ir, "Call", "from").nullable && !field(&ir, "Call", "to").nullable);
    assert!(!field(&ir, "Call", "from").required);
    assert_eq!(field(&ir, "Call", "state").ty, TypeRef::Named("State".into()));
}

#[test]
fn a_discriminator_without_mapping_uses_the_value_each_variant_pins() {
    let g = codegen::generate(&text("discriminator_values"), &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
    let union = match &def(&g.ir, "DetailRecord").kind {
        TypeKind::Union(u) => u.clone(),
        other => panic!("{other:?}"),
    };
    let tags: Vec<(&str, Vec<&str>)> =
        union.variants.iter().map(|v| (v.name.as_str(), v.tags.iter().map(String::as_str).collect())).collect();
    assert_eq!(
        tags,
        [
            ("MessageDetailRecord", vec!["message_detail_record", "MessageDetailRecord"]),
            ("SimCardUsage", vec!["sim_card_usage", "SimCardUsage"]),
            ("AmdDetailRecord", vec!["amd_detail_record", "AmdDetailRecord"]),
            ("Untagged", vec!["Untagged"]),
        ]
    );
    // Only the `default` is a guess, and it says so.
    assert_eq!(
        g.warnings,
        ["#/components/schemas/DetailRecord: discriminator `record_type` without a mapping: variant values taken from \
          the `default` of their property (SimCardUsage = \"sim_card_usage\")"]
    );
    assert_eq!(g.warning_kinds, [(codegen::lower::DEFAULT_TAG.to_owned(), 1)]);
}

#[test]
fn overlays_apply_after_repairs_and_what_they_add_is_checked() {
    let spec = text("repair_required_string");
    let overlay = |update: &str| {
        codegen::overlay::Overlay::parse(
            "spec/overlays/x.yaml",
            &format!(
                "overlay: 1.0.0\ninfo: {{title: x, version: '1'}}\nactions:\n  - target: $.paths['/numbers'].post\n    \
                 description: served elsewhere\n    update: {update}\n"
            ),
        )
        .unwrap()
    };
    let ok = codegen::load::load_with(&spec, &[overlay("{servers: [{url: 'https://numbers.example'}]}")]).unwrap();
    assert_eq!(at(&ok.raw, "/paths/~1numbers/post/servers/0/url"), "https://numbers.example");
    assert!(ok.warnings.iter().any(|w| w
        == "#/paths/~1numbers/post: overlay spec/overlays/x.yaml (x): updated $.paths['/numbers'].post: served elsewhere"));
    let bad =
        codegen::load::load_with(&spec, &[overlay("{responses: {'201': {$ref: '#/components/responses/Nope'}}}")]);
    let e = bad.err().expect("a dangling $ref from an overlay is an error");
    assert_eq!(e.pointer, "#/paths/~1numbers/post/responses/201");
}

#[test]
fn optional_nullable_fields_are_double_only_where_sent() {
    let ir = ir("response_only_nullable");
    // Reached by a request body: `null` and absent stay apart.
    assert!(field(&ir, "ContactPatch", "nickname").nullable);
    assert!(field(&ir, "Address", "line2").nullable, "sent through ContactPatch, received too");
    // Only in responses: absent and `null` are both `None`, so a plain `Option`.
    assert!(!field(&ir, "ContactResponse", "nickname").nullable);
    // An open schema keeps its undeclared members; a closed one has no such field.
    let additional = |ty: &str| match &def(&ir, ty).kind {
        TypeKind::Struct(s) => s.additional.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(additional("ContactPatch").as_deref(), Some("additional_properties"));
    assert_eq!(additional("ContactResponse"), None);
    // A required nullable field is an `Option` either way and keeps its flag.
    assert!(
        field(&ir, "ContactResponse", "deleted_at").nullable && field(&ir, "ContactResponse", "deleted_at").required
    );
}

#[test]
fn a_schema_ref_to_nothing_is_an_untyped_value() {
    let l = load("repair_dangling_ref");
    warning_with(
        &l,
        "#/components/schemas/Room/properties/settings: schema $ref \"#/components/schemas/RoomSettings\" resolves to \
         nothing: read as an untyped JSON value",
    );
    // What the reference said of itself stays.
    assert_eq!(
        at(&l.raw, "/components/schemas/Room/properties/settings"),
        &json!({"description": "The room's settings."})
    );
    let ir = ir("repair_dangling_ref");
    assert_eq!(field(&ir, "Room", "settings").ty, TypeRef::Json);
    assert_eq!(field(&ir, "RoomList", "meta").ty, TypeRef::Json);
}

#[test]
fn a_format_name_as_type_is_a_string_of_that_format() {
    let l = load("repair_format_type");
    warning_with(
        &l,
        "schema type \"uuid\" is a format, not a JSON type: read as type \"string\" with that format (2 places",
    );
    assert_eq!(at(&l.raw, "/components/schemas/Recording/properties/id"), &json!({"type": "string", "format": "uuid"}));
    assert_eq!(
        at(&l.raw, "/components/schemas/Recording/properties/size"),
        &json!({"type": "integer", "format": "int64"})
    );
    let ir = ir("repair_format_type");
    assert_eq!(field(&ir, "Recording", "created_at").ty, TypeRef::String);
    assert_eq!(field(&ir, "Recording", "size").ty, TypeRef::Integer);
    assert_eq!(field(&ir, "Recording", "duration").ty, TypeRef::Number);
    assert_eq!(ir.operations[0].params[0].ty, TypeRef::String);
}

#[test]
fn a_component_name_as_type_is_a_ref_to_it() {
    let l = load("repair_component_type");
    warning_with(&l, "schema type \"PaginationMeta\" names a component schema: read as a $ref to it (2 places");
    let props = "/components/schemas/RoomList/properties";
    assert_eq!(at(&l.raw, &format!("{props}/meta")), &json!({"$ref": "#/components/schemas/PaginationMeta"}));
    assert_eq!(at(&l.raw, &format!("{props}/data/items")), &json!({"$ref": "#/components/schemas/Room"}));
    // Beside other keywords, the reference goes into an allOf so that they still apply.
    assert_eq!(
        at(&l.raw, &format!("{props}/previous")),
        &json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/PaginationMeta"}]})
    );
    let ir = ir("repair_component_type");
    let meta = TypeRef::Named("PaginationMeta".into());
    assert_eq!(field(&ir, "RoomList", "meta").ty, meta);
    assert_eq!(field(&ir, "RoomList", "previous").ty, meta);
    assert_eq!(field(&ir, "RoomList", "data").ty, TypeRef::Array(Box::new(TypeRef::Named("Room".into()))));
}

#[test]
fn an_unknown_type_is_dropped_and_a_json_type_in_another_case_read() {
    let l = load("repair_unknown_type");
    warning_with(&l, "schema type \"String\" read as \"string\"");
    warning_with(&l, "schema type \"any\" is no JSON type, format or component schema: dropped (an untyped value)");
    let ir = ir("repair_unknown_type");
    assert_eq!(field(&ir, "Room", "name").ty, TypeRef::String);
    assert_eq!(field(&ir, "Room", "active").ty, TypeRef::Boolean);
    assert_eq!(field(&ir, "Room", "metadata").ty, TypeRef::Json);
    // Without its type, a schema with properties is the object they describe.
    assert_eq!(field(&ir, "Room", "owner").ty, TypeRef::Named("RoomOwner".into()));
}

#[test]
fn a_swagger_2_file_type_is_a_binary_string() {
    let spec =
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    S: {type: file}\n";
    let l = codegen::load::load(spec).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        l.warnings,
        ["#/components/schemas/S/type: Swagger 2 schema `type: file` read as `type: string, format: binary`"]
    );
    assert_eq!(at(&l.raw, "/components/schemas/S"), &json!({"type": "string", "format": "binary"}));
}

#[test]
fn schema_keywords_inside_properties_move_to_the_schema() {
    let l = load("repair_keywords_in_properties");
    warning_with(
        &l,
        "#/components/schemas/RoomResponse/properties/required: schema keyword \"required\" written inside \
         `properties`: moved to the schema",
    );
    warning_with(
        &l,
        "#/components/schemas/Room/properties/description: schema keyword \"description\" written inside \
         `properties` disagrees with the schema's own: dropped",
    );
    let schema = at(&l.raw, "/components/schemas/RoomResponse");
    assert_eq!(schema["required"], json!(["meta", "data"]));
    assert_eq!(schema["title"], json!("Room response"));
    assert_eq!(schema["type"], json!("object"));
    let names: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["data", "meta"]);
    // A property named like a keyword, with a schema, is a property.
    assert_eq!(at(&l.raw, "/components/schemas/Room/description"), &json!("A room."));
    assert!(at(&l.raw, "/components/schemas/Room/properties").get("type").is_some());
    let ir = ir("repair_keywords_in_properties");
    assert!(field(&ir, "RoomResponse", "data").required);
    assert!(field(&ir, "Room", "type").ty == TypeRef::String);
}

#[test]
fn a_boolean_inside_properties_of_a_31_document_is_a_property() {
    let spec = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\ncomponents:\n  schemas:\n    S:\n      type: object\n      properties: {nullable: true, title: T}\n";
    let l = codegen::load::load(spec).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(at(&l.raw, "/components/schemas/S/properties"), &json!({"nullable": {}}));
    assert_eq!(at(&l.raw, "/components/schemas/S/title"), &json!("T"));
}

#[test]
fn a_response_without_description_gets_an_empty_one() {
    let l = load("repair_response_description");
    warning_with(&l, "response without the `description` OpenAPI requires: an empty one added (2 places");
    assert_eq!(at(&l.raw, "/paths/~1rooms/get/responses/200/description"), &json!(""));
    assert_eq!(at(&l.raw, "/components/responses/NotFound/description"), &json!(""));
    let ir = ir("repair_response_description");
    assert_eq!(ir.operations[0].response, codegen::ir::ResponseKind::Json(TypeRef::Array(Box::new(TypeRef::String))));
}

#[test]
fn one_operation_naming_a_path_parameter_otherwise_is_renamed() {
    let l = load("repair_path_parameter_name");
    warning_with(
        &l,
        "path parameter \"id\" is the template's {room_id}, which the path item's other operations declare by that \
         name: the parameter is renamed after the template (2 places",
    );
    let item = "/paths/~1rooms~1{room_id}";
    assert_eq!(at(&l.raw, &format!("{item}/delete/parameters/0/name")), &json!("room_id"));
    // A shared component parameter is copied, not renamed where the others use it.
    assert_eq!(
        at(&l.raw, &format!("{item}/patch/parameters/0")),
        &json!({"name": "room_id", "in": "path", "required": true, "description": "The id.", "schema": {"type": "string"}})
    );
    assert_eq!(at(&l.raw, "/components/parameters/Id/name"), &json!("id"));
    let ir = ir("repair_path_parameter_name");
    for op in &ir.operations {
        let names: Vec<&str> = op.params.iter().map(|p| p.api_name.as_str()).collect();
        let expected = if op.path.starts_with("/rooms/") { "room_id" } else { "id" };
        assert_eq!(names, [expected], "{}", op.path);
    }
}

#[test]
fn all_of_with_a_one_of_part_is_a_union_of_merged_structs() {
    assert_eq!(load("all_of_one_of").warnings, Vec::<String>::new());
    let ir = ir("all_of_one_of");
    let union = |name: &str| match &def(&ir, name).kind {
        TypeKind::Union(u) => u.clone(),
        other => panic!("{name} is not a union: {other:?}"),
    };
    let names = |ty: &str| match &def(&ir, ty).kind {
        TypeKind::Struct(s) => s.fields.iter().map(|f| f.api_name.clone()).collect::<Vec<_>>(),
        other => panic!("{ty} is not a struct: {other:?}"),
    };
    let send = union("SendMessage");
    let types: Vec<&TypeRef> = send.variants.iter().map(|v| &v.ty).collect();
    assert_eq!(types, [&TypeRef::Named("SendMessageTextBody".into()), &TypeRef::Named("SendMessageVariant2".into())]);
    assert_eq!(names("SendMessageTextBody"), ["to", "from", "text"]);
    assert_eq!(names("SendMessageVariant2"), ["to", "from", "media_urls"]);
    // The oneOf beside the allOf, with its discriminator mapping naming the branches.
    let notification = union("Notification");
    assert_eq!(notification.discriminator.as_deref(), Some("channel"));
    let tags: Vec<(&str, &[String])> =
        notification.variants.iter().map(|v| (v.name.as_str(), v.tags.as_slice())).collect();
    assert_eq!(tags, [("EmailChannel", &["email".to_owned()][..]), ("SmsChannel", &["sms".to_owned()][..])]);
    assert_eq!(names("NotificationEmailChannel"), ["id", "channel", "address"]);
    // An allOf part that only annotates leaves the branches as they are.
    let channel = union("Channel");
    let types: Vec<&TypeRef> = channel.variants.iter().map(|v| &v.ty).collect();
    assert_eq!(types, [&TypeRef::Named("EmailChannel".into()), &TypeRef::Named("SmsChannel".into())]);
}

/// The OAuth 2.0 token endpoint is the `tokenUrl` of the first scheme with a client-credentials
/// flow; a spec without one has none.
#[test]
fn the_oauth_token_url_comes_from_the_client_credentials_flow() {
    let spec = |schemes: &str| {
        format!(
            "openapi: 3.0.0\ninfo: {{title: t, version: '1'}}\npaths: {{}}\ncomponents:\n  securitySchemes:\n{schemes}"
        )
    };
    let url = |text: &str| {
        let loaded = codegen::load::load(text).unwrap_or_else(|e| panic!("{e}"));
        codegen::lower::lower(&loaded.openapi, &Default::default()).unwrap_or_else(|e| panic!("{e}")).oauth_token_url
    };
    let with = spec(
        "    key: {type: http, scheme: bearer}\n    code:\n      type: oauth2\n      flows:\n        authorizationCode: {authorizationUrl: 'https://a/authorize', tokenUrl: 'https://a/code-token', scopes: {}}\n    creds:\n      type: oauth2\n      flows:\n        clientCredentials: {tokenUrl: 'https://api.example.com/v2/oauth/token', scopes: {}}\n",
    );
    assert_eq!(url(&with).as_deref(), Some("https://api.example.com/v2/oauth/token"));
    assert_eq!(url(&spec("    key: {type: http, scheme: bearer}\n")), None);
}
