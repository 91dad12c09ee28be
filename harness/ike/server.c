/* A long-lived responder: a table of engines keyed by cookies. */
#include "ike/server.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/msg.h"
#include "wire/names.h"

#define IKE_SERVER_DEFAULT_MAX 64
#define IKE_SERVER_DEFAULT_LIFE_S 28800u   /* RFC 2407 4.5 */

struct ike_srv_sa {
	struct ike_engine *e;
	unsigned id;
	uint64_t created_ms;
	uint64_t established_ms;
	bool est_logged, fail_logged, del_logged;
	size_t nev, nnf, nch;      /* what was logged already */
	bool remove;
	char why[48];              /* why it is removed */
};

struct ike_server {
	struct ike_config cfg[2];  /* Main, Aggressive; borrowed pointers only */
	struct transport *t;
	ike_server_log_fn log;
	void *ctx;
	struct ike_srv_sa *sa;
	size_t nsa, cap;
	unsigned next_id;
	struct ike_server_stats stats;
};

static void ike_srv_log(struct ike_server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void ike_srv_log(struct ike_server *s, const char *fmt, ...)
{
	if (!s->log)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->log(s->ctx, line);
}

struct ike_server *ike_server_new(const struct ike_config *cfg, struct transport *t,
				  ike_server_log_fn log, void *ctx)
{
	struct ike_server *s = xcalloc(1, sizeof(*s));
	for (int i = 0; i < 2; i++) {
		s->cfg[i] = *cfg;
		s->cfg[i].role = IKE_RESPONDER;
		s->cfg[i].owns_creds = false;
		s->cfg[i].exchange = i == 0 ? WIRE_X_MAIN : WIRE_X_AGGR;
	}
	s->t = t;
	s->log = log;
	s->ctx = ctx;
	s->next_id = 1;
	return s;
}

void ike_server_free(struct ike_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nsa; i++)
		ike_engine_free(s->sa[i].e);
	free(s->sa);
	free(s);
}

static size_t ike_srv_max(const struct ike_server *s)
{
	return s->cfg[0].max_sas ? s->cfg[0].max_sas : IKE_SERVER_DEFAULT_MAX;
}

static bool ike_srv_zero(const uint8_t c[8])
{
	static const uint8_t zero[8];
	return memcmp(c, zero, 8) == 0;
}

static struct ike_srv_sa *ike_srv_find(struct ike_server *s, const uint8_t *icky,
				       const uint8_t *rcky, const struct netaddr *src)
{
	for (size_t i = 0; i < s->nsa; i++) {
		struct ike_srv_sa *x = &s->sa[i];
		struct ike_sa *sa = ike_engine_sa(x->e);
		if (x->remove)
			continue;
		if (!sa) {
			/* made for an mm1 that did not take: nothing to match */
			continue;
		}
		if (memcmp(sa->icookie, icky, 8) != 0)
			continue;
		/* a retransmitted first message still has a zero CKY-R; it
		 * belongs to the SA of the same initiator (by address) */
		if (ike_srv_zero(rcky) ? netaddr_eq(&sa->peer, src) : memcmp(sa->rcookie, rcky, 8) == 0)
			return x;
	}
	return NULL;
}

static const char *ike_srv_peer(struct ike_srv_sa *x, char *buf, size_t len)
{
	struct ike_sa *sa = ike_engine_sa(x->e);
	if (!sa)
		return snprintf(buf, len, "?"), buf;
	return netaddr_str(&sa->peer, buf, len);
}

static bool ike_srv_same_id(const struct ike_id *a, const struct ike_id *b)
{
	return a->type && a->type == b->type && a->len == b->len &&
	       memcmp(a->data, b->data, a->len) == 0;
}

