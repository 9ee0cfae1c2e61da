// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The BPF side's lifecycle. The mechanism is decided before the skeleton is
 * loaded: from the kernel's preemption model (fentry programs are skipped
 * when a preempted task is inside them; kprobe handlers run with preemption
 * disabled, docs/design.md "Lost events"), then per target by loading a
 * two-instruction fentry and fexit program for it, as libbpf-tools'
 * fentry_can_attach does. Nothing is guessed from libbpf's log.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "coverage.h"
#include "bpffeatures.h"
#include "progstats.h"
#include "geometry.h"
#include "summary.h"
#include "tracer.h"
#include "walkcov.skel.h"
/* the compat object (bpf/compat.bpf.h), built for x86 only (Makefile) */
#if __has_include("walkcov_compat.skel.h")
#include "walkcov_compat.skel.h"
#define WC_HAVE_COMPAT 1
#endif

struct wc_tracer {
	struct walkcov_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *slot_links[WC_MAX_SLOTS][2];	/* fentry/fexit or kprobe/kretprobe */
	struct bpf_link *multi_links[2];		/* kprobe.multi, kretprobe.multi */
	struct bpf_link *fork_link;
	struct bpf_link *exit_link;	/* forget_task: exiting tasks leave the walk table */
	int mech;
	char why[200];				/* why this mechanism */
	bool compat;				/* the compat object is loaded */
	int slot_target[WC_MAX_SLOTS];		/* plan index of each slot, -1 if free */
	struct wc_plan *plan;
	const struct wc_tracer_opts *opts;
	const struct wc_stats *stats;		/* the stats map, mmapped: one entry per CPU */
	size_t stats_len;
	int ncpu;
	int stats_fd;				/* BPF_ENABLE_STATS while >= 0 */
	bool tracefs_ret[WC_MAX_SLOTS];		/* a kretprobe event of ours in tracefs */
};

static bool print_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (print_verbose && level != LIBBPF_DEBUG)
		vfprintf(stderr, fmt, ap);	/* whole verifier logs, not cut */
	return 0;
}

static struct bpf_program *slot_prog(struct walkcov_bpf *skel, const char *kind, int slot)
{
	char name[32];

	snprintf(name, sizeof(name), "%s_%d", kind, slot);
	return bpf_object__find_program_by_name(skel->obj, name);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct wc_tracer *t = ctx;

	if (size == sizeof(struct wc_stack_rec) &&
	    ((const struct wc_stack_rec *)data)->magic == WC_STACK_MAGIC)
		return t->opts->on_stack ? t->opts->on_stack(data, t->opts->ctx) : 0;
	if (size < sizeof(struct wc_event))
		return 0;
	return t->opts->on_event ? t->opts->on_event(data, t->opts->ctx) : 0;
}

/*
 * How much the ring holds before the tracer wakes the consumer: a quarter of
 * the ring, at most 256 KiB (2048 events), so the consumer sleeps through
 * bursts instead of waking per event, and a full ring stays far away.
 * WALKCOV_WAKEUP_BYTES overrides it (0: the kernel's default, a wakeup per
 * event while the consumer keeps up; for measuring, docs/production.md).
 */
static __u64 wakeup_bytes(size_t ring_size)
{
	const char *env = getenv("WALKCOV_WAKEUP_BYTES");
	__u64 w = ring_size / 4;

	if (env)
		return strtoull(env, NULL, 0);
	return w < (256u << 10) ? w : (256u << 10);
}

/* ---- run-time facts ---- */

static bool have_kprobes(void)
{
	return !access("/sys/bus/event_source/devices/kprobe/type", F_OK);
}

/* Kernel version as major * 1000 + minor. */
static int kernel_version(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major * 1000 + minor;
}

/*
 * The preemption model in force: "none", "voluntary", "full", "lazy", "rt",
 * or "dynamic" when a PREEMPT_DYNAMIC kernel does not say which. PREEMPT is
 * debugfs sched/preempt ("none voluntary (full)") or NULL, UNAME_V uname -v.
 */
static void preempt_model(const char *preempt, const char *uname_v, char *buf, size_t len)
{
	const char *a, *b;

	if (strstr(uname_v, "PREEMPT_RT"))
		snprintf(buf, len, "rt");
	else if (preempt && (a = strchr(preempt, '(')) && (b = strchr(a, ')')))
		snprintf(buf, len, "%.*s", (int)(b - a - 1), a + 1);
	else if (strstr(uname_v, "PREEMPT_DYNAMIC"))
		snprintf(buf, len, "dynamic");
	else if (strstr(uname_v, "PREEMPT_LAZY"))
		snprintf(buf, len, "lazy");
	else if (strstr(uname_v, "PREEMPT "))
		snprintf(buf, len, "full");
	else
		snprintf(buf, len, "voluntary");
}

int wc_mech_default(const char *preempt, const char *uname_v, bool kprobes,
		    char *why, size_t len)
{
	char model[32];

	preempt_model(preempt, uname_v, model, sizeof(model));
	if (!strcmp(model, "none") || !strcmp(model, "voluntary")) {
		snprintf(why, len, "preemption '%s': fentry programs run to the end, none is skipped",
			 model);
		return WC_MECH_FENTRY;
	}
	if (!kprobes) {
		snprintf(why, len, "preemption '%s' but no kprobes: fentry, programs may be skipped",
			 model);
		return WC_MECH_FENTRY;
	}
	snprintf(why, len, "preemption '%s': fentry programs would be skipped when preempted; "
		 "kprobe handlers run with preemption off", model);
	return WC_MECH_KPROBE_MULTI;
}

/* The default mechanism for the running kernel. */
static int default_mech(char *why, size_t len)
{
	FILE *f = fopen("/sys/kernel/debug/sched/preempt", "re");
	char line[128];
	bool have_line = false;
	struct utsname u;

	if (f) {
		have_line = fgets(line, sizeof(line), f) != NULL;
		fclose(f);
	}
	if (uname(&u))
		u.version[0] = '\0';
	return wc_mech_default(have_line ? line : NULL, u.version, have_kprobes(), why, len);
}

/* ---- which object: feature probes (user/bpffeatures.c) ---- */

