/* Main Mode (RFC 2409 5), both roles: SA (mm1, mm2), key exchange (mm3,
 * mm4), the encrypted ID and proof (mm5, mm6). */
#include "ike/ike.h"

#include <string.h>

#include "ike/auth.h"
#include "ike/exchange.h"
#include "ike/internal.h"
#include "ike/natt.h"
#include "ike/phase1.h"

struct wire_msg *ike_build_mm1(struct ike_sa *sa, struct ike_status *st)
{
	(void)st;
	struct wire_msg *m = ike_msg_new(sa, WIRE_X_MAIN, 0, false);
	ike_add_p1_sa_offer(sa, m);
	ike_natt_add_vids(sa, m);
	return m;
}

struct wire_msg *ike_build_mm2(struct ike_sa *sa, struct ike_status *st)
{
	struct wire_msg *m = ike_msg_new(sa, WIRE_X_MAIN, 0, false);
	if (!ike_add_p1_sa_reply(sa, m, st)) {
		wire_msg_free(m);
		return NULL;
	}
	ike_natt_add_vids(sa, m);
	return m;
}

static struct wire_msg *ike_build_mm34(struct ike_sa *sa, struct ike_status *st)
{
	if (!sa->have_xf) {
		ike_fail(st, 0, "SA", "", "no transform agreed yet");
		return NULL;
	}
	if (!ike_need_dh(sa, st))
		return NULL;
	struct wire_msg *m = ike_msg_new(sa, WIRE_X_MAIN, 0, false);
	ike_add_ke_nonce(sa, m);
	ike_add_cr(sa, m, sa->xf.auth);
	if (!ike_natt_add_natd(sa, m, st)) {
		wire_msg_free(m);
		return NULL;
	}
	return m;
}

struct wire_msg *ike_build_mm3(struct ike_sa *sa, struct ike_status *st)
{
	return ike_build_mm34(sa, st);
}

struct wire_msg *ike_build_mm4(struct ike_sa *sa, struct ike_status *st)
{
	return ike_build_mm34(sa, st);
}

static struct wire_msg *ike_build_mm56(struct ike_sa *sa, struct ike_status *st)
{
	const struct ike_auth_ops *a;
	if (!ike_need_keys(sa, st) || !(a = ike_auth(sa, st)))
		return NULL;
	struct wire_msg *m = ike_msg_new(sa, WIRE_X_MAIN, 0, true);
	ike_add_our_id(sa, m);
	a->add(sa, m);
	ike_add_initial_contact(sa, m);
	return m;
}

struct wire_msg *ike_build_mm5(struct ike_sa *sa, struct ike_status *st)
{
	return ike_build_mm56(sa, st);
}

struct wire_msg *ike_build_mm6(struct ike_sa *sa, struct ike_status *st)
{
	return ike_build_mm56(sa, st);
}

bool ike_process_mm1(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st)
{
	if (!ike_rules("mm1", RULES_AUTH_ANY, m, st))
		return false;
	ike_take_cookies(sa, m);
	ike_natt_take_vids(sa, m);
	return ike_p1_take_offer(sa, m, st);
}

bool ike_process_mm2(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st)
{
	if (!ike_rules("mm2", RULES_AUTH_ANY, m, st))
		return false;
	memcpy(sa->rcookie, m->hdr.rcookie, 8);
	ike_natt_take_vids(sa, m);
	return ike_p1_check_reply(sa, wire_find(m, WIRE_PL_SA, 0), st);
}

bool ike_process_mm3(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st)
{
	return ike_rules("mm3", RULES_AUTH_ANY, m, st) && ike_take_cr(sa, m, st) &&
	       ike_take_ke_nonce(sa, m, st) &&
	       ike_natt_take_natd(sa, m, st) && ike_need_dh(sa, st) && ike_derive(sa, st);
}

bool ike_process_mm4(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st)
{
	if (!ike_rules("mm4", RULES_AUTH_ANY, m, st) || !ike_take_cr(sa, m, st) ||
	    !ike_take_ke_nonce(sa, m, st) ||
	    !ike_natt_take_natd(sa, m, st) || !ike_need_dh(sa, st) || !ike_derive(sa, st))
		return false;
	/* RFC 3947 4: with a NAT, mm5 and all after it go to the NAT-T port */
	ike_natt_float(sa);
	return true;
}

bool ike_process_mm5(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st)
{
	return ike_rules("mm5", ike_rules_auth(sa), m, st) && ike_verify_peer(sa, m, true, st);
}

bool ike_process_mm6(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st)
{
	return ike_rules("mm6", ike_rules_auth(sa), m, st) && ike_verify_peer(sa, m, true, st);
}

/* mm5 and mm6 carry our proof over the ID as it goes out. */
bool ike_main_finalize(struct ike_sa *sa, enum ike_kind kind, struct wire_msg *m,
		       bool keep_hash, struct ike_status *st)
{
	if (kind != IKE_K_MM5 && kind != IKE_K_MM6)
		return true;
	chunk_t id_b = ike_p1_id_body(sa, m);
	bool ok = ike_phase1_prove(sa, sa->initiator, id_b, m, keep_hash, st);
	chunk_free(&id_b);
	return ok;
}

/* What went out, for the hashes after (SAi_b, our ID body) and the state. */
bool ike_main_sent(struct ike_sa *sa, enum ike_kind kind, const struct wire_msg *m,
		   struct ike_status *st)
{
	(void)st;
	switch (kind) {
	case IKE_K_MM1:
		ike_p1_sent_sa(sa, m);
		break;
	case IKE_K_MM2:
		if (sa->state < IKE_SA_SA_DONE)
			sa->state = IKE_SA_SA_DONE;
		break;
	case IKE_K_MM5: case IKE_K_MM6:
		ike_p1_sent_id(sa, m);
		/* the responder is done once its last message is out */
		if (kind == IKE_K_MM6 && sa->state == IKE_SA_ESTABLISHED)
			sa->state = IKE_SA_ESTABLISHED;
		break;
	default:
		break;
	}
	return true;
}
