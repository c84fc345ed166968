//! HTTP: one shared `ureq` agent with explicit timeouts, redirects followed the way a
//! browser follows them, content codings undone within a byte cap ([`body`]), and
//! retries with backoff.

pub mod body;

pub use body::Coding;

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ureq::http::{header, HeaderName, HeaderValue, Response, StatusCode};
use ureq::{Agent, Body};
use url::Url;

use crate::decode;
use crate::limits::{self, TooLargeForMemory};
use crate::pipeline::{Budget, Permit};
use crate::politeness::{RequestGate, RequestSlot};
use crate::text::{printable, redact_passwords, redacted};
use crate::units::{human_bytes, human_duration};

/// Longest wait a `Retry-After` header can impose; longer requests are cut to this.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(30);
/// First backoff step; each retry doubles it, up to [`BACKOFF_CAP`].
const BACKOFF_BASE: Duration = Duration::from_millis(250);
const BACKOFF_CAP: Duration = Duration::from_secs(8);

/// The first wait for a file descriptor to be freed; each further one waits longer,
/// up to 20 times this.
const OUT_OF_FILES_WAIT: Duration = Duration::from_millis(50);

/// What browsers send; some servers answer differently without it.
const ACCEPT: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5";

/// What the fetch stage needs, validated.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Limit for one whole attempt: connection, redirects and body.
    pub timeout: Duration,
    /// Limit for name resolution plus connection set-up, TLS included.
    pub connect_timeout: Duration,
    /// Extra attempts after a transient failure.
    pub retries: u32,
    /// Redirects followed per page; 0 follows none.
    pub max_redirects: u32,
    /// Largest body accepted, after decompression.
    pub max_bytes: u64,
    /// Sent with every request (credentials only to the origin asked for).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub user_agent: String,
    /// Requests in flight at most, which sizes the pool of kept-alive connections.
    pub connections: usize,
}

/// A fetched HTML page.
#[derive(Debug)]
pub struct Page<'m> {
    /// The URL after redirects, without userinfo: the page URL links resolve against.
    pub final_url: Url,
    /// How many redirects led there.
    pub redirects: u32,
    pub body: Vec<u8>,
    /// The `charset` parameter of `Content-Type`, if any.
    pub charset: Option<String>,
    /// The memory the body holds, while the page is kept, when bodies are budgeted.
    pub reservation: Option<Permit<'m>>,
}

/// What bounds one fetch beyond the config: where credentials may go and where
/// redirects may lead.
#[derive(Clone, Copy, Default)]
pub struct Bounds<'a> {
    /// The URL whose origin receives credentials (`-H` ones, and its own userinfo as
    /// Basic authentication); the URL fetched when `None`.
    pub credentials_for: Option<&'a Url>,
    /// Whether a redirect may lead to a URL (robots.txt, for a page a crawl found).
    pub may_redirect_to: Option<&'a (dyn Fn(&Url) -> bool + Sync)>,
}

/// A resource fetched for the crawl itself (robots.txt, a sitemap).
#[derive(Debug)]
pub struct Resource {
    pub status: u16,
    /// The URL after redirects, without userinfo.
    pub final_url: Url,
    pub body: Vec<u8>,
}

/// The memory bodies may take together, and the limit it was planned for (named in
/// the failure of a body that cannot fit even alone).
#[derive(Debug, Clone, Copy)]
pub struct BodyMemory<'m> {
    pub budget: &'m Budget,
    pub limit: u64,
}

