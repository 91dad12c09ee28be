#include "core/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t netaddr_iplen(const struct netaddr *a)
{
	return a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
}

const char *netaddr_str(const struct netaddr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	if (!netaddr_iplen(a) || !inet_ntop(a->family, a->ip, ip, sizeof(ip))) {
		snprintf(buf, len, "(none)");
		return buf;
	}
	if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	else
		snprintf(buf, len, "%s:%u", ip, a->port);
	return buf;
}

static bool netaddr_parse_port(const char *s, uint16_t *port)
{
	/* strtoul alone would take signs, spaces and empty strings. */
	if (!*s || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
		return false;
	unsigned long v = strtoul(s, NULL, 10);
	if (v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

bool netaddr_parse(const char *s, uint16_t default_port, struct netaddr *out,
		   char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 8];
	const char *in = s, *port = NULL;
	bool bracketed = false;
	size_t n;

	if (!s || !*s) {
		snprintf(err, errlen, "empty address");
		return false;
	}
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end) {
			snprintf(err, errlen, "'%s': missing ']' after an IPv6 address", s);
			return false;
		}
		n = (size_t)(end - s - 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1]) {
			snprintf(err, errlen, "'%s': expected ':port' after ']'", s);
			return false;
		}
		s++;
		bracketed = true;
	} else {
		/* One colon: IPv4 with a port; more: a bare IPv6 address. */
		const char *colon = strchr(s, ':');
		if (colon && !strchr(colon + 1, ':'))
			port = colon + 1;
		n = port ? (size_t)(colon - s) : strlen(s);
	}
	if (n >= sizeof(host)) {
		snprintf(err, errlen, "'%.40s...': address too long", in);
		return false;
	}
	memcpy(host, s, n);
	host[n] = '\0';

	memset(out, 0, sizeof(*out));
	if (strchr(host, '%')) {
		snprintf(err, errlen, "'%s': scoped addresses (%%interface) are not supported", host);
		return false;
	}
	if (inet_pton(AF_INET, host, out->ip) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, host, out->ip) == 1)
		out->family = AF_INET6;
	else {
		snprintf(err, errlen, "'%s': not an IPv4 or IPv6 address", host);
		return false;
	}
	if (bracketed && out->family != AF_INET6) {
		snprintf(err, errlen, "'%s': brackets belong around IPv6 addresses only", host);
		return false;
	}
	out->port = default_port;
	if (port && !netaddr_parse_port(port, &out->port)) {
		snprintf(err, errlen, "'%s': port '%s' is not a number from 0 to 65535",
			 in, port);
		return false;
	}
	return true;
}

socklen_t netaddr_to_sockaddr(const struct netaddr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->ip, 4);
		return sizeof(*sin);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		memcpy(&sin6->sin6_addr, a->ip, 16);
		return sizeof(*sin6);
	}
	return 0;
}

bool netaddr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		out->family = AF_INET;
		out->port = ntohs(sin->sin_port);
		memcpy(out->ip, &sin->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		out->family = AF_INET6;
		out->port = ntohs(sin6->sin6_port);
		memcpy(out->ip, &sin6->sin6_addr, 16);
		return true;
	}
	return false;
}

bool netaddr_same_host(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family && netaddr_iplen(a) &&
	       memcmp(a->ip, b->ip, netaddr_iplen(a)) == 0;
}

bool netaddr_eq(const struct netaddr *a, const struct netaddr *b)
{
	return netaddr_same_host(a, b) && a->port == b->port;
}
