/* test_addrtab.c: the host's addresses, whose sources may ask and which are on a link. */
#define T_SUITE "addrtab"
#include <sys/socket.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include "addrtab.h"

#define LO	ADDRTAB_LO_IFINDEX
#define ETH0	2
#define ETH1	3

/* Addresses in the documentation ranges, and neighbours of them. */
static const uint8_t a4[4] = { 192, 0, 2, 10 };
static const uint8_t a4_nb[4] = { 192, 0, 2, 77 };
static const uint8_t a4_far[4] = { 198, 51, 100, 1 };
static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [7] = 1, [15] = 0x10 };
static const uint8_t a6_nb[16] = { 0x20, 0x01, 0x0d, 0xb8, [7] = 1, [14] = 0xab, 0xcd };
static const uint8_t a6_far[16] = { 0x20, 0x01, 0x0d, 0xb8, [7] = 2, [15] = 0x10 };
static const uint8_t ll_eth0[16] = { 0xfe, 0x80, [8] = 0x02, [15] = 0x01 };
static const uint8_t ll_eth1[16] = { 0xfe, 0x80, [8] = 0x02, [15] = 0x02 };
static const uint8_t ll_nb[16] = { 0xfe, 0x80, [8] = 0x0c, [15] = 0x99 };

static void
add_del_dedupe(void)
{
	struct addrtab t;

	CHECK(addrtab_init(&t, 8) == 0);
	CHECK(t.n == 0 && t.cap == 8 && t.overflow == 0);
	CHECK(addrtab_add(&t, AF_INET, ETH0, a4, 24) == 0);
	CHECK(addrtab_add(&t, AF_INET, ETH0, a4, 24) == 0);	/* the same: a no-op */
	CHECK(t.n == 1);
	/* another prefix length, interface or family is another entry */
	CHECK(addrtab_add(&t, AF_INET, ETH0, a4, 32) == 0);
	CHECK(addrtab_add(&t, AF_INET, ETH1, a4, 24) == 0);
	CHECK(addrtab_add(&t, AF_INET6, ETH0, a6, 64) == 0);
	CHECK(t.n == 4);
	CHECK(addrtab_is_local(&t, AF_INET, a4) && addrtab_is_local(&t, AF_INET6, a6));
	/* deleting needs the exact entry; the others stay */
	addrtab_del(&t, AF_INET, ETH0, a4, 16);
	addrtab_del(&t, AF_INET6, ETH1, a6, 64);
	CHECK(t.n == 4);
	addrtab_del(&t, AF_INET, ETH0, a4, 24);
	CHECK(t.n == 3 && addrtab_is_local(&t, AF_INET, a4));
	addrtab_del(&t, AF_INET, ETH0, a4, 32);
	addrtab_del(&t, AF_INET, ETH1, a4, 24);
	CHECK(t.n == 1 && !addrtab_is_local(&t, AF_INET, a4));
	CHECK(addrtab_is_local(&t, AF_INET6, a6));
	addrtab_del(&t, AF_INET6, ETH0, a6, 64);
	addrtab_del(&t, AF_INET6, ETH0, a6, 64);		/* gone already: a no-op */
	CHECK(t.n == 0 && !addrtab_is_local(&t, AF_INET6, a6));
	/* clear forgets everything, and the table takes addresses again */
	CHECK(addrtab_add(&t, AF_INET, ETH0, a4, 24) == 0);
	addrtab_clear(&t);
	CHECK(t.n == 0 && !addrtab_is_local(&t, AF_INET, a4));
	CHECK(addrtab_add(&t, AF_INET, ETH0, a4, 24) == 0 && t.n == 1);
	CHECK(t.overflow == 0);
	addrtab_destroy(&t);
	CHECK(t.e == NULL && t.n == 0 && t.cap == 0);
}

