/* report/html: the HTML report of JUnit written by junit.c with what the
 * runner writes of each case (cli_report_case_info on the shipped HAGLE,
 * malformed, lifetime and smoke suites) and verdicts of every kind, read
 * back with libxml2's HTML parser: grids, colours, links, departures,
 * skips, the environment, escaping, nothing fetched; the same page through
 * headless Chromium (its DOM and a screenshot's pixels); the command. */
#include <fnmatch.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <zlib.h>

#include "cli/cli.h"
#include "report/html.h"
#include "report/junit.h"
#include "run/run.h"
#include "tests.h"

static char th_dir[64];

static void th_setup(void)
{
	strcpy(th_dir, "/tmp/ikec-html-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(th_dir));
}

static void th_teardown(void)
{
	test_rm_tree(th_dir);
}

static const char *th_path(const char *name)
{
	static char paths[4][256];
	static unsigned next;
	char *p = paths[next++ % 4];
	snprintf(p, sizeof(paths[0]), "%s/%s", th_dir, name);
	return p;
}

/* ---- the reports under test ---- */

/* Verdicts that are not passes, by case id (fnmatch); markup in the texts
 * that must reach the page as text. */
static const struct {
	const char *id;
	enum run_status st;
	const char *what, *expected, *seen, *why;
} th_rules[] = {
	{ "hagle@strongswan/psk-des-md5-g1", RUN_FAIL, "established", "both sides established",
	  "not established: <script>alert(1)</script>", "the peer's log: \"no proposal\" & more" },
	{ "hagle@strongswan/rsa-3des-sha1-g2", RUN_ERROR, NULL, NULL, NULL,
	  "charon did not start <b>at all</b>" },
	{ "hagle@strongswan/psk-*-md5-g15", RUN_SKIP, NULL, NULL, NULL,
	  "the device does not take md5 with group 15" },
	{ "malformed@strongswan/hdr-major-version-mm1", RUN_FAIL, "reaction", "silence",
	  "INVALID-MAJOR-VERSION (5)", "notify received: INVALID-MAJOR-VERSION (5)" },
	{ "lifetime@self/peer-not-longer", RUN_ERROR, NULL, NULL, NULL, "timeout after 60 s" },
};

struct th_counts {
	unsigned n[4];            /* by enum run_status */
	unsigned departures;
};

/* The case's verdict by th_rules (a pass otherwise), as cli_run_junit
 * writes it. */
static void th_verdict(const struct run_item *it, struct junit_case *c, struct th_counts *k)
{
	enum run_status st = RUN_PASS;
	size_t r = 0;
	for (; r < sizeof(th_rules) / sizeof(th_rules[0]); r++)
		if (!fnmatch(th_rules[r].id, it->id, 0)) {
			st = th_rules[r].st;
			break;
		}
	if (st == RUN_FAIL)
		junit_case_mismatch(c, th_rules[r].what, th_rules[r].expected, th_rules[r].seen,
				    th_rules[r].why);
	else if (st == RUN_ERROR)
		junit_case_error(c, "error", th_rules[r].why, NULL);
	else if (st == RUN_SKIP)
		junit_case_skipped(c, th_rules[r].why);
	k->n[st]++;
	for (size_t t = 0; t < it->c->ntags; t++)
		k->departures += !strcmp(it->c->tags[t], "departure");
}

/* A suite whose every name and text is markup. */
static void th_escape_suite(struct junit *j, struct th_counts *k)
{
	struct junit_suite *s = junit_suite(j, "escape <&> \"q\" 'a'", "suites/<x>.yaml", "host<1>");
	junit_suite_property(s, "peer", "<i>self</i>");
	struct junit_case *c = junit_case(s, "escape.x", "<script>alert(2)</script>", 1);
	junit_case_failure(c, "mismatch", "<img src=x onerror=alert(3)>", "</pre><b>x</b>");
	junit_case_property(c, "case.tags", "departure");
	junit_case_property(c, "case.rfc", "RFC <2408>");
	k->n[RUN_FAIL]++;
	k->departures++;
}

/* A JUnit report of the suite files as the runner writes it, verdicts by
 * th_rules; counts added to k. */
static void th_junit(const char *path, const char *const *suites, size_t n, bool escape,
		     unsigned opts, struct th_counts *k)
{
	char *files[8];
	for (size_t i = 0; i < n; i++)
		files[i] = xstrdup(test_src_path(suites[i]));
	struct run_plan p;
	struct yaml_error yerr = { 0 };
	ck_assert_msg(run_plan_load(&p, files, n, NULL, &yerr), "%s", yerr.text);
	struct junit *j = junit_new("ike-conform");
	junit_options(j, opts);
	struct junit_suite *cur = NULL;
	for (size_t i = 0; i < p.nitems; i++) {
		const struct run_item *it = &p.items[i];
		const char *peer = suite_peer_name(it->c->peer);
		if (!i || strcmp(it->group, p.items[i - 1].group)) {
			cur = junit_suite(j, it->group, it->suite->file, "ci-host");
			junit_suite_property(cur, "peer", peer);
			junit_suite_property(cur, "seed", "42");
			cli_report_environment(cur);
		}
		char cls[200], out[600];
		snprintf(cls, sizeof(cls), "%s.%s", it->suite->name, peer);
		struct junit_case *c = junit_case(cur, cls, it->c->name, 0.25);
		cli_report_case_info(c, it->c);
		junit_case_property(c, "handshake_ms", "12");
		th_verdict(it, c, k);
		int len = snprintf(out, sizeof(out), "case %s: harness as initiator, Main Mode\n"
				   "0.000 -> mm1 SA <b>not bold</b> & 'q'\nresult: established\n",
				   it->c->name);
		junit_case_system_out(c, out, (size_t)len);
	}
	if (escape)
		th_escape_suite(j, k);
	char err[600];
	ck_assert_msg(junit_write(j, path, err, sizeof(err)), "%s", err);
	junit_free(j);
	run_plan_free(&p);
	for (size_t i = 0; i < n; i++)
		free(files[i]);
}

static const char *const th_suites_a[] = { "suites/hagle.yaml", "suites/smoke.yaml" };
static const char *const th_suites_b[] = { "suites/malformed.yaml", "suites/lifetime.yaml" };

/* Two reports (HAGLE and smoke; malformed, lifetimes and the markup
 * suite), both valid in both dialects, and the page of both. */
static void th_page(const char *page, unsigned opts, struct th_counts *k)
{
	const char *a = th_path("a.xml"), *b = th_path("b.xml");
	memset(k, 0, sizeof(*k));
	th_junit(a, th_suites_a, 2, false, opts, k);
	th_junit(b, th_suites_b, 2, true, opts, k);
	if (!opts) {
		xmlFreeDoc(test_junit_valid(a));
		xmlFreeDoc(test_junit_valid(b));
	}
	const char *in[] = { a, b };
	struct html_totals t;
	char err[600];
	ck_assert_msg(html_report(in, 2, page, &t, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(t.passed, k->n[RUN_PASS]);
	ck_assert_uint_eq(t.failed, k->n[RUN_FAIL]);
	ck_assert_uint_eq(t.errors, k->n[RUN_ERROR]);
	ck_assert_uint_eq(t.skipped, k->n[RUN_SKIP]);
}

/* ---- reading the page ---- */

#define th_expect test_expect_xpath

#define th_expect_n(doc, want, ...)                                                          \
	do {                                                                                 \
		char w_[32];                                                                 \
		snprintf(w_, sizeof(w_), "%u", (unsigned)(want));                            \
		th_expect(doc, w_, __VA_ARGS__);                                             \
	} while (0)

static xmlDocPtr th_parse_html(const char *buf, size_t len)
{
	htmlDocPtr d = htmlReadMemory(buf, (int)len, "page.html", "UTF-8",
				      HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
					      XML_PARSE_HUGE);
	ck_assert_msg(d, "the page does not parse as HTML");
	return d;
}

static char *th_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "%s: cannot open", path);
	struct writer w;
	writer_init(&w);
	ck_assert(writer_read(&w, f, 1u << 30));
	fclose(f);
	writer_u8(&w, 0);
	chunk_t c = writer_take(&w);
	*len = c.len - 1;
	return (char *)c.ptr;
}

/* The page's elements by id, sorted, and its links. */
struct th_index {
	struct th_id {
		const char *id;
		xmlNodePtr n;
	} *ids;
	size_t nids;
	xmlNodePtr *links;
	size_t nlinks;
};

static int th_id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct th_id *)a)->id, ((const struct th_id *)b)->id);
}

