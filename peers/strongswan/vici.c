/* The vici codec: packets and messages built and parsed, and the
 * --pretty rendering swanctl prints (see vici.h). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "peers/strongswan/vici.h"

static const char *const vici_packet_names[] = {
	"CMD_REQUEST", "CMD_RESPONSE", "CMD_UNKNOWN", "EVENT_REGISTER",
	"EVENT_UNREGISTER", "EVENT_CONFIRM", "EVENT_UNKNOWN", "EVENT",
};

static const char *const vici_elem_names[] = {
	NULL, "SECTION_START", "SECTION_END", "KEY_VALUE", "LIST_START", "LIST_ITEM", "LIST_END",
};

const char *vici_packet_name(uint8_t type)
{
	static _Thread_local char other[16];
	if (type < sizeof(vici_packet_names) / sizeof(vici_packet_names[0]))
		return vici_packet_names[type];
	snprintf(other, sizeof(other), "type %u", type);
	return other;
}

const char *vici_elem_name(uint8_t type)
{
	static _Thread_local char other[16];
	if (type >= 1 && type < sizeof(vici_elem_names) / sizeof(vici_elem_names[0]))
		return vici_elem_names[type];
	snprintf(other, sizeof(other), "type %u", type);
	return other;
}

/* Packet types that carry a name, and those that carry a message. */
static bool vici_named(uint8_t type)
{
	return type == VICI_CMD_REQUEST || type == VICI_EVENT_REGISTER ||
	       type == VICI_EVENT_UNREGISTER || type == VICI_EVENT;
}

static bool vici_has_msg(uint8_t type)
{
	return type == VICI_CMD_REQUEST || type == VICI_CMD_RESPONSE || type == VICI_EVENT;
}

/* --- building --- */

