# Top-level build of the hypervisor.
#   make deps                                   install everything (Debian 12)
#   make test                                   every test; ends "N passed, N failed"
#   make PLATFORM=qemu-aarch64 CONFIG=dual_linux   build/<platform>/<config>/hypervisor.bin
#   make PLATFORM=qemu-aarch64 CONFIG=X run     boot it under QEMU (QEMU_EXTRA="..." appends)
#   make PLATFORM=qemu-aarch64 CONFIG=X cert    MISRA, stacks, allocation, coverage, reproducibility, traceability
#   make bench                                  deterministic path lengths (docs/performance.md)
# CONFIG is a name under config/ or a path to a TOML file.

PLATFORM ?= qemu-aarch64
CONFIG   ?= dual_linux
PY       := /usr/bin/python3
CROSS    ?= aarch64-linux-gnu-
QEMU     ?= qemu-system-aarch64
QEMU_EXTRA ?=
SOURCE_DATE_EPOCH ?= 0
export SOURCE_DATE_EPOCH

ifneq ($(wildcard config/$(CONFIG).toml),)
CONFIG_FILE := config/$(CONFIG).toml
else
CONFIG_FILE := $(CONFIG)
endif
CONFIG_NAME   := $(basename $(notdir $(CONFIG_FILE)))
PLATFORM_DIR  := platform/$(PLATFORM)
PLATFORM_FILE := $(PLATFORM_DIR)/platform.toml
B             := build/$(PLATFORM)/$(CONFIG_NAME)
GEN           := $(B)/gen
DEPS          := .deps
ARCH          := aarch64

GUEST_OUT := build/guests
include tests/guests/guests.mk
include tests/fuzz/fuzz.mk

LINUX_OUT := build/linux
INITRAMFS := $(LINUX_OUT)/initramfs.cpio.gz

CC      := $(CROSS)gcc
OBJCOPY := $(CROSS)objcopy

Q := @
ifeq ($(V),1)
Q :=
endif

# Freestanding C11 for EL2: no FP/SIMD in hypervisor code (guests own those
# registers), no unaligned accesses, no outlined atomics from libgcc, no
# path or time stamps in the image (reproducible builds).
TARGET_CFLAGS := -std=c11 -ffreestanding -nostdlib -fno-pie -fno-common -fno-stack-protector \
    -mgeneral-regs-only -mstrict-align -mno-outline-atomics -fno-tree-loop-distribute-patterns \
    -O2 -g -Wall -Wextra -Werror -Wshadow -Wundef -Wstrict-prototypes -Wmissing-prototypes \
    -ffile-prefix-map=$(CURDIR)/= -MMD -MP
TARGET_INC := -nostdinc -isystem $(shell $(CC) -print-file-name=include) -Isrc/core/include -Isrc/arch/$(ARCH)/include -I$(GEN) -I$(DEPS)/arm64/usr/include
LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--fatal-warnings \
    -Wl,--no-undefined

CORE_SRCS := $(wildcard src/core/*.c)
ARCH_SRCS := $(wildcard src/arch/$(ARCH)/*.c) $(wildcard src/arch/$(ARCH)/*.S)
OBJS := $(patsubst %,$(B)/obj/%.o,$(CORE_SRCS) $(ARCH_SRCS)) $(B)/obj/gen/hv_config.o \
    $(B)/obj/gen/images.o

QEMU_SMP := $(shell $(PY) -c 'import tomllib,sys; p=tomllib.load(open(sys.argv[1],"rb")); print(len(p["cpu"]), p["qemu"]["memory_mib"], p["qemu"]["machine"], p["qemu"]["cpu"])' $(PLATFORM_FILE) 2>/dev/null)
QEMU_ARGS = -M $(word 3,$(QEMU_SMP)) -cpu $(word 4,$(QEMU_SMP)) -smp $(word 1,$(QEMU_SMP)) \
    -m $(word 2,$(QEMU_SMP)) -display none -nic none -monitor none -serial stdio

.PHONY: all run deps test clean guests initramfs describe bench cert
.DEFAULT_GOAL := all
all: $(B)/hypervisor.bin

$(GEN)/.stamp: $(CONFIG_FILE) $(PLATFORM_FILE) tools/gen_config.py $(wildcard tools/templates/*) \
        $(GUEST_BINS) $(INITRAMFS)
	@rm -rf $(GEN)
	$(PY) tools/gen_config.py --platform $(PLATFORM_FILE) --config $(CONFIG_FILE) --out $(GEN) \
	    --var guests=$(GUEST_OUT) --var deps=$(DEPS) --var linux=$(LINUX_OUT) \
	    --depfile $(B)/gen.d
	@touch $@

$(GEN)/hv_config.c $(GEN)/images.S $(GEN)/cfg_sizes.h: $(GEN)/.stamp

$(B)/obj/%.c.o: %.c $(GEN)/.stamp
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(TARGET_CFLAGS) $(TARGET_INC) -c -o $@ $<

$(B)/obj/%.S.o: %.S $(GEN)/.stamp
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) $(TARGET_CFLAGS) $(TARGET_INC) -D__ASSEMBLY__ -c -o $@ $<

$(B)/obj/gen/%.o: $(GEN)/%.c $(GEN)/.stamp
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(TARGET_CFLAGS) $(TARGET_INC) -c -o $@ $<

$(B)/obj/gen/images.o: $(GEN)/images.S $(GEN)/.stamp
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) -c -o $@ $<

$(B)/hv.ld: src/arch/$(ARCH)/hv.lds.in $(GEN)/.stamp
	$(Q)$(CC) -E -P -x c -D__ASSEMBLY__ $(TARGET_INC) -o $@ $<

$(B)/hypervisor.elf: $(OBJS) $(B)/hv.ld $(DEPS)/libfdt.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -T $(B)/hv.ld -Wl,-Map=$(B)/hypervisor.map -o $@ $(OBJS) $(DEPS)/libfdt.a

$(B)/hypervisor.bin: $(B)/hypervisor.elf
	$(Q)$(OBJCOPY) -O binary $< $@
	@echo "built $@ ($$(stat -c %s $@) bytes)"

$(INITRAMFS): tools/mk_initramfs.py tests/guests/linux/init $(DEPS)/busybox
	@mkdir -p $(@D)
	$(PY) tools/mk_initramfs.py --busybox $(DEPS)/busybox --init tests/guests/linux/init --out $@

initramfs: $(INITRAMFS)

describe:
	$(PY) tools/gen_config.py --platform $(PLATFORM_FILE) --config $(CONFIG_FILE) --describe \
	    --var guests=$(GUEST_OUT) --var deps=$(DEPS) --var linux=$(LINUX_OUT)

run: $(B)/hypervisor.bin
	$(QEMU) $(QEMU_ARGS) -kernel $(B)/hypervisor.bin $(QEMU_EXTRA)

deps:
	bash ci/setup.sh

test:
	bash tests/run_all.sh

# Certification evidence for this configuration (docs/certification.md):
# build/<platform>/<config>/cert/; fails if any check fails.
cert:
	bash ci/cert.sh $(PLATFORM) $(CONFIG)

# Deterministic path lengths under QEMU -icount: docs/performance.md.
bench:
	$(PY) tools/bench.py

clean:
	rm -rf build

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
-include $(B)/gen.d
