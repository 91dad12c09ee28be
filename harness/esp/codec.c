/* ESP (RFC 4303) packets in user space: one SA direction with its OpenSSL
 * contexts made once, sealing (IV, padding, sequence number, ICV) and
 * opening (SPI, length, replay window, ICV, decryption, padding). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "crypto/crypto.h"
#include "esp/esp.h"

#define ESP_HDR 8                 /* SPI + sequence number */
#define ESP_MAX_IV 16
#define ESP_MAX_ICV 32
#define ESP_MAX_INNER 65535       /* an IP datagram: no jumbograms here */
#define ESP_SEQ_END (UINT64_C(1) << 32)  /* next_seq when every number is used */

enum esp_mode { ESP_MODE_NULL, ESP_MODE_CBC, ESP_MODE_GCM };

struct esp_sa {
	uint8_t spi[4];
	struct ike_p2_xform xf;
	enum esp_mode mode;
	char name[48];                /* "AES-CBC-256/HMAC-SHA2-256-128", for errors */
	size_t iv_len, align, icv_len;
	uint8_t salt[4];              /* GCM: the nonce's fixed part (RFC 4106 4) */
	EVP_CIPHER *cipher;
	EVP_CIPHER_CTX *enc, *dec;    /* keyed once; only the IV changes per packet */
	EVP_MAC_CTX *mac;             /* keyed once; re-initialised per packet */
	uint64_t next_seq;            /* 1 .. 2^32-1; ESP_SEQ_END: exhausted */
	bool test_iv_set;
	uint8_t test_iv[ESP_MAX_IV];
	/* Anti-replay (RFC 4303 3.4.3, appendix A): top is the highest number
	 * that authenticated, bit i of bitmap is top - i. */
	uint32_t top;
	uint64_t bitmap;
	struct esp_counters ctr;
};

static const char *const esp_drop_names[ESP_DROP_COUNT] = {
	[ESP_DROP_NONE] = "none",
	[ESP_DROP_SHORT] = "short",
	[ESP_DROP_SPI] = "spi",
	[ESP_DROP_REPLAY] = "replay",
	[ESP_DROP_ICV] = "icv",
	[ESP_DROP_ALIGN] = "align",
	[ESP_DROP_PADDING] = "padding",
};

const char *esp_drop_name(enum esp_drop d)
{
	return (unsigned)d < ESP_DROP_COUNT ? esp_drop_names[d] : "?";
}

static void esp_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void esp_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void esp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t esp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The integrity algorithm: OpenSSL digest, key and ICV lengths. */
struct esp_auth_info {
	uint16_t id;
	const char *name, *md;
	size_t key_len, icv_len;
};

static const struct esp_auth_info esp_auths[] = {
	{ IKE_EAUTH_MD5, "HMAC-MD5-96", "MD5", 16, 12 },        /* RFC 2403 */
	{ IKE_EAUTH_SHA1, "HMAC-SHA1-96", "SHA1", 20, 12 },     /* RFC 2404 */
	{ IKE_EAUTH_SHA256, "HMAC-SHA2-256-128", "SHA2-256", 32, 16 }, /* RFC 4868 */
	{ IKE_EAUTH_SHA384, "HMAC-SHA2-384-192", "SHA2-384", 48, 24 },
	{ IKE_EAUTH_SHA512, "HMAC-SHA2-512-256", "SHA2-512", 64, 32 },
};

static const struct esp_auth_info *esp_auth_get(uint16_t id)
{
	for (size_t i = 0; i < sizeof(esp_auths) / sizeof(esp_auths[0]); i++)
		if (esp_auths[i].id == id)
			return &esp_auths[i];
	return NULL;
}

/* Mode, cipher name, block, IV and key lengths of a transform; false with
 * err naming it when the transform or its key length is not supported. */
