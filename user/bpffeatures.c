// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Feature probes for the choice of BPF object. Each loads a program of a few
 * instructions that uses one feature, as libbpf's libbpf_probe_bpf_helper()
 * does for helpers; the verifier's refusal (EINVAL) means the feature is
 * missing. A probe refused for another reason (EPERM: no privilege,
 * lockdown) tells nothing: the feature counts as present, and the real load
 * that follows says why it cannot load.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpffeatures.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
						.off = (o), .imm = (i) })
#define MOV_IMM(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD_IMM(d, i)	INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ST_DW(d, o, i)	INSN(BPF_ST | BPF_MEM | BPF_DW, d, 0, o, i)
#define CALL(f)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* BPF_ATOMIC (0xc0) on a dword; imm: the operation */
#define ATOMIC_DW(d, s, o, op) INSN(BPF_STX | BPF_DW | 0xc0, d, s, o, op)
#define OP_FETCH_ADD	(BPF_ADD | 0x01)	/* BPF_ADD | BPF_FETCH */
#define OP_CMPXCHG	(0xf0 | 0x01)		/* BPF_CMPXCHG */

/* Loads, or was refused for something else than the program itself. */
static bool loads(enum bpf_prog_type type, const struct bpf_insn *insns, size_t n,
		  const struct bpf_prog_load_opts *opts)
{
	int fd = bpf_prog_load(type, NULL, "GPL", insns, n, opts);

	if (fd < 0)
		return errno != EINVAL;
	close(fd);
	return true;
}

/* libbpf's helper probe: 1 there, 0 missing, < 0 could not tell. */
static bool has_helper(enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, id, NULL) != 0;
}

static bool probe_atomics(void)
{
	const struct bpf_insn insns[] = {
		ST_DW(BPF_REG_10, -8, 0),
		MOV_IMM(BPF_REG_1, 1),
		ATOMIC_DW(BPF_REG_10, BPF_REG_1, -8, OP_FETCH_ADD),
		MOV_IMM(BPF_REG_0, 0),
		ATOMIC_DW(BPF_REG_10, BPF_REG_1, -8, OP_CMPXCHG),
		MOV_IMM(BPF_REG_0, 0),
		EXIT(),
	};

	return loads(BPF_PROG_TYPE_KPROBE, insns, sizeof(insns) / sizeof(insns[0]), NULL);
}

/* bpf_get_func_arg(ctx, 0, &v) from an fentry program on FUNC_ID. */
static bool probe_func_arg(int func_id)
{
	const struct bpf_insn insns[] = {
		ST_DW(BPF_REG_10, -8, 0),
		MOV_IMM(BPF_REG_2, 0),
		MOV_REG(BPF_REG_3, BPF_REG_10),
		ADD_IMM(BPF_REG_3, -8),
		CALL(BPF_FUNC_get_func_arg),
		MOV_IMM(BPF_REG_0, 0),
		EXIT(),
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = func_id);

	return func_id <= 0 ||	/* no walker in BTF: the load will say */
	       loads(BPF_PROG_TYPE_TRACING, insns, sizeof(insns) / sizeof(insns[0]), &o);
}

void wc_features_probe(struct wc_features *f, int func_id)
{
	memset(f, 0, sizeof(*f));
	f->probed = true;
	f->func_arg = probe_func_arg(func_id);
	f->loop = has_helper(BPF_FUNC_loop);
	f->atomic_fetch = probe_atomics();
	f->attach_cookie = has_helper(BPF_FUNC_get_attach_cookie);
}

bool wc_features_main(const struct wc_features *f)
{
	return f->func_arg && f->loop && f->atomic_fetch;
}

bool wc_features_summary(const struct wc_features *f)
{
	return wc_features_main(f);
}

bool wc_features_kprobes(const struct wc_features *f)
{
	return f->attach_cookie || f->kprobe_by_addr;
}

static void add(char *buf, size_t len, const char *what)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n ? ", " : "", what);
}

void wc_features_missing(const struct wc_features *f, char *buf, size_t len)
{
	char lacks[160] = "", costs[320] = "";

	buf[0] = '\0';
	if (!f->func_arg)
		add(lacks, sizeof(lacks), "bpf_get_func_arg (5.17)");
	if (!f->loop)
		add(lacks, sizeof(lacks), "bpf_loop (5.17)");
	if (!f->atomic_fetch)
		add(lacks, sizeof(lacks), "atomic fetch (5.12)");
	if (!f->attach_cookie)
		add(lacks, sizeof(lacks), "bpf_get_attach_cookie (5.15)");
	if (!*lacks)
		return;
	if (!wc_features_main(f))
		add(costs, sizeof(costs), "no summary mode (trace and check run full event "
		    "mode: every event crosses the ring buffer, slower)");
	if (!wc_features_kprobes(f))
		add(costs, sizeof(costs), "no kprobes (fentry only: --kprobe refused, "
		    "a function fentry cannot trace is skipped)");
	else if (f->kprobe_by_addr)	/* the compat object's kprobes, cookie or not */
		add(costs, sizeof(costs), "kprobes find their slot by the probed address "
		    "(a map lookup at entry, an update and a delete per call)");
	snprintf(buf, len, "kernel lacks %s; cost: %s", lacks, costs);
}
