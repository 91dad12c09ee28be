/* Aggressive Mode (RFC 2409 5), both roles: SA, KE, nonce and ID in the
 * clear (am1), the responder's proof with them (am2), the initiator's
 * proof (am3, encrypted when configured). */
#include "ike/ike.h"

#include <string.h>

#include "ike/auth.h"
#include "ike/exchange.h"
#include "ike/internal.h"
#include "ike/natt.h"
#include "ike/phase1.h"

struct wire_msg *ike_build_am1(struct ike_sa *sa, struct ike_status *st)
{
	if (!ike_need_dh(sa, st))
		return NULL;
	struct wire_msg *m = ike_msg_new(sa, WIRE_X_AGGR, 0, false);
	ike_add_p1_sa_offer(sa, m);
	ike_add_ke_nonce(sa, m);
	ike_add_our_id(sa, m);
	ike_add_cr(sa, m, sa->cfg->np1 ? sa->cfg->p1[0].auth : 0);
	ike_natt_add_vids(sa, m);
	return m;
}

struct wire_msg *ike_build_am2(struct ike_sa *sa, struct ike_status *st)
{
	const struct ike_auth_ops *a;
	if (!ike_need_keys(sa, st) || !(a = ike_auth(sa, st)))
		return NULL;
	struct wire_msg *m = ike_msg_new(sa, WIRE_X_AGGR, 0, false);
	if (!ike_add_p1_sa_reply(sa, m, st)) {
		wire_msg_free(m);
		return NULL;
	}
	ike_add_ke_nonce(sa, m);
	ike_add_our_id(sa, m);
	a->add(sa, m);
	ike_add_cr(sa, m, sa->xf.auth);
	ike_natt_add_vids(sa, m);
	if (!ike_natt_add_natd(sa, m, st)) {
		wire_msg_free(m);
		return NULL;
	}
	return m;
}

struct wire_msg *ike_build_am3(struct ike_sa *sa, struct ike_status *st)
{
	const struct ike_auth_ops *a;
	if (!ike_need_keys(sa, st) || !(a = ike_auth(sa, st)))
		return NULL;
	struct wire_msg *m = ike_msg_new(sa, WIRE_X_AGGR, 0, sa->cfg->am3_encrypted);
	a->add(sa, m);
	ike_add_initial_contact(sa, m);
	if (!ike_natt_add_natd(sa, m, st)) {
		wire_msg_free(m);
		return NULL;
	}
	return m;
}

bool ike_process_am1(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st)
{
	if (!ike_rules("am1", RULES_AUTH_ANY, m, st))
		return false;
	ike_take_cookies(sa, m);
	ike_natt_take_vids(sa, m);
	return ike_p1_take_offer(sa, m, st) && ike_take_cr(sa, m, st) &&
	       ike_take_ke_nonce(sa, m, st) && ike_take_id(sa, m, &sa->idii_b, st) &&
	       ike_need_dh(sa, st) && ike_derive(sa, st);
}

bool ike_process_am2(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st)
{
	if (!ike_rules("am2", ike_auth_get(sa->cfg->np1 ? sa->cfg->p1[0].auth : 0) ?
		       ike_auth_get(sa->cfg->p1[0].auth)->rules : RULES_AUTH_PSK, m, st))
		return false;
	memcpy(sa->rcookie, m->hdr.rcookie, 8);
	ike_natt_take_vids(sa, m);
	if (!ike_take_cr(sa, m, st) || !ike_p1_check_reply(sa, wire_find(m, WIRE_PL_SA, 0), st) ||
	    !ike_take_ke_nonce(sa, m, st) || !ike_natt_take_natd(sa, m, st) ||
	    !ike_need_dh(sa, st) || !ike_derive(sa, st) || !ike_verify_peer(sa, m, true, st))
		return false;
	ike_natt_float(sa);  /* am3 goes to the NAT-T port */
	return true;
}

bool ike_process_am3(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st)
{
	return ike_rules("am3", ike_rules_auth(sa), m, st) && ike_natt_take_natd(sa, m, st) &&
	       ike_verify_peer(sa, m, false, st);
}

/* am2 carries the responder's proof over its ID as it goes out, am3 the
 * initiator's over the ID it sent in am1. */
bool ike_aggr_finalize(struct ike_sa *sa, enum ike_kind kind, struct wire_msg *m,
		       bool keep_hash, struct ike_status *st)
{
	bool of_i;
	chunk_t id_b;
	if (kind == IKE_K_AM2) {
		of_i = sa->initiator;
		id_b = ike_p1_id_body(sa, m);
	} else if (kind == IKE_K_AM3) {
		of_i = true;
		id_b = chunk_dup(sa->idii_b.ptr, sa->idii_b.len);
	} else {
		return true;
	}
	bool ok = ike_phase1_prove(sa, of_i, id_b, m, keep_hash, st);
	chunk_free(&id_b);
	return ok;
}

/* What went out, for the hashes after: SAi_b and IDii_b (am1), our ID body (am2). */
bool ike_aggr_sent(struct ike_sa *sa, enum ike_kind kind, const struct wire_msg *m,
		   struct ike_status *st)
{
	(void)st;
	const struct wire_node *n;
	switch (kind) {
	case IKE_K_AM1:
		ike_p1_sent_sa(sa, m);
		if ((n = wire_find(m, WIRE_PL_ID, 0))) {
			chunk_free(&sa->idii_b);
			sa->idii_b = wire_node_body(n);
		}
		break;
	case IKE_K_AM2:
		ike_p1_sent_id(sa, m);
		break;
	default:
		break;
	}
	return true;
}
