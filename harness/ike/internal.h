/* The message layer every exchange file of ike/ builds on (message.c; not
 * a public header): message headers, rules checks, payload bodies, HASH
 * payloads, lifetime attributes, crypto failures. */
#ifndef IKEC_IKE_INTERNAL_H
#define IKEC_IKE_INTERNAL_H

#include "ike/ike.h"
#include "wire/rules.h"

/* A message with the SA's cookies, an exchange, a message ID and the E flag. */
struct wire_msg *ike_msg_new(const struct ike_sa *sa, uint8_t exchange, uint32_t msgid,
			     bool encrypted);
/* rules_check for a message by name, into st. */
bool ike_rules(const char *name, uint8_t auth, const struct wire_msg *m,
	       struct ike_status *st);
/* The payloads after the first one (HASH), as they are on the wire: for a
 * parsed message from the raw bytes, for a built one by building. */
chunk_t ike_rest_parsed(const struct wire_msg *m);
chunk_t ike_rest_built(const struct wire_msg *m);
/* The body of a payload (no generic header): raw for parsed nodes. */
chunk_t ike_body(const struct wire_node *n);
/* Set the first HASH payload's data (placeholder or computed). */
bool ike_set_hash(struct wire_msg *m, chunk_t h, struct ike_status *st);
/* Compare the first HASH payload with h. */
bool ike_check_hash(const struct wire_msg *m, chunk_t h, const char *what,
		    struct ike_status *st);
/* A HASH payload of prf length, zeros, at the end of the list. */
void ike_add_hash(struct ike_sa *sa, struct wire_msg *m);
/* A life duration attribute of transform t under the life type before it
 * (1 seconds, 2 kilobytes; phase 1 and IPsec use the same two); refused
 * without one. */
bool ike_life_duration(const struct wire_node *t, uint32_t life_type, uint32_t v,
		       uint32_t *sec, uint32_t *kb, struct ike_status *st);
/* Copy a crypto error into st. */
bool ike_crypto_fail(struct ike_status *st, uint16_t notify, const char *what,
		     const char *msg);

#endif
