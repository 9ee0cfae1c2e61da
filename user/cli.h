/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* argp for every subcommand, with bad input reported as one line
 * ("walkcov: record: invalid PID '12x'") and exit status 2. */
#ifndef WALKCOV_CLI_H
#define WALKCOV_CLI_H

#include <argp.h>

/* argp_parse() as each subcommand calls it. */
int wc_cli_parse(const struct argp *argp, int argc, char **argv, unsigned flags, void *input);

#endif
