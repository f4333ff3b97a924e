/* imsg.c: parent <-> worker messages. Pure. */
#include <string.h>

#include "wire.h"
#include "imsg.h"

static const char *const imsg_errstr[] = {
	[IMSG_OK] = "ok",
	[IMSG_ESHORT] = "shorter than a header",
	[IMSG_ELEN] = "length disagrees with the datagram",
	[IMSG_ETYPE] = "unexpected type",
	[IMSG_EPAYLOAD] = "bad payload",
};

const char *
imsg_strerror(int e)
{
	if (e < 0 || (size_t)e >= sizeof(imsg_errstr) / sizeof(imsg_errstr[0]))
		return "unknown";
	return imsg_errstr[e];
}

size_t
imsg_pack(uint8_t *out, size_t cap, uint16_t type, const void *payload, size_t len)
{
	if (len > IMSG_MAX - IMSG_HDRLEN || cap < IMSG_HDRLEN + len)
		return 0;
	put16(out, type);
	put16(out + 2, 0);
	put32(out + 4, (uint32_t)len);
	if (len > 0)
		memcpy(out + IMSG_HDRLEN, payload, len);
	return IMSG_HDRLEN + len;
}

size_t
imsg_pack_log(uint8_t *out, size_t cap, int priority, const char *text)
{
	size_t tl = strlen(text);

	if (tl > IMSG_LOG_MAX)
		tl = IMSG_LOG_MAX;
	if (tl == 0 || cap < IMSG_HDRLEN + 1 + tl)
		return 0;
	put16(out, IMSG_LOG);
	put16(out + 2, 0);
	put32(out + 4, (uint32_t)(1 + tl));
	out[IMSG_HDRLEN] = (uint8_t)(priority & 7);
	memcpy(out + IMSG_HDRLEN + 1, text, tl);
	return IMSG_HDRLEN + 1 + tl;
}

size_t
imsg_pack_config(uint8_t *out, size_t cap, const char *text, size_t textlen, char *const *kv,
    size_t nkv)
{
	size_t o = IMSG_HDRLEN;

	if ((text != NULL && textlen > IMSG_TEXT_MAX) || nkv % 2 != 0 ||
	    nkv / 2 > IMSG_NOVER_MAX || cap < o + 4 + 2)
		return 0;
	/* text length, or 0xffffffff for "no file" */
	put32(out + o, text != NULL ? (uint32_t)textlen : UINT32_MAX);
	o += 4;
	if (text != NULL) {
		if (cap - o < textlen)
			return 0;
		memcpy(out + o, text, textlen);
		o += textlen;
	}
	if (cap - o < 2)
		return 0;
	put16(out + o, (uint16_t)(nkv / 2));
	o += 2;
	for (size_t i = 0; i < nkv; i++) {
		size_t l = strlen(kv[i]);

		if (l > IMSG_WORD_MAX || cap - o < 2 + l)
			return 0;
		put16(out + o, (uint16_t)l);
		memcpy(out + o + 2, kv[i], l);
		o += 2 + l;
	}
	put16(out, IMSG_CONFIG);
	put16(out + 2, 0);
	put32(out + 4, (uint32_t)(o - IMSG_HDRLEN));
	return o;
}

