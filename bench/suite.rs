//! `make bench`: the link-extractor benchmark. Needs no internet.
//!
//! Generates realistic pages ([`pages`]), serves them from 127.0.0.1 with an injected
//! per-response delay ([`server`]), runs the release binary (and the static musl one)
//! under `/usr/bin/time -v`, and reports each figure as the median of several runs,
//! next to its target, as ratios measured in the same run (the machine is shared).
//!
//! ```text
//! cargo bench --bench suite -- [all] [--bin PATH] [--static-bin PATH] [--out FILE]
//!                              [--runs N] [--corpus DIR] [--quick]
//! cargo bench --bench suite -- extract [--runs N]     in-process extraction only
//! cargo bench --bench suite -- extract-once extract|parse|none   one pass, for callgrind
//! cargo bench --bench suite -- sweep [--bin PATH] [--jobs 8,16,32,64]  --jobs sweep
//! cargo bench --bench suite -- compare NAME=PATH... [--runs N] [--heavy]  A/B binaries
//! cargo bench --bench suite -- hostile [NAME=PATH...] [--runs N]  deep, misnested, 1M links
//! cargo bench --bench suite -- serve [--write-pages DIR]     just the server
//! cargo bench --bench suite -- crawl [--quick] [--no-peers] [--python PATH] [--pages N]
//! cargo bench --bench suite -- crawl-serve [--pages N]      just the crawl site
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops at the first surprise

mod crawl;
mod pages;
mod server;
mod site;

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use html5ever::tendril::TendrilSink;
use html5ever::tree_builder::TreeBuilderOpts;
use html5ever::{parse_document, ParseOpts};
use markup5ever_rcdom::RcDom;
use url::Url;

use pages::Kind;
use server::{Content, Server};

const DELAY_MS: u64 = 50;
/// `--jobs` of the binary when none is given: read from its `--help`.
const DEFAULT_JOBS_FALLBACK: usize = 32;

type Res<T> = Result<T, String>;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let Err(e) = real_main(&args) {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

struct Options {
    command: String,
    bin: PathBuf,
    static_bin: Option<PathBuf>,
    out: Option<PathBuf>,
    runs: usize,
    corpus: Option<PathBuf>,
    quick: bool,
    jobs_list: Vec<usize>,
    write_pages: Option<PathBuf>,
    /// crawl: ours only, no wget, LinkChecker or Scrapy.
    no_peers: bool,
    /// crawl: the Python of the peers' venv (bench/peers/setup.sh prints it).
    python: Option<PathBuf>,
    /// crawl: pages per host instead of the scale's default.
    pages: Option<u64>,
    rest: Vec<String>,
    /// The arguments as given, for the record.
    args: Vec<String>,
}

fn parse_options(args: &[String]) -> Res<Options> {
    let mut o = Options {
        command: "all".into(),
        bin: PathBuf::from("target/release/link-extractor"),
        static_bin: None,
        out: None,
        runs: 5,
        corpus: None,
        quick: false,
        jobs_list: vec![8, 16, 32, 64, 128],
        write_pages: None,
        no_peers: false,
        python: None,
        pages: None,
        rest: Vec::new(),
        args: args.to_vec(),
    };
    let mut it = args.iter();
    let mut first = true;
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--bin" => o.bin = value("--bin")?.into(),
            "--static-bin" => o.static_bin = Some(value("--static-bin")?.into()),
            "--out" => o.out = Some(value("--out")?.into()),
            "--runs" => {
                o.runs = value("--runs")?
                    .parse()
                    .map_err(|e| format!("--runs: {e}"))?
            }
            "--corpus" => o.corpus = Some(value("--corpus")?.into()),
            "--quick" => o.quick = true,
            "--jobs" => {
                o.jobs_list = value("--jobs")?
                    .split(',')
                    .map(|j| j.parse().map_err(|e| format!("--jobs: {e}")))
                    .collect::<Res<_>>()?
            }
            "--write-pages" => o.write_pages = Some(value("--write-pages")?.into()),
            "--no-peers" => o.no_peers = true,
            "--python" => o.python = Some(value("--python")?.into()),
            "--pages" => {
                o.pages = Some(
                    value("--pages")?
                        .parse()
                        .map_err(|e| format!("--pages: {e}"))?,
                )
            }
            other if first && !other.starts_with('-') => o.command = other.to_string(),
            other => o.rest.push(other.to_string()),
        }
        first = false;
    }
    if o.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(o)
}

fn real_main(args: &[String]) -> Res<()> {
    let o = parse_options(args)?;
    match o.command.as_str() {
        "all" => all(&o),
        "extract" => {
            let big = render(Kind::Big, 0);
            let e = extract_in_process(&big, o.runs.max(3) * 2 + 1);
            println!("{}", e.describe(big.len()));
            Ok(())
        }
        "extract-once" => {
            let big = render(Kind::Big, 0);
            // `none` only generates the page: subtract it from the other two.
            match o.rest.first().map(String::as_str) {
                Some("parse") => drop(parse_alone(&big)),
                Some("extract") => drop(extract(&big)),
                Some("none") => {}
                _ => return Err("extract-once: extract, parse or none".into()),
            }
            Ok(())
        }
        "sweep" => sweep(&o),
        "compare" => compare(&o),
        "hostile" => {
            let rows = hostile(&o, &hostile_bins(&o))?;
            println!("\n{}", table(&rows));
            Ok(())
        }
        "serve" => serve(&o),
        "crawl" => crawl::crawl(&o),
        "crawl-serve" => crawl::serve_site(&o),
        other => Err(format!(
            "unknown command '{other}' (all, crawl, crawl-serve, extract, extract-once, sweep, compare, hostile, serve)"
        )),
    }
}

fn render(kind: Kind, n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    pages::Template::new(kind, (n % kind.variants() as u64) as usize).render(n, &mut out);
    out
}

// ---------------------------------------------------------------------------------
// (1) in-process extraction against html5ever alone.

