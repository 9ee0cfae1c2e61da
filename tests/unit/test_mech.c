// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The default tracing mechanism from run-time facts (wc_mech_default): the
 * preemption model decides whether fentry programs can be skipped, as
 * measured on Debian's 6.1, 6.12, 7.2 and 6.1-rt kernels (docs/design.md).
 */
#include <string.h>
#include "check.h"
#include "tracer.h"

static const char *const deb61 = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)";
static const char *const deb61rt = "#1 SMP PREEMPT_RT Debian 6.1.158-1 (2025-11-09)";

static void expect(const char *preempt, const char *uname_v, bool kprobes, int mech,
		   const char *why, const char *what)
{
	char got[256];
	int m = wc_mech_default(preempt, uname_v, kprobes, got, sizeof(got));

	check(m == mech && !strcmp(got, why), "%s: %s (%s)", what, wc_mech_name(m), got);
}

int main(void)
{
	expect("none (voluntary) full\n", deb61, true, WC_MECH_FENTRY,
	       "preemption 'voluntary': fentry programs run to the end, none is skipped",
	       "6.1 cloud, dynamic voluntary");
	expect("none voluntary full (lazy)\n", deb61, true, WC_MECH_KPROBE_MULTI,
	       "preemption 'lazy': fentry programs would be skipped when preempted; "
	       "kprobe handlers run with preemption off", "7.2 cloud, dynamic lazy");
	expect("(none) voluntary full\n", deb61, true, WC_MECH_FENTRY,
	       "preemption 'none': fentry programs run to the end, none is skipped",
	       "preempt=none");
	expect("none voluntary (full)\n", deb61, false, WC_MECH_FENTRY,
	       "preemption 'full' but no kprobes: fentry, programs may be skipped",
	       "full preemption without kprobes");
	expect(NULL, deb61rt, true, WC_MECH_KPROBE_MULTI,
	       "preemption 'rt': fentry programs would be skipped when preempted; "
	       "kprobe handlers run with preemption off", "PREEMPT_RT, no debugfs");
	expect("none voluntary (full)\n", deb61rt, true, WC_MECH_KPROBE_MULTI,
	       "preemption 'rt': fentry programs would be skipped when preempted; "
	       "kprobe handlers run with preemption off", "PREEMPT_RT wins over debugfs");
	expect(NULL, deb61, true, WC_MECH_KPROBE_MULTI,
	       "preemption 'dynamic': fentry programs would be skipped when preempted; "
	       "kprobe handlers run with preemption off", "dynamic, debugfs not mounted");
	expect(NULL, "#1 SMP PREEMPT Tue Jan 1", true, WC_MECH_KPROBE_MULTI,
	       "preemption 'full': fentry programs would be skipped when preempted; "
	       "kprobe handlers run with preemption off", "CONFIG_PREEMPT");
	expect(NULL, "#1 SMP Debian 5.10.0", true, WC_MECH_FENTRY,
	       "preemption 'voluntary': fentry programs run to the end, none is skipped",
	       "no PREEMPT in uname -v");
	check(!strcmp(wc_mech_name(WC_MECH_KPROBE_MULTI), "kprobe.multi") &&
	      !strcmp(wc_mech_name(WC_MECH_KPROBE), "kprobe") &&
	      !strcmp(wc_mech_name(WC_MECH_FENTRY), "fentry") && !strcmp(wc_mech_name(9), "?"),
	      "mechanism names");
	printf("%s\n", failures ? "FAIL" : "PASS");
	return failures != 0;
}
