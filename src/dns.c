/* dns.c: DNS message checks and rewrites (RFC 1035, 6891, 7766). Pure. */
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"
#include "dns.h"

#define F_QR		0x8000
#define F_OPCODE	0x7800
#define F_AA		0x0400
#define F_TC		0x0200
#define F_RD		0x0100
#define F_RA		0x0080
#define F_AD		0x0020
#define F_CD		0x0010
#define EDNS_DO		0x8000

static const char *const dns_errstr[] = {
	[DNS_OK] = "ok",
	[DNS_ETRUNC] = "truncated",
	[DNS_ENAME] = "bad name",
	[DNS_EQR] = "wrong QR bit",
	[DNS_EOPCODE] = "opcode is not QUERY",
	[DNS_EQDCOUNT] = "not exactly one question",
	[DNS_ESECTION] = "unexpected records",
	[DNS_ETRAILING] = "trailing bytes",
	[DNS_EQUESTION] = "question mismatch",
	[DNS_ENOSPACE] = "no space",
};

const char *
dns_strerror(int e)
{
	if (e < 0 || (size_t)e >= sizeof(dns_errstr) / sizeof(dns_errstr[0]))
		return "unknown";
	return dns_errstr[e];
}

uint16_t
dns_get_id(const uint8_t *msg)
{
	return get16(msg);
}

void
dns_set_id(uint8_t *msg, uint16_t id)
{
	put16(msg, id);
}

/*
 * A compression pointer must point back to a prior name (RFC 1035 4.1.4) after the header,
 * and everything read after a jump must lie before that pointer. So a name only ever reads
 * bytes before the record that holds it: dns_fit can drop later records, and rewrite the
 * header counts, without changing a name it keeps.
 */
static int name_expand(const uint8_t *, size_t, size_t *, uint8_t *, uint8_t *, int);

int
dns_name_read(const uint8_t *buf, size_t len, size_t *off, uint8_t *out, uint8_t *outlen)
{
	return name_expand(buf, len, off, out, outlen, 1);
}

/* Follow compression, check every bound; lower-case the copy if fold. */
static int
name_expand(const uint8_t *buf, size_t len, size_t *off, uint8_t *out, uint8_t *outlen, int fold)
{
	size_t pos = *off, end = 0, n = 0, lim = len;	/* lim: reads stay below it */
	int hops = 0, jumped = 0;

	for (;;) {
		uint8_t l;
		size_t to;

		if (pos >= lim)
			return jumped ? DNS_ENAME : DNS_ETRUNC;
		l = buf[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= lim)
				return jumped ? DNS_ENAME : DNS_ETRUNC;
			if (++hops > DNS_MAXHOPS)
				return DNS_ENAME;
			to = (size_t)(l & 0x3f) << 8 | buf[pos + 1];
			if (to < DNS_HDRLEN || to >= pos)
				return DNS_ENAME;	/* forward, into itself or the header */
			if (!jumped)
				end = pos + 2;
			jumped = 1;
			lim = pos;
			pos = to;
			continue;
		}
		if ((l & 0xc0) != 0)
			return DNS_ENAME;	/* 01 and 10 label types are not in use */
		if (n + 1 + l > DNS_MAXNAME)
			return DNS_ENAME;
		if (pos + 1 + l > lim)
			return jumped ? DNS_ENAME : DNS_ETRUNC;
		out[n++] = l;
		if (l == 0)
			break;
		for (size_t i = 0; i < l; i++) {
			uint8_t c = buf[pos + 1 + i];
			out[n++] = (fold && c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
		}
		pos += 1 + (size_t)l;
	}
	*off = jumped ? end : pos + 1;
	*outlen = (uint8_t)n;
	return DNS_OK;
}

/* Skip a name without copying it; same checks as dns_name_read. */
static int
name_skip(const uint8_t *buf, size_t len, size_t *off)
{
	uint8_t tmp[DNS_MAXNAME], tl;

	return dns_name_read(buf, len, off, tmp, &tl);
}

