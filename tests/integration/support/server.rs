//! A small HTTP/1.1 test server on 127.0.0.1: a route table, per-path hit counts and
//! request headers, and handlers that can delay, stall, trickle, redirect, gzip or send
//! a body that never ends. [`RawServer`] misbehaves below HTTP: it resets connections.
//!
//! One thread accepts, one thread serves each connection (one request per connection,
//! answered with `Connection: close`). Every read has a timeout and every wait is
//! bounded by [`MAX_WAIT`], so a misbehaving client can never hang the test suite.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Take, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use flate2::Compression;

/// The most request-header bytes read before the request is refused.
const MAX_HEADER_BYTES: u64 = 64 * 1024;
/// How long the server waits for a client to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest any handler or body waits for anything.
pub const MAX_WAIT: Duration = Duration::from_secs(20);
/// The most an endless body sends before the server gives up on the client.
const ENDLESS_LIMIT: u64 = 4 << 30;
/// The first byte of a TLS handshake record: a ClientHello sent to this plain server.
const TLS_HANDSHAKE: u8 = 0x16;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target exactly as sent (origin-form, or absolute-form via a proxy).
    pub target: String,
    /// The path of the target, without its query.
    pub path: String,
    /// Header names lowercased, in the order received.
    pub headers: Vec<(String, String)>,
    /// When the request was read.
    pub at: Instant,
}

impl Request {
    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A one-shot latch: closed until opened, then open for good.
#[derive(Clone, Default)]
pub struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn open(&self) {
        let (lock, condvar) = &*self.0;
        *lock_ignoring_poison(lock) = true;
        condvar.notify_all();
    }

    /// Waits until the gate is open, at most `limit`. Returns whether it opened.
    pub fn wait(&self, limit: Duration) -> bool {
        let (lock, condvar) = &*self.0;
        let guard = lock_ignoring_poison(lock);
        let (guard, _) = condvar
            .wait_timeout_while(guard, limit, |open| !*open)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }
}

fn lock_ignoring_poison<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Clone)]
enum Body {
    /// Sent at once.
    Full(Vec<u8>),
    /// Sent one byte at a time, `every` apart, until done or the client goes away.
    Trickle { bytes: Vec<u8>, every: Duration },
    /// `sent` is sent, then the connection stays open with nothing more until the
    /// server shuts down (at most [`MAX_WAIT`]).
    Stall { sent: Vec<u8> },
    /// `chunk` again and again (as chunks of a chunked body if `chunked`) until the
    /// client goes away, the server shuts down, [`MAX_WAIT`] or [`ENDLESS_LIMIT`].
    Endless { chunk: Vec<u8>, chunked: bool },
}

/// What a handler answers.
#[derive(Clone)]
pub struct Response {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Body,
    /// Send `Content-Length` (else the body ends when the connection closes).
    with_length: bool,
    /// Bytes written as they are, instead of a status line, headers and body.
    raw: Option<Vec<u8>>,
}

impl Response {
    /// `status` with its usual reason phrase, no headers, an empty body.
    pub fn status(status: u16) -> Self {
        Response {
            status,
            reason: reason_phrase(status).to_string(),
            headers: Vec::new(),
            body: Body::Full(Vec::new()),
            with_length: true,
            raw: None,
        }
    }

    /// 200, `text/html; charset=utf-8`.
    pub fn html(body: impl Into<Vec<u8>>) -> Self {
        Self::typed("text/html; charset=utf-8", body)
    }

    /// 200 with this Content-Type.
    pub fn typed(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::status(200)
            .header("Content-Type", content_type)
            .body(body)
    }

    /// 200 without any Content-Type.
    pub fn untyped(body: impl Into<Vec<u8>>) -> Self {
        Self::status(200).body(body)
    }

    /// A redirect to `location`, as sent (relative or absolute).
    pub fn redirect(status: u16, location: &str) -> Self {
        Self::status(status)
            .header("Location", location)
            .header("Content-Type", "text/html")
            .body(format!("<a href=\"{location}\">moved</a>"))
    }

