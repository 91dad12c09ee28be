/* Per-message payload rules for Main, Aggressive, Quick and Informational
 * exchanges (RFC 2409 5, 5.5, 5.7; NAT-T RFC 3947; DPD RFC 3706). */
#include "wire/rules.h"

#include <stdio.h>
#include <string.h>

#include "wire/err.h"
#include "wire/msg.h"

#define M RULES_MANY
#define VIDS { WIRE_PL_VID, 0, M, false }
#define NATD { WIRE_PL_NATD, 0, M, false }, { WIRE_PL_NATD_DRAFT, 0, M, false }
#define NOTES { WIRE_PL_N, 0, M, false }

static const struct rules_msg rules_table[] = {
	{ "mm1", "Main Mode message 1", WIRE_X_MAIN, 1, RULES_AUTH_ANY, RULES_PLAIN, false, false, false,
	  { { WIRE_PL_SA, 1, 1, false }, VIDS } },
	{ "mm2", "Main Mode message 2", WIRE_X_MAIN, 2, RULES_AUTH_ANY, RULES_PLAIN, false, false, false,
	  { { WIRE_PL_SA, 1, 1, false }, VIDS } },
	{ "mm3", "Main Mode message 3", WIRE_X_MAIN, 3, RULES_AUTH_ANY, RULES_PLAIN, false, false, false,
	  { { WIRE_PL_KE, 1, 1, false }, { WIRE_PL_NONCE, 1, 1, false },
	    { WIRE_PL_CR, 0, M, false }, NATD, VIDS } },
	{ "mm4", "Main Mode message 4", WIRE_X_MAIN, 4, RULES_AUTH_ANY, RULES_PLAIN, false, false, false,
	  { { WIRE_PL_KE, 1, 1, false }, { WIRE_PL_NONCE, 1, 1, false },
	    { WIRE_PL_CR, 0, M, false }, NATD, VIDS } },
	{ "mm5", "Main Mode message 5", WIRE_X_MAIN, 5, RULES_AUTH_PSK, RULES_ENC, false, false, false,
	  { { WIRE_PL_ID, 1, 1, false }, { WIRE_PL_HASH, 1, 1, false }, NOTES, VIDS } },
	{ "mm5", "Main Mode message 5", WIRE_X_MAIN, 5, RULES_AUTH_SIG, RULES_ENC, false, false, false,
	  { { WIRE_PL_ID, 1, 1, false }, { WIRE_PL_SIG, 1, 1, false },
	    { WIRE_PL_CERT, 0, M, false }, { WIRE_PL_CR, 0, M, false }, NOTES, VIDS } },
	{ "mm6", "Main Mode message 6", WIRE_X_MAIN, 6, RULES_AUTH_PSK, RULES_ENC, false, false, false,
	  { { WIRE_PL_ID, 1, 1, false }, { WIRE_PL_HASH, 1, 1, false }, NOTES, VIDS } },
	{ "mm6", "Main Mode message 6", WIRE_X_MAIN, 6, RULES_AUTH_SIG, RULES_ENC, false, false, false,
	  { { WIRE_PL_ID, 1, 1, false }, { WIRE_PL_SIG, 1, 1, false },
	    { WIRE_PL_CERT, 0, M, false }, NOTES, VIDS } },
	{ "am1", "Aggressive Mode message 1", WIRE_X_AGGR, 1, RULES_AUTH_ANY, RULES_PLAIN, false, false, false,
	  { { WIRE_PL_SA, 1, 1, false }, { WIRE_PL_KE, 1, 1, false }, { WIRE_PL_NONCE, 1, 1, false },
	    { WIRE_PL_ID, 1, 1, false }, { WIRE_PL_CR, 0, M, false }, VIDS } },
	{ "am2", "Aggressive Mode message 2", WIRE_X_AGGR, 2, RULES_AUTH_PSK, RULES_PLAIN, false, false, false,
	  { { WIRE_PL_SA, 1, 1, false }, { WIRE_PL_KE, 1, 1, false }, { WIRE_PL_NONCE, 1, 1, false },
	    { WIRE_PL_ID, 1, 1, false }, { WIRE_PL_HASH, 1, 1, false }, NATD, VIDS } },
	{ "am2", "Aggressive Mode message 2", WIRE_X_AGGR, 2, RULES_AUTH_SIG, RULES_PLAIN, false, false, false,
	  { { WIRE_PL_SA, 1, 1, false }, { WIRE_PL_KE, 1, 1, false }, { WIRE_PL_NONCE, 1, 1, false },
	    { WIRE_PL_ID, 1, 1, false }, { WIRE_PL_SIG, 1, 1, false }, { WIRE_PL_CERT, 0, M, false },
	    { WIRE_PL_CR, 0, M, false }, NATD, VIDS } },
	/* RFC 2409 5: the third message may go encrypted or not */
	{ "am3", "Aggressive Mode message 3", WIRE_X_AGGR, 3, RULES_AUTH_PSK, RULES_EITHER, false, false, false,
	  { { WIRE_PL_HASH, 1, 1, false }, NATD, NOTES, VIDS } },
	{ "am3", "Aggressive Mode message 3", WIRE_X_AGGR, 3, RULES_AUTH_SIG, RULES_EITHER, false, false, false,
	  { { WIRE_PL_SIG, 1, 1, false }, { WIRE_PL_CERT, 0, M, false }, NATD, NOTES, VIDS } },
	{ "qm1", "Quick Mode message 1", WIRE_X_QUICK, 1, RULES_AUTH_ANY, RULES_ENC, true, false, false,
	  { { WIRE_PL_HASH, 1, 1, false }, { WIRE_PL_SA, 1, 1, false }, { WIRE_PL_NONCE, 1, 1, false },
	    { WIRE_PL_KE, 0, 1, false }, { WIRE_PL_ID, 0, 2, true }, { WIRE_PL_NATOA, 0, 2, false },
	    { WIRE_PL_NATOA_DRAFT, 0, 2, false }, NOTES } },
	{ "qm2", "Quick Mode message 2", WIRE_X_QUICK, 2, RULES_AUTH_ANY, RULES_ENC, true, false, false,
	  { { WIRE_PL_HASH, 1, 1, false }, { WIRE_PL_SA, 1, 1, false }, { WIRE_PL_NONCE, 1, 1, false },
	    { WIRE_PL_KE, 0, 1, false }, { WIRE_PL_ID, 0, 2, true }, { WIRE_PL_NATOA, 0, 2, false },
	    { WIRE_PL_NATOA_DRAFT, 0, 2, false }, NOTES } },
	{ "qm3", "Quick Mode message 3", WIRE_X_QUICK, 3, RULES_AUTH_ANY, RULES_ENC, true, false, false,
	  { { WIRE_PL_HASH, 1, 1, false } } },
	/* RFC 2409 5.5: with the commit bit, the responder's CONNECTED notify */
	{ "qm4", "Quick Mode message 4 (commit)", WIRE_X_QUICK, 4, RULES_AUTH_ANY, RULES_ENC, true, true, false,
	  { { WIRE_PL_HASH, 1, 1, false }, { WIRE_PL_N, 1, 1, false } } },
	{ "info", "Informational (protected)", WIRE_X_INFO, 1, RULES_AUTH_ANY, RULES_ENC, true, false, true,
	  { { WIRE_PL_HASH, 1, 1, false }, NOTES, { WIRE_PL_D, 0, M, false } } },
	{ "info-plain", "Informational (unprotected)", WIRE_X_INFO, 1, RULES_AUTH_ANY, RULES_PLAIN, false, false, true,
	  { NOTES, { WIRE_PL_D, 0, M, false }, VIDS } },
};

