//! Response bodies: content codings undone as a browser undoes them, within
//! `--max-bytes` after decoding.
//!
//! `gzip` (and `x-gzip`), `deflate` (zlib-wrapped or raw: servers send both and
//! browsers accept both), `br` and `zstd` are decoded whatever the request advertised;
//! codings applied one after another (`Content-Encoding: gzip, br`) are undone in
//! reverse order. Any other coding is a named failure: the bytes are never parsed as if
//! they were HTML. Decoding streams, so a decompression bomb costs at most
//! `--max-bytes` of memory in any coding, and stops there.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::{self, Read};
use std::rc::Rc;

use brotli_decompressor::Decompressor as BrotliDecoder;
use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};
use std::time::Instant;

use ureq::http::{header, HeaderMap};
use ureq::Body;

use crate::pipeline::Permit;

/// What the request says it accepts: every coding decoded here, as browsers send it.
pub const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// The largest zstd window accepted: the 8 MiB RFC 8878 asks HTTP clients to support,
/// and the most Chromium accepts. A larger window is a memory bomb, refused by name.
const ZSTD_MAX_WINDOW: u64 = 8 << 20;

/// Bytes the brotli decoder reads at a time.
const BROTLI_BUFFER: usize = 32 * 1024;

/// A content coding this module undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Deflate,
    Brotli,
    Zstd,
}

impl fmt::Display for Coding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        })
    }
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// A coding not decoded here (its name as the server sent it).
    UnknownCoding(String),
    /// The decoded body is larger than the limit.
    TooLarge,
    /// The bytes are not valid in the coding the server named.
    Corrupt { coding: Coding, why: String },
    /// Reading from the network failed (timeouts, resets, the raw byte cap...).
    Transport(io::Error),
    /// The body outgrew the memory bodies may take (at most), even alone.
    OverMemory,
    /// The memory to go on was not freed before the request's deadline.
    NoMemoryInTime,
}

/// The codings of `Content-Encoding`, in the order they were applied (`identity`
/// left out; several headers count in order, as one comma-separated list).
pub fn codings(headers: &HeaderMap) -> Result<Vec<Coding>, BodyError> {
    let mut codings = Vec::new();
    for value in headers.get_all(header::CONTENT_ENCODING) {
        let value = String::from_utf8_lossy(value.as_bytes());
        for name in value
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
        {
            codings.push(match name.to_ascii_lowercase().as_str() {
                "gzip" | "x-gzip" => Coding::Gzip,
                "deflate" => Coding::Deflate,
                "br" => Coding::Brotli,
                "zstd" => Coding::Zstd,
                "identity" => continue,
                _ => return Err(BodyError::UnknownCoding(name.to_owned())),
            });
        }
    }
    Ok(codings)
}

/// Bytes read at a time.
const CHUNK: usize = 64 * 1024;
/// Memory reserved at a time while a body grows.
const RESERVE_STEP: u64 = 256 * 1024;

/// Memory reserved for a body as it grows, if the run has a memory budget, and when
/// to stop waiting for it.
pub struct Reservation<'r, 'b> {
    pub permit: &'r mut Permit<'b>,
    pub deadline: Instant,
}

/// What to do with a body longer than the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Fail: the body is too large (a page).
    Fail,
    /// Keep the first bytes, up to the cap (robots.txt: rules past it are ignored).
    Truncate,
}

/// Reads `body`, undoing `codings`, keeping at most `max_bytes` decoded bytes, each
/// of them reserved first when a `reservation` is given.
pub fn read(
    body: &mut Body,
    codings: &[Coding],
    max_bytes: u64,
    overflow: Overflow,
    reservation: Option<Reservation<'_, '_>>,
) -> Result<Vec<u8>, BodyError> {
    // The raw bytes are capped too: a compressed body larger than the decoded cap
    // cannot fit it in any realistic case, and an identity body must stop there. A
    // truncated read stops before the raw cap, so it needs none.
    let raw_limit = match overflow {
        Overflow::Fail => max_bytes,
        Overflow::Truncate => u64::MAX,
    };
    let raw = body.with_config().limit(raw_limit).reader();
    decode(raw, codings, max_bytes, overflow, reservation)
}

