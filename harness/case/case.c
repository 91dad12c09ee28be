/* One interop case end to end: peers/interop.h. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/stat.h>

#include <openssl/pem.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"
#include "esp/keepalive.h"
#include "esp/user.h"
#include "esp/xfrm.h"
#include "netns/netns.h"
#include "report/keys.h"
#include "report/live.h"
#include "report/seeds.h"
#include "report/timeline.h"
#include "case/case.h"
#include "wire/names.h"

#define CASE_LIMIT_MS 10000
#define CASE_SETTLE_MS 3000    /* after our last message, for the peer's view */

/* holding the SA across a rekey (issue 7), defined with case_rekey */
struct case_pump;
static void case_rekey_peer(const struct case_spec *s, struct peer_case *pc);
static void case_dp_sync(struct case_pump *p);
#define CASE_POLL_MS 2

static bool case_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool case_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

static void case_add(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void case_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	if (n + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

/* ---- the two configurations, from one spec ---- */

static bool case_p1(const char *s, const struct case_spec *sp, struct ike_p1_xform *x,
		       char *err, size_t errlen)
{
	char e[200];
	if (!ike_p1_parse(s, x, e, sizeof(e)))
		return case_fail(err, errlen, "case %s: proposal '%s': %s", sp->name, s, e);
	x->auth = sp->auth ? sp->auth : IKE_AUTH_PSK;
	x->life_sec = sp->ike_life;
	return true;
}

static bool case_p2(const char *s, const struct case_spec *sp, struct ike_p2_xform *x,
		       char *err, size_t errlen)
{
	char e[200];
	if (!ike_p2_parse(s, x, e, sizeof(e)))
		return case_fail(err, errlen, "case %s: ESP proposal '%s': %s", sp->name, s, e);
	x->life_sec = sp->child_life;
	x->life_kb = sp->child_life_kb;
	return true;
}

static void case_fqdn(struct ike_id *id, const char *name)
{
	id->type = 2;
	id->len = strlen(name);
	memcpy(id->data, name, id->len);
}

/* The case's Phase 1 proposal for one side: a suite's transform as given,
 * or the smoke text with the spec's lifetime. */
static bool case_p1_of(const struct case_spec *s, const struct ike_p1_xform *x,
			  const char *text, struct ike_p1_xform *out, char *err, size_t errlen)
{
	if (!x)
		return case_p1(text, s, out, err, errlen);
	*out = *x;
	if (!out->auth)
		out->auth = s->auth ? s->auth : IKE_AUTH_PSK;
	return true;
}

/* Phase 1 only: a suite case without phase2 (the peer keeps a child
 * configured, strongSwan needs one, but nobody asks for it). */
static bool case_p1_only(const struct case_spec *s)
{
	return s->p1x && !s->p2x;
}

static bool case_tri_on(enum case_tri t, bool dflt)
{
	return t == CASE_TRI_DEFAULT ? dflt : t == CASE_TRI_ON;
}

static const char case_psk[] = "ike-conform interop psk";

static const char *case_psk_of(const struct case_spec *s)
{
	return s->psk ? s->psk : case_psk;
}

static bool case_ours(const struct case_net *net, const struct case_spec *s,
			 struct ike_config *c, char *err, size_t errlen)
{
	char e[300];
	ike_config_init(c);
	c->role = s->harness_initiates ? IKE_INITIATOR : IKE_RESPONDER;
	c->exchange = s->exchange ? s->exchange : WIRE_X_MAIN;
	const char *psk = net->device && net->device->psk ? net->device->psk : case_psk_of(s);
	c->psk = CHUNK_FROM(psk, strlen(psk));
	c->natt = s->no_natt ? 0 : s->natt ? s->natt : IKE_NATT_ALL;
	c->life_policy = s->life_policy;
	c->natt_force = case_tri_on(s->harness_force, s->force_encap);
	struct ike_p1_xform x1;
	struct ike_p2_xform x2;
	if (!case_p1_of(s, s->p1x, s->p1, &x1, err, errlen))
		return false;
	ike_config_add_p1(c, x1);
	if (s->p2x)
		ike_config_add_p2(c, *s->p2x);
	else if (!case_p1_only(s)) {
		if (!case_p2(s->p2, s, &x2, err, errlen))
			return false;
		ike_config_add_p2(c, x2);
	}
	if (!ike_ts_parse(net->harness_ts, &c->ts_local, e, sizeof(e)) ||
	    !ike_ts_parse(net->peer_ts, &c->ts_remote, e, sizeof(e)))
		return case_fail(err, errlen, "case %s: traffic selector: %s", s->name, e);
	if (net->device) {
		/* the device's own names and our credentials from its profile */
		c->local_id = net->device->harness_id;
		c->remote_id = net->device->device_id;
		if (ike_auth_is_sig(x1.auth) &&
		    !ike_config_load_creds(c, net->device->key, net->device->cert, NULL,
					   net->device->ca, e, sizeof(e)))
			return case_fail(err, errlen, "case %s: credentials: %s", s->name, e);
		return true;
	}
	if (ike_auth_is_sig(x1.auth)) {
		const struct pki_cred *moon = s->pki ? pki_testpki_host(s->pki, "moon") : NULL;
		if (!moon)
			return case_fail(err, errlen, "case %s: signature auth needs the test PKI",
					    s->name);
		case_fqdn(&c->local_id, "moon.example.org");
		case_fqdn(&c->remote_id, "sun.example.org");
		if (!ike_config_load_creds(c, moon->key_path, moon->cert_path, moon->chain_path,
					   s->ca_file, e, sizeof(e)))
			return case_fail(err, errlen, "case %s: credentials: %s", s->name, e);
	}
	return true;
}

static bool case_theirs(const struct case_net *net, const struct case_spec *s,
			   struct peer *peer, struct peer_case *pc, char *art, size_t artlen,
			   char *err, size_t errlen)
{
	char e[300];
	memset(pc, 0, sizeof(*pc));
	pc->name = s->name;
	pc->initiator = !s->harness_initiates;
	pc->exchange = s->exchange ? s->exchange : WIRE_X_MAIN;
	pc->auth = s->auth ? s->auth : IKE_AUTH_PSK;
	pc->psk = case_psk_of(s);
	if (s->npeer_p1x) {
		for (size_t i = 0; i < s->npeer_p1x && i < IKE_MAX_PROPOSALS; i++)
			if (!case_p1_of(s, &s->peer_p1x[i], NULL, &pc->p1[pc->np1++], err, errlen))
				return false;
	} else if (!case_p1_of(s, s->peer_p1 ? NULL : s->p1x, s->peer_p1 ? s->peer_p1 : s->p1,
				  &pc->p1[0], err, errlen)) {
		return false;
	} else {
		pc->np1 = 1;
	}
	if (s->p2x && !s->peer_p2)
		pc->p2[0] = *s->p2x;
	else if (!case_p2(s->peer_p2 ? s->peer_p2 : s->p2 ? s->p2 : "aes128-sha256", s,
			     &pc->p2[0], err, errlen))
		return false;
	pc->np2 = 1;
	uint16_t enc = pc->p2[0].encap;
	pc->transport_mode = enc == IKE_ENCAP_TRANSPORT || enc == IKE_ENCAP_UDP_TRANSPORT ||
			     enc == IKE_ENCAP_UDP_TRANSPORT_DRAFT;
	if (s->peer_child_life_set) {
		pc->p2[0].life_sec = s->peer_child_life_sec;
		pc->p2[0].life_kb = s->peer_child_life_kb;
	}
	pc->life_policy_set = s->peer_life_policy_set;
	pc->life_policy = s->peer_life_policy;
	pc->natt = s->peer_natt;
	pc->keepalive_ms = s->keepalive_ms;
	pc->no_natt = s->peer_no_natt;
	pc->local = net->peer;
	pc->local.port = 0;
	pc->remote = net->harness_public;
	pc->remote.port = 0;
	if (!ike_ts_parse(net->peer_ts, &pc->ts_local, e, sizeof(e)) ||
	    !ike_ts_parse(net->harness_ts, &pc->ts_remote, e, sizeof(e)))
		return case_fail(err, errlen, "case %s: traffic selector: %s", s->name, e);
	pc->force_encap = case_tri_on(s->peer_force, s->force_encap);
	case_rekey_peer(s, pc);
	/* behind a NAT the harness still names itself by its own address */
	if (!netaddr_same_host(&net->harness, &net->harness_public)) {
		bool v6 = net->harness.family == AF_INET6;
		pc->remote_id.type = v6 ? 5 : 1;  /* ID_IPV6_ADDR, ID_IPV4_ADDR */
		pc->remote_id.len = v6 ? 16 : 4;
		memcpy(pc->remote_id.data, net->harness.ip, pc->remote_id.len);
	}
	if (ike_auth_is_sig(pc->auth) && !net->device) {
		const struct pki_cred *sun = pki_testpki_host(s->pki, "sun");
		if (!sun)
			return case_fail(err, errlen, "case %s: the test PKI has no 'sun'", s->name);
		case_fqdn(&pc->local_id, "sun.example.org");
		case_fqdn(&pc->remote_id, "moon.example.org");
		pc->key_path = sun->key_path;
		pc->cert_path = sun->cert_path;
		pc->ca_path = s->ca_file;
	}
	/* the case's generated config and keys stay in a folder of its own */
	if ((size_t)(s->artifacts ? snprintf(art, artlen, "%s", s->artifacts)
				  : snprintf(art, artlen, "%s/%s", peer->dir, s->name)) >= artlen)
		return case_fail(err, errlen, "case %s: artifacts path too long", s->name);
	pc->artifacts = art;
	if (mkdir(art, 0755) != 0 && errno != EEXIST)
		return case_fail(err, errlen, "cannot make %s: %s", art, strerror(errno));
	return true;
}

/* ---- the engine's socket in the harness namespace ---- */

static struct transport *case_transport(const struct case_net *net, char *err,
					   size_t errlen)
{
	struct netns_saved saved;
	if (!netns_enter(net->harness_ns, &saved, err, errlen))
		return NULL;
	struct transport_udp_config uc = { .local = net->harness, .natt_port = IKE_NATT_PORT };
	uc.local.port = 500;
	struct transport *t = transport_udp_new(&uc, err, errlen);
	if (t && net->device && net->device->rate_pps)
		transport_set_rate(t, net->device->rate_pps);
	char e2[200];
	/* back home, or nothing after this would be where it thinks it is */
	if (!netns_leave(&saved, e2, sizeof(e2)))
		abort();
	return t;
}

/* Run the engine until its script ends or limit. */
static void case_drive(struct ike_engine *e, struct transport *t, uint64_t limit)
{
	for (;;) {
		uint64_t now = clock_ms();
		if (ike_engine_done(e) || now >= limit)
			return;
		uint64_t next = ike_engine_tick(e, now);
		if (ike_engine_done(e))
			return;
		uint64_t until = next < limit ? next : limit;
		now = clock_ms();
		int wait = until > now ? (int)(until - now) : 0;
		if (transport_wait(t, wait > 50 ? 50 : wait) > 0)
			ike_engine_poll(e, clock_ms());
	}
}

/* The peer's view until it shows an established SA with a child (or the
 * deadline); the engine keeps answering meanwhile. */
static bool case_settle(struct peer *peer, const struct peer_case *pc, struct ike_engine *e,
			   struct transport *t, uint64_t limit, bool p1_only,
			   struct peer_sa_view *v, char *err, size_t errlen)
{
	for (;;) {
		if (!peer->ops->view(peer, pc, v, err, errlen))
			return false;
		if (v->unknown || (v->present && (v->child.present || p1_only)) ||
		    clock_ms() >= limit)
			return true;
		if (transport_wait(t, CASE_POLL_MS) > 0)
			ike_engine_poll(e, clock_ms());
		ike_engine_tick(e, clock_ms());
	}
}

/* ---- traffic ---- */

/* AUTO: the kernel's ESP when it has it (probed once, said once). */
static bool case_use_xfrm(enum case_dataplane dp)
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

struct case_pump {
	struct ike_engine *e;
	struct transport *t;
	struct esp_user *u;            /* the userspace data plane, or */
	struct esp_xfrm *x;            /* the kernel's */
	struct live_capture *cap;      /* the harness's link, both ways: traffic.pcap */
	struct live_capture *wire[2];  /* what each end sends: the wire check */
};

/* Move packets for up to wait_ms: ESP to the data plane, IKE to the
 * engine (it keeps answering), the TUN's packets out. */
static void case_pump(struct case_pump *p, int wait_ms)
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
static void case_probe_hosts(const struct case_net *net, char hs[64], char ps[64])
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
static bool case_ping(struct case_pump *p, const char *ns, const char *src, const char *dst,
			 const char *token_hex, const char *log, unsigned *replies, char *err,
			 size_t errlen)
{
	char count[8];
	snprintf(count, sizeof(count), "%d", CASE_PINGS);
	/* -p: the token fills the echo payload, so a leak in clear shows */
	char *const argv[] = { "ping", "-n", "-c", count, "-i", "0.05", "-W", "2", "-p",
			       (char *)token_hex, "-I", (char *)src, (char *)dst, NULL };
	pid_t pid;
	*replies = 0;
	if (!netns_spawn(ns, argv, log, &pid, err, errlen))
		return false;
	int st = 0;
	uint64_t limit = clock_ms() + 10000;
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (clock_ms() > limit) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return case_fail(err, errlen, "ping %s -> %s in %s did not end in 10 s", src,
					    dst, ns);
		}
		case_pump(p, 20);
	}
	FILE *f = fopen(log, "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f)) {
		const char *q = strstr(line, " received");
		const char *c = strstr(line, "transmitted, ");
		if (q && c)
			*replies = (unsigned)atoi(c + 13);
	}
	if (f)
		fclose(f);
	return true;
}

