/* The message layer under the exchange files: message kinds, the status
 * and failure helpers, and the message, rules and HASH payload helpers of
 * ike/internal.h. */
#include "ike/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto/prf.h"

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
