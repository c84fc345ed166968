//! Sitemaps (sitemaps.org): the pages a site lists, in the order it lists them.
//!
//! Read from the `Sitemap:` lines of an origin's robots.txt, else from `/sitemap.xml`;
//! sitemap index files are followed; gzip-compressed files (`.xml.gz`, or gzip bytes
//! whatever the name) are read; at most 50,000 URLs and 50 MiB (uncompressed) per file,
//! as the protocol caps them, and at most [`MAX_FILES`] files per origin.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::io::Read;
use std::sync::Arc;

use flate2::read::MultiGzDecoder;
use quick_xml::events::Event;
use url::Url;

use crate::fetch::{FetchError, Fetcher};
use crate::politeness::RequestGate;
use crate::text::printable;

/// URLs per sitemap file, at most (sitemaps.org).
pub const MAX_URLS: usize = 50_000;
/// Bytes per sitemap file, uncompressed, at most (sitemaps.org).
pub const MAX_BYTES: u64 = 50 << 20;
/// Sitemap files read per origin, index files included.
pub const MAX_FILES: usize = 1000;

/// Why a sitemap file was not read.
#[derive(Debug, PartialEq, Eq)]
pub enum SitemapError {
    Fetch(FetchError),
    /// An answer other than 2xx.
    Status(u16),
    /// More than [`MAX_BYTES`] as sent.
    TooLarge,
    /// More than [`MAX_BYTES`] once gunzipped.
    TooLargeUncompressed,
    /// A `.gz` that does not gunzip.
    Gzip(String),
    NotXml(String),
    /// More than [`MAX_URLS`] pages or sitemaps.
    TooManyUrls,
}

impl fmt::Display for SitemapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SitemapError::Fetch(error) => write!(f, "{error}"),
            SitemapError::Status(status) => write!(f, "HTTP {status}"),
            SitemapError::TooLarge => write!(
                f,
                "larger than {} MiB (the sitemaps.org limit)",
                MAX_BYTES >> 20
            ),
            SitemapError::TooLargeUncompressed => {
                write!(f, "larger than {} MiB uncompressed", MAX_BYTES >> 20)
            }
            SitemapError::Gzip(why) => write!(f, "gzip: {why}"),
            SitemapError::NotXml(why) => write!(f, "not XML: {why}"),
            SitemapError::TooManyUrls => write!(f, "more than {MAX_URLS} URLs"),
        }
    }
}

/// What one sitemap file lists.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// `<url><loc>`: pages.
    pub pages: Vec<String>,
    /// `<sitemap><loc>`: more sitemap files (an index).
    pub sitemaps: Vec<String>,
}

/// The pages listed by the sitemaps at `start` (and the index files they lead to), in
/// order, each at most once.
pub fn pages(fetcher: &Fetcher, gate: Option<&Arc<RequestGate>>, start: Vec<Url>) -> Vec<Url> {
    let mut queue: VecDeque<Url> = start.into();
    let mut read: HashSet<String> = HashSet::new();
    let mut pages = Vec::new();
    let mut seen_pages = HashSet::new();
    while let Some(sitemap) = queue.pop_front() {
        if read.len() >= MAX_FILES {
            log::warn!("{sitemap}: not read: more than {MAX_FILES} sitemap files");
            break;
        }
        if !read.insert(sitemap.as_str().to_owned()) {
            continue;
        }
        let listing = match fetch(fetcher, gate, &sitemap) {
            Ok(listing) => listing,
            Err(why) => {
                log::warn!(
                    "{}: sitemap not read: {}",
                    sitemap,
                    printable(&why.to_string())
                );
                continue;
            }
        };
        for loc in listing.sitemaps {
            if let Ok(url) = sitemap.join(loc.trim()) {
                queue.push_back(url);
            }
        }
        for loc in listing.pages {
            match sitemap.join(loc.trim()) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => {
                    if seen_pages.insert(url.as_str().to_owned()) {
                        pages.push(url);
                    }
                }
                _ => log::info!(
                    "{sitemap}: skipped {} (not an http(s) URL)",
                    printable(&loc)
                ),
            }
        }
    }
    pages
}

