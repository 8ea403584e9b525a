//! Webhook signature verification with keys made in the test.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey};
use reqwest::header::{HeaderMap, HeaderValue};
use telnyx_api::webhooks::{
    signature_headers, WebhookEnvelope, WebhookError, WebhookEvent, WebhookVerifier, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};

const BODY: &[u8] = br#"{"data":{"event_type":"message.received","id":"b301ed3f","occurred_at":"2024-01-01T00:00:00Z","record_type":"event","payload":{"to":[{"phone_number":"+15551234567"}],"text":"hi"},"new_field":1},"meta":{"attempt":1,"delivered_to":"https://example.com/hook"}}"#;

/// A fixed "now" so that stale/future checks do not depend on the clock.
const NOW: u64 = 1_700_000_000;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

struct Keys {
    signing: SigningKey,
    public_b64: String,
}

fn keys() -> Keys {
    let signing = SigningKey::generate(&mut rand_core::OsRng);
    let public_b64 = STANDARD.encode(signing.verifying_key().as_bytes());
    Keys { signing, public_b64 }
}

fn sign(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
    let mut message = format!("{timestamp}|").into_bytes();
    message.extend_from_slice(body);
    STANDARD.encode(key.sign(&message).to_bytes())
}

fn verifier(k: &Keys) -> WebhookVerifier {
    WebhookVerifier::new(&k.public_b64).expect("valid key")
}

#[test]
fn valid_signature_is_accepted() {
    let k = keys();
    let ts = NOW.to_string();
    let sig = sign(&k.signing, &ts, BODY);
    verifier(&k).verify_at(BODY, &sig, &ts, now()).expect("valid");
}

#[test]
fn valid_signature_against_the_real_clock() {
    let k = keys();
    let ts = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs().to_string();
    let sig = sign(&k.signing, &ts, BODY);
    verifier(&k).verify(BODY, &sig, &ts).expect("valid");
    let event = verifier(&k).verify_and_parse_event(BODY, &sig, &ts).expect("valid");
    assert_eq!(event.event_type(), Some("message.received"));
    let WebhookEvent::MessageReceived(message) = event else { panic!("typed by event_type: {event:?}") };
    let data = message.data.expect("data");
    assert_eq!(data.id.as_deref(), Some("b301ed3f"));
    assert_eq!(data.payload.expect("payload").text.as_deref(), Some("hi"));

    // The untyped envelope, for any event.
    let envelope: WebhookEnvelope = verifier(&k).verify_and_parse(BODY, &sig, &ts).expect("valid");
    assert_eq!(envelope.data.event_type, "message.received");
    assert_eq!(envelope.data.record_type.as_deref(), Some("event"));
    assert_eq!(envelope.data.payload["text"], "hi");
    assert_eq!(envelope.meta.as_ref().unwrap().attempt, Some(1));
}

#[test]
fn tampered_body_is_rejected() {
    let k = keys();
    let ts = NOW.to_string();
    let sig = sign(&k.signing, &ts, BODY);
    let mut tampered = BODY.to_vec();
    let pos = tampered.iter().position(|&b| b == b'h').unwrap();
    tampered[pos] = b'H';
    assert_eq!(verifier(&k).verify_at(&tampered, &sig, &ts, now()), Err(WebhookError::SignatureMismatch));
    // Re-serialising the body (same JSON, different bytes: here pretty-printed) also breaks the
    // signature.
    let reserialised = serde_json::to_vec_pretty(&serde_json::from_slice::<serde_json::Value>(BODY).unwrap()).unwrap();
    assert_ne!(reserialised, BODY);
    assert_eq!(verifier(&k).verify_at(&reserialised, &sig, &ts, now()), Err(WebhookError::SignatureMismatch));
}

#[test]
fn tampered_timestamp_is_rejected() {
    let k = keys();
    let sig = sign(&k.signing, &NOW.to_string(), BODY);
    let other = (NOW + 1).to_string();
    assert_eq!(verifier(&k).verify_at(BODY, &sig, &other, now()), Err(WebhookError::SignatureMismatch));
}

#[test]
fn wrong_key_is_rejected() {
    let signer = keys();
    let other = keys();
    let ts = NOW.to_string();
    let sig = sign(&signer.signing, &ts, BODY);
    assert_eq!(verifier(&other).verify_at(BODY, &sig, &ts, now()), Err(WebhookError::SignatureMismatch));
}

