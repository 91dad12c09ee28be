/* Informational exchanges: Notification and Delete, protected by HASH(1)
 * once phase 1 is up and in the clear before it (RFC 2409 5.7); DPD
 * (RFC 3706) and INITIAL-CONTACT ride on notifications. */
#include <stdio.h>
#include <string.h>

#include "crypto/keys.h"
#include "ike/exchange.h"
#include "ike/internal.h"
#include "wire/names.h"

#define IKE_PROTO_ISAKMP 1
#define IKE_PROTO_ESP 3

static struct wire_msg *ike_info_new(struct ike_sa *sa, bool protect)
{
	uint32_t msgid = 0;
	while (!msgid)
		ike_random(&msgid, sizeof(msgid));
	struct wire_msg *m = ike_msg_new(sa, WIRE_X_INFO, msgid, protect);
	if (protect)
		ike_add_hash(sa, m);
	return m;
}

static bool ike_info_protect(const struct ike_sa *sa)
{
	return sa->state == IKE_SA_ESTABLISHED && sa->skeyid_a.len;
}

struct wire_msg *ike_build_notify(struct ike_sa *sa, const struct ike_info *in,
				  struct ike_status *st)
{
	(void)st;
	struct wire_msg *m = ike_info_new(sa, ike_info_protect(sa));
	uint8_t proto = in->protocol ? in->protocol : IKE_PROTO_ISAKMP;
	uint8_t ck[16];
	memcpy(ck, sa->icookie, 8);
	memcpy(ck + 8, sa->rcookie, 8);
	chunk_t spi = in->spi.len || proto != IKE_PROTO_ISAKMP ? in->spi : CHUNK_FROM(ck, 16);
	wire_add_notify(m, 1, proto, in->notify, spi.ptr, spi.len, in->data.ptr, in->data.len);
	return m;
}

struct wire_msg *ike_build_delete(struct ike_sa *sa, const struct ike_info *in,
				  struct ike_status *st)
{
	uint8_t proto = in->protocol ? in->protocol : IKE_PROTO_ISAKMP;
	struct wire_msg *m = ike_info_new(sa, ike_info_protect(sa));
	if (proto == IKE_PROTO_ISAKMP) {
		uint8_t ck[16];
		memcpy(ck, sa->icookie, 8);
		memcpy(ck + 8, sa->rcookie, 8);
		wire_add_delete(m, 1, proto, 16, ck, 1);
		return m;
	}
	struct writer w;
	writer_init(&w);
	if (in->spi.len)
		writer_bytes(&w, in->spi.ptr, in->spi.len);
	else
		for (size_t i = 0; i < sa->nchild; i++)
			if (!sa->child[i].deleted)
				writer_bytes(&w, sa->child[i].spi_in, 4);
	chunk_t spis = writer_take(&w);
	if (!spis.len) {
		wire_msg_free(m);
		ike_fail(st, 0, "D", "", "no child SA to delete");
		return NULL;
	}
	wire_add_delete(m, 1, proto, 4, spis.ptr, spis.len / 4);
	chunk_free(&spis);
	return m;
}

struct wire_msg *ike_build_dpd(struct ike_sa *sa, bool ack, uint32_t seq,
			       struct ike_status *st)
{
	if (!ike_info_protect(sa)) {
		ike_fail(st, 0, "", "", "DPD needs an established phase 1");
		return NULL;
	}
	struct wire_msg *m = ike_info_new(sa, true);
	uint8_t ck[16], d[4] = { (uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8),
				 (uint8_t)seq };
	memcpy(ck, sa->icookie, 8);
	memcpy(ck + 8, sa->rcookie, 8);
	wire_add_notify(m, 1, IKE_PROTO_ISAKMP, ack ? WIRE_N_R_U_THERE_ACK : WIRE_N_R_U_THERE,
			ck, 16, d, 4);
	return m;
}

bool ike_info_finalize(struct ike_sa *sa, struct wire_msg *m, bool keep_hash,
		       struct ike_status *st)
{
	if (keep_hash || !wire_find(m, WIRE_PL_HASH, 0))
		return true;
	chunk_t rest = ike_rest_built(m), h = CHUNK_EMPTY;
	struct crypto_err ce;
	bool ok = keys_info_hash(sa->xf.hash, sa->skeyid_a, m->hdr.msgid, rest, &h, &ce)
		  ? ike_set_hash(m, h, st) : ike_crypto_fail(st, 0, "HASH", ce.msg);
	chunk_free(&rest);
	chunk_free(&h);
	return ok;
}

