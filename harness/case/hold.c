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

/* Keep the SA for hold_ms with a steady ping from the harness's test host
 * to the peer's, while either side rekeys; then what happened to the
 * child that was live when the hold began. */
void case_hold_run(struct peer *peer, const struct case_net *net,
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
