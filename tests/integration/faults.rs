//! The fault matrix: a misbehaving server, one test per fault. Each run fetches the
//! faulty page between two healthy pages and checks the exit status, the exact failure
//! line on stderr, the complete output of the healthy pages, and that the run ended
//! well inside its time limit (the runner already fails the test on a panic).
//!
//! Related single-page tests elsewhere: `fetching.rs` (timeouts, retries, the byte
//! cap, content types, short bodies), `extraction.rs` (redirect loops, deep nesting,
//! invalid UTF-8).

use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::support::{lines, links_page, page, run, Output, RawServer, Response, Server};

/// Serves two healthy pages, `/healthy-first` and `/healthy-last`, beside a fault.
fn with_healthy_pages(server: &Server) {
    server.page(
        "/healthy-first",
        Response::html(links_page("First", &["/first-a", "/first-b?x=1#top"])),
    );
    server.page(
        "/healthy-last",
        Response::html(links_page("Last", &["/last-a"])),
    );
}

/// Runs `extra` arguments, then the first healthy page, the `faults`, the last healthy
/// page.
fn run_between_healthy<S: AsRef<str>>(server: &Server, extra: &[&str], faults: &[S]) -> Output {
    let mut args: Vec<String> = extra.iter().map(|a| a.to_string()).collect();
    args.push(server.url("/healthy-first"));
    args.extend(faults.iter().map(|a| a.as_ref().to_string()));
    args.push(server.url("/healthy-last"));
    run(args)
}

/// What the two healthy pages print around `middle`, the links of the fault pages.
fn healthy_output(server: &Server, middle: &[String]) -> String {
    let mut all = vec![server.url("/first-a"), server.url("/first-b?x=1#top")];
    all.extend(middle.iter().cloned());
    all.push(server.url("/last-a"));
    lines(&all)
}

/// Asserts a run where each `(url, reason)` failed, and only those: exit 1, exactly one
/// `error: URL: REASON` line each (in any order: failures are reported as they
/// happen), and stdout exactly `stdout`.
fn assert_failures(out: &Output, failures: &[(&str, &str)], stdout: &str) {
    let mut got: Vec<&str> = out.stderr.lines().collect();
    got.sort_unstable();
    let mut want: Vec<String> = failures
        .iter()
        .map(|(url, reason)| format!("error: {url}: {reason}"))
        .collect();
    want.sort_unstable();
    assert_eq!(got, want, "stderr:\n{}", out.stderr);
    assert_eq!(out.stdout, stdout);
    assert_eq!(out.code, 1, "stderr:\n{}", out.stderr);
}

fn assert_success(out: &Output, stdout: &str) {
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, stdout);
    assert_eq!(out.code, 0);
}

