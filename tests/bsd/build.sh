#!/bin/sh
# tests/bsd/build.sh OS BUILDDIR [TARGET...]: run Makefile.bsd with bmake (NetBSD make, which
# FreeBSD's make is) on Linux, as if uname said OS (OpenBSD or FreeBSD), against the test-only
# emulations in tests/bsd: divert sockets (divert_compat.h), kqueue (kqueue_compat.h), routing
# messages (route_compat.h), and pledge, unveil, procctl and getpeereid (shim/). What that
# proves and what it does not: docs/bsd.md. Default target: all (the daemon, the archive, the
# unit tests). -Werror always.
set -eu
os=${1:?usage: build.sh OpenBSD|FreeBSD BUILDDIR [TARGET...]}
b=${2:?usage: build.sh OpenBSD|FreeBSD BUILDDIR [TARGET...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
command -v bmake >/dev/null || { echo "build.sh: bmake is not installed (apt-get install bmake)" >&2; exit 1; }
compat="-DDNSFENCE_DIVERT_COMPAT -DDNSFENCE_KQUEUE_COMPAT -DDNSFENCE_RTSOCK_COMPAT"
# A Linux compiler defines neither __OpenBSD__ nor __FreeBSD__: the divert backend is told
# which socket to open (FreeBSD's one PF_DIVERT socket, or OpenBSD's two).
[ "$os" = FreeBSD ] && compat="$compat -DDNSFENCE_DIVERT_COMPAT_FREEBSD"
exec bmake -f Makefile.bsd OS="$os" B="$b" CI=true \
    CFLAGS="-O2 -g -D_GNU_SOURCE $compat -Itests/bsd -Itests/bsd/shim -include tests/bsd/shim/bsd_shim.h" \
    "${@:-all}"
