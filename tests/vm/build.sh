#!/bin/bash
# tests/vm/build.sh OUTDIR: the kernel and initramfs that tests/vm/run.sh boots under QEMU.
#
# OUTDIR/vmlinuz            Debian's stock kernel (the linux-image-<ver>-amd64 that
#                           linux-image-amd64 depends on), fetched with apt-get download and
#                           unpacked with dpkg-deb -x; never installed on the host.
# OUTDIR/initramfs.cpio.gz  busybox-static, the netfilter and sock_diag modules and their
#                           dependency closure, dnsfence, dfprobe (tests/tools/dfprobe.c), nft,
#                           unbound, microsocks, kdig, ip, util-linux's setpriv (busybox's has no
#                           --reuid) (with their libraries, as ldd lists them),
#                           dnsfence-firewall + nftables/dnsfence.nft, and tests/vm/init as /init.
# OUTDIR/kernel/<pkg>/      the unpacked kernel package with depmod run: the cache that makes a
#                           rerun fast (the .deb itself is deleted once unpacked).
#
# Exit status: 0 built (or up to date); 77 the environment cannot do it (no kernel package to be
# had, packages that cannot be installed): the reason is the last line on stderr, and run.sh turns
# it into a SKIP; 1 anything else (a build failure).
#
# Environment: DNSFENCE (the daemon binary; default build/dnsfence, made with `make` if needed),
# DFPROBE (the probe; default build/dfprobe, made with `make` if needed).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 1; }
OUT=$1
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMDIR=$REPO/tests/vm
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# Everything below writes under $OUT/root (the guest's /, removed and remade): never the host's.
case $OUT in
/ | /etc* | /usr* | /root | /bin* | /sbin* | /lib* | /var | /boot*)
	echo "build.sh: refusing OUTDIR $OUT: it must be a scratch directory" >&2
	exit 1 ;;
esac

log() { printf 'vm build: %s\n' "$*" >&2; }
cannot() { printf 'vm build: cannot: %s\n' "$*" >&2; exit 77; }

# ---------------------------------------------------------------------------------------------
# Host packages: only those missing, and never start a packaged daemon (unbound) on the host.

HOST_PKGS="qemu-system-x86 busybox-static cpio kmod nftables unbound microsocks knot-dnsutils
	iproute2 util-linux"
apt_updated=0
apt_update() {
	((apt_updated)) && return 0
	apt_updated=1
	DEBIAN_FRONTEND=noninteractive apt-get update >"$OUT/apt-update.log" 2>&1 ||
		log "apt-get update failed (see $OUT/apt-update.log)"
}

missing=""
for p in $HOST_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [[ -n $missing ]]; then
	((EUID == 0)) || cannot "missing Debian packages:$missing (run as root to install them)"
	log "installing$missing"
	apt_update
	had_policy=0
	[[ -e /usr/sbin/policy-rc.d ]] && had_policy=1
	if ((!had_policy)); then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
	fi
	rc=0
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing \
	    >"$OUT/apt-install.log" 2>&1 || rc=$?
	((had_policy)) || rm -f /usr/sbin/policy-rc.d
	((rc == 0)) || cannot "apt-get install$missing failed (see $OUT/apt-install.log)"
fi

# ---------------------------------------------------------------------------------------------
# The kernel: cached in OUTDIR/kernel/<pkg>.

kpkg_name() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-.*-amd64$/ { print $2; exit }'
}

kpkg=$(kpkg_name) || true
if [[ -z $kpkg ]]; then
	apt_update
	kpkg=$(kpkg_name) || true
fi
if [[ -z $kpkg ]]; then
	# Offline, or no package lists: reuse the newest kernel already unpacked, if any.
	# shellcheck disable=SC2012
	kpkg=$(ls -1t "$OUT/kernel" 2>/dev/null | head -n 1) || true
	[[ -n $kpkg && -f $OUT/kernel/$kpkg/.ok ]] ||
		cannot "apt-cache names no linux-image-<ver>-amd64 for linux-image-amd64"
	log "apt-cache names no kernel package; using the cached $kpkg"
