/* Messages, nodes and their arena: one free releases a message. */
#include "wire/msg.h"

#include <stdlib.h>
#include <string.h>

#include "wire/arena.h"

/* Blocks chained from the message; big requests get their own block. */
struct wire_arena {
	struct wire_arena *next;
	size_t used, cap;
	max_align_t data[];
};

#define WIRE_ARENA_BLOCK 4096

void *wire_arena_alloc(struct wire_msg *m, size_t n)
{
	size_t need = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (need == 0)
		need = sizeof(max_align_t);
	struct wire_arena *a = m->arena;
	if (!a || a->cap - a->used < need) {
		size_t cap = need > WIRE_ARENA_BLOCK ? need : WIRE_ARENA_BLOCK;
		struct wire_arena *b = xmalloc(sizeof(*b) + cap);
		b->used = 0;
		b->cap = cap;
		if (a && need > WIRE_ARENA_BLOCK) {
			/* keep filling the current block: put the big one behind it */
			b->next = a->next;
			a->next = b;
		} else {
			b->next = a;
			m->arena = b;
		}
		a = b;
	}
	void *p = (uint8_t *)a->data + a->used;
	a->used += need;
	memset(p, 0, need);
	return p;
}

chunk_t wire_msg_dup(struct wire_msg *m, const void *p, size_t len)
{
	chunk_t c = { wire_arena_alloc(m, len), len };
	if (len)
		memcpy(c.ptr, p, len);
	return c;
}

struct wire_msg *wire_msg_new(void)
{
	struct wire_msg *m = xcalloc(1, sizeof(*m));
	m->hdr.version = 0x10;
	return m;
}

void wire_msg_free(struct wire_msg *m)
{
	if (!m)
		return;
	struct wire_arena *a = m->arena;
	while (a) {
		struct wire_arena *n = a->next;
		free(a);
		a = n;
	}
	free(m);
}

/* Forced values: a short list per object, searched by field index; it
 * grows in the arena like the node arrays. */
bool wire_ov_get(const struct wire_ovs *ov, unsigned idx, uint32_t *v)
{
	for (size_t i = 0; i < ov->n; i++)
		if (ov->v[i].field == idx) {
			*v = ov->v[i].value;
			return true;
		}
	return false;
}

void wire_ov_put(struct wire_msg *m, struct wire_ovs *ov, unsigned idx, uint32_t v)
{
	for (size_t i = 0; i < ov->n; i++)
		if (ov->v[i].field == idx) {
			ov->v[i].value = v;
			return;
		}
	if (ov->n == ov->cap) {
		size_t cap = ov->cap ? ov->cap * 2 : 4;
		struct wire_ov *nv = wire_arena_alloc(m, cap * sizeof(*nv));
		if (ov->n)
			memcpy(nv, ov->v, ov->n * sizeof(*nv));
		ov->v = nv;
		ov->cap = cap;
	}
	ov->v[ov->n++] = (struct wire_ov){ (uint8_t)idx, v };
}

bool wire_ov_del(struct wire_ovs *ov, unsigned idx)
{
	for (size_t i = 0; i < ov->n; i++)
		if (ov->v[i].field == idx) {
			ov->v[i] = ov->v[--ov->n];
			return true;
		}
	return false;
}

/* Grow an arena-held pointer array (the old one stays in the arena). */
static void *wire_grow(struct wire_msg *m, void *arr, size_t elem, size_t n, size_t *cap)
{
	if (n < *cap)
		return arr;
	size_t nc = *cap ? *cap * 2 : 4;
	void *na = wire_arena_alloc(m, nc * elem);
	if (n)
		memcpy(na, arr, n * elem);
	*cap = nc;
	return na;
}

struct wire_node *wire_node_new(struct wire_msg *m, uint8_t type)
{
	struct wire_node *n = wire_arena_alloc(m, sizeof(*n));
	n->type = type;
	return n;
}

bool wire_insert(struct wire_msg *m, size_t idx, struct wire_node *n)
{
	if (idx > m->npl || !n)
		return false;
	m->pl = wire_grow(m, m->pl, sizeof(*m->pl), m->npl, &m->pl_cap);
	memmove(m->pl + idx + 1, m->pl + idx, (m->npl - idx) * sizeof(*m->pl));
	m->pl[idx] = n;
	m->npl++;
	return true;
}

