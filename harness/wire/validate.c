/* What a responder checks after parsing (RFC 2408 5.1-5.15), each failure
 * mapped to the notify it would send. */
#include <string.h>

#include "wire/err.h"
#include "wire/fields.h"
#include "wire/id.h"
#include "wire/msg.h"
#include "wire/names.h"
#include "wire/walk.h"

static bool wire_v_exchange_ok(uint32_t x)
{
	return (x >= WIRE_X_BASE && x <= WIRE_X_TRANSACTION) || x == WIRE_X_QUICK ||
	       x == WIRE_X_NEW_GROUP;
}

static bool wire_v_attrs(const struct wire_node *n, chunk_t data, size_t base,
			 const char *name, struct wire_err *err)
{
	/* RESPONDER-LIFETIME data is attributes: walk them on a scratch node */
	struct wire_msg *tmp = wire_msg_new();
	struct wire_node *scratch = wire_node_new(tmp, WIRE_PL_T);
	bool ok = wire_walk_parse_attrs(tmp, scratch, data.ptr, data.len, base, name,
					n->offset, err);
	wire_msg_free(tmp);
	return ok;
}

static bool wire_v_proposals(const struct wire_node *sa, struct wire_err *err)
{
	if (sa->nkids == 0) {
		wire_err_set(err, WIRE_N_BAD_PROPOSAL_SYNTAX, "SA", "proposal", sa->offset,
			     sa->offset + 12, "no proposal");
		return false;
	}
	uint32_t prev = 0;
	for (size_t i = 0; i < sa->nkids; i++) {
		const struct wire_node *p = sa->kids[i];
		if (p->number < prev) {
			wire_err_set(err, WIRE_N_BAD_PROPOSAL_SYNTAX, "proposal", "number", p->offset,
				     p->offset + 4, "proposal number %u follows %u (must not decrease)",
				     p->number, prev);
			return false;
		}
		prev = p->number;
		if (p->protocol < 1 || p->protocol > 4) {
			wire_err_set(err, WIRE_N_INVALID_PROTOCOL_ID, "proposal", "protocol",
				     p->offset, p->offset + 5, "protocol ID %u is unknown", p->protocol);
			return false;
		}
		bool spi_ok = p->protocol == 1 ? (p->spi_size == 0 || p->spi_size == 16)
			      : p->protocol == 4 ? (p->spi_size == 2 || p->spi_size == 4)
			      : p->spi_size == 4;
		if (!spi_ok) {
			wire_err_set(err, WIRE_N_INVALID_SPI, "proposal", "spi_size", p->offset,
				     p->offset + 6, "SPI size %u is wrong for protocol %u",
				     p->spi_size, p->protocol);
			return false;
		}
		if (p->nkids == 0) {
			wire_err_set(err, WIRE_N_BAD_PROPOSAL_SYNTAX, "proposal", "count", p->offset,
				     p->offset + 7, "proposal #%u has no transform", p->number);
			return false;
		}
		for (size_t t = 0; t < p->nkids; t++) {
			const struct wire_node *x = p->kids[t];
			if ((p->protocol == 1 && x->id != 1) || x->id == 0) {
				wire_err_set(err, WIRE_N_INVALID_TRANSFORM_ID, "transform", "id",
					     x->offset, x->offset + 5,
					     "transform ID %u is not valid for protocol %u", x->id,
					     p->protocol);
				return false;
			}
		}
	}
	return true;
}

static bool wire_v_reserved(const struct wire_node *n, struct wire_err *err)
{
	const struct wire_format *fmt = wire_node_format(n);
	size_t off = 0;
	for (size_t i = 0; i < fmt->nf && fmt->f[i].width; i++) {
		const struct wire_field *f = &fmt->f[i];
		if (f->kind == WK_RESERVED && *(const uint32_t *)((const uint8_t *)n + f->off)) {
			wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, fmt->name, f->name, n->offset,
				     n->offset + off, "%s is 0x%x, must be zero", f->name,
				     *(const uint32_t *)((const uint8_t *)n + f->off));
			return false;
		}
		if (f->kind == WK_SPI)
			break; /* variable fields follow */
		off += f->width;
	}
	for (size_t k = 0; k < n->nkids; k++)
		if (!wire_v_reserved(n->kids[k], err))
			return false;
	return true;
}

/* SA: the IPSEC DOI, identity-only situation, then the proposals. */
static bool wire_v_sa(const struct wire_node *n, const char *name, struct wire_err *err)
{
	size_t o = n->offset;
	if (n->doi != 1) {
		wire_err_set(err, WIRE_N_DOI_NOT_SUPPORTED, name, "doi", o, o + 4,
			     "DOI %u is not supported (IPSEC is 1)", n->doi);
		return false;
	}
	if (n->situation != 1) {
		wire_err_set(err, WIRE_N_SITUATION_NOT_SUPPORTED, name, "situation", o, o + 8,
			     "situation 0x%x is not supported (only SIT_IDENTITY_ONLY)",
			     n->situation);
		return false;
	}
	return wire_v_proposals(n, err);
}

