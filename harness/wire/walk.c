/* The one walker: parses and builds every payload from its field table. */
#include "wire/walk.h"

#include <string.h>

#include "wire/arena.h"
#include "wire/err.h"
#include "wire/fields.h"

static uint32_t *wire_u32(const void *obj, const struct wire_field *f)
{
	return (uint32_t *)((uint8_t *)obj + f->off);
}

static chunk_t *wire_chunk(const void *obj, const struct wire_field *f)
{
	return (chunk_t *)((uint8_t *)obj + f->off);
}

static uint32_t wire_get_be(const uint8_t *p, size_t w)
{
	uint32_t v = 0;
	for (size_t i = 0; i < w; i++)
		v = v << 8 | p[i];
	return v;
}

static void wire_put_be(struct writer *w, uint32_t v, size_t width)
{
	for (size_t i = width; i-- > 0;)
		writer_u8(w, (uint8_t)(v >> (8 * i)));
}

bool wire_walk_parse_attrs(struct wire_msg *m, struct wire_node *n,
			   const uint8_t *p, size_t len, size_t base,
			   const char *owner, size_t owner_off, struct wire_err *err)
{
	struct reader r = reader_init(p, len);
	while (reader_left(&r) > 0) {
		size_t aoff = base + r.off;
		uint16_t word, v;
		if (reader_left(&r) < 4) {
			wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, owner, "attr", owner_off, aoff,
				     "attribute at offset %zu: %zu bytes left, an attribute needs 4",
				     aoff, reader_left(&r));
			return false;
		}
		reader_u16(&r, &word);
		reader_u16(&r, &v);
		struct wire_attr *a;
		if (word & 0x8000) {
			a = wire_attr_tv(m, n, word & 0x7fff, v);
		} else {
			const uint8_t *val;
			if (!reader_bytes(&r, v, &val)) {
				wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, owner, "attr.length",
					     owner_off, aoff + 2,
					     "attribute at offset %zu (type %u): TLV length %u runs past the end of the %s (%zu bytes left)",
					     aoff, word & 0x7fff, v, owner, reader_left(&r));
				return false;
			}
			/* borrowed from the datagram copy in the arena */
			a = wire_attr_tlv(m, n, word & 0x7fff, NULL, 0);
			a->value = CHUNK_FROM(val, v);
		}
		a->offset = aoff;
	}
	return true;
}

static bool wire_parse_kids(struct wire_msg *m, const struct wire_format *fmt,
			    struct wire_node *n, struct reader *r, size_t base,
			    struct wire_err *err)
{
	const struct wire_format *kf = wire_format_get(fmt->kid_type, false);
	const char *kname = kf->name;
	char container[40];
	snprintf(container, sizeof(container), "%s payload", fmt->name);
	struct wire_node *last = NULL;
	while (reader_left(r) > 0) {
		size_t koff = base + r->off;
		struct wire_node *k = wire_add_kid(m, n, fmt->kid_type);
		if (!wire_walk_parse_node(m, kf, k, r->p + r->off, reader_left(r), koff,
					  container, err))
			return false;
		reader_skip(r, k->length);
		last = k;
		if (k->next_payload == 0)
			break;
		if (k->next_payload != fmt->kid_type) {
			wire_err_set(err, WIRE_N_BAD_PROPOSAL_SYNTAX, kname, "next_payload", koff, koff,
				     "next payload %u inside %s %s, expected 0 or %u",
				     k->next_payload, fmt->name,
				     fmt->type == WIRE_PL_SA ? "payload" : "", fmt->kid_type);
			return false;
		}
	}
	if (last && last->next_payload != 0) {
		wire_err_set(err, WIRE_N_BAD_PROPOSAL_SYNTAX, kname, "next_payload",
			     last->offset, last->offset,
			     "%s #%u announces another %s (next payload %u) but the %s ends",
			     kname, last->number, kname, last->next_payload, container);
		return false;
	}
	if (reader_left(r) > 0) {
		wire_err_set(err, WIRE_N_BAD_PROPOSAL_SYNTAX, kname, "next_payload",
			     last->offset, last->offset,
			     "%zu bytes follow the last %s (next payload 0) inside the %s",
			     reader_left(r), kname, container);
		return false;
	}
	return true;
}

/* The generic header's length: at least the format's minimum, within
 * what the container has left. */