/* One resource record at *off. Reports its type and where its fixed part starts. */
static int
rr_skip(const uint8_t *buf, size_t len, size_t *off, uint16_t *type, size_t *fixed)
{
	int e;
	uint16_t rdlen;

	if ((e = name_skip(buf, len, off)) != DNS_OK)
		return e;
	if (*off + 10 > len)
		return DNS_ETRUNC;
	*fixed = *off;
	*type = get16(buf + *off);
	rdlen = get16(buf + *off + 8);
	if (*off + 10 + rdlen > len)
		return DNS_ETRUNC;
	*off += 10 + (size_t)rdlen;
	return DNS_OK;
}

static int
question_read(const uint8_t *buf, size_t len, size_t *off, struct dns_question *q)
{
	int e;

	if ((e = dns_name_read(buf, len, off, q->name, &q->namelen)) != DNS_OK)
		return e;
	if (*off + 4 > len)
		return DNS_ETRUNC;
	q->qtype = get16(buf + *off);
	q->qclass = get16(buf + *off + 2);
	*off += 4;
	return DNS_OK;
}

int
dns_parse_query(const uint8_t *buf, size_t len, struct dns_query *qr)
{
	size_t off = DNS_HDRLEN;
	uint16_t flags, arcount;
	int e;

	memset(qr, 0, sizeof(*qr));
	if (len < DNS_HDRLEN)
		return DNS_ETRUNC;
	qr->id = get16(buf);
	flags = get16(buf + 2);
	if (flags & F_QR)
		return DNS_EQR;
	if ((flags & F_OPCODE) != 0)
		return DNS_EOPCODE;
	if (get16(buf + 4) != 1)
		return DNS_EQDCOUNT;
	if (get16(buf + 6) != 0 || get16(buf + 8) != 0)
		return DNS_ESECTION;
	arcount = get16(buf + 10);
	if ((e = question_read(buf, len, &off, &qr->q)) != DNS_OK)
		return e;
	qr->udp_limit = DNS_MINUDP;
	for (uint16_t i = 0; i < arcount; i++) {
		uint16_t type;
		size_t fixed;

		if ((e = rr_skip(buf, len, &off, &type, &fixed)) != DNS_OK)
			return e;
		if (type != DNS_T_OPT)
			continue;
		if (qr->edns)
			return DNS_ESECTION;	/* RFC 6891 6.1.1: at most one OPT */
		qr->edns = 1;
		/* CLASS is the UDP size; below 512 means 512 (RFC 6891 6.2.3) */
		if (get16(buf + fixed + 2) > DNS_MINUDP)
			qr->udp_limit = get16(buf + fixed + 2);
		qr->do_bit = (get16(buf + fixed + 6) & EDNS_DO) != 0;
	}
	if (off != len)
		return DNS_ETRAILING;
	return DNS_OK;
}

int
dns_check_answer(const uint8_t *buf, size_t len, const struct dns_question *q)
{
	struct dns_question aq;
	size_t off = DNS_HDRLEN;
	uint16_t flags;
	unsigned nrr;
	int e;

	if (len < DNS_HDRLEN)
		return DNS_ETRUNC;
	flags = get16(buf + 2);
	if (!(flags & F_QR))
		return DNS_EQR;
	if ((flags & F_OPCODE) != 0)
		return DNS_EOPCODE;
	if (get16(buf + 4) != 1)
		return DNS_EQDCOUNT;
	if ((e = question_read(buf, len, &off, &aq)) != DNS_OK)
		return e;
	if (aq.namelen != q->namelen || memcmp(aq.name, q->name, aq.namelen) != 0 ||
	    aq.qtype != q->qtype || aq.qclass != q->qclass)
		return DNS_EQUESTION;
	nrr = (unsigned)get16(buf + 6) + get16(buf + 8) + get16(buf + 10);
	for (unsigned i = 0; i < nrr; i++) {
		uint16_t type;
		size_t fixed;

		if ((e = rr_skip(buf, len, &off, &type, &fixed)) != DNS_OK)
			return e;
	}
	if (off != len)
		return DNS_ETRAILING;
	return DNS_OK;
}