/* ID: the data must fit the ID type (strictly with WIRE_V_ID_STRICT); an
 * unknown type blames the type. */
static bool wire_v_id(const struct wire_node *n, const char *name, bool strict,
		      struct wire_err *err)
{
	size_t o = n->offset;
	const char *why = wire_id_check_as((uint8_t)n->subtype, n->data, strict);
	if (why) {
		bool type_bad = strncmp(why, "unknown", 7) == 0;
		wire_err_set(err, WIRE_N_INVALID_ID_INFORMATION, name,
			     type_bad ? "type" : "data", o, o + (type_bad ? 4 : 8), "%s: %s",
			     type_bad ? "type" : "data", why);
		return false;
	}
	return true;
}

/* Notification: DOI, protocol, the fixed data sizes of the status types
 * that have one, the attributes of RESPONDER-LIFETIME. */
static bool wire_v_notify(const struct wire_node *n, const char *name, struct wire_err *err)
{
	size_t o = n->offset;
	if (n->doi > 1) {
		wire_err_set(err, WIRE_N_DOI_NOT_SUPPORTED, name, "doi", o, o + 4,
			     "DOI %u is not supported", n->doi);
		return false;
	}
	if (n->protocol > 4) {
		wire_err_set(err, WIRE_N_INVALID_PROTOCOL_ID, name, "protocol", o, o + 8,
			     "protocol ID %u is unknown", n->protocol);
		return false;
	}
	if ((n->subtype == WIRE_N_REPLAY_STATUS || n->subtype == WIRE_N_R_U_THERE ||
	     n->subtype == WIRE_N_R_U_THERE_ACK) && n->data.len != 4) {
		wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, name, "data", o,
			     o + 12 + n->spi.len, "%s data must be 4 bytes, got %zu",
			     names_get(NAMES_NOTIFY, n->subtype), n->data.len);
		return false;
	}
	if (n->subtype == WIRE_N_RESPONDER_LIFETIME)
		return wire_v_attrs(n, n->data, o + 12 + n->spi.len, name, err);
	return true;
}

/* Delete: DOI, protocol, the SPI size of that protocol, at least one SPI. */
static bool wire_v_delete(const struct wire_node *n, const char *name, struct wire_err *err)
{
	size_t o = n->offset;
	bool ok = n->protocol == 1 ? n->spi_size == 16
		  : n->protocol == 4 ? n->spi_size == 2 : n->spi_size == 4;
	if (n->doi != 1) {
		wire_err_set(err, WIRE_N_DOI_NOT_SUPPORTED, name, "doi", o, o + 4,
			     "DOI %u is not supported", n->doi);
		return false;
	}
	if (n->protocol < 1 || n->protocol > 4) {
		wire_err_set(err, WIRE_N_INVALID_PROTOCOL_ID, name, "protocol", o, o + 8,
			     "protocol ID %u is unknown", n->protocol);
		return false;
	}
	if (!ok) {
		wire_err_set(err, WIRE_N_INVALID_SPI, name, "spi_size", o, o + 9,
			     "SPI size %u is wrong for protocol %u", n->spi_size, n->protocol);
		return false;
	}
	if (n->count == 0) {
		wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, name, "count", o, o + 10,
			     "no SPI to delete");
		return false;
	}
	return true;
}

/* NAT-OA (RFC 3947 5.2): an IPv4 or IPv6 address, nothing else. */
static bool wire_v_natoa(const struct wire_node *n, const char *name, struct wire_err *err)
{
	size_t o = n->offset;
	if (n->subtype != 1 && n->subtype != 5) {
		wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, name, "type", o, o + 4,
			     "ID type %u, must be ID_IPV4_ADDR or ID_IPV6_ADDR", n->subtype);
		return false;
	}
	if (n->data.len != (n->subtype == 1 ? 4u : 16u)) {
		wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, name, "data", o, o + 8,
			     "ID type %u with a %zu-byte address", n->subtype, n->data.len);
		return false;
	}
	return true;
}

