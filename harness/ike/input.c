/* Receiving: a datagram through duplicate detection, parsing, header
 * checks, its SA, decryption, then to what waits for it (the script's
 * step, Informational handling, Quick Modes served after the script);
 * a refused message answered with a notify. */
#include "ike/engine_internal.h"

#include <inttypes.h>
#include <string.h>

#include "core/log.h"
#include "wire/names.h"

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
	/* kept: the DPD answer below adds an event, which may move ev */
	char note[sizeof(ev->note)];
	snprintf(note, sizeof(note), "%s", ev->note);
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
		ike_script_fail(e, "got %s", note);
	} else if (kind == IKE_K_NOTIFY && in.notify < 16384 &&
		   (s->op == IKE_STEP_EXPECT || s->op == IKE_STEP_EXPECT_NOTIFY)) {
		/* an error notify ends the wait: the peer refused */
		ike_script_fail(e, "peer sent notify %s", names_fmt(NAMES_NOTIFY, in.notify, nb, sizeof(nb)));
	} else if (kind == IKE_K_DELETE && e->sa->state == IKE_SA_DELETED &&
		   s->op == IKE_STEP_EXPECT) {
		ike_script_fail(e, "peer deleted the ISAKMP SA");
	}
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

/* What one received message carries through the steps of its input. */
struct ike_input {
	const struct transport_pkt *pkt;
	uint64_t now;
	struct wire_msg *m;       /* parsed (header at least), then decrypted */
	struct ike_event *ev;     /* its timeline event */
	struct ike_sa *sa;
	enum ike_kind kind;
	struct ike_qm *qm;        /* a Quick Mode's exchange */
	bool fresh;               /* a responder's SA that has no cookies yet */
	bool prot;                /* it was encrypted */
};

/* A datagram that does not parse: a broken first message, or one for our
 * SA, still hears why (RFC 2408 5.1, 5.2 answer header and payload errors
 * with a notify). */
static void ike_input_unparsable(struct ike_engine *e, const struct ike_input *in,
				 const struct wire_err *we)
{
	ike_note(in->ev, "unparsable: %s", we->msg);
	if (in->m && ike_refusal_sa(e, in->m, in->pkt)) {
		ike_script_fail(e, "unparsable message: %s", we->msg);
		ike_send_error(e, we->notify, in->now);
	} else if (in->m && ike_refusal_ours(e, in->m)) {
		const struct ike_step *s = ike_cur(e);
		if (s && (s->op == IKE_STEP_EXPECT || s->op == IKE_STEP_EXPECT_SILENCE))
			ike_script_fail(e, "unparsable message: %s", we->msg);
		ike_send_error(e, we->notify, in->now);
	}
}

/* The datagram parsed, with its timeline event. */
static bool ike_input_parse(struct ike_engine *e, struct ike_input *in)
{
	struct wire_err we;
	chunk_t d = in->pkt->data;
	bool ok = wire_parse(d.ptr, d.len, &in->m, &we);
	in->ev = ike_event_add(e, in->now, false, IKE_K_NONE, ok ? in->m : NULL, d, CHUNK_EMPTY);
	ike_event_from(in->ev, in->pkt);
	if (!ok)
		ike_input_unparsable(e, in, &we);
	return ok;
}

/* A responder's SA starts with the first message of a phase 1. */
static void ike_input_new_sa(struct ike_engine *e, const struct ike_input *in)
{
	static const uint8_t zero[8];
	const struct wire_msg *m = in->m;
	if (!e->sa && e->cfg->role == IKE_RESPONDER &&
	    (m->hdr.exchange == WIRE_X_MAIN || m->hdr.exchange == WIRE_X_AGGR) &&
	    memcmp(m->hdr.rcookie, zero, 8) == 0 && !(m->hdr.flags & WIRE_F_ENC)) {
		if (!e->have_peer) {
			e->peer = in->pkt->src;
			e->have_peer = true;
		}
		e->sa = ike_sa_new(e->cfg, &e->local, &e->peer);
	}
}

/* The validator's flags: RESERVED fields must be zero (RFC 2408 3.2), ID
 * data judged as the config's id_checks say. */
static unsigned ike_input_vflags(const struct ike_engine *e)
{
	return WIRE_V_RESERVED |
	       (e->cfg->id_checks == IKE_ID_CHECKS_STRICT ? WIRE_V_ID_STRICT : 0u);
}

/* RFC 2408 5.1, 5.2: header and payload checks before anything else;
 * an encrypted message's payloads are checked once decrypted. */
