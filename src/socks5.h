/* socks5.h: SOCKS5 client handshake (RFC 1928, RFC 1929) as a state machine. Pure. */
#ifndef DNSFENCE_SOCKS5_H
#define DNSFENCE_SOCKS5_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define SOCKS5_MAXREQ	(3 + 2 + 255 + 255)	/* largest request we write (auth) */

enum socks5_state {
	SOCKS5_GREETING,	/* method greeting sent, waiting for the method */
	SOCKS5_AUTH,		/* username/password sent, waiting for status */
	SOCKS5_CONNECT,		/* CONNECT sent, waiting for the reply */
	SOCKS5_READY,		/* tunnel open: the rest of the stream is the target's */
	SOCKS5_FAILED,
};

enum socks5_result {
	SOCKS5_NEED_MORE,	/* input holds no whole reply yet; nothing consumed */
	SOCKS5_SEND,		/* a reply was consumed; send socks5_request() now */
	SOCKS5_DONE,		/* READY */
	SOCKS5_ERROR,		/* FAILED; see socks5_error() */
};

struct socks5 {
	enum socks5_state	state;
	struct endpoint		target;
	uint8_t			user[255], pass[255];
	uint8_t			ulen, plen;	/* 0: offer no-auth only */
	int			noauth;		/* we offered credentials, the server chose none */
	const char		*error;		/* static text once FAILED */
};

const char *socks5_state_name(enum socks5_state);

void	socks5_init(struct socks5 *, const struct endpoint *target, const char *user,
	    const char *pass);

/* The whole request for the current state, in out (one send). Returns its length. */
size_t	socks5_request(const struct socks5 *, uint8_t *out, size_t cap);

/*
 * Feed the bytes received so far. Consumes exactly one whole reply or nothing; *consumed
 * says how many bytes. Bytes after the CONNECT reply belong to the tunnel.
 */
enum socks5_result socks5_input(struct socks5 *, const uint8_t *, size_t, size_t *consumed);

#endif
