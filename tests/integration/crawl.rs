//! Crawl mode (`--depth`, `--scope`, filters, robots.txt, sitemaps, politeness,
//! `--max-pages`, sharding by host) against sites of several hosts on loopback
//! (127.0.0.1, 127.0.0.2, … all reach this machine), checking the exact output, the
//! servers' request logs and the exit status.

use std::time::Duration;

use crate::support::{cmd, lines, links_page, run, Response, Server};

/// A page whose body links to `hrefs`.
fn page(hrefs: &[&str]) -> Response {
    Response::html(links_page("Page", hrefs))
}

/// `{"source":S,"url":U,"depth":D}`.
fn link(source: &str, url: &str, depth: u32) -> String {
    format!(r#"{{"source":"{source}","url":"{url}","depth":{depth}}}"#)
}

fn skipped(source: &str, depth: u32) -> String {
    format!(r#"{{"source":"{source}","skipped":"robots.txt","depth":{depth}}}"#)
}

/// The request targets a server saw, in order.
fn targets(server: &Server) -> Vec<String> {
    server.log().into_iter().map(|(target, _)| target).collect()
}

#[test]
fn depth_breadth_first_with_redirects_non_pages_and_failures() {
    let b = Server::start_on("127.0.0.2");
    b.page("/x", page(&["/y"]));
    let a = Server::start();
    let bx = b.url("/x");
    a.page("/", page(&["/a", "/b", &bx, "/a#top", "/doc.pdf"]));
    a.page("/a", page(&["/a1", "/"]));
    a.page("/b", page(&["/moved", "/b1"]));
    a.page("/moved", Response::redirect(302, "/a1"));
    a.page("/a1", page(&["/deep"]));
    a.page("/doc.pdf", Response::typed("application/pdf", "%PDF-1.4"));
    let out = run(["--depth", "2", "-o", "jsonl", &a.url("/")]);
    let u = |path: &str| a.url(path);
    assert_eq!(
        out.stdout,
        lines(&[
            link(&u("/"), &u("/a"), 0),
            link(&u("/"), &u("/b"), 0),
            link(&u("/"), &bx, 0),
            link(&u("/"), &u("/a#top"), 0),
            link(&u("/"), &u("/doc.pdf"), 0),
            link(&u("/a"), &u("/a1"), 1),
            link(&u("/a"), &u("/"), 1),
            link(&u("/b"), &u("/moved"), 1),
            link(&u("/b"), &u("/b1"), 1),
            // /doc.pdf is not a page: closed after its headers, nothing to report.
            link(&u("/a1"), &u("/deep"), 2),
            // /moved ends at /a1, output already: nothing again.
            format!(
                r#"{{"source":"{}","error":"HTTP 404 Not Found","kind":"http-status","depth":2}}"#,
                u("/b1")
            ),
        ])
    );
    assert_eq!(
        out.stderr,
        format!("error: {}: HTTP 404 Not Found\n", u("/b1"))
    );
    assert_eq!(out.code, 1);
    // Each page once (and /a1 again only as the end of /moved's redirect); /deep is
    // past the depth; the other host is out of scope and never asked, not even for
    // its robots.txt.
    let mut seen = targets(&a);
    seen.sort();
    assert_eq!(
        seen,
        [
            "/",
            "/a",
            "/a1",
            "/a1",
            "/b",
            "/b1",
            "/doc.pdf",
            "/moved",
            "/robots.txt"
        ]
    );
    assert_eq!(b.total_hits(), 0);
}

#[test]
fn depth_zero_is_the_list_mode() {
    let a = Server::start();
    a.page("/", page(&["/a"]));
    a.page("/a", page(&["/b"]));
    let out = run(["-o", "jsonl", &a.url("/")]);
    assert_eq!(
        out.stdout,
        lines(&[format!(
            r#"{{"source":"{}","url":"{}"}}"#,
            a.url("/"),
            a.url("/a")
        )])
    );
    assert_eq!(targets(&a), ["/"]);
}

/// A site of three hosts, 20 pages each, every page linking to six others on the
/// three hosts, each answer after a latency drawn from a seed.
fn site() -> Vec<Server> {
    let servers: Vec<Server> = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
        .into_iter()
        .map(Server::start_on)
        .collect();
    let origins: Vec<String> = servers.iter().map(Server::origin).collect();
    for (host, server) in servers.iter().enumerate() {
        for n in 0..20usize {
            let hrefs: Vec<String> = (1..=6usize)
                .map(|k| {
                    let target = (n * 7 + k * 3) % 20;
                    let other = (host + k) % 3;
                    format!("{}/p{target}?from={host}-{n}#k{k}", origins[other])
                })
                .collect();
            let body = links_page(
                "Page",
                &hrefs.iter().map(String::as_str).collect::<Vec<_>>(),
            );
            let seed = (host * 100 + n) as u64;
            server.route(&format!("/p{n}"), move |ctx| {
                // Latency from 0 to 15 ms, different for each request.
                let mut rng = fastrand::Rng::with_seed(seed + ctx.hit as u64 * 7919);
                std::thread::sleep(Duration::from_millis(rng.u64(0..15)));
                Response::html(body.clone())
            });
        }
    }
    servers
}

#[test]
fn the_same_site_gives_the_same_bytes_whatever_the_width_and_timing() {
    let servers = site();
    let start = servers[0].url("/p0");
    let mut outputs = Vec::new();
    for (jobs, per_host) in [("1", "1"), ("8", "2"), ("32", "6")] {
        let out = run([
            "--depth",
            "3",
            "--scope",
            "any",
            "-o",
            "jsonl",
            "-j",
            jobs,
            "--per-host",
            per_host,
            &start,
        ]);
        assert_eq!(out.stderr, "", "-j {jobs}");
        assert_eq!(out.code, 0, "-j {jobs}");
        outputs.push(out.stdout);
    }
    assert!(
        outputs[0].lines().count() > 300,
        "{}",
        outputs[0].lines().count()
    );
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
    // Every page fetched once; robots.txt once per host.
    for server in &servers {
        let seen = targets(server);
        let pages: Vec<&String> = seen.iter().filter(|t| t.starts_with("/p")).collect();
        let mut unique = pages.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(pages.len(), unique.len() * 3, "three runs, one fetch each");
        assert_eq!(seen.iter().filter(|t| *t == "/robots.txt").count(), 3);
    }
}

#[test]
fn robots_txt_forbids_pages_beyond_the_inputs_and_is_read_once() {
    let a = Server::start();
    a.page(
        "/robots.txt",
        Response::typed(
            "text/plain",
            "User-agent: *\nDisallow: /private\n\nUser-agent: link-extractor\nDisallow: /no\n",
        ),
    );
    a.page("/", page(&["/ok", "/no/1", "/private/x", "/no/2"]));
    a.page("/ok", page(&["/no/3", "/ok2"]));
    a.page("/ok2", page(&[]));
    // An input is fetched whatever robots.txt says.
    a.page("/no/input", page(&["/ok"]));
    let u = |path: &str| a.url(path);
    let out = run(["--depth", "2", "-o", "jsonl", &u("/"), &u("/no/input")]);
    let not_found = |path: &str, depth: u32| {
        format!(
            r#"{{"source":"{}","error":"HTTP 404 Not Found","kind":"http-status","depth":{depth}}}"#,
            u(path)
        )
    };
    assert_eq!(
        out.stdout,
        lines(&[
            link(&u("/"), &u("/ok"), 0),
            link(&u("/"), &u("/no/1"), 0),
            link(&u("/"), &u("/private/x"), 0),
            link(&u("/"), &u("/no/2"), 0),
            link(&u("/no/input"), &u("/ok"), 0),
            link(&u("/ok"), &u("/no/3"), 1),
            link(&u("/ok"), &u("/ok2"), 1),
            skipped(&u("/no/1"), 1),
            // Our own group replaces the `*` group: /private is allowed to us.
            not_found("/private/x", 1),
            skipped(&u("/no/2"), 1),
            skipped(&u("/no/3"), 2),
        ])
    );
    assert_eq!(
        out.stderr,
        format!("error: {}: HTTP 404 Not Found\n", u("/private/x"))
    );
    assert_eq!(out.code, 1);
    let mut seen = targets(&a);
    seen.sort();
    assert_eq!(
        seen,
        ["/", "/no/input", "/ok", "/ok2", "/private/x", "/robots.txt"]
    );
}

#[test]
fn robots_txt_answering_5xx_or_not_at_all_forbids_everything_beyond_the_inputs() {
    let a = Server::start();
    a.page("/robots.txt", Response::status(503));
    a.page("/", page(&["/a", "/b"]));
    let out = run(["--depth", "1", "-o", "jsonl", &a.url("/")]);
    assert_eq!(
        out.stdout,
        lines(&[
            link(&a.url("/"), &a.url("/a"), 0),
            link(&a.url("/"), &a.url("/b"), 0),
            skipped(&a.url("/a"), 1),
            skipped(&a.url("/b"), 1),
        ])
    );
    // Not a failure of the run.
    assert_eq!((out.stderr.as_str(), out.code), ("", 0));
    assert_eq!(targets(&a), ["/", "/robots.txt"]);
}

#[test]
fn robots_txt_answering_4xx_allows_everything_and_ignore_robots_never_asks() {
    let a = Server::start();
    a.page("/", page(&["/a"]));
    a.page("/a", page(&[]));
    let out = run(["--depth", "1", &a.url("/")]);
    assert_eq!((out.stdout, out.code), (lines(&[a.url("/a")]), 0));
    assert_eq!(targets(&a), ["/", "/robots.txt", "/a"]);
    let b = Server::start();
    b.page("/", page(&["/a"]));
    b.page("/a", page(&[]));
    b.page(
        "/robots.txt",
        Response::typed("text/plain", "User-agent: *\nDisallow: /\n"),
    );
    let out = run(["--depth", "1", "--ignore-robots", &b.url("/")]);
    assert_eq!((out.stdout, out.code), (lines(&[b.url("/a")]), 0));
    assert_eq!(targets(&b), ["/", "/a"]);
}

#[test]
fn max_pages_fetches_exactly_the_first_pages_and_skips_do_not_count() {
    let a = Server::start();
    a.page(
        "/robots.txt",
        Response::typed(
            "text/plain",
            "User-agent: *\nDisallow: /p2\nDisallow: /p4\n",
        ),
    );
    let hrefs: Vec<String> = (1..=9).map(|n| format!("/p{n}")).collect();
    a.page(
        "/",
        page(&hrefs.iter().map(String::as_str).collect::<Vec<_>>()),
    );
    for n in 1..=9 {
        a.page(&format!("/p{n}"), page(&[&format!("/p{n}/child")]));
    }
    let out = run([
        "--depth",
        "3",
        "--max-pages",
        "5",
        "-o",
        "jsonl",
        &a.url("/"),
    ]);
    let u = |path: &str| a.url(path);
    let mut expected: Vec<String> = (1..=9)
        .map(|n| link(&u("/"), &u(&format!("/p{n}")), 0))
        .collect();
    expected.extend([
        link(&u("/p1"), &u("/p1/child"), 1),
        skipped(&u("/p2"), 1),
        link(&u("/p3"), &u("/p3/child"), 1),
        skipped(&u("/p4"), 1),
        link(&u("/p5"), &u("/p5/child"), 1),
        link(&u("/p6"), &u("/p6/child"), 1),
    ]);
    assert_eq!(out.stdout, lines(&expected));
    assert_eq!(
        out.stderr,
        "warning: --max-pages 5 reached: the first 5 pages in breadth-first order were \
         fetched, the rest were not\n"
    );
    assert_eq!(out.code, 0);
    let mut seen = targets(&a);
    seen.sort();
    assert_eq!(seen, ["/", "/p1", "/p3", "/p5", "/p6", "/robots.txt"]);
}

#[test]
fn scopes_and_filters_decide_what_is_fetched_never_what_is_printed() {
    let other = Server::start_on("127.0.0.2");
    other.page("/o", page(&[]));
    let a = Server::start();
    let o = other.url("/o");
    a.page(
        "/docs/",
        page(&["/docs/a", "/blog/b", &o, "/docs/skip.html", "/docs/a?x=1"]),
    );
    for path in ["/docs/a", "/blog/b", "/docs/skip.html"] {
        a.page(path, page(&[]));
    }
    let fetched = |extra: &[&str]| {
        let a = &a;
        let mut args: Vec<String> = vec!["--depth".into(), "1".into(), "--ignore-robots".into()];
        args.extend(extra.iter().map(|x| x.to_string()));
        args.push(a.url("/docs/"));
        let before_a = a.total_hits();
        let before_o = other.total_hits();
        let out = run(args);
        assert_eq!(out.code, 0, "{extra:?}: {}", out.stderr);
        assert_eq!(
            out.stdout,
            lines(&[
                a.url("/docs/a"),
                a.url("/blog/b"),
                o.clone(),
                a.url("/docs/skip.html"),
                a.url("/docs/a?x=1"),
            ]),
            "{extra:?}: every link printed"
        );
        let mut seen: Vec<String> = targets(a)[before_a..].iter().skip(1).cloned().collect();
        seen.sort();
        (seen, other.total_hits() - before_o)
    };
    assert_eq!(
        fetched(&[]),
        (
            vec![
                "/blog/b".into(),
                "/docs/a".into(),
                "/docs/a?x=1".into(),
                "/docs/skip.html".into()
            ],
            0
        )
    );
    assert_eq!(
        fetched(&["--scope", "prefix"]),
        (
            vec![
                "/docs/a".into(),
                "/docs/a?x=1".into(),
                "/docs/skip.html".into()
            ],
            0
        )
    );
    assert_eq!(
        fetched(&[
            "--scope",
            "any",
            "--exclude",
            r"\.html$",
            "--exclude",
            "blog"
        ]),
        (vec!["/docs/a".into(), "/docs/a?x=1".into()], 1)
    );
    assert_eq!(
        fetched(&["--include", "/docs/", "--exclude", r"\?"]),
        (vec!["/docs/a".into(), "/docs/skip.html".into()], 0)
    );
}

#[test]
fn a_calendar_that_never_ends_stops_at_the_depth_or_the_page_limit() {
    let a = Server::start();
    a.route("/cal", |ctx| {
        let month: u64 = ctx
            .request
            .target
            .split("m=")
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        page(&[&format!("/cal?m={}", month + 1)])
    });
    let out = run(["--depth", "5", "--ignore-robots", &a.url("/cal?m=0")]);
    let months: Vec<String> = (1..=6).map(|m| a.url(&format!("/cal?m={m}"))).collect();
    assert_eq!((out.stdout, out.code), (lines(&months), 0));
    assert_eq!(a.total_hits(), 6);
    let b = Server::start();
    b.route("/cal", |ctx| {
        let month: u64 = ctx
            .request
            .target
            .split("m=")
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        page(&[&format!("/cal?m={}", month + 1)])
    });
    let out = run([
        "--depth",
        "100000",
        "--max-pages",
        "20",
        "--ignore-robots",
        &b.url("/cal?m=0"),
    ]);
    assert_eq!(out.stdout.lines().count(), 20);
    assert_eq!(out.code, 0);
    assert_eq!(b.total_hits(), 20);
}

#[test]
fn a_url_too_long_to_follow_is_printed_not_fetched() {
    let a = Server::start();
    let long = format!("/{}", "x".repeat(5000));
    a.page("/", page(&[&long, "/short"]));
    a.page("/short", page(&[]));
    let out = run(["--depth", "1", "--ignore-robots", &a.url("/")]);
    assert_eq!(out.stdout, lines(&[a.url(&long), a.url("/short")]));
    assert_eq!(targets(&a), ["/", "/short"]);
}

#[test]
fn per_host_caps_requests_in_flight_and_delay_spaces_their_starts() {
    let a = Server::start();
    let hrefs: Vec<String> = (0..24).map(|n| format!("/p{n}")).collect();
    a.page(
        "/",
        page(&hrefs.iter().map(String::as_str).collect::<Vec<_>>()),
    );
    for n in 0..24 {
        a.route(&format!("/p{n}"), |ctx| {
            // Held until at least two requests are in, or for long enough to see
            // whether a third would come.
            ctx.wait_requests(usize::MAX, Duration::from_millis(40));
            page(&[])
        });
    }
    let out = run([
        "--depth",
        "1",
        "--ignore-robots",
        "-j",
        "16",
        "--per-host",
        "2",
        &a.url("/"),
    ]);
    assert_eq!((out.code, out.stdout.lines().count()), (0, 24));
    assert_eq!(a.most_in_flight(), 2);

    let b = Server::start();
    b.page("/", page(&["/a", "/b", "/c", "/d"]));
    for path in ["/a", "/b", "/c", "/d"] {
        b.page(path, page(&[]));
    }
    let out = run([
        "--depth",
        "1",
        "--ignore-robots",
        "--delay",
        "80ms",
        &b.url("/"),
    ]);
    assert_eq!(out.code, 0);
    let starts: Vec<_> = b.log().into_iter().map(|(_, at)| at).collect();
    assert_eq!(starts.len(), 5);
    for pair in starts.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(80),
            "{:?}",
            pair[1] - pair[0]
        );
    }
}

