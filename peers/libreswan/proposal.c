/* Our transform numbers (IKE attribute values) and libreswan 4.10's
 * ike=/phase2alg= keywords and logged names, both ways, from one set of
 * tables. What the tables lack is what Debian's pluto refuses for IKEv1
 * (as `algparse -v1` says: "not supported"). */
#include <stdio.h>
#include <string.h>

#include "crypto/cipher.h"
#include "crypto/prf.h"
#include "peers/libreswan/libreswan.h"

#define LSW_N(a) (sizeof(a) / sizeof((a)[0]))

/* Phase-1 ciphers: keyword prefix, whether the key length is part of it,
 * and the logged name's prefix (pluto logs "AES_CBC_128", "3DES_CBC_192"). */
static const struct lsw_ike_cipher {
	uint16_t id;         /* enum cipher_alg */
	const char *kw;
	bool sized;          /* "aes" + 128 -> "aes128" */
	uint16_t fixed;      /* bits of a one-size cipher */
	const char *name;
} lsw_ike_ciphers[] = {
	{ CIPHER_3DES, "3des", false, 192, "3DES_CBC" },
	{ CIPHER_AES, "aes", true, 0, "AES_CBC" },
	{ CIPHER_CAMELLIA, "camellia", true, 0, "CAMELLIA_CBC" },
};

/* Hashes: the IKE keyword and name, the ESP integrity name. */
static const struct lsw_hash {
	uint16_t id;         /* enum prf_alg */
	uint16_t esp;        /* enum ike_esp_auth of the same hash */
	const char *kw;
	const char *name;    /* IKE integ= */
	const char *esp_name;
} lsw_hashes[] = {
	{ PRF_MD5, IKE_EAUTH_MD5, "md5", "HMAC_MD5", "HMAC_MD5_96" },
	{ PRF_SHA1, IKE_EAUTH_SHA1, "sha1", "HMAC_SHA1", "HMAC_SHA1_96" },
	{ PRF_SHA2_256, IKE_EAUTH_SHA256, "sha2_256", "HMAC_SHA2_256", "HMAC_SHA2_256_128" },
	{ PRF_SHA2_384, IKE_EAUTH_SHA384, "sha2_384", "HMAC_SHA2_384", "HMAC_SHA2_384_192" },
	{ PRF_SHA2_512, IKE_EAUTH_SHA512, "sha2_512", "HMAC_SHA2_512", "HMAC_SHA2_512_256" },
};

/* DH groups of Debian's pluto 4.10: no MODP 768/1024 (and no 1024/2048
 * with subgroups), no EC2N, no Brainpool; ECP only in Phase 1 (Quick
 * Mode PFS: "not supported by IKEv1"). */
static const struct lsw_group {
	uint16_t id;
	const char *kw;
	const char *name;
	bool pfs;            /* allowed as a Quick Mode PFS group */
} lsw_groups[] = {
	{ 5, "modp1536", "MODP1536", true }, { 14, "modp2048", "MODP2048", true },
	{ 15, "modp3072", "MODP3072", true }, { 16, "modp4096", "MODP4096", true },
	{ 17, "modp6144", "MODP6144", true }, { 18, "modp8192", "MODP8192", true },
	{ 19, "dh19", "DH19", false }, { 20, "dh20", "DH20", false },
	{ 21, "dh21", "DH21", false }, { 31, "dh31", "DH31", false },
};

static const struct lsw_esp_cipher {
	uint16_t id;         /* enum ike_esp_id */
	const char *kw;      /* prefix; sized ones take the key length */
	bool sized, aead;
	const char *name;    /* logged xfrm= prefix */
} lsw_esp_ciphers[] = {
	{ IKE_ESP_3DES, "3des", false, false, "3DES_CBC" },
	{ IKE_ESP_NULL, "null", false, false, "NULL" },
	{ IKE_ESP_AES, "aes", true, false, "AES_CBC" },
	{ IKE_ESP_AES_GCM_8, "aes_gcm_8_", true, true, "AES_GCM_8" },
	{ IKE_ESP_AES_GCM_12, "aes_gcm_12_", true, true, "AES_GCM_12" },
	{ IKE_ESP_AES_GCM_16, "aes_gcm_16_", true, true, "AES_GCM_16" },
};

static const struct lsw_group *lsw_group_get(uint16_t id)
{
	for (size_t i = 0; i < LSW_N(lsw_groups); i++)
		if (lsw_groups[i].id == id)
			return &lsw_groups[i];
	return NULL;
}

/* snprintf that reports truncation as an error naming what did not fit. */
static bool lsw_fmt_ok(int n, size_t len, const char *what, char *err, size_t errlen)
{
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "%s: buffer of %zu bytes too small", what, len);
		return false;
	}
	return true;
}

