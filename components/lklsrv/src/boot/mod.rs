//! The server's start, after Linux is up: the boot archive it takes test
//! images and the command from, the root disk mounted as `/` with the
//! filesystems a Linux system expects, the loopback interface up, and
//! eth0 configured when the machine has a NIC.

pub mod archive;
pub mod crashtest;
pub mod net;
pub mod rootdisk;
