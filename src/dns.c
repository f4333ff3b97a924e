/* dns.c: DNS message checks and rewrites (RFC 1035, 6891, 7766). Pure. */
#include <stdio.h>
#include <string.h>

#include "dns.h"

#define F_QR		0x8000
#define F_OPCODE	0x7800
#define F_AA		0x0400
#define F_TC		0x0200
#define F_RD		0x0100
#define F_RA		0x0080
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

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
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
int
dns_name_read(const uint8_t *buf, size_t len, size_t *off, uint8_t *out, uint8_t *outlen)
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
			out[n++] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
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
