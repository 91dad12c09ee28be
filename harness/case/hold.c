/* Holding the SA after the checks (case_spec.hold_ms): a steady ping
 * across a rekey, a quiet link for the NAT keepalives, or a NAT remap
 * followed by a DPD from the new mapping; then what became of the child
 * that was live when the hold began. */
#include <signal.h>
#include <sys/wait.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case/internal.h"
#include "core/clock.h"
#include "core/log.h"
#include "esp/keepalive.h"
#include "esp/user.h"
#include "netns/netns.h"
#include "report/live.h"

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
void case_rekey_peer(const struct case_spec *s, struct peer_case *pc)
{
	pc->rekey_margin_ms = !s->harness_initiates ? case_rekey_margin(s) : 0;
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

/* What the hold carries from one step to the next. */
struct case_hstate {
	struct case_pump p;
	struct peer *peer;
	const struct case_net *net;
	const struct peer_case *pc;
	const struct case_spec *s;
	const char *art;
	struct ike_sa *sa;
	uint8_t old[4];                /* the held child: inbound SPI, message ID */
	uint32_t old_msgid;
	char log[1200];                /* ping-hold.log */
	bool quiet;                    /* no ping: a hold for keepalives alone */
	struct live_capture *kcap;     /* the harness's link: the keepalives */
	struct natt_keepalive ka;      /* ours */
	uint64_t t0, ping_t0;
	uint64_t remap_at, remap_ms;   /* when the remap is due, when it happened */
	uint64_t gone_out;             /* old child's sealed count when it died */
	bool snapped;                  /* the peer's view just after the rekey */
	pid_t pid;                     /* the ping */
};

/* The engine serves the peer's exchanges, the data plane follows it, and
 * the child that is live now is the one held. False with rk->why. */
static bool case_hold_start(struct case_hstate *h, const struct case_result *r,
			    struct case_hold *rk)
{
	char err[400];
	struct ike_engine *e = h->p.e;
	if (h->s->harness_initiates)
		ike_engine_set_rekey_margin(e, case_rekey_margin(h->s));
	ike_engine_set_serve(e, true);  /* the peer's Quick Modes get answers */
	if (!(h->p.u = esp_user_new(h->net->harness_ns, "ikec0", h->p.t, err, sizeof(err)))) {
		snprintf(rk->why, sizeof(rk->why), "data plane: %.300s", err);
		return false;
	}
	case_dp_sync(&h->p);
	const struct ike_result *res = ike_engine_result(e);
	long oi = case_live_child(res);
	if (oi < 0) {
		snprintf(rk->why, sizeof(rk->why), "no live child SA to hold");
		esp_user_free(h->p.u);
		return false;
	}
	/* the traffic check's data plane is gone, the peer's replay window
	   is not: go on past every number it sealed (and the forged one) */
	if (r->traffic.ran && r->have_child && !memcmp(r->child.spi_in, res->child[oi].spi_in, 4) &&
	    !esp_user_resume(h->p.u, res->child[oi].spi_in,
			     (uint32_t)r->traffic.out.packets + CASE_SEQ_SLACK))
		log_warn("case %s: cannot resume the child's sequence numbers", h->s->name);
	memcpy(h->old, res->child[oi].spi_in, 4);
	h->old_msgid = res->child[oi].msgid;
	rk->old_spi_in = case_spi32(h->old);
	return true;
}

/* The probe (one echo every CASE_HOLD_PING_MS for the whole hold), the
 * link's capture, our keepalives and the remap's time. False with
 * rk->why, everything freed. */
static bool case_hold_probe(struct case_hstate *h, struct case_hold *rk)
{
	const struct case_spec *s = h->s;
	const struct case_net *net = h->net;
	char err[400], hs[64], ps[64], count[16], interval[16];
	case_probe_hosts(net, hs, ps);
	snprintf(count, sizeof(count), "%u", s->hold_ms / CASE_HOLD_PING_MS);
	snprintf(interval, sizeof(interval), "%.3f", CASE_HOLD_PING_MS / 1000.0);
	snprintf(h->log, sizeof(h->log), "%s/ping-hold.log", h->art);
	char *const argv[] = { "ping", "-n", "-c", count, "-i", interval, "-W", "2", "-I", hs, ps,
			       NULL };
	/* a hold for keepalives alone stays quiet: implementations send them
	   only when nothing else went out for an interval */
	h->quiet = !s->rekey && !s->remap_box;
	if (net->harness_if &&
	    !(h->kcap = live_capture_start(net->harness_ns, net->harness_if, NULL, false, err,
					   sizeof(err))))
		log_warn("case %s: no keepalive capture: %s", s->name, err);
	/* ours: only from behind a NAT (RFC 3948 2.3), not for a claimed one */
	struct ike_sa *sa = h->sa;
	bool ka_on = s->keepalive_ms && sa && sa->natt_floated && sa->nat_local;
	natt_keepalive_init(&h->ka, ka_on ? s->keepalive_ms : 0, sa ? &sa->peer : NULL);
	struct peer_sa_view pv;
	char pverr[200];
	if (s->remap_box && h->peer->ops->view(h->peer, h->pc, &pv, pverr, sizeof(pverr)))
		rk->peer_port_before = pv.remote_port;
	h->remap_at = s->remap_box ? h->t0 + s->hold_ms / 2 : UINT64_MAX;
	h->ping_t0 = clock_ms();
	if (!h->quiet && !netns_spawn(net->harness_ns, argv, h->log, &h->pid, err, sizeof(err))) {
		snprintf(rk->why, sizeof(rk->why), "ping: %.300s", err);
		struct live_summary junk;
		live_capture_stop(h->kcap, NULL, 0, &junk);
		esp_user_free(h->p.u);
		return false;
	}
	return true;
}

/* The NAT forgets us; an authenticated message from the new mapping
 * tells the peer where we are now (RFC 3947 7). */
static void case_hold_remap(struct case_hstate *h, struct case_hold *rk)
{
	char err[400];
	const struct case_spec *s = h->s;
	h->remap_at = UINT64_MAX;
	h->remap_ms = clock_ms();
	if (!h->net->topo || !netns_topo_remap(h->net->topo, (enum netns_role)s->remap_box, err,
					       sizeof(err)))
		log_warn("case %s: remap: %s", s->name, h->net->topo ? err : "no topology");
	else
		rk->remapped = true;
	if (!ike_engine_send_dpd(h->p.e, clock_ms()))
		log_warn("case %s: no DPD after the remap", s->name);
}

/* One turn of the hold: packets, the capture, keepalives, the remap when
 * due, and the moment the old child dies (the peer's view then). */
static void case_hold_tick(struct case_hstate *h, struct case_hold *rk)
{
	case_pump(&h->p, 20);
	if (h->kcap)
		live_capture_poll(h->kcap);
	if (h->sa) {
		natt_keepalive_set_peer(&h->ka, &h->sa->peer);  /* it follows a remap */
		natt_keepalive_run(&h->ka, h->p.t, clock_ms());
	}
	if (clock_ms() >= h->remap_at)
		case_hold_remap(h, rk);
	bool live = true;
	struct esp_counters in, out;
	if (h->gone_out == UINT64_MAX && esp_user_child_state(h->p.u, h->old, &live) && !live &&
	    esp_user_counters_by_spi(h->p.u, h->old, &in, &out))
		h->gone_out = out.packets;
	if (!h->snapped && h->gone_out != UINT64_MAX) {
		char vpath[1200];
		h->snapped = true;
		snprintf(vpath, sizeof(vpath), "%s/peer-view-rekey.txt", h->art);
		case_hold_view(h->peer, h->pc, vpath);
	}
}

/* Until the ping ends (or the quiet hold's time is up). */
static void case_hold_wait(struct case_hstate *h, struct case_hold *rk)
{
	uint64_t limit = h->t0 + h->s->hold_ms + 5000;
	int st = 0;
	if (h->quiet)
		limit = h->t0 + h->s->hold_ms;
	while (h->quiet ? clock_ms() < limit : waitpid(h->pid, &st, WNOHANG) == 0) {
		if (!h->quiet && clock_ms() > limit) {
			kill(h->pid, SIGKILL);
			waitpid(h->pid, &st, 0);
			break;
		}
		case_hold_tick(h, rk);
	}
	for (int k = 0; k < 5; k++)
		case_pump(&h->p, 20);
}

/* The echoes answered, by sequence number: after a remap only those sent
 * a second after it must all come back. */
static void case_hold_pings(const struct case_hstate *h, struct case_hold *rk)
{
	unsigned first_after = h->remap_ms ? (unsigned)((h->remap_ms + 1000 - h->ping_t0) /
							CASE_HOLD_PING_MS) + 1 : 0;
	unsigned replied_after = 0;
	FILE *f = fopen(h->log, "r");
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
}

/* What became of the held child and its successor (*nc, NULL when none):
 * Delete, timing, packets on each, drops, the DPD after a remap. */
static void case_hold_children(const struct case_hstate *h, struct case_hold *rk,
			       const struct ike_child **ocp, const struct ike_child **ncp)
{
	const struct ike_result *res = ike_engine_result(h->p.e);
	rk->children = (unsigned)res->nchild;
	rk->rekeyed_by_us = res->rekeys > 0;
	const struct ike_child *oc = NULL, *nc = NULL;
	for (size_t i = 0; i < res->nchild; i++)
		if (!memcmp(res->child[i].spi_in, h->old, 4) && res->child[i].msgid == h->old_msgid)
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
		if (esp_user_counters_by_spi(h->p.u, nc->spi_in, &ni, &no)) {
			rk->new_in = ni.packets;
			rk->new_out = no.packets;
		}
		rk->new_before_expiry = nc->up_ms < oc->expires_ms;
		rk->lead_ms = rk->new_before_expiry ? oc->expires_ms - nc->up_ms : 0;
	}
	struct esp_counters in, out;
	if (h->gone_out != UINT64_MAX && esp_user_counters_by_spi(h->p.u, h->old, &in, &out))
		rk->old_out_after = out.packets - h->gone_out;
	rk->expired_drops = esp_user_expired(h->p.u);
	rk->retired_drops = esp_user_retired(h->p.u);
	for (size_t i = 0; h->remap_ms && i < res->nevent; i++)
		if (!res->event[i].sent && res->event[i].kind == IKE_K_DPD_ACK &&
		    res->event[i].time_ms >= h->remap_ms)
			rk->dpd_acked = true;
	*ocp = oc;
	*ncp = nc;
}