static bool wire_walk_check_length(const struct wire_format *fmt, const char *name,
				   const uint8_t *p, size_t avail, size_t base,
				   const char *container, struct wire_err *err)
{
	if (avail < WIRE_GEN_LEN) {
		wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, name, "length", base, base,
			     "only %zu bytes left in the %s, a payload needs its 4-byte generic header",
			     avail, container);
		return false;
	}
	uint16_t len = (uint16_t)(p[2] << 8 | p[3]);
	if (len < WIRE_GEN_LEN || len < fmt->min) {
		wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, name, "length", base, base + 2,
			     "length %u is shorter than the %zu bytes a %s payload needs",
			     len, fmt->min < WIRE_GEN_LEN ? (size_t)WIRE_GEN_LEN : fmt->min, name);
		return false;
	}
	if (len > avail) {
		wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, name, "length", base, base + 2,
			     "length %u runs past the end of the %s (%zu bytes left)",
			     len, container, avail);
		return false;
	}
	return true;
}

/* One field of a payload from the reader, by its kind. */
static bool wire_walk_parse_field(struct wire_msg *m, const struct wire_format *fmt,
				  const struct wire_field *f, struct wire_node *n,
				  struct reader *r, const char *name, size_t base,
				  struct wire_err *err)
{
	size_t foff = base + r->off;
	const uint8_t *b;
	switch (f->kind) {
	case WK_UINT: case WK_RESERVED: case WK_NEXT: case WK_LENGTH:
	case WK_SPI_SIZE: case WK_COUNT:
		if (!reader_bytes(r, f->width, &b)) {
			wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, name, f->name, base, foff,
				     "%s needs %u bytes, %zu left", f->name, f->width,
				     reader_left(r));
			return false;
		}
		*wire_u32(n, f) = wire_get_be(b, f->width);
		return true;
	case WK_FIXED:
		return false; /* only in the header */
	case WK_SPI:
		if (!reader_bytes(r, n->spi_size, &b)) {
			wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, name, "spi_size", base,
				     foff - (fmt->type == WIRE_PL_N ? 3 : 2),
				     "SPI size %u runs past the end of the payload (%zu bytes left)",
				     n->spi_size, reader_left(r));
			return false;
		}
		*wire_chunk(n, f) = CHUNK_FROM(b, n->spi_size);
		return true;
	case WK_SPIS: {
		size_t need = (size_t)n->count * n->spi_size;
		if (need != reader_left(r)) {
			wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, name, "count", base, foff - 2,
				     "%u SPIs of %u bytes need %zu bytes, the payload has %zu",
				     n->count, n->spi_size, need, reader_left(r));
			return false;
		}
		reader_bytes(r, need, &b);
		*wire_chunk(n, f) = CHUNK_FROM(b, need);
		return true;
	}
	case WK_DATA: {
		size_t left = reader_left(r);
		reader_bytes(r, left, &b);
		*wire_chunk(n, f) = CHUNK_FROM(b, left);
		return true;
	}
	case WK_ATTRS: {
		size_t left = reader_left(r);
		if (!wire_walk_parse_attrs(m, n, r->p + r->off, left, foff, name, base, err))
			return false;
		reader_skip(r, left);
		return true;
	}
	case WK_KIDS:
		return wire_parse_kids(m, fmt, n, r, base, err);
	}
	return true;
}

/* A payload: its length, each field of its format, then the proposal's
 * transform count against the transforms that followed. */
bool wire_walk_parse_node(struct wire_msg *m, const struct wire_format *fmt,
			  struct wire_node *n, const uint8_t *p, size_t avail,
			  size_t base, const char *container, struct wire_err *err)
{
	char tname[24];
	const char *name = fmt->name;
	if (fmt == &wire_fmt_opaque)
		name = wire_payload_short(n->type, tname, sizeof(tname));
	n->offset = base;
	if (!wire_walk_check_length(fmt, name, p, avail, base, container, err))
		return false;
	uint16_t len = (uint16_t)(p[2] << 8 | p[3]);
	n->raw = CHUNK_FROM(p, len);
	struct reader r = reader_init(p, len);
	for (size_t i = 0; i < fmt->nf; i++)
		if (!wire_walk_parse_field(m, fmt, &fmt->f[i], n, &r, name, base, err))
			return false;
	if (fmt->type == WIRE_PL_P && n->count != n->nkids) {
		wire_err_set(err, WIRE_N_BAD_PROPOSAL_SYNTAX, name, "count", base, base + 7,
			     "proposal #%u says %u transforms but %zu follow",
			     n->number, n->count, n->nkids);
		return false;
	}
	return true;
}

