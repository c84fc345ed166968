//! The crawl group: `cargo bench --bench suite -- crawl [--quick] [--no-peers]
//! [--python PATH] [--pages N] [--bin PATH] [--out FILE]`.
//!
//! Serves the site of [`crate::site`] (3 hosts × 3000 pages, 30 links a page, 20 ms a
//! response; `--quick`: 300 pages a host) and crawls it at depth 4 with link-extractor
//! and with its peers, GNU wget, LinkChecker and a minimal Scrapy CrawlSpider (asyncio
//! and epoll reactors), each under `timeout` and `/usr/bin/time -v`. The server's counts
//! give what each crawler fetched, how often and how many requests at once per host;
//! the site's model gives what a correct crawl fetches. Also: link-extractor in list
//! mode on exactly the model's URLs (the crawl's overhead), twice more in crawl mode
//! (same bytes?), with `--sitemap --depth 0`, and the peak RSS at two numbers of known
//! URLs (bytes per known URL).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::site::{Observed, SiteServer, SiteSpec};
use crate::{machine, median, Options, Res, Run};

const HOSTS: u8 = 3;
const DEPTH: u32 = 4;
const PER_HOST: usize = 6;
const JOBS: usize = 18;
const LATENCY_MS: u64 = 20;
/// The memory run: `/wide/0` lists this many pages of [`crate::site::WIDE_LINKS`]
/// links each; the two sizes fetch the first K of them.
const WIDE_SIZES: [u64; 2] = [100, 400];
/// Pages a host of the site on which the peers run twice (same output?).
const DETERMINISM_PAGES: u64 = 100;

const BEGIN: &str =
    "<!-- bench:crawl:begin (written by make bench; edit outside these markers) -->";
const END: &str = "<!-- bench:crawl:end -->";

/// One crawler run: the process's figures, what the server saw, the output.
struct CrawlRun {
    run: Run,
    seen: Observed,
    /// The crawler's own report of the crawl, normalized (timestamps and timings out).
    output: Vec<u8>,
    /// Seconds from the start to the last growth of stdout.
    last_output: f64,
}

struct Row {
    name: String,
    config: String,
    runs: Vec<CrawlRun>,
    /// The pages a correct crawl fetches.
    model: HashSet<String>,
    /// "Same output twice" measured elsewhere (the peers at a smaller scale).
    same: Option<String>,
}

impl Row {
    fn med(&self, f: impl Fn(&Run) -> f64) -> f64 {
        let mut v: Vec<f64> = self.runs.iter().map(|r| f(&r.run)).collect();
        median(&mut v)
    }

    fn worst(&self, f: impl Fn(&CrawlRun) -> u64) -> u64 {
        self.runs.iter().map(f).max().unwrap_or(0)
    }

    fn completeness(&self) -> f64 {
        self.runs
            .iter()
            .map(|r| r.seen.fetched.intersection(&self.model).count() as f64)
            .fold(f64::INFINITY, f64::min)
            / self.model.len().max(1) as f64
    }

    fn same_output(&self) -> String {
        match self.runs.as_slice() {
            [] | [_] => "not run twice".into(),
            [first, rest @ ..] => {
                if rest.iter().all(|r| r.output == first.output) {
                    format!("yes ({} runs)", self.runs.len())
                } else {
                    let sorted = |b: &[u8]| {
                        let mut lines: Vec<&[u8]> = b.split(|&c| c == b'\n').collect();
                        lines.sort_unstable();
                        lines.into_iter().map(<[u8]>::to_vec).collect::<Vec<_>>()
                    };
                    let same_set = rest
                        .iter()
                        .all(|r| sorted(&r.output) == sorted(&first.output));
                    if same_set {
                        "**no** (same lines, another order)".into()
                    } else {
                        "**no** (different lines)".into()
                    }
                }
            }
        }
    }

    /// The median wall time; for runs that timed out, when their output was complete.
    fn wall_text(&self) -> String {
        let mut text = format!("{:.1}", self.med(|x| x.wall));
        let hung: Vec<String> = self
            .runs
            .iter()
            .filter(|r| r.run.exit == 124)
            .map(|r| format!("{:.1}", r.last_output))
            .collect();
        if !hung.is_empty() {
            let _ = write!(
                text,
                " (**{} of {} runs timed out**; their stdout last grew at {} s)",
                hung.len(),
                self.runs.len(),
                hung.join(", ")
            );
        }
        text
    }

