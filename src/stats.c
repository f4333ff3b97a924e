/* stats.c: latency histogram. Pure. */
#include "stats.h"

static unsigned
bucket(uint64_t v)
{
	unsigned e;

	if (v < 16)
		return (unsigned)v;
	if (v >= (1ull << 32))
		return STATS_LAT_BUCKETS - 1;
	e = 63u - (unsigned)__builtin_clzll(v);		/* 4 .. 31 */
	return 16 + (e - 4) * 8 + (unsigned)((v >> (e - 3)) & 7);
}

/* Middle of a bucket. */
static uint64_t
bucket_value(unsigned b)
{
	unsigned e, sub;
	uint64_t lo;

	if (b < 16)
		return b;
	e = (b - 16) / 8 + 4;
	sub = (b - 16) % 8;
	lo = (uint64_t)(8 + sub) << (e - 3);
	return lo + ((1ull << (e - 3)) >> 1);
}

void
stats_latency_add(struct stats *s, uint64_t us)
{
	s->lat[bucket(us)]++;
	s->lat_samples++;
}

uint64_t
stats_latency_quantile(const struct stats *s, double q)
{
	uint64_t want, seen = 0;

	if (s->lat_samples == 0)
		return 0;
	want = (uint64_t)(q * (double)s->lat_samples);
	if (want >= s->lat_samples)
		want = s->lat_samples - 1;
	for (unsigned b = 0; b < STATS_LAT_BUCKETS; b++) {
		seen += s->lat[b];
		if (seen > want)
			return bucket_value(b);
	}
	return bucket_value(STATS_LAT_BUCKETS - 1);
}
