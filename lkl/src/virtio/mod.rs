//! The host side of virtio devices over the MMIO transport (virtio 1.x,
//! "virtio-mmio" version 2), so that Linux's own drivers drive them. The
//! transport (`mmio`) and split virtqueues (`queue`) are device-agnostic;
//! `blk` is the block device. This is `no_std`: the hosted registry that
//! routes Linux's register accesses here lives in `host::iomem`.
//!
//! Addresses Linux writes into the queues are physical addresses, which in
//! this no-MMU port are the host's own virtual addresses (pa == va).

pub mod blk;
pub mod mmio;
pub mod queue;

/// A virtio device behind the MMIO transport.
pub trait Device {
    /// Virtio device ID (2: block).
    fn device_id(&self) -> u32;
    /// Offered feature bits (the transport adds VIRTIO_F_VERSION_1).
    fn features(&self) -> u64;
    /// Reads `out.len()` bytes of device config space at `offset`.
    fn read_config(&self, offset: usize, out: &mut [u8]);
    /// Handles the available buffers of queue `index`; true when it used
    /// some (the transport then raises the interrupt).
    fn notify(&mut self, index: usize, queue: &mut queue::Queue) -> bool;
    /// How many queues the device has.
    fn num_queues(&self) -> usize;
}
