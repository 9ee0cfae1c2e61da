// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The filters' user side: --comm and --cgroup checked when parsed, --ops
 * resolved on a synthetic kallsyms and plan (an ops struct by its address,
 * a compiler suffix ignored, a callback by its address and matched by first
 * callback, every bad name refused with its reason), and the header's
 * "filters" object read back and described.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "check.h"
#include "filter.h"
#include "ksyms.h"
#include "plan.h"

static struct ksyms *parse(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct ksyms *ks = f ? ksyms_parse(f) : NULL;

	if (f)
		fclose(f);
	if (!ks) {
		fprintf(stderr, "ksyms_parse failed\n");
		exit(1);
	}
	return ks;
}

static const char kallsyms[] =
	"ffffffff81000100 t mincore_pte_range\n"
	"ffffffff81000200 t madvise_cold_or_pageout_pte_range.isra.0\n"
	"ffffffff81000300 T schedule\n"
	"ffffffff81000400 T walk_page_range\n"
	"ffffffff82000100 d mincore_walk_ops\n"
	"ffffffff82000200 d mlock_walk_ops.75\n"
	"ffffffff82000300 D init_mm\n"
	"ffffffff82000400 d many_ops.1\n"
	"ffffffff82000500 d many_ops.2\n"
	"ffffffff82000600 d many_ops.3\n"
	"ffffffff82000700 d many_ops.4\n"
	"ffffffff82000800 d many_ops.5\n"
	"ffffffff82000900 r two_ops.1\n"
	"ffffffff82000a00 r two_ops.2\n"
	"ffffffffa0000100 d kvm_ops\t[kvm]\n";

static struct wc_target targets[] = {
	{ .name = "mincore_pte_range", .slot = { .role = WC_R_CALLBACK } },
	{ .name = "madvise_cold_or_pageout_pte_range.isra.0", .slot = { .role = WC_R_CALLBACK } },
	{ .name = "walk_page_range", .slot = { .role = WC_R_WALK } },
};
static const struct wc_plan plan = { .t = targets, .n = 3, .cap = 3 };

/* Resolve NAME; its error (or "") in ERR. */
static int resolve(const struct ksyms *ks, const char *name, struct wc_filter *f, char *err)
{
	memset(f, 0, sizeof(*f));
	*err = 0;
	if (wc_filter_set_ops(f, name, err, 256))
		return -1;
	return wc_filter_resolve_ops(f, ks, &plan, err, 256);
}

static void test_ops(void)
{
	struct ksyms *ks = parse(kallsyms), *hidden, *no_data;
	struct wc_filter f;
	char err[256];

	check(!resolve(ks, "mincore_walk_ops", &f, err) && f.n_ops == 1 &&
	      f.ops_ids[0] == 0xffffffff82000100ull && !f.ops_by_callback,
	      "--ops mincore_walk_ops: the struct's address (%s)", err);
	check(!resolve(ks, "mlock_walk_ops", &f, err) && f.n_ops == 1 &&
	      f.ops_ids[0] == 0xffffffff82000200ull, "--ops mlock_walk_ops: its .75 suffix ignored");
	check(!resolve(ks, "two_ops", &f, err) && f.n_ops == 2 &&
	      f.ops_ids[0] == 0xffffffff82000900ull && f.ops_ids[1] == 0xffffffff82000a00ull,
	      "--ops two_ops: both structs of that name");
	check(!resolve(ks, "kvm_ops", &f, err) && f.n_ops == 1 && f.ops_ids[0] == 0xffffffffa0000100ull,
	      "--ops kvm_ops: a module's struct");
	check(!resolve(ks, "mincore_pte_range", &f, err) && f.n_ops == 1 &&
	      f.ops_ids[0] == 0xffffffff81000100ull && f.ops_by_callback,
	      "--ops mincore_pte_range: a callback, matched as the first callback");
	check(!resolve(ks, "madvise_cold_or_pageout_pte_range", &f, err) && f.n_ops == 1 &&
	      f.ops_ids[0] == 0xffffffff81000200ull && f.ops_by_callback,
	      "--ops madvise_cold_or_pageout_pte_range: a renamed callback");
	check(resolve(ks, "schedule", &f, err) && strstr(err, "neither an mm_walk_ops struct nor a walk callback"),
	      "--ops schedule refused: %s", err);
	check(resolve(ks, "walk_page_range", &f, err) && strstr(err, "neither"),
	      "--ops walk_page_range (an entry point, not a callback) refused: %s", err);
	check(resolve(ks, "no_such_ops", &f, err) &&
	      !strcmp(err, "unknown --ops 'no_such_ops': no such symbol in /proc/kallsyms"),
	      "--ops no_such_ops refused: %s", err);
	check(resolve(ks, "many_ops", &f, err) && strstr(err, "more than 4"),
	      "--ops naming 5 structs refused: %s", err);
	check(resolve(ks, "mincore_walk", &f, err) && strstr(err, "unknown --ops"),
	      "--ops takes whole names, not prefixes: %s", err);
	check(resolve(ks, "", &f, err) && *err, "--ops '' refused: %s", err);
	memset(&f, 0, sizeof(f));
	check(!wc_filter_resolve_ops(&f, ks, &plan, err, sizeof(err)) && f.n_ops == 0,
	      "no --ops: nothing to resolve");

	hidden = parse("0000000000000000 d mincore_walk_ops\n0000000000000000 D init_mm\n");
	check(resolve(hidden, "mincore_walk_ops", &f, err) && strstr(err, "hides addresses"),
	      "kallsyms without addresses: %s", err);
	no_data = parse("ffffffff81000100 t mincore_pte_range\n");
	check(resolve(no_data, "mincore_walk_ops", &f, err) && strstr(err, "lists no data symbols"),
	      "kallsyms without data symbols (no CONFIG_KALLSYMS_ALL) says so: %s", err);
	ksyms_free(hidden);
	ksyms_free(no_data);
	ksyms_free(ks);
}

