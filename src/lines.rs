//! Files of lines, for `-i FILE` and for `domains`: opened before any work starts,
//! read lazily, one bounded line at a time.
//!
//! Both readers skip blank lines and `#` comments, tolerate CRLF and a UTF-8 BOM, and
//! name what they cannot read (a line too long, not UTF-8, a UTF-16 file, a read error)
//! with its line number, so that the caller can report `FILE:LINE` and go on.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use crate::text::{describe_io_error, printable};

/// The longest line accepted; longer lines are reported, not buffered.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// A file of lines, opened: its name in messages (the path as given, or `-` for
/// stdin) and its bytes.
pub struct LineSource {
    pub name: String,
    reader: Box<dyn Read + Send>,
}

impl fmt::Debug for LineSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LineSource")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Why a file of lines could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenError {
    pub path: String,
    /// In plain words: "no such file", "it is a directory"…
    pub problem: String,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = printable(&self.path);
        write!(f, "cannot read input file '{path}': {}", self.problem)
    }
}

impl std::error::Error for OpenError {}

impl LineSource {
    /// Opens `path` now (`-` is stdin), so that a missing file or a directory is known
    /// before anything else is done.
    pub fn open(path: &str) -> Result<Self, OpenError> {
        if path == "-" {
            return Ok(Self::stdin());
        }
        let cannot = |problem: String| OpenError {
            path: path.into(),
            problem,
        };
        let file = File::open(path).map_err(|e| cannot(describe_io_error(&e)))?;
        let metadata = file.metadata().map_err(|e| cannot(describe_io_error(&e)))?;
        if metadata.is_dir() {
            return Err(cannot("it is a directory".into()));
        }
        Ok(LineSource {
            name: path.into(),
            reader: Box::new(file),
        })
    }

    /// Standard input, named `-`.
    pub fn stdin() -> Self {
        LineSource {
            name: "-".into(),
            reader: Box::new(io::stdin()),
        }
    }

    /// Lines from any reader (tests, in-memory input).
    pub fn from_reader(name: impl Into<String>, reader: impl Read + Send + 'static) -> Self {
        LineSource {
            name: name.into(),
            reader: Box::new(reader),
        }
    }

    /// The non-blank, non-comment lines, trimmed.
    pub fn lines(self) -> Lines {
        Lines {
            name: self.name,
            reader: BufReader::with_capacity(64 * 1024, self.reader),
            number: 0,
            done: false,
            buffer: Vec::new(),
        }
    }
}

/// Why a line could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblem {
    /// Longer than [`MAX_LINE_BYTES`]; the rest of the file is still read.
    TooLong,
    NotUtf8,
    /// The file starts with a UTF-16 byte-order mark: named once, the rest skipped.
    Utf16,
    /// Reading failed; the rest of the file is skipped.
    Read(String),
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineProblem::TooLong => write!(f, "line longer than {MAX_LINE_BYTES} bytes"),
            LineProblem::NotUtf8 => f.write_str("line is not valid UTF-8"),
            LineProblem::Utf16 => f.write_str("the file is UTF-16; save it as UTF-8"),
            LineProblem::Read(why) => write!(f, "read error: {why}"),
        }
    }
}

impl std::error::Error for LineProblem {}

/// One line with something on it, or a problem, with its 1-based number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub number: usize,
    /// The line trimmed of surrounding whitespace (and of the CR of a CRLF).
    pub text: Result<String, LineProblem>,
}

/// The lines of a [`LineSource`]; see [`LineSource::lines`].
pub struct Lines {
    name: String,
    reader: BufReader<Box<dyn Read + Send>>,
    number: usize,
    done: bool,
    buffer: Vec<u8>,
}

impl Lines {
    /// The name of the file in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn problem(&mut self, problem: LineProblem) -> Line {
        if matches!(problem, LineProblem::Utf16 | LineProblem::Read(_)) {
            self.done = true;
        }
        Line {
            number: self.number,
            text: Err(problem),
        }
    }
}

impl Iterator for Lines {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        while !self.done {
            self.buffer.clear();
            let read = read_bounded_line(&mut self.reader, &mut self.buffer, MAX_LINE_BYTES);
            self.number += 1;
            let too_long = match read {
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Ok(Some(too_long)) => too_long,
                Err(error) => {
                    return Some(self.problem(LineProblem::Read(describe_io_error(&error))))
                }
            };
            if too_long {
                return Some(self.problem(LineProblem::TooLong));
            }
            let mut bytes = self.buffer.as_slice();
            if self.number == 1 {
                if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
                    return Some(self.problem(LineProblem::Utf16));
                }
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            let Ok(text) = std::str::from_utf8(bytes) else {
                return Some(self.problem(LineProblem::NotUtf8));
            };
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            return Some(Line {
                number: self.number,
                text: Ok(text.to_owned()),
            });
        }
        None
    }
}

/// Reads one line (without its `\n`) into `line`, keeping at most `limit` bytes.
/// Returns `None` at end of input, else whether the line was longer than `limit`.
fn read_bounded_line(
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

    fn lines(bytes: &[u8]) -> Vec<(usize, Result<String, LineProblem>)> {
        LineSource::from_reader("urls.txt", io::Cursor::new(bytes.to_vec()))
            .lines()
            .map(|line| (line.number, line.text))
            .collect()
    }

    #[test]
    fn blank_lines_comments_bom_and_crlf() {
        assert_eq!(
            lines(b"\xEF\xBB\xBF# list\r\n\r\n  a  \r\n\t# indented\nb"),
            [(3, Ok("a".into())), (5, Ok("b".into()))]
        );
    }

    #[test]
    fn problems_are_numbered_and_reading_goes_on() {
        let mut bytes = b"a\n\xFF\n".to_vec();
        bytes.extend(vec![b'x'; MAX_LINE_BYTES + 1]);
        bytes.extend(b"\nb\n");
        assert_eq!(
            lines(&bytes),
            [
                (1, Ok("a".into())),
                (2, Err(LineProblem::NotUtf8)),
                (3, Err(LineProblem::TooLong)),
                (4, Ok("b".into())),
            ]
        );
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_read() {
        let mut bytes = vec![b'x'; MAX_LINE_BYTES];
        bytes.push(b'\n');
        assert_eq!(lines(&bytes), [(1, Ok("x".repeat(MAX_LINE_BYTES)))]);
    }

    #[test]
    fn utf16_is_named_once() {
        let bytes = b"\xFF\xFEh\0t\0t\0p\0\n\0a\0\n\0";
        assert_eq!(lines(bytes), [(1, Err(LineProblem::Utf16))]);
        assert_eq!(lines(b"\xFE\xFF\0h\n\0a\n"), [(1, Err(LineProblem::Utf16))]);
    }

    struct FailingReader;

    impl Read for FailingReader {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("device gone"))
        }
    }

    #[test]
    fn a_read_error_ends_the_file() {
        let read: Vec<Line> = LineSource::from_reader("x", FailingReader)
            .lines()
            .collect();
        assert_eq!(
            read,
            [Line {
                number: 1,
                text: Err(LineProblem::Read("device gone".into()))
            }]
        );
    }

    #[test]
    fn opening_names_the_problem() {
        let missing = LineSource::open("/nonexistent/urls.txt").map(|_| ());
        assert_eq!(
            missing.map_err(|e| e.to_string()),
            Err("cannot read input file '/nonexistent/urls.txt': no such file".into())
        );
        let dir = LineSource::open("/").map(|_| ());
        assert_eq!(
            dir.map_err(|e| e.to_string()),
            Err("cannot read input file '/': it is a directory".into())
        );
    }
}
