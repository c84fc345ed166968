//! The wrong protocol on the right port: https:// to a server that speaks plain HTTP
//! is named for what it is, and fails as soon as the server answers or hangs up.

use std::io::Read;
use std::time::Duration;

use crate::support::{lines, links_page, run, RawServer, Response, Server};

#[test]
fn https_to_a_server_that_hangs_up_without_tls_is_named_at_once() {
    // Reads the ClientHello, finds no request line in it, closes: what plain HTTP
    // servers with a short header timeout do.
    let silent = RawServer::start(|stream| {
        let mut hello = [0u8; 512];
        let _ = stream.read(&mut hello);
    });
    let healthy = Server::start();
    healthy.page("/ok", Response::html(links_page("Ok", &["/next"])));
    let url = silent.url("/page").replacen("http://", "https://", 1);
    let out = run([url.clone(), healthy.url("/ok")]);
    assert_eq!(
        out.stderr,
        format!("error: {url}: TLS error: the server does not speak TLS\n")
    );
    assert_eq!(out.stdout, lines(&[healthy.url("/next")]));
    assert_eq!(out.code, 1);
    // Not retried: the server answered, with the wrong protocol.
    assert_eq!(silent.hits(), 1);
    assert!(out.elapsed < Duration::from_secs(5), "{:?}", out.elapsed);
}
