//! What survives an execve, as handed from the old image's ninux to the
//! re-exec'd one through a memfd: the program and its arguments, the
//! namespace (in namespace(6) form), cwd, umask, limits, the fd table
//! without its close-on-exec fds, ignored signals, the signal mask and the
//! run's temporary directories. A private format: both ends are the same
//! ninux binary, so it needs no versioning, only to fail cleanly.

use abi::structs::Rlimit;
use loader::Strings;

/// One inherited guest fd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fd {
    pub guest: u32,
    /// Dups share an open file: same number, same file after the exec.
    pub file: u32,
    /// The host fd (inherited across the host exec), or -1.
    pub host: i32,
    /// A chan's namespace path, reopened in the new image.
    pub path: Option<String>,
    pub flags: u32,
    pub offset: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecState {
    /// The program, an absolute namespace path.
    pub path: Vec<u8>,
    pub argv: Strings,
    pub envp: Strings,
    /// The namespace as `kernel::build::print` gives it.
    pub ns: String,
    pub cwd: String,
    pub umask: u32,
    pub rlimits: Vec<Rlimit>,
    /// Signals whose disposition is SIG_IGN (bit n-1 for signal n).
    pub ignored: u64,
    pub sigmask: u64,
    pub fds: Vec<Fd>,
    /// Host directories this process removes when it ends.
    pub cleanup: Vec<String>,
    /// `ninux trace`: the mode (0 off) and the host fd the lines go to.
    pub trace: u8,
    pub trace_fd: i32,
    /// User and group ids and groups (`process::creds::export`).
    pub creds: Vec<u32>,
    /// The run's first process, its process-table memfd (-1 without
    /// `--max-procs`) and the table's slot count (`process::run_limit`).
    pub run_leader: u32,
    pub procs_fd: i32,
    pub procs_slots: u64,
    /// Syscall-site rewriting: bit 0 `--no-rewrite`, bit 1 `--stats`.
    pub rewrite: u8,
    /// `platform::cpu_facts` of the old image, so the new one need not
    /// ask the CPU again.
    pub cpu: (u64, u64),
    /// This process or one above it reaps orphans
    /// (`process::arch::guest_reaps_orphans`).
    pub reaps_orphans: bool,
}

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn list(&mut self, l: &Strings) {
        self.u64(l.len() as u64);
        for b in l.iter() {
            self.bytes(b);
        }
    }
}

struct Reader<'a>(&'a [u8]);

/// Why a state could not be read: it was cut short or is not ours.
#[derive(Debug)]
pub struct Corrupt;

impl Reader<'_> {
    fn u64(&mut self) -> Result<u64, Corrupt> {
        let (head, rest) = self.0.split_at_checked(8).ok_or(Corrupt)?;
        self.0 = rest;
        Ok(u64::from_le_bytes(head.try_into().map_err(|_| Corrupt)?))
    }
    fn len(&mut self) -> Result<usize, Corrupt> {
        let n = usize::try_from(self.u64()?).map_err(|_| Corrupt)?;
        if n > self.0.len() {
            return Err(Corrupt);
        }
        Ok(n)
    }
    fn bytes(&mut self) -> Result<Vec<u8>, Corrupt> {
        let n = self.len()?;
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head.to_vec())
    }
    fn string(&mut self) -> Result<String, Corrupt> {
        String::from_utf8(self.bytes()?).map_err(|_| Corrupt)
    }
    fn list(&mut self) -> Result<Strings, Corrupt> {
        let n = self.len()?;
        let mut out = Strings::new();
        for _ in 0..n {
            out.push(&self.bytes()?);
        }
        Ok(out)
    }
}

const MAGIC: &[u8] = b"ninux-exec-state-1";

