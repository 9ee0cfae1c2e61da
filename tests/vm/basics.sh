#!/usr/bin/env bash
# Issue 2: the attach plan on a real kernel, and the smallest proof that BPF
# attaches and sees walks (walkcov count while smaps is read). The workload
# ends with a shell builtin, so every walk happens in a forked child: the
# count is zero unless the tracer follows the workload's children.
. "$(dirname "$0")/lib.sh"

vm -- sh -c 'walkcov probes -v > /out/probes.txt 2>&1; echo "probes=$?" > /out/status;
	walkcov count -- sh -c "cat /proc/self/smaps >/dev/null; cat /proc/self/smaps_rollup >/dev/null; true" \
		> /out/count.txt 2>&1; echo "count=$?" >> /out/status
	WALKCOV_EMPTY_PROGRAMS=1 walkcov count -- sh -c "cat /proc/self/smaps >/dev/null; true" \
		> /out/empty.txt 2>&1; echo "empty=$?" >> /out/status' >"$OUT/console" 2>&1
cat "$OUT/status" "$OUT/probes.txt" "$OUT/count.txt" 2>/dev/null | sed 's/^/# /'

P=$OUT/probes.txt
check "probes exits 0" grep -qx 'probes=0' "$OUT/status"
# fentry where the kernel does not preempt BPF programs, kprobe.multi where it
# does; arm64 6.1 loads fentry programs but cannot attach them (no ftrace
# direct calls before 6.4) and has no kprobe.multi: one kprobe per target
case "$SUITE" in
sid | experimental | sid-arm64) want=kprobe.multi ;;
bookworm-arm64) want=kprobe ;;
*) want=fentry ;;
esac
check "probes chooses $want" grep -q "^# kernel .*mechanism $want\$" "$P"
# the compat object only where the kernel lacks what the main one uses
# (bpf/compat.bpf.h: 5.10); every other kernel keeps the main object
obj=main
[ "$DEBIAN_SUITE" = bullseye ] && obj=compat
check "probes: the $obj BPF object" grep -q "^# bpf object: $obj" "$P"
check "__walk_page_range attached" grep -Eq '^__walk_page_range +chunk .* (fentry|kprobe|kprobe\.multi) +ok' "$P"
check "a walk entry point attached" grep -Eq '^walk_page_(range|vma) +walk .* ok' "$P"
check "__split_huge_pmd listed and usable" grep -Eq '^__split_huge_pmd +split .* (fentry|kprobe|kprobe\.multi) ' "$P"
check "smaps_pte_range found through BTF" grep -Eq '^smaps_pte_range +callback +pmd_entry .* ok' "$P"
n=$(grep -Ec '^[a-z_0-9]+ +callback +pmd_entry +(fentry|kprobe|kprobe\.multi) ' "$P")
note "$n pmd_entry callbacks attachable"
check "at least 10 pmd_entry callbacks" [ "$n" -ge 10 ]

C=$OUT/count.txt
check "count exits 0" grep -qx 'count=0' "$OUT/status"
# without CONFIG_KALLSYMS_ALL (bookworm-arm64) kallsyms names no data: the
# static ops are read through /proc/kcore and named after their first callback
case "$SUITE" in
bookworm-arm64) re='^ops of smaps_pte_range ' ;;
*) re='^smaps_walk' ;;
esac
walks=$(grep -E "$re" "$C" | awk '{s += $(NF - 1)} END {print s + 0}')
note "smaps walks counted: $walks"
check "count saw smaps walks (in forked children)" [ "$walks" -gt 0 ]
check "count lost nothing" grep -q '^# lost: 0 ring buffer drops, 0 skipped' "$C"

# WALKCOV_EMPTY_PROGRAMS (make bench's floor): the same programs attach and
# return at once, so the same workload counts no walk, and walkcov says so
E=$OUT/empty.txt
check "empty programs: count exits 0" grep -qx 'empty=0' "$OUT/status"
check "empty programs: walkcov says nothing is traced" \
	grep -q '^walkcov: WALKCOV_EMPTY_PROGRAMS is set: the programs return at once, nothing is traced$' "$E"
ewalks=$(grep -E "$re" "$E" | awk '{s += $(NF - 1)} END {print s + 0}')
check "empty programs: no walk counted ($ewalks)" [ "$ewalks" -eq 0 ]

# arm64's page-table reader needs memstart_addr: from kallsyms, else (no
# CONFIG_KALLSYMS_ALL) from vmcoreinfo's PHYS_OFFSET in /proc/kcore; both
# values must agree where the kernel has both
if [ "$KARCH" = arm64 ]; then
	m=$(grep '^# memstart_addr: ' "$P")
	case "$SUITE" in
	bookworm-arm64) check "memstart_addr from vmcoreinfo (no data symbols in kallsyms)" \
		grep -Eq '^# memstart_addr: not in kallsyms, vmcoreinfo PHYS_OFFSET 0x[0-9a-f]+; page-table reader uses vmcoreinfo$' "$P" ;;
	*) check "memstart_addr from kallsyms equals vmcoreinfo's PHYS_OFFSET ($m)" \
		grep -Eq '^# memstart_addr: kallsyms (0x[0-9a-f]+), vmcoreinfo PHYS_OFFSET \1; page-table reader uses kallsyms$' "$P" ;;
	esac
fi