fn parse_opts() -> ParseOpts {
    ParseOpts {
        tree_builder: TreeBuilderOpts {
            scripting_enabled: false,
            ..TreeBuilderOpts::default()
        },
        ..ParseOpts::default()
    }
}

/// The floor: html5ever parses the bytes (UTF-8) into an rcdom, which is then dropped.
fn parse_alone(bytes: &[u8]) -> usize {
    let dom = parse_document(RcDom::default(), parse_opts())
        .from_utf8()
        .one(bytes);
    let children = dom.document.children.borrow().len();
    drop(dom);
    children
}

/// The product's path: sniff, decode, parse, walk, resolve.
fn extract(bytes: &[u8]) -> usize {
    let url = Url::parse("http://127.0.0.1:8000/0/big/0").expect("static URL");
    link_extractor::extract::links_from_bytes(bytes, Some("utf-8"), &url, None)
        .map(|links| links.web.len())
        .unwrap_or(0)
}

struct ExtractFigures {
    extract_s: f64,
    parse_s: f64,
    /// Median of the per-pair ratios parse/extract (throughput of ours over the floor).
    ratio: f64,
    links: usize,
    passes: usize,
}

impl ExtractFigures {
    fn describe(&self, bytes: usize) -> String {
        let mb = bytes as f64 / 1e6;
        format!(
            "extraction {:.1} MB/s ({:.1} ms), html5ever+rcdom alone {:.1} MB/s ({:.1} ms), ratio {:.3} ({} links, median of {} pairs)",
            mb / self.extract_s,
            self.extract_s * 1e3,
            mb / self.parse_s,
            self.parse_s * 1e3,
            self.ratio,
            self.links,
            self.passes
        )
    }
}

fn extract_in_process(bytes: &[u8], passes: usize) -> ExtractFigures {
    // Warm up caches and the allocator.
    let links = extract(bytes);
    parse_alone(bytes);
    let mut ours = Vec::new();
    let mut floor = Vec::new();
    let mut ratios = Vec::new();
    for i in 0..passes {
        // Alternate which goes first, so that neither always follows the other's frees.
        let time = |f: &dyn Fn(&[u8]) -> usize| {
            let t = Instant::now();
            std::hint::black_box(f(std::hint::black_box(bytes)));
            t.elapsed().as_secs_f64()
        };
        let (e, p) = if i % 2 == 0 {
            let e = time(&extract);
            (e, time(&parse_alone))
        } else {
            let p = time(&parse_alone);
            (time(&extract), p)
        };
        ours.push(e);
        floor.push(p);
        ratios.push(p / e);
    }
    ExtractFigures {
        extract_s: median(&mut ours),
        parse_s: median(&mut floor),
        ratio: median(&mut ratios),
        links,
        passes,
    }
}

// ---------------------------------------------------------------------------------
// Running the binary.

#[derive(Debug, Clone, Default)]
struct Run {
    wall: f64,
    user: f64,
    sys: f64,
    max_rss_kib: u64,
    exit: i32,
    lines: u64,
    stderr: String,
    connections: u64,
    requests: u64,
    check: Option<String>,
}

impl Run {
    /// Takes CPU times, peak RSS and the exit status from `/usr/bin/time -v`'s report.
    fn read_time_report(&mut self, report: &str) {
        for line in report.lines() {
            let line = line.trim();
            let value = |prefix: &str| line.strip_prefix(prefix).map(str::trim);
            if let Some(v) = value("User time (seconds):") {
                self.user = v.parse().unwrap_or(0.0);
            } else if let Some(v) = value("System time (seconds):") {
                self.sys = v.parse().unwrap_or(0.0);
            } else if let Some(v) = value("Maximum resident set size (kbytes):") {
                self.max_rss_kib = v.parse().unwrap_or(0);
            } else if let Some(v) = value("Exit status:") {
                self.exit = v.parse().unwrap_or(self.exit);
            }
        }
    }

    fn cpu(&self) -> f64 {
        self.user + self.sys
    }
    fn rss_mib(&self) -> f64 {
        self.max_rss_kib as f64 / 1024.0
    }
}

/// What to verify of the output, line by line, as it streams.
#[derive(Clone, Copy)]
enum Check {
    None,
    /// jsonl of tiny pages 0..n: every page's lines, pages in input order.
    JsonlOrder(u64),
    /// stdout of tiny pages 0..n: `/t/N/a`, `b?n=N`, `xN.example.com` for N in order.
    StdoutOrder(u64),
}

struct Checker {
    check: Check,
    line: u64,
    current: Option<u64>,
    error: Option<String>,
}

impl Checker {
    fn new(check: Check) -> Checker {
        Checker {
            check,
            line: 0,
            current: None,
            error: None,
        }
    }

    fn fail(&mut self, what: String) {
        if self.error.is_none() {
            self.error = Some(format!("line {}: {what}", self.line));
        }
    }

    fn feed(&mut self, line: &str) {
        self.line += 1;
        match self.check {
            Check::None => {}
            Check::JsonlOrder(_) => {
                let n = line
                    .strip_prefix("{\"source\":\"")
                    .and_then(|rest| rest.split('"').next())
                    .and_then(|source| source.rsplit('/').next())
                    .and_then(|n| n.parse::<u64>().ok());
                let Some(n) = n else {
                    return self.fail(format!("not a page line: {line}"));
                };
                let expected = self.current.map_or(0, |c| c + 1);
                if Some(n) != self.current {
                    if n != expected {
                        return self.fail(format!("page {n} where page {expected} was due"));
                    }
                    self.current = Some(n);
                }
            }
            Check::StdoutOrder(_) => {
                let page = (self.line - 1) / 3;
                let host_end = line.find("/t/").or_else(|| line.find("/0/tiny/b"));
                let expected_suffix = match (self.line - 1) % 3 {
                    0 => format!("/t/{page}/a"),
                    1 => format!("/0/tiny/b?n={page}"),
                    _ => format!("https://x{page}.example.com/c#end"),
                };
                let ok = match (self.line - 1) % 3 {
                    2 => line == expected_suffix,
                    _ => host_end.is_some() && line.ends_with(&expected_suffix),
                };
                if !ok {
                    self.fail(format!("'{line}' where '...{expected_suffix}' was due"));
                }
                self.current = Some(page);
            }
        }
    }