/* A sized cipher's key length: 128, 192 or 256, stated. */
static bool lsw_bits_ok(const char *kw, uint16_t bits, char *err, size_t errlen)
{
	if (bits == 128 || bits == 192 || bits == 256)
		return true;
	if (!bits)
		snprintf(err, errlen, "%s without a key length: pluto would offer its own set",
			 kw);
	else
		snprintf(err, errlen, "%s with a %u-bit key: libreswan has 128/192/256 only", kw,
			 bits);
	return false;
}

bool libreswan_ike_proposal(const struct ike_p1_xform *x, char *buf, size_t len, char *err,
			    size_t errlen)
{
	const struct lsw_ike_cipher *c = NULL;
	for (size_t i = 0; i < LSW_N(lsw_ike_ciphers); i++)
		if (lsw_ike_ciphers[i].id == x->encr)
			c = &lsw_ike_ciphers[i];
	if (!c) {
		snprintf(err, errlen, "phase-1 encryption %u: libreswan 4.10 has no IKEv1 cipher "
			 "for it (3DES, AES, Camellia only)", x->encr);
		return false;
	}
	char enc[32];
	if (c->sized) {
		if (!lsw_bits_ok(c->kw, x->keylen, err, errlen))
			return false;
		snprintf(enc, sizeof(enc), "%s%u", c->kw, x->keylen);
	} else {
		if (x->keylen && x->keylen != c->fixed) {
			snprintf(err, errlen, "%s with a %u-bit key: it has %u bits only", c->kw,
				 x->keylen, c->fixed);
			return false;
		}
		snprintf(enc, sizeof(enc), "%s", c->kw);
	}
	const struct lsw_hash *h = NULL;
	for (size_t i = 0; i < LSW_N(lsw_hashes); i++)
		if (lsw_hashes[i].id == x->hash)
			h = &lsw_hashes[i];
	if (!h) {
		snprintf(err, errlen, "phase-1 hash %u has no libreswan keyword", x->hash);
		return false;
	}
	const struct lsw_group *g = lsw_group_get(x->group);
	if (!g) {
		snprintf(err, errlen, "DH group %u: libreswan 4.10 (Debian) does not support it "
			 "(MODP 1536-8192, ECP 256/384/521, Curve25519 only)", x->group);
		return false;
	}
	return lsw_fmt_ok(snprintf(buf, len, "%s-%s-%s", enc, h->kw, g->kw), len, "ike proposal",
			  err, errlen);
}

bool libreswan_esp_proposal(const struct ike_p2_xform *x, char *buf, size_t len, char *err,
			    size_t errlen)
{
	const struct lsw_esp_cipher *c = NULL;
	for (size_t i = 0; i < LSW_N(lsw_esp_ciphers); i++)
		if (lsw_esp_ciphers[i].id == x->transform)
			c = &lsw_esp_ciphers[i];
	if (!c) {
		snprintf(err, errlen, "ESP transform %u: libreswan 4.10 does not support it",
			 x->transform);
		return false;
	}
	char enc[32];
	if (c->sized) {
		if (!lsw_bits_ok(c->kw, x->keylen, err, errlen))
			return false;
		snprintf(enc, sizeof(enc), "%s%u", c->kw, x->keylen);
	} else if (x->keylen) {
		snprintf(err, errlen, "ESP %s with a key length attribute: pluto has none", c->kw);
		return false;
	} else
		snprintf(enc, sizeof(enc), "%s", c->kw);
	const char *integ = NULL;
	if (c->aead) {
		if (x->auth) {
			snprintf(err, errlen, "ESP %s with an integrity algorithm: AEAD takes none",
				 enc);
			return false;
		}
		integ = "null";
	}
	for (size_t i = 0; !integ && i < LSW_N(lsw_hashes); i++)
		if (lsw_hashes[i].esp == x->auth)
			integ = lsw_hashes[i].kw;
	if (!integ) {
		snprintf(err, errlen, "ESP integrity %u has no libreswan keyword", x->auth);
		return false;
	}
	if (!x->group)
		return lsw_fmt_ok(snprintf(buf, len, "%s-%s", enc, integ), len, "esp proposal", err,
				  errlen);
	const struct lsw_group *g = lsw_group_get(x->group);
	if (!g || !g->pfs) {
		snprintf(err, errlen, "PFS group %u: libreswan 4.10 has only MODP 1536-8192 in "
			 "Quick Mode (\"ESP DH algorithm is not supported by IKEv1\")", x->group);
		return false;
	}
	return lsw_fmt_ok(snprintf(buf, len, "%s-%s-%s", enc, integ, g->kw), len, "esp proposal",
			  err, errlen);
}

