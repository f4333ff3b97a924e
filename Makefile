# dnsfence: plain Makefile. Local overrides go in config.mk (not committed).
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=
# The one version: dnsfence --version, dnsfence-firewall --version, debian/changelog (make deb
# checks that they agree).
VERSION	 = 0.9.0

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
ALL_CFLAGS = $(WARN) $(WERROR) -D_GNU_SOURCE -DDNSFENCE_VERSION=\"$(VERSION)\" $(HARDEN) $(CFLAGS) $(PKG_CFLAGS)

B	 = build
# Pure modules: buffers in, results out; unit-tested and fuzzed.
PURE	 = config dns packet socks5 pending stats policy addrtab reply imsg audit nflog cache
# Edges: sockets, clock, signals.
EDGE	 = main log evl_epoll capture_nfq inject plat_linux upstream daemon rnd tcpserve privs_linux resolve sockio rtnl sockdiag parent auditw auditp notify ctl
OBJS	 = $(addprefix $(B)/,$(addsuffix .o,$(PURE) $(EDGE)))
HDRS	 = $(wildcard src/*.h)

all: $(B)/dnsfence

$(B)/dnsfence: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDHARDEN) $(LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS)

$(B)/%.o: src/%.c $(HDRS) | $(B)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The version is compiled in: a new VERSION rebuilds main.
$(B)/main.o $(B)/th/main.o: Makefile

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
UPSTREAM_EDGE = src/upstream.c src/sockio.c src/log.c src/sockdiag.c src/evl_epoll.c
$(B)/unit/test_upstream: tests/unit/test_upstream.c tests/unit/t.h $(PURE_SRC) $(UPSTREAM_EDGE) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -o $@ $< $(PURE_SRC) $(UPSTREAM_EDGE)

# The parent's /proc lookups, against a fake /proc tree.
AUDITP_EDGE = src/auditp.c src/log.c
$(B)/unit/test_auditp: tests/unit/test_auditp.c tests/unit/t.h $(PURE_SRC) $(AUDITP_EDGE) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -o $@ $< $(PURE_SRC) $(AUDITP_EDGE)

# dnsfence --stats' table.
$(B)/unit/test_ctl: tests/unit/test_ctl.c tests/unit/t.h src/ctl.c src/ctl.h src/plat_linux.c
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -o $@ $< src/ctl.c src/plat_linux.c

# config.c as Makefile.bsd builds it (-DDNSFENCE_DIVERT): the BSDs' defaults and refusals.
$(B)/unit/test_config_bsd: tests/unit/test_config_bsd.c tests/unit/t.h $(PURE_SRC) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -DDNSFENCE_DIVERT -o $@ $< $(PURE_SRC)

# The event loop: epoll here; kqueue (the BSDs) over tests/bsd/kqueue_compat.h.
$(B)/unit/test_evl: tests/unit/test_evl.c tests/unit/t.h src/evl.h src/evl_epoll.c
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -o $@ $< src/evl_epoll.c
$(B)/unit/test_evl_kqueue: tests/unit/test_evl_kqueue.c tests/unit/test_evl.c tests/unit/t.h src/evl.h src/evl_kqueue.c tests/bsd/kqueue_compat.h
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -DDNSFENCE_KQUEUE_COMPAT -Itests/bsd -Itests/unit -o $@ $< src/evl_kqueue.c

# The address table from getifaddrs (the BSDs' way) against rtnetlink's; the BSDs' routing
# socket reader over tests/bsd/route_compat.h.
$(B)/unit/test_ifaddr: tests/unit/test_ifaddr.c tests/unit/t.h $(PURE_SRC) src/ifaddr.c src/rtnl.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -o $@ $< $(PURE_SRC) src/ifaddr.c src/rtnl.c $(shell pkg-config --libs libmnl)
$(B)/unit/test_rtsock: tests/unit/test_rtsock.c tests/unit/t.h tests/bsd/route_compat.h $(PURE_SRC) src/ifaddr.c src/rtsock.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -DDNSFENCE_RTSOCK_COMPAT -Itests/bsd -o $@ $< $(PURE_SRC) src/ifaddr.c src/rtsock.c

# The BSD divert backend, on Linux: BSD constants and an emulated divert socket from
# tests/bsd/divert_compat.h (docs/bsd.md). Not linked into the Linux daemon.
DIVERT_EDGE = src/capture_divert.c src/evl_epoll.c
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
SYSCONFDIR ?= /etc
# systemd's directories (dist/): where this systemd wants them, else Debian 12's.
UNITDIR ?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d
UNITS	 = dnsfence.service dnsfence-firewall.service
CHROOTDIR ?= /var/lib/dnsfence
AUDITDIR ?= /var/log/dnsfence

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(SHAREDIR)/iptables $(DESTDIR)$(SHAREDIR)/nftables $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(B)/dnsfence $(DESTDIR)$(SBINDIR)/dnsfence
	sed -e 's|@RULESDIR@|$(SHAREDIR)|' -e 's|@VERSION@|$(VERSION)|' src/dnsfence-firewall.sh \
	    >$(B)/dnsfence-firewall
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
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/default
	for u in $(UNITS); do \
	    sed 's|@SBINDIR@|$(SBINDIR)|g' dist/$$u >$(B)/$$u && \
	    install -m 0644 $(B)/$$u $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	install -m 0644 dist/dnsfence.sysusers $(DESTDIR)$(SYSUSERSDIR)/dnsfence.conf
	install -m 0644 dist/dnsfence.tmpfiles $(DESTDIR)$(TMPFILESDIR)/dnsfence.conf
	@# configuration: never over the administrator's
	@for f in dnsfence.conf:dnsfence.conf dnsfence.default:default/dnsfence \
	    dnsfence-firewall.default:default/dnsfence-firewall; do \
	    src=dist/$${f%%:*} dst=$(DESTDIR)$(SYSCONFDIR)/$${f#*:} mode=0644; \
	    case $$f in dnsfence.conf:*) mode=0640 ;; esac; \
	    if [ -e $$dst ]; then echo "kept $$dst"; \
	    else echo "install -m $$mode $$src $$dst"; install -m $$mode $$src $$dst || exit 1; fi; done

clean:
	rm -rf $(B)

print-version:
	@echo $(VERSION)

# The Debian package, built in a copy of the tree (dpkg-buildpackage writes to ..): the .deb
# and its .buildinfo/.changes end up in build/deb/, the source tree stays clean.
DEBDIR	 = $(B)/deb
deb:
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version); [ "$$v" = "$(VERSION)" ] || \
	    { echo "debian/changelog says $$v, the Makefile $(VERSION)" >&2; exit 1; }
	rm -rf $(DEBDIR)
	mkdir -p $(DEBDIR)/dnsfence-$(VERSION)
	tar --exclude=./$(B) --exclude=./.git --exclude=./config.mk -cf - . | \
	    tar -xf - -C $(DEBDIR)/dnsfence-$(VERSION)
	cd $(DEBDIR)/dnsfence-$(VERSION) && dpkg-buildpackage -us -uc -b
	@ls $(DEBDIR)/*.deb

# The package in a Debian 12 guest booted with systemd (QEMU, TCG): tests/vmsd/run.sh, also run
# by make check. The guest's base image is cached in build/vmsd (about 8 minutes to build).
vm-systemd:
	bash tests/vmsd/run.sh

# systemd-analyze verify on the units, their commands pointed at a scratch install (they must
# exist); --man=no: the man pages are checked to be installed instead.
verify-units: all
	rm -rf $(B)/vroot $(B)/verify
	mkdir -p $(B)/verify
	$(MAKE) -s install DESTDIR=$(CURDIR)/$(B)/vroot PREFIX=/usr >/dev/null
	for m in man8/dnsfence.8 man5/dnsfence.conf.5 man8/dnsfence-firewall.8; do \
	    test -f $(B)/vroot/usr/share/man/$$m || { echo "no $$m" >&2; exit 1; }; done
	for u in $(UNITS); do \
	    sed 's|@SBINDIR@|$(CURDIR)/$(B)/vroot/usr/sbin|g' dist/$$u >$(B)/verify/$$u || exit 1; done
	out=$$(cd $(B)/verify && systemd-analyze verify --man=no $(UNITS) 2>&1); rc=$$?; \
	    [ -z "$$out" ] || printf '%s\n' "$$out"; [ $$rc -eq 0 ] && [ -z "$$out" ] && echo "verify: clean"

.PHONY: all unit fuzz deps check demo bench install clean print-version verify-units deb vm-systemd
