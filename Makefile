# ike-conform: IKEv1 conformance and interoperability harness.
#
#   make            build ./build/ike-conform and the engine library
#   make check      install missing packages, build, run the Check tests
#   make run        install missing packages, build, run the main job
#   make deps       install every Debian package the project needs
#   make install    binary, man page, suites, profiles, docs under PREFIX
#                   (DESTDIR for staging); make uninstall
#   make deb        build/deb/ike-conform_VERSION_ARCH.deb (debian/)
#   make check SANITIZE=1   the same tests under ASan and UBSan
#   make fuzz       build the libFuzzer targets with clang and run each
#                   for FUZZ_SECONDS (fuzz/README.md)
#   V=1             show the full commands

CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=
PKG_CONFIG ?= pkg-config
SANITIZE ?= 0
WERROR ?= 1
V ?= 0
BUILD ?= build
VECTORS ?= $(abspath ../shared/vectors)
PREFIX ?= /usr/local
# libreswan unpacked aside (ci/libreswan.sh), one tree for build/ and
# build-san/: the libreswan peer driver runs pluto from it (IKEC_LIBRESWAN).
LIBRESWAN ?= $(CURDIR)/build/libreswan
LIBRESWAN_STAMP := $(LIBRESWAN)/.ike-conform-libreswan

ifeq ($(SANITIZE),1)
override BUILD := $(BUILD)-san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2)
endif

PKGS := libcrypto libpcap zlib yaml-0.1 libnl-3.0 libnl-route-3.0 libnl-xfrm-3.0 libxml-2.0
TEST_PKGS := check