#[test]
fn crawl_delay_spaces_the_requests_once_robots_txt_is_known() {
    let a = Server::start();
    a.page(
        "/robots.txt",
        Response::typed("text/plain", "User-agent: *\nCrawl-delay: 0.15\n"),
    );
    a.page("/", page(&["/a", "/b", "/c"]));
    for path in ["/a", "/b", "/c"] {
        a.page(path, page(&[]));
    }
    let out = run(["--depth", "1", &a.url("/")]);
    assert_eq!(out.code, 0);
    let log = a.log();
    let mut targets: Vec<&str> = log.iter().map(|(t, _)| t.as_str()).collect();
    // Which page goes first among equals is the workers' race; the gaps are not.
    targets[2..].sort_unstable();
    assert_eq!(targets, ["/", "/robots.txt", "/a", "/b", "/c"]);
    for pair in log[1..].windows(2) {
        assert!(
            pair[1].1 - pair[0].1 >= Duration::from_millis(150),
            "{:?}",
            pair[1].1 - pair[0].1
        );
    }
}

#[test]
fn sitemaps_from_robots_txt_with_an_index_and_gzip_join_the_inputs() {
    use flate2::write::GzEncoder;
    use std::io::Write;
    let other = Server::start_on("127.0.0.2");
    let a = Server::start();
    a.page(
        "/robots.txt",
        Response::typed(
            "text/plain",
            "User-agent: *\nDisallow: /private\nSitemap: /index.xml\n",
        ),
    );
    a.page(
        "/index.xml",
        Response::typed(
            "application/xml",
            "<sitemapindex><sitemap><loc>/one.xml</loc></sitemap>\
             <sitemap><loc>/two.xml.gz</loc></sitemap></sitemapindex>",
        ),
    );
    a.page(
        "/one.xml",
        Response::typed(
            "application/xml",
            format!(
                "<urlset><url><loc>{}</loc></url><url><loc>/s/1</loc></url>\
                 <url><loc>/private/p</loc></url><url><loc>{}</loc></url>\
                 <url><loc>/s/2?a=1&amp;b=2</loc></url></urlset>",
                a.url("/"),
                other.url("/elsewhere")
            ),
        ),
    );
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"<urlset><url><loc>/s/3</loc></url></urlset>")
        .expect("gzip");
    a.page(
        "/two.xml.gz",
        Response::typed("application/octet-stream", gz.finish().expect("gzip")),
    );
    a.page("/", page(&["/x"]));
    for path in ["/s/1", "/s/2", "/s/3"] {
        a.page(path, page(&[&format!("{path}/child")]));
    }
    let out = run(["--sitemap", "-o", "jsonl", &a.url("/")]);
    let u = |path: &str| a.url(path);
    assert_eq!(
        out.stdout,
        lines(&[
            link(&u("/"), &u("/x"), 0),
            link(&u("/s/1"), &u("/s/1/child"), 0),
            skipped(&u("/private/p"), 0),
            link(&u("/s/2?a=1&b=2"), &u("/s/2/child"), 0),
            link(&u("/s/3"), &u("/s/3/child"), 0),
        ])
    );
    assert_eq!((out.stderr.as_str(), out.code), ("", 0));
    assert_eq!(other.total_hits(), 0);
    // Without Sitemap: lines, /sitemap.xml.
    let b = Server::start();
    b.page("/", page(&[]));
    b.page(
        "/sitemap.xml",
        Response::typed("text/xml", "<urlset><url><loc>/only</loc></url></urlset>"),
    );
    b.page("/only", page(&["/z"]));
    let out = run(["--sitemap", &b.url("/")]);
    assert_eq!((out.stdout, out.code), (lines(&[b.url("/z")]), 0));
    let mut seen = targets(&b);
    seen.sort();
    assert_eq!(seen, ["/", "/only", "/robots.txt", "/sitemap.xml"]);
}