    fn finish(mut self) -> Option<String> {
        match self.check {
            Check::None => {}
            Check::JsonlOrder(n) | Check::StdoutOrder(n) => {
                if self.current != n.checked_sub(1) {
                    let last = self.current;
                    self.fail(format!("ended after page {last:?}, expected {n} pages"));
                }
            }
        }
        Some(self.error.unwrap_or_else(|| "in order, complete".into()))
            .filter(|_| !matches!(self.check, Check::None))
    }
}

struct Ctx {
    tmp: PathBuf,
    server: Server,
    origin: String,
    commands: Vec<String>,
}

impl Ctx {
    /// Writes a URL list: `count` URLs `/{delay}/{kind}/{n}`.
    fn list(&mut self, name: &str, delay: u64, route: &str, count: u64) -> Res<PathBuf> {
        let path = self.tmp.join(name);
        let note = format!(
            "# $TMP/{name}: {count} lines http://127.0.0.1:$PORT/{delay}/{route}/N, N = 0..{}",
            count.saturating_sub(1)
        );
        if !self.commands.contains(&note) {
            self.commands.push(note);
        }
        let mut text = String::with_capacity(count as usize * 48);
        for n in 0..count {
            let _ = writeln!(text, "{}/{delay}/{route}/{n}", self.origin);
        }
        fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }

    fn run(&mut self, bin: &Path, args: &[String], limit_s: u64, check: Check) -> Res<Run> {
        let time_file = self.tmp.join("time.txt");
        let shown = format!(
            "timeout {limit_s} /usr/bin/time -v {} {}",
            bin.display(),
            args.join(" ")
        )
        .replace(&self.tmp.display().to_string(), "$TMP")
        .replace(&self.origin, "http://127.0.0.1:$PORT");
        if !self.commands.contains(&shown) {
            self.commands.push(shown);
        }
        let (c0, r0) = self.server.stats.snapshot();
        let started = Instant::now();
        let mut child = Command::new("timeout")
            .args(["-k", "5", &limit_s.to_string(), "/usr/bin/time", "-v", "-o"])
            .arg(&time_file)
            .arg(bin)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut stderr = child.stderr.take().ok_or("no stderr")?;
        let reader = thread::spawn(move || {
            let mut checker = Checker::new(check);
            let mut reader = BufReader::with_capacity(256 * 1024, stdout);
            let mut line = Vec::new();
            let mut lines = 0u64;
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        lines += 1;
                        if !matches!(check, Check::None) {
                            let text = String::from_utf8_lossy(&line);
                            checker.feed(text.trim_end_matches('\n'));
                        }
                    }
                }
            }
            (lines, checker.finish())
        });
        let errors = thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            text
        });
        let status = child.wait().map_err(|e| e.to_string())?;
        let wall = started.elapsed().as_secs_f64();
        let (lines, check) = reader.join().map_err(|_| "reader panicked")?;
        let stderr = errors.join().map_err(|_| "stderr reader panicked")?;
        let (c1, r1) = self.server.stats.snapshot();
        let mut run = Run {
            wall,
            exit: status.code().unwrap_or(-1),
            lines,
            stderr,
            connections: c1 - c0,
            requests: r1 - r0,
            check,
            ..Run::default()
        };
        run.read_time_report(&fs::read_to_string(&time_file).unwrap_or_default());
        if status.code() == Some(124) || status.code() == Some(137) {
            run.exit = 124;
            run.stderr
                .push_str(&format!("\n(killed by timeout after {limit_s} s)"));
        }
        Ok(run)
    }
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

fn med(runs: &[Run], f: impl Fn(&Run) -> f64) -> f64 {
    let mut v: Vec<f64> = runs.iter().map(f).collect();
    median(&mut v)
}

/// Every run must have exited 0 and printed the same number of lines; else the figures
/// mean nothing.
fn sane(name: &str, runs: &[Run]) -> Res<()> {
    for run in runs {
        if run.exit != 0 {
            return Err(format!(
                "{name}: exit {} (stderr: {})",
                run.exit,
                run.stderr.chars().take(600).collect::<String>()
            ));
        }
        if run.lines != runs[0].lines {
            return Err(format!(
                "{name}: {} lines in one run, {} in another",
                run.lines, runs[0].lines
            ));
        }
        if let Some(check) = &run.check {
            if check != "in order, complete" {
                return Err(format!("{name}: output check failed: {check}"));
            }
        }
    }
    Ok(())
}

fn default_jobs(bin: &Path) -> usize {
    let help = Command::new(bin)
        .arg("--help")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    help.lines()
        .find(|l| l.contains("--jobs"))
        .and_then(|l| l.split("(default ").nth(1))
        .and_then(|l| l.split(')').next())
        .and_then(|j| j.trim().parse().ok())
        .unwrap_or(DEFAULT_JOBS_FALLBACK)
}

fn machine() -> Vec<(String, String)> {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|m| m.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let nproc = thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| k.trim().to_string())
        .unwrap_or_default();
    let mem = fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let load = fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let cmd = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let commit = cmd("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = !cmd("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty();
    vec![
        ("nproc".into(), nproc.to_string()),
        ("CPU".into(), model),
        ("kernel".into(), kernel),
        ("memory".into(), mem),
        ("load average at start".into(), load),
        ("rustc".into(), cmd("rustc", &["--version"])),
        (
            "commit".into(),
            format!(
                "{commit}{}",
                if dirty {
                    " (with uncommitted changes)"
                } else {
                    ""
                }
            ),
        ),
    ]
}

struct Row {
    measure: String,
    value: String,
    target: String,
    ok: Option<bool>,
}

