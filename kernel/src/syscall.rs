//! The system-call dispatcher. The ABI mark of the component the thread
//! executes in decides: Linux-ABI components' `syscall` is an exception
//! for their handler; everyone else's is a capability operation decoded
//! from rax. Every argument is untrusted; every failure is an error code.

use crate::captbl::{self, Cap};
use crate::thread::{self, InvFrame, InvKind, State, MAX_DEPTH};
use crate::arch::trap::{Frame, VEC_IRET};
use crate::{comp, exception, hw, mem, obj, pgtbl, sched, uaccess};
use cellux_abi::err::{Error, KResult};
use cellux_abi::layout::USER_END;
use cellux_abi::ops::{self, *};
use cellux_kerncore::retype::{Obj, Ty};

#[link_section = ".text.hot"]
pub fn dispatch(f: &mut Frame) {
    let t = sched::current();
    let th = thread::get(t);
    let c = thread::current_comp(th);
    if comp::get(c).linux_abi {
        exception::deliver(f, 0);
        return;
    }
    let (cap, op) = ops::decode(f.rax);
    let r = if cap == 0 { self_op(f, op) } else { cap_op(f, c, cap, op) };
    match r {
        Ok(Some(v)) => f.rax = v,
        Ok(None) => {}
        Err(e) => f.rax = e.as_ret() as u64,
    }
}

/// Ok(Some(v)): rax = v. Ok(None): the op already set up the frame
/// (a switch, an upcall or a return happened).
type OpResult = KResult<Option<u64>>;

#[link_section = ".text.hot"]
fn self_op(f: &mut Frame, op: u16) -> OpResult {
    match op {
        self_op::RET => sinv_return(f),
        self_op::RCV => rcv(f),
        self_op::EXIT => {
            sched::exit_current();
            Ok(None)
        }
        self_op::EXC_RESUME => exception::resume(f, None).map(|_| None),
        self_op::EXC_RESUME_RAX => exception::resume(f, Some(f.rdi)).map(|_| None),
        self_op::EXC_END => exception::end(f, f.rdi).map(|_| None),
        self_op::EXC_REGS_READ => {
            let s = exception::saved(sched::current())?;
            let r = exc_regs(s);
            uaccess::write_user(f.rdi, as_bytes(&r))?;
            Ok(Some(0))
        }
        self_op::EXC_REGS_WRITE => {
            let s = exception::saved(sched::current())?;
            let mut r = cellux_abi::regs::UserRegs::default();
            uaccess::read_user(f.rdi, as_bytes_mut(&mut r))?;
            if r.rip >= USER_END || !sched::is_canonical(r.rsp) || !sched::is_canonical(r.fs_base) || !sched::is_canonical(r.gs_base) {
                return Err(Error::Inval);
            }
            set_exc_regs(s, &r);
            Ok(Some(0))
        }
        self_op::EXC_FPU_READ => {
            let s = exception::saved(sched::current())?;
            uaccess::write_user(f.rdi, &s.fpu.0)?;
            Ok(Some(0))
        }
        self_op::EXC_FPU_WRITE => {
            let s = exception::saved(sched::current())?;
            let mut img = thread::Fpu([0; 512]);
            uaccess::read_user(f.rdi, &mut img.0)?;
            crate::arch::fpu::sanitize(&mut img);
            s.fpu = img;
            Ok(Some(0))
        }
        self_op::NOP => Ok(Some(0)),
        self_op::SWITCH_TID => {
            let t = scheduled_by_me(f.rdi)?;
            switch(f, t, f.rsi)
        }
        self_op::WAKE_TID => wake(scheduled_by_me(f.rdi)?),
        _ => Err(Error::BadOp),
    }
}

/// The thread with id `tid`, if it reports to the calling thread.
fn scheduled_by_me(tid: u64) -> KResult<u64> {
    let t = thread::by_tid(tid).ok_or(Error::Inval)?;
    if thread::get(t).sched != sched::current() {
        return Err(Error::NoCap);
    }
    Ok(t)
}

fn switch(f: &mut Frame, t: u64, flags: u64) -> OpResult {
    if thread::get(t).state != State::Runnable || t == sched::current() {
        return Err(Error::ThreadState);
    }
    if flags & SWITCH_FAIL_IF_PENDING != 0 && sched::has_work(sched::current()) {
        return Err(Error::Busy);
    }
    f.rax = 0;
    sched::switch_to(t);
    Ok(None)
}

