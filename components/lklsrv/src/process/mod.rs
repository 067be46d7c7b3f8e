//! The process half of the server: serving Linux processes. A process
//! thread's trap (`trap`) finds its process (`table`) and thread
//! (`threads`) records and follows the route the personality's table names
//! (`cellux_personality::route`): process lifecycle here (`fork`, `exec`,
//! exit), address-space calls in the personality, signal return in the
//! process library, everything else in Linux (`forward`). `sigkick` makes a
//! thread busy in user mode trap for a signal; `oneshot` starts the first
//! process and `output` carries its output to scripts/run. Nothing here
//! touches hardware or memory directly: that is the host half's, and the
//! compiler holds this half to it.
#![forbid(unsafe_code)]

pub mod exec;
pub mod fork;
pub mod forward;
pub mod oneshot;
pub mod output;
pub mod pagecache;
pub mod record;
pub mod remote;
pub mod sigkick;
pub mod table;
pub mod threads;
pub mod trap;
pub mod userpages;
pub mod vmas;
