//! The two kinds of failure a user sees: a [`PageError`] ends one input (exit status 1,
//! the other inputs go on), a [`UsageError`] ends the run before anything is fetched
//! (exit status 2).
//!
//! Each stage names its own failures ([`FetchError`], [`ExtractError`],
//! [`HtmlFileError`], [`InputError`]); a `PageError` is any of them, with an
//! [`ErrorKind`] that scripts can match on (`-o jsonl` writes it as `"kind"`). The
//! `Display` of every error is the message printed after `error: SOURCE: `.

use std::fmt;

use crate::extract::ExtractError;
use crate::fetch::FetchError;
use crate::html_file::HtmlFileError;
use crate::input::{InputError, UrlProblem};
use crate::limits::TooLargeForMemory;
use crate::text::{printable, redact_passwords};

/// Why one input gave no links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    Fetch(FetchError),
    Parse(ExtractError),
    File(HtmlFileError),
    Input(InputError),
    /// The page does not fit in the memory the run may use, even alone.
    Memory(TooLargeForMemory),
    /// A bug: the work on this input panicked. The run goes on.
    Internal,
}

/// The kind of a [`PageError`], stable for scripts: see `docs/usage.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `--timeout` ran out.
    Timeout,
    /// Connection refused, reset or not made within `--connect-timeout`.
    Connect,
    /// The host name does not resolve.
    Dns,
    Tls,
    /// The server broke HTTP.
    Protocol,
    /// A final status other than 2xx.
    HttpStatus,
    /// Too many redirects, or one to a URL that cannot be followed.
    Redirect,
    /// Larger than `--max-bytes`.
    TooLarge,
    /// Not an HTML response.
    NotHtml,
    /// The body could not be decompressed.
    Decode,
    /// The HTML was not parsed within the time budget.
    TooComplex,
    /// A local `--html` file could not be read.
    Io,
    /// A bad line in an `-i` file.
    Input,
    /// A failure nothing above describes.
    Other,
    /// A bug.
    Internal,
}

impl ErrorKind {
    /// The name scripts see.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connect => "connect",
            ErrorKind::Dns => "dns",
            ErrorKind::Tls => "tls",
            ErrorKind::Protocol => "protocol",
            ErrorKind::HttpStatus => "http-status",
            ErrorKind::Redirect => "redirect",
            ErrorKind::TooLarge => "too-large",
            ErrorKind::NotHtml => "not-html",
            ErrorKind::Decode => "decode",
            ErrorKind::TooComplex => "too-complex",
            ErrorKind::Io => "io",
            ErrorKind::Input => "input",
            ErrorKind::Other => "other",
            ErrorKind::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PageError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            PageError::Fetch(error) => fetch_kind(error),
            PageError::Parse(ExtractError::TooSlow(_)) => ErrorKind::TooComplex,
            PageError::File(HtmlFileError::TooLarge(_)) => ErrorKind::TooLarge,
            PageError::File(_) => ErrorKind::Io,
            PageError::Input(_) => ErrorKind::Input,
            PageError::Memory(_) => ErrorKind::TooLarge,
            PageError::Internal => ErrorKind::Internal,
        }
    }
}

fn fetch_kind(error: &FetchError) -> ErrorKind {
    match error {
        FetchError::TimedOut(_) => ErrorKind::Timeout,
        FetchError::ConnectTimedOut(_) | FetchError::Connection(_) => ErrorKind::Connect,
        FetchError::HostNotFound => ErrorKind::Dns,
        FetchError::Tls(_) => ErrorKind::Tls,
        FetchError::Protocol(_) => ErrorKind::Protocol,
        FetchError::Status { .. } => ErrorKind::HttpStatus,
        FetchError::TooManyRedirects(_)
        | FetchError::RedirectNotHttp(_)
        | FetchError::RedirectForbidden(_)
        | FetchError::InvalidLocation { .. } => ErrorKind::Redirect,
        FetchError::TooLarge(_) | FetchError::Memory(_) => ErrorKind::TooLarge,
        FetchError::NotHtml(_) => ErrorKind::NotHtml,
        FetchError::Decompress { .. } | FetchError::UnknownCoding(_) => ErrorKind::Decode,
        FetchError::Other(_) | FetchError::OutOfFiles => ErrorKind::Other,
        FetchError::GaveUp { last, .. } => fetch_kind(last),
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageError::Fetch(error) => error.fmt(f),
            PageError::Parse(error) => error.fmt(f),
            PageError::File(error) => error.fmt(f),
            PageError::Input(error) => error.fmt(f),
            PageError::Memory(error) => error.fmt(f),
            PageError::Internal => {
                f.write_str("internal error while processing this page (a bug: please report it)")
            }
        }
    }
}

impl std::error::Error for PageError {}

impl From<FetchError> for PageError {
    fn from(error: FetchError) -> Self {
        PageError::Fetch(error)
    }
}

impl From<ExtractError> for PageError {
    fn from(error: ExtractError) -> Self {
        PageError::Parse(error)
    }
}

impl From<HtmlFileError> for PageError {
    fn from(error: HtmlFileError) -> Self {
        PageError::File(error)
    }
}

impl From<InputError> for PageError {
    fn from(error: InputError) -> Self {
        PageError::Input(error)
    }
}

