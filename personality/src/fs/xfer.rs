//! sendfile, copy_file_range and splice: between two host fds, the host's
//! own call (its zero-copy paths, and its answers, are Linux's); otherwise
//! data moved through a ninux buffer, so any pair of devices works. tee
//! is the host's own.

use super::fd::{self, OpenFile};
use super::read_write::{read_file, write_file};
use crate::mem::{In, Out};
use crate::SysResult;
use abi::Errno;
use platform::{host, uaccess, Trap};

const CHUNK: usize = 128 << 10;

/// Copies up to `count` bytes; `in_off`/`out_off` are explicit offsets
/// (advanced here) or `None` for the files' own offsets.
fn copy(
    from: &OpenFile,
    mut in_off: Option<u64>,
    to: &OpenFile,
    mut out_off: Option<u64>,
    count: u64,
) -> SysResult {
    let mut buf = vec![0u8; CHUNK.min(count as usize).max(1)];
    let mut done = 0u64;
    while done < count {
        let want = ((count - done) as usize).min(buf.len());
        let n = match read_file(from, &mut buf[..want], in_off) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        let mut written = 0;
        while written < n {
            match write_file(to, &buf[written..n], out_off.map(|o| o + written as u64)) {
                Ok(w) => written += w,
                Err(e) if done == 0 && written == 0 => return Err(e),
                Err(_) => break,
            }
        }
        in_off = in_off.map(|o| o + written as u64);
        out_off = out_off.map(|o| o + written as u64);
        done += written as u64;
        if written < n {
            break;
        }
    }
    Ok(done)
}

/// sendfile(2): `offset` (if given) is read and updated; the input file's
/// own offset is then left alone.
pub fn sendfile(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (out_fd, in_fd, offset, count) = (a[0], a[1], a[2], a[3]);
    let (to, from) = (fd::get(out_fd)?, fd::get(in_fd)?);
    let mut off = if offset == 0 {
        None
    } else {
        Some(In::<i64>::new(offset).read()?)
    };
    // Linux reads no directory this way: EINVAL, not EISDIR.
    if off.is_some_and(|o| o < 0) || from.chan.as_ref().is_some_and(|c| c.is_dir()) {
        return Err(Errno::EINVAL);
    }
    if from.host >= 0 && to.host >= 0 {
        // May block on a pipe or socket: the guest's signals interrupt it.
        let count = count.min(0x7fff_f000) as usize;
        let n = uaccess::unblocked(t.sigmask(), || {
            host::sendfile(to.host, from.host, off.as_mut(), count)
        })
        .map_err(super::from_host)?;
        if let Some(o) = off {
            Out::<i64>::new(offset).write(&o)?;
        }
        return Ok(n);
    }
    let n = copy(
        &from,
        off.map(|o| o as u64),
        &to,
        None,
        count.min(0x7fff_f000),
    )?;
    if let Some(o) = off {
        Out::<i64>::new(offset).write(&(o + n as i64))?;
    }
    Ok(n)
}

/// copy_file_range(2): flags must be 0; both offsets optional.
pub fn copy_file_range(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (in_fd, in_off, out_fd, out_off, len, flags) = (a[0], a[1], a[2], a[3], a[4], a[5]);
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let (from, to) = (fd::get(in_fd)?, fd::get(out_fd)?);
    let read_off = |p: u64| -> Result<Option<u64>, Errno> {
        if p == 0 {
            return Ok(None);
        }
        let v = In::<i64>::new(p).read()?;
        u64::try_from(v).map(Some).map_err(|_| Errno::EINVAL)
    };
    let (io, oo) = (read_off(in_off)?, read_off(out_off)?);
    if from.chan.as_ref().is_some_and(|c| c.is_dir())
        || to.chan.as_ref().is_some_and(|c| c.is_dir())
    {
        return Err(Errno::EISDIR);
    }
    if from.host >= 0 && to.host >= 0 {
        let (mut hi, mut ho) = (io.map(|o| o as i64), oo.map(|o| o as i64));
        let len = len.min(0x7fff_f000) as usize;
        let n = host::copy_file_range(from.host, hi.as_mut(), to.host, ho.as_mut(), len)
            .map_err(super::from_host)?;
        if let Some(o) = hi {
            Out::<i64>::new(in_off).write(&o)?;
        }
        if let Some(o) = ho {
            Out::<i64>::new(out_off).write(&o)?;
        }
        return Ok(n);
    }
    let n = copy(&from, io, &to, oo, len.min(0x7fff_f000))?;
    if let Some(o) = io {
        Out::<i64>::new(in_off).write(&((o + n) as i64))?;
    }
    if let Some(o) = oo {
        Out::<i64>::new(out_off).write(&((o + n) as i64))?;
    }
    Ok(n)
}

fn is_pipe(file: &OpenFile) -> bool {
    file.chan.is_none()
        && file.host >= 0
        && host::fstat(file.host).is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFIFO)
}

/// An optional `loff_t` argument: its value, or None for a null pointer.
fn offset_arg(p: u64) -> Result<Option<i64>, Errno> {
    if p == 0 {
        return Ok(None);
    }
    let v = In::<i64>::new(p).read()?;
    if v < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Some(v))
}

/// splice(2): one side must be a pipe (EINVAL), which takes no offset
/// (ESPIPE). Between
/// host fds the host splices; otherwise (a file without a host fd) the
/// data goes through ninux as for sendfile.
pub fn splice(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (in_fd, in_off, out_fd, out_off, len, flags) = (a[0], a[1], a[2], a[3], a[4], a[5]);
    const KNOWN: u64 = 0xf; // MOVE, NONBLOCK, MORE, GIFT
    if flags & !KNOWN != 0 {
        return Err(Errno::EINVAL);
    }
    let (from, to) = (fd::get(in_fd)?, fd::get(out_fd)?);
    let (in_pipe, out_pipe) = (is_pipe(&from), is_pipe(&to));
    if !in_pipe && !out_pipe {
        return Err(Errno::EINVAL);
    }
    // A pipe has no offset to give.
    if (in_pipe && in_off != 0) || (out_pipe && out_off != 0) {
        return Err(Errno::ESPIPE);
    }
    let (mut io, mut oo) = (offset_arg(in_off)?, offset_arg(out_off)?);
    let len = len.min(0x7fff_f000);
    let n = if from.host >= 0 && to.host >= 0 {
        host::splice(
            from.host,
            io.as_mut(),
            to.host,
            oo.as_mut(),
            len as usize,
            flags as u32,
        )
        .map_err(super::from_host)?
    } else {
        let n = copy(&from, io.map(|o| o as u64), &to, oo.map(|o| o as u64), len)?;
        io = io.map(|o| o + n as i64);
        oo = oo.map(|o| o + n as i64);
        n
    };
    if let Some(o) = io {
        Out::<i64>::new(in_off).write(&o)?;
    }
    if let Some(o) = oo {
        Out::<i64>::new(out_off).write(&o)?;
    }
    Ok(n)
}

/// tee(2): both ends are pipes, which are host pipes.
pub fn tee(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (from, to) = (fd::get(a[0])?, fd::get(a[1])?);
    if !is_pipe(&from) || !is_pipe(&to) {
        return Err(Errno::EINVAL);
    }
    host::tee(
        from.host,
        to.host,
        a[2].min(0x7fff_f000) as usize,
        a[3] as u32,
    )
    .map_err(super::from_host)
}
