/* test_gateway.c: what gateway mode adds to the pure modules: interface names, broadcast
 * destinations, an interface's own address, and the gateway/isolate configuration. */
#define T_SUITE "gateway"
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "addrtab.h"
#include "config.h"

#define ETH1	3

static void
links(void)
{
	struct addrtab t;

	CHECK(addrtab_init(&t, 16) == 0);
	CHECK(addrtab_ifindex(&t, "eth1") == 0);
	CHECK(addrtab_link_set(&t, ETH1, "eth1") == 0 && addrtab_ifindex(&t, "eth1") == ETH1);
	/* renamed: the index keeps its new name only */
	CHECK(addrtab_link_set(&t, ETH1, "int0") == 0 && addrtab_ifindex(&t, "eth1") == 0 &&
	    addrtab_ifindex(&t, "int0") == ETH1 && t.nl == 1);
	/* gone, then back with another index */
	addrtab_link_del(&t, ETH1);
	CHECK(addrtab_ifindex(&t, "int0") == 0 && t.nl == 0);
	CHECK(addrtab_link_set(&t, 7, "int0") == 0 && addrtab_ifindex(&t, "int0") == 7);
	/* a name too long, and a full table (fail closed: the name stays unknown) */
	CHECK(addrtab_link_set(&t, 8, "0123456789abcdef") == -1);
	for (uint32_t i = 10; i < 30; i++) {
		char n[16];

		snprintf(n, sizeof(n), "if%u", i);
		(void)addrtab_link_set(&t, i, n);
	}
	CHECK(t.nl == 16 && t.overflow > 0 && addrtab_ifindex(&t, "if29") == 0);
	addrtab_destroy(&t);
}

static int
bcast4(const struct addrtab *t, const char *a, uint32_t ifindex)
{
	uint8_t b[4];

	return inet_pton(AF_INET, a, b) == 1 && addrtab_is_broadcast(t, AF_INET, b, ifindex);
}

static void
broadcast_and_own_address(void)
{
	static const uint8_t a4[4] = { 10, 99, 0, 1 };
	uint8_t ll[16] = { 0xfe, 0x80, [15] = 1 }, g6[16] = { 0xfd, 0x99, [15] = 1 }, m6[16] = {
	    0xff, 0x02, [15] = 1 }, out[16];
	struct addrtab t;

	CHECK(addrtab_init(&t, 16) == 0);
	CHECK(addrtab_add(&t, AF_INET, ETH1, a4, 24) == 0);
	CHECK(bcast4(&t, "10.99.0.255", ETH1) && bcast4(&t, "255.255.255.255", ETH1) &&
	    bcast4(&t, "224.0.0.251", ETH1));
	CHECK(!bcast4(&t, "10.99.0.254", ETH1) && !bcast4(&t, "10.99.0.255", ETH1 + 1) &&
	    !bcast4(&t, "198.51.100.255", ETH1));
	CHECK(addrtab_is_broadcast(&t, AF_INET6, m6, ETH1) &&
	    !addrtab_is_broadcast(&t, AF_INET6, g6, ETH1));
	/* the interface's own address: a global IPv6 one before the link-local one */
	CHECK(addrtab_if_addr(&t, AF_INET, ETH1, out) == 1 && memcmp(out, a4, 4) == 0);
	CHECK(addrtab_if_addr(&t, AF_INET6, ETH1, out) == 0);
	CHECK(addrtab_add(&t, AF_INET6, ETH1, ll, 64) == 0);
	CHECK(addrtab_if_addr(&t, AF_INET6, ETH1, out) == 1 && memcmp(out, ll, 16) == 0);
	CHECK(addrtab_add(&t, AF_INET6, ETH1, g6, 64) == 0);
	CHECK(addrtab_if_addr(&t, AF_INET6, ETH1, out) == 1 && memcmp(out, g6, 16) == 0);
	CHECK(addrtab_if_addr(&t, AF_INET6, ETH1 + 1, out) == 0);
	addrtab_destroy(&t);
}

static int
build(struct config *c, const char *text, char *err)
{
	return config_build(c, "t.conf", text, strlen(text), 1, NULL, 0, err, CONFIG_ERRLEN);
}

static void
gateway_config(void)
{
	struct config c;
	char err[CONFIG_ERRLEN];

	CHECK(build(&c, "resolver 192.0.2.1\n", err) == 0 && c.ngateway == 0 &&
	    c.isolate == ISOLATE_UID);
	/* gateway makes isolate host the default ... */
	CHECK(build(&c, "gateway eth1\ngateway eth2\n", err) == 0 && c.ngateway == 2 &&
	    strcmp(c.gateway[1], "eth2") == 0 && c.isolate == ISOLATE_HOST);
	/* ... unless isolate is given, before or after it */
	CHECK(build(&c, "isolate uid\ngateway eth1\n", err) == 0 && c.isolate == ISOLATE_UID);
	CHECK(build(&c, "gateway eth1\nisolate none\n", err) == 0 && c.isolate == ISOLATE_NONE);
	CHECK(build(&c, "isolate host\n", err) == 0 && c.isolate == ISOLATE_HOST);
	/* refused, with file:line */
	CHECK(build(&c, "gateway lo\n", err) == -1 && strncmp(err, "t.conf:1:", 9) == 0);
	CHECK(build(&c, "\ngateway 0123456789abcdef\n", err) == -1 &&
	    strncmp(err, "t.conf:2:", 9) == 0);
	CHECK(build(&c, "gateway a/b\n", err) == -1);
	CHECK(build(&c, "gateway eth+\n", err) == -1 && strstr(err, "letters, digits"));
	CHECK(build(&c, "gateway \"eth1\"\n", err) == -1);
	CHECK(build(&c, "gateway br-lan_0.1\n", err) == 0);
	CHECK(build(&c, "gateway eth1\ngateway eth1\n", err) == -1 && strstr(err, "twice"));
	CHECK(build(&c, "isolate everyone\n", err) == -1 && strstr(err, "none, uid or host"));
	CHECK(build(&c, "gateway a\ngateway b\ngateway c\ngateway d\ngateway e\ngateway f\n"
	    "gateway g\ngateway h\ngateway i\n", err) == -1 && strncmp(err, "t.conf:9:", 9) == 0);
}

int
main(void)
{
	RUN(links);
	RUN(broadcast_and_own_address);
	RUN(gateway_config);
	return T_DONE();
}
