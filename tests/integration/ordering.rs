//! Output order under parallel fetching, streaming, and a closed output pipe.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::support::server::MAX_WAIT;
use crate::support::{cmd, lines, links_page, Gate, Response, Server};

#[test]
fn a_slow_first_page_still_comes_first() {
    let server = Server::start();
    let overlapped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&overlapped);
    // The first page answers only once the second has been served: the two were
    // fetched at the same time, and the second finished first.
    server.route("/slow", move |ctx| {
        flag.store(ctx.wait_served("/fast", 1), Ordering::SeqCst);
        Response::html(links_page("Slow", &["/from-slow-1", "/from-slow-2"]))
    });
    server.page(
        "/fast",
        Response::html(links_page("Fast", &["/from-fast", "/from-slow-1"])),
    );
    server.page(
        "/third",
        Response::html(links_page("Third", &["/from-third"])),
    );

    let out = cmd([
        "-j".into(),
        "4".into(),
        server.url("/slow"),
        server.url("/fast"),
        server.url("/third"),
    ])
    .run();
    assert!(
        overlapped.load(Ordering::SeqCst),
        "the second page was not fetched while the first was pending"
    );
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            server.url("/from-slow-1"),
            server.url("/from-slow-2"),
            server.url("/from-fast"),
            server.url("/from-third"),
        ])
    );
    assert_eq!(out.code, 0);
}

#[test]
fn a_slow_first_page_still_comes_first_in_jsonl() {
    let server = Server::start();
    let overlapped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&overlapped);
    server.route("/slow", move |ctx| {
        flag.store(ctx.wait_served("/fast", 1), Ordering::SeqCst);
        Response::html(links_page("Slow", &["/shared"]))
    });
    server.page("/fast", Response::html(links_page("Fast", &["/shared"])));
    let (slow, fast) = (server.url("/slow"), server.url("/fast"));
    let out = cmd(["-o", "jsonl", "-j", "4", &slow, &fast]).run();
    assert!(overlapped.load(Ordering::SeqCst));
    let shared = server.url("/shared");
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            format!(r#"{{"source":"{slow}","url":"{shared}"}}"#),
            format!(r#"{{"source":"{fast}","url":"{shared}"}}"#),
        ])
    );
    assert_eq!(out.code, 0);
}

#[test]
fn fifty_pages_come_out_in_input_order() {
    let server = Server::start();
    let failed_waits = Arc::new(AtomicUsize::new(0));
    let pages = 50;
    for i in 0..pages {
        let failed_waits = Arc::clone(&failed_waits);
        server.route(&format!("/p{i}"), move |ctx| {
            // Every fifth page waits for the next one: pages finish out of order.
            if i % 5 == 0 && !ctx.wait_served(&format!("/p{}", i + 1), 1) {
                failed_waits.fetch_add(1, Ordering::SeqCst);
            }
            Response::html(links_page(
                &format!("Page {i}"),
                &[&format!("/p{i}/a"), &format!("/p{i}/b")],
            ))
        });
    }
    let mut args = vec!["-j".to_string(), "8".to_string()];
    args.extend((0..pages).map(|i| server.url(&format!("/p{i}"))));
    let out = cmd(args).run();
    assert_eq!(failed_waits.load(Ordering::SeqCst), 0);
    let expected: Vec<String> = (0..pages)
        .flat_map(|i| {
            [
                server.url(&format!("/p{i}/a")),
                server.url(&format!("/p{i}/b")),
            ]
        })
        .collect();
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&expected));
    assert_eq!(out.code, 0);
    for i in 0..pages {
        assert_eq!(server.hits(&format!("/p{i}")), 1, "/p{i}");
    }
}

#[test]
fn the_first_page_is_printed_before_the_last_is_fetched() {
    let server = Server::start();
    server.page(
        "/first",
        Response::html(links_page("First", &["/one", "/two"])),
    );
    let gate = Gate::new();
    let released = Arc::new(AtomicBool::new(false));
    let (handler_gate, flag) = (gate.clone(), Arc::clone(&released));
    server.route("/last", move |ctx| {
        flag.store(ctx.wait_gate(&handler_gate), Ordering::SeqCst);
        Response::html(links_page("Last", &["/three"]))
    });

    let mut running = cmd(["-j", "2", &server.url("/first"), &server.url("/last")]).spawn();
    assert_eq!(running.read_line(), server.url("/one"));
    assert_eq!(running.read_line(), server.url("/two"));
    assert_eq!(
        server.served("/last"),
        0,
        "the output waited for the last page"
    );
    gate.open();
    let out = running.finish();
    assert!(
        released.load(Ordering::SeqCst),
        "the last page was answered early"
    );
    assert_eq!(out.stdout, lines(&[server.url("/three")]));
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 0);
}

