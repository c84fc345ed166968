//! What counts as a link and how it is resolved: `a`/`area` as `document.links` lists
//! them with scripting off, `<base href>`, the final URL after redirects, URL
//! normalisation, and the document's character encoding.

use crate::support::{lines, page, run, Output, Response, Server};

/// Serves `response` at `path` on a new server, runs the binary on it with `extra`
/// arguments, and returns the server (for its origin and hits) and the run.
fn extract(path: &str, response: Response, extra: &[&str]) -> (Server, Output) {
    let server = Server::start();
    server.page(path, response);
    let url = server.url(path);
    let mut args: Vec<&str> = extra.to_vec();
    args.push(&url);
    let out = run(args);
    (server, out)
}

/// Asserts a clean run whose stdout is exactly `expected`, each entry prefixed with the
/// server origin unless it is already absolute.
fn assert_links(server: &Server, out: &Output, expected: &[&str]) {
    let expected: Vec<String> = expected
        .iter()
        .map(|link| {
            if link.starts_with("http://") || link.starts_with("https://") {
                link.to_string()
            } else {
                format!("{}{link}", server.origin())
            }
        })
        .collect();
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, lines(&expected));
    assert_eq!(out.code, 0);
}

#[test]
fn a_and_area_count_but_not_template_svg_link_script_or_comments() {
    let html = page(
        "Site map",
        r##"<header>
  <a href="/home">Home</a>
  <a name="top">an anchor without href</a>
</header>
<map name="regions">
  <area shape="rect" coords="0,0,50,50" href="/region/north" alt="North">
  <area shape="rect" coords="50,0,100,50" alt="no href">
</map>
<img usemap="#regions" src="/img/map.png" alt="map">
<template id="row"><tr><td><a href="/in-template">t</a></td></tr></template>
<noscript><a href="/no-js">This site works better with JavaScript</a></noscript>
<svg width="10" height="10"><a href="/svg-link"><circle r="4"/></a></svg>
<link rel="next" href="/page/2">
<script>document.write('<a href="/from-script">x</a>')</script>
<!-- <a href="/commented-out">old</a> -->
<textarea><a href="/in-textarea">t</a></textarea>
<p><a href="https://Example.COM:443/Path">external</a> and <A HREF="/shouting">caps</A></p>
<a href="">this page</a>"##,
    );
    let (server, out) = extract("/docs/index.html", Response::html(html), &[]);
    assert_links(
        &server,
        &out,
        &[
            "/home",
            "/region/north",
            "/no-js",
            "https://example.com/Path",
            "/shouting",
            "/docs/index.html",
        ],
    );
}

#[test]
fn links_in_foreign_object_and_in_head_noscript_count() {
    let html = r#"<!DOCTYPE html>
<html><head><title>Edge cases</title>
<noscript><a href="/head-noscript">from head noscript</a></noscript>
</head>
<body>
<svg viewBox="0 0 10 10"><foreignObject width="10" height="10">
  <a href="/in-foreign-object">HTML inside SVG</a>
</foreignObject><a href="/svg-a">SVG a</a></svg>
<math><mi><a href="/in-mathml-text">HTML inside MathML text</a></mi></math>
<object data="/movie.swf"><a href="/object-fallback">fallback</a></object>
<area href="/area-without-map">
</body></html>"#;
    let (server, out) = extract("/edge", Response::html(html), &[]);
    assert_links(
        &server,
        &out,
        &[
            "/head-noscript",
            "/in-foreign-object",
            "/in-mathml-text",
            "/object-fallback",
            "/area-without-map",
        ],
    );
}

