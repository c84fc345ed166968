//! Text for messages: what is echoed from input, and I/O errors, in plain words.

use std::borrow::Cow;
use std::io;

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
    fn io_errors_in_plain_words() {
        let missing = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(describe_io_error(&missing), "no such file");
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert_eq!(describe_io_error(&denied), "permission denied");
    }
}
