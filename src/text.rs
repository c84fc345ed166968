//! Text for messages: what is echoed from input (printable, passwords masked), and
//! I/O errors in plain words.

use std::borrow::Cow;
use std::io;

use url::Url;

/// What a password is shown as.
const MASK: &str = "***";

/// `text` with control characters escaped (`\n`, `\u{1b}`…), so that a message that
/// echoes input never moves the cursor, rings the bell or forges a log line.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// `url` as messages and output records show an input: with its password masked
/// (`https://user:***@host/`), so that it never reaches a log or a terminal.
pub fn redacted(url: &Url) -> Cow<'_, str> {
    if url.password().is_none() {
        return Cow::Borrowed(url.as_str());
    }
    let mut masked = url.clone();
    // Cannot fail: a URL with a password has a host.
    let _ = masked.set_password(Some(MASK));
    Cow::Owned(masked.into())
}

/// Raw text that may hold a URL with a password (a command-line value that did not
/// parse, a bad line of an `-i` file): the password of every `scheme://user:pw@host`
/// in it masked, and of a `user:pw@host` that starts the text (a URL typed without
/// its scheme), unless that is a scheme without a host, such as `mailto:a@b`.
pub fn redact_passwords(text: &str) -> Cow<'_, str> {
    let at_start = !text.contains("://")
        && !text.split_once(':').is_some_and(|(scheme, _)| {
            HOSTLESS_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str())
        });
    let starts = at_start
        .then_some(0)
        .into_iter()
        .chain(text.match_indices("://").map(|(i, _)| i + 3));
    let mut masked = String::new();
    let mut copied = 0;
    for start in starts {
        let Some(password) = password_range(text, start) else {
            continue;
        };
        masked.push_str(&text[copied..password.start]);
        masked.push_str(MASK);
        copied = password.end;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    masked.push_str(&text[copied..]);
    Cow::Owned(masked)
}

/// Schemes whose URLs have no host, so no password: `mailto:a@b` is an address.
const HOSTLESS_SCHEMES: &[&str] = &[
    "mailto",
    "tel",
    "sms",
    "javascript",
    "data",
    "urn",
    "news",
    "about",
];

/// Where the password is in the authority that starts at `start`: between the first
/// `:` and the last `@` before the path.
fn password_range(text: &str, start: usize) -> Option<std::ops::Range<usize>> {
    let after = &text[start..];
    let authority = &after[..after.find(['/', '?', '#']).unwrap_or(after.len())];
    let at = authority.rfind('@')?;
    let colon = authority[..at].find(':')?;
    Some(start + colon + 1..start + at)
}

/// Plain words for the I/O errors users meet with the files they name.
pub fn describe_io_error(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(printable("https://a.test/é"), "https://a.test/é");
        assert_eq!(printable("a\r\nb\u{1b}[31m\t"), "a\\r\\nb\\u{1b}[31m\\t");
    }

    #[test]
    fn passwords_are_masked_and_nothing_else_changes() {
        let url = Url::parse("https://ann:s3cr%20t@h.test:8443/p?q#f").expect("test URL");
        assert_eq!(redacted(&url), "https://ann:***@h.test:8443/p?q#f");
        let no_password = Url::parse("https://ann@h.test/").expect("test URL");
        assert_eq!(redacted(&no_password), "https://ann@h.test/");
        assert_eq!(
            redact_passwords("x http://a:b@h/ and ftp://c:d:e@i@j/k, not mailto:x@y or http://h/@"),
            "x http://a:***@h/ and ftp://c:***@j/k, not mailto:x@y or http://h/@"
        );
        assert_eq!(
            redact_passwords("example.com:8080/x@y"),
            "example.com:8080/x@y"
        );
        assert_eq!(
            redact_passwords("ann:pw@example.com/x"),
            "ann:***@example.com/x"
        );
        assert_eq!(
            redact_passwords("mailto:sre@example.com"),
            "mailto:sre@example.com"
        );
    }

    #[test]
    fn io_errors_in_plain_words() {
        let missing = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(describe_io_error(&missing), "no such file");
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert_eq!(describe_io_error(&denied), "permission denied");
    }
}
