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


void case_traffic_check(struct peer *peer, const struct case_net *net,
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