/* The running kernel's features, probed once per process. */
static const struct wc_features *kernel_features(void)
{
	static struct wc_features f;

	if (!f.probed) {
		struct btf *vmlinux = btf__load_vmlinux_btf();
		__s32 id = vmlinux ? btf__find_by_name_kind(vmlinux, "walk_page_range",
							     BTF_KIND_FUNC) : -1;

		wc_features_probe(&f, id > 0 ? id : 0);
		btf__free(vmlinux);
#ifdef WC_HAVE_COMPAT
		/* the compat object (x86) takes a kprobe's slot from the
		 * probed address where there is no attach cookie */
		f.kprobe_by_addr = !wc_features_main(&f);
#endif
	}
	return &f;
}

/* The compat object where the main one cannot load (and one is built). */
static bool use_compat(void)
{
#ifdef WC_HAVE_COMPAT
	return !wc_features_main(kernel_features());
#else
	return false;
#endif
}

bool wc_tracer_summary_loads(char *why, size_t len)
{
	const struct wc_features *f = kernel_features();

	if (wc_features_summary(f))
		return true;
	snprintf(why, len, "%s", "this kernel lacks ");
	if (!f->atomic_fetch)
		snprintf(why + strlen(why), len - strlen(why), "atomic fetch (5.12), ");
	if (!f->func_arg)
		snprintf(why + strlen(why), len - strlen(why), "bpf_get_func_arg (5.17), ");
	if (!f->loop)
		snprintf(why + strlen(why), len - strlen(why), "bpf_loop (5.17), ");
	if (strlen(why) >= 2)
		why[strlen(why) - 2] = '\0';
	return false;
}

void wc_tracer_object(char *buf, size_t len)
{
	char missing[512];

	wc_features_missing(kernel_features(), missing, sizeof(missing));
	snprintf(buf, len, "%s%s%s", use_compat() ? "compat (bpf/compat.bpf.h)" : "main",
		 *missing ? ": " : "", missing);
}

/* Open the chosen object through the main skeleton's struct: the Makefile
 * (scripts/same-skeleton) makes sure both objects declare the same one. */
static struct walkcov_bpf *open_skel(bool compat)
{
#ifdef WC_HAVE_COMPAT
	struct walkcov_bpf *s;
	int err;

	if (!compat)
		return walkcov_bpf__open();
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	err = walkcov_bpf__create_skeleton(s);
	if (!err) {
		s->skeleton->data = (void *)walkcov_compat_bpf__elf_bytes(&s->skeleton->data_sz);
		err = bpf_object__open_skeleton(s->skeleton, NULL);
	}
	if (err) {
		walkcov_bpf__destroy(s);
		errno = -err;
		return NULL;
	}
	return s;
#else
	(void)compat;
	return walkcov_bpf__open();
#endif
}

/* The argument count of a target (the compat object reads fexit's return
 * after the arguments); 0 if BTF does not say. */
static __u8 target_nargs(struct btf *vmlinux, const struct wc_target *tg)
{
	struct btf *btf = *tg->module ? btf__load_module_btf(tg->module, vmlinux) : vmlinux;
	const struct btf_type *t;
	__s32 id;
	__u8 n = 0;

	if (!btf)
		return 0;
	id = btf__find_by_name_kind(btf, tg->name, BTF_KIND_FUNC);
	if (id > 0 && (t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type)) && btf_is_func_proto(t))
		n = btf_vlen(t);
	if (btf != vmlinux)
		btf__free(btf);
	return n;
}

/* Every fentry slot's argument count into its rodata (compat object). */
static int set_nargs(struct wc_tracer *t)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();

	if (!vmlinux)
		return -errno;
	for (int slot = 0; slot < WC_MAX_SLOTS; slot++) {
		const struct wc_target *tg;

		if (t->slot_target[slot] < 0)
			continue;
		tg = &t->plan->t[t->slot_target[slot]];
		if (tg->mech == WC_MECH_FENTRY)
			t->skel->rodata->slots[slot].nargs = target_nargs(vmlinux, tg);
	}
	btf__free(vmlinux);
	return 0;
}

/* ---- fentry probing, before the real load ---- */

/* The kernel's BTF object fd of MODULE, or -1. */
static int module_btf_fd(const char *module)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		struct bpf_btf_info info = {};
		__u32 len = sizeof(info);
		char name[64] = "";
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		info.name = (__u64)(unsigned long)name;
		info.name_len = sizeof(name);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.kernel_btf &&
		    !strcmp(name, module))
			return fd;
		close(fd);
	}
	return -1;
}

/* Load "return 0" as ATTACH (fentry or fexit) of BTF function ID: its fd
 * or -errno. */
static int tiny_prog(enum bpf_attach_type attach, __u32 id, int btf_fd)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = attach,
		    .attach_btf_id = id, .attach_btf_obj_fd = btf_fd > 0 ? btf_fd : 0);

	return bpf_prog_load(BPF_PROG_TYPE_TRACING, "wc_probe", "GPL", insns, 2, &o);
}

/* Load it: 0 or -errno. */
static int load_tiny(enum bpf_attach_type attach, __u32 id, int btf_fd)
{
	int fd = tiny_prog(attach, id, btf_fd);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* Load it as fentry of vmlinux function NAME and attach it: 0 or -errno.
 * Loading checks the prototype only; attaching needs the architecture's
 * BPF trampoline on ftrace-managed functions (arm64: ftrace direct calls,
 * from 6.4 on; 6.1 loads fentry programs but cannot attach them). */
static int attach_tiny(struct btf *vmlinux, const char *name)
{
	__s32 id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC);
	int fd, lfd, err = 0;

	if (id <= 0)
		return -ENOENT;
	fd = tiny_prog(BPF_TRACE_FENTRY, (__u32)id, -1);
	if (fd < 0)
		return fd;
	lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0)
		err = -errno;
	else
		close(lfd);
	close(fd);
	return err;
}

/* Can TG be traced with fentry and fexit? 0 or -errno. */
static int fentry_probe(struct btf *vmlinux, const struct wc_target *tg)
{
	struct btf *btf = vmlinux;
	int btf_fd = -1, err;
	__s32 id;

	if (*tg->module) {
		btf = btf__load_module_btf(tg->module, vmlinux);
		btf_fd = module_btf_fd(tg->module);
		if (!btf || btf_fd < 0) {
			btf__free(btf);
			if (btf_fd >= 0)
				close(btf_fd);
			return -ENOENT;
		}
	}
	id = btf__find_by_name_kind(btf, tg->name, BTF_KIND_FUNC);
	err = id > 0 ? load_tiny(BPF_TRACE_FENTRY, id, btf_fd) : -ENOENT;
	if (!err)
		err = load_tiny(BPF_TRACE_FEXIT, id, btf_fd);
	if (btf != vmlinux)
		btf__free(btf);
	if (btf_fd >= 0)
		close(btf_fd);
	return err;
}

