/* Scripts: the default one for a config's role and exchange, and a step
 * in words. */
#include "ike/engine.h"

#include <stdio.h>
#include <string.h>

#include "wire/names.h"

size_t ike_script_default(const struct ike_config *cfg, struct ike_step *steps, size_t max)
{
	static const enum ike_kind mm[] = { IKE_K_MM1, IKE_K_MM2, IKE_K_MM3, IKE_K_MM4,
					    IKE_K_MM5, IKE_K_MM6 };
	static const enum ike_kind am[] = { IKE_K_AM1, IKE_K_AM2, IKE_K_AM3 };
	static const enum ike_kind qm[] = { IKE_K_QM1, IKE_K_QM2, IKE_K_QM3, IKE_K_QM4 };
	enum ike_kind seq[16];
	size_t n = 0;
	bool aggr = cfg->exchange == WIRE_X_AGGR;
	const enum ike_kind *p1 = aggr ? am : mm;
	size_t np1 = aggr ? 3 : 6;
	for (size_t i = 0; i < np1; i++)
		seq[n++] = p1[i];
	size_t qstart = n;
	if (cfg->np2)
		for (size_t i = 0; i < (cfg->commit ? 4u : 3u); i++)
			seq[n++] = qm[i];
	size_t k = 0;
	bool init = cfg->role == IKE_INITIATOR;
	for (size_t i = 0; i < n && k < max; i++) {
		/* odd messages come from the initiator, in each exchange */
		size_t pos = i < qstart ? i : i - qstart;
		bool ours = (pos % 2 == 0) == init;
		/* qm4 comes from the responder */
		memset(&steps[k], 0, sizeof(steps[k]));
		steps[k].op = ours ? IKE_STEP_SEND : IKE_STEP_EXPECT;
		steps[k].kind = seq[i];
		k++;
	}
	return k;
}

const char *ike_step_str(const struct ike_step *s, char *buf, size_t len)
{
	char nb[64];
	switch (s->op) {
	case IKE_STEP_SEND:
		if (s->kind == IKE_K_NOTIFY)
			snprintf(buf, len, "send notify %s", names_fmt(NAMES_NOTIFY, s->notify, nb, sizeof(nb)));
		else
			snprintf(buf, len, "send %s%s", ike_kind_name(s->kind),
				 s->nmut ? " (mutated)" : "");
		break;
	case IKE_STEP_EXPECT:
		snprintf(buf, len, "expect %s", ike_kind_name(s->kind));
		break;
	case IKE_STEP_EXPECT_NOTIFY:
		snprintf(buf, len, "expect notify %s%s",
			 s->notify ? names_fmt(NAMES_NOTIFY, s->notify, nb, sizeof(nb)) : "(any)",
			 s->or_silence ? " or silence" : "");
		break;
	case IKE_STEP_EXPECT_SILENCE:
		snprintf(buf, len, "expect silence for %u ms", s->within_ms);
		break;
	case IKE_STEP_WAIT:
		snprintf(buf, len, "wait %u ms", s->wait_ms);
		break;
	case IKE_STEP_CHECK:
		snprintf(buf, len, "check state %s", ike_sa_state_name(s->state));
		break;
	}
	return buf;
}
