// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Raw system calls: sanitizers intercept some of the libc wrappers (ASan
 * makes mlock a no-op), and the walk must really happen. */
#include <sys/syscall.h>
#include <unistd.h>
#include "stress.h"

int stress_madvise(void *p, size_t len, int advice)
{
	return syscall(SYS_madvise, p, len, advice) ? -1 : 0;
}

int stress_mlock(void *p, size_t len)
{
	return syscall(SYS_mlock, p, len) ? -1 : 0;
}

int stress_munlock(void *p, size_t len)
{
	return syscall(SYS_munlock, p, len) ? -1 : 0;
}
