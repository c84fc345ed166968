//! The command line, to validated configuration per stage.
//!
//! argh is the one parser: it reads the arguments, generates `--help`, and reports
//! unknown flags and missing values. This module turns what argh gives into a
//! [`Command`], whose configs ([`InputConfig`], [`FetchConfig`], [`HtmlConfig`],
//! [`OutputConfig`], [`PipelineConfig`]) the stages take without knowing the command
//! line, and names every mistake as a [`UsageError`] before anything is fetched.
//!
//! Two things argh does not do are added around it, without a second parser:
//! - the spellings users bring from other tools, `--name=value` and `-vv`, are
//!   rewritten to argh's (`--name value`, `-v -v`) using argh's own list of options;
//! - inputs keep their command-line order across positional URLs, `-u`, `-i` and
//!   `--html`: argh keeps one list per option, so each value is stamped with its
//!   position as argh parses it ([`Stamped`]) and the lists are merged by stamp.

use std::cell::Cell;
use std::convert::Infallible;
use std::str::FromStr;

use std::time::Duration;

use argh::{ArgsInfo, FromArgs};
use encoding_rs::Encoding;
use regex::Regex;
use ureq::http::{HeaderName, HeaderValue};
use url::Url;

use crate::crawl::scope::{Filters, Scope};
use crate::crawl::CrawlConfig;
use crate::error::UsageError;
use crate::fetch::FetchConfig;
use crate::html_file::HtmlConfig;
use crate::input::{parse_page_url, InputConfig, InputSource, Shard};
use crate::lines::LineSource;
use crate::output::{OutputConfig, OutputFormat};
use crate::pipeline::PipelineConfig;
use crate::politeness::PolitenessConfig;
use crate::units::{parse_duration, parse_size};

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    /// Extract links: the default command.
    Extract(Box<Config>),
    /// `link-extractor domains [FILE|-]`: the lines to read.
    Domains(LineSource),
    /// `--help`, `--version`: print this on stdout, exit 0.
    Info(String),
}

/// A validated extraction run, one config per stage.
#[derive(Debug)]
pub struct Config {
    pub input: InputConfig,
    pub fetch: FetchConfig,
    pub html: HtmlConfig,
    pub output: OutputConfig,
    pub pipeline: PipelineConfig,
    /// `-v` count minus `-q` count.
    pub verbosity: i8,
    /// No input was named, so stdin is read: an empty stdin is then "no URL given".
    pub inputs_from_stdin: bool,
    /// `--max-memory`, in place of the cgroup's limit.
    pub memory_limit: Option<u64>,
    /// Crawl mode (`--depth N` or `--sitemap`), if asked for.
    pub crawl: Option<CrawlConfig>,
    /// `--per-host` and `--delay` (always set when crawling), if any.
    pub politeness: Option<PolitenessConfig>,
}

const DEFAULT_MAX_PAGES: u64 = 100_000;
const DEFAULT_PER_HOST_CRAWLING: usize = 6;

/// What the command line is read with, besides the arguments.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `JOB_COMPLETION_INDEX`, for `--shard auto/N`.
    pub job_completion_index: Option<String>,
    /// Whether stdin is a terminal: if not, and no input is named, stdin is read.
    pub stdin_is_terminal: bool,
}

impl Environment {
    pub fn from_process() -> Self {
        use std::io::IsTerminal;
        Environment {
            job_completion_index: std::env::var("JOB_COMPLETION_INDEX").ok(),
            stdin_is_terminal: std::io::stdin().is_terminal(),
        }
    }
}

const DEFAULT_JOBS: usize = 32;
const MAX_JOBS: usize = 1024;

const USAGE: &str = "\
Usage: link-extractor [URL...] [-u URL]... [-i FILE|-] [--html FILE|-] [OPTIONS]
       link-extractor domains [FILE|-]";

const DOMAINS_USAGE: &str = "Usage: link-extractor domains [FILE|-]";

