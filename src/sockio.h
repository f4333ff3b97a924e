/* sockio.h: the few socket chores the edges share. */
#ifndef DNSFENCE_SOCKIO_H
#define DNSFENCE_SOCKIO_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* The sockaddr for an endpoint; returns its length. */
socklen_t sockio_addr(const struct endpoint *, struct sockaddr_storage *);

/*
 * Hand the kernel as much of buf[0..*len) as it takes now, without blocking; what is left
 * moves to the front. 0 (sent, or the socket is full), or -1 with errno on an error.
 */
int	sockio_flush(int fd, uint8_t *buf, size_t *len);

#endif
