/* The parts of ike_finalize and ike_sent each exchange file does (not a
 * public header): ike.c dispatches on the kind, each exchange file
 * defines its own pair. */
#ifndef IKEC_IKE_EXCHANGE_H
#define IKEC_IKE_EXCHANGE_H

#include "ike/ike.h"

/* Main Mode (main.c): mm1 ... mm6. */
bool ike_main_finalize(struct ike_sa *sa, enum ike_kind kind, struct wire_msg *m,
		       bool keep_hash, struct ike_status *st);
bool ike_main_sent(struct ike_sa *sa, enum ike_kind kind, const struct wire_msg *m,
		   struct ike_status *st);
/* Aggressive Mode (aggressive.c): am1 ... am3. */
bool ike_aggr_finalize(struct ike_sa *sa, enum ike_kind kind, struct wire_msg *m,
		       bool keep_hash, struct ike_status *st);
bool ike_aggr_sent(struct ike_sa *sa, enum ike_kind kind, const struct wire_msg *m,
		   struct ike_status *st);
/* Quick Mode (quick.c). */
bool ike_quick_finalize(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
			struct wire_msg *m, bool keep_hash, struct ike_status *st);
bool ike_quick_sent(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
		    const struct wire_msg *m, struct ike_status *st);
/* Informational (info.c). */
bool ike_info_finalize(struct ike_sa *sa, struct wire_msg *m, bool keep_hash,
		       struct ike_status *st);
bool ike_info_sent(struct ike_sa *sa, enum ike_kind kind, const struct wire_msg *m,
		   struct ike_status *st);

#endif
