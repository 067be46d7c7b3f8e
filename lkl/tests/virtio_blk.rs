//! The virtio-blk device side driven by a miniature driver written from
//! the virtio 1.x spec (no Linux needed): feature negotiation, a split
//! queue in our memory, and OUT, IN, FLUSH and GET_ID requests.

use lkl::host::disk::MemDisk;
use lkl::virtio::blk::Block;
use lkl::virtio::mmio::{After, Transport};

const QSIZE: u16 = 8;

#[repr(C, align(4096))]
struct Ring {
    desc: [[u8; 16]; QSIZE as usize],
    avail: [u16; 3 + QSIZE as usize],
    _pad: [u8; 64],
    used: [u32; 2 + 2 * QSIZE as usize],
}

struct Driver {
    dev: Transport<Block<MemDisk>>,
    ring: Box<Ring>,
    next_desc: u16,
}

impl Driver {
    fn new(disk: MemDisk) -> Driver {
        let mut dev = Transport::new(Block::new(disk, b"cellux-disk-0"));
        assert_eq!(dev.read(0x000, 4), 0x7472_6976, "magic");
        assert_eq!(dev.read(0x004, 4), 2, "version");
        assert_eq!(dev.read(0x008, 4), 2, "block device id");
        dev.write(0x014, 1);
        assert_eq!(dev.read(0x010, 4) & 1, 1, "VIRTIO_F_VERSION_1 offered");
        dev.write(0x070, 1 | 2);
        dev.write(0x024, 1);
        dev.write(0x020, 1);
        dev.write(0x070, 1 | 2 | 8);
        let ring = Box::new(Ring { desc: [[0; 16]; QSIZE as usize], avail: [0; 3 + QSIZE as usize], _pad: [0; 64], used: [0; 2 + 2 * QSIZE as usize] });
        dev.write(0x030, 0);
        assert!(dev.read(0x034, 4) >= QSIZE as u64);
        dev.write(0x038, QSIZE as u64);
        let (d, a, u) = (ring.desc.as_ptr() as u64, ring.avail.as_ptr() as u64, ring.used.as_ptr() as u64);
        for (reg, v) in [(0x080, d), (0x090, a), (0x0a0, u)] {
            dev.write(reg, v & 0xffff_ffff);
            dev.write(reg + 4, v >> 32);
        }
        dev.write(0x044, 1);
        dev.write(0x070, 1 | 2 | 8 | 4);
        Driver { dev, ring, next_desc: 0 }
    }

    /// Queues a chain of (buffer, device-writable) and notifies; returns
    /// the used length.
    fn request(&mut self, bufs: &mut [(&mut [u8], bool)]) -> u32 {
        let head = self.next_desc;
        let n = bufs.len();
        for (i, (buf, writable)) in bufs.iter_mut().enumerate() {
            let idx = (head + i as u16) % QSIZE;
            let last = i + 1 == n;
            let flags: u16 = (!last as u16) | if *writable { 2 } else { 0 };
            let d = &mut self.ring.desc[idx as usize];
            d[0..8].copy_from_slice(&(buf.as_mut_ptr() as u64).to_le_bytes());
            d[8..12].copy_from_slice(&(buf.len() as u32).to_le_bytes());
            d[12..14].copy_from_slice(&flags.to_le_bytes());
            d[14..16].copy_from_slice(&((idx + 1) % QSIZE).to_le_bytes());
        }
        self.next_desc = (head + n as u16) % QSIZE;
        let avail_idx = self.ring.avail[1];
        self.ring.avail[2 + (avail_idx % QSIZE) as usize] = head;
        self.ring.avail[1] = avail_idx.wrapping_add(1);
        let used_before = self.ring.used[0] >> 16;
        assert_eq!(self.dev.write(0x050, 0), After::Interrupt);
        assert_eq!(self.dev.read(0x060, 4), 1, "used-buffer interrupt");
        self.dev.write(0x064, 1);
        let used_idx = self.ring.used[0] >> 16;
        assert_eq!(used_idx, used_before + 1);
        let slot = (used_before % QSIZE as u32) as usize;
        assert_eq!(self.ring.used[1 + 2 * slot], head as u32);
        self.ring.used[2 + 2 * slot]
    }
}

fn header(kind: u32, sector: u64) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[0..4].copy_from_slice(&kind.to_le_bytes());
    h[8..16].copy_from_slice(&sector.to_le_bytes());
    h
}

#[test]
fn capacity_is_reported_in_sectors() {
    let d = Driver::new(MemDisk::new(vec![0; 1 << 20]));
    assert_eq!(d.dev.read(0x100, 4), (1 << 20) / 512);
    assert_eq!(d.dev.read(0x104, 4), 0);
}

#[test]
fn write_then_read_back_through_the_queue() {
    let disk = MemDisk::new(vec![0; 64 * 1024]);
    let data = disk.data.clone();
    let mut d = Driver::new(disk);

    let mut h = header(1, 3);
    let mut payload: Vec<u8> = (0..1024u32).map(|i| (i * 7) as u8).collect();
    let mut status = [0xffu8];
    d.request(&mut [(&mut h, false), (&mut payload[..], false), (&mut status, true)]);
    assert_eq!(status[0], 0, "OUT status");
    assert_eq!(&data.lock().unwrap()[3 * 512..3 * 512 + 1024], &payload[..]);

    let mut h = header(0, 3);
    let mut back = vec![0u8; 1024];
    let mut status = [0xffu8];
    let written = d.request(&mut [(&mut h, false), (&mut back[..], true), (&mut status, true)]);
    assert_eq!(status[0], 0, "IN status");
    assert_eq!(written, 1025);
    assert_eq!(back, payload);

    let mut h = header(4, 0);
    let mut status = [0xffu8];
    d.request(&mut [(&mut h, false), (&mut status, true)]);
    assert_eq!(status[0], 0, "FLUSH status");

    let mut h = header(8, 0);
    let mut id = [0u8; 20];
    let mut status = [0xffu8];
    d.request(&mut [(&mut h, false), (&mut id, true), (&mut status, true)]);
    assert_eq!(status[0], 0, "GET_ID status");
    assert_eq!(&id[..13], b"cellux-disk-0");
}

#[test]
fn reads_past_the_end_fail_with_ioerr_and_unknown_requests_are_unsupported() {
    let mut d = Driver::new(MemDisk::new(vec![0; 4096]));
    let mut h = header(0, 8);
    let mut buf = [0u8; 512];
    let mut status = [0xffu8];
    d.request(&mut [(&mut h, false), (&mut buf, true), (&mut status, true)]);
    assert_eq!(status[0], 1);
    let mut h = header(99, 0);
    let mut status = [0xffu8];
    d.request(&mut [(&mut h, false), (&mut status, true)]);
    assert_eq!(status[0], 2);
}
