/*
 * policy.h: which questions never reach a public recursor, and which answers may name a
 * private address. Pure: built once from the configuration, then consulted per query.
 */
#ifndef DNSFENCE_POLICY_H
#define DNSFENCE_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dns.h"

enum policy_verdict {
	POLICY_FORWARD,		/* send it to the recursor */
	POLICY_ONION,		/* .onion: a Tor hidden service name, NXDOMAIN */
	POLICY_EXIT,		/* .exit: Tor's exit notation, NXDOMAIN */
	POLICY_LOCALHOST,	/* localhost: answered with loopback (RFC 6761 6.3) */
	POLICY_MDNS,		/* .local: multicast DNS (RFC 6762), NXDOMAIN */
	POLICY_PRIVATE_PTR,	/* reverse of a private range (RFC 6303), NXDOMAIN */
	POLICY_INVALID,		/* a label with bytes no host name has: REFUSED */
	POLICY_NVERDICTS
};

#define POLICY_MAX_SUFFIXES	48	/* built-in reverse zones plus allow-private lines */

struct policy_suffix {
	uint8_t		name[DNS_MAXNAME];
	uint8_t		len;
	uint8_t		verdict;
};

struct policy {
	struct policy_suffix	 sfx[POLICY_MAX_SUFFIXES];
	size_t			 nsfx;
	struct policy_suffix	 allow[CONFIG_MAX_ALLOW_PRIVATE];
	size_t			 nallow;
};

const char *policy_name(enum policy_verdict);

/* Build from the configuration (allow-private). */
void	policy_init(struct policy *, const struct config *);

enum policy_verdict policy_classify(const struct policy *, const struct dns_question *);

/* May answers to this question keep private addresses (allow-private)? */
int	policy_private_allowed(const struct policy *, const struct dns_question *);

/*
 * The local answer for a verdict other than POLICY_FORWARD. Returns its length, 0 if it does
 * not fit.
 */
size_t	policy_answer(enum policy_verdict, const struct dns_query *, uint8_t *out, size_t cap);

#endif