__attribute__((format(printf, 2, 3)))
static void vici_misuse(struct vici_msg *m, const char *fmt, ...)
{
	if (m->err[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
}

/* An 8-bit length and the text; false (misuse noted) when too long. */
static bool vici_put_name(struct vici_msg *m, const char *what, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (!name || n > 255) {
		vici_misuse(m, "%s name %s", what, name ? "longer than 255 bytes" : "missing");
		return false;
	}
	writer_u8(&m->w, (uint8_t)n);
	writer_bytes(&m->w, name, n);
	return true;
}

static void vici_put_value(struct vici_msg *m, const char *what, const void *value, size_t len)
{
	if (len > 0xffff) {
		vici_misuse(m, "%s value of %zu bytes (at most 65535)", what, len);
		return;
	}
	writer_u16(&m->w, (uint16_t)len);
	writer_bytes(&m->w, value, len);
}

/* Only list items and the list's end inside a list, none of them outside. */
static bool vici_place(struct vici_msg *m, uint8_t type)
{
	bool list_elem = type == VICI_LIST_ITEM || type == VICI_LIST_END;
	if (m->in_list != list_elem) {
		vici_misuse(m, "%s %s a list", vici_elem_name(type), m->in_list ? "inside" : "outside");
		return false;
	}
	writer_u8(&m->w, type);
	return true;
}

void vici_msg_begin(struct vici_msg *m, enum vici_packet_type type, const char *name)
{
	memset(m, 0, sizeof(*m));
	writer_init(&m->w);
	writer_u32(&m->w, 0);  /* the length, once known */
	writer_u8(&m->w, (uint8_t)type);
	if (vici_named((uint8_t)type))
		vici_put_name(m, vici_packet_name((uint8_t)type), name);
}

void vici_section(struct vici_msg *m, const char *name)
{
	if (!vici_place(m, VICI_SECTION_START) || !vici_put_name(m, "section", name))
		return;
	if (++m->depth > VICI_MAX_DEPTH)
		vici_misuse(m, "sections nested deeper than %d", VICI_MAX_DEPTH);
}

void vici_section_end(struct vici_msg *m)
{
	if (m->depth == 0) {
		vici_misuse(m, "SECTION_END without a section");
		return;
	}
	if (vici_place(m, VICI_SECTION_END))
		m->depth--;
}

void vici_kv(struct vici_msg *m, const char *key, const void *value, size_t len)
{
	if (vici_place(m, VICI_KEY_VALUE) && vici_put_name(m, "key", key))
		vici_put_value(m, key, value, len);
}

void vici_kv_str(struct vici_msg *m, const char *key, const char *value)
{
	vici_kv(m, key, value, strlen(value));
}

void vici_list(struct vici_msg *m, const char *name)
{
	if (vici_place(m, VICI_LIST_START) && vici_put_name(m, "list", name))
		m->in_list = true;
}

void vici_item(struct vici_msg *m, const void *value, size_t len)
{
	if (vici_place(m, VICI_LIST_ITEM))
		vici_put_value(m, "list item", value, len);
}

void vici_item_str(struct vici_msg *m, const char *value)
{
	vici_item(m, value, strlen(value));
}

void vici_list_end(struct vici_msg *m)
{
	if (vici_place(m, VICI_LIST_END))
		m->in_list = false;
}

bool vici_msg_end(struct vici_msg *m, char *err, size_t errlen)
{
	if (m->in_list)
		vici_misuse(m, "a list left open");
	if (m->depth)
		vici_misuse(m, "%d section(s) left open", m->depth);
	if (m->w.len - 4 > VICI_MAX_PACKET)
		vici_misuse(m, "packet of %zu bytes (charon takes %u at most)", m->w.len - 4,
			    VICI_MAX_PACKET);
	if (m->err[0]) {
		snprintf(err, errlen, "vici packet: %s", m->err);
		return false;
	}
	writer_put_u32_at(&m->w, 0, (uint32_t)(m->w.len - 4));
	return true;
}

void vici_msg_free(struct vici_msg *m)
{
	writer_free(&m->w);
}

/* --- parsing --- */

/* An 8-bit length name into buf (NUL-terminated); false when it runs
 * past the end, *len then the length it claims (SIZE_MAX: the length
 * byte itself is missing). */
static bool vici_get_name(struct reader *r, char buf[256], size_t *len)
{
	uint8_t n = 0;
	const uint8_t *p;
	*len = SIZE_MAX;
	if (!reader_u8(r, &n))
		return false;
	*len = n;
	if (!reader_bytes(r, n, &p))
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	*len = n;
	return true;
}

bool vici_packet_parse(const uint8_t *p, size_t n, struct vici_packet *out, char *err,
		       size_t errlen)
{
	memset(out, 0, sizeof(*out));
	struct reader r = reader_init(p, n);
	if (!reader_u8(&r, &out->type)) {
		snprintf(err, errlen, "vici packet: empty");
		return false;
	}
	if (out->type > VICI_EVENT) {
		snprintf(err, errlen, "vici packet: unknown type %u", out->type);
		return false;
	}
	size_t nl = 0;
	if (vici_named(out->type) && !vici_get_name(&r, out->name, &nl)) {
		if (nl == SIZE_MAX)
			snprintf(err, errlen, "vici packet: %s at offset 1: name length cut off",
				 vici_packet_name(out->type));
		else
			snprintf(err, errlen, "vici packet: %s name at offset 1: %zu bytes, %zu left",
				 vici_packet_name(out->type), nl, n - 2);
		return false;
	}
	if (vici_has_msg(out->type)) {
		out->msg = p + r.off;
		out->len = reader_left(&r);
	} else if (reader_left(&r)) {
		snprintf(err, errlen, "vici packet: %s with %zu bytes after offset %zu",
			 vici_packet_name(out->type), reader_left(&r), r.off);
		return false;
	}
	return true;
}

void vici_reader_init(struct vici_reader *vr, const uint8_t *msg, size_t len)
{
	memset(vr, 0, sizeof(*vr));
	vr->r = reader_init(msg, len);
}

/* Where an element may stand: list items and the list's end only inside
 * a list, nothing else there, a section's end only inside a section. */
static const char *vici_misplaced(const struct vici_reader *vr, uint8_t type)
{
	bool list_elem = type == VICI_LIST_ITEM || type == VICI_LIST_END;
	if (vr->in_list && !list_elem)
		return "inside a list";
	if (!vr->in_list && list_elem)
		return "outside a list";
	if (type == VICI_SECTION_END && vr->depth == 0)
		return "outside a section";
	if (type == VICI_SECTION_START && vr->depth == VICI_MAX_DEPTH)
		return "nested too deep";
	return NULL;
}

/* The name and value an element has, read bounds-checked. */
static bool vici_elem_body(struct vici_reader *vr, struct vici_elem *e, char *err,
			   size_t errlen)
{
	struct reader *r = &vr->r;
	size_t nl;
	bool named = e->type == VICI_SECTION_START || e->type == VICI_KEY_VALUE ||
		     e->type == VICI_LIST_START;
	if (named && !vici_get_name(r, e->name, &nl)) {
		if (nl == SIZE_MAX)
			snprintf(err, errlen, "vici message: %s at offset %zu: name length cut off",
				 vici_elem_name(e->type), e->offset);
		else
			snprintf(err, errlen, "vici message: %s at offset %zu: name of %zu bytes, "
				 "%zu left", vici_elem_name(e->type), e->offset, nl,
				 r->len - e->offset - 2);
		return false;
	}
	if (e->type != VICI_KEY_VALUE && e->type != VICI_LIST_ITEM)
		return true;
	uint16_t vl;
	if (!reader_u16(r, &vl)) {
		snprintf(err, errlen, "vici message: %s at offset %zu: value length cut off",
			 vici_elem_name(e->type), e->offset);
		return false;
	}
	if (!reader_bytes(r, vl, &e->value)) {
		snprintf(err, errlen, "vici message: %s at offset %zu: value of %u bytes, %zu left",
			 vici_elem_name(e->type), e->offset, vl, reader_left(r));
		return false;
	}
	e->len = vl;
	return true;
}

int vici_next(struct vici_reader *vr, struct vici_elem *e, char *err, size_t errlen)
{
	memset(e, 0, sizeof(*e));
	e->offset = vr->r.off;
	if (!reader_u8(&vr->r, &e->type)) {
		if (vr->in_list || vr->depth) {
			snprintf(err, errlen, "vici message: ends at offset %zu inside %s",
				 e->offset, vr->in_list ? "a list" : "a section");
			return -1;
		}
		return 0;
	}
	if (e->type < VICI_SECTION_START || e->type > VICI_LIST_END) {
		snprintf(err, errlen, "vici message: unknown element type %u at offset %zu",
			 e->type, e->offset);
		return -1;
	}
	const char *bad = vici_misplaced(vr, e->type);
	if (bad) {
		snprintf(err, errlen, "vici message: %s at offset %zu %s", vici_elem_name(e->type),
			 e->offset, bad);
		return -1;
	}
	if (!vici_elem_body(vr, e, err, errlen))
		return -1;
	if (e->type == VICI_SECTION_END)
		vr->depth--;
	e->depth = vr->depth;
	if (e->type == VICI_SECTION_START)
		vr->depth++;
	else if (e->type == VICI_LIST_START)
		vr->in_list = true;
	else if (e->type == VICI_LIST_END)
		vr->in_list = false;
	return 1;
}

bool vici_check(const uint8_t *msg, size_t len, char *err, size_t errlen)
{
	struct vici_reader vr;
	struct vici_elem e;
	int rc;
	vici_reader_init(&vr, msg, len);
	while ((rc = vici_next(&vr, &e, err, errlen)) > 0)
		;
	return rc == 0;
}

bool vici_find_str(const uint8_t *msg, size_t len, const char *key, char *out, size_t outlen)
{
	struct vici_reader vr;
	struct vici_elem e;
	char err[8];
	vici_reader_init(&vr, msg, len);
	while (vici_next(&vr, &e, err, sizeof(err)) > 0) {
		if (e.type == VICI_KEY_VALUE && e.depth == 0 && strcmp(e.name, key) == 0) {
			snprintf(out, outlen, "%.*s", (int)e.len, (const char *)e.value);
			return true;
		}
	}
	return false;
}

/* --- rendering --- */

/* Text of at most n bytes, NUL kept after it (not counted). */
static void vici_text(struct writer *out, const void *p, size_t n)
{
	writer_bytes(out, p, n);
	writer_u8(out, 0);
	out->len--;
}

__attribute__((format(printf, 3, 4)))
static void vici_line(struct writer *out, int indent, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (int i = 0; i < indent; i++)
		vici_text(out, "  ", 2);
	vici_text(out, buf, n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* A value as swanctl shows it: the text when every byte is printable
 * ASCII, else 0x and hex. */
static void vici_value(struct writer *out, const uint8_t *v, size_t n)
{
	bool printable = true;
	for (size_t i = 0; i < n && printable; i++)
		printable = v[i] >= 0x20 && v[i] < 0x7f;
	if (printable) {
		vici_text(out, v, n);
	} else {
		static const char hex[] = "0123456789abcdef";
		vici_text(out, "0x", 2);
		for (size_t i = 0; i < n; i++) {
			char b[2] = { hex[v[i] >> 4], hex[v[i] & 15] };
			vici_text(out, b, 2);
		}
	}
	vici_text(out, "\n", 1);
}

bool vici_pretty(const uint8_t *msg, size_t len, const char *label, struct writer *out,
		 char *err, size_t errlen)
{
	struct vici_reader vr;
	struct vici_elem e;
	int rc;
	vici_reader_init(&vr, msg, len);
	vici_line(out, 0, "%s {\n", label);
	while ((rc = vici_next(&vr, &e, err, errlen)) > 0) {
		int in = e.depth + 1 + (e.type == VICI_LIST_ITEM);
		switch (e.type) {
		case VICI_SECTION_START:
			vici_line(out, in, "%s {\n", e.name);
			break;
		case VICI_SECTION_END:
			vici_line(out, in, "}\n");
			break;
		case VICI_KEY_VALUE:
			vici_line(out, in, "%s = ", e.name);
			vici_value(out, e.value, e.len);
			break;
		case VICI_LIST_START:
			vici_line(out, in, "%s = [\n", e.name);
			break;
		case VICI_LIST_ITEM:
			vici_line(out, in, "%s", "");
			vici_value(out, e.value, e.len);
			break;
		case VICI_LIST_END:
			vici_line(out, in, "]\n");
			break;
		}
	}
	if (rc == 0)
		vici_line(out, 0, "}\n");
	return rc == 0;
}
