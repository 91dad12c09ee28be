/* In-memory backend: endpoints on a hub, no sockets, no threads, no clock
 * of its own, so a test runs the same way every time. */
#include "transport/transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct transport_mem_node {
	struct transport_mem_node *next;
	struct transport_pkt pkt;
};

struct transport_mem {
	struct transport base;
	struct transport_hub *hub;   /* NULL once the hub is freed */
	struct netaddr local[2];     /* indexed by enum transport_port */
	struct transport_mem_node *head, **tail;
};

struct transport_hub {
	struct transport_mem **eps;
	size_t neps;
	transport_filter_fn filter;
	void *filter_ctx;
	uint64_t now;
	struct transport_hub_entry *log;
	size_t nlog, caplog;
	struct transport_hub_stats stats;
};

/* The endpoint owning addr, and which of its ports it is. */
static struct transport_mem *transport_hub_find(struct transport_hub *h,
						const struct netaddr *addr,
						enum transport_port *port)
{
	for (size_t i = 0; i < h->neps; i++)
		for (int p = 0; p < 2; p++)
			if (netaddr_eq(&h->eps[i]->local[p], addr)) {
				*port = (enum transport_port)p;
				return h->eps[i];
			}
	return NULL;
}

static void transport_mem_enqueue(struct transport_mem *m, const struct transport_pkt *pkt)
{
	struct transport_mem_node *n = xcalloc(1, sizeof(*n));
	n->pkt = *pkt;
	n->pkt.data = chunk_dup(pkt->data.ptr, pkt->data.len);
	*m->tail = n;
	m->tail = &n->next;
}

static void transport_hub_record(struct transport_hub *h, const struct transport_pkt *pkt,
				 enum transport_verdict verdict, bool delivered)
{
	if (h->nlog == h->caplog) {
		h->caplog = h->caplog ? 2 * h->caplog : 16;
		h->log = xrealloc(h->log, h->caplog * sizeof(*h->log));
	}
	struct transport_hub_entry *e = &h->log[h->nlog++];
	*e = (struct transport_hub_entry){ h->now, *pkt, verdict, delivered };
	e->pkt.data = chunk_dup(pkt->data.ptr, pkt->data.len);
}

static bool transport_mem_send(struct transport *t, enum transport_port from,
			       const struct netaddr *to, const uint8_t *data,
			       size_t len, bool raw)
{
	struct transport_mem *m = (struct transport_mem *)t;
	struct transport_hub *h = m->hub;
	char a[NETADDR_STRLEN];

	netaddr_str(to, a, sizeof(a));
	if (from != TRANSPORT_PORT_IKE && from != TRANSPORT_PORT_NATT) {
		transport_set_error(t, "send to %s: no such local port (%d)", a, (int)from);
		return false;
	}
	if (!h) {
		transport_set_error(t, "send to %s: the hub was freed", a);
		return false;
	}
	/* Classify as the receiver would: by the port it arrives on. */
	enum transport_port port = from;
	struct transport_mem *dst = transport_hub_find(h, to, &port);
	struct transport_pkt pkt = { .src = m->local[from], .dst = *to };
	chunk_t wire = transport_frame(from, raw, data, len);
	transport_classify(port == TRANSPORT_PORT_NATT, wire.ptr, wire.len, &pkt);
	chunk_free(&wire);

	enum transport_verdict v = h->filter ? h->filter(h->filter_ctx, &pkt) : TRANSPORT_PASS;
	h->stats.sent++;
	transport_hub_record(h, &pkt, v, dst && v != TRANSPORT_DROP);
	if (v == TRANSPORT_DROP) {
		h->stats.dropped_filter++;
	} else if (!dst) {
		h->stats.dropped_unknown++; /* like UDP: the sender is not told */
	} else {
		transport_mem_enqueue(dst, &pkt);
		h->stats.delivered++;
		if (v == TRANSPORT_DUPLICATE) {
			transport_mem_enqueue(dst, &pkt);
			h->stats.delivered++;
		}
	}
	transport_pkt_free(&pkt);
	return true;
}

