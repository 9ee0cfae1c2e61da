// SPDX-License-Identifier: GPL-2.0
/*
 * wc_modtest: guest-side driver of the wc_testmod ground-truth module.
 *
 *   wc_modtest [--ko PATH] [--out FILE] [SCENARIO[:K]...]
 *
 * Reads walk_page_range's address from /proc/kallsyms, loads the module with
 * it, sets up each scenario's memory in this process (THPs with
 * MADV_HUGEPAGE, 4 KiB-page regions with MADV_NOHUGEPAGE, unmapped gaps),
 * asks the module for one walk_page_range over it and prints the module's
 * counters as one JSON line per scenario (stdout and --out FILE). Exits 1 if
 * any scenario's counters differ from what its setup implies, 2 on setup
 * errors. Scenarios: correct double retry race mixed overrun rewalk
 * gap_skip gap_cut (default: all; retry takes K, the number of
 * ACTION_AGAINs per pmd, default 2). overrun, rewalk, gap_skip and gap_cut
 * also need __walk_page_range in /proc/kallsyms (the gap scenarios also
 * ftrace with IPMODIFY).
 *
 * Build: gcc -static -O2 -pthread -o wc_modtest wc_modtest.c
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define KIB 1024UL
/* The running kernel's geometry: its page size, and a pmd maps a page of
 * 8-byte pte entries' worth of pages (2 MiB with 4 KiB pages, 32 MiB with
 * arm64's 16 KiB): every scenario is sized in pages and pmds. */
static unsigned long page_size, pmd_size;
#define PAGE page_size
#define PMD pmd_size
#define DBG_DIR "/sys/kernel/debug/wc_testmod"

static FILE *out_file;

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("wc_modtest: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* ---- module loading ---- */

/* name's address; 0 if it is not a symbol and !required. */
static unsigned long kallsyms_lookup(const char *name, bool required)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], sym[256], type;
	unsigned long addr, found = 0;
	int hits = 0;

	if (!f)
		die("cannot open /proc/kallsyms: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		/* Module symbols carry a "[module]" column: skip them. */
		if (strchr(line, '['))
			continue;
		if (sscanf(line, "%lx %c %255s", &addr, &type, sym) != 3)
			continue;
		if (strcmp(sym, name) || (type != 'T' && type != 't'))
			continue;
		found = addr;
		hits++;
	}
	fclose(f);
	if (hits == 0 && !required)
		return 0;
	if (hits != 1)
		die("%s found %d times in /proc/kallsyms (want exactly one)", name, hits);
	if (!found)
		die("/proc/kallsyms shows %s at 0: addresses are hidden (kptr_restrict; run as root)", name);
	return found;
}

static void load_module(const char *ko)
{
	char params[128];
	unsigned long addr, chunk;
	struct stat st;
	int fd;

	if (stat(DBG_DIR "/run", &st) == 0)
		return; /* already loaded */
	addr = kallsyms_lookup("walk_page_range", true);
	/* The walker's chunk function, for overrun and rewalk (if a symbol). */
	chunk = kallsyms_lookup("__walk_page_range", false);
	snprintf(params, sizeof(params), "walk_page_range_addr=0x%lx walk_chunk_addr=0x%lx",
		 addr, chunk);
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open module %s: %s", ko, strerror(errno));
	if (syscall(SYS_finit_module, fd, params, 0) != 0 && errno != EEXIST)
		die("loading %s (%s) failed: %s (see dmesg)", ko, params, strerror(errno));
	close(fd);
	if (stat(DBG_DIR "/run", &st) != 0) {
		/* debugfs may not be mounted yet; the module's files are there. */
		if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) != 0 && errno != EBUSY)
			die("cannot mount debugfs: %s", strerror(errno));
		if (stat(DBG_DIR "/run", &st) != 0)
			die("%s missing after loading the module", DBG_DIR "/run");
	}
}

/* ---- memory setup ---- */

static void check_thp_enabled(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		die("no /sys/kernel/mm/transparent_hugepage: kernel without THP");
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if (strstr(buf, "[never]"))
		die("transparent_hugepage is 'never' (boot with transparent_hugepage=always)");
}

