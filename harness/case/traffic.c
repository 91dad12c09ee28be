/* The traffic check: pings and a UDP token both ways through the child
 * SA, both sides' counters, what crossed the wire, and a replayed and a
 * forged packet refused at both ends. */
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case/internal.h"
#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"
#include "esp/user.h"
#include "esp/xfrm.h"
#include "netns/netns.h"
#include "report/keys.h"
#include "report/live.h"

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


/* What the traffic check carries from one step to the next. */
struct case_tcheck {
	struct case_pump p;
	bool udp, xfrm;                /* ESP in UDP; the kernel's data plane */
	uint8_t token[16];             /* in every probe: must never show in clear */
	char token_hex[33];
	char hs[64], ps[64];           /* the probes' hosts: harness's, peer's */
	struct peer_sa_view v, v2;     /* the peer's, after the probes and after the
					  negative traffic */
	bool have_view, have_view2;
	bool bad_out, bad_in;          /* the negative packets were sent / refused here */
	struct esp_counters in2, out2; /* ours after the negative traffic */
};

/* The harness's data plane for the first child; false with tr->why. */
static bool case_traffic_dataplane(struct case_tcheck *tc, const struct case_net *net,
				   const struct ike_result *res, struct ike_sa *sa,
				   struct transport *t, struct case_traffic *tr)
{
	char err[400];
	if (tc->xfrm && tc->udp) {
		/* the kernel would need our NAT-T socket switched to UDP_ENCAP */
		snprintf(tr->why, sizeof(tr->why), "the kernel data plane does not take "
			 "UDP-encapsulated children from the harness yet");
		return false;
	}
	/* the kernel needs a route to the remote selector before its policy
	   can catch the packets: over the link to the peer */
	struct case_pump *p = &tc->p;
	bool dp_ok = tc->xfrm
		? (p->x = esp_xfrm_new(net->harness_ns, err, sizeof(err))) &&
		  esp_xfrm_add_child(p->x, &res->child[0], &sa->local, &sa->peer, err, sizeof(err)) &&
		  (!net->harness_if || netns_route_add(net->harness_ns, net->peer_ts, net->harness_if,
						       NULL, err, sizeof(err)))
		: (p->u = esp_user_new(net->harness_ns, "ikec0", t, err, sizeof(err))) &&
		  esp_user_add_child(p->u, &res->child[0], &sa->peer, err, sizeof(err));
	if (!dp_ok) {
		snprintf(tr->why, sizeof(tr->why), "data plane: %s", err);
		esp_user_free(p->u);
		esp_xfrm_free(p->x);
		return false;
	}
	return true;
}

/* The link as the harness sees it, in traffic.pcap, and what each end
 * sends, for the wire check: only IKE and ESP may cross it. False with
 * tr->why, the data plane freed. */
static bool case_traffic_captures(struct case_tcheck *tc, const struct case_net *net,
				  const char *art, struct case_traffic *tr)
{
	char err[400], log[1200];
	struct case_pump *p = &tc->p;
	snprintf(log, sizeof(log), "%s/traffic.pcap", art);
	if (net->harness_if &&
	    (!(p->cap = live_capture_start(net->harness_ns, net->harness_if, log, false, err,
					   sizeof(err))) ||
	     /* without the peer's end to watch, ours both ways */
	     !(p->wire[0] = live_capture_start(net->harness_ns, net->harness_if, NULL,
					       net->peer_if != NULL, err, sizeof(err))) ||
	     (net->peer_if && net->peer_ns &&
	      !(p->wire[1] = live_capture_start(net->peer_ns, net->peer_if, NULL, true, err,
						sizeof(err)))))) {
		snprintf(tr->why, sizeof(tr->why), "%s", err);
		struct live_summary junk;
		live_capture_stop(p->cap, NULL, 0, &junk);
		live_capture_stop(p->wire[0], NULL, 0, &junk);
		esp_user_free(p->u);
		esp_xfrm_free(p->x);
		return false;
	}
	return true;
}

/* Pings both ways, then the UDP token both ways; false with err at the
 * first that failed. */