size_t rules_count(void)
{
	return sizeof(rules_table) / sizeof(rules_table[0]);
}

const struct rules_msg *rules_at(size_t i)
{
	return i < rules_count() ? &rules_table[i] : NULL;
}

const struct rules_msg *rules_find(const char *name, enum rules_auth auth)
{
	for (size_t i = 0; i < rules_count(); i++)
		if (strcmp(rules_table[i].name, name) == 0 &&
		    (auth == RULES_AUTH_ANY || rules_table[i].auth == RULES_AUTH_ANY ||
		     rules_table[i].auth == auth))
			return &rules_table[i];
	return NULL;
}

const struct rules_msg *rules_get(uint8_t exchange, unsigned number, enum rules_auth auth)
{
	for (size_t i = 0; i < rules_count(); i++)
		if (rules_table[i].exchange == exchange && rules_table[i].number == number &&
		    (auth == RULES_AUTH_ANY || rules_table[i].auth == RULES_AUTH_ANY ||
		     rules_table[i].auth == auth))
			return &rules_table[i];
	return NULL;
}

static const struct rules_item *rules_item(const struct rules_msg *r, uint8_t type)
{
	for (const struct rules_item *it = r->items; it->payload; it++)
		if (it->payload == type)
			return it;
	return NULL;
}

