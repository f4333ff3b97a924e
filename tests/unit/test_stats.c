/* test_stats.c: the latency histogram and its quantiles. */
#define T_SUITE "stats"
#include <stdint.h>

#include "t.h"
#include "stats.h"

static struct stats s;

/* |got - want| <= want / 8 (12.5%) */
static int
close_to(uint64_t got, uint64_t want)
{
	uint64_t d = got > want ? got - want : want - got;

	if (d * 8 <= want)
		return 1;
	printf("# got %llu, wanted %llu\n", (unsigned long long)got, (unsigned long long)want);
	return 0;
}

static void
empty(void)
{
	memset(&s, 0, sizeof(s));
	CHECK(stats_latency_quantile(&s, 0.0) == 0);
	CHECK(stats_latency_quantile(&s, 0.5) == 0);
	CHECK(stats_latency_quantile(&s, 0.99) == 0);
	CHECK(stats_latency_quantile(&s, 1.0) == 0);
}

/* Every value from 1 to 100000 once: the q-quantile is about q * 100000. */
static void
uniform(void)
{
	static const double qs[] = { 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999 };

	memset(&s, 0, sizeof(s));
	for (uint64_t v = 1; v <= 100000; v++)
		stats_latency_add(&s, v);
	CHECK(s.lat_samples == 100000);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		CHECK(close_to(stats_latency_quantile(&s, qs[i]), (uint64_t)(qs[i] * 100000)));
	CHECK(stats_latency_quantile(&s, 0.0) == 1);
	CHECK(close_to(stats_latency_quantile(&s, 1.0), 100000));
}

/* A skewed mix: 900 fast (2 ms), 90 slow (150 ms), 10 very slow (3.5 s). */
static void
skewed(void)
{
	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 900; i++)
		stats_latency_add(&s, 2000);
	for (int i = 0; i < 90; i++)
		stats_latency_add(&s, 150000);
	for (int i = 0; i < 10; i++)
		stats_latency_add(&s, 3500000);
	CHECK(close_to(stats_latency_quantile(&s, 0.5), 2000));
	CHECK(close_to(stats_latency_quantile(&s, 0.899), 2000));
	CHECK(close_to(stats_latency_quantile(&s, 0.95), 150000));
	CHECK(close_to(stats_latency_quantile(&s, 0.989), 150000));
	CHECK(close_to(stats_latency_quantile(&s, 0.995), 3500000));
	CHECK(close_to(stats_latency_quantile(&s, 1.0), 3500000));
}

/* One sample of v, anywhere from 0 to 2^32: its own quantile is within 12.5% (exact < 16). */
static void
every_magnitude(void)
{
	for (uint64_t v = 0; v < (1ull << 32); v += v / 64 + 1) {
		uint64_t got;

		memset(&s, 0, sizeof(s));
		stats_latency_add(&s, v);
		got = stats_latency_quantile(&s, 0.5);
		if (v < 16)
			CHECK(got == v);
		else
			CHECK(close_to(got, v));
	}
	/* both ends of a bucket */
	for (unsigned e = 4; e < 32; e++) {
		uint64_t lo = 1ull << e, hi = (1ull << (e + 1)) - 1;

		memset(&s, 0, sizeof(s));
		stats_latency_add(&s, lo);
		CHECK(close_to(stats_latency_quantile(&s, 0.5), lo));
		memset(&s, 0, sizeof(s));
		stats_latency_add(&s, hi);
		CHECK(close_to(stats_latency_quantile(&s, 0.5), hi));
	}
}

/* Values past the top bucket land in it; nothing overflows or indexes out of bounds. */
static void
huge_values(void)
{
	static const uint64_t big[] = { 1ull << 32, (1ull << 32) + 1, 1ull << 40, 1ull << 63,
		UINT64_MAX, UINT64_MAX - 1 };
	uint64_t got;

	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		stats_latency_add(&s, big[i]);
	CHECK(s.lat_samples == sizeof(big) / sizeof(big[0]));
	CHECK(s.lat[STATS_LAT_BUCKETS - 1] == sizeof(big) / sizeof(big[0]));
	got = stats_latency_quantile(&s, 0.5);
	CHECK(got >= (1ull << 31) && got <= (1ull << 32));
	CHECK(stats_latency_quantile(&s, 1.0) == got);
	/* the largest in-range value is still measured well */
	memset(&s, 0, sizeof(s));
	stats_latency_add(&s, (1ull << 32) - 1);
	CHECK(close_to(stats_latency_quantile(&s, 0.5), (1ull << 32) - 1));
	/* many samples */
	memset(&s, 0, sizeof(s));
	s.lat[20] = UINT64_MAX / 2;
	s.lat[200] = UINT64_MAX / 2;
	s.lat_samples = UINT64_MAX - 1;
	CHECK(stats_latency_quantile(&s, 0.25) < stats_latency_quantile(&s, 0.75));
}

/* Quantiles never decrease with q. */
static void
monotonic(void)
{
	uint64_t prev = 0, x = 12345;

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 5000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		stats_latency_add(&s, (x >> 33) % 10000000);
	}
	for (int i = 0; i <= 1000; i++) {
		uint64_t v = stats_latency_quantile(&s, i / 1000.0);

		CHECK(v >= prev);
		prev = v;
	}
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* TAP lines survive a sanitizer abort */
	RUN(empty);
	RUN(uniform);
	RUN(skewed);
	RUN(every_magnitude);
	RUN(huge_values);
	RUN(monotonic);
	return T_DONE();
}
