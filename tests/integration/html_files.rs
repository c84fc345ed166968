//! `--html FILE|-` with `--base URL` and `--charset LABEL`: links from local documents,
//! through the same extraction as fetched pages.

use std::path::Path;

use crate::support::{cmd, lines, links_page, page, run, Response, Server, TempDir};

/// Writes `contents` to `name` in `dir` and returns the path as a user would type it.
fn write(dir: &TempDir, name: &str, contents: impl AsRef<[u8]>) -> String {
    let path = dir.path().join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create the page's directory");
    }
    std::fs::write(&path, contents).expect("write the page");
    path_arg(&path)
}

fn path_arg(path: &Path) -> String {
    path.to_str().expect("UTF-8 temp path").to_string()
}

/// The `file:` URL of a path under the temporary directory.
fn file_url(path: &str) -> String {
    url::Url::from_file_path(path)
        .expect("absolute path")
        .to_string()
}

const SITE_PAGE: &[&str] = &[
    "/docs/",
    "guide.html?lang=en#install",
    "../blog/",
    "https://example.org/x",
    "mailto:team@example.com",
];

#[test]
fn a_file_with_base_resolves_against_the_base() {
    let dir = TempDir::new();
    let index = write(&dir, "public/index.html", links_page("Site", SITE_PAGE));
    let out = run(["--html", &index, "--base", "https://example.com/en/"]);
    assert_eq!(
        out.stdout,
        lines(&[
            "https://example.com/docs/",
            "https://example.com/en/guide.html?lang=en#install",
            "https://example.com/blog/",
            "https://example.org/x",
        ])
    );
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 0);
}

#[test]
fn without_base_the_file_url_is_the_base_and_file_links_are_kept() {
    let dir = TempDir::new();
    let index = write(&dir, "site/en/index.html", links_page("Site", SITE_PAGE));
    let out = run(["--html", &index]);
    let site = file_url(&path_arg(&dir.path().join("site")));
    assert_eq!(
        out.stdout,
        lines(&[
            "file:///docs/".to_string(),
            format!("{site}/en/guide.html?lang=en#install"),
            format!("{site}/blog/"),
            "https://example.org/x".to_string(),
        ])
    );
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 0);
}

#[test]
fn a_base_element_in_the_document_wins_over_base() {
    let dir = TempDir::new();
    let html = page(
        "Based",
        "<base href=\"https://cdn.example.net/assets/\">\n<a href=\"logo.svg\">logo</a>\n<a href=\"/root\">root</a>",
    );
    let file = write(&dir, "based.html", html);
    let out = run(["--html", &file, "--base", "https://example.com/page"]);
    assert_eq!(
        out.stdout,
        lines(&[
            "https://cdn.example.net/assets/logo.svg",
            "https://cdn.example.net/root",
        ])
    );
    assert_eq!(out.code, 0);
}

#[test]
fn stdin_with_base_in_every_output_format() {
    let html = links_page("Piped", &["/a", "b?x=1", "/a"]);
    let base = "https://example.com/dir/page.html";
    let out = cmd(["--html", "-", "--base", base])
        .stdin(html.clone())
        .run();
    assert_eq!(
        out.stdout,
        lines(&["https://example.com/a", "https://example.com/dir/b?x=1"])
    );
    assert_eq!(out.code, 0);

    let out = cmd(["--html", "-", "--base", base, "-o", "jsonl"])
        .stdin(html.clone())
        .run();
    assert_eq!(
        out.stdout,
        lines(&[
            r#"{"source":"-","url":"https://example.com/a"}"#,
            r#"{"source":"-","url":"https://example.com/dir/b?x=1"}"#,
        ])
    );
    assert_eq!(out.code, 0);

    let out = cmd(["--html", "-", "--base", base, "-o", "json"])
        .stdin(html)
        .run();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON output");
    assert_eq!(
        json,
        serde_json::json!({"https://example.com": ["/a", "/dir/b?x=1"]})
    );
    assert_eq!(out.code, 0);
}

#[test]
fn stdin_without_base_resolves_against_the_working_directory() {
    let dir = TempDir::new();
    let out = cmd(["--html", "-"])
        .current_dir(dir.path())
        .stdin(links_page("Piped", &["notes.html", "https://example.org/"]))
        .run();
    let cwd = file_url(&path_arg(dir.path()));
    assert_eq!(
        out.stdout,
        lines(&[format!("{cwd}/notes.html"), "https://example.org/".into()])
    );
    assert_eq!(out.code, 0);
}

