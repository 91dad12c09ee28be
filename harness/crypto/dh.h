/* Diffie-Hellman groups of IKEv1 (attribute class 4) and key exchange. */
#ifndef IKEC_CRYPTO_DH_H
#define IKEC_CRYPTO_DH_H

#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"
#include "crypto/crypto.h"

enum dh_type {
	DH_MODP = 1,  /* group type attribute values (class 5) */
	DH_ECP = 2,
	DH_EC2N = 3,
};

/* How the KE payload carries the public value. */
enum dh_ke_format {
	DH_KE_INT,    /* MODP: g^x big-endian, left-padded to the prime length */
	DH_KE_XY,     /* RFC 5903: x | y, each padded to the field length */
	DH_KE_X,      /* RFC 2409 6.3/6.4: x only (y recovered by the peer) */
	DH_KE_X962,   /* draft-ietf-ipsec-ike-ecc-groups (6-13): X9.62 octet
		       * string, 04|x|y sent; 02/03|x and 06/07|x|y accepted */
};

struct dh_group {
	uint16_t id;            /* IANA group description value */
	const char *name;       /* short name, e.g. "modp2048", "ecp256" */
	const char *desc;       /* IANA description */
	enum dh_type type;
	enum dh_ke_format ke_format;
	size_t ke_len;          /* KE payload data length (as sent) */
	size_t secret_len;      /* g^xy length */
	const char *ossl;       /* OpenSSL group/curve name, NULL when explicit */
	const char *p_hex;      /* explicit MODP prime (groups 1, 2), g = 2 */
	const char *source;     /* where the definition comes from */
};

/* The group for an IANA number, or NULL when not implemented. */
const struct dh_group *dh_group_get(uint16_t id);
const struct dh_group *dh_group_by_name(const char *name);
/* All implemented groups in number order, for table loops. */
size_t dh_group_count(void);
const struct dh_group *dh_group_at(size_t i);

/* A private key with its public value. */
struct dh_key;

/* A fresh random private key for a group. */
struct dh_key *dh_key_new(uint16_t group, struct crypto_err *err);
/* A key from a given private value (big-endian; for known-answer tests). */
struct dh_key *dh_key_from_private(uint16_t group, chunk_t priv,
				   struct crypto_err *err);
void dh_key_free(struct dh_key *key);

const struct dh_group *dh_key_group(const struct dh_key *key);
/* The public value as KE payload data (owned by the key, ke_len bytes). */
chunk_t dh_key_public(const struct dh_key *key);
/* For X9.62 groups (6-13): the public value in compressed form (02/03|x),
 * which the draft allows as well, into a new chunk. */
bool dh_key_public_compressed(const struct dh_key *key, chunk_t *out,
			      struct crypto_err *err);
/* g^xy from the peer's KE payload data, fixed length (secret_len), into a
 * new chunk: the padded integer for MODP, the x coordinate of the shared
 * point for EC groups. Rejects a wrong length, 0, 1, p-1 and values >= p for
 * MODP; points not on the curve, an x with no point, x = 0 on EC2N curves
 * (order 2) and points outside the prime-order subgroup for EC groups. */
bool dh_key_shared(const struct dh_key *key, chunk_t peer, chunk_t *out,
		   struct crypto_err *err);
/* Check a peer's KE data without computing anything (same rules). */
bool dh_check_public(uint16_t group, chunk_t peer, struct crypto_err *err);

#endif
