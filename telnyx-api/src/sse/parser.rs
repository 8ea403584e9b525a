//! The WHATWG `text/event-stream` framing: bytes pushed as they arrive → [`Event`]s (line
//! endings, comments, fields, multi-line data, a leading BOM). Synchronous and allocation-lean;
//! see the parent module for why it is our own.

use std::time::Duration;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Event {
    /// The event type: the last `event:` field of the event, or `"message"` when there was none.
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The last event id seen on the stream so far (the `id:` field persists across events).
    pub id: String,
    /// The reconnection time the server asked for in this event's `retry:` field, if any.
    pub retry: Option<Duration>,
}

/// Incremental `text/event-stream` parser: [`push`](Self::push) bytes in any pieces,
/// [`next_event`](Self::next_event) until `None`, repeat.
///
/// ```
/// use telnyx_api::sse::EventParser;
/// let mut p = EventParser::new();
/// p.push(b"data: hel");
/// assert!(p.next_event().is_none());
/// p.push(b"lo\r\n\r\n");
/// assert_eq!(p.next_event().unwrap().data, "hello");
/// ```
#[derive(Debug, Default, Clone)]
pub struct EventParser {
    /// Received bytes; `buf[pos..]` is not yet consumed (at most one incomplete line once
    /// `next_event` returned `None`).
    buf: Vec<u8>,
    pos: usize,
    /// The BOM check at the start of the stream is done.
    started: bool,
    /// The previous line ended with CR: an LF at the start of the next bytes belongs to it.
    skip_lf: bool,
    data: String,
    has_data: bool,
    event: String,
    last_id: String,
    retry: Option<Duration>,
    /// Field lines (`data:`, `event:`, `id:`, `retry:`, unknown fields) seen so far: what
    /// counts as progress for the idle timeout, which `:` comments and blank lines do not.
    field_lines: u64,
}

impl EventParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        EventParser::default()
    }

    /// Append bytes received from the network.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.pos > 0 {
            // Only the unconsumed tail (an incomplete line) is moved, so every byte is copied
            // a bounded number of times.
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// How many field lines (anything but `:` comments and blank lines) were parsed so far.
    pub(crate) fn field_lines(&self) -> u64 {
        self.field_lines
    }

    /// The id of the last `id:` field seen (the `Last-Event-ID` to resume with).
    pub fn last_event_id(&self) -> &str {
        &self.last_id
    }

    /// Bytes received but not yet framed into a complete line.
    pub fn pending_bytes(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// What the event being received holds so far: its `data` and `event` fields and the
    /// incomplete line (what a cap on the size of one event must bound).
    pub fn pending_event_bytes(&self) -> usize {
        self.data.len() + self.event.len() + self.pending_bytes()
    }

    /// The next complete event from the bytes pushed so far.
    pub fn next_event(&mut self) -> Option<Event> {
        if !self.started {
            let rest = &self.buf[self.pos..];
            if rest.len() < BOM.len() && BOM.starts_with(rest) {
                // Could still become a BOM (or be an empty stream).
                return None;
            }
            if rest.starts_with(BOM) {
                self.pos += BOM.len();
            }
            self.started = true;
        }
        loop {
            if self.skip_lf && self.pos < self.buf.len() {
                if self.buf[self.pos] == b'\n' {
                    self.pos += 1;
                }
                self.skip_lf = false;
            }
            let rest = &self.buf[self.pos..];
            let eol = rest.iter().position(|&b| b == b'\n' || b == b'\r')?;
            let start = self.pos;
            let end = start + eol;
            self.pos = end + 1;
            if self.buf[end] == b'\r' {
                // CRLF: swallow the LF now if it is here, else when it arrives.
                self.skip_lf = true;
            }
            if let Some(event) = self.line(start, end) {
                return Some(event);
            }
        }
    }

    /// At the end of the stream: the event that would be dispatched if the remaining bytes were
    /// followed by a blank line. Not part of the WHATWG rules (they discard it); callers use it
    /// to be lenient about a final `data: [DONE]` without its blank line.
    pub fn finish(&mut self) -> Option<Event> {
        if let Some(e) = self.next_event() {
            return Some(e);
        }
        let (start, end) = (self.pos, self.buf.len());
        self.pos = end;
        if end > start {
            if let Some(e) = self.line(start, end) {
                return Some(e);
            }
        }
        self.dispatch()
    }

    /// Process the line `buf[start..end]` (without its terminator).
    fn line(&mut self, start: usize, end: usize) -> Option<Event> {
        let line = &self.buf[start..end];
        if line.is_empty() {
            return self.dispatch();
        }
        if line[0] == b':' {
            return None;
        }
        self.field_lines += 1;
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(c) => {
                let v = &line[c + 1..];
                (&line[..c], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &line[line.len()..]),
        };
        match name {
            b"data" => {
                self.data.push_str(&String::from_utf8_lossy(value));
                self.data.push('\n');
                self.has_data = true;
            }
            b"event" => {
                self.event.clear();
                self.event.push_str(&String::from_utf8_lossy(value));
            }
            b"id" if !value.contains(&0) => {
                self.last_id = String::from_utf8_lossy(value).into_owned();
            }
            // Values beyond u64 milliseconds are ignored, like any invalid value.
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                if let Some(ms) = std::str::from_utf8(value).ok().and_then(|s| s.parse().ok()) {
                    self.retry = Some(Duration::from_millis(ms));
                }
            }
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<Event> {
        let retry = self.retry.take();
        if !self.has_data {
            self.event.clear();
            return None;
        }
        self.has_data = false;
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the `\n` after the last data line
        let event = if self.event.is_empty() { "message".to_owned() } else { std::mem::take(&mut self.event) };
        Some(Event { event, data, id: self.last_id.clone(), retry })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Vec<Event> {
        let mut p = EventParser::new();
        p.push(input);
        std::iter::from_fn(|| p.next_event()).collect()
    }

    #[test]
    fn fields_and_defaults() {
        let ev = all(b"event: add\nid: 7\nretry: 1500\ndata: a\ndata:b\n\ndata\n\n");
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].event, "add");
        assert_eq!(ev[0].data, "a\nb");
        assert_eq!(ev[0].id, "7");
        assert_eq!(ev[0].retry, Some(Duration::from_millis(1500)));
        assert_eq!(ev[1].event, "message");
        assert_eq!(ev[1].data, "");
        assert_eq!(ev[1].id, "7", "the last event id persists");
        assert_eq!(ev[1].retry, None);
    }

    #[test]
    fn event_without_data_is_not_dispatched() {
        let ev = all(b"event: ping\n\ndata: x\n\n");
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].event, "message", "the event type is reset by the empty dispatch");
    }

    #[test]
    fn cr_at_end_of_a_read_then_lf() {
        let mut p = EventParser::new();
        p.push(b"data: a\r");
        assert!(p.next_event().is_none());
        p.push(b"\n\r");
        assert_eq!(p.next_event().map(|e| e.data), Some("a".into()));
        p.push(b"\ndata: b\r\r");
        assert_eq!(p.next_event().map(|e| e.data), Some("b".into()));
    }

    #[test]
    fn finish_flushes_a_last_unterminated_event() {
        let mut p = EventParser::new();
        p.push(b"data: [DONE]");
        assert!(p.next_event().is_none());
        assert_eq!(p.finish().map(|e| e.data), Some("[DONE]".into()));
    }
}