static bool esp_xform_setup(struct esp_sa *sa, const char **ossl, size_t *key_len, char *err,
			    size_t errlen)
{
	const struct ike_p2_xform *x = &sa->xf;
	uint16_t bits = x->keylen ? x->keylen : 128;
	switch (x->transform) {
	case IKE_ESP_NULL:
		if (x->keylen) {
			esp_seterr(err, errlen, "ESP NULL takes no key length (got %u)", x->keylen);
			return false;
		}
		sa->mode = ESP_MODE_NULL;
		snprintf(sa->name, sizeof(sa->name), "NULL");
		*ossl = NULL;
		*key_len = 0;
		sa->align = 4;      /* RFC 2410: block size 1, but ESP aligns to 4 */
		return true;
	case IKE_ESP_DES:
	case IKE_ESP_3DES: {
		bool des = x->transform == IKE_ESP_DES;
		uint16_t fixed = des ? 64 : 192;
		if (x->keylen && x->keylen != fixed) {
			esp_seterr(err, errlen, "ESP %s has a fixed %u-bit key (got key length %u)",
				   des ? "DES-CBC" : "3DES-CBC", fixed, x->keylen);
			return false;
		}
		sa->mode = ESP_MODE_CBC;
		snprintf(sa->name, sizeof(sa->name), "%s", des ? "DES-CBC" : "3DES-CBC");
		*ossl = des ? "DES-CBC" : "DES-EDE3-CBC";
		*key_len = fixed / 8;
		sa->iv_len = sa->align = 8;
		return true;
	}
	case IKE_ESP_AES:
	case IKE_ESP_AES_GCM_8:
	case IKE_ESP_AES_GCM_12:
	case IKE_ESP_AES_GCM_16: {
		bool gcm = x->transform != IKE_ESP_AES;
		if (bits != 128 && bits != 192 && bits != 256) {
			esp_seterr(err, errlen, "ESP %s key length %u is not 128, 192 or 256",
				   gcm ? "AES-GCM" : "AES-CBC", x->keylen);
			return false;
		}
		static const char *const cbc[] = { "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" };
		static const char *const gcms[] = { "AES-128-GCM", "AES-192-GCM", "AES-256-GCM" };
		size_t k = (size_t)(bits - 128) / 64;
		*key_len = bits / 8;
		if (!gcm) {
			sa->mode = ESP_MODE_CBC;
			*ossl = cbc[k];
			sa->iv_len = sa->align = 16;
			snprintf(sa->name, sizeof(sa->name), "AES-CBC-%u", bits);
			return true;
		}
		sa->mode = ESP_MODE_GCM;
		*ossl = gcms[k];
		sa->iv_len = 8;     /* RFC 4106 3.1: explicit 8-byte IV */
		sa->align = 4;      /* a stream mode: ESP's 4-byte alignment only */
		sa->icv_len = x->transform == IKE_ESP_AES_GCM_8 ? 8 :
			      x->transform == IKE_ESP_AES_GCM_12 ? 12 : 16;
		snprintf(sa->name, sizeof(sa->name), "AES-GCM-%u-%zu", bits, sa->icv_len);
		return true;
	}
	}
	esp_seterr(err, errlen, "ESP transform %u is not supported (DES 2, 3DES 3, NULL 11, "
		   "AES-CBC 12, AES-GCM 18/19/20)", x->transform);
	return false;
}

static bool esp_cipher_ctx(struct esp_sa *sa, EVP_CIPHER_CTX **out, const uint8_t *key, int enc)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	*out = c;
	if (!c || !EVP_CipherInit_ex2(c, sa->cipher, key, NULL, enc, NULL))
		return false;
	/* ESP pads by itself: OpenSSL's padding would hold back the last block */
	return sa->mode == ESP_MODE_GCM || EVP_CIPHER_CTX_set_padding(c, 0);
}

/* The integrity algorithm: one a peer offers with this cipher (GCM
 * none, the others one); its name joins the SA's. */
static bool esp_sa_auth(struct esp_sa *sa, const struct esp_auth_info **out, char *err,
			size_t errlen)
{
	const struct ike_p2_xform *x = &sa->xf;
	const struct esp_auth_info *auth = esp_auth_get(x->auth);
	*out = auth;
	if (x->auth != IKE_EAUTH_NONE && !auth) {
		esp_seterr(err, errlen, "ESP %s: integrity algorithm %u is not supported (MD5 1, "
			   "SHA1 2, SHA2-256 5, SHA2-384 6, SHA2-512 7)", sa->name, x->auth);
		return false;
	}
	/* RFC 4106 8.1: GCM carries its own ICV; RFC 4303 3.2 and 5: NULL
	 * without integrity is forbidden; a CBC cipher without integrity is
	 * open to the attacks of RFC 4303 3.2 and is not offered by peers. */
	if (sa->mode == ESP_MODE_GCM && auth) {
		esp_seterr(err, errlen, "ESP %s: a combined mode takes no separate integrity "
			   "algorithm (got %s)", sa->name, auth->name);
		return false;
	}
	if (sa->mode != ESP_MODE_GCM && !auth) {
		esp_seterr(err, errlen, "ESP %s needs an integrity algorithm%s", sa->name,
			   sa->mode == ESP_MODE_NULL ? " (RFC 4303: NULL with no integrity is "
			   "forbidden)" : "");
		return false;
	}
	if (auth) {
		size_t n = strlen(sa->name);
		snprintf(sa->name + n, sizeof(sa->name) - n, "/%s", auth->name);
		sa->icv_len = auth->icv_len;
	}
	return true;
}