/* Log what happened in x since the last look; note removals. */
static void ike_srv_review(struct ike_server *s, struct ike_srv_sa *x, uint64_t now)
{
	const struct ike_result *r = ike_engine_result(x->e);
	struct ike_sa *sa = ike_engine_sa(x->e);
	char pb[64], nb[64], xb[80];
	ike_srv_peer(x, pb, sizeof(pb));
	for (; x->nev < r->nevent; x->nev++) {
		const struct ike_event *ev = &r->event[x->nev];
		ike_srv_log(s, "sa#%u %s %s %s msgid %08" PRIx32 " %zu bytes%s%s%s", x->id, pb,
			    ev->sent ? "->" : "<-", ev->kind ? ike_kind_name(ev->kind) : "?",
			    ev->msgid, ev->length, ev->retransmit ? " (again)" : "",
			    ev->note[0] ? ": " : "", ev->note);
	}
	for (; x->nnf < r->nnotify; x->nnf++) {
		const struct ike_notify_rec *n = &r->notify[x->nnf];
		ike_srv_log(s, "sa#%u %s notify %s %s%s", x->id, pb, n->sent ? "sent" : "received",
			    names_fmt(NAMES_NOTIFY, n->type, nb, sizeof(nb)),
			    n->protected_ ? "" : " (unprotected)");
	}
	if (r->established && !x->est_logged) {
		x->est_logged = true;
		x->established_ms = now;
		s->stats.established++;
		ike_srv_log(s, "sa#%u %s established %s %s, peer ID type %u", x->id, pb,
			    sa->exchange == WIRE_X_AGGR ? "aggressive" : "main",
			    ike_p1_str(&sa->xf, xb, sizeof(xb)), sa->peer_id.type);
		/* RFC 2407 4.6.3.3: the peer lost its state; forget the old SAs */
		if (sa->initial_contact_rx)
			for (size_t i = 0; i < s->nsa; i++) {
				struct ike_srv_sa *o = &s->sa[i];
				struct ike_sa *osa = ike_engine_sa(o->e);
				if (o == x || o->remove || !osa || osa->state != IKE_SA_ESTABLISHED ||
				    !ike_srv_same_id(&osa->peer_id, &sa->peer_id))
					continue;
				o->remove = true;
				snprintf(o->why, sizeof(o->why), "INITIAL-CONTACT in sa#%u", x->id);
				s->stats.deleted++;
			}
	}
	for (; x->nch < r->nchild; x->nch++) {
		const struct ike_child *c = &r->child[x->nch];
		s->stats.children++;
		ike_srv_log(s, "sa#%u %s child ESP in %02x%02x%02x%02x out %02x%02x%02x%02x %s "
			    "life %" PRIu32 "s", x->id, pb, c->spi_in[0], c->spi_in[1], c->spi_in[2],
			    c->spi_in[3], c->spi_out[0], c->spi_out[1], c->spi_out[2], c->spi_out[3],
			    ike_p2_str(&c->xf, xb, sizeof(xb)), c->xf.life_sec);
	}
	if (x->remove)
		return;
	if (r->failed) {
		x->remove = true;
		snprintf(x->why, sizeof(x->why), "failed");
		s->stats.failed++;
		ike_srv_log(s, "sa#%u %s failed: %s", x->id, pb, r->error);
	} else if (sa && sa->state == IKE_SA_DELETED) {
		x->remove = true;
		snprintf(x->why, sizeof(x->why), "deleted by the peer");
		s->stats.deleted++;
	} else if (x->est_logged) {
		uint64_t life = sa->xf.life_sec ? sa->xf.life_sec : IKE_SERVER_DEFAULT_LIFE_S;
		if (now >= x->established_ms + life * 1000) {
			x->remove = true;
			snprintf(x->why, sizeof(x->why), "expired after %" PRIu64 " s", life);
			s->stats.expired++;
		}
	}
}

/* Drop what is marked, keeping the order. */
static void ike_srv_sweep(struct ike_server *s)
{
	size_t k = 0;
	for (size_t i = 0; i < s->nsa; i++) {
		struct ike_srv_sa *x = &s->sa[i];
		if (!x->remove) {
			s->sa[k++] = *x;
			continue;
		}
		char pb[64];
		ike_srv_log(s, "sa#%u %s removed: %s", x->id, ike_srv_peer(x, pb, sizeof(pb)), x->why);
		ike_engine_free(x->e);
	}
	s->nsa = k;
}

void ike_server_input(struct ike_server *s, const struct transport_pkt *pkt, uint64_t now)
{
	const uint8_t *d = pkt->data.ptr;
	if (pkt->kind != TRANSPORT_PKT_IKE || pkt->data.len < 28) {
		s->stats.ignored++;
		return;
	}
	uint8_t exch = d[18], flags = d[19];
	struct ike_srv_sa *x = ike_srv_find(s, d, d + 8, &pkt->src);
	if (!x) {
		/* any exchange type: a first message with a bad one is refused
		   by the engine with INVALID-EXCHANGE-TYPE (RFC 2408 5.1) */
		bool first = ike_srv_zero(d + 8) && !(flags & WIRE_F_ENC);
		char pb[64];
		netaddr_str(&pkt->src, pb, sizeof(pb));
		if (!first) {
			s->stats.ignored++;
			ike_srv_log(s, "%s: no SA for these cookies (exchange %u): ignored", pb, exch);
			return;
		}
		if (s->nsa >= ike_srv_max(s)) {
			s->stats.refused_full++;
			ike_srv_log(s, "%s: SA table full (%zu): first message dropped", pb, s->nsa);
			return;
		}
		if (s->nsa == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 8;
			s->sa = xrealloc(s->sa, s->cap * sizeof(*s->sa));
		}
		x = &s->sa[s->nsa++];
		memset(x, 0, sizeof(*x));
		x->id = s->next_id++;
		x->created_ms = now;
		static const struct ike_step mm[] = {
			{ .op = IKE_STEP_EXPECT, .kind = IKE_K_MM1 }, { .op = IKE_STEP_SEND, .kind = IKE_K_MM2 },
			{ .op = IKE_STEP_EXPECT, .kind = IKE_K_MM3 }, { .op = IKE_STEP_SEND, .kind = IKE_K_MM4 },
			{ .op = IKE_STEP_EXPECT, .kind = IKE_K_MM5 }, { .op = IKE_STEP_SEND, .kind = IKE_K_MM6 },
		};
		static const struct ike_step am[] = {
			{ .op = IKE_STEP_EXPECT, .kind = IKE_K_AM1 }, { .op = IKE_STEP_SEND, .kind = IKE_K_AM2 },
			{ .op = IKE_STEP_EXPECT, .kind = IKE_K_AM3 },
		};
		bool aggr = exch == WIRE_X_AGGR;
		char name[24];
		snprintf(name, sizeof(name), "sa#%u", x->id);
		x->e = ike_engine_new(&s->cfg[aggr], s->t, NULL, aggr ? am : mm, aggr ? 3 : 6, name);
		ike_engine_set_serve(x->e, true);
		s->stats.created++;
		ike_srv_log(s, "sa#%u %s new %s Mode SA", x->id, pb, aggr ? "Aggressive" : "Main");
	}
	ike_engine_input(x->e, pkt, now);
	/* the engine may have sent at once (a reply): let it run what is due */
	ike_engine_tick(x->e, now);
	ike_srv_review(s, x, now);
	if (!ike_engine_sa(x->e) && !x->remove) {
		/* the first message did not even make an SA */
		x->remove = true;
		snprintf(x->why, sizeof(x->why), "first message not taken");
	}
	ike_srv_sweep(s);
}

