//! Command-line arguments to validated [`Settings`].
//!
//! Everything a user can get wrong on the command line is caught here, before anything
//! is fetched, and reported as a [`UsageError`] (exit status 2).

use std::fmt;
use std::time::Duration;

use argh::FromArgs;
use encoding_rs::Encoding;
use ureq::http::{HeaderName, HeaderValue};
use url::Url;

use crate::input::{self, InputSource, Shard};

/// Fetch web pages in parallel and print the hyperlinks they contain, resolved as a
/// browser resolves them.
#[derive(FromArgs, Debug)]
#[argh(
    help_triggers("-h", "--help"),
    example = "link-extractor https://example.com/",
    example = "link-extractor -u https://a.example/ -u https://b.example/ -o json",
    example = "cat urls.txt | link-extractor -i - -o jsonl -j 64",
    example = "link-extractor --html public/index.html --base https://example.com/",
    note = "Only http(s) links are printed, resolved against the page's <base href> or its\n  final URL after redirects. Logs go to stderr; RUST_LOG overrides -v/-q. Proxies\n  come from HTTP_PROXY, HTTPS_PROXY and NO_PROXY.\n\n  link-extractor domains [FILE|-] prints the unique registrable domains of URLs or\n  host names, e.g. link-extractor -u URL | link-extractor domains (see\n  'link-extractor domains --help').",
    error_code(1, "at least one page failed (each failure is named on stderr)"),
    error_code(2, "usage error: nothing was fetched"),
    error_code(130, "stopped by Ctrl-C (SIGINT); 143 for SIGTERM")
)]
struct Args {
    /// page URLs to fetch (absolute http:// or https:// URLs)
    #[argh(positional)]
    urls: Vec<String>,

    /// a page URL to fetch; repeatable
    #[argh(option, short = 'u', long = "url")]
    url: Vec<String>,

    /// read page URLs from FILE, one per line ('-' for stdin; blank lines and '#'
    /// comments are ignored); repeatable
    #[argh(option, short = 'i', long = "input")]
    input: Vec<String>,

    /// extract the links of a local HTML file instead of fetching a page ('-' for
    /// stdin); repeatable, and mixes with URL inputs in order
    #[argh(option, long = "html")]
    html: Vec<String>,

    /// the URL --html documents resolve their links against (a <base href> in the
    /// document still wins); default: the file's own file:// URL, and then file:
    /// links are printed too
    #[argh(option, long = "base")]
    base: Option<String>,

    /// the character encoding of --html documents, e.g. utf-8, iso-8859-1, shift_jis
    /// (a byte order mark still wins); default: from <meta charset>, else
    /// windows-1252, as a browser does
    #[argh(option, long = "charset")]
    charset: Option<String>,

    /// output format: stdout (one URL per line, unique), json (links grouped by
    /// origin) or jsonl (one object per link or failed page); default stdout
    #[argh(
        option,
        short = 'o',
        long = "output",
        default = "String::from(\"stdout\")"
    )]
    output: String,

    /// pages fetched at once (default 32)
    #[argh(option, short = 'j', long = "jobs", default = "DEFAULT_JOBS")]
    jobs: usize,

    /// time limit for one whole request, body and redirects included, e.g. 30, 2.5s,
    /// 500ms, 1m (default 30s)
    #[argh(option, long = "timeout", default = "String::from(\"30s\")")]
    timeout: String,

    /// time limit for name resolution plus connection set-up, TLS included (default
    /// 10s)
    #[argh(option, long = "connect-timeout", default = "String::from(\"10s\")")]
    connect_timeout: String,

    /// extra attempts after a transient failure (connection error, 408, 429, 5xx),
    /// with exponential backoff and jitter (default 2)
    #[argh(option, long = "retries", default = "2")]
    retries: u32,

    /// redirects followed per page; 0 disables following (default 10)
    #[argh(option, long = "max-redirects", default = "10")]
    max_redirects: u32,

    /// largest page body accepted, after decompression, e.g. 16MiB, 500KiB, 1000000
    /// (default 16MiB)
    #[argh(option, long = "max-bytes", default = "String::from(\"16MiB\")")]
    max_bytes: String,

    /// extra request header 'Name: value'; repeatable
    #[argh(option, short = 'H', long = "header")]
    header: Vec<String>,

    /// the User-Agent header (default link-extractor/VERSION)
    #[argh(option, long = "user-agent")]
    user_agent: Option<String>,

    /// keep only the inputs whose position (0-based, after de-duplication) modulo
    /// COUNT is INDEX: INDEX/COUNT, or auto/COUNT to take INDEX from
    /// JOB_COMPLETION_INDEX (Kubernetes Indexed Job)
    #[argh(option, long = "shard")]
    shard: Option<String>,

    /// more log output on stderr (-v: skipped links and fetch details, -vv: debug)
    #[argh(switch, short = 'v', long = "verbose")]
    verbose: u8,

    /// less log output on stderr (-q: errors only, -qq: nothing)
    #[argh(switch, short = 'q', long = "quiet")]
    quiet: u8,

    /// print the version and exit
    #[argh(switch, long = "version")]
    version: bool,
}

