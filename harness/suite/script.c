/* The steps of a case's script: send (with its mutations), expect with its
 * alternatives, silence and wait. */
#include <string.h>

#include "suite/internal.h"

/* One alternative: a message kind, "silence", or { notify: NAME }. */
static bool suite_alt(const struct yaml_node *v, struct suite_alt *a, struct yaml_error *err)
{
	if (v->type == YAML_MAP) {
		if (v->n != 1 || strcmp(v->keys[0]->str, "notify") != 0) {
			const struct yaml_node *k = v->n ? v->keys[0] : v;
			if (v->n && strcmp(k->str, "notify") != 0) {
				static const char *const cand[] = { "notify", NULL };
				const char *sug = yaml_suggest(k->str, cand);
				if (sug)
					return yaml_fail(err, k, "unknown key '%s' (did you mean '%s'?)",
							 k->str, sug);
				return yaml_fail(err, k, "unknown key '%s' (expected 'notify')", k->str);
			}
			return yaml_fail_expect(err, v, "expect", "a message kind, silence or { notify: TYPE }");
		}
		a->kind = SUITE_ALT_NOTIFY;
		return suite_notify(v->items[0], "notify", &a->notify, err);
	}
	if (yaml_is_scalar(v) && strcmp(v->str, "silence") == 0) {
		a->kind = SUITE_ALT_SILENCE;
		return true;
	}
	a->kind = SUITE_ALT_MESSAGE;
	return suite_kind(v, "expect", &a->msg, err);
}

struct suite_expect_step {
	struct suite_step *st;
	const struct yaml_node *notify, *any_of, *within, *message;
};

static bool suite_expect_step_key(const struct yaml_node *v, const char *key, void *vctx,
				  struct yaml_error *err)
{
	struct suite_expect_step *x = vctx;
	(void)err;
	if (strcmp(key, "notify") == 0)
		x->notify = v;
	else if (strcmp(key, "any_of") == 0)
		x->any_of = v;
	else if (strcmp(key, "message") == 0)
		x->message = v;
	else
		x->within = v;
	return true;
}

static bool suite_expect_step(const struct yaml_node *v, struct suite_step *st,
			      struct yaml_error *err)
{
	st->kind = SUITE_STEP_EXPECT;
	if (v->type != YAML_MAP) {
		if (!suite_alt(v, &st->alts[0], err))
			return false;
		st->nalts = 1;
		st->msg = st->alts[0].msg;
		return true;
	}
	static const struct yaml_field f[] = {
		{ "message", false, suite_expect_step_key }, { "notify", false, suite_expect_step_key },
		{ "any_of", false, suite_expect_step_key }, { "within", false, suite_expect_step_key },
	};
	struct suite_expect_step x = { .st = st };
	if (!yaml_map_walk(v, "expect", f, SUITE_N(f), &x, err))
		return false;
	if (x.within && !yaml_duration_ms(x.within, "within", 1, 3600000, &st->ms, err))
		return false;
	int forms = !!x.notify + !!x.any_of + !!x.message;
	if (forms != 1)
		return yaml_fail(err, v, "'expect' needs exactly one of message, notify, any_of");
	if (x.message) {
		st->alts[0].kind = SUITE_ALT_MESSAGE;
		if (!suite_kind(x.message, "message", &st->alts[0].msg, err))
			return false;
		st->msg = st->alts[0].msg;
		st->nalts = 1;
		return true;
	}
	if (x.notify) {
		st->kind = SUITE_STEP_EXPECT_NOTIFY;
		st->alts[0].kind = SUITE_ALT_NOTIFY;
		st->nalts = 1;
		return suite_notify(x.notify, "notify", &st->alts[0].notify, err);
	}
	if (x.any_of->type != YAML_SEQ || x.any_of->n < 1)
		return suite_fail_list(err, x.any_of, "any_of", "a non-empty list of alternatives");
	for (size_t i = 0; i < x.any_of->n; i++) {
		if (i == SUITE_MAX_ALTS)
			return yaml_fail(err, x.any_of->items[i], "more than %d alternatives",
					 SUITE_MAX_ALTS);
		if (!suite_alt(x.any_of->items[i], &st->alts[st->nalts++], err))
			return false;
	}
	return true;
}

static bool suite_step_key(const struct yaml_node *v, const char *key, void *vctx,
			   struct yaml_error *err)
{
	(void)v, (void)key, (void)vctx, (void)err;
	return true; /* read in suite_step, which needs them all at once */
}

bool suite_step(const struct yaml_node *v, struct suite_step *st, struct yaml_error *err)
{
	static const struct yaml_field f[] = {
		{ "send", false, suite_step_key }, { "expect", false, suite_step_key },
		{ "silence", false, suite_step_key }, { "wait", false, suite_step_key },
		{ "mutate", false, suite_step_key },
	};
	st->line = v->line;
	st->col = v->col;
	if (!yaml_map_walk(v, "step", f, SUITE_N(f), NULL, err))
		return false;
	static const char *const kinds[] = { "send", "expect", "silence", "wait" };
	const struct yaml_node *k = NULL;
	const char *kname = NULL;
	for (size_t i = 0; i < SUITE_N(kinds); i++) {
		const struct yaml_node *n = yaml_map_get(v, kinds[i]);
		if (!n)
			continue;
		if (k)
			return yaml_fail(err, n, "a step has one of send, expect, silence, wait, not both '%s' and '%s'",
					 kname, kinds[i]);
		k = n;
		kname = kinds[i];
	}
	if (!k)
		return yaml_fail(err, v, "a step needs one of send, expect, silence, wait");
	const struct yaml_node *mut = yaml_map_get(v, "mutate");
	if (mut && strcmp(kname, "send") != 0)
		return yaml_fail(err, mut, "'mutate' goes with 'send', not with '%s'", kname);
	if (strcmp(kname, "send") == 0) {
		st->kind = SUITE_STEP_SEND;
		if (!suite_kind(k, "send", &st->msg, err))
			return false;
		return !mut || suite_mutations(mut, st, err);
	}
	if (strcmp(kname, "expect") == 0)
		return suite_expect_step(k, st, err);
	st->kind = strcmp(kname, "silence") == 0 ? SUITE_STEP_SILENCE : SUITE_STEP_WAIT;
	return yaml_duration_ms(k, kname, 1, 3600000, &st->ms, err);
}