/* A family other than AF_INET and AF_INET6, or a prefix longer than its address: refused. */
static void
bad_entries(void)
{
	struct addrtab t;

	CHECK(addrtab_init(&t, 4) == 0);
	CHECK(addrtab_add(&t, AF_INET, ETH0, a4, 33) == -1);
	CHECK(addrtab_add(&t, AF_INET, ETH0, a4, 255) == -1);
	CHECK(addrtab_add(&t, AF_INET6, ETH0, a6, 129) == -1);
	CHECK(addrtab_add(&t, AF_UNIX, ETH0, a6, 8) == -1);
	CHECK(addrtab_add(&t, AF_UNSPEC, ETH0, a6, 0) == -1);
	CHECK(t.n == 0 && t.overflow == 0);	/* refused, not counted as the table full */
	CHECK(!addrtab_is_local(&t, AF_INET, a4) && !addrtab_is_local(&t, AF_INET6, a6));
	/* the longest ones are fine */
	CHECK(addrtab_add(&t, AF_INET, ETH0, a4, 32) == 0);
	CHECK(addrtab_add(&t, AF_INET6, ETH0, a6, 128) == 0);
	CHECK(t.n == 2);
	addrtab_destroy(&t);
}

static void
local_exact(void)
{
	struct addrtab t;
	uint8_t v4[4], v6[16];

	CHECK(addrtab_init(&t, 8) == 0);
	CHECK(addrtab_add(&t, AF_INET, ETH0, a4, 24) == 0);
	CHECK(addrtab_add(&t, AF_INET6, ETH0, a6, 64) == 0);
	CHECK(addrtab_is_local(&t, AF_INET, a4));
	CHECK(addrtab_is_local(&t, AF_INET6, a6));
	/* a neighbour in the interface's prefix is not one of ours */
	CHECK(!addrtab_is_local(&t, AF_INET, a4_nb));
	CHECK(!addrtab_is_local(&t, AF_INET6, a6_nb));
	CHECK(!addrtab_is_local(&t, AF_INET, a4_far));
	/* the same bytes in the other family are not a match */
	memset(v6, 0, sizeof(v6));
	memcpy(v6, a4, 4);
	CHECK(!addrtab_is_local(&t, AF_INET6, v6));
	memcpy(v4, a6, 4);
	CHECK(!addrtab_is_local(&t, AF_INET, v4));
	addrtab_destroy(&t);
}

/* 127.0.0.0/8 and ::1 are ours even in an empty table (rtnl may not have said so yet). */
static void
local_loopback(void)
{
	static const uint8_t lo4a[4] = { 127, 0, 0, 1 };
	static const uint8_t lo4b[4] = { 127, 255, 3, 200 };
	static const uint8_t lo6[16] = { [15] = 1 };
	static const uint8_t lo6_not[16] = { [15] = 2 };
	static const uint8_t mapped[16] = { [10] = 0xff, 0xff, 127, 0, 0, 1 };
	static const uint8_t v4_128[4] = { 128, 0, 0, 1 };
	struct addrtab t;

	CHECK(addrtab_init(&t, 0) == 0);
	CHECK(addrtab_is_local(&t, AF_INET, lo4a));
	CHECK(addrtab_is_local(&t, AF_INET, lo4b));
	CHECK(addrtab_is_local(&t, AF_INET6, lo6));
	CHECK(!addrtab_is_local(&t, AF_INET6, lo6_not));
	CHECK(!addrtab_is_local(&t, AF_INET6, mapped));
	CHECK(!addrtab_is_local(&t, AF_INET, v4_128));
	/* and they are never on a link */
	CHECK(!addrtab_on_link(&t, AF_INET, lo4a, ETH0));
	CHECK(!addrtab_on_link(&t, AF_INET6, lo6, ETH0));
	addrtab_destroy(&t);
}

/*
 * A prefix on the loopback device is local as a whole (the kernel's local route: AnyIP);
 * the same prefix on another interface makes only its exact address ours.
 */