/// Asserts that the run took less than `limit` (and, if given, at least `at_least`).
fn assert_took(out: &Output, at_least: Option<Duration>, limit: Duration) {
    assert!(
        out.elapsed < limit && at_least.is_none_or(|min| out.elapsed >= min),
        "took {:?}: expected {at_least:?} .. {limit:?}",
        out.elapsed
    );
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn a_server_that_accepts_reads_and_never_answers_times_out() {
    let server = Server::start();
    with_healthy_pages(&server);
    server.route("/silent", |ctx| {
        ctx.hang();
        Response::status(500)
    });
    let url = server.url("/silent");
    let out = run_between_healthy(&server, &["--timeout", "2"], &[&url]);
    assert_failures(
        &out,
        &[(&url, "timed out after 2 s (--timeout)")],
        &healthy_output(&server, &[]),
    );
    assert_took(&out, Some(secs(2)), secs(5));
    assert_eq!(server.hits("/silent"), 1, "a timeout is not retried");
}

#[test]
fn a_body_trickling_one_byte_a_second_is_cut_by_the_whole_request_timeout() {
    let server = Server::start();
    with_healthy_pages(&server);
    // Headers at once, then a byte a second: every read succeeds, only the whole-request
    // budget can end it. The whole body would take minutes.
    server.page(
        "/trickle",
        Response::html(links_page("Trickle", &["/never-seen"])).trickle(secs(1)),
    );
    let url = server.url("/trickle");
    let out = run_between_healthy(&server, &["--timeout", "2"], &[&url]);
    assert_failures(
        &out,
        &[(&url, "timed out after 2 s (--timeout)")],
        &healthy_output(&server, &[]),
    );
    assert_took(&out, Some(secs(2)), secs(5));
    assert_eq!(server.served("/trickle"), 0);
}

#[test]
fn an_endless_body_stops_at_the_byte_cap() {
    let server = Server::start();
    with_healthy_pages(&server);
    let chunk = "<p>and on and on <a href=\"/more\">more</a></p>\n".repeat(100);
    server.page(
        "/endless",
        Response::typed("text/html", chunk.clone()).endless(chunk.clone(), false),
    );
    server.page(
        "/endless-chunked",
        Response::typed("text/html", "").endless(chunk, true),
    );
    let faults = [server.url("/endless"), server.url("/endless-chunked")];
    let out = run_between_healthy(&server, &[], &faults);
    assert_failures(
        &out,
        &[
            (&faults[0], "page larger than 16 MiB (--max-bytes)"),
            (&faults[1], "page larger than 16 MiB (--max-bytes)"),
        ],
        &healthy_output(&server, &[]),
    );
    assert_took(&out, None, secs(10));
}

/// A gzip stream of 1 GiB of HTML (a link, then spaces), about 1 MiB compressed. Made
/// once, streaming: never more than the compressed bytes in memory.
fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        let head = b"<!DOCTYPE html><title>Bomb</title><a href=\"/bomb-link\">x</a><!--";
        encoder.write_all(head).expect("gzip in memory");
        let spaces = vec![b' '; 1 << 20];
        let mut written = head.len();
        while written < 1 << 30 {
            let n = spaces.len().min((1 << 30) - written);
            encoder.write_all(&spaces[..n]).expect("gzip in memory");
            written += n;
        }
        encoder.finish().expect("gzip in memory")
    })
}

#[test]
fn a_gzip_bomb_stops_at_the_byte_cap_quickly() {
    let bomb = gzip_bomb();
    assert!(bomb.len() < 2 << 20, "the bomb is {} bytes", bomb.len());
    let server = Server::start();
    with_healthy_pages(&server);
    server.page(
        "/bomb",
        Response::typed("text/html", bomb.to_vec()).header("Content-Encoding", "gzip"),
    );
    let url = server.url("/bomb");
    let out = run_between_healthy(&server, &[], &[&url]);
    assert_failures(
        &out,
        &[(&url, "page larger than 16 MiB (--max-bytes)")],
        &healthy_output(&server, &[]),
    );
    assert_took(&out, None, secs(10));
}

#[test]
fn a_redirect_loop_fails_at_the_limit() {
    let server = Server::start();
    with_healthy_pages(&server);
    server.page("/ping", Response::redirect(302, "/pong"));
    server.page("/pong", Response::redirect(307, "/ping"));
    let url = server.url("/ping");
    let out = run_between_healthy(&server, &["--max-redirects", "5"], &[&url]);
    assert_failures(
        &out,
        &[(&url, "too many redirects (more than 5, --max-redirects)")],
        &healthy_output(&server, &[]),
    );
    assert_took(&out, None, secs(10));
    // The first request and five redirects followed; the sixth is refused.
    assert_eq!((server.hits("/ping"), server.hits("/pong")), (3, 3));
}

/// `/NAME/0` -> `/NAME/1` -> ... -> `/NAME/end`, `redirects` redirects in all; the end
/// page links to `landed` (relative) and `/top`.
fn chain(server: &Server, name: &str, redirects: usize) {
    for i in 0..redirects {
        let next = if i + 1 == redirects {
            "end".to_string()
        } else {
            (i + 1).to_string()
        };
        server.page(
            &format!("/{name}/{i}"),
            Response::redirect(
                if i % 2 == 0 { 302 } else { 301 },
                &format!("/{name}/{next}"),
            ),
        );
    }
    server.page(
        &format!("/{name}/end"),
        Response::html(links_page("End", &["landed", "/top"])),
    );
}

