//! Generated operations put requests on the wire as the spec says: bracketed query names,
//! arrays, deepObject filters, path encoding, form and multipart bodies, auth. Also: unknown
//! enum values and unknown fields in responses deserialize.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use telnyx_api::apis::detail_records::SearchDetailRecordsParams;
use telnyx_api::{types, Body, Client};

fn client(base: &str) -> Client {
    Client::builder().base_url(base).api_key("test-key").max_retries(0).build().unwrap()
}

fn decoded_query(url: &reqwest::Url) -> Vec<(String, String)> {
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

#[test]
fn deep_object_parameters_encode_with_brackets_and_arrays_with_empty_brackets() {
    let c = client("https://api.telnyx.com/v2");
    // The optional parameters as setters, in another order than the spec's: sent in the spec's.
    let call = c
        .customer_service_records()
        .list()
        .sort(types::ListCustomerServiceRecordsSort {
            value: Some(types::ListCustomerServiceRecordsSortValue::MinusCreatedAt),
        })
        .filter(types::CustomerServiceRecordFilterConsolidated {
            phone_number: Some(types::CustomerServiceRecordFilterConsolidatedPhoneNumber {
                in_: Some(vec!["+13125550001".into(), "+13125550002".into()]),
                ..Default::default()
            }),
            ..Default::default()
        })
        .page(types::CustomerServiceRecordPageConsolidated { number: Some(2), ..Default::default() });
    let url = call.request().url(c.base_url()).unwrap();
    assert_eq!(
        url.query(),
        Some(
            "page%5Bnumber%5D=2\
             &filter%5Bphone_number%5D%5Bin%5D%5B%5D=%2B13125550001\
             &filter%5Bphone_number%5D%5Bin%5D%5B%5D=%2B13125550002\
             &sort%5Bvalue%5D=-created_at"
        )
    );
    assert_eq!(
        decoded_query(&url),
        vec![
            ("page[number]".to_owned(), "2".to_owned()),
            ("filter[phone_number][in][]".to_owned(), "+13125550001".to_owned()),
            ("filter[phone_number][in][]".to_owned(), "+13125550002".to_owned()),
            ("sort[value]".to_owned(), "-created_at".to_owned()),
        ]
    );
}

#[test]
fn deep_object_filter_with_a_required_member() {
    let c = client("https://api.telnyx.com/v2");
    let params = SearchDetailRecordsParams {
        filter: Some(types::SearchDetailRecordsFilter {
            record_type: types::SearchDetailRecordsFilterRecordType::Amd,
            date_range: Some(types::SearchDetailRecordsFilterDateRange::Today),
            // The schema admits members it does not declare (`additionalProperties: true`).
            additional_properties: serde_json::json!({"cld": {"contains": "456"}}).as_object().unwrap().clone(),
        }),
        ..Default::default()
    };
    // A whole parameters value built beforehand.
    let call = c.detail_records().list().replace_input(params);
    let q = decoded_query(&call.request().url(c.base_url()).unwrap());
    assert!(q.contains(&("filter[record_type]".to_owned(), "amd".to_owned())), "{q:?}");
    assert!(q.contains(&("filter[date_range]".to_owned(), "today".to_owned())), "{q:?}");
    assert!(q.contains(&("filter[cld][contains]".to_owned(), "456".to_owned())), "{q:?}");
}

#[test]
fn undeclared_members_of_an_open_schema_are_kept_both_ways() {
    let json = r#"{"record_type":"amd","cld":{"starts_with":"123"},"direction":"inbound"}"#;
    let filter: types::SearchDetailRecordsFilter = serde_json::from_str(json).unwrap();
    assert_eq!(filter.record_type, types::SearchDetailRecordsFilterRecordType::Amd);
    assert_eq!(filter.additional_properties.len(), 2, "{filter:?}");
    assert_eq!(filter.additional_properties["direction"], "inbound");
    let back: serde_json::Value = serde_json::to_value(&filter).unwrap();
    assert_eq!(back, serde_json::from_str::<serde_json::Value>(json).unwrap());
}

#[test]
fn path_arguments_are_percent_encoded() {
    let c = client("https://api.telnyx.com/v2");
    let call = c.messages().retrieve("a/b c?");
    assert_eq!(call.request().path(), "/messages/a%2Fb%20c%3F");
    assert_eq!(call.request().path_template(), "/messages/{id}");
}

#[test]
fn form_bodies_use_the_spec_names() {
    let c = client("https://api.telnyx.com/v2");
    let call = c.texml().accounts().calls().update("AC1", "CA1").status("completed").url("https://example.com/texml");
    match call.request().body() {
        Body::Form(pairs) => {
            assert!(pairs.contains(&("Status".to_owned(), "completed".to_owned())), "{pairs:?}");
            assert!(pairs.contains(&("Url".to_owned(), "https://example.com/texml".to_owned())), "{pairs:?}");
            assert!(pairs.iter().all(|(k, _)| k != "FallbackUrl"), "unset fields are left out: {pairs:?}");
        }
        other => panic!("expected a form body, got {other:?}"),
    }
}

#[test]
fn multipart_bodies_have_file_and_text_parts() {
    let c = client("https://api.telnyx.com/v2");
    let call = c
        .ai()
        .audio()
        .transcribe(types::AudioTranscriptionRequestModel::from("distil-whisper/distil-large-v2"))
        .file(telnyx_api::UploadFile::from_bytes("hello.mp3", b"ID3".to_vec()).mime_type("audio/mpeg"));
    match call.request().body() {
        Body::Multipart(form) => assert_eq!(form.part_names(), vec!["file", "model"]),
        other => panic!("expected multipart, got {other:?}"),
    }
}

#[test]
fn unknown_enum_values_and_unknown_fields_deserialize() {
    let json = r#"{
        "data": [{"id": "1", "status": "a-status-from-the-future", "brand_new_field": {"x": 1}}],
        "meta": {"page_number": 1, "page_size": 20, "total_pages": 1, "total_results": 1, "extra": true}
    }"#;
    let parsed: types::ListCustomerServiceRecordsResponse = serde_json::from_str(json).unwrap();
    let record = &parsed.data.as_ref().unwrap()[0];
    assert_eq!(record.status, Some(types::CustomerServiceRecordStatus::Unknown("a-status-from-the-future".into())));
    // The unknown value goes back on the wire unchanged.
    let back = serde_json::to_value(record).unwrap();
    assert_eq!(back["status"], "a-status-from-the-future");
    assert_eq!(types::CustomerServiceRecordStatus::from("pending"), types::CustomerServiceRecordStatus::Pending);
    assert_eq!(types::CustomerServiceRecordStatus::Pending.to_string(), "pending");
}

