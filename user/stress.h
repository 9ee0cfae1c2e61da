/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* walkcov stress: a built-in workload that drives every page-table walker
 * user space can reach while other threads split and re-form THPs. */
#ifndef WALKCOV_STRESS_H
#define WALKCOV_STRESS_H

/* argv[0] is "stress". Returns 0 when the workload ran, 1 when a walker or
 * splitter the kernel has failed unexpectedly, 2 on bad usage or when the
 * workload could not be set up. */
int cmd_stress(int argc, char **argv);

#endif