static void lockdown_mode(char *buf, size_t len)
{
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");
	char line[128] = "", *a, *b;

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (a = strchr(line, '[')) && (b = strchr(a, ']'))) {
		*b = '\0';
		snprintf(buf, len, "%s", a + 1);
	}
	fclose(f);
}

/* Why the kernel refused fentry everywhere (EPERM has three usual causes). */
static void fentry_reason(int err, char *buf, size_t len)
{
	char lock[32];

	if (err != -EPERM && err != -EACCES) {
		snprintf(buf, len, "fentry/fexit refused (%s)", strerror(-err));
		return;
	}
	if (geteuid() != 0) {
		snprintf(buf, len, "fentry/fexit refused (%s): not root (needs CAP_BPF and CAP_PERFMON)",
			 strerror(-err));
		return;
	}
	lockdown_mode(lock, sizeof(lock));
	if (strcmp(lock, "none") && strcmp(lock, "unknown"))
		snprintf(buf, len, "fentry/fexit refused (%s): kernel lockdown is '%s'",
			 strerror(-err), lock);
	else if (!strcmp(lock, "unknown"))
		snprintf(buf, len, "fentry/fexit refused (%s; lockdown state unknown: "
			 "securityfs not mounted at /sys/kernel/security)", strerror(-err));
	else
		snprintf(buf, len, "fentry/fexit refused (%s)", strerror(-err));
}

static void kprobe_reason(int err, char *buf, size_t len)
{
	if (!have_kprobes())
		snprintf(buf, len, "kprobes unavailable (kernel built without CONFIG_KPROBES)");
	else
		snprintf(buf, len, "kprobes failed (%s)", strerror(-err));
}

/*
 * Probe every used target for fentry. A target the kernel refuses alone
 * moves to kprobes (or is skipped without them). Returns 0, or -errno when
 * fentry is refused for every target (then nothing is changed).
 */
static int probe_fentry(struct wc_plan *plan, char *why, size_t len)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int ok = 0, refused = 0, first_err = 0, *errs;
	bool kprobes = have_kprobes() && wc_features_kprobes(kernel_features());

	if (!vmlinux)
		return -errno;
	errs = calloc(plan->n ? plan->n : 1, sizeof(*errs));
	if (!errs) {
		btf__free(vmlinux);
		return -ENOMEM;
	}
	for (int i = 0; i < plan->n; i++) {
		if (!plan->t[i].use)
			continue;
		errs[i] = fentry_probe(vmlinux, &plan->t[i]);
		if (errs[i]) {
			refused++;
			first_err = first_err ? first_err : errs[i];
		} else {
			ok++;
		}
	}
	/* one of them attached (and detached) for real: what loads may
	 * still not attach, for every target alike */
	for (int i = 0; ok && i < plan->n; i++) {
		int err;

		if (!plan->t[i].use || errs[i] || *plan->t[i].module)
			continue;
		err = attach_tiny(vmlinux, plan->t[i].name);
		if (err) {
			btf__free(vmlinux);
			free(errs);
			/* 524: the kernel's ENOTSUPP, which strerror does not know */
			snprintf(why, len, "fentry/fexit load but do not attach here (%s on %.60s)",
				 err == -524 ? "ENOTSUPP: no BPF trampoline for ftrace-managed functions"
					     : strerror(-err), plan->t[i].name);
			return err;
		}
		break;
	}
	btf__free(vmlinux);
	if (!ok) {
		free(errs);
		fentry_reason(first_err ? first_err : -ENOENT, why, len);
		return first_err ? first_err : -ENOENT;
	}
	for (int i = 0; i < plan->n; i++) {
		struct wc_target *tg = &plan->t[i];

		if (!tg->use)
			continue;
		tg->mech = errs[i] ? WC_MECH_KPROBE : WC_MECH_FENTRY;
		if (errs[i] && kprobes && tg->no_btf)
			snprintf(tg->why, sizeof(tg->why), "no module BTF (fentry needs it), "
				 "kprobe used");
		else if (errs[i] && kprobes)
			snprintf(tg->why, sizeof(tg->why), "fentry refused (%s), kprobe used",
				 strerror(-errs[i]));
		else if (errs[i])
			wc_target_skip(tg, "fentry refused (%s), and no kprobes%s", strerror(-errs[i]),
				       have_kprobes() ? " (no bpf_get_attach_cookie)" : "");
	}
	free(errs);
	return 0;
}

/* ---- load ---- */

static int set_autoload(struct bpf_program *prog, bool on)
{
	return prog ? bpf_program__set_autoload(prog, on) : -ENOENT;
}

/* The filters the BPF programs compare with (read-only data, set before load). */
static void set_filter_knobs(struct walkcov_bpf *skel, const struct wc_filter *f)
{
	if (!f)
		return;
	if (*f->comm) {
		skel->rodata->filter_comm_set = 1;
		memcpy((char *)skel->rodata->filter_comm, f->comm, sizeof(f->comm));
	}
	skel->rodata->filter_cgroup = *f->cgroup != 0;
	skel->rodata->filter_ops_n = f->n_ops;
	skel->rodata->filter_ops_by_callback = f->ops_by_callback;
	for (int i = 0; i < f->n_ops && i < WC_MAX_FILTER_OPS; i++)
		skel->rodata->filter_ops[i] = f->ops_ids[i];
}

/* Open the skeleton, give every used target a slot and load it. */
/*
 * Map the stats map: its counters are then read with no syscall. A map
 * syscall holds bpf_prog_active on its CPU, and on a preemptible kernel the
 * reader can be preempted inside it: every kprobe program on that CPU is
 * then skipped (measured: 1,095 events lost in a 6 s record on 7.2, from
 * the periodic LOST record alone).
 */
static int map_stats(struct wc_tracer *t)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	t->stats_len = ((size_t)t->ncpu * sizeof(struct wc_stats) + page - 1) / page * page;
	p = mmap(NULL, t->stats_len, PROT_READ, MAP_SHARED, bpf_map__fd(t->skel->maps.stats), 0);
	if (p == MAP_FAILED)
		return -errno;
	t->stats = p;
	return 0;
}