#[test]
fn stale_and_future_timestamps() {
    let k = keys();
    let v = verifier(&k);
    let check = |ts: u64| {
        let ts = ts.to_string();
        let sig = sign(&k.signing, &ts, BODY);
        v.verify_at(BODY, &sig, &ts, now())
    };
    // Just inside and exactly at the 300 s tolerance, both directions.
    assert_eq!(check(NOW - 299), Ok(()));
    assert_eq!(check(NOW - 300), Ok(()));
    assert_eq!(check(NOW + 299), Ok(()));
    assert_eq!(check(NOW + 300), Ok(()));
    // Beyond it.
    assert_eq!(
        check(NOW - 301),
        Err(WebhookError::StaleTimestamp { timestamp: NOW - 301, age_secs: 301, tolerance: Duration::from_secs(300) })
    );
    assert_eq!(
        check(NOW + 301),
        Err(WebhookError::FutureTimestamp {
            timestamp: NOW + 301,
            ahead_secs: 301,
            tolerance: Duration::from_secs(300)
        })
    );
    assert!(matches!(check(0), Err(WebhookError::StaleTimestamp { .. })));
}

#[test]
fn tolerance_is_configurable() {
    let k = keys();
    let v = verifier(&k).tolerance(Duration::from_secs(10));
    assert_eq!(v.current_tolerance(), Duration::from_secs(10));
    let sign_at = |ts: u64| (ts.to_string(), sign(&k.signing, &ts.to_string(), BODY));
    let (ts, sig) = sign_at(NOW - 10);
    assert_eq!(v.verify_at(BODY, &sig, &ts, now()), Ok(()));
    let (ts, sig) = sign_at(NOW - 11);
    assert!(matches!(v.verify_at(BODY, &sig, &ts, now()), Err(WebhookError::StaleTimestamp { .. })));
    let (ts, sig) = sign_at(NOW + 11);
    assert!(matches!(v.verify_at(BODY, &sig, &ts, now()), Err(WebhookError::FutureTimestamp { .. })));
    // A generous tolerance accepts an old delivery.
    let (ts, sig) = sign_at(NOW - 3600);
    assert_eq!(verifier(&k).tolerance(Duration::from_secs(7200)).verify_at(BODY, &sig, &ts, now()), Ok(()));
}

#[test]
fn signature_is_checked_before_the_timestamp() {
    // A forged request with a stale timestamp reports the forgery, not the age.
    let k = keys();
    let ts = (NOW - 1000).to_string();
    let sig = sign(&keys().signing, &ts, BODY);
    assert_eq!(verifier(&k).verify_at(BODY, &sig, &ts, now()), Err(WebhookError::SignatureMismatch));
}

#[test]
fn malformed_signatures() {
    let k = keys();
    let v = verifier(&k);
    let ts = NOW.to_string();
    assert!(matches!(v.verify_at(BODY, "not base64!!", &ts, now()), Err(WebhookError::SignatureBase64(_))));
    assert!(matches!(v.verify_at(BODY, "", &ts, now()), Err(WebhookError::SignatureLength(0))));
    let short = STANDARD.encode([7u8; 63]);
    assert_eq!(v.verify_at(BODY, &short, &ts, now()), Err(WebhookError::SignatureLength(63)));
    let long = STANDARD.encode([7u8; 65]);
    assert_eq!(v.verify_at(BODY, &long, &ts, now()), Err(WebhookError::SignatureLength(65)));
    // Right length, wrong bytes.
    let zeros = STANDARD.encode([0u8; 64]);
    assert_eq!(v.verify_at(BODY, &zeros, &ts, now()), Err(WebhookError::SignatureMismatch));
    // Unpadded base64 of a real signature is the same signature.
    let sig = sign(&k.signing, &ts, BODY);
    assert_eq!(v.verify_at(BODY, sig.trim_end_matches('='), &ts, now()), Ok(()));
}

#[test]
fn malformed_timestamps() {
    let k = keys();
    let v = verifier(&k);
    for ts in ["", "abc", "12.5", "-5", "+1700000000", " 1700000000", "1700000000 ", "99999999999999999999999"] {
        let sig = sign(&k.signing, ts, BODY);
        assert_eq!(v.verify_at(BODY, &sig, ts, now()), Err(WebhookError::MalformedTimestamp(ts.to_owned())), "{ts:?}");
    }
}

