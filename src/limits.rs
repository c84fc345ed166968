//! The process's limits, read (and raised where allowed) at start, so that the run
//! fits inside them instead of failing page by page.
//!
//! Open files: every page in flight holds a socket, every idle kept-alive connection
//! one more, a name lookup or an `--html` file one more for a moment. The soft
//! `RLIMIT_NOFILE` is raised to the hard one, as servers do; if `--jobs` still does not
//! fit, fewer pages are fetched at once, which is said once at `-v`.

use std::io;

/// Files held whatever `--jobs` is: stdin/stdout/stderr, the signal pipe, logging,
/// the `-i` files are counted apart.
const FIXED_FILES: u64 = 16;

/// Files one page in flight may hold at once: its connection, one idle connection
/// kept for reuse, a name lookup's socket or a local document.
const FILES_PER_JOB: u64 = 3;

/// The open-file limit after raising it, as `(soft, hard)`; `None` where it cannot be
/// read (then nothing is capped).
pub fn raise_open_files() -> Option<(u64, u64)> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(soft) => Some((
            soft,
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(soft, |(_, hard)| hard),
        )),
        Err(error) => {
            log::debug!("cannot read or raise the open-file limit: {error}");
            None
        }
    }
}

/// How many pages can be fetched at once under an open-file limit of `soft`, with
/// `open_inputs` input files held open: `jobs`, or fewer if that does not fit (at
/// least one).
pub fn jobs_within_open_files(jobs: usize, soft: u64, open_inputs: usize) -> usize {
    let reserved = FIXED_FILES + open_inputs as u64;
    let fit = soft.saturating_sub(reserved) / FILES_PER_JOB;
    usize::try_from(fit)
        .unwrap_or(usize::MAX)
        .clamp(1, jobs.max(1))
}

/// Whether `error` is the process (or the system) running out of file descriptors:
/// a moment's wait frees one, so it is never a page's failure.
pub fn is_out_of_files(error: &io::Error) -> bool {
    // EMFILE and ENFILE, the same numbers on Linux and the BSDs.
    matches!(error.raw_os_error(), Some(24 | 23))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_fit_under_the_limit() {
        assert_eq!(jobs_within_open_files(32, 1024, 0), 32);
        assert_eq!(jobs_within_open_files(1024, 256, 0), 80);
        assert_eq!(jobs_within_open_files(1024, 256, 10), 76);
        assert_eq!(jobs_within_open_files(8, 10, 0), 1);
        assert_eq!(jobs_within_open_files(1024, u64::MAX, 0), 1024);
    }

    #[test]
    fn out_of_files_is_recognised() {
        assert!(is_out_of_files(&io::Error::from_raw_os_error(24)));
        assert!(is_out_of_files(&io::Error::from_raw_os_error(23)));
        assert!(!is_out_of_files(&io::Error::from_raw_os_error(2)));
    }
}