#[test]
fn shards_split_the_inputs_by_host_so_each_host_has_one_worker() {
    let a = Server::start();
    let b = Server::start_on("127.0.0.2");
    for server in [&a, &b] {
        server.page("/", page(&["/n"]));
        server.page("/n", page(&[]));
    }
    let inputs = [a.url("/"), b.url("/"), a.url("/n"), b.url("/n")];
    let mut seen = Vec::new();
    for shard in ["0/2", "1/2"] {
        let mut args = vec![
            "--depth".to_string(),
            "1".into(),
            "--ignore-robots".into(),
            "--shard".into(),
            shard.into(),
        ];
        args.extend(inputs.iter().cloned());
        let out = run(args);
        assert_eq!(out.code, 0);
        let hosts: Vec<&str> = out
            .stdout
            .lines()
            .map(|line| {
                if line.starts_with(&a.origin()) {
                    "a"
                } else {
                    "b"
                }
            })
            .collect();
        seen.push(hosts);
    }
    // FNV-1a of "127.0.0.1" and "127.0.0.2": each host wholly in one shard.
    assert!(
        seen.iter()
            .all(|hosts| hosts.windows(2).all(|w| w[0] == w[1])),
        "{seen:?}"
    );
    assert_eq!(a.hits("/n"), 1);
    assert_eq!(b.hits("/n"), 1);
}

