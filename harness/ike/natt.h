/* NAT-T in the exchanges (natt.c; not a public header): vendor IDs in the
 * first messages, NAT-D in the key exchange messages, detection, the float
 * to the NAT-T port, NAT-OA in Quick Mode. */
#ifndef IKEC_IKE_NATT_H
#define IKEC_IKE_NATT_H

#include "ike/ike.h"

/* Our NAT-T vendor IDs in the first phase-1 message of either role. */
void ike_natt_add_vids(struct ike_sa *sa, struct wire_msg *m);
/* The peer's: the best version both speak into the SA. */
void ike_natt_take_vids(struct ike_sa *sa, const struct wire_msg *m);
/* The two NAT-D payloads of a key exchange message (none without NAT-T). */
bool ike_natt_add_natd(struct ike_sa *sa, struct wire_msg *m, struct ike_status *st);
/* The peer's NAT-D payloads against the addresses we see: NAT detection. */
bool ike_natt_take_natd(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st);
/* Initiator, before its first message on the NAT-T port (mm5, am3). */
void ike_natt_float(struct ike_sa *sa);
/* NAT-OA in qm1 (initiator) or qm2 (responder) when ESP is UDP-transport. */
void ike_natt_add_natoa(const struct ike_sa *sa, const struct ike_qm *qm, struct wire_msg *m);
/* The peer's NAT-OA into qm; refuses a wrong type or a bad address. */
bool ike_natt_take_natoa(const struct ike_sa *sa, struct ike_qm *qm, const struct wire_msg *m,
			 struct ike_status *st);

#endif
