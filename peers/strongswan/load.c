/* A swanctl.conf into the vici requests `swanctl --load-all --clear
 * --noprompt --file FILE` sends (strongSwan 5.9.8; tests/strongswan/
 * load-*.vici are its requests, captured): clear-creds; load-cert and
 * load-key for the files in the folders beside FILE; load-shared for
 * each shared secret; load-conn for each connection. It reads the file's
 * folders and the certificate files it names, nothing else.
 *
 * swanctl also asks get-keys, get-shared, get-authorities and get-pools to
 * unload what is not in the file: after clear-creds nothing is left to
 * unload, and authorities and pools are refused here, so those are left
 * out. get-conns and unload-conn need charon's answer: the driver's. */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "peers/strongswan/strongswan.h"

#define SS_LOAD_FILE_MAX 0xffffu   /* a vici value's 16-bit length */

/* --- the settings text --- */

/* One key = value, or a section with its children, in file order. */
struct ss_node {
	char *name;
	char *value;            /* NULL: a section */
	int line;
	struct ss_node *child, *next;
};

struct ss_text {
	const char *file;
	struct ss_node root;
	struct ss_node *stack[16];  /* the open sections; [0] the root */
	struct ss_node *last[16];   /* the last child of each */
	int depth;
};

static void ss_node_free(struct ss_node *n)
{
	while (n) {
		struct ss_node *next = n->next;
		ss_node_free(n->child);
		free(n->name);
		free(n->value);
		free(n);
		n = next;
	}
}

static char *ss_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* A name as a section or key may be: no blanks, quotes or braces. */
static bool ss_word_ok(const char *s)
{
	return *s && strlen(s) <= 255 && !strpbrk(s, " \t\"{}=:#");
}

static bool ss_text_add(struct ss_text *t, const char *name, const char *value, int line,
			char *err, size_t errlen)
{
	for (struct ss_node *o = t->stack[t->depth]->child; o; o = o->next) {
		if (strcmp(o->name, name) == 0) {
			snprintf(err, errlen, "%s:%d: '%s' again (first on line %d)", t->file, line,
				 name, o->line);
			return false;
		}
	}
	struct ss_node *n = xcalloc(1, sizeof(*n));
	n->name = xstrdup(name);
	n->value = value ? xstrdup(value) : NULL;
	n->line = line;
	if (t->last[t->depth])
		t->last[t->depth]->next = n;
	else
		t->stack[t->depth]->child = n;
	t->last[t->depth] = n;
	if (!value) {
		if (t->depth + 1 >= (int)(sizeof(t->stack) / sizeof(t->stack[0]))) {
			snprintf(err, errlen, "%s:%d: sections nested too deep", t->file, line);
			return false;
		}
		t->stack[++t->depth] = n;
		t->last[t->depth] = NULL;
	}
	return true;
}

/* "key = value": the value unquoted up to a comment, or between double
 * quotes (no escapes: the generator never writes them). */
static bool ss_text_pair(struct ss_text *t, char *s, char *eq, int line, char *err,
			 size_t errlen)
{
	*eq = '\0';
	char *key = ss_trim(s), *v = ss_trim(eq + 1);
	if (!ss_word_ok(key)) {
		snprintf(err, errlen, "%s:%d: key '%.60s' is not a plain word", t->file, line, key);
		return false;
	}
	if (*v == '"') {
		char *end = strchr(v + 1, '"');
		if (!end || strchr(v, '\\') || (*ss_trim(end + 1) && *ss_trim(end + 1) != '#')) {
			snprintf(err, errlen, "%s:%d: %s: a quoted value needs one closing quote "
				 "and no escapes", t->file, line, key);
			return false;
		}
		*end = '\0';
		v++;
	} else {
		char *hash = strchr(v, '#');
		if (hash)
			*hash = '\0';
		v = ss_trim(v);
	}
	return ss_text_add(t, key, v, line, err, errlen);
}