#[test]
fn bad_crawl_values_are_usage_errors_and_fetch_nothing() {
    let a = Server::start();
    let cases: [(&[&str], &str); 6] = [
        (
            &["--depth", "-1"],
            "Error parsing option '--depth' with value '-1': invalid digit found in string\n\
             Run 'link-extractor --help' for usage.",
        ),
        (
            &["--depth", "1", "--scope", "nowhere"],
            "invalid --scope 'nowhere': expected host, site, prefix or any",
        ),
        (
            &["--depth", "1", "--include", "(unclosed"],
            "invalid --include '(unclosed': not a regular expression (unclosed group)",
        ),
        (
            &["--depth", "1", "--per-host", "0"],
            "invalid --per-host '0': expected a number of at least 1",
        ),
        (
            &["--depth", "1", "--max-pages", "0"],
            "invalid --max-pages '0': expected a number of at least 1",
        ),
        (
            &["--scope", "host"],
            "--scope applies when crawling (--depth N or --sitemap), and neither was given",
        ),
    ];
    for (args, message) in cases {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.push(a.url("/"));
        let out = cmd(all).run();
        assert_eq!(out.stderr, format!("error: {message}\n"), "{args:?}");
        assert_eq!(out.code, 2, "{args:?}");
    }
    assert_eq!(a.total_hits(), 0);
}

