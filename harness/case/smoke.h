/* The smoke cases: what `ike-conform smoke`, the kernel lane and the tests
 * run without a suite file, each with its spec and its verdict. */
#ifndef IKEC_CASE_SMOKE_H
#define IKEC_CASE_SMOKE_H

#include "case/case.h"
#include "case/env.h"

struct case_smoke {
	const char *name;
	bool harness_initiates;
	uint8_t exchange;
	uint16_t auth;
	const char *peer_p1;              /* a mismatch: refusal expected */
};
/* Main Mode PSK, Aggressive Mode PSK, Main Mode RSA, each both ways, and a
 * proposal mismatch both ways. */
extern const struct case_smoke case_smokes[];
extern const size_t case_nsmoke;

/* The spec of a smoke case (pointers into c and v). */
struct case_spec case_smoke_spec(const struct case_smoke *c, const struct case_env *v,
				       bool force_encap);
/* The verdict of a smoke case: established with the views agreeing, or
 * refused with NO-PROPOSAL-CHOSEN on the wire (received by the harness as
 * initiator, sent as responder); never a looping peer. why says what was
 * wrong, or what happened. */
bool case_smoke_judge(const struct case_smoke *c, const struct case_result *r,
			 char *why, size_t len);

#endif
