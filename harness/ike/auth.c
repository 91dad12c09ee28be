/* Phase-1 authentication methods behind one small interface. */
#include "ike/auth.h"

#include <stdio.h>
#include <string.h>

#include <openssl/x509_vfy.h>

#include "crypto/keys.h"
#include "crypto/prf.h"
#include "ike/internal.h"
#include "pki/pki.h"
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

/* ---- signatures (RFC 2409 5.1; RFC 4754 for ECDSA) ---- */

static bool ike_sig_skeyid(struct ike_sa *sa, chunk_t *out, struct ike_status *st)
{
	struct crypto_err ce;
	if (!keys_skeyid_sig(sa->xf.hash, sa->ni, sa->nr, sa->gxy, out, &ce))
		return ike_crypto_fail(st, WIRE_N_AUTHENTICATION_FAILED, "SKEYID", ce.msg);
	return true;
}

static void ike_sig_add(struct ike_sa *sa, struct wire_msg *m)
{
	const struct ike_config *c = sa->cfg;
	/* ifasked: the peer's CR came in mm3/mm4, am1 or am2, before this */
	if (c->send_cert && c->cert && (!c->send_cert_ifasked || sa->ncr_rx)) {
		chunk_t d = CHUNK_EMPTY;
		if (pki_cert_payload_data(c->cert, &d))
			wire_add_typed(m, WIRE_PL_CERT, PKI_CERT_X509_SIG, d.ptr, d.len);
		chunk_free(&d);
		for (int i = 0; c->send_chain && c->chain && i < sk_X509_num(c->chain); i++) {
			if (pki_cert_payload_data(sk_X509_value(c->chain, i), &d))
				wire_add_typed(m, WIRE_PL_CERT, PKI_CERT_X509_SIG, d.ptr, d.len);
			chunk_free(&d);
		}
	}
	/* the signature's size is known once signed: empty until prove() */
	wire_add(m, WIRE_PL_SIG);
}

static bool ike_sig_prove(struct ike_sa *sa, struct wire_msg *m, chunk_t hash, bool keep,
			  struct ike_status *st)
{
	if (keep)
		return true;
	struct wire_node *n = wire_find(m, WIRE_PL_SIG, 0);
	if (!n)
		return ike_fail(st, 0, "SIG", "", "no SIG payload to fill (removed?)");
	if (!sa->cfg->key)
		return ike_fail(st, WIRE_N_AUTHENTICATION_FAILED, "SIG", "",
				"no private key configured for auth method %u", sa->xf.auth);
	struct pki_err pe;
	chunk_t sig = CHUNK_EMPTY;
	if (!pki_sign(sa->cfg->key, sa->xf.auth, hash, &sig, &pe))
		return ike_fail(st, WIRE_N_AUTHENTICATION_FAILED, "SIG", "", "signing: %s", pe.msg);
	wire_set_data(m, n, sig.ptr, sig.len);
	chunk_free(&sig);
	return true;
}

/* Chain errors and the RFC 2408 5.9 notify each one gets: a CA we do not
 * know is INVALID-CERT-AUTHORITY; a certificate that is revoked, out of
 * date, or otherwise bad is INVALID-CERTIFICATE (the default). */
static const struct {
	int code;
	uint16_t notify;
	const char *what;
} ike_sig_chain_codes[] = {
	{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, WIRE_N_INVALID_CERT_AUTHORITY,
	  "certificate not issued by a CA we trust" },
	{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, WIRE_N_INVALID_CERT_AUTHORITY,
	  "certificate not issued by a CA we trust" },
	{ X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, WIRE_N_INVALID_CERT_AUTHORITY,
	  "certificate not issued by a CA we trust" },
	{ X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, WIRE_N_INVALID_CERT_AUTHORITY,
	  "certificate not issued by a CA we trust" },
	{ X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, WIRE_N_INVALID_CERT_AUTHORITY,
	  "certificate not issued by a CA we trust" },
	{ X509_V_ERR_CERT_REVOKED, WIRE_N_INVALID_CERTIFICATE,
	  "certificate revoked by its issuer's CRL" },
	{ X509_V_ERR_CERT_HAS_EXPIRED, WIRE_N_INVALID_CERTIFICATE,
	  "certificate expired" },
	{ X509_V_ERR_CERT_NOT_YET_VALID, WIRE_N_INVALID_CERTIFICATE,
	  "certificate not yet valid" },
	{ X509_V_ERR_CRL_HAS_EXPIRED, WIRE_N_INVALID_CERTIFICATE,
	  "certificate refused, its issuer's CRL is out of date" },
	{ X509_V_ERR_CRL_SIGNATURE_FAILURE, WIRE_N_INVALID_CERTIFICATE,
	  "certificate refused, its issuer's CRL does not verify" },
};

static bool ike_sig_chain_fail(struct ike_status *st, int code, const char *msg)
{
	for (size_t i = 0; i < sizeof(ike_sig_chain_codes) / sizeof(ike_sig_chain_codes[0]); i++)
		if (ike_sig_chain_codes[i].code == code)
			return ike_fail(st, ike_sig_chain_codes[i].notify, "CERT", "data",
					"%s: %s", ike_sig_chain_codes[i].what, msg);
	return ike_fail(st, WIRE_N_INVALID_CERTIFICATE, "CERT", "data",
			"certificate refused: %s", msg);
}

