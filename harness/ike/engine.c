/* Scripts over a transport: sends, expectations, retransmission, duplicate
 * detection, automatic answers (DPD, error notifies), and the record of it
 * all. Nothing here knows about tests: a test is just another script. */
#include "ike/engine.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/prf.h"
#include "wire/names.h"

#define IKE_SEEN 8
#define IKE_PROTO_ESP 3            /* RFC 2407 4.4.1, as quick.c and info.c */

struct ike_seen {
	bool used;
	uint8_t hash[32];
	bool request;             /* a request to us: its reply is resent */
	chunk_t reply;
};

struct ike_engine {
	const struct ike_config *cfg;
	struct transport *t;
	char name[24];
	struct netaddr local, peer;
	bool have_peer;
	struct ike_sa *sa;
	struct ike_step steps[IKE_MAX_STEPS];
	size_t nsteps, cur;
	bool started;
	uint64_t deadline;
	struct ike_qm *qm;        /* the Quick Mode the script works on */
	/* retransmission of the last request */
	bool rt_armed, rt_gave_up;
	chunk_t rt_dgram;
	unsigned rt_sent;
	uint32_t rt_timeout;
	uint64_t rt_next;
	uint8_t rt_exchange;
	enum ike_kind rt_kind;    /* what is being retransmitted, for the timeline */
	uint32_t rt_msgid;
	struct ike_seen seen[IKE_SEEN];
	size_t seen_next;
	long last_seen;           /* index of the latest request entry, -1 */
	struct ike_result res;
	size_t ev_cap, nf_cap;
	bool serve;               /* answer Quick Modes once the script is done */
	/* automatic rekey and expiry */
	uint32_t rekey_margin;
	uint32_t rekey_msgid;     /* our rekey Quick Mode in flight, 0: none */
	uint8_t rekey_old[4];     /* inbound SPI of the child it replaces */
	bool del_pending;         /* that child's Delete, due at del_at */
	uint8_t del_spi[4];
	uint64_t del_at;
	uint8_t rekey_gave_up[4]; /* a child whose rekey got no answer: left
				     to expire rather than retried forever */
	bool rekey_have_gave_up;
	bool rt_auto;             /* retransmit an automatic request */
	bool p1_stamped;
	size_t seen_nchild, seen_ndel, seen_nexp;
	uint64_t auto_next;       /* next rekey or expiry, IKE_NEVER: none */
};

/* ---- scripts ---- */

size_t ike_script_default(const struct ike_config *cfg, struct ike_step *steps, size_t max)
{
	static const enum ike_kind mm[] = { IKE_K_MM1, IKE_K_MM2, IKE_K_MM3, IKE_K_MM4,
					    IKE_K_MM5, IKE_K_MM6 };
	static const enum ike_kind am[] = { IKE_K_AM1, IKE_K_AM2, IKE_K_AM3 };
	static const enum ike_kind qm[] = { IKE_K_QM1, IKE_K_QM2, IKE_K_QM3, IKE_K_QM4 };
	enum ike_kind seq[16];
	size_t n = 0;
	bool aggr = cfg->exchange == WIRE_X_AGGR;
	const enum ike_kind *p1 = aggr ? am : mm;
	size_t np1 = aggr ? 3 : 6;
	for (size_t i = 0; i < np1; i++)
		seq[n++] = p1[i];
	size_t qstart = n;
	if (cfg->np2)
		for (size_t i = 0; i < (cfg->commit ? 4u : 3u); i++)
			seq[n++] = qm[i];
	size_t k = 0;
	bool init = cfg->role == IKE_INITIATOR;
	for (size_t i = 0; i < n && k < max; i++) {
		/* odd messages come from the initiator, in each exchange */
		size_t pos = i < qstart ? i : i - qstart;
		bool ours = (pos % 2 == 0) == init;
		/* qm4 comes from the responder */
		memset(&steps[k], 0, sizeof(steps[k]));
		steps[k].op = ours ? IKE_STEP_SEND : IKE_STEP_EXPECT;
		steps[k].kind = seq[i];
		k++;
	}
	return k;
}

const char *ike_step_str(const struct ike_step *s, char *buf, size_t len)
{
	char nb[64];
	switch (s->op) {
	case IKE_STEP_SEND:
		if (s->kind == IKE_K_NOTIFY)
			snprintf(buf, len, "send notify %s", names_fmt(NAMES_NOTIFY, s->notify, nb, sizeof(nb)));
		else
			snprintf(buf, len, "send %s%s", ike_kind_name(s->kind),
				 s->nmut ? " (mutated)" : "");
		break;
	case IKE_STEP_EXPECT:
		snprintf(buf, len, "expect %s", ike_kind_name(s->kind));
		break;
	case IKE_STEP_EXPECT_NOTIFY:
		snprintf(buf, len, "expect notify %s%s",
			 s->notify ? names_fmt(NAMES_NOTIFY, s->notify, nb, sizeof(nb)) : "(any)",
			 s->or_silence ? " or silence" : "");
		break;
	case IKE_STEP_EXPECT_SILENCE:
		snprintf(buf, len, "expect silence for %u ms", s->within_ms);
		break;
	case IKE_STEP_WAIT:
		snprintf(buf, len, "wait %u ms", s->wait_ms);
		break;
	case IKE_STEP_CHECK:
		snprintf(buf, len, "check state %s", ike_sa_state_name(s->state));
		break;
	}
	return buf;
}

/* ---- engine ---- */

struct ike_engine *ike_engine_new(const struct ike_config *cfg, struct transport *t,
				  const struct netaddr *peer, const struct ike_step *script,
				  size_t nsteps, const char *name)
{
	struct ike_engine *e = xcalloc(1, sizeof(*e));
	e->cfg = cfg;
	e->t = t;
	e->last_seen = -1;
	e->rekey_margin = cfg->rekey_margin_ms;
	e->auto_next = IKE_NEVER;
	snprintf(e->name, sizeof(e->name), "%s", name ? name : "ike");
	transport_local(t, TRANSPORT_PORT_IKE, &e->local);
	if (peer) {
		e->peer = *peer;
		e->have_peer = true;
	}
	if (script) {
		e->nsteps = nsteps < IKE_MAX_STEPS ? nsteps : IKE_MAX_STEPS;
		memcpy(e->steps, script, e->nsteps * sizeof(*script));
	} else {
		e->nsteps = ike_script_default(cfg, e->steps, IKE_MAX_STEPS);
	}
	if (cfg->role == IKE_INITIATOR && peer)
		e->sa = ike_sa_new(cfg, &e->local, peer);
	return e;
}

void ike_engine_free(struct ike_engine *e)
{
	if (!e)
		return;
	ike_sa_free(e->sa);
	chunk_free(&e->rt_dgram);
	for (size_t i = 0; i < IKE_SEEN; i++)
		chunk_free(&e->seen[i].reply);
	for (size_t i = 0; i < e->res.nevent; i++) {
		chunk_free(&e->res.event[i].datagram);
		chunk_free(&e->res.event[i].plaintext);
	}
	free(e->res.event);
	for (size_t i = 0; i < e->res.nnotify; i++) {
		chunk_free(&e->res.notify[i].spi);
		chunk_free(&e->res.notify[i].data);
	}
	free(e->res.notify);
	free(e);
}

void ike_engine_set_serve(struct ike_engine *e, bool on)
{
	e->serve = on;
}

void ike_engine_set_rekey_margin(struct ike_engine *e, uint32_t margin_ms)
{
	e->rekey_margin = margin_ms;
}

bool ike_engine_done(const struct ike_engine *e)
{
	return e->res.finished || e->res.failed;
}

struct ike_sa *ike_engine_sa(struct ike_engine *e)
{
	return e->sa;
}

