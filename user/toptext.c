// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* walkcov top's text: see toptext.h. */
#include <inttypes.h>
#include <string.h>
#include "coverage.h"
#include "fmt.h"
#include "kaddr.h"
#include "toptext.h"

#define NAME_MIN 12
#define NAME_MAX 40

/* Bytes per second in binary units, as top and bpftop print sizes. */
static void fmt_bytes(char *buf, size_t size, double v)
{
	static const char units[] = "BKMGTP";
	int u = 0;

	while (v >= 1024 && u < 5)
		v /= 1024, u++;
	if (u)
		snprintf(buf, size, "%.1f%c", v, units[u]);
	else
		snprintf(buf, size, "%.0f", v);
}

/* An ops name as the snapshot has it: "0x..." is a kernel address, shown
 * hashed to readers who may not see kernel addresses (kaddr.h). */
static const char *row_name(const struct wc_top_row *r, int group, char *buf, size_t size)
{
	if (group == WC_TOP_BY_OPS && !strncmp(r->name, "0x", 2) && r->ops)
		return wc_kaddr(r->ops, buf, size);
	return r->name;
}

void wc_top_print_head(FILE *f, const struct wc_top_head *h, const struct wc_top_view *v)
{
	fprintf(f, "walkcov top  kernel %s  %s  elapsed %.1fs  by %s  sort %s%s\n",
		h->kernel && *h->kernel ? h->kernel : "?",
		h->mechanism && *h->mechanism ? h->mechanism : "?", h->elapsed_s,
		wc_top_group_name(h->group), wc_top_sort_name(h->sort), h->final ? "  (final)" : "");
	fprintf(f, "walks open %" PRIu64 "  anomalies %" PRIu64 "  lost: ring buffer %" PRIu64
		", skipped by the kernel %" PRIu64 ", untracked %" PRIu64 ", lost exits %" PRIu64
		", summary full %" PRIu64 "\n",
		v->t.walks_open, h->anomalies, v->t.ringbuf_drops, v->t.recursion_misses,
		v->t.untracked, v->t.lost_exits, v->t.sum_full);
}

static void print_row(FILE *f, const struct wc_top_view *v, const struct wc_top_row *r,
		      const char *name, int width)
{
	char bytes[32];

	fmt_bytes(bytes, sizeof(bytes), wc_top_rate(v, r->delta.bytes));
	/* the counters are __u64: unsigned long long */
	fprintf(f, "%-*.*s %9.1f %9s %6llu %7llu %5llu %10llu %10llu %8llu %10llu %8llu %8llu\n",
		width, width, name, wc_top_rate(v, r->delta.walks), bytes, r->delta.retries,
		r->delta.doubles, r->delta.gaps, r->delta.splits_own, r->delta.splits_other,
		r->delta.walks_incomplete, r->total.walks, r->total.doubles, r->total.gaps);
}

void wc_top_print_table(FILE *f, const struct wc_top_view *v, int group)
{
	char buf[WC_KADDR_LEN], others[64];
	int width = NAME_MIN;

	for (size_t i = 0; i < v->n; i++) {
		int n = (int)strlen(row_name(&v->rows[i], group, buf, sizeof(buf)));

		if (n > width)
			width = n < NAME_MAX ? n : NAME_MAX;
	}
	fprintf(f, "%-*s %9s %9s %6s %7s %5s %10s %10s %8s %10s %8s %8s\n", width,
		group == WC_TOP_BY_COMM ? "COMM" : "OPS", "WALKS/s", "BYTES/s", "+RETRY",
		"+DOUBLE", "+GAP", "+SPLIT-OWN", "+SPLIT-OTH", "+INCOMPL", "WALKS", "DOUBLES", "GAPS");
	for (size_t i = 0; i < v->n; i++)
		print_row(f, v, &v->rows[i], row_name(&v->rows[i], group, buf, sizeof(buf)), width);
	if (v->n_folded) {
		snprintf(others, sizeof(others), "(%zu others)", v->n_folded);
		print_row(f, v, &v->others, others, width);
	}
	print_row(f, v, &v->all, "total", width);
}

void wc_top_print_anomaly(FILE *f, const struct wc_event *e, const char *ops_name,
			  uint64_t start_ns)
{
	char comm[WC_COMM_LEN + 1];

	wc_clean_comm(comm, e->comm);
	fprintf(f, "%+10.3fs %-12s %s/%" PRIu32 " %s 0x%" PRIx64 "-0x%" PRIx64 " x%" PRId64,
		wc_rel_s(e->ts_ns, start_ns), wc_anomaly_name((uint32_t)e->value), comm, e->pid,
		ops_name, (uint64_t)e->start, (uint64_t)e->end, (int64_t)e->ret);
	/* per walkcov.h: cls is who split the range, vma the splitter's tid */
	if (e->cls == WC_SPLIT_OWN)
		fprintf(f, " split by itself");
	else if (e->cls == WC_SPLIT_OTHER)
		fprintf(f, " split by tid %" PRIu64, (uint64_t)e->vma);
	fputc('\n', f);
}
