/* IKEv1 Diffie-Hellman: MODP through EVP "DH", EC groups through EVP "EC"
 * with EC_POINT for the wire encodings (x only, x|y) and point checks. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

#include "crypto/dh.h"

/* RFC 2409 6.1 and 6.2; OpenSSL has these primes only as BN_get_rfc2409_*,
 * not as named groups, so they are explicit here (g = 2). */
#define P768 \
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74" \
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437" \
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF"
#define P1024 \
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74" \
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437" \
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" \
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF"

#define MODP(id, name, desc, len, ossl, p, src) \
	{ id, name, desc, DH_MODP, DH_KE_INT, len, len, ossl, p, src }
#define ECP(id, name, desc, flen, ossl, src) \
	{ id, name, desc, DH_ECP, DH_KE_XY, 2 * (flen), flen, ossl, NULL, src }
#define EC2N(id, name, desc, flen, ossl, src) \
	{ id, name, desc, DH_EC2N, DH_KE_X, flen, flen, ossl, NULL, src }
#define EC2N_X962(id, name, desc, flen, ossl, src) \
	{ id, name, desc, DH_EC2N, DH_KE_X962, 1 + 2 * (flen), flen, ossl, NULL, src }

static const struct dh_group dh_groups[] = {
	MODP(1, "modp768", "default 768-bit MODP group", 96, NULL, P768, "RFC 2409 6.1"),
	MODP(2, "modp1024", "alternate 1024-bit MODP group", 128, NULL, P1024, "RFC 2409 6.2"),
	EC2N(3, "ec2n155", "EC2N group on GP[2^155]", 20, "Oakley-EC2N-3", "RFC 2409 6.3"),
	EC2N(4, "ec2n185", "EC2N group on GP[2^185]", 24, "Oakley-EC2N-4", "RFC 2409 6.4"),
	MODP(5, "modp1536", "1536-bit MODP group", 192, "modp_1536", NULL, "RFC 3526 2"),
	EC2N_X962(6, "ec2n163r1", "EC2N group over GF[2^163]", 21, "sect163r1",
		  "draft-ietf-ipsec-ike-ecc-groups-03 2.1"),
	EC2N_X962(7, "ec2n163k1", "EC2N group over GF[2^163]", 21, "sect163k1",
		  "draft-ietf-ipsec-ike-ecc-groups-03 2.2"),
	EC2N_X962(8, "ec2n283r1", "EC2N group over GF[2^283]", 36, "sect283r1",
		  "draft-ietf-ipsec-ike-ecc-groups-03 2.3"),
	EC2N_X962(9, "ec2n283k1", "EC2N group over GF[2^283]", 36, "sect283k1",
		  "draft-ietf-ipsec-ike-ecc-groups-03 2.4"),
	EC2N_X962(10, "ec2n409r1", "EC2N group over GF[2^409]", 52, "sect409r1",
		  "draft-ietf-ipsec-ike-ecc-groups-03 2.5"),
	EC2N_X962(11, "ec2n409k1", "EC2N group over GF[2^409]", 52, "sect409k1",
		  "draft-ietf-ipsec-ike-ecc-groups-03 2.6"),
	EC2N_X962(12, "ec2n571r1", "EC2N group over GF[2^571]", 72, "sect571r1",
		  "draft-ietf-ipsec-ike-ecc-groups-03 2.7"),
	EC2N_X962(13, "ec2n571k1", "EC2N group over GF[2^571]", 72, "sect571k1",
		  "draft-ietf-ipsec-ike-ecc-groups-03 2.8"),
	MODP(14, "modp2048", "2048-bit MODP group", 256, "modp_2048", NULL, "RFC 3526 3"),
	MODP(15, "modp3072", "3072-bit MODP group", 384, "modp_3072", NULL, "RFC 3526 4"),
	MODP(16, "modp4096", "4096-bit MODP group", 512, "modp_4096", NULL, "RFC 3526 5"),
	MODP(17, "modp6144", "6144-bit MODP group", 768, "modp_6144", NULL, "RFC 3526 6"),
	MODP(18, "modp8192", "8192-bit MODP group", 1024, "modp_8192", NULL, "RFC 3526 7"),
	ECP(19, "ecp256", "256-bit random ECP group", 32, "prime256v1", "RFC 5903 3.1"),
	ECP(20, "ecp384", "384-bit random ECP group", 48, "secp384r1", "RFC 5903 3.2"),
	ECP(21, "ecp521", "521-bit random ECP group", 66, "secp521r1", "RFC 5903 3.3"),
	MODP(22, "modp1024s160", "1024-bit MODP Group with 160-bit Prime Order Subgroup",
	     128, "dh_1024_160", NULL, "RFC 5114 2.1"),
	MODP(23, "modp2048s224", "2048-bit MODP Group with 224-bit Prime Order Subgroup",
	     256, "dh_2048_224", NULL, "RFC 5114 2.2"),
	MODP(24, "modp2048s256", "2048-bit MODP Group with 256-bit Prime Order Subgroup",
	     256, "dh_2048_256", NULL, "RFC 5114 2.3"),
	ECP(25, "ecp192", "192-bit Random ECP Group", 24, "prime192v1", "RFC 5114 2.4"),
	ECP(26, "ecp224", "224-bit Random ECP Group", 28, "secp224r1", "RFC 5114 2.5"),
	ECP(27, "ecp224bp", "224-bit Brainpool ECP group", 28, "brainpoolP224r1", "RFC 6932"),
	ECP(28, "ecp256bp", "256-bit Brainpool ECP group", 32, "brainpoolP256r1", "RFC 6932"),
	ECP(29, "ecp384bp", "384-bit Brainpool ECP group", 48, "brainpoolP384r1", "RFC 6932"),
	ECP(30, "ecp512bp", "512-bit Brainpool ECP group", 64, "brainpoolP512r1", "RFC 6932"),
};
#define DH_N (sizeof(dh_groups) / sizeof(dh_groups[0]))