/* One line: a comment, "name {", "}" or "key = value". */
static bool ss_text_line(struct ss_text *t, char *s, int line, char *err, size_t errlen)
{
	s = ss_trim(s);
	size_t n = strlen(s);
	if (n == 0 || s[0] == '#')
		return true;
	char *eq = strchr(s, '=');
	if (eq && (!strchr(s, '"') || eq < strchr(s, '"')))
		return ss_text_pair(t, s, eq, line, err, errlen);
	if (strcmp(s, "}") == 0) {
		if (t->depth == 0) {
			snprintf(err, errlen, "%s:%d: '}' without a section", t->file, line);
			return false;
		}
		t->depth--;
		return true;
	}
	if (s[n - 1] == '{') {
		s[n - 1] = '\0';
		char *name = ss_trim(s);
		if (!ss_word_ok(name)) {
			snprintf(err, errlen, "%s:%d: section name '%.60s' is not a plain word "
				 "(no templates here)", t->file, line, name);
			return false;
		}
		return ss_text_add(t, name, NULL, line, err, errlen);
	}
	snprintf(err, errlen, "%s:%d: expected 'key = value', 'name {' or '}', got '%.60s'",
		 t->file, line, s);
	return false;
}

static bool ss_text_parse(struct ss_text *t, const char *text, char *err, size_t errlen)
{
	char *copy = xstrdup(text), *s = copy;
	int line = 1;
	bool ok = true;
	t->stack[0] = &t->root;
	while (ok && s) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		ok = ss_text_line(t, s, line++, err, errlen);
		s = nl ? nl + 1 : NULL;
	}
	free(copy);
	if (ok && t->depth) {
		snprintf(err, errlen, "%s: section '%s' not closed at the end", t->file,
			 t->stack[t->depth]->name);
		ok = false;
	}
	return ok;
}

/* --- the plan --- */

static struct strongswan_req *ss_load_add(struct strongswan_load *l, const char *command)
{
	l->req = xrealloc(l->req, (l->n + 1) * sizeof(*l->req));
	struct strongswan_req *r = &l->req[l->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->command, sizeof(r->command), "%s", command);
	vici_msg_begin(&r->msg, VICI_CMD_REQUEST, command);
	return r;
}

/* The request done; false (err naming what it was for) on misuse. */
static bool ss_load_end(struct strongswan_req *r, char *err, size_t errlen)
{
	char e[200];
	if (vici_msg_end(&r->msg, e, sizeof(e)))
		return true;
	snprintf(err, errlen, "%s: %s", r->what, e);
	return false;
}

/* A whole file, at most one vici value long. */
static bool ss_load_file(const char *path, struct writer *w, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "reading %s: %s", path, strerror(errno));
		return false;
	}
	writer_init(w);
	bool ok = writer_read(w, f, SS_LOAD_FILE_MAX);
	fclose(f);
	if (!ok || w->len > SS_LOAD_FILE_MAX) {
		snprintf(err, errlen, "reading %s: %s", path, ok ? "longer than the 65535 bytes "
			 "a vici value holds" : strerror(errno));
		writer_free(w);
		return false;
	}
	return true;
}

/* The folders beside swanctl.conf swanctl loads, and how. */
static const struct {
	const char *dir;
	const char *command;     /* load-cert or load-key */
	const char *type;        /* its "type" */
	const char *flag;        /* load-cert of an X.509 certificate: its "flag" */
} ss_load_dirs[] = {
	{ "x509", "load-cert", "X509", "NONE" },
	{ "x509ca", "load-cert", "X509", "CA" },
	{ "x509ocsp", "load-cert", "X509", "OCSP" },
	{ "x509aa", "load-cert", "X509", "AA" },
	{ "x509ac", "load-cert", "X509_AC", NULL },
	{ "x509crl", "load-cert", "X509_CRL", NULL },
	{ "pubkey", "load-cert", "PUBKEY", NULL },
	{ "private", "load-key", "any", NULL },
	{ "rsa", "load-key", "rsa", NULL },
	{ "ecdsa", "load-key", "ecdsa", NULL },
	{ "bliss", "load-key", "bliss", NULL },
	{ "pkcs8", "load-key", "any", NULL },
};