struct wire_node *wire_add(struct wire_msg *m, uint8_t type)
{
	struct wire_node *n = wire_node_new(m, type);
	wire_insert(m, m->npl, n);
	return n;
}

void wire_set_data(struct wire_msg *m, struct wire_node *n, const void *p, size_t len)
{
	n->data = wire_msg_dup(m, p, len);
}

void wire_set_spi(struct wire_msg *m, struct wire_node *n, const void *p, size_t len)
{
	n->spi = wire_msg_dup(m, p, len);
	n->spi_size = (uint32_t)len;
}

struct wire_node *wire_add_data(struct wire_msg *m, uint8_t type, const void *p, size_t len)
{
	struct wire_node *n = wire_add(m, type);
	wire_set_data(m, n, p, len);
	return n;
}

struct wire_node *wire_add_kid(struct wire_msg *m, struct wire_node *parent, uint8_t type)
{
	struct wire_node *n = wire_node_new(m, type);
	n->kid = true;
	parent->kids = wire_grow(m, parent->kids, sizeof(*parent->kids), parent->nkids,
				 &parent->kids_cap);
	parent->kids[parent->nkids++] = n;
	return n;
}

struct wire_node *wire_add_sa(struct wire_msg *m, uint32_t doi, uint32_t situation)
{
	struct wire_node *n = wire_add(m, WIRE_PL_SA);
	n->doi = doi;
	n->situation = situation;
	return n;
}

struct wire_node *wire_add_proposal(struct wire_msg *m, struct wire_node *sa,
				    uint8_t number, uint8_t protocol,
				    const void *spi, size_t spi_len)
{
	struct wire_node *n = wire_add_kid(m, sa, WIRE_PL_P);
	n->number = number;
	n->protocol = protocol;
	wire_set_spi(m, n, spi, spi_len);
	return n;
}

struct wire_node *wire_add_transform(struct wire_msg *m, struct wire_node *prop,
				     uint8_t number, uint8_t id)
{
	struct wire_node *n = wire_add_kid(m, prop, WIRE_PL_T);
	n->number = number;
	n->id = id;
	return n;
}

struct wire_node *wire_add_id(struct wire_msg *m, uint8_t id_type, uint8_t protocol,
			      uint16_t port, const void *data, size_t len)
{
	struct wire_node *n = wire_add_data(m, WIRE_PL_ID, data, len);
	n->subtype = id_type;
	n->protocol = protocol;
	n->port = port;
	return n;
}

struct wire_node *wire_add_typed(struct wire_msg *m, uint8_t type, uint8_t subtype,
				 const void *data, size_t len)
{
	struct wire_node *n = wire_add_data(m, type, data, len);
	n->subtype = subtype;
	return n;
}

struct wire_node *wire_add_notify(struct wire_msg *m, uint32_t doi, uint8_t protocol,
				  uint16_t ntype, const void *spi, size_t spi_len,
				  const void *data, size_t len)
{
	struct wire_node *n = wire_add_data(m, WIRE_PL_N, data, len);
	n->doi = doi;
	n->protocol = protocol;
	n->subtype = ntype;
	wire_set_spi(m, n, spi, spi_len);
	return n;
}

struct wire_node *wire_add_delete(struct wire_msg *m, uint32_t doi, uint8_t protocol,
				  uint8_t spi_size, const void *spis, size_t count)
{
	struct wire_node *n = wire_add(m, WIRE_PL_D);
	n->doi = doi;
	n->protocol = protocol;
	n->spi = wire_msg_dup(m, spis, (size_t)spi_size * count);
	n->spi_size = spi_size;
	n->count = (uint32_t)count;
	return n;
}

static struct wire_attr *wire_attr_new(struct wire_msg *m, struct wire_node *n, uint16_t type)
{
	n->attrs = wire_grow(m, n->attrs, sizeof(*n->attrs), n->nattrs, &n->attrs_cap);
	struct wire_attr *a = &n->attrs[n->nattrs++];
	memset(a, 0, sizeof(*a));
	a->type = type & 0x7fff;
	return a;
}

struct wire_attr *wire_attr_tv(struct wire_msg *m, struct wire_node *n,
			       uint16_t type, uint16_t value)
{
	struct wire_attr *a = wire_attr_new(m, n, type);
	a->tv = true;
	a->tv_value = value;
	return a;
}