const struct ike_result *ike_engine_result(struct ike_engine *e)
{
	if (e->sa) {
		e->res.state = e->sa->state;
		e->res.p1 = e->sa->xf;
		e->res.child = e->sa->child;
		e->res.nchild = e->sa->nchild;
	}
	return &e->res;
}

static bool ike_addr_unspec(const struct netaddr *a)
{
	static const uint8_t zero[16];
	return memcmp(a->ip, zero, netaddr_iplen(a)) == 0;
}

/* A received datagram's ends, as the transport saw them. */
static void ike_event_from(struct ike_event *ev, const struct transport_pkt *pkt)
{
	ev->peer = pkt->src;
	ev->local = pkt->dst;
	ev->natt = pkt->natt;
}

static struct ike_event *ike_event_add(struct ike_engine *e, uint64_t now, bool sent,
				       enum ike_kind kind, const struct wire_msg *m, chunk_t dgram,
				       chunk_t plain)
{
	if (e->res.nevent == e->ev_cap) {
		e->ev_cap = e->ev_cap ? 2 * e->ev_cap : 16;
		e->res.event = xrealloc(e->res.event, e->ev_cap * sizeof(*e->res.event));
	}
	struct ike_event *ev = &e->res.event[e->res.nevent++];
	memset(ev, 0, sizeof(*ev));
	ev->time_ms = now;
	ev->sent = sent;
	ev->kind = kind;
	if (m) {
		ev->exchange = (uint8_t)m->hdr.exchange;
		ev->msgid = m->hdr.msgid;
	}
	ev->length = dgram.len;
	ev->datagram = chunk_dup(dgram.ptr, dgram.len);
	if (sent) {
		/* where ike_xmit sent it */
		ev->natt = e->sa && e->sa->natt_floated;
		ev->peer = e->sa ? e->sa->peer : e->peer;
		if (!transport_local(e->t, ev->natt ? TRANSPORT_PORT_NATT : TRANSPORT_PORT_IKE,
				     &ev->local))
			memset(&ev->local, 0, sizeof(ev->local));
		else if (e->sa && ike_addr_unspec(&ev->local) &&
			 e->sa->local.family == ev->local.family)
			/* bound to a wildcard: the address the peer talks to */
			memcpy(ev->local.ip, e->sa->local.ip, sizeof(ev->local.ip));
	}
	if (plain.len)
		ev->plaintext = chunk_dup(plain.ptr, plain.len);
	return ev;
}

static void ike_note(struct ike_event *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void ike_note(struct ike_event *ev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ev->note, sizeof(ev->note), fmt, ap);
	va_end(ap);
}

static void ike_notify_add(struct ike_engine *e, uint64_t now, bool sent, bool prot,
			   uint16_t type, uint8_t proto, chunk_t spi, chunk_t data)
{
	if (e->res.nnotify == e->nf_cap) {
		e->nf_cap = e->nf_cap ? 2 * e->nf_cap : 8;
		e->res.notify = xrealloc(e->res.notify, e->nf_cap * sizeof(*e->res.notify));
	}
	struct ike_notify_rec *r = &e->res.notify[e->res.nnotify++];
	r->time_ms = now;
	r->sent = sent;
	r->protected_ = prot;
	r->type = type;
	r->protocol = proto;
	r->spi = chunk_dup(spi.ptr, spi.len);
	r->data = chunk_dup(data.ptr, data.len);
}

/* Notifications inside other exchanges' messages (RESPONDER-LIFETIME in
 * qm2, INITIAL-CONTACT in mm5) count as notifies sent or received too. */
static void ike_notify_embedded(struct ike_engine *e, const struct wire_msg *m, uint64_t now,
				bool sent, bool prot)
{
	const struct wire_node *n;
	for (size_t i = 0; (n = wire_find(m, WIRE_PL_N, i)); i++)
		ike_notify_add(e, now, sent, prot, (uint16_t)n->subtype, (uint8_t)n->protocol,
			       n->spi, n->data);
}

static void ike_script_fail(struct ike_engine *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void ike_script_fail(struct ike_engine *e, const char *fmt, ...)
{
	if (e->res.failed)
		return;
	char what[300], sb[80];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	e->res.failed = true;
	e->res.failed_step = e->cur;
	snprintf(e->res.error, sizeof(e->res.error), "step %zu (%s): %s", e->cur + 1,
		 e->cur < e->nsteps ? ike_step_str(&e->steps[e->cur], sb, sizeof(sb)) : "-", what);
	e->rt_armed = false;
	log_info("%s: %s", e->name, e->res.error);
}

static void ike_track(struct ike_engine *e)
{
	if (e->sa && e->sa->state == IKE_SA_ESTABLISHED)
		e->res.established = true;
}

static void ike_advance(struct ike_engine *e)
{
	e->cur++;
	e->started = false;
	if (e->cur >= e->nsteps)
		e->res.finished = true;
}

/* ---- sending ---- */

static bool ike_apply_payload_muts(struct wire_msg *m, const struct ike_step *s,
				   bool *keep_hash, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->nmut; i++) {
		const struct ike_mutation *mu = &s->mut[i];
		long idx;
		switch (mu->op) {
		case IKE_MUT_SET:
			if (!wire_set(m, mu->path, mu->value, err, errlen))
				return false;
			if (strncmp(mu->path, "hash", 4) == 0 || strncmp(mu->path, "sig", 3) == 0)
				*keep_hash = true;
			break;
		case IKE_MUT_SET_BYTES:
			if (!wire_set_bytes(m, mu->path, mu->bytes.ptr, mu->bytes.len, err, errlen))
				return false;
			if (strncmp(mu->path, "hash", 4) == 0 || strncmp(mu->path, "sig", 3) == 0)
				*keep_hash = true;
			break;
		case IKE_MUT_REMOVE:
		case IKE_MUT_DUPLICATE:
			idx = wire_index(m, mu->payload, mu->nth);
			if (idx < 0) {
				snprintf(err, errlen, "no payload of type %u #%zu to %s", mu->payload,
					 mu->nth, mu->op == IKE_MUT_REMOVE ? "remove" : "duplicate");
				return false;
			}
			/* a HASH or SIG removed leaves nothing for finalize to fill */
			if (mu->op == IKE_MUT_REMOVE &&
			    (mu->payload == WIRE_PL_HASH || mu->payload == WIRE_PL_SIG))
				*keep_hash = true;
			if (mu->op == IKE_MUT_REMOVE)
				wire_remove(m, (size_t)idx);
			else
				wire_duplicate(m, (size_t)idx);
			break;
		case IKE_MUT_REMOVE_ATTR:
			if (!wire_remove_attr(m, mu->path, err, errlen))
				return false;
			break;
		case IKE_MUT_UNKNOWN: {
			struct wire_node *n = wire_node_new(m, mu->payload);
			wire_set_data(m, n, mu->bytes.ptr, mu->bytes.len);
			if (!wire_insert(m, mu->nth < m->npl ? mu->nth : m->npl, n)) {
				snprintf(err, errlen, "cannot insert at %zu", mu->nth);
				return false;
			}
			break;
		}
		default:
			break;
		}
	}
	return true;
}