#[test]
fn files_and_urls_keep_their_command_line_order() {
    let server = Server::start();
    server.page("/one", Response::html(links_page("One", &["/from-one"])));
    server.page("/two", Response::html(links_page("Two", &["/from-two"])));
    let dir = TempDir::new();
    let file = write(&dir, "local.html", links_page("Local", &["/from-file"]));
    let base = "https://example.com/";

    let args = [
        server.url("/one"),
        "--html".into(),
        file.clone(),
        "--base".into(),
        base.into(),
        server.url("/two"),
    ];
    let out = run(&args);
    assert_eq!(
        out.stdout,
        lines(&[
            server.url("/from-one"),
            "https://example.com/from-file".into(),
            server.url("/from-two"),
        ])
    );
    assert_eq!(out.code, 0);

    let out = run(args.iter().chain(&["-o".to_string(), "jsonl".to_string()]));
    assert_eq!(
        out.stdout,
        lines(&[
            format!(
                r#"{{"source":"{}","url":"{}"}}"#,
                server.url("/one"),
                server.url("/from-one")
            ),
            format!(r#"{{"source":"{file}","url":"https://example.com/from-file"}}"#),
            format!(
                r#"{{"source":"{}","url":"{}"}}"#,
                server.url("/two"),
                server.url("/from-two")
            ),
        ])
    );
    assert_eq!(out.code, 0);
}

#[test]
fn a_file_gives_exactly_what_the_same_page_fetched_gives() {
    // Relative links, a base, entities, whitespace, a query in a legacy encoding:
    // everything the extraction does, once through HTTP and once from disk.
    let html = b"<!DOCTYPE html><html><head><meta charset=\"windows-1252\">\
        <title>Same</title></head><body>\
        <a href=\" ./a/../b?q=caf\xe9 \">b</a>\
        <a href=\"//other.example/p\">other</a>\
        <a href=\"#top\">top</a>\
        <map><area href=\"/area\"></map>\
        <template><a href=\"/hidden\">no</a></template>\
        <svg><a href=\"/svg\">no</a></svg>\
        <a href=\"javascript:void(0)\">js</a>\
        </body></html>"
        .to_vec();
    let server = Server::start();
    server.page(
        "/pages/same.html",
        Response::typed("text/html", html.clone()),
    );
    let dir = TempDir::new();
    let file = write(&dir, "same.html", &html);

    let page_url = server.url("/pages/same.html");
    let fetched = run([&page_url]);
    let local = run(["--html", &file, "--base", &page_url]);
    assert_eq!(
        fetched.stdout,
        lines(&[
            server.url("/pages/b?q=caf%E9"),
            "http://other.example/p".into(),
            server.url("/pages/same.html#top"),
            server.url("/area"),
        ])
    );
    assert_eq!(local.stdout, fetched.stdout);
    assert_eq!((local.code, fetched.code), (0, 0));
}

#[test]
fn charset_from_bom_meta_default_and_override() {
    let dir = TempDir::new();
    let base = "https://example.com/";
    // é in windows-1252 (the default) is E9; the query is encoded in the document's
    // encoding, the path always in UTF-8.
    let legacy = write(&dir, "legacy.html", b"<a href=\"/caf\xe9?q=\xe9\">x</a>");
    let out = run(["--html", &legacy, "--base", base]);
    assert_eq!(out.stdout, lines(&["https://example.com/caf%C3%A9?q=%E9"]));

    // The same bytes declared as UTF-8 by --charset are invalid UTF-8: U+FFFD.
    let out = run(["--html", &legacy, "--base", base, "--charset", "utf-8"]);
    assert_eq!(
        out.stdout,
        lines(&["https://example.com/caf%EF%BF%BD?q=%EF%BF%BD"])
    );

    // <meta charset> is found by the prescan; --charset overrides it.
    let meta = write(
        &dir,
        "meta.html",
        b"<meta charset=\"shift_jis\"><a href=\"/x?q=\x82\xa0\">x</a>",
    );
    let out = run(["--html", &meta, "--base", base]);
    assert_eq!(out.stdout, lines(&["https://example.com/x?q=%82%A0"]));
    let out = run(["--html", &meta, "--base", base, "--charset", "latin1"]);
    assert_eq!(out.stdout, lines(&["https://example.com/x?q=%82%A0"]));
    let out = run(["--html", &meta, "--base", base, "--charset", "utf-8"]);
    assert_eq!(
        out.stdout,
        lines(&["https://example.com/x?q=%EF%BF%BD%EF%BF%BD"])
    );

    // A UTF-8 byte order mark wins over everything, --charset included.
    let bom = write(
        &dir,
        "bom.html",
        b"\xef\xbb\xbf<a href=\"/x?q=\xc3\xa9\">x</a>",
    );
    let out = run(["--html", &bom, "--base", base, "--charset", "windows-1252"]);
    assert_eq!(out.stdout, lines(&["https://example.com/x?q=%C3%A9"]));
    assert_eq!(out.code, 0);
}

#[test]
fn a_missing_file_is_a_named_failure_and_the_others_still_print() {
    let dir = TempDir::new();
    let good = write(&dir, "good.html", links_page("Good", &["/ok"]));
    let missing = path_arg(&dir.path().join("missing.html"));
    // One at a time: failures are reported as they happen, and the assertion below
    // names them in input order.
    let out = run([
        "-j",
        "1",
        "--html",
        &missing,
        "--html",
        &good,
        "--html",
        &dir.arg(),
        "--base",
        "https://example.com/",
    ]);
    assert_eq!(out.stdout, lines(&["https://example.com/ok"]));
    assert_eq!(
        out.stderr,
        lines(&[
            format!("error: {missing}: cannot read HTML file: no such file"),
            format!(
                "error: {}: cannot read HTML file: it is a directory",
                dir.arg()
            ),
        ])
    );
    assert_eq!(out.code, 1);
}

#[test]
fn a_failed_file_in_jsonl_names_its_path() {
    let dir = TempDir::new();
    let missing = path_arg(&dir.path().join("gone.html"));
    let out = run(["-o", "jsonl", "--html", &missing]);
    assert_eq!(
        out.stdout,
        lines(&[format!(
            r#"{{"source":"{missing}","error":"cannot read HTML file: no such file","kind":"io"}}"#
        )])
    );
    assert_eq!(out.code, 1);
}

#[test]
fn a_file_over_max_bytes_is_refused() {
    let dir = TempDir::new();
    let big = write(&dir, "big.html", "x".repeat(2048));
    let out = run([
        "--html",
        &big,
        "--max-bytes",
        "1KiB",
        "--base",
        "https://e.test/",
    ]);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        lines(&[format!(
            "error: {big}: HTML file larger than 1 KiB (--max-bytes)"
        )])
    );
    assert_eq!(out.code, 1);
}

