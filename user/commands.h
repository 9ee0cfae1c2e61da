/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Subcommands: each takes (argc, argv) with argv[0] = its own name and
 * returns the process exit status (0 ok, 1 anomalies found, 2 cannot run). */
#ifndef WALKCOV_COMMANDS_H
#define WALKCOV_COMMANDS_H

#include "errors.h"

int cmd_probes(int argc, char **argv);
int cmd_count(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_script(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_stress(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_exporter(int argc, char **argv);
int cmd_diff(int argc, char **argv);

#endif
