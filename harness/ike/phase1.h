/* The phase-1 layer Main Mode (main.c) and Aggressive Mode (aggressive.c)
 * build on (phase1.c; not a public header). Builders add payloads to a
 * message; take_ functions check the peer's and record them in the SA. */
#ifndef IKEC_IKE_PHASE1_H
#define IKEC_IKE_PHASE1_H

#include "ike/ike.h"

struct ike_auth_ops;

/* ---- proposals */
/* Initiator: our configured transforms, one proposal (mm1, am1). */
void ike_add_p1_sa_offer(struct ike_sa *sa, struct wire_msg *m);
/* Responder: the transform we chose, under the peer's numbers (mm2, am2). */
bool ike_add_p1_sa_reply(struct ike_sa *sa, struct wire_msg *m, struct ike_status *st);
/* Initiator: the responder's single transform must be one we offered. */
bool ike_p1_check_reply(struct ike_sa *sa, const struct wire_node *sa_node,
			struct ike_status *st);
/* Responder: our choice from the peer's SA payload (mm1, am1) into the SA,
 * and SAi_b as it came. */
bool ike_p1_take_offer(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);

/* ---- payloads */
/* Our phase-1 ID: configured, the certificate's subject DN with
 * signatures, or our address. */
void ike_our_id(const struct ike_sa *sa, struct ike_id *id);
struct wire_node *ike_add_our_id(struct ike_sa *sa, struct wire_msg *m);
/* Our KE and nonce payloads. */
void ike_add_ke_nonce(struct ike_sa *sa, struct wire_msg *m);
/* INITIAL-CONTACT when configured (mm5, mm6, am3). */
void ike_add_initial_contact(struct ike_sa *sa, struct wire_msg *m);
/* CR payloads naming our trusted CAs, for a signature method. */
void ike_add_cr(struct ike_sa *sa, struct wire_msg *m, uint16_t method);
/* The peer's CR payloads, counted; a bad CA name is refused. */
bool ike_take_cr(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);
/* Responder: a first message makes our cookie. */
void ike_take_cookies(struct ike_sa *sa, const struct wire_msg *m);
/* Peer's KE and nonce into the SA, checked. */
bool ike_take_ke_nonce(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);
/* The peer's ID against the one we expect (if any); its body into *body. */
bool ike_take_id(struct ike_sa *sa, const struct wire_msg *m, chunk_t *body,
		 struct ike_status *st);

/* ---- keys and authentication */
/* Our DH key pair (ike_sa_need_dh), refused as INVALID-KEY-INFORMATION. */
bool ike_need_dh(struct ike_sa *sa, struct ike_status *st);
/* SKEYID and the keys from it (ike_sa_derive). */
bool ike_derive(struct ike_sa *sa, struct ike_status *st);
/* Refused until the SA has its keys. */
bool ike_need_keys(struct ike_sa *sa, struct ike_status *st);
/* The agreed method's operations; NULL with st when not supported. */
const struct ike_auth_ops *ike_auth(struct ike_sa *sa, struct ike_status *st);
/* The payload rules of the agreed method (PSK's when unknown). */
uint8_t ike_rules_auth(struct ike_sa *sa);
/* mm5 / am3 at the responder, mm6 / am2 at the initiator: the peer's ID
 * (take_id) and proof; the SA is established when they pass. */
bool ike_verify_peer(struct ike_sa *sa, const struct wire_msg *m, bool take_id,
		     struct ike_status *st);
/* Our proof (HASH_I or SIG_I of_initiator, else _R) over id_b into m;
 * keep_hash: a mutation set it, leave it. */
bool ike_phase1_prove(struct ike_sa *sa, bool of_initiator, chunk_t id_b, struct wire_msg *m,
		      bool keep_hash, struct ike_status *st);
/* The ID body a proof in m covers: m's ID payload, or ours as recorded
 * when a test removed it (caller frees). */
chunk_t ike_p1_id_body(const struct ike_sa *sa, const struct wire_msg *m);
/* What went out, for the hashes after: SAi_b (mm1, am1), our ID body
 * (mm5, mm6, am2). */
void ike_p1_sent_sa(struct ike_sa *sa, const struct wire_msg *m);
void ike_p1_sent_id(struct ike_sa *sa, const struct wire_msg *m);

#endif
