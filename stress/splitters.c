// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The splitter units: each call splits THPs under the walkers (or forms
 * them again), by the kernel paths docs/stress.md lists. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "internal.h"

int stress_split_zap(void *p)
{
	return stress_madvise(p, PG, MADV_DONTNEED);
}

int stress_split_mprotect(void *p, int prot)
{
	return mprotect(p, PG, prot);
}

/* Zaps the whole PMD of slot and writes to it, so that a new THP faults in
 * (on kernels that free the empty pte table, 6.14+; see s_collapse). */
int reform_thp(struct worker *w, char *slot)
{
	if (stress_madvise(slot, PMD_SZ, MADV_DONTNEED))
		return fail(w, "madvise(DONTNEED)");
	poke(slot);
	return OP_OK;
}

static char *shared_slot(struct worker *w)
{
	return slot_addr(w->c, SLOT_SHARED0 + rnd(w, nshared(w->c)));
}

/* Partial zap of one 4 KiB page of a THP, then a write to refault it; now
 * and then a whole-PMD zap and a write, so that a new THP forms. */
int s_zap_partial(struct worker *w)
{
	char *slot = shared_slot(w), *p = slot + (1 + rnd(w, PAGES_PER_PMD - 1)) * PG;

	if (rnd(w, 8) == 0)
		return reform_thp(w, slot);
	if (stress_split_zap(p))
		return fail(w, "madvise(DONTNEED)");
	poke(p);
	return OP_OK;
}

/* The measured retry trigger: zap the last PMD of a 4-PMD VMA, refault it. */
int s_zap_tail(struct worker *w)
{
	return reform_thp(w, w->c->retry.base + RETRY_LEN - PMD_SZ);
}

/* mprotect of one 4 KiB page inside a THP splits the pmd (and the VMA);
 * flipping it back merges the VMA again. Every 4th round re-forms the THP. */
int s_mprotect(struct worker *w)
{
	char *slot = slot_addr(w->c, SLOT_MPROTECT), *p = slot + PG;

	if (stress_split_mprotect(p, PROT_READ))
		return fail(w, "mprotect(READ)");
	if (stress_split_mprotect(p, PROT_READ | PROT_WRITE))
		return fail(w, "mprotect(READ|WRITE)");
	return rnd(w, 4) == 0 ? reform_thp(w, slot) : OP_OK;
}

/* fork, then both sides write into a THP the other still maps: the
 * parent's write splits its huge pmd (copy-on-write of a THP falls back to
 * ptes), the child's splits the child's. */
int s_fork_cow(struct worker *w)
{
	char *slot = shared_slot(w);
	char *mine = slot + rnd(w, PAGES_PER_PMD) * PG;
	char *childs = slot + rnd(w, PAGES_PER_PMD) * PG;
	int fds[2], st;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return fail(w, "pipe2");
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(fds[0]);
		close(fds[1]);
		errno = e;
		if (e == EAGAIN || e == ENOMEM)
			return busy(w, "fork");
		return fail(w, "fork");
	}
	if (pid == 0) {
		char ch;

		/* async-signal-safe only: a store, a read, _exit */
		close(fds[1]);
		poke(childs);
		while (read(fds[0], &ch, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(fds[0]);
	poke(mine);
	close(fds[1]);		/* lets the child exit */
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return fail(w, "waitpid");
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		errno = ECHILD;
		return fail(w, "child");
	}
	return OP_OK;
}

/* Re-forms THPs in the shared slots and in the retry VMA. Kernels without
 * page-table reclaim on zap (before 6.14) keep the empty pte table after a
 * whole-PMD MADV_DONTNEED, so there the refault maps 4 KiB pages and only
 * a collapse gives zap_tail a huge pmd to zap again. */
int s_collapse(struct worker *w)
{
	struct ctx *c = w->c;
	size_t i = rnd(w, nshared(c) + RETRY_PMDS);
	char *p = i < nshared(c) ? slot_addr(c, SLOT_SHARED0 + i)
				 : c->retry.base + (i - nshared(c)) * PMD_SZ;

	if (stress_madvise(p, PMD_SZ, MADV_COLLAPSE)) {
		/* Documented results for "not now": cannot allocate (ENOMEM), page
		 * busy (EAGAIN, EBUSY) and, once the probe has shown the kernel
		 * has MADV_COLLAPSE, EINVAL for a range that changed under the
		 * collapse (a racing zap leaves a none pmd or pte). */
		if (errno == EAGAIN || errno == ENOMEM || errno == EBUSY || errno == EINVAL)
			return busy(w, "madvise(COLLAPSE)");
		return fail(w, "madvise(COLLAPSE)");
	}
	return OP_OK;
}

const char split_knob[] = "/sys/kernel/debug/split_huge_pages";

int split_via_debugfs(struct ctx *c, char *start, char *end)
{
	char cmd[96];
	int n, fd = open(split_knob, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = snprintf(cmd, sizeof(cmd), "%d,0x%lx,0x%lx", (int)c->pid,
		     (unsigned long)start, (unsigned long)end);
	return close_with(fd, write(fd, cmd, n) < 0 ? -1 : 0);
}

int s_debugfs_split(struct worker *w)
{
	struct ctx *c = w->c;

	if (split_via_debugfs(c, c->all.base, c->all.base + c->all.len))
		return fail(w, "write(split_huge_pages)");
	return OP_OK;
}
