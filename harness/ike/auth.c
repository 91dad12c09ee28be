/* Phase-1 authentication methods behind one small interface. */
#include "ike/auth.h"

#include "crypto/keys.h"
#include "crypto/prf.h"
#include "ike/internal.h"
#include "wire/rules.h"

static bool ike_psk_skeyid(struct ike_sa *sa, chunk_t *out, struct ike_status *st)
{
	struct crypto_err ce;
	if (!sa->cfg->psk.len)
		return ike_fail(st, WIRE_N_AUTHENTICATION_FAILED, "", "", "no pre-shared key configured");
	if (!keys_skeyid_psk(sa->xf.hash, sa->cfg->psk, sa->ni, sa->nr, out, &ce))
		return ike_crypto_fail(st, WIRE_N_AUTHENTICATION_FAILED, "SKEYID", ce.msg);
	return true;
}

static void ike_psk_add(struct ike_sa *sa, struct wire_msg *m)
{
	ike_add_hash(sa, m);
}

static bool ike_psk_prove(struct ike_sa *sa, struct wire_msg *m, chunk_t hash, bool keep,
			  struct ike_status *st)
{
	(void)sa;
	return keep || ike_set_hash(m, hash, st);
}

static bool ike_psk_verify(struct ike_sa *sa, const struct wire_msg *m, chunk_t hash,
			   struct ike_status *st)
{
	(void)sa;
	if (!ike_check_hash(m, hash, sa->initiator ? "HASH_R" : "HASH_I", st)) {
		/* RFC 2409 5: a wrong HASH_I/HASH_R is a failed authentication */
		st->notify = WIRE_N_AUTHENTICATION_FAILED;
		return false;
	}
	return true;
}

static const struct ike_auth_ops ike_auth_table[] = {
	{ IKE_AUTH_PSK, RULES_AUTH_PSK, ike_psk_skeyid, ike_psk_add, ike_psk_prove,
	  ike_psk_verify },
};

const struct ike_auth_ops *ike_auth_get(uint16_t method)
{
	for (size_t i = 0; i < sizeof(ike_auth_table) / sizeof(ike_auth_table[0]); i++)
		if (ike_auth_table[i].method == method)
			return &ike_auth_table[i];
	return NULL;
}