static bool ike_input_valid(struct ike_engine *e, const struct ike_input *in)
{
	struct wire_err we;
	if (wire_validate(in->m, ike_input_vflags(e), &we))
		return true;
	ike_note(in->ev, "refused: %s", we.msg);
	if (ike_refusal_sa(e, in->m, in->pkt) ||
	    (in->m->hdr.exchange != WIRE_X_INFO && ike_refusal_ours(e, in->m))) {
		const struct ike_step *s = ike_cur(e);
		if (s && s->op != IKE_STEP_SEND)
			ike_script_fail(e, "refused: %s", we.msg);
		ike_send_error(e, we.notify, in->now);
	}
	return false;
}

/* The message is for our SA (a fresh one takes any cookies): its kind,
 * and a Quick Mode's exchange (a new one for a qm1 once phase 1 is up). */
static bool ike_input_classify(struct ike_engine *e, struct ike_input *in)
{
	static const uint8_t zero[8];
	struct ike_sa *sa = e->sa;
	const struct wire_msg *m = in->m;
	in->sa = sa;
	in->fresh = sa && !sa->initiator && memcmp(sa->icookie, zero, 8) == 0;
	if (!sa || (!in->fresh && (memcmp(m->hdr.icookie, sa->icookie, 8) != 0 ||
				   (memcmp(sa->rcookie, zero, 8) != 0 &&
				    memcmp(m->hdr.rcookie, sa->rcookie, 8) != 0)))) {
		ike_note(in->ev, "no SA for these cookies: ignored");
		return false;
	}
	in->kind = ike_classify(sa, m);
	in->ev->kind = in->kind;
	if (ike_kind_quick(in->kind)) {
		in->qm = ike_sa_qm_find(sa, m->hdr.msgid);
		if (!in->qm && in->kind == IKE_K_QM1 && sa->state == IKE_SA_ESTABLISHED)
			in->qm = ike_sa_qm_new(sa, m->hdr.msgid, false);
	}
	return true;
}

/* An encrypted message that does not decrypt: refused when it is what we
 * wait for (a wrong PSK looks like this), or a Quick Mode we serve. */
static void ike_input_undecryptable(struct ike_engine *e, const struct ike_input *in,
				    const struct ike_status *st)
{
	ike_note(in->ev, "%s: %s", ike_kind_name(in->kind), st->msg);
	const struct ike_step *s = ike_cur(e);
	if (s && s->op == IKE_STEP_EXPECT && s->kind == in->kind) {
		ike_script_fail(e, "%s refused: %s", ike_kind_name(in->kind), st->msg);
		ike_send_error(e, st->notify, in->now);
	} else if (!s && e->serve && (in->kind == IKE_K_QM1 || in->kind == IKE_K_QM3)) {
		/* serving Quick Modes: the same answer as in a script */
		if (in->qm)
			in->qm->state = IKE_QM_FAILED;
		ike_send_error(e, st->notify, in->now);
	}
}

/* The decrypted payloads' checks. RFC 2408 5.14, 5.15: a bad
 * Informational is logged, not answered (two peers must not loop on
 * notifies). */
static bool ike_input_valid_plain(struct ike_engine *e, const struct ike_input *in)
{
	struct wire_err we;
	if (wire_validate(in->m, ike_input_vflags(e), &we))
		return true;
	ike_note(in->ev, "%s refused: %s", ike_kind_name(in->kind), we.msg);
	const struct ike_step *s = ike_cur(e);
	if (in->m->hdr.exchange != WIRE_X_INFO) {
		if (s && s->op == IKE_STEP_EXPECT && s->kind == in->kind)
			ike_script_fail(e, "%s refused: %s", ike_kind_name(in->kind), we.msg);
		if (in->qm)
			in->qm->state = IKE_QM_FAILED;
		ike_send_error(e, we.notify, in->now);
	}
	return false;
}

/* An encrypted message decrypted on its chain (the plaintext goes to its
 * event) and checked; a clear one passes as it is. */
static bool ike_input_decrypt(struct ike_engine *e, struct ike_input *in)
{
	struct ike_status st;
	ike_status_ok(&st);
	chunk_t plain = CHUNK_EMPTY;
	in->prot = in->m->hdr.flags & WIRE_F_ENC;
	if (!in->prot)
		return true;
	chunk_t *iv = ike_crypt_chain(in->sa, in->m->hdr.msgid, &st);
	if (!iv || !ike_crypt_decrypt(in->sa, iv, in->m, &plain, &st)) {
		ike_input_undecryptable(e, in, &st);
		chunk_free(&plain);
		return false;
	}
	in->ev->plaintext = plain;
	return ike_input_valid_plain(e, in);
}

/* A fresh SA can only get the first message, an initiator without the
 * responder's cookie only the first answer: one too broken to be
 * classified as such (mm1 without its SA looks like mm3) is still it, and
 * its rules refuse it with their notify. */
