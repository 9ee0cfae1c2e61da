// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The named mm_walk_ops structs, read from /proc/kcore: see walkops.h. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "walkops.h"

struct layout {
	unsigned int size;		/* sizeof(struct mm_walk_ops) */
	int n;
	const char *member[WC_WALKOPS_MEMBERS];
	unsigned int off[WC_WALKOPS_MEMBERS];
};

/* A member's name that outlives the BTF it was read from: the callers keep
 * struct wc_walkops (member[]) after the BTF is freed. */
static const char *member_name(const char *name)
{
	static const char *const known[] = {
		"pgd_entry", "p4d_entry", "pud_entry", "pmd_entry", "pte_entry", "pte_hole",
		"hugetlb_entry", "test_walk", "pre_vma", "post_vma", "install_pte",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (name && !strcmp(name, known[i]))
			return known[i];
	return "unknown";	/* a member of a later kernel: no callback kind */
}

/* The function-pointer members of struct mm_walk_ops and their offsets. */
static int read_layout(const struct btf *btf, struct layout *l)
{
	__s32 id = btf__find_by_name_kind(btf, "mm_walk_ops", BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;

	memset(l, 0, sizeof(*l));
	if (!t || t->size > 256)
		return -1;
	l->size = t->size;
	for (int i = 0; i < btf_vlen(t) && l->n < WC_WALKOPS_MEMBERS; i++) {
		const struct btf_member *m = btf_members(t) + i;
		const struct btf_type *mt = btf__type_by_id(btf, m->type);

		if (!mt || !btf_is_ptr(mt) || btf_member_bit_offset(t, i) % 64)
			continue;
		l->member[l->n] = member_name(btf__name_by_offset(btf, m->name_off));
		l->off[l->n++] = btf_member_bit_offset(t, i) / 8;
	}
	return l->n ? 0 : -1;
}

/* LEN bytes of kernel memory at ADDR through the core file FD. */
static int read_kmem(int fd, const Elf64_Phdr *ph, int nph, uint64_t addr, void *buf, size_t len)
{
	for (int i = 0; i < nph; i++) {
		if (ph[i].p_type != PT_LOAD || addr < ph[i].p_vaddr ||
		    addr + len > ph[i].p_vaddr + ph[i].p_filesz)
			continue;
		return pread(fd, buf, len, (off_t)(ph[i].p_offset + addr - ph[i].p_vaddr)) ==
		       (ssize_t)len ? 0 : -1;
	}
	return -1;
}

/* Its program headers (caller frees), or NULL. */
static Elf64_Phdr *read_phdrs(int fd, int *nph)
{
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    !eh.e_phnum)
		return NULL;
	ph = calloc(eh.e_phnum, sizeof(*ph));
	if (ph && pread(fd, ph, eh.e_phnum * sizeof(*ph), (off_t)eh.e_phoff) !=
		  (ssize_t)(eh.e_phnum * sizeof(*ph))) {
		free(ph);
		return NULL;
	}
	*nph = eh.e_phnum;
	return ph;
}

/* Is the struct at BYTES an mm_walk_ops? Then fill X's callbacks. */
struct judge {
	bool (*is_callback)(const char *member, const char *func, void *ctx);
	void *ctx;
};

static bool as_ops(const struct ksyms *ks, const struct layout *l, const unsigned char *bytes,
		   const struct judge *j, struct wc_walkops *x)
{
	int set = 0;

	for (int i = 0; i < l->n; i++) {
		uint64_t v;
		const struct ksym *s;

		memcpy(&v, bytes + l->off[i], sizeof(v));
		x->member[i] = l->member[i];
		x->cb[i][0] = '\0';
		if (!v)
			continue;
		s = ksyms_at(ks, v);
		if (!s || s->addr != v || (s->type != 't' && s->type != 'T') ||
		    !j->is_callback(l->member[i], s->name, j->ctx))
			return false;
		snprintf(x->cb[i], sizeof(x->cb[i]), "%s", s->name);
		set++;
	}
	return set > 0;
}

/* KCORE (default /proc/kcore) opened, its program headers in *PH, *NPH,
 * and room for WC_WALKOPS_MAX ops in *V: the fd, or -1 with ERR (what was
 * got is the caller's to free). */
static int open_kcore(const char *kcore, Elf64_Phdr **ph, int *nph, struct wc_walkops **v,
		      char *err, size_t errlen)
{
	const char *path = kcore ? kcore : "/proc/kcore";
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !(*ph = read_phdrs(fd, nph))) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 fd < 0 ? strerror(errno) : "not an ELF core file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*v = calloc(WC_WALKOPS_MAX, sizeof(**v));
	if (!*v) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return -1;
	}
	return fd;
}

