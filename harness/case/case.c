/* One case end to end (case/case.h): both sides configured from the
 * spec, the engine driven in the harness namespace, the peer's view awaited,
 * the checks run, and what was seen recorded for the judge. */
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case/internal.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/prof.h"
#include "netns/netns.h"
#include "report/live.h"
#include "wire/names.h"

#define CASE_LIMIT_MS 10000
#define CASE_SETTLE_MS 3000    /* after our last message, for the peer's view */

bool case_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

void case_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	if (n + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
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

/* Whether the script's step is a window: time that passes by design
 * (silence, a wait, a reaction that may be silence), not an answer
 * awaited. */
static bool case_in_window(const struct ike_engine *e)
{
	const struct ike_step *s = ike_engine_step(e);
	return s && (s->op == IKE_STEP_EXPECT_SILENCE || s->op == IKE_STEP_WAIT ||
		     ((s->op == IKE_STEP_EXPECT || s->op == IKE_STEP_EXPECT_NOTIFY) &&
		      s->or_silence));
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
		prof_enter(case_in_window(e) ? PROF_WINDOWS : PROF_HANDSHAKE);
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

/* Both sides configured, the engine's socket open and, for a suite case,
 * the whole exchange captured on the link. False with err (cfg cleared). */
static bool case_prepare(struct peer *peer, const struct case_net *net,
			 const struct case_spec *s, struct ike_config *cfg, struct peer_case *pc,
			 char *art, size_t artlen, struct transport **t,
			 struct live_capture **wire, char *err, size_t errlen)
{
	prof_enter(PROF_PEER_CONFIG);
	if (!case_config_ours(net, s, cfg, err, errlen)) {
		ike_config_clear(cfg);
		return false;
	}
	if (!case_config_theirs(net, s, peer, pc, art, artlen, err, errlen) ||
	    !peer->ops->configure(peer, pc, err, errlen)) {
		ike_config_clear(cfg);
		return false;
	}
	if (!(*t = case_transport(net, err, errlen))) {
		ike_config_clear(cfg);
		return false;
	}
	/* a suite case's whole exchange on the wire, IKE and ESP alike */
	*wire = NULL;
	if (s->artifacts && net->harness_if) {
		char path[1200], cerr[300];
		snprintf(path, sizeof(path), "%s/wire.pcap", art);
		if (!(*wire = live_capture_start(net->harness_ns, net->harness_if, path, false, cerr,
						 sizeof(cerr))))
			log_warn("case %s: no wire.pcap: %s", s->name, cerr);
	}
	return true;
}

/* The harness's script to its end (or the limit), then the peer's view
 * until it shows the SA; false with err when the view could not be read. */
static bool case_exchange(struct peer *peer, const struct peer_case *pc,
			  const struct case_spec *s, struct ike_engine *e, struct transport *t,
			  uint64_t limit, struct case_result *r, char *err, size_t errlen)
{
	case_drive(e, t, limit);
	prof_enter(PROF_PEER_VIEW);
	const struct ike_result *res = ike_engine_result(e);
	r->harness_ok = res->finished && !res->failed;
	r->mutation_unfit = res->mutation_unfit;
	snprintf(r->harness_error, sizeof(r->harness_error), "%s",
		 r->harness_ok ? "" : res->error[0] ? res->error
				    : "did not finish its script in time");
	uint64_t settle = clock_ms() + CASE_SETTLE_MS;
	/* one look, for the report, unless the harness holds all the case
	   asks for and the peer must catch up with it (our last message may
	   be in flight). A harness short of the child cannot be established
	   whatever the peer shows, so waiting for the peer's would be waiting
	   for nothing. */
	bool holds = res->established && (case_p1_only(s) || res->nchild);
	if (!r->harness_ok || (s->script && !holds))
		settle = clock_ms();
	return case_settle(peer, pc, e, t, settle < limit ? settle : limit, case_p1_only(s),
			   &r->view, err, errlen);
}

/* What the notify rec answers: the last Main, Aggressive or Quick Mode
 * message from the other side before the Informational that carried it
 * (found by direction and time, each used once: used[]); a notify inside
 * another message answers what came before that one. IKE_K_NONE: none. */
static enum ike_kind case_kind_before(const struct ike_result *res,
				      const struct ike_notify_rec *rec, bool *used)
{
	enum ike_kind other = IKE_K_NONE, any = IKE_K_NONE;
	for (size_t i = 0; i < res->nevent && res->event[i].time_ms <= rec->time_ms; i++) {
		const struct ike_event *ev = &res->event[i];
		if (ev->kind == IKE_K_NOTIFY && ev->sent == rec->sent &&
		    ev->time_ms == rec->time_ms && !used[i]) {
			used[i] = true;
			return other;
		}
		if (ev->kind >= IKE_K_MM1 && ev->kind <= IKE_K_QM4) {
			any = ev->kind;
			if (ev->sent != rec->sent)
				other = ev->kind;
		}
	}
	return any;
}

/* The engine's record into r: transforms, the first child without its
 * keys, notifies each way, NAT-T findings, whether both sides hold it. */
static void case_record(const struct case_spec *s, const struct ike_config *cfg,
			const struct peer_case *pc, struct ike_engine *e, struct case_result *r)
{
	const struct ike_result *res = ike_engine_result(e);
	r->p1 = res->p1;
	r->our_id = res->our_id;
	r->peer_id = res->peer_id;
	if (res->nchild) {
		r->child = res->child[0];
		/* the keys stay with the engine */
		memset(&r->child.enc_in, 0, sizeof(r->child.enc_in));
		memset(&r->child.int_in, 0, sizeof(r->child.int_in));
		memset(&r->child.enc_out, 0, sizeof(r->child.enc_out));
		memset(&r->child.int_out, 0, sizeof(r->child.int_out));
		r->have_child = true;
	}
	bool *used = xcalloc(res->nevent + 1, sizeof(*used));
	for (size_t i = 0; i < res->nnotify; i++) {
		enum ike_kind after = case_kind_before(res, &res->notify[i], used);
		if (res->notify[i].sent && r->nnotify_tx < 8) {
			r->notify_tx_after[r->nnotify_tx] = after;
			r->notify_tx[r->nnotify_tx++] = res->notify[i].type;
		} else if (!res->notify[i].sent && r->nnotify_rx < 8) {
			r->notify_rx_after[r->nnotify_rx] = after;
			r->notify_rx[r->nnotify_rx++] = res->notify[i].type;
		}
	}
	free(used);
	for (size_t i = 0; i < res->nevent && !r->heard; i++)
		r->heard = !res->event[i].sent;
	for (size_t i = 0; i < res->nevent && !r->float_kind; i++)
		if (res->event[i].natt)
			r->float_kind = res->event[i].kind;
	r->harness_forced = cfg->natt_force;
	r->peer_forced = pc->force_encap || s->peer_fakes_nat;
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
	bool p1_only = case_p1_only(s);
	bool seen = r->view.unknown || r->view.present;
	r->established = r->harness_ok && res->established && seen &&
			 (p1_only || (r->have_child && (r->view.unknown || r->view.child.present)));
}

/* What r->why says of an established case: the cross-check of both
 * views (lifetimes left out when the case judges each side's own). */
static void case_agree(const struct case_spec *s, struct case_result *r)
{
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
		r->agree = case_cross_check(&p1c, case_p1_only(s) ? NULL : &cc, &vc, r->why,
					    sizeof(r->why));
	}
}

/* After the exchange: the peer watched for loops, the checks the spec
 * asks for (traffic, the hold), then what r->why says. */
static void case_checks(struct peer *peer, const struct case_net *net,
			const struct peer_case *pc, const char *art, const struct case_spec *s,
			struct ike_engine *e, struct transport *t, struct case_result *r)
{
	char lw[300] = "";
	bool p1_only = case_p1_only(s);
	if (peer->ops->calm &&
	    !peer->ops->calm(peer, pc, CASE_LOOP_LIMIT, &r->attempts, lw, sizeof(lw)))
		r->loops = true;
	prof_enter(PROF_TRAFFIC);
	const struct ike_result *done = ike_engine_result(e);
	bool udp = done->nchild && ike_encap_is_udp(done->child[0].xf.encap);
	if (r->established && s->traffic && !p1_only)
		case_traffic_check(peer, net, pc, art, e, t, r, s->measure_ms,
				   case_use_xfrm(s->dataplane, udp));
	prof_enter(PROF_HOLD);
	if (r->established && s->hold_ms && !p1_only)
		case_hold_run(peer, net, pc, art, e, t, s, r);
	const struct ike_result *res = ike_engine_result(e);  /* the engine may have grown */
	if (r->loops)
		snprintf(r->why, sizeof(r->why), "%s (limit %d); %s", lw, CASE_LOOP_LIMIT,
			 r->established ? "established" : "not established");
	else if (r->established)
		case_agree(s, r);
	else
		snprintf(r->why, sizeof(r->why), "not established: harness %s; peer %s",
			 r->harness_ok ? "finished its script"
			 : res->error[0] ? res->error : "did not finish its script in time",
			 !r->view.present ? "has no IKE SA"
			 : !r->view.child.present ? "has no child SA" : "established");
}

bool case_run(struct peer *peer, const struct case_net *net, const struct case_spec *s,
	      struct case_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	struct ike_config cfg;
	struct peer_case pc;
	struct transport *t;
	struct live_capture *wire;
	char art[1024];
	if (!case_prepare(peer, net, s, &cfg, &pc, art, sizeof(art), &t, &wire, err, errlen))
		return false;
	struct netaddr to = net->peer_public;
	to.port = 500;
	cfg.natt_peer_port = IKE_NATT_PORT;
	uint64_t t0 = clock_ms();
	uint64_t limit = t0 + (s->limit_ms ? s->limit_ms : CASE_LIMIT_MS);
	struct ike_engine *e = ike_engine_new(&cfg, t, s->harness_initiates ? &to : NULL, s->script,
					      s->script ? s->nsteps : 0, s->name);
	bool ran = true;
	prof_enter(PROF_HANDSHAKE);
	if (!s->harness_initiates && !peer->ops->initiate(peer, &pc, err, errlen))
		ran = false;
	if (ran) {
		ran = case_exchange(peer, &pc, s, e, t, limit, r, err, errlen);
		case_record(s, &cfg, &pc, e, r);
		r->ms = clock_ms() - t0;
		case_checks(peer, net, &pc, art, s, e, t, r);
	}
	prof_enter(PROF_ARTIFACTS);
	if (wire) {
		struct live_summary ws;
		live_capture_stop(wire, NULL, 0, &ws);
	}
	if (s->artifacts)
		case_write_artifacts(art, s, e, r);
	ike_engine_free(e);
	transport_free(t);
	ike_config_clear(&cfg);
	prof_enter(PROF_OTHER);
	return ran;
}
