//! Secrets: the password of an input's `user:password@` URL is sent as Basic
//! authentication to that origin only, and never appears on stdout or stderr (as
//! `user:***@` instead), whatever the failure and the verbosity. As in a browser, the
//! page's own address loses its userinfo, so relative links do not carry it either.

use crate::support::{lines, links_page, run, Output, Response, Server};

const PASSWORD: &str = "s3cr3t";

/// `http://ann:s3cr3t@127.0.0.1:PORT/path`.
fn with_credentials(server: &Server, path: &str) -> String {
    server
        .url(path)
        .replacen("http://", &format!("http://ann:{PASSWORD}@"), 1)
}

/// What messages and records show for that URL.
fn masked(server: &Server, path: &str) -> String {
    server.url(path).replacen("http://", "http://ann:***@", 1)
}

fn assert_no_password(out: &Output) {
    assert!(
        !out.stdout.contains(PASSWORD) && !out.stderr.contains(PASSWORD),
        "the password leaked:\nstdout:\n{}\nstderr:\n{}",
        out.stdout,
        out.stderr
    );
}

#[test]
fn the_password_is_sent_as_basic_authentication_to_its_origin_only() {
    let elsewhere = Server::start();
    elsewhere.page("/there", Response::html(links_page("There", &["/t"])));
    let server = Server::start();
    server.page("/page", Response::html(links_page("Page", &["/p"])));
    server.page("/moved", Response::redirect(302, "/page"));
    server.page("/away", Response::redirect(302, &elsewhere.url("/there")));
    let out = run([
        "-o".into(),
        "jsonl".into(),
        "-j".into(),
        "1".into(),
        with_credentials(&server, "/page"),
        with_credentials(&server, "/moved"),
        with_credentials(&server, "/away"),
    ]);
    assert_no_password(&out);
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            format!(
                r#"{{"source":"{}","url":"{}"}}"#,
                masked(&server, "/page"),
                server.url("/p")
            ),
            format!(
                r#"{{"source":"{}","url":"{}"}}"#,
                masked(&server, "/moved"),
                server.url("/p")
            ),
            format!(
                r#"{{"source":"{}","url":"{}"}}"#,
                masked(&server, "/away"),
                elsewhere.url("/t")
            ),
        ])
    );
    // base64("ann:s3cr3t")
    let basic = Some("Basic YW5uOnMzY3IzdA==");
    for path in ["/page", "/moved", "/away"] {
        let requests = server.requests(path);
        assert_eq!(requests[0].header("authorization"), basic, "{path}");
        assert!(
            requests[0]
                .header("host")
                .is_some_and(|host| !host.contains('@')),
            "{path}: {:?}",
            requests[0].header("host")
        );
    }
    // The same-origin redirect kept it; the other origin never saw it.
    assert_eq!(server.requests("/page").len(), 2);
    assert_eq!(server.requests("/page")[1].header("authorization"), basic);
    assert_eq!(
        elsewhere.requests("/there")[0].header("authorization"),
        None
    );
    assert_eq!(out.code, 0);
}

#[test]
fn no_failure_shows_the_password() {
    let server = Server::start();
    server.page("/missing-page", Response::status(404));
    server.page("/loop", Response::redirect(302, "/loop"));
    server.page(
        "/to-ftp",
        Response::redirect(302, &format!("ftp://ann:{PASSWORD}@files.example/x")),
    );
    server.route("/silent", |ctx| {
        ctx.hang();
        Response::status(200)
    });
    let tls = server
        .url("/tls")
        .replacen("http://", &format!("https://ann:{PASSWORD}@"), 1);
    let plain = [
        with_credentials(&server, "/missing-page"),
        with_credentials(&server, "/loop"),
        with_credentials(&server, "/to-ftp"),
        with_credentials(&server, "/silent"),
    ];
    for format in ["stdout", "json", "jsonl"] {
        let mut args: Vec<String> = [
            "-vv",
            "-o",
            format,
            "--timeout",
            "1",
            "--retries",
            "0",
            "--max-redirects",
            "2",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        args.extend(plain.iter().cloned());
        args.push(tls.clone());
        let out = run(args);
        assert_no_password(&out);
        let mut errors: Vec<&str> = out
            .stderr
            .lines()
            .filter(|line| line.starts_with("error: "))
            .collect();
        errors.sort_unstable();
        let tls_masked = tls.replace(PASSWORD, "***");
        let mut expected = vec![
            format!(
                "error: {}: HTTP 404 Not Found",
                masked(&server, "/missing-page")
            ),
            format!(
                "error: {}: too many redirects (more than 2, --max-redirects)",
                masked(&server, "/loop")
            ),
            format!(
                "error: {}: redirected to ftp://ann:***@files.example/x, which is not an \
                 http(s) URL",
                masked(&server, "/to-ftp")
            ),
            format!(
                "error: {}: timed out after 1 s (--timeout)",
                masked(&server, "/silent")
            ),
        ];
        let tls_line = errors
            .iter()
            .find(|line| line.starts_with(&format!("error: {tls_masked}: TLS error: ")))
            .map(|line| line.to_string());
        assert!(tls_line.is_some(), "{format}: {errors:?}");
        expected.extend(tls_line);
        expected.sort_unstable();
        assert_eq!(errors, expected, "{format}");
        assert_eq!(out.code, 1, "{format}");
    }
}

#[test]
fn a_bad_url_with_a_password_is_echoed_masked() {
    let out = run([format!("ann:{PASSWORD}@example.com/x")]);
    assert_no_password(&out);
    let list = crate::support::TempFile::with(format!("ftp://ann:{PASSWORD}@h.example/\n"));
    let out = run(["-i", &list.arg()]);
    assert_no_password(&out);
    assert_eq!(
        out.stderr,
        format!(
            "error: {}:1: invalid URL 'ftp://ann:***@h.example/': only http:// and https:// URLs \
             can be fetched\n",
            list.arg()
        )
    );
    assert_eq!(out.code, 1);
}
