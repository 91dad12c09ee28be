/* What Main Mode and Aggressive Mode share (RFC 2409 5): phase-1
 * proposals and their selection, the KE, nonce, ID, CR and notify
 * payloads, key derivation, and proving and verifying the peer. */
#include "ike/phase1.h"

#include <stdio.h>
#include <string.h>

#include "crypto/dh.h"
#include "crypto/keys.h"
#include "ike/auth.h"
#include "ike/internal.h"
#include "pki/pki.h"

#define IKE_DOI_IPSEC 1
#define IKE_SIT_IDENTITY 1
#define IKE_PROTO_ISAKMP 1
#define IKE_KEY_IKE 1

/* ---- proposals ---- */

static void ike_p1_attrs(struct wire_msg *m, struct wire_node *t, const struct ike_p1_xform *x)
{
	if (x->encr)
		wire_attr_tv(m, t, 1, x->encr);
	if (x->keylen)
		wire_attr_tv(m, t, 14, x->keylen);
	if (x->hash)
		wire_attr_tv(m, t, 2, x->hash);
	if (x->auth)
		wire_attr_tv(m, t, 3, x->auth);
	if (x->group)
		wire_attr_tv(m, t, 4, x->group);
	if (x->life_sec) {
		wire_attr_tv(m, t, 11, 1);
		wire_attr_num(m, t, 12, x->life_sec);
	}
	if (x->life_kb) {
		wire_attr_tv(m, t, 11, 2);
		wire_attr_num(m, t, 12, x->life_kb);
	}
}

/* A transform's attributes into x; false with st on what we cannot read. */
static bool ike_p1_read(const struct wire_node *t, struct ike_p1_xform *x, struct ike_status *st)
{
	memset(x, 0, sizeof(*x));
	uint32_t life_type = 0;
	for (size_t i = 0; i < t->nattrs; i++) {
		const struct wire_attr *a = &t->attrs[i];
		uint32_t v;
		if (!wire_attr_value(a, &v))
			return ike_fail(st, WIRE_N_ATTRIBUTES_NOT_SUPPORTED, "transform", "attr",
					"transform #%u: attribute %u value too long", t->number,
					a->type);
		switch (a->type) {
		case 1: x->encr = (uint16_t)v; break;
		case 2: x->hash = (uint16_t)v; break;
		case 3: x->auth = (uint16_t)v; break;
		case 4: x->group = (uint16_t)v; break;
		case 14: x->keylen = (uint16_t)v; break;
		case 11: life_type = v; break;
		case 12:
			if (!ike_life_duration(t, life_type, v, &x->life_sec, &x->life_kb, st))
				return false;
			break;
		default:
			return ike_fail(st, WIRE_N_ATTRIBUTES_NOT_SUPPORTED, "transform", "attr",
					"transform #%u: attribute class %u not supported", t->number,
					a->type);
		}
	}
	return true;
}

/* Same algorithms (lifetimes are policy, compared elsewhere). */
static bool ike_p1_same(const struct ike_p1_xform *a, const struct ike_p1_xform *b)
{
	return a->encr == b->encr && ike_p1_keybits(a) == ike_p1_keybits(b) &&
	       a->hash == b->hash && a->auth == b->auth && a->group == b->group;
}

static bool ike_life_ok(enum ike_life_policy pol, uint32_t theirs, uint32_t ours)
{
	/* absent means the 8-hour default (RFC 2407 4.5) for seconds, and no
	 * limit for kilobytes; only NOT_LONGER refuses anything */
	if (pol != IKE_LIFE_NOT_LONGER || !ours)
		return true;
	return theirs && theirs <= ours;
}