/// One sitemap file, fetched and read.
fn fetch(
    fetcher: &Fetcher,
    gate: Option<&Arc<RequestGate>>,
    url: &Url,
) -> Result<Listing, SitemapError> {
    let resource = fetcher
        .fetch_resource(url, MAX_BYTES, false, gate)
        .map_err(|error| match error {
            FetchError::TooLarge(_) => SitemapError::TooLarge,
            other => SitemapError::Fetch(other),
        })?;
    if !(200..300).contains(&resource.status) {
        return Err(SitemapError::Status(resource.status));
    }
    let xml = if resource.body.starts_with(&[0x1f, 0x8b]) {
        gunzip(&resource.body)?
    } else {
        resource.body
    };
    parse(&xml)
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, SitemapError> {
    let mut xml = Vec::new();
    MultiGzDecoder::new(bytes)
        .take(MAX_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|error| SitemapError::Gzip(error.to_string()))?;
    if xml.len() as u64 > MAX_BYTES {
        return Err(SitemapError::TooLargeUncompressed);
    }
    Ok(xml)
}

/// The `<loc>`s of a sitemap or sitemap index, at most [`MAX_URLS`] of each.
pub fn parse(xml: &[u8]) -> Result<Listing, SitemapError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buffer = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut loc = String::new();
    let mut listing = Listing::default();
    loop {
        let event = reader
            .read_event_into(&mut buffer)
            .map_err(|error| SitemapError::NotXml(error.to_string()))?;
        match event {
            Event::Start(start) => {
                path.push(start.local_name().as_ref().to_ascii_lowercase());
                loc.clear();
            }
            Event::Text(text) if in_loc(&path) => loc.push_str(&text.xml10_content()),
            Event::CData(text) if in_loc(&path) => {
                loc.push_str(&text.into_inner());
            }
            Event::GeneralRef(reference) if in_loc(&path) => match reference.resolve_char_ref() {
                Ok(Some(c)) => loc.push(c),
                _ => loc.push_str(predefined_entity(&reference.into_inner())),
            },
            Event::End(_) => {
                if in_loc(&path) {
                    let parent = path.get(path.len().wrapping_sub(2)).map(String::as_str);
                    let list = match parent {
                        Some("url") => Some(&mut listing.pages),
                        Some("sitemap") => Some(&mut listing.sitemaps),
                        _ => None,
                    };
                    if let Some(list) = list {
                        if list.len() >= MAX_URLS {
                            return Err(SitemapError::TooManyUrls);
                        }
                        list.push(std::mem::take(&mut loc));
                    }
                }
                path.pop();
            }
            Event::Eof => return Ok(listing),
            _ => {}
        }
        buffer.clear();
    }
}

fn in_loc(path: &[String]) -> bool {
    path.last().is_some_and(|name| name == "loc")
}

/// The five entities XML predefines; anything else is kept as written.
fn predefined_entity(name: &str) -> &str {
    match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_urlset_lists_pages_in_order() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://h.test/a</loc><lastmod>2026-01-01</lastmod></url>
  <url><loc> https://h.test/b?x=1&amp;y=2 </loc></url>
  <url><loc><![CDATA[https://h.test/c]]></loc></url>
</urlset>"#;
        let listing = parse(xml).expect("a sitemap");
        assert_eq!(
            listing.pages,
            [
                "https://h.test/a",
                " https://h.test/b?x=1&y=2 ",
                "https://h.test/c"
            ]
        );
        assert!(listing.sitemaps.is_empty());
    }

    #[test]
    fn an_index_lists_sitemaps() {
        let xml = br#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://h.test/s1.xml</loc></sitemap>
  <sitemap><loc>https://h.test/s2.xml.gz</loc></sitemap>
</sitemapindex>"#;
        let listing = parse(xml).expect("an index");
        assert_eq!(
            listing.sitemaps,
            ["https://h.test/s1.xml", "https://h.test/s2.xml.gz"]
        );
        assert!(listing.pages.is_empty());
    }

    #[test]
    fn too_many_urls_and_broken_xml_are_refused() {
        let mut xml = String::from("<urlset>");
        for n in 0..=MAX_URLS {
            xml.push_str(&format!("<url><loc>https://h.test/{n}</loc></url>"));
        }
        xml.push_str("</urlset>");
        assert_eq!(
            parse(xml.as_bytes()).map_err(|error| error.to_string()),
            Err(format!("more than {MAX_URLS} URLs"))
        );
        assert!(parse(b"<urlset><url><loc>x</url>").is_err());
    }

    #[test]
    fn gzip_is_read_within_the_cap() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder
            .write_all(b"<urlset><url><loc>https://h.test/z</loc></url></urlset>")
            .expect("gzip in memory");
        let gz = encoder.finish().expect("gzip in memory");
        let xml = gunzip(&gz).expect("gunzip");
        assert_eq!(
            parse(&xml).map(|listing| listing.pages),
            Ok(vec!["https://h.test/z".to_string()])
        );
    }
}
