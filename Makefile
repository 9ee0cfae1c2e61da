# walkcov: one Makefile (libbpf-bootstrap style).
#   make          build build/walkcov and build/walkcov.static (for the VM)
#   make deps     install the Debian packages the build, tests and VM need
#   make deps-arm64  also the arm64 cross tools and guest (make ARCH=arm64, check-arm64)
#   make check    unit tests (also under ASan/UBSan) + VM tests on 3 kernels
#   make check-matrix  the stress check on 6.1-rt and experimental, the
#                 compat set (basics, compat, check, module) on bullseye's
#                 5.10, and the frontend tests on the kernels make check
#                 leaves them off ("# check-suites:" in tests/vm/*.sh)
#   make demo     the main job: a traced stress run in a VM, with a report
#   make bench    engine and record-file speed, tracing cost in a VM (not a test)
#   make fuzz     libFuzzer targets (tests/fuzz), FUZZ_SECONDS each (default 300)
#   make vmlinux  regenerate vmlinux/$(ARCH)/vmlinux.h from a Debian kernel's BTF
#   make ARCH=arm64   cross-build for arm64 into build/arm64/: walkcov.static
#                 (BPF object for arm64), the guest tools; CROSS_COMPILE
#                 (default aarch64-linux-gnu-) as for the kernel
#   make check-arm64  VM tests on Debian's arm64 kernels (docs/arm64.md)
#   make man      the man pages, build/man/*.1 from man/*.scd (scdoc; part of
#                 `make` when scdoc is installed)
#   make install  build/walkcov and the man pages into $(DESTDIR)$(PREFIX)
#                 (PREFIX default /usr/local); make uninstall removes them
#   make deb      the Debian package (debian/), build/deb/walkcov_*.deb, built
#                 with dpkg-buildpackage in a copy of the tree (build/deb/src)

# ARCH as for the kernel: x86 (the default) or arm64, which cross-builds
# from x86-64 with Debian's multiarch packages (make deps-arm64) into build/arm64.
ARCH     ?= x86
override ARCH := $(patsubst x86_64,x86,$(patsubst amd64,x86,$(patsubst aarch64,arm64,$(ARCH))))
HOSTARCH := $(patsubst x86_64,x86,$(patsubst aarch64,arm64,$(shell uname -m)))
ifeq ($(ARCH),x86)
OUTPUT   := build
else ifeq ($(ARCH),arm64)
OUTPUT   := build/arm64
else
$(error walkcov supports ARCH=x86 and ARCH=arm64 (bpf/arch.h), not $(ARCH))
endif
ifneq ($(ARCH),$(HOSTARCH))
CROSS_COMPILE ?= $(if $(filter arm64,$(ARCH)),aarch64-linux-gnu-)
endif
CLANG    ?= clang
BPFTOOL  ?= bpftool
ifeq ($(origin CC),default)
CC       := $(CROSS_COMPILE)gcc
endif
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror
CSTD     := -std=gnu11 -D_GNU_SOURCE
INCLUDES := -I$(OUTPUT) -Ibpf -Iuser -Istress
LIBS     := -lbpf -lelf -lz -ljson-c -lpthread
# the exporter's HTTP server (user/httpd.c); not in walkcov.static: Debian's
# libmicrohttpd.a needs GnuTLS, which has no complete static build there
HTTP_LIBS := -lmicrohttpd
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SCDOC    ?= scdoc
PREFIX   ?= /usr/local
BINDIR   := $(PREFIX)/bin
MANDIR   := $(PREFIX)/share/man/man1
SUITES   ?= bookworm trixie sid
# kernels that run only the stress check (tests/vm/check.sh): make
# check-matrix; make check runs CHECK_STRESS_SUITES (none by default: its
# 30-minute budget; e.g. CHECK_STRESS_SUITES="bookworm-rt experimental")
STRESS_SUITES ?= bookworm-rt experimental
CHECK_STRESS_SUITES ?=
# kernels that get the compat BPF object (bpf/compat.bpf.h) and run the
# compat set (tests/run --compat-suites): Debian 11's 5.10
COMPAT_SUITES ?= bullseye
# arm64 kernels for make check-arm64 (docs/arm64.md): 6.1 and 7.2 with 4 KiB
# pages, 6.12 with 16 KiB pages
ARM64_SUITES ?= bookworm-arm64 trixie-16k sid-arm64
# arm64 kernels make check also runs (CHECK_ARM64_TESTS of the arm64 set),
# none by default: make check is at its 30-minute budget. Measured alone
# on 2 shared cores, sid-arm64's basics and module take about 4 minutes
# (docs/arm64.md): make check CHECK_ARM64_SUITES=sid-arm64
CHECK_ARM64_SUITES ?=
CHECK_ARM64_TESTS ?= basics module

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif
DEMO_SUITE ?= sid