/* a/b into buf (PATH_MAX); false with err when too long. */
static bool ss_join(char *buf, const char *a, const char *b, char *err, size_t errlen)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", a, b);
	if (n < 0 || n >= PATH_MAX) {
		snprintf(err, errlen, "path %.100s/%.100s...: too long", a, b);
		return false;
	}
	return true;
}

static int ss_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir, sorted (swanctl takes readdir's order; the
 * order does not change what charon holds). NULL when dir is missing. */
static char **ss_load_list(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	*n = 0;
	if (!d)
		return NULL;
	char **names = NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
		    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		names = xrealloc(names, (*n + 1) * sizeof(*names));
		names[(*n)++] = xstrdup(path);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), ss_name_cmp);
	return names;
}

/* One credential file as load-cert or load-key. */
static bool ss_load_cred(struct strongswan_load *l, size_t row, const char *path, char *err,
			 size_t errlen)
{
	struct writer data;
	if (!ss_load_file(path, &data, err, errlen))
		return false;
	struct strongswan_req *r = ss_load_add(l, ss_load_dirs[row].command);
	snprintf(r->what, sizeof(r->what), "'%s'", path);
	vici_kv_str(&r->msg, "type", ss_load_dirs[row].type);
	if (ss_load_dirs[row].flag)
		vici_kv_str(&r->msg, "flag", ss_load_dirs[row].flag);
	vici_kv(&r->msg, "data", data.p, data.len);
	writer_free(&data);
	return ss_load_end(r, err, errlen);
}

static bool ss_load_creds(struct strongswan_load *l, const char *base, char *err,
			  size_t errlen)
{
	char dir[PATH_MAX];
	size_t n;
	if (!ss_join(dir, base, "pkcs12", err, errlen))
		return false;
	char **names = ss_load_list(dir, &n);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (n) {
		snprintf(err, errlen, "%s: PKCS#12 containers need their passwords: not loaded "
			 "over vici here", dir);
		return false;
	}
	bool ok = true;
	for (size_t row = 0; row < sizeof(ss_load_dirs) / sizeof(ss_load_dirs[0]); row++) {
		if (!ss_join(dir, base, ss_load_dirs[row].dir, err, errlen))
			return false;
		names = ss_load_list(dir, &n);
		for (size_t i = 0; i < n; i++) {
			ok = ok && ss_load_cred(l, row, names[i], err, errlen);
			free(names[i]);
		}
		free(names);
	}
	return ok;
}

/* "0x" hex as swanctl decodes it for a secret; false on a bad digit. */
static bool ss_load_hex(const char *hex, struct writer *out)
{
	size_t n = strlen(hex);
	if (n % 2)
		return false;
	for (size_t i = 0; i < n; i += 2) {
		if (!isxdigit((unsigned char)hex[i]) || !isxdigit((unsigned char)hex[i + 1]))
			return false;
		char pair[3] = { hex[i], hex[i + 1], '\0' };
		writer_u8(out, (uint8_t)strtoul(pair, NULL, 16));
	}
	return true;
}

/* One secrets.NAME section: a shared secret as load-shared (id, type,
 * data, owners from the id* keys, in the file's order). */
