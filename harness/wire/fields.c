/* The payload tables: every ISAKMP payload described once, field by field
 * (RFC 2408 3.x, RFC 2407 4.6, RFC 3947, draft-ietf-ipsec-isakmp-mode-cfg). */
#include "wire/fields.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define N(m) ((uint16_t)offsetof(struct wire_node, m))
#define H(m) ((uint16_t)offsetof(struct wire_header, m))

/* The generic payload header starts every payload. */
#define GENERIC                                                              \
	{ "next_payload", "Next payload", 1, WK_NEXT, N(next_payload), PR_PAYLOAD }, \
	{ "reserved", "Reserved", 1, WK_RESERVED, N(reserved), PR_HEX },      \
	{ "length", "Payload length", 2, WK_LENGTH, N(length), PR_DEC }

#define FMT(t, nm, pa, lb, mn, arr, kid) \
	{ t, nm, pa, lb, mn, arr, sizeof(arr) / sizeof(arr[0]), kid }

static const struct wire_field f_header[] = {
	{ "icookie", "Initiator cookie", 8, WK_FIXED, H(icookie), PR_HEX },
	{ "rcookie", "Responder cookie", 8, WK_FIXED, H(rcookie), PR_HEX },
	{ "next_payload", "Next payload", 1, WK_NEXT, H(next_payload), PR_PAYLOAD },
	{ "version", "Version", 1, WK_UINT, H(version), PR_VERSION },
	{ "exchange", "Exchange type", 1, WK_UINT, H(exchange), NAMES_EXCHANGE },
	{ "flags", "Flags", 1, WK_UINT, H(flags), PR_FLAGS },
	{ "msgid", "Message ID", 4, WK_UINT, H(msgid), PR_HEX },
	{ "length", "Length", 4, WK_LENGTH, H(length), PR_DEC },
};
const struct wire_format wire_fmt_header =
	FMT(0, "header", "header", "ISAKMP header", WIRE_HDR_LEN, f_header, 0);

