//! Local HTML documents (`--html FILE|-`): reading them within the byte limit and
//! naming the URL they resolve against when no `--base` is given.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::time::Duration;

use url::Url;

use crate::text::describe_io_error;
use crate::units::human_bytes;

/// How HTML becomes links: the parse budget of every page, and what `--html`
/// documents are read with.
#[derive(Debug, Clone)]
pub struct HtmlConfig {
    /// The time one page's parse may take (`--timeout`), fetched or local.
    pub parse_timeout: Duration,
    /// `--base`: the page URL of `--html` documents; else each file's `file:` URL.
    pub base: Option<Url>,
    /// `--charset`: the encoding of `--html` documents, as a WHATWG encoding name, in
    /// the place of an HTTP charset.
    pub charset: Option<String>,
    /// The largest document read (`--max-bytes`).
    pub max_bytes: u64,
}

/// Why a local document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HtmlFileError {
    /// Opening or reading failed (missing file, permissions, a directory…).
    Unreadable(String),
    /// The document is larger than `--max-bytes`.
    TooLarge(u64),
    /// The path cannot be written as a `file:` URL.
    NoFileUrl,
}

impl fmt::Display for HtmlFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HtmlFileError::Unreadable(why) => write!(f, "cannot read HTML file: {why}"),
            HtmlFileError::TooLarge(limit) => {
                write!(f, "HTML file larger than {} (--max-bytes)", human_bytes(*limit))
            }
            HtmlFileError::NoFileUrl => f.write_str(
                "cannot express this path as a file: URL to resolve links against (pass --base URL)",
            ),
        }
    }
}

impl std::error::Error for HtmlFileError {}

/// A document read from disk (or stdin) and the URL its links resolve against.
#[derive(Debug)]
pub struct Document {
    pub bytes: Vec<u8>,
    pub page_url: Url,
}

/// Reads the document at `path` (`-` is stdin) as `config` says.
pub fn load(path: &str, config: &HtmlConfig) -> Result<Document, HtmlFileError> {
    let bytes = read(path, config.max_bytes)?;
    let page_url = match &config.base {
        Some(base) => base.clone(),
        None => file_url(path)?,
    };
    Ok(Document { bytes, page_url })
}

/// Reads a document (`-` is stdin), refusing more than `max_bytes`, as for a fetched
/// body.
pub fn read(path: &str, max_bytes: u64) -> Result<Vec<u8>, HtmlFileError> {
    if path == "-" {
        return read_bounded(io::stdin().lock(), max_bytes);
    }
    let file = File::open(path).map_err(unreadable)?;
    // A directory opens fine on Unix and fails only at the first read, with a message
    // ("Is a directory (os error 21)") less plain than this one.
    if file.metadata().map_err(unreadable)?.is_dir() {
        return Err(HtmlFileError::Unreadable("it is a directory".into()));
    }
    read_bounded(file, max_bytes)
}

fn unreadable(error: io::Error) -> HtmlFileError {
    HtmlFileError::Unreadable(describe_io_error(&error))
}

fn read_bounded(reader: impl Read, max_bytes: u64) -> Result<Vec<u8>, HtmlFileError> {
    let mut bytes = Vec::new();
    reader
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > max_bytes {
        return Err(HtmlFileError::TooLarge(max_bytes));
    }
    Ok(bytes)
}

/// The URL a browser gives a document opened from disk: the file's absolute `file:`
/// URL. Stdin has no path; its documents resolve against the working directory, as a
/// file there would.
pub fn file_url(path: &str) -> Result<Url, HtmlFileError> {
    if path == "-" {
        let cwd = std::env::current_dir().map_err(unreadable)?;
        return Url::from_directory_path(cwd).map_err(|()| HtmlFileError::NoFileUrl);
    }
    let absolute = std::path::absolute(Path::new(path)).map_err(|_| HtmlFileError::NoFileUrl)?;
    Url::from_file_path(absolute).map_err(|()| HtmlFileError::NoFileUrl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_are_absolute_and_percent_encoded() {
        let url = file_url("/srv/site/a b/index.html").map(String::from);
        assert_eq!(url, Ok("file:///srv/site/a%20b/index.html".to_string()));
        let relative = file_url("public/index.html").map(String::from);
        let cwd = std::env::current_dir().map(|cwd| cwd.join("public/index.html"));
        let expected = cwd.ok().and_then(|path| Url::from_file_path(path).ok());
        assert_eq!(relative.ok(), expected.map(String::from));
    }

    #[test]
    fn reading_stops_at_the_byte_limit() {
        let small = read_bounded(&b"<a href=x>"[..], 10);
        assert_eq!(small, Ok(b"<a href=x>".to_vec()));
        let large = read_bounded(&b"<a href=xy>"[..], 10);
        assert_eq!(large, Err(HtmlFileError::TooLarge(10)));
    }
}
