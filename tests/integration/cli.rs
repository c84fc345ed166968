//! The command line: every flag, usage errors (exit 2, nothing fetched), --help and
//! --version, log verbosity.

use crate::support::{cmd, lines, links_page, run, Response, Server, TempDir, TempFile};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A server with `/a`, `/b`, `/c` and `/d`, each linking to `/x-a`... and to `/shared`.
fn four_pages() -> Server {
    let server = Server::start();
    for name in ["a", "b", "c", "d"] {
        server.page(
            &format!("/{name}"),
            Response::html(links_page(
                &format!("Page {name}"),
                &[&format!("/x-{name}"), "/shared"],
            )),
        );
    }
    server
}

#[test]
fn positional_urls_are_fetched_in_the_order_given() {
    let server = four_pages();
    let out = run([server.url("/b"), server.url("/a")]);
    let o = server.origin();
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            format!("{o}/x-b"),
            format!("{o}/shared"),
            format!("{o}/x-a")
        ])
    );
    assert_eq!(out.code, 0);
}

#[test]
fn positional_u_and_i_keep_their_command_line_order() {
    let server = four_pages();
    let list = TempFile::with(lines(&[server.url("/c")]));
    let out = run([
        "-u".into(),
        server.url("/b"),
        server.url("/a"),
        "-i".into(),
        list.arg(),
        "--url".into(),
        server.url("/d"),
    ]);
    let o = server.origin();
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            format!("{o}/x-b"),
            format!("{o}/shared"),
            format!("{o}/x-a"),
            format!("{o}/x-c"),
            format!("{o}/x-d"),
        ])
    );
    assert_eq!(out.code, 0);
    for page in ["/a", "/b", "/c", "/d"] {
        assert_eq!(server.hits(page), 1, "{page}");
    }
}

#[test]
fn double_dash_ends_the_options() {
    let server = four_pages();
    let out = run(["-j", "2", "--", &server.url("/a")]);
    let o = server.origin();
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[format!("{o}/x-a"), format!("{o}/shared")])
    );
    assert_eq!(out.code, 0);
}

#[test]
fn one_job_fetches_every_page_in_order() {
    let server = four_pages();
    let out = run([
        "-j".into(),
        "1".into(),
        server.url("/d"),
        server.url("/c"),
        server.url("/b"),
        server.url("/a"),
    ]);
    let o = server.origin();
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            format!("{o}/x-d"),
            format!("{o}/shared"),
            format!("{o}/x-c"),
            format!("{o}/x-b"),
            format!("{o}/x-a"),
        ])
    );
    assert_eq!(out.code, 0);
}

#[test]
fn options_also_take_the_equals_form() {
    let server = four_pages();
    let out = run([
        "--timeout=5".into(),
        "--connect-timeout=2s".into(),
        "--retries=0".into(),
        "--max-redirects=3".into(),
        "--max-bytes=64KiB".into(),
        "--output=jsonl".into(),
        "--jobs=2".into(),
        "--header=X-Test: 1".into(),
        "--user-agent=eq-form/1".into(),
        format!("--url={}", server.url("/a")),
    ]);
    let o = server.origin();
    let source = server.url("/a");
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            format!(r#"{{"source":"{source}","url":"{o}/x-a"}}"#),
            format!(r#"{{"source":"{source}","url":"{o}/shared"}}"#),
        ])
    );
    assert_eq!(out.code, 0);
    let request = &server.requests("/a")[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.target, "/a");
    assert_eq!(request.header("x-test"), Some("1"));
    assert_eq!(request.header("user-agent"), Some("eq-form/1"));
}

#[test]
fn headers_given_with_h_reach_the_server() {
    let server = four_pages();
    let out = run([
        "-H",
        "X-Test: 1",
        "--header",
        "Authorization:  Bearer abc.def ",
        &server.url("/a"),
    ]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 0);
    let requests = server.requests("/a");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].header("X-Test"), Some("1"));
    assert_eq!(requests[0].header("authorization"), Some("Bearer abc.def"));
}

#[test]
fn user_agent_defaults_to_name_and_version() {
    let server = four_pages();
    let out = run([server.url("/a")]);
    assert_eq!(out.code, 0);
    let requests = server.requests("/a");
    assert_eq!(
        requests[0].header("user-agent"),
        Some(format!("link-extractor/{VERSION}").as_str())
    );
    let accept = requests[0].header("accept").unwrap_or_default();
    assert!(accept.contains("text/html"), "Accept: {accept}");
}

