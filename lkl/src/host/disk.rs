//! Block-device backends for the hosted build: a memory buffer or a host
//! file, served to Linux's virtio_blk through `virtio::blk`.

use crate::virtio::blk::{Backend, IoError};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A disk in memory; the buffer stays reachable through `contents`.
pub struct MemDisk {
    pub data: Arc<Mutex<Vec<u8>>>,
    len: u64,
}

impl MemDisk {
    pub fn new(data: Vec<u8>) -> MemDisk {
        let len = data.len() as u64;
        MemDisk { data: Arc::new(Mutex::new(data)), len }
    }
}

impl Backend for MemDisk {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_only(&self) -> bool {
        false
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), IoError> {
        let d = self.data.lock().map_err(|_| IoError)?;
        let src = d.get(offset as usize..offset as usize + buf.len()).ok_or(IoError)?;
        buf.copy_from_slice(src);
        Ok(())
    }
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), IoError> {
        let mut d = self.data.lock().map_err(|_| IoError)?;
        let dst = d.get_mut(offset as usize..offset as usize + buf.len()).ok_or(IoError)?;
        dst.copy_from_slice(buf);
        Ok(())
    }
    fn flush(&mut self) -> Result<(), IoError> {
        Ok(())
    }
}

/// A disk backed by a host file (an image).
pub struct FileDisk {
    file: File,
    len: u64,
    read_only: bool,
}

impl FileDisk {
    pub fn open(path: &Path, read_only: bool) -> std::io::Result<FileDisk> {
        let file = std::fs::OpenOptions::new().read(true).write(!read_only).open(path)?;
        let len = file.metadata()?.len();
        Ok(FileDisk { file, len, read_only })
    }
}

impl Backend for FileDisk {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_only(&self) -> bool {
        self.read_only
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), IoError> {
        self.file.read_exact_at(buf, offset).map_err(|_| IoError)
    }
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), IoError> {
        self.file.write_all_at(buf, offset).map_err(|_| IoError)
    }
    fn flush(&mut self) -> Result<(), IoError> {
        self.file.sync_data().map_err(|_| IoError)
    }
}