#[derive(FromArgs, ArgsInfo, Debug)]
#[argh(
    description = "Fetch web pages in parallel and print the hyperlinks they contain, resolved as\n\
                   a browser resolves them. With no URL given and stdin not a terminal, URLs\n\
                   are read from stdin, one per line (as with -i -).",
    help_triggers("-h", "--help", "help"),
    example = "link-extractor https://example.com/",
    example = "link-extractor -u https://a.example/ -u https://b.example/ -o json",
    example = "cat urls.txt | link-extractor -o jsonl -j 64",
    example = "link-extractor --html public/index.html --base https://example.com/",
    example = "link-extractor https://example.com/ | link-extractor domains",
    note = "Only http(s) links are printed, resolved against the page's <base href> or its\n\
            final URL after redirects. Options also take the --name=value form.\n\
            Logs go to stderr: -v, -vv, -vvv say more, -q, -qq less; RUST_LOG overrides.\n\
            Proxies: the first of ALL_PROXY, HTTPS_PROXY, HTTP_PROXY (or lowercase) that\n\
            is set (an http, https or socks5 URL); NO_PROXY lists hosts that bypass it.",
    error_code(1, "at least one page failed (each failure is named on stderr)"),
    error_code(2, "usage error: nothing was fetched"),
    error_code(130, "stopped by Ctrl-C (SIGINT); 143 for SIGTERM")
)]
struct Args {
    /// page URLs to fetch (absolute http:// or https:// URLs)
    #[argh(positional)]
    urls: Vec<Stamped>,

    /// a page URL to fetch; repeatable
    #[argh(option, short = 'u', long = "url")]
    url: Vec<Stamped>,

    /// read page URLs from FILE, one per line ('-' for stdin; blank lines and '#'
    /// comments are ignored); repeatable
    #[argh(option, short = 'i', long = "input")]
    input: Vec<Stamped>,

    /// extract the links of a local HTML file instead of fetching a page ('-' for
    /// stdin); repeatable, and mixes with URL inputs in order
    #[argh(option, long = "html")]
    html: Vec<Stamped>,

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

    /// the memory the run may use, e.g. 128MiB: a page that cannot fit even alone
    /// fails by name (default: the cgroup's limit, as a container or a pod sets it;
    /// outside one, none)
    #[argh(option, long = "max-memory")]
    max_memory: Option<String>,

    /// extra request header 'Name: value'; repeatable
    #[argh(option, short = 'H', long = "header")]
    header: Vec<String>,

    /// the User-Agent header (default link-extractor/VERSION)
    #[argh(option, long = "user-agent")]
    user_agent: Option<String>,

    /// keep only the inputs whose position (0-based, after de-duplication) modulo
    /// COUNT is INDEX (when crawling: whose host's FNV-1a hash modulo COUNT is INDEX):
    /// INDEX/COUNT, or auto/COUNT to take INDEX from JOB_COMPLETION_INDEX (Kubernetes
    /// Indexed Job)
    #[argh(option, long = "shard")]
    shard: Option<String>,

    /// more log output on stderr (-v: skipped links and fetch details, -vv: debug,
    /// -vvv: the libraries' logs too)
    #[argh(switch, short = 'v', long = "verbose")]
    verbose: u8,

    /// less log output on stderr (-q: errors only, -qq: nothing)
    #[argh(switch, short = 'q', long = "quiet")]
    quiet: u8,

    /// crawl: follow links this many times from each input (default 0: only the
    /// pages given)
    #[argh(option, long = "depth", default = "0")]
    depth: u32,

    /// what a crawl follows: host (the input's host, the default), site (its
    /// registrable domain), prefix (URLs under the input's directory) or any
    #[argh(option, long = "scope")]
    scope: Option<String>,

    /// crawl: follow only URLs that match REGEX (regex crate syntax); repeatable
    #[argh(option, long = "include")]
    include: Vec<String>,

    /// crawl: never follow URLs that match REGEX; repeatable
    #[argh(option, long = "exclude")]
    exclude: Vec<String>,

    /// crawl: fetch at most N pages, the first in breadth-first order (default
    /// 100000)
    #[argh(option, long = "max-pages")]
    max_pages: Option<u64>,

    /// requests in flight to one host at most (default 6 when crawling, no cap
    /// otherwise)
    #[argh(option, long = "per-host")]
    per_host: Option<usize>,

    /// the least time between two request starts to one host, e.g. 500ms (default
    /// 0; a larger Crawl-delay in robots.txt wins)
    #[argh(option, long = "delay")]
    delay: Option<String>,

    /// also read the pages the inputs' sitemaps list (robots.txt Sitemap: lines,
    /// else /sitemap.xml), as inputs
    #[argh(switch, long = "sitemap")]
    sitemap: bool,

