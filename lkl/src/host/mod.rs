//! The hosted host operations: Linux running inside an ordinary Linux
//! process on std and pthreads. `ops()` builds the table; `Boot` adds
//! block devices and starts Linux with it.

pub mod boot;
pub mod console;
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