/// Accept one HTTP/1.1 request on a loopback port, answer `response`, return the raw request.
fn serve_once(response: &'static str) -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/v2", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        let mut content_length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                content_length = v.trim().parse().unwrap();
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body).unwrap();
        stream.write_all(response.as_bytes()).unwrap();
        head + &String::from_utf8_lossy(&body)
    });
    (base, handle)
}

#[tokio::test]
async fn a_generated_call_goes_over_http_and_decodes() {
    let (base, server) = serve_once(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: rid-1\r\ncontent-length: 94\r\nconnection: close\r\n\r\n{\"data\":{\"balance\":\"300.00\",\"credit_limit\":\"100.00\",\"currency\":\"USD\",\"record_type\":\"balance\"}}",
    );
    let c = client(&base);
    let resp = c.balance().retrieve().with_response().await.unwrap();
    let raw = server.join().unwrap();
    assert!(raw.starts_with("GET /v2/balance HTTP/1.1\r\n"), "{raw}");
    assert!(raw.to_ascii_lowercase().contains("authorization: bearer test-key"), "{raw}");
    assert_eq!(resp.request_id(), Some("rid-1"));
    let data = resp.data.data.unwrap();
    assert_eq!(data.balance.as_deref(), Some("300.00"));
}

#[tokio::test]
async fn an_error_status_keeps_status_codes_request_id_and_body() {
    let (base, server) = serve_once(
        "HTTP/1.1 422 Unprocessable Entity\r\ncontent-type: application/json\r\nx-request-id: rid-2\r\ncontent-length: 69\r\nconnection: close\r\n\r\n{\"errors\":[{\"code\":\"10015\",\"title\":\"Bad Request\",\"detail\":\"bad to\"}]}",
    );
    let c = client(&base);
    let err = c.messages().send("+1").await.unwrap_err();
    let raw = server.join().unwrap();
    assert!(raw.starts_with("POST /v2/messages HTTP/1.1\r\n"), "{raw}");
    assert!(raw.ends_with("{\"to\":\"+1\"}"), "{raw}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    assert_eq!(err.request_id(), Some("rid-2"));
    assert_eq!(err.codes(), vec!["10015"]);
    assert!(err.api_error().unwrap().body_text().contains("bad to"));
}

/// The value of header `name` in a raw request head, if sent once; panics if sent twice.
fn header_value<'r>(raw: &'r str, name: &str) -> Option<&'r str> {
    let values: Vec<&str> = raw
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect();
    assert!(values.len() <= 1, "{name} sent {} times: {raw}", values.len());
    values.first().copied()
}

#[tokio::test]
async fn accept_says_what_the_operation_decodes_and_an_accept_parameter_wins() {
    const CSV: &str =
        "HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ncontent-length: 7\r\nconnection: close\r\n\r\nid,name";
    const JSON: &str =
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{\"data\":[]}";

    // No parameter: the JSON the operation decodes by default.
    let (base, server) = serve_once(JSON);
    let report = client(&base).organizations().users().get_groups_report();
    assert_eq!(report.request().accept_header(), "application/json");
    assert!(matches!(report.await.unwrap(), telnyx_api::JsonOrText::Json(_)));
    assert_eq!(header_value(&server.join().unwrap(), "accept"), Some("application/json"));

    // The operation's own `Accept` parameter replaces it (sent once, not twice).
    let (base, server) = serve_once(CSV);
    let report = client(&base)
        .organizations()
        .users()
        .get_groups_report()
        .accept(types::GetOrganizationUsersGroupsReportAccept::TextCsv)
        .await
        .unwrap();
    assert_eq!(header_value(&server.join().unwrap(), "accept"), Some("text/csv"));
    assert!(matches!(report, telnyx_api::JsonOrText::Text(ref t) if t == "id,name"), "{report:?}");

    // A download takes any media type.
    let (base, server) = serve_once(CSV);
    client(&base).media().download("m").await.unwrap();
    assert_eq!(header_value(&server.join().unwrap(), "accept"), Some("*/*"));
}
