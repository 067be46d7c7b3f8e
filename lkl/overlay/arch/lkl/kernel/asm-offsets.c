// SPDX-License-Identifier: GPL-2.0
/* No assembly needs structure offsets here; Kbuild still wants the file. */
#include <linux/kbuild.h>

int main(void)
{
	return 0;
}
