//! Building a process from a static ELF image in our memory: a fresh
//! component (`proc::shell`) whose page table gets the segments copied in
//! with their protections and a stack holding Linux's initial stack.

use alloc::vec;
use alloc::vec::Vec;
use cellux_abi::err::Error;
use cellux_abi::ops::{PERM_EXEC, PERM_WRITE};
use cellux_loader::elf::{self, ElfError, Executable};
use cellux_loader::stack::{self, StackError, Startup};
use cellux_personality::addrspace::{prot, AddressSpace, Backing, PAGE_SIZE as PAGE};
use cellux_personality::dispatch::Process;
use linux_abi::Errno;
use cellux_personality::memory::Memory;
use core::fmt;

use crate::pages::Pages;
use crate::proc::Proc;

/// The stack's top (exclusive) and its size (backed as touched).
pub const STACK_TOP: u64 = linux_abi::TASK_SIZE_MAX;
pub const STACK_SIZE: u64 = 512 * 1024;
/// Room the initial stack (strings, vectors) may take.
const ARGS_MAX: usize = 64 * 1024;
/// Linux keeps a 128 MiB gap below the stack before the mmap area.
const MMAP_BASE: u64 = STACK_TOP - (128 << 20);

pub struct Spec<'a> {
    pub image: &'a [u8],
    pub argv: &'a [&'a [u8]],
    pub envp: &'a [&'a [u8]],
    pub execfn: &'a [u8],
    /// Linux pid (= tid of its thread).
    pub pid: u64,
    /// Slot in our table of the exception gate the process traps to.
    pub gate: u32,
    /// What Linux's exec made of the credentials (the auxiliary vector's).
    pub creds: linux_abi::ExecCreds,
}

#[derive(Debug)]
pub enum SpawnError {
    /// The image is refused (ENOEXEC).
    Exec(ElfError),
    /// Arguments do not fit or hold a NUL (E2BIG, EINVAL).
    Stack(StackError),
    /// A kernel operation failed (out of memory or slots).
    Kernel(Error),
    Memory(Errno),
}

impl SpawnError {
    /// What execve returns for it.
    pub fn errno(&self) -> Errno {
        match self {
            SpawnError::Exec(e) => e.errno(),
            SpawnError::Stack(e) => e.errno(),
            SpawnError::Kernel(_) => Errno::ENOMEM,
            SpawnError::Memory(e) => *e,
        }
    }
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Exec(e) => write!(f, "exec format error: {e}"),
            SpawnError::Stack(e) => write!(f, "{e}"),
            SpawnError::Kernel(e) => write!(f, "kernel refused building the process: {e:?}"),
            SpawnError::Memory(e) => write!(f, "out of memory building the process (errno {})", e.0),
        }
    }
}

impl From<Error> for SpawnError {
    fn from(e: Error) -> Self {
        SpawnError::Kernel(e)
    }
}

impl From<Errno> for SpawnError {
    fn from(e: Errno) -> Self {
        SpawnError::Memory(e)
    }
}

fn perms(p: elf::Prot) -> u64 {
    (if p.write { PERM_WRITE } else { 0 }) | (if p.exec { PERM_EXEC } else { 0 })
}

fn prot_bits(p: elf::Prot) -> u32 {
    (if p.read { prot::READ } else { 0 }) | (if p.write { prot::WRITE } else { 0 }) | (if p.exec { prot::EXEC } else { 0 })
}

/// Checks the image before any kernel object is made, then builds the
/// process. Its thread is made by [`Proc::start`].
/// Where an image lies, as Linux's ELF loader would record it in the
/// process's mm: what Linux is told of a new image (its /proc/PID/maps
/// shows the segments as mappings of the executable, `status` the sizes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Image {
    /// The pages of each segment that show the file: (start, end, PROT_*
    /// bits, file offset of start). The rest of a segment (its bss) is
    /// anonymous.
    pub file_spans: Vec<(u64, u64, u32, u64)>,
    pub start_code: u64,
    pub end_code: u64,
    pub start_data: u64,
    pub end_data: u64,
    pub start_brk: u64,
    /// The initial stack mapping, [start, end).
    pub stack: (u64, u64),
    /// The stack pointer the image starts with.
    pub start_stack: u64,
}

impl Image {
    /// As load_elf_binary computes them: code from the executable
    /// segments, data up to the end of every segment's file bytes.
    fn of(exe: &Executable, stack: (u64, u64), sp: u64) -> Image {
        let mut i = Image { start_code: u64::MAX, stack, start_stack: sp, start_brk: exe.brk_start, ..Image::default() };
        for s in &exe.segments {
            let (start, _) = s.pages();
            let file_end = (s.vaddr + s.file_size).next_multiple_of(PAGE);
            if s.file_size > 0 {
                i.file_spans.push((start, file_end, prot_bits(s.prot), s.file_offset & !(PAGE - 1)));
            }
            let (k, end) = (s.vaddr, s.vaddr + s.file_size);
            if s.prot.exec {
                i.start_code = i.start_code.min(k);
                i.end_code = i.end_code.max(end);
            }
            i.start_data = i.start_data.max(k);
            i.end_data = i.end_data.max(end);
        }
        if i.start_code == u64::MAX {
            i.start_code = 0;
        }
        i
    }
}