    /// crawl without reading or obeying robots.txt
    #[argh(switch, long = "ignore-robots")]
    ignore_robots: bool,

    /// print the version and exit
    #[argh(switch, short = 'V', long = "version")]
    version: bool,

    #[argh(subcommand)]
    command: Option<Subcommand>,
}

#[derive(FromArgs, ArgsInfo, Debug)]
#[argh(subcommand)]
enum Subcommand {
    Domains(DomainsArgs),
}

#[derive(FromArgs, ArgsInfo, Debug)]
#[argh(
    subcommand,
    name = "domains",
    description = "Print the unique registrable domains of URLs or host names, one per line.",
    help_triggers("-h", "--help", "help"),
    example = "link-extractor domains hosts.txt",
    example = "link-extractor -u https://example.com/ | link-extractor domains",
    note = "Reads FILE (stdin when FILE is '-' or absent) and prints its domains\n\
            lowercased, international names in their ASCII (punycode) form, sorted. A\n\
            registrable domain is a public suffix plus one label: news.bbc.co.uk gives\n\
            bbc.co.uk, aws.amazon.com gives amazon.com, and alice.github.io gives\n\
            alice.github.io (github.io is a public suffix too). The suffixes come from the\n\
            Public Suffix List compiled in (psl crate 2.1.247, published 2026-11-05):\n\
            nothing is fetched.\n\
            \n\
            Each line may be a URL of any scheme or a bare host name; ports, user names,\n\
            paths, queries, fragments, a trailing dot, surrounding spaces and CRLF are\n\
            ignored, as are blank lines and lines starting with '#'. Lines that hold no\n\
            domain (IP addresses, a public suffix alone, mailto: URLs, malformed lines)\n\
            are named on stderr as FILE:LINE and skipped.",
    error_code(1, "at least one line held no domain (each is named on stderr)"),
    error_code(2, "usage error: nothing was read")
)]
struct DomainsArgs {
    /// the file to read; '-' or none for stdin
    #[argh(positional)]
    file: Vec<String>,
}

/// A value as typed, with its position among the stamped values of one parse.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamped {
    position: usize,
    text: String,
}

thread_local! {
    /// The position the next stamped value gets; reset before each parse.
    static NEXT_POSITION: Cell<usize> = const { Cell::new(0) };
}

/// argh parses each input value with this, in command-line order, as it goes.
impl FromStr for Stamped {
    type Err = Infallible;

    fn from_str(value: &str) -> Result<Self, Infallible> {
        let position = NEXT_POSITION.with(|next| next.replace(next.get() + 1));
        Ok(Stamped {
            position,
            text: value.to_owned(),
        })
    }
}

/// The program's name and version, as `--version` prints them.
pub fn version_line() -> String {
    format!("{} {}", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
}

/// Parses the full argument list (`args[0]` is the program name).
pub fn parse(args: &[String], env: &Environment) -> Result<Command, UsageError> {
    let args = match parse_args(args.get(1..).unwrap_or_default())? {
        Parsed::Help(text) => return Ok(Command::Info(text)),
        Parsed::Args(args) => args,
    };
    if args.version {
        return Ok(Command::Info(version_line() + "\n"));
    }
    if let Some(Subcommand::Domains(domains)) = &args.command {
        return domains_command(&args, domains);
    }
    extract_config(*args, env).map(|config| Command::Extract(Box::new(config)))
}

enum Parsed {
    Args(Box<Args>),
    Help(String),
}

/// argh on the rewritten arguments: the arguments, or a help text, or the error with
/// the nearest flag suggested.
fn parse_args(args: &[String]) -> Result<Parsed, UsageError> {
    let rewritten = rewrite_spellings(args);
    let strs: Vec<&str> = rewritten.iter().map(String::as_str).collect();
    let in_domains = strs.first() == Some(&"domains");
    NEXT_POSITION.with(|next| next.set(0));
    match Args::from_args(&["link-extractor"], &strs) {
        Ok(args) => Ok(Parsed::Args(Box::new(args))),
        Err(early) if early.status.is_ok() => {
            let usage = if early.output.starts_with("Usage: link-extractor domains") {
                DOMAINS_USAGE
            } else {
                USAGE
            };
            Ok(Parsed::Help(with_usage(&early.output, usage)))
        }
        Err(early) => Err(parse_error(early.output.trim_end(), in_domains)),
    }
}

/// `--name=value` as `--name value` for argh's options, and `-vvv` as `-v -v -v`, up
/// to a `--`. After `domains`, whose options take no value, a bare `-` (stdin) can
/// only be its FILE: argh reads any `-…` as an option, so a `--` goes before it.
fn rewrite_spellings(args: &[String]) -> Vec<String> {
    let info = Args::get_args_info();
    let takes_value = |name: &str| {
        info.flags
            .iter()
            .any(|flag| flag.long == name && matches!(flag.kind, argh::FlagInfoKind::Option { .. }))
    };
    let in_domains = args.first().is_some_and(|arg| arg == "domains");
    let mut rewritten = Vec::with_capacity(args.len() + 1);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if in_domains && arg == "-" {
            rewritten.push("--".to_owned());
            rewritten.push(arg.clone());
            rewritten.extend(rest.cloned());
            break;
        }
        if arg == "--" {
            rewritten.push(arg.clone());
            rewritten.extend(rest.cloned());
            break;
        }
        if let Some((name, value)) = arg.split_once('=') {
            if takes_value(name) {
                rewritten.push(name.to_owned());
                rewritten.push(value.to_owned());
                continue;
            }
        }
        match repeated_switch(arg) {
            Some((switch, count)) => rewritten.extend(std::iter::repeat_n(switch, count)),
            None => rewritten.push(arg.clone()),
        }
    }
    rewritten
}

