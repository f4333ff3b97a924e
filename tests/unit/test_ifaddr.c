/*
 * test_ifaddr: the host's addresses as getifaddrs(3) gives them (ifaddr.c: how the BSDs fill
 * the address table) against rtnetlink's view (rtnl.c: Linux), in a network namespace of
 * its own with known addresses (root: make check); and netmasks to prefix lengths.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrtab.h"
#include "ifaddr.h"
#include "rtnl.h"

#define T_SUITE "ifaddr"
#include "t.h"

static int
mask4(const char *m)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	inet_pton(AF_INET, m, &sin.sin_addr);
	return ifaddr_prefixlen(AF_INET, (struct sockaddr *)&sin);
}

static int
mask6(const char *m)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

	inet_pton(AF_INET6, m, &sin6.sin6_addr);
	return ifaddr_prefixlen(AF_INET6, (struct sockaddr *)&sin6);
}

static void
prefix_lengths(void)
{
	CHECK(mask4("255.255.255.0") == 24);
	CHECK(mask4("255.255.255.252") == 30);
	CHECK(mask4("255.255.255.255") == 32);
	CHECK(mask4("0.0.0.0") == 0);
	CHECK(mask4("255.128.0.0") == 9);
	CHECK(mask6("ffff:ffff:ffff:ffff::") == 64);
	CHECK(mask6("ffff:fff0::") == 28);
	CHECK(mask6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == 128);
	CHECK(ifaddr_prefixlen(AF_INET, NULL) == 32);
	CHECK(ifaddr_prefixlen(AF_INET6, NULL) == 128);
}

static int
has(const struct addrtab *t, const struct addrtab_entry *e)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (t->e[i].family == e->family && t->e[i].ifindex == e->ifindex &&
		    t->e[i].prefixlen == e->prefixlen &&
		    memcmp(t->e[i].addr, e->addr, e->family == AF_INET6 ? 16 : 4) == 0)
			return 1;
	return 0;
}

static void
same_as_rtnetlink(void)
{
	struct addrtab nl, ifa;
	struct rtnl r;
	char err[256];
	uint8_t a[16];
	uint32_t v;

	if (unshare(CLONE_NEWNET) == -1)
		SKIP("needs a network namespace of its own (root)");
	CHECK(system("ip link set lo up && ip addr add 10.9.0.1/8 dev lo &&"
	    " ip link add dft0 type veth peer name dft1 &&"
	    " ip link set dft0 addrgenmode none && ip link set dft1 addrgenmode none &&"
	    " ip link set dft0 up && ip link set dft1 up &&"
	    " ip addr add 192.0.2.1/24 dev dft0 && ip addr add 198.51.100.7/30 dev dft0 &&"
	    " ip addr add 2001:db8::1/64 dev dft0 nodad &&"
	    " ip addr add fe80::5/64 dev dft1 nodad") == 0);
	CHECK(addrtab_init(&nl, 64) == 0 && addrtab_init(&ifa, 64) == 0);
	CHECK(rtnl_open(&r, &nl, err, sizeof(err)) == 0);
	CHECK(ifaddr_load(&ifa) == 0);
	printf("# rtnetlink: %u addresses, %u links; getifaddrs: %u addresses, %u links\n",
	    nl.n, nl.nl, ifa.n, ifa.nl);
	/* 127.0.0.1/8 10.9.0.1/8 ::1/128 192.0.2.1/24 198.51.100.7/30 2001:db8::1/64 fe80::5/64 */
	CHECK(nl.n == 7 && ifa.n == nl.n && ifa.nl == nl.nl);
	for (uint32_t i = 0; i < nl.n; i++)
		CHECK(has(&ifa, &nl.e[i]));
	for (uint32_t i = 0; i < nl.nl; i++)
		CHECK(addrtab_ifindex(&ifa, nl.l[i].name) == nl.l[i].ifindex);
	CHECK(ifa.lo == if_nametoindex("lo"));
	/* what the daemon asks of it */
	inet_pton(AF_INET, "10.200.3.4", a);
	CHECK(addrtab_is_local(&ifa, AF_INET, a));
	inet_pton(AF_INET, "198.51.100.6", a);
	v = if_nametoindex("dft0");
	CHECK(addrtab_on_link(&ifa, AF_INET, a, v) && !addrtab_is_local(&ifa, AF_INET, a));
	inet_pton(AF_INET6, "fe80::5", a);
	CHECK(addrtab_is_local(&ifa, AF_INET6, a));
	rtnl_close(&r);
	addrtab_destroy(&nl);
	addrtab_destroy(&ifa);
}

int
main(void)
{
	RUN(prefix_lengths);
	RUN(same_as_rtnetlink);
	return T_DONE();
}
