//! `readuntil` and `readline`: the separator search of [`StreamReader`].
//!
//! A search looks only at bytes already buffered, and reads more from the
//! source only when the separator is not among them, resuming where the
//! last look could not have started a match.
//!
//! # Invariants
//!
//! * Nothing leaves the buffer until the separator is found (or the stream
//!   ends), so a `readuntil` cancelled while waiting loses nothing.
//! * As in asyncio, the separator must *start* within the limit; a search
//!   that has looked past it without finding one fails with `InvalidData`
//!   and leaves the bytes where they are (`readline` drops them instead,
//!   as asyncio's does).
//!
//! Read next: `writer.rs`.

use std::io;

use super::reader::{IncompleteRead, StreamReader, incomplete};

impl StreamReader {
    /// The bytes up to and including `separator`; asyncio's
    /// `reader.readuntil(separator)`.
    ///
    /// # Errors
    ///
    /// * [`io::ErrorKind::UnexpectedEof`] if the stream ends before the
    ///   separator, with an [`IncompleteRead`] inside holding what was
    ///   buffered (it leaves the reader).
    /// * [`io::ErrorKind::InvalidData`] if the separator is not within the
    ///   [limit](Self::set_limit) (asyncio's `LimitOverrunError`); the bytes
    ///   stay in the reader, so a caller can `read` them.
    /// * The stream's own error.
    ///
    /// # Panics
    ///
    /// If `separator` is empty, as asyncio raises `ValueError`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is taken from the buffer until the separator is
    /// found.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::StreamReader;
    ///
    /// looplet::run(async {
    ///     let mut reader = StreamReader::new(&b"key=value;rest"[..]);
    ///     assert_eq!(reader.readuntil(b"=").await.unwrap(), b"key=");
    ///     assert_eq!(reader.readuntil(b";").await.unwrap(), b"value;");
    /// });
    /// ```
    pub async fn readuntil(&mut self, separator: &[u8]) -> io::Result<Vec<u8>> {
        assert!(
            !separator.is_empty(),
            "`StreamReader::readuntil` called with an empty separator; pass at least one byte"
        );
        // Where the search resumes: bytes before it cannot start a match.
        let mut from = 0;
        loop {
            let unread = self.unread();
            if let Some(at) = find(&unread[from..], separator) {
                // As asyncio: the separator must *start* within the limit.
                if from + at > self.limit() {
                    return Err(limit_overrun(self.limit()));
                }
                return Ok(self.take(from + at + separator.len()));
            }
            from = (unread.len() + 1).saturating_sub(separator.len());
            if from > self.limit() {
                return Err(limit_overrun(self.limit()));
            }
            if !self.fill().await? {
                let partial = self.take(self.unread().len());
                return Err(incomplete(partial, None));
            }
        }
    }

    /// One line, up to and including `b"\n"`, or the rest of the stream if
    /// it ends without one (empty at end-of-file); asyncio's
    /// `reader.readline()`.
    ///
    /// # Errors
    ///
    /// * [`io::ErrorKind::InvalidData`] if the line is longer than the
    ///   [limit](Self::set_limit) (asyncio's `ValueError`); as in asyncio,
    ///   the line (or, with no newline in sight, the buffer) is dropped so
    ///   the next call starts afresh.
    /// * The stream's own error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is taken from the buffer until the line is
    /// complete.
    ///
    /// # Examples
    ///
    /// ```
    /// use looplet::net::StreamReader;
    ///
    /// looplet::run(async {
    ///     let mut reader = StreamReader::new(&b"first\nlast"[..]);
    ///     assert_eq!(reader.readline().await.unwrap(), b"first\n");
    ///     assert_eq!(reader.readline().await.unwrap(), b"last");
    ///     assert_eq!(reader.readline().await.unwrap(), b"");
    /// });
    /// ```
    pub async fn readline(&mut self) -> io::Result<Vec<u8>> {
        match self.readuntil(b"\n").await {
            Ok(line) => Ok(line),
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => Ok(err
                .into_inner()
                .and_then(|inner| inner.downcast::<IncompleteRead>().ok())
                .map(|incomplete| incomplete.partial)
                .unwrap_or_default()),
            Err(err) if err.kind() == io::ErrorKind::InvalidData => {
                match find(self.unread(), b"\n") {
                    Some(at) => drop(self.take(at + 1)),
                    None => drop(self.take(self.unread().len())),
                }
                Err(err)
            }
            Err(err) => Err(err),
        }
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        return haystack.iter().position(|&b| b == needle[0]);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// asyncio's `LimitOverrunError`, as an `InvalidData` error that names the fix.
fn limit_overrun(limit: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "separator not found within the limit of {limit} bytes; \
             raise it with `StreamReader::set_limit`"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn find_one_and_many_bytes() {
        assert_eq!(find(b"abc\n", b"\n"), Some(3));
        assert_eq!(find(b"abc", b"\n"), None);
        assert_eq!(find(b"a\r\nb", b"\r\n"), Some(1));
        assert_eq!(find(b"a\r", b"\r\n"), None);
        assert_eq!(find(b"", b"ab"), None);
    }
}
