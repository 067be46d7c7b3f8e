//! Linux error numbers as a typed value. The constants (`Errno::ENOENT`...)
//! and `Errno::name` are generated from the uapi headers (see `linux`).

use core::fmt;

/// A positive Linux errno, as a syscall returns it negated.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i64);

impl Errno {
    /// Splits a raw syscall return: negative values in -4095..=-1 are
    /// errors, as in Linux's own `IS_ERR_VALUE`.
    pub fn result(ret: i64) -> Result<i64, Errno> {
        if (-4095..0).contains(&ret) {
            Err(Errno(-ret))
        } else {
            Ok(ret)
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n}"),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Errno {}
