/* IKEv1 messages as pure functions of the SA state, and their processing.
 *
 * A message goes out in five steps, each a seam for a test:
 *   ike_build(kind)    the cleartext model, from the SA as it stands
 *   (mutations on the payload list: wire_set, wire_remove ...)
 *   ike_finalize       computes HASH payloads from the message as it is now
 *                      (unless a mutation forced the hash data)
 *   ike_sent           records in the SA what was really sent (SAi_b, IDs,
 *                      state)
 *   ike_crypt_*        encryption with the right IV chain
 * A message comes in through wire_parse, ike_crypt_decrypt, then
 * ike_process(kind), which checks it (rules_check, then contents) and
 * updates the SA, or says which notify a responder would send and why. */
#ifndef IKEC_IKE_IKE_H
#define IKEC_IKE_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"
#include "ike/sa.h"
#include "wire/msg.h"

enum ike_kind {
	IKE_K_NONE = 0,
	IKE_K_MM1, IKE_K_MM2, IKE_K_MM3, IKE_K_MM4, IKE_K_MM5, IKE_K_MM6,
	IKE_K_AM1, IKE_K_AM2, IKE_K_AM3,
	IKE_K_QM1, IKE_K_QM2, IKE_K_QM3, IKE_K_QM4,
	IKE_K_NOTIFY,         /* Informational with a notification */
	IKE_K_DELETE,         /* Informational with a delete */
	IKE_K_DPD,            /* R-U-THERE */
	IKE_K_DPD_ACK,        /* R-U-THERE-ACK */
	IKE_K_COUNT
};
/* "mm1" ... "qm4", "notify", "delete", "dpd", "dpd-ack". */
const char *ike_kind_name(enum ike_kind k);
enum ike_kind ike_kind_by_name(const char *name);
bool ike_kind_phase1(enum ike_kind k);
bool ike_kind_quick(enum ike_kind k);
bool ike_kind_info(enum ike_kind k);

/* Outcome of a step: on failure the notify a responder would send and a
 * line naming the payload and field. */
