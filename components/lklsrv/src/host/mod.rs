//! The host half of the server: Linux's host operations (the contract in
//! `lkl/include/cellux/lkl_host.h`) built from the cellux kernel's
//! primitives. Each file has the name of its counterpart in the hosted
//! implementation (`lkl/src/host/`), so the same concept is found under the
//! same name on both hosts; `table` is the operations table Linux calls
//! through. What is only here: `tcb` (the server's per-thread state),
//! `fastpath` (process syscalls entering without the kernel, Ring 1),
//! `region` (where in the server region things are mapped),
//! `galloc` (Rust's allocator on the same heap), `irq`, `rtc` and
//! `virtio` (the machine's devices).
//!
//! # Safety
//! The `unsafe extern "C" fn` shims (in `table` and the files it calls)
//! are host operations Linux calls; what each may assume of its arguments
//! is the contract in `lkl/include/cellux/lkl_host.h`, as for the hosted
//! ones. Their `// SAFETY:` lines name the part of it they rely on, and a
//! function's own `# Safety` section adds only what it leaves out.

pub mod console;
pub mod counters;
pub mod fastpath;
pub mod galloc;
pub mod iomem;
pub mod irq;
pub mod mem;
pub mod region;
pub mod rtc;
pub mod sync;
pub mod table;
pub mod tcb;
pub mod thread;
pub mod timer;
pub mod tls;
pub mod uaccess;
pub mod virtio;
