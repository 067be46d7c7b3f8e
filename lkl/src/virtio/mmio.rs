//! The virtio-mmio register window (virtio 1.x, 4.2.2), version 2.

use super::queue::{Queue, MAX_SIZE};
use super::Device;

const MAGIC: u32 = 0x7472_6976; // "virt"
const VENDOR: u32 = 0x4c58_4543; // "CELX"
const VIRTIO_F_VERSION_1: u64 = 1 << 32;
pub const MAX_QUEUES: usize = 4;
/// Size of the register window announced to Linux.
pub const WINDOW: u64 = 0x200;

/// Register offsets.
mod reg {
    pub const MAGIC: u64 = 0x000;
    pub const VERSION: u64 = 0x004;
    pub const DEVICE_ID: u64 = 0x008;
    pub const VENDOR_ID: u64 = 0x00c;
    pub const DEVICE_FEATURES: u64 = 0x010;
    pub const DEVICE_FEATURES_SEL: u64 = 0x014;
    pub const DRIVER_FEATURES: u64 = 0x020;
    pub const DRIVER_FEATURES_SEL: u64 = 0x024;
    pub const QUEUE_SEL: u64 = 0x030;
    pub const QUEUE_NUM_MAX: u64 = 0x034;
    pub const QUEUE_NUM: u64 = 0x038;
    pub const QUEUE_READY: u64 = 0x044;
    pub const QUEUE_NOTIFY: u64 = 0x050;
    pub const INTERRUPT_STATUS: u64 = 0x060;
    pub const INTERRUPT_ACK: u64 = 0x064;
    pub const STATUS: u64 = 0x070;
    pub const QUEUE_DESC_LOW: u64 = 0x080;
    pub const QUEUE_DESC_HIGH: u64 = 0x084;
    pub const QUEUE_DRIVER_LOW: u64 = 0x090;
    pub const QUEUE_DRIVER_HIGH: u64 = 0x094;
    pub const QUEUE_DEVICE_LOW: u64 = 0x0a0;
    pub const QUEUE_DEVICE_HIGH: u64 = 0x0a4;
    pub const SHM_LEN_LOW: u64 = 0x0b0;
    pub const SHM_LEN_HIGH: u64 = 0x0b4;
    pub const CONFIG_GENERATION: u64 = 0x0fc;
    pub const CONFIG: u64 = 0x100;
}

/// A device behind its register window.
pub struct Transport<D: Device> {
    pub device: D,
    queues: [Queue; MAX_QUEUES],
    queue_sel: usize,
    device_features_sel: u32,
    driver_features_sel: u32,
    driver_features: u64,
    status: u32,
    interrupt_status: u32,
}

/// What a register write asks of the caller once the device is unlocked.
#[derive(Debug, PartialEq, Eq)]
pub enum After {
    Nothing,
    /// Raise the device's interrupt (lkl_trigger_irq).
    Interrupt,
}

impl<D: Device> Transport<D> {
    pub fn new(device: D) -> Self {
        Transport {
            device,
            queues: Default::default(),
            queue_sel: 0,
            device_features_sel: 0,
            driver_features_sel: 0,
            driver_features: 0,
            status: 0,
            interrupt_status: 0,
        }
    }

    fn features(&self) -> u64 {
        self.device.features() | VIRTIO_F_VERSION_1
    }

    fn queue(&mut self) -> Option<&mut Queue> {
        let n = self.device.num_queues().min(MAX_QUEUES);
        (self.queue_sel < n).then(|| &mut self.queues[self.queue_sel])
    }

    /// A read of `size` bytes at `offset` into the window.
    pub fn read(&self, offset: u64, size: usize) -> u64 {
        if offset >= reg::CONFIG {
            let mut buf = [0u8; 8];
            let size = size.min(8);
            self.device.read_config((offset - reg::CONFIG) as usize, &mut buf[..size]);
            return u64::from_le_bytes(buf);
        }
        let q = self.queues.get(self.queue_sel);
        let v: u32 = match offset {
            reg::MAGIC => MAGIC,
            reg::VERSION => 2,
            reg::DEVICE_ID => self.device.device_id(),
            reg::VENDOR_ID => VENDOR,
            reg::DEVICE_FEATURES => match self.device_features_sel {
                0 => self.features() as u32,
                1 => (self.features() >> 32) as u32,
                _ => 0,
            },
            reg::QUEUE_NUM_MAX if self.queue_sel < self.device.num_queues().min(MAX_QUEUES) => MAX_SIZE as u32,
            reg::QUEUE_READY => q.map_or(0, |q| q.ready as u32),
            reg::INTERRUPT_STATUS => self.interrupt_status,
            reg::STATUS => self.status,
            // No shared memory regions: length all ones means absent.
            reg::SHM_LEN_LOW | reg::SHM_LEN_HIGH => u32::MAX,
            reg::CONFIG_GENERATION => 0,
            _ => 0,
        };
        v as u64
    }

    /// A write of `value` at `offset` into the window.
    pub fn write(&mut self, offset: u64, value: u64) -> After {
        let v = value as u32;
        let set_lo = |x: &mut u64| *x = (*x & !0xffff_ffff) | v as u64;
        let set_hi = |x: &mut u64| *x = (*x & 0xffff_ffff) | ((v as u64) << 32);
        match offset {
            reg::DEVICE_FEATURES_SEL => self.device_features_sel = v,
            reg::DRIVER_FEATURES_SEL => self.driver_features_sel = v,
            reg::DRIVER_FEATURES => match self.driver_features_sel {
                0 => set_lo(&mut self.driver_features),
                1 => set_hi(&mut self.driver_features),
                _ => {}
            },
            reg::QUEUE_SEL => self.queue_sel = v as usize,
            reg::QUEUE_NUM => {
                if let Some(q) = self.queue() {
                    q.size = (v as u16).min(MAX_SIZE);
                }
            }
            reg::QUEUE_READY => {
                if let Some(q) = self.queue() {
                    q.ready = v & 1 != 0;
                }
            }
            reg::QUEUE_DESC_LOW => self.queue().map_or((), |q| set_lo(&mut q.desc)),
            reg::QUEUE_DESC_HIGH => self.queue().map_or((), |q| set_hi(&mut q.desc)),
            reg::QUEUE_DRIVER_LOW => self.queue().map_or((), |q| set_lo(&mut q.avail)),
            reg::QUEUE_DRIVER_HIGH => self.queue().map_or((), |q| set_hi(&mut q.avail)),
            reg::QUEUE_DEVICE_LOW => self.queue().map_or((), |q| set_lo(&mut q.used)),
            reg::QUEUE_DEVICE_HIGH => self.queue().map_or((), |q| set_hi(&mut q.used)),
            reg::QUEUE_NOTIFY => {
                let i = v as usize;
                let live = i < self.device.num_queues().min(MAX_QUEUES) && self.queues[i].ready;
                if live && self.device.notify(i, &mut self.queues[i]) {
                    self.interrupt_status |= 1;
                    return After::Interrupt;
                }
            }
            reg::INTERRUPT_ACK => self.interrupt_status &= !v,
            reg::STATUS => {
                self.status = v;
                if v == 0 {
                    // Device reset (4.2.2.1): forget the queues and features.
                    self.queues.iter_mut().for_each(Queue::reset);
                    self.driver_features = 0;
                    self.interrupt_status = 0;
                }
            }
            _ => {}
        }
        After::Nothing
    }
}