size_t
dns_servfail(const struct dns_query *qr, uint8_t *out, size_t cap)
{
	size_t n = DNS_HDRLEN + qr->q.namelen + 4 + (qr->edns ? 11 : 0);

	if (cap < n)
		return 0;
	memset(out, 0, n);
	put16(out, qr->id);
	/* QR, RD (we do not know the client's RD here: set it, RFC 1035 copies it), RA */
	put16(out + 2, F_QR | F_RD | F_RA | DNS_RCODE_SERVFAIL);
	put16(out + 4, 1);
	memcpy(out + DNS_HDRLEN, qr->q.name, qr->q.namelen);
	put16(out + DNS_HDRLEN + qr->q.namelen, qr->q.qtype);
	put16(out + DNS_HDRLEN + qr->q.namelen + 2, qr->q.qclass);
	if (qr->edns) {
		uint8_t *o = out + DNS_HDRLEN + qr->q.namelen + 4;

		put16(out + 10, 1);
		o[0] = 0;				/* root name */
		put16(o + 1, DNS_T_OPT);
		put16(o + 3, DNS_OUR_EDNS);
		put16(o + 7, qr->do_bit ? EDNS_DO : 0);	/* ext rcode 0, version 0 */
		put16(o + 9, 0);			/* no options */
	}
	return n;
}

size_t
dns_fit(uint8_t *msg, size_t len, size_t limit)
{
	size_t off = DNS_HDRLEN, opt_off = 0, opt_len = 0, cut;
	unsigned counts[3], kept[3] = { 0, 0, 0 };
	struct dns_question q;
	uint8_t opt[DNS_MAXMSG];

	if (len <= limit)
		return len;
	if (len < DNS_HDRLEN || get16(msg + 4) != 1)
		return 0;
	if (question_read(msg, len, &off, &q) != DNS_OK)
		return 0;
	cut = off;
	counts[0] = get16(msg + 6);
	counts[1] = get16(msg + 8);
	counts[2] = get16(msg + 10);
	/* First pass: find the OPT record (its length is reserved at the end). */
	{
		size_t o = off;
		for (int s = 0; s < 3; s++) {
			for (unsigned i = 0; i < counts[s]; i++) {
				size_t start = o, fixed;
				uint16_t type;

				if (rr_skip(msg, len, &o, &type, &fixed) != DNS_OK)
					return 0;
				/* an OPT's owner is the root (RFC 6891 6.1.2): it can move */
				if (s == 2 && type == DNS_T_OPT && fixed == start + 1 &&
				    opt_len == 0) {
					opt_off = start;
					opt_len = o - start;
				}
			}
		}
	}
	if (cut + opt_len > limit)
		return 0;
	if (opt_len)
		memcpy(opt, msg + opt_off, opt_len);
	/* Second pass: keep whole records, in order, while they fit beside the OPT. */
	off = cut;
	for (int s = 0; s < 3; s++) {
		for (unsigned i = 0; i < counts[s]; i++) {
			size_t start = off, fixed;
			uint16_t type;

			(void)rr_skip(msg, len, &off, &type, &fixed);
			/*
			 * Stop at the OPT: it is re-added at the end, and a record behind it
			 * could point into a name that moving it would shift.
			 */
			if (opt_len && start >= opt_off)
				goto done;
			if (off + opt_len > limit)
				goto done;
			cut = off;	/* whole records are kept in place */
			kept[s]++;
		}
	}
done:
	if (opt_len) {
		memcpy(msg + cut, opt, opt_len);
		cut += opt_len;
		kept[2]++;
	}
	put16(msg + 2, get16(msg + 2) | F_TC);
	put16(msg + 6, (uint16_t)kept[0]);
	put16(msg + 8, (uint16_t)kept[1]);
	put16(msg + 10, (uint16_t)kept[2]);
	return cut;
}

const char *
dns_name_str(const uint8_t *name, size_t namelen, char *buf, size_t buflen)
{
	size_t i = 0, o = 0;

	if (buflen == 0)
		return buf;
	while (i < namelen && name[i] != 0) {
		uint8_t l = name[i++];
		for (uint8_t j = 0; j < l && i < namelen; j++, i++) {
			uint8_t c = name[i];
			char tmp[5];
			size_t tl;

			if (c > 0x20 && c < 0x7f && c != '.' && c != '\\')
				tmp[0] = (char)c, tl = 1;
			else
				tl = (size_t)snprintf(tmp, sizeof(tmp), "\\%03u", c);
			if (o + tl >= buflen)
				goto out;
			memcpy(buf + o, tmp, tl);
			o += tl;
		}
		if (o + 1 >= buflen)
			goto out;
		buf[o++] = '.';
	}
	if (o == 0 && buflen > 1)
		buf[o++] = '.';
out:
	buf[o] = '\0';
	return buf;
}

