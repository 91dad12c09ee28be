/* Quick Mode (RFC 2409 5.5): ESP proposals, PFS, client IDs, KEYMAT,
 * RESPONDER-LIFETIME (RFC 2407 4.6.3.1), the commit bit (qm4). */
#include <stdio.h>
#include <string.h>

#include "crypto/dh.h"
#include "crypto/keys.h"
#include "crypto/prf.h"
#include "ike/exchange.h"
#include "ike/internal.h"
#include "ike/natt.h"
#include "wire/names.h"

#define IKE_PROTO_ESP 3

static void ike_p2_attrs(struct wire_msg *m, struct wire_node *t, const struct ike_p2_xform *x)
{
	if (x->life_sec) {
		wire_attr_tv(m, t, 1, 1);
		wire_attr_num(m, t, 2, x->life_sec);
	}
	if (x->life_kb) {
		wire_attr_tv(m, t, 1, 2);
		wire_attr_num(m, t, 2, x->life_kb);
	}
	if (x->group)
		wire_attr_tv(m, t, 3, x->group);
	if (x->encap)
		wire_attr_tv(m, t, 4, x->encap);
	if (x->auth)
		wire_attr_tv(m, t, 5, x->auth);
	if (x->keylen)
		wire_attr_tv(m, t, 6, x->keylen);
}

static bool ike_p2_read(const struct wire_node *t, struct ike_p2_xform *x, struct ike_status *st)
{
	memset(x, 0, sizeof(*x));
	x->transform = (uint16_t)t->id;
	uint32_t life_type = 0;
	for (size_t i = 0; i < t->nattrs; i++) {
		const struct wire_attr *a = &t->attrs[i];
		uint32_t v;
		if (!wire_attr_value(a, &v))
			return ike_fail(st, WIRE_N_ATTRIBUTES_NOT_SUPPORTED, "transform", "attr",
					"transform #%u: attribute %u value too long", t->number, a->type);
		switch (a->type) {
		case 1: life_type = v; break;
		case 2:
			if (!ike_life_duration(t, life_type, v, &x->life_sec, &x->life_kb, st))
				return false;
			break;
		case 3: x->group = (uint16_t)v; break;
		case 4: x->encap = (uint16_t)v; break;
		case 5: x->auth = (uint16_t)v; break;
		case 6: x->keylen = (uint16_t)v; break;
		default:
			return ike_fail(st, WIRE_N_ATTRIBUTES_NOT_SUPPORTED, "transform", "attr",
					"transform #%u: IPsec attribute %u not supported", t->number,
					a->type);
		}
	}
	return true;
}

/* Tunnel or transport: the UDP-encapsulated modes (RFC 3947 and the
 * drafts' numbers) count as their plain ones, since whether to encapsulate
 * follows from NAT detection, not from the policy. */
static uint16_t ike_p2_encap(const struct ike_p2_xform *x)
{
	switch (x->encap) {
	case 0: case IKE_ENCAP_UDP_TUNNEL: case IKE_ENCAP_UDP_TUNNEL_DRAFT:
		return IKE_ENCAP_TUNNEL; /* absent: RFC 2407 4.5 default */
	case IKE_ENCAP_UDP_TRANSPORT: case IKE_ENCAP_UDP_TRANSPORT_DRAFT:
		return IKE_ENCAP_TRANSPORT;
	default:
		return x->encap;
	}
}

static bool ike_p2_same(const struct ike_p2_xform *a, const struct ike_p2_xform *b)
{
	return a->transform == b->transform && ike_p2_keybits(a) == ike_p2_keybits(b) &&
	       a->auth == b->auth && a->group == b->group && ike_p2_encap(a) == ike_p2_encap(b);
}

/* Lifetime in force for the responder; false when policy refuses. */
static bool ike_p2_life(enum ike_life_policy pol, uint32_t theirs, uint32_t ours,
			uint32_t *use, bool *notify)
{
	*use = theirs;
	if (!ours || pol == IKE_LIFE_ACCEPT)
		return true;
	bool longer = !theirs || theirs > ours;
	if (pol == IKE_LIFE_NOT_LONGER)
		return !longer;
	if (longer) {
		*use = ours;
		*notify = true;
	}
	return true;
}

