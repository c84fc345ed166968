//! `link-extractor domains [FILE|-]`: URLs and host names reduced to their unique
//! registrable domains by the Public Suffix List compiled in; bad lines named as
//! FILE:LINE; and the pipe from extraction into it.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use crate::support::{cmd, lines, run, Response, Server, TempDir, TempFile};

/// The case study's sample, as it was given.
const CASE_STUDY: &str = "http://tiktok.com\n\
                          https://ads.faceBook.com.\n\
                          https://sub.ads.faCebook.com\n\
                          api.tiktok.com\n\
                          Google.com.\n\
                          aws.amazon.com\n";

const CASE_STUDY_DOMAINS: &str = "amazon.com\nfacebook.com\ngoogle.com\ntiktok.com\n";

#[test]
fn the_case_study_sample_from_stdin() {
    let out = cmd(["domains"]).stdin(CASE_STUDY).run();
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, CASE_STUDY_DOMAINS);
    assert_eq!(out.code, 0);
}

#[test]
fn the_case_study_sample_from_a_file_and_from_dash() {
    let file = TempFile::with(CASE_STUDY);
    let from_file = run(["domains", &file.arg()]);
    assert_eq!(
        (
            from_file.code,
            from_file.stdout.as_str(),
            from_file.stderr.as_str()
        ),
        (0, CASE_STUDY_DOMAINS, "")
    );
    let from_dash = cmd(["domains", "-"]).stdin(CASE_STUDY).run();
    assert_eq!(
        (
            from_dash.code,
            from_dash.stdout.as_str(),
            from_dash.stderr.as_str()
        ),
        (0, CASE_STUDY_DOMAINS, "")
    );
}

#[test]
fn crlf_bom_comments_blank_lines_and_spaces_are_tolerated() {
    let mut contents = b"\xEF\xBB\xBF# hosts from the proxy log\r\n".to_vec();
    contents.extend_from_slice(b"\r\n");
    contents.extend_from_slice(b"   https://WWW.Example.COM:8443/a/b?c=d#e  \r\n");
    contents.extend_from_slice(b"\t# an indented comment\n");
    contents.extend_from_slice(b"\n\n");
    contents.extend_from_slice(b"ftp://user:pw@files.example.org/pub/\r\n");
    // The last line has no newline.
    contents.extend_from_slice(b"example.com.");
    let file = TempFile::with(contents);
    let out = run(["domains", &file.arg()]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&["example.com", "example.org"]));
    assert_eq!(out.code, 0);
}

#[test]
fn multi_label_public_suffixes() {
    let out = cmd(["domains"])
        .stdin(
            "news.bbc.co.uk\n\
             https://www.bbc.co.uk/sport\n\
             a.b.example.co.jp\n\
             shop.example.com.au\n\
             https://service.example.org.uk/\n",
        )
        .run();
    assert_eq!(
        out.stdout,
        lines(&[
            "bbc.co.uk",
            "example.co.jp",
            "example.com.au",
            "example.org.uk"
        ])
    );
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 0);
}