size_t
dns_synth(const struct dns_query *qr, uint8_t rcode, const uint8_t *rdata, uint16_t rdlen,
    uint32_t ttl, uint8_t *out, size_t cap)
{
	size_t qend = DNS_HDRLEN + qr->q.namelen + 4;
	size_t n = qend + (rdlen ? 2 + 10 + (size_t)rdlen : 0) + (qr->edns ? 11 : 0);
	uint8_t *o;

	if (cap < n)
		return 0;
	memset(out, 0, n);
	put16(out, qr->id);
	put16(out + 2, F_QR | F_AA | F_RD | F_RA | (rcode & 0x0f));
	put16(out + 4, 1);
	memcpy(out + DNS_HDRLEN, qr->q.name, qr->q.namelen);
	put16(out + DNS_HDRLEN + qr->q.namelen, qr->q.qtype);
	put16(out + DNS_HDRLEN + qr->q.namelen + 2, qr->q.qclass);
	o = out + qend;
	if (rdlen) {
		put16(out + 6, 1);
		put16(o, 0xc000 | DNS_HDRLEN);	/* owner: the question's name */
		put16(o + 2, qr->q.qtype);
		put16(o + 4, qr->q.qclass);
		put16(o + 6, (uint16_t)(ttl >> 16));
		put16(o + 8, (uint16_t)ttl);
		put16(o + 10, rdlen);
		memcpy(o + 12, rdata, rdlen);
		o += 12 + rdlen;
	}
	if (qr->edns) {
		put16(out + 10, 1);
		o[0] = 0;
		put16(o + 1, DNS_T_OPT);
		put16(o + 3, DNS_OUR_EDNS);
		put16(o + 7, qr->do_bit ? EDNS_DO : 0);
	}
	return n;
}

void
dns_clear_ad(uint8_t *msg, size_t len)
{
	if (len >= DNS_HDRLEN)
		put16(msg + 2, get16(msg + 2) & (uint16_t)~F_AD);
}

static int
v4_private(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 10 || a[0] == 127 ||
	    (a[0] == 169 && a[1] == 254) ||
	    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168) ||
	    (a[0] == 100 && (a[1] & 0xc0) == 64);
}

int
dns_addr_is_private(int family, const uint8_t *a)
{
	static const uint8_t zero[16];

	if (family == AF_INET)
		return v4_private(a);
	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return 1;				/* :: and ::1 */
	if ((a[0] & 0xfe) == 0xfc)
		return 1;				/* fc00::/7 unique local */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return 1;				/* fe80::/10 link-local */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return 1;				/* fec0::/10 site-local */
	/* IPv4 inside IPv6: each form that carries an IPv4 address reaches it */
	if (memcmp(a, zero, 10) == 0 && ((a[10] == 0xff && a[11] == 0xff) ||
	    (a[10] == 0 && a[11] == 0)))
		return v4_private(a + 12);		/* ::ffff:a.b.c.d, ::a.b.c.d */
	if (memcmp(a, zero, 8) == 0 && a[8] == 0xff && a[9] == 0xff && a[10] == 0 && a[11] == 0)
		return v4_private(a + 12);		/* ::ffff:0:a.b.c.d (SIIT) */
	if (a[0] == 0 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) {
		if (a[4] == 0 && a[5] == 1)
			return 1;			/* 64:ff9b:1::/48, local-use NAT64 */
		if (memcmp(a + 4, zero, 8) == 0)
			return v4_private(a + 12);	/* 64:ff9b::a.b.c.d, NAT64 */
	}
	if (a[0] == 0x20 && a[1] == 0x02)
		return v4_private(a + 2);		/* 2002:a.b.c.d::/48, 6to4 */
	return 0;
}

/* SVCB and HTTPS (RFC 9460): priority, target name, then key/length/value parameters. */
#define T_SVCB		64
#define T_HTTPS		65
#define SVC_IPV4HINT	4
#define SVC_IPV6HINT	6

/*
 * Rewrite the parameters of an SVCB/HTTPS RDATA (params[0..len), after priority and target)
 * into out without the private addresses of ipv4hint and ipv6hint; a hint left empty goes
 * whole. out == NULL only counts. Returns the length written, -1 if the parameters do not
 * parse; *removed counts the addresses left out.
 */
