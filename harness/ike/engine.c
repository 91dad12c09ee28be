/* The engine: its life (new, settings, free) and its script, step by
 * step on each tick (send, expect, wait, check), with retransmission and
 * automatic rekey around it. Receiving is in input.c. Nothing here knows
 * about tests: a test is just another script. */
#include "ike/engine_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const struct ike_step *ike_engine_step(const struct ike_engine *e)
{
	return !ike_engine_done(e) && e->cur < e->nsteps ? &e->steps[e->cur] : NULL;
}

struct ike_sa *ike_engine_sa(struct ike_engine *e)
{
	return e->sa;
}

const struct ike_step *ike_cur(struct ike_engine *e)
{
	return !ike_engine_done(e) && e->cur < e->nsteps ? &e->steps[e->cur] : NULL;
}

void ike_advance(struct ike_engine *e)
{
	e->cur++;
	e->started = false;
	if (e->cur >= e->nsteps)
		e->res.finished = true;
}

/* A SEND step; DPD sequence numbers come from the SA. */
static void ike_step_send(struct ike_engine *e, const struct ike_step *s, uint64_t now)
{
	struct ike_info in = { .notify = s->notify, .protocol = s->protocol };
	if (e->sa && s->kind == IKE_K_DPD)
		in.seq = ++e->sa->dpd_seq;
	else if (e->sa && s->kind == IKE_K_DPD_ACK)
		in.seq = e->sa->dpd_peer_seq;
	if (!e->have_peer) {
		ike_script_fail(e, "no peer address to send to");
		return;
	}
	if (ike_send(e, s, &in, now, true))
		ike_advance(e);
}

/* An EXPECT step (input.c ends it when its message comes): true while it
 * waits, with the time to wake up in *wake; false once it is over (timed
 * out to silence, given up, failed). */
static bool ike_step_expect(struct ike_engine *e, const struct ike_step *s, uint64_t now,
			    uint64_t *wake)
{
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
		return false;
	}
	if (now >= e->deadline) {
		if (s->op == IKE_STEP_EXPECT_SILENCE || s->or_silence)
			ike_advance(e);
		else
			ike_script_fail(e, "nothing within %" PRIu64 " ms",
					(uint64_t)(s->within_ms ? s->within_ms
						   : ike_default_wait(e->cfg)));
		return false;
	}
	*wake = ike_min(e->deadline, e->rt_armed ? e->rt_next : IKE_NEVER);
	return true;
}

/* A WAIT step: true while it waits, with the time to wake up in *wake. */
static bool ike_step_wait(struct ike_engine *e, const struct ike_step *s, uint64_t now,
			  uint64_t *wake)
{
	if (!e->started) {
		e->started = true;
		e->deadline = now + s->wait_ms;
	}
	if (now < e->deadline) {
		*wake = ike_min(e->deadline, e->rt_armed ? e->rt_next : IKE_NEVER);
		return true;
	}
	ike_advance(e);
	return false;
}

/* A CHECK step: the SA's state. */
static void ike_step_check(struct ike_engine *e, const struct ike_step *s)
{
	if (!e->sa || e->sa->state != s->state)
		ike_script_fail(e, "SA state is %s",
				e->sa ? ike_sa_state_name(e->sa->state) : "(no SA)");
	else
		ike_advance(e);
}

/* The script's steps from the current one until one waits or it ends. */
static uint64_t ike_engine_tick1(struct ike_engine *e, uint64_t now)
{
	/* retransmission first: it may decide an expectation */
	ike_retransmit_tick(e, now);
	while (!ike_engine_done(e) && e->cur < e->nsteps) {
		const struct ike_step *s = &e->steps[e->cur];
		uint64_t wake = IKE_NEVER;
		switch (s->op) {
		case IKE_STEP_SEND:
			ike_step_send(e, s, now);
			break;
		case IKE_STEP_EXPECT:
		case IKE_STEP_EXPECT_NOTIFY:
		case IKE_STEP_EXPECT_SILENCE:
			if (ike_step_expect(e, s, now, &wake))
				return wake;
			break;
		case IKE_STEP_WAIT:
			if (ike_step_wait(e, s, now, &wake))
				return wake;
			break;
		case IKE_STEP_CHECK:
			ike_step_check(e, s);
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
