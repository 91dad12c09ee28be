/* libFuzzer target: the suite loader (suite_load_string) and the peer
 * config loader (peercfg_load_string) on the same text.
 *
 * The input is a YAML file's bytes (made a string at the first NUL). Both
 * loaders either succeed or fail with a message and a position, and free
 * what they made either way. */
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "fuzz/fuzz.h"
#include "suite/peercfg.h"
#include "suite/suite.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERR);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	struct suite s;
	struct yaml_error err;
	memset(&err, 0, sizeof(err));
	if (!suite_load_string("fuzz.yaml", text, &s, &err) && !err.msg[0]) {
		fprintf(stderr, "suite_load_string failed without a message\n");
		abort();
	}
	suite_free(&s);

	struct peercfg c;
	memset(&err, 0, sizeof(err));
	if (!peercfg_load_string("fuzz.yaml", text, &c, &err) && !err.msg[0]) {
		fprintf(stderr, "peercfg_load_string failed without a message\n");
		abort();
	}
	peercfg_free(&c);
	free(text);
	return 0;
}