static void
local_prefix_on_lo(void)
{
	static const uint8_t p4[4] = { 10, 20, 0, 1 };
	static const uint8_t in4[4] = { 10, 20, 3, 99 };
	static const uint8_t out4[4] = { 10, 21, 0, 1 };
	static const uint8_t p6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xaa, [15] = 1 };
	static const uint8_t in6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xaa, [8] = 7, [15] = 9 };
	static const uint8_t out6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xab, [15] = 1 };
	struct addrtab t;

	CHECK(addrtab_init(&t, 8) == 0);
	CHECK(addrtab_add(&t, AF_INET, LO, p4, 22) == 0);
	CHECK(addrtab_add(&t, AF_INET6, LO, p6, 40) == 0);
	CHECK(addrtab_is_local(&t, AF_INET, p4));
	CHECK(addrtab_is_local(&t, AF_INET, in4));
	CHECK(!addrtab_is_local(&t, AF_INET, out4));
	CHECK(addrtab_is_local(&t, AF_INET6, p6));
	/* IPv6 on lo: the address itself, not its prefix (as the kernel has it) */
	CHECK(!addrtab_is_local(&t, AF_INET6, in6));
	CHECK(!addrtab_is_local(&t, AF_INET6, out6));
	/* a prefix on lo is no link: nothing is on_link through it */
	CHECK(!addrtab_on_link(&t, AF_INET, in4, LO));
	CHECK(!addrtab_on_link(&t, AF_INET6, in6, LO));
	addrtab_clear(&t);

	/* the same prefixes on eth0: only the exact addresses */
	CHECK(addrtab_add(&t, AF_INET, ETH0, p4, 22) == 0);
	CHECK(addrtab_add(&t, AF_INET6, ETH0, p6, 40) == 0);
	CHECK(addrtab_is_local(&t, AF_INET, p4));
	CHECK(!addrtab_is_local(&t, AF_INET, in4));
	CHECK(addrtab_is_local(&t, AF_INET6, p6));
	CHECK(!addrtab_is_local(&t, AF_INET6, in6));
	CHECK(addrtab_on_link(&t, AF_INET, in4, ETH0));
	CHECK(addrtab_on_link(&t, AF_INET6, in6, ETH0));
	addrtab_destroy(&t);
}

static void
on_link(void)
{
	struct addrtab t;

	CHECK(addrtab_init(&t, 8) == 0);
	CHECK(addrtab_add(&t, AF_INET, ETH0, a4, 24) == 0);
	CHECK(addrtab_add(&t, AF_INET6, ETH0, a6, 64) == 0);
	CHECK(addrtab_on_link(&t, AF_INET, a4_nb, ETH0));
	CHECK(addrtab_on_link(&t, AF_INET6, a6_nb, ETH0));
	CHECK(addrtab_on_link(&t, AF_INET, a4, ETH0));		/* our own address is in it */
	/* the right prefix, the wrong interface */
	CHECK(!addrtab_on_link(&t, AF_INET, a4_nb, ETH1));
	CHECK(!addrtab_on_link(&t, AF_INET6, a6_nb, ETH1));
	/* outside the prefix */
	CHECK(!addrtab_on_link(&t, AF_INET, a4_far, ETH0));
	CHECK(!addrtab_on_link(&t, AF_INET6, a6_far, ETH0));
	/* no interface, and the loopback device, are never a link */
	CHECK(!addrtab_on_link(&t, AF_INET, a4_nb, 0));
	CHECK(!addrtab_on_link(&t, AF_INET, a4_nb, LO));
	CHECK(!addrtab_on_link(&t, AF_INET6, a6_nb, 0));
	CHECK(!addrtab_on_link(&t, AF_INET6, a6_nb, LO));
	/* even when a prefix is recorded for them */
	CHECK(addrtab_add(&t, AF_INET, 0, a4_far, 24) == 0);
	CHECK(addrtab_add(&t, AF_INET, LO, a4_far, 24) == 0);
	CHECK(!addrtab_on_link(&t, AF_INET, a4_far, 0));
	CHECK(!addrtab_on_link(&t, AF_INET, a4_far, LO));
	/* the family must match too */
	{
		uint8_t v6[16] = { 0 };

		memcpy(v6, a4_nb, 4);
		CHECK(!addrtab_on_link(&t, AF_INET6, v6, ETH0));
	}
	addrtab_destroy(&t);
}