/* The peer's side of it: its view of our port after a remap, its text
 * for the report, and whether it moved to the successor (or to the
 * successor's own successor when the hold saw two rekeys). */
static void case_hold_peer(const struct case_hstate *h, struct case_hold *rk,
			   const struct ike_child *oc, const struct ike_child *nc)
{
	const struct ike_result *res = ike_engine_result(h->p.e);
	struct peer_sa_view v;
	char verr[200], vpath[1200];
	if (h->s->remap_box && h->peer->ops->view(h->peer, h->pc, &v, verr, sizeof(verr)))
		rk->peer_port_after = v.remote_port;
	snprintf(vpath, sizeof(vpath), "%s/peer-view-hold.txt", h->art);
	case_hold_view(h->peer, h->pc, vpath);
	if (nc && h->peer->ops->view(h->peer, h->pc, &v, verr, sizeof(verr)) && v.child.present)
		for (size_t i = 0; i < res->nchild; i++) {
			const struct ike_child *c = &res->child[i];
			if (c != oc && c->up_ms >= nc->up_ms &&
			    (!memcmp(v.child.spi_out, c->spi_in, 4) ||
			     !memcmp(v.child.spi_in, c->spi_out, 4)))
				rk->peer_on_new = true;
		}
}

/* What the spec asked of the hold, and the line that says what happened. */
static void case_hold_verdict(const struct case_spec *s, struct case_hold *rk, bool quiet,
			      const struct ike_child *nc)
{
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
}

