/* The mutate: of a send step: the forms of a mutation, field paths, hex
 * bytes and payload types. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/hex.h"
#include "suite/internal.h"
#include "wire/names.h"

/* "ke.length", "sa.proposal[0].transform[1].id", "header.next_payload":
 * checked for form and for the payload's name; the field itself is the
 * engine's to resolve against the payload tables. */
static bool suite_path(const struct yaml_node *n, const char *what, struct yaml_error *err)
{
	const char *s;
	if (!yaml_str(n, what, &s, err))
		return false;
	const char *p = s;
	size_t segs = 0;
	char first[32] = "";
	for (;;) {
		const char *start = p;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_'))
			goto bad;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '_')
			p++;
		if (!segs && (size_t)(p - start) < sizeof(first))
			snprintf(first, sizeof(first), "%.*s", (int)(p - start), start);
		while (*p == '[') {
			p++;
			if (*p < '0' || *p > '9')
				goto bad;
			while (*p >= '0' && *p <= '9')
				p++;
			if (*p++ != ']')
				goto bad;
		}
		segs++;
		if (!*p)
			break;
		if (*p++ != '.')
			goto bad;
	}
	if (segs < 2)
		goto bad;
	uint32_t v;
	if (strcmp(first, "header") != 0 && !names_lookup(NAMES_PAYLOAD, first, &v))
		return yaml_fail(err, n, "'%s': unknown payload '%s' in '%s' (header or a payload: sa, ke, nonce, id, hash, sig, cert, cr, n, d, vid ...)",
				 what, first, s);
	return true;
bad:
	return yaml_fail_expect(err, n, what,
				"a path PAYLOAD.FIELD such as ke.length or sa.proposal[0].transform[1].id");
}

/* The forms of a mutation: the key that names each, and the keys that may
 * go with it. */
struct suite_mut_form {
	const char *key;
	const char *with[3];
};
static const struct suite_mut_form suite_mut_forms[] = {
	{ "field", { "set", "bytes", NULL } },
	{ "remove", { "nth", NULL } },
	{ "duplicate", { "nth", NULL } },
	{ "insert", { "index", "body", NULL } },
	{ "xor", { "mask", "plain", NULL } },
	{ "truncate", { "plain", NULL } },
	{ "chop", { NULL } },
	{ "append", { NULL } },
	{ "catalog", { NULL } },
};
#define SUITE_MUT_FORMS "{ field: PATH, set: N | bytes: HEX }, { remove|duplicate: PAYLOAD, nth: N }, " \
	"{ insert: TYPE, index: N, body: HEX }, { xor: OFFSET, mask: M, plain: BOOL }, " \
	"{ truncate: N, plain: BOOL }, { chop: N }, { append: HEX } or { catalog: NAME }"

static bool suite_hex(const struct yaml_node *v, const char *key, struct suite_mutation *m,
		      struct yaml_error *err)
{
	const char *s;
	chunk_t c = CHUNK_EMPTY;
	/* a quoted "" is no bytes: an unknown payload with a header only */
	if (strcmp(key, "body") == 0 && yaml_is_scalar(v) && !v->plain && v->len == 0) {
		free(m->bytes);
		m->bytes = NULL;
		m->nbytes = 0;
		return true;
	}
	if (!yaml_str(v, key, &s, err))
		return false;
	if (strncmp(s, "0x", 2) == 0)
		s += 2;
	if (*s && !hex_decode(s, strlen(s), &c))
		return yaml_fail_expect(err, v, key, "hex bytes such as a5a5 (an even number of digits)");
	if (c.len > 65535) {
		chunk_free(&c);
		return yaml_fail_expect(err, v, key, "at most 65535 bytes");
	}
	free(m->bytes);
	m->bytes = c.ptr;
	m->nbytes = c.len;
	return true;
}

