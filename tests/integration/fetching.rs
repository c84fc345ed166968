//! Fetching: content types, status codes, retries, timeouts, the byte cap, compression,
//! broken servers and proxies.

use std::time::{Duration, SystemTime};

use crate::support::{closed_port, cmd, lines, links_page, page, run, Output, Response, Server};

/// A page with one link to `/ok-link`.
fn good_page() -> Response {
    Response::html(links_page("Good", &["/ok-link"]))
}

/// Asserts a run that failed on `url` alone, with exactly `reason`.
fn assert_failed(out: &Output, url: &str, reason: &str) {
    assert_eq!(out.stderr, format!("error: {url}: {reason}\n"));
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 1);
}

/// Serves `response` at `/page` and runs the binary on it with `extra` arguments first.
fn fetch_one(response: Response, extra: &[&str]) -> (Server, Output) {
    let server = Server::start();
    server.page("/page", response);
    let url = server.url("/page");
    let mut args = extra.to_vec();
    args.push(&url);
    let out = run(args);
    (server, out)
}

#[test]
fn non_html_content_types_fail_the_page() {
    let png: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "application/pdf",
            b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\n",
            "application/pdf",
        ),
        ("image/png", png, "image/png"),
        (
            "application/json; charset=utf-8",
            br#"{"links": ["<a href=\"/x\">"]}"#,
            "application/json",
        ),
        (
            "text/plain",
            b"<a href=\"/looks-like-html\">but is text</a>",
            "text/plain",
        ),
    ];
    for (content_type, body, shown) in cases {
        let (server, out) = fetch_one(Response::typed(content_type, body.to_vec()), &[]);
        assert_failed(&out, &server.url("/page"), &format!("not HTML ({shown})"));
        assert_eq!(server.hits("/page"), 1, "{content_type}: not retried");
    }
}

#[test]
fn html_content_types_in_any_case_and_xhtml_are_accepted() {
    for content_type in [
        "text/html",
        "TEXT/HTML; Charset=UTF-8",
        "application/xhtml+xml",
        "application/xhtml+xml; charset=utf-8",
    ] {
        let xhtml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                     <html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>X</title></head>\n\
                     <body><p><a href=\"/ok-link\">ok</a></p></body></html>\n";
        let (server, out) = fetch_one(Response::typed(content_type, xhtml), &[]);
        assert_eq!(out.stderr, "", "{content_type}");
        assert_eq!(
            out.stdout,
            lines(&[server.url("/ok-link")]),
            "{content_type}"
        );
        assert_eq!(out.code, 0, "{content_type}");
    }
}

#[test]
fn a_missing_content_type_is_sniffed() {
    let (server, out) = fetch_one(Response::untyped(links_page("No type", &["/ok-link"])), &[]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&[server.url("/ok-link")]));
    assert_eq!(out.code, 0);

    let (server, out) = fetch_one(
        Response::untyped(&b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n<a href=\"/x\">"[..]),
        &[],
    );
    assert_failed(
        &out,
        &server.url("/page"),
        "not HTML (no Content-Type, and the body does not look like HTML)",
    );
}

#[test]
fn a_content_type_that_is_not_a_mime_type_counts_as_missing() {
    // Browsers sniff the body when Content-Type does not parse as a MIME type.
    let (server, out) = fetch_one(
        Response::typed("html", links_page("Bad type", &["/ok-link"])),
        &[],
    );
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&[server.url("/ok-link")]));
    assert_eq!(out.code, 0);
}

#[test]
fn an_empty_html_page_has_no_links_and_succeeds() {
    let (_server, out) = fetch_one(Response::typed("text/html", ""), &[]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 0);
}

#[test]
fn a_page_without_links_succeeds() {
    let (_server, out) = fetch_one(
        Response::html(page("Nothing", "<p>No links here.</p>")),
        &["-o", "json"],
    );
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, "{}\n");
    assert_eq!(out.code, 0);
}

#[test]
fn client_errors_fail_at_once_without_retries() {
    for (status, reason) in [(404, "Not Found"), (403, "Forbidden"), (410, "Gone")] {
        let (server, out) = fetch_one(
            Response::status(status)
                .header("Content-Type", "text/html")
                .body(links_page("Error", &["/should-not-be-listed"])),
            &[],
        );
        assert_failed(
            &out,
            &server.url("/page"),
            &format!("HTTP {status} {reason}"),
        );
        assert_eq!(server.hits("/page"), 1, "{status}");
    }
}