static bool case_traffic_probes(struct case_tcheck *tc, const struct case_net *net,
				const char *art, struct case_traffic *tr, char *err, size_t errlen)
{
	char log[1200];
	ike_random(tc->token, sizeof(tc->token));
	hex_encode(tc->token, sizeof(tc->token), tc->token_hex);
	case_probe_hosts(net, tc->hs, tc->ps);
	uint64_t t0 = clock_ms();
	snprintf(log, sizeof(log), "%s/ping-out.log", art);
	bool ok = case_ping(&tc->p, net->harness_ns, tc->hs, tc->ps, tc->token_hex, log,
			    &tr->out_replies, err, errlen);
	snprintf(log, sizeof(log), "%s/ping-in.log", art);
	ok = ok && (!net->peer_ns || case_ping(&tc->p, net->peer_ns, tc->ps, tc->hs, tc->token_hex,
					       log, &tr->in_replies, err, errlen));
	/* the tokens only through a tunnel the pings have shown to work, so a
	   failure names the first thing that broke */
	if (ok && net->probe_bin && net->peer_ns && tr->out_replies == CASE_PINGS &&
	    tr->in_replies == CASE_PINGS) {
		case_udp_probes(&tc->p, net, tc->hs, tc->ps, tc->token, sizeof(tc->token),
				tc->token_hex, art, tr);
		if (!tr->udp_out || !tr->udp_in) {
			ok = false;
			snprintf(err, errlen, "%.*s", (int)errlen - 1, tr->why);
		}
	}
	tr->ms = clock_ms() - t0;
	return ok;
}

/* The evidence once the probes are done: Wireshark's tables beside the
 * capture, what each end sent on the wire (summed), our counters. */
static void case_traffic_evidence(struct case_tcheck *tc, const struct peer_case *pc,
				  const char *art, struct ike_sa *sa, struct case_traffic *tr)
{
	struct case_pump *p = &tc->p;
	case_pump(p, 50);  /* the last frames into the capture */
	/* Wireshark's tables beside the capture, so its ESP reads in clear */
	char ws[1200], kerr[300];
	snprintf(ws, sizeof(ws), "%s/wireshark", art);
	struct ike_sa *sas[1] = { sa };
	if ((mkdir(ws, 0755) != 0 && errno != EEXIST) ||
	    !keytab_write_dir(ws, sas, 1, kerr, sizeof(kerr)))
		log_warn("case %s: key tables in %s: %s", pc->name, ws, errno ? strerror(errno) : kerr);
	tr->captured = p->wire[0] != NULL;
	struct live_summary ws2[2], all;
	live_capture_stop(p->cap, NULL, 0, &all);
	live_capture_stop(p->wire[0], tc->token, sizeof(tc->token), &ws2[0]);
	live_capture_stop(p->wire[1], tc->token, sizeof(tc->token), &ws2[1]);
	p->cap = p->wire[0] = p->wire[1] = NULL;
	tr->wire.frames = ws2[0].frames + ws2[1].frames;
	tr->wire.ike = ws2[0].ike + ws2[1].ike;
	tr->wire.esp_udp = ws2[0].esp_udp + ws2[1].esp_udp;
	tr->wire.esp_raw = ws2[0].esp_raw + ws2[1].esp_raw;
	tr->wire.keepalive = ws2[0].keepalive + ws2[1].keepalive;
	tr->wire.other = ws2[0].other + ws2[1].other;
	tr->wire.not_ip = ws2[0].not_ip + ws2[1].not_ip;
	tr->wire.secret_seen = ws2[0].secret_seen + ws2[1].secret_seen;
	char cerr[300] = "";
	if (p->u)
		esp_user_counters(p->u, 0, &tr->in, &tr->out);
	else if (!esp_xfrm_counters(p->x, 0, &tr->in, &tr->out, cerr, sizeof(cerr)))
		log_warn("case %s: kernel counters: %s", pc->name, cerr);
}

/* Then what must not get through: our last packet again, a fresh one with
 * a broken ICV (the peer's count must not move), and the same two at our
 * end (our drop counters must); the peer's view before and after. */
static void case_traffic_negative(struct case_tcheck *tc, struct peer *peer,
				  const struct peer_case *pc, struct case_traffic *tr)
{
	struct case_pump *p = &tc->p;
	char verr[200];
	tc->have_view = peer->ops->view(peer, pc, &tc->v, verr, sizeof(verr)) &&
			tc->v.child.present;
	/* (the kernel's data plane takes no hand-made packets from us) */
	tc->bad_out = !p->u || (esp_user_bad(p->u, 0, ESP_USER_REPLAY_OUT) &&
				esp_user_bad(p->u, 0, ESP_USER_FORGE_OUT));
	tc->bad_in = !p->u || (esp_user_bad(p->u, 0, ESP_USER_REPLAY_IN) &&
			       esp_user_bad(p->u, 0, ESP_USER_FORGE_IN));
	for (int k = 0; k < 5; k++)
		case_pump(p, 20);
	tc->in2 = tr->in;
	tc->out2 = tr->out;
	if (p->u) {
		esp_user_counters(p->u, 0, &tc->in2, &tc->out2);
		tr->expired = esp_user_expired(p->u);
	}
	tc->have_view2 = peer->ops->view(peer, pc, &tc->v2, verr, sizeof(verr)) &&
			 tc->v2.child.present;
}

