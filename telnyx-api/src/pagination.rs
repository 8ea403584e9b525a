//! Item streams over paged list operations.
//!
//! Every list operation whose paging style the generator recognises has, beside its one-page
//! method (`list_messaging_profiles`), an item-stream method (`list_messaging_profiles_stream`)
//! with the same arguments. It returns a [`Paginator`]: a [`Stream`] of items that requests
//! the first page when first polled, the next page only when the items of the previous one are
//! used up, and ends after the last page.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use telnyx_api::apis::profiles::ListMessagingProfilesParams;
//! use telnyx_api::types::PageConsolidated;
//!
//! # async fn run(client: telnyx_api::Client) -> telnyx_api::Result<()> {
//! let page = PageConsolidated { size: Some(250), ..Default::default() };
//! let params = ListMessagingProfilesParams { page: Some(page), ..Default::default() };
//! let mut profiles = client.messaging_profiles().list().replace_input(params).items();
//! while let Some(profile) = profiles.try_next().await? {
//!     println!("{:?}", profile.name);
//! }
//! # Ok(()) }
//! ```
//!
//! The paging styles of the spec:
//! - **page number** (`page[number]`/`page[size]`, `page`/`recordsPerPage`, `Page`/`PageSize`):
//!   the number goes up by one until the page number reaches `meta.total_pages`, the pages
//!   cover the total item count (`meta.total_results`, `totalRecords`), a page comes back
//!   shorter than the page size, or a page is empty;
//! - **cursor** (`page[after]`): the next page starts after `meta.cursors.after`, until the
//!   response carries no cursor or a page is empty;
//! - **next URI** (TeXML's `next_page_uri`): the query parameters of the link are copied onto
//!   the next request, until there is no link or a page is empty.
//!
//! Each page is one ordinary request: retries, timeouts and errors work as for any call. An
//! error ends the stream after it is yielded.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;

use crate::client::Client;
use crate::error::Result;
use crate::request::{execute, ApiCall, RawResponse, Request};
use crate::retry::RetryPolicy;

/// How a list operation asks for its next page (chosen by the generator).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStyle {
    /// A page-number query parameter, optionally with a page-size one.
    Number { number: &'static str, size: Option<&'static str> },
    /// A cursor query parameter, set from the previous page's `after` cursor.
    Cursor { after: &'static str },
    /// The response links to the next page; these query parameters are copied from the link.
    NextUri { params: &'static [&'static str] },
}

/// One decoded page, as the generated code extracts it from the response type.
#[doc(hidden)]
#[derive(Debug)]
pub struct PageData<T> {
    pub items: Vec<T>,
    pub total_pages: Option<u64>,
    pub total_items: Option<u64>,
    pub next_cursor: Option<String>,
    pub next_uri: Option<String>,
}

impl<T> Default for PageData<T> {
    fn default() -> Self {
        PageData { items: Vec::new(), total_pages: None, total_items: None, next_cursor: None, next_uri: None }
    }
}

/// Decodes one response into a page; a plain function pointer per operation, so the stream
/// machinery below is instantiated once per item type, not once per operation.
type Fetch<T> = fn(&'static str, RawResponse) -> Result<PageData<T>>;
type PageFuture<T> = Pin<Box<dyn Future<Output = Result<PageData<T>>> + Send>>;

/// The items of every page of a list operation, as a [`Stream`] of `Result<T>`; returned by the
/// generated `…_stream` methods. See the [module docs](self).
///
/// Pages are requested lazily, one at a time. Per-request settings apply to every page request:
/// [`max_retries`](Self::max_retries), [`timeout`](Self::timeout). For page-by-page processing
/// use [`next_page`](Self::next_page) or [`pages`](Self::pages).
#[must_use = "a Paginator does nothing until it is polled"]
pub struct Paginator<T> {
    client: Client,
    /// The request for the next page to fetch (or the one in flight).
    request: Request,
    retry: Option<RetryPolicy>,
    timeout: Option<Option<Duration>>,
    style: PageStyle,
    fetch: Fetch<T>,
    items: std::vec::IntoIter<T>,
    in_flight: Option<PageFuture<T>>,
    done: bool,
    /// Page number of `request` (page-number style).
    page_number: u64,
    /// Page size: the size parameter as sent, else the length of the first page.
    page_size: Option<u64>,
    pages: u64,
}

// Nothing in a `Paginator` is pinned structurally (the in-flight future is boxed), so it can
// move whatever `T` is.
impl<T> Unpin for Paginator<T> {}

impl<T> fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("request", &self.request)
            .field("style", &self.style)
            .field("pages_fetched", &self.pages)
            .field("buffered", &self.items.len())
            .field("done", &self.done)
            .finish()
    }
}

