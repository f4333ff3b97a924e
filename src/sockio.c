/* sockio.c: endpoint to sockaddr, and draining a write queue without blocking. */
#include <netinet/in.h>
#include <errno.h>
#include <string.h>

#include "sockio.h"

socklen_t
sockio_addr(const struct endpoint *ep, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(ep->port);
		memcpy(&a->sin6_addr, ep->addr, 16);
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(ep->port);
	memcpy(&a->sin_addr, ep->addr, 4);
	return sizeof(*a);
}

int
sockio_flush(int fd, uint8_t *buf, size_t *len)
{
	size_t off = 0;
	int rc = 0;

	while (off < *len) {
		ssize_t n = send(fd, buf + off, *len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				rc = -1;
			break;
		}
		off += (size_t)n;
	}
	if (off > 0) {
		int saved = errno;

		memmove(buf, buf + off, *len - off);
		*len -= off;
		errno = saved;
	}
	return rc;
}
