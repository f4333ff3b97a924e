/*
 * ifaddr.h: the host's addresses from getifaddrs(3), into an addrtab: how the BSDs fill it
 * (rtsock.c), where Linux uses rtnetlink (rtnl.c). Runs on Linux too, where the unit test
 * checks it against rtnetlink's view.
 */
#ifndef DNSFENCE_IFADDR_H
#define DNSFENCE_IFADDR_H

#include <sys/socket.h>

#include "addrtab.h"

/* Empty t and read every interface, its addresses and prefixes. -1 with errno. */
int	ifaddr_load(struct addrtab *t);

/* The prefix length a netmask says: its leading one bits (NULL: the whole address). */
int	ifaddr_prefixlen(int family, const struct sockaddr *mask);

#endif
