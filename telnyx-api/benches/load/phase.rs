//! One phase of the run: many calls in flight through the generated method or plain reqwest,
//! and what it measured (outcomes, latency quantiles, CPU and allocations per call).

use super::*;

/// How one call ended.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Outcome {
    Ok,
    Status(u16),
    Failed(String),
}

/// The figures of one phase.
pub(crate) struct Phase {
    pub(crate) name: String,
    pub(crate) calls: usize,
    pub(crate) wall: Duration,
    pub(crate) latencies: Vec<Duration>,
    pub(crate) outcomes: Vec<(Outcome, usize)>,
    pub(crate) before: Gauges,
    pub(crate) during: Gauges,
    pub(crate) after: Gauges,
    pub(crate) accepted: usize,
    pub(crate) server_requests: usize,
    pub(crate) unexpected: usize,
    pub(crate) sample: Option<String>,
}

impl Phase {
    pub(crate) fn rps(&self) -> f64 {
        self.calls as f64 / self.wall.as_secs_f64()
    }

    pub(crate) fn quantile(&self, q: f64) -> Duration {
        quantile(&self.latencies, q)
    }

    /// Client CPU per call: the process's CPU time less the server thread's, while the calls ran.
    pub(crate) fn client_cpu_us(&self) -> f64 {
        let all = self.during.cpu.saturating_sub(self.before.cpu);
        let server = self.during.server_cpu.saturating_sub(self.before.server_cpu);
        all.saturating_sub(server).as_secs_f64() * 1e6 / self.calls as f64
    }

    pub(crate) fn allocs_per_call(&self) -> f64 {
        (self.during.allocs - self.before.allocs) as f64 / self.calls as f64
    }

    pub(crate) fn kib_per_call(&self) -> f64 {
        (self.during.alloc_bytes - self.before.alloc_bytes) as f64 / 1024.0 / self.calls as f64
    }

    /// `19000 ok, 1000 HTTP 429`.
    pub(crate) fn outcomes_text(&self) -> String {
        let parts: Vec<String> = self
            .outcomes
            .iter()
            .map(|(o, n)| match o {
                Outcome::Ok => format!("{n} ok"),
                Outcome::Status(s) => format!("{n} HTTP {s}"),
                Outcome::Failed(e) => format!("{n} failed: {e}"),
            })
            .collect();
        parts.join(", ")
    }
}

