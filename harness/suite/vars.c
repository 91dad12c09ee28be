/* vars: read once, then ${name} replaced in every scalar of the tree
 * before anything else reads it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "suite/internal.h"

static bool suite_var_key(const struct yaml_node *v, const char *key, void *vctx,
			  struct yaml_error *err)
{
	struct suite_loader *L = vctx;
	if (!yaml_is_scalar(v) || yaml_is_null(v))
		return yaml_fail_expect(err, v, key, "a value (a scalar)");
	if (strstr(v->str, "${"))
		return yaml_fail(err, v, "variable '%s': values cannot refer to variables", key);
	if (L->nvars == SUITE_N(L->var_values))
		return yaml_fail(err, v, "more than %zu variables", SUITE_N(L->var_values));
	L->var_names[L->nvars] = key;
	L->var_values[L->nvars++] = v;
	L->var_names[L->nvars] = NULL;
	return true;
}

bool suite_vars(struct suite_loader *L, struct yaml_error *err)
{
	const struct yaml_node *v = L->vars;
	if (v->type != YAML_MAP)
		return yaml_fail_expect(err, v, "vars", "a mapping of name: value");
	struct yaml_field f[64];
	if (v->n > SUITE_N(f))
		return yaml_fail(err, v, "more than %zu variables", SUITE_N(f));
	for (size_t i = 0; i < v->n; i++) {
		const char *k = v->keys[i]->str;
		bool ok = (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_';
		for (const char *p = k; *p; p++)
			ok = ok && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				    (*p >= '0' && *p <= '9') || *p == '_');
		if (!ok)
			return yaml_fail(err, v->keys[i], "variable name '%s' must be letters, digits and '_', not starting with a digit",
					 k);
		f[i] = (struct yaml_field){ k, false, suite_var_key };
	}
	return yaml_map_walk(v, "vars", f, v->n, L, err);
}

/* ${name} in a scalar, replaced in place: the tree is ours until the load
 * ends, and substituting before anything reads it lets a variable stand for
 * any value (a group, a notify, a lifetime). Aliased nodes are visited more
 * than once; values cannot contain "${", so a second pass changes nothing. */
bool suite_subst(struct suite_loader *L, struct yaml_node *n, struct yaml_error *err)
{
	if (n->type != YAML_SCALAR) {
		for (size_t i = 0; i < n->n; i++) {
			if (n->type == YAML_MAP && n->items[i] == L->vars)
				continue;
			if (!suite_subst(L, n->items[i], err))
				return false;
		}
		return true;
	}
	if (!strstr(n->str, "${"))
		return true;
	size_t cap = n->len + 1, len = 0;
	char *out = xmalloc(cap);
	const char *p = n->str;
	while (*p) {
		const char *add = p;
		size_t alen = 1;
		if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			if (!end) {
				free(out);
				return yaml_fail(err, n, "unterminated '${' in '%s'", n->str);
			}
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)(end - p - 2), p + 2);
			size_t i = 0;
			while (i < L->nvars && strcmp(L->var_names[i], name) != 0)
				i++;
			if (i == L->nvars) {
				free(out);
				const char *sug = L->nvars ? yaml_suggest(name, L->var_names) : NULL;
				if (sug)
					return yaml_fail(err, n, "unknown variable '${%s}' (did you mean '%s'?)",
							 name, sug);
				return yaml_fail(err, n, "unknown variable '${%s}' (define it under 'vars')",
						 name);
			}
			add = L->var_values[i]->str;
			alen = L->var_values[i]->len;
			p = end + 1;
		} else {
			p++;
		}
		if (len + alen + 1 > cap) {
			cap = (len + alen + 1) * 2;
			out = xrealloc(out, cap);
		}
		memcpy(out + len, add, alen);
		len += alen;
	}
	out[len] = '\0';
	struct suite *s = L->s;
	s->strings = xrealloc(s->strings, (s->nstrings + 1) * sizeof(*s->strings));
	/* the document frees what its nodes point to: it takes the new text,
	 * the suite keeps the old one */
	s->strings[s->nstrings++] = (char *)n->str;
	n->str = out;
	n->len = len;
	return true;
}