/* A UDP socket bound inside ns (non-blocking); -1 with err. */
static int case_udp_socket(const char *ns, const char *host, uint16_t port, char *err,
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
static int case_wait_pid(struct case_pump *p, pid_t pid, uint32_t limit_ms, int echo_fd)
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
static void case_udp_probes(struct case_pump *p, const struct case_net *net,
			       const char *hs, const char *ps, const uint8_t *token, size_t tlen,
			       const char *token_hex, const char *art, struct case_traffic *tr)
{
	enum { PORT_OUT = 7777, PORT_IN = 7778 };
	char log[1200], listen_on[96], to[96], err[300], line[256];
	pid_t pid;
	snprintf(log, sizeof(log), "%s/udp-echo.log", art);
	snprintf(listen_on, sizeof(listen_on), "%s:%d", ps, PORT_OUT);
	char *const echo[] = { (char *)net->probe_bin, "probe", "udp-echo", "--listen", listen_on,
			       "--count", "1", "--timeout", "4000", NULL };
	if (!netns_spawn(net->peer_ns, echo, log, &pid, err, sizeof(err))) {
		snprintf(tr->why, sizeof(tr->why), "%s", err);
		return;
	}
	/* not before it listens: an early datagram would draw an ICMP error
	   through the tunnel */
	uint64_t limit = clock_ms() + 2000;
	bool listening = false;
	while (!listening && clock_ms() < limit) {
		FILE *f = fopen(log, "r");
		while (f && fgets(line, sizeof(line), f))
			listening |= !strncmp(line, "listening on", 12);
		if (f)
			fclose(f);
		if (!listening)
			case_pump(p, 10);
	}
	int fd = listening ? case_udp_socket(net->harness_ns, hs, 0, err, sizeof(err)) : -1;
	if (fd >= 0) {
		struct netaddr dst;
		struct sockaddr_storage ss;
		netaddr_parse(listen_on, PORT_OUT, &dst, err, sizeof(err));
		socklen_t sl = netaddr_to_sockaddr(&dst, &ss);
		uint8_t buf[2048];
		uint64_t end = clock_ms() + 3000, next = 0;
		while (!tr->udp_out && clock_ms() < end) {
			if (clock_ms() >= next) {
				sendto(fd, token, tlen, 0, (struct sockaddr *)&ss, sl);
				next = clock_ms() + 500;
			}
			case_pump(p, 10);
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			tr->udp_out = n == (ssize_t)tlen && !memcmp(buf, token, tlen);
		}
		close(fd);
	}
	case_wait_pid(p, pid, 5000, -1);
	if (!tr->udp_out) {
		snprintf(tr->why, sizeof(tr->why), "UDP token %s -> %s: %s", hs, listen_on,
			 listening ? "no echo" : "the echo at the peer never listened");
		return;
	}
	/* the other way: our echo, their sender */
	fd = case_udp_socket(net->harness_ns, hs, PORT_IN, err, sizeof(err));
	if (fd < 0) {
		snprintf(tr->why, sizeof(tr->why), "%s", err);
		return;
	}
	snprintf(log, sizeof(log), "%s/udp-send.log", art);
	snprintf(to, sizeof(to), "%s:%d", hs, PORT_IN);
	char *const send[] = { (char *)net->probe_bin, "probe", "udp-send", "--from", (char *)ps,
			       "--to", to, "--token", (char *)token_hex, "--timeout", "3000", NULL };
	if (netns_spawn(net->peer_ns, send, log, &pid, err, sizeof(err)))
		tr->udp_in = case_wait_pid(p, pid, 5000, fd) == 0;
	close(fd);
	if (!tr->udp_in)
		snprintf(tr->why, sizeof(tr->why), "UDP token %s -> %s: no echo (see udp-send.log)",
			 ps, to);
}

static void case_pump_cb(void *ctx, int wait_ms)
{
	case_pump(ctx, wait_ms);
}

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

static void case_traffic_check(struct peer *peer, const struct case_net *net,
			    const struct peer_case *pc, const char *art, struct ike_engine *e,
			    struct transport *t, struct case_result *r, uint32_t measure_ms,
			    bool xfrm)
{
	struct case_traffic *tr = &r->traffic;
	const struct ike_result *res = ike_engine_result(e);
	struct ike_sa *sa = ike_engine_sa(e);
	char err[400], hs[64], ps[64], log[1200];
	tr->ran = true;
	if (!res->nchild || !sa) {
		snprintf(tr->why, sizeof(tr->why), "no child SA to send through");
		return;
	}
	bool udp = ike_encap_is_udp(res->child[0].xf.encap);
	struct case_pump p = { e, t, NULL, NULL, NULL, { NULL, NULL } };
	tr->kernel = xfrm;
	if (xfrm && udp) {
		/* the kernel would need our NAT-T socket switched to UDP_ENCAP */
		snprintf(tr->why, sizeof(tr->why), "the kernel data plane does not take "
			 "UDP-encapsulated children from the harness yet");
		return;
	}
	/* the kernel needs a route to the remote selector before its policy
	   can catch the packets: over the link to the peer */
	bool dp_ok = xfrm
		? (p.x = esp_xfrm_new(net->harness_ns, err, sizeof(err))) &&
		  esp_xfrm_add_child(p.x, &res->child[0], &sa->local, &sa->peer, err, sizeof(err)) &&
		  (!net->harness_if || netns_route_add(net->harness_ns, net->peer_ts, net->harness_if,
						       NULL, err, sizeof(err)))
		: (p.u = esp_user_new(net->harness_ns, "ikec0", t, err, sizeof(err))) &&
		  esp_user_add_child(p.u, &res->child[0], &sa->peer, err, sizeof(err));
	if (!dp_ok) {
		snprintf(tr->why, sizeof(tr->why), "data plane: %s", err);
		esp_user_free(p.u);
		esp_xfrm_free(p.x);
		return;
	}
	/* the link as the harness sees it: only IKE and ESP may cross it */
	snprintf(log, sizeof(log), "%s/traffic.pcap", art);
	if (net->harness_if &&
	    (!(p.cap = live_capture_start(net->harness_ns, net->harness_if, log, false, err,
					  sizeof(err))) ||
	     /* without the peer's end to watch, ours both ways */
	     !(p.wire[0] = live_capture_start(net->harness_ns, net->harness_if, NULL,
					      net->peer_if != NULL, err, sizeof(err))) ||
	     (net->peer_if && net->peer_ns &&
	      !(p.wire[1] = live_capture_start(net->peer_ns, net->peer_if, NULL, true, err,
					       sizeof(err)))))) {
		snprintf(tr->why, sizeof(tr->why), "%s", err);
		struct live_summary junk;
		live_capture_stop(p.cap, NULL, 0, &junk);
		live_capture_stop(p.wire[0], NULL, 0, &junk);
		esp_user_free(p.u);
		esp_xfrm_free(p.x);
		return;
	}
	uint8_t token[16];
	char token_hex[33];
	ike_random(token, sizeof(token));
	hex_encode(token, sizeof(token), token_hex);
	case_probe_hosts(net, hs, ps);
	uint64_t t0 = clock_ms();
	snprintf(log, sizeof(log), "%s/ping-out.log", art);
	bool ok = case_ping(&p, net->harness_ns, hs, ps, token_hex, log, &tr->out_replies, err,
			       sizeof(err));
	snprintf(log, sizeof(log), "%s/ping-in.log", art);
	ok = ok && (!net->peer_ns || case_ping(&p, net->peer_ns, ps, hs, token_hex, log,
						  &tr->in_replies, err, sizeof(err)));
	/* the tokens only through a tunnel the pings have shown to work, so a
	   failure names the first thing that broke */
	if (ok && net->probe_bin && net->peer_ns && tr->out_replies == CASE_PINGS &&
	    tr->in_replies == CASE_PINGS) {
		case_udp_probes(&p, net, hs, ps, token, sizeof(token), token_hex, art, tr);
		if (!tr->udp_out || !tr->udp_in) {
			ok = false;
			snprintf(err, sizeof(err), "%.*s", (int)sizeof(err) - 1, tr->why);
		}
	}
	tr->ms = clock_ms() - t0;
	case_pump(&p, 50);  /* the last frames into the capture */
	/* Wireshark's tables beside the capture, so its ESP reads in clear */
	char ws[1200], kerr[300];
	snprintf(ws, sizeof(ws), "%s/wireshark", art);
	struct ike_sa *sas[1] = { sa };
	if ((mkdir(ws, 0755) != 0 && errno != EEXIST) ||
	    !keytab_write_dir(ws, sas, 1, kerr, sizeof(kerr)))
		log_warn("case %s: key tables in %s: %s", pc->name, ws, errno ? strerror(errno) : kerr);
	/* the wire: what each end sent, summed */
	tr->captured = p.wire[0] != NULL;
	struct live_summary ws2[2], all;
	live_capture_stop(p.cap, NULL, 0, &all);
	live_capture_stop(p.wire[0], token, sizeof(token), &ws2[0]);
	live_capture_stop(p.wire[1], token, sizeof(token), &ws2[1]);
	p.cap = p.wire[0] = p.wire[1] = NULL;
	tr->wire.frames = ws2[0].frames + ws2[1].frames;
	tr->wire.ike = ws2[0].ike + ws2[1].ike;
	tr->wire.esp_udp = ws2[0].esp_udp + ws2[1].esp_udp;
	tr->wire.esp_raw = ws2[0].esp_raw + ws2[1].esp_raw;
	tr->wire.keepalive = ws2[0].keepalive + ws2[1].keepalive;
	tr->wire.other = ws2[0].other + ws2[1].other;
	tr->wire.not_ip = ws2[0].not_ip + ws2[1].not_ip;
	tr->wire.secret_seen = ws2[0].secret_seen + ws2[1].secret_seen;
	char cerr[300] = "";
	if (p.u)
		esp_user_counters(p.u, 0, &tr->in, &tr->out);
	else if (!esp_xfrm_counters(p.x, 0, &tr->in, &tr->out, cerr, sizeof(cerr)))
		log_warn("case %s: kernel counters: %s", pc->name, cerr);
	struct peer_sa_view v, v2;
	char verr[200];
	bool have_view = peer->ops->view(peer, pc, &v, verr, sizeof(verr)) && v.child.present;
	/* then what must not get through: our last packet again, a fresh one
	   with a broken ICV (the peer's count must not move), and the same two
	   at our end (our drop counters must) */
	/* (the kernel's data plane takes no hand-made packets from us) */
	bool bad_out = !p.u || (esp_user_bad(p.u, 0, ESP_USER_REPLAY_OUT) &&
				esp_user_bad(p.u, 0, ESP_USER_FORGE_OUT));
	bool bad_in = !p.u || (esp_user_bad(p.u, 0, ESP_USER_REPLAY_IN) &&
			       esp_user_bad(p.u, 0, ESP_USER_FORGE_IN));
	for (int k = 0; k < 5; k++)
		case_pump(&p, 20);
	struct esp_counters in2 = tr->in, out2 = tr->out;
	if (p.u) {
		esp_user_counters(p.u, 0, &in2, &out2);
		tr->expired = esp_user_expired(p.u);
	}
	bool have_view2 = peer->ops->view(peer, pc, &v2, verr, sizeof(verr)) && v2.child.present;
	if (ok && measure_ms) {
		char merr[300];
		snprintf(log, sizeof(log), "%s/measure-ping.log", art);
		if (!case_measure(net->harness_ns, hs, ps, measure_ms, case_pump_cb, &p, peer, pc,
				     log, &tr->m, merr, sizeof(merr)))
			log_warn("case %s: measurement: %s", pc->name, merr);
	}
	esp_user_free(p.u);
	esp_xfrm_free(p.x);
	if (!ok) {
		snprintf(tr->why, sizeof(tr->why), "%s", err);
		return;
	}
	/* every echo and every reply crossed the tunnel once each way */
	uint64_t want = 2u * CASE_PINGS * (net->peer_ns ? 2u : 1u);
	if (tr->out_replies != CASE_PINGS || (net->peer_ns && tr->in_replies != CASE_PINGS)) {
		snprintf(tr->why, sizeof(tr->why), "ping replies: harness -> peer %u of %d, peer -> "
			 "harness %u of %d (ESP in %" PRIu64 " out %" PRIu64 " packets, drops %" PRIu64
			 " ICV %" PRIu64 " replay)", tr->out_replies, CASE_PINGS, tr->in_replies,
			 CASE_PINGS, tr->in.packets, tr->out.packets, tr->in.drops[ESP_DROP_ICV],
			 tr->in.drops[ESP_DROP_REPLAY]);
		return;
	}
	if (net->probe_bin)
		want += 4;  /* a token and its echo, each way */
	/* at least what the probes made (a UDP probe may send its token again
	   while the first is on its way); both sides must agree exactly below */
	if (tr->in.packets + tr->out.packets < want) {
		snprintf(tr->why, sizeof(tr->why), "the harness counted %" PRIu64 " in + %" PRIu64
			 " out ESP packets, the probes made at least %" PRIu64, tr->in.packets,
			 tr->out.packets, want);
		return;
	}
	/* a device that cannot show its counters: ours and the pings decide */
	bool blind = (!have_view && v.unknown) || (have_view && v.child.counters_unknown);
	if (!have_view && !blind) {
		snprintf(tr->why, sizeof(tr->why), "no view of the peer's child SA after the probes");
		return;
	}
	size_t esp_frames = udp ? tr->wire.esp_udp : tr->wire.esp_raw;
	if (tr->captured && (tr->wire.secret_seen || tr->wire.other ||
			     esp_frames < tr->in.packets + tr->out.packets ||
			     (udp ? tr->wire.esp_raw : tr->wire.esp_udp))) {
		snprintf(tr->why, sizeof(tr->why), "on the wire: the token in clear in %zu frames, %zu "
			 "frames neither IKE nor ESP, %zu ESP-in-UDP and %zu raw ESP frames for %" PRIu64
			 " %s ESP packets", tr->wire.secret_seen, tr->wire.other, tr->wire.esp_udp,
			 tr->wire.esp_raw, tr->in.packets + tr->out.packets, udp ? "UDP-encapsulated" : "raw");
		return;
	}
	if (!blind &&
	    (v.child.packets_in != tr->out.packets || v.child.packets_out != tr->in.packets)) {
		snprintf(tr->why, sizeof(tr->why), "counters differ: harness out %" PRIu64 " in %"
			 PRIu64 " packets, peer in %" PRIu64 " out %" PRIu64, tr->out.packets,
			 tr->in.packets, v.child.packets_in, v.child.packets_out);
		return;
	}
	if (!bad_out || !bad_in || (!have_view2 && !blind)) {
		snprintf(tr->why, sizeof(tr->why), "negative traffic could not be %s",
			 !bad_out ? "sent" : !bad_in ? "refused at our end (a forged packet got in)"
			 : "checked (no view of the peer)");
		return;
	}
	if (!blind && v2.child.packets_in != v.child.packets_in) {
		snprintf(tr->why, sizeof(tr->why), "the peer accepted a replayed or forged packet: "
			 "its inbound count went from %" PRIu64 " to %" PRIu64, v.child.packets_in,
			 v2.child.packets_in);
		return;
	}
	if (!xfrm && (in2.drops[ESP_DROP_REPLAY] != tr->in.drops[ESP_DROP_REPLAY] + 1 ||
		      in2.drops[ESP_DROP_ICV] != tr->in.drops[ESP_DROP_ICV] + 1)) {
		snprintf(tr->why, sizeof(tr->why), "our drops: replay %" PRIu64 " -> %" PRIu64
			 ", ICV %" PRIu64 " -> %" PRIu64 ", want one more of each",
			 tr->in.drops[ESP_DROP_REPLAY], in2.drops[ESP_DROP_REPLAY],
			 tr->in.drops[ESP_DROP_ICV], in2.drops[ESP_DROP_ICV]);
		return;
	}
	tr->bad_ok = !xfrm;
	tr->ok = true;
	snprintf(tr->why, sizeof(tr->why), "%u+%u ping replies, %s%" PRIu64 "/%" PRIu64
		 " ESP packets counted%s, %zu %s frames on the wire and "
		 "the token never in clear%s",
		 tr->out_replies, tr->in_replies, net->probe_bin ? "UDP token both ways, " : "",
		 tr->out.packets,
		 tr->in.packets, blind ? "" : " alike on both sides", esp_frames, udp ? "ESP-in-UDP" : "raw ESP",
		 xfrm ? " (kernel data plane)"
		 : blind ? "; a replay and a forged ICV dropped at our end (the device's counters "
			   "are not known)"
		 : "; a replay and a forged ICV dropped at both ends");
}

/* ---- the cross-check ---- */

/* Lifetimes are compared when both sides state one; the peer's may be
 * read a second or two after it was installed. */
/* ---- holding the SA across a rekey (issue 7) ---- */

/* The margin a rekey case asks for: the spec's, or a third of the child's
 * lifetime (10 s -> a rekey at about 6.7 s, well before the end). */
/* Sequence numbers skipped when a child moves to a new data plane: more
 * than the traffic check seals beyond its counted packets. */
#define CASE_SEQ_SLACK 64

static uint32_t case_rekey_margin(const struct case_spec *s)
{
	if (!s->rekey)
		return 0;
	if (s->rekey_margin_ms)
		return s->rekey_margin_ms;
	uint32_t life = s->p2x ? s->p2x->life_sec : s->child_life;
	return life ? life * 1000 / 3 : 0;
}

/* The peer rekeys when it initiates the Quick Mode, the harness when it
 * does (RFC 2409 leaves it open; the engine rekeys what it initiated). */
static void case_rekey_peer(const struct case_spec *s, struct peer_case *pc)
{
	pc->rekey_margin_ms = !s->harness_initiates ? case_rekey_margin(s) : 0;
}

/* The data plane follows the engine: new children in, dead ones out. */
static void case_dp_sync(struct case_pump *p)
{
	if (!p->u)
		return;
	const struct ike_result *res = ike_engine_result(p->e);
	struct ike_sa *sa = ike_engine_sa(p->e);
	char err[300];
	if (sa && esp_user_sync(p->u, res->child, res->nchild, &sa->peer, err, sizeof(err)) < 0)
		log_warn("data plane: %s", err);
}

static uint32_t case_spi32(const uint8_t spi[4])
{
	return (uint32_t)spi[0] << 24 | (uint32_t)spi[1] << 16 | (uint32_t)spi[2] << 8 | spi[3];
}

/* The newest live child, -1 when none. */
static long case_live_child(const struct ike_result *res)
{
	for (size_t i = res->nchild; i-- > 0;)
		if (ike_child_live(&res->child[i]))
			return (long)i;
	return -1;
}

/* The peer's own text about its SAs (swanctl --list-sas, the state file)
 * into path, for the report. */
static void case_hold_view(struct peer *peer, const struct peer_case *pc, const char *path)
{
	struct peer_sa_view v;
	char verr[200];
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	if (peer->ops->view(peer, pc, &v, verr, sizeof(verr)))
		fputs(v.raw, f);
	else
		fprintf(f, "(no view: %s)\n", verr);
	fclose(f);
}

/* The keepalives the hold's capture saw, by sender: the harness's own
 * address on its link, or the peer's side. */
static void case_keepalives(const struct live_summary *ws, const struct case_net *net,
			       struct case_hold *rk)
{
	uint64_t last[2] = { 0, 0 };
	rk->ka_captured = true;
	rk->ka_gap_min[0] = rk->ka_gap_min[1] = UINT64_MAX;
	for (size_t i = 0; i < ws->nka && i < LIVE_MAX_KEEPALIVES; i++) {
		int who = netaddr_same_host(&ws->ka[i].src, &net->harness) ? 0 : 1;
		*(who ? &rk->ka_from_peer : &rk->ka_from_harness) += 1;
		if (last[who]) {
			uint64_t gap = ws->ka[i].time_ms - last[who];
			if (gap < rk->ka_gap_min[who])
				rk->ka_gap_min[who] = gap;
			if (gap > rk->ka_gap_max[who])
				rk->ka_gap_max[who] = gap;
		}
		last[who] = ws->ka[i].time_ms;
	}
	for (int k = 0; k < 2; k++)
		if (rk->ka_gap_min[k] == UINT64_MAX)
			rk->ka_gap_min[k] = 0;
}

/* Keep the SA for hold_ms with a steady ping from the harness's test host
 * to the peer's, while either side rekeys; then what happened to the
 * child that was live when the hold began. */
static void case_hold_run(struct peer *peer, const struct case_net *net,
			  const struct peer_case *pc, const char *art, struct ike_engine *e,
			  struct transport *t, const struct case_spec *s, struct case_result *r)
{
	struct case_hold *rk = &r->rekey;
	char err[400], hs[64], ps[64], log[1200], vpath[1200], count[16], interval[16];
	rk->ran = true;
	uint64_t t0 = clock_ms();
	if (s->harness_initiates)
		ike_engine_set_rekey_margin(e, case_rekey_margin(s));
	ike_engine_set_serve(e, true);  /* the peer's Quick Modes get answers */
	struct case_pump p = { e, t, NULL, NULL, NULL, { NULL, NULL } };
	if (!(p.u = esp_user_new(net->harness_ns, "ikec0", t, err, sizeof(err)))) {
		snprintf(rk->why, sizeof(rk->why), "data plane: %.300s", err);
		return;
	}
	case_dp_sync(&p);
	const struct ike_result *res = ike_engine_result(e);
	long oi = case_live_child(res);
	if (oi < 0) {
		snprintf(rk->why, sizeof(rk->why), "no live child SA to hold");
		esp_user_free(p.u);
		return;
	}
	/* the traffic check's data plane is gone, the peer's replay window
	   is not: go on past every number it sealed (and the forged one) */
	if (r->traffic.ran && r->have_child && !memcmp(r->child.spi_in, res->child[oi].spi_in, 4) &&
	    !esp_user_resume(p.u, res->child[oi].spi_in,
			     (uint32_t)r->traffic.out.packets + CASE_SEQ_SLACK))
		log_warn("case %s: cannot resume the child's sequence numbers", s->name);
	uint8_t old[4];
	memcpy(old, res->child[oi].spi_in, 4);
	uint32_t old_msgid = res->child[oi].msgid;
	rk->old_spi_in = case_spi32(old);
	/* the probe: one echo every CASE_HOLD_PING_MS for the whole hold */
	case_probe_hosts(net, hs, ps);
	snprintf(count, sizeof(count), "%u", s->hold_ms / CASE_HOLD_PING_MS);
	snprintf(interval, sizeof(interval), "%.3f", CASE_HOLD_PING_MS / 1000.0);
	snprintf(log, sizeof(log), "%s/ping-hold.log", art);
	char *const argv[] = { "ping", "-n", "-c", count, "-i", interval, "-W", "2", "-I", hs, ps,
			       NULL };
	/* a hold for keepalives alone stays quiet: implementations send them
	   only when nothing else went out for an interval */
	bool quiet = !s->rekey && !s->remap_box;
	/* the harness's link during the hold, both ways: the keepalives */
	struct live_capture *kcap = NULL;
	if (net->harness_if &&
	    !(kcap = live_capture_start(net->harness_ns, net->harness_if, NULL, false, err,
					sizeof(err))))
		log_warn("case %s: no keepalive capture: %s", s->name, err);
	/* ours: only from behind a NAT (RFC 3948 2.3), not for a claimed one */
	struct ike_sa *sa = ike_engine_sa(e);
	struct natt_keepalive ka;
	bool ka_on = s->keepalive_ms && sa && sa->natt_floated && sa->nat_local;
	natt_keepalive_init(&ka, ka_on ? s->keepalive_ms : 0, sa ? &sa->peer : NULL);
	struct peer_sa_view pv;
	char pverr[200];
	if (s->remap_box && peer->ops->view(peer, pc, &pv, pverr, sizeof(pverr)))
		rk->peer_port_before = pv.remote_port;
	uint64_t remap_at = s->remap_box ? t0 + s->hold_ms / 2 : UINT64_MAX, remap_ms = 0;
	pid_t pid = 0;
	uint64_t ping_t0 = clock_ms();
	if (!quiet && !netns_spawn(net->harness_ns, argv, log, &pid, err, sizeof(err))) {
		snprintf(rk->why, sizeof(rk->why), "ping: %.300s", err);
		struct live_summary junk;
		live_capture_stop(kcap, NULL, 0, &junk);
		esp_user_free(p.u);
		return;
	}
	uint64_t gone_out = UINT64_MAX;  /* old child's sealed count when it died */
	bool snapped = false;           /* the peer's view just after the rekey */
	uint64_t limit = t0 + s->hold_ms + 5000;
	int st = 0;
	if (quiet)
		limit = t0 + s->hold_ms;
	while (quiet ? clock_ms() < limit : waitpid(pid, &st, WNOHANG) == 0) {
		if (!quiet && clock_ms() > limit) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		case_pump(&p, 20);
		if (kcap)
			live_capture_poll(kcap);
		if (sa) {
			natt_keepalive_set_peer(&ka, &sa->peer);  /* it follows a remap */
			natt_keepalive_run(&ka, t, clock_ms());
		}
		if (clock_ms() >= remap_at) {
			/* the NAT forgets us; an authenticated message from the new
			   mapping tells the peer where we are now (RFC 3947 7) */
			remap_at = UINT64_MAX;
			remap_ms = clock_ms();
			if (!net->topo || !netns_topo_remap(net->topo, (enum netns_role)s->remap_box,
							    err, sizeof(err)))
				log_warn("case %s: remap: %s", s->name, net->topo ? err : "no topology");
			else
				rk->remapped = true;
			if (!ike_engine_send_dpd(e, clock_ms()))
				log_warn("case %s: no DPD after the remap", s->name);
		}
		bool live = true;
		struct esp_counters in, out;
		if (gone_out == UINT64_MAX && esp_user_child_state(p.u, old, &live) && !live &&
		    esp_user_counters_by_spi(p.u, old, &in, &out))
			gone_out = out.packets;
		if (!snapped && gone_out != UINT64_MAX) {
			snapped = true;
			snprintf(vpath, sizeof(vpath), "%s/peer-view-rekey.txt", art);
			case_hold_view(peer, pc, vpath);
		}
	}
	for (int k = 0; k < 5; k++)
		case_pump(&p, 20);
	/* the echoes answered, by sequence number: after a remap only those
	   sent a second after it must all come back */
	unsigned first_after = remap_ms ? (unsigned)((remap_ms + 1000 - ping_t0) /
						     CASE_HOLD_PING_MS) + 1 : 0;
	unsigned replied_after = 0;
	FILE *f = fopen(log, "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f)) {
		unsigned tx, rx, seq;
		const char *c = strstr(line, " packets transmitted, ");
		const char *q = strstr(line, " icmp_seq=");
		if (c && sscanf(line, "%u packets transmitted, %u", &tx, &rx) == 2) {
			rk->pings_sent = tx;
			rk->pings_lost = tx - (rx < tx ? rx : tx);
		} else if (q && strstr(line, " bytes from ") && sscanf(q, " icmp_seq=%u", &seq) == 1 &&
			   first_after && seq >= first_after) {
			replied_after++;
		}
	}
	if (f)
		fclose(f);
	if (first_after && rk->pings_sent >= first_after) {
		rk->pings_after_remap = rk->pings_sent - first_after + 1;
		rk->lost_after_remap = rk->pings_after_remap -
				       (replied_after < rk->pings_after_remap ? replied_after
									: rk->pings_after_remap);
	}
	if (kcap) {
		struct live_summary ws;
		live_capture_stop(kcap, NULL, 0, &ws);
		case_keepalives(&ws, net, rk);
	}
	res = ike_engine_result(e);
	rk->children = (unsigned)res->nchild;
	rk->rekeyed_by_us = res->rekeys > 0;
	const struct ike_child *oc = NULL, *nc = NULL;
	for (size_t i = 0; i < res->nchild; i++)
		if (!memcmp(res->child[i].spi_in, old, 4) && res->child[i].msgid == old_msgid)
			oc = &res->child[i];
	for (size_t i = 0; oc && oc->rekeyed_by && i < res->nchild; i++)
		if (res->child[i].msgid == oc->rekeyed_by)
			nc = &res->child[i];
	if (oc) {
		rk->old_deleted = oc->deleted;
		rk->delete_sent = oc->delete_sent;
		rk->delete_rx = oc->delete_rx;
	}
	if (nc) {
		rk->new_spi_in = case_spi32(nc->spi_in);
		if (oc->gone_ms >= nc->up_ms)
			rk->delete_after_ms = oc->gone_ms - nc->up_ms;
		struct esp_counters ni, no;
		if (esp_user_counters_by_spi(p.u, nc->spi_in, &ni, &no)) {
			rk->new_in = ni.packets;
			rk->new_out = no.packets;
		}
		rk->new_before_expiry = nc->up_ms < oc->expires_ms;
		rk->lead_ms = rk->new_before_expiry ? oc->expires_ms - nc->up_ms : 0;
	}
	struct esp_counters in, out;
	if (gone_out != UINT64_MAX && esp_user_counters_by_spi(p.u, old, &in, &out))
		rk->old_out_after = out.packets - gone_out;
	rk->expired_drops = esp_user_expired(p.u);
	rk->retired_drops = esp_user_retired(p.u);
	for (size_t i = 0; remap_ms && i < res->nevent; i++)
		if (!res->event[i].sent && res->event[i].kind == IKE_K_DPD_ACK &&
		    res->event[i].time_ms >= remap_ms)
			rk->dpd_acked = true;
	struct peer_sa_view v;
	char verr[200];
	if (s->remap_box && peer->ops->view(peer, pc, &v, verr, sizeof(verr)))
		rk->peer_port_after = v.remote_port;
	snprintf(vpath, sizeof(vpath), "%s/peer-view-hold.txt", art);
	case_hold_view(peer, pc, vpath);
	/* the successor, or its own successor when the hold saw two rekeys */
	if (nc && peer->ops->view(peer, pc, &v, verr, sizeof(verr)) && v.child.present)
		for (size_t i = 0; i < res->nchild; i++) {
			const struct ike_child *c = &res->child[i];
			if (c != oc && c->up_ms >= nc->up_ms &&
			    (!memcmp(v.child.spi_out, c->spi_in, 4) ||
			     !memcmp(v.child.spi_in, c->spi_out, 4)))
				rk->peer_on_new = true;
		}
	esp_user_free(p.u);
	rk->ms = clock_ms() - t0;
	if (quiet)
		rk->ok = true;  /* nothing asked of the hold but what the capture saw */
	else if (s->remap_box)
		rk->ok = rk->remapped && rk->dpd_acked && rk->pings_after_remap &&
			 !rk->lost_after_remap;
	else if (!s->rekey)
		rk->ok = rk->pings_sent && !rk->pings_lost;
	else
		rk->ok = nc && rk->new_before_expiry && rk->old_deleted && rk->new_in && rk->new_out &&
			 (rk->delete_sent || rk->delete_rx) && !rk->old_out_after &&
			 rk->pings_sent && !rk->pings_lost && rk->rekeyed_by_us == s->harness_initiates;
	snprintf(rk->why, sizeof(rk->why),
		 "%s: %u children; old %08" PRIx32 " -> new %08" PRIx32 " %" PRIu64 " ms before "
		 "expiry, rekeyed by %s, old %s %" PRIu64 " ms later (Delete %s); successor "
		 "%" PRIu64 " in, %" PRIu64 " out; %u pings, %u lost; %" PRIu64
		 " sealed on the old child after it died; drops: %" PRIu64 " expired, %" PRIu64
		 " retired; peer %s the new child",
		 rk->ok ? "ok" : "failed", rk->children, rk->old_spi_in, rk->new_spi_in, rk->lead_ms,
		 !nc ? "nobody" : rk->rekeyed_by_us ? "the harness" : "the peer",
		 rk->old_deleted ? "deleted" : "not deleted", rk->delete_after_ms,
		 rk->delete_sent ? "sent" : rk->delete_rx ? "received" : "none", rk->new_in,
		 rk->new_out, rk->pings_sent,
		 rk->pings_lost, rk->old_out_after, rk->expired_drops, rk->retired_drops,
		 rk->peer_on_new ? "shows" : "does not show");
	log_info("case %s: hold %" PRIu64 " ms: %s", s->name, rk->ms, rk->why);
}

static bool case_life_differs(uint32_t ours, uint32_t theirs)
{
	if (!ours || !theirs)
		return false;
	return ours > theirs ? ours - theirs > 2 : theirs - ours > 2;
}

bool case_cross_check(const struct ike_p1_xform *p1, const struct ike_child *child,
			 const struct peer_sa_view *v, char *why, size_t len)
{
	char d[1024] = "";
	char a[16], b[16];
	if (!v->present)
		case_add(d, sizeof(d), "the peer has no established IKE SA; ");
	else {
		if (v->encr != p1->encr)
			case_add(d, sizeof(d), "IKE encryption %u vs %u; ", p1->encr, v->encr);
		/* the peer may leave the key size of a fixed-size cipher unsaid */
		struct ike_p1_xform vx = { .encr = v->encr, .keylen = v->keylen };
		if (v->keylen && ike_p1_keybits(&vx) != ike_p1_keybits(p1))
			case_add(d, sizeof(d), "IKE key size %u vs %u; ", ike_p1_keybits(p1),
				    v->keylen);
		if (v->hash != p1->hash)
			case_add(d, sizeof(d), "IKE hash/PRF %u vs %u; ", p1->hash, v->hash);
		if (v->group != p1->group)
			case_add(d, sizeof(d), "DH group %u vs %u; ", p1->group, v->group);
		if (case_life_differs(p1->life_sec, v->life_sec))
			case_add(d, sizeof(d), "IKE lifetime %" PRIu32 "s vs %" PRIu32 "s; ",
				    p1->life_sec, v->life_sec);
	}
	if (!v->child.present) {
		if (child)  /* none asked for (Phase 1 only): none to have */
			case_add(d, sizeof(d), "the peer has no child SA; ");
	} else if (!child)
		case_add(d, sizeof(d), "the harness has no child SA; ");
	else {
		const struct peer_child_view *c = &v->child;
		if (c->transform != child->xf.transform)
			case_add(d, sizeof(d), "ESP transform %u vs %u; ", child->xf.transform,
				    c->transform);
		struct ike_p2_xform cx = { .transform = c->transform, .keylen = c->keylen };
		if (c->keylen && ike_p2_keybits(&cx) != ike_p2_keybits(&child->xf))
			case_add(d, sizeof(d), "ESP key size %u vs %u; ", child->xf.keylen, c->keylen);
		if (c->auth != child->xf.auth)
			case_add(d, sizeof(d), "ESP integrity %u vs %u; ", child->xf.auth, c->auth);
		if (c->group != child->xf.group)
			case_add(d, sizeof(d), "PFS group %u vs %u; ", child->xf.group, c->group);
		if (case_life_differs(child->xf.life_sec, c->life_sec))
			case_add(d, sizeof(d), "ESP lifetime %" PRIu32 "s vs %" PRIu32 "s; ",
				    child->xf.life_sec, c->life_sec);
		if (c->encap != ike_encap_is_udp(child->xf.encap))
			case_add(d, sizeof(d), "UDP encapsulation %s vs %s; ",
				    ike_encap_is_udp(child->xf.encap) ? "yes" : "no",
				    c->encap ? "yes" : "no");
		if (memcmp(c->spi_in, child->spi_out, 4) || memcmp(c->spi_out, child->spi_in, 4)) {
			char pi[9], po[9];
			hex_encode(child->spi_in, 4, a);
			hex_encode(child->spi_out, 4, b);
			hex_encode(c->spi_in, 4, pi);
			hex_encode(c->spi_out, 4, po);
			case_add(d, sizeof(d), "SPIs not crossed: harness in %s out %s, peer in %s "
				    "out %s; ", a, b, pi, po);
		}
	}
	if (!d[0])
		return true;
	char x1[64], x2[64];
	if (child) {
		hex_encode(child->spi_in, 4, a);
		hex_encode(child->spi_out, 4, b);
	} else {
		snprintf(a, sizeof(a), "-");
		snprintf(b, sizeof(b), "-");
	}
	snprintf(why, len, "views differ (harness vs peer): %s\n  harness: %s, child %s spi in %s out %s\n"
		 "  peer: %.1500s", d, ike_p1_str(p1, x1, sizeof(x1)),
		 child ? ike_p2_str(&child->xf, x2, sizeof(x2)) : "none", a, b, v->raw);
	return false;
}

/* ---- one case ---- */

/* What the harness saw of the case, beside the peer's own files: the
 * message timeline as text and as a pcap, and Wireshark's IKE key table. */
static void case_write_artifacts(const char *art, const struct case_spec *s,
				    struct ike_engine *e, const struct case_result *r)
{
	char path[1200], err[400];
	const struct ike_result *res = ike_engine_result(e);
	snprintf(path, sizeof(path), "%s/harness.log", art);
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "case %s: harness as %s, %s Mode\n", s->name,
			s->harness_initiates ? "initiator" : "responder",
			s->exchange == WIRE_X_AGGR ? "Aggressive" : "Main");
		timeline_print(f, res);
		fprintf(f, "result: %s%s%s\n", r->established ? "established" : "not established",
			r->why[0] ? "; " : "", r->why);
		fprintf(f, "peer's view:\n%s\n", r->view.raw);
		if (fclose(f) != 0)
			log_warn("case %s: %s: %s", s->name, path, strerror(errno));
	} else {
		log_warn("case %s: %s: %s", s->name, path, strerror(errno));
	}
	struct timeline_opts o;
	if (timeline_opts_from_engine(e, &o)) {
		snprintf(path, sizeof(path), "%s/ike.pcap", art);
		if (!timeline_write_pcap(path, res, &o, NULL, err, sizeof(err)))
			log_warn("case %s: %s", s->name, err);
	}
	struct ike_sa *sa = ike_engine_sa(e);
	snprintf(path, sizeof(path), "%s/wireshark", art);
	if (sa && (mkdir(path, 0755) == 0 || errno == EEXIST) &&
	    !keytab_write_dir(path, &sa, 1, err, sizeof(err)))
		log_warn("case %s: key tables: %s", s->name, err);
	if (s->seeds) {
		struct seeds_stats st = { 0, 0 };
		if (!seeds_write_result(s->seeds, res, s->seeds_label, &st, err, sizeof(err)))
			log_warn("case %s: seeds: %s", s->name, err);
	}
}