/* The keys' lengths: the cipher's (GCM with its salt) and the HMAC's. */
static bool esp_sa_keys_check(const struct esp_sa *sa, const struct esp_auth_info *auth,
			      size_t key_len, chunk_t enc_key, chunk_t int_key, char *err,
			      size_t errlen)
{
	size_t want = key_len + (sa->mode == ESP_MODE_GCM ? 4 : 0);
	if (enc_key.len != want || (want && !enc_key.ptr)) {
		esp_seterr(err, errlen, "ESP %s needs a %zu-byte encryption key%s, got %zu", sa->name,
			   want, sa->mode == ESP_MODE_GCM ? " (key and 4-byte salt)" : "",
			   enc_key.len);
		return false;
	}
	if (auth && (int_key.len != auth->key_len || !int_key.ptr)) {
		esp_seterr(err, errlen, "ESP %s needs a %zu-byte integrity key, got %zu", sa->name,
			   auth->key_len, int_key.len);
		return false;
	}
	if (!auth && int_key.len) {
		esp_seterr(err, errlen, "ESP %s takes no integrity key, got %zu bytes", sa->name,
			   int_key.len);
		return false;
	}
	return true;
}

/* OpenSSL's cipher and its two contexts; the GCM salt from the key's end. */
static bool esp_sa_cipher_setup(struct esp_sa *sa, const char *ossl, size_t key_len,
				chunk_t enc_key, char *err, size_t errlen)
{
	if (sa->xf.transform == IKE_ESP_DES && !crypto_have_legacy()) {
		esp_seterr(err, errlen, "ESP %s needs OpenSSL's legacy provider, which did not "
			   "load", sa->name);
		return false;
	}
	sa->cipher = EVP_CIPHER_fetch(NULL, ossl, NULL);
	if (sa->mode == ESP_MODE_GCM)
		memcpy(sa->salt, enc_key.ptr + key_len, 4);
	if (!sa->cipher || !esp_cipher_ctx(sa, &sa->enc, enc_key.ptr, 1) ||
	    !esp_cipher_ctx(sa, &sa->dec, enc_key.ptr, 0)) {
		esp_seterr(err, errlen, "ESP %s: OpenSSL cipher %s setup failed", sa->name, ossl);
		return false;
	}
	return true;
}

/* OpenSSL's HMAC with the integrity key. */
static bool esp_sa_mac_setup(struct esp_sa *sa, const struct esp_auth_info *auth,
			     chunk_t int_key, char *err, size_t errlen)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	sa->mac = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)auth->md, 0),
		OSSL_PARAM_construct_end(),
	};
	if (!sa->mac || !EVP_MAC_init(sa->mac, int_key.ptr, int_key.len, params)) {
		esp_seterr(err, errlen, "ESP %s: OpenSSL HMAC setup failed", sa->name);
		return false;
	}
	return true;
}

struct esp_sa *esp_sa_new(const uint8_t spi[4], const struct ike_p2_xform *x, chunk_t enc_key,
			  chunk_t int_key, char *err, size_t errlen)
{
	if (!spi || !x) {
		esp_seterr(err, errlen, "ESP SA: no SPI or transform");
		return NULL;
	}
	struct crypto_err ce;
	if (!crypto_init(&ce)) {
		esp_seterr(err, errlen, "ESP SA: %s", ce.msg);
		return NULL;
	}
	struct esp_sa *sa = xcalloc(1, sizeof(*sa));
	memcpy(sa->spi, spi, 4);
	sa->xf = *x;
	sa->next_seq = 1;
	const char *ossl = NULL;
	size_t key_len = 0;
	const struct esp_auth_info *auth = NULL;
	if (!esp_xform_setup(sa, &ossl, &key_len, err, errlen) ||
	    !esp_sa_auth(sa, &auth, err, errlen) ||
	    !esp_sa_keys_check(sa, auth, key_len, enc_key, int_key, err, errlen) ||
	    (ossl && !esp_sa_cipher_setup(sa, ossl, key_len, enc_key, err, errlen)) ||
	    (auth && !esp_sa_mac_setup(sa, auth, int_key, err, errlen))) {
		ERR_clear_error();
		esp_sa_free(sa);
		return NULL;
	}
	return sa;
}

