/* One message out: built from the SA, mutated, its HASH computed, the SA's
 * record of it, encrypted, sent, recorded, and armed for retransmission. */
#include "ike/engine_internal.h"

#include <inttypes.h>

#include "core/log.h"

/* To the SA's peer (it moves when NAT-T floats), from the NAT-T port once
 * floated. */
bool ike_xmit(struct ike_engine *e, chunk_t d)
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

/* Build kind and take it through the payload mutations, its HASH and the
 * SA's record of what goes out; NULL (the script failed) when one of them
 * does not go. */
static struct wire_msg *ike_xmit_model(struct ike_engine *e, const struct ike_step *s,
				       enum ike_kind kind, struct ike_qm *qm,
				       const struct ike_info *info, bool script)
{
	struct ike_status st;
	struct ike_sa *sa = e->sa;
	char err[320] = "";
	struct wire_msg *m = ike_build(sa, kind, qm, info, &st);
	if (!m) {
		if (script)
			ike_script_fail(e, "cannot build %s: %s", ike_kind_name(kind), st.msg);
		return NULL;
	}
	bool keep_hash = false;
	if (!ike_apply_payload_muts(m, s, &keep_hash, err, sizeof(err))) {
		if (script) {
			ike_script_fail(e, "%s: %s", ike_kind_name(kind), err);
			e->res.mutation_unfit = true;
		}
		wire_msg_free(m);
		return NULL;
	}
	if (!ike_finalize(sa, kind, qm, m, keep_hash, &st) || !ike_sent(sa, kind, qm, m, &st)) {
		if (script)
			ike_script_fail(e, "%s: %s", ike_kind_name(kind), st.msg);
		wire_msg_free(m);
		return NULL;
	}
	return m;
}

/* m's datagram into *dgram: encrypted on its chain (the plaintext, kept in
 * *plain, mutated first) when its E bit says so, then the datagram
 * mutations. False (the script failed) when encryption does not go. */
static bool ike_xmit_dgram(struct ike_engine *e, const struct ike_step *s, enum ike_kind kind,
			   struct wire_msg *m, uint32_t flags, bool script, chunk_t *plain,
			   chunk_t *dgram)
{
	struct ike_status st;
	struct ike_sa *sa = e->sa;
	/* a mutation that sets the E bit before there are keys: the header
	   says encrypted, the body goes in clear (what the mutation asked) */
	bool enc = (flags & WIRE_F_ENC) && (sa->enc_key.len || !s->nmut);
	if (enc) {
		chunk_t *iv = ike_crypt_chain(sa, m->hdr.msgid, &st);
		chunk_t ct = CHUNK_EMPTY;
		*plain = wire_build_payloads(m);
		ike_apply_byte_muts(plain, s, true);
		if (!iv || !ike_crypt_encrypt(sa, iv, *plain, &ct, &st)) {
			if (script)
				ike_script_fail(e, "%s: %s", ike_kind_name(kind), st.msg);
			chunk_free(plain);
			return false;
		}
		*dgram = wire_build_encrypted(m, ct);
		chunk_free(&ct);
	} else {
		*dgram = wire_build(m);
	}
	ike_apply_byte_muts(dgram, s, false);
	return true;
}

/* The timeline events of what went out (and of its repeat, sent here),
 * the log line, and the notifications it carried. */
static void ike_xmit_record(struct ike_engine *e, const struct ike_step *s, enum ike_kind kind,
			    const struct wire_msg *m, uint32_t flags, chunk_t dgram, chunk_t plain,
			    uint64_t now, bool script)
{
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
}

/* The answer to the last request, resent when it comes again. */
static void ike_xmit_keep_reply(struct ike_engine *e, chunk_t dgram)
{
	if (e->last_seen >= 0 && !e->seen[e->last_seen].reply.len &&
	    e->seen[e->last_seen].request)
		e->seen[e->last_seen].reply = chunk_dup(dgram.ptr, dgram.len);
	e->last_seen = -1;
}

/* Whether a reply of ours is acknowledged only by the exchange's next
 * request (a responder that retransmits waits for that). */
static bool ike_xmit_acked_by_next(enum ike_kind kind, const struct ike_step *next)
{
	static const enum ike_kind acks[][2] = {
		{ IKE_K_MM2, IKE_K_MM3 }, { IKE_K_MM4, IKE_K_MM5 },
		{ IKE_K_AM2, IKE_K_AM3 }, { IKE_K_QM2, IKE_K_QM3 },
	};
	for (size_t i = 0; next && i < sizeof(acks) / sizeof(acks[0]); i++)
		if (acks[i][0] == kind)
			return next->kind == acks[i][1];
	return false;
}

/* The initiator of an exchange retransmits until the answer comes: in a
 * script when an EXPECT follows, or an automatic request (rt_auto); a
 * responder so configured, its reply until the next request. */
static void ike_xmit_arm(struct ike_engine *e, enum ike_kind kind, const struct ike_qm *qm,
			 const struct wire_msg *m, chunk_t dgram, uint64_t now, bool script)
{
	const struct ike_step *next = script && e->cur + 1 < e->nsteps ? &e->steps[e->cur + 1] : NULL;
	bool we_init = ike_kind_phase1(kind) ? e->sa->initiator : qm ? qm->initiator : false;
	chunk_free(&e->rt_dgram);
	e->rt_armed = false;
	bool expect = next && next->op == IKE_STEP_EXPECT;
	bool reply = e->cfg->retrans_responder && expect && !we_init &&
		     ike_xmit_acked_by_next(kind, next);
	if ((((expect || e->rt_auto) && we_init) || reply) && e->cfg->retrans_tries > 1) {
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
}

bool ike_send_kind(struct ike_engine *e, const struct ike_step *s, enum ike_kind kind,
		   const struct ike_info *info, uint64_t now, bool script)
{
	char err[320] = "";
	struct ike_qm *qm = NULL;
	if (kind == IKE_K_QM1 && script)
		e->qm = ike_sa_qm_new(e->sa, 0, true);
	if (ike_kind_quick(kind))
		qm = e->qm;
	struct wire_msg *m = ike_xmit_model(e, s, kind, qm, info, script);
	if (!m)
		return false;
	uint32_t flags = 0;
	wire_get(m, "header.flags", &flags, err, sizeof(err));
	chunk_t plain = CHUNK_EMPTY, dgram = CHUNK_EMPTY;
	if (!ike_xmit_dgram(e, s, kind, m, flags, script, &plain, &dgram)) {
		wire_msg_free(m);
		return false;
	}
	ike_xmit(e, dgram);
	ike_xmit_record(e, s, kind, m, flags, dgram, plain, now, script);
	ike_xmit_keep_reply(e, dgram);
	ike_xmit_arm(e, kind, qm, m, dgram, now, script);
	chunk_free(&plain);
	chunk_free(&dgram);
	wire_msg_free(m);
	ike_track(e);
	return true;
}
