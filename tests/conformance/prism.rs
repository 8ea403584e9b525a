//! Starting and stopping Prism through `tools/prism/{start,stop}.sh`, and reading its verdict
//! on a request (the detection rule of `tools/prism/README.md`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;

/// A running Prism; stopped (through `stop.sh`) when dropped, also when the test panics.
pub struct Prism {
    pub port: u16,
    pub base_url: String,
    tools: PathBuf,
    run_dir: PathBuf,
}

impl Prism {
    /// Start Prism for `spec` on a free loopback port with extra `prism mock` arguments.
    pub fn start(repo: &Path, run_dir: &Path, spec: &Path, extra: &[&str]) -> Result<Prism, String> {
        let tools = repo.join("tools/prism");
        // Ports are handed out by the OS; another process could take it between our probe and
        // Prism's listen, so retry a few times (start.sh refuses a port that already answers).
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port()?;
            let out = Command::new(tools.join("start.sh"))
                .arg(spec)
                .arg(port.to_string())
                .arg("--")
                .args(extra)
                .env("PRISM_RUN_DIR", run_dir)
                .env("PRISM_VERBOSE", "warn")
                .output()
                .map_err(|e| format!("cannot run start.sh: {e}"))?;
            if out.status.success() {
                eprint!("{}", String::from_utf8_lossy(&out.stdout));
                return Ok(Prism {
                    port,
                    base_url: format!("http://127.0.0.1:{port}"),
                    tools,
                    run_dir: run_dir.to_owned(),
                });
            }
            // start.sh cleans up after itself when it fails.
            last = format!(
                "start.sh exited with {}:\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Err(last)
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = Command::new(self.tools.join("stop.sh"))
            .arg(self.port.to_string())
            .env("PRISM_RUN_DIR", &self.run_dir)
            .status();
    }
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot bind a loopback port: {e}"))?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Install the pinned Prism and its helpers (`tools/prism/install.sh`, a no-op when installed).
/// Call once before starting servers in parallel: two concurrent `npm ci` runs would collide.
pub fn install(repo: &Path) -> Result<(), String> {
    // derive-spec.cjs needs the `yaml` package from tools/prism/node_modules; on a fresh
    // machine nothing has installed it yet.
    let install = std::process::Command::new("bash")
        .arg(repo.join("tools/prism/install.sh"))
        .output()
        .map_err(|e| format!("cannot run tools/prism/install.sh: {e}"))?;
    if !install.status.success() {
        return Err(format!(
            "tools/prism/install.sh failed: {}{}",
            String::from_utf8_lossy(&install.stdout),
            String::from_utf8_lossy(&install.stderr)
        ));
    }
    Ok(())
}

/// Write a JSON copy of `spec` with path filters (`derive-spec.cjs`).
pub fn derive_spec(repo: &Path, spec: &Path, out: &Path, flags: &[(&str, &str)]) -> Result<(), String> {
    let mut cmd = Command::new("node");
    cmd.arg(repo.join("tools/prism/derive-spec.cjs")).arg(spec).arg(out);
    for (flag, value) in flags {
        cmd.arg(flag).arg(value);
    }
    let out = cmd.output().map_err(|e| format!("cannot run node: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("derive-spec.cjs failed: {}", String::from_utf8_lossy(&out.stderr)))
    }
}

/// Request violations Prism reported in an `sl-violations` header (entries whose location
/// starts with `"request"`; the others are about Prism's own response).
pub fn request_violations(headers: &HeaderMap) -> Vec<String> {
    let Some(v) = headers.get("sl-violations").and_then(|v| v.to_str().ok()) else { return Vec::new() };
    // Prism replaces a long list by "Too many violations! [..." cut off mid-JSON.
    let Ok(Value::Array(entries)) = serde_json::from_str::<Value>(v) else {
        let json = v.trim_start_matches("Too many violations!").trim_start();
        let compact: String = json.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.contains(r#""location":["request""#) || !compact.starts_with('[') {
            return vec![format!("sl-violations header (truncated by Prism): {v}")];
        }
        return Vec::new();
    };
    entries
        .iter()
        .filter(|e| e.pointer("/location/0").and_then(Value::as_str) == Some("request"))
        .map(describe_violation)
        .collect()
}

fn describe_violation(e: &Value) -> String {
    let loc: Vec<String> = e
        .get("location")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|s| s.as_str().map(str::to_owned).unwrap_or_else(|| s.to_string()))
        .collect();
    let msg = e.get("message").and_then(Value::as_str).unwrap_or("");
    let code =
        e.get("code").map(|c| c.as_str().map(str::to_owned).unwrap_or_else(|| c.to_string())).unwrap_or_default();
    format!("{} [{code}] {msg}", loc.join("."))
}

/// Prism's judgement of a response to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The request validated, but Prism cannot produce a body for this response's media type
    /// (`NO_COMPLEX_OBJECT_TEXT`, "Cannot find serializer"): nothing to deserialize.
    AcceptedNoBody(String),
    /// Prism rejected the request.
    Rejected(String),
    /// Something else (an error status that is not a Prism request verdict).
    Other(String),
}

/// Classify an error response by the rule of `tools/prism/README.md`.
pub fn classify_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Verdict {
    let violations = request_violations(headers);
    if !violations.is_empty() {
        return Verdict::Rejected(format!("HTTP {status}: {}", violations.join("; ")));
    }
    let text = String::from_utf8_lossy(body);
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let problem_type = json.as_ref().and_then(|j| j.get("type")).and_then(Value::as_str).unwrap_or("");
    let kind = problem_type.rsplit('#').next().unwrap_or("");
    let is_problem = problem_type.starts_with("https://stoplight.io/prism/errors#");
    if is_problem {
        let j = json.as_ref().expect("problem type came from parsed JSON");
        let detail = j.get("detail").and_then(Value::as_str).unwrap_or("");
        let title = j.get("title").and_then(Value::as_str).unwrap_or("");
        match kind {
            "UNPROCESSABLE_ENTITY" => {
                let v: Vec<String> = j
                    .get("validation")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|e| {
                        let mut e = e.clone();
                        // Same shape as the header entries: location starts with "request".
                        if let Some(loc) = e.get_mut("location").and_then(Value::as_array_mut) {
                            loc.insert(0, Value::String("request".into()));
                        }
                        describe_violation(&e)
                    })
                    .collect();
                return Verdict::Rejected(format!("HTTP {status} {kind}: {}", v.join("; ")));
            }
            "UNAUTHORIZED"
            | "INVALID_CONTENT_TYPE"
            | "NO_PATH_MATCHED_ERROR"
            | "NO_METHOD_MATCHED_ERROR"
            | "NOT_ACCEPTABLE" => return Verdict::Rejected(format!("HTTP {status} {kind}: {detail}")),
            "NO_COMPLEX_OBJECT_TEXT" => return Verdict::AcceptedNoBody(format!("{kind}: {detail}")),
            _ if detail.contains("Cannot find serializer") || title.contains("Cannot find serializer") => {
                return Verdict::AcceptedNoBody(format!("{kind}: {title} {detail}"))
            }
            _ => {}
        }
    }
    if status == StatusCode::BAD_REQUEST
        && json.as_ref().and_then(|j| j.pointer("/error/code")) == Some(&Value::from("invalid_json"))
    {
        return Verdict::Rejected(format!("HTTP 400 invalid_json: {text}"));
    }
    let cut: String = text.chars().take(300).collect();
    Verdict::Other(format!("HTTP {status}: {cut}"))
}
