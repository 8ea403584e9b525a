//! Process-wide gauges (CPU of the client and of the server thread, open file descriptors,
//! RSS) read from `/proc`.

use super::*;

/// Process-wide gauges at one moment.
#[derive(Clone, Copy, Default)]
pub(crate) struct Gauges {
    pub(crate) fds: usize,
    pub(crate) rss_kib: u64,
    pub(crate) cpu: Duration,
    pub(crate) server_cpu: Duration,
    pub(crate) allocs: u64,
    pub(crate) alloc_bytes: u64,
}

pub(crate) struct Probe {
    pub(crate) server_tid: Option<String>,
    pub(crate) tick: Duration,
}

impl Probe {
    pub(crate) fn new(server_tid: Option<String>) -> Probe {
        let hz = std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse::<u64>().ok())
            .filter(|&hz| hz > 0)
            .unwrap_or(100);
        Probe { server_tid, tick: Duration::from_secs(1) / hz as u32 }
    }

    /// User + system time from a `stat` file of `/proc`.
    pub(crate) fn cpu(&self, path: &str) -> Duration {
        let ticks = std::fs::read_to_string(path).ok().and_then(|stat| {
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            // utime and stime are fields 14 and 15; the rest starts at field 3.
            Some(fields.get(11)?.parse::<u32>().ok()? + fields.get(12)?.parse::<u32>().ok()?)
        });
        self.tick * ticks.unwrap_or(0)
    }

    pub(crate) fn read(&self) -> Gauges {
        let fds = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count());
        let rss_kib = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
                line.split_whitespace().nth(1)?.parse().ok()
            })
            .unwrap_or(0);
        let server_cpu =
            self.server_tid.as_ref().map_or(Duration::ZERO, |tid| self.cpu(&format!("/proc/self/task/{tid}/stat")));
        Gauges {
            fds,
            rss_kib,
            cpu: self.cpu("/proc/self/stat"),
            server_cpu,
            allocs: ALLOCS.load(Ordering::Relaxed),
            alloc_bytes: ALLOC_BYTES.load(Ordering::Relaxed),
        }
    }
}