#[test]
fn server_errors_are_retried_then_reported_with_the_attempt_count() {
    let (server, out) = fetch_one(Response::status(503), &["--retries", "2"]);
    assert_failed(
        &out,
        &server.url("/page"),
        "HTTP 503 Service Unavailable (after 3 attempts)",
    );
    assert_eq!(server.hits("/page"), 3);
}

#[test]
fn no_retries_means_one_attempt() {
    let (server, out) = fetch_one(Response::status(500), &["--retries", "0"]);
    assert_failed(&out, &server.url("/page"), "HTTP 500 Internal Server Error");
    assert_eq!(server.hits("/page"), 1);
}

#[test]
fn a_transient_failure_then_success_prints_the_links() {
    let server = Server::start();
    server.sequence(
        "/page",
        vec![Response::status(502), Response::status(408), good_page()],
    );
    let out = run([&server.url("/page")]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&[server.url("/ok-link")]));
    assert_eq!(out.code, 0);
    assert_eq!(server.hits("/page"), 3);
}

#[test]
fn retry_after_is_honoured() {
    let server = Server::start();
    server.sequence(
        "/page",
        vec![
            Response::status(429)
                .header("Retry-After", "1")
                .header("Content-Type", "text/plain")
                .body("slow down"),
            good_page(),
        ],
    );
    let out = run(["--retries", "1", &server.url("/page")]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&[server.url("/ok-link")]));
    assert_eq!(out.code, 0);
    assert_eq!(server.hits("/page"), 2);
    assert!(
        out.elapsed >= Duration::from_secs(1),
        "Retry-After: 1 not waited for: {:?}",
        out.elapsed
    );
}

#[test]
fn retries_are_logged_at_verbose() {
    let server = Server::start();
    server.sequence(
        "/page",
        vec![
            Response::status(429).header("Retry-After", "0"),
            good_page(),
        ],
    );
    let url = server.url("/page");
    let out = run(["-v", &url]);
    assert!(
        out.stderr.contains(&format!(
            "info: {url}: HTTP 429 Too Many Requests; retrying in 0 ms (attempt 2/3)\n"
        )),
        "{:?}",
        out.stderr
    );
    assert_eq!(out.stdout, lines(&[server.url("/ok-link")]));
    assert_eq!(out.code, 0);
}

#[test]
fn a_refused_connection_fails_quickly() {
    let url = format!("http://127.0.0.1:{}/", closed_port());
    let out = run(["--connect-timeout", "1", "--retries", "0", &url]);
    assert_failed(&out, &url, "connection failed: connection refused");
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);
}

#[test]
fn a_refused_connection_is_retried() {
    let url = format!("http://127.0.0.1:{}/", closed_port());
    let out = run(["--retries", "1", &url]);
    assert_failed(
        &out,
        &url,
        "connection failed: connection refused (after 2 attempts)",
    );
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = Server::start();
    server.route("/page", |ctx| {
        ctx.hang();
        Response::status(500)
    });
    let url = server.url("/page");
    let out = run(["--timeout", "1", &url]);
    assert_failed(&out, &url, "timed out after 1 s (--timeout)");
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);
    assert_eq!(server.hits("/page"), 1, "a timeout is not retried");
}

#[test]
fn timeout_takes_the_equals_form_and_milliseconds() {
    let server = Server::start();
    server.route("/page", |ctx| {
        ctx.hang();
        Response::status(500)
    });
    let url = server.url("/page");
    let out = run(["--timeout=500ms", &url]);
    assert_failed(&out, &url, "timed out after 500 ms (--timeout)");
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);
}

#[test]
fn a_body_that_trickles_past_the_timeout_fails() {
    let body = links_page("Slow", &["/ok-link"]);
    let (server, out) = fetch_one(
        Response::html(body).trickle(Duration::from_millis(50)),
        &["--timeout", "1"],
    );
    assert_failed(
        &out,
        &server.url("/page"),
        "timed out after 1 s (--timeout)",
    );
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);
}

#[test]
fn a_body_that_stalls_fails_at_the_timeout() {
    let body = links_page("Stalled", &["/ok-link"]);
    let (server, out) = fetch_one(Response::html(body).stall_after(100), &["--timeout", "1"]);
    assert_failed(
        &out,
        &server.url("/page"),
        "timed out after 1 s (--timeout)",
    );
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);
}

/// An HTML page of exactly `size` bytes with one link, `/ok-link`.
fn page_of_size(size: usize) -> String {
    let mut html =
        String::from("<!DOCTYPE html><title>Sized</title><a href=\"/ok-link\">ok</a><!--");
    let end = "-->\n";
    assert!(html.len() + end.len() <= size);
    html.push_str(&"x".repeat(size - html.len() - end.len()));
    html.push_str(end);
    assert_eq!(html.len(), size);
    html
}

