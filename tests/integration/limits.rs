//! Process limits: `--jobs` above the open-file limit is not a failure. The soft limit
//! is raised to the hard one; what still does not fit waits its turn.

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
