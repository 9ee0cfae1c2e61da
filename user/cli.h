/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* argp for every subcommand, with bad input reported as one line
 * ("walkcov record: invalid PID '12x'") and exit status 2. */
#ifndef WALKCOV_CLI_H
#define WALKCOV_CLI_H

#include <argp.h>
#include <stdint.h>

/* argp_parse() as each subcommand calls it. */
int wc_cli_parse(const struct argp *argp, int argc, char **argv, unsigned flags, void *input);

/* The value of --livelock N (1 to 10^9); a bad one fails the parse. */
uint32_t wc_cli_livelock(const char *arg, struct argp_state *state);

/* Longest --duration any command takes, in seconds (one day). */
#define WC_MAX_DURATION_S 86400

/* The value of --duration SECS (fractions allowed, > 0, at most
 * WC_MAX_DURATION_S); a bad one fails the parse. Every command uses it. */
double wc_cli_duration(const char *arg, struct argp_state *state);

#endif
