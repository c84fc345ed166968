//! Where page URLs come from: arguments, `-i FILE`, stdin. Numbering, de-duplication and
//! sharding happen here, lazily, so a 100k-line list is never held in memory whole.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use url::Url;

use crate::cli::UsageError;
use crate::seen::Seen;

/// The longest input line accepted; longer lines are reported, not buffered.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// One place page URLs come from, in command-line order.
pub enum InputSource {
    /// A URL given as an argument or with `-u`, already validated.
    Url(Url),
    /// An opened `-i` file (or stdin for `-`), read lazily.
    File {
        /// The name used in messages: the path as given, or `-`.
        name: String,
        reader: Box<dyn Read + Send>,
    },
    /// An `--html` document: a path, or `-` for stdin. Read when its turn comes, so a
    /// missing file is that input's failure, not a usage error.
    Html(String),
}

impl fmt::Debug for InputSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputSource::Url(url) => f.debug_tuple("Url").field(&url.as_str()).finish(),
            InputSource::File { name, .. } => f.debug_struct("File").field("name", name).finish(),
            InputSource::Html(path) => f.debug_tuple("Html").field(path).finish(),
        }
    }
}

/// `--shard INDEX/COUNT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// One input, ready to fetch or already known to be bad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputItem {
    /// How the input is named in output and messages: the URL, the `--html` path (or
    /// `-`), or `FILE:LINE` for a bad line of an `-i` file.
    pub source: String,
    pub target: Result<Target, String>,
}

/// What to extract links from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A page to fetch.
    Page(Url),
    /// A local HTML document (`--html`): a path, or `-` for stdin.
    Html(String),
}

impl Target {
    /// The key under which duplicates are recognised.
    fn dedup_key(&self) -> String {
        match self {
            Target::Page(url) => url.as_str().to_owned(),
            // Cannot collide with a URL: those always have a scheme.
            Target::Html(path) => format!(" html {path}"),
        }
    }
}

/// Opens an `-i` argument now, so that a missing file is a usage error before anything
/// is fetched.
pub fn open_file(path: &str) -> Result<InputSource, UsageError> {
    let (name, reader) = open_reader(path)?;
    Ok(InputSource::File { name, reader })
}

/// Opens a file of lines (`-` is stdin) for `-i` and for `domains`: a missing file or a
/// directory is a usage error. Returns the name used in messages and the reader.
pub fn open_reader(path: &str) -> Result<(String, Box<dyn Read + Send>), UsageError> {
    if path == "-" {
        return Ok(("-".into(), Box::new(io::stdin())));
    }
    let cannot = |why: String| UsageError(format!("cannot read input file '{path}': {why}"));
    let file = File::open(path).map_err(|e| cannot(describe_io_error(&e)))?;
    let metadata = file.metadata().map_err(|e| cannot(describe_io_error(&e)))?;
    if metadata.is_dir() {
        return Err(cannot("it is a directory".into()));
    }
    Ok((path.into(), Box::new(file)))
}

/// Plain words for the I/O errors users meet with input files.
pub fn describe_io_error(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => error.to_string(),
    }
}

/// Validates a page URL as the user typed it: it must be an absolute `http(s)` URL.
/// The error says what is wrong and, where it can, what was probably meant.
pub fn parse_page_url(raw: &str) -> Result<Url, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("empty URL".into());
    }
    match Url::parse(trimmed) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
        // "localhost:8080/x" and "example.com:443" parse with a scheme of "localhost" and
        // "example.com"; they are hosts with a port, not URLs.
        Ok(url) if !trimmed.contains("://") && looks_like_host(url.scheme()) => Err(format!(
            "not an absolute URL (did you mean https://{trimmed}?)"
        )),
        Ok(_) => Err("only http:// and https:// URLs can be fetched".into()),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let host = trimmed.split(['/', '?', '#']).next().unwrap_or_default();
            if trimmed.starts_with("//") {
                Err(format!(
                    "not an absolute URL (did you mean https:{trimmed}?)"
                ))
            } else if !host.is_empty() && looks_like_host(host) {
                Err(format!(
                    "not an absolute URL (did you mean https://{trimmed}?)"
                ))
            } else {
                Err(
                    "not an absolute URL: it needs a scheme and a host, as in https://example.com/"
                        .into(),
                )
            }
        }
        Err(error) => Err(format!("{error}")),
    }
}

