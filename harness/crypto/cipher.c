/* IKEv1 ciphers through EVP, whole blocks only, IV chained by the caller's
 * buffer. Key sizes follow RFC 2451 (Blowfish, CAST), RFC 3602 (AES) and
 * RFC 4312 (Camellia). */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/cipher.h"

static const struct cipher_info cipher_table[] = {
	/* id, name, block, min, max, step, default, required, allowed, legacy */
	{ CIPHER_DES, "des", 8, 64, 64, 0, 64, false, false, true },
	{ CIPHER_BLOWFISH, "blowfish", 8, 40, 448, 8, 128, false, true, true },
	{ CIPHER_3DES, "3des", 8, 192, 192, 0, 192, false, false, false },
	{ CIPHER_CAST, "cast128", 8, 40, 128, 8, 128, false, true, true },
	{ CIPHER_AES, "aes", 16, 128, 256, 64, 0, true, true, false },
	{ CIPHER_CAMELLIA, "camellia", 16, 128, 256, 64, 0, true, true, false },
};
#define CIPHER_N (sizeof(cipher_table) / sizeof(cipher_table[0]))

const struct cipher_info *cipher_get(uint16_t id)
{
	for (size_t i = 0; i < CIPHER_N; i++)
		if (cipher_table[i].id == id)
			return &cipher_table[i];
	return NULL;
}

const struct cipher_info *cipher_by_name(const char *name)
{
	for (size_t i = 0; name && i < CIPHER_N; i++)
		if (strcmp(cipher_table[i].name, name) == 0)
			return &cipher_table[i];
	return NULL;
}

size_t cipher_count(void)
{
	return CIPHER_N;
}

const struct cipher_info *cipher_at(size_t i)
{
	return i < CIPHER_N ? &cipher_table[i] : NULL;
}

bool cipher_key_bytes(uint16_t id, uint16_t keylen_bits, size_t *bytes,
		      struct crypto_err *err)
{
	const struct cipher_info *c = cipher_get(id);
	if (!c)
		return crypto_fail(err, "encryption algorithm %u is not supported", id);
	uint16_t bits = keylen_bits;
	if (!bits) {
		if (c->keylen_required || !c->key_default)
			return crypto_fail(err, "%s needs a Key Length attribute", c->name);
		bits = c->key_default;
	} else if (!c->keylen_allowed) {
		return crypto_fail(err, "%s has a fixed key: a Key Length attribute must not be sent",
				   c->name);
	}
	if (bits < c->key_min || bits > c->key_max ||
	    (c->key_step && (bits - c->key_min) % c->key_step) || bits % 8)
		return crypto_fail(err, "%s key length %u bits is not allowed (%u..%u step %u)",
				   c->name, bits, c->key_min, c->key_max, c->key_step);
	*bytes = bits / 8;
	return true;
}

/* DES weak and semi-weak keys (FIPS 74), compared without parity bits. */
static const uint8_t des_weak[16][8] = {
	{ 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01 },
	{ 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE },
	{ 0xE0, 0xE0, 0xE0, 0xE0, 0xF1, 0xF1, 0xF1, 0xF1 },
	{ 0x1F, 0x1F, 0x1F, 0x1F, 0x0E, 0x0E, 0x0E, 0x0E },
	{ 0x01, 0x1F, 0x01, 0x1F, 0x01, 0x0E, 0x01, 0x0E },
	{ 0x1F, 0x01, 0x1F, 0x01, 0x0E, 0x01, 0x0E, 0x01 },
	{ 0x01, 0xE0, 0x01, 0xE0, 0x01, 0xF1, 0x01, 0xF1 },
	{ 0xE0, 0x01, 0xE0, 0x01, 0xF1, 0x01, 0xF1, 0x01 },
	{ 0x01, 0xFE, 0x01, 0xFE, 0x01, 0xFE, 0x01, 0xFE },
	{ 0xFE, 0x01, 0xFE, 0x01, 0xFE, 0x01, 0xFE, 0x01 },
	{ 0x1F, 0xE0, 0x1F, 0xE0, 0x0E, 0xF1, 0x0E, 0xF1 },
	{ 0xE0, 0x1F, 0xE0, 0x1F, 0xF1, 0x0E, 0xF1, 0x0E },
	{ 0x1F, 0xFE, 0x1F, 0xFE, 0x0E, 0xFE, 0x0E, 0xFE },
	{ 0xFE, 0x1F, 0xFE, 0x1F, 0xFE, 0x0E, 0xFE, 0x0E },
	{ 0xE0, 0xFE, 0xE0, 0xFE, 0xF1, 0xFE, 0xF1, 0xFE },
	{ 0xFE, 0xE0, 0xFE, 0xE0, 0xFE, 0xF1, 0xFE, 0xF1 },
};

