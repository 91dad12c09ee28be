/* A `tshark -V` style tree of a message, every constant by name. */
#include <ctype.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "wire/arena.h"
#include "wire/fields.h"
#include "wire/id.h"
#include "wire/msg.h"
#include "wire/names.h"
#include "wire/walk.h"

#define WIRE_HEX_SHOW 32   /* bytes shown before truncating */

static void wire_ind(FILE *f, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("    ", f);
}

/* Hex of a data field: one line, truncated; or wrapped in full. */
static void wire_hex(FILE *f, int depth, const char *label, chunk_t d, unsigned flags,
		     const char *suffix)
{
	wire_ind(f, depth);
	fprintf(f, "%s (%zu bytes):", label, d.len);
	if (!(flags & WIRE_P_FULL_HEX) || d.len <= WIRE_HEX_SHOW) {
		size_t n = d.len > WIRE_HEX_SHOW && !(flags & WIRE_P_FULL_HEX) ? WIRE_HEX_SHOW : d.len;
		char *h = hex_string(d.ptr, n);
		fprintf(f, " %s%s%s\n", h, n < d.len ? "..." : "", suffix ? suffix : "");
		free(h);
		return;
	}
	fprintf(f, "%s\n", suffix ? suffix : "");
	for (size_t off = 0; off < d.len; off += WIRE_HEX_SHOW) {
		size_t n = d.len - off < WIRE_HEX_SHOW ? d.len - off : WIRE_HEX_SHOW;
		char *h = hex_string(d.ptr + off, n);
		wire_ind(f, depth + 1);
		fprintf(f, "%04zx: %s\n", off, h);
		free(h);
	}
}

/* Text if the bytes are printable (a trailing NUL allowed), else NULL. */
static bool wire_printable(chunk_t d)
{
	size_t n = d.len;
	while (n && d.ptr[n - 1] == 0)
		n--;
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isprint(d.ptr[i]))
			return false;
	return true;
}

static void wire_print_attrs(FILE *f, int depth, const struct wire_attr *a, size_t na,
			     int kind /* 1 phase 1, 0 IPsec, 2 Mode-Config */, unsigned flags)
{
	char nb[96], vb[96];
	for (size_t i = 0; i < na; i++) {
		const char *cls = kind == 2
			? names_fmt(NAMES_CFG_ATTR, a[i].type, nb, sizeof(nb))
			: names_get(kind ? NAMES_P1_ATTR : NAMES_IPSEC_ATTR, a[i].type);
		if (!cls)
			cls = names_fmt(kind ? NAMES_P1_ATTR : NAMES_IPSEC_ATTR, a[i].type, nb,
					sizeof(nb));
		uint32_t v;
		enum names_space vs = kind == 2 ? (a[i].type == 16520 ? NAMES_XAUTH_TYPE : NAMES_NONE)
				      : names_attr_values(kind == 1, a[i].type);
		if (wire_attr_value(&a[i], &v) && (a[i].tv || a[i].value.len)) {
			wire_ind(f, depth);
			fprintf(f, "%s: %s%s\n", cls,
				vs != NAMES_NONE ? names_fmt(vs, v, vb, sizeof(vb))
						 : (snprintf(vb, sizeof(vb), "%u", v), vb),
				a[i].tv ? "" : " (TLV)");
		} else if (wire_printable(a[i].value)) {
			wire_ind(f, depth);
			fprintf(f, "%s: \"%.*s\"\n", cls, (int)a[i].value.len,
				(const char *)a[i].value.ptr);
		} else {
			wire_hex(f, depth, cls, a[i].value, flags, NULL);
		}
	}
}

static void wire_print_cert(FILE *f, int depth, chunk_t d)
{
	const unsigned char *p = d.ptr;
	X509 *x = d2i_X509(NULL, &p, (long)d.len);
	if (!x)
		return;
	char *s = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);
	char *i = X509_NAME_oneline(X509_get_issuer_name(x), NULL, 0);
	wire_ind(f, depth);
	fprintf(f, "Subject: %s\n", s ? s : "?");
	wire_ind(f, depth);
	fprintf(f, "Issuer: %s\n", i ? i : "?");
	OPENSSL_free(s);
	OPENSSL_free(i);
	X509_free(x);
}

/* Notification data: DPD sequence numbers, the replay status, lifetime
 * attributes; else hex, and the text when it is printable. */