/* AnonHugePages (kB) of the VMA that starts at addr, -1 if there is none. */
static long anon_huge_kb(unsigned long addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	unsigned long s, e;
	bool in = false;
	long kb = -1;

	if (!f)
		die("cannot open /proc/self/smaps: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = s == addr;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static unsigned long vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char key[128];
	unsigned long v, found = 0;

	if (!f)
		return 0;
	while (fscanf(f, "%127s %lu", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

/* A PMD-aligned reservation of len bytes (PROT_NONE, trimmed to fit). */
static unsigned long reserve(unsigned long len)
{
	char *p = mmap(NULL, len + PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	unsigned long a, base;

	if (p == MAP_FAILED)
		die("mmap of %lu bytes failed: %s", len + PMD, strerror(errno));
	a = (unsigned long)p;
	base = (a + PMD - 1) & ~(PMD - 1);
	if (base > a)
		munmap(p, base - a);
	munmap((void *)(base + len), a + len + PMD - (base + len));
	return base;
}

/* Map [addr, addr+len) read-write with the given madvise and touch pages. */
static void map_region(unsigned long addr, unsigned long len, int advice, unsigned long touch)
{
	void *p = mmap((void *)addr, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (p == MAP_FAILED)
		die("mmap at 0x%lx failed: %s", addr, strerror(errno));
	if (madvise(p, len, advice) != 0)
		die("madvise(0x%lx, %lu, %d) failed: %s", addr, len, advice, strerror(errno));
	for (unsigned long o = 0; o < touch; o += PAGE)
		((volatile char *)p)[o] = 1;
}

/* THPs at [addr, addr + n * 2 MiB), verified through smaps. */
static void map_thps(unsigned long addr, int n)
{
	long kb;

	check_thp_enabled();
	map_region(addr, n * PMD, MADV_HUGEPAGE, n * PMD);
	kb = anon_huge_kb(addr);
	if (kb != (long)(n * PMD / KIB))
		die("THPs did not form at 0x%lx: AnonHugePages %ld kB, want %lu kB "
		    "(transparent_hugepage enabled? enough free memory?)",
		    addr, kb, n * PMD / KIB);
}

/* ---- running a scenario ---- */

struct result {
	long ret;
	unsigned long walks, handled_bytes, doubles, retries, splits_seen;
	unsigned long pmd_huge, pte, holes, pmd_calls, uncovered_bytes, order_errors;
	unsigned long nested;
	unsigned long redirects, gaps, gap_start, gap_end;
};

static void read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		die("cannot open %s: %s", path, strerror(errno));
	n = read(fd, buf, size - 1);
	if (n < 0)
		die("reading %s failed: %s", path, strerror(errno));
	buf[n] = '\0';
	close(fd);
}

static unsigned long field(const char *line, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	if (!p)
		die("result has no %s: %s", key, line);
	return strtoul(p + strlen(pat), NULL, 0);
}

static struct result run_walk(const char *name, unsigned long start, unsigned long len, unsigned long k)
{
	char cmd[128], line[512];
	struct result r;
	const char *p;
	int fd;

	snprintf(cmd, sizeof(cmd), "%s 0x%lx 0x%lx %lu\n", name, start, len, k);
	fd = open(DBG_DIR "/run", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %s", DBG_DIR "/run", strerror(errno));
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
		if (errno == ENOENT)
			die("%s: the module cannot call (or, for gap_*, ftrace) "
			    "__walk_page_range (not in /proc/kallsyms, or IBT: see dmesg)", name);
		die("writing '%s' to %s failed: %s", cmd, DBG_DIR "/run", strerror(errno));
	}
	close(fd);
	read_file(DBG_DIR "/result", line, sizeof(line));
	snprintf(cmd, sizeof(cmd), "scenario=%s ", name);
	if (strncmp(line, cmd, strlen(cmd)))
		die("unexpected result line: %s", line);
	p = strstr(line, " ret=");
	r.ret = p ? strtol(p + 5, NULL, 10) : -9999;
	r.walks = field(line, "walks");
	r.handled_bytes = field(line, "handled_bytes");
	r.doubles = field(line, "doubles");
	r.retries = field(line, "retries");
	r.splits_seen = field(line, "splits_seen");
	r.pmd_huge = field(line, "pmd_huge");
	r.pte = field(line, "pte");
	r.holes = field(line, "holes");
	r.pmd_calls = field(line, "pmd_calls");
	r.uncovered_bytes = field(line, "uncovered_bytes");
	r.order_errors = field(line, "order_errors");
	r.nested = field(line, "nested");
	r.redirects = field(line, "redirects");
	r.gaps = field(line, "gaps");
	r.gap_start = field(line, "gap_start");
	r.gap_end = field(line, "gap_end");
	return r;
}

/* Expectation checks: collect failures into one message. */
static char why[1024];
#define EXPECT(cond) \
	do { \
		if (!(cond)) \
			snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s", *why ? "; " : "", #cond); \
	} while (0)

static void print_json(FILE *f, const char *name, unsigned long start, unsigned long end,
		       unsigned long k, const struct result *r, unsigned long splits, int nthp,
		       int ntable, const char *esc)
{
	fprintf(f,
		"{\"scenario\":\"%s\",\"pid\":%d,\"start\":%lu,\"end\":%lu,\"k\":%lu,"
		"\"thps\":%d,\"table_pmds\":%d,\"walks\":%lu,\"ret\":%ld,\"handled_bytes\":%lu,"
		"\"doubles\":%lu,\"retries\":%lu,\"splits_seen\":%lu,\"pmd_huge\":%lu,"
		"\"pte\":%lu,\"holes\":%lu,\"pmd_calls\":%lu,\"uncovered_bytes\":%lu,"
		"\"order_errors\":%lu,\"nested\":%lu,\"redirects\":%lu,\"gaps\":%lu,"
		"\"gap_start\":%lu,\"gap_end\":%lu,\"thp_split_pmd\":%lu,\"ok\":%s,\"failed\":\"%s\"}\n",
		name, (int)getpid(), start, end, k, nthp, ntable, r->walks, r->ret,
		r->handled_bytes, r->doubles, r->retries, r->splits_seen, r->pmd_huge,
		r->pte, r->holes, r->pmd_calls, r->uncovered_bytes, r->order_errors,
		r->nested, r->redirects, r->gaps, r->gap_start, r->gap_end, splits,
		*esc ? "false" : "true", esc);
	fflush(f);
}

/* One JSON line on stdout and in --out FILE; the failures on stderr. */
static void report(const char *name, unsigned long start, unsigned long end, unsigned long k,
		   const struct result *r, unsigned long splits, int nthp, int ntable)
{
	char esc[2 * sizeof(why)], *e = esc;

	/* why holds C expressions: escape them for JSON. */
	for (const char *c = why; *c; c++) {
		if (*c == '"' || *c == '\\')
			*e++ = '\\';
		*e++ = *c;
	}
	*e = '\0';
	print_json(stdout, name, start, end, k, r, splits, nthp, ntable, esc);
	if (out_file)
		print_json(out_file, name, start, end, k, r, splits, nthp, ntable, esc);
	if (*why)
		fprintf(stderr, "wc_modtest: %s: FAILED: %s\n", name, why);
}

/*
 * correct, double and retry share a layout: nthp THPs followed by one pmd
 * of 4 KiB pages (MADV_NOHUGEPAGE, all touched), walked whole.
 */
static bool run_basic(const char *name, unsigned long k)
{
	const int nthp = 3, ntable = 1;
	unsigned long len = (nthp + ntable) * PMD, base = reserve(len);
	unsigned long splits, npmd = nthp + ntable;
	struct result r;

	map_thps(base, nthp);
	map_region(base + nthp * PMD, ntable * PMD, MADV_NOHUGEPAGE, ntable * PMD);
	splits = vmstat("thp_split_pmd");
	r = run_walk(name, base, len, k);
	splits = vmstat("thp_split_pmd") - splits;

	*why = '\0';
	EXPECT(r.walks == 1);
	EXPECT(r.ret == 0);
	EXPECT(r.order_errors == 0 || !strcmp(name, "double"));
	EXPECT(r.uncovered_bytes == 0);
	EXPECT(r.splits_seen == 0);
	if (!strcmp(name, "correct")) {
		EXPECT(r.handled_bytes == len);
		EXPECT(r.doubles == 0);
		EXPECT(r.retries == 0);
		EXPECT(r.pmd_huge == (unsigned long)nthp);
		EXPECT(r.pte == ntable * PMD / PAGE);
		EXPECT(r.pmd_calls == npmd);
	} else if (!strcmp(name, "double")) {
		/* The walker splits every handled THP and pte_entry redoes it. */
		EXPECT(r.doubles == (unsigned long)nthp);
		EXPECT(r.doubles == r.pmd_huge);
		EXPECT(r.handled_bytes == len + nthp * PMD);
		EXPECT(r.pte == npmd * PMD / PAGE);
		EXPECT(r.retries == 0);
	} else { /* retry */
		EXPECT(r.retries == k * npmd);
		EXPECT(r.pmd_calls == (k + 1) * npmd);
		EXPECT(r.pmd_huge == (k + 1) * nthp);
		EXPECT(r.handled_bytes == len);
		EXPECT(r.doubles == 0);
		EXPECT(r.pte == 0);
	}
	report(name, base, base + len, k, &r, splits, nthp, ntable);
	munmap((void *)base, len);
	return !*why;
}

/* race: a second thread splits the first THP while pmd_entry waits on it. */
struct splitter {
	unsigned long addr;
	int waited_ms;
	int rc, err;
};

static void *splitter_main(void *arg)
{
	struct splitter *s = arg;
	char buf[32] = "";
	struct timespec ms = { 0, 1000000 };
	int i;

	/* Wait (up to 1.5 s) until the module's pmd_entry sits on the THP. */
	for (i = 0; i < 1500; i++) {
		int fd = open(DBG_DIR "/state", O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

		if (fd >= 0)
			close(fd);
		if (n > 0 && !strncmp(buf, "waiting", 7))
			break;
		nanosleep(&ms, NULL);
	}
	s->waited_ms = i;
	/* Zapping one 4 KiB page of a THP splits its pmd. */
	s->rc = madvise((void *)(s->addr + PAGE), PAGE, MADV_DONTNEED);
	s->err = errno;
	return NULL;
}

static bool run_race(void)
{
	const int nthp = 2;
	unsigned long len = nthp * PMD, base = reserve(len), splits;
	struct splitter s = { .addr = base };
	pthread_t t;
	struct result r;

	map_thps(base, nthp);
	splits = vmstat("thp_split_pmd");
	if (pthread_create(&t, NULL, splitter_main, &s))
		die("pthread_create failed");
	r = run_walk("race", base, len, 0);
	pthread_join(t, NULL);
	splits = vmstat("thp_split_pmd") - splits;
	if (s.rc)
		die("race: madvise(MADV_DONTNEED) failed: %s", strerror(s.err));

	*why = '\0';
	EXPECT(r.walks == 1);
	EXPECT(r.ret == 0);
	EXPECT(s.waited_ms < 1500); /* the module announced its wait */
	EXPECT(r.splits_seen == 1);
	EXPECT(r.retries == 1);
	EXPECT(r.doubles == 0);
	EXPECT(r.handled_bytes == len);
	EXPECT(r.uncovered_bytes == 0);
	EXPECT(r.order_errors == 0);
	EXPECT(r.pmd_calls == nthp + 1);
	EXPECT(r.pmd_huge == (unsigned long)nthp);
	EXPECT(splits >= 1);
	report("race", base, base + len, 0, &r, splits, nthp, 0);
	munmap((void *)base, len);
	return !*why;
}

/*
 * mixed, 12 MiB reserved from base:
 *   [0, 4M)   2 THPs (MADV_HUGEPAGE)           huge pmds
 *   [4M, 6M)  4 KiB pages, first half touched  a table pmd, some ptes none
 *   [6M, 8M)  unmapped                         a VMA gap
 *   [8M, 12M) mapped, never touched            none pmds
 * walked from 1 MiB (inside the first THP) to 11 MiB.
 */
static bool run_mixed(void)
{
	unsigned long len = 12 * PMD / 2, base = reserve(len), splits;
	unsigned long start = base + PMD / 2, end = base + 11 * PMD / 2;
	struct result r;

	map_thps(base, 2);
	map_region(base + 2 * PMD, PMD, MADV_NOHUGEPAGE, PMD / 2);
	munmap((void *)(base + 3 * PMD), PMD);
	map_region(base + 4 * PMD, 2 * PMD, MADV_NOHUGEPAGE, 0);
	splits = vmstat("thp_split_pmd");
	r = run_walk("mixed", start, end - start, 0);
	splits = vmstat("thp_split_pmd") - splits;

	*why = '\0';
	EXPECT(r.walks == 1);
	EXPECT(r.ret == 0);
	EXPECT(r.handled_bytes == end - start);
	EXPECT(r.uncovered_bytes == 0);
	EXPECT(r.order_errors == 0);
	EXPECT(r.doubles == 0);
	EXPECT(r.retries == 0);
	EXPECT(r.pmd_huge == 2);
	EXPECT(r.pte == PMD / PAGE);
	EXPECT(r.holes >= 2);
	report("mixed", start, end, 0, &r, splits, 2, 1);
	munmap((void *)base, len);
	return !*why;
}

/* Does a VMA start at addr? (/proc/self/maps) */
static bool vma_starts_at(unsigned long addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long s, e;
	char line[512];
	bool found = false;

	if (!f)
		die("cannot open /proc/self/maps: %s", strerror(errno));
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%lx-%lx ", &s, &e) == 2 && s == addr;
	fclose(f);
	return found;
}

/*
 * overrun, rewalk: two adjacent VMAs of 4 KiB pages, all touched, kept apart
 * by their protections: [base, B) read-write, [B, B + 4 MiB) read-only,
 * B = base + 4 MiB. One walk over both; no THP needed. The module walks
 * one pmd a second time through __walk_page_range:
 *   overrun: chunk 1's post_vma walks [B, B + 2 MiB), which the walker's
 *            chunk 2 walks again;
 *   rewalk:  chunk 2's first pmd_entry (at B) walks [B - 2 MiB, B) again.
 * Either way exactly one pmd is handled twice.
 */
static bool run_chunks(const char *name)
{
	const unsigned long npmd = 4;
	unsigned long len = npmd * PMD, base = reserve(len), b = base + len / 2;
	struct result r;

	map_region(base, len, MADV_NOHUGEPAGE, len);
	if (mprotect((void *)b, len / 2, PROT_READ) != 0)
		die("mprotect(0x%lx) failed: %s", b, strerror(errno));
	if (!vma_starts_at(b))
		die("%s: no VMA starts at 0x%lx (the two regions merged?)", name, b);
	r = run_walk(name, base, len, 0);

	*why = '\0';
	EXPECT(r.walks == 1);
	EXPECT(r.ret == 0);
	EXPECT(r.nested == 1);
	EXPECT(r.doubles == 1);
	EXPECT(r.handled_bytes == len + PMD);
	EXPECT(r.pmd_calls == npmd + 1);
	EXPECT(r.order_errors == 1);
	EXPECT(r.uncovered_bytes == 0);
	EXPECT(r.retries == 0);
	EXPECT(r.pte == 0);
	EXPECT(r.holes == 0);
	report(name, base, base + len, 0, &r, 0, 0, (int)npmd);
	munmap((void *)base, len);
	return !*why;
}

/*
 * gap_skip, gap_cut: ops with pmd_entry and pte_hole (no pte_entry), so no
 * range is silent by design; the module redirects the walker's first
 * __walk_page_range call (ftrace, IPMODIFY) to its own function, which
 * walks only part of that chunk with the real __walk_page_range:
 *   gap_skip: one VMA of 4 KiB pages, 4 pmds, the first 3 populated, the
 *             last never touched (a none pmd: pte_hole). The chunk is walked
 *             as [base, +2M) and [+4M, +8M): the populated pmd [+2M, +4M)
 *             gets no callback, the walk goes on.
 *   gap_cut:  VMA 1 [base, +6M) read-write, all populated; VMA 2
 *             [+6M, +10M) read-only, its first pmd populated, its second
 *             never touched. Chunk 1 is walked as [base, +2M) only: the
 *             populated [+2M, +6M) gets no callback; chunk 2 runs as usual.
 * Either way exactly one range, [gap_start, gap_end), is handled by no one.
 */
static bool run_gap(const char *name)
{
	bool cut = !strcmp(name, "gap_cut");
	unsigned long len = (cut ? 5 : 4) * PMD, base = reserve(len);
	unsigned long gs = base + PMD, ge = base + (cut ? 3 : 2) * PMD;
	struct result r;

	map_region(base, len, MADV_NOHUGEPAGE, len - PMD);
	if (cut) {
		if (mprotect((void *)(base + 3 * PMD), 2 * PMD, PROT_READ) != 0)
			die("mprotect(0x%lx) failed: %s", base + 3 * PMD, strerror(errno));
		if (!vma_starts_at(base + 3 * PMD))
			die("%s: no VMA starts at 0x%lx (the two regions merged?)", name,
			    base + 3 * PMD);
	}
	r = run_walk(name, base, len, 0);

	*why = '\0';
	EXPECT(r.walks == 1);
	EXPECT(r.ret == 0);
	EXPECT(r.redirects == 1);
	EXPECT(r.nested == (cut ? 1UL : 2UL));
	EXPECT(r.gaps == 1);
	EXPECT(r.gap_start == gs);
	EXPECT(r.gap_end == ge);
	EXPECT(r.uncovered_bytes == ge - gs);
	EXPECT(r.handled_bytes == len - (ge - gs));
	EXPECT(r.doubles == 0);
	EXPECT(r.order_errors == 1);
	EXPECT(r.pmd_calls == 2);
	EXPECT(r.holes >= 1);
	EXPECT(r.pte == 0);
	EXPECT(r.retries == 0);
	report(name, base, base + len, 0, &r, 0, 0, cut ? 3 : 2);
	munmap((void *)base, len);
	return !*why;
}

int main(int argc, char **argv)
{
	static const char *const all[] = { "correct", "double", "retry", "race", "mixed",
					   "overrun", "rewalk", "gap_skip", "gap_cut" };
	const int nall = sizeof(all) / sizeof(all[0]);
	const char *ko = "wc_testmod.ko", *out = NULL;
	const char *names[64];
	int n = 0, i, failed = 0;

	page_size = (unsigned long)sysconf(_SC_PAGESIZE);
	pmd_size = page_size * (page_size / 8);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ko") && i + 1 < argc)
			ko = argv[++i];
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: wc_modtest [--ko PATH] [--out FILE] "
			       "[correct|double|retry[:K]|race|mixed|overrun|rewalk|gap_skip|gap_cut ...]\n");
			return 0;
		} else if (argv[i][0] == '-')
			die("unknown option %s", argv[i]);
		else if (n < 64)
			names[n++] = argv[i];
		else
			die("too many scenarios");
	}
	if (!n)
		for (i = 0; i < nall; i++)
			names[n++] = all[i];

	/* Reject bad arguments before touching the kernel. */
	for (i = 0; i < n; i++) {
		const char *colon = strchr(names[i], ':');
		size_t l = colon ? (size_t)(colon - names[i]) : strlen(names[i]);
		bool known = false;

		for (int j = 0; j < nall; j++)
			known |= strlen(all[j]) == l && !strncmp(all[j], names[i], l);
		if (!known || (colon && strncmp(names[i], "retry:", 6)))
			die("unknown scenario '%s' (correct, double, retry[:K], race, mixed, overrun, rewalk, gap_skip, gap_cut)",
			    names[i]);
		if (colon) {
			char *e;
			unsigned long k = strtoul(colon + 1, &e, 10);

			if (!colon[1] || *e || k > 1000)
				die("retry:K wants K between 0 and 1000, not '%s'", colon + 1);
		}
	}

	if (out) {
		out_file = fopen(out, "a");
		if (!out_file)
			die("cannot open %s: %s", out, strerror(errno));
	}
	load_module(ko);

	for (i = 0; i < n; i++) {
		bool ok;

		if (!strncmp(names[i], "retry", 5))
			ok = run_basic("retry", names[i][5] == ':' ? strtoul(names[i] + 6, NULL, 10) : 2);
		else if (!strcmp(names[i], "race"))
			ok = run_race();
		else if (!strcmp(names[i], "mixed"))
			ok = run_mixed();
		else if (!strcmp(names[i], "overrun") || !strcmp(names[i], "rewalk"))
			ok = run_chunks(names[i]);
		else if (!strncmp(names[i], "gap_", 4))
			ok = run_gap(names[i]);
		else
			ok = run_basic(names[i], 0);
		failed += !ok;
	}
	if (out_file)
		fclose(out_file);
	return failed ? 1 : 0;
}