/* One payload's body checks, by type; the longer ones have their own. */
static bool wire_v_payload(const struct wire_node *n, unsigned flags, struct wire_err *err)
{
	char b[24];
	const char *name = wire_payload_short(n->type, b, sizeof(b));
	size_t o = n->offset;
	switch (n->type) {
	case WIRE_PL_SA:
		return wire_v_sa(n, name, err);
	case WIRE_PL_KE:
		if (!n->data.len) {
			wire_err_set(err, WIRE_N_INVALID_KEY_INFORMATION, name, "data", o, o + 4,
				     "no key exchange data");
			return false;
		}
		return true;
	case WIRE_PL_ID:
		return wire_v_id(n, name, flags & WIRE_V_ID_STRICT, err);
	case WIRE_PL_CERT:
		if (n->subtype < 1 || (n->subtype > 10 && n->subtype < 201)) {
			wire_err_set(err, WIRE_N_INVALID_CERT_ENCODING, name, "encoding", o, o + 4,
				     "certificate encoding %u is unknown", n->subtype);
			return false;
		}
		return true;
	case WIRE_PL_CR:
		if (n->subtype < 1 || (n->subtype > 10 && n->subtype < 201)) {
			wire_err_set(err, WIRE_N_CERT_TYPE_UNSUPPORTED, name, "type", o, o + 4,
				     "certificate type %u is unknown", n->subtype);
			return false;
		}
		return true;
	case WIRE_PL_HASH:
		if (!n->data.len) {
			wire_err_set(err, WIRE_N_INVALID_HASH_INFORMATION, name, "data", o, o + 4,
				     "empty hash");
			return false;
		}
		return true;
	case WIRE_PL_SIG:
		if (!n->data.len) {
			wire_err_set(err, WIRE_N_INVALID_SIGNATURE, name, "data", o, o + 4,
				     "empty signature");
			return false;
		}
		return true;
	case WIRE_PL_NONCE:
		/* RFC 2409 5: nonces are 8 to 256 bytes */
		if (n->data.len < 8 || n->data.len > 256) {
			wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, name, "data", o, o + 4,
				     "nonce of %zu bytes, must be 8 to 256", n->data.len);
			return false;
		}
		return true;
	case WIRE_PL_N:
		return wire_v_notify(n, name, err);
	case WIRE_PL_D:
		return wire_v_delete(n, name, err);
	case WIRE_PL_NATOA: case WIRE_PL_NATOA_DRAFT:
		return wire_v_natoa(n, name, err);
	case WIRE_PL_NATD: case WIRE_PL_NATD_DRAFT:
		if (!n->data.len) {
			wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, name, "data", o, o + 4, "empty hash");
			return false;
		}
		return true;
	default:
		return true;
	}
}

bool wire_validate(const struct wire_msg *m, unsigned flags, struct wire_err *err)
{
	const struct wire_header *h = &m->hdr;
	if (err)
		memset(err, 0, sizeof(*err));
	/* RFC 2408 5.1 order: next payload, versions, exchange, flags */
	if (m->encrypted && m->npl == 0 &&
	    wire_format_get((uint8_t)h->next_payload, true) == &wire_fmt_opaque &&
	    h->next_payload != WIRE_PL_NONE) {
		wire_err_set(err, WIRE_N_INVALID_PAYLOAD_TYPE, "header", "next_payload", 0, 16,
			     "next payload %u is not a known payload type", h->next_payload);
		return false;
	}
	for (size_t i = 0; i < m->npl; i++) {
		const struct wire_node *n = m->pl[i];
		if (wire_format_get(n->type, true) == &wire_fmt_opaque) {
			char b[24];
			size_t at = i ? m->pl[i - 1]->offset : 16;
			wire_err_set(err, WIRE_N_INVALID_PAYLOAD_TYPE, i ? wire_payload_short(
					     m->pl[i - 1]->type, b, sizeof(b)) : "header",
				     "next_payload", i ? m->pl[i - 1]->offset : 0, at,
				     "next payload %u at offset %zu is not a known payload type",
				     n->type, n->offset);
			return false;
		}
	}
	if ((h->version >> 4) != 1) {
		wire_err_set(err, WIRE_N_INVALID_MAJOR_VERSION, "header", "version", 0, 17,
			     "major version %u", h->version >> 4);
		return false;
	}
	if ((flags & WIRE_V_STRICT) && (h->version & 15) != 0) {
		wire_err_set(err, WIRE_N_INVALID_MINOR_VERSION, "header", "version", 0, 17,
			     "minor version %u", h->version & 15);
		return false;
	}
	if (!wire_v_exchange_ok(h->exchange)) {
		wire_err_set(err, WIRE_N_INVALID_EXCHANGE_TYPE, "header", "exchange", 0, 18,
			     "exchange type %u is not supported", h->exchange);
		return false;
	}
	if (h->flags & ~7u) {
		wire_err_set(err, WIRE_N_INVALID_FLAGS, "header", "flags", 0, 19,
			     "unknown flag bits 0x%02x", h->flags & ~7u);
		return false;
	}
	if (m->extra.len) {
		wire_err_set(err, WIRE_N_UNEQUAL_PAYLOAD_LENGTHS, "header", "length", 0, 24,
			     "length %u but the datagram has %zu bytes", h->length,
			     (size_t)h->length + m->extra.len);
		return false;
	}
	if (!(h->flags & WIRE_F_ENC) && m->trailing.len) {
		size_t at = h->length - m->trailing.len;
		wire_err_set(err, WIRE_N_UNEQUAL_PAYLOAD_LENGTHS, "header", "length", 0, at,
			     "%zu bytes after the last payload (offset %zu) within length %u",
			     m->trailing.len, at, h->length);
		return false;
	}
	for (size_t i = 0; i < m->npl; i++) {
		if ((flags & (WIRE_V_STRICT | WIRE_V_RESERVED)) && !wire_v_reserved(m->pl[i], err))
			return false;
		if (!wire_v_payload(m->pl[i], flags, err))
			return false;
	}
	return true;
}
