/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The files walkcov writes whole: a map (map -o FILE), report --svg's maps,
 * the exporter's --textfile. One way for all of them (docs/file-format.md,
 * "Files walkcov writes"):
 *
 * - PATH must be absent or a regular file: a symbolic link, a directory, a
 *   FIFO (which would block) or a device is refused with one line;
 * - the content goes to a new temporary file beside PATH, made with O_EXCL
 *   (mkstemp: PATH.XXXXXX), mode 0600 when WC_OUT_PRIVATE (it holds kernel
 *   addresses) else 0644 (both less the umask); nothing else is created,
 *   truncated or removed;
 * - only when it is complete is it renamed over PATH, so a reader never
 *   sees half a file and a full disk leaves PATH as it was (the temporary
 *   file is removed); with WC_OUT_KEEP_OLD an existing PATH is first
 *   renamed PATH.old, as record files are.
 *
 * Every failure prints one line (wc_err) and returns -1.
 */
#ifndef WALKCOV_OUTFILE_H
#define WALKCOV_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

enum {
	WC_OUT_PRIVATE = 1,	/* mode 0600: kernel addresses inside */
	WC_OUT_KEEP_OLD = 2,	/* an existing PATH becomes PATH.old */
};

struct wc_outfile {
	FILE *f;		/* write here between open and commit */
	char *path;
	char *tmp;		/* the temporary file walkcov created */
	unsigned flags;
};

/* Check PATH and create the temporary file. 0, or -1 after one line. */
int wc_outfile_open(struct wc_outfile *o, const char *path, unsigned flags);
/* Flush and close the temporary file, rename it over PATH. On a write
 * error it is removed and PATH left as it was. 0, or -1 after one line. */
int wc_outfile_commit(struct wc_outfile *o);
/* Close and remove the temporary file (PATH is not touched). */
void wc_outfile_discard(struct wc_outfile *o);

#endif
