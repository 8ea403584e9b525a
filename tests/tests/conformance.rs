//! Every operation of the pinned spec, called through its generated public method against
//! Stoplight Prism (which validates each request against the spec), twice:
//!
//! * **static**: Prism answers with the spec's examples; arguments are the minimal variant
//!   (required parameters, the body's own example when it validates, else synthesized);
//! * **dynamic**: `Prefer: dynamic=true` (Prism generates the response from the schema with
//!   json-schema-faker, `--seed` keeps it reproducible); arguments are the full variant
//!   (optional parameters that have examples, bodies with all optional properties).
//!
//! An operation passes when Prism reports no request violation and the response decoded into
//! the operation's Rust type. Prism answers 500 for a few media types it cannot mock
//! (`NO_COMPLEX_OBJECT_TEXT`, audio); it validates the request before, so those count as passes
//! "without a body" and are listed separately.
//!
//! Expected failures live in `spec/known-spec-issues.toml` (with evidence); the test fails on
//! any unlisted failure and on any listed case that passes.
//!
//! Servers: the 9 S3-style operations on `/{bucketName}` paths run against a Prism serving only
//! those paths, all others against one serving the spec without them (otherwise a wrong method
//! or path in the SDK falls through to the bucket routes and goes unnoticed; see
//! `tools/prism/README.md`). Both specs are derived into the target directory, never the repo.
//! The pinned spec lacks the bucket paths; `spec/overlays/storage.yaml` defines them, so the
//! overlaid spec Prism serves has them. A spec without them even so runs against the one server.
//!
//! `TELNYX_OPENAPI_SPEC=path` runs the suite against another spec (after `cargo xtask
//! regenerate --spec path`); `spec/known-spec-issues.toml` lists the pinned spec's defects only.

#[path = "../conformance/known.rs"]
mod known;
#[path = "../conformance/prism.rs"]
mod prism;
#[path = "../conformance/schema.rs"]
#[allow(dead_code)] // shared with examples_roundtrip.rs, which uses the rest
mod schema;
#[path = "../conformance/synth.rs"]
mod synth;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use telnyx_api::Client;
use workspace_tests::conformance::{Args, OpEntry};
use workspace_tests::generated::OPERATIONS;
use workspace_tests::{pinned_spec, pinned_spec_path, root, METHODS};

use prism::{classify_error, request_violations, Prism, Verdict};
use synth::{Synth, Variant};

/// Requests in flight at once (Prism is one Node process; more does not help on 2 cores).
const CONCURRENCY: usize = 6;
/// Per-request timeout.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Seed of Prism's dynamic responses.
const SEED: &str = "4242";

/// One operation of the spec with its arguments.
struct Case {
    id: String,
    method: String,
    path: String,
    entry: Option<OpEntry>,
    bucket: bool,
    minimal: Result<Args, String>,
    full: Result<Args, String>,
}

#[derive(Debug, Clone)]
enum Outcome {
    Pass,
    PassNoBody(String),
    Fail(String),
    /// The response (HTTP status) did not deserialize.
    Undecodable(u16, String),
}

/// The operations of the spec in spec order: (operation id or derived name, method, path).
fn spec_operations(spec: &Value) -> Vec<(Option<String>, String, String)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for m in METHODS {
            if let Some(op) = item.get(*m) {
                let id = op.get("operationId").and_then(Value::as_str).map(str::to_owned);
                out.push((id, (*m).to_owned(), path.clone()));
            }
        }
    }
    out
}

fn client(base: &str, dynamic: bool) -> Client {
    let mut headers = HeaderMap::new();
    if dynamic {
        headers.insert("prefer", HeaderValue::from_static("dynamic=true"));
    }
    let http = reqwest::Client::builder().default_headers(headers).build().expect("reqwest client");
    let mut b = Client::builder()
        .base_url(base)
        .api_key("conformance-test-key")
        // Spec drift must fail here: a response that deviates from its type is an error.
        .strict_decoding(true)
        .max_retries(0)
        .timeout(Some(TIMEOUT))
        .http_client(http);
    // Operations with servers of their own (Cloud Storage, from spec/overlays/) go to the same
    // mock: Prism serves the spec as published.
    for server in telnyx_api::servers::SERVERS {
        b = b.server_url(server.name, base);
    }
    b.build().expect("client")
}