struct dh_key {
	const struct dh_group *g;
	EVP_PKEY *pkey;
	chunk_t pub;        /* wire form */
	BIGNUM *p;          /* MODP prime */
	EC_GROUP *ecg;      /* EC curve */
};

const struct dh_group *dh_group_get(uint16_t id)
{
	for (size_t i = 0; i < DH_N; i++)
		if (dh_groups[i].id == id)
			return &dh_groups[i];
	return NULL;
}

const struct dh_group *dh_group_by_name(const char *name)
{
	for (size_t i = 0; name && i < DH_N; i++)
		if (strcmp(dh_groups[i].name, name) == 0)
			return &dh_groups[i];
	return NULL;
}

size_t dh_group_count(void)
{
	return DH_N;
}

const struct dh_group *dh_group_at(size_t i)
{
	return i < DH_N ? &dh_groups[i] : NULL;
}

const struct dh_group *dh_key_group(const struct dh_key *key)
{
	return key ? key->g : NULL;
}

chunk_t dh_key_public(const struct dh_key *key)
{
	return key ? key->pub : CHUNK_EMPTY;
}

void dh_key_free(struct dh_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	chunk_free(&key->pub);
	BN_free(key->p);
	EC_GROUP_free(key->ecg);
	free(key);
}

static const struct dh_group *dh_lookup(uint16_t id, struct crypto_err *err)
{
	const struct dh_group *g = dh_group_get(id);
	if (!g)
		crypto_fail(err, "DH group %u is not supported", id);
	else if (!crypto_init(err))
		return NULL;
	return g;
}

/* Push the domain of a group: its OpenSSL name, or explicit p and g. */
static bool dh_push_domain(OSSL_PARAM_BLD *bld, const struct dh_group *g,
			   BIGNUM **tmp_p, BIGNUM **tmp_g)
{
	if (g->ossl)
		return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						       g->ossl, 0);
	if (!BN_hex2bn(tmp_p, g->p_hex) || !(*tmp_g = BN_new()) || !BN_set_word(*tmp_g, 2))
		return false;
	return OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, *tmp_p) &&
	       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, *tmp_g);
}

