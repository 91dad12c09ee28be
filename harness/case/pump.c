/* The packet pump the checks run while they wait: IKE to the engine, ESP
 * to the data plane, the captures polled; and the probes' small helpers. */
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

/* AUTO: the kernel's ESP when it has it (probed once, said once). */
bool case_use_xfrm(enum case_dataplane dp)
{
	static int said = -1;
	if (dp != CASE_DP_AUTO)
		return dp == CASE_DP_XFRM;
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

/* Move packets for up to wait_ms: ESP to the data plane, IKE to the
 * engine (it keeps answering), the TUN's packets out. */
void case_pump(struct case_pump *p, int wait_ms)
{
	struct pollfd fds[3] = { { transport_fd(p->t), POLLIN, 0 },
				 { p->u ? esp_user_fd(p->u) : -1, POLLIN, 0 },
				 { p->cap ? live_capture_fd(p->cap) : -1, POLLIN, 0 } };
	if (poll(fds, 3, wait_ms) <= 0)
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

/* ping inside ns while the data plane runs; the replies counted from its
 * output (kept in log). */

int case_udp_socket(const char *ns, const char *host, uint16_t port, char *err,
			      size_t errlen)
{
	struct netaddr a;
	struct netns_saved saved;
	char e2[200];
	if (!netaddr_parse(host, port, &a, err, errlen) || !netns_enter(ns, &saved, err, errlen))
		return -1;
	struct sockaddr_storage ss;
	socklen_t sl = netaddr_to_sockaddr(&a, &ss);
	int fd = socket(a.family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		snprintf(err, errlen, "UDP socket on %s:%u in %s: %s", host, port, ns, strerror(errno));
	if (!netns_leave(&saved, e2, sizeof(e2)))
		abort();
	return fd;
}

/* Pump until the process ends or limit; its exit status (-1: killed). */
int case_wait_pid(struct case_pump *p, pid_t pid, uint32_t limit_ms, int echo_fd)
{
	int st = 0;
	uint64_t limit = clock_ms() + limit_ms;
	uint8_t buf[2048];
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (clock_ms() > limit) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		case_pump(p, 10);
		/* an echo at our end, for a probe coming from the peer's */
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n;
		while (echo_fd >= 0 && (n = recvfrom(echo_fd, buf, sizeof(buf), 0,
						     (struct sockaddr *)&from, &fl)) > 0) {
			sendto(echo_fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
			fl = sizeof(from);
		}
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The token from the harness's selector to an echo at the peer's, and
 * from the peer's (ike-conform probe udp-send) to an echo at ours. */

void case_pump_cb(void *ctx, int wait_ms)
{
	case_pump(ctx, wait_ms);
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