static void ike_apply_byte_muts(chunk_t *c, const struct ike_step *s, bool plain)
{
	for (size_t i = 0; s && i < s->nmut; i++) {
		const struct ike_mutation *mu = &s->mut[i];
		enum ike_mut_op trunc = plain ? IKE_MUT_PLAIN_TRUNCATE : IKE_MUT_DGRAM_TRUNCATE;
		enum ike_mut_op x = plain ? IKE_MUT_PLAIN_XOR : IKE_MUT_DGRAM_XOR;
		if (mu->op == trunc && mu->value < c->len)
			c->len = mu->value;
		else if (mu->op == x && mu->offset < c->len)
			c->ptr[mu->offset] ^= (uint8_t)mu->value;
		else if (!plain && mu->op == IKE_MUT_DGRAM_CHOP && mu->value < c->len &&
			 c->len - mu->value >= WIRE_HDR_LEN) {
			c->len -= mu->value;
			uint32_t n = (uint32_t)c->len;  /* the header's length, bytes 24-27 */
			c->ptr[24] = (uint8_t)(n >> 24);
			c->ptr[25] = (uint8_t)(n >> 16);
			c->ptr[26] = (uint8_t)(n >> 8);
			c->ptr[27] = (uint8_t)n;
		} else if (!plain && mu->op == IKE_MUT_DGRAM_APPEND) {
			chunk_t parts[2] = { *c, mu->bytes };
			chunk_t n = chunk_cat(2, parts);
			chunk_free(c);
			*c = n;
		}
	}
}

static void ike_dgram_hash(chunk_t d, uint8_t out[32])
{
	chunk_t h = CHUNK_EMPTY;
	if (!prf_hashv(PRF_SHA2_256, 1, &d, &h, NULL) || h.len != 32)
		abort();
	memcpy(out, h.ptr, 32);
	chunk_free(&h);
}

/* To the SA's peer (it moves when NAT-T floats), from the NAT-T port once
 * floated. */
static bool ike_xmit(struct ike_engine *e, chunk_t d)
{
	const struct netaddr *to = e->sa ? &e->sa->peer : &e->peer;
	enum transport_port from = e->sa && e->sa->natt_floated ? TRANSPORT_PORT_NATT
								  : TRANSPORT_PORT_IKE;
	if (!transport_send(e->t, from, to, d.ptr, d.len)) {
		log_warn("%s: send failed: %s", e->name, transport_error(e->t));
		return false;
	}
	return true;
}

static const struct ike_mutation *ike_mut_find(const struct ike_step *s, enum ike_mut_op op)
{
	for (size_t i = 0; s && i < s->nmut; i++)
		if (s->mut[i].op == op)
			return &s->mut[i];
	return NULL;
}

/* A datagram we sent before, again, in place of s's message: the first
 * one (a replay from an earlier exchange) or the last one (a stale
 * message after the peer moved on). The SA's state is not touched and
 * nothing is retransmitted. */
static bool ike_send_again(struct ike_engine *e, const struct ike_step *s, bool last,
			   uint64_t now)
{
	const struct ike_event *pick = NULL;
	for (size_t i = 0; i < e->res.nevent && (last || !pick); i++)
		if (e->res.event[i].sent && !e->res.event[i].retransmit)
			pick = &e->res.event[i];
	if (!pick)
		return ike_script_fail(e, "%s: nothing sent yet to send again",
				       ike_kind_name(s->kind)), false;
	/* copied first: adding the event may move the array */
	chunk_t d = chunk_dup(pick->datagram.ptr, pick->datagram.len);
	enum ike_kind was = pick->kind;
	uint64_t at = pick->time_ms;
	uint8_t x = pick->exchange;
	uint32_t msgid = pick->msgid;
	ike_xmit(e, d);
	struct ike_event *ev = ike_event_add(e, now, true, was, NULL, d, CHUNK_EMPTY);
	ev->exchange = x;
	ev->msgid = msgid;
	ev->mutated = true;
	ike_note(ev, "%s: our %s of %" PRIu64 " ms before, again instead of %s",
		 last ? "stale" : "replayed", ike_kind_name(was), now - at, ike_kind_name(s->kind));
	chunk_free(&d);
	chunk_free(&e->rt_dgram);
	e->rt_armed = false;
	return true;
}

/* Build kind, mutate, finalize, commit, encrypt, send. For notifies and
 * automatic answers s may carry no mutations. */
static bool ike_send_kind(struct ike_engine *e, const struct ike_step *s, enum ike_kind kind,
			  const struct ike_info *info, uint64_t now, bool script)
{
	struct ike_status st;
	struct ike_sa *sa = e->sa;
	char err[320] = "";
	struct ike_qm *qm = NULL;
	if (kind == IKE_K_QM1 && script)
		e->qm = ike_sa_qm_new(sa, 0, true);
	if (ike_kind_quick(kind))
		qm = e->qm;
	struct wire_msg *m = ike_build(sa, kind, qm, info, &st);
	if (!m) {
		if (script)
			ike_script_fail(e, "cannot build %s: %s", ike_kind_name(kind), st.msg);
		return false;
	}
	bool keep_hash = false;
	if (!ike_apply_payload_muts(m, s, &keep_hash, err, sizeof(err))) {
		if (script) {
			ike_script_fail(e, "%s: %s", ike_kind_name(kind), err);
			e->res.mutation_unfit = true;
		}
		wire_msg_free(m);
		return false;
	}
	if (!ike_finalize(sa, kind, qm, m, keep_hash, &st) || !ike_sent(sa, kind, qm, m, &st)) {
		if (script)
			ike_script_fail(e, "%s: %s", ike_kind_name(kind), st.msg);
		wire_msg_free(m);
		return false;
	}
	uint32_t flags = 0;
	wire_get(m, "header.flags", &flags, err, sizeof(err));
	chunk_t plain = CHUNK_EMPTY, dgram;
	/* a mutation that sets the E bit before there are keys: the header
	   says encrypted, the body goes in clear (what the mutation asked) */
	bool enc = (flags & WIRE_F_ENC) && (sa->enc_key.len || !s->nmut);
	if (enc) {
		chunk_t *iv = ike_crypt_chain(sa, m->hdr.msgid, &st);
		chunk_t ct = CHUNK_EMPTY;
		plain = wire_build_payloads(m);
		ike_apply_byte_muts(&plain, s, true);
		if (!iv || !ike_crypt_encrypt(sa, iv, plain, &ct, &st)) {
			if (script)
				ike_script_fail(e, "%s: %s", ike_kind_name(kind), st.msg);
			chunk_free(&plain);
			wire_msg_free(m);
			return false;
		}
		dgram = wire_build_encrypted(m, ct);
		chunk_free(&ct);
	} else {
		dgram = wire_build(m);
	}
	ike_apply_byte_muts(&dgram, s, false);
	ike_xmit(e, dgram);
	struct ike_event *ev = ike_event_add(e, now, true, kind, m, dgram, plain);
	if (s->nmut) {
		ev->mutated = true;
		ike_note(ev, "%zu mutation(s)%s%s", s->nmut, kind != s->kind ? ", early in place of " : "",
			 kind != s->kind ? ike_kind_name(s->kind) : "");
	}
	if (script && ike_mut_find(s, IKE_MUT_REPEAT)) {
		/* the same bytes again at once: the peer's duplicate to handle */
		ike_xmit(e, dgram);
		ev = ike_event_add(e, now, true, kind, m, dgram, plain);
		ev->mutated = true;
		ike_note(ev, "repeated at once");
	}
	log_debug("%s: -> %s msgid %08" PRIx32 " %zu bytes", e->name, ike_kind_name(kind),
		  m->hdr.msgid, dgram.len);
	if (kind == IKE_K_NOTIFY) {
		const struct wire_node *n = wire_find(m, WIRE_PL_N, 0);
		if (n)
			ike_notify_add(e, now, true, flags & WIRE_F_ENC, (uint16_t)n->subtype,
				       (uint8_t)n->protocol, n->spi, n->data);
	} else {
		ike_notify_embedded(e, m, now, true, flags & WIRE_F_ENC);
	}
	/* the answer to the last request, resent when it comes again */
	if (e->last_seen >= 0 && !e->seen[e->last_seen].reply.len &&
	    e->seen[e->last_seen].request)
		e->seen[e->last_seen].reply = chunk_dup(dgram.ptr, dgram.len);
	e->last_seen = -1;
	/* the initiator of an exchange retransmits until the answer comes */
	const struct ike_step *next = script && e->cur + 1 < e->nsteps ? &e->steps[e->cur + 1] : NULL;
	bool we_init = ike_kind_phase1(kind) ? sa->initiator : qm ? qm->initiator : false;
	chunk_free(&e->rt_dgram);
	e->rt_armed = false;
	if (((next && next->op == IKE_STEP_EXPECT) || e->rt_auto) && we_init &&
	    e->cfg->retrans_tries > 1) {
		e->rt_armed = true;
		e->rt_gave_up = false;
		e->rt_dgram = chunk_dup(dgram.ptr, dgram.len);
		e->rt_sent = 1;
		e->rt_timeout = e->cfg->retrans_ms ? e->cfg->retrans_ms : 500;
		e->rt_next = now + e->rt_timeout;
		e->rt_exchange = (uint8_t)m->hdr.exchange;
		e->rt_kind = kind;
		e->rt_msgid = m->hdr.msgid;
	}
	chunk_free(&plain);
	chunk_free(&dgram);
	wire_msg_free(m);
	ike_track(e);
	return true;
}

