//! The `reqwest` request of one attempt: authorization (bearer token or AWS SigV4), `Accept`
//! and the operation's headers, and the body in its encoding.

use reqwest::header::{HeaderName, HeaderValue};

use super::{Auth, Body, Request};
use crate::client::Client;
use crate::error::{Error, Result};

/// Build the `reqwest` request for one attempt.
/// `bearer` is the token of a bearer-authenticated request (the API key, or an OAuth access
/// token).
pub(super) async fn build_http(
    client: &Client,
    request: &Request,
    url: reqwest::Url,
    bearer: Option<&str>,
) -> Result<reqwest::RequestBuilder> {
    let op = request.operation_id;
    let inner = &client.inner;
    let mut b = inner.http.request(request.method.clone(), url.clone());
    match (request.auth, &inner.api_key) {
        (Auth::Bearer, _) if bearer.is_some() => {
            let token = bearer.unwrap_or_default();
            let mut v = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| Error::Config("API key is not a valid header value".into()))?;
            v.set_sensitive(true);
            b = b.header(reqwest::header::AUTHORIZATION, v);
        }
        (Auth::SigV4, Some(key)) => {
            let payload = match &request.body {
                Body::Empty => crate::sigv4::EMPTY_PAYLOAD.to_owned(),
                Body::Json(bytes) | Body::Raw { data: bytes, .. } => crate::sigv4::payload_hash(bytes),
                Body::Form(_) | Body::Multipart(_) | Body::Stream { .. } => crate::sigv4::UNSIGNED_PAYLOAD.to_owned(),
            };
            // Telnyx reads only the access key id; the region is the server's, if it has one.
            let region = request
                .server
                .and_then(|s| s.variables.iter().find(|v| v.name == "region").map(|v| (s, v)))
                .map(|(s, v)| {
                    inner
                        .servers
                        .get(s.name)
                        .and_then(|c| c.variables.get(v.name))
                        .cloned()
                        .unwrap_or(v.default.to_owned())
                })
                .unwrap_or_else(|| "us-east-1".to_owned());
            let signed = crate::sigv4::sign(&crate::sigv4::Signing {
                access_key: key,
                secret: key,
                region: &region,
                service: "s3",
                method: request.method.as_str(),
                url: &url,
                headers: &[],
                payload_hash: &payload,
                time: std::time::SystemTime::now(),
            });
            let mut v = HeaderValue::from_str(&signed.authorization)
                .map_err(|_| Error::Config("API key is not a valid header value".into()))?;
            v.set_sensitive(true);
            b = b
                .header(reqwest::header::AUTHORIZATION, v)
                .header("x-amz-date", signed.amz_date)
                .header("x-amz-content-sha256", signed.content_sha256);
        }
        _ => {}
    }
    if !request.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("accept")) {
        b = b.header(reqwest::header::ACCEPT, request.accept);
    }
    for (name, value) in &request.headers {
        // `from_bytes` lowercases; `from_static` would panic on a spec's `X-Foo`.
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| Error::InvalidRequest { operation: op, message: format!("header name {name:?}: {e}") })?;
        let mut value = HeaderValue::from_str(value)
            .map_err(|e| Error::InvalidRequest { operation: op, message: format!("header {name}: {e}") })?;
        // Credentials (the OAuth token request's Basic header) are never logged.
        value.set_sensitive(name == reqwest::header::AUTHORIZATION);
        b = b.header(name, value);
    }
    b = match &request.body {
        Body::Empty => b,
        Body::Json(bytes) => b.header(reqwest::header::CONTENT_TYPE, "application/json").body(bytes.clone()),
        Body::Form(pairs) => {
            let encoded =
                pairs.iter().fold(reqwest::Url::parse("http://x/").expect("static URL parses"), |mut u, (k, v)| {
                    u.query_pairs_mut().append_pair(k, v);
                    u
                });
            let body = encoded.query().unwrap_or_default().to_owned();
            b.header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(body)
        }
        Body::Multipart(form) => {
            b.multipart(form.to_reqwest().await.map_err(|message| Error::InvalidRequest { operation: op, message })?)
        }
        Body::Raw { content_type, data } => {
            b.header(reqwest::header::CONTENT_TYPE, content_type.as_str()).body(data.clone())
        }
        Body::Stream { content_type, body } => {
            let stream = body.to_reqwest().map_err(|message| Error::InvalidRequest { operation: op, message })?;
            let b = b.header(reqwest::header::CONTENT_TYPE, content_type.as_str());
            let b = match body.len() {
                Some(n) => b.header(reqwest::header::CONTENT_LENGTH, n),
                None => b,
            };
            b.body(stream)
        }
    };
    Ok(b)
}