/// Reads `raw` (the bytes as they came), undoing `codings`, keeping at most
/// `max_bytes` decoded bytes: the decoding half of [`read`], for any reader.
pub fn decode(
    raw: impl Read,
    codings: &[Coding],
    max_bytes: u64,
    overflow: Overflow,
    reservation: Option<Reservation<'_, '_>>,
) -> Result<Vec<u8>, BodyError> {
    let transport_error = Rc::new(RefCell::new(None));
    let failed_coding = Rc::new(Cell::new(None));
    let mut reader: Box<dyn Read + '_> = Box::new(Transport {
        inner: raw,
        error: Rc::clone(&transport_error),
    });
    for &coding in codings.iter().rev() {
        reader = Box::new(Decoding {
            inner: decoder(coding, reader),
            coding,
            failed: Rc::clone(&failed_coding),
        });
    }
    let read = read_reserved(&mut reader, max_bytes, overflow, reservation);
    if let Some(error) = transport_error.borrow_mut().take() {
        // Whatever the decoders made of it, the network failed first.
        return Err(BodyError::Transport(error));
    }
    read.map_err(|error| match error {
        Stopped::Io(error) => BodyError::Corrupt {
            coding: failed_coding.get().unwrap_or(Coding::Gzip),
            why: error.to_string(),
        },
        Stopped::TooLarge => BodyError::TooLarge,
        Stopped::OverMemory => BodyError::OverMemory,
        Stopped::NoMemoryInTime => BodyError::NoMemoryInTime,
    })
}

/// Why [`read_reserved`] stopped before the end.
enum Stopped {
    Io(io::Error),
    TooLarge,
    OverMemory,
    NoMemoryInTime,
}

/// Reads `reader` to its end, at most `max_bytes`, growing the reservation ahead of
/// the bytes.
fn read_reserved(
    reader: &mut dyn Read,
    max_bytes: u64,
    overflow: Overflow,
    mut reservation: Option<Reservation<'_, '_>>,
) -> Result<Vec<u8>, Stopped> {
    let mut bytes = Vec::new();
    let mut chunk = vec![0; CHUNK];
    loop {
        if let Some(Reservation { permit, deadline }) = &mut reservation {
            while (bytes.len() + CHUNK) as u64 > permit.units() {
                match permit.grow(RESERVE_STEP, Some(*deadline)) {
                    Ok(true) => {}
                    Ok(false) => return Err(Stopped::NoMemoryInTime),
                    Err(_) => return Err(Stopped::OverMemory),
                }
            }
        }
        let read = match reader.read(&mut chunk) {
            Ok(0) => return Ok(bytes),
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(Stopped::Io(error)),
        };
        if (bytes.len() + read) as u64 > max_bytes {
            if overflow == Overflow::Truncate {
                let room = usize::try_from(max_bytes).unwrap_or(usize::MAX) - bytes.len();
                bytes.extend_from_slice(&chunk[..room]);
                return Ok(bytes);
            }
            return Err(Stopped::TooLarge);
        }
        bytes.extend_from_slice(&chunk[..read]);
    }
}

/// The decoder of one coding over `inner`.
fn decoder<'a>(coding: Coding, inner: Box<dyn Read + 'a>) -> Box<dyn Read + 'a> {
    match coding {
        // Several gzip members one after another are one body, as in browsers.
        Coding::Gzip => Box::new(MultiGzDecoder::new(inner)),
        Coding::Deflate => Box::new(Deflate::Undecided(Some(inner))),
        Coding::Brotli => Box::new(BrotliDecoder::new(inner, BROTLI_BUFFER)),
        Coding::Zstd => Box::new(Zstd::Undecided(Some(inner))),
    }
}