USER_SRCS  := $(wildcard user/*.c)
USER_OBJS  := $(patsubst user/%.c,$(OUTPUT)/obj/%.o,$(USER_SRCS))
# the workload (stress/): in walkcov, and as a library for the guest workload
STRESS_SRCS := $(wildcard stress/*.c)
STRESS_HDRS := $(wildcard stress/*.h)
STRESS_OBJS := $(patsubst stress/%.c,$(OUTPUT)/obj/stress/%.o,$(STRESS_SRCS))
STRESS_LIB  := $(OUTPUT)/libstress.a
USER_OBJS  += $(STRESS_OBJS)
LIB_OBJS   := $(filter-out $(OUTPUT)/obj/main.o,$(USER_OBJS))
ASAN_OBJS  := $(patsubst $(OUTPUT)/obj/%.o,$(OUTPUT)/asan/%.o,$(LIB_OBJS))
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(OUTPUT)/unit/%,$(UNIT_SRCS))
UNIT_ASAN  := $(patsubst tests/unit/%.c,$(OUTPUT)/unit/%.asan,$(UNIT_SRCS))
UNIT_HELP  := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))
UNIT_HDRS  := $(wildcard tests/unit/*.h)
GUEST_SRCS := $(wildcard tests/guest/*.c)
GUEST_BINS := $(patsubst tests/guest/%.c,$(OUTPUT)/guest/%,$(GUEST_SRCS))
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(OUTPUT)/bench/%,$(BENCH_SRCS))
SKEL       := $(OUTPUT)/walkcov.skel.h
# the compat object (bpf/compat.bpf.h) is built for x86 only: it serves
# Debian 11's 5.10, which walkcov does not test on arm64
COMPAT_SKEL := $(if $(filter x86,$(ARCH)),$(OUTPUT)/walkcov_compat.skel.h)
MAN_SRCS   := $(wildcard man/*.scd)
MAN_PAGES  := $(patsubst man/%.scd,$(OUTPUT)/man/%,$(MAN_SRCS))
# `make` builds the man pages only where scdoc is installed (`make deps`
# installs it); `make man` and `make install` need it
HAVE_SCDOC := $(shell command -v $(SCDOC) 2>/dev/null)

.PHONY: all deps deps-arm64 deps-deb check check-arm64 check-matrix check-deb check-census unit vmcheck demo bench vmlinux clean fuzz fuzz-build fuzz-seeds man install uninstall deb
.DELETE_ON_ERROR:
.SECONDARY:

ifeq ($(ARCH),$(HOSTARCH))
all: $(OUTPUT)/walkcov $(OUTPUT)/walkcov.static $(GUEST_BINS) $(if $(HAVE_SCDOC),man)
else
# cross: what runs in the guest (the exporter's dynamic build needs
# libmicrohttpd for the target; unit tests and man pages are the host's)
all: $(OUTPUT)/walkcov.static $(GUEST_BINS)
endif

deps:
	@scripts/deps

# the arm64 cross build and guest too (make ARCH=arm64, make check-arm64):
# outside make deps, which make check runs on every fresh machine
deps-arm64:
	@scripts/deps --arm64

# what make deb and make check-deb need (debhelper, lintian)
deps-deb:
	@scripts/deps --deb

# BPF object and skeleton
$(OUTPUT)/walkcov.bpf.o: bpf/walkcov.bpf.c $(wildcard bpf/*.h) vmlinux/$(ARCH)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) -Wno-unused-function -Wno-unused-parameter \
		-fms-extensions -Wno-microsoft-anon-tag \
		-Ivmlinux/$(ARCH) -Ibpf -c $< -o $@
	$(Q)llvm-strip -g $@

# the same source for kernels without bpf_get_func_arg, bpf_loop or atomic
# fetch (Linux 5.10; bpf/compat.bpf.h); the frontend opens it through the
# main skeleton, so the two skeletons' structs must be the same
$(OUTPUT)/walkcov_compat.bpf.o: bpf/walkcov.bpf.c $(wildcard bpf/*.h) vmlinux/$(ARCH)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -DWC_COMPAT_5_10 $(WARN) -Wno-unused-function -Wno-unused-parameter \
		-fms-extensions -Wno-microsoft-anon-tag \
		-Ivmlinux/$(ARCH) -Ibpf -c $< -o $@
	$(Q)llvm-strip -g $@

$(SKEL): $(OUTPUT)/walkcov.bpf.o $(COMPAT_SKEL)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name walkcov_bpf > $@.tmp
	$(Q)$(if $(COMPAT_SKEL),scripts/same-skeleton $@.tmp walkcov_bpf $(COMPAT_SKEL) walkcov_compat_bpf)
	$(Q)mv $@.tmp $@

$(OUTPUT)/walkcov_compat.skel.h: $(OUTPUT)/walkcov_compat.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name walkcov_compat_bpf > $@

# user space
$(OUTPUT)/obj/%.o: user/%.c $(wildcard user/*.h) $(STRESS_HDRS) bpf/walkcov.h bpf/arch.h $(SKEL) | $(OUTPUT)/obj
	$(call msg,CC,$@)
	$(Q)$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) $(WARN) $(INCLUDES) -c $< -o $@

$(OUTPUT)/asan/%.o: user/%.c $(wildcard user/*.h) $(STRESS_HDRS) bpf/walkcov.h bpf/arch.h $(SKEL) | $(OUTPUT)/asan
	$(call msg,CC,$@)
	$(Q)$(CC) $(CSTD) $(CFLAGS) $(WARN) $(SAN) $(INCLUDES) -c $< -o $@

$(OUTPUT)/obj/stress/%.o: stress/%.c $(STRESS_HDRS) user/commands.h | $(OUTPUT)/obj/stress
	$(call msg,CC,$@)
	$(Q)$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) $(WARN) $(INCLUDES) -c $< -o $@

$(OUTPUT)/asan/stress/%.o: stress/%.c $(STRESS_HDRS) user/commands.h | $(OUTPUT)/asan/stress
	$(call msg,CC,$@)
	$(Q)$(CC) $(CSTD) $(CFLAGS) $(WARN) $(SAN) $(INCLUDES) -c $< -o $@

$(STRESS_LIB): $(STRESS_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/walkcov: $(USER_OBJS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LIBS) $(HTTP_LIBS) -o $@

$(OUTPUT)/obj/httpd-static.o: user/httpd.c user/httpd.h | $(OUTPUT)/obj
	$(call msg,CC,$@)
	$(Q)$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) $(WARN) $(INCLUDES) -DWC_NO_HTTP -c $< -o $@

$(OUTPUT)/walkcov.static: $(filter-out $(OUTPUT)/obj/httpd.o,$(USER_OBJS)) $(OUTPUT)/obj/httpd-static.o
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -static $^ $(LIBS) -o $@

# static programs that run inside the VM; the workload shares the stress/
# calls (the linker takes only the objects it needs from the archive)
$(OUTPUT)/guest/wc_workload: $(STRESS_LIB)

$(OUTPUT)/guest/%: tests/guest/%.c | $(OUTPUT)/guest
	$(call msg,CC,$@)
	$(Q)$(CC) $(CSTD) $(CFLAGS) $(WARN) -static $(INCLUDES) $< $(filter %.a,$^) -lpthread -o $@

# unit tests: each test links the frontend library (everything but main.o)
$(OUTPUT)/unit/%: tests/unit/%.c $(UNIT_HELP) $(UNIT_HDRS) $(LIB_OBJS) | $(OUTPUT)/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CSTD) $(CFLAGS) $(WARN) $(INCLUDES) -Itests/unit $< $(UNIT_HELP) $(LIB_OBJS) $(LIBS) $(HTTP_LIBS) -o $@

$(OUTPUT)/unit/%.asan: tests/unit/%.c $(UNIT_HELP) $(UNIT_HDRS) $(ASAN_OBJS) | $(OUTPUT)/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CSTD) $(CFLAGS) $(WARN) $(SAN) $(INCLUDES) -Itests/unit $< $(UNIT_HELP) $(ASAN_OBJS) $(LIBS) $(HTTP_LIBS) -o $@

$(OUTPUT)/bench/%: tests/bench/%.c $(UNIT_HELP) $(LIB_OBJS) | $(OUTPUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CSTD) $(CFLAGS) $(WARN) $(INCLUDES) -Itests/unit $< $(UNIT_HELP) $(LIB_OBJS) $(LIBS) $(HTTP_LIBS) -o $@

# man pages (man/*.scd, scdoc syntax; tests/host/man.sh keeps them in step
# with each command's --help)
man: $(MAN_PAGES)

$(OUTPUT)/man/%: man/%.scd | $(OUTPUT)/man
	$(call msg,SCDOC,$@)
	$(Q)command -v $(SCDOC) >/dev/null || { echo "scdoc not found: 'make deps' installs it" >&2; exit 2; }
	$(Q)$(SCDOC) <$< >$@

install: $(OUTPUT)/walkcov man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	install -m 0755 $(OUTPUT)/walkcov $(DESTDIR)$(BINDIR)/walkcov
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/walkcov $(addprefix $(DESTDIR)$(MANDIR)/,$(notdir $(MAN_PAGES)))

# The package is built in a copy of the tree (without build/ and .git), so
# dpkg-buildpackage's clean step and its output (written to the parent of
# the source directory) stay inside build/deb.
deb: deps-deb
	rm -rf $(OUTPUT)/deb
	mkdir -p $(OUTPUT)/deb/src
	tar -c --exclude=./$(OUTPUT) --exclude=./.git . | tar -x -C $(OUTPUT)/deb/src
	cd $(OUTPUT)/deb/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -b -us -uc -jauto
	@ls $(OUTPUT)/deb/*.deb

$(OUTPUT) $(OUTPUT)/obj $(OUTPUT)/asan $(OUTPUT)/obj/stress $(OUTPUT)/asan/stress $(OUTPUT)/guest $(OUTPUT)/unit $(OUTPUT)/bench $(OUTPUT)/man:
	$(Q)mkdir -p $@

unit: $(UNIT_BINS) $(UNIT_ASAN) $(OUTPUT)/walkcov

# ---- fuzzing (tests/fuzz): libFuzzer targets built with clang over the
# frontend library; `make check` smoke-runs them (tests/host/fuzz.sh).
FUZZ_SECONDS ?= 300
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_OBJS    := $(patsubst $(OUTPUT)/obj/%.o,$(OUTPUT)/fuzz/obj/%.o,$(LIB_OBJS))

$(OUTPUT)/fuzz/obj/%.o: user/%.c $(wildcard user/*.h) $(STRESS_HDRS) bpf/walkcov.h bpf/arch.h $(SKEL)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CSTD) -g -O1 $(WARN) -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(INCLUDES) -c $< -o $@

$(OUTPUT)/fuzz/obj/stress/%.o: stress/%.c $(STRESS_HDRS) user/commands.h
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CSTD) -g -O1 $(WARN) $(FUZZ_SAN) $(INCLUDES) -c $< -o $@

$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(CSTD) -g -O1 $(WARN) -fsanitize=fuzzer $(FUZZ_SAN) $(INCLUDES) $< $(FUZZ_OBJS) $(LIBS) $(HTTP_LIBS) -o $@

$(OUTPUT)/fuzz/gen_seeds: tests/fuzz/gen_seeds.c $(UNIT_HELP) $(LIB_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CSTD) $(CFLAGS) $(WARN) $(INCLUDES) -Itests/unit $< $(UNIT_HELP) $(LIB_OBJS) $(LIBS) $(HTTP_LIBS) -o $@

fuzz-build: $(FUZZ_BINS)
unit: $(FUZZ_BINS)	# the smoke run in tests/host/fuzz.sh

# rewrite the seed corpora kept in the tree (after a format change)
fuzz-seeds: $(OUTPUT)/fuzz/gen_seeds
	$< tests/fuzz/corpus-recfile tests/fuzz/corpus-engine

# each target for FUZZ_SECONDS on one core; new inputs go to build/fuzz/,
# crashes to build/fuzz/crash-*; the tree's seeds are only read
fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
		n=$$(basename $$f | sed 's/^fuzz_//'); \
		mkdir -p $(OUTPUT)/fuzz/corpus-$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 -max_len=65536 \
			-print_final_stats=1 -close_fd_mask=2 -artifact_prefix=$(OUTPUT)/fuzz/ \
			$(OUTPUT)/fuzz/corpus-$$n tests/fuzz/corpus-$$n || exit 1; \
	done

check: deps all unit
	$(if $(strip $(CHECK_ARM64_SUITES)),scripts/deps --arm64 && $(MAKE) ARCH=arm64)
	tests/run --suites "$(SUITES)" --stress-suites "$(CHECK_STRESS_SUITES)" \
		--arm64-suites "$(CHECK_ARM64_SUITES)" --arm64-tests "$(CHECK_ARM64_TESTS)"

# the arm64 set (basics, module, differential, check) on ARM64_SUITES: the
# cross build, and the host's build for what runs on the host (walkcov map)
check-arm64: deps deps-arm64 all
	$(MAKE) ARCH=arm64
	tests/run --suites "" --arm64-suites "$(ARM64_SUITES)" --only vm/

check-matrix: deps all
	tests/run --suites "" --stress-suites "$(STRESS_SUITES)" --compat-suites "$(COMPAT_SUITES)" \
		--rest-suites "$(SUITES)" --only vm/

# the walker census on each x86 kernel of the matrix (tests/vm/census.sh;
# outside make check's budget; through tests/run, so a not-ok line fails)
CENSUS_SUITES ?= bookworm trixie sid experimental bullseye
check-census: deps all
	tests/run --suites "" --census-suites "$(CENSUS_SUITES)" --only vm/

# the Debian package: make deb, lintian, its files against make install's,
# the unit (tests/package/deb.sh; 2 to 6 minutes, outside make check's budget)
check-deb: deps deps-deb all
	tests/package/deb.sh

unit-check: all unit
	tests/run --unit-only

demo: deps all
	scripts/demo $(DEMO_SUITE)

# engine and record file on one core, then the tracing cost in one VM boot
# (BENCH_SUITE, BENCH_REPS, BENCH_SECONDS; scripts/bench-overhead), then the
# record file again on the events that VM run recorded
BENCH_SUITE ?= $(DEMO_SUITE)
bench: deps all $(BENCH_BINS)
	$(OUTPUT)/bench/bench_engine
	BENCH_SUITE=$(BENCH_SUITE) BENCH_RECORD_OUT=$(OUTPUT)/bench/vm-record.data scripts/bench-overhead
	$(OUTPUT)/bench/bench_recfile $(OUTPUT)/bench/vm-record.data

vmlinux:
	scripts/gen-vmlinux-h --arch $(ARCH) $(DEMO_SUITE) > vmlinux/$(ARCH)/vmlinux.h.new
	mv vmlinux/$(ARCH)/vmlinux.h.new vmlinux/$(ARCH)/vmlinux.h

clean:
	rm -rf $(OUTPUT)
