/* overrides: rules { match, set } read before expansion, applied to each
 * case after its own keys, and checked for matching something after. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "suite/internal.h"

/* A name or glob (or a list of them) against a case name. */
static bool suite_name_hit(const struct yaml_node *want, const char *name)
{
	const struct yaml_node *const *ws = &want;
	size_t nw = 1;
	if (want->type == YAML_SEQ) {
		ws = (const struct yaml_node *const *)want->items;
		nw = want->n;
	}
	for (size_t j = 0; j < nw; j++)
		if (fnmatch(ws[j]->str, name, 0) == 0)
			return true;
	return false;
}

/* Every key of the rule but peer; idx NULL for an explicit case, which no
 * dimension key matches. */
static bool suite_rule_matches(const struct suite_rule *r, const struct suite_matrix *m,
			       const char *name, const size_t *idx)
{
	for (size_t k = 0; k < r->ndims; k++) {
		size_t d = r->dims[k];
		if (!idx || !suite_dim_hit(r->want[k], m->dims[d].values->items[idx[d]]->str))
			return false;
	}
	return !r->name || suite_name_hit(r->name, name);
}

/* After the case's own keys, before the case is made: the same machinery
 * as defaults and case keys, so the semantics are those of writing the
 * keys in the case. The match is recorded for every peer, so a rule for a
 * peer the caller left out (only) is not "matching nothing". */
bool suite_overrides_apply(struct suite_loader *L, struct suite_settings *x,
			   const char *name, const size_t *idx, struct yaml_error *err)
{
	for (size_t i = 0; i < L->nrules; i++) {
		struct suite_rule *r = &L->rules[i];
		if (!suite_rule_matches(r, &L->m, name, idx))
			continue;
		r->hit = true;
		if (r->peers[L->peer] && !suite_walk_set(r->set, x, err))
			return false;
	}
	return true;
}

/* A value or a non-empty list of values (match keys). */
static bool suite_match_list(const struct yaml_node *v, const char *key, const char *expected,
			     struct yaml_error *err)
{
	if (v->type == YAML_SEQ && !v->n)
		return suite_fail_list(err, v, key, expected);
	if (v->type == YAML_MAP || yaml_is_null(v))
		return yaml_fail_expect(err, v, key, expected);
	if (v->type == YAML_SEQ)
		for (size_t j = 0; j < v->n; j++)
			if (!yaml_is_scalar(v->items[j]) || yaml_is_null(v->items[j]))
				return yaml_fail_expect(err, v->items[j], key, "a value (a scalar)");
	return true;
}

static bool suite_match_peer(struct suite_loader *L, struct suite_rule *r,
			     const struct yaml_node *v, struct yaml_error *err)
{
	if (!suite_match_list(v, "peer", SUITE_PEER_EXPECTED, err))
		return false;
	size_t nw;
	const struct yaml_node *const *ws = yaml_items(&v, &nw);
	memset(r->peers, 0, sizeof(r->peers));
	for (size_t j = 0; j < nw; j++) {
		unsigned i;
		if (!yaml_enum(ws[j], "peer", suite_peers, &i, err))
			return false;
		bool in = false;
		char list[64] = "";
		for (size_t k = 0; k < L->nfile_peers; k++) {
			in = in || L->file_peers[k] == (enum suite_peer)i;
			size_t l = strlen(list);
			snprintf(list + l, sizeof(list) - l, "%s%s", k ? ", " : "",
				 suite_peer_name(L->file_peers[k]));
		}
		if (!in)
			return yaml_fail(err, ws[j], "match: peer '%s' is not one of the suite's peers (%s)",
					 ws[j]->str, list);
		r->peers[i] = true;
	}
	return true;
}

static bool suite_rule_key(const struct yaml_node *v, const char *key, void *vctx,
			   struct yaml_error *err)
{
	(void)v, (void)key, (void)vctx, (void)err;
	return true; /* read in suite_rule_read, match before set */
}

/* A match key that is not peer, name or a dimension: a suggestion, or the
 * keys it may be (keys NULL-terminated). */
static bool suite_match_unknown(const struct yaml_node *key, const char *const *keys,
				struct yaml_error *err)
{
	const char *sug = yaml_suggest(key->str, keys);
	if (sug)
		return yaml_fail(err, key, "'match' names '%s', which is not peer, name or a matrix dimension (did you mean '%s'?)",
				 key->str, sug);
	char list[200] = "";
	for (size_t i = 0; keys[i]; i++) {
		size_t l = strlen(list);
		snprintf(list + l, sizeof(list) - l, "%s%s", i ? ", " : "", keys[i]);
	}
	return yaml_fail(err, key, "'match' names '%s', which is not peer, name or a matrix dimension (expected one of: %s)",
			 key->str, list);
}

