/* Error messages of the wire layer, in one format. */
#include "wire/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void wire_err_set(struct wire_err *e, uint16_t notify, const char *payload,
		  const char *field, size_t poff, size_t foff, const char *fmt, ...)
{
	if (!e)
		return;
	e->notify = notify;
	e->offset = foff;
	e->payload_offset = poff == WIRE_NO_OFFSET ? 0 : poff;
	snprintf(e->payload, sizeof(e->payload), "%s", payload);
	snprintf(e->field, sizeof(e->field), "%s", field);
	int n = strcmp(payload, "header") == 0
		? snprintf(e->msg, sizeof(e->msg), "ISAKMP header: ")
		: poff == WIRE_NO_OFFSET ? snprintf(e->msg, sizeof(e->msg), "ISAKMP message: ")
		: snprintf(e->msg, sizeof(e->msg), "%s payload at offset %zu: ", payload, poff);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(e->msg))
		vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}