    fn exits(&self) -> String {
        let codes: Vec<String> = self.runs.iter().map(|r| r.run.exit.to_string()).collect();
        codes.join(",")
    }
}

struct Group {
    tmp: PathBuf,
    server: SiteServer,
    commands: Vec<String>,
    port: u16,
}

impl Group {
    /// Runs `program args` in `cwd` under timeout and /usr/bin/time -v, stdout and
    /// stderr to files; the server's counts are reset before and read after.
    fn run(
        &mut self,
        label: &str,
        program: &Path,
        args: &[String],
        limit_s: u64,
        normalize: impl Fn(&Path, &[u8]) -> Vec<u8>,
    ) -> Res<CrawlRun> {
        let time_file = self.tmp.join("time.txt");
        let out_file = self.tmp.join(format!("{label}.out"));
        let err_file = self.tmp.join(format!("{label}.err"));
        let cwd = self.tmp.join(format!("{label}.cwd"));
        let _ = fs::remove_dir_all(&cwd);
        fs::create_dir_all(&cwd).map_err(|e| format!("{}: {e}", cwd.display()))?;
        let shown = format!(
            "/usr/bin/time -v timeout {limit_s} {} {}",
            program.display(),
            args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ")
        )
        .replace(&self.tmp.display().to_string(), "$TMP")
        .replace(&format!(":{}", self.port), ":$PORT");
        if !self.commands.contains(&shown) {
            self.commands.push(shown);
        }
        eprintln!("bench: crawl: {label}");
        // Settle: connections of the previous run closed, nothing in flight.
        std::thread::sleep(Duration::from_millis(300));
        self.server.reset();
        let started = Instant::now();
        // time(1) outside timeout(1): a run that times out still has its figures.
        let mut child = Command::new("/usr/bin/time")
            .arg("-v")
            .arg("-o")
            .arg(&time_file)
            .args(["timeout", "-k", "5", &limit_s.to_string()])
            .arg(program)
            .args(args)
            .current_dir(&cwd)
            .stdin(Stdio::null())
            .stdout(fs::File::create(&out_file).map_err(|e| e.to_string())?)
            .stderr(fs::File::create(&err_file).map_err(|e| e.to_string())?)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        // When did stdout last grow? A run that hangs after its work shows it.
        let mut size = 0;
        let mut last_output = 0.0;
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                break status;
            }
            let now = fs::metadata(&out_file).map_or(0, |m| m.len());
            if now != size {
                size = now;
                last_output = started.elapsed().as_secs_f64();
            }
            if started.elapsed() > Duration::from_secs(limit_s + 30) {
                // timeout(1) should have ended it; bounded all the same.
                let _ = child.kill();
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let wall = started.elapsed().as_secs_f64();
        let seen = self.server.observed();
        let stdout = fs::read(&out_file).unwrap_or_default();
        let stderr = fs::read_to_string(&err_file).unwrap_or_default();
        let mut run = Run {
            wall,
            exit: status.code().unwrap_or(-1),
            lines: stdout.iter().filter(|&&b| b == b'\n').count() as u64,
            stderr: stderr
                .chars()
                .rev()
                .take(2000)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect(),
            connections: seen.connections,
            requests: seen.requests,
            ..Run::default()
        };
        run.read_time_report(&fs::read_to_string(&time_file).unwrap_or_default());
        if status.code() == Some(124) || status.code() == Some(137) {
            run.exit = 124;
            run.stderr
                .push_str(&format!("\n(killed by timeout after {limit_s} s)"));
        }
        if run.exit != 0 {
            eprintln!(
                "bench: crawl: {label}: exit {}; the end of its stderr:\n{}",
                run.exit, run.stderr
            );
        }
        let output = normalize(&cwd, &stdout);
        let _ = fs::remove_dir_all(&cwd);
        eprintln!(
            "bench: crawl: {label}: {:.1} s wall, {:.1} s CPU, {:.1} MiB, exit {}, {} pages fetched, {} duplicates, peak {} per host",
            run.wall,
            run.cpu(),
            run.rss_mib(),
            run.exit,
            seen.fetched.len(),
            seen.duplicates,
            seen.peak_per_host
        );
        Ok(CrawlRun {
            run,
            seen,
            output,
            last_output,
        })
    }
}