bool case_run(struct peer *peer, const struct case_net *net, const struct case_spec *s,
		 struct case_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	struct ike_config cfg;
	struct peer_case pc;
	char art[1024];
	if (!case_ours(net, s, &cfg, err, errlen)) {
		ike_config_clear(&cfg);
		return false;
	}
	if (!case_theirs(net, s, peer, &pc, art, sizeof(art), err, errlen) ||
	    !peer->ops->configure(peer, &pc, err, errlen)) {
		ike_config_clear(&cfg);
		return false;
	}
	struct transport *t = case_transport(net, err, errlen);
	if (!t) {
		ike_config_clear(&cfg);
		return false;
	}
	/* a suite case's whole exchange on the wire, IKE and ESP alike */
	struct live_capture *wire = NULL;
	if (s->artifacts && net->harness_if) {
		char path[1200], cerr[300];
		snprintf(path, sizeof(path), "%s/wire.pcap", art);
		if (!(wire = live_capture_start(net->harness_ns, net->harness_if, path, false, cerr,
						sizeof(cerr))))
			log_warn("case %s: no wire.pcap: %s", s->name, cerr);
	}
	bool p1_only = case_p1_only(s);
	struct netaddr to = net->peer_public;
	to.port = 500;
	cfg.natt_peer_port = IKE_NATT_PORT;
	uint64_t t0 = clock_ms();
	uint64_t limit = t0 + (s->limit_ms ? s->limit_ms : CASE_LIMIT_MS);
	struct ike_engine *e = ike_engine_new(&cfg, t, s->harness_initiates ? &to : NULL, s->script,
					      s->script ? s->nsteps : 0, s->name);
	bool ran = true;
	if (!s->harness_initiates && !peer->ops->initiate(peer, &pc, err, errlen))
		ran = false;
	if (ran) {
		case_drive(e, t, limit);
		const struct ike_result *res = ike_engine_result(e);
		r->harness_ok = res->finished && !res->failed;
		r->mutation_unfit = res->mutation_unfit;
		snprintf(r->harness_error, sizeof(r->harness_error), "%s",
			 r->harness_ok ? "" : res->error[0] ? res->error
					    : "did not finish its script in time");
		uint64_t settle = clock_ms() + CASE_SETTLE_MS;
		/* one look, for the report, unless the harness got somewhere the
		   peer must catch up with (its last message may be in flight) */
		if (!r->harness_ok || (s->script && !res->established))
			settle = clock_ms();
		ran = case_settle(peer, &pc, e, t, settle < limit ? settle : limit, p1_only,
				     &r->view, err, errlen);
		res = ike_engine_result(e);
		r->p1 = res->p1;
		if (res->nchild) {
			r->child = res->child[0];
			/* the keys stay with the engine */
			memset(&r->child.enc_in, 0, sizeof(r->child.enc_in));
			memset(&r->child.int_in, 0, sizeof(r->child.int_in));
			memset(&r->child.enc_out, 0, sizeof(r->child.enc_out));
			memset(&r->child.int_out, 0, sizeof(r->child.int_out));
			r->have_child = true;
		}
		for (size_t i = 0; i < res->nnotify; i++) {
			if (res->notify[i].sent && r->nnotify_tx < 8)
				r->notify_tx[r->nnotify_tx++] = res->notify[i].type;
			else if (!res->notify[i].sent && r->nnotify_rx < 8)
				r->notify_rx[r->nnotify_rx++] = res->notify[i].type;
		}
		for (size_t i = 0; i < res->nevent && !r->heard; i++)
			r->heard = !res->event[i].sent;
		for (size_t i = 0; i < res->nevent && !r->float_kind; i++)
			if (res->event[i].natt)
				r->float_kind = res->event[i].kind;
		r->harness_forced = cfg.natt_force;
		r->peer_forced = pc.force_encap || s->peer_fakes_nat;
		const struct ike_sa *sa = ike_engine_sa(e);
		if (sa) {
			r->natt_version = sa->natt_version;
			r->nat_local = sa->nat_local;
			r->nat_peer = sa->nat_peer;
			r->natd_rx = sa->natd_rx;
			r->floated = sa->natt_floated;
			r->harness_port = sa->natt_floated ? IKE_NATT_PORT : 500;
			r->peer_port = sa->peer.port;
		}
		bool seen = r->view.unknown || r->view.present;
		r->established = r->harness_ok && res->established && seen &&
				 (p1_only || (r->have_child &&
					      (r->view.unknown || r->view.child.present)));
		r->ms = clock_ms() - t0;
		char lw[300] = "";
		if (peer->ops->calm &&
		    !peer->ops->calm(peer, &pc, CASE_LOOP_LIMIT, &r->attempts, lw, sizeof(lw)))
			r->loops = true;
		if (r->established && s->traffic && !p1_only) {
			case_traffic_check(peer, net, &pc, art, e, t, r, s->measure_ms,
					case_use_xfrm(s->dataplane));
			res = ike_engine_result(e);  /* the engine may have grown */
		}
		if (r->established && s->hold_ms && !p1_only) {
			case_hold_run(peer, net, &pc, art, e, t, s, r);
			res = ike_engine_result(e);
		}
		if (r->loops)
			snprintf(r->why, sizeof(r->why), "%s (limit %d); %s", lw, CASE_LOOP_LIMIT,
				 r->established ? "established" : "not established");
		else if (r->established) {
			struct ike_p1_xform p1c = r->p1;
			struct ike_child cc = r->child;
			struct peer_sa_view vc = r->view;
			if (s->no_life_check) {
				/* each side's lifetime is the case's to judge */
				p1c.life_sec = cc.xf.life_sec = vc.life_sec = vc.child.life_sec = 0;
			}
			if (vc.unknown) {
				r->agree = true;
				snprintf(r->why, sizeof(r->why), "established; the device's own view "
					 "is not known (its profile has no sa_state command)");
			} else {
				r->agree = case_cross_check(&p1c, p1_only ? NULL : &cc, &vc,
							       r->why, sizeof(r->why));
			}
		}
		else
			snprintf(r->why, sizeof(r->why), "not established: harness %s; peer %s",
				 r->harness_ok ? "finished its script"
				 : res->error[0] ? res->error : "did not finish its script in time",
				 !r->view.present ? "has no IKE SA"
				 : !r->view.child.present ? "has no child SA" : "established");
	}
	if (wire) {
		struct live_summary ws;
		live_capture_stop(wire, NULL, 0, &ws);
	}
	if (s->artifacts)
		case_write_artifacts(art, s, e, r);
	ike_engine_free(e);
	transport_free(t);
	ike_config_clear(&cfg);
	return ran;
}

