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
fn dangling_ref_names_the_pointer() {
    let e = err(&format!(
        "{HEAD}paths:\n  /calls:\n    post:\n      operationId: c\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/Missing'}}\n"
    ));
    assert_eq!(e.pointer, "#/paths/~1calls/post/responses/200/content/application~1json/schema");
    assert!(e.message.contains("dangling $ref"), "{e}");
}

#[test]
fn wrong_type_in_document_names_the_pointer() {
    let e = err(&format!("{HEAD}paths:\n  /calls:\n    get:\n      parameters: 7\n      responses: {{}}\n"));
    assert_eq!(e.pointer, "#/paths/~1calls/get/parameters", "{e}");
}

#[test]
fn undeclared_path_parameter() {
    let e = err(&format!(
        "{HEAD}paths:\n  /calls/{{id}}:\n    get:\n      operationId: g\n      responses:\n        '204': {{description: none}}\n"
    ));
    assert_eq!(e.pointer, "#/paths/~1calls~1{id}/get");
    assert!(e.message.contains("{id}"), "{e}");
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
