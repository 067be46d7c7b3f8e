//! The loopback interface up at boot, as an init's `ip link set lo up`
//! does it, through Linux's own SIOCGIFFLAGS/SIOCSIFFLAGS, so processes
//! can use 127.0.0.1 (Linux leaves `lo` down until someone asks).

use lkl::consts::{IFF_UP, O_CLOEXEC, SIOCGIFFLAGS, SIOCSIFFLAGS};
use lkl::nr;

// The address families and socket types are not uapi (Linux keeps them in
// include/linux/socket.h and net.h; C libraries repeat them), so they are
// not generated. SOCK_CLOEXEC is O_CLOEXEC by definition (net.h).
const AF_INET: i64 = 2;
const SOCK_DGRAM: i64 = 2;
/// struct ifreq: a 16-byte name, then the union (ifr_flags first).
const IFREQ: usize = 40;
const FLAGS_AT: usize = 16;

pub fn up() -> Result<(), (&'static str, i64)> {
    let fd = lkl::syscall(nr::SOCKET, &[AF_INET, SOCK_DGRAM | O_CLOEXEC, 0]).map_err(|x| ("socket", -x.0))?;
    let mut ifr = [0u8; IFREQ];
    ifr[..2].copy_from_slice(b"lo");
    let r = lkl::syscall(nr::IOCTL, &[fd, SIOCGIFFLAGS, ifr.as_mut_ptr() as i64])
        .map_err(|x| ("SIOCGIFFLAGS lo", -x.0))
        .and_then(|_| {
            let flags = u16::from_le_bytes([ifr[FLAGS_AT], ifr[FLAGS_AT + 1]]) | IFF_UP as u16;
            ifr[FLAGS_AT..FLAGS_AT + 2].copy_from_slice(&flags.to_le_bytes());
            lkl::syscall(nr::IOCTL, &[fd, SIOCSIFFLAGS, ifr.as_mut_ptr() as i64]).map_err(|x| ("SIOCSIFFLAGS lo", -x.0))
        });
    let _ = lkl::syscall(nr::CLOSE, &[fd]);
    r.map(|_| ())
}
