/* JUnit XML reports with libxml2's tree API (see junit.h). */
#include "report/junit.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/chunk.h"

enum junit_outcome { JUNIT_PASS, JUNIT_FAILURE, JUNIT_ERROR, JUNIT_SKIPPED };

struct junit_text {
	char *p;
	size_t len, cap;
};

struct junit_prop {
	char *name, *value;
};

struct junit_props {
	struct junit_prop *v;
	size_t n;
};

struct junit_case {
	char *classname, *name;
	double seconds;
	enum junit_outcome outcome;
	char *type, *message, *details;
	struct junit_props props;
	struct junit_text out, err;
};

struct junit_suite {
	char *name, *hostname, *file;
	time_t when;
	struct junit_props props;
	struct junit_case **cases;
	size_t ncases;
	struct junit_text out;
};

struct junit {
	char *name;
	unsigned opts;            /* JUNIT_OPT_* */
	struct junit_suite **suites;
	size_t nsuites;
};

/* ---- text: any bytes in, XML 1.0 characters out ---- */

static void junit_text_put(struct junit_text *t, const void *p, size_t n)
{
	if (t->cap - t->len < n + 1) {
		t->cap = (t->len + n + 1) * 2;
		t->p = xrealloc(t->p, t->cap);
	}
	memcpy(t->p + t->len, p, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static bool junit_xml_char(unsigned long cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	       (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Length of the valid UTF-8 sequence at s (of n bytes) and its code point;
 * 0 when the bytes there are not one (overlong forms and surrogates are
 * invalid too). */
static size_t junit_utf8(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len;
	unsigned long v, min;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xE0) == 0xC0) {
		len = 2, v = s[0] & 0x1F, min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3, v = s[0] & 0x0F, min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4, v = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

/* Appends n bytes, each byte that is not part of an allowed character
 * written as the four characters "\xNN" (lower-case hex): libxml2 would
 * refuse or mangle it, a reader refuses the whole file for one of them,
 * and a replacement character loses the byte (and makes readers guess the
 * encoding). Backslashes already in the text are kept as they are. */
static void junit_text_clean(struct junit_text *t, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;
	while (i < n) {
		unsigned long cp;
		size_t len = junit_utf8(s + i, n - i, &cp);
		if (len && junit_xml_char(cp)) {
			junit_text_put(t, s + i, len);
			i += len;
			continue;
		}
		/* every byte of a forbidden character or a broken sequence */
		for (size_t k = 0; k < (len ? len : 1); k++) {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\x%02x", s[i + k]);
			junit_text_put(t, esc, 4);
		}
		i += len ? len : 1;
	}
	if (!t->p)
		junit_text_put(t, "", 0);
}

static char *junit_str(const char *s)
{
	struct junit_text t = { 0 };
	if (!s)
		return NULL;
	junit_text_clean(&t, s, strlen(s));
	return t.p;
}

static void junit_props_add(struct junit_props *ps, const char *name, const char *value)
{
	ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof(*ps->v));
	ps->v[ps->n].name = junit_str(name ? name : "");
	ps->v[ps->n].value = junit_str(value ? value : "");
	ps->n++;
}

static void junit_props_free(struct junit_props *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].name);
		free(ps->v[i].value);
	}
	free(ps->v);
}

/* ---- building ---- */

struct junit *junit_new(const char *name)
{
	struct junit *j = xcalloc(1, sizeof(*j));
	j->name = junit_str(name ? name : "ike-conform");
	return j;
}

void junit_options(struct junit *j, unsigned opts)
{
	j->opts = opts;
}

static void junit_case_free(struct junit_case *c)
{
	free(c->classname);
	free(c->name);
	free(c->type);
	free(c->message);
	free(c->details);
	junit_props_free(&c->props);
	free(c->out.p);
	free(c->err.p);
	free(c);
}

void junit_free(struct junit *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->nsuites; i++) {
		struct junit_suite *s = j->suites[i];
		for (size_t k = 0; k < s->ncases; k++)
			junit_case_free(s->cases[k]);
		free(s->cases);
		free(s->name);
		free(s->hostname);
		free(s->file);
		junit_props_free(&s->props);
		free(s->out.p);
		free(s);
	}
	free(j->suites);
	free(j->name);
	free(j);
}

