/* The traffic check: pings and a UDP token both ways through the child
 * SA, both sides' counters, what crossed the wire, and a replayed and a
 * forged packet refused at both ends. */
#include <sys/stat.h>
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
#include "report/keys.h"
#include "report/live.h"

/* How long the peer's view may lag behind the packets it moved. */
#define CASE_VIEW_WAIT_MS 500

/* What the traffic check carries from one step to the next. */
struct case_tcheck {
	struct case_pump p;
	bool udp, xfrm;                /* ESP in UDP; the kernel's data plane */
	uint8_t token[16];             /* in every probe: must never show in clear */
	char hs[64], ps[64];           /* the probes' hosts: harness's, peer's */
	struct case_ping ping[2];      /* from the harness's side, from the peer's */
	struct peer_sa_view v, v2;     /* the peer's, after the probes and after the
					  negative traffic */
	bool have_view, have_view2;
	bool bad_out, bad_in;          /* the negative packets were sent / refused here */
	bool behind_sent, behind_back; /* an echo request after them, its reply */
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

/* Every request of each ping answered, or past hope: the send failed. */
static bool case_traffic_pinged(const struct case_ping *g)
{
	for (unsigned i = 0; g->fd >= 0 && i < g->sent; i++)
		if (!g->reply_us[i] && !g->send_errno[i])
			return false;
	return true;
}

/* CASE_PINGS echo requests each way, back to back, the token in their
 * data; done when every reply is in, or CASE_ECHO_WAIT_MS after the last
 * request. The logs: ping-out.log, ping-in.log. False with err when a
 * socket could not be made. */
static bool case_traffic_pings(struct case_tcheck *tc, const struct case_net *net,
			       const char *art, struct case_traffic *tr, char *err, size_t errlen)
{
	struct case_pump *p = &tc->p;
	uint16_t id = (uint16_t)getpid();
	if (!case_ping_open(&tc->ping[0], net->harness_ns, tc->hs, tc->ps, id, tc->token,
			    sizeof(tc->token), err, errlen) ||
	    (net->peer_ns && !case_ping_open(&tc->ping[1], net->peer_ns, tc->ps, tc->hs, id ^ 0x8000,
					     tc->token, sizeof(tc->token), err, errlen)))
		return false;
	for (int d = 0; d < 2; d++) {
		case_pump_watch(p, tc->ping[d].fd);
		for (int i = 0; tc->ping[d].fd >= 0 && i < CASE_PINGS; i++)
			case_ping_send(&tc->ping[d]);
	}
	uint64_t end = clock_ms() + CASE_ECHO_WAIT_MS;
	for (;;) {
		for (int d = 0; d < 2; d++)
			case_ping_read(&tc->ping[d]);
		uint64_t now = clock_ms();
		if ((case_traffic_pinged(&tc->ping[0]) && case_traffic_pinged(&tc->ping[1])) ||
		    now >= end)
			break;
		case_pump(p, end - now < 20 ? (int)(end - now) : 20);
	}
	case_pump_unwatch(p);
	tr->out_replies = tc->ping[0].replies;
	tr->in_replies = tc->ping[1].fd >= 0 ? tc->ping[1].replies : 0;
	char log[1200];
	snprintf(log, sizeof(log), "%s/ping-out.log", art);
	case_ping_log(&tc->ping[0], log, "harness -> peer through the tunnel");
	if (tc->ping[1].fd >= 0) {
		snprintf(log, sizeof(log), "%s/ping-in.log", art);
		case_ping_log(&tc->ping[1], log, "peer -> harness through the tunnel");
	}
	return true;
}

/* The UDP token both ways, each to an echo socket of ours at the other
 * end, at once; the logs udp-out.log and udp-in.log. False with tr->why
 * naming the first way that failed. */
static bool case_traffic_tokens(struct case_tcheck *tc, const struct case_net *net,
				const char *art, struct case_traffic *tr)
{
	enum { PORT_OUT = 7777, PORT_IN = 7778 };
	struct case_pump *p = &tc->p;
	struct case_token k[2];
	char err[300];
	k[1].tx = k[1].echo = -1;
	if (!case_token_open(&k[0], net->harness_ns, tc->hs, net->peer_ns, tc->ps, PORT_OUT,
			     tc->token, sizeof(tc->token), err, sizeof(err)) ||
	    !case_token_open(&k[1], net->peer_ns, tc->ps, net->harness_ns, tc->hs, PORT_IN,
			     tc->token, sizeof(tc->token), err, sizeof(err))) {
		snprintf(tr->why, sizeof(tr->why), "UDP token: %s", err);
		case_token_close(&k[0]);
		return false;
	}
	for (int d = 0; d < 2; d++) {
		case_pump_watch(p, k[d].tx);
		case_pump_watch(p, k[d].echo);
	}
	uint64_t end = clock_ms() + CASE_TOKEN_WAIT_MS;
	for (;;) {
		case_token_run(&k[0]);
		case_token_run(&k[1]);
		uint64_t now = clock_ms();
		if ((case_token_done(&k[0]) && case_token_done(&k[1])) || now >= end)
			break;
		case_pump(p, end - now < 20 ? (int)(end - now) : 20);
	}
	case_pump_unwatch(p);
	tr->udp_out = k[0].back;
	tr->udp_in = k[1].back;
	static const char *const logs[2] = { "udp-out.log", "udp-in.log" };
	char log[1200], why[120];
	for (int d = 0; d < 2; d++) {
		snprintf(log, sizeof(log), "%s/%s", art, logs[d]);
		case_token_log(&k[d], log);
	}
	for (int d = 0; d < 2 && !tr->why[0]; d++) {
		case_token_why(&k[d], why, sizeof(why));
		if (!k[d].back)
			snprintf(tr->why, sizeof(tr->why), "UDP token %s -> %s: %s (see %s)", k[d].from,
				 k[d].to_s, why, logs[d]);
	}
	case_token_close(&k[0]);
	case_token_close(&k[1]);
	return tr->udp_out && tr->udp_in;
}

/* Pings both ways, then the UDP token both ways; false with err at the
 * first that failed. */
static bool case_traffic_probes(struct case_tcheck *tc, const struct case_net *net,
				const char *art, struct case_traffic *tr, char *err, size_t errlen)
{
	ike_random(tc->token, sizeof(tc->token));
	case_probe_hosts(net, tc->hs, tc->ps);
	uint64_t t0 = clock_ms();
	bool ok = case_traffic_pings(tc, net, art, tr, err, errlen);
	/* the tokens only through a tunnel the pings have shown to work, so a
	   failure names the first thing that broke */
	if (ok && net->peer_ns && tr->out_replies == CASE_PINGS && tr->in_replies == CASE_PINGS &&
	    !case_traffic_tokens(tc, net, art, tr)) {
		ok = false;
		snprintf(err, errlen, "%.*s", (int)errlen - 1, tr->why);
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
	/* every frame counted crossed the link before its answer came back:
	   read what the captures hold, not a time */
	case_pump_settle(p, 50);
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
	if (p->u) {
		esp_user_counters(p->u, 0, &tr->in, &tr->out);
		tr->expired = esp_user_expired(p->u);
	} else if (!esp_xfrm_counters(p->x, 0, &tr->in, &tr->out, cerr, sizeof(cerr))) {
		log_warn("case %s: kernel counters: %s", pc->name, cerr);
	}
}

/* The peer's view with its child, read again while it counts fewer than
 * in_want packets in and out_want out (a peer may write its counters a
 * moment after it moved the packet: the self peer's state file), at most
 * CASE_VIEW_WAIT_MS. A view without counters is taken as it is. */
static bool case_traffic_view(struct case_tcheck *tc, struct peer *peer,
			      const struct peer_case *pc, uint64_t in_want, uint64_t out_want,
			      struct peer_sa_view *v)
{
	uint64_t end = clock_ms() + CASE_VIEW_WAIT_MS;
	char verr[200];
	for (;;) {
		bool have = peer->ops->view(peer, pc, v, verr, sizeof(verr)) && v->child.present;
		if ((have && (v->child.counters_unknown || (v->child.packets_in >= in_want &&
							    v->child.packets_out >= out_want))) ||
		    (!have && v->unknown) || clock_ms() >= end)
			return have;
		case_pump(&tc->p, CASE_POLL_MS);
	}
}

/* An echo request behind the negative packets: its reply says the peer
 * has dealt with them (it takes a child's packets in order), so its view
 * can be read at once; the line in ping-out.log. */
static void case_traffic_behind(struct case_tcheck *tc, const char *art)
{
	struct case_pump *p = &tc->p;
	struct case_ping *g = &tc->ping[0];
	unsigned seq = g->sent + 1;
	if (!(tc->behind_sent = case_ping_send(g)))
		return;
	case_pump_watch(p, g->fd);
	uint64_t end = clock_ms() + CASE_ECHO_WAIT_MS;
	while (!(tc->behind_back = case_ping_answered(g, seq)) && clock_ms() < end) {
		case_pump(p, 20);
		case_ping_read(g);
	}
	case_pump_unwatch(p);
	char log[1200];
	snprintf(log, sizeof(log), "%s/ping-out.log", art);
	FILE *f = fopen(log, "a");
	if (!f)
		return;
	if (tc->behind_back)
		fprintf(f, "after a replayed and a forged ESP packet: icmp_seq=%u, reply in %.3f ms\n",
			seq, (double)(g->reply_us[seq - 1] - g->sent_us[seq - 1]) / 1000.0);
	else
		fprintf(f, "after a replayed and a forged ESP packet: icmp_seq=%u, no reply in %d ms\n",
			seq, CASE_ECHO_WAIT_MS);
	fclose(f);
}

/* Then what must not get through: our last packet again, a fresh one with
 * a broken ICV (the peer's count must not move but for the echo request
 * behind them), and the same two at our end (our drop counters must);
 * the peer's view before and after. */
static void case_traffic_negative(struct case_tcheck *tc, struct peer *peer,
				  const struct peer_case *pc, const char *art,
				  struct case_traffic *tr)
{
	struct case_pump *p = &tc->p;
	tc->have_view = case_traffic_view(tc, peer, pc, tr->out.packets, tr->in.packets, &tc->v);
	/* (the kernel's data plane takes no hand-made packets from us) */
	tc->bad_out = !p->u || (esp_user_bad(p->u, 0, ESP_USER_REPLAY_OUT) &&
				esp_user_bad(p->u, 0, ESP_USER_FORGE_OUT));
	tc->bad_in = !p->u || (esp_user_bad(p->u, 0, ESP_USER_REPLAY_IN) &&
			       esp_user_bad(p->u, 0, ESP_USER_FORGE_IN));
	if (p->u && tc->bad_out)
		case_traffic_behind(tc, art);
	tc->in2 = tr->in;
	tc->out2 = tr->out;
	if (p->u) {
		esp_user_counters(p->u, 0, &tc->in2, &tc->out2);
		tr->expired = esp_user_expired(p->u);
	}
	tc->have_view2 = case_traffic_view(tc, peer, pc, tc->v.child.packets_in + tc->behind_back,
					   tc->v.child.packets_out + tc->behind_back, &tc->v2);
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
	if (net->peer_ns)
		want += 4;  /* a token and its echo, each way */
	/* at least what the probes made (a token may go again while the first
	   is on its way); both sides must agree exactly below */
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
	if (tc->behind_sent && !tc->behind_back) {
		snprintf(tr->why, sizeof(tr->why), "after a replayed and a forged packet the tunnel "
			 "carried no more: no reply to the echo request sent behind them in %d ms "
			 "(the peer's inbound count went from %" PRIu64 " to %" PRIu64 ")",
			 CASE_ECHO_WAIT_MS, tc->v.child.packets_in, tc->v2.child.packets_in);
		return false;
	}
	if (!blind && tc->v2.child.packets_in != tc->v.child.packets_in + tc->behind_back) {
		snprintf(tr->why, sizeof(tr->why), "the peer accepted a replayed or forged packet: "
			 "its inbound count went from %" PRIu64 " to %" PRIu64 "%s", tc->v.child.packets_in,
			 tc->v2.child.packets_in, tc->behind_back ? " (one more: the echo request sent "
			 "behind them)" : "");
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
		 tr->out_replies, tr->in_replies, net->peer_ns ? "UDP token both ways, " : "",
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
	struct case_tcheck tc = { .p = { e, t, NULL, NULL, NULL, { NULL, NULL }, { 0 }, 0 },
				  .ping = { { .fd = -1 }, { .fd = -1 } } };
	tc.udp = ike_encap_is_udp(res->child[0].xf.encap);
	tc.xfrm = tr->kernel = xfrm;
	if (!case_traffic_dataplane(&tc, net, res, sa, t, tr) ||
	    !case_traffic_captures(&tc, net, art, tr))
		return;
	bool ok = case_traffic_probes(&tc, net, art, tr, err, sizeof(err));
	case_traffic_evidence(&tc, pc, art, sa, tr);
	/* (a failed probe is the verdict: nothing after it would be read) */
	bool replied = tr->out_replies == CASE_PINGS &&
		       (!net->peer_ns || tr->in_replies == CASE_PINGS);
	if (ok && replied)
		case_traffic_negative(&tc, peer, pc, art, tr);
	case_ping_close(&tc.ping[0]);
	case_ping_close(&tc.ping[1]);
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