void esp_sa_free(struct esp_sa *sa)
{
	if (!sa)
		return;
	EVP_CIPHER_CTX_free(sa->enc);
	EVP_CIPHER_CTX_free(sa->dec);
	EVP_CIPHER_free(sa->cipher);
	EVP_MAC_CTX_free(sa->mac);
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}

/* HMAC over the packet so far, truncated by the caller. The context keeps
 * its key: init with no key starts a new message. */
static bool esp_hmac(struct esp_sa *sa, const uint8_t *p, size_t len, uint8_t *out)
{
	uint8_t full[EVP_MAX_MD_SIZE];
	size_t olen = 0;
	bool ok = EVP_MAC_init(sa->mac, NULL, 0, NULL) && EVP_MAC_update(sa->mac, p, len) &&
		  EVP_MAC_final(sa->mac, full, &olen, sizeof(full)) && olen >= sa->icv_len;
	if (ok)
		memcpy(out, full, sa->icv_len);
	OPENSSL_cleanse(full, sizeof(full));
	return ok;
}

/* CBC over whole blocks (the caller made sure), IV per packet. */
static bool esp_cbc(EVP_CIPHER_CTX *c, const uint8_t *iv, const uint8_t *in, size_t len,
		    uint8_t *out)
{
	int n = 0;
	return EVP_CipherInit_ex2(c, NULL, NULL, iv, -1, NULL) && len <= INT_MAX &&
	       EVP_CipherUpdate(c, out, &n, in, (int)len) && (size_t)n == len;
}

/* AES-GCM as RFC 4106: nonce salt|IV, AAD SPI|sequence (no ESN). On
 * decryption tag is checked, and false means it did not match. */
static bool esp_gcm(struct esp_sa *sa, EVP_CIPHER_CTX *c, const uint8_t *hdr, const uint8_t *iv,
		    const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag, bool enc)
{
	uint8_t nonce[12];
	memcpy(nonce, sa->salt, 4);
	memcpy(nonce + 4, iv, 8);
	int n = 0, m = 0;
	bool ok = EVP_CipherInit_ex2(c, NULL, NULL, nonce, -1, NULL) && len <= INT_MAX &&
		  EVP_CipherUpdate(c, NULL, &n, hdr, ESP_HDR) &&
		  (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len)) &&
		  (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)sa->icv_len, tag) > 0) &&
		  EVP_CipherFinal_ex(c, out + (len ? n : 0), &m) &&
		  (enc ? EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, (int)sa->icv_len, tag) > 0 : true);
	return ok;
}

/* o holds the plaintext (payload, padding, pad length, next header) at
 * the ciphertext offset; write header and IV, encrypt in place, add the
 * ICV. Frees o on failure. */
static bool esp_seal_finish(struct esp_sa *sa, chunk_t o, size_t ct_len, chunk_t *out)
{
	/* RFC 4303 3.3.3: no ESN, so a new SA is needed before the number wraps */
	if (sa->next_seq >= ESP_SEQ_END || ct_len % sa->align)
		goto fail;
	uint32_t seq = (uint32_t)sa->next_seq;
	size_t ct_off = ESP_HDR + sa->iv_len;
	uint8_t *p = o.ptr, *iv = p + ESP_HDR, *ct = p + ct_off;
	memcpy(p, sa->spi, 4);
	esp_put32(p + 4, seq);
	if (sa->test_iv_set) {
		memcpy(iv, sa->test_iv, sa->iv_len);
	} else if (sa->mode == ESP_MODE_GCM) {
		/* RFC 4106 3.1: any never-repeated value; the sequence number is one */
		memset(iv, 0, 4);
		esp_put32(iv + 4, seq);
	} else if (sa->iv_len && RAND_bytes(iv, (int)sa->iv_len) != 1) {
		goto fail;
	}
	bool ok;
	switch (sa->mode) {
	case ESP_MODE_CBC:
		ok = esp_cbc(sa->enc, iv, ct, ct_len, ct) &&
		     esp_hmac(sa, p, ct_off + ct_len, ct + ct_len);
		break;
	case ESP_MODE_GCM:
		ok = esp_gcm(sa, sa->enc, p, iv, ct, ct_len, ct, ct + ct_len, true);
		break;
	default:
		ok = esp_hmac(sa, p, ct_off + ct_len, ct + ct_len);
		break;
	}
	if (!ok)
		goto fail;
	sa->test_iv_set = false;
	sa->next_seq++;
	*out = o;
	return true;
fail:
	chunk_clear(&o);
	return false;
}

