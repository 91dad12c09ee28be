/* IP addresses with a port: parsing, printing, sockaddr conversion. */
#ifndef IKEC_CORE_ADDR_H
#define IKEC_CORE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct netaddr {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t ip[16];      /* network order; IPv4 uses the first 4 bytes */
	uint16_t port;       /* host order */
};

/* Enough for "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535". */
#define NETADDR_STRLEN 64

/* "192.0.2.1:500" or "[2001:db8::1]:4500" into buf; returns buf. */
const char *netaddr_str(const struct netaddr *a, char *buf, size_t len);
/* Parse "192.0.2.1:500", "[2001:db8::1]:4500", or a bare address
 * ("192.0.2.1", "2001:db8::1", "[2001:db8::1]") which gets default_port.
 * False with a message in err on anything else. */
bool netaddr_parse(const char *s, uint16_t default_port, struct netaddr *out,
		   char *err, size_t errlen);
/* Into a sockaddr_storage; returns the length to pass to the socket call. */
socklen_t netaddr_to_sockaddr(const struct netaddr *a, struct sockaddr_storage *ss);
/* From a sockaddr_in or sockaddr_in6; false for any other family. */
bool netaddr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct netaddr *out);
/* Same family, address and port. */
bool netaddr_eq(const struct netaddr *a, const struct netaddr *b);
/* Same family and address; the port is ignored. */
bool netaddr_same_host(const struct netaddr *a, const struct netaddr *b);
/* The size of the address in bytes: 4 or 16 (0 for an unset family). */
size_t netaddr_iplen(const struct netaddr *a);

#endif