static long
svc_params(const uint8_t *prm, size_t len, uint8_t *out, size_t cap, unsigned *removed)
{
	size_t i = 0, o = 0;

	while (i < len) {
		uint16_t key, vlen;
		size_t asz = 0, kept = 0, start = o;

		if (len - i < 4)
			return -1;
		key = get16(prm + i);
		vlen = get16(prm + i + 2);
		if (len - i - 4 < vlen)
			return -1;
		if (key == SVC_IPV4HINT)
			asz = 4;
		else if (key == SVC_IPV6HINT)
			asz = 16;
		if (asz == 0 || vlen % asz != 0) {
			if (out != NULL) {
				if (cap - o < 4 + (size_t)vlen)
					return -1;
				memcpy(out + o, prm + i, 4 + (size_t)vlen);
			}
			o += 4 + (size_t)vlen;
			i += 4 + (size_t)vlen;
			continue;
		}
		o += 4;		/* key and length, written below */
		for (size_t a = 0; a < vlen; a += asz) {
			const uint8_t *addr = prm + i + 4 + a;

			if (dns_addr_is_private(asz == 4 ? AF_INET : AF_INET6, addr)) {
				(*removed)++;
				continue;
			}
			if (out != NULL) {
				if (cap - o < asz)
					return -1;
				memcpy(out + o, addr, asz);
			}
			o += asz;
			kept += asz;
		}
		if (kept == 0)
			o = start;	/* nothing left of the hint: no parameter */
		else if (out != NULL) {
			if (cap - start < 4)
				return -1;
			put16(out + start, key);
			put16(out + start + 2, (uint16_t)kept);
		}
		i += 4 + (size_t)vlen;
	}
	return (long)o;
}

/* Private addresses in the hints of an SVCB/HTTPS record at fixed (0: none or not SVCB). */
static unsigned
svc_private(const uint8_t *msg, size_t len, size_t fixed, uint16_t type)
{
	uint16_t rdlen = get16(msg + fixed + 8);
	size_t off = fixed + 10 + 2, end = fixed + 10 + rdlen;
	unsigned removed = 0;

	if ((type != T_SVCB && type != T_HTTPS) || get16(msg + fixed + 2) != DNS_C_IN ||
	    rdlen < 3 || name_skip(msg, end, &off) != DNS_OK || off > end)
		return 0;
	(void)len;
	if (svc_params(msg + off, end - off, NULL, 0, &removed) < 0)
		return 0;
	return removed;
}

/* Types whose RDATA may hold compressed names (RFC 3597 section 4). */
static int
rdata_names(uint16_t type, size_t *prefix, int *nnames, size_t *suffix)
{
	*prefix = 0;
	*suffix = 0;
	*nnames = 1;
	switch (type) {
	case 2: case 3: case 4: case 5: case 7: case 8: case 9: case 12:	/* NS..PTR */
		return 1;
	case 15:			/* MX: preference, exchange */
		*prefix = 2;
		return 1;
	case 6:				/* SOA: mname, rname, 5 x 32 bits */
		*nnames = 2;
		*suffix = 20;
		return 1;
	case 14:			/* MINFO */
		*nnames = 2;
		return 1;
	default:
		return 0;
	}
}

static int
put_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t cap, size_t *o)
{
	uint8_t name[DNS_MAXNAME], nl;
	int e;

	if ((e = name_expand(msg, len, off, name, &nl, 0)) != DNS_OK)
		return e;
	if (*o + nl > cap)
		return DNS_ENOSPACE;
	memcpy(out + *o, name, nl);
	*o += nl;
	return DNS_OK;
}

/* An A or AAAA record of class IN whose address is private. */
static int
rr_private(const uint8_t *msg, size_t fixed, uint16_t type)
{
	uint16_t rdlen = get16(msg + fixed + 8);

	if (get16(msg + fixed + 2) != DNS_C_IN)
		return 0;
	return (type == DNS_T_A && rdlen == 4 && dns_addr_is_private(AF_INET, msg + fixed + 10)) ||
	    (type == DNS_T_AAAA && rdlen == 16 && dns_addr_is_private(AF_INET6, msg + fixed + 10));
}