struct junit_suite *junit_suite(struct junit *j, const char *name, const char *file,
				const char *hostname)
{
	struct junit_suite *s = xcalloc(1, sizeof(*s));
	char host[256] = "localhost";
	if (!hostname) {
		if (gethostname(host, sizeof(host)) != 0 || !host[0])
			strcpy(host, "localhost");
		host[sizeof(host) - 1] = '\0';
		hostname = host;
	}
	s->name = junit_str(name ? name : "");
	s->hostname = junit_str(hostname);
	s->when = time(NULL);
	s->file = junit_str(file);
	if (file)
		junit_props_add(&s->props, "file", file);
	j->suites = xrealloc(j->suites, (j->nsuites + 1) * sizeof(*j->suites));
	j->suites[j->nsuites++] = s;
	return s;
}

void junit_suite_timestamp(struct junit_suite *s, time_t when)
{
	s->when = when;
}

void junit_suite_property(struct junit_suite *s, const char *name, const char *value)
{
	junit_props_add(&s->props, name, value);
}

void junit_suite_system_out(struct junit_suite *s, const char *text, size_t len)
{
	junit_text_clean(&s->out, text, len);
}

struct junit_case *junit_case(struct junit_suite *s, const char *classname, const char *name,
			      double seconds)
{
	struct junit_case *c = xcalloc(1, sizeof(*c));
	c->classname = junit_str(classname ? classname : "");
	c->name = junit_str(name ? name : "");
	c->seconds = seconds > 0 ? seconds : 0; /* NaN fails the test too */
	s->cases = xrealloc(s->cases, (s->ncases + 1) * sizeof(*s->cases));
	s->cases[s->ncases++] = c;
	return c;
}

static void junit_case_outcome(struct junit_case *c, enum junit_outcome o, const char *type,
			       const char *message, const char *details)
{
	free(c->type);
	free(c->message);
	free(c->details);
	c->outcome = o;
	c->type = junit_str(type);
	c->message = junit_str(message);
	c->details = junit_str(details);
}

void junit_case_failure(struct junit_case *c, const char *type, const char *message,
			const char *details)
{
	junit_case_outcome(c, JUNIT_FAILURE, type, message, details);
}

void junit_case_error(struct junit_case *c, const char *type, const char *message,
		      const char *details)
{
	junit_case_outcome(c, JUNIT_ERROR, type, message, details);
}

void junit_case_skipped(struct junit_case *c, const char *why)
{
	junit_case_outcome(c, JUNIT_SKIPPED, NULL, why, NULL);
}

void junit_case_mismatch(struct junit_case *c, const char *what, const char *expected,
			 const char *seen, const char *details)
{
	what = what ? what : "result";
	expected = expected ? expected : "?";
	seen = seen ? seen : "nothing";
	size_t n = strlen(what) + strlen(expected) + strlen(seen) + 32;
	char *msg = xmalloc(n);
	snprintf(msg, n, "%s: expected %s, seen %s", what, expected, seen);
	junit_case_outcome(c, JUNIT_FAILURE, "mismatch", msg, details);
	free(msg);
}

void junit_case_property(struct junit_case *c, const char *name, const char *value)
{
	junit_props_add(&c->props, name, value);
}

void junit_case_system_out(struct junit_case *c, const char *text, size_t len)
{
	junit_text_clean(&c->out, text, len);
}

void junit_case_system_err(struct junit_case *c, const char *text, size_t len)
{
	junit_text_clean(&c->err, text, len);
}

static void junit_count(struct junit_totals *t, const struct junit_suite *s)
{
	for (size_t k = 0; k < s->ncases; k++) {
		const struct junit_case *c = s->cases[k];
		t->tests++;
		t->failures += c->outcome == JUNIT_FAILURE;
		t->errors += c->outcome == JUNIT_ERROR;
		t->skipped += c->outcome == JUNIT_SKIPPED;
		t->time += c->seconds;
	}
}

struct junit_totals junit_totals(const struct junit *j)
{
	struct junit_totals t = { 0 };
	for (size_t i = 0; i < j->nsuites; i++)
		junit_count(&t, j->suites[i]);
	return t;
}

/* ---- writing ---- */

#define JX(s) ((const xmlChar *)(s))

static void junit_prop_uint(xmlNodePtr n, const char *name, unsigned long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lu", v);
	xmlSetProp(n, JX(name), JX(buf));
}

/* Seconds with three decimals, formatted by hand: printf's %f follows
 * LC_NUMERIC, and "1,5" is not a number to Jenkins. */
static void junit_fmt_time(char *buf, size_t len, double seconds)
{
	unsigned long long ms = seconds > 0 ? (unsigned long long)(seconds * 1000.0 + 0.5) : 0;
	snprintf(buf, len, "%llu.%03llu", ms / 1000, ms % 1000);
}

static void junit_prop_time(xmlNodePtr n, double seconds)
{
	char buf[48];
	junit_fmt_time(buf, sizeof(buf), seconds);
	xmlSetProp(n, JX("time"), JX(buf));
}