#[test]
fn user_agent_can_be_replaced() {
    let server = four_pages();
    let out = run([
        "--user-agent",
        "Mozilla/5.0 (compatible; SREBot/2.1)",
        &server.url("/a"),
    ]);
    assert_eq!(out.code, 0);
    let requests = server.requests("/a");
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].header("user-agent"),
        Some("Mozilla/5.0 (compatible; SREBot/2.1)")
    );
}

#[test]
fn a_user_agent_header_replaces_the_default_as_with_curl() {
    let server = four_pages();
    let out = run(["-H", "User-Agent: custom/1", &server.url("/a")]);
    assert_eq!(out.code, 0);
    let request = &server.requests("/a")[0];
    let agents: Vec<&str> = request
        .headers
        .iter()
        .filter(|(name, _)| name == "user-agent")
        .map(|(_, value)| value.as_str())
        .collect();
    assert_eq!(agents, ["custom/1"]);
}

#[test]
fn a_repeated_header_is_sent_each_time() {
    let server = four_pages();
    let out = run(["-H", "X-Team: sre", "-H", "X-Team: web", &server.url("/a")]);
    assert_eq!(out.code, 0);
    let request = &server.requests("/a")[0];
    let teams: Vec<&str> = request
        .headers
        .iter()
        .filter(|(name, _)| name == "x-team")
        .map(|(_, value)| value.as_str())
        .collect();
    assert_eq!(teams, ["sre", "web"]);
}

#[test]
fn shard_keeps_every_count_th_input_after_deduplication() {
    let server = four_pages();
    // Positions after de-duplication: a=0, b=1, c=2, d=3.
    let list = TempFile::with(lines(&[
        server.url("/a"),
        server.url("/a"),
        server.url("/b"),
        server.url("/c"),
        server.url("/d"),
    ]));
    let out = run(["--shard", "1/2", "-i", &list.arg()]);
    let o = server.origin();
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            format!("{o}/x-b"),
            format!("{o}/shared"),
            format!("{o}/x-d")
        ])
    );
    assert_eq!(out.code, 0);
    assert_eq!(
        ["/a", "/b", "/c", "/d"].map(|p| server.hits(p)),
        [0, 1, 0, 1]
    );
}

#[test]
fn shard_zero_of_two() {
    let server = four_pages();
    let out = run([
        "--shard".into(),
        "0/2".into(),
        server.url("/a"),
        server.url("/b"),
        server.url("/c"),
        server.url("/d"),
    ]);
    let o = server.origin();
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            format!("{o}/x-a"),
            format!("{o}/shared"),
            format!("{o}/x-c")
        ])
    );
    assert_eq!(out.code, 0);
    assert_eq!(
        ["/a", "/b", "/c", "/d"].map(|p| server.hits(p)),
        [1, 0, 1, 0]
    );
}

#[test]
fn shard_auto_takes_the_index_from_job_completion_index() {
    let server = four_pages();
    let out = cmd([
        "--shard".into(),
        "auto/2".into(),
        server.url("/a"),
        server.url("/b"),
        server.url("/c"),
        server.url("/d"),
    ])
    .env("JOB_COMPLETION_INDEX", "1")
    .run();
    let o = server.origin();
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            format!("{o}/x-b"),
            format!("{o}/shared"),
            format!("{o}/x-d")
        ])
    );
    assert_eq!(out.code, 0);
    assert_eq!(
        ["/a", "/b", "/c", "/d"].map(|p| server.hits(p)),
        [0, 1, 0, 1]
    );
}

#[test]
fn verbose_names_the_links_it_skips() {
    let server = Server::start();
    server.page(
        "/contact",
        Response::html(links_page(
            "Contact",
            &[
                "mailto:someone@example.com",
                "/about",
                "tel:+15555550100",
                "javascript:void(0)",
            ],
        )),
    );
    let url = server.url("/contact");
    let out = run(["-v", &url]);
    assert_eq!(out.stdout, lines(&[server.url("/about")]));
    assert_eq!(out.code, 0);
    for skipped in [
        "mailto:someone@example.com",
        "tel:+15555550100",
        "javascript:void(0)",
    ] {
        let line = format!("info: {url}: skipped {skipped} (not an http(s) link)\n");
        assert!(
            out.stderr.contains(&line),
            "{line:?} not in {:?}",
            out.stderr
        );
    }

    // Not without -v.
    let out = run([&url]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&[server.url("/about")]));
    assert_eq!(out.code, 0);
}

