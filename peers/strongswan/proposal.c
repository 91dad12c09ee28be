/* Our transform numbers (IKE attribute values) and strongSwan's proposal
 * keywords and list-sas names, both ways, from one set of tables. */
#include <stdio.h>
#include <string.h>

#include "crypto/cipher.h"
#include "crypto/prf.h"
#include "peers/strongswan/strongswan.h"

#define SS_N(a) (sizeof(a) / sizeof((a)[0]))

/* Phase-1 ciphers: keyword prefix, whether the key length is part of the
 * keyword, the one length a fixed-key cipher has, and list-sas name. */
static const struct ss_ike_cipher {
	uint16_t id;
	const char *kw;
	bool sized;          /* "aes" + 128 -> "aes128" */
	uint16_t fixed;      /* bits, for ciphers with one key size */
	uint16_t dflt;       /* bits when no Key Length attribute */
	const char *name;
} ss_ike_ciphers[] = {
	{ CIPHER_DES, "des", false, 64, 64, "DES_CBC" },
	{ CIPHER_3DES, "3des", false, 192, 192, "3DES_CBC" },
	/* strongSwan knows blowfish at 128, 192 and 256 bits only */
	{ CIPHER_BLOWFISH, "blowfish", true, 0, 128, "BLOWFISH_CBC" },
	{ CIPHER_CAST, "cast128", false, 128, 128, "CAST_CBC" },
	{ CIPHER_AES, "aes", true, 0, 0, "AES_CBC" },
	{ CIPHER_CAMELLIA, "camellia", true, 0, 0, "CAMELLIA_CBC" },
};

static const struct ss_hash {
	uint16_t id;         /* enum prf_alg */
	const char *kw;
	const char *prf;     /* list-sas prf-alg */
	const char *integ;   /* list-sas integ-alg */
} ss_hashes[] = {
	{ PRF_MD5, "md5", "PRF_HMAC_MD5", "HMAC_MD5_96" },
	{ PRF_SHA1, "sha1", "PRF_HMAC_SHA1", "HMAC_SHA1_96" },
	{ PRF_SHA2_256, "sha256", "PRF_HMAC_SHA2_256", "HMAC_SHA2_256_128" },
	{ PRF_SHA2_384, "sha384", "PRF_HMAC_SHA2_384", "HMAC_SHA2_384_192" },
	{ PRF_SHA2_512, "sha512", "PRF_HMAC_SHA2_512", "HMAC_SHA2_512_256" },
};

/* DH groups strongSwan implements; EC2N (3, 4, 6-13) it never had. */
static const struct ss_group {
	uint16_t id;
	const char *kw;
	const char *name;
} ss_groups[] = {
	{ 1, "modp768", "MODP_768" }, { 2, "modp1024", "MODP_1024" },
	{ 5, "modp1536", "MODP_1536" }, { 14, "modp2048", "MODP_2048" },
	{ 15, "modp3072", "MODP_3072" }, { 16, "modp4096", "MODP_4096" },
	{ 17, "modp6144", "MODP_6144" }, { 18, "modp8192", "MODP_8192" },
	{ 19, "ecp256", "ECP_256" }, { 20, "ecp384", "ECP_384" }, { 21, "ecp521", "ECP_521" },
	{ 22, "modp1024s160", "MODP_1024_160" }, { 23, "modp2048s224", "MODP_2048_224" },
	{ 24, "modp2048s256", "MODP_2048_256" }, { 25, "ecp192", "ECP_192" },
	{ 26, "ecp224", "ECP_224" }, { 27, "ecp224bp", "ECP_224_BP" },
	{ 28, "ecp256bp", "ECP_256_BP" }, { 29, "ecp384bp", "ECP_384_BP" },
	{ 30, "ecp512bp", "ECP_512_BP" },
};

static const struct ss_esp_cipher {
	uint16_t id;         /* enum ike_esp_id */
	const char *kw;      /* prefix; AES variants take the key length */
	const char *suffix;  /* after the key length: "gcm16" */
	bool sized, aead;
	const char *name;
} ss_esp_ciphers[] = {
	{ IKE_ESP_DES, "des", "", false, false, "DES_CBC" },
	{ IKE_ESP_3DES, "3des", "", false, false, "3DES_CBC" },
	{ IKE_ESP_NULL, "null", "", false, false, "NULL" },
	{ IKE_ESP_AES, "aes", "", true, false, "AES_CBC" },
	{ IKE_ESP_AES_GCM_8, "aes", "gcm8", true, true, "AES_GCM_8" },
	{ IKE_ESP_AES_GCM_12, "aes", "gcm12", true, true, "AES_GCM_12" },
	{ IKE_ESP_AES_GCM_16, "aes", "gcm16", true, true, "AES_GCM_16" },
};

