/* The engine-pair fixture: an initiator and a responder engine over the
 * in-memory transport hub, shared by the ike, seeds and timeline suites. */
#ifndef IKEC_TESTS_PAIR_H
#define IKEC_TESTS_PAIR_H

#include <stdint.h>

#include "core/addr.h"
#include "ike/engine.h"
#include "transport/transport.h"

/* Both sides' pre-shared key. */
extern const char test_psk[];

struct pair {
	struct transport_hub *hub;
	struct transport *ti, *tr;    /* 192.0.2.1:500 and 192.0.2.2:500, NAT-T 4500 */
	struct netaddr ai, ar;
	struct ike_config ci, cr;
	struct ike_engine *ei, *er;
	uint64_t end;                 /* the hub's time when pair_run returned */
};

/* An address ("ip" or "ip:port", port 500 by default); a bad one fails
 * the test. */
struct netaddr test_addr(const char *s);
/* Two configs with the same proposals (p2 NULL: phase 1 only) and the
 * PSK; the caller adjusts before pair_start. */
void pair_init(struct pair *p, const char *p1, const char *p2);
/* The engines, with scripts (NULL, 0: the default exchange). */
void pair_start(struct pair *p, const struct ike_step *si, size_t nsi,
		const struct ike_step *sr, size_t nsr);
/* Both engines until they are done or end_ms on the hub's clock. */
void pair_run_until(struct pair *p, uint64_t end_ms);
/* pair_run_until 120 s. */
void pair_run(struct pair *p);
void pair_free(struct pair *p);

#endif
