// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov probes: the attach plan for the running kernel. */
#include <argp.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "census.h"
#include "geometry.h"
#include "cli.h"
#include "commands.h"
#include "coverage.h"
#include "ksyms.h"
#include "plan.h"
#include "tracer.h"
#include "walkops.h"

static struct {
	bool no_load;
	bool verbose;
	bool census;
	bool json;
} env;

enum { OPT_CENSUS = 256, OPT_JSON };

static const struct argp_option options[] = {
	{ "no-load", 'n', NULL, 0, "Do not load the programs: list the plan only (works on locked-down hosts)", 0 },
	{ "census", OPT_CENSUS, NULL, 0, "List the walker's users on this kernel (entry points, mm_walk_ops callbacks by role), traced or not; loads nothing", 0 },
	{ "json", OPT_JSON, NULL, 0, "With --census: one JSON object", 0 },
	{ "verbose", 'v', NULL, 0, "Show where each argument is read from, and libbpf's messages", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	switch (key) {
	case 'n':
		env.no_load = true;
		break;
	case 'v':
		env.verbose = true;
		break;
	case OPT_CENSUS:
		env.census = true;
		break;
	case OPT_JSON:
		env.json = true;
		break;
	case ARGP_KEY_END:
		if (env.json && !env.census)
			argp_error(state, "--json goes with --census");
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char *target_kind(const struct wc_target *t)
{
	if (t->slot.role == WC_R_UNUSED && wc_census_kind_name(t->name, t->slot.kind))
		return wc_census_kind_name(t->name, t->slot.kind);
	return t->slot.role == WC_R_CALLBACK || t->slot.role == WC_R_LEVEL
		? wc_kind_name(t->slot.kind) : "-";
}

/* Argument positions, e.g. "args: start=1 end=2 walk=3". */
#ifdef __aarch64__
/* arm64's page-table reader needs memstart_addr (docs/arm64.md): which
 * source it takes, and with -v both sources' values, which must agree */
static void print_memstart(const struct wc_plan *p, bool verbose)
{
	char k[64] = "not in kallsyms", v[64] = "no PHYS_OFFSET in vmcoreinfo";
	uint64_t val;

	if (p->memstart_addr && !verbose)
		snprintf(k, sizeof(k), "in kallsyms");
	else if (p->memstart_addr && !wc_kcore_read(NULL, p->memstart_addr, &val, sizeof(val)))
		snprintf(k, sizeof(k), "kallsyms 0x%llx", (unsigned long long)val);
	else if (p->memstart_addr)
		snprintf(k, sizeof(k), "in kallsyms, unreadable in /proc/kcore");
	if (p->phys_offset_known)
		snprintf(v, sizeof(v), verbose ? "vmcoreinfo PHYS_OFFSET 0x%llx" : "vmcoreinfo PHYS_OFFSET",
			 (unsigned long long)p->phys_offset);
	printf("# memstart_addr: %s, %s; page-table reader uses %s\n", k, v,
	       p->memstart_addr ? "kallsyms" : p->phys_offset_known ? "vmcoreinfo" :
	       "none (unvisited ranges stay unknown)");
}
#endif

static void print_args(const struct wc_slot *s)
{
	const struct { const char *name; __u8 pos; } a[] = {
		{ "start", s->arg_start }, { "end", s->arg_end }, { "walk", s->arg_walk },
		{ "mm", s->arg_mm }, { "vma", s->arg_vma }, { "ops", s->arg_ops },
		{ "entry", s->arg_entry }, { "depth", s->arg_depth },
	};

	printf("    args:");
	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		if (a[i].pos != WC_ARG_NONE)
			printf(" %s=%u", a[i].name, a[i].pos);
	printf("\n");
}

/* --census: what exists on this kernel, with no tracing. */
static int print_census(const struct wc_plan *plan, const struct ksyms *ks)
{
	struct wc_census c;
	struct wc_walkops *ops = NULL;
	struct utsname u;
	char err[256] = "";
	int ret = WC_EXIT_OK, nops;

	wc_census_init(&c);
	if (wc_census_from_plan(&c, plan)) {
		wc_err("out of memory");
		wc_census_free(&c);
		return WC_EXIT_FAIL;
	}
	wc_census_group(&c, ks, &ops, &nops, err, sizeof(err));
	uname(&u);
	if (env.json) {
		struct json_object *o = wc_census_json(&c, false, NULL);

		json_object_object_add(o, "kernel", json_object_new_string(u.release));
		if (nops < 0)
			json_object_object_add(o, "groups_unknown", json_object_new_string(err));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		printf("# kernel %s (%s)\n", u.release, u.machine);
		wc_census_list(&c, stdout, ops, nops);
		if (nops < 0)
			printf("# ops structs unknown: %s\n", err);
	}
	free(ops);
	wc_census_free(&c);
	if (fflush(stdout) || ferror(stdout))
		ret = WC_EXIT_FAIL;
	return ret;
}

int cmd_probes(int argc, char **argv)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.doc = "List each kernel function walkcov would trace on this kernel, the "
		       "mechanism (fentry/fexit, kprobe.multi or kprobe) and why, and why anything is skipped.",
	};
	int ret = WC_EXIT_FAIL, per_kind[WC_K_INSTALL_PTE + 1] = {};
	struct wc_plan plan = {};
	struct wc_tracer *tracer = NULL;
	struct ksyms *ks = NULL;
	char err[512] = "";
	struct utsname u;

	if (wc_cli_parse(&argp, argc, argv, 0, NULL))
		return WC_EXIT_FAIL;
	ks = wc_plan_for_kernel(&plan, err, sizeof(err));
	if (!ks) {
		wc_err("%s", err);
		return WC_EXIT_FAIL;
	}
	if (env.census) {
		ret = print_census(&plan, ks);
		goto cleanup;
	}
	if (!env.no_load) {
		/* load (verify) every program the plan needs, attach nothing */
		struct wc_tracer_opts o = { .plan = &plan, .ring_size = WC_RING_SIZE_PROBE,
					    .verbose = env.verbose, .load_only = true };

		tracer = wc_tracer_open(&o, err, sizeof(err));
		if (!tracer) {
			wc_err("%s", err);
			goto cleanup;
		}
	}

	uname(&u);
	for (int i = 0; i < plan.n; i++)
		if (plan.t[i].use && plan.t[i].slot.role == WC_R_CALLBACK)
			if (plan.t[i].slot.kind <= WC_K_INSTALL_PTE)
				per_kind[plan.t[i].slot.kind]++;
	printf("# kernel %s (%s), mechanism %s\n", u.release, u.machine,
	       tracer ? wc_mech_name(wc_tracer_mech(tracer)) : "not tested (--no-load)");
	if (tracer)
		printf("# why: %s\n", wc_tracer_why(tracer));
	if (tracer) {
		char obj[640];

		wc_tracer_object(obj, sizeof(obj));
		printf("# bpf object: %s\n", obj);
	}
	wc_geometry_from_kernel();
	printf("# geometry: page %llu bytes, pmd %llu bytes (%llu ptes a table), from getpagesize()\n",
	       WC_PAGE_SIZE, WC_PMD_SIZE, WC_PTES_PER_PMD);
#ifdef __aarch64__
	print_memstart(&plan, env.verbose);
#endif
	printf("# callbacks found: %d pgd_entry, %d p4d_entry, %d pud_entry, "
	       "%d pmd_entry, %d pte_entry, %d pte_hole, %d hugetlb_entry, %d install_pte\n",
	       per_kind[WC_K_PGD_ENTRY], per_kind[WC_K_P4D_ENTRY], per_kind[WC_K_PUD_ENTRY],
	       per_kind[WC_K_PMD_ENTRY], per_kind[WC_K_PTE_ENTRY], per_kind[WC_K_PTE_HOLE],
	       per_kind[WC_K_HUGETLB_ENTRY], per_kind[WC_K_INSTALL_PTE]);
	/* modules without BTF (before 5.11): through their ops structs */
	if (plan.module_ops_callbacks > 0)
		printf("# callbacks of modules without BTF, found through their ops structs "
		       "(/proc/kallsyms, /proc/kcore): %d (in the counts above)\n",
		       plan.module_ops_callbacks);
	else if (plan.module_ops_callbacks < 0)
		printf("# callbacks of modules without BTF: unknown (%s)\n", plan.module_ops_err);
	printf("%-44s %-9s %-14s %-12s %s\n", "FUNCTION", "ROLE", "KIND", "MECH", "STATUS");
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < plan.n; i++) {
			const struct wc_target *t = &plan.t[i];
			char name[200];

			if (t->use != (pass == 0))
				continue;
			snprintf(name, sizeof(name), "%s%s%s%s", t->name, *t->module ? " [" : "",
				 t->module, *t->module ? "]" : "");
			printf("%-44s %-9s %-14s %-12s %s\n", name, wc_role_name(t->slot.role),
			       target_kind(t),
			       !t->use ? "-" : tracer ? wc_mech_name(wc_tracer_target_mech(tracer, t)) : "?",
			       t->use && !*t->why ? "ok" : t->why);
			if (env.verbose && t->use)
				print_args(&t->slot);
		}
	}
	ret = WC_EXIT_OK;
cleanup:
	wc_tracer_close(tracer);
	wc_plan_free(&plan);
	ksyms_free(ks);
	return ret;
}