/* A step's message, or what its mutations send in its place. */
static bool ike_send(struct ike_engine *e, const struct ike_step *s, const struct ike_info *info,
		     uint64_t now, bool script)
{
	struct ike_sa *sa = e->sa;
	if (!sa)
		return ike_script_fail(e, "no SA to send on"), false;
	if (!script)
		return ike_send_kind(e, s, s->kind, info, now, false);
	bool stale = ike_mut_find(s, IKE_MUT_STALE) != NULL;
	if (stale || ike_mut_find(s, IKE_MUT_REPLAY))
		return ike_send_again(e, s, stale, now);
	const struct ike_mutation *early = ike_mut_find(s, IKE_MUT_EARLY);
	if (!early)
		return ike_send_kind(e, s, s->kind, info, now, true);
	/* a later message from the SA as it is: Quick Mode once there are
	   keys, as if phase 1 were done; the SA's state stays where it was */
	enum ike_kind kind = (enum ike_kind)early->value;
	enum ike_sa_state was = sa->state;
	if (ike_kind_quick(kind) && was >= IKE_SA_KEYED)
		sa->state = IKE_SA_ESTABLISHED;
	bool ok = ike_send_kind(e, s, kind, info, now, true);
	sa->state = was;
	if (!ok)
		e->res.mutation_unfit = true;
	return ok;
}

/* A notify we send on our own: refusing a message. */
static void ike_send_error(struct ike_engine *e, uint16_t type, uint64_t now)
{
	if (!e->cfg->notify_errors || !type || !e->sa || !e->have_peer)
		return;
	struct ike_step s = { .op = IKE_STEP_SEND, .kind = IKE_K_NOTIFY, .notify = type };
	struct ike_info in = { .notify = type, .protocol = 1 };
	ike_send(e, &s, &in, now, false);
}

/* ---- child lifetimes and automatic rekey ---- */

/* RFC 2407 4.5: without a lifetime attribute an SA lives 28800 s. */
#define IKE_CHILD_DEFAULT_LIFE_S 28800u
/* After our rekey, the old child's Delete waits this long: the peer may
 * have sent on the old SA before it saw qm3, and those packets are still
 * welcome (outbound moves to the new child at once). strongSwan's IKEv1
 * initiator waits for the old child's hard lifetime instead. */
#define IKE_REKEY_DELETE_DELAY_MS 1000u

static bool ike_ts_same(const struct ike_ts *a, const struct ike_ts *b)
{
	return a->set == b->set && a->type == b->type && a->proto == b->proto &&
	       a->port == b->port && a->len == b->len && a->len <= sizeof(a->data) &&
	       memcmp(a->data, b->data, a->len) == 0;
}

static uint32_t ike_spi_u32(const uint8_t spi[4])
{
	return (uint32_t)spi[0] << 24 | (uint32_t)spi[1] << 16 | (uint32_t)spi[2] << 8 | spi[3];
}

/* A child the engine has not seen yet: its clock starts now. If it is our
 * rekey's, the old one is Deleted (RFC 2409 has no rekey exchange: a new
 * Quick Mode, then a Delete of the old SA); otherwise it replaces an older
 * live child with the same selectors (the peer's rekey, whose Delete
 * follows). */
static void ike_child_up(struct ike_engine *e, size_t i, uint64_t now)
{
	struct ike_sa *sa = e->sa;
	struct ike_child *c = &sa->child[i];
	uint64_t life = c->xf.life_sec ? c->xf.life_sec : IKE_CHILD_DEFAULT_LIFE_S;
	c->stamped = true;
	c->up_ms = now;
	c->expires_ms = now + life * 1000;
	uint32_t msgid = c->msgid;
	log_info("%s: child up: ESP in %08" PRIx32 " out %08" PRIx32 ", expires in %" PRIu64 " s",
		 e->name, ike_spi_u32(c->spi_in), ike_spi_u32(c->spi_out), life);
	if (e->rekey_msgid && msgid == e->rekey_msgid) {
		e->rekey_msgid = 0;
		struct ike_child *old = ike_sa_child_by_spi(sa, e->rekey_old, true);
		if (!old || !ike_child_live(old))
			return;
		old->rekeyed_by = msgid;
		e->del_pending = true;
		memcpy(e->del_spi, e->rekey_old, 4);
		e->del_at = now + IKE_REKEY_DELETE_DELAY_MS;
		if (old->expires_ms < e->del_at)
			e->del_at = old->expires_ms;
		return;
	}
	for (size_t j = 0; j < i; j++) {
		struct ike_child *o = &sa->child[j];
		if (ike_child_live(o) && !o->rekeyed_by && ike_ts_same(&o->ts_local, &c->ts_local) &&
		    ike_ts_same(&o->ts_remote, &c->ts_remote))
			o->rekeyed_by = msgid;
	}
}

/* Stamp new children, mark expired ones, note phase-1 expiry, move the
 * generation when anything changed, and find the next deadline. */
static void ike_children_update(struct ike_engine *e, uint64_t now)
{
	struct ike_sa *sa = e->sa;
	e->auto_next = IKE_NEVER;
	if (!sa)
		return;
	size_t ndel = 0, nexp = 0;
	for (size_t i = 0; i < sa->nchild; i++) {
		if (!sa->child[i].stamped)
			ike_child_up(e, i, now);
		/* ike_child_up may send: the array itself does not move */
		struct ike_child *c = &sa->child[i];
		if (!c->expired && now >= c->expires_ms) {
			c->expired = true;
			log_info("%s: child ESP in %08" PRIx32 " expired%s", e->name,
				 ike_spi_u32(c->spi_in), c->deleted ? " (deleted before)" : "");
		}
		if (!ike_child_live(c) && !c->gone_ms)
			c->gone_ms = now;
		if (!c->expired && c->expires_ms < e->auto_next)
			e->auto_next = c->expires_ms;
		ndel += c->deleted;
		nexp += c->expired;
	}
	if (sa->nchild != e->seen_nchild || ndel != e->seen_ndel || nexp != e->seen_nexp) {
		e->seen_nchild = sa->nchild;
		e->seen_ndel = ndel;
		e->seen_nexp = nexp;
		e->res.child_gen++;
	}
	/* phase 1 (RFC 2409 4: the ISAKMP SA expires too; no new Quick Mode
	   on it after) */
	if (e->res.established && !e->p1_stamped) {
		e->p1_stamped = true;
		e->res.p1_up_ms = now;
	}
	if (e->p1_stamped && sa->xf.life_sec && !e->res.p1_expired) {
		uint64_t end = e->res.p1_up_ms + (uint64_t)sa->xf.life_sec * 1000;
		if (now >= end) {
			e->res.p1_expired = true;
			log_info("%s: phase-1 lifetime of %" PRIu32 " s over", e->name, sa->xf.life_sec);
		} else if (e->rekey_margin && end < e->auto_next) {
			e->auto_next = end;
		}
	}
	if (!e->rekey_margin || !e->res.finished || e->res.failed || e->res.p1_expired)
		return;
	if (e->del_pending && e->del_at < e->auto_next)
		e->auto_next = e->del_at;
	for (size_t i = 0; i < sa->nchild; i++) {
		const struct ike_child *c = &sa->child[i];
		uint64_t life = c->expires_ms - c->up_ms;
		if (c->initiator && ike_child_live(c) && !c->rekeyed_by && life > e->rekey_margin &&
		    c->expires_ms - e->rekey_margin < e->auto_next &&
		    !(e->rekey_have_gave_up && !memcmp(e->rekey_gave_up, c->spi_in, 4)))
			e->auto_next = c->expires_ms - e->rekey_margin;
	}
}