/* Keep the SA for hold_ms with a steady ping from the harness's test host
 * to the peer's, while either side rekeys; then what happened to the
 * child that was live when the hold began. */
void case_hold_run(struct peer *peer, const struct case_net *net, const struct peer_case *pc,
		   const char *art, struct ike_engine *e, struct transport *t,
		   const struct case_spec *s, struct case_result *r)
{
	struct case_hold *rk = &r->rekey;
	struct case_hstate h = { .p = { e, t, NULL, NULL, NULL, { NULL, NULL } }, .peer = peer,
				 .net = net, .pc = pc, .s = s, .art = art,
				 .remap_at = UINT64_MAX, .gone_out = UINT64_MAX };
	rk->ran = true;
	h.t0 = clock_ms();
	if (!case_hold_start(&h, r, rk))
		return;
	h.sa = ike_engine_sa(e);
	if (!case_hold_probe(&h, rk))
		return;
	case_hold_wait(&h, rk);
	case_hold_pings(&h, rk);
	if (h.kcap) {
		struct live_summary ws;
		live_capture_stop(h.kcap, NULL, 0, &ws);
		case_keepalives(&ws, net, rk);
	}
	const struct ike_child *oc, *nc;
	case_hold_children(&h, rk, &oc, &nc);
	case_hold_peer(&h, rk, oc, nc);
	esp_user_free(h.p.u);
	rk->ms = clock_ms() - h.t0;
	case_hold_verdict(s, rk, h.quiet, nc);
	log_info("case %s: hold %" PRIu64 " ms: %s", s->name, rk->ms, rk->why);
}
