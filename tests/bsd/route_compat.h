/*
 * route_compat.h: TEST ONLY. Lets src/rtsock.c compile on Linux: the routing message types
 * it looks at, with OpenBSD's values (<net/route.h>; FreeBSD's differ only in
 * RTM_IFANNOUNCE, 0x11, and it has no RTM_DESYNC). On
 * Linux PF_ROUTE is rtnetlink's family, so rtnl_open gets a socket; the test reads through a
 * socketpair it puts in its place and writes BSD-shaped messages into. Nothing here says how
 * a BSD kernel behaves. docs/bsd.md says what that proves.
 */
#ifndef DNSFENCE_ROUTE_COMPAT_H
#define DNSFENCE_ROUTE_COMPAT_H

#define RTM_VERSION	5
#define RTM_ADD		0x1
#define RTM_NEWADDR	0xc
#define RTM_DELADDR	0xd
#define RTM_IFINFO	0xe
#define RTM_IFANNOUNCE	0xf
#define RTM_DESYNC	0x10

#endif