pub fn spawn(spec: &Spec) -> Result<Proc, SpawnError> {
    let exe = elf::parse(spec.image).map_err(SpawnError::Exec)?;
    let (shell, (space, built)) = crate::proc::shell(spec.gate, |pages| fill(&exe, spec, pages))?;
    let image = Image::of(&exe, (STACK_TOP - STACK_SIZE, STACK_TOP), built.sp);
    Ok(Proc {
        linux: Process::new(space, spec.pid),
        pages: shell.pages,
        ct: shell.ct,
        comp: shell.comp,
        gate: spec.gate,
        thd: None,
        tid: None,
        entry: exe.entry,
        sp: built.sp,
        strings: built.strings,
        image,
        started: false,
        start_regs: None,
        status: None,
        fault: None,
        kframes: shell.kframes,
    })
}

/// Segments and stack into the page table; the address-space map that
/// describes them and where the initial stack was built.
fn fill(exe: &Executable, spec: &Spec, pages: &mut Pages) -> Result<(AddressSpace, stack::Built), SpawnError> {
    let mut space = AddressSpace::new(exe.brk_start, MMAP_BASE);
    // Written through writable mappings first (the copy op honours
    // permissions); segments sharing a page get the union of theirs.
    for s in &exe.segments {
        let (start, end) = s.pages();
        pages.ensure(start, end, perms(s.prot) | PERM_WRITE)?;
        let bytes = &spec.image[s.file_offset as usize..(s.file_offset + s.file_size) as usize];
        pages.write(s.vaddr, bytes)?;
    }
    for s in &exe.segments {
        let (start, end) = s.pages();
        pages.set_perms(start, end, Some(perms(s.prot)))?;
        space.insert(start, end, prot_bits(s.prot), Backing::Anonymous);
    }
    for pair in exe.segments.windows(2) {
        let (shared, _) = pair[1].pages();
        if pair[0].pages().1 > shared {
            pages.ensure(shared, shared + 1, perms(pair[0].prot) | perms(pair[1].prot))?;
        }
    }

    let stack_prot = prot::READ | prot::WRITE | if exe.exec_stack { prot::EXEC } else { 0 };
    let bottom = STACK_TOP - STACK_SIZE;
    pages.map(bottom, STACK_TOP, stack_prot)?;
    space.insert(bottom, STACK_TOP, stack_prot, Backing::Anonymous);
    let startup = startup(exe, spec);
    let mut buf = vec![0u8; ARGS_MAX];
    let built = stack::build(&startup, STACK_TOP, &mut buf).map_err(SpawnError::Stack)?;
    pages.write(built.sp, &buf[ARGS_MAX - built.len..])?;
    Ok((space, built))
}

/// What Linux tells a new image on its initial stack.
fn startup<'a>(exe: &Executable, spec: &Spec<'a>) -> Startup<'a> {
    Startup {
        argv: spec.argv,
        envp: spec.envp,
        execfn: spec.execfn,
        random: crate::entropy::random16(),
        phdr: exe.phdr_addr,
        phent: exe.phent,
        phnum: exe.phnum,
        entry: exe.entry,
        base: 0,
        hwcap: crate::entropy::hwcap(),
        hwcap2: 0,
        uid: spec.creds.uid,
        euid: spec.creds.euid,
        gid: spec.creds.gid,
        egid: spec.creds.egid,
        secure: spec.creds.secure,
        clock_ticks: 100,
        min_sigstack: 2048,
    }
}

/// execve's image replacement in an existing process: same component,
/// thread and page table, the old contents all given back. Refusals
/// (bad image, arguments too long) come before anything is torn down, as
/// Linux checks them before its point of no return; an error after it
/// (`Err((_, true))`) leaves the process without an image: it must die.
pub fn exec(p: &mut Proc, spec: &Spec) -> Result<(), (SpawnError, bool)> {
    let exe = elf::parse(spec.image).map_err(|e| (SpawnError::Exec(e), false))?;
    let mut buf = vec![0u8; ARGS_MAX];
    stack::build(&startup(&exe, spec), STACK_TOP, &mut buf).map_err(|e| (SpawnError::Stack(e), false))?;
    drop(buf);
    p.pages.clear();
    let (space, built) = fill(&exe, spec, &mut p.pages).map_err(|e| (e, true))?;
    let trace = p.linux.trace;
    p.linux = Process::new(space, p.linux.tid);
    p.linux.trace = trace;
    p.entry = exe.entry;
    p.sp = built.sp;
    p.strings = built.strings;
    p.image = Image::of(&exe, (STACK_TOP - STACK_SIZE, STACK_TOP), built.sp);
    Ok(())
}
