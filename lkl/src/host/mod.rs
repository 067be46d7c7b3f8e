//! The hosted host operations: Linux running inside an ordinary Linux
//! process on std and pthreads. `ops()` builds the table; `Boot` adds
//! block devices and starts Linux with it.
//!
//! # Safety
//! The `unsafe extern "C" fn`s in these files are host operations Linux
//! calls through the `ops()` table. What each may assume of its arguments
//! (live handles Linux got from us, readable or writable buffers of the
//! stated length, one caller at a time where Linux serialises) is the
//! contract in `lkl/include/cellux/lkl_host.h`; a function's own `# Safety`
//! section adds only what that contract leaves out.

pub mod boot;
pub mod console;
mod counters;
pub mod disk;
pub mod iomem;
mod mem;
mod sync;
mod table;
pub mod thread;
mod timer;
mod tls;
mod uaccess;

pub use boot::Boot;
pub use table::ops;