static const char *th_attr(xmlNodePtr n, const char *name)
{
	for (xmlAttrPtr a = n->properties; a; a = a->next)
		if (!strcmp((const char *)a->name, name) && a->children)
			return (const char *)a->children->content;
	return NULL;
}

static void th_walk(xmlNodePtr n, struct th_index *x)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		const char *id = th_attr(n, "id");
		if (id) {
			x->ids = xrealloc(x->ids, (x->nids + 1) * sizeof(*x->ids));
			x->ids[x->nids++] = (struct th_id){ id, n };
		}
		if (!strcmp((const char *)n->name, "a")) {
			x->links = xrealloc(x->links, (x->nlinks + 1) * sizeof(*x->links));
			x->links[x->nlinks++] = n;
		}
		th_walk(n->children, x);
	}
}

static xmlNodePtr th_by_id(const struct th_index *x, const char *id)
{
	struct th_id key = { id, NULL };
	const struct th_id *f = bsearch(&key, x->ids, x->nids, sizeof(*x->ids), th_id_cmp);
	return f ? f->n : NULL;
}

/* The first child element named name. */
static xmlNodePtr th_child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
			return c;
	return NULL;
}

/* A grid cell against the case it links to: its colour class is the
 * case's verdict, its title names the case. */
static void th_check_cell(xmlNodePtr td, xmlNodePtr a, xmlNodePtr art)
{
	const char *cls = th_attr(td, "class"), *title = th_attr(a, "title");
	const char *acls = th_attr(art, "class");
	ck_assert_msg(cls && title && acls && !strncmp(cls, "cell ", 5) && !strncmp(acls, "case ", 5),
		      "cell %s -> %s", cls, acls);
	ck_assert_msg(!strcmp(cls + 5, acls + 5), "cell %s links to a case %s (%s)", cls, acls, title);
	xmlNodePtr h4 = th_child(art, "h4");
	const char *name = h4 && h4->children ? (const char *)h4->children->content : "";
	size_t nl = strcspn(name, " ");
	ck_assert_msg(!strncmp(title, name, nl) && title[nl] == ':', "cell %s links to %s", title,
		      name);
}

