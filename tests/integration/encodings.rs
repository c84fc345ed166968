//! Content-Encoding, as a hostile or careless server sends it: every coding a browser
//! decodes (gzip, x-gzip, deflate zlib-wrapped and raw, br, zstd, and stacks of them)
//! gives the page's links; an unknown coding, a corrupt body and a bomb in any coding
//! each end as a named failure, between two healthy pages whose output stays complete.

use std::io::Write;

use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
use flate2::Compression;

use crate::support::{lines, links_page, run, Output, Response, Server};

/// Encodes a body in one coding.
type Encoder = fn(&[u8]) -> Vec<u8>;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).expect("zlib in memory");
    encoder.finish().expect("zlib in memory")
}

fn raw_deflate(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).expect("deflate in memory");
    encoder.finish().expect("deflate in memory")
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams::default();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("brotli in memory");
    out
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

/// A server with `/first` and `/last` (plain) and `/page` answering `body` with
/// `Content-Encoding: coding`.
fn serve(coding: &str, body: Vec<u8>) -> Server {
    let server = Server::start();
    server.page("/first", Response::html(links_page("First", &["/first-a"])));
    server.page("/last", Response::html(links_page("Last", &["/last-a"])));
    server.page(
        "/page",
        Response::html(body).header("Content-Encoding", coding),
    );
    server
}

fn run_between(server: &Server) -> Output {
    run([
        server.url("/first"),
        server.url("/page"),
        server.url("/last"),
    ])
}

/// The page whose links each decoded body must give.
fn page() -> Vec<u8> {
    links_page("Encoded", &["/one", "two?q=é", "https://example.com/three"]).into_bytes()
}

fn page_links(server: &Server) -> String {
    lines(&[
        server.url("/first-a"),
        server.url("/one"),
        server.url("/two?q=%C3%A9"),
        "https://example.com/three".into(),
        server.url("/last-a"),
    ])
}

fn assert_links(server: &Server, out: &Output) {
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, page_links(server));
    assert_eq!(out.code, 0);
}

/// Exit 1, exactly `error: URL/page: REASON`, the healthy pages' links complete.
fn assert_page_failed(server: &Server, out: &Output, reason: &str) {
    assert_eq!(
        out.stderr,
        format!("error: {}: {reason}\n", server.url("/page"))
    );
    assert_eq!(
        out.stdout,
        lines(&[server.url("/first-a"), server.url("/last-a")])
    );
    assert_eq!(out.code, 1);
}

#[test]
fn every_coding_a_browser_decodes_gives_the_links() {
    let cases: [(&str, Encoder); 6] = [
        ("gzip", gzip),
        ("x-gzip", gzip),
        ("deflate", zlib),
        ("deflate", raw_deflate),
        ("br", brotli),
        ("zstd", zstd),
    ];
    for (coding, encode) in cases {
        let server = serve(coding, encode(&page()));
        let out = run_between(&server);
        assert_links(&server, &out);
    }
}

#[test]
fn codings_are_case_insensitive_and_identity_is_nothing() {
    for (coding, body) in [
        ("GZip", gzip(&page())),
        ("identity", page()),
        (" br , identity", brotli(&page())),
    ] {
        let server = serve(coding, body);
        let out = run_between(&server);
        assert_links(&server, &out);
    }
}

#[test]
fn stacked_codings_are_undone_in_reverse_order() {
    let server = serve("gzip, br", brotli(&gzip(&page())));
    assert_links(&server, &run_between(&server));
    let server = serve("deflate, zstd, gzip", gzip(&zstd(&raw_deflate(&page()))));
    assert_links(&server, &run_between(&server));
    // Two headers count as one list, in order.
    let server = Server::start();
    server.page("/first", Response::html(links_page("First", &["/first-a"])));
    server.page("/last", Response::html(links_page("Last", &["/last-a"])));
    server.page(
        "/page",
        Response::html(zstd(&gzip(&page())))
            .header("Content-Encoding", "gzip")
            .header("Content-Encoding", "zstd"),
    );
    assert_links(&server, &run_between(&server));
}

#[test]
fn the_request_asks_for_every_coding_decoded() {
    let server = serve("gzip", gzip(&page()));
    let out = run_between(&server);
    assert_eq!(out.code, 0);
    let request = &server.requests("/page")[0];
    assert_eq!(
        request.header("accept-encoding"),
        Some("gzip, deflate, br, zstd")
    );
}

#[test]
fn an_unknown_coding_is_a_named_failure_never_parsed_as_html() {
    let server = serve("x-foo", page());
    let out = run_between(&server);
    assert_page_failed(
        &server,
        &out,
        "unsupported Content-Encoding 'x-foo' (gzip, deflate, br and zstd are decoded)",
    );
    // Stacked with known ones, it still fails the page.
    let server = serve("gzip, compress", gzip(&page()));
    let out = run_between(&server);
    assert_page_failed(
        &server,
        &out,
        "unsupported Content-Encoding 'compress' (gzip, deflate, br and zstd are decoded)",
    );
}

#[test]
fn a_corrupt_body_names_its_coding() {
    let mut truncated = brotli(&page());
    truncated.truncate(truncated.len() / 2);
    for (coding, body, reason) in [
        (
            "gzip",
            b"this is not gzip at all".to_vec(),
            "could not decompress the gzip body: invalid gzip header",
        ),
        (
            "zstd",
            b"this is not zstd either".to_vec(),
            "could not decompress the zstd body: not a zstd frame",
        ),
    ] {
        let server = serve(coding, body);
        let out = run_between(&server);
        assert_page_failed(&server, &out, reason);
    }
    let server = serve("br", truncated);
    let out = run_between(&server);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(&format!(
            "error: {}: could not decompress the br body: ",
            server.url("/page")
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn a_bomb_in_any_coding_stops_at_the_byte_cap() {
    // 64 MiB of spaces inside a comment: each coding shrinks it to almost nothing.
    let mut html = b"<!DOCTYPE html><a href=\"/x\">x</a><!--".to_vec();
    html.resize(64 << 20, b' ');
    let bombs: [(&str, Vec<u8>); 5] = [
        ("gzip", gzip(&html)),
        ("deflate", zlib(&html)),
        ("deflate", raw_deflate(&html)),
        ("br", brotli(&html)),
        ("gzip, br", brotli(&gzip(&html))),
    ];
    for (coding, body) in bombs {
        assert!(body.len() < 1 << 20, "{coding}: {} bytes", body.len());
        let server = serve(coding, body);
        let out = run([
            "--max-bytes".into(),
            "4MiB".into(),
            server.url("/first"),
            server.url("/page"),
            server.url("/last"),
        ]);
        assert_page_failed(&server, &out, "page larger than 4 MiB (--max-bytes)");
    }
    let server = serve("zstd", zstd(&html));
    let out = run([
        "--max-bytes".into(),
        "4MiB".into(),
        server.url("/first"),
        server.url("/page"),
        server.url("/last"),
    ]);
    assert_page_failed(&server, &out, "page larger than 4 MiB (--max-bytes)");
}

#[test]
fn a_zstd_frame_asking_for_a_huge_window_is_refused() {
    // A frame header (magic, descriptor without single-segment, window descriptor
    // exponent 31: a 2 GiB window) and nothing else.
    let header = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0xA8];
    let server = serve("zstd", header.to_vec());
    let out = run_between(&server);
    assert_page_failed(
        &server,
        &out,
        "could not decompress the zstd body: the frame asks for a window of 2147483648 bytes; \
         at most 8388608 are accepted",
    );
}
