/* Byte strings: owned chunks and bounds-checked readers. */
#ifndef IKEC_CORE_CHUNK_H
#define IKEC_CORE_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

/* A byte string. Owned or borrowed is up to the holder; chunk_free() only
 * for ones made by chunk_alloc/chunk_dup/chunk_cat/hex_decode. */
typedef struct {
	uint8_t *ptr;
	size_t len;
} chunk_t;

#define CHUNK_EMPTY ((chunk_t){ NULL, 0 })
#define CHUNK_FROM(p, n) ((chunk_t){ (uint8_t *)(p), (n) })

chunk_t chunk_alloc(size_t len);                 /* zeroed */
chunk_t chunk_dup(const void *ptr, size_t len);
void chunk_free(chunk_t *c);                     /* frees and empties */
void chunk_clear(chunk_t *c);                    /* wipes, frees, empties */
bool chunk_eq(chunk_t a, chunk_t b);
/* Concatenate n chunks into a new one. */
chunk_t chunk_cat(size_t n, const chunk_t *parts);

/* Bounded reader: every read checks the remaining length first. */
struct reader {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline struct reader reader_init(const void *p, size_t len)
{
	return (struct reader){ (const uint8_t *)p, len, 0 };
}
static inline size_t reader_left(const struct reader *r)
{
	return r->len - r->off;
}
bool reader_u8(struct reader *r, uint8_t *v);
bool reader_u16(struct reader *r, uint16_t *v);   /* network order */
bool reader_u32(struct reader *r, uint32_t *v);
bool reader_bytes(struct reader *r, size_t n, const uint8_t **out);
bool reader_skip(struct reader *r, size_t n);

/* Growable writer for building datagrams. */
struct writer {
	uint8_t *p;
	size_t len;
	size_t cap;
};

void writer_init(struct writer *w);
void writer_free(struct writer *w);
void writer_u8(struct writer *w, uint8_t v);
void writer_u16(struct writer *w, uint16_t v);
void writer_u32(struct writer *w, uint32_t v);
void writer_bytes(struct writer *w, const void *p, size_t n);
void writer_zero(struct writer *w, size_t n);
/* Overwrite bytes already written (for lengths known only at the end). */
void writer_put_u16_at(struct writer *w, size_t off, uint16_t v);
void writer_put_u32_at(struct writer *w, size_t off, uint32_t v);
/* Hand the buffer over as a chunk; the writer is empty afterwards. */
chunk_t writer_take(struct writer *w);
/* Append the rest of a stream, stopping once more than max bytes came
 * (the caller sees the excess in len). False on a read error. */
bool writer_read(struct writer *w, FILE *f, size_t max);

/* Allocation that never returns NULL: out of memory aborts the process. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
