// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Files written whole, through a temporary file: see outfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "errors.h"
#include "outfile.h"

static void release(struct wc_outfile *o)
{
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
	o->f = NULL;
}

/* PATH absent, or a regular file walkcov may replace. 0, or -1 after one line. */
static int check_path(const char *path)
{
	struct stat st;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		wc_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode))
		wc_err("%s: is a symbolic link; walkcov does not write through one "
		       "(give the target's path)", path);
	else if (S_ISDIR(st.st_mode))
		wc_err("%s: is a directory (give a file name)", path);
	else if (!S_ISREG(st.st_mode))
		wc_err("%s: not a regular file (a FIFO or device); walkcov writes only "
		       "regular files here", path);
	else
		return 0;
	return -1;
}

int wc_outfile_open(struct wc_outfile *o, const char *path, unsigned flags)
{
	mode_t mask;
	int fd;

	*o = (struct wc_outfile){ .flags = flags };
	if (check_path(path))
		return -1;
	if (!(o->path = strdup(path)) || asprintf(&o->tmp, "%s.XXXXXX", path) < 0) {
		o->tmp = NULL;
		wc_err("out of memory");
		release(o);
		return -1;
	}
	/* O_CREAT | O_EXCL, mode 0600: a file nobody else made or can open */
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		wc_err("%s: cannot create a file in its directory: %s", path, strerror(errno));
		release(o);
		return -1;
	}
	mask = umask(0);
	umask(mask);
	if ((!(flags & WC_OUT_PRIVATE) && fchmod(fd, 0644 & ~mask)) || !(o->f = fdopen(fd, "w"))) {
		wc_err("%s: %s", o->tmp, strerror(errno));
		close(fd);
		unlink(o->tmp);
		release(o);
		return -1;
	}
	return 0;
}

void wc_outfile_discard(struct wc_outfile *o)
{
	if (o->f) {
		fclose(o->f);
		unlink(o->tmp);
	}
	release(o);
}

int wc_outfile_commit(struct wc_outfile *o)
{
	int err = 0;
	char *old = NULL;

	if (fflush(o->f) || ferror(o->f))
		err = errno ? errno : EIO;
	if (fclose(o->f) && !err)
		err = errno ? errno : EIO;
	o->f = NULL;
	if (err) {
		wc_err("%s: %s", o->path, strerror(err));
		goto fail;
	}
	/* PATH again: it may have changed while the content was made */
	if (check_path(o->path))
		goto fail;
	if ((o->flags & WC_OUT_KEEP_OLD) && access(o->path, F_OK) == 0) {
		if (asprintf(&old, "%s.old", o->path) < 0) {
			old = NULL;
			wc_err("out of memory");
			goto fail;
		}
		if (rename(o->path, old)) {
			wc_err("%s: cannot keep the old file as %s: %s", o->path, old, strerror(errno));
			goto fail;
		}
	}
	if (rename(o->tmp, o->path)) {
		wc_err("%s: %s", o->path, strerror(errno));
		goto fail;
	}
	free(old);
	release(o);
	return 0;
fail:
	unlink(o->tmp);
	free(old);
	release(o);
	return -1;
}
