# tests/guests/guests.mk: Makefile fragment that builds the bare-metal AArch64 EL1 test guests
# ($(GUEST_OUT)/NAME.elf and NAME.bin). Set GUEST_OUT before including; `make guests` builds all.

CROSS      ?= aarch64-linux-gnu-
GUEST_OUT  ?= build/guests
# Link address of the guest image; override (e.g. 0x40080000) only for bare-QEMU smoke tests.
GUEST_BASE ?= 0x40000000

GUEST_MK  := $(lastword $(MAKEFILE_LIST))
GUEST_DIR := $(patsubst %/,%,$(dir $(GUEST_MK)))

GUEST_NAMES := hello smp_hello halt_wake wild heartbeat reset_once sysoff_early vtimer_periodic sgi_pingpong sgi_spy uart_rx long_lines sgi_repend timer_before_enable bench rtc_irq victim hostile restarter
GUEST_ELFS  := $(foreach g,$(GUEST_NAMES),$(GUEST_OUT)/$(g).elf)
GUEST_BINS  := $(foreach g,$(GUEST_NAMES),$(GUEST_OUT)/$(g).bin)

GUEST_CC      = $(CROSS)gcc
GUEST_OBJCOPY = $(CROSS)objcopy

# -fno-pie: the toolchain defaults to PIE; -fno-tree-loop-distribute-patterns keeps
# GCC from turning guest_lib.c's memset/memcpy loops into calls to themselves.
GUEST_CFLAGS = -std=c11 -ffreestanding -nostdlib -nostartfiles -mgeneral-regs-only \
               -O2 -g -Wall -Wextra -Werror -fno-stack-protector -mstrict-align \
               -fno-pie -fno-tree-loop-distribute-patterns \
               -I$(GUEST_DIR)/common -MMD -MP
GUEST_ASFLAGS = -g -Wall -Werror -fno-pie -MMD -MP
GUEST_LDS     = $(GUEST_DIR)/common/guest.ld
GUEST_LDFLAGS = -T $(GUEST_LDS) -nostdlib -static -no-pie -Wl,--build-id=none \
                -Wl,--defsym=GUEST_BASE=$(GUEST_BASE) -Wl,-z,noexecstack -Wl,--fatal-warnings

.PHONY: guests guests-clean
guests: $(GUEST_BINS)

# Per guest: common/start.S + common/guest_lib.c + every .c/.S in the guest's directory,
# all compiled into $(GUEST_OUT)/obj/NAME/.
define GUEST_RULES
GUEST_OBJS_$(1) := $(GUEST_OUT)/obj/$(1)/common/start.o \
                   $(GUEST_OUT)/obj/$(1)/common/guest_lib.o \
                   $$(patsubst $(GUEST_DIR)/$(1)/%.c,$(GUEST_OUT)/obj/$(1)/%.o,$$(wildcard $(GUEST_DIR)/$(1)/*.c)) \
                   $$(patsubst $(GUEST_DIR)/$(1)/%.S,$(GUEST_OUT)/obj/$(1)/%.o,$$(wildcard $(GUEST_DIR)/$(1)/*.S))

$(GUEST_OUT)/obj/$(1)/common/%.o: $(GUEST_DIR)/common/%.c $(GUEST_MK)
	@mkdir -p $$(@D)
	$$(GUEST_CC) $$(GUEST_CFLAGS) -c -o $$@ $$<

$(GUEST_OUT)/obj/$(1)/common/%.o: $(GUEST_DIR)/common/%.S $(GUEST_MK)
	@mkdir -p $$(@D)
	$$(GUEST_CC) $$(GUEST_ASFLAGS) -c -o $$@ $$<

$(GUEST_OUT)/obj/$(1)/%.o: $(GUEST_DIR)/$(1)/%.c $(GUEST_MK)
	@mkdir -p $$(@D)
	$$(GUEST_CC) $$(GUEST_CFLAGS) -c -o $$@ $$<

$(GUEST_OUT)/obj/$(1)/%.o: $(GUEST_DIR)/$(1)/%.S $(GUEST_MK)
	@mkdir -p $$(@D)
	$$(GUEST_CC) $$(GUEST_ASFLAGS) -c -o $$@ $$<

$(GUEST_OUT)/$(1).elf: $$(GUEST_OBJS_$(1)) $(GUEST_LDS) $(GUEST_MK)
	@mkdir -p $$(@D)
	$$(GUEST_CC) $$(GUEST_LDFLAGS) -o $$@ $$(GUEST_OBJS_$(1))

$(GUEST_OUT)/$(1).bin: $(GUEST_OUT)/$(1).elf
	$$(GUEST_OBJCOPY) -O binary $$< $$@
endef

$(foreach g,$(GUEST_NAMES),$(eval $(call GUEST_RULES,$(g))))

-include $(wildcard $(GUEST_OUT)/obj/*/*.d $(GUEST_OUT)/obj/*/common/*.d)

guests-clean:
	rm -rf $(GUEST_OUT)/obj $(GUEST_ELFS) $(GUEST_BINS)