static bool suite_payload_type(const struct yaml_node *v, const char *key, bool numbers,
			       uint8_t *out, struct yaml_error *err)
{
	const char *s;
	uint32_t t;
	uint64_t n;
	if (!yaml_str(v, key, &s, err))
		return false;
	if (names_lookup(NAMES_PAYLOAD, s, &t) && t && t <= 255) {
		*out = (uint8_t)t;
		return true;
	}
	if (numbers && yaml_uint(v, key, 1, 255, &n, NULL)) {
		*out = (uint8_t)n;
		return true;
	}
	return yaml_fail(err, v, "'%s': unknown payload '%s' (sa, ke, nonce, id, hash, sig, cert, "
			 "cr, n, d, vid, natd, natoa ...%s)", key, s, numbers ? ", or a number 1-255" : "");
}

/* xor: OFFSET, truncate: N, chop: N; plain: moves XOR and TRUNCATE to the
 * plaintext (suite_mutation) */
static bool suite_mutation_dgram(const struct yaml_node *v, const char *key,
				 struct suite_mutation *m, struct yaml_error *err)
{
	bool chop = key[0] == 'c';
	uint64_t n;
	if (!yaml_uint(v, key, chop ? 1 : 0, 65535, &n, err))
		return false;
	if (key[0] == 'x') {
		m->op = IKE_MUT_DGRAM_XOR;
		m->offset = (uint32_t)n;
	} else {
		m->op = chop ? IKE_MUT_DGRAM_CHOP : IKE_MUT_DGRAM_TRUNCATE;
		m->value = (uint32_t)n;
	}
	return true;
}

