// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Options of the record file readers: see fileopts.h. */
#include "fileopts.h"

int wc_file_opts_parse(struct wc_file_opts *o, int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'i':
		o->input = arg;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case WC_OPT_RAW_ADDRESSES:
		o->raw_addresses = true;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s' (the file is given with -i)", arg);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}
