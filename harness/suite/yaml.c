/* libyaml events into a small positioned tree; typed getters with errors
 * that say where and what was expected. */
#include "suite/yaml.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "core/chunk.h"

#define YAML_MAX_DEPTH 64
/* Nodes counted with every alias expanded: a few aliased lists must not
 * make a walker do 10^9 steps ("billion laughs"). */
#define YAML_MAX_WEIGHT 100000
#define YAML_MAX_FILE (16u << 20)

/* A node with what only the loader needs. */
struct yaml_inode {
	struct yaml_node n;
	uint64_t weight;          /* nodes below, aliases expanded */
};

struct yaml_anchor {
	char *name;
	struct yaml_node *node;
};

struct yaml_doc {
	char *file;
	struct yaml_node *root;
	struct yaml_inode **nodes;   /* all of them, freed together */
	size_t nnodes, capnodes;
	struct yaml_anchor *anchors;
	size_t nanchors, capanchors;
};

/* An open collection while its events arrive. */
struct yaml_frame {
	struct yaml_inode *node;
	char *anchor;             /* registered when the node is complete */
	struct yaml_node *key;    /* mapping: key waiting for its value */
	bool merge;               /* that key is "<<" */
	struct yaml_node **merges;
	size_t nmerges;
	size_t cap;               /* of items (and keys) */
};

/* ---- errors ---- */

static void yaml_set_error(struct yaml_error *err, const char *file, unsigned line,
			   unsigned col, const char *fmt, va_list ap)
{
	if (!err || err->set)
		return;
	err->set = true;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->col = col;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (line)
		snprintf(err->text, sizeof(err->text), "%s:%u:%u: %s", err->file, line, col, err->msg);
	else
		snprintf(err->text, sizeof(err->text), "%s: %s", err->file, err->msg);
}

static bool yaml_fail_at(struct yaml_error *err, const char *file, unsigned line,
			 unsigned col, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static bool yaml_fail_at(struct yaml_error *err, const char *file, unsigned line,
			 unsigned col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	yaml_set_error(err, file, line, col, fmt, ap);
	va_end(ap);
	return false;
}

bool yaml_fail(struct yaml_error *err, const struct yaml_node *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	yaml_set_error(err, at ? at->file : NULL, at ? at->line : 0, at ? at->col : 0, fmt, ap);
	va_end(ap);
	return false;
}

const char *yaml_describe(const struct yaml_node *n, char *buf, size_t len)
{
	if (!n)
		snprintf(buf, len, "nothing");
	else if (n->type == YAML_MAP)
		snprintf(buf, len, "a mapping");
	else if (n->type == YAML_SEQ)
		snprintf(buf, len, "a list");
	else if (yaml_is_null(n))
		snprintf(buf, len, "empty");
	else if (n->len > 40)
		snprintf(buf, len, "'%.37s...'", n->str);
	else
		snprintf(buf, len, "'%s'", n->str);
	return buf;
}

bool yaml_fail_expect(struct yaml_error *err, const struct yaml_node *at,
		      const char *what, const char *expected)
{
	char found[64];
	yaml_describe(at, found, sizeof(found));
	if (what)
		return yaml_fail(err, at, "'%s' must be %s, not %s", what, expected, found);
	return yaml_fail(err, at, "expected %s, not %s", expected, found);
}

/* ---- the tree ---- */

static struct yaml_inode *yaml_new_node(struct yaml_doc *d, enum yaml_type type,
					yaml_mark_t mark)
{
	struct yaml_inode *in = xcalloc(1, sizeof(*in));
	in->n.type = type;
	in->n.file = d->file;
	in->n.line = (unsigned)mark.line + 1;
	in->n.col = (unsigned)mark.column + 1;
	in->weight = 1;
	if (d->nnodes == d->capnodes) {
		d->capnodes = d->capnodes ? d->capnodes * 2 : 64;
		d->nodes = xrealloc(d->nodes, d->capnodes * sizeof(*d->nodes));
	}
	d->nodes[d->nnodes++] = in;
	return in;
}

static uint64_t yaml_weight(const struct yaml_node *n)
{
	return ((const struct yaml_inode *)n)->weight;
}

void yaml_doc_free(struct yaml_doc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nnodes; i++) {
		free((char *)d->nodes[i]->n.str);
		free(d->nodes[i]->n.items);
		free(d->nodes[i]->n.keys);
		free(d->nodes[i]);
	}
	for (size_t i = 0; i < d->nanchors; i++)
		free(d->anchors[i].name);
	free(d->anchors);
	free(d->nodes);
	free(d->file);
	free(d);
}