    /// These bytes as the whole response, however broken.
    pub fn raw(bytes: impl Into<Vec<u8>>) -> Self {
        Response {
            raw: Some(bytes.into()),
            ..Self::status(200)
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Body::Full(body.into());
        self
    }

    /// Gzips the body and says so in `Content-Encoding`.
    pub fn gzip(mut self) -> Self {
        let Body::Full(plain) = &self.body else {
            panic!("only a full body can be gzipped");
        };
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(plain).expect("gzip in memory");
        self.body = Body::Full(encoder.finish().expect("gzip in memory"));
        self.header("Content-Encoding", "gzip")
    }

    /// No `Content-Length`: the body ends when the server closes the connection.
    pub fn without_length(mut self) -> Self {
        self.with_length = false;
        self
    }

    /// Sends the body one byte every `every`.
    pub fn trickle(mut self, every: Duration) -> Self {
        let Body::Full(bytes) = &self.body else {
            panic!("only a full body can trickle");
        };
        self.body = Body::Trickle {
            bytes: bytes.clone(),
            every,
        };
        self
    }

    /// A body that never ends: `chunk` repeated, without `Content-Length` (the body
    /// would end when the connection closes), or as `Transfer-Encoding: chunked` chunks
    /// with no last chunk.
    pub fn endless(mut self, chunk: impl Into<Vec<u8>>, chunked: bool) -> Self {
        let chunk = chunk.into();
        assert!(!chunk.is_empty(), "an endless body needs bytes to repeat");
        self.with_length = false;
        if chunked {
            self.headers
                .push(("Transfer-Encoding".into(), "chunked".into()));
        }
        self.body = Body::Endless { chunk, chunked };
        self
    }

    /// Announces the whole body in `Content-Length`, sends its first `sent` bytes, then
    /// nothing more.
    pub fn stall_after(mut self, sent: usize) -> Self {
        let Body::Full(bytes) = &self.body else {
            panic!("only a full body can stall");
        };
        assert!(sent < bytes.len(), "a stalled body must be cut short");
        self.with_length = true;
        self.headers
            .push(("Content-Length".into(), bytes.len().to_string()));
        self.body = Body::Stall {
            sent: bytes[..sent].to_vec(),
        };
        self
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        410 => "Gone",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// What a handler knows about the request it answers.
pub struct Ctx {
    pub request: Request,
    /// 0 for the first request to this path, 1 for the second...
    pub hit: usize,
    state: Arc<State>,
}

impl Ctx {
    /// Waits until the server has finished sending `count` responses for `path`, at most
    /// [`MAX_WAIT`]. Returns whether that happened.
    pub fn wait_served(&self, path: &str, count: usize) -> bool {
        self.state.wait_served(path, count, MAX_WAIT)
    }

    /// Waits until the server has received `count` requests in all, at most `limit`.
    /// Returns whether it did.
    pub fn wait_requests(&self, count: usize, limit: Duration) -> bool {
        let hits = lock_ignoring_poison(&self.state.hits);
        let (hits, _) = self
            .state
            .hits_changed
            .wait_timeout_while(hits, limit, |hits| {
                hits.len() < count && !self.state.closing.load(Ordering::SeqCst)
            })
            .unwrap_or_else(|e| e.into_inner());
        hits.len() >= count
    }

    /// Waits for `gate`, at most [`MAX_WAIT`] (less if the server shuts down first).
    pub fn wait_gate(&self, gate: &Gate) -> bool {
        let deadline = Instant::now() + MAX_WAIT;
        while Instant::now() < deadline && !self.state.closing.load(Ordering::SeqCst) {
            if gate.wait(Duration::from_millis(100)) {
                return true;
            }
        }
        false
    }

    /// Never answers: waits until the server shuts down, at most [`MAX_WAIT`].
    pub fn hang(&self) {
        self.state.closed.wait(MAX_WAIT);
    }
}

type Handler = Arc<dyn Fn(&Ctx) -> Response + Send + Sync>;

#[derive(Default)]
struct State {
    routes: Mutex<HashMap<String, Handler>>,
    /// Every request, in arrival order.
    hits: Mutex<Vec<Request>>,
    hits_changed: Condvar,
    /// Responses completely written, per path.
    served: Mutex<HashMap<String, usize>>,
    served_changed: Condvar,
    closing: AtomicBool,
    closed: Gate,
    /// Whether CONNECT requests are tunnelled (else refused with 403).
    tunnels: AtomicBool,
    /// Connections that opened with a TLS handshake instead of an HTTP request.
    tls_hellos: AtomicUsize,
    /// Requests read and not yet answered (their handlers running), and the most
    /// there ever were.
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

impl State {
    fn wait_served(&self, path: &str, count: usize, limit: Duration) -> bool {
        let guard = lock_ignoring_poison(&self.served);
        let (guard, _) = self
            .served_changed
            .wait_timeout_while(guard, limit, |served| {
                served.get(path).copied().unwrap_or(0) < count
                    && !self.closing.load(Ordering::SeqCst)
            })
            .unwrap_or_else(|e| e.into_inner());
        guard.get(path).copied().unwrap_or(0) >= count
    }
}

/// The test server. Dropping it stops it and releases every waiting handler.
pub struct Server {
    addr: SocketAddr,
    state: Arc<State>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start() -> Self {
        Self::start_on("127.0.0.1")
    }

    /// A server on another loopback address (127.0.0.2, …: each is a host of its own
    /// to the binary, and all reach this machine).
    pub fn start_on(ip: &str) -> Self {
        let listener = TcpListener::bind((ip, 0)).expect("bind a loopback address");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(State::default());
        let accept_state = Arc::clone(&state);
        let acceptor = thread::Builder::new()
            .name("test-server-accept".into())
            .spawn(move || accept_loop(&listener, &accept_state))
            .expect("spawn the accept thread");
        Server {
            addr,
            state,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `http://127.0.0.1:PORT`, the origin of every page of this server.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answers `path` with `handler`.
    pub fn route(&self, path: &str, handler: impl Fn(&Ctx) -> Response + Send + Sync + 'static) {
        lock_ignoring_poison(&self.state.routes).insert(path.into(), Arc::new(handler));
    }

    /// Answers every request for `path` with `response`.
    pub fn page(&self, path: &str, response: Response) {
        self.route(path, move |_| response.clone());
    }

    /// Answers the Nth request for `path` with the Nth response; the last one repeats.
    pub fn sequence(&self, path: &str, responses: Vec<Response>) {
        assert!(!responses.is_empty(), "a sequence needs a response");
        self.route(path, move |ctx| {
            responses[ctx.hit.min(responses.len() - 1)].clone()
        });
    }

    /// Accepts CONNECT requests, as a tunnelling proxy, and answers the tunnelled
    /// request from the route table. Without this, CONNECT is refused with 403.
    pub fn accept_tunnels(&self) {
        self.state.tunnels.store(true, Ordering::SeqCst);
    }

    /// How many requests arrived for `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.requests(path).len()
    }

    /// How many requests arrived, for any path.
    pub fn total_hits(&self) -> usize {
        lock_ignoring_poison(&self.state.hits).len()
    }

    /// The requests that arrived for `path`, in order.
    pub fn requests(&self, path: &str) -> Vec<Request> {
        lock_ignoring_poison(&self.state.hits)
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// How many connections opened with a TLS ClientHello (answered 400, as a plain
    /// HTTP server does); they are not requests and not in [`Server::total_hits`].
    pub fn tls_hellos(&self) -> usize {
        self.state.tls_hellos.load(Ordering::SeqCst)
    }

    /// The most requests this server had in hand at once (read, not yet answered).
    pub fn most_in_flight(&self) -> usize {
        self.state.most_in_flight.load(Ordering::SeqCst)
    }

    /// Every request, in arrival order: its path with the query, and when it came.
    pub fn log(&self) -> Vec<(String, Instant)> {
        lock_ignoring_poison(&self.state.hits)
            .iter()
            .map(|r| (r.target.clone(), r.at))
            .collect()
    }

    /// How many responses for `path` were completely sent.
    pub fn served(&self, path: &str) -> usize {
        lock_ignoring_poison(&self.state.served)
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.closing.store(true, Ordering::SeqCst);
        self.state.closed.open();
        self.state.served_changed.notify_all();
        self.state.hits_changed.notify_all();
        // Wake the accept thread; it sees `closing` and ends.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, state: &Arc<State>) {
    for stream in listener.incoming() {
        if state.closing.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let state = Arc::clone(state);
        let spawned = thread::Builder::new()
            .name("test-server-conn".into())
            .spawn(move || serve_connection(stream, &state));
        if spawned.is_err() {
            break;
        }
    }
}

fn serve_connection(stream: TcpStream, state: &Arc<State>) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(MAX_WAIT));
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half.take(MAX_HEADER_BYTES));
    let mut writer = stream;
    // TLS spoken to this plain-HTTP port: refuse at once, as nginx and Apache do, rather
    // than wait for a request line that will never come.
    if reader
        .fill_buf()
        .is_ok_and(|buf| buf.first() == Some(&TLS_HANDSHAKE))
    {
        state.tls_hellos.fetch_add(1, Ordering::SeqCst);
        let _ = write_response(&mut writer, &Response::status(400), state);
        return;
    }
    let mut request = match read_request(&mut reader) {
        Ok(Some(request)) => request,
        Ok(None) => return,
        Err(status) => {
            let _ = write_response(&mut writer, &Response::status(status), state);
            return;
        }
    };
    if request.method == "CONNECT" {
        record_hit(state, &request);
        if !state.tunnels.load(Ordering::SeqCst) {
            // As a stock Squid answers CONNECT to a port other than 443.
            let _ = write_response(&mut writer, &Response::status(403), state);
            return;
        }
        // A tunnel that ends here: the server answers the tunnelled request itself.
        if writer
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .is_err()
        {
            return;
        }
        reader.get_mut().set_limit(MAX_HEADER_BYTES);
        request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            _ => return,
        };
    }
    let hit = record_hit(state, &request);
    let in_flight = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.most_in_flight.fetch_max(in_flight, Ordering::SeqCst);
    let handler = lock_ignoring_poison(&state.routes)
        .get(&request.path)
        .cloned();
    let path = request.path.clone();
    let response = match handler {
        Some(handler) => handler(&Ctx {
            request,
            hit,
            state: Arc::clone(state),
        }),
        None => Response::html("<title>404</title><p>no such route").with_status(404),
    };
    // Out of hand once answered: the client may read the answer and send its next
    // request before this thread would get to count anything after writing.
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    let written = write_response(&mut writer, &response, state);
    if written.is_ok() {
        *lock_ignoring_poison(&state.served).entry(path).or_insert(0) += 1;
        state.served_changed.notify_all();
    }
}

/// Records a request; returns how many requests for its path came before it.
fn record_hit(state: &State, request: &Request) -> usize {
    let mut hits = lock_ignoring_poison(&state.hits);
    let hit = hits.iter().filter(|r| r.path == request.path).count();
    hits.push(request.clone());
    state.hits_changed.notify_all();
    hit
}

impl Response {
    fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self.reason = reason_phrase(status).to_string();
        self
    }
}

/// Reads the request line and headers. `Ok(None)`: the client sent nothing (a wake-up
/// connection). `Err(status)`: a request the server refuses.
fn read_request(reader: &mut BufReader<Take<TcpStream>>) -> Result<Option<Request>, u16> {
    let mut lines = Vec::new();
    loop {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) if lines.is_empty() => return Ok(None),
            Ok(_) if line.ends_with(b"\n") => {}
            // End of input or the header limit before the end of the headers.
            Ok(_) => return Err(if lines.is_empty() { 400 } else { 431 }),
            Err(_) => return Err(408),
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        if text.is_empty() {
            break;
        }
        lines.push(text);
    }
    let mut request_line = lines[0].split(' ');
    let (Some(method), Some(target), Some(_version)) = (
        request_line.next(),
        request_line.next(),
        request_line.next(),
    ) else {
        return Err(400);
    };
    let headers = lines[1..]
        .iter()
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    // Absolute-form (a proxy request): keep what follows the authority.
    let origin_form = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    let path = origin_form
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_string();
    Ok(Some(Request {
        method: method.into(),
        target: target.into(),
        path,
        headers,
        at: Instant::now(),
    }))
}

fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    state: &State,
) -> std::io::Result<()> {
    if let Some(raw) = &response.raw {
        stream.write_all(raw)?;
        return stream.flush();
    }
    let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, response.reason);
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let (true, Body::Full(bytes) | Body::Trickle { bytes, .. }) =
        (response.with_length, &response.body)
    {
        head.push_str(&format!("Content-Length: {}\r\n", bytes.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes())?;
    match &response.body {
        Body::Full(bytes) => stream.write_all(bytes)?,
        Body::Endless { chunk, chunked } => {
            let framed = if *chunked {
                let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                framed.extend_from_slice(chunk);
                framed.extend_from_slice(b"\r\n");
                framed
            } else {
                chunk.clone()
            };
            let deadline = Instant::now() + MAX_WAIT;
            let mut sent = 0u64;
            // Ends with an error (the client closed the connection) or a limit; the
            // body itself never ends.
            while sent < ENDLESS_LIMIT
                && Instant::now() < deadline
                && !state.closing.load(Ordering::SeqCst)
            {
                stream.write_all(&framed)?;
                sent += framed.len() as u64;
            }
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        Body::Trickle { bytes, every } => {
            let deadline = Instant::now() + MAX_WAIT;
            for byte in bytes {
                stream.write_all(&[*byte])?;
                stream.flush()?;
                // Waiting on the shutdown gate paces the body and ends it early when
                // the server stops.
                if state.closed.wait(*every) || Instant::now() > deadline {
                    return Err(std::io::ErrorKind::Interrupted.into());
                }
            }
        }
        Body::Stall { sent } => {
            stream.write_all(sent)?;
            stream.flush()?;
            state.closed.wait(MAX_WAIT);
            return Err(std::io::ErrorKind::Interrupted.into());
        }
    }
    stream.flush()
}

/// A listener that misbehaves below HTTP. Each connection that sends anything is
/// counted and handed, its request still unread, to the handler; when the handler
/// returns, the connection is closed.
///
/// Closing a connection whose received data was never read makes the kernel send a
/// reset (RST) instead of a normal close (FIN), as RFC 1122 (4.2.2.13) says it should:
/// a handler that returns without reading resets the connection, as a crashing server
/// or a `SO_LINGER 0` close does, with nothing but the standard library.
pub struct RawServer {
    addr: SocketAddr,
    state: Arc<RawState>,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct RawState {
    closing: AtomicBool,
    hits: AtomicUsize,
}

type RawHandler = Arc<dyn Fn(&mut TcpStream) + Send + Sync>;

impl RawServer {
    pub fn start(handler: impl Fn(&mut TcpStream) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(RawState::default());
        let accept_state = Arc::clone(&state);
        let handler: RawHandler = Arc::new(handler);
        let acceptor = thread::Builder::new()
            .name("raw-server-accept".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if accept_state.closing.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let state = Arc::clone(&accept_state);
                    let handler = Arc::clone(&handler);
                    let spawned = thread::Builder::new()
                        .name("raw-server-conn".into())
                        .spawn(move || serve_raw(stream, &state, &handler));
                    if spawned.is_err() {
                        break;
                    }
                }
            })
            .expect("spawn the accept thread");
        RawServer {
            addr,
            state,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// How many connections sent something.
    pub fn hits(&self) -> usize {
        self.state.hits.load(Ordering::SeqCst)
    }
}

fn serve_raw(mut stream: TcpStream, state: &RawState, handler: &RawHandler) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(MAX_WAIT));
    let _ = stream.set_nodelay(true);
    // Wait for the request without reading it: it must stay unread for a reset.
    match stream.peek(&mut [0; 1]) {
        Ok(n) if n > 0 => {}
        // Nothing sent (the wake-up connection of `Drop`), or the client gave up.
        _ => return,
    }
    if state.closing.load(Ordering::SeqCst) {
        return;
    }
    state.hits.fetch_add(1, Ordering::SeqCst);
    handler(&mut stream);
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.state.closing.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}