static void junit_fmt_stamp(char *buf, size_t len, time_t when)
{
	struct tm tm;
	if (!gmtime_r(&when, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(buf, len, "1970-01-01T00:00:00");
}

/* Counts and time; skipped only where both dialects allow it (on a
 * testsuite, not on testsuites). */
static void junit_set_totals(xmlNodePtr n, const struct junit_totals *t, bool skipped)
{
	junit_prop_uint(n, "tests", t->tests);
	junit_prop_uint(n, "failures", t->failures);
	junit_prop_uint(n, "errors", t->errors);
	if (skipped)
		junit_prop_uint(n, "skipped", t->skipped);
	junit_prop_time(n, t->time);
}

static void junit_put_props(xmlNodePtr parent, const struct junit_props *ps)
{
	if (!ps->n)
		return;
	xmlNodePtr pn = xmlNewChild(parent, NULL, JX("properties"), NULL);
	for (size_t i = 0; i < ps->n; i++) {
		xmlNodePtr p = xmlNewChild(pn, NULL, JX("property"), NULL);
		xmlSetProp(p, JX("name"), JX(ps->v[i].name));
		xmlSetProp(p, JX("value"), JX(ps->v[i].value));
	}
}

/* xmlNewTextChild escapes its content (xmlNewChild would not). */
static void junit_put_text(xmlNodePtr parent, const char *name, const struct junit_text *t)
{
	if (t->p)
		xmlNewTextChild(parent, NULL, JX(name), JX(t->p));
}

/* s with line breaks as spaces: one property stays one line. */
static void junit_text_line(struct junit_text *t, const char *s)
{
	for (const char *p = s; *p; p++)
		junit_text_put(t, *p == '\n' || *p == '\r' ? " " : p, 1);
}

/* The case's system-out: its properties as "name: value" lines first
 * (unless they are written as properties), then a blank line and what the
 * case wrote there itself. */
static void junit_put_case_out(xmlNodePtr cn, const struct junit *j, const struct junit_case *c)
{
	struct junit_text t = { 0 };
	for (size_t i = 0; !(j->opts & JUNIT_OPT_CASE_PROPERTIES) && i < c->props.n; i++) {
		junit_text_line(&t, c->props.v[i].name);
		junit_text_put(&t, ": ", 2);
		junit_text_line(&t, c->props.v[i].value);
		junit_text_put(&t, "\n", 1);
	}
	if (t.len && c->out.len)
		junit_text_put(&t, "\n", 1);
	if (c->out.p)
		junit_text_put(&t, c->out.p, c->out.len);
	junit_put_text(cn, "system-out", &t);
	free(t.p);
}

/* The outcome element. Its text is what readers show (GitLab shows only
 * the text): the message first, then the details; never empty. The
 * message attribute repeats the first line, except on skipped, which the
 * dtkit dialect allows no attributes. */
static void junit_put_outcome(xmlNodePtr cn, const struct junit_case *c)
{
	static const char *const tags[] = { NULL, "failure", "error", "skipped" };
	static const char *const none[] = { NULL, "the case failed", "the case could not be run",
					    "skipped, no reason given" };
	const char *msg = c->message && c->message[0] ? c->message : none[c->outcome];
	struct junit_text t = { 0 };
	junit_text_put(&t, msg, strlen(msg));
	if (c->details && c->details[0]) {
		junit_text_put(&t, "\n", 1);
		junit_text_put(&t, c->details, strlen(c->details));
	}
	xmlNodePtr on = xmlNewTextChild(cn, NULL, JX(tags[c->outcome]), JX(t.p));
	free(t.p);
	if (c->outcome == JUNIT_SKIPPED)
		return;
	xmlSetProp(on, JX("message"), JX(msg));
	xmlSetProp(on, JX("type"), JX(c->type && c->type[0] ? c->type : tags[c->outcome]));
}

/* testcase: name, classname, time (file only with JUNIT_OPT_CASE_FILE),
 * properties only with JUNIT_OPT_CASE_PROPERTIES; then the outcome and the
 * output, in the order the dtkit dialect requires. */
static void junit_put_case(xmlNodePtr sn, const struct junit *j, const struct junit_suite *s,
			   const struct junit_case *c)
{
	xmlNodePtr cn = xmlNewChild(sn, NULL, JX("testcase"), NULL);
	xmlSetProp(cn, JX("name"), JX(c->name));
	xmlSetProp(cn, JX("classname"), JX(c->classname));
	junit_prop_time(cn, c->seconds);
	if ((j->opts & JUNIT_OPT_CASE_FILE) && s->file)
		xmlSetProp(cn, JX("file"), JX(s->file));
	if (j->opts & JUNIT_OPT_CASE_PROPERTIES)
		junit_put_props(cn, &c->props);
	if (c->outcome != JUNIT_PASS)
		junit_put_outcome(cn, c);
	junit_put_case_out(cn, j, c);
	junit_put_text(cn, "system-err", &c->err);
}

/* testsuites carries no timestamp and no skipped (neither dialect allows
 * them there); each testsuite has both. */
static xmlDocPtr junit_doc(const struct junit *j)
{
	char buf[64];
	xmlDocPtr doc = xmlNewDoc(JX("1.0"));
	xmlNodePtr root = xmlNewDocNode(doc, NULL, JX("testsuites"), NULL);
	xmlDocSetRootElement(doc, root);
	xmlSetProp(root, JX("name"), JX(j->name));
	struct junit_totals all = junit_totals(j);
	junit_set_totals(root, &all, false);
	for (size_t i = 0; i < j->nsuites; i++) {
		const struct junit_suite *s = j->suites[i];
		xmlNodePtr sn = xmlNewChild(root, NULL, JX("testsuite"), NULL);
		struct junit_totals t = { 0 };
		junit_count(&t, s);
		xmlSetProp(sn, JX("name"), JX(s->name));
		junit_set_totals(sn, &t, true);
		junit_fmt_stamp(buf, sizeof(buf), s->when);
		xmlSetProp(sn, JX("timestamp"), JX(buf));
		xmlSetProp(sn, JX("hostname"), JX(s->hostname));
		junit_prop_uint(sn, "id", i);
		junit_put_props(sn, &s->props);
		for (size_t k = 0; k < s->ncases; k++)
			junit_put_case(sn, j, s, s->cases[k]);
		junit_put_text(sn, "system-out", &s->out);
	}
	return doc;
}

/* Serialises to memory first, so that a write error is ours to report
 * with the path and errno rather than libxml2's message on stderr. */
static bool junit_save(xmlDocPtr doc, const char *path, char *err, size_t errlen)
{
	xmlChar *mem = NULL;
	int len = 0;
	xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
	if (!mem || len <= 0) {
		xmlFree(mem);
		snprintf(err, errlen, "%s: libxml2 could not serialise the report", path);
		return false;
	}
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		xmlFree(mem);
		return false;
	}
	bool ok = fwrite(mem, 1, (size_t)len, f) == (size_t)len;
	int e = errno;
	if (fclose(f) != 0 && ok) {
		ok = false;
		e = errno;
	}
	xmlFree(mem);
	if (!ok)
		snprintf(err, errlen, "%s: write failed: %s", path, strerror(e));
	return ok;
}

bool junit_write(const struct junit *j, const char *path, char *err, size_t errlen)
{
	xmlInitParser();
	xmlDocPtr doc = junit_doc(j);
	bool ok = junit_save(doc, path, err, errlen);
	xmlFreeDoc(doc);
	return ok;
}

/* ---- merging ---- */

static bool junit_is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, JX(name)) == 0;
}

