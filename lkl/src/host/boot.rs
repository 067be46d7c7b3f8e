//! Booting hosted Linux with block devices: allocates each device's IRQ,
//! registers its register window, announces it on the command line
//! (virtio_devices), and starts Linux with the hosted table.

use super::iomem;
use crate::Errno;
use crate::ffi;
use crate::kernel::{self, Kernel};
use crate::virtio::blk::{Backend, Block};
use crate::virtio::mmio::{Transport, WINDOW};
use std::ffi::CString;

/// The default command line: enough RAM for ext4 and tmpfs tests, quiet.
pub const DEFAULT_CMDLINE: &str = "mem=128M loglevel=4";

pub struct Boot {
    cmdline: String,
    devices: Vec<String>,
}

impl Default for Boot {
    fn default() -> Self {
        Boot::new()
    }
}

impl Boot {
    pub fn new() -> Boot {
        Boot { cmdline: DEFAULT_CMDLINE.to_string(), devices: Vec::new() }
    }

    /// Replaces the kernel command line.
    pub fn cmdline(mut self, cmdline: &str) -> Boot {
        self.cmdline = cmdline.to_string();
        self
    }

    /// Adds a virtio block device; the n-th becomes /dev/vd{a+n}.
    pub fn disk<B: Backend + Send + 'static>(mut self, backend: B, id: &str) -> Result<Boot, Errno> {
        let name = CString::new("virtio-blk").map_err(|_| Errno::EINVAL)?;
        // SAFETY: `name` is NUL-terminated and outlives the call.
        let irq = unsafe { ffi::lkl_get_free_irq(name.as_ptr()) };
        if irq < 0 {
            return Err(Errno(-(irq as i64)));
        }
        let transport = Transport::new(Block::new(backend, id.as_bytes()));
        let addr = iomem::register(WINDOW, irq, Box::new(transport));
        self.devices.push(format!("virtio_mmio.device={WINDOW:#x}@{addr:#x}:{irq}"));
        Ok(self)
    }

    /// Starts Linux; returns once syscalls are served.
    pub fn start(self) -> Result<Kernel, Errno> {
        let devices = if self.devices.is_empty() {
            None
        } else {
            Some(CString::new(self.devices.join(" ")).map_err(|_| Errno::EINVAL)?)
        };
        let ops = super::ops(devices);
        let cmdline = CString::new(self.cmdline).map_err(|_| Errno::EINVAL)?;
        kernel::start(ops, &cmdline)
    }
}
