/* Where a case's time goes: the wall clock of one process split into
 * phases (topology, peer configuration, handshake, windows ...). The
 * worker runs one case at a time, so one set of counters per process is
 * enough; the code marks the phase it enters, and the worker takes the
 * sums with the verdict (ike-conform run --profile-time, make bench). */
#ifndef IKEC_CORE_PROF_H
#define IKEC_CORE_PROF_H

#include <stdint.h>

enum prof_phase {
	PROF_OTHER,               /* not marked: plan, folders, judge */
	PROF_TOPOLOGY,            /* namespaces and links built or torn down */
	PROF_PEER_START,          /* the peer's daemon started (first use, restarts) */
	PROF_PEER_CONFIG,         /* both sides configured: files, reload, old SAs cleared */
	PROF_HANDSHAKE,           /* the engine's script while it sends or awaits an answer */
	PROF_WINDOWS,             /* silence, reaction and wait windows of the script */
	PROF_PEER_VIEW,           /* the peer's view read (and awaited) */
	PROF_TRAFFIC,             /* the traffic check through the SAs */
	PROF_HOLD,                /* hold: rekeys, keepalives, remaps over time */
	PROF_PEER_ALIVE,          /* the clean handshake after the case */
	PROF_ARTIFACTS,           /* captures closed, logs and artifacts written */
	PROF_COUNT
};

const char *prof_phase_name(enum prof_phase p);
/* The monotonic clock in microseconds. */
uint64_t prof_now_us(void);
/* Time from now on counts to p; returns the phase it counted to before
 * (to go back to). Ignored while frozen. */
enum prof_phase prof_enter(enum prof_phase p);
/* Everything until prof_thaw counts to p, whatever is entered inside
 * (the peer-alive handshake is a whole case run of its own). */
enum prof_phase prof_freeze(enum prof_phase p);
void prof_thaw(enum prof_phase back);
/* The sums since the last take, in microseconds, into out; the counters
 * start again from zero in PROF_OTHER. */
void prof_take(uint64_t out[PROF_COUNT]);

#endif
