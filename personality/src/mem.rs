//! Guest memory, typed by direction: raw guest addresses do not travel past
//! the argument decoder. Reads and writes go through `platform::uaccess`,
//! which turns bad pointers into EFAULT.

use abi::structs::Pod;
use abi::Errno;
use platform::uaccess;
use std::marker::PhantomData;

/// A guest pointer to a `T` the syscall reads.
#[derive(Clone, Copy, Debug)]
pub struct In<T>(pub u64, PhantomData<T>);
/// A guest pointer to a `T` the syscall writes.
#[derive(Clone, Copy, Debug)]
pub struct Out<T>(pub u64, PhantomData<T>);

impl<T: Pod> In<T> {
    pub fn new(addr: u64) -> Self {
        In(addr, PhantomData)
    }
    pub fn is_null(&self) -> bool {
        self.0 == 0
    }
    pub fn read(&self) -> Result<T, Errno> {
        uaccess::read(self.0).map_err(|_| Errno::EFAULT)
    }
    /// Reads the `i`th element of an array starting here.
    pub fn read_at(&self, i: usize) -> Result<T, Errno> {
        let addr = (i as u64)
            .checked_mul(std::mem::size_of::<T>() as u64)
            .and_then(|off| self.0.checked_add(off))
            .ok_or(Errno::EFAULT)?;
        uaccess::read(addr).map_err(|_| Errno::EFAULT)
    }
}

impl<T: Pod> Out<T> {
    pub fn new(addr: u64) -> Self {
        Out(addr, PhantomData)
    }
    pub fn is_null(&self) -> bool {
        self.0 == 0
    }
    pub fn write(&self, value: &T) -> Result<(), Errno> {
        uaccess::write(self.0, value).map_err(|_| Errno::EFAULT)
    }
}

/// Writes bytes to guest memory.
pub fn write_bytes(addr: u64, bytes: &[u8]) -> Result<(), Errno> {
    uaccess::copy_out(addr, bytes).map_err(|_| Errno::EFAULT)
}

/// Reads bytes from guest memory.
pub fn read_bytes(addr: u64, len: usize) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; len];
    uaccess::copy_in(&mut buf, addr).map_err(|_| Errno::EFAULT)?;
    Ok(buf)
}

/// Reads a path argument: EFAULT for a bad pointer, ENAMETOOLONG past PATH_MAX.
pub fn read_path(addr: u64) -> Result<Vec<u8>, Errno> {
    match uaccess::read_cstr(addr, 4095) {
        Ok(p) => Ok(p),
        Err(uaccess::StrError::BadAddress) => Err(Errno::EFAULT),
        Err(uaccess::StrError::TooLong) => Err(Errno::ENAMETOOLONG),
    }
}
