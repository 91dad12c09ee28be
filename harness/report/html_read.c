/* JUnit reports read for the HTML page (report/html_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/chunk.h"
#include "report/html_internal.h"

#define HX(s) ((const xmlChar *)(s))

static bool html_is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, HX(name)) == 0;
}

/* An attribute as a new string ("" when absent). */
static char *html_attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, HX(name));
	char *r = xstrdup(v ? (const char *)v : "");
	xmlFree(v);
	return r;
}

static char *html_content(xmlNodePtr n)
{
	xmlChar *v = xmlNodeGetContent(n);
	char *r = xstrdup(v ? (const char *)v : "");
	xmlFree(v);
	return r;
}

static void html_kv_add(struct html_kvs *ps, const char *k, size_t klen, const char *v,
			size_t vlen)
{
	ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof(*ps->v));
	ps->v[ps->n].k = xmalloc(klen + 1);
	memcpy(ps->v[ps->n].k, k, klen);
	ps->v[ps->n].k[klen] = '\0';
	ps->v[ps->n].v = xmalloc(vlen + 1);
	memcpy(ps->v[ps->n].v, v, vlen);
	ps->v[ps->n].v[vlen] = '\0';
	ps->n++;
}

static void html_kvs_free(struct html_kvs *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].k);
		free(ps->v[i].v);
	}
	free(ps->v);
}

const char *html_kv_get(const struct html_kvs *ps, const char *key)
{
	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(ps->v[i].k, key))
			return ps->v[i].v;
	return NULL;
}

/* <properties><property name value/>... into ps. */
static void html_read_props(xmlNodePtr pn, struct html_kvs *ps)
{
	for (xmlNodePtr p = pn->children; p; p = p->next) {
		if (!html_is(p, "property"))
			continue;
		char *k = html_attr(p, "name"), *v = html_attr(p, "value");
		html_kv_add(ps, k, strlen(k), v, strlen(v));
		free(k);
		free(v);
	}
}

/* Length of the key of a "key: value" line (no blank, no colon in the
 * key), 0 when the line is not one. */
static size_t html_key_len(const char *line, size_t len)
{
	size_t k = 0;
	while (k < len && line[k] != ':' && line[k] != ' ' && line[k] != '\t')
		k++;
	if (!k || k == len || line[k] != ':' || (k + 1 < len && line[k + 1] != ' '))
		return 0;
	return k;
}

/* The "key: value" lines atop a system-out, up to the first blank line,
 * into ps; the rest is the case's own output. Text whose first lines are
 * not all such lines has none. */
static char *html_split_out(const char *text, struct html_kvs *ps)
{
	const char *p = text;
	size_t lines = 0;
	while (*p && *p != '\n') {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (!html_key_len(p, len))
			return xstrdup(text);
		lines++;
		p += len + (nl ? 1 : 0);
	}
	if (!lines)
		return xstrdup(text);
	for (const char *q = text; q < p;) {
		const char *nl = strchr(q, '\n');
		size_t len = nl && nl < p ? (size_t)(nl - q) : (size_t)(p - q);
		size_t k = html_key_len(q, len);
		size_t v = k + 2 <= len ? k + 2 : len;
		html_kv_add(ps, q, k, q + v, len - v);
		q += len + 1;
	}
	return xstrdup(*p == '\n' ? p + 1 : p);
}

/* The outcome: the first failure, error or skipped decides, as Jenkins
 * reads it. */
static void html_read_outcome(xmlNodePtr o, struct html_case *c)
{
	c->verdict = html_is(o, "failure") ? HTML_FAIL : html_is(o, "error") ? HTML_ERROR
										: HTML_SKIP;
	c->text = html_content(o);
	c->message = html_attr(o, "message");
	if (!c->message[0]) {
		/* the text's first line stands for it */
		free(c->message);
		size_t l = strcspn(c->text, "\n");
		c->message = xmalloc(l + 1);
		memcpy(c->message, c->text, l);
		c->message[l] = '\0';
	}
}