/* Every link lands on an element of the page; every grid cell on its case. */
static void th_check_links(xmlDocPtr d)
{
	struct th_index x = { 0 };
	th_walk(xmlDocGetRootElement(d), &x);
	qsort(x.ids, x.nids, sizeof(*x.ids), th_id_cmp);
	size_t cells = 0;
	for (size_t i = 0; i < x.nlinks; i++) {
		const char *href = th_attr(x.links[i], "href");
		ck_assert_msg(href && href[0] == '#', "a link outside the page: %s", href);
		xmlNodePtr to = th_by_id(&x, href + 1);
		ck_assert_msg(to, "the link %s lands nowhere", href);
		xmlNodePtr td = x.links[i]->parent;
		const char *cls = th_attr(td, "class");
		if (cls && !strncmp(cls, "cell ", 5)) {
			th_check_cell(td, x.links[i], to);
			cells++;
		}
	}
	ck_assert_uint_gt(cells, 1000);
	free(x.ids);
	free(x.links);
}

/* The HAGLE grid of hagle@strongswan (suite-0): encryption x hash rows,
 * group x auth columns, the failure, error and skips where they belong. */
static void th_check_hagle(xmlDocPtr d)
{
	const char *g = "//section[@id='suite-0']/table[@data-layout='hagle']";
	th_expect(d, "hagle@strongswan", "string(//section[@id='suite-0']/h3)");
	th_expect_n(d, 26, "count(%s//tr)", g);
	th_expect_n(d, 250, "count(%s//td[starts-with(@class,'cell ')])", g);
	th_expect(d, "g1psk", "string((%s//tr)[1]/th[2])", g);
	th_expect(d, "g1rsa", "string((%s//tr)[1]/th[3])", g);
	th_expect(d, "g15rsa", "string((%s//tr)[1]/th[11])", g);
	th_expect(d, "des \xc2\xb7 md5", "string((%s//tr)[2]/th)", g);
	th_expect(d, "aes256 \xc2\xb7 sha512", "string((%s//tr)[26]/th)", g);
	/* des-md5 at g1 psk failed, at g1 rsa passed; g15 psk skipped */
	th_expect(d, "cell fail", "string((%s//tr)[2]/td[1]/@class)", g);
	th_expect(d, "psk-des-md5-g1: failed", "string((%s//tr)[2]/td[1]/a/@title)", g);
	th_expect(d, "cell pass", "string((%s//tr)[2]/td[2]/@class)", g);
	th_expect(d, "cell skip", "string((%s//tr)[2]/td[9]/@class)", g);
	/* 3des-sha1 (the 7th row) at g2 rsa: the error */
	th_expect(d, "cell error", "string((%s//tr)[8]/td[4]/@class)", g);
	th_expect_n(d, 5, "count(%s//td[@class='cell skip'])", g);
	/* every case is in it: no list below */
	th_expect_n(d, 0, "count(//section[@id='suite-0']//a[starts-with(@class,'chip')])");
}

