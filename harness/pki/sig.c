/* IKEv1 signatures: RSA per RFC 2409 5.1, ECDSA per RFC 4754.
 *
 * RSA: the raw HASH_I/HASH_R is padded with PKCS#1 v1.5 type 1 and
 * "private-encrypted"; there is no DigestInfo (that came with IKEv2).
 * ECDSA: HASH_I/HASH_R is the digest ECDSA signs, as strongSwan's IKEv1
 * does (SIGN_ECDSA_WITH_NULL); the SIG data is r || s, each as wide as the
 * curve order. PKI_SIG_ECDSA_PREHASH signs H(HASH) instead, for testing
 * peers that read RFC 4754 that way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "core/hex.h"
#include "pki/internal.h"

static const struct {
	uint16_t method;
	enum pki_sig_kind kind;
	const char *curve;   /* OpenSSL short name of the ECDSA curve */
	const char *md;      /* its hash, for PKI_SIG_ECDSA_PREHASH */
} pki_auth_table[] = {
	{ PKI_AUTH_RSA_SIG, PKI_SIG_RSA, NULL, NULL },
	{ 64221, PKI_SIG_RSA, NULL, NULL },   /* HybridInitRSA */
	{ 64222, PKI_SIG_RSA, NULL, NULL },   /* HybridRespRSA */
	{ 65005, PKI_SIG_RSA, NULL, NULL },   /* XAUTHInitRSA */
	{ 65006, PKI_SIG_RSA, NULL, NULL },   /* XAUTHRespRSA */
	{ PKI_AUTH_ECDSA_256, PKI_SIG_ECDSA, "prime256v1", "SHA256" },
	{ PKI_AUTH_ECDSA_384, PKI_SIG_ECDSA, "secp384r1", "SHA384" },
	{ PKI_AUTH_ECDSA_521, PKI_SIG_ECDSA, "secp521r1", "SHA512" },
};

static int pki_auth_index(uint16_t method)
{
	for (size_t i = 0; i < sizeof(pki_auth_table) / sizeof(pki_auth_table[0]); i++)
		if (pki_auth_table[i].method == method)
			return (int)i;
	return -1;
}

enum pki_sig_kind pki_auth_sig_kind(uint16_t method, const char **curve)
{
	int i = pki_auth_index(method);
	if (curve)
		*curve = i >= 0 ? pki_auth_table[i].curve : NULL;
	return i >= 0 ? pki_auth_table[i].kind : PKI_SIG_NONE;
}

/* NID of an EC key's curve, NID_undef for anything else. */
static int pki_key_curve_nid(EVP_PKEY *key)
{
	char name[64];
	size_t n = 0;
	if (!EVP_PKEY_get_group_name(key, name, sizeof(name), &n))
		return NID_undef;
	int nid = OBJ_txt2nid(name);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(name);
	return nid;
}

static const char *pki_key_desc(EVP_PKEY *key, char *buf, size_t len)
{
	if (EVP_PKEY_is_a(key, "RSA")) {
		snprintf(buf, len, "RSA-%d", EVP_PKEY_get_bits(key));
	} else if (EVP_PKEY_is_a(key, "EC")) {
		int nid = pki_key_curve_nid(key);
		snprintf(buf, len, "EC %s", nid != NID_undef ? OBJ_nid2sn(nid) : "?");
	} else {
		snprintf(buf, len, "%s", EVP_PKEY_get0_type_name(key));
	}
	return buf;
}

bool pki_key_fits_auth(EVP_PKEY *key, uint16_t method, struct pki_err *err)
{
	const char *curve;
	char desc[64];
	enum pki_sig_kind kind = pki_auth_sig_kind(method, &curve);
	if (!key)
		return pki_fail(err, "no key");
	switch (kind) {
	case PKI_SIG_RSA:
		if (EVP_PKEY_is_a(key, "RSA"))
			return true;
		return pki_fail(err, "auth method %u needs an RSA key, this is %s",
				method, pki_key_desc(key, desc, sizeof(desc)));
	case PKI_SIG_ECDSA:
		if (EVP_PKEY_is_a(key, "EC") &&
		    pki_key_curve_nid(key) == OBJ_sn2nid(curve))
			return true;
		return pki_fail(err, "auth method %u needs an EC key on %s, this is %s",
				method, curve, pki_key_desc(key, desc, sizeof(desc)));
	default:
		return pki_fail(err, "auth method %u is not a supported signature "
				"method (RSA 3, ECDSA 9/10/11)", method);
	}
}