static const struct wire_field f_sa[] = {
	GENERIC,
	{ "doi", "Domain of interpretation", 4, WK_UINT, N(doi), NAMES_DOI },
	{ "situation", "Situation", 4, WK_UINT, N(situation), PR_SIT },
	{ "proposal", "Proposals", 0, WK_KIDS, 0, PR_DEC },
};
static const struct wire_field f_prop[] = {
	GENERIC,
	{ "number", "Proposal number", 1, WK_UINT, N(number), PR_DEC },
	{ "protocol", "Protocol ID", 1, WK_UINT, N(protocol), NAMES_PROTOCOL },
	{ "spi_size", "SPI size", 1, WK_SPI_SIZE, N(spi_size), PR_DEC },
	{ "count", "Number of transforms", 1, WK_COUNT, N(count), PR_DEC },
	{ "spi", "SPI", 0, WK_SPI, N(spi), PR_HEX },
	{ "transform", "Transforms", 0, WK_KIDS, 0, PR_DEC },
};
static const struct wire_field f_xform[] = {
	GENERIC,
	{ "number", "Transform number", 1, WK_UINT, N(number), PR_DEC },
	{ "id", "Transform ID", 1, WK_UINT, N(id), PR_XFORM },
	{ "reserved2", "Reserved", 2, WK_RESERVED, N(reserved2), PR_HEX },
	{ "attr", "Attributes", 0, WK_ATTRS, 0, PR_DEC },
};
static const struct wire_field f_data[] = {
	GENERIC,
	{ "data", "Data", 0, WK_DATA, N(data), PR_HEX },
};
static const struct wire_field f_ke[] = {
	GENERIC,
	{ "data", "Key exchange data", 0, WK_DATA, N(data), PR_HEX },
};
static const struct wire_field f_hash[] = {
	GENERIC,
	{ "data", "Hash data", 0, WK_DATA, N(data), PR_HEX },
};
static const struct wire_field f_sig[] = {
	GENERIC,
	{ "data", "Signature data", 0, WK_DATA, N(data), PR_HEX },
};
static const struct wire_field f_nonce[] = {
	GENERIC,
	{ "data", "Nonce data", 0, WK_DATA, N(data), PR_HEX },
};
static const struct wire_field f_vid[] = {
	GENERIC,
	{ "data", "Vendor ID", 0, WK_DATA, N(data), PR_HEX },
};
static const struct wire_field f_natd[] = {
	GENERIC,
	{ "data", "Hash of address and port", 0, WK_DATA, N(data), PR_HEX },
};
static const struct wire_field f_id[] = {
	GENERIC,
	{ "type", "ID type", 1, WK_UINT, N(subtype), NAMES_ID_TYPE },
	{ "protocol", "Protocol ID", 1, WK_UINT, N(protocol), PR_DEC },
	{ "port", "Port", 2, WK_UINT, N(port), PR_DEC },
	{ "data", "Identification data", 0, WK_DATA, N(data), PR_HEX },
};
static const struct wire_field f_cert[] = {
	GENERIC,
	{ "encoding", "Certificate encoding", 1, WK_UINT, N(subtype), NAMES_CERT_ENCODING },
	{ "data", "Certificate data", 0, WK_DATA, N(data), PR_HEX },
};
static const struct wire_field f_cr[] = {
	GENERIC,
	{ "type", "Certificate type", 1, WK_UINT, N(subtype), NAMES_CERT_ENCODING },
	{ "data", "Certificate authority", 0, WK_DATA, N(data), PR_HEX },
};
static const struct wire_field f_notify[] = {
	GENERIC,
	{ "doi", "Domain of interpretation", 4, WK_UINT, N(doi), NAMES_DOI },
	{ "protocol", "Protocol ID", 1, WK_UINT, N(protocol), NAMES_PROTOCOL },
	{ "spi_size", "SPI size", 1, WK_SPI_SIZE, N(spi_size), PR_DEC },
	{ "type", "Notify message type", 2, WK_UINT, N(subtype), NAMES_NOTIFY },
	{ "spi", "SPI", 0, WK_SPI, N(spi), PR_HEX },
	{ "data", "Notification data", 0, WK_DATA, N(data), PR_HEX },
};
static const struct wire_field f_delete[] = {
	GENERIC,
	{ "doi", "Domain of interpretation", 4, WK_UINT, N(doi), NAMES_DOI },
	{ "protocol", "Protocol ID", 1, WK_UINT, N(protocol), NAMES_PROTOCOL },
	{ "spi_size", "SPI size", 1, WK_SPI_SIZE, N(spi_size), PR_DEC },
	{ "count", "Number of SPIs", 2, WK_COUNT, N(count), PR_DEC },
	{ "spi", "SPIs", 0, WK_SPIS, N(spi), PR_HEX },
};
static const struct wire_field f_cfg[] = {
	GENERIC,
	{ "type", "Type", 1, WK_UINT, N(subtype), NAMES_CFG_TYPE },
	{ "reserved2", "Reserved", 1, WK_RESERVED, N(reserved2), PR_HEX },
	{ "identifier", "Identifier", 2, WK_UINT, N(port), PR_HEX },
	{ "attr", "Attributes", 0, WK_ATTRS, 0, PR_DEC },
};
static const struct wire_field f_natoa[] = {
	GENERIC,
	{ "type", "ID type", 1, WK_UINT, N(subtype), NAMES_ID_TYPE },
	{ "reserved2", "Reserved", 3, WK_RESERVED, N(reserved2), PR_HEX },
	{ "data", "Original address", 0, WK_DATA, N(data), PR_HEX },
};