bool ike_select_p1(const struct ike_config *cfg, const struct wire_node *sa_node,
		   struct ike_p1_xform *out, uint8_t *number, struct ike_status *st)
{
	char why[320] = "no transform offered";
	/* RFC 2408 5.5: a transform whose attributes we cannot read gets
	   ATTRIBUTES-NOT-SUPPORTED when it was the only one offered; with a
	   choice, refusing them all is NO-PROPOSAL-CHOSEN (RFC 2409 5) */
	size_t offered = 0;
	uint16_t note = WIRE_N_NO_PROPOSAL_CHOSEN;
	for (size_t p = 0; p < sa_node->nkids; p++) {
		const struct wire_node *prop = sa_node->kids[p];
		if (prop->protocol != IKE_PROTO_ISAKMP)
			continue;
		for (size_t t = 0; t < prop->nkids; t++) {
			const struct wire_node *tr = prop->kids[t];
			struct ike_p1_xform x;
			struct ike_status tmp;
			offered++;
			note = WIRE_N_NO_PROPOSAL_CHOSEN;
			if (!ike_p1_read(tr, &x, &tmp)) {
				snprintf(why, sizeof(why), "%s", tmp.msg);
				note = tmp.notify ? tmp.notify : WIRE_N_NO_PROPOSAL_CHOSEN;
				continue;
			}
			if (!x.encr || !x.hash || !x.auth || !x.group) {
				/* RFC 2409 4: all four "are mandatory and MUST be negotiated" */
				snprintf(why, sizeof(why), "transform #%u: attr: no %s attribute "
					 "(mandatory, RFC 2409 4)", tr->number,
					 !x.encr ? "encryption algorithm" : !x.hash ? "hash algorithm"
					 : !x.auth ? "authentication method" : "group description");
				continue;
			}
			for (size_t c = 0; c < cfg->np1; c++) {
				const struct ike_p1_xform *our = &cfg->p1[c];
				if (!ike_p1_same(&x, our)) {
					char a[64], b[64];
					snprintf(why, sizeof(why), "transform #%u %s matches none of ours "
						 "(last compared: %s)", tr->number,
						 ike_p1_str(&x, a, sizeof(a)), ike_p1_str(our, b, sizeof(b)));
					continue;
				}
				if (!ike_life_ok(cfg->life_policy, x.life_sec, our->life_sec) ||
				    !ike_life_ok(cfg->life_policy, x.life_kb, our->life_kb)) {
					snprintf(why, sizeof(why), "transform #%u: lifetime %us/%ukB longer "
						 "than ours %us/%ukB", tr->number, x.life_sec, x.life_kb,
						 our->life_sec, our->life_kb);
					continue;
				}
				*out = x;
				number[0] = (uint8_t)prop->number;
				number[1] = (uint8_t)tr->number;
				return true;
			}
		}
	}
	return ike_fail(st, offered == 1 ? note : WIRE_N_NO_PROPOSAL_CHOSEN, "SA", "proposal", "%s",
			why);
}

void ike_add_p1_sa_offer(struct ike_sa *sa, struct wire_msg *m)
{
	struct wire_node *n = wire_add_sa(m, IKE_DOI_IPSEC, IKE_SIT_IDENTITY);
	struct wire_node *p = wire_add_proposal(m, n, 1, IKE_PROTO_ISAKMP, NULL, 0);
	for (size_t i = 0; i < sa->cfg->np1; i++) {
		struct wire_node *t = wire_add_transform(m, p, (uint8_t)(i + 1), IKE_KEY_IKE);
		ike_p1_attrs(m, t, &sa->cfg->p1[i]);
	}
}

bool ike_add_p1_sa_reply(struct ike_sa *sa, struct wire_msg *m, struct ike_status *st)
{
	if (!sa->have_xf)
		return ike_fail(st, 0, "SA", "", "no transform chosen yet");
	struct wire_node *n = wire_add_sa(m, IKE_DOI_IPSEC, IKE_SIT_IDENTITY);
	struct wire_node *p = wire_add_proposal(m, n, sa->prop_number, IKE_PROTO_ISAKMP, NULL, 0);
	struct wire_node *t = wire_add_transform(m, p, sa->xf_number, IKE_KEY_IKE);
	ike_p1_attrs(m, t, &sa->xf);
	return true;
}

/* Initiator: the responder's single transform must be one we offered. */
bool ike_p1_check_reply(struct ike_sa *sa, const struct wire_node *sa_node,
			struct ike_status *st)
{
	if (sa_node->nkids != 1 || sa_node->kids[0]->nkids != 1)
		return ike_fail(st, WIRE_N_BAD_PROPOSAL_SYNTAX, "SA", "proposal",
				"SA payload at offset %zu: the reply must hold one proposal with one "
				"transform (%zu proposals)", sa_node->offset, sa_node->nkids);
	const struct wire_node *p = sa_node->kids[0], *t = p->kids[0];
	struct ike_p1_xform x;
	if (!ike_p1_read(t, &x, st))
		return false;
	for (size_t c = 0; c < sa->cfg->np1; c++) {
		const struct ike_p1_xform *our = &sa->cfg->p1[c];
		if (ike_p1_same(&x, our) && x.life_sec == our->life_sec && x.life_kb == our->life_kb) {
			sa->xf = x;
			sa->have_xf = true;
			sa->prop_number = (uint8_t)p->number;
			sa->xf_number = (uint8_t)t->number;
			if (sa->state < IKE_SA_SA_DONE)
				sa->state = IKE_SA_SA_DONE;
			return true;
		}
	}
	char b[64];
	return ike_fail(st, WIRE_N_NO_PROPOSAL_CHOSEN, "transform", "attr",
			"transform at offset %zu: %s (life %us/%ukB) is not one we offered", t->offset,
			ike_p1_str(&x, b, sizeof(b)), x.life_sec, x.life_kb);
}