/* The sum of every CPU's counters. */
static void read_stats(const struct wc_tracer *t, struct wc_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int c = 0; t->stats && c < t->ncpu; c++) {
		const __u64 *src = (const __u64 *)&t->stats[c];
		__u64 *dst = (__u64 *)sum;

		for (size_t f = 0; f < sizeof(*sum) / sizeof(__u64); f++)
			dst[f] += __atomic_load_n(&src[f], __ATOMIC_RELAXED);
	}
}

static int load(struct wc_tracer *t)
{
	struct wc_plan *plan = t->plan;
	struct bpf_program *prog;
	bool kprobes = false, multi = t->mech == WC_MECH_KPROBE_MULTI;
	int slot = 0, err;

	t->skel = open_skel(t->compat);
	if (!t->skel)
		return -errno;
	err = bpf_map__set_max_entries(t->skel->maps.events, t->opts->ring_size);
	if (err)
		return err;
	t->ncpu = libbpf_num_possible_cpus();
	if (t->ncpu <= 0)
		return t->ncpu ? t->ncpu : -EINVAL;
	err = bpf_map__set_max_entries(t->skel->maps.stats, t->ncpu);
	if (err)
		return err;
	/* the compat object counts walk ids per CPU (bpf/compat.bpf.h) */
	if (t->compat && (err = bpf_map__set_max_entries(t->skel->maps.walk_ids, t->ncpu)))
		return err;
	t->skel->rodata->target_tgid = t->opts->target_tgid;
	set_filter_knobs(t->skel, t->opts->filter);
	t->skel->rodata->mode = t->opts->mode ? t->opts->mode : WC_MODE_F_EVENTS;
	t->skel->rodata->livelock_retries = t->opts->livelock ? t->opts->livelock : WC_LIVELOCK_DEFAULT;
	if (!(t->skel->rodata->mode & WC_MODE_F_JUDGE)) {
		/* the judge's maps are not used: no memory for them */
		struct bpf_map *unused[] = { t->skel->maps.judges, t->skel->maps.summary,
					     t->skel->maps.stacks, t->skel->maps.mm_walks,
					     t->skel->maps.split_log, t->skel->maps.ops_slots,
					     t->skel->maps.stack_sent };

		for (size_t i = 0; i < sizeof(unused) / sizeof(unused[0]); i++)
			if ((err = bpf_map__set_max_entries(unused[i], 1)))
				return err;
	}
	/* debugging aid: report splits of non-huge pmds too */
	t->skel->rodata->emit_all_splits = getenv("WALKCOV_ALL_SPLITS") != NULL;
	t->skel->rodata->wakeup_bytes = wakeup_bytes(t->opts->ring_size);
	/* debugging aid: no page-table reads of unvisited ranges (such
	 * ranges of ops without pte_hole then make their walk unsure) */
	t->skel->rodata->read_quiet = getenv("WALKCOV_NO_QUIET") == NULL;
	/* measuring aid (make bench): the programs attach as usual and return
	 * once they have their arguments, the floor of any tracer's cost */
	t->skel->rodata->empty_programs = getenv("WALKCOV_EMPTY_PROGRAMS") != NULL;
	if (t->skel->rodata->empty_programs)
		fprintf(stderr, "walkcov: WALKCOV_EMPTY_PROGRAMS is set: the programs return at once, nothing is traced\n");
	/* the judge's blocks follow the running kernel's geometry */
	wc_geometry_from_kernel();
	t->skel->rodata->wc_page_shift = wc_geo.page_shift;
	t->skel->rodata->wc_pmd_shift = wc_geo.pmd_shift;
	t->skel->rodata->page_offset_base_addr = plan->page_offset_base;
	t->skel->rodata->pgdir_shift_addr = plan->pgdir_shift;
#ifdef WC_ARCH_ARM64
	t->skel->rodata->memstart_addr_addr = plan->memstart_addr;
	/* no memstart_addr in kallsyms (no CONFIG_KALLSYMS_ALL): vmcoreinfo's */
	t->skel->rodata->memstart_known = !plan->memstart_addr && plan->phys_offset_known;
	t->skel->rodata->memstart_value = plan->phys_offset;
#endif

	bpf_object__for_each_program(prog, t->skel->obj)
		if ((err = bpf_program__set_autoload(prog, false)))
			return err;
	for (int i = 0; i < plan->n; i++) {
		struct wc_target *tg = &plan->t[i];

		if (!tg->use)
			continue;
		if (slot == WC_MAX_SLOTS) {
			wc_target_skip(tg, "no free slot (%d max)", WC_MAX_SLOTS);
			continue;
		}
		t->skel->rodata->slots[slot] = tg->slot;
		if (tg->slot.role == WC_R_WALK && !wc_entry_ordered(tg->name))
			t->skel->rodata->slots[slot].flags |= WC_SLOT_UNORDERED;
		t->slot_target[slot] = i;
		if (tg->mech == WC_MECH_FENTRY) {
			const char *kinds[] = { "fentry", "fexit" };

			for (int k = 0; k < 2; k++) {
				prog = slot_prog(t->skel, kinds[k], slot);
				if ((err = set_autoload(prog, true)) ||
				    (err = bpf_program__set_attach_target(prog, 0, tg->name)))
					return err;
			}
		} else {
			kprobes = true;
		}
		slot++;
	}
	if (!slot)
		return -ENOENT;
	if (t->compat && (err = set_nargs(t)))
		return err;
	/* the kprobe programs' slot by address (compat object): unused
	 * otherwise, no memory for them */
	if (!t->compat || !kprobes) {
		if ((err = bpf_map__set_max_entries(t->skel->maps.kprobe_slots, 1)) ||
		    (err = bpf_map__set_max_entries(t->skel->maps.kprobe_calls, 1)))
			return err;
	}
	/* kprobe.multi falls back to per-target kprobes at attach: load both */
	err = set_autoload(t->skel->progs.kprobe_entry, kprobes) ?:
	      set_autoload(t->skel->progs.kretprobe_exit, kprobes) ?:
	      set_autoload(t->skel->progs.kmulti_entry, kprobes && multi) ?:
	      set_autoload(t->skel->progs.kmulti_exit, kprobes && multi) ?:
	      set_autoload(t->skel->progs.follow_fork, t->opts->target_tgid != 0) ?:
	      set_autoload(t->skel->progs.forget_task, true);
	if (err)
		return err;
	err = walkcov_bpf__load(t->skel);
	if (err)
		return -errno;
	return map_stats(t);
}