/// A mistake on the command line: reported before anything is fetched, exit status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsageError {
    /// The argument parser's own message (a missing value, a value that is not a
    /// number…); `help` is the command whose `--help` explains.
    Arguments { message: String, help: &'static str },
    /// A flag no command has; `suggestion` is the nearest one that exists.
    UnknownFlag {
        flag: String,
        suggestion: Option<String>,
        help: &'static str,
    },
    /// A value the option does not accept.
    InvalidValue {
        option: &'static str,
        value: String,
        problem: String,
    },
    /// A command-line URL that cannot be fetched; `from` is `argument` or `-u`.
    InvalidUrl {
        raw: String,
        from: &'static str,
        problem: UrlProblem,
    },
    /// An option that only applies to `--html` inputs, without any.
    OnlyWithHtml { option: &'static str, value: String },
    /// A crawl option without a crawl.
    OnlyWhenCrawling { option: &'static str },
    /// Nothing to do.
    NoUrl,
    /// `-i -` and `--html -` together.
    StdinTwice,
    /// An `-i` file that cannot be opened.
    InputFile { path: String, problem: String },
    /// `domains` given two files.
    TwoDomainFiles { first: String, second: String },
    /// A subcommand given URLs or files of the main command.
    InputsWithCommand { command: &'static str },
}

impl fmt::Display for UsageError {
    /// Every value echoed from the command line is made printable (control characters
    /// escaped) and any password in it masked: a message never forges a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let echo = |text: &str| printable(&redact_passwords(text)).into_owned();
        match self {
            UsageError::Arguments { message, help } => {
                write!(f, "{}\nRun '{help}' for usage.", echo(message))
            }
            UsageError::UnknownFlag {
                flag,
                suggestion,
                help,
            } => {
                write!(f, "Unrecognized argument: {}", echo(flag))?;
                if let Some(suggestion) = suggestion {
                    write!(f, " (did you mean {suggestion}?)")?;
                }
                write!(f, "\nRun '{help}' for usage.")
            }
            UsageError::InvalidValue {
                option,
                value,
                problem,
            } => write!(f, "invalid {option} '{}': {problem}", echo(value)),
            UsageError::InvalidUrl { raw, from, problem } => {
                write!(f, "invalid URL '{}' (from {from}): {problem}", echo(raw))
            }
            UsageError::OnlyWithHtml { option, value } => write!(
                f,
                "{option} '{}' applies to --html inputs, and none was given",
                echo(value)
            ),
            UsageError::OnlyWhenCrawling { option } => write!(
                f,
                "{option} applies when crawling (--depth N or --sitemap), and neither was given"
            ),
            UsageError::NoUrl => f.write_str(
                "no URL given: pass page URLs as arguments, with -u URL, in a file with -i FILE, \
                 or on stdin (see 'link-extractor --help')",
            ),
            UsageError::StdinTwice => {
                f.write_str("stdin ('-') was given to both -i and --html: it can be read only once")
            }
            UsageError::InputFile { path, problem } => {
                write!(f, "cannot read input file '{}': {problem}", echo(path))
            }
            UsageError::TwoDomainFiles { first, second } => write!(
                f,
                "domains reads one FILE, got '{}' and '{}': to read several, \
                 concatenate them (cat FILE... | link-extractor domains)",
                echo(first),
                echo(second)
            ),
            UsageError::InputsWithCommand { command } => write!(
                f,
                "'{command}' takes no page URLs or input options: give them without \
                 '{command}', or run 'link-extractor {command} --help'"
            ),
        }
    }
}

impl std::error::Error for UsageError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_retried_failure_has_the_kind_of_its_last_attempt() {
        let error = PageError::Fetch(FetchError::GaveUp {
            attempts: 3,
            last: Box::new(FetchError::Status {
                code: 503,
                reason: "Service Unavailable".into(),
            }),
        });
        assert_eq!(error.kind(), ErrorKind::HttpStatus);
        assert_eq!(
            error.to_string(),
            "HTTP 503 Service Unavailable (after 3 attempts)"
        );
    }

    #[test]
    fn kinds_tell_failures_apart_without_reading_the_message() {
        let cases = [
            (
                PageError::Fetch(FetchError::TimedOut(Duration::from_secs(2))),
                "timeout",
            ),
            (PageError::Fetch(FetchError::HostNotFound), "dns"),
            (
                PageError::Fetch(FetchError::TooManyRedirects(5)),
                "redirect",
            ),
            (PageError::Fetch(FetchError::TooLarge(10)), "too-large"),
            (PageError::File(HtmlFileError::TooLarge(10)), "too-large"),
            (
                PageError::Parse(ExtractError::TooSlow(Duration::from_secs(1))),
                "too-complex",
            ),
            (
                PageError::File(HtmlFileError::Unreadable("no such file".into())),
                "io",
            ),
            (PageError::Internal, "internal"),
        ];
        for (error, kind) in cases {
            assert_eq!(error.kind().as_str(), kind, "{error}");
        }
    }

    #[test]
    fn an_unknown_flag_is_echoed_printably_with_the_suggestion() {
        let error = UsageError::UnknownFlag {
            flag: "--ouput".into(),
            suggestion: Some("--output".into()),
            help: "link-extractor --help",
        };
        assert_eq!(
            error.to_string(),
            "Unrecognized argument: --ouput (did you mean --output?)\n\
             Run 'link-extractor --help' for usage."
        );
    }
}
