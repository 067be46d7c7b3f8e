//! Finding QEMU's virtio-mmio transports (`-M microvm`: 512-byte windows
//! from 0xfeb00000; with ACPI and without the second IOAPIC, 8 transports,
//! transport i on GSI 16 + i; with it, 24 on GSI 24 + i, beyond the one
//! IOAPIC the kernel drives, hence `ioapic2=off` on the QEMU command line)
//! and announcing the ones with a device behind them to Linux, whose own
//! virtio_mmio driver then drives them through ioremap/iomem_access.

use crate::host::iomem;
use crate::host::irq;
use cellux_rt::println;
use core::ffi::{c_char, CStr};

const BASE: u64 = 0xfeb0_0000;
const WINDOW: u64 = 512;
/// Transports without / with the second IOAPIC, and their first GSI.
const TRANSPORTS: u64 = 8;
const FIRST_GSI: u64 = 16;
const TRANSPORTS_IOAPIC2: u64 = 24;
const FIRST_GSI_IOAPIC2: u64 = 24;
const MAGIC: u64 = 0x7472_6976; // "virt"

/// Text built in place (no allocator for strings here), NUL-terminated.
pub struct Line {
    b: [u8; 1024],
    n: usize,
}

impl Line {
    pub const fn new() -> Line {
        Line { b: [0; 1024], n: 0 }
    }
    pub fn push(&mut self, s: &[u8]) {
        let room = self.b.len() - 1 - self.n;
        let k = s.len().min(room);
        self.b[self.n..self.n + k].copy_from_slice(&s[..k]);
        self.n += k;
    }
    pub fn push_hex(&mut self, v: u64) {
        let mut d = [0u8; 18];
        let mut i = d.len();
        let mut x = v;
        loop {
            i -= 1;
            d[i] = b"0123456789abcdef"[(x & 15) as usize];
            x >>= 4;
            if x == 0 {
                break;
            }
        }
        self.push(b"0x");
        self.push(&d[i..]);
    }
    pub fn push_dec(&mut self, v: u64) {
        let mut d = [0u8; 20];
        let mut i = d.len();
        let mut x = v;
        loop {
            i -= 1;
            d[i] = b'0' + (x % 10) as u8;
            x /= 10;
            if x == 0 {
                break;
            }
        }
        self.push(&d[i..]);
    }
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    pub fn as_cstr(&self) -> &CStr {
        // The buffer always ends in a NUL (push leaves the last byte).
        CStr::from_bytes_until_nul(&self.b).unwrap_or(c"")
    }
}

pub struct Devices {
    words: Line,
    found: usize,
}

fn read32(addr: u64) -> u64 {
    let mut v = 0;
    match iomem::access(addr, &mut v, 4, false) {
        Ok(()) => v,
        Err(_) => 0,
    }
}

/// Announces every transport with a device (device id != 0), each with a
/// Linux interrupt fed by a thread that receives the line's kernel sends.
pub fn probe() -> Devices {
    let mut d = Devices { words: Line::new(), found: 0 };
    let regs = iomem::ioremap(BASE, WINDOW * TRANSPORTS_IOAPIC2) as u64;
    if regs == 0 {
        println!("lkl server: virtio-mmio window not mappable; no devices");
        return d;
    }
    // The transports' registers as the server reaches them; the words
    // given to Linux name physical addresses, which it maps itself.
    let reg = |pa: u64| read32(regs + (pa - BASE));
    // Unassigned device memory reads as 0: a ninth transport means the
    // second IOAPIC's layout.
    let (count, first_gsi) = if reg(BASE + TRANSPORTS * WINDOW) == MAGIC {
        (TRANSPORTS_IOAPIC2, FIRST_GSI_IOAPIC2)
    } else {
        (TRANSPORTS, FIRST_GSI)
    };
    for i in 0..count {
        let at = BASE + i * WINDOW;
        if reg(at) != MAGIC || reg(at + 8) == 0 {
            continue;
        }
        if first_gsi + i >= cellux_rt::abi::ops::IRQ_GSIS {
            println!("lkl server: virtio-mmio device at {:#x} is on GSI {}, beyond the kernel's IOAPIC: run QEMU with -M microvm,ioapic2=off", at, first_gsi + i);
            continue;
        }
        let Some(linux_irq) = irq::route(first_gsi + i) else { continue };
        if !d.words.is_empty() {
            d.words.push(b" ");
        }
        d.words.push(b"virtio_mmio.device=512@");
        d.words.push_hex(at);
        d.words.push(b":");
        d.words.push_dec(linux_irq as u64);
        d.found += 1;
        println!("lkl server: virtio-mmio device {} (version {}) at {:#x}, GSI {} -> Linux irq {}",
            reg(at + 8), reg(at + 4), at, first_gsi + i, linux_irq);
    }
    d
}

impl Devices {
    pub fn words(&self) -> *const c_char {
        if self.found == 0 {
            core::ptr::null()
        } else {
            self.words.as_cstr().as_ptr()
        }
    }
    pub fn count(&self) -> usize {
        self.found
    }
}