uint32_t wire_walk_value(const struct wire_format *fmt, unsigned idx,
			 const void *obj, const struct wire_ovs *ov, uint32_t computed)
{
	uint32_t v;
	if (wire_ov_get(ov, idx, &v))
		return v;
	switch (fmt->f[idx].kind) {
	case WK_NEXT: case WK_LENGTH: case WK_SPI_SIZE: case WK_COUNT:
		return computed;
	default:
		return *wire_u32(obj, &fmt->f[idx]);
	}
}

/* Computed value of a node's small fields (length excluded). */
uint32_t wire_node_field(const struct wire_node *n, unsigned idx, uint8_t next)
{
	const struct wire_format *fmt = wire_node_format(n);
	const struct wire_field *f = &fmt->f[idx];
	uint32_t c = 0;
	switch (f->kind) {
	case WK_NEXT:
		c = next;
		break;
	case WK_SPI_SIZE:
		c = n->type == WIRE_PL_D ? n->spi_size : (uint32_t)n->spi.len;
		break;
	case WK_COUNT:
		if (n->type == WIRE_PL_P)
			c = (uint32_t)n->nkids;
		else
			/* with SPI size 0 any count is consistent: keep it */
			c = n->spi_size ? (uint32_t)(n->spi.len / n->spi_size) : n->count;
		break;
	case WK_LENGTH:
		c = n->length;
		break;
	default:
		break;
	}
	return wire_walk_value(fmt, idx, n, &n->ov, c);
}

void wire_walk_build_attrs(struct writer *w, const struct wire_attr *attrs, size_t na)
{
	for (size_t i = 0; i < na; i++) {
		const struct wire_attr *a = &attrs[i];
		uint32_t af, type, v;
		af = wire_ov_get(&a->ov, WIRE_AF_AF, &v) ? v : a->tv;
		type = wire_ov_get(&a->ov, WIRE_AF_TYPE, &v) ? v : a->type;
		writer_u16(w, (uint16_t)((af ? 0x8000 : 0) | (type & 0x7fff)));
		if (a->tv) {
			writer_u16(w, (uint16_t)(wire_ov_get(&a->ov, WIRE_AF_VALUE, &v) ? v
						 : a->tv_value));
		} else {
			writer_u16(w, (uint16_t)(wire_ov_get(&a->ov, WIRE_AF_LENGTH, &v) ? v
						 : a->value.len));
			writer_bytes(w, a->value.ptr, a->value.len);
		}
	}
}

void wire_walk_build_node(struct writer *w, const struct wire_node *n, uint8_t next)
{
	const struct wire_format *fmt = wire_node_format(n);
	size_t start = w->len, len_at = 0, len_w = 0;
	int len_idx = -1;
	for (size_t i = 0; i < fmt->nf; i++) {
		const struct wire_field *f = &fmt->f[i];
		switch (f->kind) {
		case WK_LENGTH:
			len_at = w->len;
			len_w = f->width;
			len_idx = (int)i;
			wire_put_be(w, 0, f->width);
			break;
		case WK_UINT: case WK_RESERVED: case WK_NEXT: case WK_SPI_SIZE: case WK_COUNT:
			wire_put_be(w, wire_node_field(n, (unsigned)i, next), f->width);
			break;
		case WK_FIXED:
			break;
		case WK_SPI: case WK_SPIS: case WK_DATA: {
			const chunk_t *c = wire_chunk(n, f);
			writer_bytes(w, c->ptr, c->len);
			break;
		}
		case WK_ATTRS:
			wire_walk_build_attrs(w, n->attrs, n->nattrs);
			break;
		case WK_KIDS:
			for (size_t k = 0; k < n->nkids; k++)
				wire_walk_build_node(w, n->kids[k],
						     k + 1 < n->nkids ? n->kids[k + 1]->type : 0);
			break;
		}
	}
	if (len_idx >= 0) {
		uint32_t v;
		if (!wire_ov_get(&n->ov, (unsigned)len_idx, &v))
			v = (uint32_t)(w->len - start);
		for (size_t b = 0; b < len_w; b++)
			w->p[len_at + b] = (uint8_t)(v >> (8 * (len_w - 1 - b)));
	}
}
