//! Helpers for the workspace-level tests in `tests/tests/`.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The pinned spec, found as `cargo xtask` finds it: `$TELNYX_OPENAPI_SPEC`, then
/// `spec/cache/<file>`, then `../shared/spec/<file>`, with `<file>` from `spec/pin.toml`.
pub fn pinned_spec_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TELNYX_OPENAPI_SPEC") {
        return PathBuf::from(p);
    }
    let pin = std::fs::read_to_string(root().join("spec/pin.toml")).expect("spec/pin.toml");
    let file = pin
        .lines()
        .find_map(|l| l.trim().strip_prefix("file").and_then(|r| r.trim().strip_prefix('=')))
        .map(|v| v.trim().trim_matches('"').to_owned())
        .expect("`file` in spec/pin.toml");
    let cache = root().join("spec/cache").join(&file);
    if cache.is_file() {
        return cache;
    }
    root().join("../shared/spec").join(file)
}

/// The pinned spec as JSON.
pub fn pinned_spec() -> serde_json::Value {
    let path = pinned_spec_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()))
}

/// The pinned spec with the corrections of `spec/overlays/` applied, as `cargo xtask regenerate`
/// applies them (but neither normalised nor repaired): the operations the crate is generated
/// from, including those an overlay adds where the spec lacks them (Cloud Storage's).
pub fn generated_spec() -> serde_json::Value {
    let mut spec = pinned_spec();
    let overlays =
        codegen::overlay::read_dir(&root().join("spec/overlays"), "spec/overlays").unwrap_or_else(|e| panic!("{e}"));
    codegen::overlay::apply(&mut spec, &overlays, &mut Default::default()).unwrap_or_else(|e| panic!("{e}"));
    spec
}

/// `v` with its `$ref`s followed (within `root`).
pub fn resolve<'a>(root: &'a serde_json::Value, v: &'a serde_json::Value) -> &'a serde_json::Value {
    let mut v = v;
    for _ in 0..64 {
        let Some(r) = v.get("$ref").and_then(serde_json::Value::as_str) else { break };
        v = root.pointer(r.trim_start_matches('#')).unwrap_or_else(|| panic!("unresolvable $ref {r}"));
    }
    v
}

/// HTTP methods OpenAPI path items can hold.
pub const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// What the generated conformance tables (`tests/generated/conformance.rs`, written by
/// `cargo xtask regenerate`) are made of. The harness in `tests/tests/conformance.rs` fills
/// [`Args`] from the spec and calls each operation through its public generated method.
pub mod conformance {
    use std::future::Future;
    use std::pin::Pin;

    use reqwest::header::HeaderMap;
    use reqwest::StatusCode;
    use serde::de::DeserializeOwned;
    use serde_json::{Map, Value};

    /// Arguments of one call, as JSON values keyed by the spec's parameter names.
    #[derive(Debug, Clone, Default)]
    pub struct Args {
        pub path: Map<String, Value>,
        pub query: Map<String, Value>,
        pub header: Map<String, Value>,
        /// The request body (JSON, or for multipart/form bodies the object of fields; for raw
        /// bodies a string).
        pub body: Option<Value>,
    }

    fn get<T: DeserializeOwned>(map: &Map<String, Value>, place: &str, name: &str) -> Result<T, String> {
        let v = map.get(name).ok_or_else(|| format!("missing {place} argument {name:?}"))?;
        serde_json::from_value(v.clone()).map_err(|e| format!("{place} argument {name:?} = {v}: {e}"))
    }