static bool ss_load_secret(struct strongswan_load *l, const char *file,
			   const struct ss_node *s, char *err, size_t errlen)
{
	static const char *const shared[] = { "eap", "xauth", "ntlm", "ike", "ppk" };
	const char *type = NULL;
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]) && !type; i++)
		if (strncmp(s->name, shared[i], strlen(shared[i])) == 0)
			type = shared[i];
	const struct ss_node *secret = NULL;
	for (const struct ss_node *k = s->child; k; k = k->next)
		if (k->value && strcmp(k->name, "secret") == 0)
			secret = k;
	if (!type || s->value || !secret) {
		snprintf(err, errlen, "%s:%d: secrets.%s: %s", file, s->line, s->name,
			 !type ? "only shared secrets (ike, eap, xauth, ntlm, ppk) are loaded over "
			 "vici here" : "needs a secret");
		return false;
	}
	struct writer data;
	writer_init(&data);
	bool ok = true;
	if (strncasecmp(secret->value, "0x", 2) == 0)
		ok = ss_load_hex(secret->value + 2, &data);
	else if (strncasecmp(secret->value, "0s", 2) == 0)
		ok = false;
	else
		writer_bytes(&data, secret->value, strlen(secret->value));
	if (!ok) {
		snprintf(err, errlen, "%s:%d: secrets.%s.secret: only text or 0x with pairs of hex "
			 "digits", file, secret->line, s->name);
		writer_free(&data);
		return false;
	}
	struct strongswan_req *r = ss_load_add(l, "load-shared");
	snprintf(r->what, sizeof(r->what), "shared secret '%s'", s->name);
	vici_kv_str(&r->msg, "id", s->name);
	vici_kv_str(&r->msg, "type", type);
	vici_kv(&r->msg, "data", data.p, data.len);
	writer_free(&data);
	vici_list(&r->msg, "owners");
	for (const struct ss_node *k = s->child; k; k = k->next)
		if (k->value && strncmp(k->name, "id", 2) == 0)
			vici_item_str(&r->msg, k->value);
	vici_list_end(&r->msg);
	return ss_load_end(r, err, errlen);
}

/* Connection keys whose values swanctl sends as lists: split at commas,
 * blanks trimmed; certs, cacerts and pubkeys as the files' contents. */
static const char *const ss_list_keys[] = {
	"local_addrs", "remote_addrs", "proposals", "esp_proposals", "ah_proposals", "local_ts",
	"remote_ts", "vips", "pools", "groups", "cert_policy",
};
static const struct {
	const char *key, *dir;       /* where a relative name is looked up */
} ss_file_keys[] = {
	{ "certs", "x509" }, { "cacerts", "x509ca" }, { "pubkeys", "pubkey" },
};

/* The items of a comma-separated value, each trimmed; a file-list key's
 * items are the files' contents. */
static bool ss_load_items(struct vici_msg *m, const char *base, const char *file,
			  const struct ss_node *k, const char *dir, char *err, size_t errlen)
{
	char *copy = xstrdup(k->value), *rest = copy;
	bool ok = true;
	vici_list(m, k->name);
	for (char *tok; ok && (tok = strsep(&rest, ",")) != NULL;) {
		tok = ss_trim(tok);
		if (!*tok) {
			snprintf(err, errlen, "%s:%d: %s: an empty item", file, k->line, k->name);
			ok = false;
		} else if (!dir) {
			vici_item_str(m, tok);
		} else {
			char sub[PATH_MAX], path[PATH_MAX];
			struct writer data;
			if (tok[0] == '/')
				ok = ss_join(path, "", tok + 1, err, errlen);
			else
				ok = ss_join(sub, base, dir, err, errlen) &&
				     ss_join(path, sub, tok, err, errlen);
			ok = ok && ss_load_file(path, &data, err, errlen);
			if (ok)
				vici_item(m, data.p, data.len);
			if (ok)
				writer_free(&data);
		}
	}
	vici_list_end(m);
	free(copy);
	return ok;
}

