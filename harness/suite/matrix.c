/* The matrix: its dimensions and exclude rules read and checked once, then
 * expanded into cases (named from their values) for each peer. */
#include <stdio.h>
#include <string.h>

#include "suite/internal.h"

/* Matrix dimensions: settings with a scalar value. */
static const char *const suite_dim_keys[] = {
	"role", "exchange", "auth", "psk", "proposal", "encryption", "hash", "group",
	"lifetime", "esp", "pfs", "mode", "child_lifetime", "natt", "natt_force", "lifetime_policy", "topology", "hold", "rekey", "rekey_margin",
	"keepalive", "nat_remap", "mutation", "at", "local_id", "remote_id", "cert", "send_cert",
	"send_chain", "send_cr", "trust", "crl", "id_checks", NULL,
};

static bool suite_matrix_key(const struct yaml_node *v, const char *key, void *vctx,
			     struct yaml_error *err)
{
	struct suite_matrix *m = vctx;
	if (strcmp(key, "exclude") == 0) {
		if (v->type != YAML_SEQ)
			return yaml_fail_expect(err, v, key, "a list of partial combinations");
		m->exclude = v;
		return true;
	}
	if (v->type != YAML_SEQ || !v->n)
		return suite_fail_list(err, v, key, "a non-empty list of values");
	for (size_t i = 0; i < v->n; i++)
		if (!yaml_is_scalar(v->items[i]) || yaml_is_null(v->items[i]))
			return yaml_fail_expect(err, v->items[i], key, "a value (a scalar)");
	m->dims[m->ndims++] = (struct suite_dim){ key, v };
	return true;
}

/* The part of a case name one matrix value gives: "g14" for group 14. */
static void suite_dim_label(const char *key, const char *val, char *buf, size_t len)
{
	bool digits = *val != '\0';
	for (const char *p = val; *p; p++)
		if (*p < '0' || *p > '9')
			digits = false;
	snprintf(buf, len, "%s%s", strcmp(key, "group") == 0 && digits ? "g" : "", val);
}

/* A rule's value for one dimension (a value or a list of them) against the
 * value a combination has. */
bool suite_dim_hit(const struct yaml_node *want, const char *have)
{
	if (want->type != YAML_SEQ)
		return strcmp(want->str, have) == 0;
	for (size_t j = 0; j < want->n; j++)
		if (strcmp(want->items[j]->str, have) == 0)
			return true;
	return false;
}

static bool suite_excluded(const struct suite_matrix *m, const size_t *idx)
{
	if (!m->exclude)
		return false;
	for (size_t r = 0; r < m->exclude->n; r++) {
		const struct yaml_node *rule = m->exclude->items[r];
		bool all = true;
		for (size_t k = 0; k < rule->n && all; k++)
			for (size_t d = 0; d < m->ndims; d++)
				if (strcmp(m->dims[d].key, rule->keys[k]->str) == 0)
					all = suite_dim_hit(rule->items[k],
							    m->dims[d].values->items[idx[d]]->str);
		if (all)
			return true;
	}
	return false;
}

/* The index of a dimension, or m->ndims. */
size_t suite_dim_find(const struct suite_matrix *m, const char *key)
{
	size_t d = 0;
	while (d < m->ndims && strcmp(m->dims[d].key, key) != 0)
		d++;
	return d;
}

/* Values an exclude or match rule gives dimension d must be values the
 * dimension has, so a typo cannot silently select nothing. */
bool suite_check_dim_values(const struct suite_matrix *m, size_t d,
			    const struct yaml_node *want, const char *what,
			    struct yaml_error *err)
{
	const struct yaml_node *const *ws = &want;
	size_t nw = 1;
	if (want->type == YAML_SEQ) {
		ws = (const struct yaml_node *const *)want->items;
		nw = want->n;
	}
	for (size_t j = 0; j < nw; j++) {
		bool found = false;
		if (yaml_is_scalar(ws[j]))
			for (size_t i = 0; i < m->dims[d].values->n; i++)
				found = found || strcmp(m->dims[d].values->items[i]->str,
							ws[j]->str) == 0;
		if (!found) {
			char b[64];
			return yaml_fail(err, ws[j], "%s: %s is not one of the matrix's '%s' values",
					 what, yaml_describe(ws[j], b, sizeof(b)), m->dims[d].key);
		}
	}
	return true;
}

/* Exclude rules name dimensions and values the matrix has, so a typo in a
 * rule cannot silently exclude nothing. */
