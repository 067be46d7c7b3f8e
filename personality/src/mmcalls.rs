//! The memory system calls: Linux's rules come from [`AddressSpace`], and
//! the [`Effect`]s they produce are applied to the page table through
//! [`Memory`]. A failure to apply (out of memory) undoes the map change.

use alloc::vec::Vec;

use crate::addrspace::{map, prot, AddressSpace, Backing, Effect, PAGE_SIZE};
use linux_abi::TASK_SIZE_MAX;
use linux_abi::Errno;
use crate::forward::{Caller, Forward};
use crate::memory::Memory;

const MREMAP_MAYMOVE: u64 = 1;
const MREMAP_FIXED: u64 = 2;
const MADV_DONTNEED: u64 = 4;
const MADV_FREE: u64 = 8;
const MS_ASYNC: u64 = 1;
const MS_INVALIDATE: u64 = 2;
const MS_SYNC: u64 = 4;
/// Advice values Linux 6.12 knows (MADV_NORMAL..MADV_COLLAPSE, HWPOISON, SOFT_OFFLINE).
const MADV_KNOWN: &[u64] = &[0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 25, 100, 101];

fn page_up(x: u64) -> Option<u64> {
    x.checked_add(PAGE_SIZE - 1).map(|v| v & !(PAGE_SIZE - 1))
}

fn prot_of(v: u64) -> Result<u32, Errno> {
    u32::try_from(v).map_err(|_| Errno::EINVAL)
}

fn apply(
    effects: &[Effect],
    mem: &mut dyn Memory,
    fwd: &mut dyn Forward,
    caller: Caller,
) -> Result<(), Errno> {
    for e in effects {
        match *e {
            Effect::Map { start, end, prot, backing: Backing::File { file, offset } } => {
                mem.map(start, end, prot::READ | prot::WRITE)?;
                fill_from_file(mem, fwd, caller, start, end, file, offset)?;
                mem.protect(start, end, prot)?;
            }
            Effect::Map { start, end, prot, backing: Backing::SharedAnonymous } => mem.map_shared(start, end, prot)?,
            Effect::Map { start, end, prot, backing: Backing::SharedFile { file, offset } } => {
                mem.map_file(start, end, prot, file, offset)?
            }
            Effect::Map { start, end, prot, .. } => mem.map(start, end, prot)?,
            // Told first, as Linux notes its high-water marks (VmHWM,
            // VmPeak) before it unmaps.
            Effect::Unmap { start, end } => {
                mem.record(e);
                mem.unmap(start, end)
            }
            Effect::Protect { start, end, prot } => mem.protect(start, end, prot)?,
        }
        if !matches!(e, Effect::Unmap { .. }) {
            mem.record(e);
        }
    }
    Ok(())
}

/// How much of a private file mapping is backed ahead of each read of
/// its fill: the read's copy then stops at no page, and a file shorter
/// than the mapping leaves at most this much backed past its end.
const FILL_CHUNK: u64 = 1 << 20;

/// A private file mapping is a copy of the file's bytes, which Linux
/// reads straight into the new pages: a pread on the process's behalf per
/// chunk, into pages backed just before (a page-sized bounce through the
/// handler cost a Linux call and two kernel copies a page; a copy into
/// unbacked pages, a fault a page). Past the end of the file the pages
/// stay zero.
fn fill_from_file(
    mem: &mut dyn Memory,
    fwd: &mut dyn Forward,
    caller: Caller,
    start: u64,
    end: u64,
    fd: u64,
    offset: u64,
) -> Result<(), Errno> {
    let mut at = start;
    while at < end {
        let len = (end - at).min(FILL_CHUNK);
        mem.populate(at, at + len);
        let args = [fd, at, len, offset + (at - start), 0, 0];
        let n = Errno::result(fwd.syscall(caller, linux_abi::nr::PREAD64, args, mem))? as u64;
        at += n;
        // Short: the end of the file.
        if n < len {
            break;
        }
    }
    Ok(())
}

