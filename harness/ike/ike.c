/* The dispatch by message kind: build, finalize, sent and process go to
 * the exchange file of the kind; and which kind a received message is. */
#include "ike/ike.h"

#include "ike/exchange.h"

/* Main Mode, as opposed to Aggressive Mode, among the phase-1 kinds. */
static bool ike_kind_main(enum ike_kind k)
{
	return k >= IKE_K_MM1 && k <= IKE_K_MM6;
}

struct wire_msg *ike_build(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
			   const struct ike_info *in, struct ike_status *st)
{
	static const struct ike_info none = { 0 };
	ike_status_ok(st);
	if (!in)
		in = &none;
	if (ike_kind_quick(kind) && !qm) {
		ike_fail(st, 0, "", "", "%s needs a Quick Mode exchange", ike_kind_name(kind));
		return NULL;
	}
	switch (kind) {
	case IKE_K_MM1: return ike_build_mm1(sa, st);
	case IKE_K_MM2: return ike_build_mm2(sa, st);
	case IKE_K_MM3: return ike_build_mm3(sa, st);
	case IKE_K_MM4: return ike_build_mm4(sa, st);
	case IKE_K_MM5: return ike_build_mm5(sa, st);
	case IKE_K_MM6: return ike_build_mm6(sa, st);
	case IKE_K_AM1: return ike_build_am1(sa, st);
	case IKE_K_AM2: return ike_build_am2(sa, st);
	case IKE_K_AM3: return ike_build_am3(sa, st);
	case IKE_K_QM1: return ike_build_qm1(sa, qm, st);
	case IKE_K_QM2: return ike_build_qm2(sa, qm, st);
	case IKE_K_QM3: return ike_build_qm3(sa, qm, st);
	case IKE_K_QM4: return ike_build_qm4(sa, qm, st);
	case IKE_K_NOTIFY: return ike_build_notify(sa, in, st);
	case IKE_K_DELETE: return ike_build_delete(sa, in, st);
	case IKE_K_DPD: return ike_build_dpd(sa, false, in->seq, st);
	case IKE_K_DPD_ACK: return ike_build_dpd(sa, true, in->seq, st);
	default:
		ike_fail(st, 0, "", "", "cannot build message kind %d", kind);
		return NULL;
	}
}

bool ike_process(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
		 const struct wire_msg *m, struct ike_status *st)
{
	ike_status_ok(st);
	if (ike_kind_quick(kind) && !qm)
		return ike_fail(st, WIRE_N_INVALID_MESSAGE_ID, "header", "msgid",
				"no Quick Mode exchange for message ID %08x", m->hdr.msgid);
	switch (kind) {
	case IKE_K_MM1: return ike_process_mm1(sa, m, st);
	case IKE_K_MM2: return ike_process_mm2(sa, m, st);
	case IKE_K_MM3: return ike_process_mm3(sa, m, st);
	case IKE_K_MM4: return ike_process_mm4(sa, m, st);
	case IKE_K_MM5: return ike_process_mm5(sa, m, st);
	case IKE_K_MM6: return ike_process_mm6(sa, m, st);
	case IKE_K_AM1: return ike_process_am1(sa, m, st);
	case IKE_K_AM2: return ike_process_am2(sa, m, st);
	case IKE_K_AM3: return ike_process_am3(sa, m, st);
	case IKE_K_QM1: return ike_process_qm1(sa, qm, m, st);
	case IKE_K_QM2: return ike_process_qm2(sa, qm, m, st);
	case IKE_K_QM3: return ike_process_qm3(sa, qm, m, st);
	case IKE_K_QM4: return ike_process_qm4(sa, qm, m, st);
	default:
		return ike_fail(st, WIRE_N_INVALID_EXCHANGE_TYPE, "header", "exchange",
				"cannot process message kind %s here", ike_kind_name(kind));
	}
}

enum ike_kind ike_classify(const struct ike_sa *sa, const struct wire_msg *m)
{
	bool enc = m->hdr.flags & WIRE_F_ENC;
	switch (m->hdr.exchange) {
	case WIRE_X_MAIN:
		if (sa->initiator)
			return enc ? IKE_K_MM6 : wire_find(m, WIRE_PL_SA, 0) ? IKE_K_MM2 : IKE_K_MM4;
		return enc ? IKE_K_MM5 : wire_find(m, WIRE_PL_SA, 0) ? IKE_K_MM1 : IKE_K_MM3;
	case WIRE_X_AGGR:
		if (sa->initiator)
			return IKE_K_AM2;
		return !enc && wire_find(m, WIRE_PL_SA, 0) ? IKE_K_AM1 : IKE_K_AM3;
	case WIRE_X_QUICK: {
		const struct ike_qm *qm = NULL;
		for (size_t i = 0; i < sa->nqm; i++)
			if (sa->qm[i]->msgid == m->hdr.msgid)
				qm = sa->qm[i];
		if (!qm)
			return IKE_K_QM1;
		if (qm->initiator)
			return qm->state == IKE_QM_SENT1 ? IKE_K_QM2 : IKE_K_QM4;
		return IKE_K_QM3;
	}
	case WIRE_X_INFO:
		return IKE_K_NOTIFY;
	}
	return IKE_K_NONE;
}

bool ike_finalize(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
		  struct wire_msg *m, bool keep_hash, struct ike_status *st)
{
	ike_status_ok(st);
	if (ike_kind_main(kind))
		return ike_main_finalize(sa, kind, m, keep_hash, st);
	if (ike_kind_phase1(kind))
		return ike_aggr_finalize(sa, kind, m, keep_hash, st);
	if (ike_kind_quick(kind))
		return qm ? ike_quick_finalize(sa, kind, qm, m, keep_hash, st)
			  : ike_fail(st, 0, "", "", "no Quick Mode exchange");
	if (ike_kind_info(kind))
		return ike_info_finalize(sa, m, keep_hash, st);
	return true;
}

bool ike_sent(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
	      const struct wire_msg *m, struct ike_status *st)
{
	ike_status_ok(st);
	if (ike_kind_main(kind))
		return ike_main_sent(sa, kind, m, st);
	if (ike_kind_phase1(kind))
		return ike_aggr_sent(sa, kind, m, st);
	if (ike_kind_quick(kind) && qm)
		return ike_quick_sent(sa, kind, qm, m, st);
	if (ike_kind_info(kind))
		return ike_info_sent(sa, kind, m, st);
	return true;
}