fn row(
    measure: impl Into<String>,
    value: impl Into<String>,
    target: &str,
    ok: Option<bool>,
) -> Row {
    Row {
        measure: measure.into(),
        value: value.into(),
        target: target.into(),
        ok,
    }
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from("| measure | value | target | met |\n|---|---|---|---|\n");
    for r in rows {
        let met = match r.ok {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {met} |",
            r.measure, r.value, r.target
        );
    }
    out
}

fn start(o: &Options) -> Res<Ctx> {
    Ok(start_with(o, Vec::new())?.0)
}

/// Starts the server with `extra` pages served after the corpus files; returns the
/// index of the first (`GET /DELAY/file/INDEX/N`).
fn start_with(o: &Options, extra: Vec<Vec<u8>>) -> Res<(Ctx, usize)> {
    let mut files = Vec::new();
    if let Some(corpus) = &o.corpus {
        files = corpus_articles(corpus)?;
    }
    let first_extra = files.len();
    files.extend(extra);
    let content = Arc::new(Content::new(files));
    let server = Server::start(content).map_err(|e| format!("bench server: {e}"))?;
    let tmp = std::env::temp_dir().join(format!("link-extractor-bench-{}", std::process::id()));
    fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let origin = format!("http://127.0.0.1:{}", server.port);
    let ctx = Ctx {
        tmp,
        server,
        origin,
        commands: Vec::new(),
    };
    Ok((ctx, first_extra))
}

