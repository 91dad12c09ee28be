/* YAML documents as a small tree with positions, and typed getters whose
 * errors name file:line:column and what was expected there.
 *
 * libyaml parses (event API); this layer keeps only mappings, sequences and
 * scalars. Aliases are resolved to the anchored node (shared, not copied;
 * the tree is read-only), "<<" merge keys are applied, and duplicate keys
 * are an error at load time. A loader walks the tree with yaml_map_walk(),
 * which refuses unknown keys with a did-you-mean suggestion, so a file with
 * a typo never runs half-right. Every failing call leaves its first error in
 * a struct yaml_error; later failures do not overwrite it. */
#ifndef IKEC_SUITE_YAML_H
#define IKEC_SUITE_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum yaml_type { YAML_SCALAR, YAML_SEQ, YAML_MAP };

struct yaml_node {
	enum yaml_type type;
	const char *file;          /* the document's name, for messages */
	unsigned line, col;        /* 1-based, where the node starts */
	/* scalar */
	const char *str;           /* NUL-terminated (len excludes the NUL) */
	size_t len;
	bool plain;                /* unquoted and untagged: null, booleans and
				      numbers are recognised only in this form */
	/* sequence: items[0..n); mapping: keys[i] -> items[i], keys scalars */
	size_t n;
	struct yaml_node **items;
	struct yaml_node **keys;
};

#define YAML_ERR_MAX 512

struct yaml_error {
	bool set;
	char file[256];
	unsigned line, col;        /* 0 when there is no position (I/O) */
	char msg[YAML_ERR_MAX];    /* without the position */
	char text[YAML_ERR_MAX + 300]; /* "file:line:col: msg" */
};

struct yaml_doc;

/* Load a file with exactly one document. False with err set: I/O, libyaml
 * syntax errors (with their position), duplicate keys, undefined or
 * recursive aliases, bad merge keys, nesting deeper than 64, a second
 * document. An empty file loads as one null scalar at 1:1, so the loader's
 * own message ("must be a mapping, not empty") applies. */
bool yaml_load_file(const char *path, struct yaml_doc **out, struct yaml_error *err);
/* The same from memory; name is used in messages. */
bool yaml_load_string(const char *name, const char *text, size_t len,
		      struct yaml_doc **out, struct yaml_error *err);
const struct yaml_node *yaml_doc_root(const struct yaml_doc *doc);
void yaml_doc_free(struct yaml_doc *doc);

/* Record an error at a node (NULL: no position) unless one is set already;
 * always returns false so loaders can "return yaml_fail(...)". */
bool yaml_fail(struct yaml_error *err, const struct yaml_node *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "'what' must be EXPECTED, not FOUND", FOUND describing the node
 * ('value', "a mapping", "a list", "empty"). */
bool yaml_fail_expect(struct yaml_error *err, const struct yaml_node *at,
		      const char *what, const char *expected);
/* A short description of a node for messages: 'text' (cut at 40 chars),
 * "a mapping", "a list" or "empty". */
const char *yaml_describe(const struct yaml_node *n, char *buf, size_t len);

/* A plain ~, null, Null, NULL or empty scalar. */
bool yaml_is_null(const struct yaml_node *n);
bool yaml_is_scalar(const struct yaml_node *n);

/* The value of a key in a mapping, or NULL (also when map is no mapping). */
const struct yaml_node *yaml_map_get(const struct yaml_node *map, const char *key);
/* A sequence's items, or the node at *vp as a list of one (the result
 * points at *vp then: it must outlive the list); their count in *n. */
const struct yaml_node *const *yaml_items(const struct yaml_node *const *vp, size_t *n);
/* Like yaml_map_get, but a missing key is an error at the mapping:
 * "missing key 'psk' in 'what'" (what NULL: "missing key 'psk'"). */
bool yaml_map_need(const struct yaml_node *map, const char *key, const char *what,
		   const struct yaml_node **out, struct yaml_error *err);

/* One key of a mapping walked by yaml_map_walk. fn gets the value and the
 * key's name; ctx is the walker's. */
struct yaml_field {
	const char *key;
	bool required;
	bool (*fn)(const struct yaml_node *value, const char *key, void *ctx,
		   struct yaml_error *err);
};

/* Check that map is a mapping ("'what' must be a mapping"), that every
 * key is in fields (the first unknown one is an error at that key: "unknown
 * key 'lifetim' (did you mean 'lifetime'?)"), that every required field is
 * there ("missing key 'psk' in 'what'", at the mapping), then call fn for
 * each key present, in document order. Stops at the first false. */
bool yaml_map_walk(const struct yaml_node *map, const char *what,
		   const struct yaml_field *fields, size_t nfields, void *ctx,
		   struct yaml_error *err);
/* The closest of candidates (NULL-terminated) to word when it is close
 * enough to be a likely typo (edit distance, transpositions count one),
 * else NULL. */
const char *yaml_suggest(const char *word, const char *const *candidates);

/* Typed getters. what names the key in messages. All fail on mappings,
 * lists and null; nothing is written to out on failure. */

/* A non-empty scalar without NUL bytes. */
bool yaml_str(const struct yaml_node *n, const char *what, const char **out,
	      struct yaml_error *err);
/* A decimal (or 0x hex) integer in [min, max]:
 * "'tries' must be a number from 1 to 20, not 'x'". */
bool yaml_uint(const struct yaml_node *n, const char *what, uint64_t min, uint64_t max,
	       uint64_t *out, struct yaml_error *err);
/* true/false, yes/no, on/off (any case). */
bool yaml_bool(const struct yaml_node *n, const char *what, bool *out,
	       struct yaml_error *err);
/* One of names (NULL-terminated); out is its index. The message lists them
 * and suggests the closest: "'exchange' must be one of main, aggressive, not
 * 'mian' (did you mean 'main'?)". */
bool yaml_enum(const struct yaml_node *n, const char *what, const char *const *names,
	       unsigned *out, struct yaml_error *err);
/* A duration in milliseconds within [min_ms, max_ms]: a number with a unit
 * ms, s, m (or min), h or d, decimals allowed ("1.5s"); a bare number is
 * seconds ("3600"). */
bool yaml_duration_ms(const struct yaml_node *n, const char *what, uint64_t min_ms,
		      uint64_t max_ms, uint64_t *out, struct yaml_error *err);
/* A size in kilobytes within [min_kb, max_kb]: a whole number with a unit kb,
 * mb or gb (1024 apart, any case); a bare number is kilobytes. */
bool yaml_size_kb(const struct yaml_node *n, const char *what, uint64_t min_kb,
		  uint64_t max_kb, uint64_t *out, struct yaml_error *err);

/* Parsers of the same scalar forms for callers that decide the type by the
 * text (a lifetime is a duration or a size): false without an error. */
bool yaml_parse_duration_ms(const char *s, uint64_t *ms);
bool yaml_parse_size_kb(const char *s, uint64_t *kb);
/* A duration as the shortest exact text ("90s", "8h", "1500ms"). */
const char *yaml_duration_str(uint64_t ms, char *buf, size_t len);

#endif
