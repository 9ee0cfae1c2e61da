// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "filter.h"
#include "ksyms.h"
#include "plan.h"

int wc_filter_set_comm(struct wc_filter *f, const char *name, char *err, size_t len)
{
	if (!*name) {
		snprintf(err, len, "--comm wants a command name, not an empty one");
		return -1;
	}
	if (strlen(name) >= sizeof(f->comm)) {
		snprintf(err, len, "command name '%s' is longer than %d bytes (the kernel keeps %d)",
			 name, WC_COMM_LEN - 1, WC_COMM_LEN - 1);
		return -1;
	}
	snprintf(f->comm, sizeof(f->comm), "%s", name);
	return 0;
}

int wc_filter_set_cgroup(struct wc_filter *f, const char *path, char *err, size_t len)
{
	struct statfs sfs;
	struct stat st;

	if (!*path || strlen(path) >= sizeof(f->cgroup)) {
		snprintf(err, len, "--cgroup wants the path of a cgroup v2 directory");
		return -1;
	}
	if (stat(path, &st) || statfs(path, &sfs)) {
		snprintf(err, len, "cgroup '%s': %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(err, len, "'%s' is not a cgroup v2 directory", path);
		return -1;
	}
	snprintf(f->cgroup, sizeof(f->cgroup), "%s", path);
	f->cgroup_id = st.st_ino;	/* what bpf_get_current_cgroup_id() returns */
	return 0;
}

int wc_filter_set_ops(struct wc_filter *f, const char *name, char *err, size_t len)
{
	if (!*name || strlen(name) >= sizeof(f->ops)) {
		snprintf(err, len, "--ops wants the name of an mm_walk_ops struct or callback");
		return -1;
	}
	snprintf(f->ops, sizeof(f->ops), "%s", name);
	return 0;
}

static bool is_data(char type)
{
	return strchr("dDrRbB", type) != NULL;
}

/* Add ADDR to the ids once; false when there is no room. */
static bool add_id(struct wc_filter *f, uint64_t addr)
{
	for (int i = 0; i < f->n_ops; i++)
		if (f->ops_ids[i] == addr)
			return true;
	if (f->n_ops == WC_MAX_FILTER_OPS)
		return false;
	f->ops_ids[f->n_ops++] = addr;
	return true;
}

static bool is_callback(const struct wc_plan *plan, const char *name)
{
	for (int i = 0; i < plan->n; i++)
		if (plan->t[i].slot.role == WC_R_CALLBACK && !strcmp(plan->t[i].name, name))
			return true;
	return false;
}

int wc_filter_resolve_ops(struct wc_filter *f, const struct ksyms *ks,
			  const struct wc_plan *plan, char *err, size_t len)
{
	const struct ksym *syms[64];
	size_t n;
	bool data = false;

	f->n_ops = 0;
	f->ops_by_callback = false;
	if (!*f->ops)
		return 0;
	n = ksyms_named(ks, f->ops, syms, 64);
	if (n > 64)
		n = 64;
	for (size_t i = 0; i < n; i++)
		data |= is_data(syms[i]->type);
	/* an ops struct by its own name, else a callback: by its first callback */
	for (size_t i = 0; i < n; i++) {
		if (data ? !is_data(syms[i]->type) : !is_callback(plan, syms[i]->name))
			continue;
		if (!syms[i]->addr) {
			snprintf(err, len, "cannot resolve --ops '%s': /proc/kallsyms hides "
				 "addresses from this user", f->ops);
			return -1;
		}
		if (!add_id(f, syms[i]->addr)) {
			snprintf(err, len, "--ops '%s' names more than %d symbols", f->ops,
				 WC_MAX_FILTER_OPS);
			return -1;
		}
	}
	if (!f->n_ops && n) {
		snprintf(err, len, "--ops '%s' is neither an mm_walk_ops struct nor a walk "
			 "callback of this kernel", f->ops);
		return -1;
	}
	if (!f->n_ops) {
		/* without CONFIG_KALLSYMS_ALL only functions are listed */
		snprintf(err, len, "unknown --ops '%s': no such symbol in /proc/kallsyms%s", f->ops,
			 ksyms_named(ks, "init_mm", syms, 1) ? "" : " (it lists no data symbols "
			 "on this kernel: name the ops' first callback instead)");
		return -1;
	}
	f->ops_by_callback = !data;
	return 0;
}

bool wc_filter_any(const struct wc_filter *f)
{
	return f->pid || *f->comm || *f->cgroup || *f->ops;
}

struct json_object *wc_filter_json(const struct wc_filter *f)
{
	struct json_object *o = json_object_new_object();

	if (f->pid)
		json_object_object_add(o, "pid", json_object_new_int(f->pid));
	if (*f->comm)
		json_object_object_add(o, "comm", json_object_new_string(f->comm));
	if (*f->cgroup) {
		json_object_object_add(o, "cgroup", json_object_new_string(f->cgroup));
		json_object_object_add(o, "cgroup_id", json_object_new_uint64(f->cgroup_id));
	}
	if (*f->ops)
		json_object_object_add(o, "ops", json_object_new_string(f->ops));
	return o;
}

static void copy_key(char *dst, size_t size, struct json_object *o, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(dst, size, "%s", json_object_get_string(v));
}

void wc_filter_from_json(struct wc_filter *f, struct json_object *o)
{
	struct json_object *v;

	memset(f, 0, sizeof(*f));
	if (!o || !json_object_is_type(o, json_type_object))
		return;
	if (json_object_object_get_ex(o, "pid", &v) && json_object_is_type(v, json_type_int))
		f->pid = json_object_get_int(v);
	if (json_object_object_get_ex(o, "cgroup_id", &v) && json_object_is_type(v, json_type_int))
		f->cgroup_id = json_object_get_uint64(v);
	copy_key(f->comm, sizeof(f->comm), o, "comm");
	copy_key(f->cgroup, sizeof(f->cgroup), o, "cgroup");
	copy_key(f->ops, sizeof(f->ops), o, "ops");
}

/* Append one item to BUF, comma-separated. */
static void put(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n && n + 2 < len)
		n += snprintf(buf + n, len - n, ", ");
	if (n >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

void wc_filter_describe(const struct wc_filter *f, char *buf, size_t len)
{
	if (!len)
		return;
	*buf = 0;
	if (f->pid)
		put(buf, len, "pid %d and its children", (int)f->pid);
	if (*f->comm)
		put(buf, len, "comm '%s'", f->comm);
	if (*f->cgroup)
		put(buf, len, "cgroup %s (id %" PRIu64 ") and below", f->cgroup, f->cgroup_id);
	if (*f->ops)
		put(buf, len, "ops %s", f->ops);
	if (!*buf)
		put(buf, len, "none");
}
