//! virtio-blk (virtio 1.x, 5.2): requests IN, OUT, FLUSH and GET_ID over
//! a `Backend` (a memory buffer or a host file in the hosted build).

use super::queue::{Chain, Queue};
use super::Device;

const VIRTIO_ID_BLOCK: u32 = 2;
const VIRTIO_BLK_F_SEG_MAX: u64 = 1 << 2;
const VIRTIO_BLK_F_RO: u64 = 1 << 5;
const VIRTIO_BLK_F_BLK_SIZE: u64 = 1 << 6;
const VIRTIO_BLK_F_FLUSH: u64 = 1 << 9;

const T_IN: u32 = 0;
const T_OUT: u32 = 1;
const T_FLUSH: u32 = 4;
const T_GET_ID: u32 = 8;

const S_OK: u8 = 0;
const S_IOERR: u8 = 1;
const S_UNSUPP: u8 = 2;

const SECTOR: u64 = 512;
const ID_LEN: usize = 20;
/// Segments per request we accept (config seg_max): the chain's capacity
/// minus the header and status descriptors.
const SEG_MAX: u32 = 62;

/// An I/O failure of the backing store; the request gets VIRTIO_BLK_S_IOERR.
#[derive(Debug)]
pub struct IoError;

/// Where the blocks live.
pub trait Backend {
    /// Size in bytes (a multiple of 512 is expected; the rest is unseen).
    fn len(&self) -> u64;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn read_only(&self) -> bool;
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), IoError>;
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), IoError>;
    fn flush(&mut self) -> Result<(), IoError>;
}

pub struct Block<B: Backend> {
    pub backend: B,
    id: [u8; ID_LEN],
}

impl<B: Backend> Block<B> {
    /// `id` is what GET_ID returns (Linux shows it as the disk's serial).
    pub fn new(backend: B, id: &[u8]) -> Self {
        let mut buf = [0u8; ID_LEN];
        let n = id.len().min(ID_LEN);
        buf[..n].copy_from_slice(&id[..n]);
        Block { backend, id: buf }
    }

    fn config(&self) -> [u8; 24] {
        let mut c = [0u8; 24];
        c[0..8].copy_from_slice(&(self.backend.len() / SECTOR).to_le_bytes()); // capacity
        c[12..16].copy_from_slice(&SEG_MAX.to_le_bytes()); // seg_max
        c[20..24].copy_from_slice(&(SECTOR as u32).to_le_bytes()); // blk_size
        c
    }

    /// Serves one request chain; returns the bytes written into it.
    fn serve(&mut self, chain: &Chain) -> u32 {
        let segs = &chain.segs[..chain.count];
        // The status byte is the last byte of the last (writable) buffer.
        let Some(last) = segs.last().filter(|s| s.writable && s.len >= 1) else { return 0 };
        let status_addr = last.addr + last.len as u64 - 1;
        let mut header = [0u8; 16];
        if gather(segs, &mut header) < 16 {
            return 0;
        }
        let kind = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let sector = u64::from_le_bytes(header[8..16].try_into().unwrap_or([0; 8]));
        let mut written = 1u32;
        let status = match kind {
            T_IN => self.transfer(segs, sector, true, status_addr, &mut written),
            T_OUT if self.backend.read_only() => S_IOERR,
            T_OUT => self.transfer(segs, sector, false, status_addr, &mut written),
            T_FLUSH => self.backend.flush().map_or(S_IOERR, |_| S_OK),
            T_GET_ID => {
                let id = self.id;
                written += scatter_writable(segs, status_addr, &id);
                S_OK
            }
            _ => S_UNSUPP,
        };
        // SAFETY: status_addr is inside the driver's last, device-writable
        // buffer (len >= 1).
        unsafe { core::ptr::write_volatile(status_addr as *mut u8, status) };
        written
    }

    /// Moves data between the backend and the chain's data buffers: the
    /// readable ones after the 16-byte header (OUT) or the writable ones
    /// before the status byte (IN).
    fn transfer(&mut self, segs: &[super::queue::Segment], sector: u64, into_guest: bool, status_addr: u64, written: &mut u32) -> u8 {
        let mut pos = sector.saturating_mul(SECTOR);
        // For OUT the 16-byte header leads the readable bytes.
        let mut skip = if into_guest { 0 } else { 16u64 };
        for s in segs.iter().filter(|s| s.writable == into_guest) {
            let (mut addr, mut len) = (s.addr, s.len as u64);
            let k = skip.min(len);
            skip -= k;
            addr += k;
            len -= k;
            if into_guest && addr <= status_addr && status_addr < addr + len {
                len = status_addr - addr;
            }
            if len == 0 {
                continue;
            }
            if pos.checked_add(len).is_none_or(|end| end > self.backend.len()) {
                return S_IOERR;
            }
            let ok = if into_guest {
                // SAFETY: a device-writable buffer of the driver's, `len`
                // bytes at `addr` (pa == va), not aliased while in the queue.
                let buf = unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, len as usize) };
                *written += len as u32;
                self.backend.read_at(pos, buf)
            } else {
                // SAFETY: a driver buffer of `len` bytes at `addr`, which the
                // driver does not change while the request is in the queue.
                let buf = unsafe { core::slice::from_raw_parts(addr as *const u8, len as usize) };
                self.backend.write_at(pos, buf)
            };
            if ok.is_err() {
                return S_IOERR;
            }
            pos += len;
        }
        S_OK
    }
}

/// Copies the chain's first readable bytes into `out`; returns how many.
fn gather(segs: &[super::queue::Segment], out: &mut [u8]) -> usize {
    let mut n = 0;
    for s in segs.iter().filter(|s| !s.writable) {
        let k = (s.len as usize).min(out.len() - n);
        // SAFETY: a readable driver buffer of at least `k` bytes.
        let src = unsafe { core::slice::from_raw_parts(s.addr as *const u8, k) };
        out[n..n + k].copy_from_slice(src);
        n += k;
        if n == out.len() {
            break;
        }
    }
    n
}

/// Copies `data` into the chain's writable bytes before the status byte.
fn scatter_writable(segs: &[super::queue::Segment], status_addr: u64, data: &[u8]) -> u32 {
    let mut n = 0;
    for s in segs.iter().filter(|s| s.writable) {
        let mut len = s.len as u64;
        if s.addr <= status_addr && status_addr < s.addr + len {
            len = status_addr - s.addr;
        }
        let k = (len as usize).min(data.len() - n);
        // SAFETY: a device-writable driver buffer of at least `k` bytes.
        let dst = unsafe { core::slice::from_raw_parts_mut(s.addr as *mut u8, k) };
        dst.copy_from_slice(&data[n..n + k]);
        n += k;
    }
    n as u32
}

impl<B: Backend> Device for Block<B> {
    fn device_id(&self) -> u32 {
        VIRTIO_ID_BLOCK
    }

    fn features(&self) -> u64 {
        let ro = if self.backend.read_only() { VIRTIO_BLK_F_RO } else { 0 };
        VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH | ro
    }

    fn read_config(&self, offset: usize, out: &mut [u8]) {
        let c = self.config();
        for (i, b) in out.iter_mut().enumerate() {
            *b = c.get(offset + i).copied().unwrap_or(0);
        }
    }

    fn notify(&mut self, _index: usize, queue: &mut Queue) -> bool {
        let mut used = false;
        while let Some(chain) = queue.pop() {
            let written = self.serve(&chain);
            queue.push_used(chain.head, written);
            used = true;
        }
        used
    }

    fn num_queues(&self) -> usize {
        1
    }
}
