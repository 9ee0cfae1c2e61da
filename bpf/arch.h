/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Architecture facts walkcov relies on, in one place for the BPF tracer and
 * the frontend: x86-64 and arm64. What the kernel's configuration decides
 * (page size, the span of each level, the number of levels) is not here:
 * it comes from the running kernel (bpf/geometry.bpf.h, user/geometry.h).
 * The page-table reader (bpf/quiet.bpf.h) reads x86-64 tables only; on
 * arm64 it answers "unknown" (docs/arm64.md).
 */
#ifndef WALKCOV_ARCH_H
#define WALKCOV_ARCH_H

#if defined(__TARGET_ARCH_x86) || (!defined(__TARGET_ARCH_arm64) && defined(__x86_64__))
#define WC_ARCH_X86 1
#elif defined(__TARGET_ARCH_arm64) || defined(__aarch64__)
#define WC_ARCH_ARM64 1
#else
#error "walkcov supports x86-64 and arm64 only (page-table bits, argument registers, address layout)"
#endif

#ifdef WC_ARCH_X86

/* The kernel image and modules live at and above this; kernel stacks and
 * the direct map below it. */
#define WC_KERNEL_IMAGE_BASE	0xffffffff80000000ULL

/* pmd/pud entry bits: present, PSE (huge leaf), PROTNONE (NUMA hinting) */
#define WC_PTE_PRESENT		(1ULL << 0)
#define WC_PTE_PSE		(1ULL << 7)
#define WC_PTE_PROTNONE		(1ULL << 8)

/* A pmd value's class (like pmd_present(): PSE alone counts as present
 * during a split): huge leaf, or a table, else a swap entry. */
#define WC_PMD_IS_PRESENT(v)	((v) & (WC_PTE_PRESENT | WC_PTE_PROTNONE | WC_PTE_PSE))
#define WC_PMD_IS_LEAF(v)	((v) & WC_PTE_PSE)

/* Reading page tables (bpf/quiet.bpf.h): x86's pXd_none() ignores the
 * accessed and dirty bits (Knights Landing erratum); a table entry's
 * physical address, seen through the direct map at page_offset_base
 * (randomized: the frontend finds the variable in kallsyms, else these
 * defaults), and the top level's shift (pgdir_shift: 48 with 5 levels). */
#define WC_PT_READER		1
#define WC_PT_NONE_MASK		(~0x60ULL)
#define WC_PT_PFN_MASK		0x000ffffffffff000ULL
#define WC_PT_ENTRIES		512
#define WC_PAGE_OFFSET_4L	0xffff888000000000ULL
#define WC_PAGE_OFFSET_5L	0xff11000000000000ULL
#define WC_PGDIR_SHIFT_4L	39
#define WC_PGDIR_SHIFT_5L	48
#define WC_USER_TOP_4L		(1ULL << 47)	/* TASK_SIZE_MAX, rounded up to the guard page */
#define WC_USER_TOP_5L		(1ULL << 56)

/* kprobe programs: the sixth argument (libbpf 1.1 has no PT_REGS_PARM6) */
#define WC_REGS_PARM6(regs)	((regs)->r9)

/* BPF side: an ops struct in the kernel image or a module (static), not
 * on a kernel stack (built for one call) */
#define WC_OPS_STATIC(ops)	((__u64)(ops) >= WC_KERNEL_IMAGE_BASE)

#endif /* WC_ARCH_X86 */

#ifdef WC_ARCH_ARM64

/* The kernel's upper half from the modules area up (48-bit VA: modules,
 * the kernel image, vmalloc, so also vmap'ed stacks: an ops struct on the
 * stack is told by the task's stack bounds instead, bpf/walkcov.bpf.c);
 * the linear map lies below it. */
#define WC_KERNEL_IMAGE_BASE	0xffff800000000000ULL

/* pmd entry bits: bits 1:0 are 01 for a block (huge leaf), 11 for a
 * table; a huge pmd made invalid for a split or NUMA hinting keeps
 * PTE_PROT_NONE (bit 58) or PMD_PRESENT_INVALID (bit 59, up to 6.9). */
#define WC_PTE_VALID		(1ULL << 0)
#define WC_PTE_TABLE		(1ULL << 1)
#define WC_PTE_PROT_NONE	(1ULL << 58)
#define WC_PMD_PRESENT_INVALID	(1ULL << 59)
#define WC_PMD_IS_PRESENT(v)	((v) & (WC_PTE_VALID | WC_PTE_PROT_NONE | WC_PMD_PRESENT_INVALID))
#define WC_PMD_IS_LEAF(v)	(((v) & WC_PTE_VALID) ? !((v) & WC_PTE_TABLE) : 1)

/* kprobe programs: the sixth argument is x5 */
#define WC_REGS_PARM6(regs)	(((const struct user_pt_regs *)(regs))->regs[5])

/* BPF side: an ops struct not on the walking task's stack is static (the
 * upper half holds vmap'ed stacks and the kernel image alike; THREAD_SIZE
 * is 16 KiB with 4K and 16K pages, without KASAN) */
#define WC_THREAD_SIZE		(16ULL << 10)
#define WC_OPS_STATIC(ops)	((__u64)(ops) - (__u64)BPF_CORE_READ((struct task_struct *) \
				 bpf_get_current_task(), stack) >= WC_THREAD_SIZE)

#endif /* WC_ARCH_ARM64 */

#endif /* WALKCOV_ARCH_H */
