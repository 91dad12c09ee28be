#include "core/chunk.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fputs("ike-conform: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p) {
		fputs("ike-conform: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fputs("ike-conform: out of memory\n", stderr);
		abort();
	}
	return q;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xmalloc(n), s, n);
}

chunk_t chunk_alloc(size_t len)
{
	return (chunk_t){ xcalloc(1, len), len };
}

chunk_t chunk_dup(const void *ptr, size_t len)
{
	chunk_t c = { xmalloc(len), len };
	if (len)
		memcpy(c.ptr, ptr, len);
	return c;
}

void chunk_free(chunk_t *c)
{
	free(c->ptr);
	*c = CHUNK_EMPTY;
}

void chunk_clear(chunk_t *c)
{
	if (c->ptr)
		OPENSSL_cleanse(c->ptr, c->len);
	chunk_free(c);
}

bool chunk_eq(chunk_t a, chunk_t b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

chunk_t chunk_cat(size_t n, const chunk_t *parts)
{
	size_t total = 0, off = 0;
	for (size_t i = 0; i < n; i++)
		total += parts[i].len;
	chunk_t c = { xmalloc(total), total };
	for (size_t i = 0; i < n; i++) {
		if (parts[i].len)
			memcpy(c.ptr + off, parts[i].ptr, parts[i].len);
		off += parts[i].len;
	}
	return c;
}

bool reader_u8(struct reader *r, uint8_t *v)
{
	if (reader_left(r) < 1)
		return false;
	*v = r->p[r->off++];
	return true;
}

bool reader_u16(struct reader *r, uint16_t *v)
{
	if (reader_left(r) < 2)
		return false;
	*v = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return true;
}

bool reader_u32(struct reader *r, uint32_t *v)
{
	if (reader_left(r) < 4)
		return false;
	const uint8_t *p = r->p + r->off;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	r->off += 4;
	return true;
}

bool reader_bytes(struct reader *r, size_t n, const uint8_t **out)
{
	if (reader_left(r) < n)
		return false;
	*out = r->p + r->off;
	r->off += n;
	return true;
}

bool reader_skip(struct reader *r, size_t n)
{
	if (reader_left(r) < n)
		return false;
	r->off += n;
	return true;
}

void writer_init(struct writer *w)
{
	*w = (struct writer){ NULL, 0, 0 };
}

void writer_free(struct writer *w)
{
	free(w->p);
	writer_init(w);
}

static void writer_reserve(struct writer *w, size_t n)
{
	if (w->cap - w->len >= n)
		return;
	size_t cap = w->cap ? w->cap : 256;
	while (cap - w->len < n)
		cap *= 2;
	w->p = xrealloc(w->p, cap);
	w->cap = cap;
}

void writer_bytes(struct writer *w, const void *p, size_t n)
{
	writer_reserve(w, n);
	if (n)
		memcpy(w->p + w->len, p, n);
	w->len += n;
}

bool writer_read(struct writer *w, FILE *f, size_t max)
{
	uint8_t buf[8192];
	size_t start = w->len, n;
	while (w->len - start <= max && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		writer_bytes(w, buf, n);
	return !ferror(f);
}

void writer_zero(struct writer *w, size_t n)
{
	writer_reserve(w, n);
	memset(w->p + w->len, 0, n);
	w->len += n;
}

void writer_u8(struct writer *w, uint8_t v)
{
	writer_bytes(w, &v, 1);
}

void writer_u16(struct writer *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	writer_bytes(w, b, 2);
}

void writer_u32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	writer_bytes(w, b, 4);
}

void writer_put_u16_at(struct writer *w, size_t off, uint16_t v)
{
	if (off + 2 > w->len)
		abort(); /* a builder bug, never input-driven */
	w->p[off] = (uint8_t)(v >> 8);
	w->p[off + 1] = (uint8_t)v;
}

void writer_put_u32_at(struct writer *w, size_t off, uint32_t v)
{
	if (off + 4 > w->len)
		abort();
	w->p[off] = (uint8_t)(v >> 24);
	w->p[off + 1] = (uint8_t)(v >> 16);
	w->p[off + 2] = (uint8_t)(v >> 8);
	w->p[off + 3] = (uint8_t)v;
}

chunk_t writer_take(struct writer *w)
{
	chunk_t c = { w->p, w->len };
	writer_init(w);
	return c;
}