impl ExecState {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.bytes(MAGIC);
        w.bytes(&self.path);
        w.list(&self.argv);
        w.list(&self.envp);
        w.bytes(self.ns.as_bytes());
        w.bytes(self.cwd.as_bytes());
        w.u64(self.umask as u64);
        w.u64(self.rlimits.len() as u64);
        for r in &self.rlimits {
            w.u64(r.rlim_cur);
            w.u64(r.rlim_max);
        }
        w.u64(self.ignored);
        w.u64(self.sigmask);
        w.u64(self.fds.len() as u64);
        for f in &self.fds {
            w.u64(f.guest as u64);
            w.u64(f.file as u64);
            w.u64(f.host as u32 as u64);
            match &f.path {
                Some(p) => {
                    w.u64(1);
                    w.bytes(p.as_bytes());
                }
                None => w.u64(0),
            }
            w.u64(f.flags as u64);
            w.u64(f.offset);
        }
        w.u64(self.cleanup.len() as u64);
        for c in &self.cleanup {
            w.bytes(c.as_bytes());
        }
        w.u64(self.trace as u64);
        w.u64(self.trace_fd as u32 as u64);
        w.u64(self.creds.len() as u64);
        for c in &self.creds {
            w.u64(*c as u64);
        }
        w.u64(self.run_leader as u64);
        w.u64(self.procs_fd as u32 as u64);
        w.u64(self.procs_slots);
        w.u64(self.rewrite as u64);
        w.u64(self.cpu.0);
        w.u64(self.cpu.1);
        w.u64(self.reaps_orphans as u64);
        w.0
    }

    pub fn decode(bytes: &[u8]) -> Result<ExecState, Corrupt> {
        let mut r = Reader(bytes);
        if r.bytes()? != MAGIC {
            return Err(Corrupt);
        }
        let path = r.bytes()?;
        let argv = r.list()?;
        let envp = r.list()?;
        let ns = r.string()?;
        let cwd = r.string()?;
        let umask = r.u64()? as u32;
        let n = r.len()?;
        let rlimits = (0..n)
            .map(|_| {
                Ok(Rlimit {
                    rlim_cur: r.u64()?,
                    rlim_max: r.u64()?,
                })
            })
            .collect::<Result<_, Corrupt>>()?;
        let ignored = r.u64()?;
        let sigmask = r.u64()?;
        let n = r.len()?;
        let mut fds = Vec::with_capacity(n);
        for _ in 0..n {
            let guest = r.u64()? as u32;
            let file = r.u64()? as u32;
            let host = r.u64()? as u32 as i32;
            let path = match r.u64()? {
                0 => None,
                _ => Some(r.string()?),
            };
            fds.push(Fd {
                guest,
                file,
                host,
                path,
                flags: r.u64()? as u32,
                offset: r.u64()?,
            });
        }
        let n = r.len()?;
        let cleanup = (0..n).map(|_| r.string()).collect::<Result<_, _>>()?;
        let trace = r.u64()? as u8;
        let trace_fd = r.u64()? as u32 as i32;
        let n = r.len()?;
        let creds = (0..n)
            .map(|_| Ok(r.u64()? as u32))
            .collect::<Result<_, Corrupt>>()?;
        let run_leader = r.u64()? as u32;
        let procs_fd = r.u64()? as u32 as i32;
        let procs_slots = r.u64()?;
        let rewrite = r.u64()? as u8;
        let cpu = (r.u64()?, r.u64()?);
        let reaps_orphans = r.u64()? != 0;
        Ok(ExecState {
            path,
            argv,
            envp,
            ns,
            cwd,
            umask,
            rlimits,
            ignored,
            sigmask,
            fds,
            cleanup,
            trace,
            trace_fd,
            creds,
            run_leader,
            procs_fd,
            procs_slots,
            rewrite,
            cpu,
            reaps_orphans,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_truncation() {
        let s = ExecState {
            path: b"/bin/x".to_vec(),
            argv: ["x", ""].into_iter().collect(),
            envp: ["A=b"].into_iter().collect(),
            ns: "clear\nbind '#Z/' /\n".into(),
            cwd: "/tmp".into(),
            umask: 0o027,
            rlimits: vec![Rlimit {
                rlim_cur: 1,
                rlim_max: u64::MAX,
            }],
            ignored: 1 << 1,
            sigmask: 1 << 9,
            fds: vec![
                Fd {
                    guest: 0,
                    file: 0,
                    host: 100,
                    path: None,
                    flags: 0,
                    offset: 0,
                },
                Fd {
                    guest: 5,
                    file: 1,
                    host: -1,
                    path: Some("/dev/null".into()),
                    flags: 2,
                    offset: 7,
                },
            ],
            cleanup: vec!["/tmp/ninux-upper-x".into()],
            trace: 1,
            trace_fd: 1000,
            creds: vec![65534, 65534, 0, 65534, 1, 1, 1, 1, 27],
            run_leader: 42,
            procs_fd: -1,
            procs_slots: 0,
            rewrite: 3,
            cpu: (7, 832),
            reaps_orphans: true,
        };
        let bytes = s.encode();
        assert_eq!(ExecState::decode(&bytes).unwrap(), s);
        for cut in [0, 10, bytes.len() - 1] {
            assert!(ExecState::decode(&bytes[..cut]).is_err());
        }
    }
}