bool ike_select_p2(const struct ike_config *cfg, const struct wire_node *sa_node,
		   struct ike_p2_xform *out, uint8_t *prop_number, uint8_t spi[4],
		   struct ike_p2_xform *resp_life, bool *resp_life_set,
		   struct ike_status *st)
{
	char why[320] = "no ESP proposal offered";
	for (size_t p = 0; p < sa_node->nkids; p++) {
		const struct wire_node *prop = sa_node->kids[p];
		if (prop->protocol != IKE_PROTO_ESP || prop->spi.len != 4) {
			snprintf(why, sizeof(why), "proposal #%u: protocol %u, SPI of %zu bytes: only "
				 "ESP with 4-byte SPIs", prop->number, prop->protocol, prop->spi.len);
			continue;
		}
		for (size_t t = 0; t < prop->nkids; t++) {
			const struct wire_node *tr = prop->kids[t];
			struct ike_p2_xform x;
			struct ike_status tmp;
			if (!ike_p2_read(tr, &x, &tmp)) {
				snprintf(why, sizeof(why), "%s", tmp.msg);
				continue;
			}
			for (size_t c = 0; c < cfg->np2; c++) {
				const struct ike_p2_xform *our = &cfg->p2[c];
				char a[64], b[64];
				if (!ike_p2_same(&x, our)) {
					snprintf(why, sizeof(why), "transform #%u %s matches none of ours "
						 "(last compared: %s)", tr->number,
						 ike_p2_str(&x, a, sizeof(a)), ike_p2_str(our, b, sizeof(b)));
					continue;
				}
				bool notify = false;
				struct ike_p2_xform use = x;
				if (!ike_p2_life(cfg->life_policy, x.life_sec, our->life_sec,
						 &use.life_sec, &notify) ||
				    !ike_p2_life(cfg->life_policy, x.life_kb, our->life_kb,
						 &use.life_kb, &notify)) {
					snprintf(why, sizeof(why), "transform #%u: lifetime %us/%ukB longer "
						 "than ours %us/%ukB", tr->number, x.life_sec, x.life_kb,
						 our->life_sec, our->life_kb);
					continue;
				}
				*out = x;  /* the reply echoes what was proposed */
				*resp_life = use;
				*resp_life_set = notify;
				*prop_number = (uint8_t)prop->number;
				memcpy(spi, prop->spi.ptr, 4);
				return true;
			}
		}
	}
	return ike_fail(st, WIRE_N_NO_PROPOSAL_CHOSEN, "SA", "proposal", "%s", why);
}

/* ---- helpers ---- */

static bool ike_qm_need_dh(struct ike_sa *sa, struct ike_qm *qm, uint16_t group,
			   struct ike_status *st)
{
	(void)sa;
	if (!group || qm->dh)
		return true;
	struct crypto_err ce;
	qm->dh = dh_key_new(group, &ce);
	if (!qm->dh)
		return ike_crypto_fail(st, WIRE_N_INVALID_KEY_INFORMATION, "KE", ce.msg);
	return true;
}

static void ike_add_ts(struct wire_msg *m, const struct ike_ts *ts)
{
	wire_add_id(m, ts->type, ts->proto, ts->port, ts->data, ts->len);
}

static bool ike_ts_from(const struct wire_node *n, struct ike_ts *ts)
{
	memset(ts, 0, sizeof(*ts));
	if (n->data.len > sizeof(ts->data))
		return false;
	ts->set = true;
	ts->type = (uint8_t)n->subtype;
	ts->proto = (uint8_t)n->protocol;
	ts->port = (uint16_t)n->port;
	ts->len = n->data.len;
	memcpy(ts->data, n->data.ptr, n->data.len);
	return true;
}

/* The addresses a client ID covers, as [lo, hi]; false for other ID types
 * or a data length that does not fit the type. */
static bool ike_ts_range(const struct ike_ts *t, uint8_t lo[16], uint8_t hi[16], size_t *alen)
{
	size_t n;
	switch (t->type) {
	case 1: case 4: case 7: n = 4; break;   /* IPv4 address, subnet, range */
	case 5: case 6: case 8: n = 16; break;  /* IPv6 */
	default: return false;
	}
	bool single = t->type == 1 || t->type == 5;
	if (t->len != (single ? n : 2 * n))
		return false;
	memcpy(lo, t->data, n);
	memcpy(hi, single ? t->data : t->data + n, n);
	if (t->type == 4 || t->type == 6) { /* address and mask */
		for (size_t i = 0; i < n; i++) {
			lo[i] = (uint8_t)(t->data[i] & t->data[n + i]);
			hi[i] = (uint8_t)(t->data[i] | (uint8_t)~t->data[n + i]);
		}
	}
	*alen = n;
	return true;
}