/* Responder: our choice from the peer's SA payload (mm1, am1) into the SA,
 * and SAi_b as it came. */
bool ike_p1_take_offer(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st)
{
	const struct wire_node *n = wire_find(m, WIRE_PL_SA, 0);
	uint8_t num[2];
	if (!ike_select_p1(sa->cfg, n, &sa->xf, num, st))
		return false;
	sa->prop_number = num[0];
	sa->xf_number = num[1];
	sa->have_xf = true;
	chunk_free(&sa->sai_b);
	sa->sai_b = ike_body(n);
	sa->state = IKE_SA_SA_DONE;
	return true;
}

/* ---- payloads ---- */

/* Our phase-1 ID: configured, the certificate's subject DN with
 * signatures, or our address. */
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

struct wire_node *ike_add_our_id(struct ike_sa *sa, struct wire_msg *m)
{
	struct ike_id id;
	ike_our_id(sa, &id);
	return wire_add_id(m, id.type, 0, 0, id.data, id.len);
}

void ike_add_ke_nonce(struct ike_sa *sa, struct wire_msg *m)
{
	chunk_t *ke = ike_sa_our_ke(sa), *n = ike_sa_our_nonce(sa);
	wire_add_data(m, WIRE_PL_KE, ke->ptr, ke->len);
	wire_add_data(m, WIRE_PL_NONCE, n->ptr, n->len);
}

void ike_add_initial_contact(struct ike_sa *sa, struct wire_msg *m)
{
	if (!sa->cfg->initial_contact)
		return;
	uint8_t spi[16];
	memcpy(spi, sa->icookie, 8);
	memcpy(spi + 8, sa->rcookie, 8);
	wire_add_notify(m, IKE_DOI_IPSEC, IKE_PROTO_ISAKMP, WIRE_N_INITIAL_CONTACT, spi, 16,
			NULL, 0);
}

/* CR payloads naming our trusted CAs, for a signature method. */
void ike_add_cr(struct ike_sa *sa, struct wire_msg *m, uint16_t method)
{
	const struct ike_config *c = sa->cfg;
	if (!ike_auth_is_sig(method) || !c->send_cr || !c->trusted)
		return;
	for (int i = 0; i < sk_X509_num(c->trusted); i++) {
		chunk_t d = CHUNK_EMPTY;
		if (pki_cr_ca_name(sk_X509_value(c->trusted, i), &d))
			wire_add_typed(m, WIRE_PL_CR, PKI_CERT_X509_SIG, d.ptr, d.len);
		chunk_free(&d);
	}
}

/* CR payloads counted; an X.509 one must name its CA by a DN (RFC 2408
 * 5.10 step 2: INVALID-CERT-AUTHORITY). Other defined types are not ours
 * to refuse: the request is only a hint. */
bool ike_take_cr(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st)
{
	const struct wire_node *n;
	for (size_t i = 0; (n = wire_find(m, WIRE_PL_CR, i)); i++) {
		struct pki_err pe;
		if (n->subtype == PKI_CERT_X509_SIG && !pki_cr_ca_check(n->data, &pe))
			return ike_fail(st, WIRE_N_INVALID_CERT_AUTHORITY, "CR", "data",
					"CR payload at offset %zu: %s", n->offset, pe.msg);
		sa->ncr_rx++;
	}
	return true;
}

/* Responder: a first message makes our cookie. */
void ike_take_cookies(struct ike_sa *sa, const struct wire_msg *m)
{
	memcpy(sa->icookie, m->hdr.icookie, 8);
	ike_sa_responder_cookie(sa->cfg, &sa->local, &sa->peer, sa->icookie, sa->rcookie);
}

