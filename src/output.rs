//! Ordered page results to `stdout`, `json` or `jsonl`.
//!
//! Pages arrive here in input order. `stdout` and `jsonl` stream: each page is written
//! as soon as it arrives. `json` is one object, written at the end.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};

use url::{Position, Url};

use crate::error::PageError;
use crate::seen::Seen;

/// What the output stage needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputConfig {
    pub format: OutputFormat,
}

/// The output formats (`-o`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One absolute URL per line, unique over the run.
    Stdout,
    /// One object: links grouped by origin.
    Json,
    /// One object per link and per failed input, streamed.
    Jsonl,
}

/// Where results go, in the chosen format.
pub enum Sink<W: Write> {
    /// One absolute URL per line, unique over the whole run.
    Lines { out: W, seen: Seen },
    /// `{"origin": ["rest", ...], ...}`, origins sorted, each list in first-seen order.
    Json {
        out: W,
        origins: BTreeMap<String, OriginLinks>,
    },
    /// One object per link (unique within its page) and per failed page.
    JsonLines { out: W },
}

/// The links of one origin, first-seen order, unique.
#[derive(Default)]
pub struct OriginLinks {
    rests: Vec<String>,
    seen: Seen,
}

impl<W: Write> Sink<W> {
    pub fn new(config: OutputConfig, out: W) -> Self {
        match config.format {
            OutputFormat::Stdout => Sink::Lines {
                out,
                seen: Seen::default(),
            },
            OutputFormat::Json => Sink::Json {
                out,
                origins: BTreeMap::new(),
            },
            OutputFormat::Jsonl => Sink::JsonLines { out },
        }
    }

    /// The links of one page, `source` being the input as named to the user, `depth`
    /// its crawl depth when crawling (jsonl records carry it).
    pub fn page(&mut self, source: &str, links: &[Url], depth: Option<u32>) -> io::Result<()> {
        match self {
            Sink::Lines { out, seen } => {
                for link in links {
                    if seen.insert(link.as_str()) {
                        out.write_all(link.as_str().as_bytes())?;
                        out.write_all(b"\n")?;
                    }
                }
            }
            Sink::Json { origins, .. } => {
                for link in links {
                    // Everything before the path (scheme, userinfo, host, port) is the key,
                    // so that key + value is the absolute URL exactly.
                    let origin = &link[..Position::BeforePath];
                    let rest = &link[Position::BeforePath..];
                    let entry = match origins.get_mut(origin) {
                        Some(entry) => entry,
                        None => origins.entry(origin.to_owned()).or_default(),
                    };
                    if entry.seen.insert(rest) {
                        entry.rests.push(rest.to_owned());
                    }
                }
            }
            Sink::JsonLines { out } => {
                let source = json_string(source);
                let end = record_end(depth);
                let mut seen = HashSet::with_capacity(links.len());
                for link in links {
                    if seen.insert(link.as_str()) {
                        out.write_all(b"{\"source\":")?;
                        out.write_all(source.as_bytes())?;
                        out.write_all(b",\"url\":")?;
                        serde_json::to_writer(&mut *out, link.as_str())?;
                        out.write_all(end.as_bytes())?;
                    }
                }
            }
        }
        Ok(())
    }

    /// An input that failed. Only `jsonl` carries failures in its data, with the kind
    /// of the error beside its message; the message is on stderr in every format.
    pub fn failure(
        &mut self,
        source: &str,
        error: &PageError,
        depth: Option<u32>,
    ) -> io::Result<()> {
        if let Sink::JsonLines { out } = self {
            write!(
                out,
                "{{\"source\":{},\"error\":{},\"kind\":{}",
                json_string(source),
                json_string(&error.to_string()),
                json_string(error.kind().as_str())
            )?;
            out.write_all(record_end(depth).as_bytes())?;
        }
        Ok(())
    }

    /// A page a crawl found and did not fetch (`reason`: `robots.txt`). Only `jsonl`
    /// carries it.
    pub fn skipped(&mut self, source: &str, reason: &str, depth: u32) -> io::Result<()> {
        if let Sink::JsonLines { out } = self {
            writeln!(
                out,
                "{{\"source\":{},\"skipped\":{},\"depth\":{depth}}}",
                json_string(source),
                json_string(reason)
            )?;
        }
        Ok(())
    }

