/*
 * test_rtsock: rtsock.c (the BSDs' address changes) on Linux, over tests/bsd/route_compat.h:
 * its routing socket replaced by a datagram socketpair the test writes routing messages
 * into. An address or interface message (or OpenBSD's "messages lost") reads the table
 * again; a route change or a cut message does not.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#ifdef DNSFENCE_RTSOCK_COMPAT
#include "route_compat.h"
#else
#include <net/route.h>	/* on a BSD: its own routing socket, then the socketpair */
#endif
#include "addrtab.h"
#include "rtnl.h"

#define T_SUITE "rtsock"
#include "t.h"

static const uint8_t bogus[4] = { 203, 0, 113, 5 };

static int
send_msg(int fd, uint8_t type, size_t len)
{
	uint8_t m[64] = { 0 };

	m[0] = (uint8_t)len;	/* rtm_msglen, host order (little-endian here) */
	m[2] = RTM_VERSION;
	m[3] = type;
	return send(fd, m, len, 0) == (ssize_t)len ? 0 : -1;
}

static void
changes_read_the_table_again(void)
{
	struct addrtab t;
	struct rtnl r;
	char err[256];
	int sv[2];

	CHECK(addrtab_init(&t, 256) == 0);
	CHECK(rtnl_open(&r, &t, err, sizeof(err)) == 0);	/* Linux: PF_ROUTE is netlink */
	CHECK(addrtab_is_local(&t, AF_INET, (const uint8_t *)"\x7f\0\0\1"));
	close(r.fd);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) == 0);
	r.fd = sv[0];
	CHECK(rtnl_fd(&r) == sv[0]);

	/* nothing waiting, a route change, a message cut short: the table stays */
	CHECK(addrtab_add(&t, AF_INET, 99, bogus, 32) == 0);
	CHECK(rtnl_read(&r, &t) == 0 && r.redumps == 0);
	CHECK(send_msg(sv[1], RTM_ADD, 32) == 0 && send_msg(sv[1], RTM_NEWADDR, 3) == 0);
	CHECK(rtnl_read(&r, &t) == 0 && r.redumps == 0 && addrtab_is_local(&t, AF_INET, bogus));

	/* each kind of change: read again, so the stale address is gone */
	static const uint8_t kinds[] = { RTM_NEWADDR, RTM_DELADDR, RTM_IFINFO, RTM_IFANNOUNCE,
#ifdef RTM_DESYNC
	    RTM_DESYNC,
#endif
	};
	for (size_t i = 0; i < sizeof(kinds); i++) {
		CHECK(addrtab_add(&t, AF_INET, 99, bogus, 32) == 0);
		CHECK(send_msg(sv[1], kinds[i], 24) == 0);
		CHECK(rtnl_read(&r, &t) == 0 && r.redumps == i + 1);
		CHECK(!addrtab_is_local(&t, AF_INET, bogus));
		CHECK(addrtab_is_local(&t, AF_INET, (const uint8_t *)"\x7f\0\0\1"));
	}
	/* several at once: one read of the table */
	CHECK(send_msg(sv[1], RTM_NEWADDR, 24) == 0 && send_msg(sv[1], RTM_DELADDR, 24) == 0);
	CHECK(rtnl_read(&r, &t) == 0 && r.redumps == sizeof(kinds) + 1);
	rtnl_close(&r);
	CHECK(r.fd == -1);
	close(sv[1]);
	addrtab_destroy(&t);
}

int
main(void)
{
	RUN(changes_read_the_table_again);
	return T_DONE();
}
