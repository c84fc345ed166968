//! The process's limits, read (and raised where allowed) at start, so that the run
//! fits inside them instead of failing page by page.
//!
//! Open files: every page in flight holds a socket, every idle kept-alive connection
//! one more, a name lookup or an `--html` file one more for a moment. The soft
//! `RLIMIT_NOFILE` is raised to the hard one, as servers do; if `--jobs` still does not
//! fit, fewer pages are fetched at once, which is said once at `-v`.
//!
//! Memory: the cgroup's limit (v2 `memory.max`, v1 `memory.limit_in_bytes`, the
//! smallest along the path to the root), as a pod or a container sets it. The run
//! plans within it (see `page::MemoryBudget`) instead of being killed.

use std::fmt;
use std::fs;
use std::io;
use std::path::Path;

use crate::units::human_bytes;

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

/// A page that cannot fit in the memory the run plans to use, even alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLargeForMemory {
    /// The limit the plan was made for.
    pub limit: u64,
}

impl fmt::Display for TooLargeForMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "page too large for the memory limit ({}, --max-memory)",
            human_bytes(self.limit)
        )
    }
}

impl std::error::Error for TooLargeForMemory {}

/// A memory limit and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimit {
    pub bytes: u64,
    pub source: &'static str,
}

/// Limits at or above this are "no limit" (cgroup v1 writes 2^63 rounded to pages).
const UNLIMITED: u64 = 1 << 60;

/// The memory limit of the cgroup this process runs in, if it has one.
pub fn cgroup_memory_limit() -> Option<MemoryLimit> {
    let membership = fs::read_to_string("/proc/self/cgroup").ok()?;
    cgroup_memory_limit_in(&membership, Path::new("/sys/fs/cgroup"))
}

/// [`cgroup_memory_limit`] from the text of `/proc/self/cgroup` and the cgroup file
/// system mounted at `root`.
fn cgroup_memory_limit_in(membership: &str, root: &Path) -> Option<MemoryLimit> {
    let mut limits = Vec::new();
    for line in membership.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(_id), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if controllers.is_empty() {
            // v2: one hierarchy, mounted at the root (or at unified/ in hybrid mode).
            for mount in [root.to_path_buf(), root.join("unified")] {
                limits.extend(smallest_up_the_path(
                    &mount,
                    path,
                    "memory.max",
                    "cgroup v2",
                ));
            }
        } else if controllers
            .split(',')
            .any(|controller| controller == "memory")
        {
            let mount = root.join("memory");
            limits.extend(smallest_up_the_path(
                &mount,
                path,
                "memory.limit_in_bytes",
                "cgroup v1",
            ));
        }
    }
    limits.into_iter().min_by_key(|limit| limit.bytes)
}

/// The smallest limit in `file` of the cgroup at `path` under `mount` and of every
/// cgroup above it (a parent's limit holds for its children).
fn smallest_up_the_path(
    mount: &Path,
    path: &str,
    file: &str,
    source: &'static str,
) -> Option<MemoryLimit> {
    let mut dir = mount.join(path.trim_start_matches('/'));
    let mut smallest: Option<u64> = None;
    loop {
        if let Ok(text) = fs::read_to_string(dir.join(file)) {
            // "max" (v2) and huge numbers (v1) mean no limit.
            if let Ok(bytes) = text.trim().parse::<u64>() {
                if bytes < UNLIMITED {
                    smallest = Some(smallest.map_or(bytes, |s| s.min(bytes)));
                }
            }
        }
        if dir.as_path() == mount || !dir.pop() || !dir.starts_with(mount) {
            break;
        }
    }
    smallest.map(|bytes| MemoryLimit { bytes, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cgroup file system in a temporary directory, removed when dropped.
    struct FakeCgroups(std::path::PathBuf);

    impl FakeCgroups {
        fn new(name: &str) -> Self {
            let root = std::env::temp_dir().join(format!(
                "link-extractor-cgroups-{}-{name}",
                std::process::id()
            ));
            let _ = fs::remove_dir_all(&root);
            FakeCgroups(root)
        }

        fn write(&self, path: &str, contents: &str) -> &Self {
            let file = self.0.join(path);
            fs::create_dir_all(file.parent().expect("a parent")).expect("create dirs");
            fs::write(file, contents).expect("write");
            self
        }
    }

    impl Drop for FakeCgroups {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn cgroup_v2_takes_the_smallest_limit_up_the_path() {
        let fake = FakeCgroups::new("v2");
        fake.write("kubepods/pod1/memory.max", "max\n")
            .write("kubepods/memory.max", "268435456\n");
        let limit = cgroup_memory_limit_in("0::/kubepods/pod1\n", &fake.0);
        assert_eq!(
            limit,
            Some(MemoryLimit {
                bytes: 256 << 20,
                source: "cgroup v2"
            })
        );
        fake.write("kubepods/pod1/memory.max", "134217728\n");
        let limit = cgroup_memory_limit_in("0::/kubepods/pod1\n", &fake.0);
        assert_eq!(limit.map(|l| l.bytes), Some(128 << 20));
    }

    #[test]
    fn cgroup_v1_reads_the_memory_controller_and_ignores_no_limit() {
        let fake = FakeCgroups::new("v1");
        fake.write("memory/job/memory.limit_in_bytes", "134217728\n")
            .write("memory/memory.limit_in_bytes", "9223372036854771712\n");
        let membership = "5:devices:/\n4:cpu,memory:/job\n0::/\n";
        assert_eq!(
            cgroup_memory_limit_in(membership, &fake.0),
            Some(MemoryLimit {
                bytes: 128 << 20,
                source: "cgroup v1"
            })
        );
        // A container sees its own cgroup at the mount point, whatever path it is in.
        let fake = FakeCgroups::new("v1-container");
        fake.write("memory/memory.limit_in_bytes", "67108864\n");
        let limit = cgroup_memory_limit_in("4:memory:/kubepods/x\n", &fake.0);
        assert_eq!(limit.map(|l| l.bytes), Some(64 << 20));
    }

    #[test]
    fn no_limit_anywhere_is_none() {
        let fake = FakeCgroups::new("none");
        fake.write("memory/memory.limit_in_bytes", "9223372036854771712\n")
            .write("memory.max", "max\n");
        assert_eq!(cgroup_memory_limit_in("4:memory:/\n0::/\n", &fake.0), None);
    }

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