const DEFAULT_JOBS: usize = 32;
const MAX_JOBS: usize = 1024;

/// The output formats of PRODUCT.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Stdout,
    Json,
    Jsonl,
}

/// A validated run configuration.
#[derive(Debug)]
pub struct Settings {
    /// The inputs in the order given on the command line.
    pub sources: Vec<InputSource>,
    pub output: OutputFormat,
    pub jobs: usize,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retries: u32,
    pub max_redirects: u32,
    pub max_bytes: u64,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub user_agent: String,
    pub shard: Option<Shard>,
    /// `--base`: the page URL of `--html` documents.
    pub html_base: Option<Url>,
    /// `--charset`: the encoding of `--html` documents, as a WHATWG encoding name.
    pub html_charset: Option<String>,
    /// -v count minus -q count.
    pub verbosity: i8,
}

/// Why the program stops before doing any work.
#[derive(Debug)]
pub enum Exit {
    /// `--help` or `--version`: print this on stdout, exit 0.
    Info(String),
    /// A usage error: print it on stderr, exit 2.
    Usage(UsageError),
}

/// A usage error, with the fix where one can be suggested.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn usage(message: impl Into<String>) -> Exit {
    Exit::Usage(UsageError(message.into()))
}

/// The program's name and version, as `--version` prints them.
pub fn version_line() -> String {
    format!("{} {}", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
}

/// Parses the full argument list (`args[0]` is the program name).
///
/// `job_completion_index` is the value of `JOB_COMPLETION_INDEX`, for `--shard auto/N`.
pub fn parse(args: &[String], job_completion_index: Option<&str>) -> Result<Settings, Exit> {
    let expanded = expand_args(args.get(1..).unwrap_or_default());
    let strs: Vec<&str> = expanded.iter().map(String::as_str).collect();
    let parsed =
        Args::from_args(&["link-extractor"], &strs).map_err(|early| match early.status {
            Ok(()) => Exit::Info(early.output),
            Err(()) => usage(format!(
                "{}\nRun 'link-extractor --help' for usage.",
                early.output.trim_end()
            )),
        })?;
    if parsed.version {
        return Err(Exit::Info(version_line() + "\n"));
    }

    let output = match parsed.output.as_str() {
        "stdout" => OutputFormat::Stdout,
        "json" => OutputFormat::Json,
        "jsonl" => OutputFormat::Jsonl,
        other => {
            return Err(usage(format!(
                "invalid --output '{other}': expected stdout, json or jsonl"
            )))
        }
    };
    if parsed.jobs == 0 || parsed.jobs > MAX_JOBS {
        return Err(usage(format!(
            "invalid --jobs '{}': expected a number from 1 to {MAX_JOBS}",
            parsed.jobs
        )));
    }
    let timeout = parse_duration("--timeout", &parsed.timeout)?;
    let connect_timeout = parse_duration("--connect-timeout", &parsed.connect_timeout)?;
    let max_bytes = parse_size("--max-bytes", &parsed.max_bytes)?;
    let headers = parsed
        .header
        .iter()
        .map(|header| parse_header(header))
        .collect::<Result<Vec<_>, _>>()?;
    let user_agent = match parsed.user_agent {
        Some(agent) if HeaderValue::from_str(&agent).is_err() => {
            return Err(usage(format!(
                "invalid --user-agent '{agent}': control characters are not allowed in a header"
            )))
        }
        Some(agent) => agent,
        None => format!("{}/{}", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")),
    };
    let shard = parsed
        .shard
        .as_deref()
        .map(|spec| parse_shard(spec, job_completion_index))
        .transpose()?;

    let sources = ordered_sources(
        &expanded,
        &parsed.urls,
        &parsed.url,
        &parsed.input,
        &parsed.html,
    )?;
    if sources.is_empty() {
        return Err(usage(
            "no URL given: pass page URLs as arguments, with -u URL, or in a file with -i FILE \
             (see 'link-extractor --help')",
        ));
    }
    if parsed.input.iter().any(|path| path == "-") && parsed.html.iter().any(|path| path == "-") {
        return Err(usage(
            "stdin ('-') was given to both -i and --html: it can be read only once",
        ));
    }
    let html_base = parsed
        .base
        .as_deref()
        .map(|raw| parse_base(raw, &parsed.html))
        .transpose()?;
    let html_charset = parsed
        .charset
        .as_deref()
        .map(|label| parse_charset(label, &parsed.html))
        .transpose()?;

    Ok(Settings {
        sources,
        output,
        jobs: parsed.jobs,
        timeout,
        connect_timeout,
        retries: parsed.retries,
        max_redirects: parsed.max_redirects,
        max_bytes,
        headers,
        user_agent,
        shard,
        html_base,
        html_charset,
        verbosity: clamp_i8(i16::from(parsed.verbose) - i16::from(parsed.quiet)),
    })
}

fn clamp_i8(value: i16) -> i8 {
    value.clamp(i16::from(i8::MIN), i16::from(i8::MAX)) as i8
}

/// Options that take a value, so that the value is not mistaken for a positional URL.
const VALUE_OPTIONS: &[&str] = &[
    "-u",
    "--url",
    "-i",
    "--input",
    "-o",
    "--output",
    "-j",
    "--jobs",
    "--timeout",
    "--connect-timeout",
    "--retries",
    "--max-redirects",
    "--max-bytes",
    "-H",
    "--header",
    "--user-agent",
    "--shard",
    "--html",
    "--base",
    "--charset",
];

/// Accepts the spellings users bring from other tools that argh does not: `--name=value`
/// and repeated short switches (`-vv`).
fn expand_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--" {
            out.push(arg.clone());
            out.extend(rest.cloned());
            break;
        }
        if let Some((name, value)) = arg.split_once('=') {
            if name.starts_with("--") && VALUE_OPTIONS.contains(&name) {
                out.push(name.to_string());
                out.push(value.to_string());
                continue;
            }
        }
        if VALUE_OPTIONS.contains(&arg.as_str()) {
            out.push(arg.clone());
            out.extend(rest.next().cloned());
            continue;
        }
        let repeated =
            |c: char| arg.len() > 2 && arg.starts_with('-') && arg[1..].chars().all(|x| x == c);
        if repeated('v') || repeated('q') {
            let flag = &arg[..2];
            out.extend(std::iter::repeat_n(flag.to_string(), arg.len() - 1));
            continue;
        }
        out.push(arg.clone());
    }
    out
}