#[test]
fn malformed_public_keys() {
    assert!(matches!(WebhookVerifier::new("***"), Err(WebhookError::PublicKeyBase64(_))));
    assert_eq!(WebhookVerifier::new(&STANDARD.encode([1u8; 31])), Err(WebhookError::PublicKeyLength(31)));
    assert_eq!(WebhookVerifier::new(&STANDARD.encode([1u8; 33])), Err(WebhookError::PublicKeyLength(33)));
    assert_eq!(WebhookVerifier::new(""), Err(WebhookError::PublicKeyLength(0)));
    // The identity point is a weak (small-order) key: it would accept forgeries.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert_eq!(WebhookVerifier::new(&STANDARD.encode(identity)), Err(WebhookError::InvalidPublicKey));
    // Surrounding whitespace (a copied key with a newline) is tolerated.
    let k = keys();
    assert!(WebhookVerifier::new(&format!(" {}\n", k.public_b64)).is_ok());
}

fn header_map(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in pairs {
        h.insert(*name, HeaderValue::from_str(value).unwrap());
    }
    h
}

#[test]
fn verify_from_headers() {
    let k = keys();
    let v = verifier(&k);
    let ts = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs().to_string();
    let sig = sign(&k.signing, &ts, BODY);
    // Header names are case-insensitive.
    let mut h = HeaderMap::new();
    h.insert("Telnyx-Signature-Ed25519", sig.parse().unwrap());
    h.insert("Telnyx-Timestamp", ts.parse().unwrap());
    assert_eq!(v.verify_headers(BODY, &h), Ok(()));
    let event: WebhookEvent = v.verify_headers_and_parse(BODY, &h).unwrap();
    assert_eq!(event.event_type(), Some("message.received"));
    assert_eq!(v.verify_headers_and_parse_event(BODY, &h).unwrap(), event);

    assert_eq!(
        v.verify_headers(BODY, &header_map(&[(TIMESTAMP_HEADER, &ts)])),
        Err(WebhookError::MissingHeader(SIGNATURE_HEADER))
    );
    assert_eq!(
        v.verify_headers(BODY, &header_map(&[(SIGNATURE_HEADER, &sig)])),
        Err(WebhookError::MissingHeader(TIMESTAMP_HEADER))
    );
    assert_eq!(v.verify_headers(BODY, &HeaderMap::new()), Err(WebhookError::MissingHeader(SIGNATURE_HEADER)));

    let mut h = header_map(&[(SIGNATURE_HEADER, &sig)]);
    h.insert(TIMESTAMP_HEADER, HeaderValue::from_bytes(b"17\xff00").unwrap());
    assert!(matches!(v.verify_headers(BODY, &h), Err(WebhookError::MalformedTimestamp(_))));
    let mut h = header_map(&[(TIMESTAMP_HEADER, &ts)]);
    h.insert(SIGNATURE_HEADER, HeaderValue::from_bytes(b"ab\xffcd").unwrap());
    assert!(matches!(v.verify_headers(BODY, &h), Err(WebhookError::SignatureBase64(_))));

    let h = header_map(&[(SIGNATURE_HEADER, &sig), (TIMESTAMP_HEADER, &ts)]);
    assert_eq!(signature_headers(&h), Ok((sig.as_str(), ts.as_str())));

    // With a fixed clock.
    let old_ts = NOW.to_string();
    let old_sig = sign(&k.signing, &old_ts, BODY);
    let h = header_map(&[(SIGNATURE_HEADER, &old_sig), (TIMESTAMP_HEADER, &old_ts)]);
    assert_eq!(v.verify_headers_at(BODY, &h, now()), Ok(()));
    assert!(matches!(
        v.verify_headers_at(BODY, &h, now() + Duration::from_secs(301)),
        Err(WebhookError::StaleTimestamp { .. })
    ));
}

