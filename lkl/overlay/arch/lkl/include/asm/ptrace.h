/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_PTRACE_H
#define _ASM_LKL_PTRACE_H

#ifndef __ASSEMBLY__
/*
 * There is no trap frame: syscalls arrive as function calls. The few
 * fields kept are what generic code reads (user stack pointer for
 * sigaltstack, instruction pointer for /proc).
 */
struct pt_regs {
	unsigned long ip;
	unsigned long sp;
	unsigned long flags;
};

#define user_mode(regs)			0
#define instruction_pointer(regs)	((regs)->ip)
#define user_stack_pointer(regs)	((regs)->sp)
#define profile_pc(regs)		instruction_pointer(regs)
#define current_user_stack_pointer()	(current->thread.regs.sp)
#define arch_has_single_step()		0
#define force_successful_syscall_return() do { } while (0)
#endif

#endif
