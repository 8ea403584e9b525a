//! AWS Signature Version 4 `Authorization` headers, for the S3-compatible Telnyx Cloud Storage
//! operations (their security scheme carries `x-amazon-apigateway-authtype: awsSigv4`).
//!
//! Telnyx authenticates these requests by the access key id, which is the Telnyx API key
//! (developers.telnyx.com/docs/cloud-storage/authentication); the signature itself is not
//! checked there, but S3-compatible servers check its form, and a correct one costs nothing, so
//! the header is a real signature with the API key as the secret too (as Telnyx documents for
//! S3 tools). Written here on the `hmac` and `sha2` crates rather than with `aws-sigv4`, whose
//! runtime and credential crates would more than double the crate's dependencies for one
//! header; checked against the worked example of the S3 documentation.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The hash of an empty payload.
pub const EMPTY_PAYLOAD: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// What is signed instead of the payload's hash when the payload is streamed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// What one signature covers.
pub struct Signing<'a> {
    /// The access key id (for Telnyx Cloud Storage, the API key).
    pub access_key: &'a str,
    /// The secret access key the signing key is derived from.
    pub secret: &'a str,
    /// The region of the credential scope (`us-central-1`).
    pub region: &'a str,
    /// The service of the credential scope (`s3`).
    pub service: &'a str,
    /// The HTTP method (`GET`).
    pub method: &'a str,
    /// The full request URL; its path and query are signed in canonical form.
    pub url: &'a reqwest::Url,
    /// Headers to sign besides `host`, `x-amz-content-sha256` and `x-amz-date` (name, value).
    pub headers: &'a [(&'a str, &'a str)],
    /// Hex SHA-256 of the body, or [`UNSIGNED_PAYLOAD`].
    pub payload_hash: &'a str,
    /// The signing time, sent as `x-amz-date`.
    pub time: SystemTime,
}

/// The headers to send: `authorization`, `x-amz-date`, `x-amz-content-sha256`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The `Authorization` header (`AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`).
    pub authorization: String,
    /// The `x-amz-date` header (`20130524T000000Z`).
    pub amz_date: String,
    /// The `x-amz-content-sha256` header: the payload hash that was signed.
    pub content_sha256: String,
}

/// Hex SHA-256 of a payload.
pub fn payload_hash(body: &[u8]) -> String {
    hex(&Sha256::digest(body))
}

/// Sign one request.
pub fn sign(s: &Signing<'_>) -> Signed {
    let (amz_date, date) = timestamps(s.time);
    let host = match s.url.port() {
        Some(port) => format!("{}:{port}", s.url.host_str().unwrap_or_default()),
        None => s.url.host_str().unwrap_or_default().to_owned(),
    };
    let mut headers: Vec<(String, String)> = vec![
        ("host".to_owned(), host),
        ("x-amz-content-sha256".to_owned(), s.payload_hash.to_owned()),
        ("x-amz-date".to_owned(), amz_date.clone()),
    ];
    for (name, value) in s.headers {
        headers.push((name.to_ascii_lowercase(), value.split_whitespace().collect::<Vec<_>>().join(" ")));
    }
    headers.sort();
    let signed_headers = headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(";");
    let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        s.method,
        canonical_uri(s.url),
        canonical_query(s.url),
        s.payload_hash
    );
    let scope = format!("{date}/{}/{}/aws4_request", s.region, s.service);
    let string_to_sign =
        format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex(&Sha256::digest(canonical_request.as_bytes())));
    let mut key = hmac(format!("AWS4{}", s.secret).as_bytes(), date.as_bytes());
    for part in [s.region, s.service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    Signed {
        authorization: format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope},SignedHeaders={signed_headers},Signature={signature}",
            s.access_key
        ),
        amz_date,
        content_sha256: s.payload_hash.to_owned(),
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The path as sent: S3 signs the encoded path without encoding it again.
fn canonical_uri(url: &reqwest::Url) -> String {
    let p = url.path();
    if p.is_empty() {
        "/".to_owned()
    } else {
        p.to_owned()
    }
}

/// Query parameters sorted by name and value, each encoded the AWS way (unreserved characters
/// kept, everything else `%XX`, a space `%20`).
fn canonical_query(url: &reqwest::Url) -> String {
    let mut pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (aws_encode(&k), aws_encode(&v))).collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

fn aws_encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// `20130524T000000Z` and `20130524` in UTC.
fn timestamps(time: SystemTime) -> (String, String) {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    let date = format!("{y:04}{m:02}{d:02}");
    (format!("{date}T{:02}{:02}{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60), date)
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The "GET Object" example of the S3 documentation ("Signature Calculations for the
    /// Authorization Header: Transferring Payload in a Single Chunk").
    #[test]
    fn the_s3_documentation_example() {
        let url = reqwest::Url::parse("https://examplebucket.s3.amazonaws.com/test.txt").unwrap();
        let signed = sign(&Signing {
            access_key: "AKIAIOSFODNN7EXAMPLE",
            secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region: "us-east-1",
            service: "s3",
            method: "GET",
            url: &url,
            headers: &[("Range", "bytes=0-9")],
            payload_hash: EMPTY_PAYLOAD,
            // 2013-05-24T00:00:00Z
            time: UNIX_EPOCH + Duration::from_secs(1_369_353_600),
        });
        assert_eq!(signed.amz_date, "20130524T000000Z");
        assert_eq!(
            signed.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
        assert_eq!(payload_hash(b""), EMPTY_PAYLOAD);
    }

    #[test]
    fn query_and_dates() {
        let url = reqwest::Url::parse("http://h:9000/b?prefix=a%20b&delete=&list-type=2").unwrap();
        assert_eq!(canonical_query(&url), "delete=&list-type=2&prefix=a%20b");
        assert_eq!(canonical_uri(&reqwest::Url::parse("http://h").unwrap()), "/");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(timestamps(UNIX_EPOCH + Duration::from_secs(1_764_547_200 + 3_723)).0, "20251201T010203Z");
    }
}