/* The other grids, the smoke list, departures, skips. */
static void th_check_sections(xmlDocPtr d, const struct th_counts *k)
{
	const char *m = "//section[@id='suite-4']/table[@data-layout='malformed']";
	th_expect(d, "malformed@strongswan", "string(//section[@id='suite-4']/h3)");
	th_expect(d, "mm1", "string((%s//tr)[1]/th[2])", m);
	th_expect(d, "hdr-major-version", "string((%s//tr)[2]/th)", m);
	th_expect(d, "cell fail", "string((%s//tr)[2]/td[1]/@class)", m);
	th_expect_n(d, 1, "count(//section[@id='suite-6']/table[@data-layout='lifetimes'])");
	th_expect_n(d, 1, "count(//section[@id='suite-7']/table[@data-layout='lifetimes'])");
	th_expect(d, "smoke@strongswan", "string(//section[@id='suite-2']/h3)");
	th_expect_n(d, 0, "count(//section[@id='suite-2']/table)");
	th_expect_n(d, 8, "count(//section[@id='suite-2']//a[@class='chip pass'])");
	/* departures: every tagged case, the malformed ones with their clause */
	th_expect_n(d, k->departures, "count(//table[@class='departures']//tr[td])");
	th_expect_n(d, 0, "count(//table[@class='departures']//tr[td][contains(td[2], "
		    "'malformed')][not(starts-with(td[3], 'RFC '))])");
	th_expect(d, "RFC 2408 5.1", "string(//table[@class='departures']//tr[td/a="
		  "'hdr-major-version-mm1'][1]/td[3])");
	/* skips with their reasons */
	th_expect_n(d, k->n[RUN_SKIP], "count(//table[@class='skips']//tr[td])");
	th_expect(d, "the device does not take md5 with group 15",
		  "string(//table[@class='skips']//tr[td/a='psk-aes128-md5-g15']/td[3])");
}

