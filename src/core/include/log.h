/* Hypervisor log lines on the console, prefixed "[hv]". printf subset:
 * %s %c %d %u %x %lu %lx %ld %llu %llx %% and a width like %08lx. */
#ifndef LOG_H
#define LOG_H

#include "types.h"

void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Format into buf (always NUL-terminated); returns the length. */
uint32_t log_format(char *buf, uint32_t size, const char *fmt, __builtin_va_list ap);

/* Fatal hypervisor error (configuration or platform mismatch): log, halt. */
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