static bool suite_check_exclude(const struct suite_matrix *m, struct yaml_error *err)
{
	if (!m->exclude)
		return true;
	const char *dims[SUITE_MAX_DIMS + 1];
	for (size_t d = 0; d < m->ndims; d++)
		dims[d] = m->dims[d].key;
	dims[m->ndims] = NULL;
	for (size_t r = 0; r < m->exclude->n; r++) {
		const struct yaml_node *rule = m->exclude->items[r];
		if (rule->type != YAML_MAP || !rule->n)
			return yaml_fail_expect(err, rule, "exclude", "a mapping of dimension: value");
		for (size_t k = 0; k < rule->n; k++) {
			const struct yaml_node *key = rule->keys[k];
			size_t d = suite_dim_find(m, key->str);
			if (d == m->ndims) {
				const char *sug = yaml_suggest(key->str, dims);
				if (sug)
					return yaml_fail(err, key, "exclude names '%s', which is not a matrix dimension (did you mean '%s'?)",
							 key->str, sug);
				return yaml_fail(err, key, "exclude names '%s', which is not a matrix dimension",
						 key->str);
			}
			if (!suite_check_dim_values(m, d, rule->items[k], "exclude", err))
				return false;
		}
	}
	return true;
}

/* The matrix's dimensions into L->m, checked once: its size, its exclude
 * rules and every value on its own. */
bool suite_matrix_read(struct suite_loader *L, struct yaml_error *err)
{
	const struct yaml_node *mn = L->matrix;
	struct yaml_field f[SUITE_N(suite_dim_keys)];
	size_t nf = 0;
	for (size_t i = 0; suite_dim_keys[i]; i++)
		f[nf++] = (struct yaml_field){ suite_dim_keys[i], false, suite_matrix_key };
	f[nf++] = (struct yaml_field){ "exclude", false, suite_matrix_key };
	struct suite_matrix *m = &L->m;
	if (!yaml_map_walk(mn, "matrix", f, nf, m, err))
		return false;
	if (!m->ndims)
		return yaml_fail(err, mn, "'matrix' must have at least one dimension (encryption, hash, group ...)");
	uint64_t product = 1;
	for (size_t d = 0; d < m->ndims; d++) {
		product *= m->dims[d].values->n;
		if (product > SUITE_MAX_CASES)
			break;
	}
	if (product > SUITE_MAX_CASES) {
		/* say the whole size: the user decides what to cut */
		uint64_t full = 1;
		for (size_t d = 0; d < m->ndims; d++)
			full = full > UINT32_MAX ? full : full * m->dims[d].values->n;
		return yaml_fail(err, mn, "the matrix expands to %llu cases, more than the limit of %d: split the suite or use exclude",
				 (unsigned long long)full, SUITE_MAX_CASES);
	}
	if (!suite_check_exclude(m, err))
		return false;
	/* each value once on its own, so a bad one is found even when every
	 * combination with it is excluded */
	for (size_t d = 0; d < m->ndims; d++)
		for (size_t i = 0; i < m->dims[d].values->n; i++) {
			struct suite_settings x = L->def;
			if (!suite_setting(m->dims[d].values->items[i], m->dims[d].key, &x, err))
				return false;
		}
	return true;
}

/* The matrix's cases for the peer being expanded. */
bool suite_matrix_cases(struct suite_loader *L, struct yaml_error *err)
{
	const struct yaml_node *mn = L->matrix;
	const struct suite_matrix *m = &L->m;
	uint64_t product = 1;
	for (size_t d = 0; d < m->ndims; d++)
		product *= m->dims[d].values->n;
	/* the last dimension varies fastest, as nested loops in the order
	 * written: names and order are stable */
	size_t idx[SUITE_MAX_DIMS] = { 0 };
	for (uint64_t c = 0; c < product; c++) {
		uint64_t r = c;
		for (size_t d = m->ndims; d-- > 0;) {
			idx[d] = r % m->dims[d].values->n;
			r /= m->dims[d].values->n;
		}
		if (suite_excluded(m, idx))
			continue;
		struct suite_settings x = L->def;
		char name[256] = "";
		for (size_t d = 0; d < m->ndims; d++) {
			const struct yaml_node *v = m->dims[d].values->items[idx[d]];
			char label[80];
			if (!suite_setting(v, m->dims[d].key, &x, err))
				return false;
			suite_dim_label(m->dims[d].key, v->str, label, sizeof(label));
			size_t l = strlen(name);
			snprintf(name + l, sizeof(name) - l, "%s%s", l ? "-" : "", label);
		}
		/* mutation x message: the pairs the catalog has no meaning
		   for are not cases (an explicit case naming one is an error) */
		if (x.mutation && x.at && !ike_catalog_applies(x.mutation, x.at))
			continue;
		if (x.mutation && !ike_catalog_fits_auth(x.mutation, x.auth))
			continue;   /* CERT/CR/SIG with PSK, HASH_I/R with signatures */
		if (!suite_name_ok(name))
			return yaml_fail(err, mn, "the matrix makes the case name '%s', which is not letters, digits, '-', '_' and '.'",
					 name);
		if (!suite_overrides_apply(L, &x, name, idx, err))
			return false;
		if (!suite_case_make(L, &x, name, mn, err))
			return false;
	}
	if (L->s->ncases == L->first)
		return yaml_fail(err, mn, "the matrix's exclude rules leave no case");
	return true;
}