static const struct wire_format wire_formats[] = {
	FMT(WIRE_PL_SA, "SA", "sa", "Security Association payload", 12, f_sa, WIRE_PL_P),
	FMT(WIRE_PL_P, "proposal", "proposal", "Proposal payload", 8, f_prop, WIRE_PL_T),
	FMT(WIRE_PL_T, "transform", "transform", "Transform payload", 8, f_xform, 0),
	FMT(WIRE_PL_KE, "KE", "ke", "Key Exchange payload", 4, f_ke, 0),
	FMT(WIRE_PL_ID, "ID", "id", "Identification payload", 8, f_id, 0),
	FMT(WIRE_PL_CERT, "CERT", "cert", "Certificate payload", 5, f_cert, 0),
	FMT(WIRE_PL_CR, "CR", "cr", "Certificate Request payload", 5, f_cr, 0),
	FMT(WIRE_PL_HASH, "HASH", "hash", "Hash payload", 4, f_hash, 0),
	FMT(WIRE_PL_SIG, "SIG", "sig", "Signature payload", 4, f_sig, 0),
	FMT(WIRE_PL_NONCE, "NONCE", "nonce", "Nonce payload", 4, f_nonce, 0),
	FMT(WIRE_PL_N, "N", "notification", "Notification payload", 12, f_notify, 0),
	FMT(WIRE_PL_D, "D", "delete", "Delete payload", 12, f_delete, 0),
	FMT(WIRE_PL_VID, "VID", "vid", "Vendor ID payload", 4, f_vid, 0),
	FMT(WIRE_PL_ATTR, "ATTR", "attr", "Attribute payload (Mode-Config)", 8, f_cfg, 0),
	FMT(WIRE_PL_NATD, "NAT-D", "natd", "NAT-D payload", 4, f_natd, 0),
	FMT(WIRE_PL_NATOA, "NAT-OA", "natoa", "NAT-OA payload", 8, f_natoa, 0),
	FMT(WIRE_PL_NATD_DRAFT, "NAT-D(draft)", "natd_draft", "NAT-D payload (draft)", 4, f_natd, 0),
	FMT(WIRE_PL_NATOA_DRAFT, "NAT-OA(draft)", "natoa_draft", "NAT-OA payload (draft)", 8, f_natoa, 0),
};

/* Unknown payload types: the body is kept intact as data. */
const struct wire_format wire_fmt_opaque =
	FMT(0, "unknown", "payload", "Unknown payload", 4, f_data, 0);

const struct wire_field wire_attr_fields[WIRE_AF_COUNT] = {
	{ "af", "Attribute format", 1, WK_UINT, 0, PR_DEC },
	{ "type", "Attribute type", 2, WK_UINT, 0, PR_DEC },
	{ "length", "Attribute length", 2, WK_LENGTH, 0, PR_DEC },
	{ "value", "Attribute value", 2, WK_UINT, 0, PR_DEC },
};

const struct wire_format *wire_format_get(uint8_t type, bool top)
{
	if (top && (type == WIRE_PL_P || type == WIRE_PL_T))
		return &wire_fmt_opaque; /* only valid inside an SA */
	for (size_t i = 0; i < sizeof(wire_formats) / sizeof(wire_formats[0]); i++)
		if (wire_formats[i].type == type)
			return &wire_formats[i];
	return &wire_fmt_opaque;
}

const struct wire_format *wire_node_format(const struct wire_node *n)
{
	return wire_format_get(n->type, !n->kid);
}

static const struct {
	const char *alias;
	uint8_t type;
} wire_aliases[] = {
	{ "n", WIRE_PL_N }, { "notify", WIRE_PL_N }, { "d", WIRE_PL_D },
	{ "modecfg", WIRE_PL_ATTR }, { "cfg", WIRE_PL_ATTR }, { "nat_d", WIRE_PL_NATD },
	{ "nat_oa", WIRE_PL_NATOA }, { "vendor_id", WIRE_PL_VID },
	{ "nat-d", WIRE_PL_NATD }, { "nat-oa", WIRE_PL_NATOA },
};

const struct wire_format *wire_format_by_path(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(wire_formats) / sizeof(wire_formats[0]); i++) {
		const char *p = wire_formats[i].path;
		if (wire_formats[i].type != WIRE_PL_P && wire_formats[i].type != WIRE_PL_T &&
		    strlen(p) == len && strncasecmp(p, name, len) == 0)
			return &wire_formats[i];
	}
	for (size_t i = 0; i < sizeof(wire_aliases) / sizeof(wire_aliases[0]); i++)
		if (strlen(wire_aliases[i].alias) == len &&
		    strncasecmp(wire_aliases[i].alias, name, len) == 0)
			return wire_format_get(wire_aliases[i].type, true);
	return NULL;
}

int wire_field_index(const struct wire_format *fmt, const char *name, size_t len)
{
	for (size_t i = 0; i < fmt->nf; i++)
		if (strlen(fmt->f[i].name) == len && strncmp(fmt->f[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/* The short name of a payload type is its format's; unknown types are
 * named by number. */
const char *wire_payload_short(uint8_t type, char *buf, size_t len)
{
	const struct wire_format *f = wire_format_get(type, type != WIRE_PL_P && type != WIRE_PL_T);
	if (f != &wire_fmt_opaque)
		return f->name;
	snprintf(buf, len, "type %u", type);
	return buf;
}