    fn get_opt<T: DeserializeOwned>(map: &Map<String, Value>, place: &str, name: &str) -> Result<Option<T>, String> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                serde_json::from_value(v.clone()).map(Some).map_err(|e| format!("{place} argument {name:?} = {v}: {e}"))
            }
        }
    }

    impl Args {
        /// A required path parameter.
        pub fn path<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
            get(&self.path, "path", name)
        }
        /// A required query parameter.
        pub fn query<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
            get(&self.query, "query", name)
        }
        /// An optional query parameter.
        pub fn query_opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, String> {
            get_opt(&self.query, "query", name)
        }
        /// A required header parameter.
        pub fn header<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
            get(&self.header, "header", name)
        }
        /// An optional header parameter.
        pub fn header_opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, String> {
            get_opt(&self.header, "header", name)
        }
        /// The body, deserialized into the operation's body type.
        pub fn body<T: DeserializeOwned>(&self) -> Result<T, String> {
            let v = self.body.clone().unwrap_or(Value::Object(Map::new()));
            serde_json::from_value(v.clone()).map_err(|e| format!("body {v}: {e}"))
        }
        /// A raw (bytes / text) body.
        pub fn raw_body(&self) -> String {
            match &self.body {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            }
        }
    }

    /// A success whose body decoded into the operation's response type.
    #[derive(Debug, Clone)]
    pub struct Called {
        pub status: StatusCode,
        pub headers: HeaderMap,
        /// Where the body deviated from the type (`Response::deviations`).
        pub deviations: Vec<telnyx_api::Deviation>,
        /// The members the type does not declare (`Response::undeclared`; JSON responses only).
        pub undeclared: Vec<telnyx_api::Deviation>,
    }

    /// The outcome of one call: a success, or the error.
    pub type CallResult = Result<Called, telnyx_api::Error>;

    /// The future of one call.
    pub type CallFuture = Pin<Box<dyn Future<Output = CallResult> + Send>>;

    /// One operation: calls its generated method with arguments taken from [`Args`].
    #[derive(Debug, Clone, Copy)]
    pub struct OpEntry {
        pub operation_id: &'static str,
        pub method: &'static str,
        pub path: &'static str,
        /// `Err` when the arguments do not deserialize into the method's parameter types.
        pub call: fn(&telnyx_api::Client, &Args) -> Result<CallFuture, String>,
    }

    /// One generated type, by the JSON pointer of the schema it comes from.
    #[derive(Debug, Clone, Copy)]
    pub struct SchemaEntry {
        pub pointer: &'static str,
        pub type_name: &'static str,
        /// Deserialize a JSON value into the type and serialize it back.
        pub roundtrip: fn(&Value) -> Result<Value, String>,
    }

    /// Deserialize into `T` and back; used by the generated [`SchemaEntry`] table.
    pub fn roundtrip<T: DeserializeOwned + serde::Serialize>(v: &Value) -> Result<Value, String> {
        let t: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
        serde_json::to_value(&t).map_err(|e| e.to_string())
    }

    /// Await a generated call, keeping status and headers.
    pub fn send<T: Send + 'static, I: Send + 'static>(call: telnyx_api::ApiCall<T, I>) -> CallFuture {
        Box::pin(async move {
            call.with_response().await.map(|r| Called {
                status: r.status,
                headers: r.headers,
                deviations: r.deviations,
                undeclared: Vec::new(),
            })
        })
    }

    /// [`send`] for a JSON-or-CSV response, with the members the JSON type does not declare.
    pub fn send_json_or_text<T: DeserializeOwned + telnyx_api::shape::Shaped + Send + 'static, I: Send + 'static>(
        call: telnyx_api::ApiCall<telnyx_api::JsonOrText<T>, I>,
    ) -> CallFuture {
        Box::pin(async move {
            call.with_response().await.map(|r| Called {
                undeclared: telnyx_api::undeclared::<T>(&r.body),
                status: r.status,
                headers: r.headers,
                deviations: r.deviations,
            })
        })
    }

    /// The upgrade request of a WebSocket. A mock server that cannot speak WebSocket (Prism)
    /// answers it with a success status and no upgrade: that is the request accepted, the
    /// status kept. (The frames are tested against a WebSocket server: `telnyx-api/tests/ws`.)
    pub fn send_websocket<C: Send + 'static, S: Send + 'static, I: Send + 'static>(
        call: telnyx_api::ws::WsCall<C, S, I>,
    ) -> CallFuture {
        Box::pin(async move {
            match call.connect().await {
                Ok(connection) => Ok(Called {
                    status: StatusCode::SWITCHING_PROTOCOLS,
                    headers: connection.headers().clone(),
                    deviations: Vec::new(),
                    undeclared: Vec::new(),
                }),
                Err(telnyx_api::Error::WebSocket {
                    failure: telnyx_api::ws::WsFailure::NotUpgraded { status, headers },
                    ..
                }) => Ok(Called { status, headers: *headers, deviations: Vec::new(), undeclared: Vec::new() }),
                Err(e) => Err(e),
            }
        })
    }

    /// [`send`] for a JSON response, with the members its type does not declare.
    pub fn send_json<T: serde::de::DeserializeOwned + telnyx_api::shape::Shaped + Send + 'static, I: Send + 'static>(
        call: telnyx_api::ApiCall<T, I>,
    ) -> CallFuture {
        Box::pin(async move {
            call.with_response().await.map(|r| Called {
                undeclared: r.undeclared(),
                status: r.status,
                headers: r.headers,
                deviations: r.deviations,
            })
        })
    }
}

/// Generated by `cargo xtask regenerate`: the conformance tables.
#[rustfmt::skip]
#[path = "generated/conformance.rs"]
pub mod generated;

/// The README's Rust snippets, compiled as doctests of this crate: `cargo test --workspace` runs
/// them (compiled only, `no_run`: they call the real API).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct Readme;