/* ---- attach ---- */

/*
 * The compat object's kretprobes (5.10). libbpf creates them through the
 * kprobe PMU, which takes no maxactive: the kernel then gives each
 * kretprobe as many instances as CPUs where it has no CONFIG_PREEMPTION
 * (Debian's 5.10 cloud kernel), so a third task inside a walker function
 * that sleeps (walk_page_range, a callback) loses its return. Measured:
 * 6,101 of 147,411 walks incomplete under `check --kprobe` over stress.
 * A kretprobe made through tracefs names its maxactive: WC_KRET_MAXACTIVE
 * instances, attached as a tracepoint perf event. Where tracefs is not
 * writable, libbpf's (the loss is then seen as incomplete walks).
 */
#define WC_KRET_MAXACTIVE 512

static const char *kprobe_events_path(void)
{
	static const char *const p[] = { "/sys/kernel/tracing/kprobe_events",
					  "/sys/kernel/debug/tracing/kprobe_events" };

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (!access(p[i], W_OK))
			return p[i];
	return NULL;
}

static int kprobe_events_write(const char *line)
{
	const char *path = kprobe_events_path();
	int fd, err = 0;

	if (!path)
		return -ENOENT;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		err = -errno;
	close(fd);
	return err;
}

static void tracefs_ret_remove(struct wc_tracer *t, int slot)
{
	char line[96];

	if (!t->tracefs_ret[slot])
		return;
	snprintf(line, sizeof(line), "-:walkcov/wc_%d_%d\n", (int)getpid(), slot);
	kprobe_events_write(line);
	t->tracefs_ret[slot] = false;
}

/* The kretprobe of SLOT through tracefs: its link, or NULL and errno. */
static struct bpf_link *tracefs_kretprobe(struct wc_tracer *t, int slot, const char *func)
{
	struct perf_event_attr a = { .size = sizeof(a), .type = PERF_TYPE_TRACEPOINT,
				     .sample_period = 1, .wakeup_events = 1 };
	const char *path = kprobe_events_path();
	char line[300], idpath[200], id[32] = "";
	struct bpf_link *l = NULL;
	int fd, pfd = -1, err;
	ssize_t n;

	if (!path) {
		errno = ENOENT;
		return NULL;
	}
	snprintf(line, sizeof(line), "r%d:walkcov/wc_%d_%d %s\n", WC_KRET_MAXACTIVE,
		 (int)getpid(), slot, func);
	if ((err = kprobe_events_write(line))) {
		errno = -err;
		return NULL;
	}
	t->tracefs_ret[slot] = true;
	/* events/ sits next to kprobe_events */
	snprintf(idpath, sizeof(idpath), "%.*s/events/walkcov/wc_%d_%d/id",
		 (int)(strrchr(path, '/') - path), path, (int)getpid(), slot);
	fd = open(idpath, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, id, sizeof(id) - 1);
	err = n > 0 ? 0 : fd < 0 ? errno : EIO;
	if (fd >= 0)
		close(fd);
	if (err)
		goto fail;
	a.config = strtoull(id, NULL, 10);
	pfd = (int)syscall(__NR_perf_event_open, &a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0 || !(l = bpf_program__attach_perf_event(t->skel->progs.kretprobe_exit, pfd))) {
		err = errno;
		goto fail;
	}
	return l;
fail:
	if (pfd >= 0)
		close(pfd);
	tracefs_ret_remove(t, slot);	/* the event we made, not left in tracefs */
	errno = err;
	return NULL;
}

static int attach_kprobe_pair(struct wc_tracer *t, int slot)
{
	const struct wc_target *tg = &t->plan->t[t->slot_target[slot]];
	const char *name = tg->name;
	LIBBPF_OPTS(bpf_kprobe_opts, o, .bpf_cookie = slot);
	struct bpf_link **l = t->slot_links[slot];

	if (t->compat) {
		/* no attach cookie (libbpf refuses one without perf links,
		 * 5.15): the programs find the slot by the probed address */
		__u64 addr = tg->addr;
		__u32 s = (__u32)slot;

		if (!addr)
			return -ENOENT;	/* not one symbol in kallsyms */
		o.bpf_cookie = 0;
		if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.kprobe_slots), &addr, &s, BPF_ANY))
			return -errno;
	}

	l[0] = bpf_program__attach_kprobe_opts(t->skel->progs.kprobe_entry, name, &o);
	if (!l[0])
		return -errno;
	if (t->compat && (l[1] = tracefs_kretprobe(t, slot, name)))
		return 0;
	o.retprobe = true;
	l[1] = bpf_program__attach_kprobe_opts(t->skel->progs.kretprobe_exit, name, &o);
	return l[1] ? 0 : -errno;
}

static int attach_fentry_pair(struct wc_tracer *t, int slot)
{
	struct bpf_link **l = t->slot_links[slot];

	l[0] = bpf_program__attach(slot_prog(t->skel, "fentry", slot));
	if (!l[0])
		return -errno;
	l[1] = bpf_program__attach(slot_prog(t->skel, "fexit", slot));
	return l[1] ? 0 : -errno;
}

/* Every kprobe target in one kprobe.multi link pair: 0 or -errno. */
static int attach_multi(struct wc_tracer *t)
{
	const char *syms[WC_MAX_SLOTS];
	__u64 cookies[WC_MAX_SLOTS];
	size_t n = 0;

	for (int slot = 0; slot < WC_MAX_SLOTS; slot++) {
		int i = t->slot_target[slot];

		if (i < 0 || t->plan->t[i].mech == WC_MECH_FENTRY)
			continue;
		syms[n] = t->plan->t[i].name;
		cookies[n++] = slot;
	}
	if (!n)
		return 0;
	LIBBPF_OPTS(bpf_kprobe_multi_opts, o, .syms = syms, .cookies = cookies, .cnt = n);
	t->multi_links[0] = bpf_program__attach_kprobe_multi_opts(t->skel->progs.kmulti_entry,
								   NULL, &o);
	if (!t->multi_links[0])
		return -errno;
	o.retprobe = true;
	t->multi_links[1] = bpf_program__attach_kprobe_multi_opts(t->skel->progs.kmulti_exit,
								   NULL, &o);
	return t->multi_links[1] ? 0 : -errno;
}

