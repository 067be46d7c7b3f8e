//! Typed arguments of kernel operations, after Hubris's one argument
//! struct per syscall class (`sys/kern/src/syscalls.rs`). `ops.rs` declares
//! each operation with its struct and the register each field travels in;
//! that declaration is the only place a register position is written.
//! The kernel builds the struct from the trapped registers
//! (`Args::from_regs`), `components/rt` builds the registers from the
//! struct (`Args::regs`), so the two sides can not disagree.

/// The argument registers of `syscall`, by name (rax carries
/// `cap << 16 | op`, see `ops::encode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub r10: u64,
    pub r8: u64,
    pub r9: u64,
}

impl Regs {
    pub const ZERO: Regs = Regs { rdi: 0, rsi: 0, rdx: 0, r10: 0, r8: 0, r9: 0 };

    /// In the order the `syscall` stub loads them: rdi, rsi, rdx, r10, r8, r9.
    pub const fn to_array(self) -> [u64; 6] {
        [self.rdi, self.rsi, self.rdx, self.r10, self.r8, self.r9]
    }
}

/// The arguments of one operation.
pub trait Args: Copy {
    /// Its operation code (the low 16 bits of rax).
    const OP: u16;
    fn from_regs(r: &Regs) -> Self;
    fn regs(&self) -> Regs;
}

/// Declares a module of operation codes on one kind of capability and,
/// for each, its argument struct: `CODE = n => Name { field: register }`.
/// A register named twice in one struct fails to compile.
macro_rules! kernel_ops {
    (
        $(#[$mdoc:meta])*
        pub mod $m:ident {
            $(
                $(#[$doc:meta])*
                $code:ident = $n:literal => $name:ident { $( $(#[$fdoc:meta])* $field:ident: $reg:ident ),* $(,)? }
            )*
        }
    ) => {
        $(#[$mdoc])*
        pub mod $m {
            #[allow(unused_imports)]
            use $crate::args::{Args, Regs};
            $(
                $(#[$doc])*
                pub const $code: u16 = $n;

                #[doc = concat!("Arguments of [`", stringify!($code), "`].")]
                #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
                pub struct $name {
                    $(
                        $(#[$fdoc])*
                        #[doc = concat!("(", stringify!($reg), ")")]
                        pub $field: u64,
                    )*
                }

                impl Args for $name {
                    const OP: u16 = $code;
                    #[inline(always)]
                    fn from_regs(_r: &Regs) -> Self {
                        Self { $( $field: _r.$reg, )* }
                    }
                    #[inline(always)]
                    #[allow(clippy::needless_update)]
                    fn regs(&self) -> Regs {
                        Regs { $( $reg: self.$field, )* ..Regs::ZERO }
                    }
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{captbl_op::NewComp, captbl_op::NewThd, pgtbl_op::Map};

    #[test]
    fn new_comp_takes_kmem_in_r10_and_flags_in_r8() {
        let a = NewComp { slot: 1, captbl: 2, pgtbl: 3, kmem: 4, flags: 5 };
        assert_eq!(a.regs(), Regs { rdi: 1, rsi: 2, rdx: 3, r10: 4, r8: 5, r9: 0 });
        assert_eq!(NewComp::from_regs(&a.regs()), a);
    }

    #[test]
    fn regs_round_trip_in_stub_order() {
        let a = NewThd { slot: 1, comp: 2, kmem: 3, entry: 4, arg: 5, sched: 6 };
        assert_eq!(a.regs().to_array(), [1, 2, 3, 4, 5, 6]);
        let m = Map { va: 0x1000, kmem: 7, perms: 1, pages: 2 };
        assert_eq!(Map::from_regs(&m.regs()), m);
    }
}
