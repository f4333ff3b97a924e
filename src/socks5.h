/*
 * socks5.h: SOCKS5 client handshake (RFC 1928, RFC 1929) as a state machine, with Tor's
 * RESOLVE (0xF0) and RESOLVE_PTR (0xF1) extensions (tor's socks-extensions.txt). Pure.
 */
#ifndef DNSFENCE_SOCKS5_H
#define DNSFENCE_SOCKS5_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define SOCKS5_MAXREQ	(3 + 2 + 255 + 255)	/* largest request we write (auth) */

#define SOCKS5_CMD_CONNECT	0x01
#define SOCKS5_CMD_RESOLVE	0xf0	/* Tor: name -> address, in the reply's BND field */
#define SOCKS5_CMD_RESOLVE_PTR	0xf1	/* Tor: address -> name */
#define SOCKS5_ATYP_V4		0x01
#define SOCKS5_ATYP_NAME	0x03
#define SOCKS5_ATYP_V6		0x04
#define SOCKS5_REP_HOST_UNREACHABLE 4	/* Tor's answer when a name does not resolve */

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
	uint8_t			cmd;		/* SOCKS5_CMD_* */
	uint8_t			name[255];	/* RESOLVE: the host name, text */
	uint8_t			namelen;
	uint8_t			rep;		/* the reply code once the last reply came */
	uint8_t			bnd_atyp;	/* the reply's address: a RESOLVE's answer */
	uint8_t			bnd[255];
	uint8_t			bndlen;
	const char		*error;		/* static text once FAILED */
};

const char *socks5_state_name(enum socks5_state);

void	socks5_init(struct socks5 *, const struct endpoint *target, const char *user,
	    const char *pass);
/* RESOLVE name (text, 1..255 bytes, no trailing dot). 0, or -1 if it cannot be sent. */
int	socks5_init_resolve(struct socks5 *, const char *name, const char *user,
	    const char *pass);
/* RESOLVE_PTR for an address (target's port unused). */
void	socks5_init_resolve_ptr(struct socks5 *, const struct endpoint *addr, const char *user,
	    const char *pass);

/* The whole request for the current state, in out (one send). Returns its length. */
size_t	socks5_request(const struct socks5 *, uint8_t *out, size_t cap);

/*
 * Feed the bytes received so far. Consumes exactly one whole reply or nothing; *consumed
 * says how many bytes. Bytes after the CONNECT reply belong to the tunnel.
 */
enum socks5_result socks5_input(struct socks5 *, const uint8_t *, size_t, size_t *consumed);

#endif