const struct yaml_node *yaml_doc_root(const struct yaml_doc *d)
{
	return d ? d->root : NULL;
}

static bool yaml_key_eq(const struct yaml_node *a, const struct yaml_node *b)
{
	return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

static void yaml_append(struct yaml_frame *f, struct yaml_node *key, struct yaml_node *value)
{
	struct yaml_node *n = &f->node->n;
	if (n->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		n->items = xrealloc(n->items, f->cap * sizeof(*n->items));
		if (n->type == YAML_MAP)
			n->keys = xrealloc(n->keys, f->cap * sizeof(*n->keys));
	}
	if (key)
		n->keys[n->n] = key;
	n->items[n->n++] = value;
}

static bool yaml_is_merge_key(const struct yaml_node *k)
{
	return k->plain && strcmp(k->str, "<<") == 0;
}

/* A finished child goes into its parent: a key, a value, or a merge source. */
static bool yaml_add_child(struct yaml_frame *f, struct yaml_node *child,
			   struct yaml_error *err)
{
	struct yaml_node *parent = &f->node->n;
	f->node->weight += yaml_weight(child);
	if (f->node->weight > YAML_MAX_WEIGHT)
		return yaml_fail(err, parent, "the document is too large once aliases are expanded "
				 "(more than %d nodes)", YAML_MAX_WEIGHT);
	if (parent->type == YAML_SEQ) {
		yaml_append(f, NULL, child);
		return true;
	}
	if (!f->key) {
		if (child->type != YAML_SCALAR)
			return yaml_fail(err, child, "a mapping key must be a plain string, not %s",
					 child->type == YAML_MAP ? "a mapping" : "a list");
		if (strlen(child->str) != child->len)
			return yaml_fail(err, child, "a mapping key must not contain a NUL byte");
		f->merge = yaml_is_merge_key(child);
		for (size_t i = 0; !f->merge && i < parent->n; i++)
			if (yaml_key_eq(parent->keys[i], child))
				return yaml_fail(err, child, "duplicate key '%s' (first at line %u, column %u)",
						 child->str, parent->keys[i]->line, parent->keys[i]->col);
		f->key = child;
		return true;
	}
	if (f->merge) {
		/* "<<: *a" or "<<: [*a, *b]": sources applied at the end */
		struct yaml_node **src = child->type == YAML_SEQ ? child->items : &child;
		size_t n = child->type == YAML_SEQ ? child->n : 1;
		for (size_t i = 0; i < n; i++)
			if (src[i]->type != YAML_MAP)
				return yaml_fail_expect(err, src[i], "<<", "a mapping or a list of mappings to merge");
		f->merges = xrealloc(f->merges, (f->nmerges + n) * sizeof(*f->merges));
		memcpy(f->merges + f->nmerges, src, n * sizeof(*src));
		f->nmerges += n;
	} else {
		yaml_append(f, f->key, child);
	}
	f->key = NULL;
	f->merge = false;
	return true;
}

/* YAML merge: explicit keys win, then earlier sources over later ones. */
static void yaml_apply_merges(struct yaml_frame *f)
{
	struct yaml_node *m = &f->node->n;
	for (size_t s = 0; s < f->nmerges; s++) {
		const struct yaml_node *src = f->merges[s];
		for (size_t i = 0; i < src->n; i++) {
			bool have = false;
			for (size_t j = 0; j < m->n && !have; j++)
				have = yaml_key_eq(m->keys[j], src->keys[i]);
			if (!have)
				yaml_append(f, src->keys[i], src->items[i]);
		}
	}
	free(f->merges);
	f->merges = NULL;
	f->nmerges = 0;
}

static void yaml_add_anchor(struct yaml_doc *d, const char *name, struct yaml_node *node)
{
	if (d->nanchors == d->capanchors) {
		d->capanchors = d->capanchors ? d->capanchors * 2 : 8;
		d->anchors = xrealloc(d->anchors, d->capanchors * sizeof(*d->anchors));
	}
	d->anchors[d->nanchors++] = (struct yaml_anchor){ xstrdup(name), node };
}

static void yaml_syntax_error(const yaml_parser_t *p, const char *file, struct yaml_error *err)
{
	const char *problem = p->problem ? p->problem : "cannot parse";
	if (p->error == YAML_READER_ERROR) {
		yaml_fail_at(err, file, (unsigned)p->mark.line + 1, (unsigned)p->mark.column + 1,
			     "%s (byte offset %zu)", problem, p->problem_offset);
	} else if (p->error == YAML_MEMORY_ERROR) {
		yaml_fail_at(err, file, 0, 0, "out of memory while parsing");
	} else if (p->context) {
		yaml_fail_at(err, file, (unsigned)p->problem_mark.line + 1,
			     (unsigned)p->problem_mark.column + 1, "%s (%s at line %u, column %u)",
			     problem, p->context, (unsigned)p->context_mark.line + 1,
			     (unsigned)p->context_mark.column + 1);
	} else {
		yaml_fail_at(err, file, (unsigned)p->problem_mark.line + 1,
			     (unsigned)p->problem_mark.column + 1, "%s", problem);
	}
}

/* The collections open while events arrive. */
struct yaml_builder {
	struct yaml_doc *d;
	struct yaml_frame stack[YAML_MAX_DEPTH];
	size_t depth;
};

static struct yaml_node *yaml_build_scalar(struct yaml_doc *d, const yaml_event_t *ev)
{
	struct yaml_inode *in = yaml_new_node(d, YAML_SCALAR, ev->start_mark);
	size_t len = ev->data.scalar.length;
	char *s = xmalloc(len + 1);
	memcpy(s, ev->data.scalar.value, len);
	s[len] = '\0';
	in->n.str = s;
	in->n.len = len;
	in->n.plain = ev->data.scalar.plain_implicit;
	return &in->n;
}

/* A sequence or mapping starts: a frame for it, unless too deep. */
static bool yaml_build_open(struct yaml_builder *b, const yaml_event_t *ev,
			    struct yaml_error *err)
{
	bool map = ev->type == YAML_MAPPING_START_EVENT;
	if (b->depth == YAML_MAX_DEPTH)
		return yaml_fail_at(err, b->d->file, (unsigned)ev->start_mark.line + 1,
				    (unsigned)ev->start_mark.column + 1,
				    "nested more than %d levels deep", YAML_MAX_DEPTH);
	const yaml_char_t *a = map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
	b->stack[b->depth++] = (struct yaml_frame){
		.node = yaml_new_node(b->d, map ? YAML_MAP : YAML_SEQ, ev->start_mark),
		.anchor = a ? xstrdup((const char *)a) : NULL,
	};
	return true;
}

/* A sequence or mapping ends: its merges applied, its anchor registered. */
static struct yaml_node *yaml_build_close(struct yaml_builder *b)
{
	struct yaml_frame *f = &b->stack[--b->depth];
	if (f->node->n.type == YAML_MAP)
		yaml_apply_merges(f);
	if (f->anchor)
		yaml_add_anchor(b->d, f->anchor, &f->node->n);
	free(f->anchor);
	return &f->node->n;
}

/* An alias: the latest node with that anchor, into *out. */
static bool yaml_build_alias(const struct yaml_builder *b, const yaml_event_t *ev,
			     struct yaml_node **out, struct yaml_error *err)
{
	const struct yaml_doc *d = b->d;
	const char *name = (const char *)ev->data.alias.anchor;
	for (size_t i = d->nanchors; i-- > 0;)
		if (strcmp(d->anchors[i].name, name) == 0) {
			*out = d->anchors[i].node;
			return true;
		}
	bool open = false;
	for (size_t i = 0; i < b->depth; i++)
		open |= b->stack[i].anchor && strcmp(b->stack[i].anchor, name) == 0;
	return yaml_fail_at(err, d->file, (unsigned)ev->start_mark.line + 1,
			    (unsigned)ev->start_mark.column + 1,
			    open ? "alias '*%s' refers to a node that contains it"
				 : "undefined alias '*%s'", name);
}

/* A finished node: anchored if it has one, into its parent or the root. */
static bool yaml_build_place(struct yaml_builder *b, struct yaml_node *node, const char *anchor,
			     struct yaml_error *err)
{
	if (anchor)
		yaml_add_anchor(b->d, anchor, node);
	if (b->depth)
		return yaml_add_child(&b->stack[b->depth - 1], node, err);
	b->d->root = node;
	return true;
}

/* Events to tree: d->root, or false with err set. */
static bool yaml_build(yaml_parser_t *p, struct yaml_doc *d, struct yaml_error *err)
{
	struct yaml_builder b = { .d = d };
	unsigned docs = 0;
	bool ok = true, done = false;
	while (ok && !done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(p, &ev)) {
			yaml_syntax_error(p, d->file, err);
			ok = false;
			break;
		}
		struct yaml_node *finished = NULL;
		const char *anchor = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (docs++)
				ok = yaml_fail_at(err, d->file, (unsigned)ev.start_mark.line + 1,
						  (unsigned)ev.start_mark.column + 1,
						  "a second document; one document per file");
			break;
		case YAML_SCALAR_EVENT:
			finished = yaml_build_scalar(d, &ev);
			anchor = (const char *)ev.data.scalar.anchor;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			ok = yaml_build_open(&b, &ev, err);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			finished = yaml_build_close(&b);
			break;
		case YAML_ALIAS_EVENT:
			ok = yaml_build_alias(&b, &ev, &finished, err);
			break;
		default:
			break;
		}
		if (ok && finished)
			ok = yaml_build_place(&b, finished, anchor, err);
		yaml_event_delete(&ev);
	}
	/* On an error, open frames still own their pending strings. */
	while (b.depth) {
		free(b.stack[--b.depth].anchor);
		free(b.stack[b.depth].merges);
	}
	return ok;
}

