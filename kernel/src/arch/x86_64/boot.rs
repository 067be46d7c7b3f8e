//! PVH entry: QEMU starts us in 32-bit protected mode with paging off and
//! ebx = physical address of the hvm_start_info. We build the boot page
//! tables (0-4 GiB mapped three ways: identity for the jump, the direct map
//! at `DIRECT_BASE`, the kernel image at -2 GiB), enter long mode and call
//! `kmain` on the kernel stack.

use core::arch::global_asm;

global_asm!(
    r#"
    .section .note.pvh, "a"
    .p2align 2
    .long 4                 /* name size: "Xen\0" */
    .long 4                 /* desc size */
    .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long pvh_start

    .section .boot.data, "aw"
    .p2align 12
    .global boot_pml4
boot_pml4:   .skip 4096
boot_pdpt_lo: .skip 4096
boot_pdpt_hi: .skip 4096
boot_pd:     .skip 4096 * 4
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* 0x08: 64-bit kernel code */
    .quad 0x00cf92000000ffff    /* 0x10: kernel data */
boot_gdt_end:
boot_gdtr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt
    .long 0

    .section .boot.text, "ax"
    .code32
    .global pvh_start
pvh_start:
    cli
    mov esi, ebx
    /* 2048 large pages of 2 MiB: 0-4 GiB. */
    xor ecx, ecx
2:
    mov eax, ecx
    shl eax, 21
    or eax, 0x83
    mov edx, ecx
    shr edx, 11
    mov [boot_pd + ecx * 8], eax
    mov [boot_pd + ecx * 8 + 4], edx
    inc ecx
    cmp ecx, 2048
    jb 2b
    mov eax, offset boot_pd + 3
    mov [boot_pdpt_lo], eax
    add eax, 4096
    mov [boot_pdpt_lo + 8], eax
    add eax, 4096
    mov [boot_pdpt_lo + 16], eax
    add eax, 4096
    mov [boot_pdpt_lo + 24], eax
    mov eax, offset boot_pd + 3
    mov [boot_pdpt_hi + 510 * 8], eax
    add eax, 4096
    mov [boot_pdpt_hi + 511 * 8], eax
    mov eax, offset boot_pdpt_lo + 3
    mov [boot_pml4], eax
    mov [boot_pml4 + 256 * 8], eax
    mov eax, offset boot_pdpt_hi + 3
    mov [boot_pml4 + 511 * 8], eax

    /* PAE + PGE + OSFXSR + OSXMMEXCPT */
    mov eax, cr4
    or eax, (1 << 5) | (1 << 7) | (1 << 9) | (1 << 10)
    mov cr4, eax
    mov eax, offset boot_pml4
    mov cr3, eax
    /* EFER: SCE, LME, NXE */
    mov ecx, 0xC0000080
    rdmsr
    or eax, (1 << 0) | (1 << 8) | (1 << 11)
    wrmsr
    /* PG, WP, NE, MP, PE; clear EM and TS so SSE works. */
    mov eax, cr0
    and eax, ~((1 << 2) | (1 << 3))
    or eax, (1 << 31) | (1 << 16) | (1 << 5) | (1 << 1) | 1
    mov cr0, eax
    lgdt [boot_gdtr]
    mov eax, 0x08
    push eax
    mov eax, offset boot_long
    push eax
    retf

    .code64
boot_long:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    /* Leave the top of the stack for the user-context frame (trap.rs),
       which kmain fills before leaving for user level. */
    movabs rsp, offset kstack_top - 512
    mov edi, esi
    movabs rax, offset kmain
    call rax
3:  hlt
    jmp 3b
    /* In the entry area's stack pages (entry.rs), like the scratch word. */
    .section .bss.entry_stack, "aw", @nobits
    .p2align 12
    .global kstack_bottom
    .global kstack_top
kstack_bottom:
    .skip 65536
kstack_top:
    .text
"#
);
