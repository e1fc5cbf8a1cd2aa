//! Devices the Linux personality adds to the kernel: the files a Linux
//! program expects under /dev and /proc (Linux vocabulary, so they live here
//! rather than in the kernel). They are registered in the kernel's device
//! table under `#` names and bound by the namespace builder like any other
//! device, so `ninux ns` shows them.

pub mod linuxdev;
pub mod proc;
mod procmaps;
pub(crate) mod procpid;

use std::sync::Arc;

/// Registers the personality's devices with the kernel (idempotent).
pub fn install() {
    kernel::dev::install("#L", Arc::new(linuxdev::LinuxDev::new()));
    kernel::dev::install("#P", Arc::new(proc::ProcDev::new()));
    crate::net::install();
}

/// Where each device is bound in every run's namespace: (device, mount
/// point). Bound before (MBEFORE) what the root has there, so a rootfs's own
/// /dev entries still show where ninux has none, and the host's /proc files
/// that `#P` does not make still show under /proc.
pub fn standard_binds() -> Vec<(String, String)> {
    vec![("#L".into(), "/dev".into()), ("#P".into(), "/proc".into())]
}