bool yaml_load_string(const char *name, const char *text, size_t len,
		      struct yaml_doc **out, struct yaml_error *err)
{
	*out = NULL;
	struct yaml_doc *d = xcalloc(1, sizeof(*d));
	d->file = xstrdup(name);
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		yaml_doc_free(d);
		return yaml_fail_at(err, name, 0, 0, "cannot start the YAML parser");
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	bool ok = yaml_build(&p, d, err);
	yaml_parser_delete(&p);
	if (ok && !d->root) {
		/* An empty file is an empty document: loaders say what they wanted. */
		struct yaml_inode *in = yaml_new_node(d, YAML_SCALAR, (yaml_mark_t){ 0, 0, 0 });
		in->n.str = xstrdup("");
		in->n.plain = true;
		d->root = &in->n;
	}
	if (!ok) {
		yaml_doc_free(d);
		return false;
	}
	*out = d;
	return true;
}

bool yaml_load_file(const char *path, struct yaml_doc **out, struct yaml_error *err)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return yaml_fail_at(err, path, 0, 0, "cannot open: %s", strerror(errno));
	struct writer w;
	writer_init(&w);
	bool bad = !writer_read(&w, f, YAML_MAX_FILE);
	fclose(f);
	bool ok;
	if (bad)
		ok = yaml_fail_at(err, path, 0, 0, "cannot read: %s", strerror(errno));
	else if (w.len > YAML_MAX_FILE)
		ok = yaml_fail_at(err, path, 0, 0, "larger than %u MB", YAML_MAX_FILE >> 20);
	else
		ok = yaml_load_string(path, w.p ? (const char *)w.p : "", w.len, out, err);
	writer_free(&w);
	return ok;
}

