/* dns.h: DNS wire format. Pure: every function works on (buffer, length). */
#ifndef DNSFENCE_DNS_H
#define DNSFENCE_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_HDRLEN	12
#define DNS_MAXNAME	255	/* wire length of a name, RFC 1035 */
#define DNS_MAXLABEL	63
#define DNS_MAXHOPS	64	/* compression pointers followed in one name */
#define DNS_MINUDP	512	/* client limit without EDNS */
#define DNS_MAXMSG	65535	/* a message on TCP */
#define DNS_OUR_EDNS	1232	/* UDP size we advertise in messages we make */

#define DNS_T_A		1
#define DNS_T_PTR	12
#define DNS_T_AAAA	28
#define DNS_T_OPT	41
#define DNS_EDNS_PADDING	12	/* the one EDNS option passed on (RFC 7830) */
#define DNS_C_IN	1
#define DNS_RCODE_NOERROR	0
#define DNS_RCODE_SERVFAIL	2
#define DNS_RCODE_NXDOMAIN	3
#define DNS_RCODE_REFUSED	5

enum dns_err {
	DNS_OK = 0,
	DNS_ETRUNC,	/* ends inside a field */
	DNS_ENAME,	/* bad label, pointer loop, name too long */
	DNS_EQR,	/* QR bit wrong for what we expected */
	DNS_EOPCODE,	/* not a standard QUERY */
	DNS_EQDCOUNT,	/* not exactly one question */
	DNS_ESECTION,	/* a query with answer or authority records, or two OPTs */
	DNS_ETRAILING,	/* bytes after the last record */
	DNS_EQUESTION,	/* answer's question differs from the query's */
	DNS_ENOSPACE,	/* output buffer too small */
};

/* A question, name in uncompressed wire form and lower case. */
struct dns_question {
	uint8_t		name[DNS_MAXNAME];
	uint8_t		namelen;
	uint16_t	qtype;
	uint16_t	qclass;
};

/* What the daemon needs to know about a client's query. */
struct dns_query {
	uint16_t		id;
	struct dns_question	q;
	int			edns;		/* an OPT record is present */
	int			do_bit;		/* DNSSEC OK in the OPT record */
	uint16_t		udp_limit;	/* what the client can take over UDP */
};

const char *dns_strerror(int);

/* Read the name at *off (following compression), lower-cased, into q's name. */
int	dns_name_read(const uint8_t *, size_t, size_t *off, uint8_t *out, uint8_t *outlen);

/* Check a client's query: QR=0, opcode QUERY, one question, parses to the end. */
int	dns_parse_query(const uint8_t *, size_t, struct dns_query *);

/*
 * Check an upstream answer: QR=1, opcode QUERY, exactly one question equal to q (name
 * case-insensitively, type, class), every record in bounds, nothing after the last one.
 */
int	dns_check_answer(const uint8_t *, size_t, const struct dns_question *q);

uint16_t dns_get_id(const uint8_t *);
void	dns_set_id(uint8_t *, uint16_t);

/* SERVFAIL answering query qr (RD and RA set, an OPT if the query had one). Returns length, 0 if cap too small. */
size_t	dns_servfail(const struct dns_query *qr, uint8_t *out, size_t cap);

/*
 * Make an answer fit limit bytes: if it is longer, keep the header, the question and the
 * whole records that fit, keep the OPT record, set TC=1. Rewrites msg in place; returns the
 * new length, or 0 if msg does not parse or even header+question+OPT do not fit.
 */
size_t	dns_fit(uint8_t *msg, size_t len, size_t limit);

/*
 * An answer made here for qr: rcode, and when rdlen > 0 one record of the question's own
 * type and class carrying rdata with ttl. AA is set (we are authoritative for what we
 * synthesise); an OPT is added if the query had one. Returns length, 0 if cap is too small.
 */
size_t	dns_synth(const struct dns_query *qr, uint8_t rcode, const uint8_t *rdata,
	    uint16_t rdlen, uint32_t ttl, uint8_t *out, size_t cap);

/* Clear the AD bit: we have not validated what we pass on. */
void	dns_clear_ad(uint8_t *msg, size_t len);

/*
 * True for addresses no public name should point to: unspecified, loopback, RFC 1918,
 * link-local, CGNAT (100.64/10), IPv6 ULA (fc00::/7) and site-local, and every IPv6 form
 * that carries one of those IPv4 addresses (mapped, compatible, SIIT-translated, NAT64
 * 64:ff9b::/96, 6to4 2002::/16), and the local-use NAT64 prefix 64:ff9b:1::/48. addr is 4
 * bytes for AF_INET, 16 for AF_INET6.
 */
int	dns_addr_is_private(int family, const uint8_t *addr);

/*
 * Rewrite an answer that passed dns_check_answer. what: DNS_RW_PRIVATE drops every IN A/AAAA
 * record with a private address and every private address from the ipv4hint/ipv6hint of
 * SVCB and HTTPS records; DNS_RW_EDNS drops every EDNS option but padding from the
 * OPT record and keeps of its flags only DO (extended RCODE and version stay). If nothing
 * is to change, *outlen = 0 and out is untouched. Otherwise the message is rebuilt into out
 * with names uncompressed (so no pointer can dangle) and *outlen is its length. rw counts
 * what went. Returns DNS_OK, or an error (DNS_ENOSPACE if it does not fit cap or 65535).
 */
#define DNS_RW_PRIVATE	1
#define DNS_RW_EDNS	2
struct dns_rewrite {
	unsigned	removed;	/* A/AAAA records dropped */
	unsigned	hints_removed;	/* addresses dropped from SVCB/HTTPS ipv4hint/ipv6hint */
	unsigned	opts_removed;	/* EDNS options dropped */
};
int	dns_rewrite_answer(const uint8_t *msg, size_t len, unsigned what, uint8_t *out,
	    size_t cap, size_t *outlen, struct dns_rewrite *rw);

/* dns_rewrite_answer with DNS_RW_PRIVATE; *removed is what it dropped (0: out untouched). */
int	dns_filter_private(const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
	    size_t *outlen, unsigned *removed);

/*
 * The query to send upstream, made from a client's query that passed dns_parse_query:
 * header with the client's ID and of the flags only RD, AD and CD; the question as sent;
 * the OPT record with the client's UDP size, of the flags only DO, of the options only
 * padding. Every other record (TSIG, SIG(0), ...) and EDNS option (COOKIE, Client Subnet,
 * dnsmasq's MAC options, ...) identifies the client or its network and is left out;
 * *dropped counts them. Returns the length written to out, or 0 if it does not parse or
 * fit cap.
 */
size_t	dns_sanitize_query(const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
	    unsigned *dropped);

/* Does name (wire, lower case) equal suffix or end in "." suffix? suffix is wire too. */
int	dns_name_has_suffix(const uint8_t *name, size_t namelen, const uint8_t *suffix,
	    size_t suffixlen);

/* Text ("example.com" or "example.com.") to lower-case wire form. Returns length or 0. */
size_t	dns_name_from_text(const char *, uint8_t *out, size_t cap);

/*
 * The address a reverse name (d.c.b.a.in-addr.arpa, or 32 nibbles of ip6.arpa) stands for.
 * Returns AF_INET or AF_INET6 with addr filled (4 or 16 bytes), or 0 if it is not one.
 */
int	dns_ptr_addr(const uint8_t *name, size_t namelen, uint8_t *addr);

/* Printable, escaped form of a wire name for logs. */
const char *dns_name_str(const uint8_t *name, size_t namelen, char *buf, size_t buflen);

#endif