#[test]
fn a_redirect_chain_one_longer_than_max_redirects_fails_and_exactly_max_succeeds() {
    let server = Server::start();
    with_healthy_pages(&server);
    chain(&server, "long", 4);
    chain(&server, "exact", 3);
    let long = server.url("/long/0");
    let exact = server.url("/exact/0");
    let out = run_between_healthy(&server, &["--max-redirects", "3"], &[&long, &exact]);
    assert_failures(
        &out,
        &[(&long, "too many redirects (more than 3, --max-redirects)")],
        // Resolved against the final URL.
        &healthy_output(&server, &[server.url("/exact/landed"), server.url("/top")]),
    );
    assert_took(&out, None, secs(10));
    assert_eq!(server.hits("/long/end"), 0);
    assert_eq!(server.hits("/exact/end"), 1);
}

#[test]
fn a_429_with_retry_after_then_success_is_fetched_twice() {
    let server = Server::start();
    with_healthy_pages(&server);
    server.sequence(
        "/busy",
        vec![
            Response::status(429)
                .header("Retry-After", "1")
                .header("Content-Type", "text/html")
                .body(links_page("Busy", &["/busy-page-link"])),
            Response::html(links_page("Ready", &["/ready"])),
        ],
    );
    let out = run_between_healthy(&server, &[], &[server.url("/busy")]);
    assert_success(&out, &healthy_output(&server, &[server.url("/ready")]));
    assert_eq!(server.hits("/busy"), 2);
    assert_took(&out, Some(secs(1)), secs(6));
}

#[test]
fn a_503_forever_is_tried_exactly_one_plus_retries_times() {
    let server = Server::start();
    with_healthy_pages(&server);
    server.page("/down", Response::status(503));
    let url = server.url("/down");
    let out = run_between_healthy(&server, &["--retries", "3"], &[&url]);
    assert_failures(
        &out,
        &[(&url, "HTTP 503 Service Unavailable (after 4 attempts)")],
        &healthy_output(&server, &[]),
    );
    assert_eq!(server.hits("/down"), 4);
    // Backoff 250 ms, 500 ms, 1 s, each with jitter in [0.5, 1).
    assert_took(&out, Some(Duration::from_millis(875)), secs(8));
}

#[test]
fn a_connection_reset_is_retried_then_named() {
    let server = Server::start();
    with_healthy_pages(&server);
    // Returning without reading the request closes with a reset (see RawServer).
    let before = RawServer::start(|_stream| {});
    let during = RawServer::start(|stream| {
        let html = links_page("Reset", &["/never-seen"]);
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
            html.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&html.as_bytes()[..html.len() / 2]);
        let _ = stream.flush();
    });
    let faults = [before.url("/reset"), during.url("/reset")];
    let out = run_between_healthy(&server, &["--retries", "1"], &faults);
    assert_failures(
        &out,
        &[
            (
                &faults[0],
                "connection failed: connection reset by the server (after 2 attempts)",
            ),
            (
                &faults[1],
                "bad HTTP response: connection closed before the response was complete",
            ),
        ],
        &healthy_output(&server, &[]),
    );
    // A reset before the response is a connection failure, retried; during the body
    // the response is cut short, which is not retried.
    assert_eq!((before.hits(), during.hits()), (2, 1));
    assert_took(&out, None, secs(10));
}

#[test]
fn tls_spoken_to_a_plain_http_port_is_a_named_failure() {
    let server = Server::start();
    with_healthy_pages(&server);
    let url = server.url("/page").replacen("http://", "https://", 1);
    let out = run_between_healthy(&server, &["--timeout", "2"], &[&url]);
    assert_failures(
        &out,
        &[(&url, "TLS error: the server does not speak TLS")],
        &healthy_output(&server, &[]),
    );
    assert_eq!(server.tls_hellos(), 1);
    assert_took(&out, None, secs(5));
}

#[test]
fn plain_http_to_a_tls_server_is_a_named_failure() {
    let server = Server::start();
    with_healthy_pages(&server);
    // What a TLS server answers to "GET / HTTP/1.1": a fatal alert record
    // (protocol_version), then it closes.
    server.page("/tls-only", Response::raw(*b"\x15\x03\x03\x00\x02\x02\x46"));
    let url = server.url("/tls-only");
    let out = run_between_healthy(&server, &["--timeout", "2"], &[&url]);
    assert_failures(
        &out,
        &[(
            &url,
            "bad HTTP response: http parse fail: invalid HTTP version",
        )],
        &healthy_output(&server, &[]),
    );
    assert_eq!(server.hits("/tls-only"), 1);
    assert_took(&out, None, secs(5));
}

