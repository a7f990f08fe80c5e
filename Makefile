# Oficio - build, run, test.
#
#   make run     install missing packages, build, serve on 127.0.0.1:8080
#   make test    install missing packages, build, run every test
#
# Knobs: CC, PKG_CONFIG, PREFIX, DESTDIR, SAN=1 (ASan+UBSan build in
# build-san/), WERROR=0 to relax -Werror, LISTEN, DB.

CC         ?= cc
PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr/local
DESTDIR    ?=
LISTEN     ?= 127.0.0.1:8080
DB         ?= ./data/oficio.db
FUZZ_SECONDS ?= 60
VERSION    := 0.1.0

PKGS := libevent libevent_pthreads sqlite3 libcmark-gfm libsodium jansson zlib

ifeq ($(SAN),1)
BUILD    := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      := -O1
else
BUILD    := build
SANFLAGS :=
OPT      := -O2
endif

WERROR ?= 1
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(WERROR),1)
WARN += -Werror
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(WARN) -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	   -DOFICIO_VERSION='"$(VERSION)"' $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
LDLIBS  += $(PKG_LIBS) -lstemmer -lpthread -lm
LDFLAGS += $(SANFLAGS)

SRCS      := $(wildcard server/*.c)
OBJS      := $(SRCS:server/%.c=$(BUILD)/obj/%.o)
LIB_OBJS  := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all build deps deps-test run test test-unit test-http test-browser bench bench-search \
	bench-reports bench-durability fuzz install clean format demo

all: $(BUILD)/oficio

# `make build` is `make`: without this, the build/ folder answered it
# with "Nothing to be done" and an old binary.
build: all

deps:
	@sh .ci/deps build

deps-test:
	@sh .ci/deps test

$(BUILD)/oficio: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: server/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iserver -o $@ $< $(LIB_OBJS) $(LDFLAGS) $(LDLIBS) $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(dir $(DB))
	./$(BUILD)/oficio serve --db $(DB) --listen $(LISTEN) --offer-demo

demo: all
	@mkdir -p $(dir $(DB))
	./$(BUILD)/oficio demo --db $(DB)

# Every test: unit (cmocka), HTTP (the real binary), browser (Chromium).
test: deps deps-test
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@BUILD=$(BUILD) sh tests/run.sh

test-unit: all $(UNIT_BINS)
	@BUILD=$(BUILD) ONLY=unit sh tests/run.sh

test-http: all
	@BUILD=$(BUILD) ONLY=http sh tests/run.sh

test-browser: all
	@BUILD=$(BUILD) ONLY=browser sh tests/run.sh

bench: deps all
	@sh .ci/deps bench
	@BUILD=$(BUILD) sh bench/view.sh

bench-search: deps all
	@sh .ci/deps bench
	@BUILD=$(BUILD) sh bench/search.sh

bench-reports: deps all
	@sh .ci/deps bench
	@BUILD=$(BUILD) sh bench/reports.sh

bench-durability: deps all
	@sh .ci/deps bench
	@BUILD=$(BUILD) sh bench/durability.sh

.PHONY: bench-loginstorm bench-slowclients

bench-loginstorm: deps all
	@sh .ci/deps bench
	@BUILD=$(BUILD) sh bench/loginstorm.sh

bench-slowclients: deps all
	@sh .ci/deps bench
	@BUILD=$(BUILD) sh bench/slowclients.sh

fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/oficio
	install -m 755 $(BUILD)/oficio $(DESTDIR)$(PREFIX)/bin/oficio
	cp -R templates static schema $(DESTDIR)$(PREFIX)/share/oficio/

format:
	clang-format -i server/*.c server/*.h tests/unit/*.c

clean:
	rm -rf build build-san build-fuzz

-include $(OBJS:.o=.d)