#[test]
fn the_same_file_twice_is_read_once() {
    let dir = TempDir::new();
    let file = write(&dir, "twice.html", links_page("Twice", &["/a", "/b"]));
    let out = run([
        "--html",
        &file,
        "--html",
        &file,
        "-o",
        "jsonl",
        "--base",
        "https://e.test/",
    ]);
    assert_eq!(
        out.stdout,
        lines(&[
            format!(r#"{{"source":"{file}","url":"https://e.test/a"}}"#),
            format!(r#"{{"source":"{file}","url":"https://e.test/b"}}"#),
        ])
    );
    assert_eq!(out.code, 0);
}

#[test]
fn usage_errors_for_html_options() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--base", "https://example.com/", "https://example.com/page"],
            "error: --base 'https://example.com/' applies to --html inputs, and none was given\n",
        ),
        (
            &["--charset", "utf-8", "https://example.com/page"],
            "error: --charset 'utf-8' applies to --html inputs, and none was given\n",
        ),
        (
            &["--html", "-", "--charset", "klingon"],
            "error: invalid --charset 'klingon': not an encoding label browsers know \
             (e.g. utf-8, windows-1252, iso-8859-1, shift_jis, gb18030)\n",
        ),
        (
            &["--html", "-", "--base", "example.com/docs/"],
            "error: invalid --base 'example.com/docs/': not an absolute URL \
             (did you mean https://example.com/docs/?)\n",
        ),
        (
            &["--html", "-", "--base", "mailto:a@example.com"],
            "error: invalid --base 'mailto:a@example.com': expected an absolute http://, https:// or file:// URL\n",
        ),
        (
            &["--html", "-", "-i", "-"],
            "error: stdin ('-') was given to both -i and --html: it can be read only once\n",
        ),
        (&["--html", ""], "error: invalid --html '': expected a file path or '-'\n"),
    ];
    for (args, message) in cases {
        let out = run(*args);
        assert_eq!(out.stderr, *message, "{args:?}");
        assert_eq!(out.stdout, "", "{args:?}");
        assert_eq!(out.code, 2, "{args:?}");
    }
}
