//! Webhook verification and parsing: [`WebhookVerifier`] with fuzzed headers and body, signed
//! by the harness with a fixed test key so that valid signatures reach the parsing too.
//!
//! Input: `MODE TIMESTAMP \n SIGNATURE \n BODY` — one mode byte, then the `telnyx-timestamp`
//! header text, the `telnyx-signature-ed25519` header text and the raw body. The mode's low two
//! bits say which signature is sent:
//!   0: the harness signs `TIMESTAMP|BODY` (the SIGNATURE line is ignored),
//!   1: that signature with one bit flipped (bit `MODE >> 2` of 64 bytes),
//!   2: the SIGNATURE line as given,
//!   3: a valid signature of another message (the body with a byte appended).
//! Bit 4: the headers go in a `HeaderMap` (`verify_headers_*`) rather than as strings; bits 5
//! and 6 then leave out the signature or the timestamp header.
//!
//! What must hold: a correctly signed delivery within the tolerance verifies, and one with a
//! changed signature or message never does; a malformed timestamp is reported as one; the
//! verify-and-parse calls agree with plain verification; a parsed event's variant matches the
//! body's `event_type`.

#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey};
use libfuzzer_sys::fuzz_target;
use reqwest::header::{HeaderMap, HeaderValue};
use telnyx_api::webhooks::{
    event_type_of, WebhookEnvelope, WebhookError, WebhookVerifier, DEFAULT_TOLERANCE, SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
};

/// The fixed "now" of the strict checks: the seeds' timestamps lie around it.
const NOW: u64 = 1_700_000_000;

/// A test key (not a secret: it signs only fuzz inputs).
const SECRET: [u8; 32] = *b"telnyx-api fuzz webhook test key";

struct Keys {
    signing: SigningKey,
    /// Default tolerance, checked against [`NOW`].
    strict: WebhookVerifier,
    /// Accepts any timestamp, so the calls that read the real clock are deterministic.
    lenient: WebhookVerifier,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let signing = SigningKey::from_bytes(&SECRET);
        let public = STANDARD.encode(signing.verifying_key().as_bytes());
        let strict = WebhookVerifier::new(&public).expect("the test key is valid");
        let lenient = strict.clone().tolerance(Duration::from_secs(u64::MAX));
        Keys { signing, strict, lenient }
    })
}

fn sign(timestamp: &[u8], body: &[u8]) -> [u8; 64] {
    let mut message = timestamp.to_vec();
    message.push(b'|');
    message.extend_from_slice(body);
    keys().signing.sign(&message).to_bytes()
}

/// The line up to the next `\n`, and the rest.
fn line(input: &[u8]) -> (&[u8], &[u8]) {
    match input.iter().position(|&b| b == b'\n') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &[]),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let (timestamp, rest) = line(rest);
    let (given_signature, body) = line(rest);
    let signed_ok = mode & 3 == 0;
    let signature = match mode & 3 {
        0 => STANDARD.encode(sign(timestamp, body)),
        1 => {
            let mut s = sign(timestamp, body);
            let bit = usize::from(mode >> 2) % (64 * 8);
            s[bit / 8] ^= 1 << (bit % 8);
            STANDARD.encode(s)
        }
        2 => String::from_utf8_lossy(given_signature).into_owned(),
        _ => {
            let mut other = body.to_vec();
            other.push(b'x');
            STANDARD.encode(sign(timestamp, &other))
        }
    };
    let now = UNIX_EPOCH + Duration::from_secs(NOW);
    let k = keys();

    let (strict, lenient_event, lenient_envelope) = if mode & 0x10 != 0 {
        let mut headers = HeaderMap::new();
        // Bytes a header cannot hold (CR, LF, NUL…) never reach a handler.
        let (Ok(ts), Ok(sig)) = (HeaderValue::from_bytes(timestamp), HeaderValue::from_str(&signature)) else {
            return;
        };
        if mode & 0x20 == 0 {
            headers.insert(SIGNATURE_HEADER, sig);
        }
        if mode & 0x40 == 0 {
            headers.insert(TIMESTAMP_HEADER, ts);
        }
        let strict = k.strict.verify_headers_at(body, &headers, now);
        // The signature header is read first (a non-ASCII one is an error before the timestamp's).
        if mode & 0x20 != 0 {
            assert_eq!(strict, Err(WebhookError::MissingHeader(SIGNATURE_HEADER)));
            return;
        }
        if mode & 0x40 != 0 {
            assert!(
                matches!(strict, Err(WebhookError::MissingHeader(TIMESTAMP_HEADER) | WebhookError::SignatureBase64(_))),
                "the timestamp header is missing: {strict:?}"
            );
            return;
        }
        (
            strict,
            k.lenient.verify_headers_and_parse_event(body, &headers),
            k.lenient.verify_headers_and_parse::<WebhookEnvelope>(body, &headers),
        )
    } else {
        // The string API takes the headers as text; a handler gets them as such.
        let Ok(ts) = std::str::from_utf8(timestamp) else { return };
        (
            k.strict.verify_at(body, &signature, ts, now),
            k.lenient.verify_and_parse_event(body, &signature, ts),
            k.lenient.verify_and_parse::<WebhookEnvelope>(body, &signature, ts),
        )
    };

    let digits = !timestamp.is_empty() && timestamp.iter().all(u8::is_ascii_digit);
    let seconds = std::str::from_utf8(timestamp).ok().and_then(|t| t.parse::<u64>().ok()).filter(|_| digits);
    match seconds {
        // From a `HeaderMap` a non-ASCII signature header is reported first.
        None => assert!(
            matches!(strict, Err(WebhookError::MalformedTimestamp(_)))
                || (mode & 0x10 != 0 && matches!(strict, Err(WebhookError::SignatureBase64(_)))),
            "{strict:?}"
        ),
        Some(ts) if signed_ok => {
            let within = ts.abs_diff(NOW) <= DEFAULT_TOLERANCE.as_secs();
            assert_eq!(strict.is_ok(), within, "signed at {ts}, checked at {NOW}: {strict:?}");
        }
        Some(_) if mode & 3 != 2 => {
            assert_eq!(strict, Err(WebhookError::SignatureMismatch), "a changed signature or message verified")
        }
        Some(_) => {}
    }

    // The lenient verifier differs from the strict one only in the timestamp check.
    let signature_fails = |r: &Result<(), WebhookError>| {
        matches!(
            r,
            Err(WebhookError::SignatureMismatch
                | WebhookError::SignatureBase64(_)
                | WebhookError::SignatureLength(_)
                | WebhookError::MalformedTimestamp(_)
                | WebhookError::MissingHeader(_))
        )
    };
    let verified = !signature_fails(&strict);
    for (what, parsed) in [("event", lenient_event.as_ref().err()), ("envelope", lenient_envelope.as_ref().err())] {
        let parse_error = matches!(parsed, Some(WebhookError::Parse { .. }));
        let rejected = parsed.is_some() && !parse_error;
        assert_eq!(rejected, !verified, "{what}: strict {strict:?}, lenient {parsed:?}");
    }
    if let Ok(event) = &lenient_event {
        let value: serde_json::Value = serde_json::from_slice(body).expect("a parsed event is JSON");
        assert_eq!(event.event_type(), event_type_of(&value), "variant and body disagree: {event:?}");
        // The untyped envelope reads the same event type wherever it decodes.
        if let Ok(envelope) = &lenient_envelope {
            assert_eq!(Some(envelope.data.event_type.as_str()), event.event_type(), "{event:?}");
        }
    }
});