/// Without a Forward hook (brk, munmap, ...): effects never carry files.
struct NoFiles;
impl Forward for NoFiles {
    fn syscall(&mut self, _: Caller, _: i64, _: [u64; 6], _: &mut dyn Memory) -> i64 {
        Errno::ENOSYS.as_return()
    }
}

fn apply_plain(effects: &[Effect], mem: &mut dyn Memory) -> Result<(), Errno> {
    apply(effects, mem, &mut NoFiles, Caller { tid: 0 })
}

/// brk(2): the new break, or the old one if refused or out of memory.
pub fn brk(space: &mut AddressSpace, mem: &mut dyn Memory, requested: u64) -> u64 {
    let old = space.brk_current();
    let (new, effects) = space.brk(requested);
    if apply_plain(&effects, mem).is_err() {
        let (_, undo) = space.brk(old);
        let _ = apply_plain(&undo, mem);
        return old;
    }
    if new != old {
        mem.record_brk(new);
    }
    new
}

/// mmap(2)'s flags before MAP_SHARED_VALIDATE (include/linux/mman.h's
/// LEGACY_MAP_MASK): a shared file mapping validating its flags takes no
/// other (MAP_SYNC only for DAX files, which there are none of here).
const LEGACY_MAP_MASK: u32 = map::SHARED
    | map::PRIVATE
    | map::FIXED
    | map::ANONYMOUS
    | map::DENYWRITE
    | map::EXECUTABLE
    | linux_abi::consts::MAP_UNINITIALIZED as u32
    | map::GROWSDOWN
    | map::LOCKED
    | map::NORESERVE
    | map::POPULATE
    | map::NONBLOCK
    | map::STACK
    | map::HUGETLB;

/// do_mmap's checks of the file, in its order, with the file's open mode
/// as Linux's fcntl(F_GETFL) tells it: a closed fd (or an O_PATH one,
/// which fget refuses) is EBADF before anything else; a bad length or
/// mapping type EINVAL; unknown flags with MAP_SHARED_VALIDATE
/// EOPNOTSUPP; a file not open for reading EACCES. (A shared writable
/// mapping of a file not open for writing is refused by Linux's own
/// check when the page cache is asked for it, `Memory::map_file`.)
fn check_file(fwd: &mut dyn Forward, caller: Caller, mem: &mut dyn Memory, fd: u64, len: u64, flags: u32) -> Result<(), Errno> {
    use linux_abi::consts::{F_GETFL, O_ACCMODE, O_PATH, O_WRONLY};
    let mode = fwd.syscall(caller, linux_abi::nr::FCNTL, [fd, F_GETFL as u64, 0, 0, 0, 0], mem);
    if mode < 0 || mode & O_PATH != 0 {
        return Err(Errno::EBADF);
    }
    let kind = flags & map::TYPE;
    if len == 0 || !matches!(kind, map::SHARED | map::PRIVATE | map::SHARED_VALIDATE) {
        return Err(Errno::EINVAL);
    }
    if kind == map::SHARED_VALIDATE && flags & !LEGACY_MAP_MASK != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    if mode & O_ACCMODE == O_WRONLY {
        return Err(Errno::EACCES);
    }
    Ok(())
}

pub fn mmap(
    space: &mut AddressSpace,
    mem: &mut dyn Memory,
    fwd: &mut dyn Forward,
    caller: Caller,
    a: [u64; 6],
) -> Result<u64, Errno> {
    let (addr, len, prot, flags, fd, off) = (a[0], a[1], prot_of(a[2])?, prot_of(a[3])?, a[4], a[5]);
    let file = (flags & map::ANONYMOUS == 0).then_some(fd);
    if file.is_some() {
        check_file(fwd, caller, mem, fd, len, flags)?;
    }
    if !off.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let (at, effects) = space.mmap(addr, len, prot, flags, file, off)?;
    let mut done = apply(&effects, mem, fwd, caller);
    // MAP_LOCKED: Linux's mlock of the new mapping (its rules, VmLck,
    // the pages faulted in). Refused, the mapping goes again, as do_mmap
    // refuses it: EPERM without the right to lock, else EAGAIN (past
    // RLIMIT_MEMLOCK).
    if done.is_ok() && flags & map::LOCKED != 0 {
        done = match Errno::result(fwd.syscall(caller, linux_abi::nr::MLOCK, [at, len, 0, 0, 0, 0], mem)) {
            Ok(_) => Ok(()),
            Err(Errno::EPERM) => Err(Errno::EPERM),
            Err(_) => Err(Errno::EAGAIN),
        };
    }
    if let Err(e) = done {
        let len = page_up(len).unwrap_or(0);
        if let Ok(undo) = space.munmap(at, len) {
            let _ = apply_plain(&undo, mem);
        }
        return Err(e);
    }
    Ok(at)
}