/* Width of r and s: the byte length of the curve order. */
static size_t pki_ecdsa_width(EVP_PKEY *key)
{
	return ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
}

/* The bytes ECDSA treats as the digest: hash itself, or H(hash). */
static bool pki_ecdsa_input(uint16_t method, unsigned flags, chunk_t hash,
			    chunk_t *in, struct pki_err *err)
{
	if (!(flags & PKI_SIG_ECDSA_PREHASH)) {
		*in = chunk_dup(hash.ptr, hash.len);
		return true;
	}
	const char *md = pki_auth_table[pki_auth_index(method)].md;
	unsigned char buf[EVP_MAX_MD_SIZE];
	size_t n = 0;
	if (!EVP_Q_digest(NULL, md, NULL, hash.ptr, hash.len, buf, &n))
		return pki_fail(err, "%s over the hash failed", md);
	*in = chunk_dup(buf, n);
	return true;
}

static bool pki_rsa_sign(EVP_PKEY *key, chunk_t hash, chunk_t *sig,
			 struct pki_err *err)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	size_t len = 0;
	bool ok = false;
	/* No signature digest is set: OpenSSL then pads the input as it is. */
	if (!ctx || EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_sign(ctx, NULL, &len, hash.ptr, hash.len) <= 0) {
		pki_fail(err, "RSA signing setup failed");
		goto out;
	}
	*sig = chunk_alloc(len);
	if (EVP_PKEY_sign(ctx, sig->ptr, &len, hash.ptr, hash.len) <= 0) {
		chunk_free(sig);
		pki_fail(err, "RSA signing of %zu bytes failed", hash.len);
		goto out;
	}
	sig->len = len;
	ok = true;
out:
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static bool pki_ecdsa_sign(EVP_PKEY *key, uint16_t method, unsigned flags,
			   chunk_t hash, chunk_t *sig, struct pki_err *err)
{
	chunk_t in, der = CHUNK_EMPTY;
	if (!pki_ecdsa_input(method, flags, hash, &in, err))
		return false;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	ECDSA_SIG *es = NULL;
	size_t len = 0;
	bool ok = false;
	if (!ctx || EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_sign(ctx, NULL, &len, in.ptr, in.len) <= 0) {
		pki_fail(err, "ECDSA signing setup failed");
		goto out;
	}
	der = chunk_alloc(len);
	if (EVP_PKEY_sign(ctx, der.ptr, &len, in.ptr, in.len) <= 0) {
		pki_fail(err, "ECDSA signing of %zu bytes failed", in.len);
		goto out;
	}
	const unsigned char *p = der.ptr;
	es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	if (!es) {
		pki_fail(err, "ECDSA signature DER does not parse");
		goto out;
	}
	size_t w = pki_ecdsa_width(key);
	*sig = chunk_alloc(2 * w);
	if (BN_bn2binpad(ECDSA_SIG_get0_r(es), sig->ptr, (int)w) != (int)w ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig->ptr + w, (int)w) != (int)w) {
		chunk_free(sig);
		pki_fail(err, "ECDSA r or s wider than the curve order");
		goto out;
	}
	ok = true;
out:
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	chunk_free(&der);
	chunk_free(&in);
	return ok;
}

bool pki_sign_ex(EVP_PKEY *key, uint16_t method, unsigned flags, chunk_t hash,
		 chunk_t *sig, struct pki_err *err)
{
	*sig = CHUNK_EMPTY;
	if (!pki_key_fits_auth(key, method, err))
		return false;
	if (hash.len == 0)
		return pki_fail(err, "nothing to sign: the hash is empty");
	if (pki_auth_sig_kind(method, NULL) == PKI_SIG_RSA)
		return pki_rsa_sign(key, hash, sig, err);
	return pki_ecdsa_sign(key, method, flags, hash, sig, err);
}

bool pki_sign(EVP_PKEY *key, uint16_t method, chunk_t hash, chunk_t *sig,
	      struct pki_err *err)
{
	return pki_sign_ex(key, method, 0, hash, sig, err);
}

/* Recover what was signed and compare it, so a mismatch can say why (a
 * DigestInfo where IKEv1 wants the bare hash is a classic interop bug). */