/* ESP integrity: strongSwan's "sha256" is HMAC-SHA-256-128 (RFC 4868), as
 * ours; its pre-standard 96-bit truncation ("sha256_96", HMAC_SHA2_256_96)
 * has no number here, so it maps back to 0. */
static const struct ss_esp_auth {
	uint16_t id;         /* enum ike_esp_auth */
	const char *kw;
	const char *name;
} ss_esp_auths[] = {
	{ IKE_EAUTH_MD5, "md5", "HMAC_MD5_96" },
	{ IKE_EAUTH_SHA1, "sha1", "HMAC_SHA1_96" },
	{ IKE_EAUTH_SHA256, "sha256", "HMAC_SHA2_256_128" },
	{ IKE_EAUTH_SHA384, "sha384", "HMAC_SHA2_384_192" },
	{ IKE_EAUTH_SHA512, "sha512", "HMAC_SHA2_512_256" },
};

static const struct ss_group *ss_group_get(uint16_t id)
{
	for (size_t i = 0; i < SS_N(ss_groups); i++)
		if (ss_groups[i].id == id)
			return &ss_groups[i];
	return NULL;
}

/* snprintf that reports truncation as an error naming what did not fit. */
static bool ss_fmt_ok(int n, size_t len, const char *what, char *err, size_t errlen)
{
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "%s: buffer of %zu bytes too small", what, len);
		return false;
	}
	return true;
}

bool strongswan_ike_proposal(const struct ike_p1_xform *x, char *buf, size_t len,
			     char *err, size_t errlen)
{
	const struct ss_ike_cipher *c = NULL;
	for (size_t i = 0; i < SS_N(ss_ike_ciphers); i++)
		if (ss_ike_ciphers[i].id == x->encr)
			c = &ss_ike_ciphers[i];
	if (!c) {
		snprintf(err, errlen, "phase-1 encryption %u has no strongSwan keyword", x->encr);
		return false;
	}
	char enc[32];
	uint16_t bits = x->keylen ? x->keylen : c->dflt;
	if (c->sized) {
		bool ok = bits == 128 || bits == 192 || bits == 256;
		if (!ok) {
			snprintf(err, errlen, "%s with a %u-bit key: strongSwan has %s128/192/256 only",
				 c->kw, bits, c->kw);
			return false;
		}
		snprintf(enc, sizeof(enc), "%s%u", c->kw, bits);
	} else {
		if (x->keylen && x->keylen != c->fixed) {
			snprintf(err, errlen, "%s with a %u-bit key: it has %u bits only", c->kw,
				 x->keylen, c->fixed);
			return false;
		}
		snprintf(enc, sizeof(enc), "%s", c->kw);
	}
	const struct ss_hash *h = NULL;
	for (size_t i = 0; i < SS_N(ss_hashes); i++)
		if (ss_hashes[i].id == x->hash)
			h = &ss_hashes[i];
	if (!h) {
		snprintf(err, errlen, "phase-1 hash %u has no strongSwan keyword", x->hash);
		return false;
	}
	const struct ss_group *g = ss_group_get(x->group);
	if (!g) {
		snprintf(err, errlen, "DH group %u is not implemented by strongSwan%s", x->group,
			 x->group == 0 ? " (IKEv1 needs a group)" : "");
		return false;
	}
	/* the integrity keyword also gives the PRF in IKEv1 */
	return ss_fmt_ok(snprintf(buf, len, "%s-%s-%s", enc, h->kw, g->kw), len,
			 "IKE proposal", err, errlen);
}