#[test]
fn parse_errors_are_reported_after_verification() {
    let k = keys();
    let v = verifier(&k);
    let ts = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs().to_string();
    // A declared event whose body does not fit its type: decoded (a handler must not reject
    // it, Telnyx would deliver it again and again), the deviation named by its JSON path.
    let body = br#"{"data":{"event_type":"message.received","id":5},"meta":{"attempt":2,"delivered_to":"https://example.com/hook"}}"#;
    let sig = sign(&k.signing, &ts, body);
    let event = v.verify_and_parse_event(body, &sig, &ts).unwrap();
    assert_eq!(event.event_type(), Some("message.received"));
    assert!(!matches!(event, WebhookEvent::Unknown(_)));
    let delivery = v.verify_and_decode(body, &sig, &ts).unwrap();
    assert_eq!(delivery.event, event);
    assert_eq!(delivery.deviations.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(), ["data.id"]);
    let meta = delivery.meta.unwrap();
    assert_eq!((meta.attempt, meta.delivered_to.as_deref()), (Some(2), Some("https://example.com/hook")));
    // Strictly, the JSON path is named in the error.
    let err = verifier(&k).strict_decoding(true).verify_and_parse_event(body, &sig, &ts).unwrap_err();
    assert!(matches!(&err, WebhookError::Parse { path, .. } if path == "data.id"), "{err}");
    // The untyped envelope requires `data.event_type`.
    let body = br#"{"data":{"id":"x"}}"#;
    let sig = sign(&k.signing, &ts, body);
    let err = v.verify_and_parse::<WebhookEnvelope>(body, &sig, &ts).unwrap_err();
    assert!(matches!(&err, WebhookError::Parse { message, .. } if message.contains("event_type")), "{err}");
    // Typed parsing keeps a body without `event_type`, or with an undeclared one, as JSON.
    let event = v.verify_and_parse_event(body, &sig, &ts).unwrap();
    assert_eq!(event, WebhookEvent::Unknown(serde_json::json!({"data": {"id": "x"}})));
    assert_eq!(event.event_type(), None);
    let body = br#"{"data":{"event_type":"brand.new.event","payload":{}}}"#;
    let sig = sign(&k.signing, &ts, body);
    let event = v.verify_and_parse_event(body, &sig, &ts).unwrap();
    assert!(matches!(&event, WebhookEvent::Unknown(_)));
    assert_eq!(event.event_type(), Some("brand.new.event"));
    // A forged body never reaches the parser.
    let forged = br#"not json"#;
    assert_eq!(v.verify_and_parse_event(forged, &sig, &ts), Err(WebhookError::SignatureMismatch));

    #[derive(serde::Deserialize, Debug)]
    struct Payload {
        #[allow(dead_code)]
        text: String,
    }
    #[derive(serde::Deserialize, Debug)]
    struct Number {
        #[allow(dead_code)]
        phone_number: u32,
    }
    let sig = sign(&k.signing, &ts, BODY);
    let event: WebhookEnvelope = v.verify_and_parse(BODY, &sig, &ts).unwrap();
    assert!(event.payload_as::<Payload>().is_ok());
    let err = event.payload_as::<Vec<Number>>().unwrap_err();
    assert!(matches!(&err, WebhookError::Parse { path, .. } if path == "data.payload"), "{err:?}");
}

#[test]
fn from_env_reads_the_public_key() {
    // The only test touching TELNYX_PUBLIC_KEY in this binary.
    let k = keys();
    std::env::remove_var("TELNYX_PUBLIC_KEY");
    assert_eq!(WebhookVerifier::from_env(), Err(WebhookError::MissingPublicKey("TELNYX_PUBLIC_KEY")));
    std::env::set_var("TELNYX_PUBLIC_KEY", &k.public_b64);
    assert_eq!(WebhookVerifier::from_env(), Ok(verifier(&k)));
    std::env::remove_var("TELNYX_PUBLIC_KEY");
}

#[test]
fn errors_display_the_reason() {
    let e = WebhookError::StaleTimestamp { timestamp: 1, age_secs: 301, tolerance: Duration::from_secs(300) };
    assert!(e.to_string().contains("301 s old"), "{e}");
    assert!(WebhookError::MissingHeader(SIGNATURE_HEADER).to_string().contains(SIGNATURE_HEADER));
    let k = keys();
    let dbg = format!("{:?}", verifier(&k));
    assert!(dbg.contains(&k.public_b64), "{dbg}");
}

/// `target/<profile>/examples/webhook_verify`, which `cargo test` builds next to the test
/// binaries (`target/<profile>/deps/`).
fn example_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let path = profile_dir.join("examples").join(format!("webhook_verify{}", std::env::consts::EXE_SUFFIX));
    path.is_file().then_some(path)
}

