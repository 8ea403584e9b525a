//! XML decoding of the Cloud Storage (S3) documents through the runtime's XML decoder
//! (`decode_xml`: quick-xml events → the JSON the generated type reads → the type), and the
//! writer the runtime sends request bodies with: what decodes must be written by
//! `json_to_document` as a document that decodes back to the same value.
//!
//! Input: one byte that picks the type, then the document.

#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use telnyx_api::types::{
    CreateBucketRequest, DeleteObjectsRequest, DeleteObjectsResponse, ListBucketsResponse, ListObjectsResponse,
};
use telnyx_api::xml::{decode_xml, json_to_document, XmlType};
use telnyx_api_fuzz::{response, OPERATION};

fn round_trip<T: XmlType + PartialEq + Debug>(body: &[u8]) {
    let Ok(value) = decode_xml::<T>(OPERATION, response(body)) else { return };
    let json = serde_json::to_value(&value).expect("a decoded value serializes");
    let document = json_to_document(T::XML, &json);
    let back = decode_xml::<T>(OPERATION, response(document.as_bytes()))
        .unwrap_or_else(|e| panic!("{value:?} written as {document} does not decode: {e}"));
    assert_eq!(back, value, "round trip through {document}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    match which % 5 {
        0 => round_trip::<ListBucketsResponse>(body),
        1 => round_trip::<ListObjectsResponse>(body),
        2 => round_trip::<DeleteObjectsResponse>(body),
        3 => round_trip::<CreateBucketRequest>(body),
        _ => round_trip::<DeleteObjectsRequest>(body),
    }
});
