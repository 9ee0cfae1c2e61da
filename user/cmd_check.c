// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov check: trace a workload (default: walkcov stress) and give a
 * verdict: exit 0 when every walk was proven to handle every range exactly
 * once, 1 on any double, out-of-order visit, livelock or gap (a range of a
 * complete walk no callback handled), 2 when walkcov could not run or the
 * workload failed, 3 when no double or gap was seen but not every walk
 * could be proven (events lost, walks incomplete or unsure). Doubles and
 * gaps win over a failed workload, which wins over 3. */
#include <argp.h>
#include <stdio.h>
#include <unistd.h>
#include "cli.h"
#include "commands.h"
#include "live.h"

int cmd_check(int argc, char **argv)
{
	static const struct argp argp = {
		.options = wc_report_options,
		.parser = wc_live_parse,
		.args_doc = "[CMD [ARGS...]]",
		.doc = "Trace while CMD runs (default: 'walkcov stress' for --duration seconds, "
		       "10 by default) and give a verdict. Exit status: 0 proven: every walk complete "
		       "and every range handled exactly once (retries are reported), 1 any double, "
		       "out-of-order visit, livelock or gap (a range of a complete walk no callback "
		       "handled), 2 walkcov could not run or the workload failed (non-zero exit "
		       "status, killed by a signal), 3 could not prove: no double or gap seen, but "
		       "events were lost or walks are incomplete (or had a range that could not be "
		       "told from one the walker is silent on by design); a walk a non-zero return "
		       "stopped early is judged up to the stop. Walks are "
		       "judged in the kernel by default (summary mode); --full judges every "
		       "event in user space, for a walk the kernel could not judge in full.",
		.children = wc_live_children,
	};
	struct wc_live_opts l = {};
	char self[4096], duration[32], *stress[] = { self, "stress", "-q", "--duration",
						     duration, NULL };
	ssize_t n;

	if (wc_cli_parse(&argp, argc, argv, ARGP_IN_ORDER, &l))
		return WC_EXIT_FAIL;
	if (!l.s.cmd) {
		/* the stress run ends by itself; tracing follows it */
		snprintf(duration, sizeof(duration), "%g", l.s.duration > 0 ? l.s.duration : 10.0);
		l.s.duration = 0;
		l.s.cmd = stress;
		/* this binary by its real path, so the report names the command
		 * "walkcov", not "exe" */
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0) {
			wc_err("cannot find walkcov's own binary (/proc/self/exe): %m");
			return WC_EXIT_FAIL;
		}
		self[n] = '\0';
	}
	return wc_live_analyse(&l, argc, argv, true);
}