static int transport_mem_recv(struct transport *t, struct transport_pkt *out)
{
	struct transport_mem *m = (struct transport_mem *)t;
	struct transport_mem_node *n = m->head;
	if (!n)
		return 0;
	m->head = n->next;
	if (!m->head)
		m->tail = &m->head;
	*out = n->pkt;
	free(n);
	return 1;
}

static int transport_mem_wait(struct transport *t, int timeout_ms)
{
	(void)timeout_ms; /* nothing can arrive while we sleep: no threads */
	return ((struct transport_mem *)t)->head != NULL;
}

static int transport_mem_fd(struct transport *t)
{
	(void)t;
	return -1;
}

static bool transport_mem_local(struct transport *t, enum transport_port port,
				struct netaddr *out)
{
	if (port != TRANSPORT_PORT_IKE && port != TRANSPORT_PORT_NATT)
		return false;
	*out = ((struct transport_mem *)t)->local[port];
	return true;
}

static void transport_mem_free(struct transport *t)
{
	struct transport_mem *m = (struct transport_mem *)t;
	struct transport_hub *h = m->hub;
	for (size_t i = 0; h && i < h->neps; i++)
		if (h->eps[i] == m) {
			memmove(&h->eps[i], &h->eps[i + 1], (h->neps - i - 1) * sizeof(*h->eps));
			h->neps--;
			break;
		}
	struct transport_pkt pkt;
	while (transport_mem_recv(t, &pkt))
		transport_pkt_free(&pkt);
	free(m);
}

static const struct transport_ops transport_mem_ops = {
	.send = transport_mem_send,
	.recv = transport_mem_recv,
	.wait = transport_mem_wait,
	.fd = transport_mem_fd,
	.local = transport_mem_local,
	.free = transport_mem_free,
};

struct transport *transport_mem_new(struct transport_hub *h, const struct netaddr *ike,
				    uint16_t natt_port, char *err, size_t errlen)
{
	char a[NETADDR_STRLEN];
	struct netaddr local[2] = { *ike, *ike };
	local[TRANSPORT_PORT_NATT].port = natt_port;
	enum transport_port p;

	if (!netaddr_iplen(ike) || !ike->port || !natt_port || ike->port == natt_port) {
		snprintf(err, errlen, "memory transport %s: needs an address and two "
			 "different non-zero ports (NAT-T %u)",
			 netaddr_str(ike, a, sizeof(a)), natt_port);
		return NULL;
	}
	for (int i = 0; i < 2; i++)
		if (transport_hub_find(h, &local[i], &p)) {
			snprintf(err, errlen, "memory transport: %s is already attached",
				 netaddr_str(&local[i], a, sizeof(a)));
			return NULL;
		}
	struct transport_mem *m = xcalloc(1, sizeof(*m));
	m->base.ops = &transport_mem_ops;
	m->hub = h;
	memcpy(m->local, local, sizeof(local));
	m->tail = &m->head;
	h->eps = xrealloc(h->eps, (h->neps + 1) * sizeof(*h->eps));
	h->eps[h->neps++] = m;
	return &m->base;
}

struct transport_hub *transport_hub_new(void)
{
	return xcalloc(1, sizeof(struct transport_hub));
}

void transport_hub_free(struct transport_hub *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->neps; i++)
		h->eps[i]->hub = NULL;
	for (size_t i = 0; i < h->nlog; i++)
		transport_pkt_free(&h->log[i].pkt);
	free(h->log);
	free(h->eps);
	free(h);
}

void transport_hub_set_filter(struct transport_hub *h, transport_filter_fn fn, void *ctx)
{
	h->filter = fn;
	h->filter_ctx = ctx;
}

void transport_hub_set_time(struct transport_hub *h, uint64_t ms)
{
	h->now = ms;
}

const struct transport_hub_entry *transport_hub_log(const struct transport_hub *h,
						    size_t *count)
{
	*count = h->nlog;
	return h->log;
}

struct transport_hub_stats transport_hub_stats(const struct transport_hub *h)
{
	return h->stats;
}