/// A decoder that says which coding failed: the innermost failing layer marks it
/// first, since an error travels outwards through every layer above it.
struct Decoding<'a> {
    inner: Box<dyn Read + 'a>,
    coding: Coding,
    failed: Rc<Cell<Option<Coding>>>,
}

impl Read for Decoding<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|_| {
            if self.failed.get().is_none() {
                self.failed.set(Some(self.coding));
            }
        })
    }
}

/// The network side of a body: its errors are remembered, so that a decoder turning
/// a timeout into "corrupt data" cannot hide it.
struct Transport<R> {
    inner: R,
    error: Rc<RefCell<Option<io::Error>>>,
}

impl<R: Read> Read for Transport<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|error| {
            let copy = io::Error::new(error.kind(), error.to_string());
            self.error.borrow_mut().get_or_insert(error);
            copy
        })
    }
}

/// `deflate` is zlib-wrapped by the standard and raw by many servers: the first two
/// bytes tell which.
enum Deflate<'a> {
    Undecided(Option<Box<dyn Read + 'a>>),
    Zlib(ZlibDecoder<Chained<'a>>),
    Raw(DeflateDecoder<Chained<'a>>),
}

type Chained<'a> = io::Chain<io::Cursor<Vec<u8>>, Box<dyn Read + 'a>>;

impl Read for Deflate<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Deflate::Undecided(inner) = self {
            let Some(mut inner) = inner.take() else {
                return Ok(0);
            };
            let mut head = Vec::with_capacity(2);
            (&mut inner).take(2).read_to_end(&mut head)?;
            let zlib = is_zlib_header(&head);
            let chained = io::Cursor::new(head).chain(inner);
            *self = if zlib {
                Deflate::Zlib(ZlibDecoder::new(chained))
            } else {
                Deflate::Raw(DeflateDecoder::new(chained))
            };
        }
        match self {
            Deflate::Zlib(decoder) => decoder.read(buf),
            Deflate::Raw(decoder) => decoder.read(buf),
            Deflate::Undecided(_) => Ok(0),
        }
    }
}

/// A zlib header (RFC 1950): compression method 8 with a window of at most 32 KiB,
/// and a check value that makes the two bytes a multiple of 31.
fn is_zlib_header(head: &[u8]) -> bool {
    match head {
        [cmf, flg, ..] => {
            cmf & 0x0F == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

/// A zstd decoder made at the first read, when the frame header arrives (making it
/// reads the header).
enum Zstd<'a> {
    Undecided(Option<Box<dyn Read + 'a>>),
    Decoding(
        Box<ruzstd::decoding::StreamingDecoder<Box<dyn Read + 'a>, ruzstd::decoding::FrameDecoder>>,
    ),
}

impl Read for Zstd<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Zstd::Undecided(inner) = self {
            let Some(inner) = inner.take() else {
                return Ok(0);
            };
            let decoder = ruzstd::decoding::StreamingDecoder::new_with_max_window_size(
                inner,
                ZSTD_MAX_WINDOW,
            )
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, zstd_error(&error)))?;
            *self = Zstd::Decoding(Box::new(decoder));
        }
        match self {
            Zstd::Decoding(decoder) => decoder.read(buf),
            Zstd::Undecided(_) => Ok(0),
        }
    }
}

/// ruzstd's frame errors in words (its `Display` of some is its `Debug`).
fn zstd_error(error: &ruzstd::decoding::errors::FrameDecoderError) -> String {
    use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
    match error {
        FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::BadMagicNumber(_)) => {
            "not a zstd frame".into()
        }
        FrameDecoderError::WindowSizeTooBig { requested, .. } => format!(
            "the frame asks for a window of {requested} bytes; at most {ZSTD_MAX_WINDOW} are accepted"
        ),
        other => other.to_string(),
    }
}