/* ---- smoke cases ---- */

const struct case_smoke case_smokes[] = {
	{ "mm-psk-h2p", true, WIRE_X_MAIN, IKE_AUTH_PSK, NULL },
	{ "mm-psk-p2h", false, WIRE_X_MAIN, IKE_AUTH_PSK, NULL },
	{ "am-psk-h2p", true, WIRE_X_AGGR, IKE_AUTH_PSK, NULL },
	{ "am-psk-p2h", false, WIRE_X_AGGR, IKE_AUTH_PSK, NULL },
	{ "mm-rsa-h2p", true, WIRE_X_MAIN, IKE_AUTH_RSA, NULL },
	{ "mm-rsa-p2h", false, WIRE_X_MAIN, IKE_AUTH_RSA, NULL },
	{ "mismatch-h2p", true, WIRE_X_MAIN, IKE_AUTH_PSK, "3des-sha1-modp1024" },
	{ "mismatch-p2h", false, WIRE_X_MAIN, IKE_AUTH_PSK, "3des-sha1-modp1024" },
};
const size_t case_nsmoke = sizeof(case_smokes) / sizeof(case_smokes[0]);

/* "10.1.0.1/32" from a netaddr */
static void case_host_ts(const struct netaddr *a, char *out, size_t len)
{
	char b[NETADDR_STRLEN];
	struct netaddr x = *a;
	x.port = 0;
	netaddr_str(&x, b, sizeof(b));
	char *colon = strrchr(b, ':');
	if (colon)
		*colon = '\0';
	snprintf(out, len, "%s/%u", b, a->family == AF_INET ? 32 : 128);
}