/* The case's details: expectation, what was seen, the timeline. */
static void th_check_case(xmlDocPtr d)
{
	char *id = test_xpath(d, "string((//section[@id='suite-0']/table//tr)[2]/td[1]/a/@href)");
	const char *a = "//article[@id='%s']";
	char x[200];
	snprintf(x, sizeof(x), a, id + 1);
	th_expect(d, "case fail", "string(%s/@class)", x);
	th_expect(d, "established, traffic", "string(%s/dl/dt[.='expected']/following-sibling::dd[1])",
		  x);
	th_expect(d, "established: expected both sides established, seen not established: "
		  "<script>alert(1)</script>",
		  "string(%s/dl/dt[.='seen']/following-sibling::dd[1])", x);
	th_expect(d, "the peer's log: \"no proposal\" & more",
		  "substring-after(%s/details[@class='outcome']/pre, '\n')", x);
	th_expect(d, "case psk-des-md5-g1: harness as initiator, Main Mode\n"
		  "0.000 -> mm1 SA <b>not bold</b> & 'q'\nresult: established\n",
		  "string(%s/details[@class='timeline']/pre)", x);
	th_expect(d, "des", "string(%s/table//tr[th='case.encryption']/td)", x);
	th_expect(d, "12", "string(%s/table//tr[th='handshake_ms']/td)", x);
	free(id);
}

/* What every rendering of the page must show (our parse or Chromium's). */
static void th_check_dom(xmlDocPtr d, const struct th_counts *k)
{
	unsigned all = k->n[0] + k->n[1] + k->n[2] + k->n[3];
	char banner[120];
	snprintf(banner, sizeof(banner), "%u failed, %u errors of %u cases", k->n[RUN_FAIL],
		 k->n[RUN_ERROR], all);
	th_expect(d, banner, "string(//p[@id='verdict'])");
	th_expect(d, "banner fail", "string(//p[@id='verdict']/@class)");
	th_expect_n(d, all, "count(//article)");
	th_expect_n(d, all, "//table[@class='counts']//tr[@class='total']/td[1]");
	th_expect_n(d, 9, "count(//section[@class='suite'])");
	/* nothing fetched, nothing run, every link inside the page and landing */
	th_expect_n(d, 0, "count(//script|//img|//link|//iframe|//object|//@src)");
	th_expect_n(d, 0, "count(//a[not(starts-with(@href, '#'))])");
	/* the environment, from the suites' properties */
	th_expect(d, IKEC_VERSION, "string(//table[@class='env']//tr[th='ike-conform']/td)");
	th_expect(d, "OpenSSL", "substring(//table[@class='env']//tr[th='openssl']/td, 1, 7)");
	th_expect(d, "Linux ", "substring(//table[@class='env']//tr[th='kernel']/td, 1, 6)");
	th_expect_n(d, 1, "count(//table[@class='env']//tr[th='strongswan'])");
	/* markup from the reports stays text */
	th_expect_n(d, 0, "count(//b|//i)");
	th_expect(d, "escape <&> \"q\" 'a'", "string(//section[@id='suite-8']/h3)");
	th_expect(d, "<script>alert(2)</script> failed", "string(//article[last()]/h4)");
	th_expect(d, "<img src=x onerror=alert(3)>\n</pre><b>x</b>",
		  "string(//article[last()]/details[@class='outcome']/pre)");
	th_check_hagle(d);
	th_check_sections(d, k);
	th_check_case(d);
	th_check_links(d);
}

START_TEST(test_html_page)
{
	struct th_counts k;
	const char *page = th_path("report.html");
	th_page(page, 0, &k);
	ck_assert_uint_gt(k.n[RUN_FAIL], 0);
	ck_assert_uint_gt(k.n[RUN_ERROR], 0);
	ck_assert_uint_gt(k.n[RUN_SKIP], 0);
	size_t len;
	char *raw = th_slurp(page, &len);
	/* self-contained: no address, no import, no markup from the reports */
	ck_assert_ptr_null(strstr(raw, "http"));
	ck_assert_ptr_null(strstr(raw, "url("));
	ck_assert_ptr_null(strstr(raw, "@import"));
	ck_assert_ptr_null(strstr(raw, "<script"));
	ck_assert_ptr_null(strstr(raw, "<img"));
	ck_assert_ptr_nonnull(strstr(raw, "&lt;script&gt;alert(2)&lt;/script&gt;"));
	/* the colours the cells take */
	ck_assert_ptr_nonnull(strstr(raw, ".pass{background:#1b7f3b}"));
	ck_assert_ptr_nonnull(strstr(raw, ".fail{background:#c62828}"));
	xmlDocPtr d = th_parse_html(raw, len);
	th_check_dom(d, &k);
	xmlFreeDoc(d);
	free(raw);
	test_report("html: %u cases in 9 suites, %u departures, %zu bytes", k.n[0] + k.n[1] + k.n[2] + k.n[3],
		    k.departures, len);
}
END_TEST

