/* IKEv1 key derivation (RFC 2409 sections 5, 5.5, 5.7, Appendix B). */
#ifndef IKEC_CRYPTO_KEYS_H
#define IKEC_CRYPTO_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"
#include "crypto/crypto.h"

/* The phase-1 key family. Each chunk is owned; keys_phase1_clear wipes. */
struct keys_phase1 {
	chunk_t skeyid;
	chunk_t skeyid_d;
	chunk_t skeyid_a;
	chunk_t skeyid_e;
};

/* SKEYID for pre-shared keys: prf(pre-shared-key, Ni_b | Nr_b). */
bool keys_skeyid_psk(uint16_t prf, chunk_t psk, chunk_t ni_b, chunk_t nr_b,
		     chunk_t *out, struct crypto_err *err);
/* SKEYID for signatures: prf(Ni_b | Nr_b, g^xy). */
bool keys_skeyid_sig(uint16_t prf, chunk_t ni_b, chunk_t nr_b, chunk_t gxy,
		     chunk_t *out, struct crypto_err *err);
/* SKEYID for public-key encryption: prf(hash(Ni_b | Nr_b), CKY-I | CKY-R). */
bool keys_skeyid_pke(uint16_t prf, chunk_t ni_b, chunk_t nr_b, chunk_t cky_i,
		     chunk_t cky_r, chunk_t *out, struct crypto_err *err);

/* One step of the SKEYID_x chain: prf(SKEYID, prev | g^xy | CKY-I | CKY-R | n)
 * with prev empty for n = 0 (SKEYID_d), SKEYID_d for 1 (_a), SKEYID_a for 2 (_e). */
bool keys_skeyid_step(uint16_t prf, chunk_t skeyid, chunk_t prev, chunk_t gxy,
		      chunk_t cky_i, chunk_t cky_r, uint8_t n, chunk_t *out,
		      struct crypto_err *err);
/* SKEYID_d, _a, _e from SKEYID (copied into k->skeyid). */
bool keys_phase1_derive(uint16_t prf, chunk_t skeyid, chunk_t gxy, chunk_t cky_i,
			chunk_t cky_r, struct keys_phase1 *k, struct crypto_err *err);
void keys_phase1_clear(struct keys_phase1 *k);

/* The phase-1 cipher key of keylen bytes from SKEYID_e: its first bytes when
 * long enough, else Appendix B: K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1),
 * key = first keylen bytes of K1 | K2 | ... */
bool keys_cipher_key(uint16_t prf, chunk_t skeyid_e, size_t keylen, chunk_t *out,
		     struct crypto_err *err);
/* Feedback expansion with a seed: K1 = prf(key, seed), Kn = prf(key, Kn-1 | seed),
 * first len bytes of K1 | K2 | ... (the KEYMAT form, RFC 2409 5.5). */
bool keys_prf_expand(uint16_t prf, chunk_t key, chunk_t seed, size_t len,
		     chunk_t *out, struct crypto_err *err);

/* Quick Mode KEYMAT of len bytes: prf(SKEYID_d, [g(qm)^xy |] protocol | SPI |
 * Ni_b | Nr_b) expanded as above. gqm_xy empty means no PFS. */
bool keys_keymat(uint16_t prf, chunk_t skeyid_d, chunk_t gqm_xy, uint8_t protocol,
		 chunk_t spi, chunk_t ni_b, chunk_t nr_b, size_t len, chunk_t *out,
		 struct crypto_err *err);

/* Phase-1 IV: hash(g^xi | g^xr) truncated to the cipher block size. */
bool keys_iv_phase1(uint16_t hash, chunk_t gxi, chunk_t gxr, size_t block,
		    chunk_t *out, struct crypto_err *err);
/* IV for a new message ID (Quick Mode, Informational): hash(last phase-1 CBC
 * output block | M-ID) truncated to the block size. */
bool keys_iv_msgid(uint16_t hash, chunk_t last_block, uint32_t msgid, size_t block,
		   chunk_t *out, struct crypto_err *err);

/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b). */
bool keys_hash_i(uint16_t prf, chunk_t skeyid, chunk_t gxi, chunk_t gxr,
		 chunk_t cky_i, chunk_t cky_r, chunk_t sai_b, chunk_t idii_b,
		 chunk_t *out, struct crypto_err *err);
/* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b). */
bool keys_hash_r(uint16_t prf, chunk_t skeyid, chunk_t gxi, chunk_t gxr,
		 chunk_t cky_i, chunk_t cky_r, chunk_t sai_b, chunk_t idir_b,
		 chunk_t *out, struct crypto_err *err);

/* Quick Mode HASH(1) = prf(SKEYID_a, M-ID | rest), where rest is every
 * payload after the HASH payload, generic headers included. */
bool keys_qm_hash1(uint16_t prf, chunk_t skeyid_a, uint32_t msgid, chunk_t rest,
		   chunk_t *out, struct crypto_err *err);
/* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest). */
bool keys_qm_hash2(uint16_t prf, chunk_t skeyid_a, uint32_t msgid, chunk_t ni_b,
		   chunk_t rest, chunk_t *out, struct crypto_err *err);
/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b). */
bool keys_qm_hash3(uint16_t prf, chunk_t skeyid_a, uint32_t msgid, chunk_t ni_b,
		   chunk_t nr_b, chunk_t *out, struct crypto_err *err);
/* Informational HASH(1) = prf(SKEYID_a, M-ID | N/D payloads). */
bool keys_info_hash(uint16_t prf, chunk_t skeyid_a, uint32_t msgid,
		    chunk_t payloads, chunk_t *out, struct crypto_err *err);

#endif
