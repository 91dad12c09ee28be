/* A malformed case's script, made from its catalog entry and target
 * message: the standard exchange up to the target, then the reaction. */
#include <string.h>

#include "core/chunk.h"
#include "suite/internal.h"
#include "wire/msg.h"

/* The harness sends the odd Main Mode messages, am1, am3, qm1, qm3 and the
 * Informationals as initiator; the others as responder. */
static bool suite_sent_by_initiator(enum ike_kind k)
{
	return k == IKE_K_MM1 || k == IKE_K_MM3 || k == IKE_K_MM5 || k == IKE_K_AM1 ||
	       k == IKE_K_AM3 || k == IKE_K_QM1 || k == IKE_K_QM3 || k == IKE_K_DPD ||
	       k == IKE_K_DELETE;
}

/* What the peer sends next after the harness's message t in the standard
 * exchange; none (0) when the peer has nothing to answer (qm3 without
 * commit, a Delete, mm6/am3 without a Quick Mode). */
static enum ike_kind suite_next_kind(enum ike_kind t, bool p2)
{
	switch (t) {
	case IKE_K_MM1: return IKE_K_MM2;
	case IKE_K_MM2: return IKE_K_MM3;
	case IKE_K_MM3: return IKE_K_MM4;
	case IKE_K_MM4: return IKE_K_MM5;
	case IKE_K_MM5: return IKE_K_MM6;
	case IKE_K_AM1: return IKE_K_AM2;
	case IKE_K_AM2: return IKE_K_AM3;
	case IKE_K_MM6: case IKE_K_AM3: return p2 ? IKE_K_QM1 : IKE_K_NONE;
	case IKE_K_QM1: return IKE_K_QM2;
	case IKE_K_QM2: return IKE_K_QM3;
	case IKE_K_DPD: return IKE_K_DPD_ACK;
	default: return IKE_K_NONE;
	}
}

/* The case can be made: a mutation and a message it applies to, an
 * authentication that sends what it changes, a Quick Mode when it needs one,
 * no script of its own. */
static bool suite_malformed_check(const struct suite_case *c, const struct suite_settings *x,
				  struct yaml_error *err)
{
	const struct yaml_node *where = x->at_node ? x->at_node : x->mutation_node;
	if (!x->mutation)
		return yaml_fail(err, where, "case '%s' gives 'at' without 'mutation'", c->name);
	if (!x->at)
		return yaml_fail(err, where, "case '%s' gives 'mutation' without 'at'", c->name);
	if (x->script)
		return yaml_fail(err, x->script, "case '%s': 'script' and a malformed mutation exclude each other (the mutation makes the script)",
				 c->name);
	if (!ike_catalog_applies(x->mutation, x->at)) {
		char list[200];
		return yaml_fail(err, x->at_node, "'at': mutation '%s' does not apply to %s (it applies to %s)",
				 x->mutation->name, ike_kind_name(x->at),
				 ike_catalog_at_str(x->mutation, list, sizeof(list)));
	}
	if (!ike_catalog_fits_auth(x->mutation, x->auth))
		return yaml_fail(err, x->mutation_node ? x->mutation_node : where,
				 x->mutation->auth == IKE_CAT_AUTH_SIG
				 ? "'mutation': '%s' changes CERT, CR or SIG payloads, which only signature authentication sends: give 'auth: rsa' or an ECDSA method"
				 : "'mutation': '%s' changes HASH_I / HASH_R, which only pre-shared key authentication sends (signatures send SIG): give 'auth: psk'",
				 x->mutation->name);
	if (ike_kind_quick(x->at) && !c->has_p2)
		return yaml_fail(err, x->at_node, "'at': %s needs a Quick Mode: give 'esp' or 'phase2'",
				 ike_kind_name(x->at));
	return true;
}

/* The standard exchange that reaches t: phase 1, then Quick Mode or the
 * Informational t; returns its length. */
static size_t suite_malformed_seq(enum ike_kind t, bool aggr, enum ike_kind *seq)
{
	size_t n = 0;
	for (int k = aggr ? IKE_K_AM1 : IKE_K_MM1; k <= (aggr ? IKE_K_AM3 : IKE_K_MM6); k++)
		seq[n++] = (enum ike_kind)k;
	if (ike_kind_quick(t))
		for (int k = IKE_K_QM1; k <= IKE_K_QM3; k++)
			seq[n++] = (enum ike_kind)k;
	else if (t == IKE_K_DPD || t == IKE_K_DELETE)
		seq[n++] = t;
	return n;
}

/* What the peer does about the mutated message t: the case's own
 * expectation wins over the catalog's. */
