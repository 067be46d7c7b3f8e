/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_ELF_H
#define _ASM_LKL_ELF_H

/*
 * Linux loads no binaries here (the loader component does), but generic
 * code still names the ELF identity of the ABI it speaks: x86_64's.
 */
#define ELF_CLASS		ELFCLASS64
#define ELF_DATA		ELFDATA2LSB
#define ELF_ARCH		EM_X86_64
#define elf_check_arch(x)	0
#define ELF_EXEC_PAGESIZE	4096
#define ELF_HWCAP		0
#define ELF_PLATFORM		("x86_64")
#define ELF_ET_DYN_BASE		0

typedef unsigned long elf_greg_t;
#define ELF_NGREG		27
typedef elf_greg_t elf_gregset_t[ELF_NGREG];
typedef struct { unsigned char bytes[512]; } elf_fpregset_t;

#endif
