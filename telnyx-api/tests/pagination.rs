//! Item streams of generated list operations against a real HTTP server on 127.0.0.1: one test
//! per paging style of the spec, plus laziness, errors, retries and page-wise access.

mod runtime_support;

use futures::{StreamExt as _, TryStreamExt as _};
use serde_json::{json, Value};
use telnyx_api::apis::brands::GetBrandsParams;
use telnyx_api::apis::call_information::ListConnectionActiveCallsParams;
use telnyx_api::apis::ip_addresses::ListAccessIpAddressesParams;
use telnyx_api::apis::ips::ListIpsParams;
use telnyx_api::apis::texml_rest_commands::GetTexmlCallsParams;
use telnyx_api::{types, Client, Error, RetryPolicy};

use runtime_support::{Recorded, Reply, Server, Sleeps};

fn client(server: &Server) -> Client {
    Client::builder().api_key("KEY").base_url(server.url()).build().unwrap()
}

/// The decoded query of a recorded request.
fn query(r: &Recorded) -> Vec<(String, String)> {
    let url = reqwest::Url::parse(&format!("http://x{}", r.target)).unwrap();
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn param(r: &Recorded, name: &str) -> Option<String> {
    query(r).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn access_ip(n: u64) -> Value {
    json!({"id": format!("ip-{n}"), "ip_address": "192.0.2.1", "source": "api", "status": "added", "user_id": "u"})
}

fn ids(items: &[telnyx_api::types::AccessIpAddressResponseSchema]) -> Vec<String> {
    items.iter().map(|i| i.id.clone()).collect()
}

#[tokio::test]
async fn page_number_stream_follows_meta_total_pages() {
    // Five items in pages of two: three pages, the last one short.
    let server = Server::start(|_, r| {
        let page: u64 = param(r, "page[number]").map_or(1, |p| p.parse().unwrap());
        let items: Vec<Value> = (1..=5).filter(|i| (i - 1) / 2 + 1 == page).map(access_ip).collect();
        Reply::json(
            200,
            json!({"data": items, "meta": {"page_number": page, "page_size": 2, "total_pages": 3, "total_results": 5}}),
        )
    })
    .await;
    let client = client(&server);
    let params = ListAccessIpAddressesParams {
        page: Some(types::ListAccessIpAddressesPage { size: Some(2), ..Default::default() }),
        filter: Some(types::ListAccessIpAddressesFilter { ip_source: Some("api".into()), ..Default::default() }),
    };
    let items: Vec<_> = client.access_ip_address().list().replace_input(params).items().try_collect().await.unwrap();
    assert_eq!(ids(&items), ["ip-1", "ip-2", "ip-3", "ip-4", "ip-5"]);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 3, "stops at meta.total_pages without asking for page 4");
    assert_eq!(param(&reqs[0], "page[number]"), None, "the first page is sent as the caller built it");
    for (i, r) in reqs.iter().enumerate().skip(1) {
        assert_eq!(param(r, "page[number]"), Some((i + 1).to_string()));
    }
    for r in &reqs {
        assert_eq!(param(r, "page[size]").as_deref(), Some("2"));
        assert_eq!(param(r, "filter[ip_source]").as_deref(), Some("api"), "filters stay on every page");
        assert_eq!(r.header("accept"), Some("application/json"));
    }
}

#[tokio::test]
async fn page_number_stream_starts_at_the_callers_page() {
    let server = Server::start(|_, r| {
        let page: u64 = param(r, "page[number]").unwrap().parse().unwrap();
        Reply::json(200, json!({"data": [access_ip(page)], "meta": meta(4)}))
    })
    .await;
    let params = ListAccessIpAddressesParams {
        page: Some(types::ListAccessIpAddressesPage { number: Some(3), ..Default::default() }),
        ..Default::default()
    };
    let items: Vec<_> =
        client(&server).access_ip_address().list().replace_input(params).items().try_collect().await.unwrap();
    assert_eq!(ids(&items), ["ip-3", "ip-4"]);
    assert_eq!(server.count(), 2);
}

/// The `meta` of a page-number list: the spec requires all four members; only `total_pages`
/// matters here (`total_results` is too large to end a stream).
fn meta(total_pages: u64) -> Value {
    json!({"page_number": 1, "page_size": 2, "total_pages": total_pages, "total_results": 1000})
}

fn ip(n: u64) -> Value {
    json!({"id": format!("{n}"), "ip_address": "192.0.2.1", "port": 5060})
}

#[tokio::test]
async fn without_meta_an_empty_last_page_ends_the_stream() {
    // `GET /ips` has no `meta`: two full pages (their size learnt from the first), then an empty one.
    let server = Server::start(|_, r| {
        let page: u64 = param(r, "page[number]").map_or(1, |p| p.parse().unwrap());
        let items: Vec<Value> = match page {
            1 => vec![ip(1), ip(2)],
            2 => vec![ip(3), ip(4)],
            _ => vec![],
        };
        Reply::json(200, json!({ "data": items }))
    })
    .await;
    let items: Vec<_> = client(&server).ips().list().items().try_collect().await.unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(server.count(), 3, "the empty third page is fetched and ends the stream");
}

#[tokio::test]
async fn without_meta_a_short_page_ends_the_stream_when_the_size_is_known() {
    let server = Server::start(|_, r| {
        let page: u64 = param(r, "page[number]").map_or(1, |p| p.parse().unwrap());
        let items: Vec<Value> = if page == 1 { vec![ip(1), ip(2)] } else { vec![ip(3)] };
        Reply::json(200, json!({ "data": items }))
    })
    .await;
    let params = ListIpsParams {
        page: Some(types::ConnectionsPageConsolidated { size: Some(2), ..Default::default() }),
        ..Default::default()
    };
    let items: Vec<_> = client(&server).ips().list().replace_input(params).items().try_collect().await.unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(server.count(), 2, "page 2 is shorter than page[size]: no third request");
}

#[tokio::test]
async fn records_style_pages_until_total_records() {
    // 10DLC `GET /brand`: `page`/`recordsPerPage` in, `records`/`totalRecords` out.
    let server = Server::start(|_, r| {
        let page: u64 = param(r, "page").map_or(1, |p| p.parse().unwrap());
        let per: u64 = param(r, "recordsPerPage").unwrap().parse().unwrap();
        let records: Vec<Value> =
            (1..=5u64).filter(|i| (i - 1) / per + 1 == page).map(|i| json!({"brandId": format!("b{i}")})).collect();
        Reply::json(200, json!({"page": page, "records": records, "totalRecords": 5}))
    })
    .await;
    let params = GetBrandsParams { records_per_page: Some(2), ..Default::default() };
    let brands: Vec<_> =
        client(&server).messaging_10dlc().brand().list().replace_input(params).items().try_collect().await.unwrap();
    let ids: Vec<_> = brands.iter().map(|b| b.brand_id.clone().unwrap()).collect();
    assert_eq!(ids, ["b1", "b2", "b3", "b4", "b5"]);
    assert_eq!(server.count(), 3);
}

fn active_call(n: u64) -> Value {
    json!({
        "call_control_id": format!("cc{n}"), "call_leg_id": "l", "call_session_id": "s",
        "client_state": "", "record_type": "call", "call_duration": 1
    })
}

#[tokio::test]
async fn cursor_style_follows_meta_cursors_after() {
    let server = Server::start(|_, r| {
        let (items, after) = match param(r, "page[after]").as_deref() {
            None => (vec![active_call(1), active_call(2)], json!("c1")),
            Some("c1") => (vec![active_call(3)], json!("c2")),
            Some(_) => (vec![active_call(4)], Value::Null),
        };
        Reply::json(200, json!({"data": items, "meta": {"cursors": {"after": after}, "total_items": 4}}))
    })
    .await;
    let calls: Vec<_> = client(&server).connections().list_active_calls("conn 1").items().try_collect().await.unwrap();
    let ids: Vec<_> = calls.iter().map(|c| c.call_control_id.clone()).collect();
    assert_eq!(ids, ["cc1", "cc2", "cc3", "cc4"]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs.iter().all(|r| r.target.starts_with("/v2/connections/conn%201/active_calls")));
    assert_eq!(param(&reqs[2], "page[after]").as_deref(), Some("c2"));
}

#[tokio::test]
async fn cursor_style_stops_when_the_cursor_repeats() {
    let server =
        Server::always(Reply::json(200, json!({"data": [active_call(1)], "meta": {"cursors": {"after": "same"}}})))
            .await;
    let calls: Vec<_> = client(&server).connections().list_active_calls("c").items().try_collect().await.unwrap();
    assert_eq!(calls.len(), 2, "a server that hands back the same cursor is not followed forever");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn next_uri_style_copies_the_links_query() {
    // TeXML: the response links the next page; `PageToken` and `Page` come from the link.
    let server = Server::start(|_, r| {
        let next = match param(r, "PageToken").as_deref() {
            None => json!("/v2/texml/Accounts/AC1/Calls?Page=1&PageSize=1&PageToken=t%2B1"),
            Some("t+1") => json!("/v2/texml/Accounts/AC1/Calls?Page=2&PageSize=1&PageToken=t2"),
            Some(_) => Value::Null,
        };
        let n = param(r, "Page").unwrap_or_else(|| "0".into());
        Reply::json(200, json!({"calls": [{"sid": format!("call{n}")}], "next_page_uri": next}))
    })
    .await;
    let params = GetTexmlCallsParams { page_size: Some(1), to: Some("+15551234567".into()), ..Default::default() };
    let calls: Vec<_> = client(&server)
        .texml()
        .accounts()
        .calls()
        .retrieve_calls("AC1")
        .replace_input(params)
        .items()
        .try_collect()
        .await
        .unwrap();
    let sids: Vec<_> = calls.iter().map(|c| c.sid.clone().unwrap()).collect();
    assert_eq!(sids, ["call0", "call1", "call2"]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(param(&reqs[1], "PageToken").as_deref(), Some("t+1"), "link values are decoded once");
    assert_eq!(param(&reqs[2], "Page").as_deref(), Some("2"));
    assert_eq!(param(&reqs[2], "To").as_deref(), Some("+15551234567"), "the caller's filters stay");
}

#[tokio::test]
async fn pages_are_requested_lazily() {
    let server = Server::start(|_, r| {
        let page: u64 = param(r, "page[number]").map_or(1, |p| p.parse().unwrap());
        Reply::json(200, json!({"data": [access_ip(2 * page - 1), access_ip(2 * page)], "meta": meta(3)}))
    })
    .await;
    let client = client(&server);
    let mut stream = client.access_ip_address().list().items();
    tokio::task::yield_now().await;
    assert_eq!(server.count(), 0, "nothing is sent before the stream is polled");
    assert_eq!(stream.next().await.unwrap().unwrap().id, "ip-1");
    assert_eq!(stream.next().await.unwrap().unwrap().id, "ip-2");
    assert_eq!(server.count(), 1, "page 2 is not asked for while page 1 has items left");
    assert_eq!(stream.next().await.unwrap().unwrap().id, "ip-3");
    assert_eq!(server.count(), 2);
    assert_eq!(stream.pages_fetched(), 2);
    drop(stream);
    assert_eq!(server.count(), 2, "dropping the stream sends nothing more");
}

#[tokio::test]
async fn an_error_page_is_yielded_and_ends_the_stream() {
    let server = Server::start(|_, r| match param(r, "page[number]").as_deref() {
        None => Reply::json(200, json!({"data": [access_ip(1)], "meta": meta(3)})),
        _ => Reply::json(403, json!({"errors": [{"code": "10010", "title": "Forbidden"}]})),
    })
    .await;
    let client = client(&server);
    let mut stream = client.access_ip_address().list().items();
    assert!(stream.next().await.unwrap().is_ok());
    match stream.next().await.unwrap() {
        Err(e @ Error::Api(_)) => assert_eq!(e.status().map(|s| s.as_u16()), Some(403)),
        other => panic!("expected the 403, got {other:?}"),
    }
    assert!(stream.next().await.is_none());
    assert_eq!(server.count(), 2, "403 is not retried and page 3 is never asked for");
}

#[tokio::test]
async fn each_page_request_is_retried_like_any_call() {
    let server = Server::start(|i, r| match (i, param(r, "page[number]").as_deref()) {
        (_, None) => Reply::json(200, json!({"data": [access_ip(1)], "meta": meta(2)})),
        (1, Some("2")) => Reply::status(503),
        _ => Reply::json(200, json!({"data": [access_ip(2)], "meta": meta(2)})),
    })
    .await;
    let sleeps = Sleeps::default();
    let policy = RetryPolicy { jitter: 0.0, ..RetryPolicy::default() };
    let builder = Client::builder().api_key("KEY").base_url(server.url()).retry_policy(policy);
    let client = sleeps.install(builder).build().unwrap();
    let items: Vec<_> = client.access_ip_address().list().items().try_collect().await.unwrap();
    assert_eq!(ids(&items), ["ip-1", "ip-2"]);
    assert_eq!(server.count(), 3);
    assert_eq!(sleeps.taken(), [std::time::Duration::from_millis(500)]);

    // And per-stream settings reach every page: no retries, so the 503 surfaces.
    let server = Server::start(|_, r| match param(r, "page[number]").as_deref() {
        None => Reply::json(200, json!({"data": [access_ip(1)], "meta": meta(2)})),
        _ => Reply::status(503),
    })
    .await;
    let client = self::client(&server);
    let stream = client.access_ip_address().list().items().max_retries(0);
    let results: Vec<_> = stream.collect().await;
    assert_eq!(results.len(), 2);
    assert!(matches!(&results[1], Err(e) if e.status().map(|s| s.as_u16()) == Some(503)));
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn page_wise_access() {
    let server = Server::start(|_, r| {
        let page: u64 = param(r, "page[number]").map_or(1, |p| p.parse().unwrap());
        let items: Vec<Value> = if page <= 2 { vec![access_ip(2 * page - 1), access_ip(2 * page)] } else { vec![] };
        Reply::json(200, json!({"data": items, "meta": meta(3)}))
    })
    .await;
    let client = client(&server);
    let pages: Vec<Vec<_>> = client.access_ip_address().list().items().pages().try_collect().await.unwrap();
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2], "the empty last page is not reported as a page");

    // `next_page` hands over what is left of the current page first.
    let mut stream = client.access_ip_address().list().items();
    assert_eq!(stream.next().await.unwrap().unwrap().id, "ip-1");
    assert_eq!(ids(&stream.next_page().await.unwrap().unwrap()), ["ip-2"]);
    assert_eq!(ids(&stream.next_page().await.unwrap().unwrap()), ["ip-3", "ip-4"]);
    assert!(stream.next_page().await.is_none());
    assert!(stream.next_request().is_none());
}