struct ike_status {
	bool ok;
	uint16_t notify;
	char payload[24];
	char field[24];
	char msg[320];
};
void ike_status_ok(struct ike_status *st);
bool ike_fail(struct ike_status *st, uint16_t notify, const char *payload,
	      const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* What an Informational carries (notify, delete, DPD). */
struct ike_info {
	uint16_t notify;      /* notify type */
	uint8_t protocol;     /* 1 ISAKMP (SPI: the cookies), 3 ESP */
	chunk_t spi;          /* notify SPI / delete SPIs, concatenated;
				 empty: the cookies (ISAKMP) or every child's
				 inbound SPI (ESP delete) */
	chunk_t data;         /* notify data */
	uint32_t seq;         /* DPD sequence number */
	bool protect;         /* HASH and encryption (set by ike_build_*
				 from the SA: once phase 1 is up) */
};

/* ---- builders: a new cleartext model; NULL with st when the SA lacks
 * something the message needs. */
struct wire_msg *ike_build_mm1(struct ike_sa *sa, struct ike_status *st);
struct wire_msg *ike_build_mm2(struct ike_sa *sa, struct ike_status *st);
struct wire_msg *ike_build_mm3(struct ike_sa *sa, struct ike_status *st);
struct wire_msg *ike_build_mm4(struct ike_sa *sa, struct ike_status *st);
struct wire_msg *ike_build_mm5(struct ike_sa *sa, struct ike_status *st);
struct wire_msg *ike_build_mm6(struct ike_sa *sa, struct ike_status *st);
struct wire_msg *ike_build_am1(struct ike_sa *sa, struct ike_status *st);
struct wire_msg *ike_build_am2(struct ike_sa *sa, struct ike_status *st);
struct wire_msg *ike_build_am3(struct ike_sa *sa, struct ike_status *st);
struct wire_msg *ike_build_qm1(struct ike_sa *sa, struct ike_qm *qm, struct ike_status *st);
struct wire_msg *ike_build_qm2(struct ike_sa *sa, struct ike_qm *qm, struct ike_status *st);
struct wire_msg *ike_build_qm3(struct ike_sa *sa, struct ike_qm *qm, struct ike_status *st);
struct wire_msg *ike_build_qm4(struct ike_sa *sa, struct ike_qm *qm, struct ike_status *st);
struct wire_msg *ike_build_notify(struct ike_sa *sa, const struct ike_info *in,
				  struct ike_status *st);
struct wire_msg *ike_build_delete(struct ike_sa *sa, const struct ike_info *in,
				  struct ike_status *st);
struct wire_msg *ike_build_dpd(struct ike_sa *sa, bool ack, uint32_t seq,
			       struct ike_status *st);
/* Dispatch on kind (qm for Quick Mode, in for Informational). */
struct wire_msg *ike_build(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
			   const struct ike_info *in, struct ike_status *st);

/* Compute the HASH payload of an authenticated message (mm5/6, am2/3, Quick
 * Mode, protected Informational) over the message as it stands. keep_hash:
 * a mutation set the HASH data; leave it as it is. */
bool ike_finalize(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
		  struct wire_msg *m, bool keep_hash, struct ike_status *st);
/* Record what was sent: SAi_b, ID bodies, agreed transform, state. */
bool ike_sent(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
	      const struct wire_msg *m, struct ike_status *st);

/* ---- processing a parsed, decrypted message of a kind. */
bool ike_process(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
		 const struct wire_msg *m, struct ike_status *st);
bool ike_process_mm1(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);
bool ike_process_mm2(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);
bool ike_process_mm3(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);
bool ike_process_mm4(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);
bool ike_process_mm5(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);
bool ike_process_mm6(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);
bool ike_process_am1(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);
bool ike_process_am2(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);
bool ike_process_am3(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);
bool ike_process_qm1(struct ike_sa *sa, struct ike_qm *qm, const struct wire_msg *m,
		     struct ike_status *st);
bool ike_process_qm2(struct ike_sa *sa, struct ike_qm *qm, const struct wire_msg *m,
		     struct ike_status *st);
bool ike_process_qm3(struct ike_sa *sa, struct ike_qm *qm, const struct wire_msg *m,
		     struct ike_status *st);
bool ike_process_qm4(struct ike_sa *sa, struct ike_qm *qm, const struct wire_msg *m,
		     struct ike_status *st);
/* Informational: checks HASH when protected; fills in (the first N or D)
 * and acts on it (Delete marks SAs deleted, R-U-THERE noted, INITIAL-CONTACT
 * noted). Returns the kind found in *kind. */
bool ike_process_info(struct ike_sa *sa, const struct wire_msg *m, bool protected_,
		      enum ike_kind *kind, struct ike_info *in, struct ike_status *st);

/* Which kind a received message is, from its header and the SA (before
 * decryption: Informational comes back as IKE_K_NOTIFY until parsed). */
enum ike_kind ike_classify(const struct ike_sa *sa, const struct wire_msg *m);

/* ---- encryption: the one place the IV chains are used. */
/* The chain a message of this exchange and message ID uses: phase 1
 * (msgid 0) or the message ID's own. NULL with st set when no keys yet. */
chunk_t *ike_crypt_chain(struct ike_sa *sa, uint32_t msgid, struct ike_status *st);
/* Pad (zeros, RFC 2409 App. B) and encrypt plain; *iv moves to the last
 * ciphertext block. */
bool ike_crypt_encrypt(struct ike_sa *sa, chunk_t *iv, chunk_t plain, chunk_t *ct,
		       struct ike_status *st);
/* Decrypt m->ciphertext with a copy of *iv and parse the payloads; on
 * success *iv moves to the last ciphertext block and *plain holds the
 * plaintext (caller frees). On failure the chain is untouched. */
bool ike_crypt_decrypt(struct ike_sa *sa, chunk_t *iv, struct wire_msg *m, chunk_t *plain,
		       struct ike_status *st);

/* Proposal selection as a responder, exported for tests. */
bool ike_select_p1(const struct ike_config *cfg, const struct wire_node *sa_node,
		   struct ike_p1_xform *out, uint8_t *number, struct ike_status *st);
bool ike_select_p2(const struct ike_config *cfg, const struct wire_node *sa_node,
		   struct ike_p2_xform *out, uint8_t *prop_number, uint8_t spi[4],
		   struct ike_p2_xform *resp_life, bool *resp_life_set,
		   struct ike_status *st);

#endif