/* n proposals joined by commas through one of the functions above. */
static bool lsw_join(const void *x, size_t size, size_t n,
		     bool (*one)(const void *, char *, size_t, char *, size_t), char *buf,
		     size_t len, char *err, size_t errlen)
{
	size_t off = 0;
	if (!n) {
		snprintf(err, errlen, "no proposal");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char p[96];
		if (!one((const char *)x + i * size, p, sizeof(p), err, errlen))
			return false;
		int k = snprintf(buf + off, len - off, "%s%s", i ? "," : "", p);
		if (!lsw_fmt_ok(k, len - off, "proposal list", err, errlen))
			return false;
		off += (size_t)k;
	}
	return true;
}

static bool lsw_one_ike(const void *x, char *buf, size_t len, char *err, size_t errlen)
{
	return libreswan_ike_proposal(x, buf, len, err, errlen);
}

static bool lsw_one_esp(const void *x, char *buf, size_t len, char *err, size_t errlen)
{
	return libreswan_esp_proposal(x, buf, len, err, errlen);
}

bool libreswan_ike_proposals(const struct ike_p1_xform *x, size_t n, char *buf, size_t len,
			     char *err, size_t errlen)
{
	return lsw_join(x, sizeof(*x), n, lsw_one_ike, buf, len, err, errlen);
}

bool libreswan_esp_proposals(const struct ike_p2_xform *x, size_t n, char *buf, size_t len,
			     char *err, size_t errlen)
{
	for (size_t i = 1; i < n; i++)
		if (x[i].group != x[0].group) {
			snprintf(err, errlen, "ESP proposals with PFS groups %u and %u: pluto allows "
				 "one PFS group per conn in Quick Mode", x[0].group, x[i].group);
			return false;
		}
	return lsw_join(x, sizeof(*x), n, lsw_one_esp, buf, len, err, errlen);
}

/* ---- logged names back ---- */

/* Whether name[0..len) is prefix followed by "_<digits>" or the end; the
 * digits into *bits (0 when absent). */
static bool lsw_sized(const char *name, size_t len, const char *prefix, uint16_t *bits)
{
	size_t pl = strlen(prefix);
	if (len < pl || memcmp(name, prefix, pl) != 0)
		return false;
	*bits = 0;
	if (len == pl)
		return true;
	if (name[pl] != '_' || len == pl + 1)
		return false;
	unsigned v = 0;
	for (size_t i = pl + 1; i < len; i++) {
		if (name[i] < '0' || name[i] > '9' || v > 6553)
			return false;
		v = v * 10 + (unsigned)(name[i] - '0');
	}
	*bits = (uint16_t)v;
	return true;
}

static bool lsw_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(name, want, len) == 0;
}

uint16_t libreswan_ike_encr_id(const char *name, size_t len, uint16_t *keylen)
{
	for (size_t i = 0; i < LSW_N(lsw_ike_ciphers); i++) {
		uint16_t bits;
		if (lsw_sized(name, len, lsw_ike_ciphers[i].name, &bits)) {
			*keylen = lsw_ike_ciphers[i].sized ? bits : 0;
			return lsw_ike_ciphers[i].id;
		}
	}
	*keylen = 0;
	return 0;
}

uint16_t libreswan_hash_id(const char *name, size_t len)
{
	for (size_t i = 0; i < LSW_N(lsw_hashes); i++)
		if (lsw_is(name, len, lsw_hashes[i].name))
			return lsw_hashes[i].id;
	return 0;
}

uint16_t libreswan_group_id(const char *name, size_t len)
{
	for (size_t i = 0; i < LSW_N(lsw_groups); i++)
		if (lsw_is(name, len, lsw_groups[i].name))
			return lsw_groups[i].id;
	return 0;
}

uint16_t libreswan_esp_encr_id(const char *name, size_t len, uint16_t *keylen)
{
	/* longest prefix first: "AES_GCM_16" before "AES_CBC" cannot clash,
	   but "NULL" must not take "NULL_AUTH_AES_GMAC" */
	for (size_t i = 0; i < LSW_N(lsw_esp_ciphers); i++) {
		uint16_t bits;
		if (lsw_sized(name, len, lsw_esp_ciphers[i].name, &bits)) {
			/* pluto logs "3DES_CBC_0" on some versions: no key length */
			*keylen = lsw_esp_ciphers[i].sized ? bits : 0;
			return lsw_esp_ciphers[i].id;
		}
	}
	*keylen = 0;
	return 0;
}

uint16_t libreswan_esp_auth_id(const char *name, size_t len)
{
	if (lsw_is(name, len, "NONE"))
		return IKE_EAUTH_NONE;
	for (size_t i = 0; i < LSW_N(lsw_hashes); i++)
		if (lsw_is(name, len, lsw_hashes[i].esp_name))
			return lsw_hashes[i].esp;
	return 0;
}