/* Once the script is done: a child we initiated that is within the margin
 * of its end gets a successor (one rekey in flight at a time). */
static void ike_rekey_tick(struct ike_engine *e, uint64_t now)
{
	struct ike_sa *sa = e->sa;
	if (e->rekey_msgid && e->rt_gave_up) {
		log_info("%s: rekey of %08" PRIx32 ": no answer", e->name, ike_spi_u32(e->rekey_old));
		e->rt_gave_up = false;
		memcpy(e->rekey_gave_up, e->rekey_old, 4);
		e->rekey_have_gave_up = true;
		e->rekey_msgid = 0;
		e->res.rekeys_failed++;
	}
	/* the replaced child's Delete, once its packets in flight are in
	   (nothing is sent on an expired phase 1) */
	if (sa && e->del_pending && now >= e->del_at && !e->res.p1_expired &&
	    sa->state == IKE_SA_ESTABLISHED) {
		e->del_pending = false;
		struct ike_child *old = ike_sa_child_by_spi(sa, e->del_spi, true);
		struct ike_step d = { .op = IKE_STEP_SEND, .kind = IKE_K_DELETE };
		struct ike_info in = { .protocol = IKE_PROTO_ESP, .spi = CHUNK_FROM(e->del_spi, 4) };
		if (old && !old->deleted) {
			if (!ike_send(e, &d, &in, now, false))
				log_warn("%s: rekey: no Delete for %08" PRIx32, e->name,
					 ike_spi_u32(e->del_spi));
			else if (e->res.nevent)
				ike_note(&e->res.event[e->res.nevent - 1], "rekeyed: old child %08" PRIx32,
					 ike_spi_u32(e->del_spi));
		}
	}
	if (!sa || !e->rekey_margin || !e->res.finished || e->res.failed || e->res.p1_expired ||
	    e->rekey_msgid || sa->state != IKE_SA_ESTABLISHED || !e->have_peer || !e->cfg->np2)
		return;
	for (size_t i = 0; i < sa->nchild; i++) {
		struct ike_child *c = &sa->child[i];
		uint64_t life = c->expires_ms - c->up_ms;
		if (!c->stamped || !c->initiator || !ike_child_live(c) || c->rekeyed_by ||
		    life <= e->rekey_margin || now < c->expires_ms - e->rekey_margin ||
		    (e->rekey_have_gave_up && !memcmp(e->rekey_gave_up, c->spi_in, 4)))
			continue;
		memcpy(e->rekey_old, c->spi_in, 4);
		e->qm = ike_sa_qm_new(sa, 0, true);
		e->rekey_msgid = e->qm->msgid;
		e->res.rekeys++;
		log_info("%s: rekey of child %08" PRIx32 " (%" PRIu64 " ms left): qm1 msgid %08" PRIx32,
			 e->name, ike_spi_u32(c->spi_in), c->expires_ms - now, e->rekey_msgid);
		struct ike_step s = { .op = IKE_STEP_SEND, .kind = IKE_K_QM1 };
		e->rt_auto = true;
		bool ok = ike_send(e, &s, NULL, now, false);
		e->rt_auto = false;
		if (ok) {
			ike_note(&e->res.event[e->res.nevent - 1], "rekey of %08" PRIx32,
				 ike_spi_u32(e->rekey_old));
		} else {
			memcpy(e->rekey_gave_up, e->rekey_old, 4);
			e->rekey_have_gave_up = true;
			e->rekey_msgid = 0;
			e->res.rekeys_failed++;
		}
		return;
	}
}

/* RFC 2408 5.15: a Delete for an SA we do not have is logged, no more. */
static void ike_delete_unknown(struct ike_engine *e, chunk_t spis, struct ike_event *ev)
{
	for (size_t k = 0; k + 4 <= spis.len; k += 4) {
		if (ike_sa_child_by_spi(e->sa, spis.ptr + k, false))
			continue;
		e->res.delete_unknown++;
		ike_note(ev, "delete: SPI %08" PRIx32 " names no child: ignored",
			 ike_spi_u32(spis.ptr + k));
		log_info("%s: %s", e->name, ev->note);
	}
}

/* ---- receiving ---- */

static bool ike_seen_find(struct ike_engine *e, const uint8_t h[32], struct ike_seen **out)
{
	for (size_t i = 0; i < IKE_SEEN; i++)
		if (e->seen[i].used && memcmp(e->seen[i].hash, h, 32) == 0) {
			*out = &e->seen[i];
			return true;
		}
	return false;
}

static void ike_seen_add(struct ike_engine *e, const uint8_t h[32], bool request)
{
	struct ike_seen *s = &e->seen[e->seen_next];
	chunk_free(&s->reply);
	s->used = true;
	s->request = request;
	memcpy(s->hash, h, 32);
	e->last_seen = (long)e->seen_next;
	e->seen_next = (e->seen_next + 1) % IKE_SEEN;
}

static const struct ike_step *ike_cur(struct ike_engine *e)
{
	return !ike_engine_done(e) && e->cur < e->nsteps ? &e->steps[e->cur] : NULL;
}

static void ike_natt_follow(struct ike_sa *sa, const struct transport_pkt *pkt, bool authentic);