/* ---- lookups and the key walker ---- */

bool yaml_is_scalar(const struct yaml_node *n)
{
	return n && n->type == YAML_SCALAR;
}

bool yaml_is_null(const struct yaml_node *n)
{
	if (!yaml_is_scalar(n) || !n->plain)
		return false;
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(n->str, nulls[i]) == 0)
			return true;
	return false;
}

const struct yaml_node *const *yaml_items(const struct yaml_node *const *vp, size_t *n)
{
	if ((*vp)->type == YAML_SEQ) {
		*n = (*vp)->n;
		return (const struct yaml_node *const *)(*vp)->items;
	}
	*n = 1;
	return vp;
}

const struct yaml_node *yaml_map_get(const struct yaml_node *map, const char *key)
{
	if (!map || map->type != YAML_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->str, key) == 0)
			return map->items[i];
	return NULL;
}

bool yaml_map_need(const struct yaml_node *map, const char *key, const char *what,
		   const struct yaml_node **out, struct yaml_error *err)
{
	if (!map || map->type != YAML_MAP)
		return yaml_fail_expect(err, map, what, "a mapping");
	*out = yaml_map_get(map, key);
	if (*out)
		return true;
	if (what)
		return yaml_fail(err, map, "missing key '%s' in '%s'", key, what);
	return yaml_fail(err, map, "missing key '%s'", key);
}