static bool des_eq(const uint8_t *a, const uint8_t *b)
{
	for (int i = 0; i < 8; i++)
		if ((a[i] & 0xFE) != (b[i] & 0xFE))
			return false;
	return true;
}

static const char *des_key_weak(const uint8_t *k)
{
	for (int i = 0; i < 16; i++)
		if (des_eq(k, des_weak[i]))
			return i < 4 ? "DES weak key" : "DES semi-weak key";
	return NULL;
}

const char *cipher_key_weak(uint16_t id, chunk_t key)
{
	if (id == CIPHER_DES && key.len == 8)
		return des_key_weak(key.ptr);
	if (id == CIPHER_3DES && key.len == 24) {
		for (int i = 0; i < 3; i++)
			if (des_key_weak(key.ptr + 8 * i))
				return i == 0 ? "3DES: first DES key is weak or semi-weak" :
				       i == 1 ? "3DES: second DES key is weak or semi-weak" :
						"3DES: third DES key is weak or semi-weak";
		if (des_eq(key.ptr, key.ptr + 8) || des_eq(key.ptr + 8, key.ptr + 16))
			return "3DES: K1 = K2 or K2 = K3 (degenerates to single DES)";
	}
	return NULL;
}

static const char *cipher_ossl_name(const struct cipher_info *c, size_t keylen)
{
	switch (c->id) {
	case CIPHER_DES: return "DES-CBC";
	case CIPHER_3DES: return "DES-EDE3-CBC";
	case CIPHER_BLOWFISH: return "BF-CBC";
	case CIPHER_CAST: return "CAST5-CBC";
	case CIPHER_AES:
		return keylen == 16 ? "AES-128-CBC" : keylen == 24 ? "AES-192-CBC" : "AES-256-CBC";
	case CIPHER_CAMELLIA:
		return keylen == 16 ? "CAMELLIA-128-CBC" :
		       keylen == 24 ? "CAMELLIA-192-CBC" : "CAMELLIA-256-CBC";
	}
	return NULL;
}

static bool cipher_run(uint16_t id, chunk_t key, chunk_t iv, chunk_t in, chunk_t *out,
		       enum cipher_weak_policy weak, int enc, struct crypto_err *err)
{
	const struct cipher_info *c = cipher_get(id);
	if (!c)
		return crypto_fail(err, "encryption algorithm %u is not supported", id);
	if (!crypto_init(err))
		return false;
	if (key.len * 8 < c->key_min || key.len * 8 > c->key_max ||
	    (c->key_step && (key.len * 8 - c->key_min) % c->key_step))
		return crypto_fail(err, "%s key of %zu bytes is not allowed", c->name, key.len);
	if (iv.len != c->block || !iv.ptr)
		return crypto_fail(err, "%s IV must be %zu bytes, got %zu", c->name, c->block,
				   iv.len);
	if (in.len % c->block)
		return crypto_fail(err, "%s input of %zu bytes is not a multiple of the %zu-byte block",
				   c->name, in.len, c->block);
	const char *why = cipher_key_weak(id, key);
	if (why && weak == CIPHER_WEAK_REJECT)
		return crypto_fail(err, "%s key rejected: %s", c->name, why);
	if (c->legacy && !crypto_have_legacy())
		return crypto_fail(err, "%s needs OpenSSL's legacy provider, which did not load",
				   c->name);
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, cipher_ossl_name(c, key.len), NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	chunk_t o = chunk_alloc(in.len);
	int n1 = 0, n2 = 0;
	/* Variable-key ciphers need the length set before the key. */
	bool ok = cipher && ctx && EVP_CipherInit_ex2(ctx, cipher, NULL, NULL, enc, NULL) &&
		  EVP_CIPHER_CTX_set_key_length(ctx, (int)key.len) > 0 &&
		  EVP_CipherInit_ex2(ctx, NULL, key.ptr, iv.ptr, enc, NULL) &&
		  EVP_CIPHER_CTX_set_padding(ctx, 0) &&
		  (in.len == 0 || EVP_CipherUpdate(ctx, o.ptr, &n1, in.ptr, (int)in.len)) &&
		  EVP_CipherFinal_ex(ctx, o.ptr + n1, &n2) && (size_t)(n1 + n2) == in.len;
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	if (!ok) {
		chunk_clear(&o);
		return crypto_fail(err, "%s-CBC %s failed", c->name, enc ? "encryption" : "decryption");
	}
	/* The next IV is the last ciphertext block (ours or the peer's). */
	if (in.len) {
		const chunk_t *ct = enc ? &o : &in;
		memcpy(iv.ptr, ct->ptr + ct->len - c->block, c->block);
	}
	*out = o;
	return true;
}

