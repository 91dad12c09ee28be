/* ike-conform sa-state: a strongSwan-based device's `swanctl --list-sas
 * --pretty` as the SA-state lines of docs/vendors.md, so that its profile's
 * sa_state (and reset) commands need no parser of the vendor's own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/chunk.h"
#include "peers/peer.h"
#include "peers/strongswan/strongswan.h"

#define SASTATE_MAX_INPUT (4u << 20)   /* list-sas of a busy gateway fits */
#define SASTATE_MAX_IDS 4096

static void sastate_usage(FILE *f)
{
	fprintf(f, "usage: ike-conform sa-state [--name CONN] [--ike-ids] [FILE]\n"
		   "  reads `swanctl --list-sas --pretty` (FILE, or standard input) and\n"
		   "  prints the first established IKE SA (of connection CONN) and its first\n"
		   "  installed child as the profile's SA-state lines (docs/vendors.md);\n"
		   "  nothing when there is none. --ike-ids: every IKE SA's unique ID, one\n"
		   "  per line, half-open ones too (for a reset: swanctl --terminate --ike-id).\n"
		   "  Lifetimes are left out: list-sas shows when charon reauthenticates,\n"
		   "  not when the SA ends.\n");
}

/* The whole input, NUL-terminated; NULL with err. */
static char *sastate_read(FILE *in, const char *what, char *err, size_t errlen)
{
	struct writer w;
	writer_init(&w);
	bool ok = writer_read(&w, in, SASTATE_MAX_INPUT);
	if (!ok || w.len > SASTATE_MAX_INPUT) {
		if (ok)
			snprintf(err, errlen, "%s: more than %u bytes", what, SASTATE_MAX_INPUT);
		else
			snprintf(err, errlen, "%s: %s", what, strerror(errno));
		writer_free(&w);
		return NULL;
	}
	writer_u8(&w, 0);
	return (char *)writer_take(&w).ptr;
}

int cli_sa_state(int argc, char **argv)
{
	const char *name = NULL, *file = NULL;
	bool ids = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc) {
			name = argv[++i];
		} else if (!strcmp(argv[i], "--ike-ids")) {
			ids = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			sastate_usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "ike-conform sa-state: unknown or incomplete option '%s'\n",
				argv[i]);
			sastate_usage(stderr);
			return 2;
		} else if (file) {
			fprintf(stderr, "ike-conform sa-state: one input only, not '%s' too\n", argv[i]);
			return 2;
		} else {
			file = argv[i];
		}
	}
	const char *what = file && strcmp(file, "-") ? file : "standard input";
	FILE *in = file && strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!in) {
		fprintf(stderr, "ike-conform sa-state: %s: %s\n", file, strerror(errno));
		return 2;
	}
	char err[600];
	char *text = sastate_read(in, what, err, sizeof(err));
	if (in != stdin)
		fclose(in);
	if (!text) {
		fprintf(stderr, "ike-conform sa-state: %s\n", err);
		return 2;
	}
	int rc = 0;
	struct peer_sa_view *v = xcalloc(1, sizeof(*v));
	if (!strongswan_parse_sas(text, name, v, err, sizeof(err))) {
		fprintf(stderr, "ike-conform sa-state: %s: %s\n", what, err);
		rc = 2;
	} else if (ids) {
		uint32_t *id = xcalloc(SASTATE_MAX_IDS, sizeof(*id));
		size_t n = strongswan_parse_ike_ids(text, id, SASTATE_MAX_IDS);
		for (size_t i = 0; i < n; i++)
			printf("%u\n", (unsigned)id[i]);
		free(id);
	} else {
		/* charon's reauth time is not the SA's end: left out, not compared */
		v->life_sec = v->child.life_sec = 0;
		char out[1024];
		if (!peer_state_format(v, out, sizeof(out))) {
			fprintf(stderr, "ike-conform sa-state: the state lines do not fit\n");
			rc = 2;
		} else {
			fputs(out, stdout);
		}
	}
	free(v);
	free(text);
	return rc;
}