static bool pki_rsa_verify(EVP_PKEY *pub, chunk_t hash, chunk_t sig,
			   struct pki_err *err)
{
	size_t k = (size_t)EVP_PKEY_get_size(pub);
	if (sig.len != k)
		return pki_fail(err, "RSA signature is %zu bytes, the modulus is %zu",
				sig.len, k);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	chunk_t rec = chunk_alloc(k);
	size_t len = k;
	bool ok = false;
	if (!ctx || EVP_PKEY_verify_recover_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) {
		pki_fail(err, "RSA verification setup failed");
		goto out;
	}
	if (EVP_PKEY_verify_recover(ctx, rec.ptr, &len, sig.ptr, sig.len) <= 0) {
		pki_clear_openssl_errors();
		pki_fail(err, "RSA signature does not open to PKCS#1 type 1 padding "
			 "with this key (wrong key or corrupted signature)");
		goto out;
	}
	rec.len = len;
	if (len == hash.len && memcmp(rec.ptr, hash.ptr, len) == 0) {
		ok = true;
		goto out;
	}
	if (len > hash.len && memcmp(rec.ptr + len - hash.len, hash.ptr, hash.len) == 0) {
		pki_fail(err, "RSA signature holds the hash inside a %zu-byte prefix "
			 "(a DigestInfo?); IKEv1 signs the bare hash", len - hash.len);
		goto out;
	}
	char *got = hex_string(rec.ptr, len > 64 ? 64 : len);
	pki_fail(err, "RSA signature is over other data: %zu bytes %s%s, the hash "
		 "is %zu bytes", len, got, len > 64 ? "..." : "", hash.len);
	free(got);
out:
	chunk_free(&rec);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static bool pki_ecdsa_verify(EVP_PKEY *pub, uint16_t method, unsigned flags,
			     chunk_t hash, chunk_t sig, struct pki_err *err)
{
	size_t w = pki_ecdsa_width(pub);
	if (sig.len != 2 * w)
		return pki_fail(err, "ECDSA signature is %zu bytes, r || s on this "
				"curve is %zu", sig.len, 2 * w);
	chunk_t in = CHUNK_EMPTY;
	unsigned char *der = NULL;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig.ptr, (int)w, NULL);
	BIGNUM *s = BN_bin2bn(sig.ptr + w, (int)w, NULL);
	EVP_PKEY_CTX *ctx = NULL;
	bool ok = false;
	if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		pki_fail(err, "out of memory");
		goto out;
	}
	int dlen = i2d_ECDSA_SIG(es, &der);
	if (dlen <= 0 || !pki_ecdsa_input(method, flags, hash, &in, err)) {
		if (dlen <= 0)
			pki_fail(err, "cannot encode r and s");
		goto out;
	}
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	if (!ctx || EVP_PKEY_verify_init(ctx) <= 0) {
		pki_fail(err, "ECDSA verification setup failed");
		goto out;
	}
	int rc = EVP_PKEY_verify(ctx, der, (size_t)dlen, in.ptr, in.len);
	if (rc == 1)
		ok = true;
	else
		pki_fail(err, "ECDSA signature does not verify with this key%s",
			 rc < 0 ? " (malformed r or s)" : "");
out:
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	chunk_free(&in);
	return ok;
}

bool pki_verify_ex(EVP_PKEY *pub, uint16_t method, unsigned flags, chunk_t hash,
		   chunk_t sig, struct pki_err *err)
{
	if (!pki_key_fits_auth(pub, method, err))
		return false;
	if (sig.len == 0)
		return pki_fail(err, "the signature is empty");
	if (pki_auth_sig_kind(method, NULL) == PKI_SIG_RSA)
		return pki_rsa_verify(pub, hash, sig, err);
	return pki_ecdsa_verify(pub, method, flags, hash, sig, err);
}

bool pki_verify(EVP_PKEY *pub, uint16_t method, chunk_t hash, chunk_t sig,
		struct pki_err *err)
{
	return pki_verify_ex(pub, method, 0, hash, sig, err);
}

bool pki_verify_cert(X509 *cert, uint16_t method, chunk_t hash, chunk_t sig,
		     struct pki_err *err)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	if (!pub)
		return pki_fail(err, "the certificate's public key cannot be read");
	return pki_verify_ex(pub, method, 0, hash, sig, err);
}