fn wake(t: u64) -> OpResult {
    let th = thread::get(t);
    if th.state != State::Blocked {
        return Err(Error::ThreadState);
    }
    th.state = State::Runnable;
    Ok(Some(0))
}

fn as_bytes<T>(v: &T) -> &[u8] {
    // SAFETY: T is a repr(C) struct of u64 fields (UserRegs): no padding.
    unsafe { core::slice::from_raw_parts(v as *const T as *const u8, core::mem::size_of::<T>()) }
}
fn as_bytes_mut<T>(v: &mut T) -> &mut [u8] {
    // SAFETY: as as_bytes; every bit pattern is a valid UserRegs.
    unsafe { core::slice::from_raw_parts_mut(v as *mut T as *mut u8, core::mem::size_of::<T>()) }
}

fn exc_regs(s: &thread::ExcSave) -> cellux_abi::regs::UserRegs {
    let g = &s.regs;
    cellux_abi::regs::UserRegs {
        rax: g.rax, rbx: g.rbx, rcx: g.rcx, rdx: g.rdx, rsi: g.rsi, rdi: g.rdi, rbp: g.rbp, rsp: g.rsp,
        r8: g.r8, r9: g.r9, r10: g.r10, r11: g.r11, r12: g.r12, r13: g.r13, r14: g.r14, r15: g.r15,
        rip: g.rip, rflags: g.rflags, fs_base: s.fs_base, gs_base: s.gs_base,
        // VEC_IRET (a rewritten syscall frame) still reads as the syscall.
        vector: if g.vector <= cellux_abi::ops::VEC_INTERRUPT { g.vector } else { cellux_abi::ops::VEC_SYSCALL },
        error: g.error, fault_addr: s.cr2,
    }
}

fn set_exc_regs(s: &mut thread::ExcSave, r: &cellux_abi::regs::UserRegs) {
    let g = &mut s.regs;
    (g.rax, g.rbx, g.rcx, g.rdx, g.rsi, g.rdi, g.rbp, g.rsp) = (r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp);
    (g.r8, g.r9, g.r10, g.r11, g.r12, g.r13, g.r14, g.r15) = (r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15);
    g.rip = r.rip;
    g.rflags = cellux_abi::regs::sanitize_rflags(r.rflags);
    // Every register is now meaningful (rcx/r11 too): return with iretq.
    if g.vector == cellux_abi::ops::VEC_SYSCALL {
        g.vector = VEC_IRET;
    }
    s.fs_base = r.fs_base;
    s.gs_base = r.gs_base;
}

#[link_section = ".text.hot"]
fn sinv_call(f: &mut Frame, cap: Cap) -> OpResult {
    let t = sched::current();
    let th = thread::get(t);
    if th.depth == MAX_DEPTH {
        return Err(Error::Depth);
    }
    obj::get(cap.a)?;
    let sp = thread::entry_sp(th, cap.a, f.rsp);
    th.inv[th.depth] = InvFrame { comp: cap.a, kind: InvKind::Sinv, ret_rip: f.rip, ret_rsp: f.rsp, ret_rflags: f.rflags };
    th.depth += 1;
    f.rip = cap.b;
    f.rflags = 0x202;
    f.rbx = upcall::SINV;
    f.r14 = th.tid;
    f.r15 = cap.c;
    f.rbp = 0;
    f.r12 = 0;
    f.r13 = 0;
    f.rsp = sp;
    sched::load_space(t);
    Ok(None)
}

#[link_section = ".text.hot"]
fn sinv_return(f: &mut Frame) -> OpResult {
    let t = sched::current();
    let th = thread::get(t);
    if th.depth < 2 || th.inv[th.depth - 1].kind != InvKind::Sinv {
        return Err(Error::NoFrame);
    }
    th.depth -= 1;
    let fr = th.inv[th.depth];
    obj::put(fr.comp);
    f.rip = fr.ret_rip;
    f.rsp = fr.ret_rsp;
    f.rflags = fr.ret_rflags;
    f.rax = 0;
    sched::load_space(t);
    Ok(None)
}