/* Peer's KE and nonce into the SA, checked. */
bool ike_take_ke_nonce(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st)
{
	const struct wire_node *ke = wire_find(m, WIRE_PL_KE, 0);
	const struct wire_node *n = wire_find(m, WIRE_PL_NONCE, 0);
	const struct dh_group *g = dh_group_get(sa->xf.group);
	struct crypto_err ce;
	if (!g)
		return ike_fail(st, WIRE_N_INVALID_KEY_INFORMATION, "KE", "", "group %u unknown",
				sa->xf.group);
	if (ke->data.len != g->ke_len)
		return ike_fail(st, WIRE_N_INVALID_KEY_INFORMATION, "KE", "length",
				"KE payload at offset %zu: %zu bytes of key data, group %u (%s) needs %zu",
				ke->offset, ke->data.len, g->id, g->name, g->ke_len);
	if (!dh_check_public(g->id, ke->data, &ce))
		return ike_fail(st, WIRE_N_INVALID_KEY_INFORMATION, "KE", "data",
				"KE payload at offset %zu: %s", ke->offset, ce.msg);
	chunk_t *pke = sa->initiator ? &sa->gxr : &sa->gxi;
	chunk_t *pn = sa->initiator ? &sa->nr : &sa->ni;
	chunk_free(pke);
	chunk_free(pn);
	*pke = chunk_dup(ke->data.ptr, ke->data.len);
	*pn = chunk_dup(n->data.ptr, n->data.len);
	return true;
}

/* RFC 2407 4.6.2: in phase 1 protocol and port are 0/0 or UDP/500, any
 * other "MUST be treated as an error". Lenient also takes UDP/4500 (sent
 * after the NAT-T float, RFC 3947 4) and UDP/0 (seen in the field). */
static bool ike_id_ports_ok(const struct wire_node *id, enum ike_id_checks checks)
{
	if ((id->protocol == 0 && id->port == 0) || (id->protocol == 17 && id->port == 500))
		return true;
	return checks == IKE_ID_CHECKS_LENIENT && id->protocol == 17 &&
	       (id->port == 4500 || id->port == 0);
}

/* The client-ID types (subnets, ranges, lists) name no peer: RFC 4945
 * 3.1.4 leaves their use in phase 1 undefined; strict refuses them. */
static bool ike_id_type_p1(uint8_t type, enum ike_id_checks checks)
{
	bool client = type == 4 || type == 6 || type == 7 || type == 8 || type == 12;
	return checks == IKE_ID_CHECKS_LENIENT || !client;
}

/* The peer's ID: phase-1 protocol and port, type, then against the one we
 * expect (ike_id_match); each refusal INVALID-ID-INFORMATION naming the
 * field. Its body into *body for HASH_I/HASH_R. */
bool ike_take_id(struct ike_sa *sa, const struct wire_msg *m, chunk_t *body,
		 struct ike_status *st)
{
	const struct wire_node *id = wire_find(m, WIRE_PL_ID, 0);
	enum ike_id_checks checks = sa->cfg->id_checks;
	char why[600];
	if (id->data.len > IKE_MAX_ID)
		return ike_fail(st, WIRE_N_INVALID_ID_INFORMATION, "ID", "length",
				"ID payload at offset %zu: length: %zu bytes of data, at most "
				"%d (our limit)", id->offset, id->data.len, IKE_MAX_ID);
	if (!ike_id_ports_ok(id, checks))
		return ike_fail(st, WIRE_N_INVALID_ID_INFORMATION, "ID", "protocol",
				"ID payload at offset %zu: protocol/port: %u/%u (phase 1 allows "
				"0/0 or UDP/500%s, RFC 2407 4.6.2)", id->offset, id->protocol,
				id->port, checks == IKE_ID_CHECKS_LENIENT ? ", lenient UDP/4500 and "
				"UDP/0" : "");
	if (!ike_id_type_p1((uint8_t)id->subtype, checks))
		return ike_fail(st, WIRE_N_INVALID_ID_INFORMATION, "ID", "type",
				"ID payload at offset %zu: type: %u is a client-ID type, "
				"undefined in phase 1 (RFC 4945 3.1.4; strict ID checks)", id->offset,
				id->subtype);
	if (!ike_id_match(&sa->cfg->remote_id, (uint8_t)id->subtype, id->data, checks, why,
			  sizeof(why)))
		return ike_fail(st, WIRE_N_INVALID_ID_INFORMATION, "ID", "data",
				"ID payload at offset %zu: data: %s", id->offset, why);
	sa->peer_id.type = (uint8_t)id->subtype;
	sa->peer_id.len = id->data.len;
	memcpy(sa->peer_id.data, id->data.ptr, id->data.len);
	chunk_free(body);
	*body = ike_body(id);
	return true;
}