#[test]
fn rust_log_overrides_the_verbosity() {
    let server = Server::start();
    server.page(
        "/contact",
        Response::html(links_page("Contact", &["mailto:someone@example.com"])),
    );
    let url = server.url("/contact");
    let out = cmd([&url]).env("RUST_LOG", "link_extractor=info").run();
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 0);
    assert!(
        out.stderr
            .contains(&format!("info: {url}: skipped mailto:someone@example.com")),
        "{:?}",
        out.stderr
    );
}

#[test]
fn quiet_keeps_errors_and_double_quiet_drops_them() {
    let server = Server::start();
    server.page("/gone", Response::status(410));
    let url = server.url("/gone");

    let out = run(["-q", &url]);
    assert_eq!(out.stderr, format!("error: {url}: HTTP 410 Gone\n"));
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 1);

    let out = run(["-qq", &url]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 1);
}

#[test]
fn quiet_and_verbose_cancel_out() {
    let server = Server::start();
    server.page(
        "/p",
        Response::html(links_page("P", &["mailto:someone@example.com", "/q"])),
    );
    let out = run(["-v", "-q", &server.url("/p")]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&[server.url("/q")]));
    assert_eq!(out.code, 0);
}

#[test]
fn version_prints_one_exact_line() {
    let out = run(["--version"]);
    assert_eq!(out.stdout, format!("link-extractor {VERSION}\n"));
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 0);
}

#[test]
fn help_lists_every_option_and_exits_zero() {
    for flag in ["--help", "-h"] {
        let out = run([flag]);
        assert_eq!(out.code, 0, "{flag}");
        assert_eq!(out.stderr, "", "{flag}");
        assert!(
            out.stdout.starts_with("Usage: link-extractor"),
            "{}",
            out.stdout
        );
        for option in [
            "--url",
            "--input",
            "--output",
            "--jobs",
            "--timeout",
            "--connect-timeout",
            "--retries",
            "--max-redirects",
            "--max-bytes",
            "--header",
            "--user-agent",
            "--shard",
            "--verbose",
            "--quiet",
            "--version",
            "--help",
        ] {
            assert!(out.stdout.contains(option), "{flag}: {option} missing");
        }
    }
}

/// Runs with `args` (plus a valid page URL of `server` first, so that only the bad part
/// is wrong) and checks the usage error: exit 2, exactly `message` on stderr, nothing on
/// stdout, nothing fetched.
fn assert_usage_error(server: &Server, args: &[&str], message: &str) {
    let page = server.url("/a");
    let mut all = vec![page.as_str()];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(out.stderr, format!("error: {message}\n"), "args {args:?}");
    assert_eq!(out.stdout, "", "args {args:?}");
    assert_eq!(out.code, 2, "args {args:?}");
    assert_eq!(
        server.total_hits(),
        0,
        "args {args:?}: something was fetched"
    );
}

#[test]
fn a_url_without_a_scheme_is_a_usage_error_with_a_suggestion() {
    let server = four_pages();
    assert_usage_error(
        &server,
        &["example.com"],
        "invalid URL 'example.com' (from argument): not an absolute URL \
         (did you mean https://example.com?)",
    );
    assert_usage_error(
        &server,
        &["-u", "example.com/news?id=1"],
        "invalid URL 'example.com/news?id=1' (from -u): not an absolute URL \
         (did you mean https://example.com/news?id=1?)",
    );
    assert_usage_error(
        &server,
        &["localhost:8080"],
        "invalid URL 'localhost:8080' (from argument): not an absolute URL \
         (did you mean http://localhost:8080?)",
    );
    // A server on this machine speaks plain HTTP more often than not.
    assert_usage_error(
        &server,
        &["127.0.0.1:8000/x"],
        "invalid URL '127.0.0.1:8000/x' (from argument): not an absolute URL \
         (did you mean http://127.0.0.1:8000/x?)",
    );
    assert_usage_error(
        &server,
        &["/just/a/path"],
        "invalid URL '/just/a/path' (from argument): not an absolute URL: it needs a scheme \
         and a host, as in https://example.com/",
    );
}

