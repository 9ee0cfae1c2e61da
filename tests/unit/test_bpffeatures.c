// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Which BPF object and what it costs, from probed features
 * (user/bpffeatures.c): the main object needs bpf_get_func_arg, bpf_loop
 * and atomic fetch; kprobes need bpf_get_attach_cookie or the compat
 * object's slot by address; the missing line
 * names each missing feature and each cost.
 */
#include <string.h>
#include "check.h"
#include "bpffeatures.h"

int main(void)
{
	const struct wc_features all = { true, true, true, true, true, false };
	const struct wc_features k510 = { .probed = true };	/* Debian 11's 5.10 */
	const struct wc_features k515 = { true, false, false, true, true, false };
	char buf[512];

	check(wc_features_main(&all) && wc_features_summary(&all) && wc_features_kprobes(&all),
	      "every feature: main object, summary mode, kprobes");
	wc_features_missing(&all, buf, sizeof(buf));
	check(!*buf, "every feature: nothing missing ('%s')", buf);

	check(!wc_features_main(&k510) && !wc_features_summary(&k510) && !wc_features_kprobes(&k510),
	      "5.10: compat object, no summary mode, no kprobes");
	wc_features_missing(&k510, buf, sizeof(buf));
	check(!strcmp(buf, "kernel lacks bpf_get_func_arg (5.17), bpf_loop (5.17), atomic fetch (5.12), "
			   "bpf_get_attach_cookie (5.15); cost: no summary mode (trace and check run "
			   "full event mode: every event crosses the ring buffer, slower), no kprobes "
			   "(fentry only: --kprobe refused, a function fentry cannot trace is skipped)"),
	      "5.10: what is missing and what it costs ('%s')", buf);

	/* the compat object (x86) finds a kprobe's slot by its address */
	struct wc_features k510c = k510;

	k510c.kprobe_by_addr = true;
	check(!wc_features_main(&k510c) && !wc_features_summary(&k510c) && wc_features_kprobes(&k510c),
	      "5.10, compat object by address: no summary mode, kprobes");
	wc_features_missing(&k510c, buf, sizeof(buf));
	check(strstr(buf, "bpf_get_attach_cookie (5.15)") && strstr(buf, "no summary mode") &&
	      !strstr(buf, "no kprobes") && strstr(buf, "kprobes find their slot by the probed address"),
	      "5.10, compat object by address: cookie missing, kprobes by address ('%s')", buf);

	check(!wc_features_main(&k515) && wc_features_kprobes(&k515),
	      "5.15 (cookie, no bpf_loop or bpf_get_func_arg): compat object, kprobes");
	wc_features_missing(&k515, buf, sizeof(buf));
	check(strstr(buf, "bpf_loop (5.17)") && !strstr(buf, "atomic fetch") &&
	      strstr(buf, "no summary mode") && !strstr(buf, "no kprobes"),
	      "5.15: bpf_loop missing, atomics there, no summary mode, kprobes ('%s')", buf);
	/* ...whose compat object takes the slot by address, cookie or not */
	struct wc_features k515c = k515;

	k515c.kprobe_by_addr = true;
	wc_features_missing(&k515c, buf, sizeof(buf));
	check(wc_features_kprobes(&k515c) && !strstr(buf, "bpf_get_attach_cookie") &&
	      strstr(buf, "kprobes find their slot by the probed address"),
	      "5.15, compat object: kprobes by address although the cookie is there ('%s')", buf);
	return failures ? 1 : 0;
}
