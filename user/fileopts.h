/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The options of the commands that read a record file (report, script):
 * -i FILE, --json, --raw-addresses and no positional argument. Each command keeps its own
 * option table (its help texts differ) and its own extra options. */
#ifndef WALKCOV_FILEOPTS_H
#define WALKCOV_FILEOPTS_H

#include <argp.h>
#include <stdbool.h>

/* --raw-addresses (kaddr.h), here and in the commands that trace */
enum { WC_OPT_RAW_ADDRESSES = 0x300, WC_OPT_FULL, WC_OPT_DIFFERENTIAL };

struct wc_file_opts {
	const char *input;	/* initialize to WC_DEFAULT_FILE */
	bool json;
	bool raw_addresses;
};

/* Keys 'i', 'j', WC_OPT_RAW_ADDRESSES and ARGP_KEY_ARG (an error);
 * ARGP_ERR_UNKNOWN otherwise. */
int wc_file_opts_parse(struct wc_file_opts *o, int key, char *arg, struct argp_state *state);

#endif