bool esp_seal(struct esp_sa *sa, uint8_t next_header, const uint8_t *inner, size_t len,
	      chunk_t *out)
{
	if (!sa || !out || (len && !inner) || len > ESP_MAX_INNER)
		return false;
	/* 2.4: payload + padding + 2 ends on the block and a 4-byte boundary */
	size_t pad = (sa->align - (len + 2) % sa->align) % sa->align;
	size_t ct_len = len + pad + 2, ct_off = ESP_HDR + sa->iv_len;
	chunk_t o = chunk_alloc(ct_off + ct_len + sa->icv_len);
	/* the plaintext is built in place and encrypted there */
	uint8_t *ct = o.ptr + ct_off;
	if (len)
		memcpy(ct, inner, len);
	for (size_t i = 0; i < pad; i++)
		ct[len + i] = (uint8_t)(i + 1);
	ct[len + pad] = (uint8_t)pad;
	ct[len + pad + 1] = next_header;
	if (!esp_seal_finish(sa, o, ct_len, out))
		return false;
	/* an outbound SA counts what it sent, as the kernel's do */
	sa->ctr.packets++;
	sa->ctr.bytes += len;
	return true;
}

bool esp_seal_plain_for_test(struct esp_sa *sa, const uint8_t *plain, size_t len, chunk_t *out)
{
	if (!sa || !out || !plain || len < 2 || len > ESP_MAX_INNER)
		return false;
	size_t ct_off = ESP_HDR + sa->iv_len;
	chunk_t o = chunk_alloc(ct_off + len + sa->icv_len);
	memcpy(o.ptr + ct_off, plain, len);
	return esp_seal_finish(sa, o, len, out);
}

/* RFC 4303 3.4.3: number 0 is never sent; right of the window is new;
 * inside it, new unless its bit is set; left of it, too old. */
static bool esp_replay_ok(const struct esp_sa *sa, uint32_t seq)
{
	if (seq == 0)
		return false;
	if (seq > sa->top)
		return true;
	uint32_t diff = sa->top - seq;
	return diff < ESP_REPLAY_WINDOW && !(sa->bitmap & (UINT64_C(1) << diff));
}

static void esp_replay_update(struct esp_sa *sa, uint32_t seq)
{
	if (seq > sa->top) {
		uint32_t shift = seq - sa->top;
		sa->bitmap = shift >= ESP_REPLAY_WINDOW ? 0 : sa->bitmap << shift;
		sa->bitmap |= 1;
		sa->top = seq;
	} else {
		sa->bitmap |= UINT64_C(1) << (sa->top - seq);
	}
}

static enum esp_drop esp_refuse(struct esp_sa *sa, enum esp_drop why, chunk_t *scratch)
{
	if (scratch)
		chunk_clear(scratch);
	sa->ctr.drops[why]++;
	return why;
}