/// Why a page could not be fetched, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The whole request took longer than `--timeout`.
    TimedOut(Duration),
    /// Name resolution plus connection set-up took longer than `--connect-timeout`.
    ConnectTimedOut(Duration),
    HostNotFound,
    /// The connection was refused, reset or otherwise failed.
    Connection(String),
    Tls(String),
    /// The server broke HTTP (bad status line, bad chunking, lying lengths...).
    Protocol(String),
    /// A status other than 2xx after redirects.
    Status {
        code: u16,
        reason: String,
    },
    TooManyRedirects(u32),
    /// A redirect to a URL that is not http(s).
    RedirectNotHttp(Url),
    /// A redirect to a URL robots.txt forbids (when crawling).
    RedirectForbidden(Url),
    /// A redirect whose `Location` does not resolve to a URL.
    InvalidLocation {
        location: String,
        error: url::ParseError,
    },
    /// The body, after decompression, is larger than `--max-bytes`.
    TooLarge(u64),
    /// The Content-Type is not HTML (or, missing, the body does not look like HTML).
    NotHtml(String),
    /// The body is not valid in the coding the server named.
    Decompress {
        coding: Coding,
        why: String,
    },
    /// A `Content-Encoding` not decoded here, as the server sent it.
    UnknownCoding(String),
    Other(String),
    /// The process had no file descriptor left for the whole `--timeout`.
    OutOfFiles,
    /// The body does not fit in the memory the run may use, even alone.
    Memory(TooLargeForMemory),
    /// A transient failure that was still failing after every retry.
    GaveUp {
        attempts: u32,
        last: Box<FetchError>,
    },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::TimedOut(limit) => {
                write!(f, "timed out after {} (--timeout)", human_duration(*limit))
            }
            FetchError::ConnectTimedOut(limit) => write!(
                f,
                "could not connect within {} (--connect-timeout)",
                human_duration(*limit)
            ),
            FetchError::HostNotFound => f.write_str("host not found (DNS lookup failed)"),
            FetchError::Connection(why) => write!(f, "connection failed: {}", printable(why)),
            FetchError::Tls(why) => write!(f, "TLS error: {}", printable(why)),
            FetchError::Protocol(why) => write!(f, "bad HTTP response: {}", printable(why)),
            FetchError::Status { code, reason } if reason.is_empty() => write!(f, "HTTP {code}"),
            FetchError::Status { code, reason } => write!(f, "HTTP {code} {reason}"),
            FetchError::TooManyRedirects(max) => {
                write!(f, "too many redirects (more than {max}, --max-redirects)")
            }
            FetchError::RedirectNotHttp(target) => write!(
                f,
                "redirected to {}, which is not an http(s) URL",
                printable(&redacted(target))
            ),
            FetchError::RedirectForbidden(target) => write!(
                f,
                "redirected to {}, which robots.txt forbids",
                printable(&redacted(target))
            ),
            FetchError::InvalidLocation { location, error } => write!(
                f,
                "bad HTTP response: redirect to an invalid Location '{}': {error}",
                printable(&redact_passwords(location))
            ),
            FetchError::TooLarge(max) => {
                write!(f, "page larger than {} (--max-bytes)", human_bytes(*max))
            }
            FetchError::NotHtml(kind) => write!(f, "not HTML ({kind})"),
            FetchError::Decompress { coding, why } => {
                write!(
                    f,
                    "could not decompress the {coding} body: {}",
                    printable(why)
                )
            }
            FetchError::UnknownCoding(name) => write!(
                f,
                "unsupported Content-Encoding '{}' (gzip, deflate, br and zstd are decoded)",
                printable(name)
            ),
            FetchError::Other(why) => f.write_str(&printable(why)),
            FetchError::Memory(error) => error.fmt(f),
            FetchError::OutOfFiles => f.write_str(
                "no file descriptor became free within --timeout (the open-file limit, ulimit -n)",
            ),
            FetchError::GaveUp { attempts, last } => {
                write!(f, "{last} (after {attempts} attempts)")
            }
        }
    }
}

impl std::error::Error for FetchError {}

impl FetchError {
    /// Whether another attempt may succeed: connection failures, 408, 429 and 5xx.
    fn is_transient(&self) -> bool {
        match self {
            FetchError::ConnectTimedOut(_) | FetchError::Connection(_) => true,
            FetchError::Status { code, .. } => matches!(code, 408 | 429 | 500..=599),
            _ => false,
        }
    }
}

/// Why a body was not read: a failure to name, or a body larger than the memory
/// bodies may take (named with the limit by the caller).
enum BodyFailure {
    Fetch(FetchError),
    OverMemory,
}

/// A failed attempt, with the server's `Retry-After` when it sent one.
struct Failure {
    error: FetchError,
    retry_after: Option<Duration>,
}

impl From<FetchError> for Failure {
    fn from(error: FetchError) -> Self {
        Failure {
            error,
            retry_after: None,
        }
    }
}