#[test]
fn a_lying_content_length_truncates_or_fails() {
    let server = Server::start();
    with_healthy_pages(&server);
    let kept = "<!DOCTYPE html><title>Short</title><a href=\"/kept\">kept</a>";
    let cut = format!("{kept}<a href=\"/cut-off\">cut off</a>");
    // Shorter than the body: the body is what Content-Length says; the rest is ignored.
    server.page(
        "/short",
        Response::raw(format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{cut}",
            kept.len()
        )),
    );
    // Longer than the body, then the server closes.
    server.page(
        "/long",
        Response::raw(format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{cut}",
            cut.len() + 1000
        )),
    );
    let long = server.url("/long");
    let out = run_between_healthy(&server, &[], &[&server.url("/short"), &long]);
    assert_failures(
        &out,
        &[(
            &long,
            "bad HTTP response: connection closed before the response was complete",
        )],
        &healthy_output(&server, &[server.url("/kept")]),
    );
    assert_eq!((server.hits("/short"), server.hits("/long")), (1, 1));
    assert_took(&out, None, secs(10));
}

#[test]
fn chunked_encoding_errors_are_named_failures() {
    let server = Server::start();
    with_healthy_pages(&server);
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\
                Connection: close\r\n\r\n";
    let first = "<!DOCTYPE html><a href=\"/chunk-link\">x</a>";
    server.page(
        "/bad-size",
        Response::raw(format!(
            "{head}{:x}\r\n{first}\r\nzz\r\nnot a size\r\n0\r\n\r\n",
            first.len()
        )),
    );
    server.page(
        "/no-last-chunk",
        Response::raw(format!("{head}{:x}\r\n{first}\r\n", first.len())),
    );
    let faults = [server.url("/bad-size"), server.url("/no-last-chunk")];
    let out = run_between_healthy(&server, &[], &faults);
    assert_failures(
        &out,
        &[
            (
                &faults[0],
                "bad HTTP response: chunk length cannot be read as a number",
            ),
            (
                &faults[1],
                "bad HTTP response: connection closed before the response was complete",
            ),
        ],
        &healthy_output(&server, &[]),
    );
    assert_took(&out, None, secs(10));
}