fn quote(arg: &str) -> String {
    if arg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// Lines without the timestamps and durations wget puts in its log.
fn wget_log(cwd: &Path, _stdout: &[u8]) -> Vec<u8> {
    let log = fs::read_to_string(cwd.join("wget.log")).unwrap_or_default();
    let mut out = Vec::new();
    for line in log.lines() {
        // -nv lines: "2026-12-02 17:50:00 URL:http://… 200 OK" and the like.
        let rest = match line.get(..20) {
            Some(stamp) if stamp.as_bytes().get(4) == Some(&b'-') && stamp.ends_with(' ') => {
                &line[20..]
            }
            _ => line,
        };
        if rest.starts_with("FINISHED")
            || rest.starts_with("Total wall clock time")
            || rest.starts_with("Downloaded:")
        {
            continue;
        }
        out.extend_from_slice(rest.as_bytes());
        out.push(b'\n');
    }
    out
}

/// LinkChecker's CSV without its comment lines (start and end times).
fn linkchecker_csv(_cwd: &Path, stdout: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(stdout);
    let mut out = String::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        out.push_str(line);
        out.push('\n');
    }
    out.into_bytes()
}

fn scrapy_feed(cwd: &Path, _stdout: &[u8]) -> Vec<u8> {
    fs::read(cwd.join("pages.jsonl")).unwrap_or_default()
}

fn as_is(_cwd: &Path, stdout: &[u8]) -> Vec<u8> {
    stdout.to_vec()
}