fi
KDIR=$OUT/kernel/$kpkg
if [[ ! -f $KDIR/.ok ]]; then
	log "downloading $kpkg"
	rm -rf "$KDIR" "$OUT/dl"
	mkdir -p "$OUT/dl" "$KDIR"
	if ! (cd "$OUT/dl" && apt-get download "$kpkg") >"$OUT/apt-download.log" 2>&1; then
		apt_update
		(cd "$OUT/dl" && apt-get download "$kpkg") >"$OUT/apt-download.log" 2>&1 ||
			cannot "apt-get download $kpkg failed (see $OUT/apt-download.log)"
	fi
	deb=$(ls "$OUT"/dl/"$kpkg"_*.deb)
	log "unpacking $(basename "$deb")"
	dpkg-deb -x "$deb" "$KDIR"
	kver=$(ls "$KDIR/lib/modules")
	[[ -n $kver && -f $KDIR/boot/vmlinuz-$kver ]] || { log "no vmlinuz-$kver in $deb"; exit 1; }
	depmod -b "$KDIR" "$kver"
	rm -rf "$OUT/dl"
	: >"$KDIR/.ok"
	# Keep one kernel: drop those of earlier linux-image-amd64 versions.
	for d in "$OUT"/kernel/*; do
		[[ $d == "$KDIR" ]] || rm -rf "$d"
	done
fi
kver=$(ls "$KDIR/lib/modules")

# ---------------------------------------------------------------------------------------------
# Inputs of the initramfs; rebuild only when one of them is newer than it.

if [[ -z ${DNSFENCE:-} ]]; then
	DNSFENCE=$REPO/build/dnsfence
	make -C "$REPO" -s build/dnsfence >&2 || { log "make build/dnsfence failed"; exit 1; }
fi
[[ -x $DNSFENCE ]] || { log "no dnsfence binary at $DNSFENCE"; exit 1; }
if [[ -z ${DFPROBE:-} ]]; then
	DFPROBE=$REPO/build/dfprobe
	make -C "$REPO" -s build/dfprobe >&2 || { log "make build/dfprobe failed"; exit 1; }
fi
[[ -x $DFPROBE ]] || { log "no dfprobe binary at $DFPROBE"; exit 1; }

BINS="$DNSFENCE $DFPROBE /usr/sbin/nft /usr/sbin/unbound /usr/bin/microsocks /usr/bin/kdig
	/usr/sbin/ip /usr/bin/setpriv"
for b in $BINS; do
	[[ -x $b ]] || { log "missing $b"; exit 1; }
done
INPUTS="$BINS $REPO/src/dnsfence-firewall.sh $REPO/nftables/dnsfence.nft $VMDIR/init
	$VMDIR/build.sh $KDIR/.ok"

IMG=$OUT/initramfs.cpio.gz
if [[ -f $IMG && -f $OUT/vmlinuz && -f $OUT/kver ]] && [[ $(cat "$OUT/kver") == "$kver" ]]; then
	stale=0
	for f in $INPUTS; do
		[[ $f -nt $IMG ]] && { stale=1; break; }
	done
	if ((!stale)); then
		log "up to date: $IMG ($kver)"
		exit 0
	fi
fi

# Modules: everything the ruleset (fib for queue_pre), the queue, the leak watch, the test's own
# reject rule and the veth pairs need, sock_diag for dnsfence's socks-owner check, and their
# dependency closure as modprobe computes it from the package's own modules.dep.
MODULES="nfnetlink nf_tables nft_queue nfnetlink_queue nf_conntrack nf_nat nft_nat nft_redir
	nft_ct nft_chain_nat nft_fib nft_fib_ipv4 nft_fib_ipv6 nft_fib_inet nf_reject_ipv4
	nf_reject_ipv6 nft_reject nft_reject_inet veth inet_diag tcp_diag nft_log nft_limit nfnetlink_log udp_diag"

ROOT=$OUT/root
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root,var/run}
mkdir -p "$ROOT/usr/share/dnsfence/nftables" "$ROOT/lib/modules/$kver"

# busybox first; the real binaries installed below replace its applets of the same name.
cp /bin/busybox "$ROOT/bin/busybox"
for a in $("$ROOT/bin/busybox" --list-full); do
	[[ $a == bin/busybox ]] && continue
	mkdir -p "$ROOT/$(dirname "$a")"
	ln -sf /bin/busybox "$ROOT/$a"
done

copy_file() {	# host path -> same path in ROOT (symlinks followed)
	[[ -e $ROOT$1 ]] && return 0
	mkdir -p "$ROOT$(dirname "$1")"
	cp -L "$1" "$ROOT$1"
}

install_bin() {	# binary, path in the guest
	local bin=$1 dest=$2 n lib
	n=$(basename "$dest")
	rm -f "$ROOT/bin/$n" "$ROOT/sbin/$n" "$ROOT/usr/bin/$n" "$ROOT/usr/sbin/$n"
	mkdir -p "$ROOT$(dirname "$dest")"
	cp -L "$bin" "$ROOT$dest"
	if ldd "$bin" | grep -q 'not found'; then
		log "$bin: a library is not found:"
		ldd "$bin" >&2
		exit 1
	fi
	for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		copy_file "$lib"
	done
}

install_bin "$DNSFENCE" /usr/sbin/dnsfence
install_bin "$DFPROBE" /usr/bin/dfprobe
install_bin /usr/bin/setpriv /usr/bin/setpriv
install_bin /usr/sbin/nft /usr/sbin/nft
install_bin /usr/sbin/unbound /usr/sbin/unbound
install_bin /usr/bin/microsocks /usr/bin/microsocks
install_bin /usr/bin/kdig /usr/bin/kdig
install_bin /usr/sbin/ip /usr/sbin/ip

cp "$REPO/src/dnsfence-firewall.sh" "$ROOT/usr/sbin/dnsfence-firewall"
chmod 755 "$ROOT/usr/sbin/dnsfence-firewall"
cp "$REPO/nftables/dnsfence.nft" "$ROOT/usr/share/dnsfence/nftables/dnsfence.nft"
cp "$VMDIR/init" "$ROOT/init"
chmod 755 "$ROOT/init"

for m in $MODULES; do
	modprobe -d "$KDIR" -S "$kver" --show-depends "$m" >"$OUT/deps.tmp" ||
		{ log "modprobe --show-depends $m failed"; exit 1; }
	while read -r verb path _; do
		[[ $verb == insmod ]] || continue
		rel=${path#"$KDIR"}
		mkdir -p "$ROOT$(dirname "$rel")"
		cp "$path" "$ROOT$rel"
	done <"$OUT/deps.tmp"
done
rm -f "$OUT/deps.tmp"
cp "$KDIR/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$ROOT/lib/modules/$kver/"
depmod -b "$ROOT" "$kver"
echo "$MODULES" | tr -s ' \t\n' ' ' >"$ROOT/etc/vm-modules"

# /etc of the guest (the guest's own: nothing of the host's is read or written).
cat >"$ROOT/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
dnsfence:x:101:101::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
printf 'root:x:0:\ndnsfence:x:101:\nnogroup:x:65534:\n' >"$ROOT/etc/group"
# What `make install` makes for the daemon's defaults: the user above and an empty, root-owned
# chroot directory.
mkdir -p "$ROOT/var/lib/dnsfence"
chmod 0755 "$ROOT/var/lib/dnsfence"
printf 'passwd: files\ngroup: files\nhosts: files\n' >"$ROOT/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$ROOT/etc/hosts"
# Nobody serves DNS at 192.0.2.53: an answer can only come from dnsfence.
printf 'nameserver 192.0.2.53\n' >"$ROOT/etc/resolv.conf"
for f in /etc/protocols /etc/services; do [[ -f $f ]] && cp "$f" "$ROOT$f"; done

cat >"$ROOT/etc/dnsfence.conf" <<'EOF'
# dnsfence in the QEMU guest: SOCKS is microsocks in the uplink namespace, which reaches
# unbound on its own 127.0.0.1.
queue 0
mark 0x646e73
socks 198.51.100.2:1080
resolver 127.0.0.1:53
timeout 3s
EOF

cat >"$ROOT/etc/unbound.conf" <<'EOF'
server:
	interface: 127.0.0.1
	interface: ::1
	port: 53
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "/tmp"
	pidfile: ""
	logfile: ""
	use-syslog: no
	verbosity: 1
	num-threads: 1
	so-reuseport: no
	access-control: 127.0.0.0/8 allow
	access-control: ::1/128 allow
	module-config: "iterator"
	local-zone: "test." static
	local-data: "test. 3600 IN SOA ns1.test. hostmaster.test. 1 7200 900 1209600 300"
	local-data: "test. 300 IN MX 10 mail.test."
	local-data: "mail.test. 300 IN A 192.0.2.25"
	local-data: "a.test. 300 IN A 192.0.2.1"
	local-data: "a.test. 300 IN AAAA 2001:db8::1"
	local-data: 'txt.test. 300 IN TXT "v=dnsfence1 hello from the recursor"'
remote-control:
	control-enable: no
EOF

# The decoy on the uplink's own addresses: a query that leaks past dnsfence gets these answers.
cat >"$ROOT/etc/unbound-decoy.conf" <<'EOF'
server:
	interface: 198.51.100.2
	interface: 2001:db8:53::2
	port: 53
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "/tmp"
	pidfile: ""
	logfile: ""
	use-syslog: no
	verbosity: 1
	num-threads: 1
	so-reuseport: no
	access-control: 0.0.0.0/0 allow
	access-control: ::/0 allow
	module-config: "iterator"
	local-zone: "." static
	local-data: "test. 300 IN MX 10 leaked.test."
	local-data: "a.test. 300 IN A 203.0.113.66"
	local-data: "a.test. 300 IN AAAA 2001:db8:dead::66"
	local-data: "closed.test. 300 IN A 203.0.113.66"
	local-data: "closed.test. 300 IN AAAA 2001:db8:dead::66"
	local-data: 'txt.test. 300 IN TXT "LEAKED"'
remote-control:
	control-enable: no
EOF

(cd "$ROOT" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) |
	gzip -1 >"$IMG.tmp"
mv "$IMG.tmp" "$IMG"
cp "$KDIR/boot/vmlinuz-$kver" "$OUT/vmlinuz"
echo "$kver" >"$OUT/kver"
log "built $IMG ($(du -h "$IMG" | cut -f1)) for $kver"