bool cipher_encrypt(uint16_t id, chunk_t key, chunk_t iv, chunk_t in, chunk_t *out,
		    enum cipher_weak_policy weak, struct crypto_err *err)
{
	return cipher_run(id, key, iv, in, out, weak, 1, err);
}

bool cipher_decrypt(uint16_t id, chunk_t key, chunk_t iv, chunk_t in, chunk_t *out,
		    enum cipher_weak_policy weak, struct crypto_err *err)
{
	return cipher_run(id, key, iv, in, out, weak, 0, err);
}

chunk_t cipher_pad(chunk_t plain, size_t block, enum cipher_pad mode)
{
	size_t pad;
	if (mode == CIPHER_PAD_COUNT)
		pad = block - plain.len % block;     /* 1..block: always some */
	else
		pad = (block - plain.len % block) % block;
	chunk_t o = chunk_alloc(plain.len + pad);  /* zeroed */
	if (plain.len)
		memcpy(o.ptr, plain.ptr, plain.len);
	if (mode == CIPHER_PAD_COUNT)
		o.ptr[o.len - 1] = (uint8_t)(pad - 1);
	return o;
}

bool cipher_unpad(chunk_t plain, size_t block, enum cipher_pad mode, size_t *len,
		  struct crypto_err *err)
{
	if (block == 0 || plain.len % block)
		return crypto_fail(err, "decrypted length %zu is not a multiple of the block size %zu",
				   plain.len, block);
	if (mode == CIPHER_PAD_ZERO) {
		*len = plain.len;
		return true;
	}
	if (plain.len == 0)
		return crypto_fail(err, "no padding in an empty plaintext");
	size_t count = plain.ptr[plain.len - 1];
	if (count + 1 > block || count + 1 > plain.len)
		return crypto_fail(err, "padding count %zu does not fit a %zu-byte block", count,
				   block);
	for (size_t i = plain.len - 1 - count; i < plain.len - 1; i++)
		if (plain.ptr[i] != 0)
			return crypto_fail(err, "padding byte at offset %zu is 0x%02x, not 0x00", i,
					   plain.ptr[i]);
	*len = plain.len - 1 - count;
	return true;
}

bool cipher_encrypt_msg(uint16_t id, chunk_t key, chunk_t iv, chunk_t plain,
			enum cipher_pad pad, chunk_t *out, struct crypto_err *err)
{
	const struct cipher_info *c = cipher_get(id);
	if (!c)
		return crypto_fail(err, "encryption algorithm %u is not supported", id);
	chunk_t p = cipher_pad(plain, c->block, pad);
	bool ok = cipher_encrypt(id, key, iv, p, out, CIPHER_WEAK_REJECT, err);
	chunk_clear(&p);
	return ok;
}

bool cipher_decrypt_msg(uint16_t id, chunk_t key, chunk_t iv, chunk_t in,
			enum cipher_pad pad, chunk_t *out, struct crypto_err *err)
{
	const struct cipher_info *c = cipher_get(id);
	if (!c)
		return crypto_fail(err, "encryption algorithm %u is not supported", id);
	chunk_t p;
	if (!cipher_decrypt(id, key, iv, in, &p, CIPHER_WEAK_REJECT, err))
		return false;
	size_t len;
	if (!cipher_unpad(p, c->block, pad, &len, err)) {
		chunk_clear(&p);
		return false;
	}
	p.len = len;
	*out = p;
	return true;
}
