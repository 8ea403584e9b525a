//! A malformed or unsupported spec gives an error naming the JSON pointer, never a panic.

use codegen::naming::Overrides;

fn err(spec: &str) -> codegen::GenError {
    match codegen::generate(spec, &Overrides::default()) {
        Ok(_) => panic!("expected an error for:\n{spec}"),
        Err(e) => e,
    }
}

const HEAD: &str = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\n";

#[test]
fn dangling_parameter_ref_names_the_pointer() {
    // A schema `$ref` to nothing is an untyped value (`tests/load.rs`); a parameter that is not
    // there has no name or place to send it.
    let e = err(&format!(
        "{HEAD}paths:\n  /calls:\n    get:\n      operationId: c\n      parameters:\n        - $ref: '#/components/parameters/Missing'\n      responses:\n        '204': {{description: none}}\n"
    ));
    assert_eq!(e.pointer, "#/paths/~1calls/get/parameters/0");
    assert!(e.message.contains("dangling $ref"), "{e}");
}

#[test]
fn wrong_type_in_document_names_the_pointer() {
    let e = err(&format!("{HEAD}paths:\n  /calls:\n    get:\n      parameters: 7\n      responses: {{}}\n"));
    assert_eq!(e.pointer, "#/paths/~1calls/get/parameters", "{e}");
}

#[test]
fn unsupported_version_and_bad_yaml() {
    assert_eq!(err("openapi: 2.0\ninfo: {title: t, version: '1'}\npaths: {}\n").pointer, "#/openapi");
    assert_eq!(err("openapi: [unclosed\n").pointer, "#");
}

#[test]
fn cookie_parameters_are_an_error_not_an_omission() {
    let e = err(&format!(
        "{HEAD}paths:\n  /x:\n    get:\n      operationId: g\n      parameters:\n        - {{name: s, in: cookie, schema: {{type: string}}}}\n      responses:\n        '204': {{description: none}}\n"
    ));
    assert_eq!(e.pointer, "#/paths/~1x/get/parameters/0");
}

const HEAD31: &str = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n";

/// A spec with one component schema `S` (3.0 or 3.1 head) used by one operation.
fn with_schema(head: &str, schema: &str) -> String {
    format!(
        "{head}paths:\n  /x:\n    get:\n      operationId: g\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/S'}}\ncomponents:\n  schemas:\n    S: {schema}\n"
    )
}

#[test]
fn boolean_required_outside_a_property_is_ambiguous() {
    let e = err(&with_schema(HEAD, "{type: object, required: true, properties: {a: {type: string}}}"));
    assert_eq!(e.pointer, "#/components/schemas/S/required", "{e}");
}

#[test]
fn required_list_with_a_non_name() {
    let e = err(&with_schema(HEAD, "{type: object, required: [a, 3], properties: {a: {type: string}}}"));
    assert_eq!(e.pointer, "#/components/schemas/S/required/1", "{e}");
}

#[test]
fn external_ref_is_an_error_at_the_referencing_node() {
    let e = err(&with_schema(HEAD, "{type: object, properties: {a: {$ref: 'common.yaml#/Pet'}}}"));
    assert_eq!(e.pointer, "#/components/schemas/S/properties/a", "{e}");
    assert!(e.message.contains("external $ref"), "{e}");
}

#[test]
fn dangling_ref_outside_what_lowering_visits() {
    // An unused component response and a webhook: lowering never looks at either.
    let e =
        err(&format!("{HEAD}paths: {{}}\ncomponents:\n  responses:\n    R: {{$ref: '#/components/responses/Gone'}}\n"));
    assert_eq!(e.pointer, "#/components/responses/R", "{e}");
    assert!(e.message.contains("dangling $ref"), "{e}");
    let e = err(&format!(
        "{HEAD31}webhooks:\n  callHangup:\n    post:\n      requestBody: {{$ref: '#/components/requestBodies/Gone'}}\n"
    ));
    assert_eq!(e.pointer, "#/webhooks/callHangup/post/requestBody", "{e}");
}

#[test]
fn allof_with_a_union_nested_in_a_part() {
    // Only the allOf's own parts (and the schema's own oneOf) are distributed.
    let e = err(&with_schema(
        HEAD,
        "{allOf: [{type: object, properties: {a: {type: string}}}, {allOf: [{oneOf: [{type: object, properties: {b: {type: string}}}, {type: object, properties: {c: {type: string}}}]}]}]}",
    ));
    assert_eq!(e.pointer, "#/components/schemas/S/allOf/1/allOf/0", "{e}");
}

#[test]
fn allof_distributed_into_too_many_variants() {
    let union = "{oneOf: [{type: object, properties: {a: {type: string}}}, {type: object, properties: {b: {type: string}}}, {type: object, properties: {c: {type: string}}}, {type: object, properties: {d: {type: string}}}, {type: object, properties: {e: {type: string}}}]}";
    let e = err(&with_schema(HEAD, &format!("{{allOf: [{union}, {union}, {union}]}}")));
    assert_eq!(e.pointer, "#/components/schemas/S", "{e}");
    assert!(e.message.contains("125 combinations"), "{e}");
}

#[test]
fn schema_ref_to_a_response_without_a_schema() {
    let e = err(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    S: {{$ref: '#/components/responses/R'}}\n  responses:\n    R: {{description: empty}}\n"
    ));
    assert_eq!(e.pointer, "#/components/schemas/S", "{e}");
}

#[test]
fn unsupported_openapi_31_keywords_name_their_pointer() {
    let e = err(&with_schema(HEAD31, "{type: object, if: {required: [a]}, then: {required: [b]}}"));
    assert_eq!(e.pointer, "#/components/schemas/S/if", "{e}");
    let e = err(&with_schema(HEAD31, "{type: array, prefixItems: [{type: string}]}"));
    assert_eq!(e.pointer, "#/components/schemas/S/prefixItems", "{e}");
    let e = err(&with_schema(HEAD31, "{type: object, properties: {gone: false}}"));
    assert_eq!(e.pointer, "#/components/schemas/S/properties/gone", "{e}");
    let e = err(&with_schema(HEAD31, "{type: [string, 3]}"));
    assert_eq!(e.pointer, "#/components/schemas/S/type", "{e}");
    let e = err(&with_schema(HEAD31, "{type: string, const: a, enum: [b, c]}"));
    assert_eq!(e.pointer, "#/components/schemas/S/const", "{e}");
    let e = err(&with_schema(HEAD31, "{type: integer, exclusiveMinimum: low}"));
    assert_eq!(e.pointer, "#/components/schemas/S/exclusiveMinimum", "{e}");
}

#[test]
fn dangling_path_item_ref_in_openapi_31() {
    let e = err(&format!("{HEAD31}paths:\n  /x: {{$ref: '#/components/pathItems/Gone'}}\n"));
    assert_eq!(e.pointer, "#/paths/~1x", "{e}");
    assert!(e.message.contains("dangling $ref"), "{e}");
}

#[test]
fn unsupported_versions() {
    assert_eq!(err("openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n").pointer, "#/openapi");
    assert_eq!(err("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n").pointer, "#/openapi");
}

#[test]
fn alias_cycle_between_components() {
    let e = err(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{$ref: '#/components/schemas/B'}}\n    B: {{$ref: '#/components/schemas/A'}}\n"
    ));
    assert_eq!(e.pointer, "#/components/schemas/A", "{e}");
    assert!(e.message.contains("cycle"), "{e}");
}
