//! `#I`: the network as files, shaped like 9front's ip(3), backed by host
//! sockets.
//!
//! ```text
//! /net/cs                    connection server (see [`cs`])
//! /net/tcp/clone             open: a new conversation; the fid is its ctl
//! /net/tcp/N/ctl             connect ADDR | announce ADDR | bind ADDR | listen [BACKLOG] | hangup | keepalive | ttl N
//! /net/tcp/N/data            the byte stream (the host socket's fd)
//! /net/tcp/N/listen          open: wait for a call; the fid is the new conversation's ctl
//! /net/tcp/N/local, remote   ADDR!PORT
//! /net/tcp/N/status          tcp/N Established
//! ```
//!
//! Protocol directories: `tcp udp tcp6 udp6 unix unixdgram unixseqpacket`
//! ([`Proto`]).
//! `data`'s fid carries the host socket as its host fd, so reads, writes and
//! readiness (poll, epoll) go straight to the host.
//!
//! `#Iloopback` is the same device with the network cut (`ninux run --net
//! none`): connects to other than loopback addresses fail with "network
//! unreachable", and calls from other than loopback addresses are hung up
//! on at accept.

pub mod conv;
pub mod cs;

use std::any::Any;
use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ninep::{Dir, Qid, DMDIR, QTDIR, QTFILE};

pub use conv::{Conv, Proto, PROTOS};

use crate::chan::{DevId, Node};
use crate::dev::{synth_dir, Device};
use crate::error::*;
use crate::trace;

static LOOPBACK_ONLY: AtomicBool = AtomicBool::new(false);

/// Whether this process's run has its network cut (a `#Iloopback` was
/// attached). The personality checks it for addresses that never pass
/// through ctl (sendto's).
pub fn loopback_only() -> bool {
    LOOPBACK_ONLY.load(Ordering::Relaxed)
}

pub struct IpDev {
    id: DevId,
    loopback: bool,
}

impl IpDev {
    /// `spec`: empty, or `loopback` for a cut network.
    pub fn new(spec: &str) -> Result<IpDev> {
        let loopback = match spec {
            "" => false,
            "loopback" => true,
            _ => return Err(EBADSPEC),
        };
        if loopback {
            LOOPBACK_ONLY.store(true, Ordering::Relaxed);
        }
        Ok(IpDev {
            id: DevId::new('I'),
            loopback,
        })
    }
}

impl Device for IpDev {
    fn id(&self) -> DevId {
        self.id
    }
    fn attach(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(IpNode {
            dev: self.id,
            loopback: self.loopback,
            at: At::Root,
            conv: None,
            cs: Mutex::new(None),
        }))
    }
}

/// The files of a conversation directory, in listing order.
const CONV_FILES: &[&str] = &["ctl", "data", "listen", "local", "remote", "status"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    Root,
    Cs,
    Proto(Proto),
    Clone(Proto),
    Conv(Proto, usize),
    /// A conversation's file, by index in [`CONV_FILES`].
    File(Proto, usize, usize),
}

struct IpNode {
    dev: DevId,
    loopback: bool,
    at: At,
    /// The conversation of a conversation directory or file.
    conv: Option<Arc<Conv>>,
    /// cs: the answer to the last query, read back line by line.
    cs: Mutex<Option<Vec<String>>>,
}

impl IpNode {
    fn at(&self, at: At, conv: Option<Arc<Conv>>) -> Box<IpNode> {
        Box::new(IpNode {
            dev: self.dev,
            loopback: self.loopback,
            at,
            conv,
            cs: Mutex::new(None),
        })
    }

    /// qid.path: kind in the low byte, protocol and conversation above.
    fn path_of(at: At) -> u64 {
        let p = |p: Proto| (p.index() as u64 + 1) << 8;
        let c = |n: usize| (n as u64 + 1) << 16;
        match at {
            At::Root => 0,
            At::Cs => 1,
            At::Proto(pr) => p(pr) | 2,
            At::Clone(pr) => p(pr) | 3,
            At::Conv(pr, n) => p(pr) | c(n) | 4,
            At::File(pr, n, f) => p(pr) | c(n) | (5 + f as u64),
        }
    }

    fn dir_of(&self, at: At) -> Dir {
        let is_dir = matches!(at, At::Root | At::Proto(_) | At::Conv(..));
        let qid = Qid {
            qtype: if is_dir { QTDIR } else { QTFILE },
            version: 0,
            path: Self::path_of(at),
        };
        let (name, mode) = match at {
            At::Root => ("/".to_string(), DMDIR | 0o555),
            At::Cs => ("cs".into(), 0o666),
            At::Proto(p) => (p.name().into(), DMDIR | 0o555),
            At::Clone(_) => ("clone".into(), 0o666),
            At::Conv(_, n) => (n.to_string(), DMDIR | 0o555),
            At::File(_, _, f) => (CONV_FILES[f].into(), 0o666),
        };
        synth_dir(&name, qid, mode, 0, self.dev)
    }

