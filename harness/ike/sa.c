/* ISAKMP SA state: cookies, key material, IV chains, Quick Mode exchanges. */
#include "ike/sa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "crypto/cipher.h"
#include "crypto/keys.h"
#include "crypto/prf.h"
#include "ike/auth.h"

const char *ike_sa_state_name(enum ike_sa_state s)
{
	static const char *const names[] = { "new", "sa-agreed", "keyed", "established",
					      "deleted", "failed" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

void ike_random(void *p, size_t n)
{
	if (n && RAND_bytes(p, (int)n) != 1)
		abort();
}

struct ike_sa *ike_sa_new(const struct ike_config *cfg, const struct netaddr *local,
			  const struct netaddr *peer)
{
	struct ike_sa *sa = xcalloc(1, sizeof(*sa));
	sa->cfg = cfg;
	sa->initiator = cfg->role == IKE_INITIATOR;
	sa->exchange = cfg->exchange;
	sa->local = *local;
	sa->peer = *peer;
	if (sa->initiator)
		ike_random(sa->icookie, 8);
	return sa;
}

void ike_sa_use_psk(struct ike_sa *sa, chunk_t psk)
{
	if (!sa->own_cfg) {
		sa->own_cfg = xmalloc(sizeof(*sa->own_cfg));
		*sa->own_cfg = *sa->cfg;
		sa->own_cfg->owns_creds = false;
		sa->cfg = sa->own_cfg;
	}
	sa->own_cfg->psk = psk;
}

static void ike_qm_free(struct ike_qm *qm)
{
	chunk_clear(&qm->ni);
	chunk_clear(&qm->nr);
	chunk_free(&qm->peer_ke);
	chunk_clear(&qm->gxy);
	dh_key_free(qm->dh);
	free(qm);
}

void ike_sa_free(struct ike_sa *sa)
{
	if (!sa)
		return;
	dh_key_free(sa->dh);
	chunk_t *c[] = { &sa->gxi, &sa->gxr, &sa->gxy, &sa->ni, &sa->nr, &sa->skeyid,
			 &sa->skeyid_d, &sa->skeyid_a, &sa->skeyid_e, &sa->enc_key, &sa->p1_iv,
			 &sa->sai_b, &sa->idii_b, &sa->idir_b };
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		chunk_clear(c[i]);
	for (size_t i = 0; i < sa->nqm; i++)
		ike_qm_free(sa->qm[i]);
	free(sa->qm);
	for (size_t i = 0; i < sa->nchild; i++) {
		struct ike_child *ch = &sa->child[i];
		chunk_clear(&ch->enc_in);
		chunk_clear(&ch->int_in);
		chunk_clear(&ch->enc_out);
		chunk_clear(&ch->int_out);
	}
	free(sa->child);
	for (size_t i = 0; i < sa->nivs; i++)
		chunk_free(&sa->ivs[i].iv);
	free(sa->ivs);
	X509_free(sa->peer_cert);
	free(sa->own_cfg);
	free(sa);
}

void ike_sa_responder_cookie(const struct ike_config *cfg, const struct netaddr *local,
			     const struct netaddr *peer, const uint8_t icookie[8],
			     uint8_t out[8])
{
	uint8_t pp[2] = { (uint8_t)(peer->port >> 8), (uint8_t)peer->port };
	uint8_t lp[2] = { (uint8_t)(local->port >> 8), (uint8_t)local->port };
	chunk_t parts[] = {
		CHUNK_FROM(peer->ip, netaddr_iplen(peer)), CHUNK_FROM(pp, 2),
		CHUNK_FROM(local->ip, netaddr_iplen(local)), CHUNK_FROM(lp, 2),
		CHUNK_FROM(icookie, 8), CHUNK_FROM(cfg->cookie_secret, sizeof(cfg->cookie_secret)),
	};
	chunk_t h = CHUNK_EMPTY;
	if (!prf_hashv(PRF_SHA2_256, 6, parts, &h, NULL))
		abort(); /* SHA-256 missing: OpenSSL is broken */
	memcpy(out, h.ptr, 8);
	chunk_free(&h);
}

bool ike_sa_need_dh(struct ike_sa *sa, char *err, size_t errlen)
{
	chunk_t *n = ike_sa_our_nonce(sa);
	if (!n->len) {
		size_t len = sa->cfg->nonce_len ? sa->cfg->nonce_len : 32;
		*n = chunk_alloc(len);
		ike_random(n->ptr, len);
	}
	if (sa->dh)
		return true;
	/* Before agreement the initiator uses its first proposal's group
	 * (Aggressive Mode must pick one up front). */
	uint16_t group = sa->have_xf ? sa->xf.group : sa->cfg->np1 ? sa->cfg->p1[0].group : 0;
	struct crypto_err ce;
	sa->dh = dh_key_new(group, &ce);
	if (!sa->dh) {
		snprintf(err, errlen, "DH group %u: %s", group, ce.msg);
		return false;
	}
	chunk_t pub = dh_key_public(sa->dh);
	chunk_t *ke = ike_sa_our_ke(sa);
	chunk_free(ke);
	*ke = chunk_dup(pub.ptr, pub.len);
	return true;
}

chunk_t *ike_sa_our_nonce(struct ike_sa *sa)
{
	return sa->initiator ? &sa->ni : &sa->nr;
}

chunk_t *ike_sa_our_ke(struct ike_sa *sa)
{
	return sa->initiator ? &sa->gxi : &sa->gxr;
}

bool ike_sa_derive(struct ike_sa *sa, char *err, size_t errlen)
{
	struct crypto_err ce = { "" };
	chunk_t peer = sa->initiator ? sa->gxr : sa->gxi;
	const struct cipher_info *ci = cipher_get(sa->xf.encr);
	if (!sa->dh || !peer.len || !sa->ni.len || !sa->nr.len) {
		snprintf(err, errlen, "key material incomplete");
		return false;
	}
	if (!ci || !prf_get(sa->xf.hash)) {
		snprintf(err, errlen, "agreed transform has no usable cipher or hash");
		return false;
	}
	chunk_clear(&sa->gxy);
	if (!dh_key_shared(sa->dh, peer, &sa->gxy, &ce)) {
		snprintf(err, errlen, "KE: %s", ce.msg);
		return false;
	}
	const struct ike_auth_ops *auth = ike_auth_get(sa->xf.auth);
	if (!auth) {
		snprintf(err, errlen, "authentication method %u is not supported", sa->xf.auth);
		return false;
	}
	chunk_clear(&sa->skeyid);
	struct ike_status st;
	if (!auth->skeyid(sa, &sa->skeyid, &st)) {
		snprintf(err, errlen, "%s", st.msg);
		return false;
	}
	struct keys_phase1 k = { CHUNK_EMPTY, CHUNK_EMPTY, CHUNK_EMPTY, CHUNK_EMPTY };
	size_t keylen = 0;
	chunk_t cki = CHUNK_FROM(sa->icookie, 8), ckr = CHUNK_FROM(sa->rcookie, 8);
	if (!keys_phase1_derive(sa->xf.hash, sa->skeyid, sa->gxy, cki, ckr, &k, &ce) ||
	    !cipher_key_bytes(sa->xf.encr, sa->xf.keylen, &keylen, &ce)) {
		keys_phase1_clear(&k);
		snprintf(err, errlen, "%s", ce.msg);
		return false;
	}
	chunk_clear(&sa->skeyid_d);
	chunk_clear(&sa->skeyid_a);
	chunk_clear(&sa->skeyid_e);
	sa->skeyid_d = k.skeyid_d;
	sa->skeyid_a = k.skeyid_a;
	sa->skeyid_e = k.skeyid_e;
	chunk_clear(&k.skeyid);
	chunk_clear(&sa->enc_key);
	chunk_free(&sa->p1_iv);
	sa->block = ci->block;
	if (!keys_cipher_key(sa->xf.hash, sa->skeyid_e, keylen, &sa->enc_key, &ce) ||
	    !keys_iv_phase1(sa->xf.hash, sa->gxi, sa->gxr, ci->block, &sa->p1_iv, &ce)) {
		snprintf(err, errlen, "%s", ce.msg);
		return false;
	}
	if (sa->state < IKE_SA_KEYED)
		sa->state = IKE_SA_KEYED;
	return true;
}

struct ike_qm *ike_sa_qm_find(struct ike_sa *sa, uint32_t msgid)
{
	for (size_t i = 0; i < sa->nqm; i++)
		if (sa->qm[i]->msgid == msgid)
			return sa->qm[i];
	return NULL;
}

struct ike_qm *ike_sa_qm_new(struct ike_sa *sa, uint32_t msgid, bool initiator)
{
	while (!msgid)
		ike_random(&msgid, sizeof(msgid));
	struct ike_qm *qm = xcalloc(1, sizeof(*qm));
	qm->msgid = msgid;
	qm->initiator = initiator;
	/* SPIs below 256 are reserved (RFC 4303 2.1) */
	do
		ike_random(qm->spi_in, 4);
	while (!qm->spi_in[0] && !qm->spi_in[1] && !qm->spi_in[2]);
	chunk_t *n = initiator ? &qm->ni : &qm->nr;
	size_t len = sa->cfg->nonce_len ? sa->cfg->nonce_len : 32;
	*n = chunk_alloc(len);
	ike_random(n->ptr, len);
	sa->qm = xrealloc(sa->qm, (sa->nqm + 1) * sizeof(*sa->qm));
	sa->qm[sa->nqm++] = qm;
	return qm;
}

chunk_t *ike_sa_iv(struct ike_sa *sa, uint32_t msgid, char *err, size_t errlen)
{
	for (size_t i = 0; i < sa->nivs; i++)
		if (sa->ivs[i].msgid == msgid)
			return &sa->ivs[i].iv;
	if (!sa->p1_iv.len) {
		snprintf(err, errlen, "no phase-1 keys for message ID %08x", msgid);
		return NULL;
	}
	chunk_t iv = CHUNK_EMPTY;
	struct crypto_err ce;
	if (!keys_iv_msgid(sa->xf.hash, sa->p1_iv, msgid, sa->block, &iv, &ce)) {
		snprintf(err, errlen, "IV for message ID %08x: %s", msgid, ce.msg);
		return NULL;
	}
	sa->ivs = xrealloc(sa->ivs, (sa->nivs + 1) * sizeof(*sa->ivs));
	sa->ivs[sa->nivs] = (struct ike_iv){ msgid, iv };
	return &sa->ivs[sa->nivs++].iv;
}

bool ike_child_live(const struct ike_child *c)
{
	return !c->deleted && !c->expired;
}

struct ike_child *ike_sa_child_by_spi(struct ike_sa *sa, const uint8_t spi[4], bool ours)
{
	for (size_t i = 0; i < sa->nchild; i++)
		if (memcmp(ours ? sa->child[i].spi_in : sa->child[i].spi_out, spi, 4) == 0)
			return &sa->child[i];
	return NULL;
}
