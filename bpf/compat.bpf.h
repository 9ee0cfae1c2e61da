/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What the tracer needs from the kernel that 5.10 does not have, in one
 * place. The same source is built twice (Makefile): walkcov.bpf.o as it is,
 * and walkcov_compat.bpf.o with -DWC_COMPAT_5_10, which the frontend loads
 * where its feature probes find no bpf_get_func_arg, bpf_loop or atomic
 * fetch (user/bpffeatures.c; never by version string). The compat object
 * runs full event mode with fentry/fexit only (docs/production.md).
 *
 * | main object                   | since | compat object                         |
 * | bpf_get_func_arg/_ret         | 5.17  | bpf_probe_read_kernel of the trampoline's
 * |                               |       | context: ctx[n], the return at ctx[nargs] |
 * | bpf_loop                      | 5.17  | a bounded loop over a global function   |
 * | atomic fetch (walk ids)       | 5.12  | a counter per CPU, with the CPU number  |
 * | compare-and-swap (the judge)  | 5.12  | a plain one: the judge never runs here  |
 * | global functions with pointer | 5.12  | the judge's functions hidden, so libbpf |
 * | arguments (the judge)         |       | makes them static: verified only where |
 * |                               |       | reached (never, in full mode)           |
 * | bpf_get_attach_cookie (a      | 5.15  | x86: the slot of the probed address     |
 * | kprobe program's slot)        |       | (kprobe_slots), a kretprobe's from its  |
 * |                               |       | entry, by task and stack (kprobe_calls) |
 */
#ifndef WALKCOV_COMPAT_BPF_H
#define WALKCOV_COMPAT_BPF_H

#ifndef WC_COMPAT_5_10

#define wc_func_arg(ctx, n, p)	bpf_get_func_arg(ctx, n, p)
#define wc_func_ret(ctx, slot, p) bpf_get_func_ret(ctx, p)
#define wc_loop(n, fn)		bpf_loop(n, fn, NULL, 0)
#define WC_LOOP_BODY(fn)
#define wc_kprobe_slot(regs)	((__u32)bpf_get_attach_cookie(regs))
#define wc_kretprobe_slot(regs)	((__u32)bpf_get_attach_cookie(regs))
#define WC_JUDGE_BEGIN
#define WC_JUDGE_END

/* The session's walk counter, one atomic fetch (walk ids from 1). */
static __always_inline __u64 wc_walk_id(__u64 *next)
{
	return next ? __sync_fetch_and_add(next, 1) + 1 : 0;
}

#else /* WC_COMPAT_5_10 */

/* 5.10 verifies every global function alone, reached or not, and refuses
 * those that take pointers: the judge's. Between WC_JUDGE_BEGIN and
 * WC_JUDGE_END functions are hidden, and libbpf makes hidden global
 * functions static: verified only where they are reached, which in full
 * mode is nowhere. The tracer's own global functions take scalars and stay
 * global (verified once, not at every call site). */
#define WC_JUDGE_BEGIN _Pragma("GCC visibility push(hidden)")
#define WC_JUDGE_END _Pragma("GCC visibility pop")
/* ...but its maps keep default visibility: libbpf refuses static maps */
#undef SEC
#define SEC(name) __attribute__((section(name), used, visibility("default")))

/* 5.10 refuses a program with any atomic fetch instruction in it, reached
 * or not. Only the judge (summary mode) uses compare-and-swap, and the
 * compat object never runs it: the frontend refuses summary mode there
 * (wc_tracer_summary_loads). This plain version only keeps it loadable. */
#define __sync_val_compare_and_swap(p, old, new)			\
	({								\
		__typeof__(*(p)) __v = *(p);				\
		if (__v == (old))					\
			*(p) = (new);					\
		__v;							\
	})

/* fentry/fexit context: the arguments as u64 in order, then the return
 * value (fexit). A helper read, not a context access: the verifier would
 * type pointer arguments and refuse arithmetic on them. */
static __always_inline void wc_func_arg(void *ctx, __u32 n, __u64 *p)
{
	bpf_probe_read_kernel(p, sizeof(*p), (__u64 *)ctx + n);
}

static __always_inline void wc_func_ret(void *ctx, __u32 slot, __u64 *p)
{
	__u8 n = slots[slot < WC_MAX_SLOTS ? slot : 0].nargs;

	bpf_probe_read_kernel(p, sizeof(*p), (__u64 *)ctx + n);
}

/* bpf_loop(N, FN): each step is a global function, so the verifier checks
 * its body once and the loop itself in a few instructions per iteration.
 * WC_LOOP_BODY(FN) defines that function. It passes no index: clang drops
 * an argument the step does not read and 5.10 then refuses the call, and
 * the steps here (quiet_step) keep their state in a map. */
#define WC_LOOP_BODY(fn)						\
__attribute__((noinline)) int fn##_step_g(void)				\
{									\
	return fn(0, NULL);						\
}
#define wc_loop(n, fn)							\
	do {								\
		for (__u32 __i = 0; __i < (n); __i++)			\
			if (fn##_step_g())				\
				break;					\
	} while (0)

/* Walk ids without atomic fetch: a counter per CPU (the frontend gives
 * walk_ids one entry per CPU; programs run with preemption off on 5.10) in
 * the high bits, the CPU in the low 13 (Debian's NR_CPUS is 8192). Unique
 * in the session, never 0. */
#define WC_ID_CPU_BITS 13

static __always_inline __u64 wc_walk_id(__u64 *next)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 *c = bpf_map_lookup_elem(&walk_ids, &cpu);

	(void)next;
	if (!c)
		return 0;
	*c += 1;
	return (*c << WC_ID_CPU_BITS) | (cpu & ((1u << WC_ID_CPU_BITS) - 1));
}

/* A kprobe's slot without bpf_get_attach_cookie. On x86 a kprobe program
 * sees ip one past the probed address, whether the probe is an int3 or
 * ftrace-based (kprobe_ftrace_handler sets it so), and sp pointing at the
 * return address. The entry remembers the slot under (task, sp); the
 * kretprobe trampoline saves the sp the return left, 8 above that (5.10:
 * arch/x86/kernel/kprobes/core.c, kretprobe_trampoline). WC_MAX_SLOTS: not
 * a probed address or no entry seen (on_entry and on_exit ignore it; a
 * callback's lost exit leaves the gap in its walk). */
static __always_inline __u32 wc_kprobe_slot(struct pt_regs *regs)
{
	__u64 ip = PT_REGS_IP(regs) - 1;
	struct kprobe_call k = { .tid = (__u32)bpf_get_current_pid_tgid(),
				 .sp = PT_REGS_SP(regs) };
	__u32 *slot = bpf_map_lookup_elem(&kprobe_slots, &ip);
	__u32 s;

	if (!slot)
		return WC_MAX_SLOTS;
	s = *slot;
	bpf_map_update_elem(&kprobe_calls, &k, &s, BPF_ANY);
	return s;
}

static __always_inline __u32 wc_kretprobe_slot(struct pt_regs *regs)
{
	struct kprobe_call k = { .tid = (__u32)bpf_get_current_pid_tgid(),
				 .sp = PT_REGS_SP(regs) - 8 };
	__u32 *slot = bpf_map_lookup_elem(&kprobe_calls, &k);
	__u32 s;

	if (!slot)
		return WC_MAX_SLOTS;
	s = *slot;
	bpf_map_delete_elem(&kprobe_calls, &k);
	return s;
}

#endif /* WC_COMPAT_5_10 */
#endif /* WALKCOV_COMPAT_BPF_H */