/// Rebuilds the order in which positional URLs, `-u` and `-i` were given (argh keeps one
/// list per option) and validates the URLs.
fn ordered_sources(
    expanded: &[String],
    positional: &[String],
    url_options: &[String],
    inputs: &[String],
    html: &[String],
) -> Result<Vec<InputSource>, Exit> {
    let mut positional = positional.iter();
    let mut url_options = url_options.iter();
    let mut inputs = inputs.iter();
    let mut html = html.iter();
    let mut sources = Vec::new();
    let mut args = expanded.iter();
    let mut only_positional = false;
    while let Some(arg) = args.next() {
        let (raw, via) = if only_positional || !arg.starts_with('-') || arg == "-" {
            (positional.next(), "argument")
        } else if arg == "--" {
            only_positional = true;
            continue;
        } else if arg == "-u" || arg == "--url" {
            args.next();
            (url_options.next(), "-u")
        } else if arg == "-i" || arg == "--input" {
            args.next();
            if let Some(path) = inputs.next() {
                sources.push(input::open_file(path).map_err(Exit::Usage)?);
            }
            continue;
        } else if arg == "--html" {
            args.next();
            if let Some(path) = html.next() {
                if path.is_empty() {
                    return Err(usage("invalid --html '': expected a file path or '-'"));
                }
                sources.push(InputSource::Html(path.clone()));
            }
            continue;
        } else {
            if VALUE_OPTIONS.contains(&arg.as_str()) {
                args.next();
            }
            continue;
        };
        if let Some(raw) = raw {
            let url = input::parse_page_url(raw).map_err(|problem| {
                usage(format!(
                    "invalid URL '{}' (from {via}): {problem}",
                    input::printable(raw)
                ))
            })?;
            sources.push(InputSource::Url(url));
        }
    }
    Ok(sources)
}