/* The header: exchange type, encryption, commit flag; HASH first. */
static bool rules_check_header(const struct rules_msg *r, const struct wire_msg *m,
			       struct wire_err *err)
{
	const struct wire_header *h = &m->hdr;
	bool enc = h->flags & WIRE_F_ENC;
	if (h->exchange != r->exchange) {
		wire_err_set(err, WIRE_N_INVALID_EXCHANGE_TYPE, "header", "exchange", 0, 18,
			     "exchange type %u, %s needs %u", h->exchange, r->label, r->exchange);
		return false;
	}
	if ((r->enc == RULES_ENC && !enc) || (r->enc == RULES_PLAIN && enc)) {
		wire_err_set(err, WIRE_N_INVALID_FLAGS, "header", "flags", 0, 19,
			     "%s must %sbe encrypted (flags 0x%02x)", r->label,
			     r->enc == RULES_ENC ? "" : "not ", h->flags);
		return false;
	}
	if (r->commit && !(h->flags & WIRE_F_COMMIT)) {
		wire_err_set(err, WIRE_N_INVALID_FLAGS, "header", "flags", 0, 19,
			     "%s needs the commit flag (flags 0x%02x)", r->label, h->flags);
		return false;
	}
	if (r->hash_first && (m->npl == 0 || m->pl[0]->type != WIRE_PL_HASH)) {
		long at = wire_index(m, WIRE_PL_HASH, 0);
		if (at < 0)
			wire_err_set(err, WIRE_N_INVALID_HASH_INFORMATION, "HASH", "next_payload",
				     WIRE_NO_OFFSET, 16,
				     "%s has no HASH payload", r->label);
		else
			wire_err_set(err, WIRE_N_INVALID_HASH_INFORMATION, "HASH", "next_payload",
				     m->pl[at]->offset, m->pl[at]->offset,
				     "HASH must be the first payload of %s, it is payload %ld",
				     r->label, at + 1);
		return false;
	}
	return true;
}

/* Each payload present: allowed in this message, and not too many. */
static bool rules_check_allowed(const struct rules_msg *r, const struct wire_msg *m,
				struct wire_err *err)
{
	char b[24];
	for (size_t i = 0; i < m->npl; i++) {
		const struct wire_node *n = m->pl[i];
		const struct rules_item *it = rules_item(r, n->type);
		if (!it) {
			wire_err_set(err, WIRE_N_INVALID_PAYLOAD_TYPE,
				     wire_payload_short(n->type, b, sizeof(b)), "next_payload",
				     n->offset, n->offset, "%s payload is not allowed in %s",
				     wire_payload_short(n->type, b, sizeof(b)), r->label);
			return false;
		}
		size_t c = wire_count(m, n->type);
		if (it->max != RULES_MANY && c > it->max) {
			/* name the first one too many */
			const struct wire_node *extra = wire_find(m, n->type, it->max);
			const char *nm = wire_payload_short(n->type, b, sizeof(b));
			wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, nm, "next_payload", extra->offset,
				     extra->offset, "%zu %s payloads in %s, at most %u allowed", c, nm,
				     r->label, it->max);
			return false;
		}
	}
	return true;
}

/* Each payload the message needs: present often enough (in pairs where
 * it must); an informational one carries N or D. */
static bool rules_check_needed(const struct rules_msg *r, const struct wire_msg *m,
			       struct wire_err *err)
{
	char b[24];
	for (const struct rules_item *it = r->items; it->payload; it++) {
		size_t c = wire_count(m, it->payload);
		if (c < it->min || (it->even && c % 2)) {
			const char *nm = wire_payload_short(it->payload, b, sizeof(b));
			uint16_t notify = it->payload == WIRE_PL_HASH ? WIRE_N_INVALID_HASH_INFORMATION
								      : WIRE_N_PAYLOAD_MALFORMED;
			if (it->even && c % 2)
				wire_err_set(err, notify, nm, "next_payload", WIRE_NO_OFFSET, 16,
					     "%s has %zu %s payloads, needs 0 or 2", r->label, c, nm);
			else
				wire_err_set(err, notify, nm, "next_payload", WIRE_NO_OFFSET, 16,
					     "%s payload missing from %s (%zu, needs %u)", nm,
					     r->label, c, it->min);
			return false;
		}
	}
	if (r->need_n_or_d && !wire_count(m, WIRE_PL_N) && !wire_count(m, WIRE_PL_D)) {
		wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, "N", "next_payload", WIRE_NO_OFFSET, 16,
			     "%s carries neither a Notification nor a Delete payload", r->label);
		return false;
	}
	return true;
}

bool rules_check(const struct rules_msg *r, const struct wire_msg *m, struct wire_err *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
	return rules_check_header(r, m, err) && rules_check_allowed(r, m, err) &&
	       rules_check_needed(r, m, err);
}