#[test]
fn a_non_http_url_is_a_usage_error() {
    let server = four_pages();
    assert_usage_error(
        &server,
        &["ftp://x"],
        "invalid URL 'ftp://x' (from argument): only http:// and https:// URLs can be fetched",
    );
    assert_usage_error(
        &server,
        &["-u", "mailto:sre@example.com"],
        "invalid URL 'mailto:sre@example.com' (from -u): only http:// and https:// URLs \
         can be fetched",
    );
    assert_usage_error(
        &server,
        &["http://"],
        "invalid URL 'http://' (from argument): empty host",
    );
}

#[test]
fn bad_flags_and_values_are_usage_errors() {
    let server = four_pages();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--bogus"],
            "Unrecognized argument: --bogus\nRun 'link-extractor --help' for usage.",
        ),
        (
            &["-o", "xml"],
            "invalid --output 'xml': expected stdout, json or jsonl",
        ),
        (
            &["-j", "0"],
            "invalid --jobs '0': expected a number from 1 to 1024",
        ),
        (
            &["-j", "abc"],
            "Error parsing option '-j' with value 'abc': invalid digit found in string\n\
             Run 'link-extractor --help' for usage.",
        ),
        (
            &["--timeout", "soon"],
            "invalid --timeout 'soon': expected a positive duration of at most a day, \
             such as 30, 2.5s, 500ms or 1m",
        ),
        (
            &["--timeout", "0"],
            "invalid --timeout '0': expected a positive duration of at most a day, \
             such as 30, 2.5s, 500ms or 1m",
        ),
        (
            &["--connect-timeout", "-1"],
            "invalid --connect-timeout '-1': expected a positive duration of at most a day, \
             such as 30, 2.5s, 500ms or 1m",
        ),
        (
            &["--max-bytes", "lots"],
            "invalid --max-bytes 'lots': expected a positive size such as 16MiB, 500KiB or \
             1000000",
        ),
        (
            &["--retries", "-1"],
            "Error parsing option '--retries' with value '-1': invalid digit found in string\n\
             Run 'link-extractor --help' for usage.",
        ),
        (
            &["-H", "NoColon"],
            "invalid --header 'NoColon': expected 'Name: value'",
        ),
        (
            &["-H", "Bad Name: x"],
            "invalid --header 'Bad Name: x': the name is not a valid header name",
        ),
        (
            &["--shard", "2/2"],
            "invalid --shard '2/2': INDEX 2 is out of range: it must be less than COUNT 2",
        ),
        (
            &["--shard", "1"],
            "invalid --shard '1': expected INDEX/COUNT or auto/COUNT, e.g. 0/4",
        ),
        (
            &["--shard", "auto/2"],
            "invalid --shard 'auto/2': auto needs JOB_COMPLETION_INDEX in the environment \
             (a Kubernetes Indexed Job sets it)",
        ),
        (
            &["--max-bytes", "0"],
            "invalid --max-bytes '0': expected a positive size such as 16MiB, 500KiB or \
             1000000",
        ),
        (
            &["-j", "1025"],
            "invalid --jobs '1025': expected a number from 1 to 1024",
        ),
        (
            &["--timeout", "25h"],
            "invalid --timeout '25h': expected a positive duration of at most a day, \
             such as 30, 2.5s, 500ms or 1m",
        ),
        (
            &["--user-agent", "bot\nInjected: yes"],
            "invalid --user-agent 'bot\\nInjected: yes': control characters are not allowed \
             in a header",
        ),
        (
            &["-u"],
            "No value provided for option '-u'.\nRun 'link-extractor --help' for usage.",
        ),
    ];
    for (args, message) in cases {
        assert_usage_error(&server, args, message);
    }
}

#[test]
fn a_bad_job_completion_index_is_a_usage_error() {
    let server = four_pages();
    let out = cmd(["--shard", "auto/2", &server.url("/a")])
        .env("JOB_COMPLETION_INDEX", "first")
        .run();
    assert_eq!(
        out.stderr,
        "error: invalid --shard 'auto/2': JOB_COMPLETION_INDEX 'first' is not a whole number\n"
    );
    assert_eq!(out.code, 2);
    assert_eq!(server.total_hits(), 0);
}