static void ike_input_info(struct ike_engine *e, const struct wire_msg *m, bool prot,
			   struct ike_event *ev, const struct transport_pkt *pkt, uint64_t now)
{
	struct ike_status st;
	struct ike_info in;
	enum ike_kind kind;
	char nb[64];
	if (!ike_process_info(e->sa, m, prot, &kind, &in, &st)) {
		ike_note(ev, "refused: %s", st.msg);
		return;
	}
	ike_natt_follow(e->sa, pkt, prot);
	ev->kind = kind;
	if (kind != IKE_K_DELETE)
		ike_notify_add(e, now, false, prot, in.notify, in.protocol, in.spi, in.data);
	ike_note(ev, "%s%s", kind == IKE_K_DELETE ? "delete" :
		 names_fmt(NAMES_NOTIFY, in.notify, nb, sizeof(nb)), prot ? "" : " (unprotected)");
	if (kind == IKE_K_DELETE && prot && in.protocol == IKE_PROTO_ESP)
		ike_delete_unknown(e, in.spi, ev);
	ike_track(e);
	const struct ike_step *s = ike_cur(e);
	if (kind == IKE_K_DPD) {
		/* answered whatever the script does (RFC 3706 5.3) */
		struct ike_step a = { .op = IKE_STEP_SEND, .kind = IKE_K_DPD_ACK };
		struct ike_info ai = { .seq = in.seq };
		if (e->last_seen >= 0)
			e->seen[e->last_seen].request = true;
		ike_send(e, &a, &ai, now, false);
	}
	if (!s)
		return;
	if (s->op == IKE_STEP_EXPECT && s->kind == kind) {
		ike_advance(e);
	} else if (s->op == IKE_STEP_EXPECT_NOTIFY && kind == IKE_K_NOTIFY &&
		   (!s->notify || s->notify == in.notify)) {
		ike_advance(e);
	} else if (s->op == IKE_STEP_EXPECT_SILENCE) {
		ike_script_fail(e, "got %s", ev->note);
	} else if (kind == IKE_K_NOTIFY && in.notify < 16384 &&
		   (s->op == IKE_STEP_EXPECT || s->op == IKE_STEP_EXPECT_NOTIFY)) {
		/* an error notify ends the wait: the peer refused */
		ike_script_fail(e, "peer sent notify %s", names_fmt(NAMES_NOTIFY, in.notify, nb, sizeof(nb)));
	} else if (kind == IKE_K_DELETE && e->sa->state == IKE_SA_DELETED &&
		   s->op == IKE_STEP_EXPECT) {
		ike_script_fail(e, "peer deleted the ISAKMP SA");
	}
}

/* Our own automatic rekey: qm2 -> qm3 (and a qm4 with the commit bit
 * taken). The new child comes up here; ike_children_update deletes the
 * old one. */
static bool ike_serve_rekey(struct ike_engine *e, enum ike_kind kind, struct ike_qm *qm,
			    const struct wire_msg *m, struct ike_event *ev, uint64_t now)
{
	struct ike_status st;
	char nb[64];
	if (!e->rekey_msgid || qm->msgid != e->rekey_msgid)
		return false;
	if (!((kind == IKE_K_QM2 && qm->state == IKE_QM_SENT1) || kind == IKE_K_QM4))
		return false;
	if (kind == IKE_K_QM4) {
		/* the responder's commit acknowledgement: nothing left to do */
		if (!ike_process(e->sa, kind, qm, m, &st))
			ike_note(ev, "rekey qm4 refused: %s", st.msg);
		return true;
	}
	e->rt_armed = false;
	if (!ike_process(e->sa, kind, qm, m, &st)) {
		ike_note(ev, "rekey refused (%s): %s",
			 names_fmt(NAMES_NOTIFY, st.notify, nb, sizeof(nb)), st.msg);
		qm->state = IKE_QM_FAILED;
		memcpy(e->rekey_gave_up, e->rekey_old, 4);
		e->rekey_have_gave_up = true;
		e->rekey_msgid = 0;
		e->res.rekeys_failed++;
		ike_send_error(e, st.notify, now);
		return true;
	}
	e->qm = qm;
	struct ike_step a = { .op = IKE_STEP_SEND, .kind = IKE_K_QM3 };
	ike_send(e, &a, NULL, now, false);
	ike_note(ev, "rekey");
	return true;
}

/* After the script: a responder's Quick Mode, answered as the default
 * script would (qm1 -> qm2, qm3 -> qm4 with the commit bit). */
static bool ike_serve(struct ike_engine *e, enum ike_kind kind, struct ike_qm *qm,
		      const struct wire_msg *m, struct ike_event *ev,
		      const struct transport_pkt *pkt, uint64_t now)
{
	struct ike_status st;
	char nb[64];
	if (qm && qm->initiator && e->have_peer)
		return ike_serve_rekey(e, kind, qm, m, ev, now);
	if (!e->serve || !qm || qm->initiator || !e->have_peer)
		return false;
	if (!((kind == IKE_K_QM1 && qm->state == IKE_QM_NEW) ||
	      (kind == IKE_K_QM3 && qm->state == IKE_QM_SENT2)))
		return false;
	if (!ike_process(e->sa, kind, qm, m, &st)) {
		ike_note(ev, "refused (%s): %s", names_fmt(NAMES_NOTIFY, st.notify, nb, sizeof(nb)),
			 st.msg);
		qm->state = IKE_QM_FAILED;
		ike_send_error(e, st.notify, now);
		return true;
	}
	ike_natt_follow(e->sa, pkt, true);
	e->qm = qm;
	struct ike_step a = { .op = IKE_STEP_SEND, .kind = kind == IKE_K_QM1 ? IKE_K_QM2 : IKE_K_QM4 };
	if (kind == IKE_K_QM1 || e->cfg->commit)
		ike_send(e, &a, NULL, now, false);
	ike_track(e);
	return true;
}

/* The SA learns where the peer really is: our address from the packet's
 * destination when bound to a wildcard (NAT-D hashes it), and after a
 * float, the peer's NAT-T address and port from authenticated messages
 * (RFC 3947 5: a NAT may change the mapping). authentic: the message was
 * protected and passed its checks (its HASH verified), so a forged or
 * damaged one from a new port never moves the peer. */
static void ike_natt_follow(struct ike_sa *sa, const struct transport_pkt *pkt, bool authentic)
{
	if (ike_addr_unspec(&sa->local) && !pkt->natt && pkt->dst.family == sa->local.family)
		sa->local = pkt->dst;
	if (pkt->natt && authentic && sa->natt_version) {
		sa->natt_floated = true;
		sa->peer = pkt->src;
	}
}

/* A responder with no SA yet refusing a first message (cookie R zero, in
 * the clear): an SA to send the notify from, with the initiator's cookie.
 * Not used for anything else: the script fails with the refusal. */
static bool ike_refusal_sa(struct ike_engine *e, const struct wire_msg *m,
			   const struct transport_pkt *pkt)
{
	static const uint8_t zero[8];
	if (e->cfg->role != IKE_RESPONDER || memcmp(m->hdr.rcookie, zero, 8) != 0 ||
	    (m->hdr.flags & WIRE_F_ENC))
		return false;
	/* one made for this message that has not learnt the cookie yet */
	if (e->sa && (e->sa->initiator || memcmp(e->sa->icookie, zero, 8) != 0))
		return false;
	if (!e->have_peer) {
		e->peer = pkt->src;
		e->have_peer = true;
	}
	if (!e->sa)
		e->sa = ike_sa_new(e->cfg, &e->local, &e->peer);
	memcpy(e->sa->icookie, m->hdr.icookie, 8);
	return true;
}

/* A message we refuse belongs to our SA: both cookies match, or we are
 * the initiator waiting for the first answer (mm2/am2), whose responder
 * cookie the notify needs (the responder finds its SA by both). */
static bool ike_refusal_ours(struct ike_engine *e, const struct wire_msg *m)
{
	static const uint8_t zero[8];
	struct ike_sa *sa = e->sa;
	if (!sa || memcmp(m->hdr.icookie, sa->icookie, 8) != 0)
		return false;
	if (sa->initiator && memcmp(sa->rcookie, zero, 8) == 0 &&
	    memcmp(m->hdr.rcookie, zero, 8) != 0) {
		memcpy(sa->rcookie, m->hdr.rcookie, 8);
		return true;
	}
	return memcmp(m->hdr.rcookie, sa->rcookie, 8) == 0;
}