fn rcv(f: &mut Frame) -> OpResult {
    let t = sched::current();
    if sched::has_work(t) {
        sched::complete_rcv(t);
        return Ok(None);
    }
    if f.rdi & RCV_NONBLOCK != 0 {
        return Err(Error::Again);
    }
    let th = thread::get(t);
    th.state = State::Blocked;
    th.timeout = f.rsi;
    // What the thread sees if its scheduler ends the wait (THD_WAKE).
    f.rax = Error::Timeout.as_ret() as u64;
    let s = th.sched;
    sched::post_event(s, t, EVT_BLOCKED);
    sched::run_next(s);
    Ok(None)
}

#[link_section = ".text.hot"]
fn cap_op(f: &mut Frame, c: u64, cap: u64, op: u16) -> OpResult {
    let ct = comp::get(c).captbl;
    let k = captbl::lookup(ct, cap)?;
    match k.kind {
        CapKind::Sinv => sinv_call(f, k),
        CapKind::Captbl => captbl_op(f, ct, k.a, op),
        CapKind::Pgtbl => pgtbl_op(f, ct, k.a, op),
        CapKind::Untyped => untyped_op(f, k, op),
        CapKind::Comp => comp_op(f, ct, k.a, op),
        CapKind::Thd => thd_op(f, k.a, op),
        CapKind::Asnd => asnd(f, k.a, op),
        CapKind::Hw => hw::op(f, ct, op),
        CapKind::Free => Err(Error::NoCap),
    }
}

/// A kernel frame named by (untyped cap, physical address): the cap must
/// be held and cover the frame.
pub fn kmem(ct: u64, v: u64) -> KResult<u64> {
    let (cap, pa) = kmem_split(v);
    let u = captbl::lookup_kind(ct, cap, CapKind::Untyped)?;
    if pa & 0xfff != 0 || pa < u.a || pa >= u.a + u.b * 4096 {
        return Err(Error::Inval);
    }
    Ok(pa)
}

fn new_obj(ct: u64, kmem_arg: u64, kind: Obj) -> KResult<u64> {
    let kf = kmem(ct, kmem_arg)?;
    obj::make(kf, kind)?;
    Ok(kf)
}

