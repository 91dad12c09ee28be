/* ike-conform probe: the small traffic probes a case runs at the peer's
 * end of a tunnel, where the harness has no process of its own.
 *
 *   probe udp-echo --listen ADDR:PORT [--count N] [--timeout MS]
 *       answers N datagrams (default 1) with their own bytes; prints
 *       "listening on ADDR:PORT" once bound, "echoed N" at the end.
 *   probe udp-send --from ADDR --to ADDR:PORT --token HEX [--timeout MS]
 *       sends the token (again every 200 ms) until the same bytes come
 *       back; prints "reply ok" or why not.
 *
 * Exit status 0 done, 1 timed out or a wrong reply, 2 usage, 3 socket. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/addr.h"
#include "core/clock.h"
#include "core/hex.h"

#define PROBE_RESEND_MS 200

static void probe_usage(FILE *f)
{
	fprintf(f, "usage: ike-conform probe udp-echo --listen ADDR:PORT [--count N] [--timeout MS]\n"
		   "       ike-conform probe udp-send --from ADDR --to ADDR:PORT --token HEX "
		   "[--timeout MS]\n");
}

static int probe_socket(const struct netaddr *bind_to)
{
	struct sockaddr_storage ss;
	socklen_t sl = netaddr_to_sockaddr(bind_to, &ss);
	int fd = socket(bind_to->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		char a[NETADDR_STRLEN];
		fprintf(stderr, "ike-conform probe: bind %s: %s\n", netaddr_str(bind_to, a, sizeof(a)),
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int probe_echo(const struct netaddr *listen_on, unsigned count, unsigned timeout_ms)
{
	int fd = probe_socket(listen_on);
	if (fd < 0)
		return 3;
	char a[NETADDR_STRLEN];
	printf("listening on %s\n", netaddr_str(listen_on, a, sizeof(a)));
	fflush(stdout);
	uint64_t end = clock_ms() + timeout_ms;
	unsigned n = 0;
	uint8_t buf[65536];
	while (n < count) {
		uint64_t now = clock_ms();
		struct pollfd pf = { fd, POLLIN, 0 };
		if (now >= end || poll(&pf, 1, (int)(end - now)) <= 0)
			break;
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (len < 0)
			continue;
		if (sendto(fd, buf, (size_t)len, 0, (struct sockaddr *)&from, fl) == len)
			n++;
	}
	close(fd);
	printf("echoed %u\n", n);
	return n == count ? 0 : 1;
}

static int probe_send(const struct netaddr *from, const struct netaddr *to, chunk_t token,
		      unsigned timeout_ms)
{
	int fd = probe_socket(from);
	if (fd < 0)
		return 3;
	struct sockaddr_storage ss;
	socklen_t sl = netaddr_to_sockaddr(to, &ss);
	uint64_t end = clock_ms() + timeout_ms, next = 0;
	uint8_t buf[65536];
	int rc = 1;
	while (clock_ms() < end) {
		uint64_t now = clock_ms();
		if (now >= next) {
			sendto(fd, token.ptr, token.len, 0, (struct sockaddr *)&ss, sl);
			next = now + PROBE_RESEND_MS;
		}
		struct pollfd pf = { fd, POLLIN, 0 };
		uint64_t until = next < end ? next : end;
		if (poll(&pf, 1, (int)(until > now ? until - now : 0)) <= 0)
			continue;
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		if (len == (ssize_t)token.len && !memcmp(buf, token.ptr, token.len)) {
			rc = 0;
			break;
		}
		if (len >= 0) {
			printf("wrong reply: %zd bytes\n", len);
			rc = 1;
			break;
		}
	}
	close(fd);
	if (!rc)
		printf("reply ok\n");
	else if (clock_ms() >= end)
		printf("no reply in %u ms\n", timeout_ms);
	return rc;
}

int cli_probe(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "udp-echo") && strcmp(argv[1], "udp-send"))) {
		probe_usage(argc > 1 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc > 1 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	bool echo = !strcmp(argv[1], "udp-echo");
	struct netaddr listen_on = { 0 }, from = { 0 }, to = { 0 };
	bool have_listen = false, have_from = false, have_to = false;
	chunk_t token = CHUNK_EMPTY;
	unsigned count = 1, timeout_ms = 5000;
	char err[200];
	for (int i = 2; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = v != NULL;
		if (!strcmp(argv[i], "--listen") && v)
			ok = have_listen = netaddr_parse(v, 0, &listen_on, err, sizeof(err));
		else if (!strcmp(argv[i], "--from") && v)
			ok = have_from = netaddr_parse(v, 0, &from, err, sizeof(err));
		else if (!strcmp(argv[i], "--to") && v)
			ok = have_to = netaddr_parse(v, 0, &to, err, sizeof(err));
		else if (!strcmp(argv[i], "--token") && v)
			ok = hex_decode(v, strlen(v), &token) && token.len > 0;
		else if (!strcmp(argv[i], "--count") && v)
			ok = (count = (unsigned)strtoul(v, NULL, 10)) > 0;
		else if (!strcmp(argv[i], "--timeout") && v)
			ok = (timeout_ms = (unsigned)strtoul(v, NULL, 10)) > 0;
		else
			ok = false;
		if (!ok) {
			fprintf(stderr, "ike-conform probe: bad or incomplete option '%s%s%s'\n", argv[i],
				v ? " " : "", v ? v : "");
			chunk_free(&token);
			return 2;
		}
		i++;
	}
	int rc;
	if (echo && have_listen && listen_on.port) {
		rc = probe_echo(&listen_on, count, timeout_ms);
	} else if (!echo && have_from && have_to && to.port && token.len) {
		rc = probe_send(&from, &to, token, timeout_ms);
	} else {
		probe_usage(stderr);
		rc = 2;
	}
	chunk_free(&token);
	return rc;
}