int wc_walkops_read(const struct ksyms *ks, const char *kcore,
		    bool (*is_callback)(const char *member, const char *func, void *ctx), void *ctx,
		    struct wc_walkops **out, char *err, size_t errlen)
{
	const struct judge j = { is_callback, ctx };
	struct btf *btf = btf__load_vmlinux_btf();
	struct layout l;
	Elf64_Phdr *ph = NULL;
	int fd = -1, nph = 0, n = 0, ret = -1;
	unsigned char bytes[256];
	struct wc_walkops *v = NULL;

	*out = NULL;
	if (!btf || read_layout(btf, &l)) {
		snprintf(err, errlen, "no struct mm_walk_ops in the kernel's BTF");
		goto out;
	}
	if ((fd = open_kcore(kcore, &ph, &nph, &v, err, errlen)) < 0)
		goto out;
	for (size_t i = 0; n < WC_WALKOPS_MAX; i++) {
		const struct ksym *s = ksyms_nth(ks, i);

		if (!s)
			break;
		if (strchr("tTwWaA", s->type) || !strstr(s->name, "ops") ||
		    read_kmem(fd, ph, nph, s->addr, bytes, l.size))
			continue;
		if (!as_ops(ks, &l, bytes, &j, &v[n]))
			continue;
		snprintf(v[n].name, sizeof(v[n].name), "%.*s", (int)strcspn(s->name, "."), s->name);
		v[n++].addr = s->addr;
	}
	*out = v;
	v = NULL;
	ret = n;
out:
	free(v);
	free(ph);
	if (fd >= 0)
		close(fd);
	btf__free(btf);
	return ret;
}

/* A member of a module's ops points at a function of that module. */
static bool same_module_func(const char *member, const char *func, void *ctx)
{
	(void)member;
	(void)func;
	(void)ctx;
	return true;	/* checked by module_ops: the module and the type */
}

/* BYTES as a module's ops struct: every set member is a text symbol of
 * MOD (as_ops checks it starts a function). */
static bool module_ops(const struct ksyms *ks, const struct layout *l, const unsigned char *bytes,
		       const char *mod, struct wc_walkops *x)
{
	static const struct judge any = { same_module_func, NULL };

	for (int i = 0; i < l->n; i++) {
		uint64_t v;
		const struct ksym *s;

		memcpy(&v, bytes + l->off[i], sizeof(v));
		if (v && (!(s = ksyms_at(ks, v)) || !s->mod || strcmp(s->mod, mod)))
			return false;
	}
	return as_ops(ks, l, bytes, &any, x);
}

int wc_walkops_read_modules(const struct ksyms *ks, const char *kcore, const struct btf *vmlinux,
			    bool (*want_module)(const char *module, void *ctx), void *ctx,
			    struct wc_walkops **out, char *err, size_t errlen)
{
	struct btf *btf = NULL;
	struct layout l;
	Elf64_Phdr *ph = NULL;
	int fd = -1, nph = 0, n = 0, ret = -1;
	unsigned char bytes[256];
	struct wc_walkops *v = NULL;

	*out = NULL;
	for (size_t i = 0;; i++) {	/* nothing to read: no kcore, no BTF needed */
		const struct ksym *s = ksyms_nth(ks, i);

		if (!s) {
			ret = 0;
			goto out;
		}
		if (s->mod && !strchr("tTwWaA", s->type) && strstr(s->name, "ops") &&
		    want_module(s->mod, ctx))
			break;
	}
	if (!vmlinux)
		btf = btf__load_vmlinux_btf();
	if (!(vmlinux ? vmlinux : btf) || read_layout(vmlinux ? vmlinux : btf, &l)) {
		snprintf(err, errlen, "no struct mm_walk_ops in the kernel's BTF");
		goto out;
	}
	if ((fd = open_kcore(kcore, &ph, &nph, &v, err, errlen)) < 0)
		goto out;
	for (size_t i = 0; n < WC_WALKOPS_MAX; i++) {
		const struct ksym *s = ksyms_nth(ks, i), *next = ksyms_nth(ks, i + 1);
		uint64_t end;

		if (!s)
			break;
		if (!s->mod || strchr("tTwWaA", s->type) || !strstr(s->name, "ops") ||
		    !want_module(s->mod, ctx))
			continue;
		/* up to the next symbol (at most 64 elements) */
		end = next && next->addr > s->addr ? next->addr : s->addr + l.size;
		for (int e = 0; e < 64 && n < WC_WALKOPS_MAX; e++) {
			uint64_t a = s->addr + (uint64_t)e * l.size;

			if (a + l.size > end || read_kmem(fd, ph, nph, a, bytes, l.size) ||
			    !module_ops(ks, &l, bytes, s->mod, &v[n]))
				break;
			if (e)
				snprintf(v[n].name, sizeof(v[n].name), "%.*s[%d]",
					 (int)strcspn(s->name, "."), s->name, e);
			else
				snprintf(v[n].name, sizeof(v[n].name), "%.*s",
					 (int)strcspn(s->name, "."), s->name);
			snprintf(v[n].module, sizeof(v[n].module), "%s", s->mod);
			v[n++].addr = a;
		}
	}
	*out = v;
	v = NULL;
	ret = n;
out:
	free(v);
	free(ph);
	if (fd >= 0)
		close(fd);
	btf__free(btf);
	return ret;
}

