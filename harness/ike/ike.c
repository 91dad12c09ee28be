/* Message kinds, status helpers, the build/process dispatch, classification. */
#include "ike/ike.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto/prf.h"
#include "ike/internal.h"
#include "pki/pki.h"
#include "wire/names.h"

static const char *const ike_kind_names[IKE_K_COUNT] = {
	[IKE_K_NONE] = "none",
	[IKE_K_MM1] = "mm1", [IKE_K_MM2] = "mm2", [IKE_K_MM3] = "mm3",
	[IKE_K_MM4] = "mm4", [IKE_K_MM5] = "mm5", [IKE_K_MM6] = "mm6",
	[IKE_K_AM1] = "am1", [IKE_K_AM2] = "am2", [IKE_K_AM3] = "am3",
	[IKE_K_QM1] = "qm1", [IKE_K_QM2] = "qm2", [IKE_K_QM3] = "qm3", [IKE_K_QM4] = "qm4",
	[IKE_K_NOTIFY] = "notify", [IKE_K_DELETE] = "delete",
	[IKE_K_DPD] = "dpd", [IKE_K_DPD_ACK] = "dpd-ack",
};

const char *ike_kind_name(enum ike_kind k)
{
	return (unsigned)k < IKE_K_COUNT ? ike_kind_names[k] : "?";
}

enum ike_kind ike_kind_by_name(const char *name)
{
	for (int k = 1; k < IKE_K_COUNT; k++)
		if (name && strcmp(ike_kind_names[k], name) == 0)
			return (enum ike_kind)k;
	return IKE_K_NONE;
}

bool ike_kind_phase1(enum ike_kind k)
{
	return k >= IKE_K_MM1 && k <= IKE_K_AM3;
}

bool ike_kind_quick(enum ike_kind k)
{
	return k >= IKE_K_QM1 && k <= IKE_K_QM4;
}

bool ike_kind_info(enum ike_kind k)
{
	return k >= IKE_K_NOTIFY && k <= IKE_K_DPD_ACK;
}

void ike_status_ok(struct ike_status *st)
{
	memset(st, 0, sizeof(*st));
	st->ok = true;
}