/* A Delete that went out marks what it names deleted: the ISAKMP SA, or
 * our children by their inbound SPIs. */
bool ike_info_sent(struct ike_sa *sa, enum ike_kind kind, const struct wire_msg *m,
		   struct ike_status *st)
{
	(void)st;
	if (kind != IKE_K_DELETE)
		return true;
	const struct wire_node *d = wire_find(m, WIRE_PL_D, 0);
	if (d && d->protocol == IKE_PROTO_ISAKMP)
		sa->state = IKE_SA_DELETED;
	else if (d)
		for (size_t k = 0; k + 4 <= d->spi.len; k += 4) {
			struct ike_child *ch = ike_sa_child_by_spi(sa, d->spi.ptr + k, true);
			if (ch)
				ch->deleted = ch->delete_sent = true;
		}
	return true;
}

bool ike_process_info(struct ike_sa *sa, const struct wire_msg *m, bool protected_,
		      enum ike_kind *kind, struct ike_info *in, struct ike_status *st)
{
	ike_status_ok(st);
	memset(in, 0, sizeof(*in));
	*kind = IKE_K_NOTIFY;
	in->protect = protected_;
	if (!ike_rules(protected_ ? "info" : "info-plain", RULES_AUTH_ANY, m, st))
		return false;
	if (protected_) {
		chunk_t rest = ike_rest_parsed(m), h = CHUNK_EMPTY;
		struct crypto_err ce;
		bool ok = keys_info_hash(sa->xf.hash, sa->skeyid_a, m->hdr.msgid, rest, &h, &ce)
			  ? ike_check_hash(m, h, "HASH(1)", st)
			  : ike_crypto_fail(st, 0, "HASH", ce.msg);
		chunk_free(&rest);
		chunk_free(&h);
		if (!ok)
			return false;
	}
	const struct wire_node *n = NULL;
	for (size_t i = 0; i < m->npl && !n; i++)
		if (m->pl[i]->type == WIRE_PL_N || m->pl[i]->type == WIRE_PL_D)
			n = m->pl[i];
	if (!n)
		return ike_fail(st, WIRE_N_PAYLOAD_MALFORMED, "N", "", "no N or D payload");
	in->protocol = (uint8_t)n->protocol;
	in->spi = n->spi;
	if (n->type == WIRE_PL_D) {
		*kind = IKE_K_DELETE;
		/* a Delete only counts when authenticated (RFC 2408 5.15) */
		if (!protected_)
			return true;
		if (n->protocol == IKE_PROTO_ISAKMP) {
			sa->state = IKE_SA_DELETED;
		} else {
			for (size_t k = 0; k + 4 <= n->spi.len; k += 4) {
				struct ike_child *ch = ike_sa_child_by_spi(sa, n->spi.ptr + k, false);
				if (ch)
					ch->deleted = ch->delete_rx = true;
			}
		}
		return true;
	}
	in->notify = (uint16_t)n->subtype;
	in->data = n->data;
	if (n->subtype == WIRE_N_R_U_THERE || n->subtype == WIRE_N_R_U_THERE_ACK) {
		*kind = n->subtype == WIRE_N_R_U_THERE ? IKE_K_DPD : IKE_K_DPD_ACK;
		if (!protected_)
			return ike_fail(st, WIRE_N_INVALID_FLAGS, "header", "flags",
					"DPD notification without protection");
		if (n->data.len != 4)
			return ike_fail(st, WIRE_N_PAYLOAD_MALFORMED, "N", "data",
					"DPD data of %zu bytes (4 expected)", n->data.len);
		const uint8_t *d = n->data.ptr;
		in->seq = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
		if (*kind == IKE_K_DPD)
			sa->dpd_peer_seq = in->seq;
	} else if (n->subtype == WIRE_N_INITIAL_CONTACT && protected_) {
		sa->initial_contact_rx = true;
	}
	return true;
}