#[test]
fn hrefs_are_resolved_and_normalised_as_the_url_standard_says() {
    let html = page(
        "Normalisation",
        "<a href=\"  /spaces/around  \">1</a>\n\
         <a href=\"/tab\tand\nnewline\">2</a>\n\
         <a href=\"\\windows\\style\">3</a>\n\
         <a href=\"/a/./b/../c\">4</a>\n\
         <a href=\"HTTP://WWW.Example.ORG:80/x\">5</a>\n\
         <a href=\"https://b\u{fc}cher.example/\">6</a>\n\
         <a href=\"/path with space?q=a b#frag ment\">7</a>\n\
         <a href=\"//cdn.example.net/lib/\">8</a>\n\
         <a href=\"?page=2\">9</a>\n\
         <a href=\"#section-2\">10</a>\n\
         <a href=\"sibling.html\">11</a>\n\
         <a href=\"../up.html\">12</a>\n\
         <a href=\"http://[::1\">does not parse</a>\n\
         <a href=\"https://example.com/a?b=1&amp;c=2\">13</a>",
    );
    let (server, out) = extract("/docs/guide/index.html", Response::html(html), &[]);
    assert_links(
        &server,
        &out,
        &[
            "/spaces/around",
            "/tabandnewline",
            "/windows/style",
            "/a/c",
            "http://www.example.org/x",
            "https://xn--bcher-kva.example/",
            "/path%20with%20space?q=a%20b#frag%20ment",
            "http://cdn.example.net/lib/",
            "/docs/guide/index.html?page=2",
            "/docs/guide/index.html#section-2",
            "/docs/guide/sibling.html",
            "/docs/up.html",
            "https://example.com/a?b=1&c=2",
        ],
    );
}

#[test]
fn only_http_and_https_links_are_printed() {
    let html = page(
        "Contact",
        r#"<a href="mailto:sre@example.com">mail</a>
<a href="javascript:void(0)">js</a>
<a href="tel:+15555550100">call</a>
<a href="data:text/html,hi">data</a>
<a href="ftp://files.example.com/pub/">ftp</a>
<a href="file:///etc/passwd">file</a>
<a href="https://example.com/">https</a>
<a href="/relative">relative</a>"#,
    );
    let (server, out) = extract("/contact", Response::html(html), &[]);
    assert_links(&server, &out, &["https://example.com/", "/relative"]);
}

#[test]
fn duplicates_in_a_page_are_printed_once() {
    let html = page(
        "Dupes",
        r#"<a href="/a">a</a><a href="/b">b</a><a href="/a">a again</a>
<a href="/a#top">a with fragment</a><a href="/b">b again</a>"#,
    );
    let (server, out) = extract("/", Response::html(html), &[]);
    assert_links(&server, &out, &["/a", "/b", "/a#top"]);
}

#[test]
fn relative_base_is_resolved_against_the_page_url() {
    let html = r##"<!DOCTYPE html>
<html><head><base href="../other/"><title>Base</title></head>
<body><a href="x.html">x</a> <a href="/root">root</a> <a href="?q=1">q</a>
<a href="#frag">frag</a></body></html>"##;
    let (server, out) = extract("/a/b/page.html", Response::html(html), &[]);
    assert_links(
        &server,
        &out,
        &[
            "/a/other/x.html",
            "/root",
            "/a/other/?q=1",
            "/a/other/#frag",
        ],
    );
}

#[test]
fn absolute_base_wins_and_a_second_base_is_ignored() {
    let html = r#"<!DOCTYPE html>
<html><head>
<base href="https://cdn.example.com/static/v2/">
<base href="https://ignored.example/">
</head>
<body><a href="img/logo.png">logo</a> <a href="/top">top</a>
<a href="//other.example/x">x</a></body></html>"#;
    let (server, out) = extract("/", Response::html(html), &[]);
    assert_links(
        &server,
        &out,
        &[
            "https://cdn.example.com/static/v2/img/logo.png",
            "https://cdn.example.com/top",
            "https://other.example/x",
        ],
    );
}

#[test]
fn a_base_after_the_links_still_applies() {
    let html = page(
        "Late base",
        r#"<a href="first">1</a>
<p>text</p>
<base href="/late/">
<a href="second">2</a>"#,
    );
    let (server, out) = extract("/dir/page", Response::html(html), &[]);
    assert_links(&server, &out, &["/late/first", "/late/second"]);
}