/* The same page from reports whose case properties are <properties>
 * (--junit-properties), and from the merged report. */
START_TEST(test_html_sources)
{
	struct th_counts k;
	const char *page = th_path("props.html");
	th_page(page, JUNIT_OPT_CASE_PROPERTIES, &k);
	size_t len;
	char *raw = th_slurp(page, &len);
	xmlDocPtr d = th_parse_html(raw, len);
	th_check_hagle(d);
	th_check_sections(d, &k);
	xmlFreeDoc(d);
	free(raw);

	th_page(th_path("plain.html"), 0, &k);
	const char *two[] = { th_path("a.xml"), th_path("b.xml") };
	char err[600];
	ck_assert_msg(junit_merge(two, 2, th_path("merged.xml"), err, sizeof(err)), "%s", err);
	xmlFreeDoc(test_junit_valid(th_path("merged.xml")));
	const char *one[] = { th_path("merged.xml") };
	ck_assert_msg(html_report(one, 1, page, NULL, err, sizeof(err)), "%s", err);
	raw = th_slurp(page, &len);
	d = th_parse_html(raw, len);
	th_check_dom(d, &k);
	xmlFreeDoc(d);
	free(raw);

	/* another tool's report: one testsuite as the root, no properties */
	const char *ant[] = { test_src_path("tests/junit/ant-single.xml") };
	ck_assert_msg(html_report(ant, 1, page, NULL, err, sizeof(err)), "%s", err);
	raw = th_slurp(page, &len);
	d = th_parse_html(raw, len);
	th_expect(d, "1 failed, 0 errors of 2 cases", "string(//p[@id='verdict'])");
	th_expect(d, "chip fail", "string(//a[.='qm-lifetime']/@class)");
	xmlFreeDoc(d);
	free(raw);
}
END_TEST

/* ike-conform report: usage, refusals (nothing written), a page. */
START_TEST(test_html_command)
{
	const char *bin = getenv("IKEC_BIN");
	ck_assert_msg(bin && access(bin, X_OK) == 0, "IKEC_BIN must name the ike-conform binary");
	char cmd[2048], *out;
	struct th_counts k = { 0 };
	th_junit(th_path("s.xml"), th_suites_a + 1, 1, false, 0, &k);
	snprintf(cmd, sizeof(cmd), "'%s' report '%s'", bin, th_path("s.xml"));
	ck_assert_int_eq(test_run(cmd, &out), 2);
	ck_assert_msg(strstr(out, "-o OUT.html is required"), "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "'%s' report -o '%s' '%s' '%s'", bin, th_path("x.html"),
		 th_path("s.xml"), test_src_path("tests/junit/not-junit.xml"));
	ck_assert_int_eq(test_run(cmd, &out), 2);
	ck_assert_msg(strstr(out, "not-junit.xml: not a JUnit report"), "%s", out);
	free(out);
	struct stat st;
	ck_assert_msg(stat(th_path("x.html"), &st) != 0, "a refused report wrote a page");
	snprintf(cmd, sizeof(cmd), "'%s' report -o '%s' '%s'", bin, th_path("s.html"),
		 th_path("s.xml"));
	ck_assert_int_eq(test_run(cmd, &out), 0);
	ck_assert_msg(strstr(out, "ike-conform report: 16 cases (16 passed, 0 failed, 0 errors, "
				  "0 skipped) from 1 report into "), "%s", out);
	free(out);
	size_t len;
	char *raw = th_slurp(th_path("s.html"), &len);
	xmlDocPtr d = th_parse_html(raw, len);
	th_expect(d, "16 cases: none failed", "string(//p[@id='verdict'])");
	th_expect(d, "banner pass", "string(//p[@id='verdict']/@class)");
	xmlFreeDoc(d);
	free(raw);
}
END_TEST

