// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Reading a core file as /proc/kcore is laid out (walkops.h): the
 * vmcoreinfo note, where arm64's page-table reader finds memstart_addr on
 * a kernel without CONFIG_KALLSYMS_ALL (NUMBER(PHYS_OFFSET)), and kernel
 * memory through a PT_LOAD segment.
 */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "walkops.h"

static size_t note(unsigned char *p, const char *name, uint32_t type, const char *desc,
		   uint32_t descsz)
{
	Elf64_Nhdr nh = { .n_namesz = strlen(name) + 1, .n_descsz = descsz, .n_type = type };
	size_t off = sizeof(nh);

	memcpy(p, &nh, sizeof(nh));
	memcpy(p + off, name, nh.n_namesz);
	off += (nh.n_namesz + 3) & ~3u;
	memcpy(p + off, desc, strlen(desc));
	return off + ((descsz + 3) & ~3u);
}

/* A core file: a CORE note, then VMCOREINFO with TEXT (DESCSZ bytes of it
 * claimed; more than it has: a truncated note), a PT_LOAD of 16 bytes at
 * 0xffff000000001000. Its path, in a buffer of the caller's. */
static const char *core(char *path, const char *text, uint32_t descsz)
{
	unsigned char notes[4096] = { 0 }, mem[16];
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[2] = { 0 };
	size_t n = 0;
	int fd;

	n += note(notes + n, "CORE", NT_PRSTATUS, "prstatus", 8);
	n += note(notes + n, "VMCOREINFO", 0, text, descsz);
	if (descsz > strlen(text))
		n = n - ((descsz + 3) & ~3u) + ((strlen(text) + 3) & ~3u);	/* cut */
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 2;
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = sizeof(eh) + sizeof(ph), .p_filesz = n };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = sizeof(eh) + sizeof(ph) + n,
			      .p_vaddr = 0xffff000000001000ULL, .p_filesz = sizeof(mem) };
	for (size_t i = 0; i < sizeof(mem); i++)
		mem[i] = (unsigned char)i;
	strcpy(path, "/tmp/walkcov-kcore-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, &eh, sizeof(eh)) != sizeof(eh) ||
	    write(fd, ph, sizeof(ph)) != sizeof(ph) || write(fd, notes, n) != (ssize_t)n ||
	    write(fd, mem, sizeof(mem)) != sizeof(mem)) {
		perror("test core file");
		exit(2);
	}
	close(fd);
	return path;
}

static int value(const char *text, uint32_t descsz, const char *key, uint64_t *v)
{
	char path[64];
	int r = wc_kcore_vmcoreinfo(core(path, text, descsz), key, v);

	unlink(path);
	return r;
}

int main(void)
{
	const char *info = "OSRELEASE=6.1.0\nNUMBER(PHYS_OFFSET_X)=0x1\n"
			   "NUMBER(PHYS_OFFSET)=0x40000000\nNUMBER(VA_BITS)=48\n";
	uint64_t v = 7;
	unsigned char b[4] = { 0 };
	char path[64];
	int r;

	check(value(info, strlen(info), "NUMBER(PHYS_OFFSET)", &v) == 0 && v == 0x40000000,
	      "PHYS_OFFSET is 0x40000000, not the longer key before it");
	check(value(info, strlen(info), "NUMBER(VA_BITS)", &v) == 0 && v == 48,
	      "a decimal NUMBER() on the last line");
	check(value(info, strlen(info), "OSRELEASE", &v) == -1, "a value that is no number: -1");
	check(value("NUMBER(PHYS_OFFSET)=0xffffffffc0000000\n", 39, "NUMBER(PHYS_OFFSET)", &v) == 0 &&
	      v == 0xffffffffc0000000ULL, "a key on the first line; a negative s64 as printed (%%llx)");
	check(value(info, strlen(info), "NUMBER(KERNELOFFSET)", &v) == -1, "a missing key: -1");
	check(value(info, strlen(info) + 64, "NUMBER(PHYS_OFFSET)", &v) == -1,
	      "a note that claims more than the file has: -1");
	check(wc_kcore_vmcoreinfo("/nonexistent/kcore", "NUMBER(PHYS_OFFSET)", &v) == -1,
	      "no file: -1");

	core(path, info, strlen(info));
	r = wc_kcore_read(path, 0xffff000000001004ULL, b, sizeof(b));
	check(r == 0 && b[0] == 4 && b[3] == 7, "kernel memory read through the PT_LOAD segment");
	check(wc_kcore_read(path, 0xffff00000000100eULL, b, sizeof(b)) == -1,
	      "a read past the segment's end: -1");
	unlink(path);
	return failures ? 1 : 0;
}
