/* The packet pump the checks run while they wait: IKE to the engine, ESP
 * to the data plane, the captures polled, the probes' sockets watched;
 * and the probes' hosts. */
#include <poll.h>
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
#include "core/log.h"
#include "esp/user.h"
#include "esp/xfrm.h"
#include "netns/netns.h"
#include "report/live.h"

/* ---- traffic ---- */

/* AUTO: the kernel's ESP when it has it (probed once, said once), but
 * userspace for a UDP-encapsulated child: the kernel would need our NAT-T
 * socket switched to UDP_ENCAP. */
bool case_use_xfrm(enum case_dataplane dp, bool udp)
{
	static int said = -1;
	if (dp != CASE_DP_AUTO)
		return dp == CASE_DP_XFRM;
	if (udp)
		return false;
	char why[200] = "";
	bool k = esp_xfrm_supported(why, sizeof(why));
	if (said != (int)k) {
		log_info("data plane: %s", k ? "the kernel's ESP (xfrm)"
					  : "userspace ESP over TUN; the kernel cannot:");
		if (!k)
			log_info("data plane: %s", why);
		said = k;
	}
	return k;
}

/* The pump's descriptors (transport, TUN, the captures, the watched
 * sockets) polled for up to wait_ms; poll's result. */
static int case_pump_poll(struct case_pump *p, int wait_ms)
{
	struct pollfd fds[5 + CASE_PUMP_WATCH] = {
		{ transport_fd(p->t), POLLIN, 0 },
		{ p->u ? esp_user_fd(p->u) : -1, POLLIN, 0 },
		{ p->cap ? live_capture_fd(p->cap) : -1, POLLIN, 0 },
		{ p->wire[0] ? live_capture_fd(p->wire[0]) : -1, POLLIN, 0 },
		{ p->wire[1] ? live_capture_fd(p->wire[1]) : -1, POLLIN, 0 } };
	nfds_t n = 5;
	for (size_t i = 0; i < p->nwatch && i < CASE_PUMP_WATCH; i++)
		fds[n++] = (struct pollfd){ p->watch[i], POLLIN, 0 };
	return poll(fds, n, wait_ms);
}

/* Move packets for up to wait_ms: ESP to the data plane, IKE to the
 * engine (it keeps answering), the TUN's packets out; back early when a
 * watched socket has something. */
void case_pump(struct case_pump *p, int wait_ms)
{
	if (case_pump_poll(p, wait_ms) <= 0)
		return;
	if (p->cap)
		live_capture_poll(p->cap);
	for (int i = 0; i < 2; i++)
		if (p->wire[i])
			live_capture_poll(p->wire[i]);
	struct transport_pkt pkt;
	while (transport_recv(p->t, &pkt) == 1) {
		if (pkt.kind == TRANSPORT_PKT_ESP && p->u)
			esp_user_input(p->u, &pkt);
		else if (pkt.kind == TRANSPORT_PKT_IKE)
			ike_engine_input(p->e, &pkt, clock_ms());
		transport_pkt_free(&pkt);
	}
	case_dp_sync(p);
	if (p->u)
		esp_user_poll(p->u);
	ike_engine_tick(p->e, clock_ms());
	case_dp_sync(p);
}

/* "10.1.0.1/32" -> "10.1.0.1" */
static void case_host(const char *cidr, char *out, size_t len)
{
	snprintf(out, len, "%s", cidr);
	char *slash = strchr(out, '/');
	if (slash)
		*slash = '\0';
}

/* The hosts the probes go between: the test subnets' own (a /32 each), or
 * a device's, whose selectors are subnets: our host in ours, the one the
 * profile says answers in its. */
void case_probe_hosts(const struct case_net *net, char hs[64], char ps[64])
{
	if (net->device) {
		snprintf(hs, 64, "%s", net->device->harness_host);
		snprintf(ps, 64, "%s", net->device->ping);
		return;
	}
	case_host(net->harness_ts, hs, 64);
	case_host(net->peer_ts, ps, 64);
}

void case_pump_cb(void *ctx, int wait_ms)
{
	case_pump(ctx, wait_ms);
}

void case_pump_watch(struct case_pump *p, int fd)
{
	if (fd >= 0 && p->nwatch < CASE_PUMP_WATCH)
		p->watch[p->nwatch++] = fd;
}

void case_pump_unwatch(struct case_pump *p)
{
	p->nwatch = 0;
}

/* Until a poll finds nothing waiting: the frames of what already crossed
 * the link are in the captures (taken as they were sent and received),
 * and what the TUN or the socket still hold has been moved. */
void case_pump_settle(struct case_pump *p, int limit_ms)
{
	uint64_t end = clock_ms() + (uint64_t)limit_ms;
	size_t nwatch = p->nwatch;
	p->nwatch = 0;  /* the probes' sockets are not ours to drain */
	while (case_pump_poll(p, 0) > 0 && clock_ms() < end)
		case_pump(p, 0);
	p->nwatch = nwatch;
}

/* The data plane follows the engine: new children in, dead ones out. */
void case_dp_sync(struct case_pump *p)
{
	if (!p->u)
		return;
	const struct ike_result *res = ike_engine_result(p->e);
	struct ike_sa *sa = ike_engine_sa(p->e);
	char err[300];
	if (sa && esp_user_sync(p->u, res->child, res->nchild, &sa->peer, err, sizeof(err)) < 0)
		log_warn("data plane: %s", err);
}
