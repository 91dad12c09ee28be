/* IKEv1 key derivation: thin compositions of prf_computev over byte strings. */
#include <string.h>

#include "crypto/keys.h"
#include "crypto/prf.h"

static void keys_put32(uint8_t b[4], uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

bool keys_skeyid_psk(uint16_t prf, chunk_t psk, chunk_t ni_b, chunk_t nr_b,
		     chunk_t *out, struct crypto_err *err)
{
	chunk_t parts[] = { ni_b, nr_b };
	return prf_computev(prf, psk, 2, parts, out, err);
}

bool keys_skeyid_sig(uint16_t prf, chunk_t ni_b, chunk_t nr_b, chunk_t gxy,
		     chunk_t *out, struct crypto_err *err)
{
	chunk_t parts[] = { ni_b, nr_b };
	chunk_t key = chunk_cat(2, parts);
	bool ok = prf_compute(prf, key, gxy, out, err);
	chunk_clear(&key);
	return ok;
}

bool keys_skeyid_pke(uint16_t prf, chunk_t ni_b, chunk_t nr_b, chunk_t cky_i,
		     chunk_t cky_r, chunk_t *out, struct crypto_err *err)
{
	chunk_t nonces[] = { ni_b, nr_b };
	chunk_t key;
	if (!prf_hashv(prf, 2, nonces, &key, err))
		return false;
	chunk_t cookies[] = { cky_i, cky_r };
	bool ok = prf_computev(prf, key, 2, cookies, out, err);
	chunk_clear(&key);
	return ok;
}

bool keys_skeyid_step(uint16_t prf, chunk_t skeyid, chunk_t prev, chunk_t gxy,
		      chunk_t cky_i, chunk_t cky_r, uint8_t n, chunk_t *out,
		      struct crypto_err *err)
{
	chunk_t parts[] = { prev, gxy, cky_i, cky_r, CHUNK_FROM(&n, 1) };
	return prf_computev(prf, skeyid, 5, parts, out, err);
}

void keys_phase1_clear(struct keys_phase1 *k)
{
	chunk_clear(&k->skeyid);
	chunk_clear(&k->skeyid_d);
	chunk_clear(&k->skeyid_a);
	chunk_clear(&k->skeyid_e);
}

bool keys_phase1_derive(uint16_t prf, chunk_t skeyid, chunk_t gxy, chunk_t cky_i,
			chunk_t cky_r, struct keys_phase1 *k, struct crypto_err *err)
{
	memset(k, 0, sizeof(*k));
	k->skeyid = chunk_dup(skeyid.ptr, skeyid.len);
	if (keys_skeyid_step(prf, skeyid, CHUNK_EMPTY, gxy, cky_i, cky_r, 0, &k->skeyid_d, err) &&
	    keys_skeyid_step(prf, skeyid, k->skeyid_d, gxy, cky_i, cky_r, 1, &k->skeyid_a, err) &&
	    keys_skeyid_step(prf, skeyid, k->skeyid_a, gxy, cky_i, cky_r, 2, &k->skeyid_e, err))
		return true;
	keys_phase1_clear(k);
	return false;
}

/* K1 = prf(key, first), Kn = prf(key, Kn-1 | seed), truncated to len. */
static bool keys_feedback(uint16_t prf, chunk_t key, chunk_t first, chunk_t seed,
			  size_t len, chunk_t *out, struct crypto_err *err)
{
	size_t hl = prf_len(prf);
	if (!hl)
		return crypto_fail(err, "hash algorithm %u is not supported", prf);
	chunk_t o = chunk_alloc(len);
	chunk_t k;
	if (!prf_compute(prf, key, first, &k, err)) {
		chunk_free(&o);
		return false;
	}
	size_t off = 0;
	for (;;) {
		size_t n = len - off < hl ? len - off : hl;
		memcpy(o.ptr + off, k.ptr, n);
		off += n;
		if (off >= len)
			break;
		chunk_t parts[] = { k, seed };
		chunk_t next;
		bool ok = prf_computev(prf, key, 2, parts, &next, err);
		chunk_clear(&k);
		if (!ok) {
			chunk_clear(&o);
			return false;
		}
		k = next;
	}
	chunk_clear(&k);
	*out = o;
	return true;
}

bool keys_cipher_key(uint16_t prf, chunk_t skeyid_e, size_t keylen, chunk_t *out,
		     struct crypto_err *err)
{
	if (keylen == 0)
		return crypto_fail(err, "cipher key length 0");
	if (skeyid_e.len >= keylen) {
		*out = chunk_dup(skeyid_e.ptr, keylen);
		return true;
	}
	static const uint8_t zero = 0;
	return keys_feedback(prf, skeyid_e, CHUNK_FROM(&zero, 1), CHUNK_EMPTY,
			     keylen, out, err);
}

bool keys_prf_expand(uint16_t prf, chunk_t key, chunk_t seed, size_t len,
		     chunk_t *out, struct crypto_err *err)
{
	if (len == 0)
		return crypto_fail(err, "expansion length 0");
	return keys_feedback(prf, key, seed, seed, len, out, err);
}

bool keys_keymat(uint16_t prf, chunk_t skeyid_d, chunk_t gqm_xy, uint8_t protocol,
		 chunk_t spi, chunk_t ni_b, chunk_t nr_b, size_t len, chunk_t *out,
		 struct crypto_err *err)
{
	chunk_t parts[] = { gqm_xy, CHUNK_FROM(&protocol, 1), spi, ni_b, nr_b };
	chunk_t seed = chunk_cat(5, parts);
	bool ok = keys_prf_expand(prf, skeyid_d, seed, len, out, err);
	chunk_clear(&seed);
	return ok;
}

static bool keys_truncate(chunk_t *h, size_t block, struct crypto_err *err)
{
	if (block == 0 || h->len < block) {
		size_t hl = h->len;
		chunk_free(h);
		return crypto_fail(err, "hash output (%zu bytes) shorter than block size %zu",
				   hl, block);
	}
	h->len = block;  /* chunk_free only needs the pointer */
	return true;
}

bool keys_iv_phase1(uint16_t hash, chunk_t gxi, chunk_t gxr, size_t block,
		    chunk_t *out, struct crypto_err *err)
{
	chunk_t parts[] = { gxi, gxr };
	return prf_hashv(hash, 2, parts, out, err) && keys_truncate(out, block, err);
}

bool keys_iv_msgid(uint16_t hash, chunk_t last_block, uint32_t msgid, size_t block,
		   chunk_t *out, struct crypto_err *err)
{
	uint8_t m[4];
	keys_put32(m, msgid);
	chunk_t parts[] = { last_block, CHUNK_FROM(m, 4) };
	return prf_hashv(hash, 2, parts, out, err) && keys_truncate(out, block, err);
}

bool keys_hash_i(uint16_t prf, chunk_t skeyid, chunk_t gxi, chunk_t gxr,
		 chunk_t cky_i, chunk_t cky_r, chunk_t sai_b, chunk_t idii_b,
		 chunk_t *out, struct crypto_err *err)
{
	chunk_t parts[] = { gxi, gxr, cky_i, cky_r, sai_b, idii_b };
	return prf_computev(prf, skeyid, 6, parts, out, err);
}

bool keys_hash_r(uint16_t prf, chunk_t skeyid, chunk_t gxi, chunk_t gxr,
		 chunk_t cky_i, chunk_t cky_r, chunk_t sai_b, chunk_t idir_b,
		 chunk_t *out, struct crypto_err *err)
{
	chunk_t parts[] = { gxr, gxi, cky_r, cky_i, sai_b, idir_b };
	return prf_computev(prf, skeyid, 6, parts, out, err);
}

bool keys_qm_hash1(uint16_t prf, chunk_t skeyid_a, uint32_t msgid, chunk_t rest,
		   chunk_t *out, struct crypto_err *err)
{
	uint8_t m[4];
	keys_put32(m, msgid);
	chunk_t parts[] = { CHUNK_FROM(m, 4), rest };
	return prf_computev(prf, skeyid_a, 2, parts, out, err);
}

bool keys_qm_hash2(uint16_t prf, chunk_t skeyid_a, uint32_t msgid, chunk_t ni_b,
		   chunk_t rest, chunk_t *out, struct crypto_err *err)
{
	uint8_t m[4];
	keys_put32(m, msgid);
	chunk_t parts[] = { CHUNK_FROM(m, 4), ni_b, rest };
	return prf_computev(prf, skeyid_a, 3, parts, out, err);
}

bool keys_qm_hash3(uint16_t prf, chunk_t skeyid_a, uint32_t msgid, chunk_t ni_b,
		   chunk_t nr_b, chunk_t *out, struct crypto_err *err)
{
	uint8_t m[5] = { 0 };
	keys_put32(m + 1, msgid);
	chunk_t parts[] = { CHUNK_FROM(m, 5), ni_b, nr_b };
	return prf_computev(prf, skeyid_a, 3, parts, out, err);
}

bool keys_info_hash(uint16_t prf, chunk_t skeyid_a, uint32_t msgid,
		    chunk_t payloads, chunk_t *out, struct crypto_err *err)
{
	return keys_qm_hash1(prf, skeyid_a, msgid, payloads, out, err);
}
