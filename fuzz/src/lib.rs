//! What the fuzz targets (`fuzz_targets/*.rs`) share: a response around fuzz bytes, the round
//! trip every decoded value must survive, and the split of one input into network reads.

use std::fmt::Debug;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use telnyx_api::RawResponse;

/// The operation id the targets report to the decoders (it only appears in error messages).
pub const OPERATION: &str = "fuzz";

/// A 200 response with `body`, as the runtime hands it to a decoder.
pub fn response(body: &[u8]) -> RawResponse {
    RawResponse { status: StatusCode::OK, headers: HeaderMap::new(), body: Bytes::copy_from_slice(body) }
}

/// Decode `body` as `T` with the runtime's JSON decoder (what every JSON response goes
/// through); a value it accepts must serialize and decode back to itself, since requests are
/// sent with the same `Serialize` and users re-encode what they received.
pub fn decode_json_round_trip<T>(body: &[u8])
where
    T: DeserializeOwned + telnyx_api::shape::Shaped + Serialize + PartialEq + Debug,
{
    if let Ok(value) = telnyx_api::request::decode_json::<T>(OPERATION, response(body)) {
        json_round_trip(&value);
    }
}

/// Decode `body` as the request type `T` (strictly: requests are sent, not received, and have no
/// shape for the lenient decoding); a value it accepts must serialize and decode back to itself,
/// since requests are sent with that `Serialize`.
pub fn request_round_trip<T>(body: &[u8])
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let Ok(value) = serde_json::from_slice::<T>(body) else { return };
    let text = serde_json::to_vec(&value).expect("a decoded value serializes");
    let back = serde_json::from_slice::<T>(&text)
        .unwrap_or_else(|e| panic!("{value:?} serialized as {} does not decode: {e}", String::from_utf8_lossy(&text)));
    assert_eq!(back, value, "round trip through {}", String::from_utf8_lossy(&text));
}

/// A body that is a JSON object always decodes as `T` in the client's (lenient) decoding,
/// whatever its members hold: a member that does not fit costs that field, never the body.
pub fn object_always_decodes<T: DeserializeOwned + telnyx_api::shape::Shaped>(body: &[u8]) {
    if serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| v.is_object()) {
        if let Err(e) = telnyx_api::decode::<T>(body) {
            panic!("a JSON object does not decode leniently: {e}\n{}", String::from_utf8_lossy(body));
        }
    }
}

/// `value` → JSON → `T` gives `value` again.
pub fn json_round_trip<T>(value: &T)
where
    T: DeserializeOwned + telnyx_api::shape::Shaped + Serialize + PartialEq + Debug,
{
    let text = serde_json::to_vec(value).expect("a decoded value serializes");
    let back = telnyx_api::request::decode_json::<T>(OPERATION, response(&text))
        .unwrap_or_else(|e| panic!("{value:?} serialized as {} does not decode: {e}", String::from_utf8_lossy(&text)));
    assert_eq!(&back, value, "round trip through {}", String::from_utf8_lossy(&text));
}

/// `input` cut into network reads whose lengths (1 to 32 bytes) come from `seed`, so one
/// input byte picks among many splits of the same stream.
pub fn reads(input: &[u8], seed: u8) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = input;
    let mut state = seed;
    while !rest.is_empty() {
        // A byte-sized LCG: cheap, deterministic, every seed a different sequence.
        state = state.wrapping_mul(37).wrapping_add(11);
        let n = (1 + usize::from(state % 32)).min(rest.len());
        let (head, tail) = rest.split_at(n);
        out.push(head);
        rest = tail;
    }
    out
}