pub fn crawl(o: &Options) -> Res<()> {
    let total = Instant::now();
    if !Path::new("/usr/bin/time").exists() {
        return Err("/usr/bin/time is missing (Debian: apt-get install time)".into());
    }
    if !o.bin.exists() {
        return Err(format!("{} is missing: make build", o.bin.display()));
    }
    let bin = fs::canonicalize(&o.bin).map_err(|e| e.to_string())?;
    let pages = o.pages.unwrap_or(if o.quick { 300 } else { 3000 });
    let machine = machine();
    let server = SiteServer::start(SiteSpec {
        hosts: HOSTS,
        pages,
        latency: Duration::from_millis(LATENCY_MS),
        wide: 0,
    })?;
    let site = std::sync::Arc::clone(&server.site);
    let port = site.port;
    let tmp = std::env::temp_dir().join(format!("link-extractor-crawl-{}", std::process::id()));
    fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let mut g = Group {
        tmp: tmp.clone(),
        server,
        commands: vec![format!(
            "cargo bench --locked --bench suite -- {}",
            o.args.join(" ")
        )],
        port,
    };
    let roots = site.roots();
    // One input, the first host's home page, for every crawler: wget crawls each
    // command-line URL anew (with three inputs it fetched every page three times).
    // The other hosts are reached through links, as the model says.
    let inputs = vec![roots[0].clone()];
    let model_order = site.model(&inputs, DEPTH);
    let model: HashSet<String> = model_order.iter().cloned().collect();
    let site_hosts: Vec<String> = (0..HOSTS).map(|h| site.spec.ip(h).to_string()).collect();
    eprintln!(
        "bench: crawl: site on {} port {port}: {pages} pages a host, {} links a page, {LATENCY_MS} ms a response; the model at depth {DEPTH}: {} pages",
        site_hosts.join(", "),
        crate::site::LINKS_PER_PAGE,
        model.len()
    );
    let include = format!("^http://127\\.0\\.0\\.[1-{HOSTS}]:{port}/");
    let ours_args: Vec<String> = [
        "--depth",
        &DEPTH.to_string(),
        "--scope",
        "any",
        "--include",
        &include,
        "--per-host",
        &PER_HOST.to_string(),
        "-j",
        &JOBS.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(inputs.iter().cloned())
    .collect();
    let ours_limit = if o.quick { 60 } else { 100 };
    let mut rows: Vec<Row> = Vec::new();

    // Ours, crawling, three times: figures from all three, and the same bytes?
    let mut ours = Row {
        name: "link-extractor, crawl".into(),
        config: format!(
            "`--depth {DEPTH} --scope any --include '{include}' --per-host {PER_HOST} -j {JOBS}`"
        ),
        runs: Vec::new(),
        model: model.clone(),
        same: None,
    };
    for i in 0..3 {
        ours.runs.push(g.run(
            &format!("ours-crawl-{i}"),
            &bin,
            &ours_args,
            ours_limit,
            as_is,
        )?);
    }

    // Ours, list mode, on exactly the model's URLs in the model's order.
    let list = tmp.join("model-urls.txt");
    fs::write(&list, model_order.join("\n") + "\n").map_err(|e| e.to_string())?;
    g.commands.push(format!(
        "# $TMP/model-urls.txt: the {} URLs of the model at depth {DEPTH}, in breadth-first order",
        model_order.len()
    ));
    let list_args: Vec<String> = vec![
        "-i".into(),
        list.display().to_string(),
        "--per-host".into(),
        PER_HOST.to_string(),
        "-j".into(),
        JOBS.to_string(),
    ];
    let list_row = Row {
        name: "link-extractor, list mode (`-i` the model's URLs)".into(),
        config: format!("`-i model-urls.txt --per-host {PER_HOST} -j {JOBS}`"),
        runs: vec![g.run("ours-list", &bin, &list_args, ours_limit, as_is)?],
        model: model.clone(),
        same: None,
    };

    // Ours, every page the sitemaps list.
    let sitemap_model: HashSet<String> = site.sitemap_model().into_iter().collect();
    let sitemap_args: Vec<String> = [
        "--sitemap",
        "--depth",
        "0",
        "--per-host",
        &PER_HOST.to_string(),
        "-j",
        &JOBS.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(roots.iter().cloned())
    .collect();
    let sitemap_row = Row {
        name: "link-extractor, `--sitemap --depth 0`".into(),
        config: format!("`--sitemap --depth 0 --per-host {PER_HOST} -j {JOBS}` (robots.txt → index → gzip + plain sitemap)"),
        runs: vec![g.run("ours-sitemap", &bin, &sitemap_args, ours_limit, as_is)?],
        model: sitemap_model,
        same: None,
    };

    // Peers: at full scale once each (a Scrapy run takes minutes), and twice each on
    // a site of 100 pages a host, for "the same output twice".
    let mut peer_notes = Vec::new();
    if !o.no_peers {
        let (mut full, python) =
            peers(&mut g, o, &inputs, &model, if o.quick { 2 } else { 1 }, "")?;
        if !o.quick {
            let small = SiteServer::start(SiteSpec {
                hosts: HOSTS,
                pages: DETERMINISM_PAGES,
                latency: Duration::from_millis(LATENCY_MS),
                wide: 0,
            })?;
            let small_inputs = vec![small.site.roots()[0].clone()];
            let small_model: HashSet<String> =
                small.site.model(&small_inputs, DEPTH).into_iter().collect();
            let old_server = std::mem::replace(&mut g.server, small);
            let old_port = std::mem::replace(&mut g.port, g.server.site.port);
            let (twice, _) = peers(&mut g, o, &small_inputs, &small_model, 2, "small-")?;
            g.server = old_server;
            g.port = old_port;
            for (row, small_row) in full.iter_mut().zip(&twice) {
                row.same = Some(format!(
                    "{} at {DETERMINISM_PAGES} pages a host (completeness {:.4}, {} duplicates)",
                    small_row.same_output(),
                    small_row.completeness(),
                    small_row.worst(|c| c.seen.duplicates)
                ));
            }
        }
        rows.extend(full);
        peer_notes.push(versions(&python));
    }

    // Memory per known URL: /wide/0 lists pages that each link to WIDE_LINKS distinct
    // in-scope URLs; --max-pages stops the crawl before any of those is fetched.
    let wide_server = SiteServer::start(SiteSpec {
        hosts: 1,
        pages: 1,
        latency: Duration::ZERO,
        wide: WIDE_SIZES[1],
    })?;
    let wide_root = format!("http://127.0.0.1:{}/wide/0", wide_server.site.port);
    let mut memory = Vec::new();
    let old_server = std::mem::replace(&mut g.server, wide_server);
    let old_port = std::mem::replace(&mut g.port, g.server.site.port);
    for k in WIDE_SIZES {
        let args: Vec<String> = vec![
            "--depth".into(),
            "2".into(),
            "--max-pages".into(),
            (k + 1).to_string(),
            "-o".into(),
            "jsonl".into(),
            wide_root.clone(),
        ];
        let r = g.run(&format!("ours-memory-{k}"), &bin, &args, 120, |_, _| {
            Vec::new()
        })?;
        // Known: the K+ pages of /wide/0, and the leaves of the K pages fetched.
        let known = WIDE_SIZES[1] + k * crate::site::WIDE_LINKS;
        memory.push((k, known, r));
    }
    g.server = old_server;
    g.port = old_port;

    // The report.
    let floor = (pages as f64 / PER_HOST as f64).ceil() * LATENCY_MS as f64 / 1000.0;
    let target_s = floor * 1.2;
    // A run that hung after its work (exit 124) counts with the time its output was
    // complete, and fails the targets below.
    let ours_hung = ours.runs.iter().filter(|r| r.run.exit == 124).count();
    let ours_wall = {
        let mut v: Vec<f64> = ours
            .runs
            .iter()
            .map(|r| {
                if r.run.exit == 124 {
                    r.last_output
                } else {
                    r.run.wall
                }
            })
            .collect();
        median(&mut v)
    };
    let hung_note = if ours_hung > 0 {
        format!(
            " ({ours_hung} of {} runs did not exit: the time their output was complete)",
            ours.runs.len()
        )
    } else {
        String::new()
    };
    let list_wall = list_row.med(|r| r.wall);
    let overhead = ours_wall / list_wall - 1.0;
    let (_, u1, m1) = &memory[0];
    let (_, u2, m2) = &memory[1];
    let slope = (m2.run.max_rss_kib as f64 - m1.run.max_rss_kib as f64) * 1024.0
        / (*u2 as f64 - *u1 as f64);
    let peak_ours = ours.worst(|r| r.seen.peak_per_host);

    let mut report = String::new();
    let _ = writeln!(report, "## Crawl: latest run\n");
    let _ = writeln!(
        report,
        "Written by `make bench` (`cargo bench --bench suite -- crawl`), all figures from one run of the group; peers' wall, CPU and RSS are medians over their runs, pages, completeness and duplicates the worst run's.\n"
    );
    let _ = writeln!(report, "### Machine\n");
    for (k, v) in &machine {
        let _ = writeln!(report, "- {k}: {v}");
    }
    let _ = writeln!(
        report,
        "- measurement time: {:.0} s\n",
        total.elapsed().as_secs_f64()
    );
    let _ = writeln!(report, "### The site\n");
    let _ = writeln!(
        report,
        "{HOSTS} hosts (127.0.0.1–127.0.0.{HOSTS}, one port) × {pages} pages, {} links a page (in-site links across hosts in four spellings, 3 duplicates, 2 out-of-scope links to 127.0.0.{}, 1 into `/private/`, which robots.txt disallows; the home page opens an endless calendar), {LATENCY_MS} ms a response; robots.txt with `Sitemap:`, a sitemap index of a gzip and a plain sitemap. Every crawler is given one input, `http://127.0.0.1:$PORT/`; a correct crawl from it at depth {DEPTH} fetches **{} pages** (the model: every page of the {HOSTS} hosts, and the calendar pages within reach). Latency floor at {PER_HOST} per host: ⌈{pages}/{PER_HOST}⌉ × {LATENCY_MS} ms = {floor:.1} s.\n",
        crate::site::LINKS_PER_PAGE,
        HOSTS + 1,
        model.len()
    );
    let _ = writeln!(report, "### Results\n");
    let mut table = String::from("| crawler | wall s | CPU s | peak RSS MiB | pages fetched | completeness | beyond the model | duplicate fetches | HEAD | out of scope / disallowed fetched | peak in flight per host | same output twice | exit |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    let mut all_rows: Vec<&Row> = vec![&ours, &list_row, &sitemap_row];
    all_rows.extend(rows.iter());
    for r in &all_rows {
        let fetched = r.worst(|c| c.seen.fetched.len() as u64);
        let beyond = r.worst(|c| c.seen.fetched.difference(&r.model).count() as u64);
        let _ = writeln!(
            table,
            "| {} | {} | {:.1} | {:.1} | {} | {:.4} | {} | {} | {} | {} / {} | {} | {} | {} |",
            r.name,
            r.wall_text(),
            r.med(Run::cpu),
            r.med(Run::rss_mib),
            fetched,
            r.completeness(),
            beyond,
            r.worst(|c| c.seen.duplicates),
            r.worst(|c| c.seen.heads),
            r.worst(|c| c.seen.external),
            r.worst(|c| c.seen.disallowed),
            r.worst(|c| c.seen.peak_per_host),
            if std::ptr::eq(*r, &list_row) || std::ptr::eq(*r, &sitemap_row) {
                "".into()
            } else {
                r.same.clone().unwrap_or_else(|| r.same_output())
            },
            r.exits()
        );
    }
    report.push_str(&table);
    let _ = writeln!(report, "\n### Against the targets\n");
    let mut targets = String::from("| target | figure | met |\n|---|---|---|\n");
    let met = |ok: bool| if ok { "yes" } else { "**no**" };
    let _ = writeln!(
        targets,
        "| crawl wall time ≤ 1.2 × the latency floor ({target_s:.1} s at this scale; 12 s at 3000 pages a host) | {ours_wall:.1} s ({:.2} × the floor){hung_note} | {} |",
        ours_wall / floor,
        met(ours_wall <= target_s && ours_hung == 0)
    );
    let _ = writeln!(
        targets,
        "| crawl overhead over list mode on the same URLs ≤ 15 % | {ours_wall:.1} s vs {list_wall:.1} s: {:+.0} %{hung_note} | {} |",
        overhead * 100.0,
        met(overhead <= 0.15 && ours_hung == 0)
    );
    let _ = writeln!(
        targets,
        "| RSS per known URL ≤ 200 bytes | {slope:.0} bytes ({:.1} MiB at {u1} known URLs, {:.1} MiB at {u2}) | {} |",
        m1.run.rss_mib(),
        m2.run.rss_mib(),
        met(slope <= 200.0)
    );
    let _ = writeln!(
        targets,
        "| peak in flight per host ≤ --per-host ({PER_HOST}) | {peak_ours} | {} |",
        met(peak_ours <= PER_HOST as u64)
    );
    let complete = ours.completeness();
    let beyond = ours.worst(|c| c.seen.fetched.difference(&ours.model).count() as u64);
    let _ = writeln!(
        targets,
        "| exactly the model's pages, each once; nothing out of scope or disallowed | completeness {complete:.4}, {beyond} beyond, {} duplicates, {} out of scope, {} disallowed | {} |",
        ours.worst(|c| c.seen.duplicates),
        ours.worst(|c| c.seen.external),
        ours.worst(|c| c.seen.disallowed),
        met(complete == 1.0
            && beyond == 0
            && ours.worst(|c| c.seen.duplicates + c.seen.external + c.seen.disallowed) == 0)
    );
    let identical = ours.runs.iter().all(|r| r.output == ours.runs[0].output);
    let _ = writeln!(
        targets,
        "| the same bytes on every run | {} runs, {} lines: {} | {} |",
        ours.runs.len(),
        ours.runs[0].run.lines,
        if identical { "identical" } else { "different" },
        met(identical)
    );
    report.push_str(&targets);
    let _ = writeln!(report, "\n### How each crawler was set up\n");
    for r in std::iter::once(&ours).chain(rows.iter()) {
        let _ = writeln!(
            report,
            "- {}: {}",
            r.name,
            r.config.replace(&format!(":{port}"), ":$PORT")
        );
    }
    let _ = writeln!(
        report,
        "- memory: `--depth 2 --max-pages K+1 -o jsonl http://127.0.0.1:$PORT/wide/0`, where `/wide/0` links to {} pages of {} distinct in-scope links each (`/leaf/K/I/a-longer-name-as-real-urls-have`, ~65 bytes), no latency: K = {} and {}; the leaves are known, never fetched",
        WIDE_SIZES[1],
        crate::site::WIDE_LINKS,
        WIDE_SIZES[0],
        WIDE_SIZES[1]
    );
    for n in &peer_notes {
        let _ = writeln!(report, "- {n}");
    }
    let _ = writeln!(report, "\n### Commands\n\n```");
    for c in &g.commands {
        let _ = writeln!(report, "{c}");
    }
    let _ = writeln!(report, "```");

    println!("\n{table}\n{targets}");
    for (k, known, r) in &memory {
        println!(
            "memory: K={k}: {known} known URLs, peak RSS {:.1} MiB, exit {}",
            r.run.rss_mib(),
            r.run.exit
        );
    }
    println!("measurement time: {:.0} s", total.elapsed().as_secs_f64());
    if let Some(out) = &o.out {
        crate::write_region(out, BEGIN, END, &report)?;
        println!("wrote {}", out.display());
    }
    let _ = fs::remove_dir_all(&tmp);
    Ok(())
}

/// wget, LinkChecker and Scrapy (both reactors) on the site `g` serves, `runs` times
/// each; returns their rows and the venv's python.
fn peers(
    g: &mut Group,
    o: &Options,
    inputs: &[String],
    model: &HashSet<String>,
    runs: usize,
    tag: &str,
) -> Res<(Vec<Row>, PathBuf)> {
    let mut rows = Vec::new();
    let port = g.port;
    let include = format!("^http://127\\.0\\.0\\.[1-{HOSTS}]:{port}/");
    let site_hosts: Vec<String> = (0..HOSTS)
        .map(|h| g.server.site.spec.ip(h).to_string())
        .collect();
    // wget: one request at a time whatever is set; -l as --depth; -H -D keep it on
    // the site's hosts; robots on; no retries.
    let wget = which("wget").ok_or("wget is missing: bench/peers/setup.sh")?;
    let mut wget_args: Vec<String> = [
        "--spider",
        "-r",
        "-l",
        &DEPTH.to_string(),
        "-e",
        "robots=on",
        "-H",
        "-D",
        &site_hosts.join(","),
        "--tries=1",
        "--timeout=30",
        "-nv",
        "-o",
        "wget.log",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    wget_args.extend(inputs.iter().cloned());
    let mut row = Row {
        name: "GNU wget --spider -r".into(),
        config: format!(
            "`--spider -r -l {DEPTH} -e robots=on -H -D {} --tries=1 -nv`",
            site_hosts.join(",")
        ),
        runs: Vec::new(),
        model: model.clone(),
        same: None,
    };
    for i in 0..runs {
        row.runs.push(g.run(
            &format!("{tag}wget-{i}"),
            &wget,
            &wget_args,
            if o.quick { 300 } else { 900 },
            wget_log,
        )?);
    }
    rows.push(row);

    let python = o
        .python
        .clone()
        .unwrap_or_else(|| PathBuf::from("target/bench-peers/venv/bin/python"));
    // Absolute, but not canonical: the venv's python is a symlink to the base
    // interpreter, and only the venv's path finds the venv's packages.
    if !python.exists() {
        return Err(format!(
            "{} is missing (bench/peers/setup.sh installs the peers)",
            python.display()
        ));
    }
    let python = std::path::absolute(&python).map_err(|e| {
        format!(
            "{}: {e} (bench/peers/setup.sh installs the peers)",
            python.display()
        )
    })?;
    let venv_bin = python.parent().ok_or("python has no folder")?.to_path_buf();

    // LinkChecker: 18 threads (its only concurrency setting; no cap per host);
    // between request starts to one host it waits uniform(1/R, 6/R) s, at least
    // 0.1–0.6 s unless the host answers with a "LinkChecker" header, which the site
    // does: R = 1000 gives 1–6 ms. Recursion as --depth, the site's hosts internal,
    // external links not checked.
    let rc = g.tmp.join("linkcheckerrc");
    let intern = include.clone();
    fs::write(
        &rc,
        format!(
            "[checking]\nthreads={JOBS}\nrecursionlevel={DEPTH}\nmaxrequestspersecond=1000\ntimeout=30\n\n[filtering]\ninternlinks={intern}\ncheckextern=0\n\n[csv]\nparts=urlname,parentname,result,url,level\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    g.commands.push(format!(
        "# $TMP/linkcheckerrc: [checking] threads={JOBS} recursionlevel={DEPTH} maxrequestspersecond=1000 timeout=30; [filtering] internlinks={intern} checkextern=0; [csv] parts=urlname,parentname,result,url,level"
    ).replace(&format!(":{}", g.port), ":$PORT"));
    let mut lc_args: Vec<String> = vec![
        "-f".into(),
        rc.display().to_string(),
        "--no-status".into(),
        "-o".into(),
        "csv".into(),
    ];
    lc_args.extend(inputs.iter().cloned());
    let mut row = Row {
        name: "LinkChecker".into(),
        config: format!("threads={JOBS} (its only concurrency setting: no cap per host), recursionlevel={DEPTH}, maxrequestspersecond=1000: with the site's `LinkChecker` response header it waits 1–6 ms between request starts to a host instead of 0.1–0.6 s (≈ 285 requests/s a host at most, ≈ 5.7 in flight at 20 ms), internlinks = the {HOSTS} hosts, checkextern=0 (the out-of-scope links are not checked), robots.txt obeyed (always)"),
        runs: Vec::new(),
        model: model.clone(),
        same: None,
    };
    for i in 0..runs {
        row.runs.push(g.run(
            &format!("{tag}linkchecker-{i}"),
            &venv_bin.join("linkchecker"),
            &lc_args,
            if o.quick { 120 } else { 480 },
            linkchecker_csv,
        )?);
    }
    rows.push(row);

    let spider = fs::canonicalize("bench/peers/scrapy_crawl.py").map_err(|e| e.to_string())?;
    for reactor in ["asyncio", "epoll"] {
        let mut args: Vec<String> = vec![
            spider.display().to_string(),
            "--out".into(),
            "pages.jsonl".into(),
            "--depth".into(),
            DEPTH.to_string(),
            "--per-host".into(),
            PER_HOST.to_string(),
            "--total".into(),
            JOBS.to_string(),
            "--reactor".into(),
            reactor.into(),
            "--allow".into(),
            site_hosts.join(","),
            "--follow".into(),
            include.clone(),
        ];
        args.extend(inputs.iter().cloned());
        let mut row = Row {
            name: format!("Scrapy CrawlSpider, {reactor} reactor"),
            config: format!("`bench/peers/scrapy_crawl.py`: a CrawlSpider with one Rule(LinkExtractor(allow='{include}'), follow=True), allowed_domains = the {HOSTS} hosts; CONCURRENT_REQUESTS_PER_DOMAIN={PER_HOST}, CONCURRENT_REQUESTS={JOBS}, DEPTH_LIMIT={DEPTH}, BFO (DEPTH_PRIORITY=1, FIFO queues), ROBOTSTXT_OBEY, no delay/retries/AutoThrottle"),
            runs: Vec::new(),
            model: model.clone(),
            same: None,
        };
        for i in 0..runs {
            row.runs.push(g.run(
                &format!("{tag}scrapy-{reactor}-{i}"),
                &python,
                &args,
                if o.quick { 120 } else { 600 },
                scrapy_feed,
            )?);
        }
        rows.push(row);
    }
    Ok((rows, python))
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

fn versions(python: &Path) -> String {
    let out = |program: &Path, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let wget = which("wget")
        .map(|w| out(&w, &["--version"]))
        .unwrap_or_default();
    let wget = wget.lines().next().unwrap_or("wget ?").to_string();
    let py = out(
        python,
        &[
            "-c",
            "import importlib.metadata as m, sys; print('Python %s, LinkChecker %s, Scrapy %s, Twisted %s' % (sys.version.split()[0], m.version('linkchecker'), m.version('scrapy'), m.version('twisted')))",
        ],
    );
    format!("versions: {wget}; {py}")
}

/// `crawl-serve [--pages N]`: the crawl site alone, for manual runs (an hour at most).
pub fn serve_site(o: &Options) -> Res<()> {
    let pages = o.pages.unwrap_or(if o.quick { 300 } else { 3000 });
    let server = SiteServer::start(SiteSpec {
        hosts: HOSTS,
        pages,
        latency: Duration::from_millis(LATENCY_MS),
        wide: WIDE_SIZES[1],
    })?;
    println!(
        "serving {pages} pages a host on {} (out of scope: 127.0.0.{}); the model at depth {DEPTH} has {} pages",
        server.site.roots().join(" "),
        HOSTS + 1,
        server.site.model(&server.site.roots()[..1], DEPTH).len()
    );
    for depth in 1..8 {
        println!(
            "depth {depth}: from {} alone {} pages, from every host's home {}",
            server.site.roots()[0],
            server.site.model(&server.site.roots()[..1], depth).len(),
            server.site.model(&server.site.roots(), depth).len()
        );
    }
    let _ = std::io::Write::flush(&mut std::io::stdout());
    std::thread::sleep(Duration::from_secs(3600));
    Ok(())
}