static void destroy_links(struct bpf_link **l, int n)
{
	for (int i = 0; i < n; i++) {
		bpf_link__destroy(l[i]);
		l[i] = NULL;
	}
}

/* A slot's links, and its tracefs kretprobe once they are gone. */
static void destroy_slot(struct wc_tracer *t, int slot)
{
	destroy_links(t->slot_links[slot], 2);
	tracefs_ret_remove(t, slot);
}

/* Attach the entry/exit pair of every slot whose target uses MECH; a
 * target that fails is skipped with the reason, the others go on. */
static void attach_pairs(struct wc_tracer *t, int mech,
			 int (*attach_pair)(struct wc_tracer *t, int slot), const char *what)
{
	for (int slot = 0; slot < WC_MAX_SLOTS; slot++) {
		struct wc_target *tg;
		int err;

		if (t->slot_target[slot] < 0)
			continue;
		tg = &t->plan->t[t->slot_target[slot]];
		if (tg->mech != mech)
			continue;
		err = attach_pair(t, slot);
		if (err) {
			destroy_slot(t, slot);
			wc_target_skip(tg, "%s attach failed: %s", what, strerror(-err));
		}
	}
}

/* kprobe.multi where the kernel has it, else one kprobe pair per target. */
/* kprobe.multi could not attach (ERR): say so and use a kprobe pair per target. */
static void multi_to_kprobes(struct wc_tracer *t, int err)
{
	snprintf(t->why + strlen(t->why), sizeof(t->why) - strlen(t->why),
		 "; kprobe.multi failed (%s): one kprobe per target", strerror(-err));
	t->mech = WC_MECH_KPROBE;
	for (int i = 0; i < t->plan->n; i++)
		if (t->plan->t[i].use && t->plan->t[i].mech == WC_MECH_KPROBE_MULTI)
			t->plan->t[i].mech = WC_MECH_KPROBE;
}

static void attach_kprobe_targets(struct wc_tracer *t)
{
	int err;

	if (t->mech == WC_MECH_KPROBE_MULTI) {
		err = attach_multi(t);
		if (!err)
			return;
		destroy_links(t->multi_links, 2);
		multi_to_kprobes(t, err);
	}
	attach_pairs(t, WC_MECH_KPROBE, attach_kprobe_pair, "kprobe");
}

static int attach_all(struct wc_tracer *t)
{
	int attached = 0;

	t->exit_link = bpf_program__attach(t->skel->progs.forget_task);
	if (!t->exit_link)
		return -errno;
	if (t->opts->target_tgid) {
		__u32 tgid = t->opts->target_tgid;
		__u8 one = 1;

		/* follow the target's children before any walk is traced */
		if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.tracked_tgids), &tgid, &one, BPF_ANY))
			return -errno;
		t->fork_link = bpf_program__attach(t->skel->progs.follow_fork);
		if (!t->fork_link)
			return -errno;
	}
	attach_pairs(t, WC_MECH_FENTRY, attach_fentry_pair, "fentry");
	attach_kprobe_targets(t);
	for (int slot = 0; slot < WC_MAX_SLOTS; slot++)
		if (t->slot_target[slot] >= 0 && t->plan->t[t->slot_target[slot]].use)
			attached++;
	return attached ? 0 : -ENOENT;
}

/* load_only: can kprobes attach here? Attach and detach what would be used. */
static int try_kprobes(struct wc_tracer *t)
{
	bool any = false;
	int err = 0;

	for (int slot = 0; slot < WC_MAX_SLOTS && !any; slot++)
		any = t->slot_target[slot] >= 0 &&
		      t->plan->t[t->slot_target[slot]].mech != WC_MECH_FENTRY;
	if (!any)
		return 0;
	if (t->mech == WC_MECH_KPROBE_MULTI) {
		err = attach_multi(t);
		destroy_links(t->multi_links, 2);
		if (!err)
			return 0;
		multi_to_kprobes(t, err);
	}
	for (int slot = 0; slot < WC_MAX_SLOTS; slot++) {
		if (t->slot_target[slot] < 0 ||
		    t->plan->t[t->slot_target[slot]].mech != WC_MECH_KPROBE)
			continue;
		err = attach_kprobe_pair(t, slot);
		destroy_slot(t, slot);
		break;
	}
	return err;
}

/* ---- open ---- */

/* The --cgroup directory into the tracer's cgroup array, before attaching. */
static int set_cgroup(struct wc_tracer *t)
{
	const struct wc_filter *f = t->opts->filter;
	__u32 zero = 0;
	int fd, e = 0;

	if (!f || !*f->cgroup)
		return 0;
	fd = open(f->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.filter_cgroups), &zero, &fd, BPF_ANY))
		e = -errno;
	close(fd);
	return e;
}

/* Decide every used target's mechanism before loading: 0, or -errno with
 * the reason in ERR when nothing can trace here. */
static int decide(struct wc_tracer *t, char *err, size_t errlen)
{
	int mech = t->opts->force_mech;
	char why_f[200] = "";

	if (mech == WC_MECH_NONE)
		mech = default_mech(t->why, sizeof(t->why));
	else
		snprintf(t->why, sizeof(t->why), "forced by the command line");
	if (mech == WC_MECH_FENTRY) {
		if (!probe_fentry(t->plan, why_f, sizeof(why_f))) {
			t->mech = WC_MECH_FENTRY;
			return 0;
		}
		if (t->opts->force_mech == WC_MECH_FENTRY || !have_kprobes()) {
			snprintf(err, errlen, "cannot trace on this kernel: %s%s", why_f,
				 have_kprobes() ? "" : "; kprobes unavailable (kernel built without CONFIG_KPROBES)");
			return -EPERM;
		}
		snprintf(t->why, sizeof(t->why), "%s: kprobes", why_f);
		mech = WC_MECH_KPROBE_MULTI;
	}
	if (!have_kprobes()) {
		snprintf(err, errlen, "cannot trace on this kernel: kprobes unavailable "
			 "(kernel built without CONFIG_KPROBES)");
		return -ENOENT;
	}
	if (!wc_features_kprobes(kernel_features())) {
		/* the kprobe programs take their slot from the attach cookie */
		snprintf(err, errlen, "cannot trace on this kernel with kprobes: no "
			 "bpf_get_attach_cookie (Linux 5.15)%s%s", *why_f ? "; " : "", why_f);
		return -EOPNOTSUPP;
	}
	t->mech = mech;
	for (int i = 0; i < t->plan->n; i++)
		if (t->plan->t[i].use)
			t->plan->t[i].mech = mech;
	return 0;
}

