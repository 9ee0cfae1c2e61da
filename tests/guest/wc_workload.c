// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * wc_workload: one thread, reaches each page walker named in issue 3 once
 * or a few times over a THP-backed arena, and splits THPs (partial
 * MADV_DONTNEED, partial mprotect). Deterministic, so a traced run must lose
 * nothing. Prints one line per step; exits 1 if THPs never formed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#define MB (1UL << 20)
#define THP (2 * MB)
#define ARENA (8 * MB)

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static void slurp(const char *path)
{
	char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n, total = 0;

	if (fd < 0) {
		printf("step read %s: %s\n", path, strerror(errno));
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	printf("step read %s: %zd bytes\n", path, total);
}

static long anon_huge_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
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
	step("madvise HUGEPAGE", madvise(a, ARENA, MADV_HUGEPAGE));
	memset(a, 1, ARENA);
	kb = anon_huge_kb();
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
		ssize_t n = pread(fd, pm, sizeof(pm), (off_t)((uintptr_t)a / 4096) * 8);

		printf("step pagemap: %zd bytes\n", n);
		close(fd);
	}
	step("mincore", mincore(a, ARENA, vec));
	step("mlock", mlock(a, 4 * MB));
	step("munlock", munlock(a, 4 * MB));
	step("madvise WILLNEED", madvise(a, ARENA, MADV_WILLNEED));

	/* splits: a 4 KiB hole in THP 1, a 4 KiB protection change in THP 2 */
	step("split: partial MADV_DONTNEED", madvise(a + THP + 4096, 4096, MADV_DONTNEED));
	step("split: partial mprotect", mprotect(a + 2 * THP + 8192, 4096, PROT_READ));
	slurp("/proc/self/smaps");

	/* these may split THPs themselves, inside their own pmd_entry */
	step("madvise COLD", madvise(a, 3 * THP, MADV_COLD));
	step("madvise PAGEOUT", madvise(a + 3 * THP, THP / 2, MADV_PAGEOUT));
	step("madvise FREE", madvise(a + 3 * THP + THP / 2, THP / 2, MADV_FREE));
	slurp("/proc/self/smaps");
	step("mincore", mincore(a, ARENA, vec));
	return 0;
}
