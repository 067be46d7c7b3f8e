/* Numbers Linux has no call for answer ENOSYS, and the process goes on.
 * Only numbers unallocated in every kernel this may be compared against:
 * newer kernels fill the table upwards (6.11 put uretprobe at 335, which
 * raises SIGILL outside a probe, so the host answers differently). */
#include "conf.h"

int main(void)
{
	SHOW("syscall 400 (in the table's hole)", syscall(400));
	SHOW("syscall 420 (in the table's hole)", syscall(420));
	SHOW("syscall 1000", syscall(1000));
	SHOW("syscall 100000", syscall(100000));
	SHOW("syscall -1", syscall(-1));
	SHOW("syscall 0x7fffffff", syscall(0x7fffffffL));
	SHOW("syscall 2^32 + 1000", syscall(0x100000000L + 1000));
	/* Linux reads the number from eax alone: high bits of rax are ignored */
	YES("syscall 2^32 + getpid is getpid", syscall(0x100000000L + SYS_getpid) == getpid());
	YES("still alive: getpid positive", syscall(SYS_getpid) > 0);
	return 0;
}