static void ike_input_first_kind(struct ike_input *in, const struct ike_step *s)
{
	static const uint8_t zero[8];
	uint8_t x = (uint8_t)in->m->hdr.exchange;
	bool first_answer = in->sa->initiator && memcmp(in->sa->rcookie, zero, 8) == 0;
	if ((in->fresh || first_answer) && s && s->op == IKE_STEP_EXPECT && in->kind != s->kind &&
	    (((s->kind == IKE_K_MM1 || s->kind == IKE_K_MM2) && x == WIRE_X_MAIN) ||
	     ((s->kind == IKE_K_AM1 || s->kind == IKE_K_AM2) && x == WIRE_X_AGGR)))
		in->ev->kind = in->kind = s->kind;
}

/* A message the script does not wait for: ignored, unless the script
 * waits for silence (or a notify only). */
static void ike_input_unexpected(struct ike_engine *e, const struct ike_input *in,
				 const struct ike_step *s)
{
	char sb[80];
	ike_note(in->ev, "unexpected %s (script: %s): ignored", ike_kind_name(in->kind),
		 s ? ike_step_str(s, sb, sizeof(sb)) : "done");
	if (s && (s->op == IKE_STEP_EXPECT_SILENCE || s->op == IKE_STEP_EXPECT_NOTIFY) &&
	    !s->or_silence)
		ike_script_fail(e, "got %s", ike_kind_name(in->kind));
	else if (s && s->op == IKE_STEP_EXPECT_SILENCE)
		ike_script_fail(e, "got %s", ike_kind_name(in->kind));
}

/* The message we wait for, refused: the script fails and the peer hears
 * why, under the cookies it knows. */
static void ike_input_refused(struct ike_engine *e, const struct ike_input *in,
			      const struct ike_status *st)
{
	char nb[64];
	ike_note(in->ev, "refused (%s): %s", names_fmt(NAMES_NOTIFY, st->notify, nb, sizeof(nb)),
		 st->msg);
	if (in->qm)
		in->qm->state = IKE_QM_FAILED;
	ike_script_fail(e, "%s refused: %s", ike_kind_name(in->kind), st->msg);
	if (in->fresh)   /* refused mm1/am1: answer with the initiator's cookie */
		ike_refusal_sa(e, in->m, in->pkt);
	else             /* refused mm2/am2: with the responder's */
		ike_refusal_ours(e, in->m);
	ike_send_error(e, st->notify, in->now);
}

/* The message we wait for, accepted: on to the next step. */
static void ike_input_accepted(struct ike_engine *e, const struct ike_input *in)
{
	ike_natt_follow(in->sa, in->pkt, in->prot);
	if (in->kind == IKE_K_QM1)
		e->qm = in->qm;
	ike_notify_embedded(e, in->m, in->now, false, in->prot);
	if (e->rt_armed)
		e->rt_armed = false;
	ike_track(e);
	ike_advance(e);
}

/* A message for our SA, decrypted: an Informational, a Quick Mode we
 * serve, or the script's next step. */
static void ike_input_handle(struct ike_engine *e, struct ike_input *in, const uint8_t h[32])
{
	struct ike_sa *sa = in->sa;
	ike_natt_follow(sa, in->pkt, false);
	bool request = (ike_kind_phase1(in->kind) && !sa->initiator) ||
		       (in->qm && !in->qm->initiator);
	ike_seen_add(e, h, request);
	if (in->m->hdr.exchange == WIRE_X_INFO) {
		ike_input_info(e, in->m, in->prot, in->ev, in->pkt, in->now);
		return;
	}
	const struct ike_step *s = ike_cur(e);
	ike_input_first_kind(in, s);
	if (!s && ike_serve(e, in->kind, in->qm, in->m, in->ev, in->pkt, in->now))
		return;
	if (!s || s->op != IKE_STEP_EXPECT || s->kind != in->kind) {
		ike_input_unexpected(e, in, s);
		return;
	}
	struct ike_status st;
	if (!ike_process(sa, in->kind, in->qm, in->m, &st)) {
		ike_input_refused(e, in, &st);
		return;
	}
	ike_input_accepted(e, in);
}

/* One datagram through the steps of its input. */
static void ike_engine_input1(struct ike_engine *e, const struct transport_pkt *pkt,
			      uint64_t now)
{
	if (pkt->kind != TRANSPORT_PKT_IKE)
		return;
	uint8_t h[32];
	ike_dgram_hash(pkt->data, h);
	if (ike_seen_duplicate(e, pkt, h, now))
		return;
	struct ike_input in = { .pkt = pkt, .now = now };
	if (ike_input_parse(e, &in)) {
		ike_input_new_sa(e, &in);
		if (ike_input_valid(e, &in) && ike_input_classify(e, &in) &&
		    ike_input_decrypt(e, &in))
			ike_input_handle(e, &in, h);
	}
	wire_msg_free(in.m);
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