#[inline(never)]
#[cold]
fn captbl_op(f: &mut Frame, own: u64, target: u64, op: u16) -> OpResult {
    let slot = f.rdi;
    match op {
        ct_op::NEW_CAPTBL => {
            captbl::check_free(target, slot)?;
            let pages = f.rdx.max(1);
            let first = kmem(own, f.rsi)?;
            let last = first.checked_add((pages.min(cellux_kerncore::slots::MAX_PAGES) - 1) * 4096).ok_or(Error::Inval)?;
            // Every frame of the table must be covered by the untyped cap.
            kmem(own, ops::kmem((f.rsi >> 48) as u32, last))?;
            captbl::new(first, pages)?;
            captbl::insert_owned(target, slot, Cap::new(CapKind::Captbl, first, 0, 0))?;
            Ok(Some(0))
        }
        ct_op::NEW_PGTBL => {
            captbl::check_free(target, slot)?;
            let o = new_obj(own, f.rsi, Obj::PtRoot)?;
            pgtbl::init_root(o);
            captbl::insert_owned(target, slot, Cap::new(CapKind::Pgtbl, o, 0, 0))?;
            Ok(Some(0))
        }
        ct_op::NEW_COMP => {
            captbl::check_free(target, slot)?;
            let ctc = captbl::lookup_kind(own, f.rsi, CapKind::Captbl)?;
            let ptc = captbl::lookup_kind(own, f.rdx, CapKind::Pgtbl)?;
            let o = new_obj(own, f.r10, Obj::Comp)?;
            obj::get(ctc.a)?;
            if let Err(e) = obj::get(ptc.a) {
                obj::put(ctc.a);
                obj::put(o);
                return Err(e);
            }
            let cm = comp::get(o);
            cm.captbl = ctc.a;
            cm.pgtbl = ptc.a;
            cm.linux_abi = f.r8 & COMP_LINUX_ABI != 0;
            captbl::insert_owned(target, slot, Cap::new(CapKind::Comp, o, 0, 0))?;
            Ok(Some(0))
        }
        ct_op::NEW_THD => {
            captbl::check_free(target, slot)?;
            let cc = captbl::lookup_kind(own, f.rsi, CapKind::Comp)?;
            let entry = f.r10;
            if entry >= USER_END {
                return Err(Error::Inval);
            }
            // By default a thread reports to its creator's scheduler, so a
            // thread never ends up with no one to run when it blocks or dies.
            let sched = if f.r9 == 0 { thread::get(sched::current()).sched } else { captbl::lookup_kind(own, f.r9, CapKind::Thd)?.a };
            let o = new_obj(own, f.rdx, Obj::Thd)?;
            match thread::init(o, cc.a, entry, f.r8, sched) {
                Ok(tid) => {
                    captbl::insert_owned(target, slot, Cap::new(CapKind::Thd, o, 0, 0))?;
                    sched::post_event(sched, o, EVT_WOKEN);
                    Ok(Some(tid))
                }
                Err(e) => {
                    obj::put(o);
                    Err(e)
                }
            }
        }
        ct_op::NEW_SINV => {
            let cc = captbl::lookup_kind(own, f.rsi, CapKind::Comp)?;
            if f.rdx >= USER_END {
                return Err(Error::Inval);
            }
            captbl::insert(target, slot, Cap::new(CapKind::Sinv, cc.a, f.rdx, f.r10))?;
            Ok(Some(0))
        }
        ct_op::NEW_ASND => {
            let tc = captbl::lookup_kind(own, f.rsi, CapKind::Thd)?;
            captbl::insert(target, slot, Cap::new(CapKind::Asnd, tc.a, 0, 0))?;
            Ok(Some(0))
        }
        ct_op::COPY => {
            let src = captbl::lookup(own, f.rsi)?;
            captbl::insert(target, slot, src)?;
            Ok(Some(0))
        }
        ct_op::REMOVE => captbl::remove(target, slot).map(|_| Some(0)),
        ct_op::NEW_UNTYPED => {
            let u = captbl::lookup_kind(own, f.rsi, CapKind::Untyped)?;
            let (first, n) = (f.rdx, f.r10);
            let end = first.checked_add(n.checked_mul(4096).ok_or(Error::Inval)?).ok_or(Error::Inval)?;
            if first & 0xfff != 0 || n == 0 || first < u.a || end > u.a + u.b * 4096 {
                return Err(Error::Inval);
            }
            captbl::insert(target, slot, Cap::new(CapKind::Untyped, first, n, 0))?;
            Ok(Some(0))
        }
        ct_op::KIND => Ok(Some(captbl::lookup(target, slot).map(|c| c.kind as u64).unwrap_or(0))),
        _ => Err(Error::BadOp),
    }
}

#[inline(never)]
#[cold]
fn pgtbl_op(f: &mut Frame, own: u64, root: u64, op: u16) -> OpResult {
    match op {
        pt_op::MAP => {
            let first = kmem(own, f.rsi)?;
            let (va, perms, n) = (f.rdi, f.rdx, f.r10);
            if n == 0 || n > 1 << 20 {
                return Err(Error::Inval);
            }
            for i in 0..n {
                if let Err(e) = pgtbl::map(root, va.wrapping_add(i * 4096), first + i * 4096, perms, false) {
                    f.rdi = i;
                    return Err(e);
                }
                // The untyped cap covers the first frame; keep each inside it.
                if i + 1 < n && kmem(own, ops::kmem((f.rsi >> 48) as u32, first + (i + 1) * 4096)).is_err() {
                    f.rdi = i + 1;
                    return Err(Error::Inval);
                }
            }
            f.rdi = n;
            Ok(Some(n))
        }
        pt_op::UNMAP => {
            let (va, n) = (f.rdi, f.rsi);
            if n > 1 << 20 {
                return Err(Error::Inval);
            }
            for i in 0..n {
                pgtbl::unmap(root, va.wrapping_add(i * 4096))?;
            }
            Ok(Some(0))
        }
        pt_op::CONS => {
            let kf = kmem(own, f.rsi)?;
            pgtbl::cons(root, f.rdi, kf).map(Some)
        }
        pt_op::COPY => {
            let r = uaccess::copy_between(root, f.rdi, f.rsi, f.rdx, f.r10 == COPY_FROM_PT)?;
            f.rax = r.bytes;
            f.rdi = r.at;
            f.rsi = r.side as u64;
            Ok(None)
        }
        pt_op::LOOKUP => {
            let e = pgtbl::lookup(root, f.rdi).ok_or(Error::NotMapped)?;
            f.rax = e & cellux_kerncore::pte::ADDR;
            f.rdi = cellux_kerncore::pte::perms_of(e);
            Ok(None)
        }
        _ => Err(Error::BadOp),
    }
}

