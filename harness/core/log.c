#include "core/log.h"

#include <stdio.h>

static enum log_level log_level_current = LOG_WARN;

static const char *const log_level_names[] = {
	[LOG_ERR] = "error", [LOG_WARN] = "warning", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
	log_level_current = level;
}

enum log_level log_get_level(void)
{
	return log_level_current;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_level_current)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ike-conform: %s: ", log_level_names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