/* Same traffic, whatever the encoding: peers such as strongSwan answer a
 * single address with a /32 subnet, which RFC 2409 5.5 does not forbid. */
static bool ike_ts_eq(const struct ike_ts *a, const struct ike_ts *b)
{
	if (a->proto != b->proto || a->port != b->port)
		return false;
	uint8_t alo[16], ahi[16], blo[16], bhi[16];
	size_t an, bn;
	if (ike_ts_range(a, alo, ahi, &an) && ike_ts_range(b, blo, bhi, &bn))
		return an == bn && !memcmp(alo, blo, an) && !memcmp(ahi, bhi, an);
	return a->type == b->type && a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static bool ike_qm_keys(struct ike_sa *sa, struct ike_qm *qm, struct ike_status *st)
{
	struct ike_child ch;
	memset(&ch, 0, sizeof(ch));
	ch.msgid = qm->msgid;
	ch.protocol = IKE_PROTO_ESP;
	ch.initiator = qm->initiator;
	ch.xf = qm->xf;
	if (qm->resp_life_set) {
		ch.xf.life_sec = qm->resp_life.life_sec;
		ch.xf.life_kb = qm->resp_life.life_kb;
		ch.responder_lifetime = true;
	}
	/* no life attributes at all: RFC 2407 4.5's default */
	if (!ch.xf.life_sec && !ch.xf.life_kb)
		ch.xf.life_sec = IKE_P2_DEFAULT_LIFE_SEC;
	memcpy(ch.spi_in, qm->spi_in, 4);
	memcpy(ch.spi_out, qm->peer_spi, 4);
	ch.ts_local = qm->initiator ? qm->idci : qm->idcr;
	ch.ts_remote = qm->initiator ? qm->idcr : qm->idci;
	ch.natoa_i_set = qm->natoa_i_set;
	ch.natoa_r_set = qm->natoa_r_set;
	ch.natoa_i = qm->natoa_i;
	ch.natoa_r = qm->natoa_r;
	size_t el = ike_esp_enc_len(&qm->xf), il = ike_esp_int_len(&qm->xf);
	chunk_t in = CHUNK_EMPTY, out = CHUNK_EMPTY;
	struct crypto_err ce;
	if (!keys_keymat(sa->xf.hash, sa->skeyid_d, qm->gxy, IKE_PROTO_ESP,
			 CHUNK_FROM(ch.spi_in, 4), qm->ni, qm->nr, el + il, &in, &ce) ||
	    !keys_keymat(sa->xf.hash, sa->skeyid_d, qm->gxy, IKE_PROTO_ESP,
			 CHUNK_FROM(ch.spi_out, 4), qm->ni, qm->nr, el + il, &out, &ce)) {
		chunk_clear(&in);
		return ike_crypto_fail(st, 0, "KEYMAT", ce.msg);
	}
	/* encryption key first, then integrity (RFC 2409 5.5 leaves the split
	 * to the DOI; every implementation does it this way) */
	ch.enc_in = chunk_dup(in.ptr, el);
	ch.int_in = chunk_dup(in.ptr + el, il);
	ch.enc_out = chunk_dup(out.ptr, el);
	ch.int_out = chunk_dup(out.ptr + el, il);
	chunk_clear(&in);
	chunk_clear(&out);
	sa->child = xrealloc(sa->child, (sa->nchild + 1) * sizeof(*sa->child));
	sa->child[sa->nchild++] = ch;
	return true;
}

static bool ike_qm_need_p1(struct ike_sa *sa, struct ike_status *st)
{
	if (sa->state != IKE_SA_ESTABLISHED)
		return ike_fail(st, 0, "", "", "Quick Mode needs an established phase 1 (state %s)",
				ike_sa_state_name(sa->state));
	return true;
}

/* ---- builders ---- */

struct wire_msg *ike_build_qm1(struct ike_sa *sa, struct ike_qm *qm, struct ike_status *st)
{
	const struct ike_config *cfg = sa->cfg;
	if (!ike_qm_need_p1(sa, st))
		return NULL;
	uint16_t group = cfg->np2 ? cfg->p2[0].group : 0;
	if (!ike_qm_need_dh(sa, qm, group, st))
		return NULL;
	struct wire_msg *m = ike_msg_new(sa, WIRE_X_QUICK, qm->msgid, true);
	if (cfg->commit)
		m->hdr.flags |= WIRE_F_COMMIT;
	ike_add_hash(sa, m);
	struct wire_node *san = wire_add_sa(m, 1, 1);
	for (size_t i = 0; i < cfg->np2; i++) {
		struct wire_node *p = wire_add_proposal(m, san, (uint8_t)(i + 1), IKE_PROTO_ESP,
							qm->spi_in, 4);
		struct wire_node *t = wire_add_transform(m, p, 1, (uint8_t)cfg->p2[i].transform);
		struct ike_p2_xform x = cfg->p2[i];
		if (ike_sa_nat(sa))
			x.encap = ike_sa_encap_wire(sa, x.encap);
		ike_p2_attrs(m, t, &x);
	}
	wire_add_data(m, WIRE_PL_NONCE, qm->ni.ptr, qm->ni.len);
	if (qm->dh) {
		chunk_t pub = dh_key_public(qm->dh);
		wire_add_data(m, WIRE_PL_KE, pub.ptr, pub.len);
	}
	if (cfg->ts_local.set && cfg->ts_remote.set) {
		ike_add_ts(m, &cfg->ts_local);
		ike_add_ts(m, &cfg->ts_remote);
	}
	ike_natt_add_natoa(sa, qm, m);
	return m;
}

struct wire_msg *ike_build_qm2(struct ike_sa *sa, struct ike_qm *qm, struct ike_status *st)
{
	if (!ike_qm_need_p1(sa, st))
		return NULL;
	if (!qm->chosen) {
		ike_fail(st, 0, "SA", "", "no ESP proposal chosen yet");
		return NULL;
	}
	struct wire_msg *m = ike_msg_new(sa, WIRE_X_QUICK, qm->msgid, true);
	ike_add_hash(sa, m);
	struct wire_node *san = wire_add_sa(m, 1, 1);
	struct wire_node *p = wire_add_proposal(m, san, qm->prop_number, IKE_PROTO_ESP,
						qm->spi_in, 4);
	struct wire_node *t = wire_add_transform(m, p, 1, (uint8_t)qm->xf.transform);
	ike_p2_attrs(m, t, &qm->xf);
	wire_add_data(m, WIRE_PL_NONCE, qm->nr.ptr, qm->nr.len);
	if (qm->dh) {
		chunk_t pub = dh_key_public(qm->dh);
		wire_add_data(m, WIRE_PL_KE, pub.ptr, pub.len);
	}
	if (qm->idci.set) {
		ike_add_ts(m, &qm->idci);
		ike_add_ts(m, &qm->idcr);
	}
	ike_natt_add_natoa(sa, qm, m);
	if (qm->resp_life_set) {
		/* RFC 2407 4.6.3.1: our lifetimes as attributes, SPI of the SA */
		struct wire_msg *tmp = wire_msg_new();
		struct wire_node *tn = wire_node_new(tmp, WIRE_PL_T);
		struct ike_p2_xform l = { 0 };
		l.life_sec = qm->resp_life.life_sec;
		l.life_kb = qm->resp_life.life_kb;
		ike_p2_attrs(tmp, tn, &l);
		struct writer w;
		writer_init(&w);
		for (size_t i = 0; i < tn->nattrs; i++) {
			const struct wire_attr *a = &tn->attrs[i];
			if (a->tv) {
				writer_u16(&w, (uint16_t)(0x8000 | a->type));
				writer_u16(&w, a->tv_value);
			} else {
				writer_u16(&w, a->type);
				writer_u16(&w, (uint16_t)a->value.len);
				writer_bytes(&w, a->value.ptr, a->value.len);
			}
		}
		chunk_t data = writer_take(&w);
		wire_add_notify(m, 1, IKE_PROTO_ESP, WIRE_N_RESPONDER_LIFETIME, qm->spi_in, 4,
				data.ptr, data.len);
		chunk_free(&data);
		wire_msg_free(tmp);
	}
	return m;
}

struct wire_msg *ike_build_qm3(struct ike_sa *sa, struct ike_qm *qm, struct ike_status *st)
{
	if (!ike_qm_need_p1(sa, st))
		return NULL;
	struct wire_msg *m = ike_msg_new(sa, WIRE_X_QUICK, qm->msgid, true);
	if (sa->cfg->commit)
		m->hdr.flags |= WIRE_F_COMMIT;
	ike_add_hash(sa, m);
	return m;
}

struct wire_msg *ike_build_qm4(struct ike_sa *sa, struct ike_qm *qm, struct ike_status *st)
{
	if (!ike_qm_need_p1(sa, st))
		return NULL;
	struct wire_msg *m = ike_msg_new(sa, WIRE_X_QUICK, qm->msgid, true);
	m->hdr.flags |= WIRE_F_COMMIT;
	ike_add_hash(sa, m);
	wire_add_notify(m, 1, IKE_PROTO_ESP, WIRE_N_CONNECTED, qm->spi_in, 4, NULL, 0);
	return m;
}

/* ---- hashes ---- */

/* HASH(1), (2), (3) or the qm4 hash over rest (built or parsed). */
static bool ike_qm_hash(struct ike_sa *sa, struct ike_qm *qm, enum ike_kind kind, chunk_t rest,
			chunk_t *out, struct ike_status *st)
{
	struct crypto_err ce;
	bool ok;
	switch (kind) {
	case IKE_K_QM1:
		ok = keys_qm_hash1(sa->xf.hash, sa->skeyid_a, qm->msgid, rest, out, &ce);
		break;
	case IKE_K_QM2:
		ok = keys_qm_hash2(sa->xf.hash, sa->skeyid_a, qm->msgid, qm->ni, rest, out, &ce);
		break;
	case IKE_K_QM3:
		ok = keys_qm_hash3(sa->xf.hash, sa->skeyid_a, qm->msgid, qm->ni, qm->nr, out, &ce);
		break;
	default: /* qm4: the Informational form, prf(SKEYID_a, M-ID | N) */
		ok = keys_info_hash(sa->xf.hash, sa->skeyid_a, qm->msgid, rest, out, &ce);
		break;
	}
	return ok || ike_crypto_fail(st, 0, "HASH", ce.msg);
}

bool ike_quick_finalize(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
			struct wire_msg *m, bool keep_hash, struct ike_status *st)
{
	if (keep_hash)
		return true;
	chunk_t rest = ike_rest_built(m), h = CHUNK_EMPTY;
	bool ok = ike_qm_hash(sa, qm, kind, rest, &h, st) && ike_set_hash(m, h, st);
	chunk_free(&rest);
	chunk_free(&h);
	return ok;
}

static bool ike_qm_verify(struct ike_sa *sa, struct ike_qm *qm, enum ike_kind kind,
			  const struct wire_msg *m, struct ike_status *st)
{
	chunk_t rest = ike_rest_parsed(m), h = CHUNK_EMPTY;
	static const char *const what[] = { "HASH(1)", "HASH(2)", "HASH(3)", "HASH(4)" };
	bool ok = ike_qm_hash(sa, qm, kind, rest, &h, st) &&
		  ike_check_hash(m, h, what[kind - IKE_K_QM1], st);
	chunk_free(&rest);
	chunk_free(&h);
	return ok;
}

bool ike_quick_sent(struct ike_sa *sa, enum ike_kind kind, struct ike_qm *qm,
		    const struct wire_msg *m, struct ike_status *st)
{
	(void)sa;
	(void)st;
	switch (kind) {
	case IKE_K_QM1: {
		const struct wire_node *a = wire_find(m, WIRE_PL_ID, 0), *b = wire_find(m, WIRE_PL_ID, 1);
		if (a && b) {
			ike_ts_from(a, &qm->idci);
			ike_ts_from(b, &qm->idcr);
		}
		qm->state = IKE_QM_SENT1;
		break;
	}
	case IKE_K_QM2:
		qm->state = IKE_QM_SENT2;
		break;
	case IKE_K_QM3: case IKE_K_QM4:
		qm->state = IKE_QM_DONE;
		break;
	default:
		break;
	}
	return true;
}

/* ---- processing ---- */

static bool ike_qm_take_ke(struct ike_qm *qm, const struct wire_msg *m, uint16_t group,
			   struct ike_status *st)
{
	const struct wire_node *ke = wire_find(m, WIRE_PL_KE, 0);
	if (!group) {
		if (ke)
			return ike_fail(st, WIRE_N_INVALID_PAYLOAD_TYPE, "KE", "", "KE payload at offset "
					"%zu without a PFS group in the proposal", ke->offset);
		return true;
	}
	if (!ke)
		return ike_fail(st, WIRE_N_INVALID_KEY_INFORMATION, "KE", "",
				"PFS group %u agreed but no KE payload", group);
	struct crypto_err ce;
	chunk_free(&qm->peer_ke);
	qm->peer_ke = chunk_dup(ke->data.ptr, ke->data.len);
	chunk_clear(&qm->gxy);
	if (!qm->dh || !dh_key_shared(qm->dh, qm->peer_ke, &qm->gxy, &ce))
		return ike_fail(st, WIRE_N_INVALID_KEY_INFORMATION, "KE", "data",
				"KE payload at offset %zu: %s", ke->offset, qm->dh ? ce.msg : "no key");
	return true;
}

bool ike_process_qm1(struct ike_sa *sa, struct ike_qm *qm, const struct wire_msg *m,
		     struct ike_status *st)
{
	if (!ike_qm_need_p1(sa, st) || !ike_rules("qm1", RULES_AUTH_ANY, m, st) ||
	    !ike_qm_verify(sa, qm, IKE_K_QM1, m, st))
		return false;
	const struct wire_node *n = wire_find(m, WIRE_PL_NONCE, 0);
	chunk_free(&qm->ni);
	qm->ni = chunk_dup(n->data.ptr, n->data.len);
	if (!ike_select_p2(sa->cfg, wire_find(m, WIRE_PL_SA, 0), &qm->xf, &qm->prop_number,
			   qm->peer_spi, &qm->resp_life, &qm->resp_life_set, st))
		return false;
	const struct wire_node *a = wire_find(m, WIRE_PL_ID, 0), *b = wire_find(m, WIRE_PL_ID, 1);
	if (a && b) {
		if (!ike_ts_from(a, &qm->idci) || !ike_ts_from(b, &qm->idcr))
			return ike_fail(st, WIRE_N_INVALID_ID_INFORMATION, "ID", "length",
					"client ID too long");
		/* the initiator's idea of us and them must be ours, swapped */
		const struct ike_config *c = sa->cfg;
		if (c->ts_local.set && c->ts_remote.set &&
		    (!ike_ts_eq(&qm->idcr, &c->ts_local) || !ike_ts_eq(&qm->idci, &c->ts_remote)))
			return ike_fail(st, WIRE_N_INVALID_ID_INFORMATION, "ID", "data",
					"ID payload at offset %zu: client IDs do not match our policy",
					a->offset);
	}
	qm->chosen = true;
	return ike_natt_take_natoa(sa, qm, m, st) && ike_qm_need_dh(sa, qm, qm->xf.group, st) &&
	       ike_qm_take_ke(qm, m, qm->xf.group, st);
}

static bool ike_qm_responder_life(struct ike_qm *qm, const struct wire_msg *m,
				  struct ike_status *st)
{
	const struct wire_node *n;
	for (size_t i = 0; (n = wire_find(m, WIRE_PL_N, i)); i++) {
		if (n->subtype != WIRE_N_RESPONDER_LIFETIME)
			continue;
		/* the data is attributes: walk them with a scratch transform */
		struct wire_msg *tmp = wire_msg_new();
		struct wire_node *t = wire_node_new(tmp, WIRE_PL_T);
		struct reader r = reader_init(n->data.ptr, n->data.len);
		bool ok = true;
		while (ok && reader_left(&r)) {
			uint16_t type, v;
			const uint8_t *val;
			ok = reader_u16(&r, &type) && reader_u16(&r, &v);
			if (ok && (type & 0x8000))
				wire_attr_tv(tmp, t, type & 0x7fff, v);
			else if (ok && (ok = reader_bytes(&r, v, &val)))
				wire_attr_tlv(tmp, t, type, val, v);
		}
		struct ike_p2_xform l;
		if (ok)
			ok = ike_p2_read(t, &l, st);
		wire_msg_free(tmp);
		if (!ok)
			return ike_fail(st, WIRE_N_PAYLOAD_MALFORMED, "N", "data",
					"RESPONDER-LIFETIME at offset %zu: bad attributes", n->offset);
		qm->resp_life = l;
		qm->resp_life_set = true;
	}
	return true;
}

bool ike_process_qm2(struct ike_sa *sa, struct ike_qm *qm, const struct wire_msg *m,
		     struct ike_status *st)
{
	if (!ike_rules("qm2", RULES_AUTH_ANY, m, st) || !ike_qm_verify(sa, qm, IKE_K_QM2, m, st))
		return false;
	const struct wire_node *san = wire_find(m, WIRE_PL_SA, 0);
	if (san->nkids != 1 || san->kids[0]->nkids != 1)
		return ike_fail(st, WIRE_N_BAD_PROPOSAL_SYNTAX, "SA", "proposal",
				"SA payload at offset %zu: the reply must hold one proposal with one "
				"transform", san->offset);
	const struct wire_node *p = san->kids[0], *t = p->kids[0];
	if (p->protocol != IKE_PROTO_ESP || p->spi.len != 4)
		return ike_fail(st, WIRE_N_INVALID_SPI, "proposal", "spi",
				"proposal at offset %zu: protocol %u with %zu-byte SPI", p->offset,
				p->protocol, p->spi.len);
	struct ike_p2_xform x;
	if (!ike_p2_read(t, &x, st))
		return false;
	bool found = false;
	for (size_t c = 0; c < sa->cfg->np2 && !found; c++)
		found = ike_p2_same(&x, &sa->cfg->p2[c]);
	if (!found) {
		char b[64];
		return ike_fail(st, WIRE_N_NO_PROPOSAL_CHOSEN, "transform", "id",
				"transform at offset %zu: %s was not offered", t->offset,
				ike_p2_str(&x, b, sizeof(b)));
	}
	qm->xf = x;
	qm->chosen = true;
	qm->prop_number = (uint8_t)p->number;
	memcpy(qm->peer_spi, p->spi.ptr, 4);
	const struct wire_node *n = wire_find(m, WIRE_PL_NONCE, 0);
	chunk_free(&qm->nr);
	qm->nr = chunk_dup(n->data.ptr, n->data.len);
	const struct wire_node *a = wire_find(m, WIRE_PL_ID, 0), *b = wire_find(m, WIRE_PL_ID, 1);
	if (qm->idci.set) {
		struct ike_ts ra, rb;
		if (!a || !b || !ike_ts_from(a, &ra) || !ike_ts_from(b, &rb) ||
		    !ike_ts_eq(&ra, &qm->idci) || !ike_ts_eq(&rb, &qm->idcr))
			return ike_fail(st, WIRE_N_INVALID_ID_INFORMATION, "ID", "data",
					"the reply's client IDs (types %u and %u) are not the ones we sent "
				"(types %u and %u)", a ? a->subtype : 0, b ? b->subtype : 0,
				qm->idci.type, qm->idcr.type);
	}
	return ike_qm_take_ke(qm, m, qm->xf.group, st) && ike_qm_responder_life(qm, m, st) &&
	       ike_natt_take_natoa(sa, qm, m, st) && ike_qm_keys(sa, qm, st);
}

bool ike_process_qm3(struct ike_sa *sa, struct ike_qm *qm, const struct wire_msg *m,
		     struct ike_status *st)
{
	if (!ike_rules("qm3", RULES_AUTH_ANY, m, st) || !ike_qm_verify(sa, qm, IKE_K_QM3, m, st))
		return false;
	if (qm->state == IKE_QM_DONE)
		return true;
	qm->state = IKE_QM_DONE;
	return ike_qm_keys(sa, qm, st);
}

bool ike_process_qm4(struct ike_sa *sa, struct ike_qm *qm, const struct wire_msg *m,
		     struct ike_status *st)
{
	if (!ike_rules("qm4", RULES_AUTH_ANY, m, st) || !ike_qm_verify(sa, qm, IKE_K_QM4, m, st))
		return false;
	const struct wire_node *n = wire_find(m, WIRE_PL_N, 0);
	if (n->subtype != WIRE_N_CONNECTED)
		return ike_fail(st, WIRE_N_PAYLOAD_MALFORMED, "N", "type",
				"notification at offset %zu: type %u, expected CONNECTED", n->offset,
				n->subtype);
	qm->state = IKE_QM_DONE;
	return true;
}
