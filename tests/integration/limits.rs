//! Process limits. `--jobs` above the open-file limit is not a failure: the soft limit
//! is raised to the hard one, and what still does not fit waits its turn. Under a
//! memory limit (`--max-memory` here; a cgroup's in a pod, see `ci/memory-limit.sh`),
//! a page that cannot fit fails by name and the others are untouched.

use std::time::Duration;

use crate::support::{cmd, lines, Output, Response, Server, TempFile};

/// 300 pages, each answered only once 60 requests are in at the same time, so that
/// many connections are open together (as with real latency).
fn crowded_server() -> (Server, TempFile) {
    let server = Server::start();
    for n in 0..300 {
        server.route(&format!("/p{n}"), move |ctx| {
            ctx.wait_requests(60, Duration::from_secs(10));
            Response::html(format!("<a href=\"/link-{n}\">{n}</a>"))
        });
    }
    let urls: Vec<String> = (0..300).map(|n| server.url(&format!("/p{n}"))).collect();
    let list = TempFile::with(lines(&urls));
    (server, list)
}

fn expected(server: &Server) -> String {
    let links: Vec<String> = (0..300)
        .map(|n| server.url(&format!("/link-{n}")))
        .collect();
    lines(&links)
}

fn run_under(nofile: &str, extra: &[&str], list: &TempFile) -> Output {
    let mut args: Vec<String> = vec!["-j".into(), "1024".into(), "-i".into(), list.arg()];
    args.extend(extra.iter().map(|a| a.to_string()));
    cmd(args)
        .wrapped_in(["prlimit", &format!("--nofile={nofile}")])
        .run()
}

#[test]
fn the_soft_open_file_limit_is_raised_to_the_hard_one() {
    let (server, list) = crowded_server();
    let out = run_under("256:4096", &["-v"], &list);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, expected(&server));
    assert_eq!(out.code, 0);
}

#[test]
fn jobs_beyond_the_hard_limit_wait_their_turn_and_no_page_fails() {
    let (server, list) = crowded_server();
    let out = run_under("256:256", &[], &list);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, expected(&server));
    assert_eq!(out.code, 0);
    let (server, list) = crowded_server();
    let out = run_under("256:256", &["-v"], &list);
    assert_eq!(
        out.stderr,
        "info: --jobs 1024 does not fit under the open-file limit (256): at most 79 pages \
         are fetched at once\n"
    );
    assert_eq!(out.stdout, expected(&server));
    assert_eq!(out.code, 0);
}

/// A page of `count` links, `<a href="/l/N">`, in a plain document.
fn many_links_page(count: usize) -> String {
    let mut html = String::with_capacity(count * 24 + 100);
    html.push_str("<!DOCTYPE html><title>many</title>\n");
    for n in 0..count {
        html.push_str(&format!("<a href=\"/l/{n}\">{n}</a>\n"));
    }
    html
}

/// `/first` and `/last`, ordinary, around `/big`.
fn around(big: Response) -> Server {
    let server = Server::start();
    server.page(
        "/first",
        Response::html(crate::support::links_page("First", &["/first-a"])),
    );
    server.page(
        "/last",
        Response::html(crate::support::links_page("Last", &["/last-a"])),
    );
    server.page("/big", big);
    server
}

fn run_around(server: &Server, extra: &[&str]) -> Output {
    let mut args: Vec<String> = extra.iter().map(|a| a.to_string()).collect();
    args.extend([
        server.url("/first"),
        server.url("/big"),
        server.url("/last"),
    ]);
    cmd(args).run()
}

#[test]
fn a_page_too_large_for_the_memory_limit_fails_by_name() {
    // A million links: parsing them would take far more than a 128 MiB pod has.
    let server = around(Response::html(many_links_page(1_000_000)));
    let out = run_around(&server, &["--max-memory", "128MiB", "--max-bytes", "32MiB"]);
    assert_eq!(
        out.stderr,
        format!(
            "error: {}: page too large for the memory limit (128 MiB, --max-memory)\n",
            server.url("/big")
        )
    );
    assert_eq!(
        out.stdout,
        lines(&[server.url("/first-a"), server.url("/last-a")])
    );
    assert_eq!(out.code, 1);
    // The same run in jsonl names the kind.
    let out = run_around(
        &server,
        &[
            "--max-memory",
            "128MiB",
            "--max-bytes",
            "32MiB",
            "-o",
            "jsonl",
        ],
    );
    assert!(out.stdout.contains(&format!(
        r#"{{"source":"{}","error":"page too large for the memory limit (128 MiB, --max-memory)","kind":"too-large"}}"#,
        server.url("/big")
    )));
}

#[test]
fn a_body_larger_than_the_memory_for_bodies_fails_while_it_arrives() {
    // 48 MiB leaves about 6 MiB for bodies: a 10 MiB body stops there.
    let mut html = many_links_page(10);
    html.push_str(&" ".repeat(10 << 20));
    let server = around(Response::html(html));
    let out = run_around(&server, &["--max-memory", "48MiB"]);
    assert_eq!(
        out.stderr,
        format!(
            "error: {}: page too large for the memory limit (48 MiB, --max-memory)\n",
            server.url("/big")
        )
    );
    assert_eq!(
        out.stdout,
        lines(&[server.url("/first-a"), server.url("/last-a")])
    );
    assert_eq!(out.code, 1);
}

#[test]
fn ordinary_pages_are_untouched_by_a_memory_limit() {
    let server = around(Response::html(many_links_page(2_000)));
    let out = run_around(&server, &["--max-memory", "128MiB", "-v"]);
    let mut expected = vec![server.url("/first-a")];
    expected.extend((0..2_000).map(|n| server.url(&format!("/l/{n}"))));
    expected.push(server.url("/last-a"));
    assert_eq!(out.stdout, lines(&expected));
    assert_eq!(
        out.stderr,
        "info: memory limit 128 MiB (--max-memory): bodies within 31.7 MiB, parsing within 47.5 MiB\n"
    );
    assert_eq!(out.code, 0);
}

#[test]
fn a_bad_memory_limit_is_a_usage_error() {
    let out = cmd(["--max-memory", "lots", "http://127.0.0.1:9/"]).run();
    assert_eq!(
        out.stderr,
        "error: invalid --max-memory 'lots': expected a positive size such as 16MiB, 500KiB \
         or 1000000\n"
    );
    assert_eq!(out.code, 2);
}