/// Fetches pages; shared by every worker thread.
pub struct Fetcher {
    agent: Agent,
    config: FetchConfig,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Self {
        let agent_config = Agent::config_builder()
            // ureq sets no timeouts by default; a CLI that must never hang sets them all.
            .timeout_global(Some(config.timeout))
            .timeout_resolve(Some(config.connect_timeout))
            .timeout_connect(Some(config.connect_timeout))
            // Redirects are followed in `follow_redirects`, with the url crate.
            .max_redirects(0)
            .max_redirects_will_error(false)
            // Statuses are judged here, with the response in hand (Retry-After).
            .http_status_as_error(false)
            .user_agent(config.user_agent.as_str())
            .accept(ACCEPT)
            // Codings are undone in `body`, every one a browser accepts.
            .accept_encoding(body::ACCEPT_ENCODING)
            // Keep-alive per host: one idle connection per worker is enough.
            .max_idle_connections(config.connections.max(8) * 2)
            .max_idle_connections_per_host(config.connections)
            // Each connection zero-fills its input buffer (128 KiB by default). It must
            // be larger than the largest response head accepted (ureq's default, 64 KiB)
            // for a larger head to be named as such; 68 KiB saves 2 MiB of resident
            // memory at 32 connections.
            .input_buffer_size(68 * 1024)
            .build();
        Fetcher {
            agent: agent_config.new_agent(),
            config,
        }
    }