/* ---- headless Chromium ---- */

static unsigned th_paeth(unsigned a, unsigned b, unsigned c)
{
	int p = (int)a + (int)b - (int)c;
	int pa = abs(p - (int)a), pb = abs(p - (int)b), pc = abs(p - (int)c);
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* A PNG (8-bit RGB or RGBA, not interlaced, as Chromium writes them) as
 * RGB pixels; fails the test on anything else. */
static unsigned char *th_png(const char *path, unsigned *w, unsigned *h)
{
	size_t len, off = 8, nz = 0;
	unsigned char *b = (unsigned char *)th_slurp(path, &len), *z = xmalloc(len);
	unsigned bpp = 0;
	ck_assert_msg(len > 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8), "%s: not a PNG", path);
	while (off + 12 <= len) {
		size_t n = (size_t)b[off] << 24 | (size_t)b[off + 1] << 16 | b[off + 2] << 8 | b[off + 3];
		const unsigned char *t = b + off + 4, *data = b + off + 8;
		ck_assert_msg(n <= len - off - 12, "%s: chunk past the end", path);
		if (!memcmp(t, "IHDR", 4)) {
			*w = (unsigned)data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3];
			*h = (unsigned)data[4] << 24 | data[5] << 16 | data[6] << 8 | data[7];
			ck_assert_msg(data[8] == 8 && (data[9] == 2 || data[9] == 6) && !data[12],
				      "%s: depth %u colour type %u interlace %u", path, data[8],
				      data[9], data[12]);
			bpp = data[9] == 6 ? 4 : 3;
		} else if (!memcmp(t, "IDAT", 4)) {
			memcpy(z + nz, data, n);
			nz += n;
		}
		off += n + 12;
	}
	ck_assert_msg(bpp && *w && *h && *w < 10000 && *h < 20000, "%s: no usable IHDR", path);
	size_t stride = (size_t)*w * bpp;
	uLongf rawlen = (uLongf)((stride + 1) * *h);
	unsigned char *raw = xmalloc(rawlen), *px = xmalloc((size_t)*w * *h * 3);
	ck_assert_msg(uncompress(raw, &rawlen, z, nz) == Z_OK && rawlen == (stride + 1) * *h,
		      "%s: image data does not inflate", path);
	for (size_t y = 0; y < *h; y++) {
		unsigned char *row = raw + y * (stride + 1) + 1, *up = y ? row - stride - 1 : NULL;
		unsigned f = row[-1];
		for (size_t x = 0; x < stride; x++) {
			unsigned a = x >= bpp ? row[x - bpp] : 0, u = up ? up[x] : 0;
			unsigned c = up && x >= bpp ? up[x - bpp] : 0;
			unsigned add = f == 1 ? a : f == 2 ? u : f == 3 ? (a + u) / 2 : f == 4 ? th_paeth(a, u, c) : 0;
			row[x] = (unsigned char)(row[x] + add);
		}
		for (size_t x = 0; x < *w; x++)
			memcpy(px + (y * *w + x) * 3, row + x * bpp, 3);
	}
	free(raw);
	free(z);
	free(b);
	return px;
}

/* Pixels within 6 of rgb in every channel. */
static size_t th_pixels(const unsigned char *px, size_t n, unsigned rgb)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = px + i * 3;
		unsigned want[3] = { rgb >> 16, (rgb >> 8) & 0xff, rgb & 0xff };
		bool near = true;
		for (size_t c = 0; c < 3; c++)
			near &= abs((int)p[c] - (int)want[c]) <= 6;
		count += near;
	}
	return count;
}

/* Where the screenshot is kept: artifacts/html/ beside the test binary
 * (build/artifacts/html/ for build/check-ike-conform). */
