/*
 * inject.h: send a built IP+UDP reply to the client. Linux (inject.c): a raw socket carrying
 * our mark. Two marks, two pairs of sockets: replies to processes on this host (mark; the
 * rulesets let them out through lo only) and replies to forwarded clients (mark-forward;
 * sent out of the interface their query came in on, which the rulesets allow off lo).
 * OpenBSD and FreeBSD (inject_divert.c): back through the divert socket the query came from
 * (capture_inject), which needs no raw socket and no mark; nothing is batched there.
 */
#ifndef DNSFENCE_INJECT_H
#define DNSFENCE_INJECT_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

enum inject_path {
	INJECT_LOCAL,		/* to this host's own sockets (via lo) */
	INJECT_FORWARD,		/* to a forwarded client, out of a given interface */
	INJECT_NPATHS
};

#define INJECT_BATCH	32	/* replies sent by one sendmmsg per socket */
#define INJECT_SMALL	1280	/* a reply this long or shorter fits every link's MTU: batched */

/* Replies waiting for the loop turn's end, one queue per socket. */
struct inject_queue {
	unsigned	 n;
	struct inject_slot {
		union {
			struct sockaddr_in	sin;
			struct sockaddr_in6	sin6;
		}		 to;
		union {
			char		b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
			struct cmsghdr	align;
		}		 cbuf;
		uint8_t		 pkt[INJECT_SMALL];
	}		 slot[INJECT_BATCH];
	struct mmsghdr	 mh[INJECT_BATCH];
	struct iovec	 iov[INJECT_BATCH];
};

struct capture;

struct inject {
	struct capture		*cap;	/* the BSDs: replies go back through it */
	int			 fd4[INJECT_NPATHS];
	int			 fd6[INJECT_NPATHS];
	struct inject_queue	*q;	/* [path * 2 + (v6)], NULL: every reply sent at once */
	uint64_t		 batches;	/* sendmmsg calls */
	uint64_t		 batched;	/* replies they carried */
};

/* cap: the capture already open (the BSDs write replies through it; Linux does not). */
int	inject_open(struct inject *, struct capture *cap, uint32_t mark, uint32_t mark_forward,
	    char *err, size_t errlen);
/*
 * dst is the packet's destination (4 or 16 bytes). INJECT_LOCAL: ifindex scopes a
 * link-local destination. INJECT_FORWARD: the packet leaves by interface ifindex, whatever
 * the routes say.
 */
int	inject_send(struct inject *, enum inject_path, int family, const uint8_t *pkt,
	    size_t len, const uint8_t *dst, uint32_t ifindex);
/*
 * The same, later: a reply of at most INJECT_SMALL bytes waits in its socket's queue for
 * inject_flush (a full queue is flushed at once); a longer one is sent now, as
 * inject_send does. 0, or -1 with errno for a reply sent now that failed.
 */
int	inject_queue(struct inject *, enum inject_path, int family, const uint8_t *pkt,
	    size_t len, const uint8_t *dst, uint32_t ifindex);
/* Send every queued reply (one sendmmsg per socket). Returns how many failed (errno: the last). */
unsigned inject_flush(struct inject *);
void	inject_close(struct inject *);

#endif