fn run_example(bin: &PathBuf, key: Option<&str>, args: &[&str], body: &[u8]) -> (i32, String, String) {
    use std::io::Write;
    let mut cmd = Command::new(bin);
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.env_remove("TELNYX_PUBLIC_KEY");
    if let Some(key) = key {
        cmd.env("TELNYX_PUBLIC_KEY", key);
    }
    let mut child = cmd.spawn().expect("spawn the example");
    // The example may exit before reading stdin (missing arguments); ignore a broken pipe.
    let _ = child.stdin.take().unwrap().write_all(body);
    let out = child.wait_with_output().expect("example output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn example_binary_verifies_and_rejects() {
    let Some(bin) = example_binary() else {
        eprintln!("skipping: the webhook_verify example is not built (run plain `cargo test`)");
        return;
    };
    let k = keys();
    let ts = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs().to_string();
    let sig = sign(&k.signing, &ts, BODY);

    let (code, out, err) = run_example(&bin, Some(&k.public_b64), &["--signature", &sig, "--timestamp", &ts], BODY);
    assert_eq!((code, out.trim()), (0, "message.received"), "stderr: {err}");

    let (code, out, err) =
        run_example(&bin, Some(&k.public_b64), &["--signature", &sig, "--timestamp", &ts], b"{}tampered");
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("signature does not match"), "{err}");

    let stale = (NOW - 1000).to_string();
    let stale_sig = sign(&k.signing, &stale, BODY);
    let (code, _, err) =
        run_example(&bin, Some(&k.public_b64), &["--signature", &stale_sig, "--timestamp", &stale], BODY);
    assert_eq!(code, 1);
    assert!(err.contains("old"), "{err}");

    let (code, _, err) = run_example(&bin, None, &["--signature", &sig, "--timestamp", &ts], BODY);
    assert_eq!(code, 1);
    assert!(err.contains("TELNYX_PUBLIC_KEY"), "{err}");

    let (code, _, err) = run_example(&bin, Some(&k.public_b64), &["--timestamp", &ts], BODY);
    assert_eq!(code, 1);
    assert!(err.contains("--signature"), "{err}");

    let (code, _, err) = run_example(&bin, Some(&k.public_b64), &["--signature", &sig, "--timestamp"], BODY);
    assert_eq!(code, 1);
    assert!(err.contains("--timestamp"), "{err}");
}

#[test]
fn converts_into_the_crate_error() {
    fn handler() -> telnyx_api::Result<()> {
        Err(WebhookError::SignatureMismatch)?;
        Ok(())
    }
    let err = handler().unwrap_err();
    assert!(matches!(err, telnyx_api::Error::Webhook(WebhookError::SignatureMismatch)), "{err:?}");
    assert!(err.to_string().contains("signature does not match"));
}

/// A port-out event: the spec has it only as an event record (a branch of a union on
/// `event_type`, the resource of the events API), which the delivery carries in `data`.
#[test]
fn an_event_record_delivered_in_data_is_its_typed_variant_with_paths_from_the_body() {
    let body = br#"{"data":{"event_type":"portout.new_comment","id":"0a9a","record_type":"event","payload":{"comment":7,"portout_id":"330f"}},"meta":{"attempt":2}}"#;
    let delivery = telnyx_api::Delivery::decode(body, false).unwrap();
    let WebhookEvent::PortoutNewComment(record) = &delivery.event else { panic!("{:?}", delivery.event) };
    let payload = record.payload.as_ref().unwrap();
    assert_eq!((payload.portout_id.as_deref(), payload.comment.as_deref()), (Some("330f"), None));
    assert_eq!(record.id.as_deref(), Some("0a9a"));
    assert_eq!(delivery.meta.as_ref().and_then(|m| m.attempt), Some(2));
    // The deviation's path is the body's, `data` included.
    let paths: Vec<_> = delivery.deviations.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["data.payload.comment"]);
    assert!(
        matches!(telnyx_api::Delivery::decode(body, true), Err(WebhookError::Parse { path, .. }) if path == "data.payload.comment")
    );
    // Written back, it is a delivery again: the record in `data`.
    let text = serde_json::to_value(&delivery.event).unwrap();
    assert_eq!(text.as_object().unwrap().keys().collect::<Vec<_>>(), ["data"]);
    assert_eq!(text["data"]["payload"]["portout_id"], "330f");
    let again = telnyx_api::Delivery::decode(text.to_string().as_bytes(), true).unwrap();
    assert_eq!(again.event, delivery.event);
}
