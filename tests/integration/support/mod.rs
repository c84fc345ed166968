//! What every test module shares: the test server, the binary runner, temporary files
//! and page fixtures.

pub mod run;
pub mod server;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub use run::{cmd, run, Output};
pub use server::{Gate, RawServer, Response, Server};

/// A file under the system temporary directory, removed when dropped.
pub struct TempFile {
    path: PathBuf,
}

static TEMP_COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_temp_path(what: &str) -> PathBuf {
    let n = TEMP_COUNTER.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!(
        "link-extractor-test-{}-{n}-{what}",
        std::process::id()
    ))
}

impl TempFile {
    /// A new file holding `contents`.
    pub fn with(contents: impl AsRef<[u8]>) -> Self {
        let path = unique_temp_path("urls.txt");
        std::fs::write(&path, contents).expect("write a temporary file");
        TempFile { path }
    }

    /// The path as a string, as a user would type it.
    pub fn arg(&self) -> String {
        self.path.to_str().expect("UTF-8 temp path").to_string()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A directory under the system temporary directory, removed when dropped.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new() -> Self {
        let path = unique_temp_path("dir");
        std::fs::create_dir(&path).expect("create a temporary directory");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn arg(&self) -> String {
        self.path.to_str().expect("UTF-8 temp path").to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A port on 127.0.0.1 with nothing listening: connections to it are refused at once.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A real-looking HTML page whose body holds `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n  \
         <title>{title}</title>\n  <link rel=\"stylesheet\" href=\"/static/site.css\">\n\
         </head>\n<body>\n{body}\n</body>\n</html>\n"
    )
}

/// A page with one `<a>` per href, in a navigation list.
pub fn links_page(title: &str, hrefs: &[&str]) -> String {
    let items: String = hrefs
        .iter()
        .map(|href| format!("    <li><a href=\"{href}\">{href}</a></li>\n"))
        .collect();
    page(title, &format!("<nav>\n  <ul>\n{items}  </ul>\n</nav>"))
}

/// `lines` joined, each followed by a newline, as the binary prints them.
pub fn lines<S: AsRef<str>>(lines: &[S]) -> String {
    lines
        .iter()
        .map(|line| format!("{}\n", line.as_ref()))
        .collect()
}

/// A server with pages `/a`, `/b`, `/c`, each linking to `/from-a`...
pub fn abc_server() -> Server {
    let server = Server::start();
    for name in ["a", "b", "c"] {
        server.page(
            &format!("/{name}"),
            Response::html(links_page(
                &format!("Page {name}"),
                &[&format!("/from-{name}")],
            )),
        );
    }
    server
}
