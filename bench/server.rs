//! The benchmark's HTTP/1.1 server on 127.0.0.1: keep-alive, a thread per connection
//! (so that any number of concurrent requests each sleeping the injected delay never
//! queue behind one another), the kernel's full listen backlog (Rust's std asks Linux
//! for the maximum; Python's `http.server` asks for 5, which made SYN retries stall
//! runs by a second each), and counters of connections and requests, to see whether the
//! client reuses its connections.
//!
//! Routes: `GET /{delay_ms}/{kind}/{n}` answers page `n` of `kind` (see [`pages`])
//! after sleeping `delay_ms`; `GET /{delay_ms}/file/{i}/{n}` answers the `i`th file given
//! to [`Server::start`]. Anything else is a 404.

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::pages::{Kind, Template};

/// A connection idle this long is closed (the client keeps its own shorter limit).
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest request head read.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The longest delay a URL may ask for.
const MAX_DELAY_MS: u64 = 10_000;

pub struct Content {
    templates: Vec<(Kind, Vec<Template>)>,
    files: Vec<Vec<u8>>,
}

impl Content {
    /// Every kind's templates, and `files` served as they are.
    pub fn new(files: Vec<Vec<u8>>) -> Content {
        let templates = Kind::ALL
            .iter()
            .map(|&kind| {
                let variants = (0..kind.variants())
                    .map(|v| Template::new(kind, v))
                    .collect();
                (kind, variants)
            })
            .collect();
        Content { templates, files }
    }

    pub fn template(&self, kind: Kind, n: u64) -> &Template {
        let (_, variants) = self
            .templates
            .iter()
            .find(|(k, _)| *k == kind)
            .expect("every kind has templates");
        &variants[(n % variants.len() as u64) as usize]
    }
}

#[derive(Default)]
pub struct Stats {
    pub connections: AtomicU64,
    pub requests: AtomicU64,
}

impl Stats {
    /// (connections, requests) so far.
    pub fn snapshot(&self) -> (u64, u64) {
        (
            self.connections.load(Ordering::Relaxed),
            self.requests.load(Ordering::Relaxed),
        )
    }
}

pub struct Server {
    pub port: u16,
    pub stats: Arc<Stats>,
}

impl Server {
    /// Listens on 127.0.0.1, any free port; serves until the process ends.
    pub fn start(content: Arc<Content>) -> std::io::Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let stats = Arc::new(Stats::default());
        let accept_stats = Arc::clone(&stats);
        thread::Builder::new()
            .name("accept".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    accept_stats.connections.fetch_add(1, Ordering::Relaxed);
                    let content = Arc::clone(&content);
                    let stats = Arc::clone(&accept_stats);
                    let spawned = thread::Builder::new().stack_size(64 * 1024).spawn(move || {
                        let _ = serve_connection(stream, &content, &stats);
                    });
                    if let Err(e) = spawned {
                        eprintln!("bench server: cannot start a thread: {e}");
                    }
                }
            })?;
        Ok(Server { port, stats })
    }
}

/// A request's line and headers, as the benchmark servers need them.
pub struct RequestHead {
    pub method: String,
    pub target: String,
    /// The client asked to close after this answer (HTTP/1.0 or `Connection: close`,
    /// unless a later `Connection: keep-alive` says otherwise).
    pub close: bool,
}

/// Reads the request line, then headers up to the blank line; `None` when the
/// connection ends first or the head is larger than [`MAX_HEAD_BYTES`].
pub fn read_head(
    reader: &mut impl std::io::BufRead,
    line: &mut String,
) -> std::io::Result<Option<RequestHead>> {
    line.clear();
    if reader.read_line(line)? == 0 {
        return Ok(None);
    }
    let mut words = line.split(' ');
    let method = words.next().unwrap_or("").to_string();
    let target = words.next().unwrap_or("").to_string();
    let mut close = line.ends_with("HTTP/1.0\r\n");
    let mut head_bytes = line.len();
    loop {
        line.clear();
        if reader.read_line(line)? == 0 {
            return Ok(None);
        }
        head_bytes += line.len();
        if head_bytes > MAX_HEAD_BYTES {
            return Ok(None);
        }
        if line == "\r\n" || line == "\n" {
            return Ok(Some(RequestHead {
                method,
                target,
                close,
            }));
        }
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("connection:") {
            if lower.contains("close") {
                close = true;
            } else if lower.contains("keep-alive") {
                close = false;
            }
        }
    }
}

fn serve_connection(stream: TcpStream, content: &Content, stats: &Stats) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_write_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::with_capacity(8 * 1024, stream.try_clone()?);
    let mut writer = stream;
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        let Some(RequestHead { target, close, .. }) = read_head(&mut reader, &mut line)? else {
            return Ok(());
        };
        stats.requests.fetch_add(1, Ordering::Relaxed);
        let (status, content_type) = respond(&target, content, &mut body);
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{}\r\n",
            body.len(),
            if close { "Connection: close\r\n" } else { "" }
        );
        writer.write_all(head.as_bytes())?;
        writer.write_all(&body)?;
        writer.flush()?;
        if close {
            return Ok(());
        }
    }
}

/// Fills `body` for `target`; returns the status (code and reason) and the Content-Type.
/// Files are served without a charset, so that their own `<meta charset>` counts.
fn respond(target: &str, content: &Content, body: &mut Vec<u8>) -> (&'static str, &'static str) {
    const GENERATED: &str = "text/html; charset=utf-8";
    let mut parts = target.trim_start_matches('/').split('/');
    let delay: Option<u64> = parts.next().and_then(|d| d.parse().ok());
    let route = (parts.next(), parts.next(), parts.next());
    let Some(delay) = delay else {
        return not_found(body);
    };
    if delay > 0 {
        thread::sleep(Duration::from_millis(delay.min(MAX_DELAY_MS)));
    }
    match route {
        (Some("file"), Some(i), Some(_)) => {
            match i.parse::<usize>().ok().and_then(|i| content.files.get(i)) {
                Some(file) => {
                    body.clear();
                    body.extend_from_slice(file);
                    ("200 OK", "text/html")
                }
                None => not_found(body),
            }
        }
        (Some(kind), Some(n), None) => match (Kind::from_name(kind), n.parse::<u64>()) {
            (Some(kind), Ok(n)) => {
                content.template(kind, n).render(n, body);
                ("200 OK", GENERATED)
            }
            _ => not_found(body),
        },
        _ => not_found(body),
    }
}

fn not_found(body: &mut Vec<u8>) -> (&'static str, &'static str) {
    body.clear();
    body.extend_from_slice(b"<!DOCTYPE html><title>Not found</title><p>Not found</p>\n");
    ("404 Not Found", "text/html; charset=utf-8")
}