pub fn munmap(space: &mut AddressSpace, mem: &mut dyn Memory, addr: u64, len: u64) -> Result<u64, Errno> {
    let effects = space.munmap(addr, len)?;
    apply_plain(&effects, mem).map(|()| 0)
}

pub fn mprotect(space: &mut AddressSpace, mem: &mut dyn Memory, addr: u64, len: u64, p: u64) -> Result<u64, Errno> {
    let prot = prot_of(p)?;
    if let Some(end) = page_up(len).and_then(|l| addr.checked_add(l)) {
        mem.may_protect(addr, end, prot)?;
    }
    let effects = space.mprotect(addr, len, prot)?;
    apply_plain(&effects, mem).map(|()| 0)
}

/// The protection of [start, end) if it is mapped without holes by
/// regions of one protection (Linux would see a single VMA).
fn one_mapping(space: &AddressSpace, start: u64, end: u64) -> Option<u32> {
    let (_, first) = space.find(start)?;
    let mut at = first.end;
    while at < end {
        let (_, r) = space.find(at)?;
        if r.prot != first.prot {
            return None;
        }
        at = r.end;
    }
    Some(first.prot)
}

/// mremap(2): shrink in place, grow in place when the pages above are
/// free, else move (MREMAP_MAYMOVE) or move to a given place (MREMAP_FIXED).
pub fn mremap(space: &mut AddressSpace, mem: &mut dyn Memory, a: [u64; 6]) -> Result<u64, Errno> {
    let (old, old_len, new_len, flags, new_addr) = (a[0], a[1], a[2], a[3], a[4]);
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED) != 0
        || (flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0)
        || !old.is_multiple_of(PAGE_SIZE)
    {
        return Err(Errno::EINVAL);
    }
    let old_len = page_up(old_len).ok_or(Errno::EINVAL)?;
    let new_len = page_up(new_len).filter(|&l| l != 0).ok_or(Errno::EINVAL)?;
    // Duplicating a private mapping (old_len 0) is not something Linux allows either.
    if old_len == 0 || new_len > TASK_SIZE_MAX {
        return Err(Errno::EINVAL);
    }
    let old_end = old.checked_add(old_len).filter(|&e| e <= TASK_SIZE_MAX).ok_or(Errno::EFAULT)?;
    let prot = one_mapping(space, old, old_end).ok_or(Errno::EFAULT)?;
    // Moving or growing a shared file mapping would need the file again
    // (its fd may be closed by now): not done here yet, said so.
    let shows_file = space.regions().any(|(s, r)| s < old_end && r.end > old && matches!(r.backing, Backing::SharedFile { .. }));
    if shows_file && (flags & MREMAP_FIXED != 0 || new_len > old_len) {
        return Err(Errno::ENOMEM);
    }

    if flags & MREMAP_FIXED != 0 {
        let dest_end = new_addr.checked_add(new_len).filter(|&e| e <= TASK_SIZE_MAX).ok_or(Errno::EINVAL)?;
        if !new_addr.is_multiple_of(PAGE_SIZE) || (new_addr < old_end && old < dest_end) {
            return Err(Errno::EINVAL);
        }
        munmap(space, mem, new_addr, new_len)?;
        return move_to(space, mem, old, old_len, new_len, prot, Some(new_addr));
    }
    if new_len <= old_len {
        if new_len < old_len {
            munmap(space, mem, old + new_len, old_len - new_len)?;
        }
        return Ok(old);
    }
    let grow_end = old.checked_add(new_len).filter(|&e| e <= TASK_SIZE_MAX);
    if let Some(grow_end) = grow_end.filter(|&e| space.is_free(old_end, e)) {
        mem.map(old_end, grow_end, prot)?;
        space.insert(old_end, grow_end, prot, Backing::Anonymous);
        mem.record(&Effect::Map { start: old_end, end: grow_end, prot, backing: Backing::Anonymous });
        return Ok(old);
    }
    if flags & MREMAP_MAYMOVE == 0 {
        return Err(Errno::ENOMEM);
    }
    move_to(space, mem, old, old_len, new_len, prot, None)
}