static void th_artifacts(char *buf, size_t len)
{
	const char *bin = getenv("IKEC_BIN");
	char tmp[1024];
	snprintf(tmp, sizeof(tmp), "%s", bin && *bin ? bin : test_src_path("build/ike-conform"));
	snprintf(buf, len, "%s/artifacts/html", dirname(tmp));
	char cmd[1200], *out;
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", buf);
	ck_assert_msg(test_run(cmd, &out) == 0, "%s: %s", buf, out);
	free(out);
}

START_TEST(test_html_chromium)
{
	char *out, cmd[4096], shots[1100], png[1200], dom[1200];
	int have = test_run("command -v chromium", &out);
	free(out);
	ck_assert_msg(have == 0, "chromium is not installed: ci/deps.sh installs it (Debian's "
		      "chromium package), and the HTML report's browser test needs it");
	struct th_counts k;
	const char *page = th_path("report.html");
	th_page(page, 0, &k);
	th_artifacts(shots, sizeof(shots));
	snprintf(png, sizeof(png), "%s/report.png", shots);
	snprintf(dom, sizeof(dom), "%s/report.dom.html", shots);
	unlink(png);
	/* its own profile folder; no sandbox (we are root), no GPU, no network */
	const char *flags = "--headless --disable-gpu --no-sandbox --hide-scrollbars "
			    "--no-first-run --disable-extensions --force-device-scale-factor=1";
	snprintf(cmd, sizeof(cmd), "timeout 120 chromium %s --user-data-dir='%s/prof' --dump-dom "
		 "'file://%s' > '%s' 2>/dev/null", flags, th_dir, page, dom);
	ck_assert_msg(test_run(cmd, &out) == 0, "chromium --dump-dom: %s", out);
	free(out);
	size_t len;
	char *raw = th_slurp(dom, &len);
	ck_assert_msg(len > 1000, "chromium dumped %zu bytes", len);
	xmlDocPtr d = th_parse_html(raw, len);
	th_check_dom(d, &k);
	xmlFreeDoc(d);
	free(raw);
	snprintf(cmd, sizeof(cmd), "timeout 120 chromium %s --user-data-dir='%s/prof' "
		 "--window-size=1280,2000 --screenshot='%s' 'file://%s'", flags, th_dir, png, page);
	ck_assert_msg(test_run(cmd, &out) == 0 && access(png, R_OK) == 0, "chromium --screenshot: %s",
		      out);
	free(out);
	unsigned w, h;
	unsigned char *px = th_png(png, &w, &h);
	ck_assert_msg(w == 1280 && h == 2000, "screenshot %ux%u", w, h);
	/* the colours as rendered: the HAGLE grid's 245 green cells (far more
	   than the legend), and the red, orange and grey of the others */
	size_t n = (size_t)w * h, green = th_pixels(px, n, 0x1b7f3b), red = th_pixels(px, n, 0xc62828);
	size_t orange = th_pixels(px, n, 0xe65100), grey = th_pixels(px, n, 0x8a8a8a);
	ck_assert_msg(green > 40000 && red > 300 && orange > 300 && grey > 1000,
		      "%s: green %zu, red %zu, orange %zu, grey %zu pixels", png, green, red, orange,
		      grey);
	free(px);
	test_report("html: chromium rendered %u cases; DOM checked; screenshot %s (%ux%u: green %zu, "
		    "red %zu, orange %zu, grey %zu pixels)", k.n[0] + k.n[1] + k.n[2] + k.n[3], png, w,
		    h, green, red, orange, grey);
}
END_TEST

Suite *suite_html(void)
{
	Suite *s = suite_create("html");
	TCase *tc = tcase_create("html");
	tcase_add_checked_fixture(tc, th_setup, th_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_html_page);
	tcase_add_test(tc, test_html_sources);
	tcase_add_test(tc, test_html_command);
	tcase_add_test(tc, test_html_chromium);
	suite_add_tcase(s, tc);
	return s;
}
