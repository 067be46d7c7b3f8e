//! The root disk: Linux's own virtio_blk on QEMU's virtio-blk-device
//! (found by `virtio`), mounted as ext4 and made `/` the way Linux's own
//! boot does it (mount, move the mount onto `/`, chroot into it), so every
//! thread of the init process sees the disk as its root.

use cellux_rt::println;
use lkl::consts::MS_MOVE;
use lkl::{nr, sys as lsys};

type Outcome = Result<(), (&'static str, i64)>;

pub fn mount_and_read() -> Outcome {
    let _ = lsys::mkdir(c"/dev", 0o755);
    let _ = lsys::mount(c"devtmpfs", c"/dev", c"devtmpfs", 0, None);
    let _ = lsys::mkdir(c"/mnt", 0o755);
    lsys::mount(c"/dev/vda", c"/mnt", c"ext4", 0, None).map_err(|x| ("mount /dev/vda as ext4", -x.0))?;
    lkl::syscall(nr::CHDIR, &[c"/mnt".as_ptr() as i64]).map_err(|x| ("chdir /mnt", -x.0))?;
    lkl::syscall(nr::MOUNT, &[c".".as_ptr() as i64, c"/".as_ptr() as i64, 0, MS_MOVE, 0])
        .map_err(|x| ("move the mount onto /", -x.0))?;
    lkl::syscall(nr::CHROOT, &[c".".as_ptr() as i64]).map_err(|x| ("chroot", -x.0))?;
    let fd = lsys::open(c"/etc/hostname", lkl::consts::O_RDONLY, 0).map_err(|x| ("open /etc/hostname", -x.0))?;
    let mut b = [0u8; 128];
    let n = lsys::read(fd, &mut b).map_err(|x| ("read", -x.0))?;
    let _ = lsys::close(fd);
    let name = core::str::from_utf8(&b[..n]).unwrap_or("?").trim_end();
    println!("lklsrv: /etc/hostname on the root disk: {}", name);
    if n == 0 {
        return Err(("empty /etc/hostname", 0));
    }
    Ok(())
}
