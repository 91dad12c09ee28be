/* Child lifetimes and automatic rekey: children stamped when they come up
 * and marked when they expire, phase-1 expiry, a new Quick Mode before a
 * child we initiated runs out, and the old child's Delete after it. */
#include "ike/engine_internal.h"

#include <inttypes.h>
#include <string.h>

#include "core/log.h"
#include "wire/names.h"

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

uint32_t ike_spi_u32(const uint8_t spi[4])
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
void ike_children_update(struct ike_engine *e, uint64_t now)
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

/* Our rekey of rekey_old is over without a successor: that child is left
 * to expire rather than retried forever. */
static void ike_rekey_give_up(struct ike_engine *e)
{
	memcpy(e->rekey_gave_up, e->rekey_old, 4);
	e->rekey_have_gave_up = true;
	e->rekey_msgid = 0;
	e->res.rekeys_failed++;
}

/* The replaced child's Delete, once its packets in flight are in
 * (nothing is sent on an expired phase 1). */
static void ike_rekey_delete_old(struct ike_engine *e, uint64_t now)
{
	struct ike_sa *sa = e->sa;
	if (!(sa && e->del_pending && now >= e->del_at && !e->res.p1_expired &&
	      sa->state == IKE_SA_ESTABLISHED))
		return;
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

/* Once the script is done: a child we initiated that is within the margin
 * of its end gets a successor (one rekey in flight at a time). */
void ike_rekey_tick(struct ike_engine *e, uint64_t now)
{
	struct ike_sa *sa = e->sa;
	if (e->rekey_msgid && e->rt_gave_up) {
		log_info("%s: rekey of %08" PRIx32 ": no answer", e->name, ike_spi_u32(e->rekey_old));
		e->rt_gave_up = false;
		ike_rekey_give_up(e);
	}
	ike_rekey_delete_old(e, now);
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
			ike_rekey_give_up(e);
		}
		return;
	}
}

/* Our own automatic rekey: qm2 -> qm3 (and a qm4 with the commit bit
 * taken). The new child comes up here; ike_children_update deletes the
 * old one. */
bool ike_serve_rekey(struct ike_engine *e, enum ike_kind kind, struct ike_qm *qm,
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
		ike_rekey_give_up(e);
		ike_send_error(e, st.notify, now);
		return true;
	}
	e->qm = qm;
	/* noted first: sending adds an event, which may move ev */
	ike_note(ev, "rekey");
	struct ike_step a = { .op = IKE_STEP_SEND, .kind = IKE_K_QM3 };
	ike_send(e, &a, NULL, now, false);
	return true;
}
