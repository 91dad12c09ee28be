/* Round trip and throughput through a tunnel, for make bench: the same
 * code for the harness's data plane and for two strongSwans. */
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case/internal.h"
#include "core/clock.h"
#include "netns/netns.h"

bool case_measure(const char *ns, const char *src, const char *dst, uint32_t flood_ms,
		     case_pump_fn pump, void *ctx, struct peer *viewer,
		     const struct peer_case *vcase, const char *log, struct case_measure *m,
		     char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	/* the round trip: ping's own average */
	char *const argv[] = { "ping", "-n", "-q", "-c", "20", "-i", "0.01", "-W", "2", "-I",
			       (char *)src, (char *)dst, NULL };
	pid_t pid;
	int st = 0;
	if (!netns_spawn(ns, argv, log, &pid, err, errlen))
		return false;
	uint64_t limit = clock_ms() + 10000;
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (clock_ms() > limit) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return case_fail(err, errlen, "ping for the round trip did not end in 10 s");
		}
		if (pump)
			pump(ctx, 5);
		else
			usleep(5000);
	}
	FILE *f = fopen(log, "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f)) {
		const char *q = strstr(line, "min/avg/max");
		const char *eq = q ? strchr(q, '=') : NULL;
		double mn;
		if (eq && sscanf(eq + 1, " %lf/%lf", &mn, &m->rtt_ms) != 2)
			m->rtt_ms = 0;
	}
	if (f)
		fclose(f);
	if (m->rtt_ms <= 0)
		return case_fail(err, errlen, "no round trip from ping (see %s)", log);
	/* the flood: as fast as the socket takes it, to the discard port */
	int fd = case_udp_socket(ns, src, 0, err, errlen);
	if (fd < 0)
		return false;
	struct netaddr to;
	struct sockaddr_storage ss;
	netaddr_parse(dst, 9, &to, err, errlen);
	socklen_t sl = netaddr_to_sockaddr(&to, &ss);
	struct peer_sa_view v0, v1;
	char verr[200];
	if (!viewer->ops->view(viewer, vcase, &v0, verr, sizeof(verr))) {
		close(fd);
		return case_fail(err, errlen, "view before the flood: %s", verr);
	}
	uint8_t payload[CASE_FLOOD_SIZE];
	memset(payload, 0x5a, sizeof(payload));
	uint64_t t0 = clock_ms(), end = t0 + flood_ms;
	while (clock_ms() < end) {
		for (int k = 0; k < 32; k++)
			if (sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&ss, sl) > 0)
				m->sent++;
		if (pump)
			pump(ctx, 0);
	}
	/* what is still queued gets through, then the count */
	for (int k = 0; k < 20; k++) {
		if (pump)
			pump(ctx, 5);
		else
			usleep(5000);
	}
	m->seconds = (double)(clock_ms() - t0) / 1000.0;
	close(fd);
	if (!viewer->ops->view(viewer, vcase, &v1, verr, sizeof(verr)))
		return case_fail(err, errlen, "view after the flood: %s", verr);
	m->delivered = v1.child.packets_in - v0.child.packets_in;
	m->bytes = v1.child.bytes_in - v0.child.bytes_in;
	m->mbps = m->seconds > 0 ? (double)m->bytes * 8 / m->seconds / 1e6 : 0;
	m->ran = true;
	return true;
}