static void html_read_case(struct html_model *m, xmlNodePtr tc, size_t group)
{
	m->cases = xrealloc(m->cases, (m->ncases + 1) * sizeof(*m->cases));
	struct html_case *c = &m->cases[m->ncases++];
	memset(c, 0, sizeof(*c));
	c->group = group;
	c->name = html_attr(tc, "name");
	c->classname = html_attr(tc, "classname");
	c->time = html_attr(tc, "time");
	for (xmlNodePtr o = tc->children; o; o = o->next) {
		if (html_is(o, "properties")) {
			html_read_props(o, &c->props);
		} else if (!c->text && (html_is(o, "failure") || html_is(o, "error") ||
					html_is(o, "skipped"))) {
			html_read_outcome(o, c);
		} else if (html_is(o, "system-out") && !c->out) {
			char *t = html_content(o);
			c->out = html_split_out(t, &c->props);
			free(t);
		} else if (html_is(o, "system-err") && !c->err) {
			c->err = html_content(o);
		}
	}
	m->groups[group].counts[c->verdict]++;
	m->groups[group].n++;
}

/* One testsuite: its properties and cases; nested suites become groups of
 * their own, after it. */
static void html_read_suite(struct html_model *m, xmlNodePtr sn, const char *path)
{
	m->groups = xrealloc(m->groups, (m->ngroups + 1) * sizeof(*m->groups));
	size_t gi = m->ngroups++;
	struct html_group *g = &m->groups[gi];
	memset(g, 0, sizeof(*g));
	g->name = html_attr(sn, "name");
	g->source = xstrdup(path);
	g->timestamp = html_attr(sn, "timestamp");
	g->hostname = html_attr(sn, "hostname");
	g->first = m->ncases;
	for (xmlNodePtr n = sn->children; n; n = n->next) {
		if (html_is(n, "properties"))
			html_read_props(n, &m->groups[gi].props);
		else if (html_is(n, "testcase"))
			html_read_case(m, n, gi);
	}
	for (xmlNodePtr n = sn->children; n; n = n->next)
		if (html_is(n, "testsuite"))
			html_read_suite(m, n, path);
}

bool html_read(struct html_model *m, const char *path, char *err, size_t errlen)
{
	xmlInitParser();
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		snprintf(err, errlen, "%s: out of memory", path);
		return false;
	}
	xmlDocPtr doc = xmlCtxtReadFile(ctxt, path, NULL,
					XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
						XML_PARSE_HUGE);
	if (!doc) {
		xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
		char msg[200] = "unknown error";
		if (e && e->message) {
			snprintf(msg, sizeof(msg), "%s", e->message);
			msg[strcspn(msg, "\n")] = '\0';
		}
		snprintf(err, errlen, "%s:%d: not readable as XML: %s", path, e ? e->line : 0, msg);
		xmlFreeParserCtxt(ctxt);
		return false;
	}
	xmlFreeParserCtxt(ctxt);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	bool ok = root && (html_is(root, "testsuites") || html_is(root, "testsuite"));
	if (!ok)
		snprintf(err, errlen,
			 "%s: not a JUnit report (root element <%s>, expected <testsuites> or "
			 "<testsuite>)", path, root ? (const char *)root->name : "none");
	else if (html_is(root, "testsuite"))
		html_read_suite(m, root, path);
	else
		for (xmlNodePtr s = root->children; s; s = s->next)
			if (html_is(s, "testsuite"))
				html_read_suite(m, s, path);
	xmlFreeDoc(doc);
	return ok;
}

void html_model_free(struct html_model *m)
{
	for (size_t i = 0; i < m->ncases; i++) {
		struct html_case *c = &m->cases[i];
		free(c->name);
		free(c->classname);
		free(c->time);
		free(c->message);
		free(c->text);
		free(c->out);
		free(c->err);
		html_kvs_free(&c->props);
	}
	for (size_t i = 0; i < m->ngroups; i++) {
		struct html_group *g = &m->groups[i];
		free(g->name);
		free(g->source);
		free(g->timestamp);
		free(g->hostname);
		html_kvs_free(&g->props);
	}
	free(m->cases);
	free(m->groups);
	memset(m, 0, sizeof(*m));
}
