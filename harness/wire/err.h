/* Filling a struct wire_err (internal to wire/): one message format for
 * the walker, the parser, the validator and the rules. */
#ifndef IKEC_WIRE_ERR_H
#define IKEC_WIRE_ERR_H

#include <stddef.h>
#include <stdint.h>

#include "wire/msg.h"

/* Error helper: "<payload> payload at offset <poff>: <text>"; with poff
 * WIRE_NO_OFFSET (a payload that is missing) "ISAKMP message: <text>". */
#define WIRE_NO_OFFSET ((size_t)-1)
void wire_err_set(struct wire_err *e, uint16_t notify, const char *payload,
		  const char *field, size_t poff, size_t foff, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

#endif
