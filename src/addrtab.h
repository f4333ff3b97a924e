/*
 * addrtab.h: the host's own addresses, as the kernel reports them (rtnl.c feeds it). Pure.
 * It answers two questions about a captured query's source: is it one of ours (a query made
 * on this host must come from one), and is it on the link it arrived from (a forwarded
 * client must be a neighbour of ours on that interface, never a spoofed far address).
 */
#ifndef DNSFENCE_ADDRTAB_H
#define DNSFENCE_ADDRTAB_H

#include <stddef.h>
#include <stdint.h>

#define ADDRTAB_LO_IFINDEX	1	/* Linux: the loopback device is interface 1 in every namespace */

struct addrtab_entry {
	int		family;		/* AF_INET or AF_INET6 */
	uint32_t	ifindex;
	uint8_t		prefixlen;
	uint8_t		addr[16];	/* 4 bytes used for AF_INET */
};

/* An interface's name, for the gateway interfaces named in the configuration. */
struct addrtab_link {
	uint32_t	ifindex;
	char		name[16];	/* IFNAMSIZ */
};

struct addrtab {
	struct addrtab_entry	*e;
	uint32_t		 n;
	uint32_t		 cap;		/* max-local-addresses; also bounds the links */
	uint64_t		 overflow;	/* addresses or links not recorded: full */
	struct addrtab_link	*l;
	uint32_t		 nl;
	uint32_t		 lo;		/* the loopback device's index: ADDRTAB_LO_IFINDEX, or
						   what the loader found (the BSDs number it later) */
};

int	addrtab_init(struct addrtab *, uint32_t cap);
void	addrtab_destroy(struct addrtab *);
void	addrtab_clear(struct addrtab *);

/*
 * Record or forget an address of interface ifindex. Adding one already there is a no-op.
 * Returns 0, or -1 when the table is full (counted in overflow; the address stays unknown,
 * so queries from it are refused: fail closed).
 */
int	addrtab_add(struct addrtab *, int family, uint32_t ifindex, const uint8_t *addr,
	    uint8_t prefixlen);
void	addrtab_del(struct addrtab *, int family, uint32_t ifindex, const uint8_t *addr,
	    uint8_t prefixlen);

/*
 * One of this host's addresses: an interface's address, anything in an IPv4 prefix
 * configured on the loopback device (127.0.0.0/8 and ::1 always).
 */
int	addrtab_is_local(const struct addrtab *, int family, const uint8_t *addr);

/* Inside a prefix configured on interface ifindex (and not the loopback device). */
int	addrtab_on_link(const struct addrtab *, int family, const uint8_t *addr,
	    uint32_t ifindex);

/* A multicast address, the limited broadcast, or the broadcast of a prefix on ifindex. */
int	addrtab_is_broadcast(const struct addrtab *, int family, const uint8_t *addr,
	    uint32_t ifindex);

/*
 * An address of interface ifindex of this family into out (a global one before an IPv6
 * link-local one). 1 if there is one, 0 if not.
 */
int	addrtab_if_addr(const struct addrtab *, int family, uint32_t ifindex, uint8_t *out);

/* Interface names: record or forget a link, and find a name's index (0: unknown). */
int	addrtab_link_set(struct addrtab *, uint32_t ifindex, const char *name);
void	addrtab_link_del(struct addrtab *, uint32_t ifindex);
uint32_t addrtab_ifindex(const struct addrtab *, const char *name);

#endif
