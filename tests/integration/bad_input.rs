//! The bad-input matrix: usage errors (exit 2, one exact message, nothing fetched) and
//! hostile `-i` files (bad lines named as FILE:LINE, exit 1, the good lines intact).
//!
//! Complements `cli.rs` (unknown flags, the common bad values, URLs without a scheme,
//! missing and directory input files, JOB_COMPLETION_INDEX not a number) and
//! `input_files.rs` (blank lines, comments, CRLF, BOM, invalid UTF-8, overlong lines,
//! duplicates from stdin): the cases here are the ones those leave out.

use std::fs::File;
use std::io::ErrorKind;

use crate::support::{abc_server, cmd, lines, run, Server, TempFile};

/// Runs a valid page URL of `server` followed by `args`, with `JOB_COMPLETION_INDEX` set
/// if `index` is given, and checks the usage error: exit 2, exactly `error: MESSAGE` on
/// stderr, nothing on stdout, no request to the server.
fn assert_usage_error(server: &Server, args: &[&str], index: Option<&str>, message: &str) {
    let mut all = vec![server.url("/a")];
    all.extend(args.iter().map(|a| a.to_string()));
    let mut command = cmd(all);
    if let Some(index) = index {
        command = command.env("JOB_COMPLETION_INDEX", index);
    }
    let out = command.run();
    let context = format!("args {args:?}, JOB_COMPLETION_INDEX {index:?}");
    assert_eq!(out.stderr, format!("error: {message}\n"), "{context}");
    assert_eq!(out.stdout, "", "{context}");
    assert_eq!(out.code, 2, "{context}");
    assert_eq!(server.total_hits(), 0, "{context}: something was fetched");
}

const DURATION: &str =
    "expected a positive duration of at most a day, such as 30, 2.5s, 500ms or 1m";
const SIZE: &str = "expected a positive size such as 16MiB, 500KiB or 1000000";
const HELP: &str = "Run 'link-extractor --help' for usage.";

#[test]
fn every_numeric_and_duration_option_rejects_bad_values() {
    let server = abc_server();
    let cases: &[(&[&str], String)] = &[
        (
            &["--max-redirects", "abc"],
            format!(
                "Error parsing option '--max-redirects' with value 'abc': invalid digit found \
                 in string\n{HELP}"
            ),
        ),
        (
            &["--max-redirects", "-1"],
            format!(
                "Error parsing option '--max-redirects' with value '-1': invalid digit found \
                 in string\n{HELP}"
            ),
        ),
        (
            &["--max-redirects", "4294967296"],
            format!(
                "Error parsing option '--max-redirects' with value '4294967296': number too \
                 large to fit in target type\n{HELP}"
            ),
        ),
        (
            &["--retries", "99999999999"],
            format!(
                "Error parsing option '--retries' with value '99999999999': number too large \
                 to fit in target type\n{HELP}"
            ),
        ),
        (
            &["--retries", "two"],
            format!(
                "Error parsing option '--retries' with value 'two': invalid digit found in \
                 string\n{HELP}"
            ),
        ),
        (
            &["-j", "-1"],
            format!(
                "Error parsing option '-j' with value '-1': invalid digit found in string\n{HELP}"
            ),
        ),
        (
            &["--jobs", ""],
            format!(
                "Error parsing option '--jobs' with value '': cannot parse integer from empty \
                 string\n{HELP}"
            ),
        ),
        (
            &["--connect-timeout", "0"],
            format!("invalid --connect-timeout '0': {DURATION}"),
        ),
        (
            &["--connect-timeout", "1x"],
            format!("invalid --connect-timeout '1x': {DURATION}"),
        ),
        (
            &["--timeout", "1.5.2"],
            format!("invalid --timeout '1.5.2': {DURATION}"),
        ),
        (
            &["--timeout", ""],
            format!("invalid --timeout '': {DURATION}"),
        ),
        (
            &["--timeout", "nan"],
            format!("invalid --timeout 'nan': {DURATION}"),
        ),
        (
            &["--timeout", "1e3"],
            format!("invalid --timeout '1e3': {DURATION}"),
        ),
        (
            &["--timeout", "90000"],
            format!("invalid --timeout '90000': {DURATION}"),
        ),
        (
            &["--max-bytes", "16XB"],
            format!("invalid --max-bytes '16XB': {SIZE}"),
        ),
        (
            &["--max-bytes", "0.5B"],
            format!("invalid --max-bytes '0.5B': {SIZE}"),
        ),
        (
            &["--max-bytes", "99999999999G"],
            format!("invalid --max-bytes '99999999999G': {SIZE}"),
        ),
        (
            &["--max-bytes", "-1"],
            format!("invalid --max-bytes '-1': {SIZE}"),
        ),
    ];
    for (args, message) in cases {
        assert_usage_error(&server, args, None, message);
    }
}