/*
 * The options of an OPT record's RDATA that may pass: padding only (RFC 7830). Everything
 * else (COOKIE, Client Subnet, the MAC options dnsmasq adds, NSID, ...) identifies the
 * client, its network or the server. Writes the kept options to out if out != NULL.
 * Returns the length kept, or -1 if the RDATA is not a sequence of whole options.
 * *dropped counts the options left out.
 */
static long
opt_keep(const uint8_t *rd, size_t rdlen, uint8_t *out, size_t cap, unsigned *dropped)
{
	size_t o = 0, k = 0;

	while (o < rdlen) {
		uint16_t code, olen;

		if (rdlen - o < 4)
			return -1;
		code = get16(rd + o);
		olen = get16(rd + o + 2);
		if (rdlen - o - 4 < olen)
			return -1;
		if (code == DNS_EDNS_PADDING) {
			if (out != NULL) {
				if (k + 4 + olen > cap)
					return -1;
				memcpy(out + k, rd + o, 4 + (size_t)olen);
			}
			k += 4 + (size_t)olen;
		} else
			(*dropped)++;
		o += 4 + (size_t)olen;
	}
	return (long)k;
}

/* The OPT TTL field we pass on: extended RCODE and version as they are, of the flags DO. */
static void
opt_ttl(uint8_t *ttl)
{
	ttl[2] &= (uint8_t)(EDNS_DO >> 8);
	ttl[3] = 0;
}

int
dns_rewrite_answer(const uint8_t *msg, size_t len, unsigned what, uint8_t *out, size_t cap,
    size_t *outlen, struct dns_rewrite *rw)
{
	struct dns_question q;
	size_t off = DNS_HDRLEN, o;
	unsigned counts[3], kept[3] = { 0, 0, 0 };
	int e, change = 0;

	memset(rw, 0, sizeof(*rw));
	*outlen = 0;
	if (len < DNS_HDRLEN)
		return DNS_ETRUNC;
	if (get16(msg + 4) != 1)
		return DNS_EQDCOUNT;
	if ((e = question_read(msg, len, &off, &q)) != DNS_OK)
		return e;
	counts[0] = get16(msg + 6);
	counts[1] = get16(msg + 8);
	counts[2] = get16(msg + 10);
	/* First pass: anything to change? */
	{
		size_t p = off;
		for (int s = 0; s < 3; s++)
			for (unsigned i = 0; i < counts[s]; i++) {
				size_t fixed;
				uint16_t type;
				unsigned dropped = 0;

				if ((e = rr_skip(msg, len, &p, &type, &fixed)) != DNS_OK)
					return e;
				if ((what & DNS_RW_PRIVATE) && rr_private(msg, fixed, type))
					rw->removed++;
				if (what & DNS_RW_PRIVATE)
					rw->hints_removed += svc_private(msg, len, fixed, type);
				if ((what & DNS_RW_EDNS) && s == 2 && type == DNS_T_OPT) {
					uint8_t ttl[4];

					if (opt_keep(msg + fixed + 10, get16(msg + fixed + 8), NULL, 0,
					    &dropped) < 0)
						return DNS_ETRUNC;
					memcpy(ttl, msg + fixed + 4, 4);
					opt_ttl(ttl);
					rw->opts_removed += dropped;
					change |= dropped > 0 || memcmp(ttl, msg + fixed + 4, 4) != 0;
				}
			}
	}
	if (rw->removed == 0 && rw->hints_removed == 0 && !change)
		return DNS_OK;
	/* Second pass: rebuild, every name written out in full (no pointer can dangle). */
	if (cap < DNS_HDRLEN)
		return DNS_ENOSPACE;
	memcpy(out, msg, DNS_HDRLEN);
	o = DNS_HDRLEN;
	{
		size_t p = DNS_HDRLEN;
		if ((e = put_name(msg, len, &p, out, cap, &o)) != DNS_OK)
			return e;
		if (o + 4 > cap)
			return DNS_ENOSPACE;
		memcpy(out + o, msg + p, 4);
		o += 4;
	}
	for (int s = 0; s < 3; s++) {
		for (unsigned i = 0; i < counts[s]; i++) {
			size_t start = off, fixed, rdstart, rdend, pre, suf, lenpos;
			uint16_t type, rdlen;
			int nn;

			(void)rr_skip(msg, len, &off, &type, &fixed);
			rdlen = get16(msg + fixed + 8);
			rdstart = fixed + 10;
			rdend = rdstart + rdlen;
			if ((what & DNS_RW_PRIVATE) && rr_private(msg, fixed, type))
				continue;
			if ((e = put_name(msg, len, &start, out, cap, &o)) != DNS_OK)
				return e;
			if (o + 10 > cap)
				return DNS_ENOSPACE;
			memcpy(out + o, msg + fixed, 8);	/* type, class, TTL */
			lenpos = o + 8;
			o += 10;
			if ((what & DNS_RW_PRIVATE) && svc_private(msg, len, fixed, type) > 0) {
				size_t p = rdstart + 2;
				unsigned dropped = 0;
				long k;

				/* priority, the target (written out in full), filtered hints */
				if (o + 2 > cap)
					return DNS_ENOSPACE;
				memcpy(out + o, msg + rdstart, 2);
				o += 2;
				if ((e = put_name(msg, rdend, &p, out, cap, &o)) != DNS_OK)
					return e;
				if ((k = svc_params(msg + p, rdend - p, out + o, cap - o,
				    &dropped)) < 0)
					return DNS_ENOSPACE;	/* it parsed in the first pass */
				o += (size_t)k;
			} else if ((what & DNS_RW_EDNS) && s == 2 && type == DNS_T_OPT) {
				unsigned dropped = 0;
				long k;

				opt_ttl(out + lenpos - 4);
				if ((k = opt_keep(msg + rdstart, rdlen, out + o, cap - o,
				    &dropped)) < 0)
					return DNS_ENOSPACE;	/* it parsed in the first pass */
				o += (size_t)k;
			} else if (rdata_names(type, &pre, &nn, &suf)) {
				size_t p = rdstart + pre;

				if (p > rdend)
					return DNS_ETRUNC;	/* shorter than its fixed part */
				if (o + pre > cap)
					return DNS_ENOSPACE;
				memcpy(out + o, msg + rdstart, pre);
				o += pre;
				for (int k = 0; k < nn; k++)
					if ((e = put_name(msg, len, &p, out, cap, &o)) != DNS_OK)
						return e;
				if (p + suf != rdend)
					return DNS_ETRUNC;	/* RDATA length disagrees */
				if (o + suf > cap)
					return DNS_ENOSPACE;
				memcpy(out + o, msg + p, suf);
				o += suf;
			} else {
				if (o + rdlen > cap)
					return DNS_ENOSPACE;
				memcpy(out + o, msg + rdstart, rdlen);
				o += rdlen;
			}
			if (o - lenpos - 2 > 0xffff)
				return DNS_ENOSPACE;
			put16(out + lenpos, (uint16_t)(o - lenpos - 2));
			kept[s]++;
		}
	}
	if (o > DNS_MAXMSG)
		return DNS_ENOSPACE;
	put16(out + 6, (uint16_t)kept[0]);
	put16(out + 8, (uint16_t)kept[1]);
	put16(out + 10, (uint16_t)kept[2]);
	*outlen = o;
	return DNS_OK;
}