#[test]
fn wildcard_and_exception_rules() {
    // The list says `*.ck` and `!www.ck`, `*.kawasaki.jp` and `!city.kawasaki.jp`.
    let out = cmd(["domains"])
        .stdin(
            "shop.example.foo.ck\n\
             mail.www.ck\n\
             a.b.c.kawasaki.jp\n\
             www.city.kawasaki.jp\n\
             foo.ck\n",
        )
        .run();
    assert_eq!(
        out.stdout,
        lines(&[
            "b.c.kawasaki.jp",
            "city.kawasaki.jp",
            "example.foo.ck",
            "www.ck"
        ])
    );
    assert_eq!(
        out.stderr,
        "error: -:5: no domain in 'foo.ck': 'foo.ck' is itself a public suffix, with no \
         registrable domain\n"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn private_section_suffixes_keep_each_owner_apart() {
    let out = cmd(["domains"])
        .stdin(
            "https://alice.github.io/blog/\n\
             www.alice.github.io\n\
             bob.github.io\n\
             github.io\n\
             https://github.com/alice\n",
        )
        .run();
    assert_eq!(
        out.stdout,
        lines(&["alice.github.io", "bob.github.io", "github.com"])
    );
    assert_eq!(
        out.stderr,
        "error: -:4: no domain in 'github.io': 'github.io' is itself a public suffix, with \
         no registrable domain\n"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn international_names_are_printed_in_punycode() {
    let out = cmd(["domains"])
        .stdin(
            "bücher.example.de\n\
             https://BÜCHER.de/katalog\n\
             例え.jp\n\
             http://www.例え.jp/パス\n\
             https://www.食狮.公司.cn/\n\
             xn--bcher-kva.de\n",
        )
        .run();
    assert_eq!(
        out.stdout,
        lines(&[
            "example.de",
            "xn--85x722f.xn--55qx5d.cn",
            "xn--bcher-kva.de",
            "xn--r8jz45g.jp"
        ])
    );
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 0);
}

#[test]
fn ip_addresses_are_named_and_skipped() {
    let out = cmd(["domains"])
        .stdin(
            "http://192.0.2.10:8080/status\n\
             example.com\n\
             198.51.100.7\n\
             https://[2001:DB8::1]:8443/\n\
             ::1\n\
             http://0x7f.1/\n",
        )
        .run();
    assert_eq!(out.stdout, "example.com\n");
    assert_eq!(
        out.stderr,
        "error: -:1: no domain in 'http://192.0.2.10:8080/status': 192.0.2.10 is an IP \
         address, not a domain name\n\
         error: -:3: no domain in '198.51.100.7': 198.51.100.7 is an IP address, not a \
         domain name\n\
         error: -:4: no domain in 'https://[2001:DB8::1]:8443/': [2001:db8::1] is an IP \
         address, not a domain name\n\
         error: -:5: no domain in '::1': [::1] is an IP address, not a domain name\n\
         error: -:6: no domain in 'http://0x7f.1/': 127.0.0.1 is an IP address, not a \
         domain name\n"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn malformed_lines_are_named_with_their_line_numbers() {
    let mut contents = b"https://ok.example.com/\n".to_vec();
    contents.extend_from_slice(b"mailto:someone@example.org\n");
    contents.extend_from_slice(b"/just/a/path\n");
    contents.extend_from_slice(b"http://\n");
    contents.extend_from_slice(b"example.net:99999\n");
    contents.extend_from_slice(b"http://caf\xE9.example/\n");
    contents.extend_from_slice(b"co.uk\n");
    contents.extend_from_slice(b"localhost:3000\n");
    contents.extend_from_slice(b"a..example.com\n");
    contents.extend_from_slice(&vec![b'x'; 70_000]);
    contents.extend_from_slice(b".example.com\n");
    contents.extend_from_slice(b"# done\nlast.example.net\n");
    let file = TempFile::with(contents);
    let name = file.arg();
    let out = run(["domains", &name]);
    assert_eq!(out.stdout, lines(&["example.com", "example.net"]));
    assert_eq!(
        out.stderr,
        format!(
            "error: {name}:2: no domain in 'mailto:someone@example.org': a mailto: URL has no \
             host name\n\
             error: {name}:3: no domain in '/just/a/path': a path, with no host name\n\
             error: {name}:4: no domain in 'http://': not a URL or host name (empty host)\n\
             error: {name}:5: no domain in 'example.net:99999': not a URL or host name \
             (invalid port number)\n\
             error: {name}:6: line is not valid UTF-8\n\
             error: {name}:7: no domain in 'co.uk': 'co.uk' is itself a public suffix, with \
             no registrable domain\n\
             error: {name}:8: no domain in 'localhost:3000': 'localhost' is a single label, \
             with no registrable domain\n\
             error: {name}:9: no domain in 'a..example.com': 'a..example.com' has an empty \
             label\n\
             error: {name}:10: line longer than 65536 bytes\n"
        )
    );
    assert_eq!(out.code, 1);
}

#[test]
fn empty_input_prints_nothing_and_succeeds() {
    let out = run(["domains"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
}

#[test]
fn a_missing_file_or_a_directory_is_a_usage_error() {
    let dir = TempDir::new();
    let missing = dir.path().join("no-such-list.txt");
    let missing = missing.to_str().expect("UTF-8 temp path");
    let out = run(["domains", missing]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr),
        (
            2,
            "",
            format!("error: cannot read input file '{missing}': no such file\n")
        )
    );

    let out = run(["domains", &dir.arg()]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr),
        (
            2,
            "",
            format!(
                "error: cannot read input file '{}': it is a directory\n",
                dir.arg()
            )
        )
    );
}

#[test]
fn other_usage_errors() {
    let out = run(["domains", "--frob"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            2,
            "",
            "error: Unrecognized argument: --frob\n\
             Run 'link-extractor domains --help' for usage.\n"
        )
    );

    let (a, b) = (TempFile::with("a.example\n"), TempFile::with("b.example\n"));
    let out = run(["domains", &a.arg(), &b.arg()]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr),
        (
            2,
            "",
            format!(
                "error: domains reads one FILE, got '{}' and '{}': to read several, \
                 concatenate them (cat FILE... | link-extractor domains)\n",
                a.arg(),
                b.arg()
            )
        )
    );
}

#[test]
fn help() {
    for flag in ["--help", "-h"] {
        let out = run(["domains", flag]);
        assert_eq!(out.code, 0);
        assert_eq!(out.stderr, "");
        assert!(
            out.stdout
                .starts_with("Usage: link-extractor domains [FILE|-]\n\nPrint the unique"),
            "{}",
            out.stdout
        );
        assert!(out
            .stdout
            .contains("  link-extractor -u https://example.com/ | link-extractor domains\n"));
        assert!(out.stdout.lines().all(|line| line.chars().count() <= 80));
    }
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // Far more output than a pipe buffer holds.
    let input: String = (0..100_000)
        .map(|n| format!("www.h{n}.example\n"))
        .collect();
    let mut running = cmd(["domains"]).stdin(input).spawn();
    assert_eq!(running.read_line(), "h0.example");
    running.close_stdout();
    let out = running.finish();
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

/// Both ends of `link-extractor ARGS | link-extractor domains`, run through a real pipe.
struct Piped {
    extract_code: i32,
    extract_stderr: String,
    code: i32,
    stdout: String,
    stderr: String,
}

const RUN_LIMIT: Duration = Duration::from_secs(60);

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_link-extractor"));
    for name in crate::support::run::CLEARED_ENV {
        command.env_remove(name);
    }
    command
}

fn read_in_background<R: Read + Send + 'static>(mut from: R) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = from.read_to_end(&mut bytes);
        String::from_utf8(bytes).expect("UTF-8 output")
    })
}

/// Waits for `child` until `deadline`, killing it then; returns its exit code.
fn wait_until(child: &mut Child, deadline: Instant, what: &str) -> i32 {
    let status = child
        .wait_timeout(deadline.saturating_duration_since(Instant::now()))
        .expect("wait for link-extractor");
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{what} still running after {RUN_LIMIT:?}; killed it");
    };
    status
        .code()
        .unwrap_or_else(|| panic!("{what} killed by a signal ({status:?})"))
}

