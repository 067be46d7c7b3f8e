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
//! On a private wire (`scripts/run --wire`: QEMU's socket network to
//! another machine, no DHCP server, no gateway) the boot archive entry
//! `wire` names eth0's addresses instead, e.g. `10.0.9.1/24 fd00:9::1/64`:
//! those, and no route beyond the wire's own subnets, no resolv.conf.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};
use lkl::consts::{
    IFF_UP, O_CLOEXEC, O_CREAT, O_EXCL, O_WRONLY, RTF_GATEWAY, RTF_UP, SIOCADDRT, SIOCGIFFLAGS, SIOCGIFINDEX,
    SIOCSIFADDR, SIOCSIFFLAGS, SIOCSIFNETMASK,
};
use lkl::{nr, sys as lsys, Errno};

type Outcome = Result<(), (&'static str, i64)>;

// The address families and socket types are not uapi (Linux keeps them in
// include/linux/socket.h and net.h; C libraries repeat them), so they are
// not generated. SOCK_CLOEXEC is O_CLOEXEC by definition (net.h).
const AF_INET: u16 = 2;
const AF_INET6: i64 = 10;
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
/// struct in6_ifreq (linux/ipv6.h): the address, the prefix length (u32),
/// the interface index (int); 24 bytes.
const IN6_IFREQ: usize = 24;

/// QEMU's user network (slirp's defaults).
const ADDRESS: (Ipv4Addr, u8) = (Ipv4Addr::new(10, 0, 2, 15), 24);
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
    with_socket_of(AF_INET as i64, f)
}

/// As `with_socket`, of address family `family` (an AF_INET6 socket is the
/// handle of IPv6's address ioctls).
fn with_socket_of<T>(family: i64, f: impl FnOnce(i64) -> Result<T, (&'static str, i64)>) -> Result<T, (&'static str, i64)> {
    let fd = lkl::syscall(nr::SOCKET, &[family, SOCK_DGRAM | O_CLOEXEC, 0]).map_err(|x| ("socket", -x.0))?;
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

/// eth0's addresses on a private wire, each with its prefix length: at
/// most one IPv4 address (SIOCSIFADDR sets the interface's one; more
/// would be aliases, eth0:1), any number of IPv6 ones.
pub struct Wire {
    v4: Option<(Ipv4Addr, u8)>,
    v6: Vec<(Ipv6Addr, u8)>,
}

impl Wire {
    /// The `wire` entry's text: whitespace-separated ADDRESS/PREFIX.
    pub fn parse(text: &[u8]) -> Result<Wire, String> {
        let text = core::str::from_utf8(text).map_err(|_| String::from("not UTF-8"))?;
        let mut w = Wire { v4: None, v6: Vec::new() };
        for word in text.split_ascii_whitespace() {
            let bad = || format!("'{}' is not ADDRESS/PREFIX", word);
            let (a, p) = word.split_once('/').ok_or_else(bad)?;
            let p: u8 = p.parse().map_err(|_| bad())?;
            if let Ok(a) = a.parse::<Ipv4Addr>() {
                if p > 32 {
                    return Err(bad());
                }
                if w.v4.replace((a, p)).is_some() {
                    return Err(String::from("more than one IPv4 address"));
                }
            } else if let Ok(a) = a.parse::<Ipv6Addr>() {
                if p > 128 {
                    return Err(bad());
                }
                w.v6.push((a, p));
            } else {
                return Err(bad());
            }
        }
        if w.v4.is_none() && w.v6.is_empty() {
            return Err(String::from("no address"));
        }
        Ok(w)
    }
}

/// `eth0` configured and up when there is one: on QEMU's user network
/// when `wire` is None, else with the wire's addresses. Ok(None) when the
/// machine has no NIC (Linux answers ENODEV for the name), else what was
/// configured, for the log.
pub fn ethernet_up(wire: Option<&Wire>) -> Result<Option<String>, (&'static str, i64)> {
    let present = with_socket(|fd| {
        let mut ifr = ifreq(b"eth0");
        match lkl::syscall(nr::IOCTL, &[fd, SIOCGIFFLAGS, ifr.as_mut_ptr() as i64]) {
            Ok(_) => {}
            Err(Errno::ENODEV) => return Ok(false),
            Err(x) => return Err(("SIOCGIFFLAGS eth0", -x.0)),
        }
        let v4 = match wire {
            Some(w) => w.v4,
            None => Some(ADDRESS),
        };
        if let Some((ip, prefix)) = v4 {
            let mask = (u32::MAX.checked_shl(32 - prefix as u32).unwrap_or(0)).to_be_bytes();
            for (req, ip, what) in [(SIOCSIFADDR, ip.octets(), "SIOCSIFADDR eth0"), (SIOCSIFNETMASK, mask, "SIOCSIFNETMASK eth0")] {
                let mut ifr = ifreq(b"eth0");
                ifr[UNION_AT..UNION_AT + 16].copy_from_slice(&sockaddr_in(ip));
                ioctl(fd, req, &mut ifr, what)?;
            }
        }
        set_up(fd, b"eth0")?;
        if wire.is_some() {
            return Ok(true);
        }
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
    if !present {
        return Ok(None);
    }
    let Some(w) = wire else {
        resolv_conf()?;
        return Ok(Some(String::from("10.0.2.15/24 via 10.0.2.2")));
    };
    if !w.v6.is_empty() {
        with_socket_of(AF_INET6, |fd| {
            let mut ifr = ifreq(b"eth0");
            ioctl(fd, SIOCGIFINDEX, &mut ifr, "SIOCGIFINDEX eth0")?;
            let index = &ifr[UNION_AT..UNION_AT + 4];
            for &(ip, prefix) in &w.v6 {
                let mut r = [0u8; IN6_IFREQ];
                r[..16].copy_from_slice(&ip.octets());
                r[16..20].copy_from_slice(&(prefix as u32).to_le_bytes());
                r[20..24].copy_from_slice(index);
                ioctl(fd, SIOCSIFADDR, &mut r, "SIOCSIFADDR eth0 (IPv6)")?;
            }
            Ok(())
        })?;
    }
    let v4 = w.v4.iter().map(|(a, p)| format!("{}/{}", a, p));
    let all: Vec<String> = v4.chain(w.v6.iter().map(|(a, p)| format!("{}/{}", a, p))).collect();
    Ok(Some(format!("{} on the wire", all.join(" "))))
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