/// The real article-sized pages (100–200 KB) of a corpus directory (`pages/*.html`),
/// read at run time, never copied.
fn corpus_articles(dir: &Path) -> Res<Vec<Vec<u8>>> {
    let pages = dir.join("pages");
    let mut names: Vec<PathBuf> = fs::read_dir(&pages)
        .map_err(|e| format!("{}: {e}", pages.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    names.sort();
    let mut files = Vec::new();
    for name in names {
        let bytes = fs::read(&name).map_err(|e| format!("{}: {e}", name.display()))?;
        if (100_000..=200_000).contains(&bytes.len()) {
            files.push(bytes);
        }
    }
    Ok(files)
}

fn serve(o: &Options) -> Res<()> {
    if let Some(dir) = &o.write_pages {
        fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        for kind in Kind::ALL {
            let path = dir.join(format!("{}.html", kind.name()));
            fs::write(&path, render(kind, 0)).map_err(|e| format!("{}: {e}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    let ctx = start(o)?;
    println!(
        "serving on {} : GET /DELAY_MS/{{page,article,big,tiny}}/N, /DELAY_MS/file/I/N (Ctrl-C to stop)",
        ctx.origin
    );
    let _ = std::io::stdout().flush();
    // Bounded: an hour at most.
    thread::sleep(Duration::from_secs(3600));
    Ok(())
}

/// Wall time, RSS and CPU at several `--jobs`, on 1000 ~100 KB pages with 50 ms latency.
fn sweep(o: &Options) -> Res<()> {
    let mut ctx = start(o)?;
    let list = ctx.list("sweep.txt", DELAY_MS, "page", 1000)?;
    let list = list.display().to_string();
    println!("| --jobs | wall s | ideal s | wall/ideal | CPU s | peak RSS MiB | connections |");
    println!("|---|---|---|---|---|---|---|");
    for &jobs in &o.jobs_list {
        let mut runs = Vec::new();
        for _ in 0..o.runs {
            let args = vec!["-i".into(), list.clone(), "-j".into(), jobs.to_string()];
            runs.push(ctx.run(&o.bin, &args, 120, Check::None)?);
        }
        sane("sweep", &runs)?;
        let ideal = 1000usize.div_ceil(jobs) as f64 * DELAY_MS as f64 / 1000.0;
        let wall = med(&runs, |r| r.wall);
        println!(
            "| {jobs} | {wall:.2} | {ideal:.2} | {:.2} | {:.2} | {:.1} | {:.0} |",
            wall / ideal,
            med(&runs, Run::cpu),
            med(&runs, Run::rss_mib),
            med(&runs, |r| r.connections as f64)
        );
    }
    Ok(())
}

/// Before/after: the same runs for several binaries, interleaved so that they share the
/// machine's noise. `--heavy` adds the 10k-page and 100k-line runs.
fn compare(o: &Options) -> Res<()> {
    let heavy = o.rest.iter().any(|a| a == "--heavy");
    let bins: Vec<(String, PathBuf)> = o
        .rest
        .iter()
        .filter(|a| *a != "--heavy")
        .map(|b| match b.split_once('=') {
            Some((name, path)) => (name.to_string(), PathBuf::from(path)),
            None => (b.clone(), PathBuf::from(b)),
        })
        .collect();
    if bins.is_empty() {
        return Err("compare: give NAME=PATH for each binary".into());
    }
    let mut ctx = start(o)?;
    let big = format!("{}/0/big/0", ctx.origin);
    let pages = ctx.list("pages-1k.txt", DELAY_MS, "page", 1000)?;
    let articles = ctx.list("articles-1k.txt", DELAY_MS, "article", 1000)?;
    let arg = |p: &Path| p.display().to_string();
    let mut experiments: Vec<(String, Vec<String>, u64, Check)> = vec![
        ("2 MB page".into(), vec!["-u".into(), big], 60, Check::None),
        (
            "1000 × 100 KB @50 ms".into(),
            vec!["-i".into(), arg(&pages)],
            120,
            Check::None,
        ),
        (
            "1000 × 150 KB articles @50 ms".into(),
            vec!["-i".into(), arg(&articles)],
            120,
            Check::None,
        ),
    ];
    if heavy {
        let pages_10k = ctx.list("pages-10k.txt", DELAY_MS, "page", 10_000)?;
        let tiny = ctx.list("tiny-100k.txt", 0, "tiny", 100_000)?;
        experiments.push((
            "10k × 100 KB @50 ms".into(),
            vec!["-i".into(), arg(&pages_10k)],
            240,
            Check::None,
        ));
        experiments.push((
            "100k tiny, stdout".into(),
            vec!["-i".into(), arg(&tiny)],
            200,
            Check::StdoutOrder(100_000),
        ));
    }
    let runs = if heavy { o.runs.min(3) } else { o.runs };
    let mut header = String::from("| run | figure |");
    let mut rule = String::from("|---|---|");
    for (name, _) in &bins {
        let _ = write!(header, " {name} |");
        rule.push_str("---|");
    }
    println!("{header}\n{rule}");
    for (name, args, limit, check) in &experiments {
        let mut results: Vec<Vec<Run>> = vec![Vec::new(); bins.len()];
        for _ in 0..runs {
            for (i, (_, bin)) in bins.iter().enumerate() {
                results[i].push(ctx.run(bin, args, *limit, *check)?);
            }
        }
        for (i, (bin, _)) in bins.iter().enumerate() {
            sane(&format!("{name} ({bin})"), &results[i])?;
        }
        type Figure = (&'static str, fn(&Run) -> f64);
        let figures: [Figure; 3] = [
            ("wall s", |r| r.wall),
            ("CPU s", Run::cpu),
            ("peak RSS MiB", Run::rss_mib),
        ];
        for (figure, f) in figures {
            let mut line = format!("| {name} | {figure} |");
            for list in &results {
                let _ = write!(line, " {:.3} |", med(list, f));
            }
            println!("{line}");
        }
    }
    Ok(())
}

fn all(o: &Options) -> Res<()> {
    let total = Instant::now();
    let runs = if o.quick { 3 } else { o.runs };
    if !Path::new("/usr/bin/time").exists() {
        return Err("/usr/bin/time is missing (Debian: apt-get install time)".into());
    }
    if !o.bin.exists() {
        return Err(format!("{} is missing: make build", o.bin.display()));
    }
    let static_bin = o.static_bin.clone().filter(|p| p.exists());
    let machine = machine();
    let mut ctx = start(o)?;
    ctx.commands.push(format!(
        "cargo bench --locked --bench suite -- {}",
        o.args.join(" ")
    ));
    let jobs = default_jobs(&o.bin);
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let bin = o.bin.clone();
    let say = |text: &str| {
        eprintln!("bench: {text}");
    };

    // (1) Extraction throughput, in process, next to html5ever alone.
    say("(1) extraction of the ~2 MB page, in process");
    let big = render(Kind::Big, 0);
    let mb = big.len() as f64 / 1e6;
    let e = extract_in_process(&big, runs * 2 + 1);
    say(&e.describe(big.len()));
    rows.push(row(
        format!("(1) extraction, {:.2} MB page, in process", mb),
        format!(
            "{:.1} MB/s vs html5ever→rcdom alone {:.1} MB/s: **{:.2}**",
            mb / e.extract_s,
            mb / e.parse_s,
            e.ratio
        ),
        "≥ 0.8",
        Some(e.ratio >= 0.8),
    ));
    ctx.commands.push(format!(
        "cargo bench --bench suite -- extract   (in process: links_from_bytes vs parse_document(RcDom).from_utf8().one(bytes), {} alternating pairs)",
        runs * 2 + 1
    ));

    // (1) end to end: the binary fetches the big page from the server, no delay.
    say("(1) extraction of the ~2 MB page, end to end");
    let big_url = format!("{}/0/big/0", ctx.origin);
    let mut e2e: Vec<(String, Vec<Run>)> = vec![("glibc".into(), Vec::new())];
    if static_bin.is_some() {
        e2e.push(("musl".into(), Vec::new()));
    }
    for _ in 0..runs * 2 + 1 {
        for (name, list) in e2e.iter_mut() {
            let b = if name == "glibc" {
                &bin
            } else {
                static_bin.as_ref().ok_or("static")?
            };
            list.push(ctx.run(b, &["-u".into(), big_url.clone()], 60, Check::None)?);
        }
    }
    for (name, list) in &e2e {
        sane(&format!("big page ({name})"), list)?;
        let wall = med(list, |r| r.wall);
        rows.push(row(
            format!(
                "(1) end to end, {name} binary, {:.2} MB page (process start, HTTP, parse, print)",
                mb
            ),
            format!(
                "{:.1} MB/s ({:.0} ms, CPU {:.0} ms, RSS {:.1} MiB)",
                mb / wall,
                wall * 1e3,
                med(list, Run::cpu) * 1e3,
                med(list, Run::rss_mib)
            ),
            "",
            None,
        ));
    }

    // (2)+(3) 1000 ~100 KB pages with 50 ms latency at the default --jobs.
    say(&format!(
        "(2)(3) 1000 ~100 KB pages, {DELAY_MS} ms latency, --jobs {jobs} (default)"
    ));
    let list_1k = ctx.list("pages-1k.txt", DELAY_MS, "page", 1000)?;
    let ideal = 1000usize.div_ceil(jobs) as f64 * DELAY_MS as f64 / 1000.0;
    let mut by_bin: Vec<(String, PathBuf, Vec<Run>)> =
        vec![("glibc".into(), bin.clone(), Vec::new())];
    if let Some(s) = &static_bin {
        by_bin.push(("musl".into(), s.clone(), Vec::new()));
    }
    let args_1k = vec!["-i".to_string(), list_1k.display().to_string()];
    for _ in 0..runs {
        for (_, b, list) in by_bin.iter_mut() {
            list.push(ctx.run(b, &args_1k, 120, Check::None)?);
        }
    }
    for (name, _, list) in &by_bin {
        sane(&format!("1000 pages ({name})"), list)?;
    }
    let glibc_1k = &by_bin[0].2;
    let wall = med(glibc_1k, |r| r.wall);
    // With ~100 KB pages the run is CPU-bound on a small machine: the CPU time spread
    // over every core is a floor too, whatever the latency.
    let cores = thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let cpu_floor = med(glibc_1k, Run::cpu) / cores;
    rows.push(row(
        format!(
            "(2) 1000 URLs × ~{} KB, {DELAY_MS} ms latency, --jobs {jobs}: wall time",
            pages_kb(Kind::Page)
        ),
        format!(
            "{wall:.2} s vs ideal ⌈1000/{jobs}⌉×{DELAY_MS} ms = {ideal:.2} s: **{:.2}** (vs max(ideal, CPU s / {cores} cores = {cpu_floor:.2} s): {:.2})",
            wall / ideal,
            wall / ideal.max(cpu_floor)
        ),
        "≤ 1.3",
        Some(wall / ideal <= 1.3),
    ));

    // (2) latency-bound: the same with ~0.4 KB pages, where the CPU is no limit.
    say(&format!(
        "(2) 1000 tiny pages, {DELAY_MS} ms latency, --jobs {jobs} (default)"
    ));
    let list_tiny = ctx.list("tiny-latency-1k.txt", DELAY_MS, "tiny", 1000)?;
    let args_tiny = vec!["-i".to_string(), list_tiny.display().to_string()];
    let mut tiny_by_bin: Vec<Vec<Run>> = vec![Vec::new(); by_bin.len()];
    for _ in 0..runs {
        for (i, (_, b, _)) in by_bin.iter().enumerate() {
            tiny_by_bin[i].push(ctx.run(b, &args_tiny, 120, Check::None)?);
        }
    }
    for (i, (name, _, _)) in by_bin.iter().enumerate() {
        sane(&format!("1000 tiny pages ({name})"), &tiny_by_bin[i])?;
    }
    let tiny_wall = med(&tiny_by_bin[0], |r| r.wall);
    rows.push(row(
        format!("(2) 1000 URLs × 0.4 KB, {DELAY_MS} ms latency, --jobs {jobs}: wall time (latency-bound)"),
        format!(
            "{tiny_wall:.2} s vs ideal {ideal:.2} s: **{:.2}** (CPU {:.2} s, {:.0} connections)",
            tiny_wall / ideal,
            med(&tiny_by_bin[0], Run::cpu),
            med(&tiny_by_bin[0], |r| r.connections as f64)
        ),
        "≤ 1.3",
        Some(tiny_wall / ideal <= 1.3),
    ));
    let rss = med(glibc_1k, Run::rss_mib);
    rows.push(row(
        "(3) peak RSS, 1000 URLs × ~100 KB",
        format!("**{rss:.1} MiB**"),
        "< 96 MiB",
        Some(rss < 96.0),
    ));
    notes.push(format!(
        "1000-URL run: {:.0} TCP connections for {:.0} requests (keep-alive reuse), {} output lines, CPU {:.2} s ({:.2} ms/page)",
        med(glibc_1k, |r| r.connections as f64),
        med(glibc_1k, |r| r.requests as f64),
        glibc_1k[0].lines,
        med(glibc_1k, Run::cpu),
        med(glibc_1k, Run::cpu)
    ));

    // (3) 10k URLs.
    say("(3) 10k ~100 KB pages");
    let list_10k = ctx.list("pages-10k.txt", DELAY_MS, "page", 10_000)?;
    let args_10k = vec!["-i".to_string(), list_10k.display().to_string()];
    let runs_10k = if o.quick { 1 } else { 3.min(runs) };
    let mut r10k = Vec::new();
    for _ in 0..runs_10k {
        r10k.push(ctx.run(&bin, &args_10k, 240, Check::None)?);
    }
    sane("10k pages", &r10k)?;
    let rss10k = med(&r10k, Run::rss_mib);
    let ideal10k = 10_000usize.div_ceil(jobs) as f64 * DELAY_MS as f64 / 1000.0;
    rows.push(row(
        "(3) peak RSS, 10k URLs × ~100 KB (stdout: every unique link kept for de-duplication)",
        format!(
            "**{rss10k:.1} MiB** ({:.2}× the 1000-URL run; wall {:.1} s vs ideal {ideal10k:.1} s, {} lines)",
            rss10k / rss,
            med(&r10k, |r| r.wall),
            r10k[0].lines
        ),
        "< 96 MiB",
        Some(rss10k < 96.0),
    ));

    // (4) musl against glibc.
    if static_bin.is_some() {
        let pair_ratio = |a: &[Run], b: &[Run]| {
            let mut v: Vec<f64> = a.iter().zip(b).map(|(m, g)| m.wall / g.wall).collect();
            median(&mut v)
        };
        let big_ratio = pair_ratio(&e2e[1].1, &e2e[0].1);
        let big_cpu = med(&e2e[1].1, Run::cpu) / med(&e2e[0].1, Run::cpu);
        rows.push(row(
            "(4) musl / glibc, 2 MB page end to end (wall)",
            format!("**{big_ratio:.2}** (CPU {big_cpu:.2})"),
            "≤ 1.1",
            Some(big_ratio <= 1.1),
        ));
        let r = pair_ratio(&tiny_by_bin[1], &tiny_by_bin[0]);
        rows.push(row(
            "(4) musl / glibc, 1000 tiny URLs with latency (wall)",
            format!("**{r:.2}**"),
            "≤ 1.1",
            Some(r <= 1.1),
        ));
        let musl_1k = &by_bin[1].2;
        let r = pair_ratio(musl_1k, glibc_1k);
        rows.push(row(
            "(4) musl / glibc, 1000 × 100 KB URLs with latency (wall)",
            format!(
                "**{r:.2}** (musl {:.2} s, CPU {:.2}× glibc's, RSS {:.1} MiB)",
                med(musl_1k, |r| r.wall),
                med(musl_1k, Run::cpu) / med(glibc_1k, Run::cpu),
                med(musl_1k, Run::rss_mib)
            ),
            "≤ 1.1",
            Some(r <= 1.1),
        ));
    } else {
        rows.push(row(
            "(4) musl / glibc",
            "not measured: no static binary (make static)",
            "≤ 1.1",
            None,
        ));
    }

    // (5) CPU per page on ~150 KB articles.
    say("(5) CPU per page, 1000 ~150 KB articles");
    let list_art = ctx.list("articles-1k.txt", DELAY_MS, "article", 1000)?;
    let args_art = vec!["-i".to_string(), list_art.display().to_string()];
    let mut art = Vec::new();
    for _ in 0..runs {
        art.push(ctx.run(&bin, &args_art, 120, Check::None)?);
    }
    sane("articles", &art)?;
    let ms = med(&art, Run::cpu);
    rows.push(row(
        format!(
            "(5) CPU (user+sys) per page, 1000 generated ~{} KB articles",
            pages_kb(Kind::Article)
        ),
        format!(
            "**{ms:.2} ms** (wall {:.2} s, RSS {:.1} MiB)",
            med(&art, |r| r.wall),
            med(&art, Run::rss_mib)
        ),
        "≤ 4 ms",
        Some(ms <= 4.0),
    ));
    if let Some(corpus) = &o.corpus {
        let count = corpus_articles(corpus)?.len();
        if count > 0 {
            say(&format!("(5) CPU per page, 1000 real pages cycling through {count} corpus pages of 100-200 KB"));
            let path = ctx.tmp.join("corpus-1k.txt");
            ctx.commands.push(format!(
                "# $TMP/corpus-1k.txt: 1000 lines http://127.0.0.1:$PORT/{DELAY_MS}/file/(N mod {count})/N: the corpus pages of 100-200 KB, served with Content-Type text/html"
            ));
            let mut text = String::new();
            for n in 0..1000 {
                let _ = writeln!(text, "{}/{DELAY_MS}/file/{}/{n}", ctx.origin, n % count);
            }
            fs::write(&path, text).map_err(|e| e.to_string())?;
            let args = vec!["-i".to_string(), path.display().to_string()];
            let mut real = Vec::new();
            for _ in 0..runs {
                real.push(ctx.run(&bin, &args, 120, Check::None)?);
            }
            sane("corpus pages", &real)?;
            let ms = med(&real, Run::cpu);
            rows.push(row(
                format!("(5) CPU per page, 1000 fetches of {count} real 100–200 KB corpus pages"),
                format!(
                    "**{ms:.2} ms** (wall {:.2} s, RSS {:.1} MiB)",
                    med(&real, |r| r.wall),
                    med(&real, Run::rss_mib)
                ),
                "≤ 4 ms",
                Some(ms <= 4.0),
            ));
        }
    }

    // Issue 3, scale: 100k-line list against 1k, jsonl and stdout, order checked.
    for format in ["jsonl", "stdout"] {
        say(&format!("scale: 100k-line list, -o {format}"));
        let mut rss_by = Vec::new();
        for count in [1_000u64, 100_000] {
            let list = ctx.list(&format!("tiny-{count}.txt"), 0, "tiny", count)?;
            let args = vec![
                "-i".to_string(),
                list.display().to_string(),
                "-o".to_string(),
                format.to_string(),
            ];
            let check = if format == "jsonl" {
                Check::JsonlOrder(count)
            } else {
                Check::StdoutOrder(count)
            };
            let r = ctx.run(&bin, &args, 200, check)?;
            sane(&format!("scale {format} {count}"), std::slice::from_ref(&r))?;
            rss_by.push(r);
        }
        let ratio = rss_by[1].rss_mib() / rss_by[0].rss_mib();
        rows.push(row(
            format!("scale: -o {format}, 100k-line list vs 1k-line list, peak RSS"),
            format!(
                "{:.1} MiB vs {:.1} MiB: **{ratio:.2}×**; {} lines {}; 100k in {:.1} s ({:.0} pages/s, {:.0} connections)",
                rss_by[1].rss_mib(),
                rss_by[0].rss_mib(),
                rss_by[1].lines,
                rss_by[1].check.clone().unwrap_or_default(),
                rss_by[1].wall,
                100_000.0 / rss_by[1].wall,
                rss_by[1].connections as f64
            ),
            "≤ 1.5×, in order",
            Some(ratio <= 1.5),
        ));
    }

    // Issue 13: hostile pages beside ordinary ones of the same size.
    say("hostile pages: 100k nested divs, 50k misnestings, 1M links");
    rows.extend(hostile(o, &[("this".into(), bin.clone())])?);

    let elapsed = total.elapsed().as_secs_f64();
    let mut report = String::new();
    let _ = writeln!(report, "## Latest run\n");
    let _ = writeln!(report, "Written by `make bench` (bench/run.sh → `cargo bench --bench suite`). Each figure is the median of {runs} runs unless said otherwise; ratios are taken within the same run.\n");
    let _ = writeln!(report, "### Machine\n");
    for (k, v) in &machine {
        let _ = writeln!(report, "- {k}: {v}");
    }
    let _ = writeln!(
        report,
        "- default `--jobs` of the binary: {jobs}; measurement time: {elapsed:.0} s\n"
    );
    let _ = writeln!(report, "### Results\n");
    report.push_str(&table(&rows));
    report.push('\n');
    for n in &notes {
        let _ = writeln!(report, "- {n}");
    }
    let _ = writeln!(report, "\n### Commands\n\nPages: `GET /DELAY_MS/KIND/N` from the suite's server on 127.0.0.1 (port 0); `-i` lists of N = 0..COUNT-1.\n\n```");
    for c in &ctx.commands {
        let _ = writeln!(report, "{c}");
    }
    let _ = writeln!(report, "```");

    println!("\n{}", table(&rows));
    for n in &notes {
        println!("- {n}");
    }
    println!("\nmeasurement time: {elapsed:.0} s");
    if let Some(out) = &o.out {
        write_results(out, &report)?;
        println!("wrote {}", out.display());
    }
    let _ = fs::remove_dir_all(&ctx.tmp);
    Ok(())
}

/// The binaries of `hostile`: `NAME=PATH` arguments, else `--bin`.
fn hostile_bins(o: &Options) -> Vec<(String, PathBuf)> {
    let named: Vec<(String, PathBuf)> = o
        .rest
        .iter()
        .filter_map(|a| a.split_once('='))
        .map(|(name, path)| (name.to_string(), PathBuf::from(path)))
        .collect();
    if named.is_empty() {
        vec![("new".into(), o.bin.clone())]
    } else {
        named
    }
}

/// Hostile pages (issue 13): 100k nested `<div>`s, 50k `<b><div>` misnestings and a
/// million links, each beside an ordinary page of the same byte size, one page per run
/// (`-u`), for each binary; wall time, CPU and peak RSS, medians, with the ratio to the
/// ordinary page in the same run.
fn hostile(o: &Options, bins: &[(String, PathBuf)]) -> Res<Vec<Row>> {
    let runs = if o.quick { 1 } else { o.runs.min(3) };
    let mut pages = Vec::new();
    let mut extra = Vec::new();
    for (name, what) in pages::HOSTILE {
        let (html, lines) = pages::hostile(name);
        let ordinary = pages::ordinary(html.len());
        pages.push((name, what, html.len(), lines));
        extra.push(html.into_bytes());
        extra.push(ordinary.into_bytes());
    }
    let (mut ctx, first) = start_with(o, extra)?;
    let mut rows = Vec::new();
    for (i, (name, what, size, lines)) in pages.iter().enumerate() {
        let hostile_url = format!("{}/0/file/{}/0", ctx.origin, first + 2 * i);
        let ordinary_url = format!("{}/0/file/{}/0", ctx.origin, first + 2 * i + 1);
        ctx.commands.push(format!(
            "# hostile {name}: {what}, {size} bytes, at /0/file/{}/0; an ordinary page of {size} bytes at /0/file/{}/0",
            first + 2 * i,
            first + 2 * i + 1
        ));
        for (bin_name, bin) in bins {
            eprintln!("bench: hostile {name} ({what}), {bin_name}");
            let mut hostile_runs = Vec::new();
            let mut ordinary_runs = Vec::new();
            for _ in 0..runs {
                // --timeout 60: long enough for the old binary to finish on a quiet
                // machine (19 s), a bound when it does not (then reported as such).
                let args = |url: &str| -> Vec<String> {
                    ["--max-bytes", "64MiB", "--timeout", "60", "-u", url]
                        .iter()
                        .map(|a| a.to_string())
                        .collect()
                };
                hostile_runs.push(ctx.run(bin, &args(&hostile_url), 90, Check::None)?);
                ordinary_runs.push(ctx.run(bin, &args(&ordinary_url), 90, Check::None)?);
            }
            sane(
                &format!("ordinary page for {name} ({bin_name})"),
                &ordinary_runs,
            )?;
            if let Some(failed) = hostile_runs.iter().find(|r| r.exit != 0) {
                // The old binary's "HTML too complex": a finding, not a broken run.
                let reason = failed.stderr.lines().next().unwrap_or("").to_string();
                rows.push(row(
                    format!(
                        "hostile: {what} ({:.1} MB), {bin_name} binary",
                        *size as f64 / 1e6
                    ),
                    format!(
                        "**failed** after {:.1} s (exit {}: {})",
                        med(&hostile_runs, |r| r.wall),
                        failed.exit,
                        reason.replace(&ctx.origin, "http://127.0.0.1:$PORT")
                    ),
                    "≤ 1 s",
                    Some(false),
                ));
                continue;
            }
            sane(&format!("hostile {name} ({bin_name})"), &hostile_runs)?;
            if hostile_runs[0].lines != *lines {
                return Err(format!(
                    "hostile {name} ({bin_name}): {} lines, expected {lines}",
                    hostile_runs[0].lines
                ));
            }
            let wall = med(&hostile_runs, |r| r.wall);
            let plain_wall = med(&ordinary_runs, |r| r.wall);
            let rss = med(&hostile_runs, Run::rss_mib);
            let plain_rss = med(&ordinary_runs, Run::rss_mib);
            rows.push(row(
                format!("hostile: {what} ({:.1} MB), {bin_name} binary", *size as f64 / 1e6),
                format!(
                    "wall **{wall:.2} s** (CPU {:.2} s), peak RSS **{rss:.1} MiB**; ordinary page of the same size {plain_wall:.2} s, {plain_rss:.1} MiB: **{:.1}×** the time, {:.2}× the memory",
                    med(&hostile_runs, Run::cpu),
                    wall / plain_wall,
                    rss / plain_rss
                ),
                // A million links is real work (an ordinary page of that size takes
                // about as long): no target but the old figures.
                if *name == "million" { "" } else { "≤ 1 s" },
                (*name != "million").then_some(wall <= 1.0),
            ));
        }
    }
    let _ = fs::remove_dir_all(&ctx.tmp);
    for c in &ctx.commands {
        eprintln!("bench: {c}");
    }
    Ok(rows)
}

fn pages_kb(kind: Kind) -> usize {
    pages::Template::new(kind, 0).approx_len() / 1000
}

const BEGIN: &str = "<!-- bench:begin (written by make bench; edit outside these markers) -->";
const END: &str = "<!-- bench:end -->";

/// Replaces the generated part of RESULTS.md, keeping what is written around it.
fn write_results(path: &Path, report: &str) -> Res<()> {
    write_region(path, BEGIN, END, report)
}

/// Replaces the text between `begin` and `end` in `path` (adds them at the end when
/// missing), keeping what is written around them.
fn write_region(path: &Path, begin: &str, end: &str, report: &str) -> Res<()> {
    let old = fs::read_to_string(path).unwrap_or_default();
    let generated = format!("{begin}\n{report}{end}");
    let text = match (old.find(begin), old.find(end)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{generated}{}", &old[..b], &old[e + end.len()..])
        }
        _ if old.is_empty() => format!("# Benchmark results\n\n{generated}\n"),
        _ => format!("{old}\n{generated}\n"),
    };
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
