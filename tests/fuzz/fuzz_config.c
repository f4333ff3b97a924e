/*
 * fuzz_config.c: config_parse on arbitrary text. An error is always a NUL-terminated
 * "file:line: reason" within its buffer; a success leaves every field in its documented range.
 */
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "config.h"

#define FILE_NAME	"fuzz.conf"

static void
check_err(const char *err, size_t errlen, size_t cap)
{
	const char *nul = memchr(err, '\0', errlen);

	if (nul == NULL)
		abort();
	if (errlen > sizeof(FILE_NAME) && strncmp(err, FILE_NAME ":", sizeof(FILE_NAME)) != 0)
		abort();
	for (size_t i = errlen; i < cap; i++)
		if (err[i] != 'X')
			abort();	/* written past errlen */
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct config c;
	char err[CONFIG_ERRLEN + 16], ep[64];
	int r;

	config_defaults(&c);
	memset(err, 'X', sizeof(err));
	r = config_parse(&c, FILE_NAME, (const char *)d, n, err, CONFIG_ERRLEN);
	if (r == -1) {
		check_err(err, CONFIG_ERRLEN, sizeof(err));
		/* a short error buffer is cut, still terminated */
		config_defaults(&c);
		memset(err, 'X', sizeof(err));
		if (config_parse(&c, FILE_NAME, (const char *)d, n, err, 7) != -1)
			abort();
		check_err(err, 7, sizeof(err));
		return 0;
	}
	if (r != 0)
		abort();
	if (c.nresolvers < 1 || c.nresolvers > CONFIG_MAX_RESOLVERS)
		abort();
	for (size_t i = 0; i < c.nresolvers; i++) {
		if ((c.resolvers[i].family != AF_INET && c.resolvers[i].family != AF_INET6) ||
		    c.resolvers[i].port == 0)
			abort();
		(void)config_endpoint_str(&c.resolvers[i], ep, sizeof(ep));
		if (memchr(ep, '\0', sizeof(ep)) == NULL)
			abort();
	}
	if ((c.socks.family != AF_INET && c.socks.family != AF_INET6) || c.socks.port == 0)
		abort();
	if (c.mark == 0 || c.timeout_ms < 100 || c.timeout_ms > 60000)
		abort();
	if (c.max_pending < 1 || c.max_pending > (1u << 20) || c.max_inflight < 1 ||
	    c.connections < 1 || c.connections > 64 || c.batch < 1 || c.batch > 1024)
		abort();
	if (strlen(c.socks_user) > 255 || strlen(c.socks_pass) > 255)
		abort();
	snprintf(c.path, sizeof(c.path), "%s", FILE_NAME);
	memset(err, 'X', sizeof(err));
	r = config_finish(&c, err, CONFIG_ERRLEN);
	if (r == -1)
		check_err(err, CONFIG_ERRLEN, sizeof(err));
	else if (r != 0 || c.max_inflight > c.max_pending)
		abort();
	return 0;
}