/// `-vvv` → (`-v`, 3), for the switches that count (`-v`, `-q`).
fn repeated_switch(arg: &str) -> Option<(String, usize)> {
    let letters = arg.strip_prefix('-')?;
    let first = letters.chars().next()?;
    let counts = matches!(first, 'v' | 'q');
    (counts && letters.len() > 1 && letters.chars().all(|c| c == first))
        .then(|| (format!("-{first}"), letters.len()))
}

/// argh's error message as a [`UsageError`], with a suggestion for an unknown flag.
fn parse_error(message: &str, in_domains: bool) -> UsageError {
    let help = if in_domains {
        "link-extractor domains --help"
    } else {
        "link-extractor --help"
    };
    match message.strip_prefix("Unrecognized argument: ") {
        Some(flag) if !flag.contains('\n') => {
            let flags = if in_domains {
                DomainsArgs::get_args_info().flags
            } else {
                Args::get_args_info().flags
            };
            let known = flags.iter().map(|flag| flag.long);
            UsageError::UnknownFlag {
                flag: flag.to_owned(),
                suggestion: nearest_flag(flag, known),
                help,
            }
        }
        _ => UsageError::Arguments {
            message: message.to_owned(),
            help,
        },
    }
}

/// The long flag `given` most likely meant: a typo or two away (`--ouput`,
/// `--Timeout`, `--max-byte`). Short flags are one letter from each other, so they get
/// no suggestion.
fn nearest_flag<'a>(given: &str, known: impl Iterator<Item = &'a str>) -> Option<String> {
    if !given.starts_with("--") {
        return None;
    }
    // `--max-byte=1MiB`: the name is what was mistyped.
    let name = given.split_once('=').map_or(given, |(name, _)| name);
    let given = name.to_ascii_lowercase();
    known
        .filter(|flag| flag.starts_with("--"))
        .map(|flag| (strsim::damerau_levenshtein(&given, flag), flag))
        .filter(|&(distance, flag)| distance <= (flag.len() - 2).div_ceil(4).min(2))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, flag)| flag.to_owned())
}

/// argh's help with the usage line replaced: argh writes every option into it, on one
/// line hundreds of characters long.
fn with_usage(help: &str, usage: &str) -> String {
    match help.split_once("\n\n") {
        Some((_, rest)) => format!("{usage}\n\n{rest}"),
        None => help.to_owned(),
    }
}

/// `link-extractor domains [FILE|-]`.
fn domains_command(args: &Args, domains: &DomainsArgs) -> Result<Command, UsageError> {
    let inputs = args.urls.len() + args.url.len() + args.input.len() + args.html.len();
    if inputs > 0 {
        return Err(UsageError::InputsWithCommand { command: "domains" });
    }
    if let [first, second, ..] = domains.file.as_slice() {
        return Err(UsageError::TwoDomainFiles {
            first: first.clone(),
            second: second.clone(),
        });
    }
    let path = domains.file.first().map_or("-", String::as_str);
    LineSource::open(path)
        .map(Command::Domains)
        .map_err(|error| UsageError::InputFile {
            path: error.path,
            problem: error.problem,
        })
}