struct wc_tracer *wc_tracer_open(const struct wc_tracer_opts *opts, char *err, size_t errlen)
{
	struct wc_tracer *t = calloc(1, sizeof(*t));
	char why_k[200];
	int e;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->opts = opts;
	t->plan = opts->plan;
	t->stats_fd = -1;
	for (int i = 0; i < WC_MAX_SLOTS; i++)
		t->slot_target[i] = -1;
	if (opts->prog_stats && (t->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME)) < 0) {
		snprintf(err, errlen, "cannot turn on BPF run-time statistics: %s", strerror(errno));
		free(t);
		return NULL;
	}
	print_verbose = opts->verbose;
	libbpf_set_print(libbpf_print);

	if (!wc_plan_used(t->plan)) {
		snprintf(err, errlen, "no attach point found on this kernel (see 'walkcov probes')");
		goto fail;
	}
	t->compat = use_compat();
	if ((opts->mode & WC_MODE_F_JUDGE) && !wc_tracer_summary_loads(why_k, sizeof(why_k))) {
		snprintf(err, errlen, "summary mode cannot load on this kernel (%s)", why_k);
		goto fail;
	}
	if (decide(t, err, errlen))
		goto fail;
	e = load(t);
	if (e) {
		snprintf(err, errlen, "cannot load the tracer (%s mechanism%s): %s",
			 wc_mech_name(t->mech), t->compat ? ", compat object" : "", strerror(-e));
		goto fail;
	}
	e = set_cgroup(t);
	if (e) {
		snprintf(err, errlen, "cannot filter by cgroup '%s': %s", opts->filter->cgroup,
			 strerror(-e));
		goto fail;
	}
	if (opts->load_only) {
		/* kprobe programs load even where kprobes cannot attach */
		e = try_kprobes(t);
		if (e) {
			kprobe_reason(e, why_k, sizeof(why_k));
			snprintf(err, errlen, "cannot trace on this kernel: %s", why_k);
			goto fail;
		}
		return t;
	}
	e = attach_all(t);
	if (e) {
		kprobe_reason(e, why_k, sizeof(why_k));
		snprintf(err, errlen, "cannot attach any program (%s)",
			 t->mech == WC_MECH_FENTRY ? strerror(-e) : why_k);
		goto fail;
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), handle_event, t, NULL);
	if (!t->rb) {
		snprintf(err, errlen, "cannot open the ring buffer: %s", strerror(errno));
		goto fail;
	}
	return t;
fail:
	wc_tracer_close(t);
	return NULL;
}

int wc_tracer_mech(const struct wc_tracer *t)
{
	return t->mech;
}

const char *wc_tracer_why(const struct wc_tracer *t)
{
	return t->why;
}

int wc_tracer_target_mech(const struct wc_tracer *t, const struct wc_target *tg)
{
	(void)t;
	return tg->mech;
}

int wc_tracer_slot_target(const struct wc_tracer *t, int slot)
{
	return slot >= 0 && slot < WC_MAX_SLOTS ? t->slot_target[slot] : -1;
}

int wc_tracer_poll(struct wc_tracer *t, int timeout_ms)
{
	int n, m;

	if (!t->rb)
		return 0;
	n = ring_buffer__poll(t->rb, timeout_ms);
	if (n == -EINTR)
		n = 0;
	if (n < 0)
		return n;
	/* the tracer wakes us only every wakeup_bytes: a poll that timed out
	 * still takes what is pending */
	m = ring_buffer__consume(t->rb);
	if (m < 0)
		return m == -EINTR ? n : m;
	return n + m;
}

/* ---- lost events ---- */

