// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * wc_workload: one thread, reaches each page walker named in issue 3 once
 * or a few times over a THP-backed arena, and splits THPs (partial
 * MADV_DONTNEED, partial mprotect). Deterministic, so a traced run must lose
 * nothing. Prints one line per step; exits 1 if THPs never formed. The calls
 * are walkcov stress's (stress/stress.h), on fixed ranges.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "stress.h"

#define MB (1UL << 20)
#define THP (2 * MB)
#define ARENA (8 * MB)

static void slurp(const char *path)
{
	char buf[65536];
	ssize_t total = stress_read_file(path, buf, sizeof(buf));

	if (total < 0)
		printf("step read %s: %s\n", path, strerror(errno));
	else
		printf("step read %s: %zd bytes\n", path, total);
}

static void step(const char *what, int ret)
{
	printf("step %s: %s\n", what, ret ? strerror(errno) : "ok");
}

int main(void)
{
	uint8_t *raw, *a, vec[ARENA / 4096];
	uint64_t pm[ARENA / 4096];
	long kb;
	int fd;

	raw = mmap(NULL, ARENA + THP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	a = (uint8_t *)(((uintptr_t)raw + THP - 1) & ~(THP - 1));
	step("madvise HUGEPAGE", stress_madvise(a, ARENA, MADV_HUGEPAGE));
	memset(a, 1, ARENA);
	kb = stress_smaps_kb("AnonHugePages", raw, raw + ARENA + THP, NULL, NULL);
	printf("AnonHugePages: %ld kB\n", kb);
	if (kb < 2048) {
		fprintf(stderr, "wc_workload: no THP formed (is transparent_hugepage enabled?)\n");
		return 1;
	}

	slurp("/proc/self/smaps");
	slurp("/proc/self/smaps_rollup");
	slurp("/proc/self/numa_maps");
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd >= 0) {
		ssize_t n = stress_pagemap_read(fd, a, ARENA / 4096, pm);

		printf("step pagemap: %zd bytes\n", n);
		close(fd);
	}
	step("mincore", mincore(a, ARENA, vec));
	step("mlock", stress_mlock(a, 4 * MB));
	step("munlock", stress_munlock(a, 4 * MB));
	step("madvise WILLNEED", stress_madvise(a, ARENA, MADV_WILLNEED));

	/* splits: a 4 KiB hole in THP 1, a 4 KiB protection change in THP 2 */
	step("split: partial MADV_DONTNEED", stress_split_zap(a + THP + 4096));
	step("split: partial mprotect", stress_split_mprotect(a + 2 * THP + 8192, PROT_READ));
	slurp("/proc/self/smaps");

	/* these may split THPs themselves, inside their own pmd_entry */
	step("madvise COLD", stress_madvise(a, 3 * THP, MADV_COLD));
	step("madvise PAGEOUT", stress_madvise(a + 3 * THP, THP / 2, MADV_PAGEOUT));
	step("madvise FREE", stress_madvise(a + 3 * THP + THP / 2, THP / 2, MADV_FREE));
	slurp("/proc/self/smaps");
	step("mincore", mincore(a, ARENA, vec));
	return 0;
}