/* fe80::/64 is on every interface: a neighbour is on the link it arrived from, whichever. */
static void
on_link_link_local(void)
{
	struct addrtab t;

	CHECK(addrtab_init(&t, 8) == 0);
	CHECK(addrtab_add(&t, AF_INET6, ETH0, ll_eth0, 64) == 0);
	CHECK(addrtab_on_link(&t, AF_INET6, ll_nb, ETH0));
	CHECK(!addrtab_on_link(&t, AF_INET6, ll_nb, ETH1));
	CHECK(addrtab_add(&t, AF_INET6, ETH1, ll_eth1, 64) == 0);
	CHECK(addrtab_on_link(&t, AF_INET6, ll_nb, ETH0));
	CHECK(addrtab_on_link(&t, AF_INET6, ll_nb, ETH1));
	CHECK(!addrtab_on_link(&t, AF_INET6, ll_nb, ETH1 + 1));
	CHECK(addrtab_is_local(&t, AF_INET6, ll_eth0) && addrtab_is_local(&t, AF_INET6, ll_eth1));
	CHECK(!addrtab_is_local(&t, AF_INET6, ll_nb));
	/* eth0 goes away: its neighbours are no longer on any link of ours there */
	addrtab_del(&t, AF_INET6, ETH0, ll_eth0, 64);
	CHECK(!addrtab_on_link(&t, AF_INET6, ll_nb, ETH0));
	CHECK(addrtab_on_link(&t, AF_INET6, ll_nb, ETH1));
	addrtab_destroy(&t);
}