    fn conv(&self) -> Result<&Arc<Conv>> {
        self.conv.as_ref().ok_or(ENONEXIST)
    }

    fn file_name(&self) -> &'static str {
        match self.at {
            At::File(_, _, f) => CONV_FILES[f],
            _ => "",
        }
    }

    /// Turns this fid into conversation `c`'s ctl (opening clone or listen).
    fn become_ctl(&mut self, c: Arc<Conv>) -> Qid {
        self.at = At::File(c.proto, c.id, 0);
        self.conv = Some(c);
        self.qid()
    }
}

fn text_at(text: &str, buf: &mut [u8], off: u64) -> usize {
    let b = text.as_bytes();
    let off = (off as usize).min(b.len());
    let n = buf.len().min(b.len() - off);
    buf[..n].copy_from_slice(&b[off..off + n]);
    n
}

impl Node for IpNode {
    fn qid(&self) -> Qid {
        self.dir_of(self.at).qid
    }
    fn clone_node(&self) -> Result<Box<dyn Node>> {
        Ok(self.at(self.at, self.conv.clone()))
    }
    fn walk1(&self, name: &str) -> Result<Box<dyn Node>> {
        match self.at {
            At::Root if name == "cs" => Ok(self.at(At::Cs, None)),
            At::Root => {
                let p = Proto::from_name(name).ok_or(ENONEXIST)?;
                Ok(self.at(At::Proto(p), None))
            }
            At::Proto(p) if name == "clone" => Ok(self.at(At::Clone(p), None)),
            At::Proto(p) => {
                let n: usize = name.parse().map_err(|_| ENONEXIST)?;
                let c = conv::lookup(p, n).ok_or(ENONEXIST)?;
                Ok(self.at(At::Conv(p, n), Some(c)))
            }
            At::Conv(p, n) => {
                let f = CONV_FILES
                    .iter()
                    .position(|f| *f == name)
                    .ok_or(ENONEXIST)?;
                Ok(self.at(At::File(p, n, f), self.conv.clone()))
            }
            _ => Err(ENOTDIR),
        }
    }
    fn open(&mut self, _mode: u32) -> Result<Qid> {
        match self.at {
            At::Clone(p) => {
                let c = conv::clone_conv(p)?;
                if trace::enabled() {
                    trace::emit(format!("#I: clone {}: conversation {}", p.name(), c.id));
                }
                Ok(self.become_ctl(c))
            }
            At::File(p, n, _) if self.file_name() == "listen" => {
                let c = self.conv()?.accept(self.loopback)?;
                if trace::enabled() {
                    trace::emit(format!(
                        "#I: listen {}/{n}: call from {} is conversation {}",
                        p.name(),
                        c.remote(),
                        c.id
                    ));
                }
                Ok(self.become_ctl(c))
            }
            _ => Ok(self.qid()),
        }
    }
    fn create(&mut self, _: &str, _: u32, _: u32, _: &str) -> Result<Qid> {
        Err(EPERM)
    }
    fn read(&self, buf: &mut [u8], off: u64) -> Result<usize> {
        let text = match self.at {
            At::Cs => {
                // One answer line per read, as cs(8) gives them; a short
                // read takes the rest of the line on the next one.
                let mut cs = self.cs.lock().unwrap();
                let Some(lines) = cs.as_mut() else {
                    return Ok(0);
                };
                let Some(line) = lines.first_mut() else {
                    return Ok(0);
                };
                let n = text_at(line, buf, 0);
                line.drain(..n);
                if line.is_empty() {
                    lines.remove(0);
                }
                return Ok(n);
            }
            At::File(..) => {
                let c = self.conv()?;
                match self.file_name() {
                    "ctl" => c.id.to_string(),
                    "data" => return Ok(rustix::io::read(c.fd(), buf)?),
                    "local" => c.local() + "\n",
                    "remote" => c.remote() + "\n",
                    "status" => c.status(),
                    _ => return Err(EPERM),
                }
            }
            _ => return Err(EISDIR),
        };
        Ok(text_at(&text, buf, off))
    }
    fn readdir(&self) -> Result<Vec<Dir>> {
        Ok(match self.at {
            At::Root => std::iter::once(At::Cs)
                .chain(PROTOS.iter().map(|&p| At::Proto(p)))
                .map(|a| self.dir_of(a))
                .collect(),
            At::Proto(p) => std::iter::once(At::Clone(p))
                .chain(conv::live(p).into_iter().map(|n| At::Conv(p, n)))
                .map(|a| self.dir_of(a))
                .collect(),
            At::Conv(p, n) => (0..CONV_FILES.len())
                .map(|f| self.dir_of(At::File(p, n, f)))
                .collect(),
            _ => return Err(ENOTDIR),
        })
    }
    fn write(&self, buf: &[u8], _off: u64) -> Result<usize> {
        let text = || std::str::from_utf8(buf).map_err(|_| EBADCTL);
        match self.at {
            At::Cs => {
                let q = text()?;
                let r = cs::query(q);
                if trace::enabled() {
                    trace::emit(match &r {
                        Ok(l) => format!("#I: cs {}: {}", q.trim_end(), l.join("; ")),
                        Err(e) => format!("#I: cs {}: {e}", q.trim_end()),
                    });
                }
                *self.cs.lock().unwrap() = Some(r?);
                Ok(buf.len())
            }
            At::File(p, n, _) => {
                let c = self.conv()?;
                match self.file_name() {
                    "ctl" => {
                        let msg = text()?;
                        let r = c.ctl(msg, self.loopback);
                        if trace::enabled() {
                            let res = match &r {
                                Ok(()) => String::new(),
                                Err(e) => format!(": {e}"),
                            };
                            trace::emit(format!(
                                "#I: {}/{n}/ctl {}{res}",
                                p.name(),
                                msg.trim_end()
                            ));
                        }
                        r.map(|_| buf.len())
                    }
                    "data" => Ok(rustix::io::write(c.fd(), buf)?),
                    _ => Err(EPERM),
                }
            }
            _ => Err(EISDIR),
        }
    }
    fn remove(&self) -> Result<()> {
        Err(EPERM)
    }
    fn stat(&self) -> Result<Dir> {
        Ok(self.dir_of(self.at))
    }
    fn wstat(&self, _: &Dir) -> Result<()> {
        Err(EPERM)
    }
    fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        match self.file_name() {
            "data" => self.conv.as_ref().map(|c| c.fd()),
            _ => None,
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(root: &dyn Node, path: &[&str]) -> Box<dyn Node> {
        let mut n = root.clone_node().unwrap();
        for p in path {
            n = n.walk1(p).unwrap();
        }
        n.open(2).unwrap();
        n
    }

    #[test]
    fn dial_through_files() {
        let dev = IpDev::new("").unwrap();
        let root = dev.attach().unwrap();
        let ctl = open(&*root, &["tcp", "clone"]);
        let mut b = [0u8; 64];
        let k = ctl.read(&mut b, 0).unwrap();
        let n = std::str::from_utf8(&b[..k]).unwrap().to_string();
        ctl.write(b"announce 127.0.0.1!0", 0).unwrap();
        let local = open(&*root, &["tcp", &n, "local"]);
        let k = local.read(&mut b, 0).unwrap();
        let addr = std::str::from_utf8(&b[..k]).unwrap().trim().to_string();
        let cli = open(&*root, &["tcp", "clone"]);
        cli.write(format!("connect {addr}").as_bytes(), 0).unwrap();
        let call = open(&*root, &["tcp", &n, "listen"]);
        let k = call.read(&mut b, 0).unwrap();
        let m = std::str::from_utf8(&b[..k]).unwrap().to_string();
        let data = open(&*root, &["tcp", &m, "data"]);
        assert!(data.host_fd().is_some());
        let k = cli.read(&mut b, 0).unwrap();
        let c = std::str::from_utf8(&b[..k]).unwrap().to_string();
        let cdata = open(&*root, &["tcp", &c, "data"]);
        cdata.write(b"hello", 0).unwrap();
        let k = data.read(&mut b, 0).unwrap();
        assert_eq!(&b[..k], b"hello");
        let names: Vec<String> = root
            .walk1("tcp")
            .unwrap()
            .readdir()
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert!(names.contains(&"clone".to_string()) && names.contains(&m));
        assert!(ctl.write(b"bogus", 0).is_err());
        let cs = open(&*root, &["cs"]);
        cs.write(b"tcp!127.0.0.1!http", 0).unwrap();
        let k = cs.read(&mut b, 0).unwrap();
        assert_eq!(&b[..k], b"/net/tcp/clone 127.0.0.1!80");
        assert_eq!(cs.read(&mut b, 0).unwrap(), 0);
    }
}
