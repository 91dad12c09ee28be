/* Internal to report/: the JUnit reports as the HTML page reads them
 * (html_read.c), for the page's writer (html.c). */
#ifndef IKEC_REPORT_HTML_INTERNAL_H
#define IKEC_REPORT_HTML_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

enum html_verdict { HTML_PASS, HTML_FAIL, HTML_ERROR, HTML_SKIP };

struct html_kv {
	char *k, *v;
};

struct html_kvs {
	struct html_kv *v;
	size_t n;
};

struct html_case {
	char *name, *classname;
	char *time;               /* as written ("1.250"), or "" */
	enum html_verdict verdict;
	char *message;            /* the outcome's message (or first line); NULL: pass */
	char *text;               /* the outcome's text; NULL: pass */
	char *out, *err;          /* system-out after its property lines, system-err */
	struct html_kvs props;
	size_t group;             /* index into html_model.groups */
};

struct html_group {
	char *name, *source;      /* testsuite name; the file it came from */
	char *timestamp, *hostname;
	struct html_kvs props;
	size_t first, n;          /* its cases: cases[first .. first + n) */
	unsigned counts[4];       /* by enum html_verdict */
};

struct html_model {
	struct html_group *groups;
	size_t ngroups;
	struct html_case *cases;
	size_t ncases;
};

/* Append one JUnit file's suites and cases (nested suites flattened, each
 * with its own cases). False with err naming path. */
bool html_read(struct html_model *m, const char *path, char *err, size_t errlen);
void html_model_free(struct html_model *m);
/* The value of key, or NULL. */
const char *html_kv_get(const struct html_kvs *ps, const char *key);

#endif