/* EVP_PKEY from the group domain plus optional key parts. */
static EVP_PKEY *dh_fromdata(const struct dh_group *g, int selection, const BIGNUM *priv,
			     const BIGNUM *pub_bn, chunk_t pub_oct, struct crypto_err *err)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	BIGNUM *tp = NULL, *tg = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	bool ok = bld && dh_push_domain(bld, g, &tp, &tg);
	if (ok && priv)
		ok = OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv);
	if (ok && pub_bn)
		ok = OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub_bn);
	if (ok && pub_oct.len)
		ok = OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
						      pub_oct.ptr, pub_oct.len);
	ok = ok && (params = OSSL_PARAM_BLD_to_param(bld)) &&
	     (ctx = EVP_PKEY_CTX_new_from_name(NULL, g->type == DH_MODP ? "DH" : "EC", NULL)) &&
	     EVP_PKEY_fromdata_init(ctx) > 0 &&
	     EVP_PKEY_fromdata(ctx, &pkey, selection, params) > 0;
	if (!ok) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
		crypto_fail(err, "cannot build a key for group %u (%s)", g->id, g->name);
	}
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(tp);
	BN_free(tg);
	return pkey;
}

static EC_GROUP *dh_ec_group(const struct dh_group *g, struct crypto_err *err)
{
	int nid = OBJ_sn2nid(g->ossl);
	if (nid == NID_undef)
		nid = OBJ_ln2nid(g->ossl);
	EC_GROUP *ecg = nid == NID_undef ? NULL : EC_GROUP_new_by_curve_name(nid);
	if (!ecg)
		crypto_fail(err, "OpenSSL has no curve %s for group %u", g->ossl, g->id);
	return ecg;
}

static size_t dh_ec_flen(const EC_GROUP *ecg)
{
	return ((size_t)EC_GROUP_get_degree(ecg) + 7) / 8;
}

/* Wire form of an uncompressed point (04 | x | y). */
static bool dh_ec_wire(struct dh_key *key, const uint8_t *oct, size_t len,
		       struct crypto_err *err)
{
	size_t flen = key->g->secret_len;
	if (len != 1 + 2 * flen || oct[0] != 0x04)
		return crypto_fail(err, "unexpected point encoding for group %u", key->g->id);
	switch (key->g->ke_format) {
	case DH_KE_XY: key->pub = chunk_dup(oct + 1, 2 * flen); break;
	case DH_KE_X962: key->pub = chunk_dup(oct, len); break;
	default: key->pub = chunk_dup(oct + 1, flen); break;
	}
	return true;
}

/* Fill key->pub and the domain handles from key->pkey. */
static bool dh_key_finish(struct dh_key *key, struct crypto_err *err)
{
	const struct dh_group *g = key->g;
	if (g->type == DH_MODP) {
		BIGNUM *y = NULL;
		if (!EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_FFC_P, &key->p) ||
		    !EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PUB_KEY, &y))
			return crypto_fail(err, "cannot read the DH key of group %u", g->id);
		if ((size_t)BN_num_bytes(key->p) != g->ke_len) {
			BN_free(y);
			return crypto_fail(err, "group %u prime has %d bytes, table says %zu",
					   g->id, BN_num_bytes(key->p), g->ke_len);
		}
		key->pub = chunk_alloc(g->ke_len);
		bool ok = BN_bn2binpad(y, key->pub.ptr, (int)g->ke_len) == (int)g->ke_len;
		BN_free(y);
		return ok || crypto_fail(err, "public value too long for group %u", g->id);
	}
	if (!key->ecg && !(key->ecg = dh_ec_group(g, err)))
		return false;
	if (dh_ec_flen(key->ecg) != g->secret_len)
		return crypto_fail(err, "group %u field has %zu bytes, table says %zu", g->id,
				   dh_ec_flen(key->ecg), g->secret_len);
	uint8_t oct[1 + 2 * 72];
	size_t len = 0;
	if (!EVP_PKEY_get_octet_string_param(key->pkey, OSSL_PKEY_PARAM_PUB_KEY, oct,
					     sizeof(oct), &len))
		return crypto_fail(err, "cannot read the EC public key of group %u", g->id);
	return dh_ec_wire(key, oct, len, err);
}

