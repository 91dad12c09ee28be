/* The walker (internal to wire/): parses and builds any payload from its
 * field table (fields.h); parse.c, path.c, print.c and validate.c use it. */
#ifndef IKEC_WIRE_WALK_H
#define IKEC_WIRE_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"
#include "wire/fields.h"
#include "wire/msg.h"

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