int
dns_filter_private(const uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *outlen,
    unsigned *removed)
{
	struct dns_rewrite rw;
	int e = dns_rewrite_answer(msg, len, DNS_RW_PRIVATE, out, cap, outlen, &rw);

	*removed = e == DNS_OK ? rw.removed : 0;
	return e;
}

size_t
dns_sanitize_query(const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
    unsigned *dropped)
{
	size_t off = DNS_HDRLEN, qend, o;
	uint16_t arcount;
	uint8_t name[DNS_MAXNAME], nl;
	int have_opt = 0;

	*dropped = 0;
	if (len < DNS_HDRLEN || get16(msg + 4) != 1 ||
	    dns_name_read(msg, len, &off, name, &nl) != DNS_OK || off + 4 > len)
		return 0;
	qend = off + 4;
	if (cap < qend)
		return 0;
	/* header: the client's ID; of the flags RD, AD and CD; one question, no records */
	memcpy(out, msg, qend);
	put16(out + 2, get16(msg + 2) & (F_RD | F_AD | F_CD));
	put16(out + 6, 0);
	put16(out + 8, 0);
	put16(out + 10, 0);
	o = qend;
	off = qend;
	arcount = get16(msg + 10);
	for (uint16_t i = 0; i < arcount; i++) {
		size_t start = off, fixed;
		uint16_t type;
		long k;

		if (rr_skip(msg, len, &off, &type, &fixed) != DNS_OK)
			return 0;
		if (type != DNS_T_OPT || have_opt) {
			(*dropped)++;		/* TSIG, SIG(0), anything else: not passed on */
			continue;
		}
		/*
		 * dns_parse_query took this OPT's UDP size and DO; one whose owner is not the
		 * root (RFC 6891 6.1.2) is malformed, not another record to leave out.
		 */
		if (fixed != start + 1)
			return 0;
		/* root owner, type, the client's UDP size, TTL with DO only, padding only */
		if (o + 11 > cap)
			return 0;
		memcpy(out + o, msg + start, 9);
		opt_ttl(out + o + 5);
		if ((k = opt_keep(msg + fixed + 10, get16(msg + fixed + 8), out + o + 11,
		    cap - o - 11, dropped)) < 0)
			return 0;
		put16(out + o + 9, (uint16_t)k);
		o += 11 + (size_t)k;
		have_opt = 1;
	}
	if (off != len)
		return 0;
	put16(out + 10, (uint16_t)have_opt);
	return o;
}