struct dh_key *dh_key_new(uint16_t group, struct crypto_err *err)
{
	crypto_err_reset(err);
	const struct dh_group *g = dh_lookup(group, err);
	if (!g)
		return NULL;
	struct dh_key *key = xcalloc(1, sizeof(*key));
	key->g = g;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *params = NULL;
	bool ok;
	if (g->type == DH_MODP) {
		ok = (params = dh_fromdata(g, EVP_PKEY_KEY_PARAMETERS, NULL, NULL,
					   CHUNK_EMPTY, err)) &&
		     (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL)) &&
		     EVP_PKEY_keygen_init(ctx) > 0;
	} else {
		ok = (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) &&
		     EVP_PKEY_keygen_init(ctx) > 0 &&
		     EVP_PKEY_CTX_set_group_name(ctx, g->ossl) > 0;
	}
	if (ok && EVP_PKEY_generate(ctx, &key->pkey) <= 0)
		ok = crypto_fail(err, "key generation failed for group %u (%s)", g->id, g->name);
	else if (!ok && err && !err->msg[0])
		crypto_fail(err, "key generation setup failed for group %u (%s)", g->id, g->name);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	if (!ok || !dh_key_finish(key, err)) {
		dh_key_free(key);
		return NULL;
	}
	return key;
}

struct dh_key *dh_key_from_private(uint16_t group, chunk_t priv,
				   struct crypto_err *err)
{
	crypto_err_reset(err);
	const struct dh_group *g = dh_lookup(group, err);
	if (!g)
		return NULL;
	struct dh_key *key = xcalloc(1, sizeof(*key));
	key->g = g;
	BN_CTX *bnctx = BN_CTX_new();
	BIGNUM *x = BN_bin2bn(priv.ptr, (int)priv.len, NULL);
	BIGNUM *y = NULL, *pg = NULL;
	EVP_PKEY *params = NULL;
	EC_POINT *q = NULL;
	chunk_t oct = CHUNK_EMPTY;
	bool ok = bnctx && x;
	if (ok && g->type == DH_MODP) {
		/* Public value computed here, since fromdata does not derive it. */
		ok = (params = dh_fromdata(g, EVP_PKEY_KEY_PARAMETERS, NULL, NULL,
					   CHUNK_EMPTY, err)) &&
		     EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &key->p) &&
		     EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_G, &pg);
		if (ok && (BN_is_zero(x) || BN_cmp(x, key->p) >= 0))
			ok = crypto_fail(err, "private value out of range for group %u", g->id);
		ok = ok && (y = BN_new()) && BN_mod_exp(y, pg, x, key->p, bnctx) &&
		     (key->pkey = dh_fromdata(g, EVP_PKEY_KEYPAIR, x, y, CHUNK_EMPTY, err));
	} else if (ok) {
		ok = (key->ecg = dh_ec_group(g, err)) != NULL;
		if (ok && (BN_is_zero(x) || BN_cmp(x, EC_GROUP_get0_order(key->ecg)) >= 0))
			ok = crypto_fail(err, "private value out of range for group %u", g->id);
		ok = ok && (q = EC_POINT_new(key->ecg)) &&
		     EC_POINT_mul(key->ecg, q, x, NULL, NULL, bnctx);
		if (ok) {
			oct.len = EC_POINT_point2buf(key->ecg, q, POINT_CONVERSION_UNCOMPRESSED,
						     &oct.ptr, bnctx);
			ok = oct.len > 0;
		}
		ok = ok && (key->pkey = dh_fromdata(g, EVP_PKEY_KEYPAIR, x, NULL, oct, err));
	}
	if (!ok && err && !err->msg[0])
		crypto_fail(err, "cannot make a key from the private value for group %u", g->id);
	OPENSSL_free(oct.ptr);
	EC_POINT_free(q);
	BN_clear_free(x);
	BN_free(y);
	BN_free(pg);
	EVP_PKEY_free(params);
	BN_CTX_free(bnctx);
	if (!ok || !dh_key_finish(key, err)) {
		dh_key_free(key);
		return NULL;
	}
	return key;
}

/* The KE data's length for the group; X9.62 points by their first byte:
 * 02/03 | x, or 04/06/07 | x | y; 00 (infinity) is out. */
static bool dh_peer_length(const struct dh_group *g, chunk_t peer, struct crypto_err *err)
{
	if (g->ke_format == DH_KE_X962) {
		size_t flen = g->secret_len;
		uint8_t t = peer.len ? peer.ptr[0] : 0;
		bool ok = ((t == 2 || t == 3) && peer.len == 1 + flen) ||
			  ((t == 4 || t == 6 || t == 7) && peer.len == 1 + 2 * flen);
		if (!ok) {
			crypto_fail(err, "KE data for group %u (%s) must be an X9.62 point: "
				    "02/03 | x (%zu bytes) or 04 | x | y (%zu bytes); got %zu bytes "
				    "starting 0x%02x", g->id, g->name, 1 + flen, 1 + 2 * flen,
				    peer.len, t);
			return false;
		}
	} else if (peer.len != g->ke_len) {
		crypto_fail(err, "KE data for group %u (%s) must be %zu bytes%s, got %zu",
			    g->id, g->name, g->ke_len,
			    g->ke_format == DH_KE_XY ? " (x | y)" :
			    g->ke_format == DH_KE_X ? " (x only)" : "", peer.len);
		return false;
	}
	return true;
}

