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
        TIOCGPGRP | FIONREAD => {
            let mut v = 0i32;
            host::ioctl(h, request, &mut v).map_err(from_host)?;
            Out::new(arg).write(&v)?;
            Ok(0)
        }
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