#[test]
fn no_url_at_all_is_a_usage_error() {
    for args in [&[][..], &["-o", "json"][..], &["-v"][..]] {
        let out = run(args);
        assert_eq!(
            out.stderr,
            "error: no URL given: pass page URLs as arguments, with -u URL, in a file with \
             -i FILE, or on stdin (see 'link-extractor --help')\n",
            "args {args:?}"
        );
        assert_eq!(out.stdout, "");
        assert_eq!(out.code, 2);
    }
}

#[test]
fn a_missing_input_file_is_a_usage_error() {
    let server = four_pages();
    let dir = TempDir::new();
    let missing = dir.path().join("missing.txt");
    let missing = missing.to_str().expect("UTF-8 path");
    assert_usage_error(
        &server,
        &["-i", missing],
        &format!("cannot read input file '{missing}': no such file"),
    );
}

#[test]
fn a_directory_as_input_file_is_a_usage_error() {
    let server = four_pages();
    let dir = TempDir::new();
    assert_usage_error(
        &server,
        &["-i", &dir.arg()],
        &format!("cannot read input file '{}': it is a directory", dir.arg()),
    );
}

#[test]
fn a_usage_error_after_good_urls_still_fetches_nothing() {
    let server = four_pages();
    let list = TempFile::with(lines(&[server.url("/c")]));
    assert_usage_error(
        &server,
        &["-i", &list.arg(), &server.url("/b"), "-u", "example.com"],
        "invalid URL 'example.com' (from -u): not an absolute URL \
         (did you mean https://example.com?)",
    );
}

#[test]
fn with_no_url_a_piped_stdin_is_read_as_with_i_dash() {
    let server = four_pages();
    let o = server.origin();
    let out = cmd(Vec::<String>::new())
        .stdin(lines(&[server.url("/b"), server.url("/a")]))
        .run();
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            format!("{o}/x-b"),
            format!("{o}/shared"),
            format!("{o}/x-a")
        ])
    );
    assert_eq!(out.code, 0);
    // A bad line is named as a line of stdin, `-`, as for `-i -`.
    let out = cmd(["-o", "jsonl"])
        .stdin(format!("{}\nexample.com\n", server.url("/c")))
        .run();
    assert_eq!(
        out.stdout,
        lines(&[
            format!(r#"{{"source":"{o}/c","url":"{o}/x-c"}}"#),
            format!(r#"{{"source":"{o}/c","url":"{o}/shared"}}"#),
            r#"{"source":"-:2","error":"invalid URL 'example.com': not an absolute URL (did you mean https://example.com?)","kind":"input"}"#.to_string(),
        ])
    );
    assert_eq!(
        out.stderr,
        "error: -:2: invalid URL 'example.com': not an absolute URL (did you mean \
         https://example.com?)\n"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn a_mistyped_flag_is_answered_with_the_nearest_one() {
    let server = four_pages();
    assert_usage_error(
        &server,
        &["--ouput", "json"],
        "Unrecognized argument: --ouput (did you mean --output?)\n\
         Run 'link-extractor --help' for usage.",
    );
    assert_usage_error(
        &server,
        &["--max-byte=1MiB"],
        "Unrecognized argument: --max-byte=1MiB (did you mean --max-bytes?)\n\
         Run 'link-extractor --help' for usage.",
    );
}

#[test]
fn short_version_and_help_as_a_word() {
    let out = run(["-V"]);
    assert_eq!(
        (out.code, out.stdout, out.stderr),
        (0, format!("link-extractor {VERSION}\n"), String::new())
    );
    let help = run(["--help"]);
    let out = run(["help"]);
    assert_eq!(
        (out.code, &out.stdout, out.stderr.as_str()),
        (0, &help.stdout, "")
    );
    assert!(help.stdout.starts_with(
        "Usage: link-extractor [URL...] [-u URL]... [-i FILE|-] [--html FILE|-] [OPTIONS]\n       \
         link-extractor domains [FILE|-]\n\n"
    ));
    assert!(help.stdout.contains("\nCommands:\n  domains "));
    assert!(help.stdout.lines().all(|line| line.chars().count() <= 80));
    let domains_help = run(["domains", "--help"]);
    let out = run(["help", "domains"]);
    assert_eq!((out.code, &out.stdout), (0, &domains_help.stdout));
}

#[test]
fn a_command_with_page_urls_is_a_usage_error() {
    let server = four_pages();
    assert_usage_error(
        &server,
        &["domains"],
        "'domains' takes no page URLs or input options: give them without 'domains', \
         or run 'link-extractor domains --help'",
    );
}
