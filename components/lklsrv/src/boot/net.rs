//! The network interfaces at boot, set up as an init's `ip` commands would
//! do it, through Linux's own ioctls (SIOCSIFADDR, SIOCSIFFLAGS,
//! SIOCADDRT): the loopback interface up, so processes can use 127.0.0.1
//! (Linux leaves `lo` down until someone asks), and, when the machine has
//! a NIC (QEMU's virtio-net-device, driven by Linux's own virtio_net),
//! `eth0` with the static configuration QEMU's user-mode network hands out
//! by DHCP: 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3. Static rather
//! than busybox udhcpc: the addresses are fixed by QEMU, and a DHCP client
//! needs a script, a background process and a wait for the lease at every
//! boot, for the same answer.

use lkl::consts::{
    IFF_UP, O_CLOEXEC, O_CREAT, O_EXCL, O_WRONLY, RTF_GATEWAY, RTF_UP, SIOCADDRT, SIOCGIFFLAGS, SIOCSIFADDR,
    SIOCSIFFLAGS, SIOCSIFNETMASK,
};
use lkl::{nr, sys as lsys, Errno};

type Outcome = Result<(), (&'static str, i64)>;

// The address families and socket types are not uapi (Linux keeps them in
// include/linux/socket.h and net.h; C libraries repeat them), so they are
// not generated. SOCK_CLOEXEC is O_CLOEXEC by definition (net.h).
const AF_INET: u16 = 2;
const SOCK_DGRAM: i64 = 2;
/// struct ifreq: a 16-byte name, then the union (ifr_flags, ifr_addr).
const IFREQ: usize = 40;
const UNION_AT: usize = 16;
/// struct rtentry on x86_64 (linux/route.h): rt_pad1 (8 bytes), then the
/// destination, gateway and genmask sockaddrs, then rt_flags; 120 bytes.
const RTENTRY: usize = 120;
const RT_DST: usize = 8;
const RT_GATEWAY: usize = 24;
const RT_GENMASK: usize = 40;
const RT_FLAGS: usize = 56;

/// QEMU's user network (slirp's defaults).
const ADDRESS: [u8; 4] = [10, 0, 2, 15];
const NETMASK: [u8; 4] = [255, 255, 255, 0];
const GATEWAY: [u8; 4] = [10, 0, 2, 2];
const RESOLV_CONF: &[u8] = b"nameserver 10.0.2.3\n";

/// A struct sockaddr_in for `ip` (port 0), 16 bytes.
fn sockaddr_in(ip: [u8; 4]) -> [u8; 16] {
    let mut s = [0u8; 16];
    s[..2].copy_from_slice(&AF_INET.to_le_bytes());
    s[4..8].copy_from_slice(&ip);
    s
}

fn ifreq(name: &[u8]) -> [u8; IFREQ] {
    let mut r = [0u8; IFREQ];
    r[..name.len()].copy_from_slice(name);
    r
}

/// Runs `f` with an AF_INET datagram socket, the handle these ioctls take.
fn with_socket<T>(f: impl FnOnce(i64) -> Result<T, (&'static str, i64)>) -> Result<T, (&'static str, i64)> {
    let fd = lkl::syscall(nr::SOCKET, &[AF_INET as i64, SOCK_DGRAM | O_CLOEXEC, 0]).map_err(|x| ("socket", -x.0))?;
    let r = f(fd);
    let _ = lkl::syscall(nr::CLOSE, &[fd]);
    r
}

fn ioctl(fd: i64, req: i64, arg: &mut [u8], what: &'static str) -> Result<(), (&'static str, i64)> {
    lkl::syscall(nr::IOCTL, &[fd, req, arg.as_mut_ptr() as i64]).map(|_| ()).map_err(|x| (what, -x.0))
}

/// Sets IFF_UP on interface `name`.
fn set_up(fd: i64, name: &[u8]) -> Outcome {
    let mut ifr = ifreq(name);
    ioctl(fd, SIOCGIFFLAGS, &mut ifr, "SIOCGIFFLAGS")?;
    let flags = u16::from_le_bytes([ifr[UNION_AT], ifr[UNION_AT + 1]]) | IFF_UP as u16;
    ifr[UNION_AT..UNION_AT + 2].copy_from_slice(&flags.to_le_bytes());
    ioctl(fd, SIOCSIFFLAGS, &mut ifr, "SIOCSIFFLAGS")
}

/// `lo` up.
pub fn loopback_up() -> Outcome {
    with_socket(|fd| set_up(fd, b"lo"))
}

/// `eth0` configured and up when there is one; Ok(false) when the
/// machine has no NIC (Linux answers ENODEV for the name).
pub fn ethernet_up() -> Result<bool, (&'static str, i64)> {
    let present = with_socket(|fd| {
        let mut ifr = ifreq(b"eth0");
        match lkl::syscall(nr::IOCTL, &[fd, SIOCGIFFLAGS, ifr.as_mut_ptr() as i64]) {
            Ok(_) => {}
            Err(Errno::ENODEV) => return Ok(false),
            Err(x) => return Err(("SIOCGIFFLAGS eth0", -x.0)),
        }
        for (req, ip, what) in [(SIOCSIFADDR, ADDRESS, "SIOCSIFADDR eth0"), (SIOCSIFNETMASK, NETMASK, "SIOCSIFNETMASK eth0")] {
            let mut ifr = ifreq(b"eth0");
            ifr[UNION_AT..UNION_AT + 16].copy_from_slice(&sockaddr_in(ip));
            ioctl(fd, req, &mut ifr, what)?;
        }
        set_up(fd, b"eth0")?;
        // The default route (destination and genmask 0.0.0.0) by the
        // gateway; Linux finds eth0 from the gateway's subnet.
        let mut rt = [0u8; RTENTRY];
        rt[RT_DST..RT_DST + 16].copy_from_slice(&sockaddr_in([0; 4]));
        rt[RT_GATEWAY..RT_GATEWAY + 16].copy_from_slice(&sockaddr_in(GATEWAY));
        rt[RT_GENMASK..RT_GENMASK + 16].copy_from_slice(&sockaddr_in([0; 4]));
        rt[RT_FLAGS..RT_FLAGS + 2].copy_from_slice(&((RTF_UP | RTF_GATEWAY) as u16).to_le_bytes());
        ioctl(fd, SIOCADDRT, &mut rt, "SIOCADDRT default via 10.0.2.2")?;
        Ok(true)
    })?;
    if present {
        resolv_conf()?;
    }
    Ok(present)
}

/// QEMU's DNS forwarder in /etc/resolv.conf, unless the image has its
/// own (O_EXCL: an existing file, the user's, stays as it is).
fn resolv_conf() -> Outcome {
    match lsys::open(c"/etc/resolv.conf", O_CREAT | O_EXCL | O_WRONLY, 0o644) {
        Ok(fd) => {
            let r = lsys::write_all(fd, RESOLV_CONF).map_err(|x| ("write /etc/resolv.conf", -x.0));
            let _ = lsys::close(fd);
            r
        }
        Err(Errno::EEXIST) => Ok(()),
        Err(x) => Err(("create /etc/resolv.conf", -x.0)),
    }
}
