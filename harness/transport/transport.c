/* The transport interface: dispatch and what both backends share. */
#include "transport/transport.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const uint8_t transport_marker[4];

void transport_set_rate(struct transport *t, uint32_t pps)
{
	t->rate_pps = pps;
	t->next_send_us = 0;
}

static void transport_pace(struct transport *t)
{
	if (!t->rate_pps)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	if (now < t->next_send_us) {
		uint64_t d = t->next_send_us - now;
		struct timespec w = { (time_t)(d / 1000000u), (long)(d % 1000000u) * 1000 };
		while (nanosleep(&w, &w) != 0 && errno == EINTR)
			;
		now = t->next_send_us;
	}
	t->next_send_us = now + 1000000u / t->rate_pps;
}

bool transport_send(struct transport *t, enum transport_port from,
		    const struct netaddr *to, const uint8_t *data, size_t len)
{
	transport_pace(t);
	return t->ops->send(t, from, to, data, len, false);
}

bool transport_send_raw(struct transport *t, enum transport_port from,
			const struct netaddr *to, const uint8_t *data, size_t len)
{
	transport_pace(t);
	return t->ops->send(t, from, to, data, len, true);
}

int transport_recv(struct transport *t, struct transport_pkt *out)
{
	return t->ops->recv(t, out);
}

int transport_wait(struct transport *t, int timeout_ms)
{
	return t->ops->wait(t, timeout_ms);
}

int transport_fd(struct transport *t)
{
	return t->ops->fd(t);
}

bool transport_local(struct transport *t, enum transport_port port, struct netaddr *out)
{
	return t->ops->local(t, port, out);
}

const char *transport_error(const struct transport *t)
{
	return t->err;
}

void transport_free(struct transport *t)
{
	if (t)
		t->ops->free(t);
}

void transport_set_error(struct transport *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
}

void transport_pkt_free(struct transport_pkt *p)
{
	chunk_free(&p->data);
}

void transport_classify(bool natt, const uint8_t *data, size_t len,
			struct transport_pkt *out)
{
	out->natt = natt;
	if (!natt) {
		out->kind = TRANSPORT_PKT_IKE; /* port 500 carries nothing else */
	} else if (len == 1 && data[0] == 0xff) {
		out->kind = TRANSPORT_PKT_KEEPALIVE;
	} else if (len < 4) {
		out->kind = TRANSPORT_PKT_RUNT;
	} else if (memcmp(data, transport_marker, 4) == 0) {
		out->kind = TRANSPORT_PKT_IKE;
		data += 4;
		len -= 4;
	} else {
		out->kind = TRANSPORT_PKT_ESP; /* a non-zero SPI */
	}
	out->data = chunk_dup(data, len);
}

chunk_t transport_frame(enum transport_port from, bool raw,
			const uint8_t *data, size_t len)
{
	if (from != TRANSPORT_PORT_NATT || raw)
		return chunk_dup(data, len);
	chunk_t parts[2] = { CHUNK_FROM(transport_marker, 4), CHUNK_FROM(data, len) };
	return chunk_cat(2, parts);
}

const char *transport_kind_name(enum transport_kind kind)
{
	switch (kind) {
	case TRANSPORT_PKT_IKE: return "ike";
	case TRANSPORT_PKT_ESP: return "esp-in-udp";
	case TRANSPORT_PKT_KEEPALIVE: return "keepalive";
	case TRANSPORT_PKT_RUNT: return "runt";
	}
	return "?";
}