async fn run_one(client: &Client, entry: &OpEntry, args: &Args) -> Outcome {
    let fut = match (entry.call)(client, args) {
        Ok(f) => f,
        Err(e) => return Outcome::Fail(format!("arguments do not fit the method's types: {e}")),
    };
    let result = match tokio::time::timeout(TIMEOUT + Duration::from_secs(5), fut).await {
        Ok(r) => r,
        Err(_) => return Outcome::Fail(format!("no answer within {TIMEOUT:?}")),
    };
    match result {
        Ok(workspace_tests::conformance::Called { status, headers, .. }) => {
            let v = request_violations(&headers);
            if v.is_empty() {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("HTTP {status} but request violations: {}", v.join("; ")))
            }
        }
        Err(telnyx_api::Error::Api(e)) => match classify_error(e.status, &e.headers, &e.body) {
            Verdict::AcceptedNoBody(why) => Outcome::PassNoBody(why),
            Verdict::Rejected(why) => Outcome::Fail(format!("Prism rejected the request: {why}")),
            Verdict::Other(why) => Outcome::Fail(format!("unexpected answer: {why}")),
        },
        Err(telnyx_api::Error::Decode { type_name, path, message, status, .. }) => {
            let what = format!("HTTP {status}: response does not deserialize into {type_name} at `{path}`: {message}");
            Outcome::Undecodable(status.as_u16(), what)
        }
        Err(other) => Outcome::Fail(other.to_string()),
    }
}