/* MODP: y must lie in 2 .. p-2. */
static EVP_PKEY *dh_peer_modp(const struct dh_group *g, const BIGNUM *p, chunk_t peer,
			      bool build, struct crypto_err *err)
{
	EVP_PKEY *pkey = NULL;
	BIGNUM *y = BN_bin2bn(peer.ptr, (int)peer.len, NULL);
	BIGNUM *pm1 = BN_dup(p);
	if (!y || !pm1 || !BN_sub_word(pm1, 1))
		crypto_fail(err, "out of memory");
	else if (BN_is_zero(y))
		crypto_fail(err, "peer public value is 0 (group %u)", g->id);
	else if (BN_is_one(y))
		crypto_fail(err, "peer public value is 1 (group %u)", g->id);
	else if (BN_cmp(y, pm1) == 0)
		crypto_fail(err, "peer public value is p-1 (group %u)", g->id);
	else if (BN_cmp(y, p) >= 0)
		crypto_fail(err, "peer public value is not less than p (group %u)", g->id);
	else if (!build)
		pkey = EVP_PKEY_new();  /* marker: checks passed */
	else
		pkey = dh_fromdata(g, EVP_PKEY_PUBLIC_KEY, NULL, y, CHUNK_EMPTY, err);
	BN_free(y);
	BN_free(pm1);
	return pkey;
}

/* EC: a point on the curve, not at infinity (on a binary curve not of
 * order 2 either). */
static EVP_PKEY *dh_peer_ec(const struct dh_group *g, const EC_GROUP *ecg, chunk_t peer,
			    bool build, struct crypto_err *err)
{
	EVP_PKEY *pkey = NULL;
	/* On a binary curve x = 0 is the point (0, sqrt(b)) of order 2; OpenSSL's
	 * order check lets it through for groups 3/4 (their stored order is even). */
	if (g->type == DH_EC2N) {
		size_t x0 = g->ke_format == DH_KE_X962 ? 1 : 0, z = x0;
		size_t xend = x0 + g->secret_len;
		while (z < xend && peer.ptr[z] == 0)
			z++;
		if (z == xend) {
			crypto_fail(err, "peer x coordinate is 0, a point of order 2 (group %u)", g->id);
			return NULL;
		}
	}
	/* EC: x | y as an uncompressed point, x alone as a compressed one (either
	 * y serves, since k*(-P) has the same x as k*P). */
	uint8_t oct[1 + 2 * 72];
	size_t len;
	if (g->ke_format == DH_KE_X962) {
		len = peer.len;
		memcpy(oct, peer.ptr, peer.len);
	} else {
		len = 1 + peer.len;
		oct[0] = g->ke_format == DH_KE_XY ? 0x04 : 0x02;
		memcpy(oct + 1, peer.ptr, peer.len);
	}
	BN_CTX *bnctx = BN_CTX_new();
	EC_POINT *pt = EC_POINT_new(ecg);
	chunk_t unc = CHUNK_EMPTY;
	if (!bnctx || !pt)
		crypto_fail(err, "out of memory");
	else if (!EC_POINT_oct2point(ecg, pt, oct, len, bnctx))
		crypto_fail(err, g->ke_format == DH_KE_X ?
			    "peer x coordinate is not that of a point on the curve (group %u)" :
			    "peer public value is not a point on the curve (group %u)", g->id);
	else if (EC_POINT_is_at_infinity(ecg, pt))
		crypto_fail(err, "peer public value is the point at infinity (group %u)", g->id);
	else if (!(unc.len = EC_POINT_point2buf(ecg, pt, POINT_CONVERSION_UNCOMPRESSED,
						 &unc.ptr, bnctx)))
		crypto_fail(err, "cannot encode the peer point (group %u)", g->id);
	else if (!build)
		pkey = EVP_PKEY_new();
	else
		pkey = dh_fromdata(g, EVP_PKEY_PUBLIC_KEY, NULL, NULL, unc, err);
	OPENSSL_free(unc.ptr);
	EC_POINT_free(pt);
	BN_CTX_free(bnctx);
	return pkey;
}