static void ike_engine_input1(struct ike_engine *e, const struct transport_pkt *pkt,
			      uint64_t now)
{
	if (pkt->kind != TRANSPORT_PKT_IKE)
		return;
	chunk_t d = pkt->data;
	struct wire_msg *m = NULL;
	struct wire_err we;
	uint8_t h[32];
	ike_dgram_hash(d, h);
	struct ike_seen *seen;
	if (ike_seen_find(e, h, &seen)) {
		struct ike_event *ev = ike_event_add(e, now, false, IKE_K_NONE, NULL, d, CHUNK_EMPTY);
		ike_event_from(ev, pkt);
		ev->duplicate = true;
		if (seen->reply.len) {
			ike_xmit(e, seen->reply);
			ike_note(ev, "duplicate: last reply resent");
			struct ike_event *rv = ike_event_add(e, now, true, IKE_K_NONE, NULL, seen->reply,
							     CHUNK_EMPTY);
			rv->retransmit = true;
			ike_note(rv, "reply to a duplicate");
		} else {
			ike_note(ev, "duplicate: ignored");
		}
		return;
	}
	bool ok = wire_parse(d.ptr, d.len, &m, &we);
	struct ike_event *ev = ike_event_add(e, now, false, IKE_K_NONE, ok ? m : NULL, d, CHUNK_EMPTY);
	ike_event_from(ev, pkt);
	if (!ok) {
		ike_note(ev, "unparsable: %s", we.msg);
		/* a broken first message: the initiator still hears why (RFC
		   2408 5.1, 5.2 answer header and payload errors with a notify) */
		if (m && ike_refusal_sa(e, m, pkt)) {
			ike_script_fail(e, "unparsable message: %s", we.msg);
			ike_send_error(e, we.notify, now);
		} else if (m && ike_refusal_ours(e, m)) {
			const struct ike_step *s = ike_cur(e);
			if (s && (s->op == IKE_STEP_EXPECT || s->op == IKE_STEP_EXPECT_SILENCE))
				ike_script_fail(e, "unparsable message: %s", we.msg);
			ike_send_error(e, we.notify, now);
		}
		wire_msg_free(m);
		return;
	}
	/* a responder's SA starts with the first message of a phase 1 */
	static const uint8_t zero[8];
	if (!e->sa && e->cfg->role == IKE_RESPONDER &&
	    (m->hdr.exchange == WIRE_X_MAIN || m->hdr.exchange == WIRE_X_AGGR) &&
	    memcmp(m->hdr.rcookie, zero, 8) == 0 && !(m->hdr.flags & WIRE_F_ENC)) {
		if (!e->have_peer) {
			e->peer = pkt->src;
			e->have_peer = true;
		}
		e->sa = ike_sa_new(e->cfg, &e->local, &e->peer);
	}
	/* RFC 2408 5.1, 5.2: header and payload checks before anything else;
	   an encrypted message's payloads are checked once decrypted;
	   RESERVED fields must be zero (RFC 2408 3.2) */
	if (!wire_validate(m, WIRE_V_RESERVED, &we)) {
		ike_note(ev, "refused: %s", we.msg);
		if (ike_refusal_sa(e, m, pkt) ||
		    (m->hdr.exchange != WIRE_X_INFO && ike_refusal_ours(e, m))) {
			const struct ike_step *s = ike_cur(e);
			if (s && s->op != IKE_STEP_SEND)
				ike_script_fail(e, "refused: %s", we.msg);
			ike_send_error(e, we.notify, now);
		}
		wire_msg_free(m);
		return;
	}
	struct ike_sa *sa = e->sa;
	bool fresh = sa && !sa->initiator && memcmp(sa->icookie, zero, 8) == 0;
	if (!sa || (!fresh && (memcmp(m->hdr.icookie, sa->icookie, 8) != 0 ||
			       (memcmp(sa->rcookie, zero, 8) != 0 &&
				memcmp(m->hdr.rcookie, sa->rcookie, 8) != 0)))) {
		ike_note(ev, "no SA for these cookies: ignored");
		wire_msg_free(m);
		return;
	}
	enum ike_kind kind = ike_classify(sa, m);
	ev->kind = kind;
	struct ike_qm *qm = NULL;
	if (ike_kind_quick(kind)) {
		qm = ike_sa_qm_find(sa, m->hdr.msgid);
		if (!qm && kind == IKE_K_QM1 && sa->state == IKE_SA_ESTABLISHED)
			qm = ike_sa_qm_new(sa, m->hdr.msgid, false);
	}
	struct ike_status st;
	ike_status_ok(&st);
	chunk_t plain = CHUNK_EMPTY;
	bool prot = m->hdr.flags & WIRE_F_ENC;
	if (prot) {
		chunk_t *iv = ike_crypt_chain(sa, m->hdr.msgid, &st);
		if (!iv || !ike_crypt_decrypt(sa, iv, m, &plain, &st)) {
			ike_note(ev, "%s: %s", ike_kind_name(kind), st.msg);
			/* what we wait for, undecryptable (a wrong PSK looks like this) */
			const struct ike_step *s = ike_cur(e);
			if (s && s->op == IKE_STEP_EXPECT && s->kind == kind) {
				ike_script_fail(e, "%s refused: %s", ike_kind_name(kind), st.msg);
				ike_send_error(e, st.notify, now);
			} else if (!s && e->serve && (kind == IKE_K_QM1 || kind == IKE_K_QM3)) {
				/* serving Quick Modes: the same answer as in a script */
				if (qm)
					qm->state = IKE_QM_FAILED;
				ike_send_error(e, st.notify, now);
			}
			wire_msg_free(m);
			chunk_free(&plain);
			return;
		}
		ev->plaintext = plain;
		if (!wire_validate(m, WIRE_V_RESERVED, &we)) {
			ike_note(ev, "%s refused: %s", ike_kind_name(kind), we.msg);
			/* RFC 2408 5.14, 5.15: a bad Informational is logged, not
			   answered (two peers must not loop on notifies) */
			const struct ike_step *s = ike_cur(e);
			if (m->hdr.exchange != WIRE_X_INFO) {
				if (s && s->op == IKE_STEP_EXPECT && s->kind == kind)
					ike_script_fail(e, "%s refused: %s", ike_kind_name(kind),
							we.msg);
				if (qm)
					qm->state = IKE_QM_FAILED;
				ike_send_error(e, we.notify, now);
			}
			wire_msg_free(m);
			return;
		}
	}
	ike_natt_follow(sa, pkt, false);
	bool request = (ike_kind_phase1(kind) && !sa->initiator) ||
		       (qm && !qm->initiator);
	ike_seen_add(e, h, request);
	if (m->hdr.exchange == WIRE_X_INFO) {
		ike_input_info(e, m, prot, ev, pkt, now);
		wire_msg_free(m);
		return;
	}
	const struct ike_step *s = ike_cur(e);
	/* a fresh SA can only get the first message, an initiator without
	   the responder's cookie only the first answer: one too broken to be
	   classified as such (mm1 without its SA looks like mm3) is still
	   it, and its rules refuse it with their notify */
	bool first_answer = sa->initiator && memcmp(sa->rcookie, zero, 8) == 0;
	if ((fresh || first_answer) && s && s->op == IKE_STEP_EXPECT && kind != s->kind &&
	    (((s->kind == IKE_K_MM1 || s->kind == IKE_K_MM2) && m->hdr.exchange == WIRE_X_MAIN) ||
	     ((s->kind == IKE_K_AM1 || s->kind == IKE_K_AM2) && m->hdr.exchange == WIRE_X_AGGR)))
		ev->kind = kind = s->kind;
	if (!s && ike_serve(e, kind, qm, m, ev, pkt, now)) {
		wire_msg_free(m);
		return;
	}
	if (!s || s->op != IKE_STEP_EXPECT || s->kind != kind) {
		char sb[80];
		ike_note(ev, "unexpected %s (script: %s): ignored", ike_kind_name(kind),
			 s ? ike_step_str(s, sb, sizeof(sb)) : "done");
		if (s && (s->op == IKE_STEP_EXPECT_SILENCE || s->op == IKE_STEP_EXPECT_NOTIFY) &&
		    !s->or_silence)
			ike_script_fail(e, "got %s", ike_kind_name(kind));
		else if (s && s->op == IKE_STEP_EXPECT_SILENCE)
			ike_script_fail(e, "got %s", ike_kind_name(kind));
		wire_msg_free(m);
		return;
	}
	if (!ike_process(sa, kind, qm, m, &st)) {
		char nb[64];
		ike_note(ev, "refused (%s): %s", names_fmt(NAMES_NOTIFY, st.notify, nb, sizeof(nb)),
			 st.msg);
		if (qm)
			qm->state = IKE_QM_FAILED;
		ike_script_fail(e, "%s refused: %s", ike_kind_name(kind), st.msg);
		if (fresh)   /* refused mm1/am1: answer with the initiator's cookie */
			ike_refusal_sa(e, m, pkt);
		else         /* refused mm2/am2: with the responder's */
			ike_refusal_ours(e, m);
		ike_send_error(e, st.notify, now);
		wire_msg_free(m);
		return;
	}
	ike_natt_follow(sa, pkt, prot);
	if (kind == IKE_K_QM1)
		e->qm = qm;
	ike_notify_embedded(e, m, now, false, prot);
	if (e->rt_armed)
		e->rt_armed = false;
	ike_track(e);
	ike_advance(e);
	wire_msg_free(m);
}