/// The default command's configs, validated in the order a user reads them.
fn extract_config(args: Args, env: &Environment) -> Result<Config, UsageError> {
    let output = OutputConfig {
        format: output_format(&args.output)?,
    };
    let jobs = jobs(args.jobs)?;
    let fetch = fetch_config(&args, jobs)?;
    let (input, inputs_from_stdin) = input_config(&args, env)?;
    let html = html_config(&args, &fetch)?;
    let memory_limit = args
        .max_memory
        .as_deref()
        .map(|value| parse_size(value).map_err(|e| invalid("--max-memory", value, e)))
        .transpose()?;
    let crawl = crawl_config(&args)?;
    let politeness = politeness_config(&args, jobs, crawl.is_some())?;
    let mut input = input;
    input.shard_by_host = crawl.is_some();
    Ok(Config {
        input,
        fetch,
        html,
        output,
        pipeline: PipelineConfig::new(jobs),
        verbosity: clamp_i8(i16::from(args.verbose) - i16::from(args.quiet)),
        inputs_from_stdin,
        memory_limit,
        crawl,
        politeness,
    })
}

/// `--depth`, `--scope`, `--include`, `--exclude`, `--max-pages`, `--sitemap`,
/// `--ignore-robots`: a crawl, when `--depth` is above 0 or `--sitemap` is given.
fn crawl_config(args: &Args) -> Result<Option<CrawlConfig>, UsageError> {
    let crawling = args.depth > 0 || args.sitemap;
    let crawl_only: [(&'static str, bool); 5] = [
        ("--scope", args.scope.is_some()),
        ("--include", !args.include.is_empty()),
        ("--exclude", !args.exclude.is_empty()),
        ("--max-pages", args.max_pages.is_some()),
        ("--ignore-robots", args.ignore_robots),
    ];
    if !crawling {
        return match crawl_only.iter().find(|(_, given)| *given) {
            Some((option, _)) => Err(UsageError::OnlyWhenCrawling { option }),
            None => Ok(None),
        };
    }
    let scope = match args.scope.as_deref() {
        None => Scope::Host,
        Some(value) => Scope::parse(value)
            .ok_or_else(|| invalid("--scope", value, "expected host, site, prefix or any"))?,
    };
    let filters = Filters {
        include: regexes("--include", &args.include)?,
        exclude: regexes("--exclude", &args.exclude)?,
    };
    let max_pages = match args.max_pages {
        Some(0) => {
            return Err(invalid(
                "--max-pages",
                "0",
                "expected a number of at least 1",
            ))
        }
        Some(pages) => pages,
        None => DEFAULT_MAX_PAGES,
    };
    Ok(Some(CrawlConfig {
        depth: args.depth,
        scope,
        filters,
        max_pages,
        sitemap: args.sitemap,
        robots: !args.ignore_robots,
    }))
}

fn regexes(option: &'static str, values: &[String]) -> Result<Vec<Regex>, UsageError> {
    values
        .iter()
        .map(|value| {
            Regex::new(value).map_err(|error| {
                // regex writes a caret diagram over several lines; its last line says what.
                let text = error.to_string();
                let why = text.lines().last().unwrap_or_default();
                let why = why.strip_prefix("error: ").unwrap_or(why);
                invalid(option, value, format!("not a regular expression ({why})"))
            })
        })
        .collect()
}

/// `--per-host` and `--delay`: always when crawling (6 per host by default), else
/// only when given.
fn politeness_config(
    args: &Args,
    jobs: usize,
    crawling: bool,
) -> Result<Option<PolitenessConfig>, UsageError> {
    let per_host = match args.per_host {
        Some(0) => {
            return Err(invalid(
                "--per-host",
                "0",
                "expected a number of at least 1",
            ))
        }
        Some(cap) => Some(cap),
        None if crawling => Some(DEFAULT_PER_HOST_CRAWLING),
        None => None,
    };
    let delay = match args.delay.as_deref() {
        None => Duration::ZERO,
        Some(value) if value.trim() == "0" => Duration::ZERO,
        Some(value) => parse_duration(value).map_err(|e| invalid("--delay", value, e))?,
    };
    let polite = crawling || per_host.is_some() || !delay.is_zero();
    Ok(polite.then_some(PolitenessConfig {
        jobs,
        per_host,
        delay,
    }))
}

fn invalid(option: &'static str, value: impl Into<String>, problem: impl ToString) -> UsageError {
    UsageError::InvalidValue {
        option,
        value: value.into(),
        problem: problem.to_string(),
    }
}

fn output_format(value: &str) -> Result<OutputFormat, UsageError> {
    match value {
        "stdout" => Ok(OutputFormat::Stdout),
        "json" => Ok(OutputFormat::Json),
        "jsonl" => Ok(OutputFormat::Jsonl),
        other => Err(invalid("--output", other, "expected stdout, json or jsonl")),
    }
}

fn jobs(jobs: usize) -> Result<usize, UsageError> {
    if jobs == 0 || jobs > MAX_JOBS {
        return Err(invalid(
            "--jobs",
            jobs.to_string(),
            format!("expected a number from 1 to {MAX_JOBS}"),
        ));
    }
    Ok(jobs)
}

fn fetch_config(args: &Args, jobs: usize) -> Result<FetchConfig, UsageError> {
    let duration =
        |option, value: &str| parse_duration(value).map_err(|e| invalid(option, value, e));
    let timeout = duration("--timeout", &args.timeout)?;
    let connect_timeout = duration("--connect-timeout", &args.connect_timeout)?;
    let max_bytes =
        parse_size(&args.max_bytes).map_err(|e| invalid("--max-bytes", &*args.max_bytes, e))?;
    let headers = args
        .header
        .iter()
        .map(|header| parse_header(header))
        .collect::<Result<Vec<_>, _>>()?;
    let user_agent = match &args.user_agent {
        Some(agent) if HeaderValue::from_str(agent).is_err() => {
            return Err(invalid(
                "--user-agent",
                agent,
                "control characters are not allowed in a header",
            ))
        }
        Some(agent) => agent.clone(),
        None => format!("{}/{}", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")),
    };
    Ok(FetchConfig {
        timeout,
        connect_timeout,
        retries: args.retries,
        max_redirects: args.max_redirects,
        max_bytes,
        headers,
        user_agent,
        connections: jobs,
    })
}

fn parse_header(header: &str) -> Result<(HeaderName, HeaderValue), UsageError> {
    let bad = |why: &str| invalid("--header", header, why);
    let (name, value) = header
        .split_once(':')
        .ok_or_else(|| bad("expected 'Name: value'"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| bad("the name is not a valid header name"))?;
    let value = HeaderValue::from_str(value.trim())
        .map_err(|_| bad("the value holds characters not allowed in a header"))?;
    Ok((name, value))
}

/// The inputs in command-line order, and whether stdin stands in for them.
fn input_config(args: &Args, env: &Environment) -> Result<(InputConfig, bool), UsageError> {
    let shard = args
        .shard
        .as_deref()
        .map(|spec| parse_shard(spec, env.job_completion_index.as_deref()))
        .transpose()?;
    let mut sources = ordered_sources(args)?;
    let from_stdin = sources.is_empty() && !env.stdin_is_terminal;
    if from_stdin {
        sources.push(InputSource::File(LineSource::stdin()));
    }
    if sources.is_empty() {
        return Err(UsageError::NoUrl);
    }
    let stdin = |list: &[Stamped]| list.iter().any(|value| value.text == "-");
    if stdin(&args.input) && stdin(&args.html) {
        return Err(UsageError::StdinTwice);
    }
    let input = InputConfig {
        sources,
        shard,
        shard_by_host: false,
    };
    Ok((input, from_stdin))
}

/// Positional URLs, `-u`, `-i` and `--html` merged back into command-line order, each
/// validated (URLs parsed, `-i` files opened).
fn ordered_sources(args: &Args) -> Result<Vec<InputSource>, UsageError> {
    #[derive(Clone, Copy)]
    enum Kind {
        Argument,
        UrlOption,
        InputFile,
        Html,
    }
    let mut stamped: Vec<(&Stamped, Kind)> = [
        (&args.urls, Kind::Argument),
        (&args.url, Kind::UrlOption),
        (&args.input, Kind::InputFile),
        (&args.html, Kind::Html),
    ]
    .into_iter()
    .flat_map(|(values, kind)| values.iter().map(move |value| (value, kind)))
    .collect();
    stamped.sort_by_key(|(value, _)| value.position);
    stamped
        .into_iter()
        .map(|(value, kind)| match kind {
            Kind::Argument => page_url(&value.text, "argument"),
            Kind::UrlOption => page_url(&value.text, "-u"),
            Kind::InputFile => LineSource::open(&value.text)
                .map(InputSource::File)
                .map_err(|error| UsageError::InputFile {
                    path: error.path,
                    problem: error.problem,
                }),
            Kind::Html if value.text.is_empty() => {
                Err(invalid("--html", "", "expected a file path or '-'"))
            }
            Kind::Html => Ok(InputSource::Html(value.text.clone())),
        })
        .collect()
}

fn page_url(raw: &str, from: &'static str) -> Result<InputSource, UsageError> {
    parse_page_url(raw)
        .map(InputSource::Url)
        .map_err(|problem| UsageError::InvalidUrl {
            raw: raw.to_owned(),
            from,
            problem,
        })
}

fn html_config(args: &Args, fetch: &FetchConfig) -> Result<HtmlConfig, UsageError> {
    let has_html = !args.html.is_empty();
    let only_with_html = |option, value: &str| {
        if has_html {
            Ok(())
        } else {
            Err(UsageError::OnlyWithHtml {
                option,
                value: value.to_owned(),
            })
        }
    };
    let base = match &args.base {
        Some(raw) => {
            only_with_html("--base", raw)?;
            Some(parse_base(raw)?)
        }
        None => None,
    };
    let charset = match &args.charset {
        Some(label) => {
            only_with_html("--charset", label)?;
            Some(parse_charset(label)?)
        }
        None => None,
    };
    Ok(HtmlConfig {
        parse_timeout: fetch.timeout,
        base,
        charset,
        max_bytes: fetch.max_bytes,
    })
}

/// `--base`: an absolute http(s) or file URL.
fn parse_base(raw: &str) -> Result<Url, UsageError> {
    match Url::parse(raw.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https" | "file") && url.has_host() => Ok(url),
        Ok(_) => Err(invalid(
            "--base",
            raw,
            "expected an absolute http://, https:// or file:// URL",
        )),
        Err(error) => Err(invalid(
            "--base",
            raw,
            parse_page_url(raw).map_or_else(|problem| problem.to_string(), |_| error.to_string()),
        )),
    }
}

/// `--charset`: a WHATWG encoding label, as browsers accept them.
fn parse_charset(label: &str) -> Result<String, UsageError> {
    Encoding::for_label(label.trim().as_bytes())
        .map(|encoding| encoding.name().to_owned())
        .ok_or_else(|| {
            invalid(
                "--charset",
                label,
                "not an encoding label browsers know \
                 (e.g. utf-8, windows-1252, iso-8859-1, shift_jis, gb18030)",
            )
        })
}

fn parse_shard(spec: &str, job_completion_index: Option<&str>) -> Result<Shard, UsageError> {
    let bad = |why: String| invalid("--shard", spec, why);
    let (index, count) = spec
        .split_once('/')
        .ok_or_else(|| bad("expected INDEX/COUNT or auto/COUNT, e.g. 0/4".into()))?;
    let count: usize = count
        .trim()
        .parse()
        .ok()
        .filter(|&c| c > 0)
        .ok_or_else(|| bad("COUNT must be a whole number of at least 1".into()))?;
    let index = if index.trim() == "auto" {
        auto_shard_index(spec, job_completion_index, count)?
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

/// The shard index of `--shard auto/COUNT`, from `JOB_COMPLETION_INDEX`.
fn auto_shard_index(
    spec: &str,
    job_completion_index: Option<&str>,
    count: usize,
) -> Result<usize, UsageError> {
    let bad = |why: String| invalid("--shard", spec, why);
    let value = job_completion_index.ok_or_else(|| {
        bad(
            "auto needs JOB_COMPLETION_INDEX in the environment (a Kubernetes Indexed Job \
             sets it)"
                .into(),
        )
    })?;
    let index: usize = value.trim().parse().map_err(|_| {
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
    Ok(index)
}

fn clamp_i8(value: i16) -> i8 {
    value.clamp(i16::from(i8::MIN), i16::from(i8::MAX)) as i8
}

#[cfg(test)]
mod tests;
