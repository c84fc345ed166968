//! The three output formats, byte for byte.

use crate::support::{cmd, lines, links_page, run, Output, Response, Server, TempFile};

/// stderr lines in sorted order: pages finish in any order, so do their messages.
fn sorted_stderr(out: &Output) -> Vec<String> {
    let mut lines: Vec<String> = out.stderr.lines().map(String::from).collect();
    lines.sort();
    lines
}

/// Three pages that share links, on several origins.
fn shared_links_server() -> Server {
    let server = Server::start();
    server.page(
        "/p1",
        Response::html(links_page(
            "One",
            &[
                "/docs/",
                "https://example.com/about?x=1#team",
                "http://a.example:8080/",
                "/docs/",
                "https://example.com/",
            ],
        )),
    );
    server.page(
        "/p2",
        Response::html(links_page(
            "Two",
            &[
                "https://example.com/about?x=1#team",
                "/blog?page=2",
                "https://example.com/contact",
                "/docs/",
            ],
        )),
    );
    server.page(
        "/p3",
        Response::html(links_page("Three", &["HTTPS://EXAMPLE.COM:443/", "/last"])),
    );
    server
}

#[test]
fn stdout_is_unique_over_the_run_in_input_then_page_order() {
    let server = shared_links_server();
    let out = run([server.url("/p1"), server.url("/p2"), server.url("/p3")]);
    let o = server.origin();
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            format!("{o}/docs/"),
            "https://example.com/about?x=1#team".into(),
            "http://a.example:8080/".into(),
            "https://example.com/".into(),
            format!("{o}/blog?page=2"),
            "https://example.com/contact".into(),
            format!("{o}/last"),
        ])
    );
    assert_eq!(out.code, 0);
}

#[test]
fn stdout_is_the_default_and_can_be_named() {
    let server = shared_links_server();
    let default = run([server.url("/p3")]);
    let named = run(["-o".into(), "stdout".into(), server.url("/p3")]);
    assert_eq!(default.stdout, named.stdout);
    assert_eq!(
        named.stdout,
        lines(&["https://example.com/".into(), server.url("/last")])
    );
    assert_eq!(named.code, 0);
}

#[test]
fn json_groups_links_by_sorted_origin_first_seen_and_unique() {
    let server = shared_links_server();
    let out = run([
        "-o".into(),
        "json".into(),
        server.url("/p1"),
        server.url("/p2"),
        server.url("/p3"),
    ]);
    let o = server.origin();
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        format!(
            r#"{{
  "{o}": [
    "/docs/",
    "/blog?page=2",
    "/last"
  ],
  "http://a.example:8080": [
    "/"
  ],
  "https://example.com": [
    "/about?x=1#team",
    "/",
    "/contact"
  ]
}}
"#
        )
    );
    assert_eq!(out.code, 0);
}

#[test]
fn json_key_plus_value_is_the_absolute_url() {
    let server = shared_links_server();
    let out = run([
        "--output".into(),
        "json".into(),
        server.url("/p1"),
        server.url("/p2"),
        server.url("/p3"),
    ]);
    let stdout_run = run([server.url("/p1"), server.url("/p2"), server.url("/p3")]);
    let parsed: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    let mut from_json: Vec<String> = parsed
        .as_object()
        .expect("an object")
        .iter()
        .flat_map(|(origin, rests)| {
            rests
                .as_array()
                .expect("a list")
                .iter()
                .map(move |rest| format!("{origin}{}", rest.as_str().expect("a string")))
        })
        .collect();
    let mut from_stdout: Vec<String> = stdout_run.stdout.lines().map(String::from).collect();
    from_json.sort();
    from_stdout.sort();
    assert_eq!(from_json, from_stdout);
}

#[test]
fn json_leaves_failed_pages_out_and_exits_1() {
    let server = shared_links_server();
    server.page("/broken", Response::status(500));
    let broken = server.url("/broken");
    let out = run([
        "-o".into(),
        "json".into(),
        "--retries".into(),
        "0".into(),
        broken.clone(),
        server.url("/p3"),
    ]);
    assert_eq!(
        out.stderr,
        format!("error: {broken}: HTTP 500 Internal Server Error\n")
    );
    assert_eq!(
        out.stdout,
        format!(
            "{{\n  \"{}\": [\n    \"/last\"\n  ],\n  \"https://example.com\": [\n    \"/\"\n  ]\n}}\n",
            server.origin()
        )
    );
    assert_eq!(out.code, 1);
}

#[test]
fn json_with_every_page_failed_is_an_empty_object() {
    let server = Server::start();
    server.page("/missing", Response::status(404));
    let url = server.url("/missing");
    let out = run(["-o", "json", &url]);
    assert_eq!(out.stderr, format!("error: {url}: HTTP 404 Not Found\n"));
    assert_eq!(out.stdout, "{}\n");
    assert_eq!(out.code, 1);
}