bool ike_engine_send_dpd(struct ike_engine *e, uint64_t now)
{
	if (!e->sa || e->sa->state != IKE_SA_ESTABLISHED || !e->have_peer)
		return false;
	struct ike_step s = { .op = IKE_STEP_SEND, .kind = IKE_K_DPD };
	struct ike_info in = { .seq = ++e->sa->dpd_seq };
	return ike_send(e, &s, &in, now, false);
}

void ike_engine_input(struct ike_engine *e, const struct transport_pkt *pkt, uint64_t now)
{
	ike_engine_input1(e, pkt, now);
	ike_children_update(e, now);
}

size_t ike_engine_poll(struct ike_engine *e, uint64_t now)
{
	size_t n = 0;
	struct transport_pkt pkt;
	while (transport_recv(e->t, &pkt) == 1) {
		ike_engine_input(e, &pkt, now);
		transport_pkt_free(&pkt);
		n++;
	}
	return n;
}

static uint64_t ike_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* How long a responder waits for the next message when the script gives
 * no time: the initiator's whole retransmission schedule. */
static uint64_t ike_default_wait(const struct ike_config *c)
{
	uint64_t t = 0, to = c->retrans_ms ? c->retrans_ms : 500;
	for (unsigned i = 0; i < (c->retrans_tries ? c->retrans_tries : 1); i++) {
		t += to;
		to = ike_min(to * 2, c->retrans_max_ms ? c->retrans_max_ms : to * 2);
	}
	return t + 1000;
}

static uint64_t ike_engine_tick1(struct ike_engine *e, uint64_t now)
{
	/* retransmission first: it may decide an expectation */
	if (e->rt_armed && now >= e->rt_next) {
		if (e->rt_sent < e->cfg->retrans_tries) {
			ike_xmit(e, e->rt_dgram);
			struct ike_event *ev = ike_event_add(e, now, true, e->rt_kind, NULL, e->rt_dgram,
							     CHUNK_EMPTY);
			ev->retransmit = true;
			ev->exchange = e->rt_exchange;
			ev->msgid = e->rt_msgid;
			ike_note(ev, "retransmission %u", e->rt_sent);
			e->rt_sent++;
			e->rt_timeout = (uint32_t)ike_min((uint64_t)e->rt_timeout * 2,
							  e->cfg->retrans_max_ms ? e->cfg->retrans_max_ms
										 : (uint64_t)e->rt_timeout * 2);
			e->rt_next = now + e->rt_timeout;
		} else {
			e->rt_armed = false;
			e->rt_gave_up = true;
		}
	}
	while (!ike_engine_done(e) && e->cur < e->nsteps) {
		const struct ike_step *s = &e->steps[e->cur];
		switch (s->op) {
		case IKE_STEP_SEND: {
			struct ike_info in = { .notify = s->notify, .protocol = s->protocol };
			if (e->sa && s->kind == IKE_K_DPD)
				in.seq = ++e->sa->dpd_seq;
			else if (e->sa && s->kind == IKE_K_DPD_ACK)
				in.seq = e->sa->dpd_peer_seq;
			if (!e->have_peer) {
				ike_script_fail(e, "no peer address to send to");
				break;
			}
			if (ike_send(e, s, &in, now, true))
				ike_advance(e);
			break;
		}
		case IKE_STEP_EXPECT:
		case IKE_STEP_EXPECT_NOTIFY:
		case IKE_STEP_EXPECT_SILENCE:
			if (!e->started) {
				e->started = true;
				e->deadline = s->within_ms ? now + s->within_ms
					      : e->rt_armed ? IKE_NEVER : now + ike_default_wait(e->cfg);
			}
			if (e->rt_gave_up && !s->within_ms) {
				e->rt_gave_up = false;
				if (s->or_silence)
					ike_advance(e);
				else
					ike_script_fail(e, "no answer after %u sends", e->cfg->retrans_tries);
				break;
			}
			if (now >= e->deadline) {
				if (s->op == IKE_STEP_EXPECT_SILENCE || s->or_silence)
					ike_advance(e);
				else
					ike_script_fail(e, "nothing within %" PRIu64 " ms",
							(uint64_t)(s->within_ms ? s->within_ms
								   : ike_default_wait(e->cfg)));
				break;
			}
			return ike_min(e->deadline, e->rt_armed ? e->rt_next : IKE_NEVER);
		case IKE_STEP_WAIT:
			if (!e->started) {
				e->started = true;
				e->deadline = now + s->wait_ms;
			}
			if (now < e->deadline)
				return ike_min(e->deadline, e->rt_armed ? e->rt_next : IKE_NEVER);
			ike_advance(e);
			break;
		case IKE_STEP_CHECK:
			if (!e->sa || e->sa->state != s->state)
				ike_script_fail(e, "SA state is %s",
						e->sa ? ike_sa_state_name(e->sa->state) : "(no SA)");
			else
				ike_advance(e);
			break;
		}
	}
	return e->rt_armed ? e->rt_next : IKE_NEVER;
}

uint64_t ike_engine_tick(struct ike_engine *e, uint64_t now)
{
	ike_children_update(e, now);
	uint64_t next = ike_engine_tick1(e, now);
	ike_rekey_tick(e, now);
	ike_children_update(e, now);
	return ike_min(next, e->auto_next);
}

uint64_t ike_run(struct ike_engine **e, size_t n, struct transport_hub *hub,
		 uint64_t start_ms, uint64_t limit_ms)
{
	uint64_t now = start_ms;
	transport_hub_set_time(hub, now);
	for (;;) {
		uint64_t next = IKE_NEVER;
		size_t before, moved;
		do {
			before = transport_hub_stats(hub).sent;
			moved = 0;
			next = IKE_NEVER;
			for (size_t i = 0; i < n; i++)
				next = ike_min(next, ike_engine_tick(e[i], now));
			for (size_t i = 0; i < n; i++)
				moved += ike_engine_poll(e[i], now);
		} while (moved || transport_hub_stats(hub).sent != before);
		bool all = true;
		for (size_t i = 0; i < n; i++)
			all = all && ike_engine_done(e[i]) &&
			      !(e[i]->rekey_margin && e[i]->auto_next != IKE_NEVER);
		/* done scripts may still retransmit or wait on nothing: stop */
		if (all || next == IKE_NEVER || next > limit_ms)
			break;
		now = next;
		transport_hub_set_time(hub, now);
	}
	return now;
}