fn pipe_into_domains(extract_args: &[String]) -> Piped {
    let deadline = Instant::now() + RUN_LIMIT;
    let mut extract = binary()
        .args(extract_args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start link-extractor");
    let pipe = extract.stdout.take().expect("piped stdout");
    let mut domains = match binary()
        .arg("domains")
        .stdin(Stdio::from(pipe))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => {
            let _ = extract.kill();
            let _ = extract.wait();
            panic!("start link-extractor domains: {error}");
        }
    };
    let extract_stderr = read_in_background(extract.stderr.take().expect("piped stderr"));
    let stdout = read_in_background(domains.stdout.take().expect("piped stdout"));
    let stderr = read_in_background(domains.stderr.take().expect("piped stderr"));
    let extract_code = wait_until(&mut extract, deadline, "link-extractor");
    let code = wait_until(&mut domains, deadline, "link-extractor domains");
    let piped = Piped {
        extract_code,
        extract_stderr: extract_stderr.join().expect("stderr reader"),
        code,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    };
    for text in [&piped.extract_stderr, &piped.stderr] {
        assert!(
            !text.contains("panicked"),
            "link-extractor panicked:\n{text}"
        );
    }
    piped
}

#[test]
fn extraction_piped_into_domains_lists_the_domains_a_page_links_to() {
    let server = Server::start();
    server.page(
        "/news/today",
        Response::html(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n  \
             <title>Today</title>\n  <base href=\"https://www.example.co.uk/news/\">\n\
             </head>\n<body>\n<nav>\n\
               <a href=\"/about\">About</a>\n\
               <a href=\"team.html\">Team</a>\n\
               <a href=\"https://news.bbc.co.uk/sport\">Sport</a>\n\
               <a href=\"https://AWS.amazon.com/ec2/\">Hosting</a>\n\
               <a href=\"//cdn.example.net/lib.js\">CDN</a>\n\
               <a href=\"https://bücher.example.de/\">Bücher</a>\n\
               <a href=\"https://alice.github.io/blog/\">Alice</a>\n\
               <a href=\"mailto:team@example.org\">Mail us</a>\n\
               <a href=\"https://sub.ads.faCebook.com./x\">Ads</a>\n\
               <a href=\"https://news.bbc.co.uk/weather\">Weather</a>\n\
             </nav>\n</body>\n</html>\n",
        ),
    );
    let piped = pipe_into_domains(&["-u".into(), server.url("/news/today")]);
    assert_eq!((piped.extract_code, piped.extract_stderr.as_str()), (0, ""));
    assert_eq!(piped.stderr, "");
    assert_eq!(
        piped.stdout,
        lines(&[
            "alice.github.io",
            "amazon.com",
            "bbc.co.uk",
            "example.co.uk",
            "example.de",
            "example.net",
            "facebook.com",
        ])
    );
    assert_eq!(piped.code, 0);
    assert_eq!(server.hits("/news/today"), 1);
}

#[test]
fn links_to_an_ip_address_are_named_with_their_position_in_the_pipe() {
    let server = Server::start();
    server.page(
        "/",
        Response::html(
            "<!DOCTYPE html>\n<title>Home</title>\n\
             <a href=\"https://example.org/\">Elsewhere</a>\n\
             <a href=\"/about\">About</a>\n\
             <a href=\"https://docs.example.org/guide\">Guide</a>\n",
        ),
    );
    let piped = pipe_into_domains(&[server.url("/")]);
    assert_eq!((piped.extract_code, piped.extract_stderr.as_str()), (0, ""));
    assert_eq!(piped.stdout, "example.org\n");
    assert_eq!(
        piped.stderr,
        format!(
            "error: -:2: no domain in '{}': 127.0.0.1 is an IP address, not a domain name\n",
            server.url("/about")
        )
    );
    assert_eq!(piped.code, 1);
}