/* A section's key/values first, then its sections, as swanctl sends them. */
static bool ss_load_section(struct vici_msg *m, const char *base, const char *file,
			    const struct ss_node *sec, char *err, size_t errlen)
{
	for (const struct ss_node *k = sec->child; k; k = k->next) {
		if (!k->value)
			continue;
		const char *dir = NULL;
		bool list = false;
		for (size_t i = 0; i < sizeof(ss_list_keys) / sizeof(ss_list_keys[0]); i++)
			list = list || strcasecmp(k->name, ss_list_keys[i]) == 0;
		for (size_t i = 0; i < sizeof(ss_file_keys) / sizeof(ss_file_keys[0]); i++)
			if (strcasecmp(k->name, ss_file_keys[i].key) == 0)
				dir = ss_file_keys[i].dir;
		if ((list || dir) && !ss_load_items(m, base, file, k, dir, err, errlen))
			return false;
		if (!list && !dir)
			vici_kv_str(m, k->name, k->value);
	}
	for (const struct ss_node *s = sec->child; s; s = s->next) {
		if (s->value)
			continue;
		vici_section(m, s->name);
		if (!ss_load_section(m, base, file, s, err, errlen))
			return false;
		vici_section_end(m);
	}
	return true;
}

static bool ss_load_conns(struct strongswan_load *l, const char *base, const char *file,
			  const struct ss_node *conns, char *err, size_t errlen)
{
	for (const struct ss_node *c = conns->child; c; c = c->next) {
		if (c->value) {
			snprintf(err, errlen, "%s:%d: connections.%s: a key where a connection's "
				 "section belongs", file, c->line, c->name);
			return false;
		}
		struct strongswan_req *r = ss_load_add(l, "load-conn");
		snprintf(r->what, sizeof(r->what), "connection '%s'", c->name);
		snprintf(r->name, sizeof(r->name), "%s", c->name);
		r->conn = true;
		vici_section(&r->msg, c->name);
		if (!ss_load_section(&r->msg, base, file, c, err, errlen))
			return false;
		vici_section_end(&r->msg);
		if (!ss_load_end(r, err, errlen))
			return false;
	}
	return true;
}

/* The top level: connections and secrets, nothing else. */
static bool ss_load_top(struct strongswan_load *l, const char *base, const char *file,
			const struct ss_node *root, char *err, size_t errlen)
{
	const struct ss_node *conns = NULL, *secrets = NULL;
	for (const struct ss_node *s = root->child; s; s = s->next) {
		if (!s->value && strcmp(s->name, "connections") == 0) {
			conns = s;
		} else if (!s->value && strcmp(s->name, "secrets") == 0) {
			secrets = s;
		} else {
			snprintf(err, errlen, "%s:%d: '%s': only connections and secrets are loaded "
				 "over vici here", file, s->line, s->name);
			return false;
		}
	}
	struct strongswan_req *r = ss_load_add(l, "clear-creds");
	snprintf(r->what, sizeof(r->what), "clearing credentials");
	if (!ss_load_end(r, err, errlen) || !ss_load_creds(l, base, err, errlen))
		return false;
	for (const struct ss_node *s = secrets ? secrets->child : NULL; s; s = s->next)
		if (!ss_load_secret(l, file, s, err, errlen))
			return false;
	return !conns || ss_load_conns(l, base, file, conns, err, errlen);
}

bool strongswan_load_build(const char *text, const char *file, struct strongswan_load *out,
			   char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	struct ss_text t;
	memset(&t, 0, sizeof(t));
	t.file = file;
	char base[PATH_MAX];
	const char *slash = strrchr(file, '/');
	snprintf(base, sizeof(base), "%.*s", slash ? (int)(slash - file) : 1,
		 slash ? file : ".");
	bool ok = ss_text_parse(&t, text, err, errlen) &&
		  ss_load_top(out, base, file, &t.root, err, errlen);
	ss_node_free(t.root.child);
	if (!ok)
		strongswan_load_free(out);
	return ok;
}

void strongswan_load_free(struct strongswan_load *l)
{
	for (size_t i = 0; i < l->n; i++)
		vici_msg_free(&l->req[i].msg);
	free(l->req);
	l->req = NULL;
	l->n = 0;
}