/* A rule's match: peer, name and matrix dimensions with their values. */
static bool suite_rule_match(struct suite_loader *L, const struct yaml_node *mt,
			     struct suite_rule *r, struct yaml_error *err)
{
	if (mt->type != YAML_MAP)
		return yaml_fail_expect(err, mt, "match", "a mapping of peer, name or matrix dimensions");
	if (!mt->n)
		return yaml_fail(err, mt, "'match' needs at least one of peer, name or a matrix dimension (to change every case, use defaults)");
	/* the keys a match may have, for suggestions */
	const char *keys[SUITE_MAX_DIMS + 3] = { "peer", "name" };
	for (size_t d = 0; d < L->m.ndims; d++)
		keys[2 + d] = L->m.dims[d].key;
	keys[2 + L->m.ndims] = NULL;
	for (size_t k = 0; k < mt->n; k++) {
		const struct yaml_node *key = mt->keys[k], *v = mt->items[k];
		if (strcmp(key->str, "peer") == 0) {
			if (!suite_match_peer(L, r, v, err))
				return false;
			continue;
		}
		if (strcmp(key->str, "name") == 0) {
			if (!suite_match_list(v, "name", "a case name, a glob or a non-empty list of them",
					      err))
				return false;
			r->name = v;
			continue;
		}
		size_t d = suite_dim_find(&L->m, key->str);
		if (d == L->m.ndims)
			return suite_match_unknown(key, keys, err);
		if (!suite_match_list(v, key->str, "a value or a non-empty list of values", err) ||
		    !suite_check_dim_values(&L->m, d, v, "match", err))
			return false;
		r->dims[r->ndims] = d;
		r->want[r->ndims++] = v;
	}
	return true;
}

static bool suite_rule_read(struct suite_loader *L, const struct yaml_node *rn,
			    struct suite_rule *r, struct yaml_error *err)
{
	static const struct yaml_field f[] = {
		{ "match", true, suite_rule_key }, { "set", true, suite_rule_key },
	};
	if (!yaml_map_walk(rn, "override", f, SUITE_N(f), NULL, err))
		return false;
	r->node = rn;
	r->set = yaml_map_get(rn, "set");
	for (size_t i = 0; i < SUITE_PEER_COUNT; i++)
		r->peers[i] = true;
	if (!suite_rule_match(L, yaml_map_get(rn, "match"), r, err))
		return false;
	if (r->set->type != YAML_MAP)
		return yaml_fail_expect(err, r->set, "set", "a mapping of settings");
	if (!r->set->n)
		return yaml_fail(err, r->set, "'set' must change at least one setting (role, auth, proposal, group, phase2, peer_config, expect, verify ...)");
	for (size_t k = 0; k < r->set->n; k++) {
		const struct yaml_node *key = r->set->keys[k];
		if (strcmp(key->str, "name") == 0 || strcmp(key->str, "script") == 0)
			return yaml_fail(err, key, "'set' cannot change '%s': an override changes settings, a case's name and script are its own",
					 key->str);
	}
	/* checked once on its own, so an error in a rule for a peer the
	 * caller left out still surfaces */
	struct suite_settings x = L->def;
	return suite_walk_set(r->set, &x, err);
}

bool suite_overrides_read(struct suite_loader *L, struct yaml_error *err)
{
	const struct yaml_node *ov = L->overrides;
	if (ov->type != YAML_SEQ || !ov->n)
		return suite_fail_list(err, ov, "overrides", "a non-empty list of rules { match, set }");
	L->rules = xcalloc(ov->n, sizeof(*L->rules));
	for (size_t i = 0; i < ov->n; i++) {
		if (!suite_rule_read(L, ov->items[i], &L->rules[i], err))
			return false;
		L->nrules++;
	}
	return true;
}

/* After expansion: a name that matches no case, or a rule that matches
 * none, is most likely a typo. Every peer has the same case names, so the
 * first peer's list stands for all. */
bool suite_overrides_check(struct suite_loader *L, struct yaml_error *err)
{
	const struct suite *s = L->s;
	size_t per_peer = s->ncases / s->npeers;
	for (size_t i = 0; i < L->nrules; i++) {
		const struct suite_rule *r = &L->rules[i];
		const struct yaml_node *const *ws = &r->name;
		size_t nw = r->name ? 1 : 0;
		if (r->name && r->name->type == YAML_SEQ) {
			ws = (const struct yaml_node *const *)r->name->items;
			nw = r->name->n;
		}
		for (size_t j = 0; j < nw; j++) {
			size_t c = 0;
			while (c < per_peer && fnmatch(ws[j]->str, s->cases[c].name, 0) != 0)
				c++;
			if (c < per_peer)
				continue;
			const char **names = xcalloc(per_peer + 1, sizeof(*names));
			for (c = 0; c < per_peer; c++)
				names[c] = s->cases[c].name;
			const char *sug = yaml_suggest(ws[j]->str, names);
			char sbuf[300] = "";
			if (sug)
				snprintf(sbuf, sizeof(sbuf), " (did you mean '%s'?)", sug);
			free(names);
			return yaml_fail(err, ws[j], "match: name '%s' matches no case of the suite%s",
					 ws[j]->str, sbuf);
		}
		if (!r->hit)
			return yaml_fail(err, r->node, "override matches no case (a case must match every key of 'match' at once)");
	}
	return true;
}