#[test]
fn bad_output_header_and_flag_spellings_are_usage_errors() {
    let server = abc_server();
    let cases: &[(&[&str], &str)] = &[
        (
            &["-o", "JSON"],
            "invalid --output 'JSON': expected stdout, json or jsonl",
        ),
        (
            &["--output", ""],
            "invalid --output '': expected stdout, json or jsonl",
        ),
        (
            &["-o"],
            "No value provided for option '-o'.\nRun 'link-extractor --help' for usage.",
        ),
        (
            &["-H", "X-Test: a\rb"],
            "invalid --header 'X-Test: a\\rb': the value holds characters not allowed in a \
             header",
        ),
        (
            &["-H", ": no-name"],
            "invalid --header ': no-name': the name is not a valid header name",
        ),
        (
            &["-H", "X-Caf\u{e9}: 1"],
            "invalid --header 'X-Caf\u{e9}: 1': the name is not a valid header name",
        ),
        (
            &["-x"],
            "Unrecognized argument: -x\nRun 'link-extractor --help' for usage.",
        ),
        (
            &["--Timeout", "3"],
            "Unrecognized argument: --Timeout (did you mean --timeout?)\n\
             Run 'link-extractor --help' for usage.",
        ),
    ];
    for (args, message) in cases {
        assert_usage_error(&server, args, None, message);
    }
}

#[test]
fn bad_command_line_urls_are_usage_errors_that_say_which() {
    let server = abc_server();
    let cases: &[(&[&str], &str)] = &[
        (&["-u", ""], "invalid URL '' (from -u): empty URL"),
        (&[" "], "invalid URL ' ' (from argument): empty URL"),
        (
            &["https://"],
            "invalid URL 'https://' (from argument): empty host",
        ),
        (
            &["http://exa mple.com/"],
            "invalid URL 'http://exa mple.com/' (from argument): invalid international domain \
             name",
        ),
        (
            &["http://[::1"],
            "invalid URL 'http://[::1' (from argument): invalid IPv6 address",
        ),
        (
            &["file:///etc/passwd"],
            "invalid URL 'file:///etc/passwd' (from argument): only http:// and https:// URLs \
             can be fetched",
        ),
        (
            &["--url", "//cdn.example.com/x"],
            "invalid URL '//cdn.example.com/x' (from -u): not an absolute URL \
             (did you mean https://cdn.example.com/x?)",
        ),
        (
            &["../up.html"],
            "invalid URL '../up.html' (from argument): not an absolute URL: it needs a scheme \
             and a host, as in https://example.com/",
        ),
    ];
    for (args, message) in cases {
        assert_usage_error(&server, args, None, message);
    }
}

#[test]
fn shard_specs_out_of_range_or_malformed_are_usage_errors() {
    let server = abc_server();
    let count = "COUNT must be a whole number of at least 1";
    let index = "INDEX must be a whole number or 'auto'";
    let cases: &[(&str, Option<&str>, String)] = &[
        ("0/0", None, format!("invalid --shard '0/0': {count}")),
        ("1/2/3", None, format!("invalid --shard '1/2/3': {count}")),
        ("0/x", None, format!("invalid --shard '0/x': {count}")),
        ("a/2", None, format!("invalid --shard 'a/2': {index}")),
        ("-1/2", None, format!("invalid --shard '-1/2': {index}")),
        ("/2", None, format!("invalid --shard '/2': {index}")),
        (
            "5/3",
            None,
            "invalid --shard '5/3': INDEX 5 is out of range: it must be less than COUNT 3".into(),
        ),
        // auto/COUNT with JOB_COMPLETION_INDEX out of range, empty or negative.
        (
            "auto/2",
            Some("2"),
            "invalid --shard 'auto/2': JOB_COMPLETION_INDEX 2 is out of range: it must be less than COUNT 2 (the Job's completions)"
                .into(),
        ),
        (
            "auto/2",
            Some(""),
            "invalid --shard 'auto/2': JOB_COMPLETION_INDEX '' is not a whole number".into(),
        ),
        (
            "auto/2",
            Some("-1"),
            "invalid --shard 'auto/2': JOB_COMPLETION_INDEX '-1' is not a whole number".into(),
        ),
        (
            "auto/0",
            Some("0"),
            format!("invalid --shard 'auto/0': {count}"),
        ),
    ];
    for (spec, job_index, message) in cases {
        assert_usage_error(&server, &["--shard", spec], *job_index, message);
    }
}