/* Every echo and every reply crossed the tunnel once each way, and the
 * peer's view is there to compare with (or blind: a device without
 * counters). False with tr->why. */
static bool case_traffic_counted(const struct case_tcheck *tc, const struct case_net *net,
				 struct case_traffic *tr, bool *blind)
{
	uint64_t want = 2u * CASE_PINGS * (net->peer_ns ? 2u : 1u);
	if (tr->out_replies != CASE_PINGS || (net->peer_ns && tr->in_replies != CASE_PINGS)) {
		snprintf(tr->why, sizeof(tr->why), "ping replies: harness -> peer %u of %d, peer -> "
			 "harness %u of %d (ESP in %" PRIu64 " out %" PRIu64 " packets, drops %" PRIu64
			 " ICV %" PRIu64 " replay)", tr->out_replies, CASE_PINGS, tr->in_replies,
			 CASE_PINGS, tr->in.packets, tr->out.packets, tr->in.drops[ESP_DROP_ICV],
			 tr->in.drops[ESP_DROP_REPLAY]);
		return false;
	}
	if (net->probe_bin)
		want += 4;  /* a token and its echo, each way */
	/* at least what the probes made (a UDP probe may send its token again
	   while the first is on its way); both sides must agree exactly below */
	if (tr->in.packets + tr->out.packets < want) {
		snprintf(tr->why, sizeof(tr->why), "the harness counted %" PRIu64 " in + %" PRIu64
			 " out ESP packets, the probes made at least %" PRIu64, tr->in.packets,
			 tr->out.packets, want);
		return false;
	}
	/* a device that cannot show its counters: ours and the pings decide */
	*blind = (!tc->have_view && tc->v.unknown) ||
		 (tc->have_view && tc->v.child.counters_unknown);
	if (!tc->have_view && !*blind) {
		snprintf(tr->why, sizeof(tr->why), "no view of the peer's child SA after the probes");
		return false;
	}
	return true;
}

/* Only IKE and ESP of the child's kind on the wire, the token never in
 * clear, and both sides counting the same packets. False with tr->why. */
static bool case_traffic_wire(const struct case_tcheck *tc, struct case_traffic *tr,
			      bool blind)
{
	size_t esp_frames = tc->udp ? tr->wire.esp_udp : tr->wire.esp_raw;
	if (tr->captured && (tr->wire.secret_seen || tr->wire.other ||
			     esp_frames < tr->in.packets + tr->out.packets ||
			     (tc->udp ? tr->wire.esp_raw : tr->wire.esp_udp))) {
		snprintf(tr->why, sizeof(tr->why), "on the wire: the token in clear in %zu frames, %zu "
			 "frames neither IKE nor ESP, %zu ESP-in-UDP and %zu raw ESP frames for %" PRIu64
			 " %s ESP packets", tr->wire.secret_seen, tr->wire.other, tr->wire.esp_udp,
			 tr->wire.esp_raw, tr->in.packets + tr->out.packets,
			 tc->udp ? "UDP-encapsulated" : "raw");
		return false;
	}
	if (!blind && (tc->v.child.packets_in != tr->out.packets ||
		       tc->v.child.packets_out != tr->in.packets)) {
		snprintf(tr->why, sizeof(tr->why), "counters differ: harness out %" PRIu64 " in %"
			 PRIu64 " packets, peer in %" PRIu64 " out %" PRIu64, tr->out.packets,
			 tr->in.packets, tc->v.child.packets_in, tc->v.child.packets_out);
		return false;
	}
	return true;
}