/* catalog: NAME, the entry's mutations */
static bool suite_mutation_catalog(const struct yaml_node *v, const char *key,
				   struct suite_mutation *m, struct yaml_error *err)
{
	const char *s;
	if (!yaml_str(v, key, &s, err))
		return false;
	m->catalog = ike_catalog_find(s);
	if (!m->catalog) {
		const char *near = yaml_suggest(s, ike_catalog_names());
		return yaml_fail(err, v, "'catalog': '%s' is not in the catalog (docs/mutations.md)%s%s%s",
				 s, near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
	}
	return true;
}

static bool suite_mutation_key(const struct yaml_node *v, const char *key, void *vctx,
			       struct yaml_error *err)
{
	struct suite_mutation *m = vctx;
	const char *s;
	uint64_t n;
	bool b;
	if (strcmp(key, "remove") == 0 || strcmp(key, "duplicate") == 0) {
		m->op = key[0] == 'r' ? IKE_MUT_REMOVE : IKE_MUT_DUPLICATE;
		return suite_payload_type(v, key, false, &m->payload, err);
	}
	if (strcmp(key, "insert") == 0) {
		m->op = IKE_MUT_UNKNOWN;
		return suite_payload_type(v, key, true, &m->payload, err);
	}
	if (strcmp(key, "nth") == 0 || strcmp(key, "index") == 0) {
		if (!yaml_uint(v, key, 0, 255, &n, err))
			return false;
		m->nth = (uint32_t)n;
		return true;
	}
	if (strcmp(key, "field") == 0) {
		if (!suite_path(v, key, err))
			return false;
		m->field = xstrdup(v->str);
		return true;
	}
	if (strcmp(key, "set") == 0) {
		if (!yaml_str(v, key, &s, err))
			return false;
		m->op = IKE_MUT_SET;
		m->set = xstrdup(s);
		return true;
	}
	if (strcmp(key, "bytes") == 0) {
		m->op = IKE_MUT_SET_BYTES;
		return suite_hex(v, key, m, err);
	}
	if (strcmp(key, "body") == 0 || strcmp(key, "append") == 0) {
		if (key[0] == 'a')
			m->op = IKE_MUT_DGRAM_APPEND;
		return suite_hex(v, key, m, err);
	}
	if (strcmp(key, "xor") == 0 || strcmp(key, "truncate") == 0 || strcmp(key, "chop") == 0)
		return suite_mutation_dgram(v, key, m, err);
	if (strcmp(key, "mask") == 0) {
		if (!yaml_uint(v, key, 1, 255, &n, err))
			return false;
		m->value = (uint32_t)n;
		return true;
	}
	if (strcmp(key, "plain") == 0)
		return yaml_bool(v, key, &b, err);   /* applied once the form is known */
	return suite_mutation_catalog(v, key, m, err);
}

/* One mutation: exactly one form's key, and only the keys that go with it. */
static bool suite_mutation(const struct yaml_node *v, struct suite_mutation *m,
			   struct yaml_error *err)
{
	static const struct yaml_field f[] = {
		{ "field", false, suite_mutation_key }, { "set", false, suite_mutation_key },
		{ "bytes", false, suite_mutation_key }, { "remove", false, suite_mutation_key },
		{ "duplicate", false, suite_mutation_key }, { "nth", false, suite_mutation_key },
		{ "insert", false, suite_mutation_key }, { "index", false, suite_mutation_key },
		{ "body", false, suite_mutation_key }, { "xor", false, suite_mutation_key },
		{ "mask", false, suite_mutation_key }, { "plain", false, suite_mutation_key },
		{ "truncate", false, suite_mutation_key }, { "chop", false, suite_mutation_key },
		{ "append", false, suite_mutation_key }, { "catalog", false, suite_mutation_key },
	};
	m->line = v->line;
	m->col = v->col;
	if (!yaml_map_walk(v, "mutation", f, SUITE_N(f), m, err))
		return false;
	const struct suite_mut_form *form = NULL;
	for (size_t i = 0; i < SUITE_N(suite_mut_forms); i++) {
		if (!yaml_map_get(v, suite_mut_forms[i].key))
			continue;
		if (form)
			return yaml_fail(err, v, "a mutation has one of '%s' and '%s', not both (%s)",
					 form->key, suite_mut_forms[i].key, SUITE_MUT_FORMS);
		form = &suite_mut_forms[i];
	}
	if (!form)
		return yaml_fail(err, v, "a mutation is %s", SUITE_MUT_FORMS);
	for (size_t k = 0; k < v->n; k++) {
		const char *key = v->keys[k]->str;
		bool ok = strcmp(key, form->key) == 0;
		for (size_t j = 0; !ok && j < 3 && form->with[j]; j++)
			ok = strcmp(key, form->with[j]) == 0;
		if (!ok)
			return yaml_fail(err, v->keys[k], "'%s' does not go with '%s' in a mutation (%s)",
					 key, form->key, SUITE_MUT_FORMS);
	}
	if (strcmp(form->key, "field") == 0 && !m->set && !m->bytes &&
	    !yaml_map_get(v, "bytes"))
		return yaml_fail(err, v, "missing key 'set' in 'mutation' (or 'bytes')");
	if (m->set && yaml_map_get(v, "bytes"))
		return yaml_fail(err, v, "a mutation sets a field to a number ('set') or to bytes ('bytes'), not both");
	if (strcmp(form->key, "xor") == 0 && !yaml_map_get(v, "mask"))
		return yaml_fail(err, v, "missing key 'mask' in 'mutation' (the bits 'xor' flips)");
	const struct yaml_node *plain = yaml_map_get(v, "plain");
	bool b = false;
	if (plain && yaml_bool(plain, "plain", &b, NULL) && b)
		m->op = m->op == IKE_MUT_DGRAM_XOR ? IKE_MUT_PLAIN_XOR : IKE_MUT_PLAIN_TRUNCATE;
	return true;
}

bool suite_mutations(const struct yaml_node *v, struct suite_step *st,
		     struct yaml_error *err)
{
	size_t n;
	const struct yaml_node *const *items = yaml_items(&v, &n);
	if (!n)
		return suite_fail_list(err, v, "mutate", "a mutation or a list of them");
	st->mutations = xcalloc(n, sizeof(*st->mutations));
	for (size_t i = 0; i < n; i++)
		if (!suite_mutation(items[i], &st->mutations[st->nmutations++], err))
			return false;
	return true;
}