/* The ID of an IKE address (ID_IPV4_ADDR or ID_IPV6_ADDR). */
static void ike_addr_id(const struct netaddr *a, struct ike_id *id)
{
	memset(id, 0, sizeof(*id));
	id->type = a->family == 10 /* AF_INET6 */ ? 5 : 1;
	id->len = netaddr_iplen(a);
	memcpy(id->data, a->ip, id->len);
}

/* The PSK for this peer, looked up in cfg->psks by the ID we know it by
 * before SKEYID: the Aggressive Mode responder by the ID in am1, the Main
 * Mode responder (whose peer sends its ID only in mm5) by the peer's IKE
 * address, an initiator by remote_id (or the peer's address). The first
 * entry that matches, else cfg->psk; neither: AUTHENTICATION-FAILED. */
static bool ike_pick_psk(struct ike_sa *sa, struct ike_status *st)
{
	const struct ike_config *c = sa->cfg;
	bool by_id = !sa->initiator && sa->exchange == WIRE_X_AGGR;
	const char *what = by_id ? "ID" : sa->initiator && c->remote_id.type ? "remote_id"
			 : "address";
	struct ike_id key;
	char why[600], text[600];
	if (sa->xf.auth != IKE_AUTH_PSK)
		return true;
	if (by_id)
		key = sa->peer_id;
	else if (sa->initiator && c->remote_id.type)
		key = c->remote_id;
	else
		ike_addr_id(&sa->peer, &key);
	for (size_t i = 0; i < c->npsks && i < IKE_MAX_PSKS; i++)
		if (ike_id_match(&c->psks[i].id, key.type, CHUNK_FROM(key.data, key.len),
				 c->id_checks, why, sizeof(why))) {
			ike_sa_use_psk(sa, c->psks[i].psk);
			return true;
		}
	if (c->psk.len)
		return true;
	if (!ike_id_format(&key, text, sizeof(text)))
		snprintf(text, sizeof(text), "(type %u)", key.type);
	return ike_fail(st, WIRE_N_AUTHENTICATION_FAILED, by_id ? "ID" : "", by_id ? "data" : "",
			"no pre-shared key for the peer's %s %s (%zu keys by ID, no default key)",
			what, text, c->npsks);
}

/* ---- keys and authentication ---- */

bool ike_need_dh(struct ike_sa *sa, struct ike_status *st)
{
	char err[256];
	if (!ike_sa_need_dh(sa, err, sizeof(err)))
		return ike_fail(st, WIRE_N_INVALID_KEY_INFORMATION, "KE", "", "%s", err);
	return true;
}

bool ike_derive(struct ike_sa *sa, struct ike_status *st)
{
	char err[256];
	if (!ike_pick_psk(sa, st))
		return false;
	if (!ike_sa_derive(sa, err, sizeof(err)))
		return ike_fail(st, WIRE_N_INVALID_KEY_INFORMATION, "KE", "data", "%s", err);
	return true;
}

bool ike_need_keys(struct ike_sa *sa, struct ike_status *st)
{
	if (sa->state < IKE_SA_KEYED || !sa->skeyid.len)
		return ike_fail(st, 0, "", "", "no keys yet (SA state %s)",
				ike_sa_state_name(sa->state));
	return true;
}

const struct ike_auth_ops *ike_auth(struct ike_sa *sa, struct ike_status *st)
{
	const struct ike_auth_ops *a = ike_auth_get(sa->xf.auth);
	if (!a)
		ike_fail(st, WIRE_N_AUTHENTICATION_FAILED, "", "",
			 "authentication method %u not supported", sa->xf.auth);
	return a;
}

uint8_t ike_rules_auth(struct ike_sa *sa)
{
	const struct ike_auth_ops *a = ike_auth_get(sa->xf.auth);
	return a ? a->rules : RULES_AUTH_PSK;
}

/* HASH_I (of_initiator) or HASH_R with the given ID body. */
/* The hash HASH_I/HASH_R are made with: the proposal's, but the ECDSA
 * method's own for ECDSA (RFC 4754 3: ECDSA-256 goes with SHA-256 ...;
 * strongSwan keys that HMAC with SKEYID whatever the proposal's hash). */