/// Validates `--base`: an absolute http(s) or file URL, and only with `--html`.
fn parse_base(raw: &str, html: &[String]) -> Result<Url, Exit> {
    if html.is_empty() {
        return Err(usage(format!(
            "--base '{raw}' applies to --html inputs, and none was given"
        )));
    }
    let bad = |problem: String| usage(format!("invalid --base '{raw}': {problem}"));
    match Url::parse(raw.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https" | "file") && url.has_host() => Ok(url),
        Ok(_) => Err(bad(
            "expected an absolute http://, https:// or file:// URL".into()
        )),
        Err(_) => input::parse_page_url(raw).map_err(bad),
    }
}

/// Validates `--charset` against the WHATWG encoding labels browsers accept.
fn parse_charset(label: &str, html: &[String]) -> Result<String, Exit> {
    if html.is_empty() {
        return Err(usage(format!(
            "--charset '{label}' applies to --html inputs, and none was given"
        )));
    }
    Encoding::for_label(label.trim().as_bytes())
        .map(|encoding| encoding.name().to_owned())
        .ok_or_else(|| {
            usage(format!(
                "invalid --charset '{label}': not an encoding label browsers know \
                 (e.g. utf-8, windows-1252, iso-8859-1, shift_jis, gb18030)"
            ))
        })
}

