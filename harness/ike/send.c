/* A step's message, or what its message-order mutations send in its
 * place: a replay of our first datagram, a stale one (our last), a later
 * message early; and the messages the engine sends on its own (error
 * notifies, DPD). */
#include "ike/engine_internal.h"

#include <inttypes.h>

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

/* A step's message, or what its mutations send in its place. */
bool ike_send(struct ike_engine *e, const struct ike_step *s, const struct ike_info *info,
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
void ike_send_error(struct ike_engine *e, uint16_t type, uint64_t now)
{
	if (!e->cfg->notify_errors || !type || !e->sa || !e->have_peer)
		return;
	struct ike_step s = { .op = IKE_STEP_SEND, .kind = IKE_K_NOTIFY, .notify = type };
	struct ike_info in = { .notify = type, .protocol = 1 };
	ike_send(e, &s, &in, now, false);
}

bool ike_engine_send_dpd(struct ike_engine *e, uint64_t now)
{
	if (!e->sa || e->sa->state != IKE_SA_ESTABLISHED || !e->have_peer)
		return false;
	struct ike_step s = { .op = IKE_STEP_SEND, .kind = IKE_K_DPD };
	struct ike_info in = { .seq = ++e->sa->dpd_seq };
	return ike_send(e, &s, &in, now, false);
}
