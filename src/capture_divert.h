/*
 * capture_divert.h: what the divert backend shows beyond capture.h, for its tests: a capture
 * made from sockets already open (an emulated divert socket on Linux), and its counters.
 */
#ifndef DNSFENCE_CAPTURE_DIVERT_H
#define DNSFENCE_CAPTURE_DIVERT_H

#include <stddef.h>
#include <stdint.h>

struct capture;

enum divert_flavor {
	DIVERT_OPENBSD,		/* one socket per family; sockaddr_in or sockaddr_in6 */
	DIVERT_FREEBSD,		/* one socket for both; sockaddr_in, interface name in sin_zero */
};

struct divert_counters {
	uint64_t	read;		/* packets read (every one is dropped: never written back) */
	uint64_t	malformed;	/* not IPv4/IPv6 + UDP as far as packet_parse goes */
	uint64_t	foreign;	/* well-formed UDP, not to port 53: dropped here, not handed on */
	uint64_t	noif;		/* inbound on an interface we cannot name: dropped */
	uint64_t	truncated;	/* longer than any IP packet: dropped */
	uint64_t	injected;	/* replies written back */
};

/*
 * A capture over sockets bound already. fd6 is -1 with DIVERT_FREEBSD (one socket carries both
 * families). Takes the descriptors: capture_close closes them, and so does a failure here.
 */
struct capture *capture_divert_wrap(enum divert_flavor, int fd4, int fd6, uint32_t batch,
	    char *err, size_t errlen);
const struct divert_counters *capture_divert_counters(const struct capture *);

#endif
