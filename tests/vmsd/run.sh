#!/bin/bash
# tests/vmsd/run.sh: the Debian package (make deb) installed into a Debian 12 guest booted with
# systemd as init, under QEMU (Debian's stock kernel). Prints TAP; exit 0 only if all is ok.
# The guest's root filesystem is built from Debian packages with mmdebstrap; the base tarball
# is cached in $OUT (a directory: about 8 minutes to build; rebuilt when the package list changes), the package installed fresh.
# No network in the guest (-net none): its "network" is a dummy interface, its Tor a
# microsocks, its resolver an unbound with local data (see guest-test.sh).
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${DNSFENCE_VMSD_DIR:-$REPO/build/vmsd}
TIMEOUT=${DNSFENCE_VMSD_TIMEOUT:-900}
GUEST_PKGS="systemd-sysv,linux-image-amd64,kmod,iproute2,iptables,nftables,python3,unbound,microsocks,knot-dnsutils,libcap2-bin,util-linux,libnetfilter-queue1,libmnl0,libseccomp2,libcap2"

skip() { echo "1..1"; echo "ok 1 - vmsd # skip $*"; exit 0; }
[[ $(id -u) == 0 ]] || skip "needs root"
need=""
for p in mmdebstrap qemu-system-x86 e2fsprogs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need="$need $p"
done
mkdir -p "$OUT"
if [[ -n $need ]]; then
	{ DEBIAN_FRONTEND=noninteractive apt-get update &&
	  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need; } \
		>"$OUT/apt.log" 2>&1 || skip "cannot install$need (see $OUT/apt.log)"
fi
ver=$(make -s -C "$REPO" --no-print-directory print-version)
deb="$REPO/build/deb/dnsfence_${ver}_amd64.deb"
make -s -C "$REPO" deb >"$OUT/deb.log" 2>&1 || { echo "1..1"; echo "not ok 1 - vmsd: make deb"; exit 1; }

key=$(echo "$GUEST_PKGS" | sha256sum | cut -c1-16)
if [[ ! -d $OUT/base-$key/usr ]]; then
	rm -rf "$OUT"/base-*
	mmdebstrap --variant=minbase --include="$GUEST_PKGS" \
		--customize-hook='chroot "$1" systemctl disable unbound-resolvconf.service || true' \
		bookworm "$OUT/base-$key.tmp" http://deb.debian.org/debian >"$OUT/mmdebstrap.log" 2>&1 ||
		skip "mmdebstrap failed (no mirror?): see $OUT/mmdebstrap.log"
	mv "$OUT/base-$key.tmp" "$OUT/base-$key"
fi

root=$OUT/root
rm -rf "$root" && cp -a "$OUT/base-$key" "$root"
cp "$deb" "$root/tmp/"
# The package, as a user installs it (apt install ./deb, its dependencies from the mirror; no
# systemd running: enabled, and started at boot).
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
chroot "$root" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y \
	--no-install-recommends /tmp/$(basename "$deb") && apt-get clean" >"$OUT/install.log" 2>&1
irc=$?
umount "$root/proc"
((irc == 0)) ||
	{ echo "1..1"; echo "not ok 1 - vmsd: apt-get install of the package in the guest's root"; cat "$OUT/install.log"; exit 1; }
rm "$root/tmp/$(basename "$deb")"
cat >"$root/etc/dnsfence.conf" <<'CONF'
socks        127.0.0.1:1080
socks-owner  any
resolver     127.0.0.1:5353
CONF
# no DNSSEC trust anchor in an offline guest (unbound failed to start on root.key)
rm -f "$root/etc/unbound/unbound.conf.d/root-auto-trust-anchor-file.conf"
cat >"$root/etc/unbound/unbound.conf.d/vmsd.conf" <<'CONF'
server:
	module-config: "iterator"
	interface: 127.0.0.1@5353
	do-not-query-localhost: no
	local-zone: "test." static
	local-data: "a.test. A 192.0.2.1"
	local-data: "test. MX 10 mx.test."
CONF
install -m 0755 "$REPO/tests/vmsd/guest-test.sh" "$root/usr/local/sbin/vmsd-test"
cat >"$root/etc/systemd/system/vmsd-test.service" <<'UNIT'
[Unit]
After=multi-user.target dnsfence.service unbound.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/vmsd-test
[Install]
WantedBy=multi-user.target
UNIT
chroot "$root" systemctl enable vmsd-test.service >/dev/null 2>&1
# The watchdog test: 4 s instead of the unit's 30 s, as a user would do it (a drop-in).
mkdir -p "$root/etc/systemd/system/dnsfence.service.d"
printf '[Service]\nWatchdogSec=4s\n' >"$root/etc/systemd/system/dnsfence.service.d/vmsd.conf"
echo vmsd >"$root/etc/hostname"
printf '/dev/vda / ext4 rw 0 1\n' >"$root/etc/fstab"
cp "$root"/boot/vmlinuz-* "$OUT/vmlinuz"
cp "$root"/boot/initrd.img-* "$OUT/initrd.img"
rm -f "$OUT/disk.img"
mke2fs -q -t ext4 -d "$root" "$OUT/disk.img" 3G || { echo "1..1"; echo "not ok 1 - vmsd: mke2fs"; exit 1; }

# DNSFENCE_VMSD_BUILD_ONLY=1: the image only (it is network and disk work; the boot is the
# heavy part, which callers may want to serialize).
[[ ${DNSFENCE_VMSD_BUILD_ONLY:-} == 1 ]] && { echo "vmsd: image built in $OUT"; exit 0; }
timeout --kill-after=10 "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -m 1536 -smp 2 -no-reboot -net none \
	-kernel "$OUT/vmlinuz" -initrd "$OUT/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 systemd.show_status=0 quiet" \
	-drive "file=$OUT/disk.img,format=raw,if=virtio" \
	-serial "file:$OUT/console.log" -monitor none -display none >"$OUT/qemu.out" 2>&1
rc=$?
debugfs -R "cat /var/log/vmsd.tap" "$OUT/disk.img" 2>/dev/null |
	sed -n '/^VMSD begin/,/^VMSD end/p' | grep -v '^VMSD' >"$OUT/tap"
# the guest's journal, for the record (journalctl -D $OUT/journal)
rm -rf "$OUT/journal" && debugfs -R "rdump /var/log/journal $OUT" "$OUT/disk.img" >/dev/null 2>&1
if ! grep -q '^1\.\.' "$OUT/tap"; then
	cat "$OUT/tap"
	echo "not ok - vmsd: the guest printed no plan (qemu exit $rc; see $OUT/console.log)"
	exit 1
fi
cat "$OUT/tap"
! grep -q '^not ok' "$OUT/tap"
