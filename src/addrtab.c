/* addrtab.c: the host's own addresses. Pure. */
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "addrtab.h"

static size_t
alen(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

int
addrtab_init(struct addrtab *t, uint32_t cap)
{
	memset(t, 0, sizeof(*t));
	t->e = calloc(cap ? cap : 1, sizeof(*t->e));
	t->l = calloc(cap ? cap : 1, sizeof(*t->l));
	if (t->e == NULL || t->l == NULL) {
		addrtab_destroy(t);
		return -1;
	}
	t->cap = cap;
	t->lo = ADDRTAB_LO_IFINDEX;
	return 0;
}

void
addrtab_destroy(struct addrtab *t)
{
	free(t->e);
	free(t->l);
	memset(t, 0, sizeof(*t));
}

void
addrtab_clear(struct addrtab *t)
{
	t->n = 0;
	t->nl = 0;
}

static int
same(const struct addrtab_entry *e, int family, uint32_t ifindex, const uint8_t *addr,
    uint8_t prefixlen)
{
	return e->family == family && e->ifindex == ifindex && e->prefixlen == prefixlen &&
	    memcmp(e->addr, addr, alen(family)) == 0;
}

int
addrtab_add(struct addrtab *t, int family, uint32_t ifindex, const uint8_t *addr,
    uint8_t prefixlen)
{
	struct addrtab_entry *e;

	if ((family != AF_INET && family != AF_INET6) || prefixlen > alen(family) * 8)
		return -1;
	for (uint32_t i = 0; i < t->n; i++)
		if (same(&t->e[i], family, ifindex, addr, prefixlen))
			return 0;
	if (t->n == t->cap) {
		t->overflow++;
		return -1;
	}
	e = &t->e[t->n++];
	memset(e, 0, sizeof(*e));
	e->family = family;
	e->ifindex = ifindex;
	e->prefixlen = prefixlen;
	memcpy(e->addr, addr, alen(family));
	return 0;
}

void
addrtab_del(struct addrtab *t, int family, uint32_t ifindex, const uint8_t *addr,
    uint8_t prefixlen)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (same(&t->e[i], family, ifindex, addr, prefixlen)) {
			t->e[i] = t->e[--t->n];
			return;
		}
}

/* addr inside pfx/bits? */
static int
in_prefix(const uint8_t *addr, const uint8_t *pfx, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(addr, pfx, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((addr[whole] ^ pfx[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

int
addrtab_is_local(const struct addrtab *t, int family, const uint8_t *addr)
{
	static const uint8_t v6_lo[16] = { [15] = 1 };

	if (family == AF_INET && addr[0] == 127)
		return 1;
	if (family == AF_INET6 && memcmp(addr, v6_lo, 16) == 0)
		return 1;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct addrtab_entry *e = &t->e[i];

		if (e->family != family)
			continue;
		if (memcmp(e->addr, addr, alen(family)) == 0)
			return 1;
		/*
		 * An IPv4 prefix on lo is local as a whole, as the kernel's local route for it
		 * says (AnyIP); an IPv6 one is not: only its own address is.
		 */
		if (family == AF_INET && e->ifindex == t->lo &&
		    in_prefix(addr, e->addr, e->prefixlen))
			return 1;
	}
	return 0;
}

int
addrtab_on_link(const struct addrtab *t, int family, const uint8_t *addr, uint32_t ifindex)
{
	if (ifindex == t->lo || ifindex == 0)
		return 0;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct addrtab_entry *e = &t->e[i];

		if (e->family == family && e->ifindex == ifindex &&
		    in_prefix(addr, e->addr, e->prefixlen))
			return 1;
	}
	return 0;
}

int
addrtab_is_broadcast(const struct addrtab *t, int family, const uint8_t *addr, uint32_t ifindex)
{
	static const uint8_t all[4] = { 255, 255, 255, 255 };

	if (family == AF_INET6)
		return addr[0] == 0xff;
	if ((addr[0] & 0xf0) == 0xe0 || memcmp(addr, all, 4) == 0)
		return 1;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct addrtab_entry *e = &t->e[i];
		unsigned bits = e->prefixlen;
		uint32_t a, p, host;

		if (e->family != AF_INET || e->ifindex != ifindex || bits > 30)
			continue;
		a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 |
		    addr[3];
		p = (uint32_t)e->addr[0] << 24 | (uint32_t)e->addr[1] << 16 |
		    (uint32_t)e->addr[2] << 8 | e->addr[3];
		host = bits == 0 ? UINT32_MAX : (1u << (32 - bits)) - 1;
		if ((a & ~host) == (p & ~host) && (a & host) == host)
			return 1;
	}
	return 0;
}

int
addrtab_if_addr(const struct addrtab *t, int family, uint32_t ifindex, uint8_t *out)
{
	int found = 0;

	for (uint32_t i = 0; i < t->n; i++) {
		const struct addrtab_entry *e = &t->e[i];
		int ll = family == AF_INET6 && e->addr[0] == 0xfe && (e->addr[1] & 0xc0) == 0x80;

		if (e->family != family || e->ifindex != ifindex || (found && ll))
			continue;
		memcpy(out, e->addr, alen(family));
		if (!ll)
			return 1;
		found = 1;
	}
	return found;
}

int
addrtab_link_set(struct addrtab *t, uint32_t ifindex, const char *name)
{
	struct addrtab_link *l = NULL;
	size_t n = strlen(name);

	if (n >= sizeof(t->l[0].name))
		return -1;
	for (uint32_t i = 0; i < t->nl && l == NULL; i++)
		if (t->l[i].ifindex == ifindex)
			l = &t->l[i];
	if (l == NULL) {
		if (t->nl == t->cap) {
			t->overflow++;
			return -1;
		}
		l = &t->l[t->nl++];
		l->ifindex = ifindex;
	}
	memcpy(l->name, name, n + 1);
	return 0;
}

void
addrtab_link_del(struct addrtab *t, uint32_t ifindex)
{
	for (uint32_t i = 0; i < t->nl; i++)
		if (t->l[i].ifindex == ifindex) {
			t->l[i] = t->l[--t->nl];
			return;
		}
}

uint32_t
addrtab_ifindex(const struct addrtab *t, const char *name)
{
	for (uint32_t i = 0; i < t->nl; i++)
		if (strcmp(t->l[i].name, name) == 0)
			return t->l[i].ifindex;
	return 0;
}