#[test]
fn relative_urls_in_a_file_are_named_by_line_and_the_rest_is_fetched() {
    let server = abc_server();
    let list = TempFile::with(format!(
        "{}\n/docs/intro\n../up.html\n?q=1\n#top is a comment\n//cdn.example.com/x\n{}\n",
        server.url("/a"),
        server.url("/b")
    ));
    let file = list.arg();
    let out = run(["-i", &file]);
    let needs = "not an absolute URL: it needs a scheme and a host, as in https://example.com/";
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:2: invalid URL '/docs/intro': {needs}\n\
             error: {file}:3: invalid URL '../up.html': {needs}\n\
             error: {file}:4: invalid URL '?q=1': {needs}\n\
             error: {file}:6: invalid URL '//cdn.example.com/x': not an absolute URL \
             (did you mean https://cdn.example.com/x?)\n"
        )
    );
    assert_eq!(
        out.stdout,
        lines(&[server.url("/from-a"), server.url("/from-b")])
    );
    assert_eq!(out.code, 1);
    assert_eq!(server.total_hits(), 2);
}

#[test]
fn ten_thousand_duplicate_lines_in_a_file_fetch_each_page_once() {
    let server = abc_server();
    let a = server.url("/a");
    let mut contents = String::new();
    for i in 0..10_000 {
        // The same page, spelled as it was typed and as the URL standard reads it.
        let line = match i % 3 {
            0 => a.clone(),
            1 => a.replace("http://", "HTTP://"),
            _ => a.replace("/a", "/./x/../a"),
        };
        contents.push_str(&line);
        contents.push_str(if i % 2 == 0 { "\n" } else { "\r\n" });
        if i == 5_000 {
            contents.push_str(&format!("{}\n", server.url("/b")));
        }
    }
    contents.push_str(&server.url("/c"));
    let list = TempFile::with(contents);
    let out = run(["-i", &list.arg()]);
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            server.url("/from-a"),
            server.url("/from-b"),
            server.url("/from-c")
        ])
    );
    assert_eq!(out.code, 0);
    assert_eq!(["/a", "/b", "/c"].map(|p| server.hits(p)), [1, 1, 1]);
}

#[test]
fn a_file_of_only_blank_lines_and_comments_is_no_url_at_all() {
    let server = abc_server();
    let list = TempFile::with("\u{feff}# nothing yet\r\n\r\n   \n\t# indented\n");
    let out = run(["-i", &list.arg()]);
    assert_eq!(
        out.stderr,
        "error: no URL given: the input files held none (only blank lines and comments)\n"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 2);
    assert_eq!(server.total_hits(), 0);
}

#[test]
fn an_empty_shard_succeeds_quietly() {
    // Positions 0, 1 and 2 go to shards 0, 1 and 2: shard 3 of 4 gets none.
    let server = abc_server();
    let list = TempFile::with(lines(&[
        server.url("/a"),
        server.url("/b"),
        server.url("/c"),
    ]));
    let out = run(["-i", &list.arg(), "--shard", "3/4"]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 0);
    assert_eq!(server.total_hits(), 0);
}

#[test]
fn a_utf16_input_file_is_named_once() {
    let server = abc_server();
    let utf16: Vec<u8> = "\u{feff}http://127.0.0.1/a\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let list = TempFile::with(utf16);
    let out = run(["-i", &list.arg(), &server.url("/a")]);
    assert_eq!(
        out.stderr,
        format!(
            "error: {}:1: the file is UTF-16; save it as UTF-8\n",
            list.arg()
        )
    );
    assert_eq!(out.stdout, lines(&[server.url("/from-a")]));
    assert_eq!(out.code, 1);
}