/* The replayed and forged packets refused at both ends. False with tr->why. */
static bool case_traffic_refused(const struct case_tcheck *tc, struct case_traffic *tr,
				 bool blind)
{
	if (!tc->bad_out || !tc->bad_in || (!tc->have_view2 && !blind)) {
		snprintf(tr->why, sizeof(tr->why), "negative traffic could not be %s",
			 !tc->bad_out ? "sent" : !tc->bad_in ? "refused at our end (a forged packet got in)"
			 : "checked (no view of the peer)");
		return false;
	}
	if (!blind && tc->v2.child.packets_in != tc->v.child.packets_in) {
		snprintf(tr->why, sizeof(tr->why), "the peer accepted a replayed or forged packet: "
			 "its inbound count went from %" PRIu64 " to %" PRIu64, tc->v.child.packets_in,
			 tc->v2.child.packets_in);
		return false;
	}
	if (!tc->xfrm && (tc->in2.drops[ESP_DROP_REPLAY] != tr->in.drops[ESP_DROP_REPLAY] + 1 ||
			  tc->in2.drops[ESP_DROP_ICV] != tr->in.drops[ESP_DROP_ICV] + 1)) {
		snprintf(tr->why, sizeof(tr->why), "our drops: replay %" PRIu64 " -> %" PRIu64
			 ", ICV %" PRIu64 " -> %" PRIu64 ", want one more of each",
			 tr->in.drops[ESP_DROP_REPLAY], tc->in2.drops[ESP_DROP_REPLAY],
			 tr->in.drops[ESP_DROP_ICV], tc->in2.drops[ESP_DROP_ICV]);
		return false;
	}
	return true;
}

/* The verdict's text when every check passed. */
static void case_traffic_passed(const struct case_tcheck *tc, const struct case_net *net,
				struct case_traffic *tr, bool blind)
{
	size_t esp_frames = tc->udp ? tr->wire.esp_udp : tr->wire.esp_raw;
	tr->bad_ok = !tc->xfrm;
	tr->ok = true;
	snprintf(tr->why, sizeof(tr->why), "%u+%u ping replies, %s%" PRIu64 "/%" PRIu64
		 " ESP packets counted%s, %zu %s frames on the wire and "
		 "the token never in clear%s",
		 tr->out_replies, tr->in_replies, net->probe_bin ? "UDP token both ways, " : "",
		 tr->out.packets,
		 tr->in.packets, blind ? "" : " alike on both sides", esp_frames,
		 tc->udp ? "ESP-in-UDP" : "raw ESP",
		 tc->xfrm ? " (kernel data plane)"
		 : blind ? "; a replay and a forged ICV dropped at our end (the device's counters "
			   "are not known)"
		 : "; a replay and a forged ICV dropped at both ends");
}

void case_traffic_check(struct peer *peer, const struct case_net *net,
			const struct peer_case *pc, const char *art, struct ike_engine *e,
			struct transport *t, struct case_result *r, uint32_t measure_ms, bool xfrm)
{
	struct case_traffic *tr = &r->traffic;
	const struct ike_result *res = ike_engine_result(e);
	struct ike_sa *sa = ike_engine_sa(e);
	char err[400];
	tr->ran = true;
	if (!res->nchild || !sa) {
		snprintf(tr->why, sizeof(tr->why), "no child SA to send through");
		return;
	}
	struct case_tcheck tc = { .p = { e, t, NULL, NULL, NULL, { NULL, NULL } } };
	tc.udp = ike_encap_is_udp(res->child[0].xf.encap);
	tc.xfrm = tr->kernel = xfrm;
	if (!case_traffic_dataplane(&tc, net, res, sa, t, tr) ||
	    !case_traffic_captures(&tc, net, art, tr))
		return;
	bool ok = case_traffic_probes(&tc, net, art, tr, err, sizeof(err));
	case_traffic_evidence(&tc, pc, art, sa, tr);
	case_traffic_negative(&tc, peer, pc, tr);
	if (ok && measure_ms) {
		char merr[300], log[1200];
		snprintf(log, sizeof(log), "%s/measure-ping.log", art);
		if (!case_measure(net->harness_ns, tc.hs, tc.ps, measure_ms, case_pump_cb, &tc.p, peer,
				  pc, log, &tr->m, merr, sizeof(merr)))
			log_warn("case %s: measurement: %s", pc->name, merr);
	}
	esp_user_free(tc.p.u);
	esp_xfrm_free(tc.p.x);
	if (!ok) {
		snprintf(tr->why, sizeof(tr->why), "%s", err);
		return;
	}
	bool blind = false;
	if (case_traffic_counted(&tc, net, tr, &blind) && case_traffic_wire(&tc, tr, blind) &&
	    case_traffic_refused(&tc, tr, blind))
		case_traffic_passed(&tc, net, tr, blind);
}
