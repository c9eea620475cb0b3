/* Environment header for Debian's prebuilt libfdt, replacing the one it
 * ships (which pulls in the hosted C library): freestanding types, byte
 * order helpers, and the project's own string functions. */
#ifndef LIBFDT_ENV_H
#define LIBFDT_ENV_H

#include "types.h"
#include "lib.h"

#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif
#ifndef INT32_MAX
#define INT32_MAX __INT32_MAX__
#endif
#ifndef UINT_MAX
#define UINT_MAX (__INT_MAX__ * 2U + 1U)
#endif

typedef uint16_t fdt16_t;
typedef uint32_t fdt32_t;
typedef uint64_t fdt64_t;

static inline uint16_t fdt16_to_cpu(fdt16_t x) { return __builtin_bswap16(x); }
static inline fdt16_t cpu_to_fdt16(uint16_t x) { return __builtin_bswap16(x); }
static inline uint32_t fdt32_to_cpu(fdt32_t x) { return __builtin_bswap32(x); }
static inline fdt32_t cpu_to_fdt32(uint32_t x) { return __builtin_bswap32(x); }
static inline uint64_t fdt64_to_cpu(fdt64_t x) { return __builtin_bswap64(x); }
static inline fdt64_t cpu_to_fdt64(uint64_t x) { return __builtin_bswap64(x); }

#endif
