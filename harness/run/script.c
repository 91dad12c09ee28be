/* A suite case's script in the engine's terms (run/run.h): each step
 * into an ike_step, its mutations into engine ops. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run.h"
#include "wire/msg.h"
#include "wire/names.h"

static bool run_script_fail(const struct suite_step *st, char *err, size_t errlen,
			    const char *why)
{
	snprintf(err, errlen, "step at line %u, column %u: %s", st->line, st->col, why);
	return false;
}

/* A send step's mutations into mut from *nm on: the suite's own, then
 * its catalog entry's (bytes in the catalog's storage). */
static bool run_script_send(const struct suite_step *st, struct ike_step *s,
			    struct ike_mutation *mut, size_t *nm, size_t maxmut, char *err,
			    size_t errlen)
{
	s->op = IKE_STEP_SEND;
	s->kind = st->msg;
	s->mut = mut + *nm;
	for (size_t k = 0; k < st->nmutations; k++) {
		const struct suite_mutation *m = &st->mutations[k];
		char *end;
		if (*nm >= maxmut)
			return run_script_fail(st, err, errlen, "too many mutations");
		if (m->catalog) {
			size_t got = ike_catalog_mutations(m->catalog, mut + *nm, maxmut - *nm);
			if (!got)
				return run_script_fail(st, err, errlen, "too many mutations");
			*nm += got;
			s->nmut += got;
			continue;
		}
		struct ike_mutation *o = &mut[(*nm)++];
		*o = (struct ike_mutation){ .op = m->op, .path = m->field, .payload = m->payload,
					    .nth = m->nth, .offset = m->offset, .value = m->value,
					    .bytes = CHUNK_FROM(m->bytes, m->nbytes) };
		s->nmut++;
		if (m->op != IKE_MUT_SET)
			continue;
		errno = 0;
		unsigned long val = strtoul(m->set, &end, 0);
		if (errno || end == m->set || *end || val > UINT32_MAX) {
			snprintf(err, errlen, "mutation at line %u, column %u: '%s' "
				 "is not a number the field can take", m->line, m->col, m->set);
			return false;
		}
		o->value = (uint32_t)val;
	}
	if (st->catalog) {
		size_t k = ike_catalog_mutations(st->catalog, mut + *nm, maxmut - *nm);
		if (!k)
			return run_script_fail(st, err, errlen, "too many mutations");
		*nm += k;
		s->nmut += k;
	}
	return true;
}

/* An expect step: one message, one notify with or without silence, or
 * silence alone, as the engine takes alternatives. */
static bool run_script_expect(const struct suite_step *st, struct ike_step *s, char *err,
			      size_t errlen)
{
	size_t msgs = 0, notes = 0, quiet = 0;
	uint16_t note = 0;
	for (size_t k = 0; k < st->nalts; k++) {
		if (st->alts[k].kind == SUITE_ALT_MESSAGE)
			msgs++;
		else if (st->alts[k].kind == SUITE_ALT_NOTIFY)
			notes++, note = st->alts[k].notify;
		else
			quiet++;
	}
	s->within_ms = (uint32_t)st->ms;
	if (st->kind == SUITE_STEP_EXPECT && st->nalts <= 1 && msgs <= 1 && !notes) {
		s->op = IKE_STEP_EXPECT;
		s->kind = st->nalts ? st->alts[0].msg : st->msg;
	} else if (!msgs && notes == 1) {
		s->op = IKE_STEP_EXPECT_NOTIFY;
		s->notify = note;
		s->or_silence = quiet > 0;
	} else if (!msgs && !notes && quiet) {
		s->op = IKE_STEP_EXPECT_SILENCE;
	} else {
		return run_script_fail(st, err, errlen,
				       "the engine takes one message, or one notify "
				       "with or without silence, as alternatives");
	}
	return true;
}

bool run_script(const struct suite_case *c, struct ike_step *steps, size_t max, size_t *n,
		struct ike_mutation *mut, size_t maxmut, char *err, size_t errlen)
{
	size_t nm = 0;
	*n = 0;
	for (size_t i = 0; i < c->nsteps; i++) {
		const struct suite_step *st = &c->steps[i];
		if (*n >= max)
			return run_script_fail(st, err, errlen, "too many steps");
		struct ike_step *s = &steps[(*n)++];
		memset(s, 0, sizeof(*s));
		switch (st->kind) {
		case SUITE_STEP_SEND:
			if (!run_script_send(st, s, mut, &nm, maxmut, err, errlen))
				return false;
			break;
		case SUITE_STEP_EXPECT:
		case SUITE_STEP_EXPECT_NOTIFY:
			if (!run_script_expect(st, s, err, errlen))
				return false;
			break;
		case SUITE_STEP_SILENCE:
			s->op = IKE_STEP_EXPECT_SILENCE;
			s->within_ms = (uint32_t)st->ms;
			break;
		case SUITE_STEP_WAIT:
			s->op = IKE_STEP_WAIT;
			s->wait_ms = (uint32_t)st->ms;
			break;
		}
	}
	return true;
}