    /// Fetches `url`, retrying transient failures with exponential backoff and jitter.
    ///
    /// Running out of file descriptors is not a failure of the page: the attempt is
    /// made again once one is free, for up to `--timeout`.
    ///
    /// Each attempt enters `gate` first, if given: it waits there, holding nothing,
    /// until politeness lets the request start; backoff between attempts holds no slot.
    /// The first attempt uses `entered` instead, when the caller already holds a slot.
    pub fn fetch<'m>(
        &self,
        url: &Url,
        memory: Option<BodyMemory<'m>>,
        gate: Option<&Arc<RequestGate>>,
        mut entered: Option<RequestSlot>,
        bounds: Bounds<'_>,
    ) -> Result<Page<'m>, FetchError> {
        let started = Instant::now();
        let mut attempt = 0;
        let mut out_of_files = 0;
        loop {
            attempt += 1;
            let slot = entered
                .take()
                .or_else(|| gate.map(|gate| gate.enter(&RequestGate::host_of(url))));
            let attempted = self.attempt(url, memory, slot.as_ref(), bounds);
            drop(slot);
            let failure = match attempted {
                Ok(page) => return Ok(page),
                Err(failure) => failure,
            };
            let error = failure.error;
            if error == FetchError::OutOfFiles && started.elapsed() < self.config.timeout {
                attempt -= 1;
                out_of_files += 1;
                std::thread::sleep(OUT_OF_FILES_WAIT.saturating_mul(out_of_files.min(20)));
                continue;
            }
            if !error.is_transient() {
                return Err(error);
            }
            if attempt > self.config.retries {
                return Err(if attempt > 1 {
                    FetchError::GaveUp {
                        attempts: attempt,
                        last: Box::new(error),
                    }
                } else {
                    error
                });
            }
            let delay = failure
                .retry_after
                .map_or_else(|| backoff(attempt), |wait| wait.min(RETRY_AFTER_CAP));
            log::info!(
                "{}: {error}; retrying in {} (attempt {}/{})",
                redacted(url),
                human_duration(delay),
                attempt + 1,
                self.config.retries + 1
            );
            std::thread::sleep(delay);
        }
    }

    /// A resource that is not a page (robots.txt, a sitemap): one attempt, redirects
    /// followed, any status and any Content-Type, the body decoded and kept up to
    /// `max_bytes` (cut there when `truncate`, else a failure). A status other than
    /// 2xx comes back with an empty body.
    pub fn fetch_resource(
        &self,
        url: &Url,
        max_bytes: u64,
        truncate: bool,
        gate: Option<&Arc<RequestGate>>,
    ) -> Result<Resource, FetchError> {
        let slot = gate.map(|gate| gate.enter(&RequestGate::host_of(url)));
        let deadline = Instant::now() + self.config.timeout;
        let answer = self.follow_redirects(url, deadline, Bounds::default());
        if let Some(slot) = &slot {
            slot.started();
        }
        let (final_url, _, mut response) = answer?;
        let status = response.status().as_u16();
        if !response.status().is_success() {
            return Ok(Resource {
                status,
                final_url: without_userinfo(final_url),
                body: Vec::new(),
            });
        }
        let overflow = if truncate {
            body::Overflow::Truncate
        } else {
            body::Overflow::Fail
        };
        let read = body::codings(response.headers()).and_then(|codings| {
            body::read(response.body_mut(), &codings, max_bytes, overflow, None)
        });
        let body = read.map_err(|error| match error {
            body::BodyError::UnknownCoding(name) => FetchError::UnknownCoding(name),
            body::BodyError::Corrupt { coding, why } => FetchError::Decompress { coding, why },
            body::BodyError::Transport(error) => self.describe(transport_error(error), &final_url),
            body::BodyError::TooLarge
            | body::BodyError::OverMemory
            | body::BodyError::NoMemoryInTime => FetchError::TooLarge(max_bytes),
        })?;
        Ok(Resource {
            status,
            final_url: without_userinfo(final_url),
            body,
        })
    }

    /// One attempt, within one `--timeout` budget for redirects and body together.
    fn attempt<'m>(
        &self,
        url: &Url,
        memory: Option<BodyMemory<'m>>,
        slot: Option<&RequestSlot>,
        bounds: Bounds<'_>,
    ) -> Result<Page<'m>, Failure> {
        let deadline = Instant::now() + self.config.timeout;
        let answer = self.follow_redirects(url, deadline, bounds);
        if let Some(slot) = slot {
            slot.started();
        }
        let (final_url, redirects, mut response) = answer?;
        let status = response.status();
        if !status.is_success() {
            return Err(Failure {
                error: self.status_error(status),
                retry_after: retry_after(&response),
            });
        }
        let mut page = self.read_page(final_url, &mut response, memory, deadline)?;
        page.redirects = redirects;
        Ok(page)
    }

    /// Requests `url` and the redirects it leads to; returns the final URL, how many
    /// redirects led there, and the response that is not a redirect to follow.
    ///
    /// Redirects are followed here rather than by ureq: browsers accept a Location with
    /// spaces or raw UTF-8, which ureq rejects as malformed, and resolve it with the URL
    /// standard, as `url` does.
    fn follow_redirects(
        &self,
        url: &Url,
        deadline: Instant,
        bounds: Bounds<'_>,
    ) -> Result<(Url, u32, Response<Body>), FetchError> {
        let trusted = bounds.credentials_for.unwrap_or(url);
        let mut current = url.clone();
        let mut redirects = 0;
        loop {
            let response = self.request(trusted, &current, deadline)?;
            let Some(location) = self.location_to_follow(&response) else {
                return Ok((current, redirects, response));
            };
            if redirects == self.config.max_redirects {
                return Err(FetchError::TooManyRedirects(self.config.max_redirects));
            }
            current = resolve_redirect(&current, &location)?;
            if bounds
                .may_redirect_to
                .is_some_and(|allowed| !allowed(&current))
            {
                return Err(FetchError::RedirectForbidden(current));
            }
            redirects += 1;
            log::debug!(
                "{}: redirect {redirects} to {}",
                redacted(url),
                printable(&redacted(&current))
            );
        }
    }

    /// One request to `current`, with what is left of the time.
    ///
    /// Credentials go only to the origin of `trusted` (the input asked for, or the
    /// input a crawl's page descends from), like curl: `-H` headers that carry them,
    /// and the `user:password@` of `trusted` as Basic authentication. The userinfo
    /// itself never goes on the wire.
    fn request(
        &self,
        trusted: &Url,
        current: &Url,
        deadline: Instant,
    ) -> Result<Response<Body>, FetchError> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(FetchError::TimedOut(self.config.timeout));
        }
        let target = without_userinfo(current.clone());
        let mut request = self.agent.get(target.as_str());
        let same_origin = current.origin() == trusted.origin();
        let mut authorized = false;
        for (name, value) in &self.config.headers {
            if same_origin || !is_credential(name) {
                authorized |= name == header::AUTHORIZATION;
                request = request.header(name, value);
            }
        }
        if same_origin && !authorized {
            if let Some(basic) = basic_authorization(trusted) {
                request = request.header(header::AUTHORIZATION, basic);
            }
        }
        request
            .config()
            .timeout_global(Some(remaining))
            .build()
            .call()
            .map_err(|e| self.describe(e, current))
    }

    /// The `Location` of a redirect that is to be followed, if `response` is one.
    fn location_to_follow(&self, response: &Response<Body>) -> Option<String> {
        let status = response.status();
        if !status.is_redirection() || status.as_u16() == 304 || self.config.max_redirects == 0 {
            return None;
        }
        let location = response.headers().get(header::LOCATION)?;
        Some(String::from_utf8_lossy(location.as_bytes()).into_owned())
    }

    /// The failure a final status other than 2xx is.
    fn status_error(&self, status: StatusCode) -> FetchError {
        let reason = status.canonical_reason().unwrap_or_default();
        let reason = if status.is_redirection() {
            let why = if self.config.max_redirects == 0 {
                "--max-redirects 0"
            } else {
                "no Location header"
            };
            format!("{reason} (redirect not followed: {why})")
        } else {
            reason.to_string()
        };
        FetchError::Status {
            code: status.as_u16(),
            reason,
        }
    }

    /// The body of a 2xx response, if it is HTML: read within `--max-bytes`.
    fn read_page<'m>(
        &self,
        final_url: Url,
        response: &mut Response<Body>,
        memory: Option<BodyMemory<'m>>,
        deadline: Instant,
    ) -> Result<Page<'m>, FetchError> {
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        // A Content-Type that is not a MIME type at all counts as missing: the body is
        // sniffed, as browsers do.
        let mime = content_type.as_deref().and_then(mime_essence);
        let charset = content_type.as_deref().and_then(decode::charset_parameter);
        if let Some(mime) = &mime {
            if !is_html_mime(mime) {
                return Err(FetchError::NotHtml(mime.clone()));
            }
        }
        let mut reservation = memory.map(|memory| memory.budget.empty());
        let body = self
            .read_body(response, &final_url, &mut reservation, deadline)
            .map_err(|error| match (error, memory) {
                (BodyFailure::OverMemory, Some(memory)) => FetchError::Memory(TooLargeForMemory {
                    limit: memory.limit,
                }),
                (BodyFailure::OverMemory, None) => FetchError::TooLarge(self.config.max_bytes),
                (BodyFailure::Fetch(error), _) => error,
            })?;
        if mime.is_none() && !sniffs_as_html(&body) {
            return Err(FetchError::NotHtml(
                "no Content-Type, and the body does not look like HTML".into(),
            ));
        }
        Ok(Page {
            final_url: without_userinfo(final_url),
            redirects: 0,
            body,
            charset,
            reservation,
        })
    }

    /// The body, its content codings undone, within `--max-bytes`, reserved in
    /// `reservation` (if any) as it arrives.
    fn read_body(
        &self,
        response: &mut Response<Body>,
        url: &Url,
        reservation: &mut Option<Permit<'_>>,
        deadline: Instant,
    ) -> Result<Vec<u8>, BodyFailure> {
        let max_bytes = self.config.max_bytes;
        let reservation = reservation
            .as_mut()
            .map(|permit| body::Reservation { permit, deadline });
        let read = body::codings(response.headers()).and_then(|codings| {
            let overflow = body::Overflow::Fail;
            body::read(
                response.body_mut(),
                &codings,
                max_bytes,
                overflow,
                reservation,
            )
        });
        read.map_err(|error| {
            BodyFailure::Fetch(match error {
                body::BodyError::UnknownCoding(name) => FetchError::UnknownCoding(name),
                body::BodyError::TooLarge => FetchError::TooLarge(max_bytes),
                body::BodyError::Corrupt { coding, why } => FetchError::Decompress { coding, why },
                body::BodyError::Transport(error) => self.describe(transport_error(error), url),
                body::BodyError::NoMemoryInTime => FetchError::TimedOut(self.config.timeout),
                body::BodyError::OverMemory => return BodyFailure::OverMemory,
            })
        })
    }

    /// Names `error`, which happened while fetching `url`.
    fn describe(&self, error: ureq::Error, url: &Url) -> FetchError {
        use ureq::Timeout;
        match error {
            ureq::Error::Io(e) if limits::is_out_of_files(&e) => FetchError::OutOfFiles,
            ureq::Error::Io(e) if url.scheme() == "https" && speaks_no_tls(&e) => {
                FetchError::Tls(NO_TLS.into())
            }
            // rustls reports a failed handshake or a corrupt record as an InvalidData
            // io::Error (a bad certificate, an unsupported protocol version).
            ureq::Error::Io(e)
                if url.scheme() == "https" && e.kind() == io::ErrorKind::InvalidData =>
            {
                FetchError::Tls(e.to_string())
            }
            ureq::Error::Timeout(Timeout::Connect | Timeout::Resolve) => {
                FetchError::ConnectTimedOut(self.config.connect_timeout)
            }
            ureq::Error::Timeout(_) => FetchError::TimedOut(self.config.timeout),
            ureq::Error::HostNotFound => FetchError::HostNotFound,
            ureq::Error::ConnectionFailed => FetchError::Connection("could not connect".into()),
            ureq::Error::Io(e) => describe_io(e),
            ureq::Error::TooManyRedirects => {
                FetchError::TooManyRedirects(self.config.max_redirects)
            }
            ureq::Error::BodyExceedsLimit(limit) => FetchError::TooLarge(limit),
            ureq::Error::Protocol(e) => FetchError::Protocol(e.to_string()),
            ureq::Error::Rustls(e) => FetchError::Tls(e.to_string()),
            ureq::Error::Tls(why) => FetchError::Tls(why.to_string()),
            ureq::Error::LargeResponseHeader(size, limit) => FetchError::Protocol(format!(
                "response headers larger than {limit} bytes ({size})"
            )),
            ureq::Error::BadUri(why) => FetchError::Other(format!("bad URL: {why}")),
            other => FetchError::Other(other.to_string()),
        }
    }
}