bool strongswan_esp_proposal(const struct ike_p2_xform *x, char *buf, size_t len,
			     char *err, size_t errlen)
{
	const struct ss_esp_cipher *c = NULL;
	for (size_t i = 0; i < SS_N(ss_esp_ciphers); i++)
		if (ss_esp_ciphers[i].id == x->transform)
			c = &ss_esp_ciphers[i];
	if (!c) {
		snprintf(err, errlen, "ESP transform %u has no strongSwan keyword", x->transform);
		return false;
	}
	char enc[32];
	if (c->sized) {
		/* 0: no Key Length attribute, 128 as ike_esp_enc_len takes it */
		uint16_t bits = x->keylen ? x->keylen : 128;
		if (bits != 128 && bits != 192 && bits != 256) {
			snprintf(err, errlen, "ESP AES with a %u-bit key: 128, 192 or 256 only", bits);
			return false;
		}
		snprintf(enc, sizeof(enc), "%s%u%s", c->kw, bits, c->suffix);
	} else {
		if (x->keylen) {
			snprintf(err, errlen, "ESP %s takes no key length (got %u)", c->kw, x->keylen);
			return false;
		}
		snprintf(enc, sizeof(enc), "%s", c->kw);
	}
	char auth[16] = "";
	if (c->aead) {
		if (x->auth) {
			snprintf(err, errlen, "ESP %s is AEAD: no separate integrity (got auth %u)",
				 enc, x->auth);
			return false;
		}
	} else {
		const struct ss_esp_auth *a = NULL;
		for (size_t i = 0; i < SS_N(ss_esp_auths); i++)
			if (ss_esp_auths[i].id == x->auth)
				a = &ss_esp_auths[i];
		if (!a) {
			if (x->auth)
				snprintf(err, errlen, "ESP auth %u has no strongSwan keyword", x->auth);
			else
				snprintf(err, errlen, "ESP %s needs an integrity algorithm", enc);
			return false;
		}
		snprintf(auth, sizeof(auth), "-%s", a->kw);
	}
	char pfs[24] = "";
	if (x->group) {
		const struct ss_group *g = ss_group_get(x->group);
		if (!g) {
			snprintf(err, errlen, "PFS group %u is not implemented by strongSwan", x->group);
			return false;
		}
		snprintf(pfs, sizeof(pfs), "-%s", g->kw);
	}
	return ss_fmt_ok(snprintf(buf, len, "%s%s%s", enc, auth, pfs), len, "ESP proposal",
			 err, errlen);
}

/* Join the proposals of a case with commas. */
static bool ss_join(const void *xs, size_t size, size_t n, bool esp, char *buf, size_t len,
		    char *err, size_t errlen)
{
	if (n == 0) {
		snprintf(err, errlen, "no %s proposals", esp ? "ESP" : "IKE");
		return false;
	}
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		char one[96];
		const void *x = (const char *)xs + i * size;
		bool ok = esp ? strongswan_esp_proposal(x, one, sizeof(one), err, errlen)
			      : strongswan_ike_proposal(x, one, sizeof(one), err, errlen);
		if (!ok)
			return false;
		if (!ss_fmt_ok(snprintf(buf + off, len - off, "%s%s", i ? "," : "", one),
			       len - off, esp ? "ESP proposals" : "IKE proposals", err, errlen))
			return false;
		off += strlen(buf + off);
	}
	return true;
}

bool strongswan_ike_proposals(const struct ike_p1_xform *x, size_t n, char *buf, size_t len,
			      char *err, size_t errlen)
{
	return ss_join(x, sizeof(*x), n, false, buf, len, err, errlen);
}

bool strongswan_esp_proposals(const struct ike_p2_xform *x, size_t n, char *buf, size_t len,
			      char *err, size_t errlen)
{
	return ss_join(x, sizeof(*x), n, true, buf, len, err, errlen);
}

uint16_t strongswan_ike_encr_id(const char *name)
{
	for (size_t i = 0; name && i < SS_N(ss_ike_ciphers); i++)
		if (strcmp(ss_ike_ciphers[i].name, name) == 0)
			return ss_ike_ciphers[i].id;
	return 0;
}

uint16_t strongswan_esp_encr_id(const char *name)
{
	for (size_t i = 0; name && i < SS_N(ss_esp_ciphers); i++)
		if (strcmp(ss_esp_ciphers[i].name, name) == 0)
			return ss_esp_ciphers[i].id;
	return 0;
}

uint16_t strongswan_hash_id(const char *name)
{
	for (size_t i = 0; name && i < SS_N(ss_hashes); i++)
		if (strcmp(ss_hashes[i].prf, name) == 0 || strcmp(ss_hashes[i].integ, name) == 0)
			return ss_hashes[i].id;
	return 0;
}

uint16_t strongswan_esp_auth_id(const char *name)
{
	for (size_t i = 0; name && i < SS_N(ss_esp_auths); i++)
		if (strcmp(ss_esp_auths[i].name, name) == 0)
			return ss_esp_auths[i].id;
	return 0;
}

uint16_t strongswan_group_id(const char *name)
{
	for (size_t i = 0; name && i < SS_N(ss_groups); i++)
		if (strcmp(ss_groups[i].name, name) == 0)
			return ss_groups[i].id;
	return 0;
}
