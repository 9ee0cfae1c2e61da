// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The arenas (docs/stress.md, "Memory layout") and what the kernel says
 * about their THPs: the THP mode, AnonHugePages from smaps, vmstat. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "internal.h"

/* Read a small file (sysfs, procfs) into buf; returns bytes or -1. */
ssize_t slurp(const char *path, char *buf, size_t len)
{
	ssize_t n, tot = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)tot < len - 1 && (n = read(fd, buf + tot, len - 1 - tot)) > 0)
		tot += n;
	close(fd);
	buf[tot] = 0;
	return tot;
}

void read_thp_state(struct ctx *c)
{
	char buf[256], *a, *b;
	int dis;

	if (slurp("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)) < 0) {
		snprintf(c->thp_note, TEXT, "unavailable (no CONFIG_TRANSPARENT_HUGEPAGE)");
		return;
	}
	a = strchr(buf, '[');
	b = a ? strchr(a, ']') : NULL;
	if (a && b && (size_t)(b - a - 1) < sizeof(c->thp_enabled)) {
		memcpy(c->thp_enabled, a + 1, b - a - 1);
		c->thp_enabled[b - a - 1] = 0;
	}
	dis = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
	if (dis > 0)
		snprintf(c->thp_note, TEXT, "disabled for this process (prctl PR_SET_THP_DISABLE)");
	else if (!strcmp(c->thp_enabled, "never"))
		snprintf(c->thp_note, TEXT, "disabled (enabled=never): no huge pmds to split");
}

long stress_smaps_kb(const char *field, const void *lo, const void *hi, const char *flag,
		     bool *has_flag)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in = false;
	long sum = 0, v;
	size_t fl = strlen(field);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		char *sp = strchr(line, ' ');

		/* a VMA header "start-end perms ..."; field lines have a ':' first */
		if (sp && sscanf(line, "%lx-%lx ", &s, &e) == 2 && !memchr(line, ':', sp - line)) {
			in = s >= (uintptr_t)lo && e <= (uintptr_t)hi;
			continue;
		}
		if (!in)
			continue;
		if (!strncmp(line, field, fl) && line[fl] == ':' && sscanf(line + fl + 1, "%ld", &v) == 1)
			sum += v;
		if (flag && has_flag && !strncmp(line, "VmFlags:", 8) && strstr(line, flag))
			*has_flag = true;
	}
	fclose(f);
	return sum;
}

long anon_huge_kb(struct ctx *c)
{
	return stress_smaps_kb("AnonHugePages", c->all.base, c->all.base + c->all.len, NULL, NULL);
}

const char *const vmstat_keys[NVMSTAT] = {
	"thp_fault_alloc", "thp_collapse_alloc", "thp_split_pmd", "thp_split_page",
};

void read_vmstat(long long *out)
{
	FILE *f = fopen("/proc/vmstat", "re");
	char name[64];
	long long v;

	for (size_t i = 0; i < NVMSTAT; i++)
		out[i] = -1;
	if (!f)
		return;
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		for (size_t i = 0; i < NVMSTAT; i++)
			if (!strcmp(name, vmstat_keys[i]))
				out[i] = v;
	fclose(f);
}

int map_arenas(struct ctx *c)
{
	char *base;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;

	/* whole pmds of this kernel (16 MiB is half a pmd with 16 KiB pages) */
	c->size = (c->o->size + PMD_SZ - 1) / PMD_SZ * PMD_SZ;
	if (c->size < STRESS_MIN_PMDS * PMD_SZ)
		c->size = STRESS_MIN_PMDS * PMD_SZ;
	/* slack to align, a gap before, main, a gap, retry, a gap after */
	c->resv_len = PMD_SZ + PMD_SZ + c->size + PMD_SZ + RETRY_LEN + PMD_SZ;
	c->resv = mmap(NULL, c->resv_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c->resv == MAP_FAILED) {
		c->resv = NULL;
		return -1;
	}
	base = (char *)(((uintptr_t)c->resv + PMD_SZ - 1) & ~(PMD_SZ - 1)) + PMD_SZ;
	c->main = (struct region){ base, c->size };
	c->retry = (struct region){ base + c->size + PMD_SZ, RETRY_LEN };
	c->all = (struct region){ base, c->size + PMD_SZ + RETRY_LEN };
	c->nslots = c->size / PMD_SZ;
	if (mmap(c->main.base, c->main.len, PROT_READ | PROT_WRITE, flags, -1, 0) == MAP_FAILED ||
	    mmap(c->retry.base, c->retry.len, PROT_READ | PROT_WRITE, flags, -1, 0) == MAP_FAILED)
		return -1;
	/* Fresh VMAs carry VM_SOFTDIRTY ("sd") only with CONFIG_MEM_SOFT_DIRTY. */
	stress_smaps_kb("Rss", c->main.base, c->main.base + c->main.len, " sd", &c->soft_dirty);
	if ((stress_madvise(c->main.base, c->main.len, MADV_HUGEPAGE) ||
	     stress_madvise(c->retry.base, c->retry.len, MADV_HUGEPAGE)) && !c->thp_note[0])
		snprintf(c->thp_note, TEXT, "madvise(HUGEPAGE): %s", strerror(errno));
	for (size_t off = 0; off < c->main.len; off += PG)
		poke(c->main.base + off);
	for (size_t off = 0; off < c->retry.len; off += PG)
		poke(c->retry.base + off);
	c->ahp_formed = anon_huge_kb(c);
	return 0;
}