bool ike_fail(struct ike_status *st, uint16_t notify, const char *payload,
	      const char *field, const char *fmt, ...)
{
	st->ok = false;
	st->notify = notify;
	snprintf(st->payload, sizeof(st->payload), "%s", payload ? payload : "");
	snprintf(st->field, sizeof(st->field), "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof(st->msg), fmt, ap);
	va_end(ap);
	return false;
}

bool ike_crypto_fail(struct ike_status *st, uint16_t notify, const char *what,
		     const char *msg)
{
	return ike_fail(st, notify, what, "", "%s: %s", what, msg);
}

struct wire_msg *ike_msg_new(const struct ike_sa *sa, uint8_t exchange, uint32_t msgid,
			     bool encrypted)
{
	struct wire_msg *m = wire_msg_new();
	memcpy(m->hdr.icookie, sa->icookie, 8);
	memcpy(m->hdr.rcookie, sa->rcookie, 8);
	m->hdr.version = 0x10;
	m->hdr.exchange = exchange;
	m->hdr.flags = encrypted ? WIRE_F_ENC : 0;
	m->hdr.msgid = msgid;
	return m;
}

bool ike_life_duration(const struct wire_node *t, uint32_t life_type, uint32_t v,
		       uint32_t *sec, uint32_t *kb, struct ike_status *st)
{
	if (life_type == 1)
		*sec = v;
	else if (life_type == 2)
		*kb = v;
	else
		return ike_fail(st, WIRE_N_ATTRIBUTES_NOT_SUPPORTED, "transform", "attr",
				"transform #%u: life duration without a life type", t->number);
	return true;
}

bool ike_rules(const char *name, uint8_t auth, const struct wire_msg *m,
	       struct ike_status *st)
{
	const struct rules_msg *r = rules_find(name, auth);
	struct wire_err we;
	if (!r)
		return ike_fail(st, WIRE_N_INVALID_EXCHANGE_TYPE, "header", "", "no rules for %s",
				name);
	if (!rules_check(r, m, &we))
		return ike_fail(st, we.notify, we.payload, we.field, "%s", we.msg);
	return true;
}

chunk_t ike_body(const struct wire_node *n)
{
	if (n->raw.len >= WIRE_GEN_LEN)
		return chunk_dup(n->raw.ptr + WIRE_GEN_LEN, n->raw.len - WIRE_GEN_LEN);
	return wire_node_body(n);
}

chunk_t ike_rest_parsed(const struct wire_msg *m)
{
	struct writer w;
	writer_init(&w);
	for (size_t i = 1; i < m->npl; i++)
		writer_bytes(&w, m->pl[i]->raw.ptr, m->pl[i]->raw.len);
	return writer_take(&w);
}

chunk_t ike_rest_built(const struct wire_msg *m)
{
	chunk_t all = wire_build_payloads(m);
	/* the first payload's own length field says where the rest starts */
	size_t first = all.len >= 4 ? (size_t)(all.ptr[2] << 8 | all.ptr[3]) : all.len;
	if (first > all.len)
		first = all.len;
	chunk_t rest = chunk_dup(all.ptr + first, all.len - first);
	chunk_free(&all);
	return rest;
}

void ike_add_hash(struct ike_sa *sa, struct wire_msg *m)
{
	size_t len = prf_len(sa->xf.hash);
	uint8_t zero[64] = { 0 };
	wire_add_data(m, WIRE_PL_HASH, zero, len ? len : 20);
}

bool ike_set_hash(struct wire_msg *m, chunk_t h, struct ike_status *st)
{
	struct wire_node *n = wire_find(m, WIRE_PL_HASH, 0);
	if (!n)
		return ike_fail(st, 0, "HASH", "", "no HASH payload to fill (removed?)");
	wire_set_data(m, n, h.ptr, h.len);
	return true;
}

bool ike_check_hash(const struct wire_msg *m, chunk_t h, const char *what,
		    struct ike_status *st)
{
	const struct wire_node *n = wire_find(m, WIRE_PL_HASH, 0);
	if (!n)
		return ike_fail(st, WIRE_N_INVALID_HASH_INFORMATION, "HASH", "data",
				"%s: no HASH payload", what);
	if (!chunk_eq(n->data, h))
		return ike_fail(st, WIRE_N_INVALID_HASH_INFORMATION, "HASH", "data",
				"HASH payload at offset %zu: %s does not match (%zu bytes)",
				n->offset, what, n->data.len);
	return true;
}

void ike_our_id(const struct ike_sa *sa, struct ike_id *id)
{
	if (sa->cfg->local_id.type) {
		*id = sa->cfg->local_id;
		return;
	}
	memset(id, 0, sizeof(*id));
	/* signatures: the certificate's subject DN by default */
	uint16_t method = sa->have_xf ? sa->xf.auth : sa->cfg->np1 ? sa->cfg->p1[0].auth : 0;
	chunk_t dn = CHUNK_EMPTY;
	if (ike_auth_is_sig(method) && sa->cfg->cert && pki_cert_subject_der(sa->cfg->cert, &dn) &&
	    dn.len <= IKE_MAX_ID) {
		id->type = 9; /* ID_DER_ASN1_DN */
		memcpy(id->data, dn.ptr, dn.len);
		id->len = dn.len;
		chunk_free(&dn);
		return;
	}
	chunk_free(&dn);
	id->type = sa->local.family == 10 /* AF_INET6 */ ? 5 : 1;
	id->len = netaddr_iplen(&sa->local);
	memcpy(id->data, sa->local.ip, id->len);
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
	if (ike_kind_phase1(kind))
		return ike_phase1_finalize(sa, kind, m, keep_hash, st);
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
	if (ike_kind_phase1(kind))
		return ike_phase1_sent(sa, kind, m, st);
	if (ike_kind_quick(kind) && qm)
		return ike_quick_sent(sa, kind, qm, m, st);
	if (kind == IKE_K_DELETE) {
		const struct wire_node *d = wire_find(m, WIRE_PL_D, 0);
		if (d && d->protocol == 1)
			sa->state = IKE_SA_DELETED;
		else if (d)
			for (size_t k = 0; k + 4 <= d->spi.len; k += 4) {
				struct ike_child *ch = ike_sa_child_by_spi(sa, d->spi.ptr + k, true);
				if (ch)
					ch->deleted = ch->delete_sent = true;
			}
	}
	return true;
}