static void wire_print_notify_data(FILE *f, int depth, const struct wire_node *n,
				   const struct wire_field *fl, unsigned flags)
{
	if ((n->subtype == WIRE_N_R_U_THERE || n->subtype == WIRE_N_R_U_THERE_ACK) &&
	    n->data.len == 4) {
		wire_ind(f, depth);
		fprintf(f, "Sequence number: %u\n",
			(uint32_t)n->data.ptr[0] << 24 | n->data.ptr[1] << 16 |
			n->data.ptr[2] << 8 | n->data.ptr[3]);
		return;
	}
	if (n->subtype == WIRE_N_REPLAY_STATUS && n->data.len == 4) {
		uint32_t v = (uint32_t)n->data.ptr[0] << 24 | n->data.ptr[1] << 16 |
			     n->data.ptr[2] << 8 | n->data.ptr[3];
		wire_ind(f, depth);
		fprintf(f, "Replay detection: %s (%u)\n", v ? "enabled" : "disabled", v);
		return;
	}
	if (n->subtype == WIRE_N_RESPONDER_LIFETIME) {
		struct wire_msg *tmp = wire_msg_new();
		struct wire_node *s = wire_node_new(tmp, WIRE_PL_T);
		if (wire_walk_parse_attrs(tmp, s, n->data.ptr, n->data.len, 0, "N", 0, NULL)) {
			wire_ind(f, depth);
			fprintf(f, "Lifetime attributes:\n");
			wire_print_attrs(f, depth + 1, s->attrs, s->nattrs, n->protocol == 1,
					 flags);
			wire_msg_free(tmp);
			return;
		}
		wire_msg_free(tmp);
	}
	if (!n->data.len)
		return;
	wire_hex(f, depth, fl->label, n->data, flags, NULL);
	if (wire_printable(n->data)) {
		wire_ind(f, depth + 1);
		fputs("Text: \"", f);
		for (size_t i = 0; i < n->data.len; i++)
			if (isprint(n->data.ptr[i]))
				fputc(n->data.ptr[i], f);
			else
				fprintf(f, "\\%03o", n->data.ptr[i]);
		fputs("\"\n", f);
	}
}

/* The rest-of-payload data, by payload type. */
static void wire_print_data(FILE *f, int depth, const struct wire_node *n,
			    const struct wire_field *fl, unsigned flags)
{
	char buf[512];
	switch (n->type) {
	case WIRE_PL_ID:
		wire_ind(f, depth);
		fprintf(f, "%s\n", wire_id_str((uint8_t)n->subtype, n->data, buf, sizeof(buf)));
		return;
	case WIRE_PL_NATOA: case WIRE_PL_NATOA_DRAFT:
		wire_ind(f, depth);
		fprintf(f, "Original %s\n", wire_id_str((uint8_t)n->subtype, n->data, buf, sizeof(buf)));
		return;
	case WIRE_PL_VID: {
		const char *v = names_vendor_id(n->data.ptr, n->data.len);
		char sfx[96] = "";
		if (v)
			snprintf(sfx, sizeof(sfx), " (%s)", v);
		wire_hex(f, depth, fl->label, n->data, flags | WIRE_P_FULL_HEX, sfx);
		return;
	}
	case WIRE_PL_N:
		wire_print_notify_data(f, depth, n, fl, flags);
		return;
	case WIRE_PL_CERT:
		wire_hex(f, depth, fl->label, n->data, flags, NULL);
		if (n->subtype == 4 || n->subtype == 5)
			wire_print_cert(f, depth + 1, n->data);
		return;
	case WIRE_PL_CR:
		if (!n->data.len) {
			wire_ind(f, depth);
			fprintf(f, "%s: any\n", fl->label);
			return;
		}
		if (!wire_id_check(9, n->data)) {
			wire_ind(f, depth);
			fprintf(f, "%s: %s\n", fl->label, wire_id_str(9, n->data, buf, sizeof(buf)) +
				strlen("Distinguished name: "));
			return;
		}
		break;
	default:
		break;
	}
	wire_hex(f, depth, fl->label, n->data, flags, NULL);
}

static void wire_print_num(FILE *f, int depth, const struct wire_field *fl, uint32_t v,
			   int pr_override)
{
	char b[128];
	int pr = pr_override ? pr_override : fl->pr;
	wire_ind(f, depth);
	fprintf(f, "%s: ", fl->label);
	switch (pr) {
	case PR_DEC: fprintf(f, "%u\n", v); break;
	case PR_HEX: fprintf(f, "0x%0*x\n", fl->width * 2, v); break;
	case PR_VERSION: fprintf(f, "%u.%u (0x%02x)\n", v >> 4, v & 15, v); break;
	case PR_FLAGS: fprintf(f, "%s\n", names_bits(NAMES_FLAGS, v, b, sizeof(b))); break;
	case PR_SIT: fprintf(f, "%s\n", names_bits(NAMES_SITUATION, v, b, sizeof(b))); break;
	default: fprintf(f, "%s\n", names_fmt((enum names_space)pr, v, b, sizeof(b))); break;
	}
}

