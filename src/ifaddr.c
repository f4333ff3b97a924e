/* ifaddr.c: the host's interfaces and addresses from getifaddrs(3) (ifaddr.h). */
#include <sys/types.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <ifaddrs.h>
#include <string.h>

#include "ifaddr.h"

int
ifaddr_prefixlen(int family, const struct sockaddr *mask)
{
	const uint8_t *m;
	int len = family == AF_INET6 ? 16 : 4, bits = 0;

	if (mask == NULL)
		return len * 8;
	m = family == AF_INET6 ? ((const struct sockaddr_in6 *)mask)->sin6_addr.s6_addr :
	    (const uint8_t *)&((const struct sockaddr_in *)mask)->sin_addr;
	for (int i = 0; i < len && m[i] == 0xff; i++)
		bits += 8;
	if (bits < len * 8)
		for (uint8_t b = m[bits / 8]; b & 0x80; b = (uint8_t)(b << 1))
			bits++;
	return bits;
}

int
ifaddr_load(struct addrtab *t)
{
	struct ifaddrs *ifs, *i;

	if (getifaddrs(&ifs) == -1)
		return -1;
	addrtab_clear(t);
	for (i = ifs; i != NULL; i = i->ifa_next) {
		uint32_t idx = if_nametoindex(i->ifa_name);
		uint8_t addr[16];
		int fam;

		if (idx == 0)
			continue;	/* gone meanwhile: the next change reads it again */
		(void)addrtab_link_set(t, idx, i->ifa_name);
		if (i->ifa_flags & IFF_LOOPBACK)
			t->lo = idx;
		if (i->ifa_addr == NULL)
			continue;
		fam = i->ifa_addr->sa_family;
		if (fam == AF_INET) {
			memcpy(addr, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (fam == AF_INET6) {
			memcpy(addr, ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr.s6_addr, 16);
			/* the BSDs may hand a link-local address with its scope in bytes 2-3 */
			if (addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80)
				addr[2] = addr[3] = 0;
		} else
			continue;
		(void)addrtab_add(t, fam, idx, addr,
		    (uint8_t)ifaddr_prefixlen(fam, i->ifa_netmask));
	}
	freeifaddrs(ifs);
	return 0;
}