size_t ike_server_poll(struct ike_server *s, uint64_t now)
{
	size_t n = 0;
	struct transport_pkt pkt;
	while (transport_recv(s->t, &pkt) == 1) {
		ike_server_input(s, &pkt, now);
		transport_pkt_free(&pkt);
		n++;
	}
	return n;
}

uint64_t ike_server_tick(struct ike_server *s, uint64_t now)
{
	uint64_t next = IKE_NEVER;
	for (size_t i = 0; i < s->nsa; i++) {
		struct ike_srv_sa *x = &s->sa[i];
		uint64_t t = ike_engine_tick(x->e, now);
		ike_srv_review(s, x, now);
		if (t < next)
			next = t;
		if (x->est_logged && !x->remove) {
			struct ike_sa *sa = ike_engine_sa(x->e);
			uint64_t life = sa->xf.life_sec ? sa->xf.life_sec : IKE_SERVER_DEFAULT_LIFE_S;
			uint64_t end = x->established_ms + life * 1000;
			if (end < next)
				next = end;
		}
	}
	ike_srv_sweep(s);
	return next;
}

size_t ike_server_count(const struct ike_server *s)
{
	return s->nsa;
}

struct ike_engine *ike_server_engine(struct ike_server *s, size_t i)
{
	return i < s->nsa ? s->sa[i].e : NULL;
}

unsigned ike_server_sa_id(const struct ike_server *s, size_t i)
{
	return i < s->nsa ? s->sa[i].id : 0;
}

size_t ike_server_established(const struct ike_server *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nsa; i++) {
		struct ike_sa *sa = ike_engine_sa(s->sa[i].e);
		n += sa && sa->state == IKE_SA_ESTABLISHED;
	}
	return n;
}

size_t ike_server_children(const struct ike_server *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nsa; i++) {
		struct ike_sa *sa = ike_engine_sa(s->sa[i].e);
		if (!sa || sa->state != IKE_SA_ESTABLISHED)
			continue;
		for (size_t c = 0; c < sa->nchild; c++)
			n += !sa->child[c].deleted;
	}
	return n;
}

const struct ike_server_stats *ike_server_stats(const struct ike_server *s)
{
	return &s->stats;
}

uint64_t ike_run_server(struct ike_engine **e, size_t n, struct ike_server *srv,
			struct transport_hub *hub, uint64_t start_ms, uint64_t limit_ms)
{
	uint64_t now = start_ms;
	transport_hub_set_time(hub, now);
	for (;;) {
		uint64_t next;
		size_t before, moved;
		do {
			before = transport_hub_stats(hub).sent;
			moved = 0;
			next = ike_server_tick(srv, now);
			for (size_t i = 0; i < n; i++) {
				uint64_t t = ike_engine_tick(e[i], now);
				next = t < next ? t : next;
			}
			moved += ike_server_poll(srv, now);
			for (size_t i = 0; i < n; i++)
				moved += ike_engine_poll(e[i], now);
		} while (moved || transport_hub_stats(hub).sent != before);
		bool all = true;
		for (size_t i = 0; i < n; i++)
			all = all && ike_engine_done(e[i]);
		if (all || next == IKE_NEVER || next > limit_ms)
			break;
		now = next;
		transport_hub_set_time(hub, now);
	}
	return now;
}