static void suite_malformed_reaction(struct suite_case *c, const struct suite_settings *x,
				     enum ike_kind t, bool init)
{
	/* a notify, silence, or the peer's next message as if nothing were
	   wrong */
	bool own = x->expect.notify || x->expect.silence || x->expect.accepted ||
		   x->expect.deleted;
	bool accepted = x->expect.accepted || (!own && x->mutation->accept);
	c->reaction = x->expect.notify ? x->expect.notify : own ? 0 : x->mutation->notify;
	if (x->expect.deleted && !x->expect.notify && !x->expect.silence)
		c->reaction_msg = IKE_K_DELETE;   /* the peer gave the SA up */
	else if (accepted && !x->expect.notify && !x->expect.silence)
		c->reaction_msg = suite_next_kind(t, c->has_p2);
	/* the peer's next message only: after am3 the next (qm1) is ours */
	if (c->reaction_msg && c->reaction_msg != IKE_K_DELETE &&
	    suite_sent_by_initiator(c->reaction_msg) == init)
		c->reaction_msg = IKE_K_NONE;
	c->reaction_ms = x->reaction_ms ? x->reaction_ms : c->reaction ? 2000 : 1500;
	/* the reaction is judged by the script's last step; silence there is
	   after the mutated message, not the peer never answering at all */
	c->expect.notify = c->reaction;
	c->expect.silence = false;
	c->expect.established = false;
	c->expect.traffic = false;
	c->expect.peer_alive = true;
}

/* The steps: seq[0..upto] sent or expected by turns, the last of them
 * mutated, then the step that judges the reaction. */
static void suite_malformed_steps(struct suite_case *c, const struct ike_catalog_entry *mutation,
				  const enum ike_kind *seq, size_t upto, bool init,
				  const struct yaml_node *at)
{
	c->steps = xcalloc(upto + 2, sizeof(*c->steps));
	for (size_t i = 0; i <= upto; i++) {
		struct suite_step *st = &c->steps[c->nsteps++];
		st->line = at->line;
		st->col = at->col;
		st->msg = seq[i];
		bool ours = suite_sent_by_initiator(seq[i]) == init;
		st->kind = ours ? SUITE_STEP_SEND : SUITE_STEP_EXPECT;
		if (!ours) {
			st->alts[0] = (struct suite_alt){ .kind = SUITE_ALT_MESSAGE, .msg = seq[i] };
			st->nalts = 1;
		}
	}
	struct suite_step *mut = &c->steps[c->nsteps - 1];
	mut->catalog = mutation;
	/* a delete's protocol: the engine's default, the ISAKMP SA */
	struct suite_step *re = &c->steps[c->nsteps++];
	re->line = at->line;
	re->col = at->col;
	re->ms = c->reaction_ms;
	if (c->reaction_msg) {
		re->kind = SUITE_STEP_EXPECT;
		re->msg = c->reaction_msg;
		re->alts[0] = (struct suite_alt){ .kind = SUITE_ALT_MESSAGE, .msg = c->reaction_msg };
		re->nalts = 1;
	} else if (c->reaction) {
		re->kind = SUITE_STEP_EXPECT_NOTIFY;
		re->alts[0] = (struct suite_alt){ .kind = SUITE_ALT_NOTIFY, .notify = c->reaction };
		re->nalts = 1;
	} else {
		re->kind = SUITE_STEP_SILENCE;
	}
}

/* A malformed case's script: the standard exchange for the harness's role
 * up to the target message, the target with the catalog entry's mutations,
 * then the reaction (the case's expect, else the catalog's). */
bool suite_malformed(struct suite_case *c, const struct suite_settings *x,
		     const struct yaml_node *at, struct yaml_error *err)
{
	if (!suite_malformed_check(c, x, err))
		return false;
	enum ike_kind t = x->at;
	bool aggr = (t >= IKE_K_AM1 && t <= IKE_K_AM3) ||
		    (!(t >= IKE_K_MM1 && t <= IKE_K_MM6) && c->exchange == WIRE_X_AGGR);
	bool init = suite_sent_by_initiator(t);
	enum ike_kind seq[16];
	size_t n = suite_malformed_seq(t, aggr, seq);
	size_t upto = 0;
	while (upto < n && seq[upto] != t)
		upto++;
	c->role = init ? IKE_INITIATOR : IKE_RESPONDER;
	c->exchange = aggr ? WIRE_X_AGGR : WIRE_X_MAIN;
	c->malformed = x->mutation;
	c->malformed_at = t;
	suite_malformed_reaction(c, x, t, init);
	suite_malformed_steps(c, x->mutation, seq, upto, init, at);
	return true;
}