enum esp_drop esp_open(struct esp_sa *sa, const uint8_t *pkt, size_t len, chunk_t *inner,
		       uint8_t *nh)
{
	if (!sa)
		return ESP_DROP_SHORT;
	size_t ct_off = ESP_HDR + sa->iv_len;
	/* the smallest ciphertext is one block (CBC) or the 4-byte trailer word */
	if (!pkt || len < ct_off + sa->align + sa->icv_len)
		return esp_refuse(sa, ESP_DROP_SHORT, NULL);
	if (memcmp(pkt, sa->spi, 4) != 0)
		return esp_refuse(sa, ESP_DROP_SPI, NULL);
	size_t ct_len = len - ct_off - sa->icv_len;
	if (ct_len % sa->align)
		return esp_refuse(sa, ESP_DROP_ALIGN, NULL);
	uint32_t seq = esp_get32(pkt + 4);
	/* 3.4.3: duplicates go before the ICV costs anything; the window moves
	 * only once the packet authenticated (below) */
	if (!esp_replay_ok(sa, seq))
		return esp_refuse(sa, ESP_DROP_REPLAY, NULL);
	const uint8_t *iv = pkt + ESP_HDR, *ct = pkt + ct_off, *icv = ct + ct_len;
	chunk_t plain = chunk_alloc(ct_len);
	if (sa->mode == ESP_MODE_GCM) {
		uint8_t tag[ESP_MAX_ICV];
		memcpy(tag, icv, sa->icv_len);
		/* the tag is checked before the plaintext is looked at */
		if (!esp_gcm(sa, sa->dec, pkt, iv, ct, ct_len, plain.ptr, tag, false)) {
			/* leave no stale entry for the next crypto_fail to report */
			ERR_clear_error();
			return esp_refuse(sa, ESP_DROP_ICV, &plain);
		}
	} else {
		/* 3.4.4: the ICV over SPI .. ciphertext, before decrypting */
		uint8_t want[ESP_MAX_ICV];
		if (!esp_hmac(sa, pkt, ct_off + ct_len, want) ||
		    CRYPTO_memcmp(want, icv, sa->icv_len) != 0)
			return esp_refuse(sa, ESP_DROP_ICV, &plain);
		if (sa->mode == ESP_MODE_CBC) {
			if (!esp_cbc(sa->dec, iv, ct, ct_len, plain.ptr))
				return esp_refuse(sa, ESP_DROP_ICV, &plain);
		} else {
			memcpy(plain.ptr, ct, ct_len);
		}
	}
	esp_replay_update(sa, seq);
	/* 2.4: the receiver should check the pad bytes are 1, 2, 3 ... */
	size_t pad = plain.ptr[ct_len - 2];
	if (pad + 2 > ct_len)
		return esp_refuse(sa, ESP_DROP_PADDING, &plain);
	size_t body = ct_len - 2 - pad;
	for (size_t i = 0; i < pad; i++)
		if (plain.ptr[body + i] != (uint8_t)(i + 1))
			return esp_refuse(sa, ESP_DROP_PADDING, &plain);
	uint8_t next = plain.ptr[ct_len - 1];
	memset(plain.ptr + body, 0, ct_len - body);
	plain.len = body;
	sa->ctr.packets++;
	sa->ctr.bytes += body;
	if (nh)
		*nh = next;
	if (inner)
		*inner = plain;
	else
		chunk_clear(&plain);
	return ESP_DROP_NONE;
}

const struct esp_counters *esp_sa_counters(const struct esp_sa *sa)
{
	return &sa->ctr;
}

uint32_t esp_sa_spi(const struct esp_sa *sa)
{
	return esp_get32(sa->spi);
}

uint32_t esp_sa_next_seq(const struct esp_sa *sa)
{
	/* 0 (never a valid number) once every number was used */
	return sa->next_seq >= ESP_SEQ_END ? 0 : (uint32_t)sa->next_seq;
}

void esp_sa_set_next_seq(struct esp_sa *sa, uint32_t seq)
{
	sa->next_seq = seq ? seq : ESP_SEQ_END;
}

size_t esp_sa_iv_len(const struct esp_sa *sa)
{
	return sa->iv_len;
}

size_t esp_sa_icv_len(const struct esp_sa *sa)
{
	return sa->icv_len;
}

size_t esp_sa_overhead(const struct esp_sa *sa)
{
	/* header, IV, at most align-1 pad bytes, the 2-byte trailer, ICV */
	return ESP_HDR + sa->iv_len + sa->align - 1 + 2 + sa->icv_len;
}

const char *esp_sa_name(const struct esp_sa *sa)
{
	return sa->name;
}

bool esp_sa_set_iv_for_test(struct esp_sa *sa, const uint8_t *iv, size_t len)
{
	if (!sa || !iv || len != sa->iv_len || len == 0)
		return false;
	memcpy(sa->test_iv, iv, len);
	sa->test_iv_set = true;
	return true;
}