/* The peer's EVP key after the wire checks. p or ecg comes from our key, or
 * is built here when called without one (dh_check_public). */
static EVP_PKEY *dh_peer(const struct dh_group *g, const BIGNUM *p, const EC_GROUP *ecg,
			 chunk_t peer, bool build, struct crypto_err *err)
{
	if (!dh_peer_length(g, peer, err))
		return NULL;
	if (g->type == DH_MODP)
		return dh_peer_modp(g, p, peer, build, err);
	return dh_peer_ec(g, ecg, peer, build, err);
}

bool dh_key_public_compressed(const struct dh_key *key, chunk_t *out,
			      struct crypto_err *err)
{
	if (!key || key->g->ke_format != DH_KE_X962)
		return crypto_fail(err, "compressed points are only defined for groups 6-13");
	BN_CTX *bnctx = BN_CTX_new();
	EC_POINT *pt = EC_POINT_new(key->ecg);
	uint8_t *buf = NULL;
	size_t len = 0;
	bool ok = bnctx && pt &&
		  EC_POINT_oct2point(key->ecg, pt, key->pub.ptr, key->pub.len, bnctx) &&
		  (len = EC_POINT_point2buf(key->ecg, pt, POINT_CONVERSION_COMPRESSED, &buf,
					    bnctx)) > 0;
	if (ok)
		*out = chunk_dup(buf, len);
	OPENSSL_free(buf);
	EC_POINT_free(pt);
	BN_CTX_free(bnctx);
	return ok || crypto_fail(err, "cannot compress the point (group %u)", key->g->id);
}

bool dh_check_public(uint16_t group, chunk_t peer, struct crypto_err *err)
{
	struct dh_key *tmp = dh_key_new(group, err);  /* for p / curve only */
	if (!tmp)
		return false;
	EVP_PKEY *pk = dh_peer(tmp->g, tmp->p, tmp->ecg, peer, false, err);
	dh_key_free(tmp);
	EVP_PKEY_free(pk);
	return pk != NULL;
}

bool dh_key_shared(const struct dh_key *key, chunk_t peer, chunk_t *out,
		   struct crypto_err *err)
{
	crypto_err_reset(err);
	if (!key)
		return crypto_fail(err, "no DH key");
	const struct dh_group *g = key->g;
	EVP_PKEY *pk = dh_peer(g, key->p, key->ecg, peer, true, err);
	if (!pk)
		return false;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	size_t len = 0;
	/* Padded output: g^xy keeps its leading zero bytes. */
	unsigned int pad = 1;
	OSSL_PARAM pad_params[] = {
		OSSL_PARAM_construct_uint(OSSL_EXCHANGE_PARAM_PAD, &pad),
		OSSL_PARAM_construct_end(),
	};
	bool ok = ctx && EVP_PKEY_derive_init(ctx) > 0 &&
		  (g->type != DH_MODP || EVP_PKEY_CTX_set_params(ctx, pad_params) > 0);
	if (ok && EVP_PKEY_derive_set_peer_ex(ctx, pk, 1) <= 0)
		ok = crypto_fail(err, "peer public value rejected by the group check (group %u)",
				 g->id);
	else if (ok && (EVP_PKEY_derive(ctx, NULL, &len) <= 0 || len == 0 ||
			len > g->secret_len))
		ok = crypto_fail(err, "DH derive length failed (group %u)", g->id);
	chunk_t s = CHUNK_EMPTY;
	if (ok) {
		/* Left-pad: g^xy is fixed length (RFC 2409 5, RFC 5903 7). */
		s = chunk_alloc(g->secret_len);
		size_t got = len;
		if (EVP_PKEY_derive(ctx, s.ptr + (g->secret_len - len), &got) <= 0 ||
		    got != len)
			ok = crypto_fail(err, "DH derive failed (group %u)", g->id);
	} else if (err && !err->msg[0]) {
		crypto_fail(err, "DH derive setup failed (group %u)", g->id);
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	if (!ok) {
		chunk_clear(&s);
		return false;
	}
	*out = s;
	return true;
}
