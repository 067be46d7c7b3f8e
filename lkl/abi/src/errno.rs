//! Linux error numbers as a typed value, the one `Errno` of cellux: lkl's
//! calls into Linux report it, and the personality and the server return
//! it to a process (`as_return`). The constants (`Errno::ENOENT`...) and
//! `Errno::name` are generated from the uapi headers (see build.rs).

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

    /// The value a syscall returns in rax for this error.
    pub const fn as_return(self) -> i64 {
        -self.0
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

impl core::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::Errno;

    #[test]
    fn raw_returns_split_into_values_and_errors() {
        assert_eq!(Errno::result(5), Ok(5));
        assert_eq!(Errno::result(-2), Err(Errno::ENOENT));
        assert_eq!(Errno::result(-4095), Err(Errno(4095)));
        // Large negative values are results (e.g. addresses), not errors.
        assert_eq!(Errno::result(-4096), Ok(-4096));
        assert_eq!(Errno::EINVAL.as_return(), -22);
    }

    #[test]
    fn names_come_from_the_uapi_headers() {
        assert_eq!(Errno::EFAULT.0, 14);
        assert_eq!(Errno::EFAULT.name(), Some("EFAULT"));
        assert_eq!(std::format!("{}", Errno::ENOSYS), "ENOSYS");
        assert_eq!(std::format!("{:?}", Errno(9999)), "Errno(9999)");
    }
}
