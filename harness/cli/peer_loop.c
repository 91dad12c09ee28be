/* ike-conform peer: the loop. ppoll on the transports' fds (and the data
 * plane's) with SIGTERM/SIGINT blocked outside it, so a signal ends the
 * wait at once; each turn runs the initiator's exchange or the servers'
 * timers, the data plane and the keepalives, then what arrived. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/peer.h"
#include "core/clock.h"
#include "esp/user.h"
#include "ike/engine.h"
#include "ike/server.h"
#include "transport/transport.h"

#define PEER_LINGER_MS 1000       /* after the last of `exchanges`: answer
				     retransmissions a little longer */
#define PEER_MAX_WAIT_MS 1000     /* the loop looks at the clock at least this often */
#define PEER_LOOP_AGAIN (-2)      /* a turn's result: the next turn at once, no wait */

static volatile sig_atomic_t peer_stop;

static void peer_on_signal(int sig)
{
	peer_stop = sig;
}

void cli_peer_loop_signals(sigset_t *orig, sigset_t *waitmask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = peer_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, orig);
	*waitmask = *orig;
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
}

/* Stopped by a signal: said in the log, and on stdout by an initiator
 * whose exchange had not ended. */
static int peer_loop_stop(struct peer *p)
{
	cli_peer_log(p, LOG_INFO, "%s: stopping", strsignal((int)peer_stop));
	if (p->cfg.ike.role == IKE_INITIATOR && p->init.e)
		printf("failed: stopped by %s before the exchange ended\n",
		       strsignal((int)peer_stop));
	return 0;
}

/* The initiator's turn: the next exchange started (or the end said) and
 * the engine's timers run. The exit status, -1 to wait, or AGAIN. */
static int peer_loop_initiator(struct peer *p, uint64_t now, uint64_t *next)
{
	int rc = cli_peer_init_step(p);
	if (rc >= 0)
		return rc;
	uint64_t d = ike_engine_tick(p->init.e, now);
	cli_peer_init_report(p);
	*next = d < *next ? d : *next;
	if (!p->holding && ike_engine_done(p->init.e))
		return PEER_LOOP_AGAIN;
	return -1;
}

/* The responder's turn: the servers' timers, and once `exchanges` are
 * over a little longer for retransmissions, then the end. The exit
 * status, or -1 to wait. */
static int peer_loop_responder(struct peer *p, uint64_t now, uint64_t *next,
			       uint64_t *linger_until)
{
	for (size_t i = 0; i < p->nsock; i++) {
		uint64_t d = ike_server_tick(p->sock[i].srv, now);
		*next = d < *next ? d : *next;
	}
	if (!p->cfg.exchanges)
		return -1;
	size_t done, failed;
	cli_peer_resp_count(p, &done, &failed);
	if (done >= p->cfg.exchanges && !*linger_until) {
		*linger_until = now + PEER_LINGER_MS;
		cli_peer_log(p, LOG_INFO, "all %u exchanges done (%zu failed)", p->cfg.exchanges,
			     failed);
	}
	if (*linger_until && now >= *linger_until)
		return failed ? 1 : 0;
	if (*linger_until && *linger_until < *next)
		*next = *linger_until;
	return -1;
}

/* Wait for a datagram, a packet from the TUN device, a signal or next:
 * ppoll's result, fds[0..*nfds) what it saw. */
static int peer_loop_wait(struct peer *p, uint64_t now, uint64_t next, const sigset_t *waitmask,
			  struct pollfd *fds, nfds_t *nfds)
{
	for (size_t i = 0; i < p->nsock; i++)
		fds[i] = (struct pollfd){ .fd = transport_fd(p->sock[i].t), .events = POLLIN };
	*nfds = p->nsock;
	if (p->dp)
		fds[(*nfds)++] = (struct pollfd){ .fd = esp_user_fd(p->dp), .events = POLLIN };
	uint64_t wait = next > now ? next - now : 0;
	struct timespec ts = { (time_t)(wait / 1000), (long)(wait % 1000) * 1000000L };
	return ppoll(fds, *nfds, &ts, waitmask);
}

/* What the transports hold: keepalives counted, ESP to the data plane,
 * IKE to the server or the initiator's engine. */
static void peer_loop_input(struct peer *p, const struct pollfd *fds, int n)
{
	for (size_t i = 0; n > 0 && i < p->nsock; i++) {
		if (!(fds[i].revents & POLLIN))
			continue;
		struct transport_pkt pkt;
		while (transport_recv(p->sock[i].t, &pkt) == 1) {
			char kb[NETADDR_STRLEN];
			if (natt_keepalive_input(&p->ka_in, &pkt, clock_ms()))
				/* keeps a NAT mapping alive, nothing more */
				cli_peer_log(p, LOG_DEBUG, "keepalive <- %s",
					     netaddr_str(&pkt.src, kb, sizeof(kb)));
			else if (pkt.kind == TRANSPORT_PKT_ESP && p->dp)
				esp_user_input(p->dp, &pkt);
			else if (p->sock[i].srv)
				ike_server_input(p->sock[i].srv, &pkt, clock_ms());
			else
				ike_engine_input(p->init.e, &pkt, clock_ms());
			transport_pkt_free(&pkt);
		}
		if (!p->sock[i].srv)
			cli_peer_init_report(p);
	}
}

int cli_peer_loop(struct peer *p, const sigset_t *waitmask)
{
	bool initiator = p->cfg.ike.role == IKE_INITIATOR;
	uint64_t linger_until = 0;
	for (;;) {
		if (peer_stop)
			return peer_loop_stop(p);
		cli_peer_state_write(p);
		uint64_t now = clock_ms();
		uint64_t next = now + PEER_MAX_WAIT_MS;
		int rc = initiator ? peer_loop_initiator(p, now, &next)
				   : peer_loop_responder(p, now, &next, &linger_until);
		if (rc == PEER_LOOP_AGAIN)
			continue;
		if (rc >= 0)
			return rc;
		cli_peer_dp_sync(p);
		now = clock_ms();
		uint64_t kd = cli_peer_ka_run(p, now);
		next = kd < next ? kd : next;
		struct pollfd fds[PEERCFG_MAX_LISTEN + 1];
		nfds_t nfds;
		int n = peer_loop_wait(p, now, next, waitmask, fds, &nfds);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			cli_peer_log(p, LOG_ERR, "poll: %s", strerror(errno));
			return 3;
		}
		peer_loop_input(p, fds, n);
		cli_peer_dp_sync(p);
		if (p->dp && nfds > p->nsock && (fds[p->nsock].revents & POLLIN))
			esp_user_poll(p->dp);
	}
}
