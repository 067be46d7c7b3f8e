//! The server's start, after Linux is up: the boot archive it takes test
//! images and the command from, the root disk mounted as `/` with the
//! filesystems a Linux system expects, and the loopback interface up.

pub mod archive;
pub mod loopback;
pub mod rootdisk;