struct wire_attr *wire_attr_tlv(struct wire_msg *m, struct wire_node *n,
				uint16_t type, const void *p, size_t len)
{
	struct wire_attr *a = wire_attr_new(m, n, type);
	a->value = wire_msg_dup(m, p, len);
	return a;
}

struct wire_attr *wire_attr_num(struct wire_msg *m, struct wire_node *n,
				uint16_t type, uint32_t value)
{
	if (value <= 0xffff)
		return wire_attr_tv(m, n, type, (uint16_t)value);
	uint8_t b[4] = { (uint8_t)(value >> 24), (uint8_t)(value >> 16),
			 (uint8_t)(value >> 8), (uint8_t)value };
	return wire_attr_tlv(m, n, type, b, 4);
}

bool wire_attr_value(const struct wire_attr *a, uint32_t *v)
{
	if (a->tv) {
		*v = a->tv_value;
		return true;
	}
	if (a->value.len > 4)
		return false;
	uint32_t x = 0;
	for (size_t i = 0; i < a->value.len; i++)
		x = x << 8 | a->value.ptr[i];
	*v = x;
	return true;
}

const struct wire_attr *wire_attr_find(const struct wire_node *n, uint16_t type)
{
	for (size_t i = 0; i < n->nattrs; i++)
		if (n->attrs[i].type == type)
			return &n->attrs[i];
	return NULL;
}

bool wire_remove(struct wire_msg *m, size_t idx)
{
	if (idx >= m->npl)
		return false;
	memmove(m->pl + idx, m->pl + idx + 1, (m->npl - idx - 1) * sizeof(*m->pl));
	m->npl--;
	return true;
}

static void wire_ovs_copy(struct wire_msg *m, struct wire_ovs *dst, const struct wire_ovs *src)
{
	*dst = (struct wire_ovs){ 0 };
	for (size_t i = 0; i < src->n; i++)
		wire_ov_put(m, dst, src->v[i].field, src->v[i].value);
}

struct wire_node *wire_node_copy(struct wire_msg *m, const struct wire_node *n)
{
	struct wire_node *c = wire_node_new(m, n->type);
	*c = *n;
	c->spi = wire_msg_dup(m, n->spi.ptr, n->spi.len);
	c->data = wire_msg_dup(m, n->data.ptr, n->data.len);
	c->raw = wire_msg_dup(m, n->raw.ptr, n->raw.len);
	wire_ovs_copy(m, &c->ov, &n->ov);
	c->attrs = NULL;
	c->nattrs = c->attrs_cap = 0;
	for (size_t i = 0; i < n->nattrs; i++) {
		struct wire_attr *a = wire_attr_new(m, c, n->attrs[i].type);
		*a = n->attrs[i];
		a->value = wire_msg_dup(m, n->attrs[i].value.ptr, n->attrs[i].value.len);
		wire_ovs_copy(m, &a->ov, &n->attrs[i].ov);
	}
	c->kids = NULL;
	c->nkids = c->kids_cap = 0;
	for (size_t i = 0; i < n->nkids; i++) {
		struct wire_node *k = wire_node_copy(m, n->kids[i]);
		c->kids = wire_grow(m, c->kids, sizeof(*c->kids), c->nkids, &c->kids_cap);
		c->kids[c->nkids++] = k;
	}
	return c;
}

bool wire_duplicate(struct wire_msg *m, size_t idx)
{
	if (idx >= m->npl)
		return false;
	return wire_insert(m, idx + 1, wire_node_copy(m, m->pl[idx]));
}

bool wire_move(struct wire_msg *m, size_t from, size_t to)
{
	if (from >= m->npl || to >= m->npl)
		return false;
	struct wire_node *n = m->pl[from];
	wire_remove(m, from);
	return wire_insert(m, to, n);
}

long wire_index(const struct wire_msg *m, uint8_t type, size_t nth)
{
	for (size_t i = 0; i < m->npl; i++)
		if (m->pl[i]->type == type && nth-- == 0)
			return (long)i;
	return -1;
}

struct wire_node *wire_find(const struct wire_msg *m, uint8_t type, size_t nth)
{
	long i = wire_index(m, type, nth);
	return i < 0 ? NULL : m->pl[i];
}

size_t wire_count(const struct wire_msg *m, uint8_t type)
{
	size_t c = 0;
	for (size_t i = 0; i < m->npl; i++)
		c += m->pl[i]->type == type;
	return c;
}
