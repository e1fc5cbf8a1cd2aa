//! ioctl(2) on terminals and host-backed files: each request is paired with
//! its argument type and copied through ninux, never handed to the host raw.

use super::{fd, from_host};
use crate::mem::{In, Out};
use crate::SysResult;
use abi::structs::{Termios, Winsize};
use abi::Errno;
use platform::{host, Trap};

const TCGETS: u64 = 0x5401;
const TCSETS: u64 = 0x5402;
const TCSETSW: u64 = 0x5403;
const TCSETSF: u64 = 0x5404;
const TIOCGPGRP: u64 = 0x540f;
const TIOCGWINSZ: u64 = 0x5413;
const TIOCSWINSZ: u64 = 0x5414;
const FIONREAD: u64 = 0x541b;
const FIONCLEX: u64 = 0x5450;
const FIOCLEX: u64 = 0x5451;
const TCSBRK: u64 = 0x5409;
const TCXONC: u64 = 0x540a;
const TCFLSH: u64 = 0x540b;
const TIOCEXCL: u64 = 0x540c;
const TIOCNXCL: u64 = 0x540d;
const TIOCSCTTY: u64 = 0x540e;
const TIOCSPGRP: u64 = 0x5410;
const TIOCOUTQ: u64 = 0x5411;
const TIOCMGET: u64 = 0x5415;
const TIOCMBIS: u64 = 0x5416;
const TIOCMBIC: u64 = 0x5417;
const TIOCMSET: u64 = 0x5418;
const FIONBIO: u64 = 0x5421;
const TIOCNOTTY: u64 = 0x5422;
const TIOCSETD: u64 = 0x5423;
const TIOCGETD: u64 = 0x5424;
const TCSBRKP: u64 = 0x5425;
const TIOCSBRK: u64 = 0x5427;
const TIOCCBRK: u64 = 0x5428;
const TIOCGSID: u64 = 0x5429;
const TIOCGPTN: u64 = 0x8004_5430;
const TIOCSPTLCK: u64 = 0x4004_5431;
const TIOCGPTPEER: u64 = 0x5441;
const FIOASYNC: u64 = 0x5452;
const F_GETFL: u64 = 3;
const F_SETFL: u64 = 4;

/// ioctl(2)
pub fn ioctl(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, request, arg) = (a[0], a[1] & 0xffff_ffff, a[2]);
    let file = fd::get(fd)?;
    let h = file.host;
    match request {
        TCGETS => {
            let mut v = Termios::default();
            host::ioctl(h, request, &mut v).map_err(from_host)?;
            Out::new(arg).write(&v)?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF => {
            let mut v: Termios = In::new(arg).read()?;
            host::ioctl(h, request, &mut v).map_err(from_host)
        }
        TIOCGWINSZ => {
            let mut v = Winsize::default();
            host::ioctl(h, request, &mut v).map_err(from_host)?;
            Out::new(arg).write(&v)?;
            Ok(0)
        }
        TIOCSWINSZ => {
            let mut v: Winsize = In::new(arg).read()?;
            host::ioctl(h, request, &mut v).map_err(from_host)
        }
        // An int the host writes.
        TIOCGPGRP | FIONREAD | TIOCOUTQ | TIOCMGET | TIOCGETD | TIOCGSID | TIOCGPTN => {
            let mut v = 0i32;
            host::ioctl(h, request, &mut v).map_err(from_host)?;
            Out::new(arg).write(&v)?;
            Ok(0)
        }
        // O_NONBLOCK and O_ASYNC by another name: fcntl keeps the file's
        // status flags, so it sets them.
        FIONBIO | FIOASYNC => {
            let on: i32 = In::new(arg).read()?;
            let flag = if request == FIONBIO { 0o4000 } else { 0o20000 };
            let flags = fd::fcntl(t, [fd, F_GETFL, 0, 0, 0, 0])?;
            let flags = if on != 0 { flags | flag } else { flags & !flag };
            fd::fcntl(t, [fd, F_SETFL, flags, 0, 0, 0]).map(|_| 0)
        }
        // An int the host reads.
        TIOCSPGRP | TIOCMBIS | TIOCMBIC | TIOCMSET | TIOCSETD | TIOCSPTLCK => {
            let mut v: i32 = In::new(arg).read()?;
            host::ioctl(h, request, &mut v).map_err(from_host)
        }
        // An integer argument, no pointer.
        TCSBRK | TCSBRKP | TCXONC | TCFLSH | TIOCEXCL | TIOCNXCL | TIOCSCTTY | TIOCNOTTY
        | TIOCSBRK | TIOCCBRK => host::ioctl_value(h, request, arg).map_err(from_host),
        // The pty's other side as a bare host fd would stat as the host's
        // file, not as /dev/pts/N in the namespace (ttyname compares the
        // two). Linux before 4.13 says EINVAL, and glibc then opens the
        // name ptsname gives, through the namespace.
        TIOCGPTPEER => Err(Errno::EINVAL),
        FIOCLEX | FIONCLEX => {
            let set = if request == FIOCLEX { 1 } else { 0 };
            fd::fcntl(t, [fd, 2, set, 0, 0, 0])
        }
        _ => {
            log::debug!("ioctl {request:#x} on fd {fd}: ENOTTY");
            Err(Errno::ENOTTY)
        }
    }
}