#[test]
fn jsonl_has_one_object_per_link_per_page_and_one_per_failure() {
    let server = shared_links_server();
    server.page("/missing", Response::status(404));
    server.page("/moved", Response::redirect(301, "/new/home"));
    server.page(
        "/new/home",
        Response::html(links_page("New home", &["about", "/docs/"])),
    );
    let list = TempFile::with(lines(&[
        server.url("/p1"),
        "not a url".into(),
        server.url("/missing"),
        "\"https://example.com/\"".into(),
        server.url("/moved"),
        server.url("/p3"),
    ]));
    let out = run(["-o", "jsonl", "-i", &list.arg()]);
    let o = server.origin();
    let file = list.arg();
    let p1 = server.url("/p1");
    let missing = server.url("/missing");
    let moved = server.url("/moved");
    let p3 = server.url("/p3");
    let not_a_url_error = "invalid URL 'not a url': not an absolute URL: it needs a scheme \
                           and a host, as in https://example.com/";
    let quoted_error = "invalid URL '\\\"https://example.com/\\\"': not an absolute URL: it \
                        needs a scheme and a host, as in https://example.com/";
    assert_eq!(
        out.stdout,
        lines(&[
            format!(r#"{{"source":"{p1}","url":"{o}/docs/"}}"#),
            format!(r#"{{"source":"{p1}","url":"https://example.com/about?x=1#team"}}"#),
            format!(r#"{{"source":"{p1}","url":"http://a.example:8080/"}}"#),
            format!(r#"{{"source":"{p1}","url":"https://example.com/"}}"#),
            format!(r#"{{"source":"{file}:2","error":"{not_a_url_error}","kind":"input"}}"#),
            format!(
                r#"{{"source":"{missing}","error":"HTTP 404 Not Found","kind":"http-status"}}"#
            ),
            format!(r#"{{"source":"{file}:4","error":"{quoted_error}","kind":"input"}}"#),
            // The source is the URL asked for; links resolve against the final URL.
            format!(r#"{{"source":"{moved}","url":"{o}/new/about"}}"#),
            // Not de-duplicated across pages.
            format!(r#"{{"source":"{moved}","url":"{o}/docs/"}}"#),
            format!(r#"{{"source":"{p3}","url":"https://example.com/"}}"#),
            format!(r#"{{"source":"{p3}","url":"{o}/last"}}"#),
        ])
    );
    let mut expected_stderr = vec![
        format!("error: {file}:2: {not_a_url_error}"),
        format!("error: {missing}: HTTP 404 Not Found"),
        format!(
            "error: {file}:4: invalid URL '\"https://example.com/\"': not an absolute URL: \
             it needs a scheme and a host, as in https://example.com/"
        ),
    ];
    expected_stderr.sort();
    assert_eq!(sorted_stderr(&out), expected_stderr);
    assert_eq!(out.code, 1);
    // Every line is a JSON object.
    for line in out.stdout.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        assert!(value.is_object(), "{line}");
    }
}

#[test]
fn jsonl_of_a_page_without_links_is_empty() {
    let server = Server::start();
    server.page(
        "/empty",
        Response::html("<!DOCTYPE html><title>Empty</title>"),
    );
    let out = run(["-o", "jsonl", &server.url("/empty")]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 0);
}

#[test]
fn one_failing_page_among_good_ones_leaves_the_others_complete() {
    let server = shared_links_server();
    server.page(
        "/report.pdf",
        Response::typed("application/pdf", "%PDF-1.4\n"),
    );
    server.page("/missing", Response::status(404));
    let (pdf, missing) = (server.url("/report.pdf"), server.url("/missing"));
    let out = run([
        server.url("/p1"),
        pdf.clone(),
        server.url("/p2"),
        missing.clone(),
        server.url("/p3"),
    ]);
    let o = server.origin();
    assert_eq!(
        out.stdout,
        lines(&[
            format!("{o}/docs/"),
            "https://example.com/about?x=1#team".into(),
            "http://a.example:8080/".into(),
            "https://example.com/".into(),
            format!("{o}/blog?page=2"),
            "https://example.com/contact".into(),
            format!("{o}/last"),
        ])
    );
    let mut expected = vec![
        format!("error: {pdf}: not HTML (application/pdf)"),
        format!("error: {missing}: HTTP 404 Not Found"),
    ];
    expected.sort();
    assert_eq!(sorted_stderr(&out), expected);
    assert_eq!(out.code, 1);
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_reported_and_fails_the_run() {
    let server = shared_links_server();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let out = cmd([server.url("/p1")]).stdout_to(full).run();
    assert_eq!(
        out.stderr,
        "error: writing output: No space left on device (os error 28)\n"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn jsonl_failures_carry_their_kind() {
    let server = Server::start();
    server.page("/ok", Response::html(links_page("Ok", &["/next"])));
    server.page("/pdf", Response::typed("application/pdf", "%PDF-1.4"));
    server.page("/loop", Response::redirect(302, "/loop"));
    let refused = format!("http://127.0.0.1:{}/", crate::support::closed_port());
    let list = TempFile::with(lines(&["not a url".to_string(), refused.clone()]));
    let out = run([
        "-o".into(),
        "jsonl".into(),
        "-j".into(),
        "1".into(),
        "--retries".into(),
        "0".into(),
        "--max-redirects".into(),
        "2".into(),
        server.url("/ok"),
        server.url("/missing"),
        server.url("/pdf"),
        server.url("/loop"),
        "-i".into(),
        list.arg(),
    ]);
    let file = list.arg();
    assert_eq!(
        out.stdout,
        lines(&[
            format!(
                r#"{{"source":"{}","url":"{}"}}"#,
                server.url("/ok"),
                server.url("/next")
            ),
            format!(
                r#"{{"source":"{}","error":"HTTP 404 Not Found","kind":"http-status"}}"#,
                server.url("/missing")
            ),
            format!(
                r#"{{"source":"{}","error":"not HTML (application/pdf)","kind":"not-html"}}"#,
                server.url("/pdf")
            ),
            format!(
                r#"{{"source":"{}","error":"too many redirects (more than 2, --max-redirects)","kind":"redirect"}}"#,
                server.url("/loop")
            ),
            format!(
                r#"{{"source":"{file}:1","error":"invalid URL 'not a url': not an absolute URL: it needs a scheme and a host, as in https://example.com/","kind":"input"}}"#
            ),
            format!(
                r#"{{"source":"{refused}","error":"connection failed: connection refused","kind":"connect"}}"#
            ),
        ])
    );
    assert_eq!(out.code, 1);
}