/// What a peer that is not a TLS server is called.
const NO_TLS: &str = "the server does not speak TLS";

/// Whether the handshake of an https:// URL met a server that does not speak TLS: it
/// answered with bytes that are no TLS record (rustls: `InvalidContentType`; a plain
/// HTTP server's "HTTP/1.1 400"), or closed the connection without a word of TLS
/// (rustls ends the handshake with a bare `UnexpectedEof`; a TLS server that refuses
/// sends an alert instead).
fn speaks_no_tls(error: &io::Error) -> bool {
    match error.kind() {
        io::ErrorKind::InvalidData => error.to_string().contains("InvalidContentType"),
        io::ErrorKind::UnexpectedEof => error.get_ref().is_none(),
        _ => false,
    }
}

/// The next URL of a redirect chain: `location` resolved against `current`.
fn resolve_redirect(current: &Url, location: &str) -> Result<Url, FetchError> {
    match Url::options()
        .base_url(Some(current))
        .parse(location.trim())
    {
        Ok(next) if matches!(next.scheme(), "http" | "https") => Ok(next),
        Ok(next) => Err(FetchError::RedirectNotHttp(next)),
        Err(error) => Err(FetchError::InvalidLocation {
            location: location.to_owned(),
            error,
        }),
    }
}

fn describe_io(error: io::Error) -> FetchError {
    use io::ErrorKind::*;
    match error.kind() {
        ConnectionRefused => FetchError::Connection("connection refused".into()),
        ConnectionReset => FetchError::Connection("connection reset by the server".into()),
        ConnectionAborted => FetchError::Connection("connection aborted".into()),
        UnexpectedEof => {
            FetchError::Protocol("connection closed before the response was complete".into())
        }
        TimedOut | WouldBlock => FetchError::Connection("network timeout".into()),
        // getaddrinfo's failures reach us as std words, with no kind of their own.
        _ if error
            .to_string()
            .starts_with("failed to lookup address information") =>
        {
            FetchError::HostNotFound
        }
        _ => {
            // ureq wraps its own errors (timeouts, decompression, the body cap) in io::Error
            // when they surface through a body reader.
            match error.downcast::<ureq::Error>() {
                Ok(inner) => match inner {
                    ureq::Error::Io(e) => FetchError::Other(e.to_string()),
                    other => FetchError::Other(other.to_string()),
                },
                Err(error) => FetchError::Other(error.to_string()),
            }
        }
    }
}