#[test]
fn credentials_go_only_to_the_input_origin_whatever_the_crawl_reaches() {
    let same_host_other_port = Server::start();
    let other_host = Server::start_on("127.0.0.2");
    for server in [&same_host_other_port, &other_host] {
        server.page("/there", page(&[]));
    }
    let a = Server::start();
    let there = [same_host_other_port.url("/there"), other_host.url("/there")];
    a.page("/", page(&["/inside", &there[0], &there[1]]));
    a.page("/inside", page(&[]));
    let input = a.url("/").replacen("http://", "http://ann:pw@", 1);
    let out = run([
        "--depth",
        "1",
        "--scope",
        "any",
        "--ignore-robots",
        "-H",
        "Cookie: session=42",
        &input,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for path in ["/", "/inside"] {
        let request = &a.requests(path)[0];
        assert_eq!(request.header("cookie"), Some("session=42"), "{path}");
        assert_eq!(
            request.header("authorization"),
            Some("Basic YW5uOnB3"),
            "{path}"
        );
    }
    for server in [&same_host_other_port, &other_host] {
        let request = &server.requests("/there")[0];
        assert_eq!(request.header("cookie"), None);
        assert_eq!(request.header("authorization"), None);
    }
}

#[test]
fn a_redirect_of_a_page_found_obeys_robots_txt_where_it_leads() {
    let a = Server::start();
    a.page(
        "/robots.txt",
        Response::typed("text/plain", "User-agent: *\nDisallow: /private\n"),
    );
    a.page("/", page(&["/go"]));
    a.page("/go", Response::redirect(302, "/private/x"));
    a.page("/private/x", page(&[]));
    let out = run(["--depth", "1", "-o", "jsonl", &a.url("/")]);
    assert_eq!(
        out.stdout,
        lines(&[
            link(&a.url("/"), &a.url("/go"), 0),
            skipped(&a.url("/go"), 1)
        ])
    );
    assert_eq!((out.stderr.as_str(), out.code), ("", 0));
    assert_eq!(a.hits("/private/x"), 0);
}

#[test]
fn sitemap_pages_obey_their_own_origin_and_are_not_failures_when_not_pages() {
    let b = Server::start_on("127.0.0.2");
    b.page(
        "/robots.txt",
        Response::typed("text/plain", "User-agent: *\nDisallow: /closed\n"),
    );
    b.page("/open", page(&["/o"]));
    b.page("/closed", page(&["/c"]));
    let a = Server::start();
    a.page("/", page(&[]));
    a.page(
        "/sitemap.xml",
        Response::typed(
            "application/xml",
            format!(
                "<urlset><url><loc>/doc.pdf</loc></url><url><loc>{}</loc></url>\
                 <url><loc>{}</loc></url></urlset>",
                b.url("/open"),
                b.url("/closed")
            ),
        ),
    );
    a.page("/doc.pdf", Response::typed("application/pdf", "%PDF-1.4"));
    let out = run(["--sitemap", "--scope", "any", "-o", "jsonl", &a.url("/")]);
    assert_eq!(
        out.stdout,
        lines(&[
            link(&b.url("/open"), &b.url("/o"), 0),
            skipped(&b.url("/closed"), 0)
        ])
    );
    assert_eq!((out.stderr.as_str(), out.code), ("", 0));
    assert_eq!(b.hits("/closed"), 0);
    assert_eq!(b.hits("/robots.txt"), 1);
}
