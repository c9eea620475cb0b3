/* Basic freestanding types and helpers shared by core and arch code. */
#ifndef TYPES_H
#define TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a) - 1u)) & ~((a) - 1u))
#define IS_ALIGNED(x, a) (((x) & ((a) - 1u)) == 0u)

#define KIB(x) ((uint64_t)(x) << 10)
#define MIB(x) ((uint64_t)(x) << 20)
#define GIB(x) ((uint64_t)(x) << 30)

#define PAGE_SIZE 4096u

#endif
