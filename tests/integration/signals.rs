//! Ctrl-C (SIGINT) and SIGTERM during a run: stop promptly, start nothing new, write
//! what finished in input order, exit 130 (or 143).

use std::time::{Duration, Instant};

use crate::support::{cmd, lines, links_page, Gate, Response, Server};

/// How long the binary may take to stop after the signal: far less than `--timeout`,
/// which is what waiting for the stuck page would cost.
const STOP_WITHIN: Duration = Duration::from_secs(5);

/// `/first` answers at once; `/stuck` and `/after/N` answer only once the test is over.
/// With two workers, both are busy when the test signals, and 50 inputs wait.
fn interrupted_run(format: &str, signal: &str) -> (Server, crate::support::Output, Duration) {
    let server = Server::start();
    server.page(
        "/first",
        Response::html(links_page("First", &["/one", "/two"])),
    );
    let arrived = Gate::new();
    let arrived_in_handler = arrived.clone();
    server.route("/stuck", move |ctx| {
        arrived_in_handler.open();
        ctx.hang();
        Response::html(links_page("Stuck", &["/never"]))
    });
    let mut args: Vec<String> = ["-j", "2", "--timeout", "60", "-o", format]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(server.url("/first"));
    args.push(server.url("/stuck"));
    let second = Gate::new();
    for i in 0..50 {
        let path = format!("/after/{i}");
        let second_in_handler = second.clone();
        server.route(&path, move |ctx| {
            second_in_handler.open();
            ctx.hang();
            Response::html(links_page("After", &["/late"]))
        });
        args.push(server.url(&path));
    }

    let mut running = cmd(&args).spawn();
    let first_line = running.read_line();
    assert!(
        arrived.wait(Duration::from_secs(20)),
        "the stuck page was never requested"
    );
    assert!(
        second.wait(Duration::from_secs(20)),
        "the second worker never asked for /after/0"
    );
    let hits_at_signal = server.total_hits();
    running.signal(signal);
    let signalled = Instant::now();
    let mut out = running.finish();
    let stop_time = signalled.elapsed();
    // The first line was read before the signal; put it back for whole-output checks.
    out.stdout = format!("{first_line}\n{}", out.stdout);
    assert_eq!(hits_at_signal, 3, "/first, /stuck and /after/0");
    assert!(
        server.total_hits() == hits_at_signal,
        "new fetches started after the signal: {} before, {} after",
        hits_at_signal,
        server.total_hits()
    );
    (server, out, stop_time)
}

#[test]
fn ctrl_c_stops_promptly_and_flushes_what_finished_in_order() {
    let (server, out, stop_time) = interrupted_run("stdout", "INT");
    // /first is complete; /stuck never finished, so nothing after it is written even if
    // the second worker finished some /after pages.
    assert_eq!(out.stdout, lines(&[server.url("/one"), server.url("/two")]));
    assert!(
        out.stderr.starts_with("warning: interrupted: stopping; "),
        "stderr: {}",
        out.stderr
    );
    assert!(
        out.stderr
            .ends_with(" inputs done, output written up to the first unfinished one\n"),
        "stderr: {}",
        out.stderr
    );
    assert_eq!(out.code, 130);
    assert!(stop_time < STOP_WITHIN, "took {stop_time:?} to stop");
}

#[test]
fn sigterm_stops_the_same_way_with_143() {
    let (server, out, stop_time) = interrupted_run("jsonl", "TERM");
    let first = server.url("/first");
    assert_eq!(
        out.stdout,
        lines(&[
            format!(r#"{{"source":"{first}","url":"{}"}}"#, server.url("/one")),
            format!(r#"{{"source":"{first}","url":"{}"}}"#, server.url("/two")),
        ])
    );
    assert!(
        out.stderr.starts_with("warning: terminated: stopping; "),
        "stderr: {}",
        out.stderr
    );
    assert_eq!(out.code, 143);
    assert!(stop_time < STOP_WITHIN, "took {stop_time:?} to stop");
}