impl<T: Send + 'static> Paginator<T> {
    /// A paginator that starts with `first` (the one-page call, with the caller's parameters).
    #[doc(hidden)]
    pub fn new<R: Send + 'static, I>(first: ApiCall<R, I>, style: PageStyle, fetch: Fetch<T>) -> Self {
        let (client, mut request, retry, timeout) = first.into_built().into_parts();
        // Pages are decoded as JSON; some list operations answer CSV to other `Accept` values.
        request.set_header("accept", "application/json".to_owned());
        let number = |name| request.query_value(name).and_then(|v| v.parse::<u64>().ok());
        let (page_number, page_size) = match style {
            PageStyle::Number { number: n, size } => (number(n).unwrap_or(1), size.and_then(number)),
            _ => (1, None),
        };
        Paginator {
            client,
            request,
            retry,
            timeout,
            style,
            fetch,
            items: Vec::new().into_iter(),
            in_flight: None,
            done: false,
            page_number,
            page_size: page_size.filter(|s| *s > 0),
            pages: 0,
        }
    }

    /// Retries for each page request (0 turns them off).
    pub fn max_retries(mut self, n: u32) -> Self {
        let mut policy = self.retry.unwrap_or_else(|| self.client.inner.retry.clone());
        policy.max_retries = n;
        self.retry = Some(policy);
        self
    }

    /// Retry policy for each page request.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Timeout of each attempt of each page request (`None` for no limit).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How many pages have been received so far.
    pub fn pages_fetched(&self) -> u64 {
        self.pages
    }

    /// The request the next page will be fetched with (`None` after the last page).
    pub fn next_request(&self) -> Option<&Request> {
        (!self.done).then_some(&self.request)
    }

    /// The items not yet yielded: first those left of the current page, then the next page.
    /// `None` after the last page (an empty last page is not reported).
    pub async fn next_page(&mut self) -> Option<Result<Vec<T>>> {
        let buffered: Vec<T> = self.items.by_ref().collect();
        if !buffered.is_empty() {
            return Some(Ok(buffered));
        }
        let future = match self.in_flight.take() {
            Some(f) => f,
            None if self.done => return None,
            None => self.start(),
        };
        match self.finish(future.await) {
            Err(e) => Some(Err(e)),
            Ok(items) if items.is_empty() && self.done => None,
            Ok(items) => Some(Ok(items)),
        }
    }

    /// The stream of whole pages (each a `Vec` of items) instead of single items.
    ///
    /// ```no_run
    /// use futures::TryStreamExt as _;
    ///
    /// # async fn run(client: telnyx_api::Client) -> telnyx_api::Result<()> {
    /// let params = Default::default();
    /// let pages = client.messaging_profiles().list().replace_input(params).items().max_retries(5).pages();
    /// let mut pages = std::pin::pin!(pages);
    /// while let Some(page) = pages.try_next().await? {
    ///     println!("{} profiles", page.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pages(self) -> impl Stream<Item = Result<Vec<T>>> + Send {
        futures::stream::unfold(self, |mut p| async move { p.next_page().await.map(|page| (page, p)) })
    }

    fn start(&self) -> PageFuture<T> {
        let client = self.client.clone();
        let request = self.request.clone();
        let retry = self.retry.clone();
        let timeout = self.timeout;
        let fetch = self.fetch;
        Box::pin(async move {
            let raw = execute(&client, &request, retry.as_ref(), timeout).await?;
            // Deviations of a page are logged (one warn event per page), not returned.
            let (strict, status) = (client.inner.strict_decoding, raw.status);
            let (page, deviations) = crate::request::with_decoding(strict, || fetch(request.operation_id(), raw));
            client.deviations(request.operation_id(), status, deviations);
            page.map_err(|e| client.redact(e))
        })
    }

    /// Take a received page: decide on the next request and hand back the items.
    fn finish(&mut self, page: Result<PageData<T>>) -> Result<Vec<T>> {
        match page {
            Ok(page) => {
                self.pages += 1;
                self.advance(&page);
                Ok(page.items)
            }
            Err(e) => {
                self.done = true;
                Err(e)
            }
        }
    }

    fn advance(&mut self, page: &PageData<T>) {
        let len = page.items.len() as u64;
        if len == 0 {
            self.done = true;
            return;
        }
        match self.style {
            PageStyle::Number { number, .. } => {
                let size = *self.page_size.get_or_insert(len);
                let last = match (page.total_pages, page.total_items) {
                    (Some(pages), _) => self.page_number >= pages,
                    (None, Some(total)) => self.page_number.saturating_mul(size) >= total,
                    (None, None) => len < size,
                };
                if last {
                    self.done = true;
                } else {
                    self.page_number += 1;
                    self.request.set_query(number, vec![self.page_number.to_string()]);
                }
            }
            PageStyle::Cursor { after } => match page.next_cursor.as_deref().filter(|c| !c.is_empty()) {
                // The same cursor again would ask for the same page forever.
                Some(c) if self.request.query_value(after) != Some(c) => {
                    self.request.set_query(after, vec![c.to_owned()]);
                }
                _ => self.done = true,
            },
            PageStyle::NextUri { params } => {
                let before = self.request.query_pairs().to_vec();
                match page.next_uri.as_deref().filter(|u| !u.is_empty()).and_then(link_query) {
                    Some(pairs) => {
                        for name in params {
                            let values: Vec<String> =
                                pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect();
                            if !values.is_empty() {
                                self.request.set_query(name, values);
                            }
                        }
                        // A link that changes nothing we send would repeat the page forever.
                        self.done = self.request.query_pairs() == before.as_slice();
                    }
                    None => self.done = true,
                }
            }
        }
    }
}

/// The query pairs of a (possibly relative) link, decoded.
fn link_query(link: &str) -> Option<Vec<(String, String)>> {
    let base = reqwest::Url::parse("http://base.invalid/").ok()?;
    let url = base.join(link).ok()?;
    Some(url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
}

impl<T: Send + 'static> Stream for Paginator<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.items.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            if this.in_flight.is_none() {
                if this.done {
                    return Poll::Ready(None);
                }
                this.in_flight = Some(this.start());
            }
            let Some(future) = this.in_flight.as_mut() else { continue };
            let page = match future.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(page) => page,
            };
            this.in_flight = None;
            match this.finish(page) {
                Ok(items) => this.items = items.into_iter(),
                Err(e) => return Poll::Ready(Some(Err(e))),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.items.len();
        (buffered, if self.done && self.in_flight.is_none() { Some(buffered) } else { None })
    }
}