#[test]
fn non_html_content_types_are_named_failures() {
    let server = Server::start();
    with_healthy_pages(&server);
    server.page(
        "/doc.pdf",
        Response::typed("application/pdf", &b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"[..]),
    );
    server.page(
        "/logo.png",
        Response::typed("image/png", &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"[..]),
    );
    server.page(
        "/api",
        Response::typed(
            "application/json",
            r#"{"html": "<a href=\"/not-a-link\">x</a>"}"#,
        ),
    );
    let faults = [
        server.url("/doc.pdf"),
        server.url("/logo.png"),
        server.url("/api"),
    ];
    let out = run_between_healthy(&server, &[], &faults);
    assert_failures(
        &out,
        &[
            (&faults[0], "not HTML (application/pdf)"),
            (&faults[1], "not HTML (image/png)"),
            (&faults[2], "not HTML (application/json)"),
        ],
        &healthy_output(&server, &[]),
    );
    assert_took(&out, None, secs(10));
}

#[test]
fn an_empty_html_body_succeeds_with_no_links() {
    let server = Server::start();
    with_healthy_pages(&server);
    server.page("/empty", Response::typed("text/html", ""));
    let out = run_between_healthy(&server, &[], &[server.url("/empty")]);
    assert_success(&out, &healthy_output(&server, &[]));
    assert_took(&out, None, secs(10));
}

#[test]
fn without_content_type_html_is_sniffed_and_binary_fails() {
    let server = Server::start();
    with_healthy_pages(&server);
    server.page(
        "/untyped-html",
        Response::untyped(links_page("Untyped", &["/sniffed"])),
    );
    server.page(
        "/untyped-png",
        Response::untyped(&b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR<a href=\"/x\">"[..]),
    );
    let png = server.url("/untyped-png");
    let out = run_between_healthy(&server, &[], &[server.url("/untyped-html"), png.clone()]);
    assert_failures(
        &out,
        &[(
            &png,
            "not HTML (no Content-Type, and the body does not look like HTML)",
        )],
        &healthy_output(&server, &[server.url("/sniffed")]),
    );
    assert_took(&out, None, secs(10));
}

#[test]
fn invalid_utf8_in_a_utf8_page_gives_replacement_characters_and_the_right_links() {
    let server = Server::start();
    with_healthy_pages(&server);
    let mut body = page("Broken \u{e9}", "").into_bytes();
    body.truncate(body.len() - "\n</body>\n</html>\n".len());
    // Lone continuation bytes, a truncated sequence, an overlong encoding, a surrogate.
    body.extend_from_slice(b"<p>\x80\xBF \xE2\x82 \xC0\xAF \xED\xA0\x80</p>\n");
    body.extend_from_slice(b"<a href=\"/caf\xC3\xA9\">ok</a>\n");
    body.extend_from_slice(b"<a href=\"/bad\xFF?q=\xE2\x82\">bad</a>\n");
    body.extend_from_slice(b"<a href=\"/after\">after</a>\n</body>\n</html>\n");
    server.page("/broken", Response::typed("text/html; charset=utf-8", body));
    let out = run_between_healthy(&server, &[], &[server.url("/broken")]);
    assert_success(
        &out,
        &healthy_output(
            &server,
            &[
                server.url("/caf%C3%A9"),
                server.url("/bad%EF%BF%BD?q=%EF%BF%BD"),
                server.url("/after"),
            ],
        ),
    );
    assert_took(&out, None, secs(10));
}

/// A page nesting `depth` `tag` elements, with a link before, inside and after them.
fn nested(tag: &str, depth: usize) -> String {
    format!(
        "<!DOCTYPE html><title>Deep</title><a href=\"/before\">before</a>{}\
         <a href=\"/inner\">inner</a>{}<a href=\"/after\">after</a>",
        format!("<{tag}>").repeat(depth),
        format!("</{tag}>").repeat(depth),
    )
}

#[test]
fn a_page_100k_spans_deep_gives_its_links() {
    let server = Server::start();
    with_healthy_pages(&server);
    server.page("/spans", Response::html(nested("span", 100_000)));
    let out = run_between_healthy(&server, &[], &[server.url("/spans")]);
    assert_success(
        &out,
        &healthy_output(
            &server,
            &[
                server.url("/before"),
                server.url("/inner"),
                server.url("/after"),
            ],
        ),
    );
    assert_took(&out, None, secs(15));
}

#[test]
fn a_page_100k_divs_deep_gives_its_links() {
    // Chromium caps the tree at depth 512 and gives every link; so does the depth guard,
    // without html5ever's quadratic scans of 100k open elements (once a named failure).
    let server = Server::start();
    with_healthy_pages(&server);
    server.page("/divs", Response::html(nested("div", 100_000)));
    let out = run_between_healthy(&server, &[], &[server.url("/divs")]);
    assert_success(
        &out,
        &healthy_output(
            &server,
            &[
                server.url("/before"),
                server.url("/inner"),
                server.url("/after"),
            ],
        ),
    );
}

#[test]
fn a_page_of_50k_misnested_formatting_and_blocks_gives_its_links() {
    // <b><div> 50,000 times: 100,000 open elements and the adoption agency; Chromium
    // caps the tree at depth 512 and gives every link, so does the depth guard.
    let html = format!(
        "<!DOCTYPE html><title>Misnested</title><a href=\"/before\">before</a>{}\
         <a href=\"/inner\">inner</a>{}<a href=\"/after\">after</a>",
        "<b><div>".repeat(50_000),
        "</b></div>".repeat(50_000),
    );
    let server = Server::start();
    with_healthy_pages(&server);
    server.page("/misnested", Response::html(html));
    let out = run_between_healthy(&server, &[], &[server.url("/misnested")]);
    assert_success(
        &out,
        &healthy_output(
            &server,
            &[
                server.url("/before"),
                server.url("/inner"),
                server.url("/after"),
            ],
        ),
    );
}

#[test]
fn deep_foreign_content_templates_and_tables_give_the_links_chromium_gives() {
    // Beyond 512 open elements, as Chromium parses it (ci/chromium-diff, group deep):
    // svg keeps its namespace (an svg <a> is no link) and <g/> does not nest; HTML
    // resumes in foreignObject and after a breakout <p>; </span> closes the svg opened
    // in the span; a template this deep does not hide its links (they go to its
    // parent); links misplaced in a table go before it, and what is inside a
    // foster-parented <div> to that div's parent's end, after the table.
    let html = format!(
        "<!DOCTYPE html><title>Deep</title>{divs}\
         <svg>{g}<g><a href=\"/svg-a\">no</a></g>\
         <foreignObject><a href=\"/fo\">fo</a></foreignObject><g><p><a href=\"/breakout\">b</a></g></svg>\
         <span><svg><a href=\"/svg-b\">no</a></span><a href=\"/html\">html</a>\
         <template><a href=\"/in-template\">t</a></template>\
         <table><a href=\"/fostered\">f</a><tr><td><a href=\"/cell\">c</a></td></tr>\
         <div><a href=\"/in-fostered-div\">d</a></div></table>\
         <math><a href=\"/math-a\">no</a><mi><a href=\"/mi\">mi</a></mi></math>{close}\
         <a href=\"/after\">after</a>",
        divs = "<div>".repeat(600),
        g = "<g/>".repeat(1000),
        close = "</div>".repeat(600),
    );
    let server = Server::start();
    with_healthy_pages(&server);
    server.page("/deep/", Response::html(html));
    let out = run_between_healthy(&server, &[], &[server.url("/deep/")]);
    let links: Vec<String> = [
        "/fo",
        "/breakout",
        "/html",
        "/in-template",
        "/fostered",
        "/cell",
        "/in-fostered-div",
        "/mi",
        "/after",
    ]
    .iter()
    .map(|path| server.url(path))
    .collect();
    assert_success(&out, &healthy_output(&server, &links));
}

#[test]
fn a_page_with_a_million_links_gives_them_all() {
    const LINKS: usize = 1_000_000;
    let mut html = String::from("<!DOCTYPE html><title>Many</title>\n");
    for i in 0..LINKS {
        html.push_str(&format!("<a href={i}></a>"));
    }
    let server = Server::start();
    with_healthy_pages(&server);
    server.page("/many/", Response::html(html));
    let middle: Vec<String> = (0..LINKS)
        .map(|i| server.url(&format!("/many/{i}")))
        .collect();
    let out = run_between_healthy(&server, &["--max-bytes", "32MiB"], &[server.url("/many/")]);
    assert_eq!(out.stderr, "");
    assert!(
        out.stdout == healthy_output(&server, &middle),
        "stdout differs: {} lines",
        out.stdout.lines().count()
    );
    assert_eq!(out.code, 0);
    assert_took(&out, None, secs(45));
}

/// An HTML page of exactly `size` bytes: a link, text, a link.
fn page_of_size(size: usize) -> String {
    let head = "<!DOCTYPE html><title>Big</title><a href=\"/big-first\">first</a>\n";
    let tail = "\n<a href=\"/big-last\">last</a>\n";
    let paragraph = format!("<p>{}</p>\n", "lorem ipsum dolor sit amet ".repeat(10));
    let mut html = String::with_capacity(size);
    html.push_str(head);
    while html.len() + paragraph.len() + tail.len() <= size {
        html.push_str(&paragraph);
    }
    html.push_str(&" ".repeat(size - html.len() - tail.len()));
    html.push_str(tail);
    assert_eq!(html.len(), size);
    html
}

#[test]
fn pages_just_under_and_just_over_the_default_cap() {
    let server = Server::start();
    with_healthy_pages(&server);
    server.page("/15mib/", Response::html(page_of_size(15 << 20)));
    server.page("/over/", Response::html(page_of_size((16 << 20) + 1)));
    let over = server.url("/over/");
    let out = run_between_healthy(&server, &[], &[server.url("/15mib/"), over.clone()]);
    assert_failures(
        &out,
        &[(&over, "page larger than 16 MiB (--max-bytes)")],
        &healthy_output(
            &server,
            &[server.url("/big-first"), server.url("/big-last")],
        ),
    );
    assert_took(&out, None, secs(15));
}