static uint16_t ike_phase1_hash_alg(const struct ike_sa *sa)
{
	switch (sa->xf.auth) {
	case IKE_AUTH_ECDSA_256: return 4;  /* SHA2-256 */
	case IKE_AUTH_ECDSA_384: return 5;  /* SHA2-384 */
	case IKE_AUTH_ECDSA_521: return 6;  /* SHA2-512 */
	default: return sa->xf.hash;
	}
}

static bool ike_phase1_hash(struct ike_sa *sa, bool of_initiator, chunk_t id_b, chunk_t *out,
			    struct ike_status *st)
{
	struct crypto_err ce;
	chunk_t cki = CHUNK_FROM(sa->icookie, 8), ckr = CHUNK_FROM(sa->rcookie, 8);
	uint16_t h = ike_phase1_hash_alg(sa);
	bool ok = of_initiator
		? keys_hash_i(h, sa->skeyid, sa->gxi, sa->gxr, cki, ckr, sa->sai_b, id_b, out, &ce)
		: keys_hash_r(h, sa->skeyid, sa->gxi, sa->gxr, cki, ckr, sa->sai_b, id_b, out, &ce);
	return ok || ike_crypto_fail(st, 0, of_initiator ? "HASH_I" : "HASH_R", ce.msg);
}

static void ike_note_notifies(struct ike_sa *sa, const struct wire_msg *m)
{
	const struct wire_node *n;
	for (size_t i = 0; (n = wire_find(m, WIRE_PL_N, i)); i++)
		if (n->subtype == WIRE_N_INITIAL_CONTACT)
			sa->initial_contact_rx = true;
}

/* mm5 / am3 at the responder, mm6 / am2 at the initiator. */
bool ike_verify_peer(struct ike_sa *sa, const struct wire_msg *m, bool take_id,
		     struct ike_status *st)
{
	const struct ike_auth_ops *a;
	chunk_t *id_b = sa->initiator ? &sa->idir_b : &sa->idii_b;
	if (!ike_need_keys(sa, st) || !(a = ike_auth(sa, st)))
		return false;
	if (take_id && !ike_take_id(sa, m, id_b, st))
		return false;
	chunk_t h = CHUNK_EMPTY;
	bool ok = ike_phase1_hash(sa, !sa->initiator, *id_b, &h, st) && a->verify(sa, m, h, st);
	chunk_free(&h);
	if (ok) {
		ike_note_notifies(sa, m);
		sa->state = IKE_SA_ESTABLISHED;
	}
	return ok;
}

/* The proof (HASH_I or SIG_I of_initiator, else _R) over id_b into m. */
bool ike_phase1_prove(struct ike_sa *sa, bool of_initiator, chunk_t id_b, struct wire_msg *m,
		      bool keep_hash, struct ike_status *st)
{
	const struct ike_auth_ops *a = ike_auth(sa, st);
	chunk_t h = CHUNK_EMPTY;
	bool ok = a && ike_phase1_hash(sa, of_initiator, id_b, &h, st) &&
		  a->prove(sa, m, h, keep_hash, st);
	chunk_free(&h);
	return ok;
}

/* The ID body a proof in m covers: m's ID payload, or ours as recorded
 * when a test removed it (caller frees). */
chunk_t ike_p1_id_body(const struct ike_sa *sa, const struct wire_msg *m)
{
	const struct wire_node *id = wire_find(m, WIRE_PL_ID, 0);
	if (!id)
		/* an ID removed by a test: hash our real one */
		return chunk_dup((sa->initiator ? sa->idii_b : sa->idir_b).ptr,
				 (sa->initiator ? sa->idii_b : sa->idir_b).len);
	return wire_node_body(id);
}

/* SAi_b is what went out (mm1, am1), mutations included. */
void ike_p1_sent_sa(struct ike_sa *sa, const struct wire_msg *m)
{
	const struct wire_node *n = wire_find(m, WIRE_PL_SA, 0);
	if (n) {
		chunk_free(&sa->sai_b);
		sa->sai_b = wire_node_body(n);
	}
}

/* Our ID body as it went out (mm5, mm6, am2), for the proofs after. */
void ike_p1_sent_id(struct ike_sa *sa, const struct wire_msg *m)
{
	const struct wire_node *n = wire_find(m, WIRE_PL_ID, 0);
	if (n) {
		chunk_t *b = sa->initiator ? &sa->idii_b : &sa->idir_b;
		chunk_free(b);
		*b = wire_node_body(n);
	}
}
