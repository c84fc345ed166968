//! URL lists from `-i FILE` and `-i -`: comments, blank lines, CRLF, BOM, bad lines
//! reported as FILE:LINE, duplicates fetched once.

use crate::support::{abc_server, cmd, lines, links_page, run, Response, Server, TempFile};

fn abc_links(server: &Server) -> String {
    lines(&[
        server.url("/from-a"),
        server.url("/from-b"),
        server.url("/from-c"),
    ])
}

#[test]
fn a_messy_file_gives_its_good_lines_in_order_and_names_its_bad_lines() {
    let server = abc_server();
    let mut contents = Vec::new();
    contents.extend_from_slice(b"\xEF\xBB\xBF");
    contents.extend_from_slice(format!("{}\r\n", server.url("/a")).as_bytes());
    contents.extend_from_slice(b"# staging pages\r\n");
    contents.extend_from_slice(b"\r\n");
    contents.extend_from_slice(format!("   {}\t \r\n", server.url("/b")).as_bytes());
    contents.extend_from_slice(b"    # an indented comment\n");
    contents.extend_from_slice(b"http://caf\xE9.example/\n");
    contents.extend_from_slice(b"example.com/news\n");
    contents.extend_from_slice(format!("{}\n", server.url("/a")).as_bytes());
    contents.extend_from_slice(b"\n\n");
    // The last line has no newline.
    contents.extend_from_slice(server.url("/c").as_bytes());
    let list = TempFile::with(contents);
    let file = list.arg();

    let out = run(["-i", &file]);
    assert_eq!(out.stdout, abc_links(&server));
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:6: line is not valid UTF-8\n\
             error: {file}:7: invalid URL 'example.com/news': not an absolute URL \
             (did you mean https://example.com/news?)\n"
        )
    );
    assert_eq!(out.code, 1);
    assert_eq!(["/a", "/b", "/c"].map(|p| server.hits(p)), [1, 1, 1]);
}

#[test]
fn a_clean_file_exits_zero() {
    let server = abc_server();
    let list = TempFile::with(format!(
        "# three pages\n{}\n{}\n{}\n",
        server.url("/a"),
        server.url("/b"),
        server.url("/c")
    ));
    let out = run(["--input", &list.arg()]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, abc_links(&server));
    assert_eq!(out.code, 0);
}

#[test]
fn stdin_is_read_with_dash() {
    let server = abc_server();
    let input = format!(
        "{}\r\nwww.example.org\r\n\r\n{}\r\n{}\r\n",
        server.url("/a"),
        server.url("/b"),
        server.url("/c")
    );
    let out = cmd(["-i", "-"]).stdin(input).run();
    assert_eq!(out.stdout, abc_links(&server));
    assert_eq!(
        out.stderr,
        "error: -:2: invalid URL 'www.example.org': not an absolute URL \
         (did you mean https://www.example.org?)\n"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn empty_stdin_with_other_urls_is_fine() {
    let server = abc_server();
    let out = cmd([server.url("/a"), "-i".into(), "-".into()])
        .stdin("")
        .run();
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&[server.url("/from-a")]));
    assert_eq!(out.code, 0);
}

#[test]
fn files_arguments_and_stdin_keep_their_order() {
    let server = abc_server();
    let first = TempFile::with(format!("{}\n", server.url("/c")));
    let out = cmd([
        "-i".into(),
        first.arg(),
        server.url("/a"),
        "-i".into(),
        "-".into(),
    ])
    .stdin(format!("{}\n", server.url("/b")))
    .run();
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[
            server.url("/from-c"),
            server.url("/from-a"),
            server.url("/from-b")
        ])
    );
    assert_eq!(out.code, 0);
}

#[test]
fn duplicates_across_all_inputs_are_fetched_once() {
    let server = abc_server();
    let a = server.url("/a");
    let list = TempFile::with(format!(
        "{a}\n{}\n{a}\n{}\n",
        server.url("/b"),
        // The same URL once parsed: scheme case, dot segments.
        a.replace("http://", "HTTP://").replace("/a", "/x/../a")
    ));
    let out = run([
        a.clone(),
        "-u".into(),
        a.clone(),
        "-i".into(),
        list.arg(),
        server.url("/b"),
    ]);
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(&[server.url("/from-a"), server.url("/from-b")])
    );
    assert_eq!(out.code, 0);
    assert_eq!(server.hits("/a"), 1);
    assert_eq!(server.hits("/b"), 1);
}

#[test]
fn an_overlong_line_is_reported_and_the_rest_is_read() {
    let server = abc_server();
    let long = format!("https://example.com/{}", "x".repeat(70_000));
    let list = TempFile::with(format!("{long}\n{}\n", server.url("/b")));
    let file = list.arg();
    let out = run(["-i", &file]);
    assert_eq!(out.stdout, lines(&[server.url("/from-b")]));
    assert_eq!(
        out.stderr,
        format!("error: {file}:1: line longer than 65536 bytes\n")
    );
    assert_eq!(out.code, 1);
}

#[test]
fn a_file_of_only_bad_lines_fails_and_fetches_nothing() {
    let server = abc_server();
    let list = TempFile::with("ftp://files.example.com/\nmailto:sre@example.com\n");
    let file = list.arg();
    let out = run(["-i", &file]);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:1: invalid URL 'ftp://files.example.com/': only http:// and https:// \
             URLs can be fetched\n\
             error: {file}:2: invalid URL 'mailto:sre@example.com': only http:// and https:// \
             URLs can be fetched\n"
        )
    );
    assert_eq!(out.code, 1);
    assert_eq!(server.total_hits(), 0);
}

#[test]
fn a_long_list_of_repeated_urls_fetches_each_page_once() {
    let server = Server::start();
    for i in 0..10 {
        server.page(
            &format!("/p{i}"),
            Response::html(links_page("Page", &[&format!("/from-{i}")])),
        );
    }
    let input: String = (0..1000)
        .map(|n| format!("{}\n", server.url(&format!("/p{}", n % 10))))
        .collect();
    let out = cmd(["-i", "-"]).stdin(input).run();
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        lines(
            &(0..10)
                .map(|i| server.url(&format!("/from-{i}")))
                .collect::<Vec<_>>()
        )
    );
    assert_eq!(out.code, 0);
    for i in 0..10 {
        assert_eq!(server.hits(&format!("/p{i}")), 1, "/p{i}");
    }
}
