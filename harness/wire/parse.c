/* Datagrams to messages and back: the header, the payload chain. */
#include <string.h>

#include "wire/arena.h"
#include "wire/err.h"
#include "wire/fields.h"
#include "wire/msg.h"
#include "wire/walk.h"

static uint32_t *hdr_u32(const struct wire_header *h, const struct wire_field *f)
{
	return (uint32_t *)((uint8_t *)h + f->off);
}

/* The header table's fields, in order, all fixed width. */
static void wire_header_read(struct wire_header *h, const uint8_t *p)
{
	size_t off = 0;
	for (size_t i = 0; i < wire_fmt_header.nf; i++) {
		const struct wire_field *f = &wire_fmt_header.f[i];
		if (f->kind == WK_FIXED) {
			memcpy((uint8_t *)h + f->off, p + off, f->width);
		} else {
			uint32_t v = 0;
			for (size_t b = 0; b < f->width; b++)
				v = v << 8 | p[off + b];
			*hdr_u32(h, f) = v;
		}
		off += f->width;
	}
}

static void wire_header_write(struct writer *w, const struct wire_header *h,
			      uint8_t next, uint32_t length)
{
	for (size_t i = 0; i < wire_fmt_header.nf; i++) {
		const struct wire_field *f = &wire_fmt_header.f[i];
		if (f->kind == WK_FIXED) {
			writer_bytes(w, (const uint8_t *)h + f->off, f->width);
			continue;
		}
		uint32_t c = f->kind == WK_NEXT ? next : length;
		uint32_t v = wire_walk_value(&wire_fmt_header, (unsigned)i, h, &h->ov, c);
		for (size_t b = f->width; b-- > 0;)
			writer_u8(w, (uint8_t)(v >> (8 * b)));
	}
}

/* Walk the chain from first_type until next payload 0. */
static bool wire_parse_chain(struct wire_msg *m, const uint8_t *p, size_t len,
			     size_t base, uint8_t first, const char *container,
			     struct wire_err *err)
{
	size_t off = 0;
	uint8_t type = first;
	struct wire_node *prev = NULL;
	while (type != WIRE_PL_NONE) {
		if (off >= len) {
			char b1[24], b2[24];
			if (prev)
				wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED,
					     wire_payload_short(prev->type, b1, sizeof(b1)),
					     "next_payload", prev->offset, prev->offset,
					     "next payload %s (%u) announced but the %s ends",
					     wire_payload_short(type, b2, sizeof(b2)), type, container);
			else
				wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, "header", "next_payload",
					     0, 16, "next payload %s (%u) announced but the %s is empty",
					     wire_payload_short(type, b2, sizeof(b2)), type, container);
			return false;
		}
		struct wire_node *n = wire_add(m, type);
		if (!wire_walk_parse_node(m, wire_format_get(type, true), n, p + off, len - off,
					  base + off, container, err))
			return false;
		off += n->length;
		type = (uint8_t)n->next_payload;
		prev = n;
	}
	m->trailing = CHUNK_FROM(p + off, len - off);
	return true;
}

bool wire_parse(const uint8_t *p, size_t len, struct wire_msg **out, struct wire_err *err)
{
	*out = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	if (len < WIRE_HDR_LEN) {
		wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, "header", "length", 0, 0,
			     "datagram of %zu bytes is shorter than the 28-byte header", len);
		return false;
	}
	struct wire_msg *m = wire_msg_new();
	*out = m;
	m->datagram = wire_msg_dup(m, p, len);
	p = m->datagram.ptr; /* payload chunks borrow from the copy */
	wire_header_read(&m->hdr, p);
	const struct wire_header *h = &m->hdr;
	if (h->version >> 4 != 1) {
		wire_err_set(err, WIRE_N_INVALID_MAJOR_VERSION, "header", "version", 0, 17,
			     "major version %u is not supported (version byte 0x%02x, want 0x10)",
			     h->version >> 4, h->version);
		return false;
	}
	if (h->length < WIRE_HDR_LEN) {
		wire_err_set(err, WIRE_N_PAYLOAD_MALFORMED, "header", "length", 0, 24,
			     "length %u is shorter than the 28-byte header", h->length);
		return false;
	}
	if (h->length > len) {
		wire_err_set(err, WIRE_N_UNEQUAL_PAYLOAD_LENGTHS, "header", "length", 0, 24,
			     "length %u is longer than the datagram (%zu bytes)", h->length, len);
		return false;
	}
	m->extra = CHUNK_FROM(p + h->length, len - h->length);
	if (h->flags & WIRE_F_ENC) {
		m->encrypted = true;
		m->ciphertext = CHUNK_FROM(p + WIRE_HDR_LEN, h->length - WIRE_HDR_LEN);
		return true;
	}
	return wire_parse_chain(m, p + WIRE_HDR_LEN, h->length - WIRE_HDR_LEN, WIRE_HDR_LEN,
				(uint8_t)h->next_payload, "message", err);
}

bool wire_parse_plain(struct wire_msg *m, const uint8_t *p, size_t len, struct wire_err *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
	m->npl = 0;
	chunk_t copy = wire_msg_dup(m, p, len);
	return wire_parse_chain(m, copy.ptr, len, WIRE_HDR_LEN, (uint8_t)m->hdr.next_payload,
				"decrypted body", err);
}

static void wire_build_chain(struct writer *w, const struct wire_msg *m)
{
	for (size_t i = 0; i < m->npl; i++)
		wire_walk_build_node(w, m->pl[i], i + 1 < m->npl ? m->pl[i + 1]->type : 0);
}

chunk_t wire_build_payloads(const struct wire_msg *m)
{
	struct writer w;
	writer_init(&w);
	wire_build_chain(&w, m);
	return writer_take(&w);
}

chunk_t wire_build_encrypted(const struct wire_msg *m, chunk_t ciphertext)
{
	struct writer w;
	writer_init(&w);
	wire_header_write(&w, &m->hdr, m->npl ? m->pl[0]->type : (uint8_t)m->hdr.next_payload,
			  (uint32_t)(WIRE_HDR_LEN + ciphertext.len));
	writer_bytes(&w, ciphertext.ptr, ciphertext.len);
	return writer_take(&w);
}

chunk_t wire_build(const struct wire_msg *m)
{
	if (m->encrypted && m->npl == 0)
		return wire_build_encrypted(m, m->ciphertext);
	struct writer w;
	writer_init(&w);
	wire_header_write(&w, &m->hdr, m->npl ? m->pl[0]->type : 0, 0);
	wire_build_chain(&w, m);
	uint32_t len;
	/* header length (last field) is patched once the chain is known */
	if (!wire_ov_get(&m->hdr.ov, (unsigned)(wire_fmt_header.nf - 1), &len))
		len = (uint32_t)w.len;
	writer_put_u32_at(&w, 24, len);
	return writer_take(&w);
}

chunk_t wire_node_body(const struct wire_node *n)
{
	struct writer w;
	writer_init(&w);
	wire_walk_build_node(&w, n, (uint8_t)n->next_payload);
	chunk_t c = writer_take(&w);
	if (c.len >= WIRE_GEN_LEN) {
		memmove(c.ptr, c.ptr + WIRE_GEN_LEN, c.len - WIRE_GEN_LEN);
		c.len -= WIRE_GEN_LEN;
	}
	return c;
}