/// Run every case once against its server; returns outcomes by operation id.
async fn run_pass(cases: &[Case], main: &Client, buckets: &Client, variant: Variant) -> BTreeMap<String, Outcome> {
    futures::stream::iter(cases.iter())
        .map(|case| async move {
            let outcome = match (&case.entry, if variant == Variant::Minimal { &case.minimal } else { &case.full }) {
                (None, _) => Outcome::Fail("no OpEntry in workspace_tests::generated::OPERATIONS".into()),
                (_, Err(e)) => Outcome::Fail(format!("synthesizer: {e}")),
                (Some(entry), Ok(args)) => run_one(if case.bucket { buckets } else { main }, entry, args).await,
            };
            (case.id.clone(), outcome)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await
}

fn report(name: &str, what: &str, cases: &[Case], outcomes: &BTreeMap<String, Outcome>) -> BTreeMap<String, String> {
    let pass = outcomes.values().filter(|o| matches!(o, Outcome::Pass | Outcome::PassNoBody(_))).count();
    let no_body = outcomes.values().filter(|o| matches!(o, Outcome::PassNoBody(_))).count();
    println!(
        "conformance: {pass}/{} operations pass [{name}: {what}; {no_body} of them without a mock body]",
        cases.len()
    );
    let mut failures = BTreeMap::new();
    for case in cases {
        match outcomes.get(&case.id) {
            Some(Outcome::Fail(why) | Outcome::Undecodable(_, why)) => {
                println!("  FAIL [{name}] {} ({} {}): {why}", case.id, case.method.to_uppercase(), case.path);
                failures.insert(case.id.clone(), why.clone());
            }
            Some(Outcome::PassNoBody(why)) => {
                println!("  no-body [{name}] {} ({} {}): {why}", case.id, case.method.to_uppercase(), case.path);
            }
            _ => {}
        }
    }
    failures
}

/// Whether the example Prism served for `status` of `case` validates against its schema.
fn example_evidence(
    spec: &Value,
    validator: &schema::Validator<'_>,
    case: &Case,
    status: u16,
    json_path: &str,
) -> String {
    let media = spec
        .pointer(&format!("/paths/{}/{}/responses/{status}", schema::escape(&case.path), case.method))
        .map(|r| schema::resolve(spec, r))
        .and_then(|r| r.pointer("/content/application~1json"));
    let Some(media) = media else { return "no JSON response in the spec for this status".into() };
    let schema = media.get("schema").cloned().unwrap_or(Value::Null);
    match synth::media_example(spec, media) {
        None => schema_at(spec, validator, &schema, json_path),
        Some(ex) => match validator.explain(&schema, &ex, schema::Side::Response) {
            Some(why) => format!("the spec's example violates its own schema ({why})"),
            None => "the spec's example validates against its schema (SDK type bug?)".into(),
        },
    }
}

/// Prism built the body from the schema-level `example`s: find the schema at `json_path`
/// (`data[0].imsi`) and tell whether its `example` fits it.
fn schema_at(spec: &Value, validator: &schema::Validator<'_>, schema: &Value, json_path: &str) -> String {
    let mut cur = schema.clone();
    let mut trail = String::from("$");
    for seg in json_path.replace('[', ".[").split('.').filter(|s| !s.is_empty() && *s != "$") {
        let flat = schema::flatten(spec, &cur);
        // Candidates: the schema and its oneOf/anyOf branches.
        let mut cands = vec![flat.clone()];
        for key in ["oneOf", "anyOf"] {
            for b in flat.get(key).and_then(Value::as_array).into_iter().flatten() {
                cands.push(schema::flatten(spec, b));
            }
        }
        let next = if seg.starts_with('[') {
            cands.iter().find_map(|c| c.get("items").cloned())
        } else {
            cands.iter().find_map(|c| c.get("properties").and_then(|p| p.get(seg)).cloned())
        };
        match next {
            Some(n) => {
                trail.push_str(if seg.starts_with('[') { "" } else { "." });
                trail.push_str(seg);
                cur = n;
            }
            None => break,
        }
    }
    let flat = schema::flatten(spec, &cur);
    let shown: serde_json::Map<String, Value> = flat
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| matches!(k.as_str(), "type" | "format" | "example" | "nullable" | "enum" | "items"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let shown = Value::Object(shown).to_string();
    let shown: String = shown.chars().take(200).collect();
    match flat.get("example") {
        Some(ex) => match validator.explain(&flat, ex, schema::Side::Response) {
            Some(why) => {
                format!("spec: the schema-level example at {trail} violates its schema ({why}); schema {shown}")
            }
            None => format!("spec: the schema-level example at {trail} fits its schema {shown} (SDK type bug?)"),
        },
        None => format!("spec: schema at {trail} is {shown}, without an example"),
    }
}

/// The corrections of `spec/overlays/` (Cloud Storage's endpoint and SigV4 security, …), as
/// `cargo xtask regenerate` applies them.
fn overlays(repo: &Path) -> Vec<codegen::overlay::Overlay> {
    codegen::overlay::read_dir(&repo.join("spec/overlays"), "spec/overlays").unwrap_or_else(|e| panic!("{e}"))
}

/// Prism serves the spec the crate is generated from: the published one with the overlays. The
/// main server, and one for the bucket paths when the overlaid spec has them.
fn start_servers(repo: &Path, spec_path: &Path, spec: &Value) -> (Prism, Option<Prism>) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("prism-conformance");
    std::fs::create_dir_all(&dir).expect("create the Prism run directory");
    prism::install(repo).unwrap_or_else(|e| panic!("cannot install Prism: {e}"));
    let overlaid = dir.join("spec-overlaid.json");
    let mut published: Value = {
        let text = std::fs::read_to_string(spec_path).unwrap_or_else(|e| panic!("{}: {e}", spec_path.display()));
        codegen::load::parse_value(&text).unwrap_or_else(|e| panic!("{e}"))
    };
    codegen::overlay::apply(&mut published, &overlays(repo), &mut Default::default()).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&overlaid, serde_json::to_vec(&published).expect("JSON")).expect("write the overlaid spec");
    let spec_path = overlaid.as_path();
    let main_spec = dir.join("spec-no-buckets.json");
    let bucket_spec = dir.join("spec-buckets-only.json");
    let buckets: Vec<&str> = ["/{bucketName}", "/{bucketName}/{objectName}"]
        .into_iter()
        .filter(|p| spec["paths"].get(*p).is_some())
        .collect();
    let seed = ["--seed", SEED];
    std::thread::scope(|s| {
        let main = s.spawn(|| {
            let drop: Vec<(&str, &str)> = buckets.iter().map(|p| ("--drop-path", *p)).collect();
            prism::derive_spec(repo, spec_path, &main_spec, &drop)?;
            Prism::start(repo, &dir, &main_spec, &seed)
        });
        let bucket = (!buckets.is_empty()).then(|| {
            s.spawn(|| {
                let keep: Vec<(&str, &str)> = buckets.iter().map(|p| ("--keep-only-path", *p)).collect();
                prism::derive_spec(repo, spec_path, &bucket_spec, &keep)?;
                Prism::start(repo, &dir, &bucket_spec, &seed)
            })
        });
        let main = main.join().expect("main Prism thread");
        let bucket = bucket.map(|b| b.join().expect("bucket Prism thread")).transpose();
        // Whichever started is stopped by its Drop if the other failed.
        match (main, bucket) {
            (Ok(m), Ok(b)) => (m, b),
            (Err(e), _) | (_, Err(e)) => panic!("cannot start Prism: {e}"),
        }
    })
}

#[test]
fn conformance() {
    let t0 = Instant::now();
    // The synthesizer and the validator read OpenAPI 3.0: they get the document as the generator
    // reads it (a 3.1 spec normalised, repairs applied); Prism reads the file itself.
    let repo = root();
    let spec = codegen::load::load_value_with(pinned_spec(), &overlays(&repo))
        .map(|l| l.raw)
        .unwrap_or_else(|e| panic!("{e}"));
    let known = known::load(&repo.join("spec/known-spec-issues.toml"));

    // Cases: every operation of the spec, matched to its OpEntry by (method, path).
    let minimal = Synth::new(&spec, Variant::Minimal);
    let full = Synth::new(&spec, Variant::Full);
    let spec_ops = spec_operations(&spec);
    let mut cases = Vec::new();
    for (id, method, path) in &spec_ops {
        let entry = OPERATIONS.iter().find(|e| e.method.eq_ignore_ascii_case(method) && e.path == path).copied();
        // The generated id, not the spec's: the loader renames duplicated operationIds.
        let id = entry
            .map(|e| e.operation_id.to_owned())
            .or_else(|| id.clone())
            .unwrap_or_else(|| format!("{method} {path}"));
        cases.push(Case {
            id,
            method: method.clone(),
            path: path.clone(),
            entry,
            bucket: path.starts_with("/{bucketName}"),
            minimal: minimal.args(method, path),
            full: full.args(method, path),
        });
    }
    assert_eq!(OPERATIONS.len(), spec_ops.len(), "one OpEntry per operation of the spec");
    let ids: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), cases.len(), "operation ids are unique");

    // Debugging aids: CONFORMANCE_ONLY=opA,opB runs only those operations and prints their
    // arguments; CONFORMANCE_CAPTURE=http://127.0.0.1:PORT sends them to that server instead
    // of Prism (to see the bytes on the wire); neither is set in CI.
    if let Ok(only) = std::env::var("CONFORMANCE_ONLY") {
        let only: Vec<&str> = only.split(',').collect();
        cases.retain(|c| only.contains(&c.id.as_str()));
        for c in &cases {
            println!("{} minimal: {:?}\n{} full: {:?}", c.id, c.minimal, c.id, c.full);
        }
        if let Ok(url) = std::env::var("CONFORMANCE_CAPTURE") {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                for c in &cases {
                    for args in [&c.minimal, &c.full].into_iter().flatten() {
                        let out = run_one(&client(&url, false), c.entry.as_ref().expect("entry"), args).await;
                        println!("{}: {out:?}", c.id);
                    }
                }
            });
            return;
        }
    }
    let (main_prism, bucket_prism) = start_servers(&repo, &pinned_spec_path(), &spec);
    let bucket_url = bucket_prism.as_ref().map_or(&main_prism.base_url, |b| &b.base_url);
    let started = t0.elapsed();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let (mut static_outcomes, dynamic_outcomes) = rt.block_on(async {
        let s =
            run_pass(&cases, &client(&main_prism.base_url, false), &client(bucket_url, false), Variant::Minimal).await;
        let d = run_pass(&cases, &client(&main_prism.base_url, true), &client(bucket_url, true), Variant::Full).await;
        (s, d)
    });
    drop(main_prism);
    drop(bucket_prism);

    // For an undecodable example response: does the spec's example fit its own schema? That
    // tells a spec defect from an SDK type bug.
    let validator = schema::Validator::new(&spec);
    for case in &cases {
        if let Some(Outcome::Undecodable(status, why)) = static_outcomes.get_mut(&case.id) {
            why.push_str("; ");
            let json_path = why.split('`').nth(1).unwrap_or("").to_owned();
            why.push_str(&example_evidence(&spec, &validator, case, *status, &json_path));
        }
    }
    let static_failures = report("static", "spec example responses, minimal arguments", &cases, &static_outcomes);
    let dynamic_failures = report("dynamic", "schema-generated responses, full arguments", &cases, &dynamic_outcomes);
    println!("conformance: Prism ready after {:.1?}, total {:.1?}", started, t0.elapsed());

    let seen: Vec<String> = cases.iter().map(|c| c.id.clone()).collect();
    let mut problems = known::compare("static", &static_failures, &seen, &known);
    problems.extend(known::compare("dynamic", &dynamic_failures, &seen, &known));
    assert!(
        problems.is_empty(),
        "{} discrepancies with spec/known-spec-issues.toml:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