bool case_env_up(struct case_env *v, const char *dir, const char *prefix, char *err,
		    size_t errlen)
{
	char pkidir[700];
	memset(v, 0, sizeof(*v));
	if ((size_t)snprintf(v->dir, sizeof(v->dir), "%s", dir) >= sizeof(v->dir))
		return case_fail(err, errlen, "%s: path too long", dir);
	snprintf(pkidir, sizeof(pkidir), "%s/pki", dir);
	if (mkdir(pkidir, 0700) != 0 && errno != EEXIST)
		return case_fail(err, errlen, "cannot make %s: %s", pkidir, strerror(errno));
	struct pki_err pe;
	if (!(v->pki = pki_testpki_create(pkidir, NULL, &pe)))
		return case_fail(err, errlen, "test PKI: %s", pe.msg);
	snprintf(v->ca, sizeof(v->ca), "%s/pki/ca-bundle.pem", v->dir);
	FILE *f = fopen(v->ca, "w");
	bool ok = f && PEM_write_X509(f, v->pki->root.cert) && PEM_write_X509(f, v->pki->inter.cert);
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok) {
		case_env_down(v, NULL, 0);
		return case_fail(err, errlen, "cannot write %s", v->ca);
	}
	if (!case_env_topo_up(v, NETNS_TOPO_DIRECT, prefix, err, errlen)) {
		case_env_down(v, NULL, 0);
		return false;
	}
	return true;
}