#[test]
fn a_body_larger_than_max_bytes_fails() {
    let (server, out) = fetch_one(Response::html(page_of_size(1025)), &["--max-bytes", "1KiB"]);
    assert_failed(
        &out,
        &server.url("/page"),
        "page larger than 1 KiB (--max-bytes)",
    );

    let (server, out) = fetch_one(Response::html(page_of_size(5000)), &["--max-bytes", "1000"]);
    assert_failed(
        &out,
        &server.url("/page"),
        "page larger than 1000 bytes (--max-bytes)",
    );
}

#[test]
fn a_body_of_exactly_max_bytes_is_accepted() {
    let (server, out) = fetch_one(Response::html(page_of_size(1024)), &["--max-bytes", "1KiB"]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&[server.url("/ok-link")]));
    assert_eq!(out.code, 0);
}

#[test]
fn a_body_without_content_length_is_capped_too() {
    let (server, out) = fetch_one(
        Response::html(page_of_size(100_000)).without_length(),
        &["--max-bytes", "64KiB"],
    );
    assert_failed(
        &out,
        &server.url("/page"),
        "page larger than 64 KiB (--max-bytes)",
    );

    let (server, out) = fetch_one(
        Response::html(page_of_size(60_000)).without_length(),
        &["--max-bytes", "64KiB"],
    );
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&[server.url("/ok-link")]));
    assert_eq!(out.code, 0);
}

#[test]
fn gzip_bodies_are_decompressed() {
    let server = Server::start();
    // Content negotiation, as real servers do it.
    server.route("/page", |ctx| {
        let accepts = ctx.request.header("accept-encoding").unwrap_or_default();
        if accepts
            .split(',')
            .any(|coding| coding.trim().starts_with("gzip"))
        {
            Response::html(links_page("Compressed", &["/ok-link", "/second"])).gzip()
        } else {
            Response::html(links_page("Plain", &["/not-compressed"]))
        }
    });
    let out = run([&server.url("/page")]);
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[server.url("/ok-link"), server.url("/second")])
    );
    assert_eq!(out.code, 0);
}

#[test]
fn the_byte_cap_applies_after_decompression() {
    // 4 KiB of HTML compresses to far less than the 1 KiB cap.
    let response = Response::html(page_of_size(4096)).gzip();
    let (server, out) = fetch_one(response, &["--max-bytes", "1KiB"]);
    assert_failed(
        &out,
        &server.url("/page"),
        "page larger than 1 KiB (--max-bytes)",
    );
}

#[test]
fn a_decompression_bomb_stops_at_the_default_cap() {
    let mut html = String::from("<!DOCTYPE html><a href=\"/x\">x</a><!--");
    html.push_str(&" ".repeat(24 << 20));
    let response = Response::html(html).gzip();
    let (server, out) = fetch_one(response, &[]);
    assert_failed(
        &out,
        &server.url("/page"),
        "page larger than 16 MiB (--max-bytes)",
    );
}

#[test]
fn a_body_that_is_not_really_gzip_is_a_named_failure() {
    let response = Response::html("this is not gzip at all").header("Content-Encoding", "gzip");
    let (server, out) = fetch_one(response, &[]);
    assert_failed(
        &out,
        &server.url("/page"),
        "could not decompress the gzip body: invalid gzip header",
    );
}

#[test]
fn a_response_that_is_not_http_is_a_named_failure() {
    let (server, out) = fetch_one(
        Response::raw("SSH-2.0-OpenSSH_9.6\r\n\r\n"),
        &["--retries", "0"],
    );
    assert_failed(
        &out,
        &server.url("/page"),
        "bad HTTP response: http parse fail: invalid HTTP version",
    );
}

#[test]
fn a_connection_closed_before_the_response_is_a_named_failure() {
    let (server, out) = fetch_one(Response::raw(""), &["--retries", "0"]);
    assert_failed(
        &out,
        &server.url("/page"),
        "bad HTTP response: connection closed before the response was complete",
    );
}

#[test]
fn a_body_shorter_than_its_content_length_is_a_named_failure() {
    let html = links_page("Cut", &["/ok-link"]);
    let raw = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        html.len() + 500,
        html
    );
    let (server, out) = fetch_one(Response::raw(raw), &["--retries", "0"]);
    assert_failed(
        &out,
        &server.url("/page"),
        "bad HTTP response: connection closed before the response was complete",
    );
}