static double junit_attr_time(xmlNodePtr n, bool *present)
{
	xmlChar *v = xmlGetProp(n, JX("time"));
	double t = 0;
	*present = false;
	if (v) {
		char *end;
		t = strtod((const char *)v, &end);
		/* Some writers put "1,234.5"; such a value counts as absent. */
		*present = end != (char *)v && *end == '\0' && t >= 0;
		if (!*present)
			t = 0;
		xmlFree(v);
	}
	return t;
}

/* Recomputes a suite's counts from its cases (nested suites included) and
 * returns them; its time is kept when it has a usable one (it may include
 * setup), otherwise the cases' sum. */
static struct junit_totals junit_recount(xmlNodePtr sn)
{
	struct junit_totals t = { 0 };
	for (xmlNodePtr n = sn->children; n; n = n->next) {
		if (junit_is(n, "testsuite")) {
			struct junit_totals sub = junit_recount(n);
			t.tests += sub.tests;
			t.failures += sub.failures;
			t.errors += sub.errors;
			t.skipped += sub.skipped;
			t.time += sub.time;
		} else if (junit_is(n, "testcase")) {
			bool has;
			t.tests++;
			t.time += junit_attr_time(n, &has);
			/* The first outcome element decides, as Jenkins reads it. */
			for (xmlNodePtr o = n->children; o; o = o->next) {
				if (junit_is(o, "failure") || junit_is(o, "error") ||
				    junit_is(o, "skipped")) {
					t.failures += junit_is(o, "failure");
					t.errors += junit_is(o, "error");
					t.skipped += junit_is(o, "skipped");
					break;
				}
			}
		}
	}
	bool has;
	double own = junit_attr_time(sn, &has);
	if (has)
		t.time = own;
	junit_set_totals(sn, &t, true);
	return t;
}