/* Optimal string alignment distance: a swapped pair of letters is one typo. */
static size_t yaml_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	size_t d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *yaml_suggest(const char *word, const char *const *candidates)
{
	/* One typo in a short word, two in a longer one: more is a different word. */
	size_t len = strlen(word), limit = len >= 6 ? 2 : 1, best = SIZE_MAX;
	const char *pick = NULL;
	for (size_t i = 0; candidates[i]; i++) {
		size_t dist = yaml_distance(word, candidates[i]);
		if (dist < best) {
			best = dist;
			pick = candidates[i];
		}
	}
	return best <= limit && best < len ? pick : NULL;
}

bool yaml_map_walk(const struct yaml_node *map, const char *what,
		   const struct yaml_field *fields, size_t nfields, void *ctx,
		   struct yaml_error *err)
{
	if (!map || map->type != YAML_MAP)
		return yaml_fail_expect(err, map, what, "a mapping");
	const char **names = xcalloc(nfields + 1, sizeof(*names));
	for (size_t i = 0; i < nfields; i++)
		names[i] = fields[i].key;
	bool ok = true;
	for (size_t i = 0; ok && i < map->n; i++) {
		const struct yaml_node *k = map->keys[i];
		size_t f;
		for (f = 0; f < nfields && strcmp(fields[f].key, k->str) != 0; f++)
			;
		if (f < nfields)
			continue;
		const char *s = yaml_suggest(k->str, names);
		if (s)
			ok = yaml_fail(err, k, "unknown key '%s' (did you mean '%s'?)", k->str, s);
		else if (what)
			ok = yaml_fail(err, k, "unknown key '%s' in '%s'", k->str, what);
		else
			ok = yaml_fail(err, k, "unknown key '%s'", k->str);
	}
	free(names);
	for (size_t f = 0; ok && f < nfields; f++)
		if (fields[f].required && !yaml_map_get(map, fields[f].key)) {
			const struct yaml_node *unused;
			ok = yaml_map_need(map, fields[f].key, what, &unused, err);
		}
	for (size_t i = 0; ok && i < map->n; i++)
		for (size_t f = 0; f < nfields; f++)
			if (strcmp(fields[f].key, map->keys[i]->str) == 0) {
				ok = fields[f].fn(map->items[i], fields[f].key, ctx, err);
				break;
			}
	return ok;
}

/* ---- typed getters ---- */

bool yaml_str(const struct yaml_node *n, const char *what, const char **out,
	      struct yaml_error *err)
{
	if (!yaml_is_scalar(n) || yaml_is_null(n) || n->len == 0)
		return yaml_fail_expect(err, n, what, "a string");
	if (strlen(n->str) != n->len)
		return yaml_fail(err, n, "'%s' must not contain a NUL byte", what);
	*out = n->str;
	return true;
}

/* Digits only (or 0x and hex digits): no sign, no spaces, no overflow. */
static bool yaml_parse_u64(const char *s, uint64_t *v)
{
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)*s) || (base == 10 && !isdigit((unsigned char)*s)))
		return false;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, base);
	if (*end || errno)
		return false;
	*v = x;
	return true;
}

bool yaml_uint(const struct yaml_node *n, const char *what, uint64_t min, uint64_t max,
	       uint64_t *out, struct yaml_error *err)
{
	uint64_t v;
	if (!yaml_is_scalar(n) || !yaml_parse_u64(n->str, &v) || v < min || v > max) {
		char want[80];
		if (max == UINT64_MAX)
			snprintf(want, sizeof(want), "a number of at least %" PRIu64, min);
		else
			snprintf(want, sizeof(want), "a number from %" PRIu64 " to %" PRIu64, min, max);
		return yaml_fail_expect(err, n, what, want);
	}
	*out = v;
	return true;
}