static void test_comm(void)
{
	struct wc_filter f = {};
	char err[256] = "";

	check(!wc_filter_set_comm(&f, "wc_workload", err, sizeof(err)) && !strcmp(f.comm, "wc_workload"),
	      "--comm wc_workload");
	check(!wc_filter_set_comm(&f, "123456789012345", err, sizeof(err)), "--comm of 15 bytes");
	check(wc_filter_set_comm(&f, "1234567890123456", err, sizeof(err)) && strstr(err, "longer than 15"),
	      "--comm of 16 bytes refused: %s", err);
	check(wc_filter_set_comm(&f, "", err, sizeof(err)) && strstr(err, "empty"),
	      "--comm '' refused: %s", err);
}

/* A cgroup v2 mount point of this machine, or NULL. */
static const char *cgroup2_mount(char *buf, size_t len)
{
	char line[1024], dir[512], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");
	const char *found = NULL;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %511s %63s", dir, type) == 2 && !strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", dir);
			found = buf;
			break;
		}
	if (f)
		fclose(f);
	return found;
}

static void test_cgroup(void)
{
	char dir[] = "/tmp/wc-filter-XXXXXX", err[256] = "", mnt[512];
	struct wc_filter f = {};
	struct stat st;

	check(mkdtemp(dir) != NULL, "scratch directory");
	check(wc_filter_set_cgroup(&f, dir, err, sizeof(err)) && strstr(err, "is not a cgroup v2 directory"),
	      "--cgroup of a plain directory refused: %s", err);
	rmdir(dir);
	check(wc_filter_set_cgroup(&f, dir, err, sizeof(err)) && strstr(err, "No such file"),
	      "--cgroup of a missing path refused: %s", err);
	check(wc_filter_set_cgroup(&f, "", err, sizeof(err)) && *err, "--cgroup '' refused: %s", err);
	check(wc_filter_set_cgroup(&f, "/proc/self/status", err, sizeof(err)) && strstr(err, "not a cgroup"),
	      "--cgroup of a file refused: %s", err);
	if (!cgroup2_mount(mnt, sizeof(mnt))) {
		printf("skip - --cgroup of a cgroup v2 directory (none mounted here)\n");
		return;
	}
	memset(&f, 0, sizeof(f));
	*err = 0;
	check(!wc_filter_set_cgroup(&f, mnt, err, sizeof(err)) && !stat(mnt, &st) &&
	      f.cgroup_id == st.st_ino && !strcmp(f.cgroup, mnt),
	      "--cgroup %s: its id is the inode number (%s)", mnt, err);
}

static void test_json(void)
{
	struct wc_filter f = { .pid = 42, .comm = "cat", .cgroup = "/cg/wc", .cgroup_id = 23,
			       .ops = "pagemap_ops" }, back, none = {};
	struct json_object *o = wc_filter_json(&f), *empty = wc_filter_json(&none);
	char buf[256];

	check(!strcmp(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
		      "{\"pid\":42,\"comm\":\"cat\",\"cgroup\":\"/cg/wc\",\"cgroup_id\":23,\"ops\":\"pagemap_ops\"}"),
	      "filters as JSON: %s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	check(!strcmp(json_object_to_json_string_ext(empty, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), "{}"),
	      "no filter: {}");
	wc_filter_from_json(&back, o);
	check(back.pid == 42 && !strcmp(back.comm, "cat") && !strcmp(back.cgroup, "/cg/wc") &&
	      back.cgroup_id == 23 && !strcmp(back.ops, "pagemap_ops"), "filters read back");
	wc_filter_describe(&back, buf, sizeof(buf));
	check(!strcmp(buf, "pid 42 and its children, comm 'cat', cgroup /cg/wc (id 23) and below, ops pagemap_ops"),
	      "described: %s", buf);
	wc_filter_from_json(&back, NULL);
	check(!wc_filter_any(&back), "a header without filters (older files): none");
	wc_filter_describe(&back, buf, sizeof(buf));
	check(!strcmp(buf, "none"), "described: %s", buf);
	wc_filter_describe(&f, buf, 12);
	check(strlen(buf) == 11, "described into a short buffer: cut, terminated");
	json_object_put(o);
	json_object_put(empty);
}

int main(void)
{
	test_ops();
	test_comm();
	test_cgroup();
	test_json();
	printf("%s\n", failures ? "FAIL" : "PASS");
	return failures != 0;
}
