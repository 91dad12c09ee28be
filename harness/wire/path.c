/* Fields addressed by path ("sa.proposal[0].transform[1].id"), for the
 * overrides that malformed test messages need. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/arena.h"
#include "wire/fields.h"
#include "wire/msg.h"
#include "wire/walk.h"

struct wire_target {
	enum { WT_HEADER, WT_NODE, WT_ATTR } kind;
	struct wire_node *node;
	struct wire_attr *attr;
	const struct wire_format *fmt;
	int field;            /* index in fmt (or attribute field) */
	int nibble;           /* header.major = 1, header.minor = 2 */
};

struct wire_seg {
	const char *name;
	size_t len;
	long idx;             /* -1: no index given */
};

static bool wire_perr(char *err, size_t errlen, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool wire_perr(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	if (!err || !errlen)
		return false;
	int n = snprintf(err, errlen, "bad path '%s': ", path);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

/* Split on '.', each part "name" or "name[i]". */
static int wire_split(const char *path, struct wire_seg *segs, int max)
{
	int n = 0;
	const char *p = path;
	while (*p) {
		if (n == max)
			return -1;
		const char *s = p;
		while (*p && *p != '.' && *p != '[')
			p++;
		segs[n] = (struct wire_seg){ s, (size_t)(p - s), -1 };
		if (segs[n].len == 0)
			return -1;
		if (*p == '[') {
			char *end;
			if (!isdigit((unsigned char)p[1]))
				return -1;
			segs[n].idx = strtol(p + 1, &end, 10);
			if (*end != ']')
				return -1;
			p = end + 1;
		}
		n++;
		if (*p == '.') {
			p++;
			if (!*p)
				return -1;
		} else if (*p) {
			return -1;
		}
	}
	return n;
}

static bool wire_seg_is(const struct wire_seg *s, const char *name)
{
	return strlen(name) == s->len && strncmp(s->name, name, s->len) == 0;
}

/* "header.<field>", with major and minor as the nibbles of version. */
static bool wire_resolve_header(const struct wire_seg *segs, int ns, const char *path,
				struct wire_target *t, char *err, size_t errlen)
{
	const struct wire_seg *last = &segs[ns - 1];
	if (ns != 2)
		return wire_perr(err, errlen, path, "header has no sub-structures");
	t->kind = WT_HEADER;
	t->fmt = &wire_fmt_header;
	if (wire_seg_is(last, "major") || wire_seg_is(last, "minor")) {
		t->nibble = wire_seg_is(last, "major") ? 1 : 2;
		t->field = wire_field_index(&wire_fmt_header, "version", 7);
		return true;
	}
	t->field = wire_field_index(&wire_fmt_header, last->name, last->len);
	if (t->field < 0)
		return wire_perr(err, errlen, path, "the header has no field '%.*s'",
				 (int)last->len, last->name);
	return true;
}

/* The payload a first segment names: "payload[i]" by position, else the
 * i-th of a kind (by path name or "type<N>"). NULL with err set. */
static struct wire_node *wire_resolve_payload(const struct wire_msg *m,
					      const struct wire_seg *seg, const char *path,
					      char *err, size_t errlen)
{
	size_t nth = seg->idx < 0 ? 0 : (size_t)seg->idx;
	struct wire_node *n = NULL;
	if (wire_seg_is(seg, "payload")) {
		if (nth >= m->npl) {
			wire_perr(err, errlen, path, "the message has %zu payloads", m->npl);
			return NULL;
		}
		return m->pl[nth];
	}
	const struct wire_format *fmt = wire_format_by_path(seg->name, seg->len);
	long type = -1;
	if (fmt)
		type = fmt->type;
	else if (seg->len > 4 && strncmp(seg->name, "type", 4) == 0)
		type = strtol(seg->name + 4, NULL, 10);
	if (type < 0 || type > 255) {
		wire_perr(err, errlen, path, "no payload called '%.*s'", (int)seg->len, seg->name);
		return NULL;
	}
	n = wire_find(m, (uint8_t)type, nth);
	if (!n)
		wire_perr(err, errlen, path, "the message has %zu %.*s payload%s",
			  wire_count(m, (uint8_t)type), (int)seg->len, seg->name,
			  wire_count(m, (uint8_t)type) == 1 ? "" : "s");
	return n;
}

/* "attr[k].<af|type|length|value>" of a transform or Mode-Config payload. */
static bool wire_resolve_attr(struct wire_node *n, size_t k, const struct wire_seg *last,
			      const char *path, struct wire_target *t, char *err,
			      size_t errlen)
{
	if (k >= n->nattrs)
		return wire_perr(err, errlen, path, "there are %zu attributes", n->nattrs);
	t->kind = WT_ATTR;
	t->node = n;
	t->attr = &n->attrs[k];
	for (int f = 0; f < WIRE_AF_COUNT; f++)
		if (wire_seg_is(last, wire_attr_fields[f].name)) {
			t->field = f;
			return true;
		}
	return wire_perr(err, errlen, path,
			 "attributes have af, type, length and value, not '%.*s'",
			 (int)last->len, last->name);
}

/* A numeric or byte field of a node (not its children or attributes). */
static bool wire_resolve_field(struct wire_node *n, const struct wire_seg *last,
			       const char *path, struct wire_target *t, char *err,
			       size_t errlen)
{
	t->kind = WT_NODE;
	t->node = n;
	t->fmt = wire_node_format(n);
	t->field = wire_field_index(t->fmt, last->name, last->len);
	if (t->field < 0 || t->fmt->f[t->field].kind == WK_KIDS ||
	    t->fmt->f[t->field].kind == WK_ATTRS) {
		char b[24];
		return wire_perr(err, errlen, path, "a %s has no field '%.*s'",
				 wire_payload_short(n->type, b, sizeof(b)), (int)last->len,
				 last->name);
	}
	return true;
}

/* A path to its target: the header or a payload, down its children
 * (proposal, transform, attr), then the field. */
static bool wire_resolve(const struct wire_msg *m, const char *path,
			 struct wire_target *t, char *err, size_t errlen)
{
	struct wire_seg segs[8];
	int ns = wire_split(path ? path : "", segs, 8);
	memset(t, 0, sizeof(*t));
	if (ns < 2)
		return wire_perr(err, errlen, path ? path : "", "expected <payload>.<field>");
	const struct wire_seg *last = &segs[ns - 1];
	if (last->idx >= 0)
		return wire_perr(err, errlen, path, "the field '%.*s' takes no index",
				 (int)last->len, last->name);
	if (wire_seg_is(&segs[0], "header"))
		return wire_resolve_header(segs, ns, path, t, err, errlen);
	struct wire_node *n = wire_resolve_payload(m, &segs[0], path, err, errlen);
	if (!n)
		return false;
	/* children, then the field */
	for (int i = 1; i < ns - 1; i++) {
		const struct wire_seg *s = &segs[i];
		size_t k = s->idx < 0 ? 0 : (size_t)s->idx;
		if ((wire_seg_is(s, "proposal") && n->type == WIRE_PL_SA) ||
		    (wire_seg_is(s, "transform") && n->type == WIRE_PL_P)) {
			if (k >= n->nkids)
				return wire_perr(err, errlen, path, "there are %zu %.*ss", n->nkids,
						 (int)s->len, s->name);
			n = n->kids[k];
		} else if (wire_seg_is(s, "attr") &&
			   (n->type == WIRE_PL_T || n->type == WIRE_PL_ATTR) && i == ns - 2) {
			return wire_resolve_attr(n, k, last, path, t, err, errlen);
		} else {
			char b[24];
			return wire_perr(err, errlen, path, "a %s has no '%.*s'",
					 wire_payload_short(n->type, b, sizeof(b)), (int)s->len,
					 s->name);
		}
	}
	return wire_resolve_field(n, last, path, t, err, errlen);
}

static bool wire_is_bytes(uint8_t kind)
{
	return kind == WK_FIXED || kind == WK_SPI || kind == WK_SPIS || kind == WK_DATA;
}

bool wire_set(struct wire_msg *m, const char *path, uint32_t value, char *err, size_t errlen)
{
	struct wire_target t;
	if (!wire_resolve(m, path, &t, err, errlen))
		return false;
	if (t.kind == WT_ATTR) {
		static const uint32_t max[WIRE_AF_COUNT] = { 1, 0x7fff, 0xffff, 0xffff };
		if (value > max[t.field])
			return wire_perr(err, errlen, path, "%u does not fit (max %u)", value,
					 max[t.field]);
		if (t.field == WIRE_AF_LENGTH && t.attr->tv)
			return wire_perr(err, errlen, path, "a TV attribute has no length");
		if (t.field == WIRE_AF_VALUE && !t.attr->tv)
			return wire_perr(err, errlen, path, "a TLV value is bytes: use wire_set_bytes");
		wire_ov_put(m, &t.attr->ov, (unsigned)t.field, value);
		return true;
	}
	const struct wire_field *f = &t.fmt->f[t.field];
	if (wire_is_bytes(f->kind))
		return wire_perr(err, errlen, path, "'%s' is a byte field: use wire_set_bytes",
				 f->name);
	struct wire_ovs *ov = t.kind == WT_HEADER ? &m->hdr.ov : &t.node->ov;
	if (t.nibble) {
		if (value > 15)
			return wire_perr(err, errlen, path, "%u does not fit a 4-bit version", value);
		uint32_t cur;
		if (!wire_ov_get(ov, (unsigned)t.field, &cur))
			cur = m->hdr.version;
		value = t.nibble == 1 ? (cur & 0x0f) | value << 4 : (cur & 0xf0) | value;
	}
	if (f->width < 4 && value >> (8 * f->width))
		return wire_perr(err, errlen, path, "%u does not fit in %u byte%s", value,
				 f->width, f->width == 1 ? "" : "s");
	wire_ov_put(m, ov, (unsigned)t.field, value);
	return true;
}

bool wire_unset(struct wire_msg *m, const char *path, char *err, size_t errlen)
{
	struct wire_target t;
	if (!wire_resolve(m, path, &t, err, errlen))
		return false;
	struct wire_ovs *ov = t.kind == WT_HEADER ? &m->hdr.ov
			      : t.kind == WT_ATTR ? &t.attr->ov : &t.node->ov;
	wire_ov_del(ov, (unsigned)t.field);
	return true;
}

bool wire_set_bytes(struct wire_msg *m, const char *path, const void *p, size_t len,
		    char *err, size_t errlen)
{
	struct wire_target t;
	if (!wire_resolve(m, path, &t, err, errlen))
		return false;
	if (t.kind == WT_ATTR) {
		if (t.field != WIRE_AF_VALUE || t.attr->tv)
			return wire_perr(err, errlen, path, "only a TLV attribute's value is bytes");
		t.attr->value = wire_msg_dup(m, p, len);
		return true;
	}
	const struct wire_field *f = &t.fmt->f[t.field];
	if (!wire_is_bytes(f->kind))
		return wire_perr(err, errlen, path, "'%s' is a number: use wire_set", f->name);
	if (f->kind == WK_FIXED) {
		if (len != f->width)
			return wire_perr(err, errlen, path, "'%s' takes exactly %u bytes", f->name,
					 f->width);
		memcpy((uint8_t *)&m->hdr + f->off, p, len);
		return true;
	}
	*(chunk_t *)((uint8_t *)t.node + f->off) = wire_msg_dup(m, p, len);
	if (f->kind == WK_SPI)
		t.node->spi_size = (uint32_t)len;
	return true;
}

bool wire_remove_attr(struct wire_msg *m, const char *path, char *err, size_t errlen)
{
	/* resolved as the attribute's type field, so the path rules are one */
	char full[256];
	struct wire_target t;
	if (!path || snprintf(full, sizeof(full), "%s.type", path) >= (int)sizeof(full))
		return wire_perr(err, errlen, path ? path : "", "path too long");
	if (!wire_resolve(m, full, &t, err, errlen))
		return false;
	if (t.kind != WT_ATTR)
		return wire_perr(err, errlen, path, "not an attribute");
	struct wire_node *n = t.node;
	size_t k = (size_t)(t.attr - n->attrs);
	memmove(&n->attrs[k], &n->attrs[k + 1], (n->nattrs - k - 1) * sizeof(n->attrs[0]));
	n->nattrs--;
	return true;
}

/* An attribute field as built: forced, or from the attribute. */
static bool wire_get_attr(const struct wire_target *t, const char *path, uint32_t *value,
			  char *err, size_t errlen)
{
	const struct wire_attr *a = t->attr;
	uint32_t v;
	if (wire_ov_get(&a->ov, (unsigned)t->field, &v)) {
		*value = v;
		return true;
	}
	switch (t->field) {
	case WIRE_AF_AF: *value = a->tv; return true;
	case WIRE_AF_TYPE: *value = a->type; return true;
	case WIRE_AF_LENGTH:
		if (a->tv)
			return wire_perr(err, errlen, path, "a TV attribute has no length");
		*value = (uint32_t)a->value.len;
		return true;
	default:
		if (!wire_attr_value(a, value))
			return wire_perr(err, errlen, path, "the value is longer than 4 bytes");
		return true;
	}
}

/* A header field read back from a build: computed ones need the chain. */
static uint32_t wire_get_header(const struct wire_msg *m, const struct wire_target *t)
{
	const struct wire_field *f = &t->fmt->f[t->field];
	chunk_t c = wire_build(m);
	uint32_t v = 0;
	size_t off = 0;
	for (int i = 0; i < t->field; i++)
		off += wire_fmt_header.f[i].width;
	for (size_t b = 0; b < f->width && off + b < c.len; b++)
		v = v << 8 | c.ptr[off + b];
	chunk_free(&c);
	return t->nibble == 1 ? v >> 4 : t->nibble == 2 ? (v & 15) : v;
}

/* The type a node's next-payload field builds to: the next top-level
 * payload's, or for children the next sibling's. */
static uint8_t wire_get_next(const struct wire_msg *m, const struct wire_node *node)
{
	uint8_t next = 0;
	for (size_t i = 0; i + 1 < m->npl; i++)
		if (m->pl[i] == node)
			next = m->pl[i + 1]->type;
	/* children: the next sibling's type */
	for (size_t i = 0; i < m->npl; i++) {
		const struct wire_node *sa = m->pl[i];
		for (size_t p = 0; p < sa->nkids; p++) {
			const struct wire_node *pr = sa->kids[p];
			if (pr == node && p + 1 < sa->nkids)
				next = WIRE_PL_P;
			for (size_t x = 0; x + 1 < pr->nkids; x++)
				if (pr->kids[x] == node)
					next = WIRE_PL_T;
		}
	}
	return next;
}

bool wire_get(const struct wire_msg *m, const char *path, uint32_t *value,
	      char *err, size_t errlen)
{
	struct wire_target t;
	if (!wire_resolve(m, path, &t, err, errlen))
		return false;
	if (t.kind == WT_ATTR)
		return wire_get_attr(&t, path, value, err, errlen);
	const struct wire_field *f = &t.fmt->f[t.field];
	if (wire_is_bytes(f->kind))
		return wire_perr(err, errlen, path, "'%s' is a byte field", f->name);
	if (t.kind == WT_HEADER) {
		/* computed header fields come from a build */
		*value = wire_get_header(m, &t);
		return true;
	}
	if (f->kind == WK_LENGTH) {
		uint32_t v;
		if (wire_ov_get(&t.node->ov, (unsigned)t.field, &v)) {
			*value = v;
			return true;
		}
		struct writer w;
		writer_init(&w);
		wire_walk_build_node(&w, t.node, 0);
		*value = (uint32_t)w.len;
		writer_free(&w);
		return true;
	}
	uint8_t next = f->kind == WK_NEXT ? wire_get_next(m, t.node) : 0;
	*value = wire_node_field(t.node, (unsigned)t.field, next);
	return true;
}