/// Sorted input.
pub(crate) fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Run `calls` calls of `call` with `concurrency` in flight, between gauge readings; `client`
/// is what the calls share, dropped before the last reading (after the server has seen every
/// connection close, or 5 s).
pub(crate) async fn phase<C, F, Fut>(
    name: String,
    server: &Server,
    probe: &Probe,
    cfg: (usize, usize),
    client: C,
    call: F,
) -> Phase
where
    C: Clone + Send + Sync + 'static,
    F: Fn(C, usize) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = Outcome> + Send,
{
    let (calls, concurrency) = cfg;
    *server.sample.lock().unwrap_or_else(|e| e.into_inner()) = None;
    let accepted = server.accepted.load(Ordering::Relaxed);
    let requests = server.requests.load(Ordering::Relaxed);
    let unexpected = server.unexpected.load(Ordering::Relaxed);
    let next = Arc::new(AtomicUsize::new(0));
    let before = probe.read();
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency.min(calls))
        .map(|_| {
            let (next, client) = (next.clone(), client.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(calls / concurrency + 1);
                let mut outcomes: HashMap<Outcome, usize> = HashMap::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= calls {
                        break;
                    }
                    let t = Instant::now();
                    let outcome = call(client.clone(), i).await;
                    latencies.push(t.elapsed());
                    *outcomes.entry(outcome).or_default() += 1;
                }
                (latencies, outcomes)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(calls);
    let mut outcomes: HashMap<Outcome, usize> = HashMap::new();
    for w in workers {
        match w.await {
            Ok((l, o)) => {
                latencies.extend(l);
                for (k, n) in o {
                    *outcomes.entry(k).or_default() += n;
                }
            }
            Err(e) => *outcomes.entry(Outcome::Failed(format!("worker: {e}"))).or_default() += 1,
        }
    }
    let wall = started.elapsed();
    let during = probe.read();
    drop(client);
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.live.load(Ordering::Relaxed) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let after = probe.read();
    latencies.sort_unstable();
    let mut outcomes: Vec<(Outcome, usize)> = outcomes.into_iter().collect();
    outcomes.sort();
    Phase {
        name,
        calls,
        wall,
        latencies,
        outcomes,
        before,
        during,
        after,
        accepted: server.accepted.load(Ordering::Relaxed) - accepted,
        server_requests: server.requests.load(Ordering::Relaxed) - requests,
        unexpected: server.unexpected.load(Ordering::Relaxed) - unexpected,
        sample: server.sample.lock().unwrap_or_else(|e| e.into_inner()).take(),
    }
}

pub(crate) fn generated_client(base: &str) -> telnyx_api::Client {
    telnyx_api::Client::builder().base_url(base).api_key(API_KEY).build().expect("a client")
}

/// The parameters both clients send: the first page of 20, and for storm calls the call's number.
pub(crate) fn params(storm_call: Option<usize>) -> ListPhoneNumbersParams {
    ListPhoneNumbersParams {
        page: Some(NumbersPageConsolidated { number: Some(1), size: Some(PAGE_SIZE as i64) }),
        filter: storm_call
            .map(|n| ListPhoneNumbersFilter { tag: Some(format!("storm-{n}")), ..ListPhoneNumbersFilter::default() }),
        ..ListPhoneNumbersParams::default()
    }
}

pub(crate) fn outcome_of(result: telnyx_api::Result<ListPhoneNumbersResponse>) -> Outcome {
    match result {
        Ok(page) if page.data.len() == PAGE_SIZE => Outcome::Ok,
        Ok(page) => Outcome::Failed(format!("{} records", page.data.len())),
        Err(telnyx_api::Error::Api(e)) => Outcome::Status(e.status.as_u16()),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

pub(crate) async fn generated_phase(
    name: String,
    server: &Server,
    probe: &Probe,
    cfg: (usize, usize),
    base: &str,
) -> Phase {
    let shared = Arc::new((generated_client(base), params(None)));
    phase(name, server, probe, cfg, shared, |s: Arc<(telnyx_api::Client, ListPhoneNumbersParams)>, _| async move {
        outcome_of(s.0.phone_numbers().list().replace_input(s.1.clone()).await)
    })
    .await
}

/// What a plain reqwest user writes; the client is built as `Client::builder().build()` builds
/// its own.
pub(crate) async fn plain_phase(
    name: String,
    server: &Server,
    probe: &Probe,
    cfg: (usize, usize),
    base: &str,
) -> Phase {
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .user_agent(USER_AGENT_VALUE)
        .build()
        .expect("a reqwest client");
    let shared = Arc::new((http, format!("{base}/phone_numbers")));
    phase(name, server, probe, cfg, shared, |s: Arc<(reqwest::Client, String)>, _| async move {
        let sent =
            s.0.get(&s.1)
                .query(&[("page[number]", "1"), ("page[size]", "20")])
                .bearer_auth(API_KEY)
                .header(reqwest::header::ACCEPT, "application/json")
                .timeout(Duration::from_secs(60))
                .send()
                .await;
        let resp = match sent {
            Ok(r) if r.status().is_success() => r,
            Ok(r) => return Outcome::Status(r.status().as_u16()),
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        match resp.json::<ListPhoneNumbersResponse>().await {
            Ok(page) if page.data.len() == PAGE_SIZE => Outcome::Ok,
            Ok(page) => Outcome::Failed(format!("{} records", page.data.len())),
            Err(e) => Outcome::Failed(e.to_string()),
        }
    })
    .await
}

/// A storm: every call carries its number; the server's records of it are taken afterwards.
pub(crate) async fn storm_phase(
    name: String,
    server: &Server,
    probe: &Probe,
    cfg: (usize, usize),
    base: &str,
    storm: Storm,
) -> (Phase, HashMap<usize, Call>) {
    *server.storm.lock().unwrap_or_else(|e| e.into_inner()) = (Some(storm), HashMap::new());
    let client = Arc::new(generated_client(base));
    let run = phase(name, server, probe, cfg, client, |c: Arc<telnyx_api::Client>, i| async move {
        outcome_of(c.phone_numbers().list().replace_input(params(Some(i))).await)
    })
    .await;
    let calls = std::mem::take(&mut server.storm.lock().unwrap_or_else(|e| e.into_inner()).1);
    *server.storm.lock().unwrap_or_else(|e| e.into_inner()) = (None, HashMap::new());
    (run, calls)
}
