#!/bin/sh
# tests/bsd/libc-check.sh BUILDDIR: the C library functions the objects in BUILDDIR (built by
# tests/bsd/build.sh) call that tests/bsd/libc.allow does not list, one per line; exit 1 if
# there is any. Ignored: functions the objects define themselves, glibc's internals (__*; a
# fortified __X_chk counts as X), and what the Linux emulations call in their place
# (kqueue_compat.h: epoll_*, signalfd, readlink; shim/: prctl).
set -eu
b=${1:?usage: libc-check.sh BUILDDIR}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
objs=$(ls "$b"/*.o)
# shellcheck disable=SC2086
nm --defined-only --format=just-symbols $objs | sort -u >"$tmp/def"
# shellcheck disable=SC2086
nm -u --format=just-symbols $objs | sed 's/@.*//' |
	sed -E 's/^__(.*)_chk$/\1/' | grep -v '^__' |
	grep -vxE 'epoll_create1|epoll_ctl|epoll_wait|signalfd|readlink|prctl' | sort -u >"$tmp/undef"
grep -v '^#' "$here/libc.allow" | sort -u >"$tmp/allow"
comm -23 "$tmp/undef" "$tmp/def" | comm -23 - "$tmp/allow" >"$tmp/extra"
cat "$tmp/extra"
[ ! -s "$tmp/extra" ]
