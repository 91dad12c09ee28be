/* Round trip and throughput through a tunnel, for make bench: the same
 * code for the harness's data plane and for two strongSwans. */
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case/internal.h"
#include "core/clock.h"
#include "netns/netns.h"

#define CASE_RTT_ECHOES 20       /* echo requests for the round trip ... */
#define CASE_RTT_GAP_MS 10       /* ... this far apart, so none queues behind another */
#define CASE_DRAIN_GAP_MS 50     /* after the flood: another echo while none came back */

/* Packets moved (pump) or a wait on the echo socket alone (no pump: the
 * kernel's data plane), up to wait_ms; then the replies read. */
static void case_measure_wait(struct case_ping *g, case_pump_fn pump, void *ctx, int wait_ms)
{
	if (pump) {
		/* the pump does not know our socket: short turns */
		pump(ctx, wait_ms < 1 ? wait_ms : 1);
	} else {
		struct pollfd pf = { g->fd, POLLIN, 0 };
		poll(&pf, 1, wait_ms);
	}
	case_ping_read(g);
}

/* The round trip: CASE_RTT_ECHOES requests CASE_RTT_GAP_MS apart, the
 * average of the replies' times; their log into path. */
static bool case_measure_rtt(struct case_ping *g, case_pump_fn pump, void *ctx,
			     const char *log, double *rtt_ms, char *err, size_t errlen)
{
	uint64_t next = clock_ms(), end = UINT64_MAX;
	while (g->replies < CASE_RTT_ECHOES) {
		uint64_t now = clock_ms();
		if (g->sent < CASE_RTT_ECHOES && now >= next) {
			case_ping_send(g);
			next = now + CASE_RTT_GAP_MS;
			if (g->sent == CASE_RTT_ECHOES)
				end = now + CASE_ECHO_WAIT_MS;
		}
		if (now >= end)
			break;
		uint64_t until = g->sent < CASE_RTT_ECHOES ? next : end;
		case_measure_wait(g, pump, ctx, until > now ? (int)(until - now) : 0);
	}
	case_ping_log(g, log, "the round trip through the tunnel");
	*rtt_ms = case_ping_rtt_ms(g);
	if (*rtt_ms <= 0)
		return case_fail(err, errlen, "no round trip: no echo came back (see %s)", log);
	return true;
}

/* After the flood, an echo request behind it (another every
 * CASE_DRAIN_GAP_MS while none came back): its reply says what was queued
 * has gone through or was dropped, so the count can be taken. */
static void case_measure_drain(struct case_ping *g, case_pump_fn pump, void *ctx)
{
	unsigned first = g->sent + 1;
	uint64_t end = clock_ms() + CASE_ECHO_WAIT_MS, next = 0;
	for (;;) {
		uint64_t now = clock_ms();
		for (unsigned s = first; s <= g->sent; s++)
			if (case_ping_answered(g, s))
				return;
		if (now >= end)
			return;
		if (now >= next && g->sent < CASE_ECHO_MAX) {
			case_ping_send(g);
			next = now + CASE_DRAIN_GAP_MS;
		}
		case_measure_wait(g, pump, ctx, next > now && next - now < 5 ? (int)(next - now) : 5);
	}
}

/* The flood: as fast as the socket takes it, to the discard port, for
 * flood_ms; what the viewer's SA took in before and after. */
static bool case_measure_flood(const char *ns, const char *src, const char *dst,
			       uint32_t flood_ms, case_pump_fn pump, void *ctx, struct case_ping *g,
			       struct peer *viewer, const struct peer_case *vcase,
			       struct case_measure *m, char *err, size_t errlen)
{
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
	close(fd);
	/* (the echoes behind the flood are in the count: a few in thousands) */
	case_measure_drain(g, pump, ctx);
	m->seconds = (double)(clock_ms() - t0) / 1000.0;
	if (!viewer->ops->view(viewer, vcase, &v1, verr, sizeof(verr)))
		return case_fail(err, errlen, "view after the flood: %s", verr);
	m->delivered = v1.child.packets_in - v0.child.packets_in;
	m->bytes = v1.child.bytes_in - v0.child.bytes_in;
	m->mbps = m->seconds > 0 ? (double)m->bytes * 8 / m->seconds / 1e6 : 0;
	return true;
}

bool case_measure(const char *ns, const char *src, const char *dst, uint32_t flood_ms,
		     case_pump_fn pump, void *ctx, struct peer *viewer,
		     const struct peer_case *vcase, const char *log, struct case_measure *m,
		     char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	struct case_ping g;
	static const uint8_t fill[1] = { 0x5a };
	if (!case_ping_open(&g, ns, src, dst, (uint16_t)(getpid() ^ 0x4000), fill, sizeof(fill), err,
			    errlen))
		return false;
	bool ok = case_measure_rtt(&g, pump, ctx, log, &m->rtt_ms, err, errlen) &&
		  case_measure_flood(ns, src, dst, flood_ms, pump, ctx, &g, viewer, vcase, m, err,
				     errlen);
	case_ping_close(&g);
	m->ran = ok;
	return ok;
}
