//! Error codes returned in rax (as negative values) by every operation.

/// An operation's failure. `as_ret` is what user level sees in rax.
#[repr(i64)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The capability slot is empty, out of range, or not of the kind the operation needs.
    NoCap = 1,
    /// The operation code does not exist for this capability kind.
    BadOp = 2,
    /// An argument is out of range (address, slot, flags, size).
    Inval = 3,
    /// The destination slot is already occupied.
    Busy = 4,
    /// Memory is of the wrong type for the operation (e.g. not retyped to kernel).
    BadType = 5,
    /// The memory or object is still referenced (mapped, or used by an object).
    InUse = 6,
    /// An intermediate page-table level is missing: construct it first.
    NoTable = 7,
    /// The address is already mapped.
    Mapped = 8,
    /// The address is not mapped.
    NotMapped = 9,
    /// Invocation or exception nesting is too deep.
    Depth = 10,
    /// No exception frame / no invocation to return from.
    NoFrame = 11,
    /// Would block and the caller asked not to.
    Again = 12,
    /// A blocking receive ended because of its timeout.
    Timeout = 13,
    /// The invoked component faulted and had no exception handler.
    Fault = 14,
    /// The target thread is in a state that does not allow the operation.
    ThreadState = 15,
    /// A user buffer is not mapped or not accessible with the needed rights.
    BadAddr = 16,
    /// Out of thread ids.
    NoTid = 17,
}

impl Error {
    pub const fn as_ret(self) -> i64 {
        -(self as i64)
    }

    /// Decodes a negative return value; `None` for success values.
    pub fn from_ret(v: i64) -> Option<Error> {
        use Error::*;
        const ALL: [Error; 17] = [
            NoCap, BadOp, Inval, Busy, BadType, InUse, NoTable, Mapped, NotMapped, Depth, NoFrame,
            Again, Timeout, Fault, ThreadState, BadAddr, NoTid,
        ];
        if v >= 0 {
            return None;
        }
        ALL.iter().copied().find(|e| e.as_ret() == v)
    }
}

pub type KResult<T> = Result<T, Error>;