int
imsg_parse(const uint8_t *buf, size_t len, int from_worker, struct imsg *m)
{
	uint32_t plen;
	uint16_t type;

	memset(m, 0, sizeof(*m));
	if (len < IMSG_HDRLEN)
		return IMSG_ESHORT;
	type = get16(buf);
	plen = get32(buf + 4);
	if (get16(buf + 2) != 0 || plen != len - IMSG_HDRLEN)
		return IMSG_ELEN;
	switch (type) {
	case IMSG_LOG:
		if (!from_worker)
			return IMSG_ETYPE;
		if (plen < 2 || plen > 1 + IMSG_LOG_MAX || buf[IMSG_HDRLEN] > 7)
			return IMSG_EPAYLOAD;
		break;
	case IMSG_STATSLINE:
		if (!from_worker)
			return IMSG_ETYPE;
		if (plen < 1 || plen > IMSG_LOG_MAX)
			return IMSG_EPAYLOAD;
		break;
	case IMSG_READY:
	case IMSG_PONG:
	case IMSG_STATSEND:
		if (!from_worker)
			return IMSG_ETYPE;
		if (plen != 0)
			return IMSG_EPAYLOAD;
		break;
	case IMSG_AUDIT:
		if (!from_worker)
			return IMSG_ETYPE;
		if (plen < 4 || plen > 4 + AUDIT_BATCH_MAX)
			return IMSG_EPAYLOAD;
		break;
	case IMSG_CONFIG:
		if (from_worker)
			return IMSG_ETYPE;
		if (plen < 6 || plen > IMSG_MAX - IMSG_HDRLEN)
			return IMSG_EPAYLOAD;
		break;
	case IMSG_STATS:
	case IMSG_QUIT:
	case IMSG_TESTHOOK:
	case IMSG_PING:
	case IMSG_STATSREQ:
		if (from_worker)
			return IMSG_ETYPE;
		if (plen != 0)
			return IMSG_EPAYLOAD;
		break;
	default:
		return IMSG_ETYPE;
	}
	m->type = type;
	m->payload = buf + IMSG_HDRLEN;
	m->len = plen;
	return IMSG_OK;
}

int
imsg_log(const struct imsg *m, int *priority, const uint8_t **text, size_t *textlen)
{
	if (m->type != IMSG_LOG || m->len < 2 || m->len > 1 + IMSG_LOG_MAX || m->payload[0] > 7)
		return IMSG_EPAYLOAD;
	*priority = m->payload[0];
	*text = m->payload + 1;
	*textlen = m->len - 1;
	return IMSG_OK;
}

int
imsg_audit(const struct imsg *m, uint32_t *lost, const uint8_t **recs, size_t *len)
{
	if (m->type != IMSG_AUDIT || m->len < 4 || m->len > 4 + AUDIT_BATCH_MAX)
		return IMSG_EPAYLOAD;
	*lost = get32(m->payload);
	*recs = m->payload + 4;
	*len = m->len - 4;
	return IMSG_OK;
}

int
imsg_config(const struct imsg *m, struct imsg_config *c)
{
	const uint8_t *p = m->payload;
	size_t left = m->len;
	uint32_t tl;

	memset(c, 0, sizeof(*c));
	if (m->type != IMSG_CONFIG || left < 4)
		return IMSG_EPAYLOAD;
	tl = get32(p);
	p += 4;
	left -= 4;
	if (tl != UINT32_MAX) {
		if (tl > IMSG_TEXT_MAX || tl > left)
			return IMSG_EPAYLOAD;
		c->have_text = 1;
		c->text = p;
		c->textlen = tl;
		p += tl;
		left -= tl;
	}
	if (left < 2)
		return IMSG_EPAYLOAD;
	c->nover = get16(p);
	p += 2;
	left -= 2;
	if (c->nover > IMSG_NOVER_MAX)
		return IMSG_EPAYLOAD;
	for (size_t i = 0; i < c->nover; i++) {
		for (int w = 0; w < 2; w++) {
			size_t wl;

			if (left < 2)
				return IMSG_EPAYLOAD;
			wl = get16(p);
			if (wl > IMSG_WORD_MAX || wl > left - 2)
				return IMSG_EPAYLOAD;
			if (w == 0) {
				c->over[i].key = p + 2;
				c->over[i].klen = wl;
			} else {
				c->over[i].val = p + 2;
				c->over[i].vlen = wl;
			}
			p += 2 + wl;
			left -= 2 + wl;
		}
	}
	return left == 0 ? IMSG_OK : IMSG_EPAYLOAD;
}
