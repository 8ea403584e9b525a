//! The local HTTP/1.1 server (hyper, keep-alive, on its own thread): one page of
//! `ListPhoneNumbersResponse`, 429 storms, and what it counts per call.

use super::*;

/// One list page as the API sends it: 20 phone numbers and the paging fields.
pub(crate) fn list_page() -> Value {
    let statuses = ["active", "active", "active", "port-pending", "emergency-only"];
    let types = ["local", "local", "toll_free", "mobile"];
    let data: Vec<Value> = (0..PAGE_SIZE)
        .map(|i| {
            json!({
                "id": format!("1293384261075731{i:03}"),
                "record_type": "phone_number",
                "phone_number": format!("+1919555{:04}", 1000 + i),
                "status": statuses[i % statuses.len()],
                "tags": ["bench", format!("batch-{}", i / 5)],
                "external_pin": if i % 3 == 0 { Value::Null } else { json!("1234") },
                "connection_id": "1293384261075731499",
                "connection_name": "connection-name",
                "customer_reference": format!("customer-{i}"),
                "messaging_profile_id": "abc85f64-5717-4562-b3fc-2c9600000000",
                "messaging_profile_name": "regional-customers",
                "billing_group_id": "62e4bf2e-c278-4282-b524-488d9c9c43b2",
                "emergency_enabled": i % 2 == 0,
                "emergency_address_id": "1315261609962112019",
                "emergency_status": if i % 2 == 0 { "active" } else { "disabled" },
                "call_forwarding_enabled": true,
                "cnam_listing_enabled": false,
                "caller_id_name_enabled": true,
                "call_recording_enabled": false,
                "t38_fax_gateway_enabled": true,
                "hd_voice_enabled": false,
                "deletion_lock_enabled": false,
                "inbound_call_screening": "disabled",
                "source_type": if i % 4 == 0 { "port_request" } else { "number_order" },
                "phone_number_type": types[i % types.len()],
                "country_iso_alpha2": "US",
                "purchased_at": "2019-10-23T18:10:00.000Z",
                "activated_at": "2019-10-23T18:12:00.000Z",
                "created_at": "2019-10-23T18:10:00.000Z",
                "updated_at": "2019-10-24T18:10:00.000Z",
            })
        })
        .collect();
    json!({
        "data": data,
        "meta": {"page_number": 1, "page_size": PAGE_SIZE, "total_pages": 50, "total_results": 50 * PAGE_SIZE},
    })
}

/// The page's bytes, after checking that it is a valid `ListPhoneNumbersResponse` that keeps
/// every field it sends.
pub(crate) fn page_body() -> Bytes {
    let page = list_page();
    let bytes = serde_json::to_vec(&page).expect("a JSON value serializes");
    let typed: ListPhoneNumbersResponse =
        serde_json::from_slice(&bytes).expect("the page is a valid ListPhoneNumbersResponse");
    assert_eq!(typed.data.len(), PAGE_SIZE);
    let back = serde_json::to_value(&typed).expect("the typed page serializes");
    if back != page {
        eprintln!("note: the page does not round-trip through ListPhoneNumbersResponse (a field the type lacks?)");
    }
    Bytes::from(bytes)
}

/// What the server does with a storm call.
#[derive(Clone, Copy)]
pub(crate) struct Storm {
    pub(crate) header: (&'static str, &'static str),
    /// Refuse every this-many-th call on every attempt (0: none).
    pub(crate) persistent_every: usize,
}

/// The attempts of one storm call as the server saw them.
pub(crate) struct Call {
    pub(crate) attempts: u32,
    pub(crate) last: Instant,
    /// Time from each attempt's arrival to the next one's.
    pub(crate) gaps: Vec<Duration>,
}