#[test]
fn a_base_without_href_does_not_count() {
    let html = r#"<html><head><base target="_blank"><base href="/second/"></head>
<body><a href="x">x</a></body></html>"#;
    let (server, out) = extract("/dir/page", Response::html(html), &[]);
    assert_links(&server, &out, &["/second/x"]);
}

#[test]
fn a_javascript_base_falls_back_to_the_page_url() {
    let html = r#"<html><head><base href="javascript:void(0)"></head>
<body><a href="x">x</a></body></html>"#;
    let (server, out) = extract("/dir/page", Response::html(html), &[]);
    assert_links(&server, &out, &["/dir/x"]);
}

#[test]
fn a_redirect_makes_the_final_url_the_base() {
    let server = Server::start();
    server.page("/old", Response::redirect(301, &server.url("/new/dir/")));
    server.page(
        "/new/dir/",
        Response::html(page(
            "Moved",
            r#"<a href="x.html">x</a> <a href="../up">up</a>"#,
        )),
    );
    let out = run([server.url("/old")]);
    assert_links(&server, &out, &["/new/dir/x.html", "/new/up"]);
    assert_eq!(server.hits("/old"), 1);
    assert_eq!(server.hits("/new/dir/"), 1);
}

#[test]
fn a_chain_of_302_307_308_and_a_relative_location() {
    let server = Server::start();
    server.page("/start", Response::redirect(302, "/step2"));
    server.page(
        "/step2",
        Response::redirect(307, &server.url("/step3/deeper/")),
    );
    server.page(
        "/step3/deeper/",
        Response::redirect(308, "../final/page.html"),
    );
    server.page(
        "/step3/final/page.html",
        Response::html(page("Final", r#"<a href="next.html">next</a>"#)),
    );
    let out = run([server.url("/start")]);
    assert_links(&server, &out, &["/step3/final/next.html"]);
    for path in [
        "/start",
        "/step2",
        "/step3/deeper/",
        "/step3/final/page.html",
    ] {
        assert_eq!(server.hits(path), 1, "{path}");
    }
}

#[test]
fn a_base_in_a_redirected_page_resolves_against_the_final_url() {
    let server = Server::start();
    server.page("/r", Response::redirect(303, "/deep/dir/page"));
    server.page(
        "/deep/dir/page",
        Response::html(
            r#"<html><head><base href="../b/"></head><body><a href="x">x</a></body></html>"#,
        ),
    );
    let out = run([server.url("/r")]);
    assert_links(&server, &out, &["/deep/b/x"]);
}

#[test]
fn a_redirect_is_logged_at_verbose() {
    let server = Server::start();
    server.page("/old", Response::redirect(301, "/new"));
    server.page("/new", Response::html(page("New", r#"<a href="x">x</a>"#)));
    let (old, new) = (server.url("/old"), server.url("/new"));
    let out = run(["-v", &old]);
    assert_eq!(out.stderr, format!("info: {old}: redirected to {new}\n"));
    assert_eq!(out.stdout, lines(&[server.url("/x")]));
    assert_eq!(out.code, 0);
}

#[test]
fn a_location_with_raw_utf8_or_spaces_is_followed_as_a_browser_does() {
    // Servers in the wild send unencoded Locations; browsers and curl percent-encode
    // them (the Location value is parsed as a URL against the request URL).
    let server = Server::start();
    server.page("/utf8", Response::redirect(302, "/caf\u{e9}/"));
    server.page("/space", Response::redirect(301, "/a b/"));
    server.page("/query", Response::redirect(302, "/landing/?q=caf\u{e9}"));
    for path in ["/caf%C3%A9/", "/a%20b/", "/landing/"] {
        server.page(
            path,
            Response::html(page("Landing", r#"<a href="x">x</a>"#)),
        );
    }
    let out = run([
        server.url("/utf8"),
        server.url("/space"),
        server.url("/query"),
    ]);
    assert_links(&server, &out, &["/caf%C3%A9/x", "/a%20b/x", "/landing/x"]);
}

#[test]
fn too_many_redirects_fail_the_page() {
    let server = Server::start();
    server.page("/loop-a", Response::redirect(302, "/loop-b"));
    server.page("/loop-b", Response::redirect(302, "/loop-a"));
    let url = server.url("/loop-a");
    let out = run(["--max-redirects", "2", &url]);
    assert_eq!(
        out.stderr,
        format!("error: {url}: too many redirects (more than 2, --max-redirects)\n")
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 1);
    // The first request and two redirects followed; the third redirect is refused.
    assert_eq!(server.hits("/loop-a") + server.hits("/loop-b"), 3);
}

#[test]
fn a_redirect_loop_ends_at_the_default_limit() {
    let server = Server::start();
    server.page("/loop", Response::redirect(301, "/loop"));
    let url = server.url("/loop");
    let out = run([&url]);
    assert_eq!(
        out.stderr,
        format!("error: {url}: too many redirects (more than 10, --max-redirects)\n")
    );
    assert_eq!(out.code, 1);
    assert_eq!(server.hits("/loop"), 11);
}

#[test]
fn max_redirects_zero_does_not_follow() {
    let server = Server::start();
    server.page("/old", Response::redirect(301, "/new"));
    server.page("/new", Response::html(page("New", r#"<a href="/x">x</a>"#)));
    let url = server.url("/old");
    let out = run(["--max-redirects", "0", &url]);
    assert_eq!(
        out.stderr,
        format!(
            "error: {url}: HTTP 301 Moved Permanently (redirect not followed: --max-redirects 0)\n"
        )
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 1);
    assert_eq!(server.hits("/new"), 0);
}

#[test]
fn deep_nesting_of_inline_elements_gives_its_links() {
    let depth = 100_000;
    let html = format!(
        "<!DOCTYPE html><html><body>{}<a href=\"/deep\">deep</a>{}<a href=\"/after\">after</a></body></html>",
        "<span>".repeat(depth),
        "</span>".repeat(depth)
    );
    let (server, out) = extract("/nested", Response::html(html), &["--timeout", "20"]);
    assert_links(&server, &out, &["/deep", "/after"]);
}

#[test]
fn deep_nesting_of_block_elements_gives_its_links() {
    // Once html5ever's scans made this page fail as "HTML too complex"; the depth guard
    // parses it as Chromium does, with the tree capped at depth 512.
    let depth = 100_000;
    let html = format!(
        "<!DOCTYPE html><html><body>{}<a href=\"/deep\">deep</a>{}<a href=\"/after\">after</a></body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let (server, out) = extract("/nested", Response::html(html), &[]);
    assert_links(&server, &out, &["/deep", "/after"]);
}

#[test]
fn a_link_misplaced_in_a_table_is_foster_parented_and_kept() {
    let html = page(
        "Table",
        r#"<table>
  <tr><td><a href="/in-cell">cell</a></td></tr>
  <a href="/fostered">misplaced in the table</a>
</table>"#,
    );
    let (server, out) = extract("/table", Response::html(html), &[]);
    // A browser moves the misplaced link before the table: it comes first.
    assert_links(&server, &out, &["/fostered", "/in-cell"]);
}

/// The links of a page served with `content_type` and these exact bytes.
fn charset_case(content_type: &str, body: &[u8]) -> (Server, Output) {
    extract(
        "/search/",
        Response::typed(content_type, body.to_vec()),
        &[],
    )
}

#[test]
fn header_charset_windows_1252_encodes_the_query_in_windows_1252() {
    let (server, out) = charset_case(
        "text/html; charset=windows-1252",
        b"<!DOCTYPE html><title>Caf\xE9</title>\
          <a href=\"?q=\xE9\">search</a> <a href=\"/caf\xE9/men\xFC?q=cr\xE8me\">menu</a>",
    );
    // The query in the document's encoding, the path always in UTF-8.
    assert_links(
        &server,
        &out,
        &["/search/?q=%E9", "/caf%C3%A9/men%C3%BC?q=cr%E8me"],
    );
}

#[test]
fn header_charset_utf8() {
    let (server, out) = charset_case(
        "text/html; charset=UTF-8",
        "<!DOCTYPE html><a href=\"/caf\u{e9}?q=\u{e9}\">x</a>".as_bytes(),
    );
    assert_links(&server, &out, &["/caf%C3%A9?q=%C3%A9"]);
}

#[test]
fn meta_charset_is_used_without_a_header_charset() {
    let (server, out) = charset_case(
        "text/html",
        b"<!DOCTYPE html><html><head><meta charset=\"windows-1252\"></head>\
          <body><a href=\"/caf\xE9?q=\xE9\">x</a></body></html>",
    );
    assert_links(&server, &out, &["/caf%C3%A9?q=%E9"]);

    let (server, out) = charset_case(
        "text/html",
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>\
         <body><a href=\"/caf\u{e9}?q=\u{e9}\">x</a></body></html>"
            .as_bytes(),
    );
    assert_links(&server, &out, &["/caf%C3%A9?q=%C3%A9"]);
}

#[test]
fn meta_http_equiv_content_type_is_used() {
    let (server, out) = charset_case(
        "text/html",
        b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">\
          </head><body><a href=\"/\x82\xA0?q=\x82\xA0\">hiragana a</a></body></html>",
    );
    assert_links(&server, &out, &["/%E3%81%82?q=%82%A0"]);
}

#[test]
fn the_header_charset_wins_over_meta() {
    let (server, out) = charset_case(
        "text/html; charset=windows-1252",
        b"<html><head><meta charset=\"utf-8\"></head>\
          <body><a href=\"/caf\xE9?q=\xE9\">x</a></body></html>",
    );
    assert_links(&server, &out, &["/caf%C3%A9?q=%E9"]);
}

#[test]
fn a_bom_wins_over_the_header_charset() {
    let (server, out) = charset_case(
        "text/html; charset=windows-1252",
        "\u{feff}<!DOCTYPE html><a href=\"/caf\u{e9}?q=\u{e9}\">x</a>".as_bytes(),
    );
    assert_links(&server, &out, &["/caf%C3%A9?q=%C3%A9"]);
}

#[test]
fn a_utf16_page_with_a_bom_links_in_utf8() {
    let text = "<!DOCTYPE html><a href=\"/caf\u{e9}?q=\u{e9}\">x</a>";
    let mut body = vec![0xFF, 0xFE];
    body.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let (server, out) = charset_case("text/html", &body);
    assert_links(&server, &out, &["/caf%C3%A9?q=%C3%A9"]);
}

#[test]
fn without_any_declaration_the_page_is_windows_1252() {
    let (server, out) = charset_case(
        "text/html",
        b"<!DOCTYPE html><a href=\"/caf\xE9?q=\xE9\">x</a>",
    );
    assert_links(&server, &out, &["/caf%C3%A9?q=%E9"]);
}

#[test]
fn an_unknown_header_charset_is_ignored() {
    let (server, out) = charset_case(
        "text/html; charset=no-such-charset",
        "<meta charset=\"utf-8\"><a href=\"/caf\u{e9}?q=\u{e9}\">x</a>".as_bytes(),
    );
    assert_links(&server, &out, &["/caf%C3%A9?q=%C3%A9"]);
}

#[test]
fn characters_missing_from_the_page_encoding_become_numeric_references_in_the_query() {
    let (server, out) = charset_case(
        "text/html; charset=windows-1252",
        b"<a href=\"/snow?q=&#9731;\">snowman</a>",
    );
    assert_links(&server, &out, &["/snow?q=%26%239731%3B"]);
}

#[test]
fn invalid_utf8_never_fails_the_page() {
    let (server, out) = charset_case(
        "text/html; charset=utf-8",
        b"<!DOCTYPE html><title>\xC3\x28 broken</title>\
          <a href=\"/bad\xFF\xFEpath?q=\xFF\">x</a> <a href=\"/fine\">fine</a>",
    );
    assert_links(
        &server,
        &out,
        &["/bad%EF%BF%BD%EF%BF%BDpath?q=%EF%BF%BD", "/fine"],
    );
}

#[test]
fn header_charset_variants_are_understood() {
    // A MIME parameter value may be a quoted string (RFC 9110, and the MIME type parser
    // of the Fetch standard that browsers follow).
    let mut wrong = Vec::new();
    for content_type in [
        "text/html; charset=\"UTF-8\"",
        "text/html;charset=utf-8",
        "text/html; foo=bar; charset=utf-8",
        "text/html; CHARSET=UTF-8",
        "text/html; charset=utf8",
    ] {
        let (server, out) = charset_case(
            content_type,
            "<!DOCTYPE html><a href=\"/caf\u{e9}?q=\u{e9}\">x</a>".as_bytes(),
        );
        let expected = lines(&[format!("{}/caf%C3%A9?q=%C3%A9", server.origin())]);
        if out.stdout != expected || out.code != 0 {
            wrong.push(format!(
                "Content-Type: {content_type} gave {:?} (exit {})",
                out.stdout, out.code
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn whitespace_before_the_parameters_of_content_type_is_allowed() {
    // "text/html ; charset=utf-8": the MIME type is text/html (RFC 9110 allows optional
    // whitespace around ';', and browsers trim it).
    for content_type in ["text/html ; charset=utf-8", "text/html\t;charset=utf-8"] {
        let (server, out) = charset_case(
            content_type,
            "<!DOCTYPE html><a href=\"/caf\u{e9}?q=\u{e9}\">x</a>".as_bytes(),
        );
        assert_links(&server, &out, &["/caf%C3%A9?q=%C3%A9"]);
    }
}

#[test]
fn a_meta_charset_after_a_long_inline_script_in_head_is_found() {
    let mut body = b"<!DOCTYPE html><html><head><script>var config = {".to_vec();
    body.extend_from_slice("\"padding\": \"x\",".repeat(150).as_bytes());
    body.extend_from_slice(b"};</script><meta charset=\"utf-8\"><title>Caf\xC3\xA9</title></head>");
    body.extend_from_slice(b"<body><a href=\"/caf\xC3\xA9?q=\xC3\xA9\">x</a></body></html>");
    assert!(body.len() > 2048);
    let (server, out) = charset_case("text/html", &body);
    assert_links(&server, &out, &["/caf%C3%A9?q=%C3%A9"]);
}

#[test]
fn a_meta_charset_inside_a_script_string_does_not_count() {
    let (server, out) = charset_case(
        "text/html",
        b"<!DOCTYPE html><html><head><script>var s = '<meta charset=\"utf-8\">';</script>\
          </head><body><a href=\"/caf\xE9?q=\xE9\">x</a></body></html>",
    );
    assert_links(&server, &out, &["/caf%C3%A9?q=%E9"]);
}

#[test]
fn an_xml_declaration_encoding_is_honoured() {
    let (server, out) = charset_case(
        "text/html",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<html><body>\
         <a href=\"/caf\u{e9}?q=\u{e9}\">x</a></body></html>"
            .as_bytes(),
    );
    assert_links(&server, &out, &["/caf%C3%A9?q=%C3%A9"]);
}

#[test]
fn a_first_base_that_does_not_parse_leaves_only_absolute_links() {
    // Chromium: the document base URL becomes about:blank.
    let html = r#"<html><head><base href="http://[bad"><base href="/ignored/"></head>
<body><a href="relative">r</a> <a href="https://abs.example/page">abs</a></body></html>"#;
    let (server, out) = extract("/dir/page", Response::html(html), &[]);
    assert_links(&server, &out, &["https://abs.example/page"]);
}

#[test]
fn three_slashes_after_nothing_is_a_host_as_in_chromium() {
    let html = page("Slashes", r#"<a href="///cdn.example/lib.js">x</a>"#);
    let (server, out) = extract("/", Response::html(html), &[]);
    assert_links(&server, &out, &["http://cdn.example/lib.js"]);
}