bool case_env_topo_up(struct case_env *v, enum netns_topology kind, const char *prefix,
			 char *err, size_t errlen)
{
	if (!(v->topo = netns_topo_new(kind, prefix, err, errlen)))
		return false;
	v->net.harness_ns = netns_topo_ns(v->topo, NETNS_ROLE_HARNESS);
	v->net.harness = v->topo->harness_ike;
	v->net.harness_public = v->topo->harness_public;
	v->net.peer = v->topo->peer_ike;
	v->net.peer_public = v->topo->peer_public;
	v->net.topo = v->topo;
	case_host_ts(&v->topo->harness_subnet, v->hts, sizeof(v->hts));
	case_host_ts(&v->topo->peer_subnet, v->pts, sizeof(v->pts));
	v->net.harness_ts = v->hts;
	v->net.peer_ts = v->pts;
	v->net.peer_ns = netns_topo_ns(v->topo, NETNS_ROLE_PEER);
	/* netns names a veth end after the namespace at its other end */
	v->net.harness_if = v->topo->harness_nat ? "eth-nh" : v->topo->peer_nat ? "eth-np" : "eth-p";
	v->net.peer_if = v->topo->peer_nat ? "eth-np" : v->topo->harness_nat ? "eth-nh" : "eth-h";
	return true;
}

