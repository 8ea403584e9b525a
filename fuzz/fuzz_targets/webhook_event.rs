//! JSON decoding of [`WebhookEvent`] (the generated enum over every call-control event type,
//! and its payload types), through the runtime's response decoder: the variant must agree with
//! the body's `event_type`, and what decodes must survive a JSON round trip.
//!
//! The round trip is exact for events keyed at `data.event_type`, where the payload types keep
//! the key. An event keyed by a top-level `event_type` (the fax convention) decodes as any
//! declared type, and the call-control types have no top-level member to write it back to: it
//! then comes back as `Unknown`. That is checked only to serialize and decode again.
//!
//! A JSON object always decodes as a [`Delivery`](telnyx_api::webhooks::Delivery) (leniently):
//! a verified event is never rejected over a member that does not fit.

#![no_main]

use libfuzzer_sys::fuzz_target;
use telnyx_api::webhooks::event_type_of;
use telnyx_api::WebhookEvent;
use telnyx_api_fuzz::{json_round_trip, response, OPERATION};

fuzz_target!(|data: &[u8]| {
    if serde_json::from_slice::<serde_json::Value>(data).is_ok_and(|v| v.is_object()) {
        if let Err(e) = telnyx_api::webhooks::Delivery::decode(data, false) {
            panic!("a JSON object does not decode as a delivery: {e}\n{}", String::from_utf8_lossy(data));
        }
    }
    let Ok(event) = telnyx_api::request::decode_json::<WebhookEvent>(OPERATION, response(data)) else { return };
    // The same decoder reads the body as plain JSON (an empty body is `null` to both).
    let value = telnyx_api::request::decode_json::<serde_json::Value>(OPERATION, response(data))
        .expect("a decoded event is JSON");
    assert_eq!(event.event_type(), event_type_of(&value), "variant and body disagree: {event:?}");
    if value.pointer("/data/event_type").is_some_and(serde_json::Value::is_string) {
        json_round_trip(&event);
    } else {
        let text = serde_json::to_vec(&event).expect("a decoded event serializes");
        if let Err(e) = telnyx_api::request::decode_json::<WebhookEvent>(OPERATION, response(&text)) {
            panic!("{event:?} serialized as {} does not decode: {e}", String::from_utf8_lossy(&text));
        }
    }
});
