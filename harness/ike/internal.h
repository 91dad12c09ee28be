/* Helpers shared by the exchange files of ike/ (not a public header). */
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
/* Our phase-1 ID (configured, or our address). */
void ike_our_id(const struct ike_sa *sa, struct ike_id *id);
/* A life duration attribute of transform t under the life type before it
 * (1 seconds, 2 kilobytes; phase 1 and IPsec use the same two); refused
 * without one. */
bool ike_life_duration(const struct wire_node *t, uint32_t life_type, uint32_t v,
		       uint32_t *sec, uint32_t *kb, struct ike_status *st);
/* Copy a crypto error into st. */
bool ike_crypto_fail(struct ike_status *st, uint16_t notify, const char *what,
		     const char *msg);

/* NAT-T (natt.c): vendor IDs in the first messages, NAT-D in the key
 * exchange messages, detection, the float to the NAT-T port. */
void ike_natt_add_vids(struct ike_sa *sa, struct wire_msg *m);
void ike_natt_take_vids(struct ike_sa *sa, const struct wire_msg *m);
bool ike_natt_add_natd(struct ike_sa *sa, struct wire_msg *m, struct ike_status *st);
bool ike_natt_take_natd(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);
/* Initiator, before its first message on the NAT-T port (mm5, am3). */
void ike_natt_float(struct ike_sa *sa);
/* NAT-OA in qm1 (initiator) or qm2 (responder) when ESP is UDP-transport. */
void ike_natt_add_natoa(const struct ike_sa *sa, const struct ike_qm *qm, struct wire_msg *m);
/* The peer's NAT-OA into qm; refuses a wrong type or a bad address. */
bool ike_natt_take_natoa(const struct ike_sa *sa, struct ike_qm *qm, const struct wire_msg *m,
			 struct ike_status *st);

/* Per-file parts of ike_finalize / ike_sent. */
bool ike_phase1_finalize(struct ike_sa *sa, enum ike_kind kind, struct wire_msg *m,
			 bool keep_hash, struct ike_status *st);
bool ike_phase1_sent(struct ike_sa *sa, enum ike_kind kind, const struct wire_msg *m,
		     struct ike_status *st);
bool ike_quick_finalize(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
			struct wire_msg *m, bool keep_hash, struct ike_status *st);
bool ike_quick_sent(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
		    const struct wire_msg *m, struct ike_status *st);
bool ike_info_finalize(struct ike_sa *sa, struct wire_msg *m, bool keep_hash,
		       struct ike_status *st);

#endif