/// A page with `count` distinct links, `/l/0`, `/l/1`...
fn huge_page(count: usize) -> String {
    let mut html = String::with_capacity(count * 32);
    html.push_str("<!DOCTYPE html><html><head><title>Index</title></head><body><ul>\n");
    for i in 0..count {
        html.push_str(&format!("<li><a href=\"/l/{i}\">{i}</a>\n"));
    }
    html.push_str("</ul></body></html>\n");
    html
}

/// Runs on a page of `links` links with `-o format`, reads the first line, closes the
/// pipe as `| head -1` does, and checks that the run ends quietly and successfully.
fn read_one_line_then_close(links: usize, format: &str) {
    let server = Server::start();
    server.page("/index", Response::html(huge_page(links)));
    let url = server.url("/index");
    let mut running = cmd(["-o", format, &url]).spawn();
    let first = running.read_line();
    let expected = match format {
        "stdout" => server.url("/l/0"),
        _ => format!(r#"{{"source":"{url}","url":"{}"}}"#, server.url("/l/0")),
    };
    assert_eq!(first, expected);
    running.close_stdout();
    let out = running.finish();
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 0);
    assert!(
        out.elapsed < Duration::from_secs(30),
        "took {:?}",
        out.elapsed
    );
}

#[test]
fn head_1_on_a_page_of_200k_links_ends_quietly() {
    read_one_line_then_close(200_000, "stdout");
}

#[test]
fn head_1_on_jsonl_ends_quietly() {
    // 20k lines of JSON are far more than the pipe and the output buffer hold.
    read_one_line_then_close(20_000, "jsonl");
}

#[test]
fn four_jobs_fetch_four_pages_at_once() {
    let server = Server::start();
    let together = Arc::new(AtomicUsize::new(0));
    for i in 0..4 {
        let together = Arc::clone(&together);
        server.route(&format!("/p{i}"), move |ctx| {
            // Each page answers only once all four have been asked for.
            if ctx.wait_requests(4, MAX_WAIT) {
                together.fetch_add(1, Ordering::SeqCst);
            }
            Response::html(links_page("Page", &[&format!("/from-{i}")]))
        });
    }
    let mut args = vec!["-j".to_string(), "4".to_string()];
    args.extend((0..4).map(|i| server.url(&format!("/p{i}"))));
    let out = cmd(args).run();
    assert_eq!(
        together.load(Ordering::SeqCst),
        4,
        "the four pages were not in flight at once"
    );
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(
            &(0..4)
                .map(|i| server.url(&format!("/from-{i}")))
                .collect::<Vec<_>>()
        )
    );
    assert_eq!(out.code, 0);
}

#[test]
fn one_job_fetches_one_page_at_a_time() {
    let server = Server::start();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    for i in 0..3 {
        let (in_flight, most) = (Arc::clone(&in_flight), Arc::clone(&most));
        server.route(&format!("/p{i}"), move |ctx| {
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            // Give another request the chance to arrive while this one is pending; with
            // one job none may.
            let overlapped = ctx.wait_requests(i + 2, Duration::from_millis(200));
            if overlapped {
                most.fetch_max(2, Ordering::SeqCst);
            }
            in_flight.fetch_sub(1, Ordering::SeqCst);
            Response::html(links_page("Page", &[&format!("/from-{i}")]))
        });
    }
    let mut args = vec!["-j".to_string(), "1".to_string()];
    args.extend((0..3).map(|i| server.url(&format!("/p{i}"))));
    let out = cmd(args).run();
    assert_eq!(
        most.load(Ordering::SeqCst),
        1,
        "two pages were in flight at once"
    );
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(
            &(0..3)
                .map(|i| server.url(&format!("/from-{i}")))
                .collect::<Vec<_>>()
        )
    );
    assert_eq!(out.code, 0);
}