fn looks_like_host(candidate: &str) -> bool {
    let host = candidate.split(':').next().unwrap_or_default();
    // "index.html" is a file name, not a host: no suggestion for it.
    let file_name = host.rsplit_once('.').is_some_and(|(_, extension)| {
        FILE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str())
    });
    host == "localhost"
        || (host.contains('.')
            && !host.starts_with('.')
            && !file_name
            && host
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-'))
}

/// Endings of file names often mistaken for URLs, none of them a top-level domain.
const FILE_EXTENSIONS: &[&str] = &[
    "html", "htm", "xhtml", "php", "asp", "aspx", "jsp", "txt", "json", "xml", "csv", "pdf",
];

/// `text` with control characters escaped, so that a message never moves the cursor or
/// rings the bell.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_control) {
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if c.is_control() {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// The inputs in order: de-duplicated, numbered and sharded, read lazily.
pub struct Inputs {
    sources: std::vec::IntoIter<InputSource>,
    current: Option<FileLines>,
    /// Inputs already given, by hash: a 100k-line list costs ~3 MB here, not ~15.
    seen: Seen,
    shard: Option<Shard>,
    /// Position of the next distinct input, before sharding.
    position: usize,
}

impl Inputs {
    pub fn new(sources: Vec<InputSource>, shard: Option<Shard>) -> Self {
        Inputs {
            sources: sources.into_iter(),
            current: None,
            seen: Seen::default(),
            shard,
            position: 0,
        }
    }

    /// The next input, before de-duplication and sharding.
    fn next_raw(&mut self) -> Option<InputItem> {
        loop {
            if let Some(lines) = &mut self.current {
                match lines.next() {
                    Some(item) => return Some(item),
                    None => self.current = None,
                }
            }
            match self.sources.next()? {
                InputSource::Url(url) => {
                    return Some(InputItem {
                        source: url.to_string(),
                        target: Ok(Target::Page(url)),
                    })
                }
                InputSource::Html(path) => {
                    return Some(InputItem {
                        source: path.clone(),
                        target: Ok(Target::Html(path)),
                    })
                }
                InputSource::File { name, reader } => {
                    self.current = Some(FileLines::new(name, reader))
                }
            }
        }
    }
}

impl Iterator for Inputs {
    type Item = InputItem;

    fn next(&mut self) -> Option<InputItem> {
        loop {
            let item = self.next_raw()?;
            // Duplicates are fetched once; bad lines are each their own input.
            if let Ok(target) = &item.target {
                if !self.seen.insert(&target.dedup_key()) {
                    continue;
                }
            }
            let position = self.position;
            self.position += 1;
            match self.shard {
                Some(shard) if position % shard.count != shard.index => continue,
                _ => return Some(item),
            }
        }
    }
}

/// The lines of one `-i` file as inputs: blank lines and `#` comments skipped, a UTF-8
/// BOM and CR line endings tolerated, bad lines reported as `FILE:LINE`.
struct FileLines {
    name: String,
    reader: BufReader<Box<dyn Read + Send>>,
    line_number: usize,
    done: bool,
}

impl FileLines {
    fn new(name: String, reader: Box<dyn Read + Send>) -> Self {
        FileLines {
            name,
            reader: BufReader::with_capacity(64 * 1024, reader),
            line_number: 0,
            done: false,
        }
    }

    fn bad(&self, problem: String) -> InputItem {
        InputItem {
            source: format!("{}:{}", self.name, self.line_number),
            target: Err(problem),
        }
    }
}

impl Iterator for FileLines {
    type Item = InputItem;

    fn next(&mut self) -> Option<InputItem> {
        let mut line = Vec::new();
        while !self.done {
            line.clear();
            let too_long = match read_bounded_line(&mut self.reader, &mut line, MAX_LINE_BYTES) {
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Ok(Some(too_long)) => too_long,
                Err(error) => {
                    self.done = true;
                    self.line_number += 1;
                    return Some(self.bad(format!("read error: {}", describe_io_error(&error))));
                }
            };
            self.line_number += 1;
            if too_long {
                return Some(self.bad(format!("line longer than {MAX_LINE_BYTES} bytes")));
            }
            let mut bytes = line.as_slice();
            if self.line_number == 1 {
                if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
                    // One message for the file, not one per (garbled) line.
                    self.done = true;
                    return Some(self.bad("the file is UTF-16; save it as UTF-8".into()));
                }
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            let Ok(text) = std::str::from_utf8(bytes) else {
                return Some(self.bad("line is not valid UTF-8".into()));
            };
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            return Some(match parse_page_url(text) {
                Ok(url) => InputItem {
                    source: url.to_string(),
                    target: Ok(Target::Page(url)),
                },
                Err(problem) => self.bad(format!("invalid URL '{}': {problem}", printable(text))),
            });
        }
        None
    }
}

/// Reads one line (without its `\n`) into `line`, keeping at most `limit` bytes.
/// Returns `None` at end of input, else whether the line was longer than `limit`.
pub(crate) fn read_bounded_line(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Option<bool>> {
    let mut read_any = false;
    let mut too_long = false;
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buffer.is_empty() {
            return Ok(read_any.then_some(too_long));
        }
        read_any = true;
        let (chunk, found_newline) = match buffer.iter().position(|&b| b == b'\n') {
            Some(i) => (&buffer[..i], Some(i + 1)),
            None => (buffer, None),
        };
        let room = limit.saturating_sub(line.len());
        if chunk.len() > room {
            too_long = true;
        }
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = found_newline.unwrap_or(buffer.len());
        reader.consume(used);
        if found_newline.is_some() {
            return Ok(Some(too_long));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(contents: &[u8]) -> InputSource {
        InputSource::File {
            name: "urls.txt".into(),
            reader: Box::new(io::Cursor::new(contents.to_vec())),
        }
    }

    fn sources(items: impl Iterator<Item = InputItem>) -> Vec<(String, bool)> {
        items
            .map(|item| (item.source, item.target.is_ok()))
            .collect()
    }

    #[test]
    fn file_lines_comments_bom_crlf_and_bad_lines() {
        let contents = b"\xEF\xBB\xBFhttps://a.test/\r\n\r\n# comment\n  http://b.test/x  \nexample.com\n\xFF\nhttps://a.test/\nhttps://c.test/";
        let items = Inputs::new(vec![file(contents)], None);
        assert_eq!(
            sources(items),
            [
                ("https://a.test/".to_string(), true),
                ("http://b.test/x".to_string(), true),
                ("urls.txt:5".to_string(), false),
                ("urls.txt:6".to_string(), false),
                ("https://c.test/".to_string(), true),
            ]
        );
    }

    #[test]
    fn bad_line_message_suggests_the_fix() {
        let mut items = Inputs::new(vec![file(b"example.com/page\n")], None);
        assert_eq!(
            items.next().map(|item| item.target),
            Some(Err(
                "invalid URL 'example.com/page': not an absolute URL (did you mean https://example.com/page?)".into()
            ))
        );
    }

    #[test]
    fn sharding_counts_positions_after_deduplication() {
        let contents =
            b"http://a.test/\nhttp://a.test/\nhttp://b.test/\nhttp://c.test/\nhttp://d.test/\n";
        let shard = Some(Shard { index: 1, count: 2 });
        let items = Inputs::new(vec![file(contents)], shard);
        assert_eq!(
            sources(items),
            [
                ("http://b.test/".to_string(), true),
                ("http://d.test/".to_string(), true)
            ]
        );
    }

    #[test]
    fn long_lines_are_cut_and_reported() {
        let mut contents = vec![b'x'; MAX_LINE_BYTES + 10];
        contents.extend_from_slice(b"\nhttp://a.test/\n");
        let items = Inputs::new(vec![file(&contents)], None);
        assert_eq!(
            sources(items),
            [
                ("urls.txt:1".to_string(), false),
                ("http://a.test/".to_string(), true)
            ]
        );
    }

    #[test]
    fn page_url_suggestions() {
        assert_eq!(
            parse_page_url("localhost:8080/x"),
            Err("not an absolute URL (did you mean https://localhost:8080/x?)".into())
        );
        assert_eq!(
            parse_page_url("//cdn.test/x"),
            Err("not an absolute URL (did you mean https://cdn.test/x?)".into())
        );
        assert_eq!(
            parse_page_url("/just/a/path"),
            Err(
                "not an absolute URL: it needs a scheme and a host, as in https://example.com/"
                    .into()
            )
        );
        assert_eq!(
            parse_page_url("mailto:a@b.test"),
            Err("only http:// and https:// URLs can be fetched".into())
        );
        assert_eq!(parse_page_url("http://"), Err("empty host".into()));
        assert_eq!(
            parse_page_url(" HTTP://A.test ").map(String::from),
            Ok("http://a.test/".into())
        );
    }
}