/// Moves a mapping: its pages go to a fresh one (`Memory::relocate`),
/// then the old is unmapped.
fn move_to(
    space: &mut AddressSpace,
    mem: &mut dyn Memory,
    old: u64,
    old_len: u64,
    new_len: u64,
    prot: u32,
    fixed: Option<u64>,
) -> Result<u64, Errno> {
    let rw = prot::READ | prot::WRITE;
    let flags = map::PRIVATE | map::ANONYMOUS | if fixed.is_some() { map::FIXED } else { 0 };
    let a = [fixed.unwrap_or(0), new_len, u64::from(rw), u64::from(flags), u64::MAX, 0];
    let dest = mmap(space, mem, &mut NoFiles, Caller { tid: 0 }, a)?;
    mem.relocate(old, dest, old_len.min(new_len))?;
    if prot != rw {
        mprotect(space, mem, dest, new_len, u64::from(prot))?;
    }
    munmap(space, mem, old, old_len)?;
    Ok(dest)
}

/// madvise(2): MADV_DONTNEED and MADV_FREE drop the contents (private
/// pages read back as zero); the other known advice changes nothing here.
pub fn madvise(space: &mut AddressSpace, mem: &mut dyn Memory, addr: u64, len: u64, advice: u64) -> Result<u64, Errno> {
    if !addr.is_multiple_of(PAGE_SIZE) || !MADV_KNOWN.contains(&advice) {
        return Err(Errno::EINVAL);
    }
    let end = page_up(len).and_then(|l| addr.checked_add(l)).ok_or(Errno::EINVAL)?;
    if end == addr {
        return Ok(0);
    }
    let mut covered = 0;
    let parts: Vec<(u64, u64)> = space
        .regions()
        .filter(|(s, r)| *s < end && r.end > addr)
        .map(|(s, r)| (s.max(addr), r.end.min(end)))
        .collect();
    for &(s, e) in &parts {
        covered += e - s;
        if advice == MADV_DONTNEED || advice == MADV_FREE {
            mem.zero(s, e)?;
        }
    }
    if covered != end - addr {
        return Err(Errno::ENOMEM);
    }
    Ok(0)
}

/// msync(2), with Linux's checks (mm/msync.c): flags known and not both
/// MS_ASYNC and MS_SYNC, `addr` page aligned, and the range mapped
/// (ENOMEM otherwise, after syncing what is). Only shared file mappings
/// have anything to write back.
pub fn msync(space: &mut AddressSpace, mem: &mut dyn Memory, addr: u64, len: u64, flags: u64) -> Result<u64, Errno> {
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || (flags & MS_ASYNC != 0 && flags & MS_SYNC != 0)
        || !addr.is_multiple_of(PAGE_SIZE)
    {
        return Err(Errno::EINVAL);
    }
    let end = page_up(len).and_then(|l| addr.checked_add(l)).ok_or(Errno::ENOMEM)?;
    if end == addr {
        return Ok(0);
    }
    let mut covered = 0;
    let parts: Vec<(u64, u64, Backing)> = space
        .regions()
        .filter(|(s, r)| *s < end && r.end > addr)
        .map(|(s, r)| (s.max(addr), r.end.min(end), r.backing))
        .collect();
    for &(s, e, backing) in &parts {
        covered += e - s;
        if matches!(backing, Backing::SharedFile { .. }) {
            mem.sync(s, e, flags & MS_SYNC != 0)?;
        }
    }
    if covered != end - addr {
        return Err(Errno::ENOMEM);
    }
    Ok(0)
}
