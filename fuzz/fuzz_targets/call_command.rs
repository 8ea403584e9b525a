//! JSON decoding of the largest Call Control command requests (answer, dial, speak, gather
//! using speak, transfer, start recording): what decodes must serialize — the runtime sends
//! these with the same `Serialize` — and decode back to itself. (Request types are decoded
//! strictly: only what is received has a shape for the lenient decoding.)
//!
//! Input: one byte that picks the type, then the JSON body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use telnyx_api::types::{
    AnswerRequest, CallRequest, GatherUsingSpeakRequest, SpeakRequest, StartRecordingRequest, TransferCallRequest,
};
use telnyx_api_fuzz::request_round_trip;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    match which % 6 {
        0 => request_round_trip::<AnswerRequest>(body),
        1 => request_round_trip::<CallRequest>(body),
        2 => request_round_trip::<SpeakRequest>(body),
        3 => request_round_trip::<GatherUsingSpeakRequest>(body),
        4 => request_round_trip::<TransferCallRequest>(body),
        _ => request_round_trip::<StartRecordingRequest>(body),
    }
});