bool case_env_remote_up(struct case_env *v, const struct netns_remote *rm,
			   const char *harness_ts, const char *device_ts,
			   const struct case_device *dev, const char *prefix, char *err,
			   size_t errlen)
{
	if (!(v->topo = netns_topo_remote(prefix, rm, err, errlen)))
		return false;
	memset(&v->net, 0, sizeof(v->net));
	v->net.harness_ns = netns_topo_ns(v->topo, NETNS_ROLE_HARNESS);
	v->net.harness = v->topo->harness_ike;
	v->net.harness_public = v->topo->harness_public;
	v->net.peer = v->net.peer_public = v->topo->peer_ike;
	v->net.topo = v->topo;  /* a remap of the harness's own NAT box */
	snprintf(v->hts, sizeof(v->hts), "%s", harness_ts);
	snprintf(v->pts, sizeof(v->pts), "%s", device_ts);
	v->net.harness_ts = v->hts;
	v->net.peer_ts = v->pts;
	v->net.harness_if = rm->nat ? "eth-nh" : NETNS_REMOTE_IF;
	v->net.device = dev;
	return true;
}

bool case_env_down(struct case_env *v, char *err, size_t errlen)
{
	char e[512];
	bool ok = true;
	if (v->topo) {
		ok = netns_topo_teardown(v->topo, e, sizeof(e));
		if (!ok && err)
			snprintf(err, errlen, "%s", e);
		netns_topo_free(v->topo);
		v->topo = NULL;
	}
	pki_testpki_free(v->pki);
	v->pki = NULL;
	return ok;
}

