#include "tests.h"
Suite *suite_names(void) { Suite *s = suite_create("names"); return s; }