#[inline(never)]
#[cold]
fn untyped_op(f: &mut Frame, u: Cap, op: u16) -> OpResult {
    match op {
        ut_op::RETYPE => {
            let (first, n) = (f.rdi, f.rsi);
            let end = n.checked_mul(4096).and_then(|b| first.checked_add(b)).ok_or(Error::Inval)?;
            if first < u.a || end > u.a + u.b * 4096 {
                return Err(Error::Inval);
            }
            let to = match f.rdx {
                RETYPE_UNTYPED => Ty::Untyped,
                RETYPE_USER => Ty::User,
                RETYPE_KERNEL => Ty::Kernel,
                _ => return Err(Error::Inval),
            };
            mem::table().retype(first, n, to)?;
            if to == Ty::User {
                // A frame must not carry data from its previous owner.
                for i in 0..n {
                    mem::zero_frame(first + i * 4096);
                }
            }
            Ok(Some(0))
        }
        ut_op::INFO => {
            f.rdi = u.b;
            Ok(Some(u.a))
        }
        ut_op::FRAME_INFO => {
            if f.rdi < u.a || f.rdi >= u.a + u.b * 4096 {
                return Err(Error::Inval);
            }
            let t = mem::table();
            let ty = t.ty(f.rdi & !0xfff) as u64;
            f.rdi = t.refs(f.rdi & !0xfff);
            Ok(Some(ty))
        }
        _ => Err(Error::BadOp),
    }
}

#[inline(never)]
#[cold]
fn comp_op(f: &mut Frame, own: u64, c: u64, op: u16) -> OpResult {
    match op {
        comp_op::SET_HANDLER => {
            let cm = comp::get(c);
            let (hc, entry, token) = if f.rdi == 0 {
                (0, 0, 0)
            } else {
                let s = captbl::lookup_kind(own, f.rdi, CapKind::Sinv)?;
                obj::get(s.a)?;
                (s.a, s.b, s.c)
            };
            let old = core::mem::replace(&mut cm.handler_comp, hc);
            cm.handler_entry = entry;
            cm.handler_token = token;
            if old != 0 {
                obj::put(old);
            }
            Ok(Some(0))
        }
        _ => Err(Error::BadOp),
    }
}

#[inline(never)]
#[cold]
fn thd_op(f: &mut Frame, t: u64, op: u16) -> OpResult {
    let th = thread::get(t);
    match op {
        thd_op::SWITCH => switch(f, t, f.rdi),
        thd_op::WAKE => wake(t),
        thd_op::SET_FSBASE => {
            if !sched::is_canonical(f.rdi) {
                return Err(Error::Inval);
            }
            if t == sched::current() {
                let (_, gs) = sched::fsgs();
                sched::wrfsbase(f.rdi, gs);
            } else {
                th.fs_base = f.rdi;
            }
            Ok(Some(0))
        }
        thd_op::TID => Ok(Some(th.tid)),
        thd_op::STATE => Ok(Some(if t == sched::current() { THD_RUNNING } else { th.state as u64 })),
        thd_op::INTERRUPT => exception::interrupt(t).map(Some),
        _ => Err(Error::BadOp),
    }
}

fn asnd(f: &mut Frame, t: u64, op: u16) -> OpResult {
    if op != asnd_op::SEND {
        return Err(Error::BadOp);
    }
    let th = thread::get(t);
    if th.state == State::Dead {
        return Err(Error::ThreadState);
    }
    th.pending += 1;
    if th.state == State::Blocked {
        sched::complete_rcv(t);
        sched::post_event(th.sched, t, EVT_WOKEN);
        if f.rdi & ASND_YIELD != 0 && t != sched::current() {
            f.rax = 0;
            sched::switch_to(t);
            return Ok(None);
        }
    }
    Ok(Some(0))
}
