/* IKEv1 hash and PRF (HMAC), keyed by the phase-1 hash attribute (class 2). */
#ifndef IKEC_CRYPTO_PRF_H
#define IKEC_CRYPTO_PRF_H

#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"
#include "crypto/crypto.h"

/* IKE attribute class 2 values (RFC 2409 App. A; 3 Tiger is not offered). */
enum prf_alg {
	PRF_MD5 = 1,
	PRF_SHA1 = 2,
	PRF_SHA2_256 = 4,
	PRF_SHA2_384 = 5,
	PRF_SHA2_512 = 6,
};

struct prf_info {
	uint16_t id;          /* hash attribute value */
	const char *name;     /* "sha1" ... (suite-file spelling) */
	const char *md;       /* OpenSSL digest name */
	size_t len;           /* digest and HMAC output length */
};

/* The entry for a hash attribute value, or NULL when unsupported. */
const struct prf_info *prf_get(uint16_t alg);
/* Lookup by name ("md5", "sha1", "sha256", "sha384", "sha512"). */
const struct prf_info *prf_by_name(const char *name);
/* Output length in bytes, 0 when unsupported. */
size_t prf_len(uint16_t alg);
/* All supported entries, for table loops. */
size_t prf_count(void);
const struct prf_info *prf_at(size_t i);

/* HMAC-<hash>(key, data) into a new chunk. */
bool prf_compute(uint16_t alg, chunk_t key, chunk_t data, chunk_t *out,
		 struct crypto_err *err);
/* The same over the concatenation of n parts (no copy made). */
bool prf_computev(uint16_t alg, chunk_t key, size_t n, const chunk_t *parts,
		  chunk_t *out, struct crypto_err *err);
/* Plain hash over the concatenation of n parts (for IVs and SKEYID of
 * public-key encryption). */
bool prf_hashv(uint16_t alg, size_t n, const chunk_t *parts, chunk_t *out,
	       struct crypto_err *err);

/* Incremental PRF: new, update as often as needed, final (the context can
 * then be updated again for another output under the same key), free. */
struct prf_ctx;
struct prf_ctx *prf_ctx_new(uint16_t alg, chunk_t key, struct crypto_err *err);
bool prf_ctx_update(struct prf_ctx *ctx, chunk_t data, struct crypto_err *err);
bool prf_ctx_final(struct prf_ctx *ctx, chunk_t *out, struct crypto_err *err);
void prf_ctx_free(struct prf_ctx *ctx);

#endif