bool yaml_bool(const struct yaml_node *n, const char *what, bool *out, struct yaml_error *err)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	for (size_t i = 0; yaml_is_scalar(n) && i < 3; i++) {
		if (strcasecmp(n->str, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(n->str, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return yaml_fail_expect(err, n, what, "true or false");
}

bool yaml_enum(const struct yaml_node *n, const char *what, const char *const *names,
	       unsigned *out, struct yaml_error *err)
{
	for (unsigned i = 0; yaml_is_scalar(n) && names[i]; i++)
		if (strcmp(n->str, names[i]) == 0) {
			*out = i;
			return true;
		}
	char want[300] = "one of ";
	for (size_t i = 0; names[i]; i++) {
		size_t l = strlen(want);
		snprintf(want + l, sizeof(want) - l, "%s%s", i ? ", " : "", names[i]);
	}
	const char *s = yaml_is_scalar(n) ? yaml_suggest(n->str, names) : NULL;
	if (!s)
		return yaml_fail_expect(err, n, what, want);
	char found[64];
	return yaml_fail(err, n, "'%s' must be %s, not %s (did you mean '%s'?)", what, want,
			 yaml_describe(n, found, sizeof(found)), s);
}

/* "12", "1.5" then an optional space and a unit; number in thousandths. */
static bool yaml_parse_number_unit(const char *s, uint64_t *milli, const char **unit)
{
	uint64_t v = 0, frac = 0, scale = 1000;
	const char *p = s;
	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX / 1000 - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		for (; isdigit((unsigned char)*p); p++) {
			if (scale == 1)
				return false; /* finer than a thousandth */
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;
		}
	}
	if (*p == ' ')
		p++;
	*milli = v * 1000 + frac;
	*unit = p;
	return true;
}

bool yaml_parse_duration_ms(const char *s, uint64_t *ms)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "min", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	uint64_t milli;
	const char *unit;
	if (!yaml_parse_number_unit(s, &milli, &unit))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(unit, units[i].unit) != 0 || (!*unit && unit != s && unit[-1] == ' '))
			continue;
		if (milli > UINT64_MAX / units[i].ms)
			return false;
		uint64_t total = milli * units[i].ms;
		if (total % 1000)
			return false; /* not whole milliseconds */
		*ms = total / 1000;
		return true;
	}
	return false;
}

bool yaml_parse_size_kb(const char *s, uint64_t *kb)
{
	static const struct { const char *unit; uint64_t kb; } units[] = {
		{ "", 1 }, { "kb", 1 }, { "mb", 1024 }, { "gb", 1024 * 1024 },
	};
	uint64_t milli;
	const char *unit;
	if (!yaml_parse_number_unit(s, &milli, &unit) || milli % 1000)
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(unit, units[i].unit) != 0 || (!*unit && unit != s && unit[-1] == ' '))
			continue;
		if (milli / 1000 > UINT64_MAX / units[i].kb)
			return false;
		*kb = milli / 1000 * units[i].kb;
		return true;
	}
	return false;
}

const char *yaml_duration_str(uint64_t ms, char *buf, size_t len)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 },
	};
	for (size_t i = 0; ms && i < sizeof(units) / sizeof(units[0]); i++)
		if (ms % units[i].ms == 0) {
			snprintf(buf, len, "%" PRIu64 "%s", ms / units[i].ms, units[i].unit);
			return buf;
		}
	snprintf(buf, len, "%" PRIu64 "ms", ms);
	return buf;
}

bool yaml_duration_ms(const struct yaml_node *n, const char *what, uint64_t min_ms,
		      uint64_t max_ms, uint64_t *out, struct yaml_error *err)
{
	uint64_t v;
	if (!yaml_is_scalar(n) || !yaml_parse_duration_ms(n->str, &v))
		return yaml_fail_expect(err, n, what, "a duration such as 30s, 500ms or 8h");
	if (v < min_ms || v > max_ms) {
		char lo[32], hi[32], want[80];
		snprintf(want, sizeof(want), "a duration from %s to %s",
			 yaml_duration_str(min_ms, lo, sizeof(lo)), yaml_duration_str(max_ms, hi, sizeof(hi)));
		return yaml_fail_expect(err, n, what, want);
	}
	*out = v;
	return true;
}

bool yaml_size_kb(const struct yaml_node *n, const char *what, uint64_t min_kb,
		  uint64_t max_kb, uint64_t *out, struct yaml_error *err)
{
	uint64_t v;
	if (!yaml_is_scalar(n) || !yaml_parse_size_kb(n->str, &v))
		return yaml_fail_expect(err, n, what, "a size such as 1000kb, 10mb or 1gb");
	if (v < min_kb || v > max_kb) {
		char want[80];
		snprintf(want, sizeof(want), "a size from %" PRIu64 "kb to %" PRIu64 "kb", min_kb, max_kb);
		return yaml_fail_expect(err, n, what, want);
	}
	*out = v;
	return true;
}

