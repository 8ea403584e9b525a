//! The deviation matrix: the spec's own response shapes, mutated the ways real bodies deviate
//! (one member per body), served by a local server and decoded through each operation's
//! generated method, leniently (the default) and strictly.
//!
//! For every operation with a JSON 2xx response, a conforming body is synthesized from the
//! response schema (every member; `writeOnly` ones left out) and must decode strictly first.
//! Then, per class, the first member in document order the class applies to is mutated:
//!
//! | class | member chosen | mutation |
//! |---|---|---|
//! | `missing` | required, not nullable | removed |
//! | `null` | required, not nullable | `null` |
//! | `int-for-string` | `type: string` without `enum` | `42` |
//! | `string-for-int` | `type: integer` | `"7"` |
//! | `string-for-object` | an object with `properties` | `"x"` |
//! | `object-for-array` | `type: array` | `{"a": 1}` |
//! | `undeclared` | an object with `properties` | a member it does not declare added |
//!
//! Members under a `oneOf`/`anyOf` are not chosen (which variant a mutated body is, and so
//! which path a deviation has, is then a matter of interpretation). A `null` in an optional
//! member is not a row: it decodes as `None` in both modes, as before, and says no more than
//! absence would.
//!
//! Each row must hold for every body: the lenient decoding succeeds and reports the deviation
//! at the mutated member's path, and the strict decoding fails with `Error::Decode` (the
//! `undeclared` row: both succeed, no deviation, and `Response::undeclared()` lists the member
//! at its path). The table prints, per class, what strict decoding (0.2's) accepted before and
//! what decodes now.

#[path = "../conformance/schema.rs"]
#[allow(dead_code)]
mod schema;
#[path = "../conformance/synth.rs"]
#[allow(dead_code)]
mod synth;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use telnyx_api::{Client, DeviationKind, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use workspace_tests::conformance::{Args, Called, OpEntry};
use workspace_tests::generated::OPERATIONS;
use workspace_tests::{pinned_spec, root};

use schema::{flatten, resolve, type_of};
use synth::{Synth, Variant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Missing,
    Null,
    IntForString,
    StringForInt,
    StringForObject,
    ObjectForArray,
    Undeclared,
}

const CLASSES: [Class; 7] = [
    Class::Missing,
    Class::Null,
    Class::IntForString,
    Class::StringForInt,
    Class::StringForObject,
    Class::ObjectForArray,
    Class::Undeclared,
];

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Missing => "a required member missing",
            Class::Null => "null in a required, non-nullable member",
            Class::IntForString => "an integer where a string is declared",
            Class::StringForInt => "a string where an integer is declared",
            Class::StringForObject => "a string where an object is declared",
            Class::ObjectForArray => "an object where an array is declared",
            Class::Undeclared => "an undeclared member",
        }
    }

    /// The kind of deviation the client must report for it.
    fn kind(self) -> Option<DeviationKind> {
        match self {
            Class::Missing => Some(DeviationKind::Missing),
            Class::Null => Some(DeviationKind::Null),
            Class::Undeclared => None,
            _ => Some(DeviationKind::Mismatch),
        }
    }
}