static void wire_print_node(FILE *f, int depth, const struct wire_node *n, uint8_t next,
			    uint8_t protocol, unsigned flags)
{
	const struct wire_format *fmt = wire_node_format(n);
	struct writer w;
	writer_init(&w);
	wire_walk_build_node(&w, n, next);
	size_t blen = w.len;
	writer_free(&w);
	wire_ind(f, depth);
	if (fmt == &wire_fmt_opaque) {
		char b[64];
		fprintf(f, "Payload %s, offset %zu, length %zu\n",
			names_fmt(NAMES_PAYLOAD, n->type, b, sizeof(b)), n->offset, blen);
	} else if (n->kid) {
		fprintf(f, "%s #%u, offset %zu, length %zu\n", fmt->label, n->number, n->offset,
			blen);
	} else {
		fprintf(f, "%s, offset %zu, length %zu\n", fmt->label, n->offset, blen);
	}
	for (size_t i = 0; i < fmt->nf; i++) {
		const struct wire_field *fl = &fmt->f[i];
		switch (fl->kind) {
		case WK_LENGTH: {
			uint32_t v;
			wire_print_num(f, depth + 1, fl,
				       wire_ov_get(&n->ov, (unsigned)i, &v) ? v : (uint32_t)blen, 0);
			break;
		}
		case WK_UINT: case WK_RESERVED: case WK_NEXT: case WK_SPI_SIZE: case WK_COUNT:
			wire_print_num(f, depth + 1, fl, wire_node_field(n, (unsigned)i, next),
				       fl->pr == PR_XFORM ? (int)names_transform_space(protocol)
							  : 0);
			break;
		case WK_SPI: case WK_SPIS:
			if (n->spi.len) {
				if (n->type == WIRE_PL_D && n->spi_size) {
					for (size_t s = 0; s + n->spi_size <= n->spi.len; s += n->spi_size)
						wire_hex(f, depth + 1, "SPI",
							 CHUNK_FROM(n->spi.ptr + s, n->spi_size), flags, NULL);
				} else {
					wire_hex(f, depth + 1, fl->label, n->spi, flags, NULL);
				}
			}
			break;
		case WK_DATA:
			wire_print_data(f, depth + 1, n, fl, flags);
			break;
		case WK_ATTRS:
			wire_print_attrs(f, depth + 1, n->attrs, n->nattrs,
					 n->type == WIRE_PL_ATTR ? 2 : protocol == 1, flags);
			break;
		case WK_KIDS:
			for (size_t k = 0; k < n->nkids; k++)
				wire_print_node(f, depth + 1, n->kids[k],
						k + 1 < n->nkids ? n->kids[k + 1]->type : 0,
						n->type == WIRE_PL_P ? (uint8_t)n->protocol
								     : (uint8_t)n->kids[k]->protocol,
						flags);
			break;
		default:
			break;
		}
	}
}

void wire_print(FILE *f, const struct wire_msg *m, unsigned flags)
{
	const struct wire_header *h = &m->hdr;
	chunk_t built = m->datagram.len ? m->datagram : CHUNK_EMPTY;
	chunk_t tmp = CHUNK_EMPTY;
	if (!built.len)
		built = tmp = wire_build(m);
	fprintf(f, "ISAKMP header, offset 0, length %u\n",
		built.len >= WIRE_HDR_LEN ? (uint32_t)built.ptr[24] << 24 | built.ptr[25] << 16 |
		built.ptr[26] << 8 | built.ptr[27] : 0);
	for (size_t i = 0; i < wire_fmt_header.nf; i++) {
		const struct wire_field *fl = &wire_fmt_header.f[i];
		if (fl->kind == WK_FIXED) {
			char *x = hex_string((const uint8_t *)h + fl->off, fl->width);
			wire_ind(f, 1);
			fprintf(f, "%s: %s\n", fl->label, x);
			free(x);
			continue;
		}
		size_t off = 16;
		for (size_t k = 2; k < i; k++)
			off += wire_fmt_header.f[k].width;
		uint32_t v = 0;
		for (size_t b = 0; b < fl->width && off + b < built.len; b++)
			v = v << 8 | built.ptr[off + b];
		wire_print_num(f, 1, fl, v, 0);
	}
	chunk_free(&tmp);
	if (m->encrypted && m->npl == 0) {
		wire_hex(f, 0, "Encrypted payloads", m->ciphertext, flags, NULL);
		return;
	}
	for (size_t i = 0; i < m->npl; i++)
		wire_print_node(f, 0, m->pl[i], i + 1 < m->npl ? m->pl[i + 1]->type : 0, 0, flags);
	if (m->trailing.len)
		wire_hex(f, 0, m->encrypted ? "Padding" : "Trailing bytes after the last payload",
			 m->trailing, flags, NULL);
	if (m->extra.len)
		wire_hex(f, 0, "Bytes past the header length", m->extra, flags, NULL);
}
