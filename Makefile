# dnsfence: plain Makefile. Local overrides go in config.mk (not committed).
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=

CC	?= cc
CFLAGS	?= -O2 -g
WARN	 = -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wformat=2 -Wpointer-arith -Wcast-qual
HARDEN	 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
LDHARDEN = -pie -Wl,-z,relro,-z,now
ifeq ($(CI),true)
WERROR	 = -Werror
endif
-include config.mk

PKGS	 = libnetfilter_queue libmnl libseccomp libcap
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(WARN) $(WERROR) -D_GNU_SOURCE $(HARDEN) $(CFLAGS) $(PKG_CFLAGS)

B	 = build
# Pure modules: buffers in, results out; unit-tested and fuzzed.
PURE	 = config dns packet socks5 pending stats policy addrtab reply imsg audit nflog cache
# Edges: sockets, clock, signals.
EDGE	 = main log capture_nfq inject upstream daemon rnd tcpserve privs_linux resolve sockio rtnl sockdiag parent auditw auditp
OBJS	 = $(addprefix $(B)/,$(addsuffix .o,$(PURE) $(EDGE)))
HDRS	 = $(wildcard src/*.h)

all: $(B)/dnsfence

$(B)/dnsfence: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDHARDEN) -o $@ $(OBJS) $(PKG_LIBS)

$(B)/%.o: src/%.c $(HDRS) | $(B)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The same daemon with test-only hooks (SIGUSR2 makes a forbidden system call). Never installed.
TH_OBJS	 = $(addprefix $(B)/th/,$(addsuffix .o,$(PURE) $(EDGE)))
$(B)/dnsfence-testhooks: $(TH_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDHARDEN) -o $@ $(TH_OBJS) $(PKG_LIBS)

$(B)/th/%.o: src/%.c $(HDRS)
	@mkdir -p $(B)/th
	$(CC) $(ALL_CFLAGS) -DDNSFENCE_TEST_HOOKS -c -o $@ $<

$(B):
	mkdir -p $(B)

# The system tests' probe (tests/tools/dfprobe.c): no Python needed, so tests/vm can use it too.
$(B)/dfprobe: tests/tools/dfprobe.c | $(B)
	$(CC) $(WARN) $(WERROR) -D_GNU_SOURCE $(HARDEN) $(CFLAGS) $(LDHARDEN) -o $@ $<

# Unit tests and corpus replay, built with ASan+UBSan.
SAN	 = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TCFLAGS	 = $(WARN) $(WERROR) -D_GNU_SOURCE -O1 -g $(SAN) -Isrc
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(patsubst tests/unit/%.c,$(B)/unit/%,$(UNIT_SRC))
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY = $(patsubst tests/fuzz/%.c,$(B)/replay/%,$(FUZZ_SRC))
FUZZ_BIN = $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
PURE_SRC = $(addprefix src/,$(addsuffix .c,$(PURE)))

$(B)/unit/%: tests/unit/%.c tests/unit/t.h $(PURE_SRC) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -o $@ $< $(PURE_SRC)

# The upstream write path needs its edges (sockets, log); socketpairs stand in for tunnels.
UPSTREAM_EDGE = src/upstream.c src/sockio.c src/log.c src/sockdiag.c
$(B)/unit/test_upstream: tests/unit/test_upstream.c tests/unit/t.h $(PURE_SRC) $(UPSTREAM_EDGE) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -o $@ $< $(PURE_SRC) $(UPSTREAM_EDGE)

# The BSD divert backend, on Linux: BSD constants and an emulated divert socket from
# tests/bsd/divert_compat.h (docs/bsd.md). Not linked into the Linux daemon.
DIVERT_EDGE = src/capture_divert.c
$(B)/unit/test_divert: tests/unit/test_divert.c tests/unit/t.h tests/bsd/divert_compat.h $(PURE_SRC) $(DIVERT_EDGE) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -DDNSFENCE_DIVERT_COMPAT -Itests/bsd -o $@ $< $(PURE_SRC) $(DIVERT_EDGE)

$(B)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(PURE_SRC) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -o $@ $< tests/fuzz/replay.c $(PURE_SRC)

$(B)/fuzz/%: tests/fuzz/%.c $(PURE_SRC) $(HDRS)
	@mkdir -p $(dir $@)
	clang $(WARN) -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined -Isrc -o $@ $< $(PURE_SRC)

unit: $(UNIT_BIN) $(FUZZ_REPLAY)

FUZZ_SECONDS ?= 60
fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$$(basename $$f); mkdir -p $(B)/corpus/$$n; \
	  echo "== $$n ($(FUZZ_SECONDS)s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(B)/corpus/$$n tests/fuzz/corpus/$$n || exit 1; \
	done

deps:
	sh tests/deps.sh

check: deps all $(B)/dnsfence-testhooks $(B)/dfprobe unit
	sh tests/run.sh

demo: deps all
	bash tests/demo.sh

# One run, one table: dnsfence against unbound direct, and the performance targets (bench/README).
bench: all
	bash bench/bench.sh

SHAREDIR ?= $(PREFIX)/share/dnsfence
CHROOTDIR ?= /var/lib/dnsfence
AUDITDIR ?= /var/log/dnsfence

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(SHAREDIR)/iptables $(DESTDIR)$(SHAREDIR)/nftables $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(B)/dnsfence $(DESTDIR)$(SBINDIR)/dnsfence
	sed 's|@RULESDIR@|$(SHAREDIR)|' src/dnsfence-firewall.sh >$(B)/dnsfence-firewall
	install -m 0755 $(B)/dnsfence-firewall $(DESTDIR)$(SBINDIR)/dnsfence-firewall
	install -m 0644 iptables/dnsfence.rules $(DESTDIR)$(SHAREDIR)/iptables/dnsfence.rules
	install -m 0644 nftables/dnsfence.nft $(DESTDIR)$(SHAREDIR)/nftables/dnsfence.nft
	install -m 0644 docs/dnsfence-firewall.8 $(DESTDIR)$(MANDIR)/man8/dnsfence-firewall.8
	install -m 0755 src/dnsfence-report.py $(DESTDIR)$(SBINDIR)/dnsfence-report
	install -m 0644 docs/dnsfence-report.1 $(DESTDIR)$(MANDIR)/man1/dnsfence-report.1
	install -d -o root -m 0755 $(DESTDIR)$(CHROOTDIR)
	install -d -o root -m 0750 $(DESTDIR)$(AUDITDIR)
	@if [ -z "$(DESTDIR)" ] && ! getent passwd dnsfence >/dev/null; then \
	    echo "creating system user dnsfence"; \
	    useradd --system --no-create-home --home-dir /nonexistent \
	        --shell /usr/sbin/nologin dnsfence; fi
	install -m 0644 docs/dnsfence.8 $(DESTDIR)$(MANDIR)/man8/dnsfence.8
	install -m 0644 docs/dnsfence.conf.5 $(DESTDIR)$(MANDIR)/man5/dnsfence.conf.5

clean:
	rm -rf $(B)

.PHONY: all unit fuzz deps check demo bench install clean
