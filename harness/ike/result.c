/* The record of an engine's run: timeline events, notifications sent and
 * received, the script's failure, and the result as the caller sees it. */
#include "ike/engine_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"

/* The phase-1 ID we sent, from its body as it went out (type, protocol,
 * port, data); type 0 before it did. */
static void ike_result_our_id(const struct ike_sa *sa, struct ike_id *id)
{
	chunk_t b = sa->initiator ? sa->idii_b : sa->idir_b;
	memset(id, 0, sizeof(*id));
	if (b.len < 4 || b.len - 4 > IKE_MAX_ID)
		return;
	id->type = b.ptr[0];
	id->len = b.len - 4;
	memcpy(id->data, b.ptr + 4, id->len);
}

const struct ike_result *ike_engine_result(struct ike_engine *e)
{
	if (e->sa) {
		e->res.state = e->sa->state;
		e->res.p1 = e->sa->xf;
		e->res.child = e->sa->child;
		e->res.nchild = e->sa->nchild;
		e->res.peer_id = e->sa->peer_id;
		ike_result_our_id(e->sa, &e->res.our_id);
	}
	return &e->res;
}

bool ike_addr_unspec(const struct netaddr *a)
{
	static const uint8_t zero[16];
	return memcmp(a->ip, zero, netaddr_iplen(a)) == 0;
}

/* A received datagram's ends, as the transport saw them. */
void ike_event_from(struct ike_event *ev, const struct transport_pkt *pkt)
{
	ev->peer = pkt->src;
	ev->local = pkt->dst;
	ev->natt = pkt->natt;
}

struct ike_event *ike_event_add(struct ike_engine *e, uint64_t now, bool sent,
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

void ike_note(struct ike_event *ev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ev->note, sizeof(ev->note), fmt, ap);
	va_end(ap);
}

void ike_notify_add(struct ike_engine *e, uint64_t now, bool sent, bool prot,
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
void ike_notify_embedded(struct ike_engine *e, const struct wire_msg *m, uint64_t now,
			 bool sent, bool prot)
{
	const struct wire_node *n;
	for (size_t i = 0; (n = wire_find(m, WIRE_PL_N, i)); i++)
		ike_notify_add(e, now, sent, prot, (uint16_t)n->subtype, (uint8_t)n->protocol,
			       n->spi, n->data);
}

void ike_script_fail(struct ike_engine *e, const char *fmt, ...)
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

void ike_track(struct ike_engine *e)
{
	if (e->sa && e->sa->state == IKE_SA_ESTABLISHED)
		e->res.established = true;
}