struct case_spec case_smoke_spec(const struct case_smoke *c, const struct case_env *v,
				       bool force_encap)
{
	struct case_spec sp = {
		.name = c->name, .harness_initiates = c->harness_initiates, .exchange = c->exchange,
		.auth = c->auth, .p1 = "aes128-sha256-modp2048", .p2 = "aes128-sha256",
		.peer_p1 = c->peer_p1, .ike_life = 3600, .child_life = 1200,
		.force_encap = force_encap, .pki = v->pki, .ca_file = v->ca,
		/* a refusal needs no retransmissions to show */
		.limit_ms = c->peer_p1 ? 4000 : 10000,
	};
	return sp;
}

static bool case_has(const uint16_t *v, size_t n, uint16_t type)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == type)
			return true;
	return false;
}

bool case_smoke_judge(const struct case_smoke *c, const struct case_result *r,
			 char *why, size_t len)
{
	if (r->loops) {
		snprintf(why, len, "%s", r->why);
		return false;
	}
	if (!c->peer_p1) {
		bool traffic_ok = !r->traffic.ran || r->traffic.ok;
		if (r->established && r->agree && !traffic_ok)
			snprintf(why, len, "established, views agree, but traffic failed: %s",
				 r->traffic.why);
		else if (r->established && r->agree)
			snprintf(why, len, "established, views agree%s%s",
				 r->traffic.ran ? "; traffic: " : "", r->traffic.ran ? r->traffic.why : "");
		else
			snprintf(why, len, "%s", r->why);
		return r->established && r->agree && traffic_ok;
	}
	bool seen = c->harness_initiates
		? case_has(r->notify_rx, r->nnotify_rx, WIRE_N_NO_PROPOSAL_CHOSEN)
		: case_has(r->notify_tx, r->nnotify_tx, WIRE_N_NO_PROPOSAL_CHOSEN);
	if (!r->established && seen) {
		snprintf(why, len, "refused with NO-PROPOSAL-CHOSEN");
		return true;
	}
	snprintf(why, len, "no NO-PROPOSAL-CHOSEN %s (%zu notifies received, %zu sent); %s",
		 c->harness_initiates ? "received" : "sent", r->nnotify_rx, r->nnotify_tx, r->why);
	return false;
}