    /// Pushes out what is buffered, so that finished pages are visible before the next
    /// one is waited for.
    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Lines { out, .. } | Sink::JsonLines { out } => out.flush(),
            Sink::Json { .. } => Ok(()),
        }
    }

    /// Ends the output: writes the `json` object; flushes. Gives the writer back.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Sink::Lines { mut out, .. } | Sink::JsonLines { mut out } => {
                out.flush()?;
                Ok(out)
            }
            Sink::Json { mut out, origins } => {
                let object: serde_json::Map<String, serde_json::Value> = origins
                    .into_iter()
                    .map(|(origin, links)| (origin, links.rests.into()))
                    .collect();
                serde_json::to_writer_pretty(&mut out, &object)?;
                out.write_all(b"\n")?;
                out.flush()?;
                Ok(out)
            }
        }
    }
}

/// The end of a jsonl record: `,"depth":D}` when crawling, `}` otherwise, and the
/// newline.
fn record_end(depth: Option<u32>) -> String {
    match depth {
        Some(depth) => format!(",\"depth\":{depth}}}\n"),
        None => "}\n".to_owned(),
    }
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::FetchError;
    use crate::input::{InputError, UrlProblem};

    fn sink(format: OutputFormat) -> Sink<Vec<u8>> {
        Sink::new(OutputConfig { format }, Vec::new())
    }

    fn urls(list: &[&str]) -> Vec<Url> {
        list.iter()
            .map(|u| Url::parse(u).expect("test URL"))
            .collect()
    }

    fn written(sink: Sink<Vec<u8>>) -> String {
        String::from_utf8(sink.finish().expect("write")).expect("utf-8")
    }

    #[test]
    fn lines_are_unique_over_the_run() {
        let mut sink = sink(OutputFormat::Stdout);
        sink.page(
            "p1",
            &urls(&["http://a.test/1", "http://a.test/2", "http://a.test/1"]),
            None,
        )
        .expect("write");
        sink.page("p2", &urls(&["http://a.test/2", "https://b.test/"]), None)
            .expect("write");
        assert_eq!(
            written(sink),
            "http://a.test/1\nhttp://a.test/2\nhttps://b.test/\n"
        );
    }

    #[test]
    fn json_groups_by_origin_and_key_plus_value_is_the_url() {
        let mut sink = sink(OutputFormat::Json);
        sink.page(
            "p1",
            &urls(&[
                "https://b.test/x?q#f",
                "http://a.test:8080/",
                "https://b.test/x?q#f",
                "http://u:p@a.test/y",
            ]),
            None,
        )
        .expect("write");
        let not_found = FetchError::Status {
            code: 404,
            reason: "Not Found".into(),
        };
        sink.failure("p2", &PageError::Fetch(not_found), None)
            .expect("write");
        assert_eq!(
            written(sink),
            "{\n  \"http://a.test:8080\": [\n    \"/\"\n  ],\n  \"http://u:p@a.test\": [\n    \"/y\"\n  ],\n  \"https://b.test\": [\n    \"/x?q#f\"\n  ]\n}\n"
        );
    }

    #[test]
    fn jsonl_has_links_per_page_and_failures() {
        let mut sink = sink(OutputFormat::Jsonl);
        sink.page(
            "http://p.test/",
            &urls(&["http://a.test/\"q", "http://a.test/\"q"]),
            None,
        )
        .expect("write");
        let bad_line = InputError::InvalidUrl {
            text: "x".into(),
            problem: UrlProblem::NotAbsolute { suggestion: None },
        };
        sink.failure("list.txt:3", &PageError::Input(bad_line), None)
            .expect("write");
        sink.page("http://p2.test/", &urls(&["http://a.test/\"q"]), None)
            .expect("write");
        assert_eq!(
            written(sink),
            "{\"source\":\"http://p.test/\",\"url\":\"http://a.test/%22q\"}\n\
             {\"source\":\"list.txt:3\",\"error\":\"invalid URL 'x': not an absolute URL: it needs a scheme and a host, as in https://example.com/\",\"kind\":\"input\"}\n\
             {\"source\":\"http://p2.test/\",\"url\":\"http://a.test/%22q\"}\n"
        );
    }
}