/* Prefix lengths that do not end on a byte, and the extremes. */
static void
odd_prefixes(void)
{
	static const uint8_t p23[4] = { 192, 0, 2, 1 };		/* 192.0.2.0/23 */
	static const uint8_t in23[4] = { 192, 0, 3, 254 };
	static const uint8_t out23[4] = { 192, 0, 4, 1 };
	static const uint8_t out23b[4] = { 192, 0, 1, 255 };
	static const uint8_t p127[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
	static const uint8_t in127[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x03 };
	static const uint8_t out127[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x04 };
	static const uint8_t out127b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
	static const uint8_t any4[4] = { 203, 0, 113, 9 };
	static const uint8_t any6[16] = { 0x2a, 0x00, [15] = 5 };
	struct addrtab t;

	CHECK(addrtab_init(&t, 8) == 0);
	CHECK(addrtab_add(&t, AF_INET, ETH0, p23, 23) == 0);
	CHECK(addrtab_on_link(&t, AF_INET, in23, ETH0));
	CHECK(!addrtab_on_link(&t, AF_INET, out23, ETH0));
	CHECK(!addrtab_on_link(&t, AF_INET, out23b, ETH0));
	CHECK(addrtab_add(&t, AF_INET6, ETH0, p127, 127) == 0);
	CHECK(addrtab_on_link(&t, AF_INET6, in127, ETH0));
	CHECK(!addrtab_on_link(&t, AF_INET6, out127, ETH0));
	CHECK(!addrtab_on_link(&t, AF_INET6, out127b, ETH0));
	/* /32 and /128: only the address itself */
	CHECK(addrtab_add(&t, AF_INET, ETH1, a4, 32) == 0);
	CHECK(addrtab_add(&t, AF_INET6, ETH1, a6, 128) == 0);
	CHECK(addrtab_on_link(&t, AF_INET, a4, ETH1) && !addrtab_on_link(&t, AF_INET, a4_nb, ETH1));
	CHECK(addrtab_on_link(&t, AF_INET6, a6, ETH1) &&
	    !addrtab_on_link(&t, AF_INET6, a6_nb, ETH1));
	/* /0: everything of the family is on that link (a point-to-point default) */
	CHECK(!addrtab_on_link(&t, AF_INET, any4, ETH1 + 1));
	CHECK(addrtab_add(&t, AF_INET, ETH1 + 1, any4, 0) == 0);
	CHECK(addrtab_on_link(&t, AF_INET, any4, ETH1 + 1));
	CHECK(addrtab_on_link(&t, AF_INET, a4_far, ETH1 + 1));
	CHECK(!addrtab_on_link(&t, AF_INET6, any6, ETH1 + 1));
	CHECK(addrtab_add(&t, AF_INET6, ETH1 + 1, any6, 0) == 0);
	CHECK(addrtab_on_link(&t, AF_INET6, a6_far, ETH1 + 1));
	CHECK(!addrtab_is_local(&t, AF_INET, a4_far));	/* on the link is not ours */
	addrtab_destroy(&t);
}

/* The table full: the address is counted, not recorded, and not local (fail closed). */
static void
table_full(void)
{
	struct addrtab t;
	uint8_t a[4] = { 192, 0, 2, 0 };
	uint8_t big[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	CHECK(addrtab_init(&t, 3) == 0);
	for (uint8_t i = 1; i <= 3; i++) {
		a[3] = i;
		CHECK(addrtab_add(&t, AF_INET, ETH0, a, 32) == 0);
	}
	a[3] = 4;
	CHECK(addrtab_add(&t, AF_INET, ETH0, a, 32) == -1);
	CHECK(t.overflow == 1 && t.n == 3);
	CHECK(!addrtab_is_local(&t, AF_INET, a));
	CHECK(addrtab_add(&t, AF_INET6, ETH0, big, 64) == -1);
	CHECK(t.overflow == 2);
	CHECK(!addrtab_is_local(&t, AF_INET6, big));
	CHECK(!addrtab_on_link(&t, AF_INET6, a6_nb, ETH0));
	/* one already there is still a no-op, not an overflow */
	a[3] = 2;
	CHECK(addrtab_add(&t, AF_INET, ETH0, a, 32) == 0);
	CHECK(t.overflow == 2 && addrtab_is_local(&t, AF_INET, a));
	/* room again after a delete */
	addrtab_del(&t, AF_INET, ETH0, a, 32);
	a[3] = 4;
	CHECK(addrtab_add(&t, AF_INET, ETH0, a, 32) == 0 && addrtab_is_local(&t, AF_INET, a));
	addrtab_destroy(&t);

	/* a table of no entries holds nothing, but loopback is still ours */
	CHECK(addrtab_init(&t, 0) == 0);
	CHECK(addrtab_add(&t, AF_INET, ETH0, a4, 24) == -1 && t.overflow == 1);
	CHECK(!addrtab_is_local(&t, AF_INET, a4) && !addrtab_on_link(&t, AF_INET, a4_nb, ETH0));
	addrtab_destroy(&t);
}

/* A delete moves the last entry into the hole: every other entry must still answer. */
static void
delete_keeps_others(void)
{
	struct addrtab t;
	uint8_t a[4] = { 10, 0, 0, 0 };

	CHECK(addrtab_init(&t, 16) == 0);
	for (uint8_t i = 0; i < 16; i++) {
		a[3] = i;
		CHECK(addrtab_add(&t, AF_INET, (uint32_t)ETH0 + i % 2, a, 32) == 0);
	}
	for (uint8_t i = 0; i < 16; i += 3) {
		a[3] = i;
		addrtab_del(&t, AF_INET, (uint32_t)ETH0 + i % 2, a, 32);
	}
	CHECK(t.n == 10);
	for (uint8_t i = 0; i < 16; i++) {
		a[3] = i;
		CHECK(addrtab_is_local(&t, AF_INET, a) == (i % 3 != 0));
		CHECK(addrtab_on_link(&t, AF_INET, a, (uint32_t)ETH0 + i % 2) == (i % 3 != 0));
	}
	addrtab_destroy(&t);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* TAP lines survive a sanitizer abort */
	alarm(60);
	RUN(add_del_dedupe);
	RUN(bad_entries);
	RUN(local_exact);
	RUN(local_loopback);
	RUN(local_prefix_on_lo);
	RUN(on_link);
	RUN(on_link_link_local);
	RUN(odd_prefixes);
	RUN(table_full);
	RUN(delete_keeps_others);
	return T_DONE();
}