int
dns_name_has_suffix(const uint8_t *name, size_t namelen, const uint8_t *suffix, size_t suffixlen)
{
	size_t i = 0;

	if (suffixlen > namelen)
		return 0;
	/* walk label boundaries; a suffix must start on one */
	while (i < namelen) {
		if (namelen - i == suffixlen)
			return memcmp(name + i, suffix, suffixlen) == 0;
		if (name[i] == 0)
			break;
		i += 1 + (size_t)name[i];
	}
	return 0;
}

size_t
dns_name_from_text(const char *text, uint8_t *out, size_t cap)
{
	size_t n = 0, tl = strlen(text);

	if (tl > 0 && text[tl - 1] == '.')
		tl--;
	for (size_t i = 0; i < tl;) {
		size_t j = i;

		while (j < tl && text[j] != '.')
			j++;
		if (j == i || j - i > DNS_MAXLABEL || n + 1 + (j - i) + 1 > cap ||
		    n + 1 + (j - i) + 1 > DNS_MAXNAME)
			return 0;
		out[n++] = (uint8_t)(j - i);
		for (; i < j; i++)
			out[n++] = (uint8_t)((text[i] >= 'A' && text[i] <= 'Z') ? text[i] + 32 : text[i]);
		i = j + 1;
	}
	if (n + 1 > cap)
		return 0;
	out[n++] = 0;
	return n;
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
dns_ptr_addr(const uint8_t *name, size_t namelen, uint8_t *addr)
{
	static const uint8_t v4[] = "\007in-addr\004arpa";	/* with the final 0 */
	static const uint8_t v6[] = "\003ip6\004arpa";
	size_t i = 0;

	{
		/* in-addr.arpa: exactly four decimal labels */
		size_t k;
		unsigned oct[4];

		for (k = 0; k < 4 && i < namelen; k++) {
			uint8_t l = name[i];
			unsigned v = 0;

			if (l == 0 || l > 3 || i + 1 + l > namelen)
				break;
			for (uint8_t j = 0; j < l; j++) {
				uint8_t c = name[i + 1 + j];
				if (c < '0' || c > '9')
					goto not_v4;
				v = v * 10 + (unsigned)(c - '0');
			}
			if (v > 255 || (l > 1 && name[i + 1] == '0'))
				goto not_v4;
			oct[k] = v;
			i += 1 + (size_t)l;
		}
		if (k == 4 && namelen - i == sizeof(v4) && memcmp(name + i, v4, sizeof(v4)) == 0) {
			for (k = 0; k < 4; k++)
				addr[k] = (uint8_t)oct[3 - k];
			return AF_INET;
		}
	}
not_v4:
	/* ip6.arpa: 32 one-nibble labels, least significant first */
	if (namelen != 32 * 2 + sizeof(v6))
		return 0;
	if (memcmp(name + 64, v6, sizeof(v6)) != 0)
		return 0;
	memset(addr, 0, 16);
	for (size_t n = 0; n < 32; n++) {
		int h;

		if (name[2 * n] != 1 || (h = hexval(name[2 * n + 1])) < 0)
			return 0;
		addr[15 - n / 2] |= (uint8_t)(n % 2 ? h << 4 : h);
	}
	return AF_INET6;
}