#[test]
fn control_characters_in_a_bad_line_are_escaped() {
    let list = TempFile::with("exa\u{7}mple\u{0}.com/x\n");
    let out = run(["-i", &list.arg()]);
    assert_eq!(
        out.stderr,
        format!(
            "error: {}:1: invalid URL 'exa\\u{{7}}mple\\u{{0}}.com/x': not an absolute URL: \
             it needs a scheme and a host, as in https://example.com/\n",
            list.arg()
        )
    );
    assert_eq!(out.code, 1);
}

#[test]
fn a_file_name_gets_no_https_suggestion() {
    let out = run(["index.html"]);
    assert_eq!(
        out.stderr,
        "error: invalid URL 'index.html' (from argument): not an absolute URL: it needs a \
         scheme and a host, as in https://example.com/\n"
    );
    assert_eq!(out.code, 2);
}

#[cfg(unix)]
#[test]
fn an_unreadable_input_file_is_a_usage_error() {
    use std::os::unix::fs::PermissionsExt;

    let server = abc_server();
    let list = TempFile::with(lines(&[server.url("/b")]));
    std::fs::set_permissions(list.arg(), std::fs::Permissions::from_mode(0o000))
        .expect("chmod 000");
    // Mode 000 stops everyone but root (CAP_DAC_OVERRIDE reads it anyway). As root, take
    // a file whose mode binds root too: a write-only sysctl (Linux checks sysctl modes
    // even for root).
    let path = if File::open(list.arg()).is_err() {
        list.arg()
    } else {
        let write_only = "/proc/sys/vm/drop_caches";
        match File::open(write_only) {
            Err(e) if e.kind() == ErrorKind::PermissionDenied => write_only.to_string(),
            _ => {
                eprintln!(
                    "skipped: running with CAP_DAC_OVERRIDE (root), so a mode 000 file is \
                     readable, and {write_only} is not an unreadable file here either"
                );
                return;
            }
        }
    };
    assert_usage_error(
        &server,
        &["-i", &path],
        None,
        &format!("cannot read input file '{path}': permission denied"),
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_file_that_opens_but_cannot_be_read_is_a_named_failure() {
    // Reading a process's own memory at offset 0 fails with EIO: an input that opens
    // fine and then fails, as a file on a failing disk or a dropped NFS mount does.
    let server = abc_server();
    let out = run([
        server.url("/a"),
        "-i".into(),
        "/proc/self/mem".into(),
        server.url("/b"),
    ]);
    assert_eq!(
        out.stderr,
        "error: /proc/self/mem:1: read error: Input/output error (os error 5)\n"
    );
    assert_eq!(
        out.stdout,
        lines(&[server.url("/from-a"), server.url("/from-b")])
    );
    assert_eq!(out.code, 1);
}

#[test]
fn echoed_input_never_forges_a_log_line() {
    let server = abc_server();
    // A header whose value would add a line of its own, a file name and a list line
    // holding escapes: each message is one line, its control characters escaped.
    let out = run(["-H", "X-A: a\r\nX-Evil: b", &server.url("/a")]);
    assert_eq!(
        out.stderr,
        "error: invalid --header 'X-A: a\\r\\nX-Evil: b': the value holds characters not \
         allowed in a header\n"
    );
    assert_eq!(out.code, 2);
    let out = run(["-i", "missing\n.txt"]);
    assert_eq!(
        out.stderr,
        "error: cannot read input file 'missing\\n.txt': no such file\n"
    );
    let list = TempFile::with(format!("{}\r\nnot a url\u{7}\n", server.url("/a")));
    let out = run(["-i", &list.arg(), &server.url("/b")]);
    assert_eq!(
        out.stderr,
        format!(
            "error: {0}:2: invalid URL 'not a url\\u{{7}}': not an absolute URL: it needs a \
             scheme and a host, as in https://example.com/\n",
            list.arg()
        )
    );
    assert_eq!(
        out.stdout,
        lines(&[server.url("/from-a"), server.url("/from-b")])
    );
    assert_eq!(out.code, 1);
}