#[test]
fn http_proxy_from_the_environment_is_used() {
    let proxy = Server::start();
    proxy.accept_tunnels();
    proxy.page("/via-proxy", good_page());
    // Nothing listens at the page's own address: only the proxy can answer.
    let authority = format!("127.0.0.1:{}", closed_port());
    let url = format!("http://{authority}/via-proxy");
    let out = cmd([&url]).env("HTTP_PROXY", &proxy.origin()).run();
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&[format!("http://{authority}/ok-link")]));
    assert_eq!(out.code, 0);
    assert_eq!(proxy.hits("/via-proxy"), 1);
}

#[test]
fn no_proxy_bypasses_the_proxy() {
    let server = Server::start();
    server.page("/page", good_page());
    let dead_proxy = format!("http://127.0.0.1:{}", closed_port());
    let out = cmd([&server.url("/page")])
        .env("HTTP_PROXY", &dead_proxy)
        .env("NO_PROXY", "127.0.0.1")
        .run();
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&[server.url("/ok-link")]));
    assert_eq!(out.code, 0);
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    let server = Server::start();
    let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3));
    server.sequence(
        "/page",
        vec![
            Response::status(503).header("Retry-After", &when),
            good_page(),
        ],
    );
    let out = run([&server.url("/page")]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&[server.url("/ok-link")]));
    assert_eq!(out.code, 0);
    assert_eq!(server.hits("/page"), 2);
    // The date has a one-second resolution: at least two seconds are left of the three.
    assert!(out.elapsed >= Duration::from_secs(1), "{:?}", out.elapsed);
}

#[test]
fn a_redirect_without_location_is_a_named_failure() {
    let (server, out) = fetch_one(Response::status(302), &[]);
    assert_failed(
        &out,
        &server.url("/page"),
        "HTTP 302 Found (redirect not followed: no Location header)",
    );
    assert_eq!(server.hits("/page"), 1);
}

#[test]
fn a_chunked_body_is_read() {
    let html = links_page("Chunked", &["/ok-link"]);
    let (first, second) = html.split_at(html.len() / 2);
    let raw = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n{:x}\r\n{first}\r\n{:x}\r\n{second}\r\n0\r\n\r\n",
        first.len(),
        second.len()
    );
    let (server, out) = fetch_one(Response::raw(raw), &[]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&[server.url("/ok-link")]));
    assert_eq!(out.code, 0);
}

#[test]
fn oversized_response_headers_are_a_named_failure() {
    let (server, out) = fetch_one(good_page().header("X-Padding", &"a".repeat(200_000)), &[]);
    let url = server.url("/page");
    let prefix =
        format!("error: {url}: bad HTTP response: response headers larger than 65536 bytes");
    assert!(out.stderr.starts_with(&prefix), "{:?}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{:?}", out.stderr);
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 1);
}

#[test]
fn credentials_are_not_sent_to_another_origin_after_a_redirect() {
    let first = Server::start();
    let other = Server::start();
    first.page("/same", Response::redirect(302, "/landing"));
    first.page("/landing", good_page());
    first.page("/away", Response::redirect(302, &other.url("/landing")));
    other.page("/landing", good_page());
    let out = run([
        "-H".into(),
        "Authorization: Bearer s3cr3t".into(),
        "-H".into(),
        "Cookie: session=abc".into(),
        "-H".into(),
        "X-Test: 1".into(),
        first.url("/same"),
        first.url("/away"),
    ]);
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[first.url("/ok-link"), other.url("/ok-link")])
    );
    assert_eq!(out.code, 0);
    // Same origin: every header follows the redirect.
    let same = &first.requests("/landing")[0];
    assert_eq!(same.header("authorization"), Some("Bearer s3cr3t"));
    assert_eq!(same.header("cookie"), Some("session=abc"));
    assert_eq!(same.header("x-test"), Some("1"));
    // Another origin (another port): credentials stay behind, as with curl.
    let away = &other.requests("/landing")[0];
    assert_eq!(away.header("authorization"), None);
    assert_eq!(away.header("cookie"), None);
    assert_eq!(away.header("x-test"), Some("1"));
}

#[test]
fn a_redirect_to_a_non_http_url_is_a_named_failure() {
    let (server, out) = fetch_one(Response::redirect(302, "ftp://files.example.com/pub/"), &[]);
    let url = server.url("/page");
    assert!(
        out.stderr.starts_with(&format!("error: {url}: "))
            && out.stderr.contains("ftp://files.example.com/pub/"),
        "{:?}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{:?}", out.stderr);
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 1);
}
