/* Readers of the values several parts of a suite use: notify types,
 * message kinds, ESP proposals, tags, case names, and the message for an
 * empty list. */
#include <string.h>

#include "suite/internal.h"
#include "wire/names.h"

/* A notify type by name ("NO-PROPOSAL-CHOSEN", any case, '_' for '-'). */
bool suite_notify(const struct yaml_node *n, const char *what, uint16_t *out,
		  struct yaml_error *err)
{
	const char *s;
	uint32_t v;
	if (!yaml_str(n, what, &s, err))
		return false;
	if (names_lookup(NAMES_NOTIFY, s, &v) && v > 0 && v <= 0xffff) {
		*out = (uint16_t)v;
		return true;
	}
	/* the table's names, for the suggestion */
	const char *cand[256];
	size_t k = 0;
	enum names_space sp;
	const char *name;
	bool alias;
	for (size_t i = 0; k < SUITE_N(cand) - 1 && names_entry(i, &sp, &v, &name, &alias); i++)
		if (sp == NAMES_NOTIFY && !alias)
			cand[k++] = name;
	cand[k] = NULL;
	const char *sug = yaml_suggest(s, cand);
	char buf[64];
	if (sug)
		return yaml_fail(err, n, "'%s' must be a notify type such as NO-PROPOSAL-CHOSEN, not %s (did you mean '%s'?)",
				 what, yaml_describe(n, buf, sizeof(buf)), sug);
	return yaml_fail_expect(err, n, what, "a notify type such as NO-PROPOSAL-CHOSEN");
}

/* An IKE message kind ("mm1" ... "qm4", "notify", "delete", "dpd", "dpd-ack"). */
bool suite_kind(const struct yaml_node *n, const char *what, enum ike_kind *out,
		struct yaml_error *err)
{
	const char *names[IKE_K_COUNT + 1];
	for (int k = 1; k < IKE_K_COUNT; k++)
		names[k - 1] = ike_kind_name((enum ike_kind)k);
	names[IKE_K_COUNT - 1] = NULL;
	unsigned i;
	if (!yaml_enum(n, what, names, &i, err))
		return false;
	*out = ike_kind_by_name(names[i]);
	return true;
}

bool suite_esp_read(const struct yaml_node *n, const char *what, struct ike_p2_xform *out,
		    struct yaml_error *err)
{
	const char *s;
	char e[200];
	if (!yaml_str(n, what, &s, err))
		return false;
	if (!ike_p2_parse(s, out, e, sizeof(e)))
		return yaml_fail(err, n, "'%s': %s", what, e);
	return true;
}

/* A list of scalars, or one scalar, as strings into the document. */
bool suite_tags(const struct yaml_node *v, const char *what, const char **tags,
		size_t *ntags, struct yaml_error *err)
{
	size_t n;
	const struct yaml_node *const *items = yaml_items(&v, &n);
	for (size_t i = 0; i < n; i++) {
		const char *t;
		if (!yaml_str(items[i], what, &t, err))
			return false;
		if (*ntags == SUITE_MAX_TAGS)
			return yaml_fail(err, items[i], "more than %d tags", SUITE_MAX_TAGS);
		tags[(*ntags)++] = t;
	}
	return true;
}

/* Names of cases and of the artifact folders made from them. */
bool suite_name_ok(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return false;
	return *s && *s != '.' && *s != '-';
}

/* yaml_fail_expect, but an empty list says so ("not a list" would puzzle). */
bool suite_fail_list(struct yaml_error *err, const struct yaml_node *v, const char *what,
		     const char *expected)
{
	if (v->type == YAML_SEQ && !v->n)
		return yaml_fail(err, v, "'%s' must be %s, not an empty list", what, expected);
	return yaml_fail_expect(err, v, what, expected);
}