/// A place in a body where a class applies: the JSON path (as the client renders it) and the
/// steps to get there.
#[derive(Debug, Clone)]
struct Site {
    path: String,
    steps: Vec<Step>,
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn render(steps: &[Step]) -> String {
    let mut out = String::new();
    for s in steps {
        match s {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() {
        ".".to_owned()
    } else {
        out
    }
}

fn nullable(s: &Value) -> bool {
    s.get("nullable").and_then(Value::as_bool) == Some(true)
}

/// The first site of each class in `value` (whose schema is `schema`), in document order.
fn sites(spec: &Value, schema: &Value, value: &Value, steps: &mut Vec<Step>, out: &mut BTreeMap<Class, Site>) {
    if steps.len() > 24 {
        return;
    }
    let s = flatten(spec, schema);
    if s.get("oneOf").is_some() || s.get("anyOf").is_some() {
        return;
    }
    let first = |class: Class, steps: &[Step], out: &mut BTreeMap<Class, Site>| {
        out.entry(class).or_insert_with(|| Site { path: render(steps), steps: steps.to_vec() });
    };
    match (type_of(&s), value) {
        (Some("object") | None, Value::Object(members)) => {
            let Some(props) = s.get("properties").and_then(Value::as_object) else { return };
            // A schema with `additionalProperties` declares every member.
            if s.get("additionalProperties").is_none_or(|a| a == &Value::Bool(false)) {
                first(Class::Undeclared, steps, out);
            }
            let required: Vec<&str> =
                s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
            for (name, v) in members {
                let Some(p) = props.get(name) else { continue };
                let pf = flatten(spec, p);
                if pf.get("oneOf").is_some() || pf.get("anyOf").is_some() {
                    continue;
                }
                steps.push(Step::Key(name.clone()));
                if required.contains(&name.as_str()) && !nullable(&pf) && !nullable(resolve(spec, p)) {
                    first(Class::Missing, steps, out);
                    first(Class::Null, steps, out);
                }
                match type_of(&pf) {
                    Some("string") if pf.get("enum").is_none() && v.is_string() => {
                        first(Class::IntForString, steps, out)
                    }
                    Some("integer") if v.is_number() => first(Class::StringForInt, steps, out),
                    Some("object") if pf.get("properties").is_some() && v.is_object() => {
                        first(Class::StringForObject, steps, out)
                    }
                    Some("array") if v.is_array() => first(Class::ObjectForArray, steps, out),
                    _ => {}
                }
                sites(spec, p, v, steps, out);
                steps.pop();
            }
        }
        (Some("array"), Value::Array(items)) => {
            if let (Some(item_schema), Some(item)) = (s.get("items"), items.first()) {
                steps.push(Step::Index(0));
                sites(spec, item_schema, item, steps, out);
                steps.pop();
            }
        }
        _ => {}
    }
}

/// `body` with `class` applied at `site`.
fn mutate(body: &Value, class: Class, site: &Site) -> Value {
    let mut body = body.clone();
    let (last, parents) = match site.steps.split_last() {
        Some((last, parents)) => (Some(last), parents),
        None => (None, &[][..]),
    };
    let mut node = &mut body;
    for s in parents {
        node = match s {
            Step::Key(k) => &mut node[k.as_str()],
            Step::Index(i) => &mut node[*i],
        };
    }
    if class == Class::Undeclared {
        // `site` is the object itself.
        let target = match last {
            Some(Step::Key(k)) => &mut node[k.as_str()],
            Some(Step::Index(i)) => &mut node[*i],
            None => node,
        };
        if let Some(obj) = target.as_object_mut() {
            obj.insert("undeclared_member".into(), json!({"kept": true}));
        }
        return body;
    }
    let Some(Step::Key(key)) = last else { return body };
    let obj = node.as_object_mut().expect("a member's parent is an object");
    match class {
        Class::Missing => {
            obj.remove(key);
        }
        Class::Null => {
            obj.insert(key.clone(), Value::Null);
        }
        Class::IntForString => {
            obj.insert(key.clone(), json!(42));
        }
        Class::StringForInt => {
            obj.insert(key.clone(), json!("7"));
        }
        Class::StringForObject => {
            obj.insert(key.clone(), json!("x"));
        }
        Class::ObjectForArray => {
            obj.insert(key.clone(), json!({"a": 1}));
        }
        Class::Undeclared => unreachable!("handled above"),
    }
    body
}

/// A local HTTP/1.1 server (keep-alive) answering every request with the body set last.
struct Server {
    url: String,
    body: Arc<Mutex<Vec<u8>>>,
}

impl Server {
    async fn start() -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let body: Arc<Mutex<Vec<u8>>> = Arc::default();
        let shared = body.clone();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let _ = conn.set_nodelay(true);
                let body = shared.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    loop {
                        // One request: headers, then Content-Length bytes of body.
                        let head_end = loop {
                            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                break i + 4;
                            }
                            match conn.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        while buf.len() < head_end + length {
                            match conn.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        buf.drain(..head_end + length);
                        let body = body.lock().unwrap().clone();
                        // One write: a head and a body written apart wait for a delayed ACK.
                        let mut reply = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        reply.extend_from_slice(&body);
                        if conn.write_all(&reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Server { url, body }
    }

    fn answer(&self, body: &Value) {
        *self.body.lock().unwrap() = body.to_string().into_bytes();
    }
}

fn client(url: &str, strict: bool) -> Client {
    let mut b = Client::builder().base_url(url).api_key("KEY").max_retries(0).strict_decoding(strict);
    for server in telnyx_api::servers::SERVERS {
        b = b.server_url(server.name, url);
    }
    b.build().unwrap()
}

async fn call(client: &Client, entry: &OpEntry, args: &Args) -> Result<Called, Error> {
    let fut = (entry.call)(client, args).map_err(Error::Config)?;
    tokio::time::timeout(Duration::from_secs(20), fut).await.unwrap_or_else(|_| panic!("{} hung", entry.operation_id))
}

/// The JSON schema of the first 2xx `application/json` response of an operation.
fn response_schema<'a>(spec: &'a Value, method: &str, path: &str) -> Option<&'a Value> {
    let responses = spec.pointer(&format!("/paths/{}/{method}/responses", schema::escape(path)))?.as_object()?;
    responses.iter().filter(|(status, _)| status.starts_with('2')).find_map(|(_, r)| {
        let r = resolve(spec, r);
        let media = r.get("content")?.as_object()?.iter().find(|(ct, _)| ct.contains("json"))?.1;
        media.get("schema")
    })
}

#[derive(Default, Debug)]
struct Row {
    tried: usize,
    strict_before: usize,
    lenient: usize,
    reported: usize,
    strict_error: usize,
    /// Bodies for which all of it held.
    held: usize,
    failures: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_class_of_deviation_decodes_and_is_reported_at_its_path() {
    let repo = root();
    let overlays =
        codegen::overlay::read_dir(&repo.join("spec/overlays"), "spec/overlays").unwrap_or_else(|e| panic!("{e}"));
    // As the generator reads it: 3.1 normalised to 3.0, repairs applied.
    let spec =
        codegen::load::load_value_with(pinned_spec(), &overlays).map(|l| l.raw).unwrap_or_else(|e| panic!("{e}"));
    let args_synth = Synth::new(&spec, Variant::Minimal);
    let body_synth = Synth::response(&spec);
    let server = Server::start().await;
    let (lenient, strict) = (client(&server.url, false), client(&server.url, true));

    let mut rows: BTreeMap<Class, Row> = BTreeMap::new();
    let (mut operations, mut skipped_base) = (0, Vec::new());
    for entry in OPERATIONS {
        let method = entry.method.to_ascii_lowercase();
        let Some(schema) = response_schema(&spec, &method, entry.path) else { continue };
        let Ok(args) = args_synth.args(&method, entry.path) else { continue };
        let Some(body) = body_synth.value(schema) else { continue };
        if !(body.is_object() || body.is_array()) {
            continue;
        }
        server.answer(&body);
        // The conforming body must decode strictly, or the operation tells nothing.
        if let Err(e) = call(&strict, entry, &args).await {
            skipped_base.push(format!("{}: {e}", entry.operation_id));
            continue;
        }
        let mut found = BTreeMap::new();
        sites(&spec, schema, &body, &mut Vec::new(), &mut found);
        if found.is_empty() {
            continue;
        }
        operations += 1;
        for (class, site) in &found {
            let mutated = mutate(&body, *class, site);
            server.answer(&mutated);
            let row = rows.entry(*class).or_default();
            row.tried += 1;
            let failures_before = row.failures.len();
            let strict_result = call(&strict, entry, &args).await;
            row.strict_before += usize::from(strict_result.is_ok());
            let what = format!("{} {} at {}", entry.operation_id, class.name(), site.path);
            match call(&lenient, entry, &args).await {
                Err(e) => row.failures.push(format!("{what}: lenient: {e}")),
                Ok(called) => {
                    row.lenient += 1;
                    let reported = match class.kind() {
                        Some(kind) => called.deviations.iter().any(|d| d.path == site.path && d.kind == kind),
                        None => {
                            let path = if site.path == "." {
                                "undeclared_member".to_owned()
                            } else {
                                format!("{}.undeclared_member", site.path)
                            };
                            called.deviations.is_empty() && called.undeclared.iter().any(|d| d.path == path)
                        }
                    };
                    if reported {
                        row.reported += 1;
                    } else {
                        row.failures.push(format!(
                            "{what}: not reported there: {:?} / undeclared {:?}",
                            called.deviations.iter().map(ToString::to_string).collect::<Vec<_>>(),
                            called.undeclared.iter().map(|d| &d.path).collect::<Vec<_>>()
                        ));
                    }
                }
            }
            let strict_ok = match class {
                Class::Undeclared => strict_result.is_ok(),
                _ => matches!(strict_result, Err(Error::Decode { .. })),
            };
            if strict_ok {
                row.strict_error += 1;
            } else {
                row.failures.push(format!("{what}: strict: {strict_result:?}"));
            }
            row.held += usize::from(row.failures.len() == failures_before);
        }
    }

    println!("deviation matrix over {operations} operations (conforming bodies synthesized from the response schemas)");
    println!(
        "{:<42} | {:>5} | {:>17} | {:>15} | {:>19} | {:>13}",
        "deviation (one member)", "tried", "before: decodes", "now: decodes", "reported at path", "strict as 0.2"
    );
    println!("{}", "-".repeat(42 + 5 + 17 + 15 + 19 + 13 + 15));
    let (mut all, mut held) = (0, 0);
    for class in CLASSES {
        let Some(r) = rows.get(&class) else { continue };
        println!(
            "{:<42} | {:>5} | {:>7}/{:<9} | {:>7}/{:<7} | {:>9}/{:<9} | {:>5}/{:<7}",
            class.name(),
            r.tried,
            r.strict_before,
            r.tried,
            r.lenient,
            r.tried,
            r.reported,
            r.tried,
            r.strict_error,
            r.tried
        );
        all += r.tried;
        held += r.held;
    }
    if !skipped_base.is_empty() {
        println!(
            "{} operations left out: their synthesized conforming body does not decode strictly:",
            skipped_base.len()
        );
        for s in skipped_base.iter().take(10) {
            println!("  {s}");
        }
    }
    let failures: Vec<&String> = rows.values().flat_map(|r| &r.failures).collect();
    for f in failures.iter().take(40) {
        println!("  FAIL {f}");
    }
    println!("deviations: {held}/{all} mutated bodies hold");
    assert!(operations >= 200, "only {operations} operations with a mutable JSON response");
    assert!(failures.is_empty(), "{} failures", failures.len());
}
