#include <string.h>
#include <time.h>

#include "core/prof.h"

static uint64_t prof_sum[PROF_COUNT];
static enum prof_phase prof_cur = PROF_OTHER;
static uint64_t prof_since;
static unsigned prof_frozen;

const char *prof_phase_name(enum prof_phase p)
{
	static const char *const names[PROF_COUNT] = {
		[PROF_OTHER] = "other", [PROF_TOPOLOGY] = "topology",
		[PROF_PEER_START] = "peer-start", [PROF_PEER_CONFIG] = "peer-config",
		[PROF_HANDSHAKE] = "handshake", [PROF_WINDOWS] = "windows",
		[PROF_PEER_VIEW] = "peer-view", [PROF_TRAFFIC] = "traffic",
		[PROF_HOLD] = "hold", [PROF_PEER_ALIVE] = "peer-alive",
		[PROF_ARTIFACTS] = "artifacts",
	};
	return (unsigned)p < PROF_COUNT ? names[p] : "?";
}

uint64_t prof_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The time since the last switch to the current phase. */
static void prof_account(void)
{
	uint64_t now = prof_now_us();
	if (prof_since)
		prof_sum[prof_cur] += now - prof_since;
	prof_since = now;
}

enum prof_phase prof_enter(enum prof_phase p)
{
	enum prof_phase old = prof_cur;
	if (prof_frozen || p == prof_cur)
		return old;
	prof_account();
	prof_cur = p;
	return old;
}

enum prof_phase prof_freeze(enum prof_phase p)
{
	enum prof_phase old = prof_enter(p);
	prof_frozen++;
	return old;
}

void prof_thaw(enum prof_phase back)
{
	if (prof_frozen && --prof_frozen == 0)
		prof_enter(back);
}

void prof_take(uint64_t out[PROF_COUNT])
{
	prof_account();
	memcpy(out, prof_sum, sizeof(prof_sum));
	memset(prof_sum, 0, sizeof(prof_sum));
	prof_cur = PROF_OTHER;
}
