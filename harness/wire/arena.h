/* The message arena and forced-value lists (internal to wire/): what the
 * layers above msg.c use to allocate inside a message and to keep the
 * values wire_set forces. */
#ifndef IKEC_WIRE_ARENA_H
#define IKEC_WIRE_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/msg.h"

/* Zeroed memory owned by m, released by wire_msg_free. */
void *wire_arena_alloc(struct wire_msg *m, size_t n);

/* Forced value of field idx, if any. */
bool wire_ov_get(const struct wire_ovs *ov, unsigned idx, uint32_t *v);
void wire_ov_put(struct wire_msg *m, struct wire_ovs *ov, unsigned idx, uint32_t v);
bool wire_ov_del(struct wire_ovs *ov, unsigned idx);

#endif