static __u64 prog_misses(struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = prog ? bpf_program__fd(prog) : -1;

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

/*
 * struct bpf_link_info as of Linux 6.7, which added the kprobes' "missed"
 * (handler not run: kprobe recursion, no free kretprobe instance); libbpf
 * 1.1's header predates it. Only what is read here.
 */
struct link_info_67 {
	__u32 type, id, prog_id, pad;
	union {
		struct {
			__u64 addrs;
			__u32 count, flags;
			__u64 missed;
		} kprobe_multi;
		struct {
			__u32 type, pad;
			__u64 func_name;
			__u32 name_len, offset;
			__u64 addr, missed;
		} perf_kprobe;
	};
};

#define LINK_TYPE_PERF_EVENT 7		/* BPF_LINK_TYPE_PERF_EVENT */
#define LINK_TYPE_KPROBE_MULTI 8	/* BPF_LINK_TYPE_KPROBE_MULTI */

/* The kernel's missed count of a kprobe link; false when not exposed. */
static bool link_missed(struct bpf_link *l, __u64 *missed)
{
	struct link_info_67 info = {};
	__u32 len = sizeof(info);
	int fd = l ? bpf_link__fd(l) : -1;

	*missed = 0;
	if (fd < 0 || kernel_version() < 6007 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return false;
	if (info.type == LINK_TYPE_KPROBE_MULTI)
		*missed = info.kprobe_multi.missed;
	else if (info.type == LINK_TYPE_PERF_EVENT)
		*missed = info.perf_kprobe.missed;
	else
		return false;
	return true;
}

static void add_miss(struct wc_lost *lost, const char *name, uint64_t m)
{
	struct wc_prog_miss *pm;

	lost->recursion_misses += m;
	if (!m || !lost->per_prog)
		return;
	pm = &lost->per_prog[lost->n_per_prog++];
	snprintf(pm->name, sizeof(pm->name), "%s", name);
	pm->misses = m;
}

void wc_tracer_lost(struct wc_tracer *t, struct wc_lost *lost)
{
	struct wc_stats st;
	__u64 m, m2;

	memset(lost, 0, sizeof(*lost));
	if (!t || !t->skel)
		return;
	read_stats(t, &st);
	lost->ringbuf_drops = st.ringbuf_drops;
	lost->stash_drops = st.stash_drops;
	lost->events = st.events;

	/* one entry per slot, the kprobe.multi pair, the kprobe programs */
	lost->per_prog = calloc(WC_MAX_SLOTS + 2, sizeof(*lost->per_prog));
	for (int slot = 0; slot < WC_MAX_SLOTS; slot++) {
		const struct wc_target *tg;

		if (t->slot_target[slot] < 0)
			continue;
		tg = &t->plan->t[t->slot_target[slot]];
		if (tg->mech == WC_MECH_FENTRY) {
			add_miss(lost, tg->name, prog_misses(slot_prog(t->skel, "fentry", slot)) +
					     prog_misses(slot_prog(t->skel, "fexit", slot)));
		} else if (t->slot_links[slot][0]) {
			bool known = link_missed(t->slot_links[slot][0], &m) &&
				     link_missed(t->slot_links[slot][1], &m2);

			lost->kprobe_misses_unknown |= !known;
			add_miss(lost, tg->name, known ? m + m2 : 0);
		}
	}
	if (t->multi_links[0]) {
		bool known = link_missed(t->multi_links[0], &m) &&
			     link_missed(t->multi_links[1], &m2);

		lost->kprobe_misses_unknown |= !known;
		add_miss(lost, "kprobe.multi", known ? m + m2 : 0);
	}
	/* kprobe programs the kernel did not run (6.7+ counts these too) */
	add_miss(lost, "kprobe programs",
		 prog_misses(t->skel->progs.kprobe_entry) + prog_misses(t->skel->progs.kretprobe_exit) +
		 prog_misses(t->skel->progs.kmulti_entry) + prog_misses(t->skel->progs.kmulti_exit));
}

void wc_tracer_close(struct wc_tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	for (int slot = 0; slot < WC_MAX_SLOTS; slot++)
		destroy_slot(t, slot);
	destroy_links(t->multi_links, 2);
	bpf_link__destroy(t->fork_link);
	bpf_link__destroy(t->exit_link);
	if (t->stats)
		munmap((void *)t->stats, t->stats_len);
	if (t->stats_fd >= 0)
		close(t->stats_fd);
	walkcov_bpf__destroy(t->skel);
	free(t);
}

/* ---- --prog-stats ---- */

/* "fexit smaps_pte_range" for a slot's program, else the program's name */
static void prog_label(const struct wc_tracer *t, const char *name, char *buf, size_t size)
{
	const char *kinds[] = { "fentry", "fexit" };

	for (int k = 0; k < 2; k++) {
		size_t n = strlen(kinds[k]);
		char *end;
		long slot;

		if (strncmp(name, kinds[k], n) || name[n] != '_')
			continue;
		slot = strtol(name + n + 1, &end, 10);
		if (*end || slot < 0 || slot >= WC_MAX_SLOTS || t->slot_target[slot] < 0)
			break;
		snprintf(buf, size, "%s %s", kinds[k], t->plan->t[t->slot_target[slot]].name);
		return;
	}
	snprintf(buf, size, "%s", name);
}

int wc_tracer_prog_stats(struct wc_tracer *t, struct wc_prog_stat **stats)
{
	struct bpf_program *prog;
	struct wc_prog_stat *st;
	int n = 0, max = 0;

	bpf_object__for_each_program(prog, t->skel->obj)
		max++;
	st = calloc((size_t)max + 1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	bpf_object__for_each_program(prog, t->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || n >= max || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		prog_label(t, bpf_program__name(prog), st[n].label, sizeof(st[n].label));
		st[n].runs = info.run_cnt;
		st[n].run_ns = info.run_time_ns;
		n++;
	}
	*stats = st;
	return n;
}

/* ---- summary mode ---- */

/* Add one key's per-CPU values (NCPU of them at VALS) to its row. */
static int add_row(struct wc_snapshot *snap, const struct wc_sum_key *key,
		   const struct wc_sum_val *vals, int ncpu)
{
	char comm[WC_COMM_LEN + 1];
	struct wc_sum_row *r;

	memcpy(comm, key->comm, WC_COMM_LEN);
	comm[WC_COMM_LEN] = '\0';
	r = wc_snapshot_row(snap, key->ops, comm);
	if (!r)
		return -ENOMEM;
	for (int c = 0; c < ncpu; c++)
		wc_sum_val_add(&r->v, &vals[c]);
	return 0;
}

/*
 * A map syscall holds its CPU's bpf_prog_active: if the reading thread is
 * preempted inside it (a preemptible kernel), the kernel skips every kprobe
 * program of the tasks that run on that CPU meanwhile (counted as programs
 * skipped: lost coverage). So the summary is read in as few syscalls as
 * possible: batches of keys, not two syscalls per key.
 */
int wc_tracer_summary(struct wc_tracer *t, struct wc_snapshot *snap)
{
	const __u32 chunk = 64;		/* keys per batch (a hash bucket never holds more) */
	int ncpu = libbpf_num_possible_cpus(), fd, err = 0;
	struct wc_sum_key *keys = NULL;
	struct wc_sum_val *vals = NULL;
	__u32 batch = 0, n;
	bool first = true;

	if (!t || !t->skel || ncpu <= 0)
		return -EINVAL;
	keys = calloc(chunk, sizeof(*keys));
	vals = calloc((size_t)chunk * ncpu, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	fd = bpf_map__fd(t->skel->maps.summary);
	for (;;) {
		int ret;

		n = chunk;
		ret = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, keys, vals, &n, NULL);
		if (ret && errno != ENOENT) {
			err = -errno;
			break;
		}
		first = false;
		for (__u32 i = 0; i < n && !err; i++)
			err = add_row(snap, &keys[i], &vals[(size_t)i * ncpu], ncpu);
		if (ret || err)
			break;	/* ENOENT: that was the last batch */
	}
	if (err)
		goto out;
	{
		struct wc_stats sum;

		read_stats(t, &sum);
		snap->t.ringbuf_drops = sum.ringbuf_drops;
		snap->t.untracked = sum.untracked;
		snap->t.lost_exits = sum.lost_exits;
		snap->t.sum_full = sum.sum_full;
		snap->t.walks_open = sum.walks_opened > sum.walks_closed ?
				     sum.walks_opened - sum.walks_closed : 0;
	}
out:
	free(keys);
	free(vals);
	return err;
}

int wc_tracer_ops_slot(struct wc_tracer *t, uint64_t ops)
{
	__u64 key = ops;
	__u32 slot;

	if (!t || !t->skel || bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.ops_slots), &key, &slot))
		return -1;
	return slot < WC_MAX_SLOTS ? (int)slot : -1;
}