/* The vmcoreinfo note of a core file: /proc/kcore carries the kernel's
 * (fs/proc/kcore.c, since 4.19), whatever kallsyms holds. */
int wc_kcore_vmcoreinfo(const char *kcore, const char *key, uint64_t *val)
{
	static const char name[] = "VMCOREINFO";
	Elf64_Phdr *ph = NULL;
	char *notes = NULL;
	int fd, nph = 0, ret = -1;

	fd = open(kcore ? kcore : "/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !(ph = read_phdrs(fd, &nph)))
		goto out;
	for (int i = 0; i < nph && ret; i++) {
		size_t len = ph[i].p_filesz, off = 0;

		/* the notes are a few KiB (prstatus, prpsinfo, task, vmcoreinfo) */
		if (ph[i].p_type != PT_NOTE || len > (1u << 20))
			continue;
		free(notes);
		notes = malloc(len + 1);
		if (!notes || pread(fd, notes, len, (off_t)ph[i].p_offset) != (ssize_t)len)
			goto out;
		notes[len] = '\0';
		while (off + sizeof(Elf64_Nhdr) <= len) {
			Elf64_Nhdr nh;
			size_t desc, end;

			memcpy(&nh, notes + off, sizeof(nh));
			desc = off + sizeof(nh) + ((nh.n_namesz + 3ULL) & ~3ULL);
			end = desc + ((nh.n_descsz + 3ULL) & ~3ULL);
			if (desc > len || end > len)
				break;
			if (nh.n_namesz == sizeof(name) && !memcmp(notes + off + sizeof(nh), name, sizeof(name))) {
				/* "KEY=value\n" lines; NUMBER(x) values are %d or 0x%llx */
				char *l = notes + desc, *e;
				size_t klen = strlen(key);

				l[nh.n_descsz] = '\0';	/* the padding or the byte past the end */
				for (; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
					if (strncmp(l, key, klen) || l[klen] != '=')
						continue;
					errno = 0;
					*val = strtoull(l + klen + 1, &e, 0);
					if (!errno && e != l + klen + 1 && (*e == '\n' || !*e))
						ret = 0;
					break;
				}
				break;
			}
			off = end;
		}
	}
out:
	free(notes);
	free(ph);
	if (fd >= 0)
		close(fd);
	return ret;
}

int wc_kcore_read(const char *kcore, uint64_t addr, void *buf, size_t len)
{
	Elf64_Phdr *ph = NULL;
	int fd, nph = 0, ret = -1;

	fd = open(kcore ? kcore : "/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && (ph = read_phdrs(fd, &nph)))
		ret = read_kmem(fd, ph, nph, addr, buf, len);
	free(ph);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* The first callback of the mm_walk_ops struct at OPS, read through
 * /proc/kcore. The kcore file and the struct's layout are kept open for
 * the next call (a session names each ops id once). */
uint64_t wc_walkops_first_callback(uint64_t ops)
{
	/* the tracer's order (bpf/walkcov.bpf.c, first_callback) */
	static const char *const order[] = { "pmd_entry", "pte_entry", "pud_entry",
					     "hugetlb_entry", "pte_hole" };
	static struct {
		bool tried;
		int fd, nph;
		Elf64_Phdr *ph;
		struct btf *btf;	/* kept: the layout's member names are its strings */
		struct layout l;
	} kc = { .fd = -1 };
	unsigned char bytes[256];

	if (!kc.tried) {
		kc.tried = true;
		kc.btf = btf__load_vmlinux_btf();
		if (kc.btf && !read_layout(kc.btf, &kc.l)) {
			kc.fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
			if (kc.fd >= 0)
				kc.ph = read_phdrs(kc.fd, &kc.nph);
		}
	}
	if (!kc.ph || read_kmem(kc.fd, kc.ph, kc.nph, ops, bytes, kc.l.size))
		return 0;
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (int i = 0; i < kc.l.n; i++) {
			uint64_t v;

			if (strcmp(kc.l.member[i], order[k]))
				continue;
			memcpy(&v, bytes + kc.l.off[i], sizeof(v));
			if (v)
				return v;
		}
	return 0;
}
