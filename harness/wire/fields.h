/* Payload formats as data (internal to wire/): one table of fields per
 * payload, walked by walk.c to parse, build and print every payload.
 * Below the walker: nothing here knows how a field is read or written. */
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

#endif