/// A body reader's error as ureq's own, when it is one (timeouts, the byte cap).
fn transport_error(error: io::Error) -> ureq::Error {
    match error.downcast::<ureq::Error>() {
        Ok(inner) => inner,
        Err(error) => ureq::Error::Io(error),
    }
}

/// `url` without its `user:password@`: the page URL links resolve against, as in a
/// browser, which uses credentials in a URL to sign in and leaves them out of the
/// page's address (so relative links never carry the password into the output).
fn without_userinfo(mut url: Url) -> Url {
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url
}

/// `Basic base64(user:password)` from the userinfo of `url`, percent-decoded, if it
/// has any.
fn basic_authorization(url: &Url) -> Option<HeaderValue> {
    use base64::Engine;
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |part: &str| percent_encoding::percent_decode_str(part).collect::<Vec<u8>>();
    let mut credentials = decode(url.username());
    credentials.push(b':');
    credentials.extend(decode(url.password().unwrap_or_default()));
    let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
    HeaderValue::from_str(&format!("Basic {encoded}")).ok()
}

/// Headers that carry credentials, dropped on redirects to another origin.
fn is_credential(name: &HeaderName) -> bool {
    name == header::AUTHORIZATION || name == header::COOKIE || name == header::PROXY_AUTHORIZATION
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(response: &Response<Body>) -> Option<Duration> {
    let value = response
        .headers()
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Exponential backoff with jitter: 250 ms, 500 ms, 1 s... capped, each scaled by a
/// random factor in [0.5, 1) so that workers retrying together spread out.
fn backoff(attempt: u32) -> Duration {
    let exponential = BACKOFF_BASE.saturating_mul(1 << attempt.saturating_sub(1).min(16));
    exponential
        .min(BACKOFF_CAP)
        .mul_f64(0.5 + fastrand::f64() / 2.0)
}

/// `type/subtype`, lowercased, of a Content-Type value; `None` if it is not one.
fn mime_essence(content_type: &str) -> Option<String> {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let (kind, subtype) = essence.split_once('/')?;
    let is_token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
    };
    (is_token(kind) && is_token(subtype)).then(|| essence.to_ascii_lowercase())
}

fn is_html_mime(mime: &str) -> bool {
    matches!(mime, "text/html" | "application/xhtml+xml")
}

/// The HTML signatures of the WHATWG MIME Sniffing standard, for responses without a
/// Content-Type.
fn sniffs_as_html(body: &[u8]) -> bool {
    const TAGS: &[&[u8]] = &[
        b"<!DOCTYPE HTML",
        b"<HTML",
        b"<HEAD",
        b"<SCRIPT",
        b"<IFRAME",
        b"<H1",
        b"<DIV",
        b"<FONT",
        b"<TABLE",
        b"<A",
        b"<STYLE",
        b"<TITLE",
        b"<B",
        b"<BODY",
        b"<BR",
        b"<P",
        b"<!--",
    ];
    // A UTF-8 BOM, then whitespace, may come before the signature.
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body
        .iter()
        .position(|b| !matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' '))
        .unwrap_or(body.len());
    let body = &body[start..];
    TAGS.iter().any(|tag| {
        body.len() > tag.len()
            && body[..tag.len()].eq_ignore_ascii_case(tag)
            && matches!(body[tag.len()], b' ' | b'>')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert!(sniffs_as_html(b"  <!doctype html><p>"));
        assert!(sniffs_as_html(b"<html>"));
        assert!(sniffs_as_html(b"\xEF\xBB\xBF<p>x"));
        assert!(sniffs_as_html(b"\xEF\xBB\xBF\n  <html>"));
        assert!(!sniffs_as_html(b"%PDF-1.4"));
        assert!(!sniffs_as_html(b"<html"));
        assert!(!sniffs_as_html(b""));
        assert!(!sniffs_as_html(b"<?xml version='1.0'?>"));
    }

    #[test]
    fn mime_essences() {
        assert_eq!(
            mime_essence("Text/HTML; charset=utf-8").as_deref(),
            Some("text/html")
        );
        assert_eq!(
            mime_essence(" application/xhtml+xml ").as_deref(),
            Some("application/xhtml+xml")
        );
        assert_eq!(mime_essence("html"), None);
        assert_eq!(mime_essence("text/"), None);
    }

    #[test]
    fn a_failed_name_lookup_is_host_not_found() {
        let error =
            io::Error::other("failed to lookup address information: Name or service not known");
        assert_eq!(describe_io(error), FetchError::HostNotFound);
    }

    #[test]
    fn backoff_grows_and_stays_capped() {
        for attempt in 1..40 {
            let delay = backoff(attempt);
            let full = BACKOFF_BASE
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(BACKOFF_CAP);
            assert!(
                delay >= full / 2 && delay < full,
                "attempt {attempt}: {delay:?}"
            );
        }
    }
}