pub(crate) struct Server {
    pub(crate) body: Bytes,
    pub(crate) bearer: HeaderValue,
    pub(crate) accepted: AtomicUsize,
    pub(crate) live: AtomicUsize,
    pub(crate) requests: AtomicUsize,
    /// Requests without the expected `Authorization`, `Accept` or `User-Agent`.
    pub(crate) unexpected: AtomicUsize,
    /// The first request of the phase: method, target and headers (authorization redacted).
    pub(crate) sample: Mutex<Option<String>>,
    pub(crate) storm: Mutex<(Option<Storm>, HashMap<usize, Call>)>,
}

impl Server {
    pub(crate) fn handle(&self, req: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let h = req.headers();
        let expected = h.get(AUTHORIZATION) == Some(&self.bearer)
            && h.get(ACCEPT).is_some_and(|v| v == "application/json")
            && h.get(USER_AGENT).is_some_and(|v| v == USER_AGENT_VALUE);
        if !expected {
            self.unexpected.fetch_add(1, Ordering::Relaxed);
        }
        {
            let mut sample = self.sample.lock().unwrap_or_else(|e| e.into_inner());
            if sample.is_none() {
                let mut names: Vec<String> = h
                    .iter()
                    .map(|(k, v)| {
                        let v = if k == AUTHORIZATION { "Bearer <key>" } else { v.to_str().unwrap_or("<binary>") };
                        format!("{k}: {v}")
                    })
                    .collect();
                names.sort();
                *sample = Some(format!("{} {} | {}", req.method(), req.uri(), names.join(" | ")));
            }
        }
        let call = req.uri().query().and_then(|q| q.split_once("storm-")).and_then(|(_, rest)| {
            rest.split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse::<usize>().ok())
        });
        if let Some(n) = call {
            let now = Instant::now();
            let mut guard = self.storm.lock().unwrap_or_else(|e| e.into_inner());
            let (storm, calls) = &mut *guard;
            if let Some(storm) = *storm {
                let entry = calls.entry(n).or_insert(Call { attempts: 0, last: now, gaps: Vec::new() });
                if entry.attempts > 0 {
                    let gap = now - entry.last;
                    entry.gaps.push(gap);
                }
                entry.attempts += 1;
                entry.last = now;
                let refuse = entry.attempts == 1 || (storm.persistent_every > 0 && n % storm.persistent_every == 0);
                if refuse {
                    return hyper::Response::builder()
                        .status(429)
                        .header(CONTENT_TYPE, "application/json")
                        .header(storm.header.0, storm.header.1)
                        .body(Full::new(Bytes::from_static(
                            br#"{"errors":[{"code":"10011","title":"Too many requests","detail":"Slow down."}]}"#,
                        )))
                        .unwrap_or_default();
                }
            }
        }
        let mut resp = hyper::Response::new(Full::new(self.body.clone()));
        resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        resp
    }
}

pub(crate) async fn serve(listener: tokio::net::TcpListener, server: Arc<Server>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        server.accepted.fetch_add(1, Ordering::Relaxed);
        server.live.fetch_add(1, Ordering::Relaxed);
        let server = server.clone();
        tokio::spawn(async move {
            let s = server.clone();
            let service = hyper::service::service_fn(move |req| std::future::ready(Ok::<_, Infallible>(s.handle(req))));
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            server.live.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// Start the server on its own thread; its address and the thread's id (for its CPU time).
pub(crate) fn start_server(server: Arc<Server>) -> (SocketAddr, Option<String>) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("load-server".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a server runtime");
            rt.block_on(async move {
                let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
                socket.bind(SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind 127.0.0.1");
                // Room for every connection the clients open at once (the default is 128).
                let listener = socket.listen(4096).expect("listen");
                let addr = listener.local_addr().expect("the bound address");
                // `/proc/thread-self` is `<pid>/task/<tid>`.
                let tid = std::fs::read_link("/proc/thread-self")
                    .ok()
                    .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
                let _ = tx.send((addr, tid));
                serve(listener, server).await;
            });
        })
        .expect("a server thread");
    rx.recv().expect("the server starts")
}
