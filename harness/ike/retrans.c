/* Retransmission of our last request on its timer, and duplicate
 * detection: a datagram seen before is known by its hash, and a request's
 * reply is resent for it. */
#include "ike/engine_internal.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/prf.h"

uint64_t ike_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t ike_default_wait(const struct ike_config *c)
{
	uint64_t t = 0, to = c->retrans_ms ? c->retrans_ms : 500;
	for (unsigned i = 0; i < (c->retrans_tries ? c->retrans_tries : 1); i++) {
		t += to;
		to = ike_min(to * 2, c->retrans_max_ms ? c->retrans_max_ms : to * 2);
	}
	return t + 1000;
}

/* The last request again when its timer is due, the timer doubling each
 * time up to retrans_max_ms; given up after retrans_tries sends. */
void ike_retransmit_tick(struct ike_engine *e, uint64_t now)
{
	if (!e->rt_armed || now < e->rt_next)
		return;
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

void ike_dgram_hash(chunk_t d, uint8_t out[32])
{
	chunk_t h = CHUNK_EMPTY;
	if (!prf_hashv(PRF_SHA2_256, 1, &d, &h, NULL) || h.len != 32)
		abort();
	memcpy(out, h.ptr, 32);
	chunk_free(&h);
}

static bool ike_seen_find(struct ike_engine *e, const uint8_t h[32], struct ike_seen **out)
{
	for (size_t i = 0; i < IKE_SEEN; i++)
		if (e->seen[i].used && memcmp(e->seen[i].hash, h, 32) == 0) {
			*out = &e->seen[i];
			return true;
		}
	return false;
}

void ike_seen_add(struct ike_engine *e, const uint8_t h[32], bool request)
{
	struct ike_seen *s = &e->seen[e->seen_next];
	chunk_free(&s->reply);
	s->used = true;
	s->request = request;
	memcpy(s->hash, h, 32);
	e->last_seen = (long)e->seen_next;
	e->seen_next = (e->seen_next + 1) % IKE_SEEN;
}

bool ike_seen_duplicate(struct ike_engine *e, const struct transport_pkt *pkt,
			const uint8_t h[32], uint64_t now)
{
	struct ike_seen *seen;
	if (!ike_seen_find(e, h, &seen))
		return false;
	struct ike_event *ev = ike_event_add(e, now, false, IKE_K_NONE, NULL, pkt->data,
					     CHUNK_EMPTY);
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
	return true;
}
