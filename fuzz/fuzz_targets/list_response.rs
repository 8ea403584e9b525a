//! JSON decoding of a paged list response (`GET /call_control_applications`: `data` items and
//! the `meta` page numbers the paginator reads), through the runtime's response decoder; what
//! decodes must survive a JSON round trip, and a JSON object always decodes (leniently).

#![no_main]

use libfuzzer_sys::fuzz_target;
use telnyx_api::types::ListCallControlApplicationsResponse;
use telnyx_api_fuzz::{decode_json_round_trip, object_always_decodes};

fuzz_target!(|data: &[u8]| {
    object_always_decodes::<ListCallControlApplicationsResponse>(data);
    decode_json_round_trip::<ListCallControlApplicationsResponse>(data);
});