static bool junit_read_file(const char *path, char **buf, size_t *len, char *err,
			    size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	size_t cap = 65536, n;
	*len = 0;
	*buf = xmalloc(cap);
	while ((n = fread(*buf + *len, 1, cap - *len, f)) > 0) {
		*len += n;
		if (*len == cap)
			*buf = xrealloc(*buf, cap *= 2);
	}
	bool ok = !ferror(f);
	fclose(f);
	if (!ok) {
		snprintf(err, errlen, "%s: read failed", path);
		free(*buf);
		*buf = NULL;
	}
	return ok;
}

/* Parses one input; errors go into err rather than to stderr. */
static xmlDocPtr junit_parse(const char *path, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	if (!junit_read_file(path, &buf, &len, err, errlen))
		return NULL;
	if (len > (size_t)INT32_MAX) {
		snprintf(err, errlen, "%s: too large", path);
		free(buf);
		return NULL;
	}
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(buf);
		return NULL;
	}
	/* NOBLANKS so the merged file is indented afresh; NONET: no fetches. */
	xmlDocPtr doc = xmlCtxtReadMemory(ctxt, buf, (int)len, path, NULL,
					  XML_PARSE_NONET | XML_PARSE_NOBLANKS |
						  XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	free(buf);
	if (!doc) {
		xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
		char msg[200] = "unknown error";
		if (e && e->message) {
			snprintf(msg, sizeof(msg), "%s", e->message);
			msg[strcspn(msg, "\n")] = '\0';
		}
		snprintf(err, errlen, "%s:%d: not well-formed XML: %s", path, e ? e->line : 0,
			 msg);
		xmlFreeParserCtxt(ctxt);
		return NULL;
	}
	xmlFreeParserCtxt(ctxt);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!root || !(junit_is(root, "testsuites") || junit_is(root, "testsuite"))) {
		snprintf(err, errlen,
			 "%s: not a JUnit report (root element <%s>, expected <testsuites> or "
			 "<testsuite>)",
			 path, root ? (const char *)root->name : "none");
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

static void junit_merge_suite(xmlDocPtr out, xmlNodePtr root, xmlNodePtr sn, unsigned long *id,
			      struct junit_totals *all)
{
	xmlNodePtr copy = xmlDocCopyNode(sn, out, 1);
	xmlAddChild(root, copy);
	junit_prop_uint(copy, "id", (*id)++);
	struct junit_totals t = junit_recount(copy);
	all->tests += t.tests;
	all->failures += t.failures;
	all->errors += t.errors;
	all->skipped += t.skipped;
	all->time += t.time;
}

bool junit_merge(const char *const *paths, size_t n, const char *out_path, char *err,
		 size_t errlen)
{
	xmlInitParser();
	xmlDocPtr *in = xcalloc(n ? n : 1, sizeof(*in));
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++)
		ok = (in[i] = junit_parse(paths[i], err, errlen)) != NULL;
	if (ok && n == 0) {
		snprintf(err, errlen, "%s: nothing to merge", out_path);
		ok = false;
	}
	if (ok) {
		xmlDocPtr out = xmlNewDoc(JX("1.0"));
		xmlNodePtr root = xmlNewDocNode(out, NULL, JX("testsuites"), NULL);
		xmlDocSetRootElement(out, root);
		xmlNodePtr first = xmlDocGetRootElement(in[0]);
		xmlChar *name = junit_is(first, "testsuites") ? xmlGetProp(first, JX("name")) : NULL;
		xmlSetProp(root, JX("name"), name ? name : JX("ike-conform"));
		xmlFree(name);
		struct junit_totals all = { 0 };
		unsigned long id = 0;
		for (size_t i = 0; i < n; i++) {
			xmlNodePtr r = xmlDocGetRootElement(in[i]);
			if (junit_is(r, "testsuite")) {
				junit_merge_suite(out, root, r, &id, &all);
				continue;
			}
			for (xmlNodePtr s = r->children; s; s = s->next)
				if (junit_is(s, "testsuite"))
					junit_merge_suite(out, root, s, &id, &all);
		}
		junit_set_totals(root, &all, false);
		ok = junit_save(out, out_path, err, errlen);
		xmlFreeDoc(out);
	}
	for (size_t i = 0; i < n; i++)
		if (in[i])
			xmlFreeDoc(in[i]);
	free(in);
	return ok;
}