/// Parses `30`, `2.5s`, `500ms`, `1m`.
fn parse_duration(option: &str, value: &str) -> Result<Duration, Exit> {
    let trimmed = value.trim();
    let (number, unit) = split_unit(trimmed);
    let scale = match unit.to_ascii_lowercase().as_str() {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => f64::NAN,
    };
    let seconds = number.parse::<f64>().map(|n| n * scale).unwrap_or(f64::NAN);
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 86_400.0 {
        return Err(usage(format!(
            "invalid {option} '{value}': expected a positive duration of at most a day, \
             such as 30, 2.5s, 500ms or 1m"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses `16MiB`, `500KiB`, `1000000`, `2M` (binary multiples, as `--help` says).
fn parse_size(option: &str, value: &str) -> Result<u64, Exit> {
    let trimmed = value.trim();
    let (number, unit) = split_unit(trimmed);
    let scale: Option<u64> = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => Some(1),
        "k" | "kb" | "kib" => Some(1 << 10),
        "m" | "mb" | "mib" => Some(1 << 20),
        "g" | "gb" | "gib" => Some(1 << 30),
        _ => None,
    };
    // Decimals are accepted as for durations (1.5MiB), rounded down to whole bytes.
    scale
        .zip(number.parse::<f64>().ok().filter(|n| n.is_finite()))
        .map(|(scale, n)| n * scale as f64)
        .filter(|&bytes| bytes >= 1.0 && bytes < u64::MAX as f64)
        .map(|bytes| bytes as u64)
        .ok_or_else(|| {
            usage(format!(
                "invalid {option} '{value}': expected a positive size such as 16MiB, 500KiB or 1000000"
            ))
        })
}

fn split_unit(value: &str) -> (&str, &str) {
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    (&value[..split], value[split..].trim())
}

fn parse_header(header: &str) -> Result<(HeaderName, HeaderValue), Exit> {
    let bad = |why: &str| usage(format!("invalid --header '{header}': {why}"));
    let (name, value) = header
        .split_once(':')
        .ok_or_else(|| bad("expected 'Name: value'"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| bad("the name is not a valid header name"))?;
    let value = HeaderValue::from_str(value.trim())
        .map_err(|_| bad("the value holds characters not allowed in a header"))?;
    Ok((name, value))
}

fn parse_shard(spec: &str, job_completion_index: Option<&str>) -> Result<Shard, Exit> {
    let bad = |why: String| usage(format!("invalid --shard '{spec}': {why}"));
    let (index, count) = spec
        .split_once('/')
        .ok_or_else(|| bad("expected INDEX/COUNT or auto/COUNT, e.g. 0/4".into()))?;
    let count: usize = count
        .trim()
        .parse()
        .ok()
        .filter(|&c| c > 0)
        .ok_or_else(|| bad("COUNT must be a whole number of at least 1".into()))?;
    let index: usize = if index.trim() == "auto" {
        let value = job_completion_index.ok_or_else(|| {
            bad("auto needs JOB_COMPLETION_INDEX in the environment (a Kubernetes Indexed Job sets it)".into())
        })?;
        let index = value.trim().parse().map_err(|_| {
            bad(format!(
                "JOB_COMPLETION_INDEX '{value}' is not a whole number"
            ))
        })?;
        if index >= count {
            return Err(bad(format!(
                "JOB_COMPLETION_INDEX {index} is out of range: it must be less than COUNT \
                 {count} (the Job's completions)"
            )));
        }
        index
    } else {
        index
            .trim()
            .parse()
            .map_err(|_| bad("INDEX must be a whole number or 'auto'".into()))?
    };
    if index >= count {
        return Err(bad(format!(
            "INDEX {index} is out of range: it must be less than COUNT {count}"
        )));
    }
    Ok(Shard { index, count })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        std::iter::once("link-extractor")
            .chain(list.iter().copied())
            .map(String::from)
            .collect()
    }

    fn usage_message(list: &[&str]) -> String {
        match parse(&args(list), None) {
            Err(Exit::Usage(UsageError(message))) => message,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let settings = parse(&args(&["https://a.test/"]), None).expect("valid");
        assert_eq!(settings.output, OutputFormat::Stdout);
        assert_eq!(settings.jobs, 32);
        assert_eq!(settings.timeout, Duration::from_secs(30));
        assert_eq!(settings.connect_timeout, Duration::from_secs(10));
        assert_eq!(settings.retries, 2);
        assert_eq!(settings.max_redirects, 10);
        assert_eq!(settings.max_bytes, 16 << 20);
        assert_eq!(
            settings.user_agent,
            format!("link-extractor/{}", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(settings.verbosity, 0);
    }

    #[test]
    fn order_of_sources_is_the_command_line_order() {
        let settings = parse(
            &args(&[
                "-j",
                "4",
                "https://b.test/",
                "-u",
                "https://a.test/",
                "--timeout=5",
                "--html",
                "page.html",
                "https://c.test/",
            ]),
            None,
        )
        .expect("valid");
        let urls: Vec<String> = settings
            .sources
            .iter()
            .map(|source| match source {
                InputSource::Url(url) => url.to_string(),
                InputSource::File { .. } => "file".into(),
                InputSource::Html(path) => format!("html {path}"),
            })
            .collect();
        assert_eq!(
            urls,
            [
                "https://b.test/",
                "https://a.test/",
                "html page.html",
                "https://c.test/"
            ]
        );
        assert_eq!(settings.timeout, Duration::from_secs(5));
        assert_eq!(settings.jobs, 4);
    }

    #[test]
    fn values_with_units() {
        let settings = parse(
            &args(&[
                "-u",
                "http://a.test",
                "--timeout",
                "500ms",
                "--max-bytes",
                "2KiB",
                "-vvv",
                "-q",
            ]),
            None,
        )
        .expect("valid");
        assert_eq!(settings.timeout, Duration::from_millis(500));
        assert_eq!(settings.max_bytes, 2048);
        assert_eq!(settings.verbosity, 2);
        let size = |value: &str| parse_size("--max-bytes", value).ok();
        assert_eq!(size("1.5MiB"), Some(1_572_864));
        assert_eq!(size("16M"), Some(16 << 20));
        assert_eq!(size("1000000"), Some(1_000_000));
        assert_eq!(size("0.5"), None);
    }

    #[test]
    fn usage_errors_name_the_value_and_the_fix() {
        assert_eq!(
            usage_message(&["example.com"]),
            "invalid URL 'example.com' (from argument): not an absolute URL (did you mean https://example.com?)"
        );
        assert_eq!(
            usage_message(&["-u", "ftp://a.test/"]),
            "invalid URL 'ftp://a.test/' (from -u): only http:// and https:// URLs can be fetched"
        );
        assert_eq!(
            usage_message(&["-o", "xml", "http://a.test"]),
            "invalid --output 'xml': expected stdout, json or jsonl"
        );
        assert_eq!(
            usage_message(&["-j", "0", "http://a.test"]),
            "invalid --jobs '0': expected a number from 1 to 1024"
        );
        assert!(usage_message(&["--timeout", "soon", "http://a.test"])
            .starts_with("invalid --timeout 'soon'"));
        assert!(usage_message(&["-H", "NoColon", "http://a.test"])
            .starts_with("invalid --header 'NoColon'"));
        assert_eq!(
            usage_message(&["--shard", "3/3", "http://a.test"]),
            "invalid --shard '3/3': INDEX 3 is out of range: it must be less than COUNT 3"
        );
        assert!(usage_message(&[]).starts_with("no URL given"));
        assert!(usage_message(&["--bogus"]).starts_with("Unrecognized argument: --bogus"));
    }

    #[test]
    fn shard_auto_reads_the_job_completion_index() {
        let settings =
            parse(&args(&["--shard", "auto/4", "http://a.test"]), Some("2")).expect("valid");
        assert_eq!(settings.shard, Some(Shard { index: 2, count: 4 }));
        assert!(matches!(
            parse(&args(&["--shard", "auto/4", "http://a.test"]), None),
            Err(Exit::Usage(_))
        ));
    }
}