/* The peer's certificate up to a CA we trust, checked against our CRLs,
 * and its key usage for signing. */
static bool ike_sig_cert_ok(const struct ike_config *c, X509 *ee, STACK_OF(X509) *inter,
			    struct ike_status *st)
{
	struct pki_err pe;
	if (!c->trusted || sk_X509_num(c->trusted) == 0)
		return ike_fail(st, WIRE_N_INVALID_CERT_AUTHORITY, "CERT", "",
				"no trusted CA configured to check the peer's certificate");
	struct pki_verify_opts vo = { .trusted = c->trusted, .untrusted = inter, .at = 0,
				      .crls = c->crls };
	int code = 0;
	if (!pki_verify_chain(ee, &vo, &code, &pe))
		return ike_sig_chain_fail(st, code, pe.msg);
	/* RFC 4945 5.1.3.2: a keyUsage without digitalSignature or
	 * nonRepudiation rejects the certificate */
	if (!pki_check_sign_usage(ee, &pe))
		return ike_fail(st, WIRE_N_INVALID_CERTIFICATE, "CERT", "data",
				"certificate refused for signing: %s", pe.msg);
	return true;
}

/* CERT payloads -> the peer's certificate (the first one) and the others
 * as untrusted intermediates; then chain (with our CRLs), key usage, ID,
 * key type, signature. */
static bool ike_sig_verify(struct ike_sa *sa, const struct wire_msg *m, chunk_t hash,
			   struct ike_status *st)
{
	const struct ike_config *c = sa->cfg;
	struct pki_err pe;
	X509 *ee = NULL;
	STACK_OF(X509) *inter = sk_X509_new_null();
	bool ok = false;
	const struct wire_node *n;
	for (size_t i = 0; (n = wire_find(m, WIRE_PL_CERT, i)); i++) {
		uint16_t notify = WIRE_N_INVALID_CERTIFICATE;
		X509 *x = pki_cert_payload_parse((uint8_t)n->subtype, n->data, &notify, &pe);
		if (!x) {
			ike_fail(st, notify, "CERT", "data", "CERT payload at offset %zu: %s",
				 n->offset, pe.msg);
			goto out;
		}
		if (!ee)
			ee = x;
		else
			sk_X509_push(inter, x);
	}
	if (!ee && c->peer_cert)
		ee = X509_dup(c->peer_cert);
	if (!ee) {
		ike_fail(st, WIRE_N_AUTHENTICATION_FAILED, "CERT", "",
			 "no CERT payload and no certificate configured for the peer");
		goto out;
	}
	if (!ike_sig_cert_ok(c, ee, inter, st))
		goto out;
	if (!pki_id_matches_cert(ee, sa->peer_id.type,
				 CHUNK_FROM(sa->peer_id.data, sa->peer_id.len), &pe)) {
		ike_fail(st, WIRE_N_INVALID_ID_INFORMATION, "ID", "data",
			 "the peer's ID is not in its certificate: %s", pe.msg);
		goto out;
	}
	if (!pki_key_fits_auth(X509_get0_pubkey(ee), sa->xf.auth, &pe)) {
		ike_fail(st, WIRE_N_AUTHENTICATION_FAILED, "CERT", "data",
			 "the certificate's key does not fit the method: %s", pe.msg);
		goto out;
	}
	n = wire_find(m, WIRE_PL_SIG, 0);
	if (!n) {
		ike_fail(st, WIRE_N_INVALID_SIGNATURE, "SIG", "", "no SIG payload");
		goto out;
	}
	if (!pki_verify_cert(ee, sa->xf.auth, hash, n->data, &pe)) {
		ike_fail(st, WIRE_N_INVALID_SIGNATURE, "SIG", "data",
			 "SIG payload at offset %zu: %s does not verify: %s", n->offset,
			 sa->initiator ? "SIG_R" : "SIG_I", pe.msg);
		goto out;
	}
	X509_free(sa->peer_cert);
	sa->peer_cert = ee;
	ee = NULL;
	ok = true;
out:
	X509_free(ee);
	sk_X509_pop_free(inter, X509_free);
	return ok;
}

static const struct ike_auth_ops ike_auth_table[] = {
	{ IKE_AUTH_PSK, RULES_AUTH_PSK, ike_psk_skeyid, ike_psk_add, ike_psk_prove,
	  ike_psk_verify },
	{ IKE_AUTH_RSA, RULES_AUTH_SIG, ike_sig_skeyid, ike_sig_add, ike_sig_prove,
	  ike_sig_verify },
	{ IKE_AUTH_ECDSA_256, RULES_AUTH_SIG, ike_sig_skeyid, ike_sig_add, ike_sig_prove,
	  ike_sig_verify },
	{ IKE_AUTH_ECDSA_384, RULES_AUTH_SIG, ike_sig_skeyid, ike_sig_add, ike_sig_prove,
	  ike_sig_verify },
	{ IKE_AUTH_ECDSA_521, RULES_AUTH_SIG, ike_sig_skeyid, ike_sig_add, ike_sig_prove,
	  ike_sig_verify },
};

const struct ike_auth_ops *ike_auth_get(uint16_t method)
{
	for (size_t i = 0; i < sizeof(ike_auth_table) / sizeof(ike_auth_table[0]); i++)
		if (ike_auth_table[i].method == method)
			return &ike_auth_table[i];
	return NULL;
}
