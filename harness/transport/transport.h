/* Datagram transport for the IKE engine: UDP on the IKE and NAT-T ports, or
 * an in-memory hub for unit tests. Single-threaded and non-blocking; the
 * caller's event loop drives it (wait or poll on the fd, then recv until
 * there is nothing left).
 *
 * On the NAT-T port (RFC 3948) IKE messages carry a 4-byte zero non-ESP
 * marker: transport_send adds it, recv strips it and says what arrived. */
#ifndef IKEC_TRANSPORT_TRANSPORT_H
#define IKEC_TRANSPORT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/chunk.h"

#define TRANSPORT_IKE_PORT 500
#define TRANSPORT_NATT_PORT 4500
#define TRANSPORT_MAX_DGRAM 65536

/* Which of our two ports a datagram leaves from or arrived on. */
enum transport_port { TRANSPORT_PORT_IKE, TRANSPORT_PORT_NATT };

enum transport_kind {
	TRANSPORT_PKT_IKE,       /* an ISAKMP message (marker stripped) */
	TRANSPORT_PKT_ESP,       /* ESP-in-UDP on the NAT-T port, whole */
	TRANSPORT_PKT_KEEPALIVE, /* NAT-T keepalive: the single byte 0xff */
	TRANSPORT_PKT_RUNT,      /* NAT-T port, under 4 bytes, not a keepalive */
};

struct transport_pkt {
	struct netaddr src;
	struct netaddr dst;      /* the local address and port it arrived on */
	bool natt;               /* arrived on the NAT-T port */
	enum transport_kind kind;
	chunk_t data;            /* owned; IKE without the marker, else as sent */
};

struct transport;

struct transport_ops {
	/* raw: send the bytes as given (keepalives, ESP, damaged markers). */
	bool (*send)(struct transport *t, enum transport_port from,
		     const struct netaddr *to, const uint8_t *data, size_t len, bool raw);
	/* 1: a packet in out (caller frees); 0: nothing waiting; -1: error. */
	int (*recv)(struct transport *t, struct transport_pkt *out);
	/* 1: something to receive; 0: timed out; -1: error. */
	int (*wait)(struct transport *t, int timeout_ms);
	int (*fd)(struct transport *t);
	bool (*local)(struct transport *t, enum transport_port port, struct netaddr *out);
	void (*free)(struct transport *t);
};

/* Backends embed this first. */
struct transport {
	const struct transport_ops *ops;
	char err[256];           /* why the last call failed */
	uint32_t rate_pps;       /* sends per second at most (0: no limit) */
	uint64_t next_send_us;   /* the earliest monotonic time of the next */
};

/* Pace every send to at most pps per second by sleeping before it (a
 * device under test must not be flooded; ike-scan does the same). For
 * UDP only: the memory backend's time is the caller's. 0: no limit. */
void transport_set_rate(struct transport *t, uint32_t pps);

/* An IKE message; from the NAT-T port it gets the non-ESP marker. False with
 * transport_error() set when it could not be sent. */
bool transport_send(struct transport *t, enum transport_port from,
		    const struct netaddr *to, const uint8_t *data, size_t len);
/* The bytes exactly as given, no marker. */
bool transport_send_raw(struct transport *t, enum transport_port from,
			const struct netaddr *to, const uint8_t *data, size_t len);
int transport_recv(struct transport *t, struct transport_pkt *out);
/* UDP sleeps up to timeout_ms (-1: forever). Memory never sleeps: time is
 * the caller's, so it answers at once. */
int transport_wait(struct transport *t, int timeout_ms);
/* An fd that polls readable when recv has something; -1 when there is none
 * (memory). */
int transport_fd(struct transport *t);
/* The bound address of one of our ports. */
bool transport_local(struct transport *t, enum transport_port port, struct netaddr *out);
const char *transport_error(const struct transport *t);
void transport_free(struct transport *t);

void transport_pkt_free(struct transport_pkt *p);
const char *transport_kind_name(enum transport_kind kind);

/* For the backends (and tests): what both share. */
/* Classify a datagram as received on a port: fills kind and data (a copy,
 * marker stripped). Shared by the backends. */
void transport_classify(bool natt, const uint8_t *data, size_t len,
			struct transport_pkt *out);
/* The non-ESP marker when from is the NAT-T port and raw is off. */
chunk_t transport_frame(enum transport_port from, bool raw,
			const uint8_t *data, size_t len);
void transport_set_error(struct transport *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* UDP backend. The usual ports are TRANSPORT_IKE_PORT and TRANSPORT_NATT_PORT;
 * tests pass 0 for both so that they never collide with anything. */
struct transport_udp_config {
	struct netaddr local;    /* address to bind (may be 0.0.0.0 or ::);
				    its port is the IKE port, 0: kernel picks */
	uint16_t natt_port;      /* 0: kernel picks */
};
/* Binds both ports. NULL with the reason (address, port, strerror) in err. */
struct transport *transport_udp_new(const struct transport_udp_config *cfg,
				    char *err, size_t errlen);

/* In-memory backend: endpoints on a hub, delivered by exact address and
 * port, FIFO, deterministic. */
enum transport_verdict { TRANSPORT_PASS, TRANSPORT_DROP, TRANSPORT_DUPLICATE };
/* Sees each packet as its receiver would (marker stripped, natt set by the
 * destination port). */
typedef enum transport_verdict (*transport_filter_fn)(void *ctx,
						      const struct transport_pkt *pkt);

struct transport_hub_entry {
	uint64_t time_ms;        /* the hub clock when it was sent */
	struct transport_pkt pkt;
	enum transport_verdict verdict;
	bool delivered;          /* an endpoint had the destination address */
};

struct transport_hub_stats {
	size_t sent;
	size_t delivered;        /* copies queued, duplicates included */
	size_t dropped_filter;
	size_t dropped_unknown;  /* no endpoint at the destination */
};

struct transport_hub;
struct transport_hub *transport_hub_new(void);
/* Endpoints still attached are detached; their sends then fail. */
void transport_hub_free(struct transport_hub *h);
void transport_hub_set_filter(struct transport_hub *h, transport_filter_fn fn, void *ctx);
/* The caller's clock, stamped on log entries. */
void transport_hub_set_time(struct transport_hub *h, uint64_t ms);
const struct transport_hub_entry *transport_hub_log(const struct transport_hub *h,
						    size_t *count);
struct transport_hub_stats transport_hub_stats(const struct transport_hub *h);
/* An endpoint at ike (address and IKE port) with the NAT-T port on the same
 * address. NULL with err set when a port is 0 or already attached. */
struct transport *transport_mem_new(struct transport_hub *h, const struct netaddr *ike,
				    uint16_t natt_port, char *err, size_t errlen);

#endif
