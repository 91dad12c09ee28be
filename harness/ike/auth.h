/* Phase-1 authentication as a small interface (internal to ike/): PSK now,
 * signatures (RSA, ECDSA) plug in here once the pki module is there. */
#ifndef IKEC_IKE_AUTH_H
#define IKEC_IKE_AUTH_H

#include <stdbool.h>

#include "core/chunk.h"
#include "ike/ike.h"
#include "wire/msg.h"

struct ike_auth_ops {
	uint16_t method;          /* enum ike_auth_method */
	uint8_t rules;            /* enum rules_auth: which payload rules apply */
	/* SKEYID for this method (RFC 2409 5). */
	bool (*skeyid)(struct ike_sa *sa, chunk_t *out, struct ike_status *st);
	/* Append the proof payload(s) to m; its content comes from prove(). */
	void (*add)(struct ike_sa *sa, struct wire_msg *m);
	/* Fill the proof from HASH_I or HASH_R (unless a mutation forced it). */
	bool (*prove)(struct ike_sa *sa, struct wire_msg *m, chunk_t hash, bool force,
		      struct ike_status *st);
	/* Check the peer's proof against the HASH we expect. */
	bool (*verify)(struct ike_sa *sa, const struct wire_msg *m, chunk_t hash,
		       struct ike_status *st);
};

/* NULL when the method is not implemented. */
const struct ike_auth_ops *ike_auth_get(uint16_t method);

#endif
