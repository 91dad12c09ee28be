/* Payload formats as data (internal to wire/): one table of fields per
 * payload, walked by walk.c to parse, build and print every payload. */
#ifndef IKEC_WIRE_FIELDS_H
#define IKEC_WIRE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/msg.h"
#include "wire/names.h"

enum wire_kind {
	WK_UINT,        /* plain number (1-4 bytes) */
	WK_RESERVED,    /* number that must be zero */
	WK_NEXT,        /* next payload type: computed from the chain */
	WK_LENGTH,      /* payload/message length: computed */
	WK_SPI_SIZE,    /* computed from the SPI bytes (D: from the member) */
	WK_COUNT,       /* transforms in a proposal / SPIs in a delete */
	WK_FIXED,       /* fixed-width bytes (cookies) */
	WK_SPI,         /* spi_size bytes */
	WK_SPIS,        /* count * spi_size bytes */
	WK_DATA,        /* the rest of the payload */
	WK_ATTRS,       /* data attributes to the end */
	WK_KIDS,        /* child payloads (proposals, transforms) to the end */
};

/* How a number prints: a names space (>= 0) or one of these. */
enum wire_pr {
	PR_DEC = -1, PR_HEX = -2, PR_VERSION = -3, PR_FLAGS = -4, PR_SIT = -5,
	PR_XFORM = -6,  /* transform ID: names by the proposal's protocol */
	PR_PAYLOAD = NAMES_PAYLOAD,
};

struct wire_field {
	const char *name;     /* path component: "length", "doi" */
	const char *label;    /* printed: "Payload length" */
	uint8_t width;        /* bytes on the wire; 0: variable */
	uint8_t kind;         /* enum wire_kind */
	uint16_t off;         /* offsetof the member in its object */
	int8_t pr;            /* enum wire_pr or enum names_space */
};

struct wire_format {
	uint8_t type;
	const char *name;     /* short name in messages: "KE", "proposal" */
	const char *path;     /* path name: "ke", "proposal" */
	const char *label;    /* printed title */
	size_t min;           /* minimum length, generic header included */
	const struct wire_field *f;
	size_t nf;
	uint8_t kid_type;     /* WK_KIDS: type of the children */
};

extern const struct wire_format wire_fmt_header;
extern const struct wire_format wire_fmt_opaque;
/* Attribute pseudo-fields for paths: af, type, length, value. */
enum { WIRE_AF_AF, WIRE_AF_TYPE, WIRE_AF_LENGTH, WIRE_AF_VALUE, WIRE_AF_COUNT };
extern const struct wire_field wire_attr_fields[WIRE_AF_COUNT];

/* The format of a payload type. Proposal and transform only as children
 * (top == false); unknown types get wire_fmt_opaque. */
const struct wire_format *wire_format_get(uint8_t type, bool top);
/* The format of a node: by type, and whether it is a child. */
const struct wire_format *wire_node_format(const struct wire_node *n);
/* A top-level format by path name or alias ("notify"), NULL if none. */
const struct wire_format *wire_format_by_path(const char *name, size_t len);
/* Field index by name, -1 if the format has none. */
int wire_field_index(const struct wire_format *fmt, const char *name, size_t len);

/* Forced value of field idx, if any. */
bool wire_ov_get(const struct wire_ovs *ov, unsigned idx, uint32_t *v);
void wire_ov_put(struct wire_msg *m, struct wire_ovs *ov, unsigned idx, uint32_t v);
bool wire_ov_del(struct wire_ovs *ov, unsigned idx);

/* Error helper: "<payload> payload at offset <poff>: <text>"; with poff
 * WIRE_NO_OFFSET (a payload that is missing) "ISAKMP message: <text>". */
#define WIRE_NO_OFFSET ((size_t)-1)
void wire_err_set(struct wire_err *e, uint16_t notify, const char *payload,
		  const char *field, size_t poff, size_t foff, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Arena allocation (msg.c). */
void *wire_arena_alloc(struct wire_msg *m, size_t n);

/* Walker (walk.c). */
bool wire_walk_parse_node(struct wire_msg *m, const struct wire_format *fmt,
			  struct wire_node *n, const uint8_t *p, size_t avail,
			  size_t base, const char *container, struct wire_err *err);
bool wire_walk_parse_attrs(struct wire_msg *m, struct wire_node *n,
			   const uint8_t *p, size_t len, size_t base,
			   const char *owner, size_t owner_off, struct wire_err *err);
void wire_walk_build_node(struct writer *w, const struct wire_node *n, uint8_t next);
void wire_walk_build_attrs(struct writer *w, const struct wire_attr *a, size_t n);
/* The value a numeric field builds to (forced, computed or the member). */
uint32_t wire_walk_value(const struct wire_format *fmt, unsigned idx,
			 const void *obj, const struct wire_ovs *ov, uint32_t computed);
uint32_t wire_node_field(const struct wire_node *n, unsigned idx, uint8_t next);

#endif
