/* The virtual-time runner: engines over the in-memory hub, ticked and
 * polled until all are done and nothing is in flight. */
#include "ike/engine_internal.h"

uint64_t ike_run(struct ike_engine **e, size_t n, struct transport_hub *hub,
		 uint64_t start_ms, uint64_t limit_ms)
{
	uint64_t now = start_ms;
	transport_hub_set_time(hub, now);
	for (;;) {
		uint64_t next = IKE_NEVER;
		size_t before, moved;
		do {
			before = transport_hub_stats(hub).sent;
			moved = 0;
			next = IKE_NEVER;
			for (size_t i = 0; i < n; i++)
				next = ike_min(next, ike_engine_tick(e[i], now));
			for (size_t i = 0; i < n; i++)
				moved += ike_engine_poll(e[i], now);
		} while (moved || transport_hub_stats(hub).sent != before);
		bool all = true;
		for (size_t i = 0; i < n; i++)
			all = all && ike_engine_done(e[i]) &&
			      !(e[i]->rekey_margin && e[i]->auto_next != IKE_NEVER);
		/* done scripts may still retransmit or wait on nothing: stop */
		if (all || next == IKE_NEVER || next > limit_ms)
			break;
		now = next;
		transport_hub_set_time(hub, now);
	}
	return now;
}