WARN := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes
ifeq ($(WERROR),1)
WARN += -Werror
endif

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(SAN_FLAGS) -Iharness -I. -MMD -MP \
	$(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

# A partial build (for work on one module while another is half done):
#   make test BUILD=build-wire MODULES="core wire" TESTS="names wire rules"
MODULES ?= $(notdir $(wildcard harness/*)) netns peers
TESTS ?= all
# Modules live under harness/, except the topology builder and the peer
# drivers, which DESIGN.md puts at the top level (netns/, peers/*/).
LIB_SRC := $(sort $(foreach m,$(MODULES),$(wildcard harness/$(m)/*.c) \
	$(if $(filter netns,$(m)),$(wildcard netns/*.c)) \
	$(if $(filter peers,$(m)),$(wildcard peers/*.c peers/*/*.c))))
MAIN_SRC := harness/main.c
ifeq ($(TESTS),all)
TEST_SRC := $(sort $(wildcard tests/*.c))
else
# the engine-pair fixture, for the suites that use it
PAIR_TESTS := ike events seeds timeline
TEST_SRC := tests/check_main.c $(if $(filter $(PAIR_TESTS),$(TESTS)),tests/pair.c) \
	$(TESTS:%=tests/test_%.c)
PARTIAL := -DIKEC_PARTIAL_TESTS
endif

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

LIB := $(BUILD)/libikeconform.a
BIN := $(BUILD)/ike-conform
TEST_BIN := $(BUILD)/check-ike-conform

BENCH := $(BUILD)/bench-ike
BENCH_INTEROP := $(BUILD)/bench-interop
BENCH_SUITE := $(BUILD)/bench-suite

.PHONY: all lib deps deps-if-missing libreswan check test run bench clean install uninstall deb \
	deb-build suites

all: $(BIN)

lib: $(LIB)

$(BUILD)/%.o: %.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) $(PARTIAL) -Itests -c -o $@ $<

$(LIB): $(LIB_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(TEST_BIN): $(TEST_OBJ) $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TEST_LIBS) $(PKG_LIBS)

$(BENCH): bench/bench_ike.c $(LIB)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

$(BENCH_INTEROP): bench/bench_interop.c $(LIB)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

$(BENCH_SUITE): bench/bench_suite.c $(LIB)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

# Speed is measured here, never in a unit test: ratios from one run.
# bench-suite runs the HAGLE suite with $(BIN) (BENCH_SUITE_FILTER: fewer cases).
bench: deps-if-missing
	$(Q)$(MAKE) --no-print-directory $(BENCH) $(BENCH_INTEROP) $(BENCH_SUITE) $(BIN)
	$(Q)$(BENCH)
	$(Q)$(BENCH_INTEROP)
	$(Q)$(BENCH_SUITE) --bin $(BIN) --suite suites/hagle.yaml

deps:
	$(Q)ci/deps.sh

deps-if-missing:
	$(Q)ci/deps.sh --if-missing
	$(Q)$(MAKE) --no-print-directory libreswan

# Unpacked once: the stamp names the package versions (ci/libreswan.sh
# itself does nothing while they match).
libreswan: $(LIBRESWAN_STAMP)

$(LIBRESWAN_STAMP):
	$(call msg,UNPACK,$(LIBRESWAN))
	$(Q)ci/libreswan.sh $(LIBRESWAN)

# The deps check runs first, on its own, so that pkg-config sees what it installed.
check: deps-if-missing
	$(Q)$(MAKE) --no-print-directory $(TEST_BIN) $(BIN)
	$(Q)IKEC_SRCDIR=$(CURDIR) IKEC_VECTORS=$(VECTORS) IKEC_BIN=$(abspath $(BIN)) \
		IKEC_LIBRESWAN=$(LIBRESWAN) $(TEST_BIN)

# The tests alone, without the package check (used by partial builds).
test: $(TEST_BIN) $(if $(filter cli,$(MODULES)),$(BIN))
	$(Q)IKEC_SRCDIR=$(CURDIR) IKEC_VECTORS=$(VECTORS) IKEC_BIN=$(abspath $(BIN)) \
		IKEC_LIBRESWAN=$(LIBRESWAN) $(TEST_BIN)

# The shipped HAGLE, DH-group, lifetime, NAT-T, malformed, identities and
# PKI suites in full, against strongSwan and self; .ci/run runs it after the tests.
# -j auto: one worker per core, more while the cases mostly wait on their
# windows (docs/timers.md).
SUITES_JOBS ?= auto
SUITES ?= suites/hagle.yaml suites/dh-groups.yaml suites/lifetime.yaml suites/nat-t.yaml \
	suites/malformed.yaml suites/identities.yaml suites/pki.yaml
# Every case's artifacts are kept in $(BUILD)/suites-out; then tshark must
# find no malformed frame in their captures but the ones sent mutated
# (docs/captures.md).
suites: deps-if-missing
	$(Q)$(MAKE) --no-print-directory $(BIN)
	$(Q)rm -rf $(BUILD)/suites-out
	$(Q)IKEC_LIBRESWAN=$(LIBRESWAN) $(BIN) $(SUITES) -j $(SUITES_JOBS) -q \
		--junit $(BUILD)/suites-junit.xml --out $(BUILD)/suites-out
	$(Q)$(BIN) check-captures $(BUILD)/suites-out

run: deps-if-missing
	$(Q)$(MAKE) --no-print-directory $(BIN)
	$(Q)IKEC_LIBRESWAN=$(LIBRESWAN) ci/run-main.sh $(BIN) $(VECTORS)

# make install [PREFIX=/usr/local] [DESTDIR=staging]: the binary, the man
# page, the suites, the example device profiles (profiles/, when present)
# and the docs. The binary finds nothing through the source tree (the self
# peer is /proc/self/exe, the test PKI is made at run time), so an installed
# one runs $(PREFIX)/share/ike-conform/suites/*.yaml from any directory.
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/ike-conform
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/ike-conform
INSTALL ?= install
DOCS := README.md $(filter-out docs/architecture.md,$(wildcard docs/*.md))
PROFILES := $(wildcard profiles/*.yaml)

install: $(BIN)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(DATADIR)/suites $(DESTDIR)$(DOCDIR)
	$(Q)$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/ike-conform
	$(Q)$(INSTALL) -m 0644 docs/ike-conform.1 $(DESTDIR)$(MANDIR)/man1/ike-conform.1
	$(Q)$(INSTALL) -m 0644 suites/*.yaml $(DESTDIR)$(DATADIR)/suites/
ifneq ($(PROFILES),)
	$(Q)$(INSTALL) -d $(DESTDIR)$(DATADIR)/profiles
	$(Q)$(INSTALL) -m 0644 $(PROFILES) $(DESTDIR)$(DATADIR)/profiles/
endif
	$(Q)$(INSTALL) -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/

# Only what install put there, by name; the folders go when empty.
uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(BINDIR)/ike-conform $(DESTDIR)$(MANDIR)/man1/ike-conform.1 \
		$(addprefix $(DESTDIR)$(DATADIR)/,$(wildcard suites/*.yaml) $(PROFILES)) \
		$(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)))
	$(Q)rmdir --ignore-fail-on-non-empty $(DESTDIR)$(DATADIR)/suites \
		$(wildcard $(DESTDIR)$(DATADIR)/profiles) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) \
		2>/dev/null || true

# make deb: $(DEB_OUT)/ike-conform_VERSION_ARCH.deb with dpkg-buildpackage
# (debian/; ci/deps.sh --deb installs the tools). debian/rules builds in
# debian/build and -tc cleans it up afterwards; what dpkg-buildpackage
# leaves beside the tree (.deb, -dbgsym .deb, .buildinfo, .changes) is
# moved into $(DEB_OUT). Its log is $(DEB_OUT)/build.log (V=1: the terminal).
# deb-build skips the package check: for CI containers that installed only
# the Build-Depends (apt-get build-dep ./; ci/examples/).
DEB_OUT ?= build/deb
DEB_VERSION = $(shell dpkg-parsechangelog -S Version)
DEB_ARCH = $(shell dpkg-architecture -qDEB_HOST_ARCH)
deb:
	$(Q)ci/deps.sh --if-missing --deb
	$(Q)$(MAKE) --no-print-directory deb-build

deb-build:
	@mkdir -p $(DEB_OUT)
	$(call msg,DEB,$(DEB_OUT)/ike-conform_$(DEB_VERSION)_$(DEB_ARCH).deb)
	$(Q)dpkg-buildpackage -us -uc -b -tc $(if $(filter 1,$(V)),, \
		>$(DEB_OUT)/build.log 2>&1 || { tail -n 40 $(DEB_OUT)/build.log; exit 1; })
	$(Q)for f in ../ike-conform_$(DEB_VERSION)_$(DEB_ARCH).deb \
		../ike-conform-dbgsym_$(DEB_VERSION)_$(DEB_ARCH).deb \
		../ike-conform_$(DEB_VERSION)_$(DEB_ARCH).buildinfo \
		../ike-conform_$(DEB_VERSION)_$(DEB_ARCH).changes; do \
		[ ! -e "$$f" ] || mv -f "$$f" $(DEB_OUT)/; done

clean:
	rm -rf build build-san build-fuzz

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BENCH).d $(BENCH_INTEROP).d \
	$(BENCH_SUITE).d

# ---- the kernel lane (ci/kernel/README.md) ----
# `make check-kernel` boots Debian's linux-image-amd64 under qemu (tcg) with
# the host root shared read-only over 9p and runs the tests that need
# kernel ESP (tests/kernel/check_kernel.c, a runner of its own) inside it.
# Its files (initramfs, console log, the share) live in $(BUILD)/kernel.
KERNEL_TEST_BIN := $(BUILD)/check-kernel-ike-conform
KERNEL_TEST_OBJ := $(BUILD)/tests/kernel/check_kernel.o
KERNEL_TIMEOUT ?= 300

.PHONY: check-kernel kernel-tests

$(KERNEL_TEST_BIN): $(KERNEL_TEST_OBJ) $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TEST_LIBS) $(PKG_LIBS)

kernel-tests: $(KERNEL_TEST_BIN) $(BIN)

check-kernel: deps-if-missing
	$(Q)$(MAKE) --no-print-directory kernel-tests
	$(Q)ci/kernel/run.sh --timeout $(KERNEL_TIMEOUT) $(BUILD) -- env IKEC_SRCDIR=$(CURDIR) \
		IKEC_VECTORS=$(VECTORS) IKEC_BIN=$(abspath $(BIN)) IKEC_LIBRESWAN=$(LIBRESWAN) \
		$(abspath $(KERNEL_TEST_BIN))

-include $(KERNEL_TEST_OBJ:.o=.d)

# ---- fuzzing (fuzz/README.md) ----
# `make fuzz` builds the library again with clang, coverage and ASan/UBSan
# in $(FUZZ_BUILD), links the libFuzzer targets fuzz/fuzz_*.c and runs each
# for FUZZ_SECONDS, FUZZ_JOBS processes at once. Corpora grow in
# $(FUZZ_BUILD)/corpus/<target>, crashes land in $(FUZZ_BUILD)/crashes/<target>/.
# Seeds: the vectors' datagrams (read where they are), suites/, out/seeds/.
# Nothing else in this Makefile needs clang: fuzz/ is outside LIB_SRC and
# TEST_SRC.
FUZZ_CC ?= clang
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_TARGETS ?= codec engine suite esp capture
FUZZ_ARGS ?=
FUZZ_SEEDS ?= out/seeds
FUZZ_MODULES := core crypto wire transport pki ike suite esp report netns
FUZZ_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_LIB := $(FUZZ_BUILD)/libikeconform.a
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/fuzz_%)
FUZZ_SEEDER := $(FUZZ_BUILD)/fuzz/fuzz-seeds
# Warnings stay on; -Werror stays with gcc (a newer clang must not break fuzzing).
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Iharness -I. -MMD -MP \
	$(PKG_CFLAGS) -O1 -g $(FUZZ_SAN)

.PHONY: fuzz fuzz-build fuzz-lib fuzz-run

fuzz:
	$(Q)ci/deps.sh --if-missing --fuzz
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)$(MAKE) --no-print-directory fuzz-run

fuzz-lib:
	$(Q)$(MAKE) --no-print-directory lib BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) WERROR=0 \
		MODULES="$(FUZZ_MODULES)" CFLAGS="-O1 -g" \
		SAN_FLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link"

fuzz-build: fuzz-lib
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS) $(FUZZ_SEEDER)

$(FUZZ_BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FUZZ_LIB)
	$(call msg,FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(PKG_LIBS)

$(FUZZ_SEEDER): fuzz/seeds.c fuzz/fuzz.h $(FUZZ_LIB)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -o $@ $< $(FUZZ_LIB) $(PKG_LIBS)


fuzz-run:
	$(Q)$(FUZZ_SEEDER) $(FUZZ_BUILD)/seeds $(VECTORS) $(FUZZ_SEEDS)
	$(Q)set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes/$$t; \
		echo "  FUZZ     $$t for $(FUZZ_SECONDS) s, $(FUZZ_JOBS) job(s)"; \
		seeds="$(FUZZ_BUILD)/seeds/$$t"; max=4096; \
		case $$t in \
		codec) [ -d "$(FUZZ_SEEDS)" ] && seeds="$$seeds $(FUZZ_SEEDS)";; \
		engine) max=8192;; \
		capture) seeds="$$seeds $(wildcard $(VECTORS)/pcaps $(VECTORS)/ike-scan_packets)"; max=65536;; \
		suite) seeds="$$seeds suites tests/suites"; max=16384;; \
		esac; \
		$(FUZZ_BUILD)/fuzz/fuzz_$$t $(FUZZ_BUILD)/corpus/$$t $$seeds \
			-max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -max_len=$$max \
			-artifact_prefix=$(FUZZ_BUILD)/crashes/$$t/ \
			$(if $(filter-out 1,$(FUZZ_JOBS)),-fork=$(FUZZ_JOBS)) \
			$(FUZZ_ARGS) 2>&1 | tee $(FUZZ_BUILD)/fuzz-$$t.log | \
			grep -E '^(stat::|#[0-9]+[[:space:]]+DONE|==[0-9]+==|SUMMARY|INFO: (seed corpus|.*files found))' || true; \
		if ls $(FUZZ_BUILD)/crashes/$$t | grep -q .; then \
			echo "fuzz: $$t: crashes in $(FUZZ_BUILD)/crashes/$$t" >&2; exit 1; fi; \
	done

-include $(wildcard $(FUZZ_BUILD)/fuzz/*.d)
